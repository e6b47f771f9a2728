/* check_config.c -- XML loading, RELAX NG validation errors, and the tree API. */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "xml.h"
#include "error.h"
#include "exp_netlist.h"
#include "experiment.h"

#define DATA(f) COSPIN_TEST_SRCDIR "/data/" f

/* Load f (expected to fail) and return the error. */
static struct cospin_error load_fail(const char *path)
{
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = (struct cospin_xml_doc *)&e;
    int rc = cospin_xml_load(path, &cfg, &e);
    ck_assert_msg(rc != 0, "%s loaded", path);
    ck_assert_int_eq(rc, e.code);
    ck_assert_ptr_null(cfg);
    ck_assert_str_eq(e.file, path);
    return e;
}

#define ck_assert_has(hay, needle)                                                        \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not in '%s'", (needle), (hay))

/* ---- core -------------------------------------------------------------------------- */

START_TEST(test_load_good)
{
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load(DATA("good.xml"), &cfg, &e);
    ck_assert_msg(rc == 0, "good.xml: %s:%d: %s", e.file, e.line, e.msg);
    ck_assert_str_eq(cospin_xml_path(cfg), DATA("good.xml"));
    const struct cospin_xml_node *root = cospin_xml_root(cfg);
    ck_assert_str_eq(cospin_xml_name(root), "experiment");
    ck_assert_int_eq(cospin_xml_line(root), 2);
    ck_assert_str_eq(cospin_xml_file(root), DATA("good.xml"));
    ck_assert_str_eq(cospin_xml_attr(root, "type"), "netlist");
    ck_assert_ptr_null(cospin_xml_parent(root));

    const struct cospin_xml_node *circ = cospin_xml_child(root, "circuit");
    ck_assert_ptr_nonnull(circ);
    ck_assert_int_eq(cospin_xml_line(circ), 4);
    ck_assert_ptr_eq(cospin_xml_parent(circ), root);
    ck_assert_uint_eq(cospin_xml_count(circ, "resistor"), 3);
    ck_assert_uint_eq(cospin_xml_count(circ, NULL), 11);
    ck_assert_uint_eq(cospin_xml_count(root, NULL), 5);

    /* iterate resistors in document order, reading numbers with suffixes */
    static const double r_ohm[] = {1e3, 2.5e6, 50};
    static const int r_line[] = {9, 10, 13};
    int i = 0;
    for (const struct cospin_xml_node *r = cospin_xml_child(circ, "resistor"); r;
         r = cospin_xml_next(r, "resistor"), i++) {
        double v = 0;
        ck_assert_int_eq(cospin_xml_req_double(r, "r", &v, &e), 0);
        ck_assert_rel(v, r_ohm[i], 1e-15);
        ck_assert_int_eq(cospin_xml_line(r), r_line[i]);
    }
    ck_assert_int_eq(i, 3);

    /* defaults for absent attributes */
    const struct cospin_xml_node *is = cospin_xml_child(circ, "isource");
    double d = 0;
    ck_assert_int_eq(cospin_xml_attr_double(is, "dc", 7.0, &d, &e), 0);
    ck_assert_rel(d, 2e-6, 1e-15);
    ck_assert_int_eq(cospin_xml_attr_double(is, "nothere", 7.0, &d, &e), 0);
    ck_assert(d == 7.0);
    ck_assert(!cospin_xml_has_attr(is, "nothere"));
    const char *s = NULL;
    ck_assert_int_eq(cospin_xml_attr_str(is, "nothere", "dflt", &s, &e), 0);
    ck_assert_str_eq(s, "dflt");

    /* text content, trimmed; numbers in text */
    const struct cospin_xml_node *pwl =
        cospin_xml_child(cospin_xml_next(cospin_xml_child(circ, "vsource"), "vsource"),
                            "pwl");
    ck_assert_str_eq(cospin_xml_text(pwl), "0 -1 10n 1");
    double *vals;
    size_t n;
    ck_assert_int_eq(cospin_xml_text_doubles(pwl, &vals, &n, &e), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_rel(vals[2], 10e-9, 1e-15);
    ck_assert(vals[1] == -1.0);
    free(vals);

    const struct cospin_xml_node *tran = cospin_xml_child(root, "tran");
    int b = 0;
    ck_assert_int_eq(cospin_xml_attr_bool(tran, "uic", 0, &b, &e), 0);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(e.code, 0);
    cospin_xml_free(cfg);
    cospin_xml_free(NULL);
}
END_TEST

START_TEST(test_example_and_netlist)
{
    /* the shipped example is valid, and its circuit text has what it describes */
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load(COSPIN_TEST_SRCDIR "/../examples/rc_step.xml", &cfg, &e);
    ck_assert_msg(rc == 0, "%s:%d: %s", e.file, e.line, e.msg);
    struct cospin_exp_netlist *x = NULL;
    rc = cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e);
    ck_assert_msg(rc == 0, "%s:%d: %s", e.file, e.line, e.msg);
    ck_assert_has(x->circuit, "Vin in 0 dc 0 pulse(0 1 0 1n 1n 1 2)");
    ck_assert_has(x->circuit, "R1 in out 1k");
    ck_assert_has(x->circuit, "C1 out 0 1n");
    ck_assert_uint_eq(x->nanalyses, 1);
    ck_assert_str_eq(x->analyses[0].command, "tran 10n 5u 0 10n");
    ck_assert_str_eq(x->analyses[0].file, "tran.csv");
    ck_assert_uint_eq(x->analyses[0].nvectors, 2);
    ck_assert_str_eq(x->analyses[0].vectors[1], "v(out)");
    char *deck = NULL;
    ck_assert_int_eq(cospin_exp_netlist_deck(x, &deck, &e), 0);
    ck_assert_has(deck, ".tran 10n 5u 0 10n\n.print tran v(in) v(out)\n.end\n");
    free(deck);
    cospin_exp_netlist_free(x);
    cospin_xml_free(cfg);
}
END_TEST

