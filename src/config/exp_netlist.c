/*
 * exp_netlist.c -- <experiment type="netlist"> (exp_netlist.h): XML circuit
 * description -> netlist text, analyses through the engine, CSV output.
 */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "netlist"
#include "engine.h"
#include "error.h"
#include "exp_netlist.h"
#include "experiment.h"
#include "log.h"
#include "output.h"
#include "netlist.h"
#include "units.h"

/* Significant digits when a parsed value is written back into a netlist. */
#define NETLIST_DIGITS 15

/* ---- reading the description ------------------------------------------------------ */

struct reader {
    struct cospin_netlist *net;     /* circuit text */
    struct cospin_netlist *models;  /* .model cards, appended after the elements */
    char **names;             /* SPICE names used so far, in order */
    const struct cospin_xml_node **where;
    size_t nnames, cap;
    size_t *slot;             /* open-addressing hash of names: index + 1, 0 = empty */
    size_t nslots;            /* a power of two, > 2 * nnames */
    unsigned flags;           /* COSPIN_EXP_NETLIST_* */
    struct cospin_error *err;
};

/*
 * Text from the experiment file that goes onto one netlist line (the title,
 * the file name in a comment): control characters become blanks, so a line
 * break in an attribute cannot start a new netlist line (".control", "shell"
 * ...).  Writes at most n - 1 bytes into buf and returns buf.
 */
static const char *one_line(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < n; i++)
        buf[i] = iscntrl((unsigned char)s[i]) ? ' ' : s[i];
    buf[i] = '\0';
    return buf;
}

/* A value formatted for the netlist. */
static const char *fmt_num(double v, char *buf, size_t n)
{
    return cospin_units_format(v, NETLIST_DIGITS, buf, n);
}

/* The SPICE name of an element: letter + name unless name starts with the letter. */
static void spice_name(char letter, const char *name, char *buf, size_t n)
{
    if (tolower((unsigned char)name[0]) == tolower((unsigned char)letter))
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "%c%s", letter, name);
}

/* FNV-1a of the lower-cased name: SPICE names are case-insensitive. */
static size_t name_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 1099511628211u;
    return h;
}

/* The slot holding sname, or the empty slot where it would go. */
static size_t name_slot(const struct reader *r, const char *sname)
{
    size_t mask = r->nslots - 1, i = name_hash(sname) & mask;
    while (r->slot[i] && strcasecmp(r->names[r->slot[i] - 1], sname) != 0)
        i = (i + 1) & mask;
    return i;
}

/* Grow the name arrays (doubling) and rehash when the table is half full,
   so that checking n names costs O(n), not O(n^2). */
