/*
 * xml.c -- XML experiment/device files: load, validate against RELAX NG,
 * explain errors, and a small read-only tree API (xml.h).
 *
 * The only file of cospin that includes libxml2.
 *
 * libxml2's RELAX NG validator often reports only "Element foo failed to
 * validate attributes" (it does not say which attribute) and, below a
 * <choice>, reports the errors of every branch it tried.  So a failed
 * validation is explained in two steps: (1) the document is validated
 * against the grammar of its own experiment type alone (found through the
 * type values of <experiment> in the grammars), which gives one relevant
 * first error; (2) that error's element is checked against a small index
 * built from the grammar files themselves (element -> allowed attributes,
 * required attributes, allowed values, number-typed attributes, allowed
 * child elements) to name the offending attribute or child.  libxml2's own
 * message is the fallback.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define LOG_PREFIX "config"
#include "xml.h"
#include "error.h"
#include "log.h"
#include "paths.h"
#include "units.h"

/* Parser options: no network, line numbers beyond 65535, no entity expansion. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

/* Nesting limit when following <ref>/<externalRef> in a grammar (cycles). */
#define RNG_MAX_DEPTH 32
#define RNG_MAX_FILES 64

/* The define name that marks a SPICE number in our grammars (common.rng). */
#define RNG_NUMBER_DEFINE "number"

struct cospin_xml_doc {
    xmlDocPtr doc;
    char *path;
    char **strings;    /* strings handed out (text, odd attribute values) */
    size_t nstrings, capstrings;
};

/* ---- error capture ------------------------------------------------------------------ */

/* The first libxml2 error of an operation. */
struct xml_errcap {
    int have;
    int line;
    int domain;
    char msg[512];
    xmlNodePtr node;   /* element the error is about, if known */
    char str1[128];
};

static void capture_error(void *ctx, xmlErrorPtr e)
{
    struct xml_errcap *cap = ctx;
    if (!cap || !e || cap->have || e->level == XML_ERR_WARNING)
        return;
    cap->have = 1;
    cap->line = e->line;
    cap->domain = e->domain;
    cap->node = e->node;
    /* One line: newlines and runs of blanks in libxml2's text become one space. */
    const char *m = e->message ? e->message : "unknown XML error";
    size_t n = 0;
    for (; *m && n + 1 < sizeof cap->msg; m++) {
        char ch = (*m == '\n' || *m == '\r' || *m == '\t') ? ' ' : *m;
        if (ch == ' ' && (n == 0 || cap->msg[n - 1] == ' '))
            continue;
        cap->msg[n++] = ch;
    }
    while (n > 0 && cap->msg[n - 1] == ' ')
        n--;
    cap->msg[n] = '\0';
    snprintf(cap->str1, sizeof cap->str1, "%s", e->str1 ? e->str1 : "");
    if (cap->node && cap->line <= 0)
        cap->line = (int)xmlGetLineNo(cap->node);
}

/* ---- document strings ------------------------------------------------------------- */

static const char *keep_string(struct cospin_xml_doc *cfg, char *s)
{
    if (!s)
        return NULL;
    if (cfg->nstrings == cfg->capstrings) {
        size_t cap = cfg->capstrings ? 2 * cfg->capstrings : 16;
        char **p = realloc(cfg->strings, cap * sizeof *p);
        if (!p) {
            free(s);
            return NULL;
        }
        cfg->strings = p;
        cfg->capstrings = cap;
    }
    cfg->strings[cfg->nstrings++] = s;
    return s;
}

static xmlNodePtr X(const struct cospin_xml_node *n)
{
    return (xmlNodePtr)(void *)n;
}

static const struct cospin_xml_node *N(xmlNodePtr n)
{
    return (const struct cospin_xml_node *)(void *)n;
}

static struct cospin_xml_doc *cfg_of(xmlNodePtr n)
{
    return n && n->doc ? n->doc->_private : NULL;
}

/* ---- grammar index ------------------------------------------------------------------ */

struct rng_attr {
    char *name;
    int nreq;            /* definitions that require it */
    int number;          /* typed as a SPICE number in some definition */
    char **values;       /* allowed <value>s (union), NULL-terminated; NULL: any */
    size_t nvalues;
    int any_value;       /* some definition allows any text */
};

struct rng_elem {
    char *name;
    int ndefs;
    struct rng_attr *attrs;
    size_t nattrs;
    char **children;     /* allowed child element names (union) */
    size_t nchildren;
};

struct rng_file {
    xmlDocPtr doc;
    char *path;
};

struct rng_index {
    struct rng_file files[RNG_MAX_FILES];
    size_t nfiles;
    struct rng_elem *elems;
    size_t nelems;
    /* experiment type -> grammar file that defines it */
    char **types;
    char **type_files;
    size_t ntypes;
    int oom;
};

static int is_rng(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static char *xstrdup(struct rng_index *ix, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        ix->oom = 1;
    return d;
}

static int push_str(struct rng_index *ix, char ***arr, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i], s) == 0)
            return 0;
    char **p = realloc(*arr, (*n + 2) * sizeof *p);
    if (!p) {
        ix->oom = 1;
        return -1;
    }
    *arr = p;
    p[*n] = xstrdup(ix, s);
    if (!p[*n])
        return -1;
    (*n)++;
    p[*n] = NULL;
    return 0;
}