START_TEST(test_good_netlist_elements)
{
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    ck_assert_int_eq(cospin_xml_load(DATA("good.xml"), &cfg, &e), 0);
    struct cospin_exp_netlist *x = NULL;
    int rc = cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e);
    ck_assert_msg(rc == 0, "%s:%d: %s", e.file, e.line, e.msg);
    ck_assert_has(x->circuit, "Ib 0 x dc 2u\n");
    ck_assert_has(x->circuit, "R2 x 0 2.5meg\n");
    ck_assert_has(x->circuit, "C1 out 0 1n ic=0\n");
    ck_assert_has(x->circuit, "L1 out y 10u\n");
    ck_assert_has(x->circuit, "vcospin_m_mtj cospin_m_mtj 0 dc -1\n");
    ck_assert_has(x->circuit, "Amtj x 0 cospin_m_mtj Amtj_tmr\n");
    ck_assert_has(x->circuit, "Amtj2 out 0 st Amtj2_tmr\n");
    ck_assert_has(x->circuit, ".model Amtj_tmr tmr_res(r_p=5k r_ap=10k v_half=0)\n");
    ck_assert_has(x->circuit, "Vst st 0 dc 0 pwl(0 -1 10n 1)\n");
    ck_assert_has(x->circuit, "r9 in 0 1meg\n");
    ck_assert_uint_eq(x->nanalyses, 3);
    ck_assert_str_eq(x->analyses[0].command, "op");
    ck_assert_str_eq(x->analyses[0].scale, "");
    ck_assert_str_eq(x->analyses[1].command, "dc vin 0 1 250m");
    ck_assert_str_eq(x->analyses[1].scale, "v-sweep");
    ck_assert_str_eq(x->analyses[2].command, "tran 1n 20n uic");
    cospin_exp_netlist_free(x);
    cospin_xml_free(cfg);
}
END_TEST

/* Regression: 300 vector names separated by tabs and line breaks (character
   references survive attribute normalisation) once overflowed the name
   array, whose size counted only blanks and commas. */
