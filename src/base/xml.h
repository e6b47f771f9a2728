/*
 * xml.h -- XML documents (experiments, devices, models) without libxml2.
 *
 * xml.c is the only file that includes libxml2.  It loads a file,
 * validates it against a RELAX NG grammar shipped in src/config/schema/ (installed
 * in $(pkgdatadir)/schema) and turns every libxml2 complaint -- malformed
 * XML, schema violations -- into a struct cospin_error naming the file, the
 * line and the offending element or attribute.  Other modules then read
 * their part of the document through the small tree API below.
 *
 * Typical use (an experiment runner; see experiment.h):
 *
 *     const struct cospin_xml_node *n;
 *     for (n = cospin_xml_child(root, "point"); n; n = cospin_xml_next(n, "point")) {
 *         double w_s;
 *         int rc = cospin_xml_attr_double(n, "width", 10e-9, &w_s, err);
 *         if (rc) return rc;          // err says "f.xml:12: <point width="1x">: ..."
 *         if (w_s <= 0)
 *             return cospin_xml_error(n, "width", COSPIN_ERR_INVALID, err,
 *                                        "must be > 0 s");
 *     }
 *
 * Node handles point into the document: they stay valid until
 * cospin_xml_free() and are never freed by the caller.  Strings returned
 * as const char * belong to the document too.  All functions are NULL-safe
 * on the node (a NULL node has no children, no attributes, name "").
 */
#ifndef COSPIN_XML_H
#define COSPIN_XML_H

#include <stddef.h>

#include "cospin.h"

struct cospin_xml_doc;        /* a loaded document (opaque) */
struct cospin_xml_node;   /* an element of it (opaque handle) */

/*
 * The grammar used by cospin_xml_load: "cospin.rng", the experiment
 * grammar (<experiment type="...">), looked up as schema/cospin.rng with
 * cospin_path_data_file() (paths.h).
 */
#define COSPIN_CONFIG_SCHEMA_EXPERIMENT "cospin.rng"

/*
 * Load an experiment file: parse `path`, validate it against the experiment
 * grammar (cospin.rng), and return the document in *out (free with
 * cospin_xml_free).  Errors (err gets "path:line: message"):
 *   COSPIN_ERR_IO      the file cannot be read (line 0)
 *   COSPIN_ERR_PARSE   not well-formed XML (the line of the first problem)
 *   COSPIN_ERR_INVALID a schema violation: the message names the element or
 *                      attribute, e.g. "<resistor>: attribute 'rr' is not
 *                      allowed here"; an unknown experiment type is reported
 *                      with the list of known types.
 * On error *out is NULL.
 */
int cospin_xml_load(const char *path, struct cospin_xml_doc **out, struct cospin_error *err);

/*
 * Like cospin_xml_load, with another grammar: `schema` is a file name
 * under the schema directory (e.g. "device.rng"), an absolute path to a
 * .rng file, or NULL to check well-formedness only (for files cospin wrote
 * itself, such as a trained model.xml).
 */
int cospin_xml_load_with(const char *path, const char *schema, struct cospin_xml_doc **out,
                            struct cospin_error *err);

/*
 * Parse XML held in memory (len bytes; len 0: strlen).  `name` is used as
 * the file name in error messages (e.g. "<inline>").  `schema` as above.
 */
int cospin_xml_load_memory(const char *xml, size_t len, const char *name, const char *schema,
                              struct cospin_xml_doc **out, struct cospin_error *err);

/* Free a document and every node handle and string taken from it.  NULL-safe. */
void cospin_xml_free(struct cospin_xml_doc *cfg);

/* The file name the document was loaded from (as given to _load). */
const char *cospin_xml_path(const struct cospin_xml_doc *cfg);

/* The root element, NULL only if cfg is NULL. */
const struct cospin_xml_node *cospin_xml_root(const struct cospin_xml_doc *cfg);

/* ---- navigation ------------------------------------------------------------------ */

/* The element's name ("experiment", "resistor", ...); "" for NULL. */
const char *cospin_xml_name(const struct cospin_xml_node *node);

/* The 1-based line of the element's start tag in its file; 0 for NULL. */
int cospin_xml_line(const struct cospin_xml_node *node);

/* The file the element came from (for messages); "" for NULL. */
const char *cospin_xml_file(const struct cospin_xml_node *node);