static void rng_index_free(struct rng_index *ix)
{
    for (size_t i = 0; i < ix->nfiles; i++) {
        xmlFreeDoc(ix->files[i].doc);
        free(ix->files[i].path);
    }
    for (size_t i = 0; i < ix->nelems; i++) {
        struct rng_elem *e = &ix->elems[i];
        for (size_t j = 0; j < e->nattrs; j++) {
            free(e->attrs[j].name);
            for (size_t k = 0; k < e->attrs[j].nvalues; k++)
                free(e->attrs[j].values[k]);
            free(e->attrs[j].values);
        }
        free(e->attrs);
        for (size_t j = 0; j < e->nchildren; j++)
            free(e->children[j]);
        free(e->children);
        free(e->name);
    }
    free(ix->elems);
    for (size_t i = 0; i < ix->ntypes; i++) {
        free(ix->types[i]);
        free(ix->type_files[i]);
    }
    free(ix->types);
    free(ix->type_files);
    memset(ix, 0, sizeof *ix);
}

/* Resolve href relative to the directory of base. */
static void rel_path(const char *base, const char *href, char *buf, size_t n)
{
    if (href[0] == '/') {
        snprintf(buf, n, "%s", href);
        return;
    }
    const char *slash = strrchr(base, '/');
    if (!slash)
        snprintf(buf, n, "%s", href);
    else
        snprintf(buf, n, "%.*s/%s", (int)(slash - base), base, href);
}

/* Load a grammar file (and, recursively, the files it references) into ix. */
static void rng_load_file(struct rng_index *ix, const char *path, int depth)
{
    if (depth > RNG_MAX_DEPTH || ix->nfiles >= RNG_MAX_FILES)
        return;
    for (size_t i = 0; i < ix->nfiles; i++)
        if (strcmp(ix->files[i].path, path) == 0)
            return;
    xmlDocPtr doc = xmlReadFile(path, NULL, PARSE_OPTIONS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return;
    size_t me = ix->nfiles++;
    ix->files[me].doc = doc;
    ix->files[me].path = xstrdup(ix, path);
    if (!ix->files[me].path)
        return;
    /* Follow every href in document order (iterative walk). */
    xmlNodePtr n = xmlDocGetRootElement(doc);
    while (n) {
        if ((is_rng(n, "externalRef") || is_rng(n, "include"))) {
            xmlChar *href = xmlGetProp(n, BAD_CAST "href");
            if (href) {
                char p[1024];
                rel_path(ix->files[me].path, (const char *)href, p, sizeof p);
                xmlFree(href);
                rng_load_file(ix, p, depth + 1);
            }
        }
        if (n->children && n->type == XML_ELEMENT_NODE) {
            n = n->children;
            continue;
        }
        while (n && !n->next)
            n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
        if (n)
            n = n->next;
    }
}

/* Find <define name=...> in doc (first), else in any loaded file. */
static xmlNodePtr rng_find_define(struct rng_index *ix, xmlDocPtr doc, const char *name)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t f = 0; f < ix->nfiles; f++) {
            if ((pass == 0) != (ix->files[f].doc == doc))
                continue;
            xmlNodePtr root = xmlDocGetRootElement(ix->files[f].doc);
            for (xmlNodePtr d = root ? root->children : NULL; d; d = d->next) {
                if (!is_rng(d, "define"))
                    continue;
                xmlChar *nm = xmlGetProp(d, BAD_CAST "name");
                int hit = nm && strcmp((const char *)nm, name) == 0;
                xmlFree(nm);
                if (hit)
                    return d;
            }
            /* defines inside <include> overrides are not indexed */
        }
    }
    return NULL;
}

static struct rng_elem *rng_elem_get(struct rng_index *ix, const char *name)
{
    for (size_t i = 0; i < ix->nelems; i++)
        if (strcmp(ix->elems[i].name, name) == 0)
            return &ix->elems[i];
    return NULL;
}

static struct rng_elem *rng_elem_add(struct rng_index *ix, const char *name)
{
    struct rng_elem *e = rng_elem_get(ix, name);
    if (e)
        return e;
    struct rng_elem *p = realloc(ix->elems, (ix->nelems + 1) * sizeof *p);
    if (!p) {
        ix->oom = 1;
        return NULL;
    }
    ix->elems = p;
    e = &p[ix->nelems];
    memset(e, 0, sizeof *e);
    e->name = xstrdup(ix, name);
    if (!e->name)
        return NULL;
    ix->nelems++;
    return e;
}

/* The attribute record of e for this definition pass. */
struct attr_seen {
    char *name;
    int required;
};