START_TEST(test_vectors_many_separators)
{
    static const char head[] =
        "<experiment type='netlist'><circuit title='t'>"
        "<resistor name='1' p='in' n='0' r='1k'/></circuit><op vectors='";
    size_t cap = sizeof head + 300 * 16 + 64;
    char *xml = malloc(cap);
    ck_assert_ptr_nonnull(xml);
    size_t len = (size_t)snprintf(xml, cap, "%s", head);
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(xml + len, cap - len, "v(in)%s", i % 2 ? "&#9;" : "&#10;");
    snprintf(xml + len, cap - len, "'/></experiment>");
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_memory(xml, 0, "<many>", COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg, &e);
    ck_assert_msg(rc == 0, "%s:%d: %s", e.file, e.line, e.msg);
    struct cospin_exp_netlist *x = NULL;
    rc = cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e);
    ck_assert_msg(rc == 0, "%s:%d: %s", e.file, e.line, e.msg);
    ck_assert_uint_eq(x->analyses[0].nvectors, 300);
    ck_assert_str_eq(x->analyses[0].vectors[299], "v(in)");
    cospin_exp_netlist_free(x);
    cospin_xml_free(cfg);
    free(xml);
}
END_TEST

/* Duplicate names among many elements: the name table is a hash that grows
   several times over 3000 names; a clash with different case, far apart,
   must still be found with the first element's line. */
START_TEST(test_duplicate_name_many)
{
    size_t cap = 3000 * 64 + 512;
    char *xml = malloc(cap);
    ck_assert_ptr_nonnull(xml);
    size_t len = (size_t)snprintf(xml, cap, "<experiment type='netlist'>\n<circuit title='t'>\n");
    for (int i = 0; i < 3000; i++)
        len += (size_t)snprintf(xml + len, cap - len,
                                "<resistor name='a%d' p='n%d' n='0' r='1k'/>\n", i, i);
    snprintf(xml + len, cap - len,
             "<resistor name='A1234' p='x' n='0' r='1k'/>\n</circuit><op vectors='v(x)'/>"
             "</experiment>");
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_memory(xml, 0, "<dup>", COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg, &e);
    ck_assert_msg(rc == 0, "%s:%d: %s", e.file, e.line, e.msg);
    struct cospin_exp_netlist *x = NULL;
    ck_assert_int_eq(cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 3003);
    ck_assert_has(e.msg, "'RA1234' is already used by <resistor> at line 1237");
    cospin_xml_free(cfg);
    free(xml);
}
END_TEST

/* Injection: a title with line breaks stays one netlist line (it once put
   ".control / shell" on lines of their own, which ngspice ran), and vector
   names with other characters are refused. */
START_TEST(test_netlist_injection)
{
    static const char xml[] =
        "<experiment type='netlist'><circuit title='t&#10;.control&#10;shell touch x&#10;.endc'>"
        "<resistor name='1' p='in' n='0' r='1k'/></circuit><op vectors='v(in)'/></experiment>";
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    ck_assert_int_eq(cospin_xml_load_memory(xml, 0, "<inj>", COSPIN_CONFIG_SCHEMA_EXPERIMENT,
                                            &cfg, &e), 0);
    struct cospin_exp_netlist *x = NULL;
    int rc = cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_has(x->circuit, "t .control shell touch x .endc\n");
    ck_assert_ptr_null(strstr(x->circuit, "\n.control"));
    ck_assert_ptr_null(strstr(x->circuit, "\nshell"));
    cospin_exp_netlist_free(x);
    cospin_xml_free(cfg);
    static const char bad[] =
        "<experiment type='netlist'><circuit title='t'>"
        "<resistor name='1' p='in' n='0' r='1k'/></circuit><op vectors='v(in);x'/></experiment>";
    ck_assert_int_eq(cospin_xml_load_memory(bad, 0, "<inj2>", COSPIN_CONFIG_SCHEMA_EXPERIMENT,
                                            &cfg, &e), 0);
    x = NULL;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e), COSPIN_ERR_INVALID);
    ck_assert_has(e.msg, "vector name 'v(in);x' has the character ';'");
    cospin_xml_free(cfg);
}
END_TEST

/* Inline netlist text that is code (.control, .exec, shell, .include, .lib)
   is refused at its own line unless COSPIN_EXP_NETLIST_ALLOW_CODE. */
