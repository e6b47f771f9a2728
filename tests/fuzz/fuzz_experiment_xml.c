/*
 * fuzz_experiment_xml.c -- the experiment-file loader (base/xml.h):
 * parse from memory, validate against the experiment grammar (cospin.rng)
 * and explain what is wrong; for a valid document, walk the tree, read
 * every element's text as numbers and, for type="netlist", run the same
 * value checks as `cospin run --check` (they read the document only; the
 * other types' checks may open files the document names, so they are left
 * out).
 */
#include <config.h>

#include <string.h>

#include "experiment.h"
#include "fuzz.h"
#include "xml.h"

/* Visit every element below node (depth-first; depth bounded by libxml2's own limit). */
static void walk(const struct cospin_xml_node *node)
{
    for (const struct cospin_xml_node *c = cospin_xml_child(node, NULL); c;
         c = cospin_xml_next(c, NULL)) {
        double *v = NULL;
        size_t n = 0;
        struct cospin_error err = {0};
        int rc = cospin_xml_text_doubles(c, &v, &n, &err);
        fuzz_expect(rc, &err, "cospin_xml_text_doubles");
        free(v);
        if (cospin_xml_line(c) < 0 || strlen(cospin_xml_name(c)) == 0)
            abort();
        walk(c);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;   /* length 0 means "a C string" to cospin_xml_load_memory */
    struct cospin_xml_doc *doc = NULL;
    struct cospin_error err = {0};
    int rc = cospin_xml_load_memory((const char *)data, size, "fuzz.xml",
                                    COSPIN_CONFIG_SCHEMA_EXPERIMENT, &doc, &err);
    fuzz_expect(rc, &err, "cospin_xml_load_memory");
    if (rc != 0) {
        if (doc)
            abort();
        return 0;
    }
    const struct cospin_xml_node *root = cospin_xml_root(doc);
    walk(root);
    const struct cospin_experiment_type *type = NULL;
    struct cospin_error terr = {0};
    rc = cospin_experiment_find(root, &type, &terr);
    fuzz_expect(rc, &terr, "cospin_experiment_find");
    if (rc == 0 && strcmp(type->type, "netlist") == 0) {
        struct cospin_error cerr = {0};
        struct cospin_experiment_ctx ctx = {0};
        fuzz_expect(type->check(root, &ctx, &cerr), &cerr, "cospin_experiment_netlist_check");
    }
    cospin_xml_free(doc);
    return 0;
}