/* Collect an <attribute> pattern's value constraints. */
static void rng_attr_values(struct rng_index *ix, xmlDocPtr doc, xmlNodePtr pat,
                            struct rng_attr *a, int depth)
{
    int constrained = 0;
    for (xmlNodePtr c = pat->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        constrained = 1;
        if (is_rng(c, "value")) {
            xmlChar *v = xmlNodeGetContent(c);
            if (v)
                push_str(ix, &a->values, &a->nvalues, (const char *)v);
            xmlFree(v);
        } else if (is_rng(c, "choice")) {
            rng_attr_values(ix, doc, c, a, depth + 1);
        } else if (is_rng(c, "ref") && depth < RNG_MAX_DEPTH) {
            xmlChar *nm = xmlGetProp(c, BAD_CAST "name");
            if (nm && strcmp((const char *)nm, RNG_NUMBER_DEFINE) == 0) {
                a->number = 1;
            } else if (nm) {
                xmlNodePtr d = rng_find_define(ix, doc, (const char *)nm);
                if (d)
                    rng_attr_values(ix, d->doc, d, a, depth + 1);
                else
                    a->any_value = 1;
            }
            xmlFree(nm);
        } else {
            a->any_value = 1;   /* <data>, <text>, ...: not a closed list */
        }
    }
    if (!constrained)
        a->any_value = 1;
}

/*
 * Walk an element's content pattern: record attributes (in seen/e) and child
 * element names, descending through optional/choice/group/ref but not into
 * nested elements.
 */
static void rng_walk_content(struct rng_index *ix, xmlDocPtr doc, xmlNodePtr pat,
                             struct rng_elem *e, struct attr_seen *seen, size_t *nseen,
                             size_t maxseen, int optional, int depth)
{
    if (depth > RNG_MAX_DEPTH)
        return;
    for (xmlNodePtr c = pat->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_rng(c, "element")) {
            xmlChar *nm = xmlGetProp(c, BAD_CAST "name");
            if (nm)
                push_str(ix, &e->children, &e->nchildren, (const char *)nm);
            xmlFree(nm);
        } else if (is_rng(c, "attribute")) {
            xmlChar *nm = xmlGetProp(c, BAD_CAST "name");
            if (!nm)
                continue;
            struct rng_attr *a = NULL;
            for (size_t i = 0; i < e->nattrs; i++)
                if (strcmp(e->attrs[i].name, (const char *)nm) == 0)
                    a = &e->attrs[i];
            if (!a) {
                struct rng_attr *p = realloc(e->attrs, (e->nattrs + 1) * sizeof *p);
                if (!p) {
                    ix->oom = 1;
                    xmlFree(nm);
                    return;
                }
                e->attrs = p;
                a = &p[e->nattrs];
                memset(a, 0, sizeof *a);
                a->name = xstrdup(ix, (const char *)nm);
                if (!a->name) {
                    xmlFree(nm);
                    return;
                }
                e->nattrs++;
            }
            rng_attr_values(ix, doc, c, a, 0);
            if (*nseen < maxseen) {
                seen[*nseen].name = a->name;
                seen[*nseen].required = !optional;
                (*nseen)++;
            }
            xmlFree(nm);
        } else if (is_rng(c, "optional") || is_rng(c, "zeroOrMore") || is_rng(c, "choice")) {
            rng_walk_content(ix, doc, c, e, seen, nseen, maxseen, 1, depth + 1);
        } else if (is_rng(c, "ref")) {
            xmlChar *nm = xmlGetProp(c, BAD_CAST "name");
            xmlNodePtr d = nm ? rng_find_define(ix, doc, (const char *)nm) : NULL;
            xmlFree(nm);
            if (d)
                rng_walk_content(ix, d->doc, d, e, seen, nseen, maxseen, optional, depth + 1);
        } else if (is_rng(c, "externalRef")) {
            /* An externalRef inside content: its <start> pattern. */
            xmlChar *href = xmlGetProp(c, BAD_CAST "href");
            if (href) {
                char p[1024];
                rel_path((const char *)doc->URL, (const char *)href, p, sizeof p);
                for (size_t f = 0; f < ix->nfiles; f++) {
                    if (strcmp(ix->files[f].path, p) != 0)
                        continue;
                    xmlNodePtr root = xmlDocGetRootElement(ix->files[f].doc);
                    for (xmlNodePtr s = root ? root->children : NULL; s; s = s->next)
                        if (is_rng(s, "start"))
                            rng_walk_content(ix, ix->files[f].doc, s, e, seen, nseen, maxseen,
                                             optional, depth + 1);
                }
            }
            xmlFree(href);
        } else if (!is_rng(c, "name") && !is_rng(c, "anyName") && !is_rng(c, "nsName")) {
            /* group, interleave, oneOrMore, mixed, list, ... */
            rng_walk_content(ix, doc, c, e, seen, nseen, maxseen, optional, depth + 1);
        }
    }
}