START_TEST(test_netlist_code_refused)
{
    static const char *const lines[] = {".control", ".ENDC", ".exec", "shell touch x",
                                        ".include /etc/passwd", ".inc a.lib", ".lib a.lib tt"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char xml[512];
        snprintf(xml, sizeof xml,
                 "<experiment type='netlist'>\n<circuit>\n<netlist>\n"
                 "  r1 in 0 1k\n  %s\n</netlist>\n</circuit><op vectors='v(in)'/></experiment>",
                 lines[i]);
        struct cospin_error e = {0};
        struct cospin_xml_doc *cfg = NULL;
        ck_assert_int_eq(cospin_xml_load_memory(xml, 0, "<code>", COSPIN_CONFIG_SCHEMA_EXPERIMENT,
                                                &cfg, &e), 0);
        struct cospin_exp_netlist *x = NULL;
        ck_assert_int_eq(cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e),
                         COSPIN_ERR_INVALID);
        ck_assert_int_eq(e.line, 5);
        ck_assert_has(e.msg, "--allow-netlist-code");
        memset(&e, 0, sizeof e);
        ck_assert_int_eq(cospin_exp_netlist_read(cospin_xml_root(cfg),
                                                 COSPIN_EXP_NETLIST_ALLOW_CODE, &x, &e), 0);
        ck_assert_has(x->circuit, lines[i]);
        cospin_exp_netlist_free(x);
        cospin_xml_free(cfg);
    }
}
END_TEST

/* A transient of more than 1e9 time points is refused before it runs (.tran
   1f 1 ran until killed), with --force (ctx.force) it passes the check. */
START_TEST(test_tran_points_refused)
{
    static const char xml[] =
        "<experiment type='netlist'><circuit><resistor name='1' p='in' n='0' r='1k'/>"
        "</circuit>\n<tran step='1f' stop='1' vectors='v(in)'/>\n"
        "<tran step='1p' stop='1u' max_step='1f' vectors='v(in)' file='b.csv'/></experiment>";
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    ck_assert_int_eq(cospin_xml_load_memory(xml, 0, "<tran>", COSPIN_CONFIG_SCHEMA_EXPERIMENT,
                                            &cfg, &e), 0);
    struct cospin_exp_netlist *x = NULL;
    ck_assert_int_eq(cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e), 0);
    ck_assert_rel(x->analyses[0].tran_points, 1e15, 1e-12);
    ck_assert_rel(x->analyses[1].tran_points, 1e9, 1e-12);   /* max_step sets the step */
    cospin_exp_netlist_free(x);
    struct cospin_experiment_ctx ctx = {0};
    ck_assert_int_eq(cospin_experiment_netlist_check(cospin_xml_root(cfg), &ctx, &e),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 2);
    ck_assert_has(e.msg, "about 1e+15 time points");
    ck_assert_has(e.msg, "--force");
    ctx.force = 1;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_experiment_netlist_check(cospin_xml_root(cfg), &ctx, &e), 0);
    cospin_xml_free(cfg);
}
END_TEST

static const char tree_xml[] =
    "<?xml version='1.0'?>\n"
    "<model version='3'>\n"
    "  <layer n='2' act='relu' on='yes' w='1k'>1, 2.5m\n -3e2 4u</layer>\n"
    "  <!-- comment -->\n"
    "  <layer n='x' act='tanh' on='maybe' w='1 k'/>\n"
    "  <note a='&amp;&lt;'>  text &amp; more  </note>\n"
    "</model>\n";