static int grow_names(struct reader *r)
{
    if (r->nnames == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 64;
        char **p = realloc(r->names, cap * sizeof *p);
        if (!p)
            return cospin_error_set(r->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        r->names = p;
        const struct cospin_xml_node **w = realloc(r->where, cap * sizeof *w);
        if (!w)
            return cospin_error_set(r->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        r->where = w;
        r->cap = cap;
    }
    if (2 * (r->nnames + 1) < r->nslots)
        return COSPIN_OK;
    size_t nslots = r->nslots ? 2 * r->nslots : 128;
    size_t *slot = calloc(nslots, sizeof *slot);
    if (!slot)
        return cospin_error_set(r->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    free(r->slot);
    r->slot = slot;
    r->nslots = nslots;
    for (size_t k = 0; k < r->nnames; k++)
        r->slot[name_slot(r, r->names[k])] = k + 1;
    return COSPIN_OK;
}

static int add_name(struct reader *r, const struct cospin_xml_node *node, const char *sname)
{
    if (r->nslots) {
        size_t i = r->slot[name_slot(r, sname)];
        if (i)
            return cospin_xml_error(node, "name", COSPIN_ERR_INVALID, r->err,
                                       "SPICE name '%s' is already used by <%s> at line %d",
                                       sname, cospin_xml_name(r->where[i - 1]),
                                       cospin_xml_line(r->where[i - 1]));
    }
    int rc = grow_names(r);
    if (rc)
        return rc;
    if (!(r->names[r->nnames] = strdup(sname)))
        return cospin_error_set(r->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    r->where[r->nnames] = node;
    r->slot[name_slot(r, sname)] = ++r->nnames;
    return COSPIN_OK;
}

/* Read a required positive number attribute. */
static int positive(const struct cospin_xml_node *n, const char *attr, double *v,
                    struct cospin_error *err)
{
    int rc = cospin_xml_req_double(n, attr, v, err);
    if (rc)
        return rc;
    if (!(*v > 0))
        return cospin_xml_error(n, attr, COSPIN_ERR_INVALID, err, "must be > 0");
    return COSPIN_OK;
}

/* " pulse(...)", " sin(...)", " pwl(...)" for a source, or nothing. */
static int waveform(struct reader *r, const struct cospin_xml_node *src)
{
    char b[64];
    const struct cospin_xml_node *w = cospin_xml_child(src, NULL);
    if (!w)
        return COSPIN_OK;
    const char *kind = cospin_xml_name(w);
    if (strcmp(kind, "pwl") == 0) {
        double *v;
        size_t n;
        int rc = cospin_xml_text_doubles(w, &v, &n, r->err);
        if (rc)
            return rc;
        if (n == 0 || n % 2) {
            free(v);
            return cospin_xml_error(w, NULL, COSPIN_ERR_INVALID, r->err,
                                       "needs pairs 'time value ...' (got %zu numbers)", n);
        }
        for (size_t i = 2; i < n; i += 2) {
            if (v[i] < v[i - 2]) {
                free(v);
                return cospin_xml_error(w, NULL, COSPIN_ERR_INVALID, r->err,
                                           "times must not decrease (pair %zu)", i / 2 + 1);
            }
        }
        cospin_netlist_printf(r->net, " pwl(");
        for (size_t i = 0; i < n; i++)
            cospin_netlist_printf(r->net, "%s%s", i ? " " : "", fmt_num(v[i], b, sizeof b));
        cospin_netlist_printf(r->net, ")");
        free(v);
        return COSPIN_OK;
    }
    static const char *const pulse[] = {"v1", "v2", "td", "tr", "tf", "pw", "per", NULL};
    static const char *const sine[] = {"vo", "va", "freq", "td", "theta", NULL};
    const char *const *args = strcmp(kind, "pulse") == 0 ? pulse : sine;
    /* Positional arguments up to the last one given; the gaps are 0 (ngspice's default). */
    int last = -1;
    for (int i = 0; args[i]; i++)
        if (cospin_xml_has_attr(w, args[i]))
            last = i;
    cospin_netlist_printf(r->net, " %s(", kind);
    for (int i = 0; i <= last; i++) {
        double v;
        int rc = cospin_xml_attr_double(w, args[i], 0.0, &v, r->err);
        if (rc)
            return rc;
        if (i >= 2 && v < 0)
            return cospin_xml_error(w, args[i], COSPIN_ERR_INVALID, r->err, "must be >= 0");
        cospin_netlist_printf(r->net, "%s%s", i ? " " : "", fmt_num(v, b, sizeof b));
    }
    cospin_netlist_printf(r->net, ")");
    return COSPIN_OK;
}

/*
 * What an inline netlist line q (l bytes, leading blanks removed) does that
 * makes it code rather than a circuit, or NULL: ngspice runs .control and
 * .exec blocks as commands (shell among them) and reads any file named by
 * .include or .lib (the prefixes as ngspice matches them: .inc is
 * .include).  "shell" as the first word is refused too.
 */
static const char *netlist_code(const char *q, size_t l)
{
    static const char *const cards[][2] = {
        {".control", "a .control block (ngspice commands)"},
        {".endc", "the end of a .control block"},
        {".exec", "an .exec block (ngspice commands)"},
        {".inc", "an .include card (reads a file)"},
        {".lib", "a .lib card (reads a file)"},
    };
    for (size_t i = 0; i < sizeof cards / sizeof cards[0]; i++) {
        size_t k = strlen(cards[i][0]);
        if (l >= k && strncasecmp(q, cards[i][0], k) == 0)
            return cards[i][1];
    }
    if (l >= 5 && strncasecmp(q, "shell", 5) == 0 && (l == 5 || isspace((unsigned char)q[5])))
        return "a shell command";
    return NULL;
}

/* An inline <netlist>: each line as written, minus leading blanks (SPICE
   continuation '+' kept); code (netlist_code) only when the flags allow it. */
static int inline_netlist(struct reader *r, const struct cospin_xml_node *n)
{
    const char *t = cospin_xml_text(n);
    if (!t)
        return cospin_error_set(r->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int line = cospin_xml_text_line(n);
    for (const char *p = t; *p; line++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *q = p;
        while (q < p + len && (*q == ' ' || *q == '\t'))
            q++;
        size_t l2 = len - (size_t)(q - p);
        while (l2 > 0 && (q[l2 - 1] == '\r' || q[l2 - 1] == ' ' || q[l2 - 1] == '\t'))
            l2--;
        if (l2 >= 4 && strncasecmp(q, ".end", 4) == 0 && (l2 == 4 || isspace((unsigned char)q[4])))
            return cospin_xml_error(n, NULL, COSPIN_ERR_INVALID, r->err,
                                    "inline netlist must not contain .end (cospin adds it)");
        const char *code = netlist_code(q, l2);
        if (code && !(r->flags & COSPIN_EXP_NETLIST_ALLOW_CODE))
            return cospin_error_set(r->err, COSPIN_ERR_INVALID, cospin_xml_file(n), line,
                                    "<netlist>: %s: netlists are code, and an experiment file "
                                    "runs this only with --allow-netlist-code (use it only for "
                                    "files you trust)", code);
        if (l2 > 0)
            cospin_netlist_printf(r->net, "%.*s\n", (int)l2, q);
        p = e ? e + 1 : p + len;
    }
    return COSPIN_OK;
}

static int element(struct reader *r, const struct cospin_xml_node *n)
{
    const char *kind = cospin_xml_name(n);
    char b1[64], b2[64], b3[64], sname[128];
    if (strcmp(kind, "netlist") == 0)
        return inline_netlist(r, n);
    const char *name, *pn, *nn;
    int rc = cospin_xml_req_str(n, "name", &name, r->err);
    if (!rc)
        rc = cospin_xml_req_str(n, "p", &pn, r->err);
    if (!rc)
        rc = cospin_xml_req_str(n, "n", &nn, r->err);
    if (rc)
        return rc;
    if (strcmp(kind, "vsource") == 0 || strcmp(kind, "isource") == 0) {
        double dc;
        spice_name(kind[0] == 'v' ? 'V' : 'I', name, sname, sizeof sname);
        if ((rc = add_name(r, n, sname)) || (rc = cospin_xml_attr_double(n, "dc", 0.0, &dc, r->err)))
            return rc;
        cospin_netlist_printf(r->net, "%s %s %s dc %s", sname, pn, nn, fmt_num(dc, b1, sizeof b1));
        if ((rc = waveform(r, n)))
            return rc;
        cospin_netlist_printf(r->net, "\n");
        return COSPIN_OK;
    }
    if (strcmp(kind, "resistor") == 0 || strcmp(kind, "capacitor") == 0
        || strcmp(kind, "inductor") == 0) {
        static const char *const value_attr[] = {"r", "c", "l"};
        int k = kind[0] == 'r' ? 0 : kind[0] == 'c' ? 1 : 2;
        double v;
        spice_name("RCL"[k], name, sname, sizeof sname);
        if ((rc = add_name(r, n, sname)) || (rc = positive(n, value_attr[k], &v, r->err)))
            return rc;
        cospin_netlist_printf(r->net, "%s %s %s %s", sname, pn, nn, fmt_num(v, b1, sizeof b1));
        if (k > 0 && cospin_xml_has_attr(n, "ic")) {
            double ic;
            if ((rc = cospin_xml_attr_double(n, "ic", 0.0, &ic, r->err)))
                return rc;
            cospin_netlist_printf(r->net, " ic=%s", fmt_num(ic, b2, sizeof b2));
        }
        cospin_netlist_printf(r->net, "\n");
        return COSPIN_OK;
    }
    if (strcmp(kind, "tmr_res") == 0) {
        /* Defaults are the model's (models/tmr_res/ifspec.ifs). */
        double r_p = 5e3, r_ap = 1e4, v_half = 0.0;
        spice_name('A', name, sname, sizeof sname);
        if ((rc = add_name(r, n, sname))
            || (rc = cospin_xml_attr_double(n, "r_p", r_p, &r_p, r->err))
            || (rc = cospin_xml_attr_double(n, "r_ap", r_ap, &r_ap, r->err))
            || (rc = cospin_xml_attr_double(n, "v_half", v_half, &v_half, r->err)))
            return rc;
        if (!(r_p > 0))
            return cospin_xml_error(n, "r_p", COSPIN_ERR_INVALID, r->err, "must be > 0");
        if (!(r_ap >= r_p))
            return cospin_xml_error(n, "r_ap", COSPIN_ERR_INVALID, r->err,
                                       "must be >= r_p (%g ohm)", r_p);
        char state[160];
        const char *st = cospin_xml_attr(n, "state");
        if (st) {
            snprintf(state, sizeof state, "%s", st);
        } else {
            double m;
            if ((rc = cospin_xml_req_double(n, "m", &m, r->err)))
                return rc;
            if (m < -1 || m > 1)
                return cospin_xml_error(n, "m", COSPIN_ERR_INVALID, r->err,
                                           "m_z must lie in [-1, 1]");
            snprintf(state, sizeof state, "cospin_m_%s", name);
            char vname[160];
            snprintf(vname, sizeof vname, "vcospin_m_%s", name);
            if ((rc = add_name(r, n, vname)))
                return rc;
            cospin_netlist_printf(r->net, "%s %s 0 dc %s\n", vname, state, fmt_num(m, b1, sizeof b1));
        }
        cospin_netlist_printf(r->net, "%s %s %s %s %s_tmr\n", sname, pn, nn, state, sname);
        cospin_netlist_printf(r->models, ".model %s_tmr tmr_res(r_p=%s r_ap=%s v_half=%s)\n", sname,
                  fmt_num(r_p, b1, sizeof b1), fmt_num(r_ap, b2, sizeof b2),
                  fmt_num(v_half, b3, sizeof b3));
        return COSPIN_OK;
    }
    return cospin_xml_error(n, NULL, COSPIN_ERR_INTERNAL, r->err,
                               "element kind not handled (schema and code disagree)");
}

/* Split a vectors="v(a) v(b)" attribute into a NULL-terminated list. */
/* Separators between vector names: blanks, commas and line breaks.  The same
   test counts and splits, so the array always has room for every name. */
static int is_vector_sep(char c)
{
    return c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r';
}

static int split_vectors(const struct cospin_xml_node *n, struct cospin_exp_analysis *a,
                         struct cospin_error *err)
{
    const char *v;
    int rc = cospin_xml_req_str(n, "vectors", &v, err);
    if (rc)
        return rc;
    size_t cap = 0;
    for (const char *p = v; *p; p++)
        cap += !is_vector_sep(*p) && (p == v || is_vector_sep(p[-1]));
    a->vectors = calloc(cap + 1, sizeof *a->vectors);
    if (!a->vectors)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    const char *p = v;
    while (*p) {
        while (is_vector_sep(*p))
            p++;
        if (!*p)
            break;
        const char *s = p;
        while (*p && !is_vector_sep(*p))
            p++;
        for (const char *q = s; q < p; q++)
            if (!(isalnum((unsigned char)*q) || strchr("_()#.:[]@+-/", *q)))
                return cospin_xml_error(n, "vectors", COSPIN_ERR_INVALID, err,
                                        "vector name '%.*s' has the character '%c' (allowed: "
                                        "letters, digits and _()#.:[]@+-/)",
                                        (int)(p - s), s, *q);
        if (!(a->vectors[a->nvectors] = strndup(s, (size_t)(p - s))))
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        a->nvectors++;
    }
    if (a->nvectors == 0)
        return cospin_xml_error(n, "vectors", COSPIN_ERR_INVALID, err,
                                   "name at least one vector, e.g. vectors=\"v(out)\"");
    return COSPIN_OK;
}

static int analysis(struct reader *r, const struct cospin_xml_node *n,
                    struct cospin_exp_analysis *a)
{
    const char *kind = cospin_xml_name(n);
    char b[4][64];
    int rc;
    a->line = cospin_xml_line(n);
    if ((rc = split_vectors(n, a, r->err)))
        return rc;
    const char *file;
    char deffile[64];
    snprintf(deffile, sizeof deffile, "%s.csv", kind);
    cospin_xml_attr_str(n, "file", deffile, &file, r->err);
    snprintf(a->file, sizeof a->file, "%s", file);
    if (strcmp(kind, "op") == 0) {
        snprintf(a->command, sizeof a->command, "op");
        snprintf(a->dot_card, sizeof a->dot_card, ".op");
        return COSPIN_OK;
    }
    if (strcmp(kind, "dc") == 0) {
        const char *src;
        double start, stop, step;
        if ((rc = cospin_xml_req_str(n, "source", &src, r->err))
            || (rc = cospin_xml_req_double(n, "start", &start, r->err))
            || (rc = cospin_xml_req_double(n, "stop", &stop, r->err))
            || (rc = cospin_xml_req_double(n, "step", &step, r->err)))
            return rc;
        if (step == 0 || (stop - start) / step < 0)
            return cospin_xml_error(n, "step", COSPIN_ERR_INVALID, r->err,
                                       "must be nonzero and go from start to stop");
        /* The source: an element of the circuit (by its XML or SPICE name) or a
           V/I source of the inline netlist (by its SPICE name). */
        char sname[128] = "";
        for (size_t i = 0; i < r->nnames && !sname[0]; i++) {
            const struct cospin_xml_node *w = r->where[i];
            const char *xn = cospin_xml_attr(w, "name");
            if ((strcasecmp(r->names[i], src) == 0 || (xn && strcmp(xn, src) == 0))
                && (strcmp(cospin_xml_name(w), "vsource") == 0
                    || strcmp(cospin_xml_name(w), "isource") == 0))
                snprintf(sname, sizeof sname, "%s", r->names[i]);
        }
        if (!sname[0])
            snprintf(sname, sizeof sname, "%s", src);
        /* ngspice keeps device names in lower case; its dc command does not fold case. */
        for (char *p = sname; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        char c0 = (char)tolower((unsigned char)sname[0]);
        if (c0 != 'v' && c0 != 'i')
            return cospin_xml_error(n, "source", COSPIN_ERR_INVALID, r->err,
                                       "a dc sweep needs a voltage or current source (V... or I...)");
        snprintf(a->scale, sizeof a->scale, "%c-sweep", c0);
        snprintf(a->command, sizeof a->command, "dc %s %s %s %s", sname,
                 fmt_num(start, b[0], 64), fmt_num(stop, b[1], 64), fmt_num(step, b[2], 64));
        snprintf(a->dot_card, sizeof a->dot_card, ".%s", a->command);
        return COSPIN_OK;
    }
    /* tran */
    double step, stop, start, max_step;
    int uic;
    if ((rc = positive(n, "step", &step, r->err)) || (rc = positive(n, "stop", &stop, r->err))
        || (rc = cospin_xml_attr_double(n, "start", 0.0, &start, r->err))
        || (rc = cospin_xml_attr_double(n, "max_step", 0.0, &max_step, r->err))
        || (rc = cospin_xml_attr_bool(n, "uic", 0, &uic, r->err)))
        return rc;
    if (start < 0 || start >= stop)
        return cospin_xml_error(n, "start", COSPIN_ERR_INVALID, r->err,
                                   "must lie in [0, stop)");
    if (step > stop)
        return cospin_xml_error(n, "step", COSPIN_ERR_INVALID, r->err, "must be <= stop");
    if (max_step < 0)
        return cospin_xml_error(n, "max_step", COSPIN_ERR_INVALID, r->err, "must be > 0");
    snprintf(a->scale, sizeof a->scale, "time");
    /* ngspice's largest internal step: max_step, else min(step, (stop - start) / 50);
       it simulates from 0 to stop whatever start is. */
    a->tran_points = stop / (max_step > 0 ? max_step : fmin(step, (stop - start) / 50));
    int w = snprintf(a->command, sizeof a->command, "tran %s %s", fmt_num(step, b[0], 64),
                     fmt_num(stop, b[1], 64));
    if (start > 0 || max_step > 0)
        w += snprintf(a->command + w, sizeof a->command - (size_t)w, " %s",
                      fmt_num(start, b[2], 64));
    if (max_step > 0)
        w += snprintf(a->command + w, sizeof a->command - (size_t)w, " %s",
                      fmt_num(max_step, b[3], 64));
    if (uic)
        snprintf(a->command + w, sizeof a->command - (size_t)w, " uic");
    snprintf(a->dot_card, sizeof a->dot_card, ".%s", a->command);
    return COSPIN_OK;
}

void cospin_exp_netlist_free(struct cospin_exp_netlist *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->nanalyses; i++) {
        for (size_t j = 0; x->analyses[i].vectors && j < x->analyses[i].nvectors; j++)
            free(x->analyses[i].vectors[j]);
        free(x->analyses[i].vectors);
    }
    free(x->analyses);
    free(x->circuit);
    free(x);
}

int cospin_exp_netlist_read(const struct cospin_xml_node *root, unsigned flags,
                            struct cospin_exp_netlist **out, struct cospin_error *err)
{
    *out = NULL;
    const struct cospin_xml_node *circ = cospin_xml_child(root, "circuit");
    if (!circ)
        return cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err, "no <circuit>");
    struct cospin_exp_netlist *x = calloc(1, sizeof *x);
    struct reader r = {.err = err, .flags = flags, .net = cospin_netlist_new(),
                       .models = cospin_netlist_new()};
    int rc = COSPIN_OK;
    if (!x || !r.net || !r.models) {
        free(x);
        cospin_netlist_free(r.net);
        cospin_netlist_free(r.models);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    const char *title = cospin_xml_attr(circ, "title");
    if (!title)
        title = cospin_xml_attr(root, "name");
    char line[512];
    cospin_netlist_printf(r.net, "%s\n", one_line(title ? title : "cospin netlist experiment",
                                                  line, sizeof line));
    cospin_netlist_printf(r.net, "* generated by cospin from %s\n",
                          one_line(cospin_xml_file(root), line, sizeof line));
    for (const struct cospin_xml_node *n = cospin_xml_child(circ, NULL); n && !rc;
         n = cospin_xml_next(n, NULL))
        rc = element(&r, n);
    /* An append that failed makes every later one fail: test the last. */
    if (!rc && (cospin_netlist_printf(r.models, "%s", "") != 0 ||
                cospin_netlist_printf(r.net, "%s", cospin_netlist_text(r.models)) != 0))
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    size_t na = 0;
    for (const struct cospin_xml_node *n = cospin_xml_next(circ, NULL); n;
         n = cospin_xml_next(n, NULL))
        na++;
    if (!rc && na == 0)
        rc = cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err,
                                 "no analysis (<op>, <dc> or <tran>) after <circuit>");
    if (!rc && !(x->analyses = calloc(na, sizeof *x->analyses)))
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (const struct cospin_xml_node *n = cospin_xml_next(circ, NULL); n && !rc;
         n = cospin_xml_next(n, NULL)) {
        struct cospin_exp_analysis *a = &x->analyses[x->nanalyses++];
        rc = analysis(&r, n, a);
        for (size_t i = 0; !rc && i + 1 < x->nanalyses; i++)
            if (strcmp(x->analyses[i].file, a->file) == 0)
                rc = cospin_xml_error(n, "file", COSPIN_ERR_INVALID, err,
                                         "output file '%s' is already written by the analysis "
                                         "at line %d (set file=\"...\")",
                                         a->file, x->analyses[i].line);
    }
    for (size_t i = 0; i < r.nnames; i++)
        free(r.names[i]);
    free(r.names);
    free(r.where);
    free(r.slot);
    cospin_netlist_free(r.models);
    if (rc) {
        cospin_netlist_free(r.net);
        cospin_exp_netlist_free(x);
        return rc;
    }
    x->circuit = cospin_netlist_take(r.net);
    *out = x;
    return COSPIN_OK;
}

int cospin_exp_netlist_deck(const struct cospin_exp_netlist *x, char **text,
                            struct cospin_error *err)
{
    struct cospin_netlist *b = cospin_netlist_new();
    if (b) {
        cospin_netlist_printf(b, "%s", x->circuit);
        for (size_t i = 0; i < x->nanalyses; i++) {
            const struct cospin_exp_analysis *a = &x->analyses[i];
            cospin_netlist_printf(b, "%s\n", a->dot_card);
            if (a->scale[0]) {
                cospin_netlist_printf(b, ".print %s",
                                      strncmp(a->command, "tran", 4) == 0 ? "tran" : "dc");
                for (size_t j = 0; j < a->nvectors; j++)
                    cospin_netlist_printf(b, " %s", a->vectors[j]);
                cospin_netlist_printf(b, "\n");
            }
        }
        cospin_netlist_printf(b, ".end\n");
    }
    *text = cospin_netlist_take(b);
    if (!*text)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    return COSPIN_OK;
}

int cospin_exp_netlist_simulate(const struct cospin_exp_netlist *x, const char *file,
                                double job_timeout_s, volatile sig_atomic_t *stop,
                                struct cospin_sim_result *res, struct cospin_error *err)
{
    struct cospin_sim_job *jobs = calloc(x->nanalyses, sizeof *jobs);
    const char ***cmds = calloc(x->nanalyses, sizeof *cmds);
    const char ***vecs = calloc(x->nanalyses, sizeof *vecs);
    int rc = COSPIN_OK;
    if (!jobs || !cmds || !vecs)
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; !rc && i < x->nanalyses; i++) {
        const struct cospin_exp_analysis *a = &x->analyses[i];
        cmds[i] = calloc(2, sizeof **cmds);
        vecs[i] = calloc(a->nvectors + 2, sizeof **vecs);
        if (!cmds[i] || !vecs[i]) {
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
            break;
        }
        cmds[i][0] = a->command;
        size_t k = 0;
        if (a->scale[0])
            vecs[i][k++] = a->scale;
        for (size_t j = 0; j < a->nvectors; j++)
            vecs[i][k++] = a->vectors[j];
        jobs[i].netlist = x->circuit;
        jobs[i].commands = cmds[i];
        jobs[i].vectors = vecs[i];
    }
    struct cospin_pool *pool = NULL;
    if (!rc) {
        struct cospin_engine_opts opts = {0};
        opts.job_timeout_s = job_timeout_s;
        rc = cospin_pool_new(&opts, 1, &pool, err);
        cospin_pool_set_stop(pool, stop);
    }
    if (!rc)
        rc = cospin_pool_run(pool, jobs, x->nanalyses, res, err);
    cospin_pool_free(pool);
    for (size_t i = 0; !rc && i < x->nanalyses; i++) {
        if (res[i].status) {
            char buf[900];
            cospin_error_format(&res[i].error, buf, sizeof buf);
            rc = cospin_error_set(err, res[i].status, file, x->analyses[i].line,
                                  "<%.*s>: %s", (int)strcspn(x->analyses[i].command, " "),
                                  x->analyses[i].command, buf);
        }
    }
    for (size_t i = 0; i < x->nanalyses; i++) {
        if (cmds)
            free(cmds[i]);
        if (vecs)
            free(vecs[i]);
    }
    free(cmds);
    free(vecs);
    free(jobs);
    return rc;
}

int cospin_exp_netlist_write(const struct cospin_exp_netlist *x,
                             const struct cospin_sim_result *res, const char *out_dir,
                             struct cospin_error *err)
{
    struct cospin_output *outs = calloc(x->nanalyses, sizeof *outs);
    if (!outs)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = COSPIN_OK;
    size_t opened = 0;
    for (size_t i = 0; !rc && i < x->nanalyses; i++) {
        const struct cospin_exp_analysis *a = &x->analyses[i];
        const struct cospin_sim_result *r = &res[i];
        if (r->status != COSPIN_OK)
            continue;   /* did not run (an interrupt) */
        size_t nrows = r->nvec ? r->len[0] : 0;
        for (size_t v = 1; v < r->nvec; v++)
            if (r->len[v] != nrows) {
                rc = cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                      "analysis '%s': vector %zu has %zu points, the first has %zu",
                                      a->command, v + 1, r->len[v], nrows);
            }
        if (rc)
            break;
        rc = cospin_output_open(&outs[i], out_dir, a->file, err);
        if (rc)
            break;
        opened = i + 1;
        FILE *f = outs[i].fp;
        if (a->scale[0])
            fprintf(f, "%s,", a->scale);
        for (size_t j = 0; j < a->nvectors; j++)
            fprintf(f, "%s%s", j ? "," : "", a->vectors[j]);
        fprintf(f, "\n");
        for (size_t row = 0; row < nrows; row++) {
            for (size_t v = 0; v < r->nvec; v++)
                fprintf(f, "%s%.10g", v ? "," : "", r->data[v][row]);
            fprintf(f, "\n");
        }
    }
    for (size_t i = 0; !rc && i < opened; i++)
        rc = cospin_output_commit(&outs[i], err);
    for (size_t i = 0; i < opened; i++)
        cospin_output_abort(&outs[i]);
    free(outs);
    return rc;
}

/* Without ctx->force, refuse a transient of more than COSPIN_EXP_NETLIST_MAX_POINTS
   time points (.tran 1f 1 ran until killed, its memory growing). */
static int check_size(const struct cospin_exp_netlist *x, const struct cospin_xml_node *root,
                      const struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    for (size_t i = 0; ctx && !ctx->force && i < x->nanalyses; i++) {
        const struct cospin_exp_analysis *a = &x->analyses[i];
        if (a->tran_points > COSPIN_EXP_NETLIST_MAX_POINTS)
            return cospin_error_set(err, COSPIN_ERR_INVALID, cospin_xml_file(root), a->line,
                                    "<tran>: about %.2g time points (stop over the largest "
                                    "internal step, max_step or else step); more than %.0g are "
                                    "refused, as they would run for hours and need %.2g bytes "
                                    "per saved vector: raise step or max_step, or give --force "
                                    "to run it anyway",
                                    a->tran_points, COSPIN_EXP_NETLIST_MAX_POINTS,
                                    8 * a->tran_points);
    }
    return COSPIN_OK;
}

/* The reader's flags for a run with ctx's options. */
static unsigned netlist_flags(const struct cospin_experiment_ctx *ctx)
{
    return ctx && ctx->allow_netlist_code ? COSPIN_EXP_NETLIST_ALLOW_CODE : 0u;
}

int cospin_experiment_netlist(const struct cospin_xml_node *root,
                              const struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    const char *out_dir = ctx->out_dir;
    struct cospin_exp_netlist *x = NULL;
    int rc = cospin_exp_netlist_read(root, netlist_flags(ctx), &x, err);
    if (!rc)
        rc = check_size(x, root, ctx, err);
    if (rc) {
        cospin_exp_netlist_free(x);
        return rc;
    }
    struct cospin_sim_result *res = calloc(x->nanalyses, sizeof *res);
    if (!res) {
        cospin_exp_netlist_free(x);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    rc = cospin_exp_netlist_simulate(x, cospin_xml_file(root), ctx->job_timeout_s, ctx->stop, res,
                                     err);
    size_t nwritten = 0;
    /* An interrupt keeps what finished: the files of the analyses that ran. */
    if (!rc || rc == COSPIN_ERR_INTERRUPTED) {
        struct cospin_error werr = {0};
        int wrc = cospin_exp_netlist_write(x, res, out_dir, &werr);
        if (wrc && !rc && err)
            *err = werr;
        rc = rc ? rc : wrc;
    }
    for (size_t i = 0; i < x->nanalyses; i++)
        if (res[i].status == COSPIN_OK && (!rc || rc == COSPIN_ERR_INTERRUPTED)) {
            nwritten++;
            if (!rc)   /* after an interrupt its one line says it */
                cospin_info("wrote %s/%s (%zu points)", out_dir, x->analyses[i].file,
                            res[i].nvec ? res[i].len[0] : (size_t)0);
        }
    if (rc == COSPIN_ERR_INTERRUPTED) {
        cospin_error_clear(err);
        cospin_error_set(err, COSPIN_ERR_INTERRUPTED, out_dir, 0,
                         "%zu of %zu analyses finished and written; the others did not run "
                         "(rerun the experiment for them)", nwritten, x->nanalyses);
    }
    for (size_t i = 0; i < x->nanalyses; i++)
        cospin_sim_result_clear(&res[i]);
    free(res);
    cospin_exp_netlist_free(x);
    return rc;
}

int cospin_experiment_netlist_check(const struct cospin_xml_node *root,
                                    const struct cospin_experiment_ctx *ctx,
                                    struct cospin_error *err)
{
    struct cospin_exp_netlist *x = NULL;
    int rc = cospin_exp_netlist_read(root, netlist_flags(ctx), &x, err);
    if (!rc)
        rc = check_size(x, root, ctx, err);
    cospin_exp_netlist_free(x);
    return rc;
}