/* Index one <element name=...> definition. */
static void rng_index_element(struct rng_index *ix, xmlDocPtr doc, xmlNodePtr el,
                              const char *file)
{
    xmlChar *nm = xmlGetProp(el, BAD_CAST "name");
    if (!nm)
        return;
    struct rng_elem *e = rng_elem_add(ix, (const char *)nm);
    xmlFree(nm);
    if (!e)
        return;
    struct attr_seen seen[128];
    size_t nseen = 0;
    rng_walk_content(ix, doc, el, e, seen, &nseen, sizeof seen / sizeof seen[0], 0, 0);
    e->ndefs++;
    for (size_t i = 0; i < nseen; i++) {
        if (!seen[i].required)
            continue;
        for (size_t j = 0; j < e->nattrs; j++)
            if (e->attrs[j].name == seen[i].name) {
                e->attrs[j].nreq++;
                break;
            }
    }
    /* <experiment type="x">: remember which grammar defines type x. */
    if (strcmp(e->name, "experiment") == 0) {
        /* Find the type attribute's values directly under this element definition. */
        for (xmlNodePtr c = el->children; c; c = c->next) {
            if (!is_rng(c, "attribute"))
                continue;
            xmlChar *an = xmlGetProp(c, BAD_CAST "name");
            int is_type = an && strcmp((const char *)an, "type") == 0;
            xmlFree(an);
            if (!is_type)
                continue;
            for (xmlNodePtr v = c->children; v; v = v->next) {
                if (!is_rng(v, "value"))
                    continue;
                xmlChar *tv = xmlNodeGetContent(v);
                if (tv) {
                    size_t before = ix->ntypes;
                    char **nt = realloc(ix->types, (before + 1) * sizeof *nt);
                    char **nf = nt ? realloc(ix->type_files, (before + 1) * sizeof *nf) : NULL;
                    if (nt)
                        ix->types = nt;
                    if (nf)
                        ix->type_files = nf;
                    if (nt && nf) {
                        ix->types[before] = xstrdup(ix, (const char *)tv);
                        ix->type_files[before] = xstrdup(ix, file);
                        ix->ntypes++;
                    } else {
                        ix->oom = 1;
                    }
                }
                xmlFree(tv);
            }
        }
    }
}

/* Build the index of the grammar at path and everything it references. */
static void rng_index_build(struct rng_index *ix, const char *path)
{
    memset(ix, 0, sizeof *ix);
    rng_load_file(ix, path, 0);
    for (size_t f = 0; f < ix->nfiles; f++) {
        xmlNodePtr n = xmlDocGetRootElement(ix->files[f].doc);
        while (n) {
            if (is_rng(n, "element"))
                rng_index_element(ix, ix->files[f].doc, n, ix->files[f].path);
            if (n->children && n->type == XML_ELEMENT_NODE) {
                n = n->children;
                continue;
            }
            while (n && !n->next)
                n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
            if (n)
                n = n->next;
        }
    }
}