START_TEST(test_tree_memory)
{
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    ck_assert_int_eq(cospin_xml_load_memory(tree_xml, 0, "<tree>", NULL, &cfg, &e), 0);
    const struct cospin_xml_node *root = cospin_xml_root(cfg);
    ck_assert_str_eq(cospin_xml_name(root), "model");
    const struct cospin_xml_node *l1 = cospin_xml_child(root, NULL);
    const struct cospin_xml_node *l2 = cospin_xml_next(l1, NULL);
    const struct cospin_xml_node *note = cospin_xml_next(l2, NULL);
    ck_assert_ptr_null(cospin_xml_next(note, NULL));
    ck_assert_ptr_null(cospin_xml_child(note, NULL));
    ck_assert_int_eq(cospin_xml_line(l2), 6);
    int v = 0;
    ck_assert_int_eq(cospin_xml_attr_int(l1, "n", 0, &v, &e), 0);
    ck_assert_int_eq(v, 2);
    static const char *const acts[] = {"sigmoid", "relu", "tanh", NULL};
    ck_assert_int_eq(cospin_xml_attr_enum(l1, "act", acts, 0, &v, &e), 0);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(cospin_xml_attr_enum(l2, "act", acts, 0, &v, &e), 0);
    ck_assert_int_eq(v, 2);
    ck_assert_int_eq(cospin_xml_attr_enum(note, "act", acts, 0, &v, &e), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(cospin_xml_attr_bool(l1, "on", 0, &v, &e), 0);
    ck_assert_int_eq(v, 1);
    double *vals;
    size_t n;
    ck_assert_int_eq(cospin_xml_text_doubles(l1, &vals, &n, &e), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_rel(vals[1], 2.5e-3, 1e-15);
    ck_assert_rel(vals[2], -300.0, 1e-15);
    free(vals);
    ck_assert_int_eq(cospin_xml_text_doubles(l2, &vals, &n, &e), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(vals);
    ck_assert_str_eq(cospin_xml_text(note), "text & more");
    ck_assert_str_eq(cospin_xml_attr(note, "a"), "&<");
    ck_assert_int_eq(e.code, 0);
    /* NULL-safety */
    ck_assert_str_eq(cospin_xml_name(NULL), "");
    ck_assert_int_eq(cospin_xml_line(NULL), 0);
    ck_assert_ptr_null(cospin_xml_child(NULL, NULL));
    ck_assert_ptr_null(cospin_xml_attr(NULL, "x"));
    ck_assert_uint_eq(cospin_xml_count(NULL, NULL), 0);
    cospin_xml_free(cfg);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------ */

START_TEST(test_missing_file)
{
    struct cospin_error e = load_fail(DATA("no-such-file.xml"));
    ck_assert_int_eq(e.code, COSPIN_ERR_IO);
    ck_assert_int_eq(e.line, 0);
    ck_assert_has(e.msg, "No such file");
}
END_TEST

START_TEST(test_malformed)
{
    struct cospin_error e = load_fail(DATA("malformed.xml"));
    ck_assert_int_eq(e.code, COSPIN_ERR_PARSE);
    ck_assert_int_eq(e.line, 5);
    ck_assert_has(e.msg, "malformed XML");
    ck_assert_has(e.msg, "circuit");
}
END_TEST

START_TEST(test_bad_attribute)
{
    struct cospin_error e = load_fail(DATA("bad_attr.xml"));
    ck_assert_int_eq(e.code, COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 4);
    ck_assert_has(e.msg, "<resistor>");
    ck_assert_has(e.msg, "'rr'");
    ck_assert_has(e.msg, "not allowed");
}
END_TEST

START_TEST(test_bad_element)
{
    struct cospin_error e = load_fail(DATA("bad_element.xml"));
    ck_assert_int_eq(e.code, COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 5);
    ck_assert_has(e.msg, "<capacitr>");
    ck_assert_has(e.msg, "<circuit>");
    ck_assert_has(e.msg, "capacitor");   /* the allowed list */
}
END_TEST

START_TEST(test_bad_number_schema)
{
    struct cospin_error e = load_fail(DATA("bad_number.xml"));
    ck_assert_int_eq(e.code, COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 4);
    ck_assert_has(e.msg, "<resistor r=\"abc\">");
    ck_assert_has(e.msg, "not a number");
}
END_TEST

START_TEST(test_bad_suffix)
{
    /* passes the grammar's loose pattern; the typed reader names attribute and line */
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    ck_assert_int_eq(cospin_xml_load(DATA("bad_suffix.xml"), &cfg, &e), 0);
    const struct cospin_xml_node *c =
        cospin_xml_child(cospin_xml_child(cospin_xml_root(cfg), "circuit"), "capacitor");
    double v = 5.0;
    ck_assert_int_eq(cospin_xml_attr_double(c, "c", 0.0, &v, &e), COSPIN_ERR_PARSE);
    ck_assert(v == 5.0);
    ck_assert_str_eq(e.file, DATA("bad_suffix.xml"));
    ck_assert_int_eq(e.line, 5);
    ck_assert_has(e.msg, "<capacitor c=\"1x\">");
    ck_assert_has(e.msg, "'1x' is not a number");
    /* and the netlist reader reports the same */
    struct cospin_error e2 = {0};
    struct cospin_exp_netlist *x = NULL;
    ck_assert_int_eq(cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e2), COSPIN_ERR_PARSE);
    ck_assert_ptr_null(x);
    ck_assert_int_eq(e2.line, 5);
    ck_assert_has(e2.msg, "c=\"1x\"");
    cospin_xml_free(cfg);
}
END_TEST

START_TEST(test_missing_attribute)
{
    struct cospin_error e = load_fail(DATA("missing_attr.xml"));
    ck_assert_int_eq(e.code, COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 4);
    ck_assert_has(e.msg, "<resistor>");
    ck_assert_has(e.msg, "missing required attribute 'r'");
}
END_TEST

START_TEST(test_bad_type)
{
    struct cospin_error e = load_fail(DATA("bad_type.xml"));
    ck_assert_int_eq(e.code, COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 3);
    ck_assert_has(e.msg, "teleport");
    ck_assert_has(e.msg, "unknown experiment type");
    ck_assert_has(e.msg, "netlist");
}
END_TEST

START_TEST(test_bad_value)
{
    struct cospin_error e = load_fail(DATA("bad_value.xml"));
    ck_assert_int_eq(e.line, 6);
    ck_assert_has(e.msg, "<tran uic=\"maybe\">");
    ck_assert_has(e.msg, "true");
}
END_TEST

START_TEST(test_semantic_errors)
{
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    ck_assert_int_eq(cospin_xml_load(DATA("negative_r.xml"), &cfg, &e), 0);
    struct cospin_exp_netlist *x = NULL;
    ck_assert_int_eq(cospin_exp_netlist_read(cospin_xml_root(cfg), 0, &x, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 4);
    ck_assert_has(e.msg, "<resistor r=\"-1k\">: must be > 0");
    cospin_xml_free(cfg);

    /* duplicate SPICE names, duplicate output files, odd pwl lists */
    static const struct {
        const char *body;
        int line;
        const char *needle;
    } cases[] = {
        {"<circuit>\n<resistor name='1' p='a' n='0' r='1'/>\n<resistor name='R1' p='a' n='0' r='1'/>\n"
         "</circuit><op vectors='v(a)'/>",
         4, "already used by <resistor> at line 3"},
        {"<circuit>\n<resistor name='1' p='a' n='0' r='1'/>\n</circuit>\n<op vectors='v(a)'/>\n"
         "<op vectors='v(a)'/>",
         6, "'op.csv' is already written by the analysis at line 5"},
        {"<circuit>\n<vsource name='1' p='a' n='0'><pwl>0 1 2</pwl></vsource>\n</circuit>"
         "<op vectors='v(a)'/>",
         3, "pairs"},
        {"<circuit>\n<vsource name='1' p='a' n='0'><pwl>0 1 2n 1 1n 0</pwl></vsource>\n</circuit>"
         "<op vectors='v(a)'/>",
         3, "must not decrease"},
        {"<circuit>\n<resistor name='1' p='a' n='0' r='1'/>\n</circuit>\n"
         "<dc source='R1' start='0' stop='1' step='1' vectors='v(a)'/>",
         5, "voltage or current source"},
        {"<circuit>\n<resistor name='1' p='a' n='0' r='1'/>\n</circuit>\n"
         "<tran step='1n' stop='10n' start='20n' vectors='v(a)'/>",
         5, "[0, stop)"},
        {"<circuit>\n<tmr_res name='1' p='a' n='0' m='2'/>\n</circuit>\n<op vectors='v(a)'/>", 3,
         "[-1, 1]"},
        {"<circuit>\n<tmr_res name='1' p='a' n='0' m='1' r_p='5k' r_ap='1k'/>\n</circuit>\n"
         "<op vectors='v(a)'/>",
         3, "must be >= r_p"},
        {"<circuit>\n<netlist>r1 a 0 1\n.end</netlist>\n</circuit>\n<op vectors='v(a)'/>", 3,
         ".end"},
        {"<circuit>\n<resistor name='1' p='a' n='0' r='1'/>\n</circuit>\n<op vectors=' '/>", 5,
         "at least one vector"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char xml[1024];
        snprintf(xml, sizeof xml, "<experiment type='netlist'>\n%s</experiment>\n", cases[i].body);
        struct cospin_error e1 = {0};
        struct cospin_xml_doc *c1 = NULL;
        int rc = cospin_xml_load_memory(xml, 0, "<case>", COSPIN_CONFIG_SCHEMA_EXPERIMENT, &c1,
                                           &e1);
        ck_assert_msg(rc == 0, "case %zu does not validate: %s:%d: %s", i, e1.file, e1.line,
                      e1.msg);
        rc = cospin_exp_netlist_read(cospin_xml_root(c1), 0, &x, &e1);
        ck_assert_msg(rc == COSPIN_ERR_INVALID, "case %zu: rc %d", i, rc);
        ck_assert_msg(e1.line == cases[i].line, "case %zu: line %d, expected %d (%s)", i, e1.line,
                      cases[i].line, e1.msg);
        ck_assert_has(e1.msg, cases[i].needle);
        ck_assert_str_eq(e1.file, "<case>");
        cospin_xml_free(c1);
    }
}
END_TEST

START_TEST(test_typed_reader_errors)
{
    struct cospin_xml_doc *cfg = NULL;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_xml_load_memory(tree_xml, 0, "<tree>", NULL, &cfg, &e), 0);
    const struct cospin_xml_node *l2 =
        cospin_xml_next(cospin_xml_child(cospin_xml_root(cfg), NULL), NULL);
    int v = 42;
    double d = 4.2;
    const char *s = NULL;
    static const char *const acts[] = {"sigmoid", "relu", NULL};

    ck_assert_int_eq(cospin_xml_attr_int(l2, "n", 0, &v, &e), COSPIN_ERR_PARSE);
    ck_assert_str_eq(e.file, "<tree>");
    ck_assert_int_eq(e.line, 6);
    ck_assert_has(e.msg, "<layer n=\"x\">");
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_attr_enum(l2, "act", acts, 0, &v, &e), COSPIN_ERR_PARSE);
    ck_assert_has(e.msg, "'tanh' is not one of: sigmoid, relu");
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_attr_bool(l2, "on", 0, &v, &e), COSPIN_ERR_PARSE);
    ck_assert_has(e.msg, "<layer on=\"maybe\">");
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_attr_double(l2, "w", 0, &d, &e), COSPIN_ERR_PARSE);
    ck_assert_has(e.msg, "'1 k' is not a number");
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_req_double(l2, "nothere", &d, &e), COSPIN_ERR_INVALID);
    ck_assert_has(e.msg, "<layer>: missing attribute 'nothere'");
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_req_int(l2, "nothere", &v, &e), COSPIN_ERR_INVALID);
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_req_str(l2, "nothere", &s, &e), COSPIN_ERR_INVALID);
    cospin_error_clear(&e);
    ck_assert_int_eq(v, 42);
    ck_assert(d == 4.2);
    /* int range */
    struct cospin_xml_doc *c2 = NULL;
    ck_assert_int_eq(cospin_xml_load_memory("<a n='99999999999' m='12 '/>", 0, "<x>", NULL, &c2, &e), 0);
    ck_assert_int_eq(cospin_xml_attr_int(cospin_xml_root(c2), "n", 0, &v, &e), COSPIN_ERR_PARSE);
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_attr_int(cospin_xml_root(c2), "m", 0, &v, &e), 0);
    ck_assert_int_eq(v, 12);
    cospin_xml_free(c2);
    /* text with a bad number */
    struct cospin_xml_doc *c3 = NULL;
    ck_assert_int_eq(cospin_xml_load_memory("<a>\n<w>1 2 3q</w></a>", 0, "<y>", NULL, &c3, &e), 0);
    double *vals = (double *)&d;
    size_t n = 7;
    ck_assert_int_eq(cospin_xml_text_doubles(cospin_xml_child(cospin_xml_root(c3), "w"),
                                                &vals, &n, &e),
                     COSPIN_ERR_PARSE);
    ck_assert_ptr_null(vals);
    ck_assert_int_eq(e.line, 2);
    ck_assert_has(e.msg, "number 3");
    cospin_xml_free(c3);
    /* custom error helper */
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_error(l2, "w", COSPIN_ERR_INVALID, &e, "too %s", "big"),
                     COSPIN_ERR_INVALID);
    ck_assert_str_eq(e.msg, "<layer w=\"1 k\">: too big");
    cospin_xml_free(cfg);
}
END_TEST