/* The parent element, NULL at the root. */
const struct cospin_xml_node *cospin_xml_parent(const struct cospin_xml_node *node);

/*
 * The first child element named `name` (NULL: the first child element of
 * any name), or NULL if there is none.  Text and comments are skipped.
 */
const struct cospin_xml_node *cospin_xml_child(const struct cospin_xml_node *node,
                                                     const char *name);

/*
 * The next sibling element after node named `name` (NULL: of any name), or
 * NULL.  With cospin_xml_child this iterates in document order.
 */
const struct cospin_xml_node *cospin_xml_next(const struct cospin_xml_node *node,
                                                    const char *name);

/* Number of child elements named `name` (NULL: all child elements). */
size_t cospin_xml_count(const struct cospin_xml_node *node, const char *name);

/*
 * The element's text content (all descendant text concatenated, leading and
 * trailing blanks removed), owned by the document; "" if empty, NULL only
 * for a NULL node or out of memory.
 */
const char *cospin_xml_text(const struct cospin_xml_node *node);

/* The line of the file on which cospin_xml_text's first character stands
   (the element's line plus the line breaks trimmed before it), so that
   line k of the text (from 0) is on line cospin_xml_text_line + k. */
int cospin_xml_text_line(const struct cospin_xml_node *node);

/* ---- attributes --------------------------------------------------------------------- */

/* The attribute's value owned by the document, or NULL if absent. */
const char *cospin_xml_attr(const struct cospin_xml_node *node, const char *attr);

/* Nonzero if the attribute is present. */
int cospin_xml_has_attr(const struct cospin_xml_node *node, const char *attr);

/*
 * Typed attribute readers.  If the attribute is absent, *out = def and 0 is
 * returned.  If present but malformed, COSPIN_ERR_PARSE is returned, *out is
 * untouched and err reads "file:line: <element attr="text">: message".
 *   _str     the raw value (owned by the document)
 *   _double  a number with SPICE suffixes and an optional unit (units.h)
 *   _int     a decimal integer within int range (no suffixes)
 *   _bool    true/false, yes/no, on/off, 1/0 (case-insensitive)
 *   _enum    one of names[] (NULL-terminated); *out = its index, def if absent
 */
int cospin_xml_attr_str(const struct cospin_xml_node *node, const char *attr,
                           const char *def, const char **out, struct cospin_error *err);
int cospin_xml_attr_double(const struct cospin_xml_node *node, const char *attr,
                              double def, double *out, struct cospin_error *err);
int cospin_xml_attr_int(const struct cospin_xml_node *node, const char *attr, int def,
                           int *out, struct cospin_error *err);
int cospin_xml_attr_bool(const struct cospin_xml_node *node, const char *attr, int def,
                            int *out, struct cospin_error *err);
int cospin_xml_attr_enum(const struct cospin_xml_node *node, const char *attr,
                            const char *const *names, int def, int *out,
                            struct cospin_error *err);

/*
 * Required variants: an absent attribute is COSPIN_ERR_INVALID with
 * "file:line: <element>: missing attribute 'attr'".
 */
int cospin_xml_req_str(const struct cospin_xml_node *node, const char *attr,
                          const char **out, struct cospin_error *err);
int cospin_xml_req_double(const struct cospin_xml_node *node, const char *attr,
                             double *out, struct cospin_error *err);
int cospin_xml_req_int(const struct cospin_xml_node *node, const char *attr, int *out,
                          struct cospin_error *err);

/*
 * The element's text as a list of numbers separated by blanks and/or commas
 * (SPICE suffixes allowed), in a new array *vals of *n values (free with
 * free()).  An empty text gives *n = 0 and *vals = NULL.  A bad number is
 * COSPIN_ERR_PARSE naming the element, the line and the number's index.
 */
int cospin_xml_text_doubles(const struct cospin_xml_node *node, double **vals, size_t *n,
                               struct cospin_error *err);

/*
 * Record an error about node (and attribute attr, or NULL for the element
 * itself) in err, with the node's file and line:
 *     "file:line: <element attr="value">: <fmt...>"
 * Use it for range checks the grammar cannot express.  Returns code.
 */
int cospin_xml_error(const struct cospin_xml_node *node, const char *attr, int code,
                        struct cospin_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