/* "a, b, c" into buf. */
static void join(char *const *arr, size_t n, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", arr[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static void join_attrs(const struct rng_elem *e, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < e->nattrs && used + 1 < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", e->attrs[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/*
 * Explain a validation error about element node using the index.  Writes a
 * message (without file:line) into msg and returns 1, or returns 0 when the
 * index has nothing better than libxml2's message.
 */
static int explain_element(const struct rng_index *ix, xmlNodePtr node, const char *xmlmsg,
                           char *msg, size_t size)
{
    if (!node || node->type != XML_ELEMENT_NODE)
        return 0;
    const char *name = (const char *)node->name;
    char list[400];
    /* A required child missing: libxml2 says "Expecting an element , got nothing". */
    if (strstr(xmlmsg, "got nothing")) {
        const struct rng_elem *pe = rng_elem_get((struct rng_index *)ix, name);
        if (pe && pe->nchildren) {
            join(pe->children, pe->nchildren, list, sizeof list);
            snprintf(msg, size, "<%s>: a required child element is missing (children: %s)", name,
                     list);
            return 1;
        }
        return 0;
    }
    /* Misplaced or unknown child elements. */
    if (strstr(xmlmsg, "Did not expect element") || strstr(xmlmsg, "Expecting element")
        || strstr(xmlmsg, "Expecting an element")) {
        xmlNodePtr parent = node->parent;
        const struct rng_elem *pe =
            parent && parent->type == XML_ELEMENT_NODE
                ? rng_elem_get((struct rng_index *)ix, (const char *)parent->name)
                : NULL;
        if (strstr(xmlmsg, "Did not expect element") && pe) {
            int known = 0;
            for (size_t i = 0; i < pe->nchildren; i++)
                known |= strcmp(pe->children[i], name) == 0;
            join(pe->children, pe->nchildren, list, sizeof list);
            if (!known)
                snprintf(msg, size, "<%s>: element not allowed inside <%s> (allowed: %s)", name,
                         (const char *)parent->name, pe->nchildren ? list : "no elements");
            else
                snprintf(msg, size,
                         "<%s>: element not expected here inside <%s> (wrong order or too "
                         "many; allowed children: %s)",
                         name, (const char *)parent->name, list);
            return 1;
        }
        return 0;
    }
    const struct rng_elem *e = rng_elem_get((struct rng_index *)ix, name);
    if (!e)
        return 0;
    /* 1. an attribute the grammar does not know */
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        int known = 0;
        for (size_t i = 0; i < e->nattrs; i++)
            known |= strcmp(e->attrs[i].name, (const char *)a->name) == 0;
        if (!known) {
            join_attrs(e, list, sizeof list);
            snprintf(msg, size, "<%s>: attribute '%s' is not allowed (allowed: %s)", name,
                     (const char *)a->name, e->nattrs ? list : "none");
            return 1;
        }
    }
    /* 2. a value outside the allowed list, or a bad number */
    for (xmlAttrPtr a = node->properties; a; a = a->next) {
        for (size_t i = 0; i < e->nattrs; i++) {
            const struct rng_attr *ra = &e->attrs[i];
            if (strcmp(ra->name, (const char *)a->name) != 0)
                continue;
            xmlChar *v = xmlNodeListGetString(node->doc, a->children, 1);
            const char *val = v ? (const char *)v : "";
            int done = 0;
            if (ra->number && !ra->any_value && !ra->nvalues) {
                struct cospin_error ue = {0};
                double d;
                if (cospin_units_parse(val, &d, &ue) != 0) {
                    snprintf(msg, size, "<%.64s %.64s=\"%.100s\">: %.400s", name, ra->name, val,
                             ue.msg);
                    done = 1;
                }
            } else if (ra->nvalues && !ra->any_value && !ra->number) {
                int ok = 0;
                for (size_t k = 0; k < ra->nvalues; k++)
                    ok |= strcmp(ra->values[k], val) == 0;
                if (!ok) {
                    join(ra->values, ra->nvalues, list, sizeof list);
                    snprintf(msg, size, "<%s %s=\"%s\">: '%s' is not one of: %s", name, ra->name,
                             val, val, list);
                    done = 1;
                }
            }
            xmlFree(v);
            if (done)
                return 1;
        }
    }
    /* 3. a required attribute that is missing */
    for (size_t i = 0; i < e->nattrs; i++) {
        if (e->attrs[i].nreq < e->ndefs || e->attrs[i].nreq == 0)
            continue;
        if (!xmlHasProp(node, BAD_CAST e->attrs[i].name)) {
            snprintf(msg, size, "<%s>: missing required attribute '%s'", name, e->attrs[i].name);
            return 1;
        }
    }
    /* 4. an attribute value the grammar's datatype rejects */
    if (strstr(xmlmsg, "failed to validate attributes") || strstr(xmlmsg, "Invalid attribute")) {
        join_attrs(e, list, sizeof list);
        snprintf(msg, size,
                 "<%s>: an attribute has an invalid value or a required one is missing "
                 "(attributes: %s)",
                 name, list);
        return 1;
    }
    return 0;
}

/* ---- loading ------------------------------------------------------------------------ */

static int schema_path(const char *schema, char *buf, size_t n)
{
    if (schema[0] == '/' || (schema[0] == '.' && schema[1] == '/')) {
        snprintf(buf, n, "%s", schema);
    } else {
        char rel[512];
        snprintf(rel, sizeof rel, "schema/%s", schema);
        cospin_path_data_file(rel, buf, (unsigned long)n);
    }
    FILE *f = fopen(buf, "r");
    if (!f)
        return -1;
    fclose(f);
    return 0;
}

/* Validate doc against the grammar file; 0 if valid, else cap holds the first error. */
static int validate_with(xmlDocPtr doc, const char *rng_path, struct xml_errcap *cap,
                         struct cospin_error *err)
{
    struct xml_errcap pcap = {0};
    xmlRelaxNGParserCtxtPtr pctx = xmlRelaxNGNewParserCtxt(rng_path);
    if (!pctx)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    xmlRelaxNGSetParserStructuredErrors(pctx, capture_error, &pcap);
    xmlSetStructuredErrorFunc(&pcap, capture_error);
    xmlRelaxNGPtr rng = xmlRelaxNGParse(pctx);
    xmlRelaxNGFreeParserCtxt(pctx);
    if (!rng) {
        xmlSetStructuredErrorFunc(NULL, NULL);
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, rng_path, pcap.line,
                                "the schema itself is broken: %s", pcap.msg);
    }
    xmlRelaxNGValidCtxtPtr vctx = xmlRelaxNGNewValidCtxt(rng);
    if (!vctx) {
        xmlRelaxNGFree(rng);
        xmlSetStructuredErrorFunc(NULL, NULL);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    xmlRelaxNGSetValidStructuredErrors(vctx, capture_error, cap);
    xmlSetStructuredErrorFunc(cap, capture_error);
    int rc = xmlRelaxNGValidateDoc(vctx, doc);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlRelaxNGFreeValidCtxt(vctx);
    xmlRelaxNGFree(rng);
    if (rc < 0)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, rng_path, 0,
                                "libxml2 could not run the validation");
    if (rc > 0 && !cap->have) {
        cap->have = 1;
        snprintf(cap->msg, sizeof cap->msg, "the document does not match the schema");
    }
    return rc > 0 ? 1 : 0;
}