START_TEST(test_memory_errors)
{
    struct cospin_error e = {0};
    struct cospin_xml_doc *cfg = NULL;
    ck_assert_int_eq(cospin_xml_load_memory("<a>\n<b>\n</a>", 0, "<m>", NULL, &cfg, &e),
                     COSPIN_ERR_PARSE);
    ck_assert_ptr_null(cfg);
    ck_assert_str_eq(e.file, "<m>");
    ck_assert_int_eq(e.line, 3);
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_load_memory("", 0, "<m>", NULL, &cfg, &e), COSPIN_ERR_PARSE);
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_load_memory("   ", 0, "<m>", NULL, &cfg, &e), COSPIN_ERR_PARSE);
    cospin_error_clear(&e);
    /* the root is not an experiment */
    ck_assert_int_eq(cospin_xml_load_memory("<model/>", 0, "<m>",
                                               COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg, &e),
                     COSPIN_ERR_INVALID);
    ck_assert_has(e.msg, "root element must be <experiment");
    cospin_error_clear(&e);
    /* missing type */
    ck_assert_int_eq(cospin_xml_load_memory("<experiment/>", 0, "<m>",
                                               COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg, &e),
                     COSPIN_ERR_INVALID);
    ck_assert_has(e.msg, "missing attribute 'type'");
    cospin_error_clear(&e);
    /* a schema that does not exist */
    ck_assert_int_eq(cospin_xml_load_memory("<a/>", 0, "<m>", "no-such.rng", &cfg, &e),
                     COSPIN_ERR_IO);
    ck_assert_has(e.msg, "schema");
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_load_with(NULL, NULL, &cfg, &e), COSPIN_ERR_INVALID);
    cospin_error_clear(&e);
    ck_assert_int_eq(cospin_xml_load(COSPIN_TEST_SRCDIR "/data", &cfg, &e), COSPIN_ERR_IO);
    ck_assert_has(e.msg, "directory");
    cospin_error_clear(&e);
    /* a required element missing: named with the element that should contain it */
    ck_assert_int_eq(cospin_xml_load_memory("<experiment type='netlist'>\n<circuit>"
                                               "<resistor name='a' p='1' n='0' r='1k'/></circuit>\n"
                                               "</experiment>",
                                               0, "<m>", COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg, &e),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(e.line, 1);
    ck_assert_has(e.msg, "<experiment>: a required child element is missing");
    ck_assert_has(e.msg, "tran");
}
END_TEST

static Suite *suite_config(void)
{
    Suite *s = suite_create("config");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_load_good);
    tcase_add_test(core, test_example_and_netlist);
    tcase_add_test(core, test_good_netlist_elements);
    tcase_add_test(core, test_tree_memory);
    tcase_add_test(core, test_vectors_many_separators);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_missing_file);
    tcase_add_test(errors, test_malformed);
    tcase_add_test(errors, test_bad_attribute);
    tcase_add_test(errors, test_bad_element);
    tcase_add_test(errors, test_bad_number_schema);
    tcase_add_test(errors, test_bad_suffix);
    tcase_add_test(errors, test_missing_attribute);
    tcase_add_test(errors, test_bad_type);
    tcase_add_test(errors, test_bad_value);
    tcase_add_test(errors, test_semantic_errors);
    tcase_add_test(errors, test_duplicate_name_many);
    tcase_add_test(errors, test_netlist_injection);
    tcase_add_test(errors, test_netlist_code_refused);
    tcase_add_test(errors, test_tran_points_refused);
    tcase_add_test(errors, test_typed_reader_errors);
    tcase_add_test(errors, test_memory_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_config)