/* Validate and, on failure, explain.  Returns 0 or an error code with err set. */
static int validate(struct cospin_xml_doc *cfg, const char *schema, struct cospin_error *err)
{
    char rng_path[1024];
    if (schema_path(schema, rng_path, sizeof rng_path) != 0)
        return cospin_error_set(err, COSPIN_ERR_IO, rng_path, 0,
                                "cannot read the schema (%s): is cospin installed completely?",
                                strerror(errno));
    struct xml_errcap cap = {0};
    int rc = validate_with(cfg->doc, rng_path, &cap, err);
    if (rc <= 0)
        return rc;

    /* Invalid.  Narrow down with the index and the type's own grammar. */
    struct rng_index ix;
    rng_index_build(&ix, rng_path);
    xmlNodePtr root = xmlDocGetRootElement(cfg->doc);
    char msg[700];
    char used[256];   /* grammar file the explanation comes from (for the message) */
    snprintf(used, sizeof used, "%.200s",
             strrchr(rng_path, '/') ? strrchr(rng_path, '/') + 1 : rng_path);
    int line = cap.line;
    int code = COSPIN_ERR_INVALID;
    msg[0] = '\0';
    if (ix.ntypes > 0 && root && xmlStrcmp(root->name, BAD_CAST "experiment") != 0) {
        snprintf(msg, sizeof msg, "<%s>: the root element must be <experiment type=\"...\">",
                 (const char *)root->name);
        line = (int)xmlGetLineNo(root);
    } else if (ix.ntypes > 0 && root) {
        xmlChar *type = xmlGetProp(root, BAD_CAST "type");
        const char *type_file = NULL;
        for (size_t i = 0; type && i < ix.ntypes; i++)
            if (strcmp(ix.types[i], (const char *)type) == 0)
                type_file = ix.type_files[i];
        char known[400];
        join(ix.types, ix.ntypes, known, sizeof known);
        if (!type) {
            snprintf(msg, sizeof msg, "<experiment>: missing attribute 'type' (one of: %s)", known);
            line = (int)xmlGetLineNo(root);
        } else if (!type_file) {
            snprintf(msg, sizeof msg, "<experiment type=\"%s\">: unknown experiment type (known: %s)",
                     (const char *)type, known);
            line = (int)xmlGetLineNo(root);
        } else if (strcmp(type_file, rng_path) != 0) {
            /* Re-validate against the type's grammar alone for a relevant first error. */
            struct xml_errcap tcap = {0};
            struct cospin_error terr = {0};
            int trc = validate_with(cfg->doc, type_file, &tcap, &terr);
            if (trc > 0) {
                cap = tcap;
                /* Explain with that grammar only: element names may mean other
                   things in other types' grammars. */
                char tf[1024];
                snprintf(tf, sizeof tf, "%s", type_file);
                rng_index_free(&ix);
                rng_index_build(&ix, tf);
                snprintf(used, sizeof used, "%.200s", strrchr(tf, '/') ? strrchr(tf, '/') + 1 : tf);
            }
            line = cap.line;
        }
        xmlFree(type);
    }
    if (!msg[0]) {
        if (!explain_element(&ix, cap.node, cap.msg, msg, sizeof msg)) {
            if (cap.node && cap.node->type == XML_ELEMENT_NODE)
                snprintf(msg, sizeof msg, "<%s>: %s", (const char *)cap.node->name, cap.msg);
            else
                snprintf(msg, sizeof msg, "%s", cap.msg);
        }
    }
    if (ix.oom)
        code = COSPIN_ERR_NOMEM;
    rng_index_free(&ix);
    return cospin_error_set(err, code, cfg->path, line, "%s (schema %s)", msg, used);
}

static int finish_load(xmlDocPtr doc, const char *name, const char *schema,
                       const struct xml_errcap *pcap, struct cospin_xml_doc **out,
                       struct cospin_error *err)
{
    if (!doc) {
        if (pcap->have)
            return cospin_error_set(err, COSPIN_ERR_PARSE, name, pcap->line,
                                    "malformed XML: %s", pcap->msg);
        return cospin_error_set(err, COSPIN_ERR_PARSE, name, 0, "malformed XML");
    }
    if (!xmlDocGetRootElement(doc)) {
        xmlFreeDoc(doc);
        return cospin_error_set(err, COSPIN_ERR_PARSE, name, 0, "malformed XML: no root element");
    }
    struct cospin_xml_doc *cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->path = strdup(name))) {
        free(cfg);
        xmlFreeDoc(doc);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    cfg->doc = doc;
    doc->_private = cfg;
    if (schema) {
        int rc = validate(cfg, schema, err);
        if (rc) {
            cospin_xml_free(cfg);
            return rc;
        }
    }
    *out = cfg;
    return COSPIN_OK;
}

int cospin_xml_load_with(const char *path, const char *schema, struct cospin_xml_doc **out,
                            struct cospin_error *err)
{
    if (!out)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no output pointer");
    *out = NULL;
    if (!path)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no file name");
    FILE *f = fopen(path, "rb");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    int is_dir = fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode);
    fclose(f);
    if (is_dir)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "is a directory, not an XML file");
    xmlInitParser();
    struct xml_errcap pcap = {0};
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    xmlSetStructuredErrorFunc(&pcap, capture_error);
    xmlDocPtr doc = xmlCtxtReadFile(ctx, path, NULL, PARSE_OPTIONS | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(NULL, NULL);
    int wellformed = ctx->wellFormed;
    xmlFreeParserCtxt(ctx);
    if (doc && !wellformed) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return finish_load(doc, path, schema, &pcap, out, err);
}

int cospin_xml_load(const char *path, struct cospin_xml_doc **out, struct cospin_error *err)
{
    return cospin_xml_load_with(path, COSPIN_CONFIG_SCHEMA_EXPERIMENT, out, err);
}

int cospin_xml_load_memory(const char *xml, size_t len, const char *name, const char *schema,
                              struct cospin_xml_doc **out, struct cospin_error *err)
{
    if (!out)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no output pointer");
    *out = NULL;
    if (!name)
        name = "<memory>";
    if (!xml)
        return cospin_error_set(err, COSPIN_ERR_INVALID, name, 0, "no XML text");
    if (len == 0)
        len = strlen(xml);
    if (len > (size_t)0x7fffffff)
        return cospin_error_set(err, COSPIN_ERR_INVALID, name, 0, "XML text too large");
    xmlInitParser();
    struct xml_errcap pcap = {0};
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    xmlSetStructuredErrorFunc(&pcap, capture_error);
    xmlDocPtr doc = xmlCtxtReadMemory(ctx, xml, (int)len, name, NULL,
                                      PARSE_OPTIONS | XML_PARSE_NOWARNING);
    xmlSetStructuredErrorFunc(NULL, NULL);
    int wellformed = ctx->wellFormed;
    xmlFreeParserCtxt(ctx);
    if (doc && !wellformed) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return finish_load(doc, name, schema, &pcap, out, err);
}

void cospin_xml_free(struct cospin_xml_doc *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nstrings; i++)
        free(cfg->strings[i]);
    free(cfg->strings);
    xmlFreeDoc(cfg->doc);
    free(cfg->path);
    free(cfg);
}

const char *cospin_xml_path(const struct cospin_xml_doc *cfg)
{
    return cfg ? cfg->path : "";
}

const struct cospin_xml_node *cospin_xml_root(const struct cospin_xml_doc *cfg)
{
    return cfg ? N(xmlDocGetRootElement(cfg->doc)) : NULL;
}

/* ---- navigation --------------------------------------------------------------------- */

const char *cospin_xml_name(const struct cospin_xml_node *node)
{
    return node ? (const char *)X(node)->name : "";
}

int cospin_xml_line(const struct cospin_xml_node *node)
{
    return node ? (int)xmlGetLineNo(X(node)) : 0;
}

const char *cospin_xml_file(const struct cospin_xml_node *node)
{
    struct cospin_xml_doc *cfg = cfg_of(X(node));
    return cfg ? cfg->path : "";
}

const struct cospin_xml_node *cospin_xml_parent(const struct cospin_xml_node *node)
{
    if (!node)
        return NULL;
    xmlNodePtr p = X(node)->parent;
    return p && p->type == XML_ELEMENT_NODE ? N(p) : NULL;
}

static int name_matches(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && (!name || xmlStrcmp(n->name, BAD_CAST name) == 0);
}

const struct cospin_xml_node *cospin_xml_child(const struct cospin_xml_node *node,
                                                     const char *name)
{
    if (!node)
        return NULL;
    for (xmlNodePtr c = X(node)->children; c; c = c->next)
        if (name_matches(c, name))
            return N(c);
    return NULL;
}

const struct cospin_xml_node *cospin_xml_next(const struct cospin_xml_node *node,
                                                    const char *name)
{
    if (!node)
        return NULL;
    for (xmlNodePtr c = X(node)->next; c; c = c->next)
        if (name_matches(c, name))
            return N(c);
    return NULL;
}

size_t cospin_xml_count(const struct cospin_xml_node *node, const char *name)
{
    size_t n = 0;
    for (const struct cospin_xml_node *c = cospin_xml_child(node, name); c;
         c = cospin_xml_next(c, name))
        n++;
    return n;
}

const char *cospin_xml_text(const struct cospin_xml_node *node)
{
    struct cospin_xml_doc *cfg = cfg_of(X(node));
    if (!cfg)
        return NULL;
    if (X(node)->_private)
        return X(node)->_private;
    xmlChar *t = xmlNodeGetContent(X(node));
    const char *s = t ? (const char *)t : "";
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'
                       || s[len - 1] == '\r'))
        len--;
    char *copy = strndup(s, len);
    xmlFree(t);
    const char *kept = keep_string(cfg, copy);
    X(node)->_private = (void *)kept;
    return kept;
}

int cospin_xml_text_line(const struct cospin_xml_node *node)
{
    int line = cospin_xml_line(node);
    xmlChar *t = node ? xmlNodeGetContent(X(node)) : NULL;
    for (const char *s = (const char *)t; s && (*s == ' ' || *s == '\t' || *s == '\n' ||
                                                *s == '\r'); s++)
        line += *s == '\n';
    xmlFree(t);
    return line;
}

/* ---- attributes -------------------------------------------------------------------- */

const char *cospin_xml_attr(const struct cospin_xml_node *node, const char *attr)
{
    if (!node || !attr)
        return NULL;
    xmlAttrPtr a = xmlHasProp(X(node), BAD_CAST attr);
    if (!a)
        return NULL;
    xmlNodePtr c = a->children;
    if (!c)
        return "";
    if (c->type == XML_TEXT_NODE && !c->next)
        return (const char *)c->content;
    /* Several nodes (entity references): concatenate once and keep. */
    if (a->_private)
        return a->_private;
    struct cospin_xml_doc *cfg = cfg_of(X(node));
    xmlChar *v = xmlNodeListGetString(X(node)->doc, c, 1);
    char *copy = v ? strdup((const char *)v) : NULL;
    xmlFree(v);
    const char *kept = cfg ? keep_string(cfg, copy) : NULL;
    if (!cfg)
        free(copy);
    a->_private = (void *)kept;
    return kept;
}

int cospin_xml_has_attr(const struct cospin_xml_node *node, const char *attr)
{
    return node && attr && xmlHasProp(X(node), BAD_CAST attr) != NULL;
}

int cospin_xml_error(const struct cospin_xml_node *node, const char *attr, int code,
                        struct cospin_error *err, const char *fmt, ...)
{
    if (!err || err->code)
        return code;
    char what[300];
    const char *val = attr ? cospin_xml_attr(node, attr) : NULL;
    if (attr && val)
        snprintf(what, sizeof what, "<%s %s=\"%s\">", cospin_xml_name(node), attr, val);
    else if (attr)
        snprintf(what, sizeof what, "<%s> attribute '%s'", cospin_xml_name(node), attr);
    else
        snprintf(what, sizeof what, "<%s>", cospin_xml_name(node));
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return cospin_error_set(err, code, cospin_xml_file(node), cospin_xml_line(node),
                            "%s: %s", what, text);
}

int cospin_xml_attr_str(const struct cospin_xml_node *node, const char *attr,
                           const char *def, const char **out, struct cospin_error *err)
{
    (void)err;
    const char *v = cospin_xml_attr(node, attr);
    *out = v ? v : def;
    return COSPIN_OK;
}

int cospin_xml_attr_double(const struct cospin_xml_node *node, const char *attr,
                              double def, double *out, struct cospin_error *err)
{
    const char *v = cospin_xml_attr(node, attr);
    if (!v) {
        *out = def;
        return COSPIN_OK;
    }
    struct cospin_error ue = {0};
    double d;
    if (cospin_units_parse(v, &d, &ue) != 0)
        return cospin_xml_error(node, attr, COSPIN_ERR_PARSE, err, "%s", ue.msg);
    *out = d;
    return COSPIN_OK;
}

int cospin_xml_attr_int(const struct cospin_xml_node *node, const char *attr, int def,
                           int *out, struct cospin_error *err)
{
    const char *v = cospin_xml_attr(node, attr);
    if (!v) {
        *out = def;
        return COSPIN_OK;
    }
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (end == v || *end || errno == ERANGE || l < -2147483647L - 1 || l > 2147483647L)
        return cospin_xml_error(node, attr, COSPIN_ERR_PARSE, err,
                                   "'%s' is not a whole number in int range", v);
    *out = (int)l;
    return COSPIN_OK;
}

int cospin_xml_attr_bool(const struct cospin_xml_node *node, const char *attr, int def,
                            int *out, struct cospin_error *err)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    const char *v = cospin_xml_attr(node, attr);
    if (!v) {
        *out = def;
        return COSPIN_OK;
    }
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return COSPIN_OK;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return COSPIN_OK;
        }
    }
    return cospin_xml_error(node, attr, COSPIN_ERR_PARSE, err,
                               "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", v);
}

int cospin_xml_attr_enum(const struct cospin_xml_node *node, const char *attr,
                            const char *const *names, int def, int *out,
                            struct cospin_error *err)
{
    const char *v = cospin_xml_attr(node, attr);
    if (!v) {
        *out = def;
        return COSPIN_OK;
    }
    char list[400] = "";
    size_t used = 0;
    for (int i = 0; names && names[i]; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return COSPIN_OK;
        }
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    return cospin_xml_error(node, attr, COSPIN_ERR_PARSE, err, "'%s' is not one of: %s", v,
                               list);
}

static int missing(const struct cospin_xml_node *node, const char *attr,
                   struct cospin_error *err)
{
    return cospin_xml_error(node, NULL, COSPIN_ERR_INVALID, err,
                               "missing attribute '%s'", attr);
}

int cospin_xml_req_str(const struct cospin_xml_node *node, const char *attr,
                          const char **out, struct cospin_error *err)
{
    if (!cospin_xml_has_attr(node, attr))
        return missing(node, attr, err);
    return cospin_xml_attr_str(node, attr, NULL, out, err);
}

int cospin_xml_req_double(const struct cospin_xml_node *node, const char *attr,
                             double *out, struct cospin_error *err)
{
    if (!cospin_xml_has_attr(node, attr))
        return missing(node, attr, err);
    return cospin_xml_attr_double(node, attr, 0.0, out, err);
}

int cospin_xml_req_int(const struct cospin_xml_node *node, const char *attr, int *out,
                          struct cospin_error *err)
{
    if (!cospin_xml_has_attr(node, attr))
        return missing(node, attr, err);
    return cospin_xml_attr_int(node, attr, 0, out, err);
}

int cospin_xml_text_doubles(const struct cospin_xml_node *node, double **vals, size_t *n,
                               struct cospin_error *err)
{
    *vals = NULL;
    *n = 0;
    const char *t = cospin_xml_text(node);
    if (!t)
        return node ? cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory")
                    : cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no element");
    size_t cap = 0, count = 0;
    double *v = NULL;
    const char *p = t;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ',')
            p++;
        char buf[128];
        size_t len = (size_t)(p - start);
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, start, len);
        buf[len] = '\0';
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            double *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(v);
                return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
            }
            v = nv;
        }
        struct cospin_error ue = {0};
        if (cospin_units_parse(buf, &v[count], &ue) != 0) {
            free(v);
            return cospin_xml_error(node, NULL, COSPIN_ERR_PARSE, err, "number %zu: %s",
                                       count + 1, ue.msg);
        }
        count++;
    }
    *vals = v;
    *n = count;
    return COSPIN_OK;
}
