/*
 * netlist.c -- crossbar, neuron-stage and network netlist text (netlist.h).
 * Pure text generation: no ngspice, no files.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "netlist.h"

/* Conductance window of the thesis's MTJ synapse: R_P = 5 kOhm, R_AP = 10 kOhm (thesis ch. 3). */
#define XBAR_DEFAULT_R_P_OHM 5.0e3
#define XBAR_DEFAULT_R_AP_OHM 10.0e3
/* Default read voltage per unit input: small enough not to disturb an MTJ (V). */
#define XBAR_DEFAULT_V_READ_V 0.1
/* Default TIA feedback resistance (Ohm). */
#define XBAR_DEFAULT_R_TIA_OHM 1.0e3
/* Longest element/node prefix accepted. */
#define PREFIX_MAX 16

struct cospin_netlist {
    char *text;
    size_t len, cap;
    size_t lines;
    int failed;
};

struct cospin_netlist *cospin_netlist_new(void)
{
    struct cospin_netlist *nl = calloc(1, sizeof *nl);
    if (!nl)
        return NULL;
    nl->cap = 4096;
    nl->text = malloc(nl->cap);
    if (!nl->text) {
        free(nl);
        return NULL;
    }
    nl->text[0] = '\0';
    return nl;
}

void cospin_netlist_free(struct cospin_netlist *nl)
{
    if (!nl)
        return;
    free(nl->text);
    free(nl);
}

char *cospin_netlist_take(struct cospin_netlist *nl)
{
    if (!nl)
        return NULL;
    char *text = nl->failed ? NULL : nl->text;
    if (!text)
        free(nl->text);
    free(nl);
    return text;
}

const char *cospin_netlist_text(const struct cospin_netlist *nl)
{
    return nl->text;
}

size_t cospin_netlist_length(const struct cospin_netlist *nl)
{
    return nl->len;
}

size_t cospin_netlist_lines(const struct cospin_netlist *nl)
{
    return nl->lines;
}

int cospin_netlist_printf(struct cospin_netlist *nl, const char *fmt, ...)
{
    if (nl->failed)
        return COSPIN_ERR_NOMEM;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(nl->text + nl->len, nl->cap - nl->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            nl->failed = 1;
            return COSPIN_ERR_NOMEM;
        }
        if ((size_t)n < nl->cap - nl->len) {
            for (int i = 0; i < n; i++)
                nl->lines += nl->text[nl->len + (size_t)i] == '\n';
            nl->len += (size_t)n;
            return 0;
        }
        size_t cap = nl->cap * 2;
        while (cap - nl->len <= (size_t)n)
            cap *= 2;
        char *t = realloc(nl->text, cap);
        if (!t) {
            nl->text[nl->len] = '\0';
            nl->failed = 1;
            return COSPIN_ERR_NOMEM;
        }
        nl->text = t;
        nl->cap = cap;
    }
}

void cospin_xbar_opts_default(struct cospin_xbar_opts *o)
{
    memset(o, 0, sizeof *o);
    o->g_min_s = 1.0 / XBAR_DEFAULT_R_AP_OHM;
    o->g_max_s = 1.0 / XBAR_DEFAULT_R_P_OHM;
    o->w_max = 1.0;
    o->v_read_v = XBAR_DEFAULT_V_READ_V;
    o->r_tia_ohm = XBAR_DEFAULT_R_TIA_OHM;
    o->cell = COSPIN_XBAR_CELL_RESISTOR;
    o->sense = COSPIN_XBAR_SENSE_AMMETER;
}

int cospin_xbar_opts_validate(const struct cospin_xbar_opts *o, struct cospin_error *err)
{
    if (!o)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "crossbar: no options");
    if (!(isfinite(o->g_min_s) && o->g_min_s > 0 && isfinite(o->g_max_s) && o->g_max_s > o->g_min_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: need 0 < g_min (%g S) < g_max (%g S)", o->g_min_s,
                                o->g_max_s);
    if (!(isfinite(o->w_max) && o->w_max > 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: w_max must be > 0 (got %g)", o->w_max);
    if (!(isfinite(o->v_read_v) && o->v_read_v > 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: read voltage must be > 0 V (got %g)", o->v_read_v);
    if (!(isfinite(o->r_wire_ohm) && o->r_wire_ohm >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: wire resistance must be >= 0 Ohm (got %g)",
                                o->r_wire_ohm);
    if (o->tile_rows < 0 || o->tile_cols < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: tile sizes must be >= 0 (got %d x %d)", o->tile_rows,
                                o->tile_cols);
    if (o->cell != COSPIN_XBAR_CELL_RESISTOR && o->cell != COSPIN_XBAR_CELL_VCCS &&
        o->cell != COSPIN_XBAR_CELL_VCCS_PAIR)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "crossbar: unknown cell kind %d",
                                (int)o->cell);
    if (o->sense != COSPIN_XBAR_SENSE_AMMETER && o->sense != COSPIN_XBAR_SENSE_TIA)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: unknown sense kind %d", (int)o->sense);
    if (o->sense == COSPIN_XBAR_SENSE_TIA) {
        if (!(isfinite(o->r_tia_ohm) && o->r_tia_ohm > 0))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar: TIA feedback resistance must be > 0 Ohm (got %g)",
                                    o->r_tia_ohm);
        if (!(isfinite(o->tia_gain) && o->tia_gain >= 0))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar: TIA gain must be >= 0 (0 = ideal; got %g)",
                                    o->tia_gain);
    }
    if (o->cell != COSPIN_XBAR_CELL_RESISTOR) {
        if (o->r_wire_ohm > 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar: VCCS cells need ideal wires (r_wire = %g Ohm); "
                                    "use resistor cells",
                                    o->r_wire_ohm);
        if (o->sense == COSPIN_XBAR_SENSE_TIA && o->tia_gain > 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar: VCCS cells need a column at exactly 0 V; a "
                                    "finite-gain TIA does not hold it there");
    }
    return 0;
}

int cospin_xbar_weight_to_g(const struct cospin_xbar_opts *o, double w, double *g_pos_s,
                            double *g_neg_s, struct cospin_error *err)
{
    if (!isfinite(w))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "weight is not finite (%g)", w);
    if (fabs(w) > o->w_max) {
        if (!o->clip)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "|weight| %g exceeds w_max %g (enable clipping or raise w_max)",
                                    w, o->w_max);
        w = w > 0 ? o->w_max : -o->w_max;
    }
    double span = o->g_max_s - o->g_min_s;
    *g_pos_s = o->g_min_s + (w > 0 ? w : 0.0) / o->w_max * span;
    *g_neg_s = o->g_min_s + (w < 0 ? -w : 0.0) / o->w_max * span;
    return 0;
}

double cospin_xbar_current_unit_a(const struct cospin_xbar_opts *o)
{
    return o->v_read_v * (o->g_max_s - o->g_min_s) / o->w_max;
}

static int check_prefix(const char *prefix, struct cospin_error *err)
{
    size_t n = prefix ? strlen(prefix) : 0;
    if (n == 0 || n > PREFIX_MAX)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "netlist: prefix must have 1..%d characters", PREFIX_MAX);
    for (size_t i = 0; i < n; i++) {
        char ch = prefix[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "netlist: prefix '%s' may hold only a-z, 0-9 and _", prefix);
    }
    return 0;
}

/*
 * Node of the row line of physical row r (within tile t) at cell column c.
 * With ideal wires every cell of a line sits on the driver node.
 */
static void row_node(char *buf, size_t n, const char *prefix, const struct cospin_xbar_opts *o,
                     int t, int r, int c, const char *drv_pos, const char *drv_neg)
{
    if (o->r_wire_ohm > 0)
        snprintf(buf, n, "%sa%d_%d_%d", prefix, t, r, c);
    else
        snprintf(buf, n, "%s", (r % 2) ? drv_neg : drv_pos);
}

/*
 * End node of the column line of tile t, tile column c (output j): the sense
 * node <p>c<j> itself when there is one tile row, else <p>e<t>_<c>.
 */
static void col_end(char *buf, size_t n, const char *prefix, int single, int t, int c, int j)
{
    if (single)
        snprintf(buf, n, "%sc%d", prefix, j);
    else
        snprintf(buf, n, "%se%d_%d", prefix, t, c);
}

/* Node of the column line of tile t, tile column c (output j), at physical row r. */
static void col_node(char *buf, size_t n, const char *prefix, const struct cospin_xbar_opts *o,
                     int single, int t, int r, int c, int j)
{
    if (o->r_wire_ohm > 0)
        snprintf(buf, n, "%sb%d_%d_%d", prefix, t, r, c);
    else
        col_end(buf, n, prefix, single, t, c, j);
}

/* Shortest text that reads back as the same double. */
#define G17 "%.17g"

int cospin_netlist_crossbar(struct cospin_netlist *nl, const char *prefix,
                            const struct cospin_xbar_opts *o, const double *w, int n_out,
                            int n_in, const char *const *in_nodes,
                            const char *const *sense_nodes, struct cospin_error *err)
{
    int rc = cospin_xbar_opts_validate(o, err);
    if (rc)
        return rc;
    if ((rc = check_prefix(prefix, err)))
        return rc;
    if (n_out < 1 || n_in < 1 || !w || !in_nodes)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar %s: need n_out, n_in >= 1 and weights (got %d x %d)",
                                prefix, n_out, n_in);
    for (size_t k = 0; k < (size_t)n_out * (size_t)n_in; k++) {
        double gp, gn;
        if ((rc = cospin_xbar_weight_to_g(o, w[k], &gp, &gn, err))) {
            cospin_error_prefix(err, "crossbar");
            char what[96];
            snprintf(what, sizeof what, "layer %s weight [%zu][%zu]", prefix, k / (size_t)n_in,
                     k % (size_t)n_in);
            cospin_error_prefix(err, what);
            return rc;
        }
    }
    int tr = o->tile_rows > 0 && o->tile_rows < n_in ? o->tile_rows : n_in;
    int tc = o->tile_cols > 0 && o->tile_cols < n_out ? o->tile_cols : n_out;
    int ntr = (n_in + tr - 1) / tr, ntc = (n_out + tc - 1) / tc;
    int single = ntr == 1;
    double rw = o->r_wire_ohm;
    char a[96], b[96], a2[96], b2[96], ng[96];

    cospin_netlist_printf(nl, "* crossbar %s: %d outputs x %d inputs, %d x %d tiles of %d x %d, "
                              "G in [%.6g, %.6g] S, %.6g V per unit input, wire %.6g Ohm\n",
                          prefix, n_out, n_in, ntr, ntc, tr, tc, o->g_min_s, o->g_max_s,
                          o->v_read_v, rw);
    /* Inverting drivers: the negative line of input i is node <p>n<i> = -V(in_i). */
    int pairs = o->cell == COSPIN_XBAR_CELL_VCCS_PAIR;
    for (int i = 0; i < n_in && !pairs; i++)
        cospin_netlist_printf(nl, "e%sinv%d %sn%d 0 %s 0 -1\n", prefix, i, prefix, i, in_nodes[i]);

    for (int ti = 0; ti < ntr; ti++) {
        int i0 = ti * tr, i1 = i0 + tr < n_in ? i0 + tr : n_in;
        int nrow = 2 * (i1 - i0);
        for (int tj = 0; tj < ntc; tj++) {
            int j0 = tj * tc, j1 = j0 + tc < n_out ? j0 + tc : n_out;
            int ncol = j1 - j0;
            int t = ti * ntc + tj;
            /* Row-line segments. */
            for (int r = 0; rw > 0 && r < nrow; r++) {
                int i = i0 + r / 2;
                snprintf(ng, sizeof ng, "%sn%d", prefix, i);
                const char *drv = (r % 2) ? ng : in_nodes[i];
                row_node(a, sizeof a, prefix, o, t, r, 0, in_nodes[i], ng);
                cospin_netlist_printf(nl, "r%sa%d_%d_0 %s %s " G17 "\n", prefix, t, r, drv, a, rw);
                for (int c = 1; c < ncol; c++) {
                    row_node(a, sizeof a, prefix, o, t, r, c - 1, in_nodes[i], ng);
                    row_node(a2, sizeof a2, prefix, o, t, r, c, in_nodes[i], ng);
                    cospin_netlist_printf(nl, "r%sa%d_%d_%d %s %s " G17 "\n", prefix, t, r, c, a,
                                          a2, rw);
                }
            }
            /* Column-line segments, ending at the tile's column end <p>e<t>_<c>. */
            for (int c = 0; rw > 0 && c < ncol; c++) {
                for (int r = 1; r < nrow; r++) {
                    col_node(b, sizeof b, prefix, o, single, t, r - 1, c, j0 + c);
                    col_node(b2, sizeof b2, prefix, o, single, t, r, c, j0 + c);
                    cospin_netlist_printf(nl, "r%sb%d_%d_%d %s %s " G17 "\n", prefix, t, r, c, b,
                                          b2, rw);
                }
                col_node(b, sizeof b, prefix, o, single, t, nrow - 1, c, j0 + c);
                col_end(b2, sizeof b2, prefix, single, t, c, j0 + c);
                cospin_netlist_printf(nl, "r%sb%d_%d_%d %s %s " G17 "\n", prefix, t, nrow, c, b, b2,
                                      rw);
            }
            /* The devices (merged pairs: one source per weight, on the positive line). */
            for (int r = 0; pairs && r < nrow; r += 2) {
                int i = i0 + r / 2;
                for (int c = 0; c < ncol; c++) {
                    int j = j0 + c;
                    double gp, gn;
                    cospin_xbar_weight_to_g(o, w[(size_t)j * (size_t)n_in + (size_t)i], &gp, &gn,
                                            NULL);
                    col_node(b, sizeof b, prefix, o, single, t, r, c, j);
                    cospin_netlist_printf(nl, "g%sx%d_%d_%d 0 %s %s 0 " G17 "\n", prefix, t, r, c,
                                          b, in_nodes[i], gp - gn);
                }
            }
            for (int r = 0; !pairs && r < nrow; r++) {
                int i = i0 + r / 2;
                snprintf(ng, sizeof ng, "%sn%d", prefix, i);
                for (int c = 0; c < ncol; c++) {
                    int j = j0 + c;
                    double gp, gn;
                    cospin_xbar_weight_to_g(o, w[(size_t)j * (size_t)n_in + (size_t)i], &gp, &gn,
                                            NULL);
                    double g = (r % 2) ? gn : gp;
                    row_node(a, sizeof a, prefix, o, t, r, c, in_nodes[i], ng);
                    col_node(b, sizeof b, prefix, o, single, t, r, c, j);
                    if (o->cell == COSPIN_XBAR_CELL_VCCS)
                        /* Current G*V(a) flows from ground through the source into b. */
                        cospin_netlist_printf(nl, "g%sx%d_%d_%d 0 %s %s 0 " G17 "\n", prefix, t, r,
                                              c, b, a, g);
                    else
                        cospin_netlist_printf(nl, "r%sx%d_%d_%d %s %s " G17 "\n", prefix, t, r, c,
                                              a, b, 1.0 / g);
                }
            }
        }
    }

    /* Column ends -> sense nodes <p>c<j>; partial sums through ammeters and F adders. */
    for (int j = 0; j < n_out; j++) {
        int tj = j / tc, c = j - tj * tc;
        if (!single) {
            for (int ti = 0; ti < ntr; ti++) {
                int t = ti * ntc + tj;
                cospin_netlist_printf(nl, "v%sp%d_%d %se%d_%d 0 0\n", prefix, t, j, prefix, t, c);
                cospin_netlist_printf(nl, "f%sp%d_%d 0 %sc%d v%sp%d_%d 1\n", prefix, t, j, prefix,
                                      j, prefix, t, j);
            }
        }
        const char *to = sense_nodes ? sense_nodes[j] : "0";
        if (o->sense == COSPIN_XBAR_SENSE_AMMETER) {
            cospin_netlist_printf(nl, "v%ss%d %sc%d %s 0\n", prefix, j, prefix, j, to);
        } else if (o->tia_gain == 0) {
            /* Ideal TIA: the ammeter holds the column at 0 V, a CCVS gives -R_f I. */
            cospin_netlist_printf(nl, "v%ss%d %sc%d %s 0\n", prefix, j, prefix, j, to);
            cospin_netlist_printf(nl, "h%st%d %so%d 0 v%ss%d " G17 "\n", prefix, j, prefix, j,
                                  prefix, j, -o->r_tia_ohm);
        } else {
            /* Op-amp (VCVS of gain A, non-inverting input grounded) with R_f feedback. */
            cospin_netlist_printf(nl, "v%ss%d %sc%d %sm%d 0\n", prefix, j, prefix, j, prefix, j);
            cospin_netlist_printf(nl, "e%st%d %so%d 0 0 %sm%d " G17 "\n", prefix, j, prefix, j,
                                  prefix, j, o->tia_gain);
            cospin_netlist_printf(nl, "r%st%d %sm%d %so%d " G17 "\n", prefix, j, prefix, j, prefix,
                                  j, o->r_tia_ohm);
        }
    }
    if (cospin_netlist_printf(nl, "* end of crossbar %s\n", prefix))
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar %s: out of memory",
                                prefix);
    return 0;
}

int cospin_neuron_compact_validate(const struct cospin_neuron_compact *p, struct cospin_error *err)
{
    char msg[200];
    if (cospin_compact_neuron_check(p, msg, sizeof msg))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "neuron: %s", msg);
    return 0;
}

int cospin_neuron_compact_for(double k, double c, double i_unit_a, double dev_k_per_ua,
                              double dev_c_ua, double v_one_v, struct cospin_neuron_compact *out,
                              struct cospin_error *err)
{
    if (!(isfinite(k) && k != 0 && isfinite(c)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "neuron: trained slope k must be finite and nonzero (k = %g, c = %g)",
                                k, c);
    if (!(isfinite(dev_k_per_ua) && dev_k_per_ua > 0 && isfinite(dev_c_ua)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "neuron: device slope must be > 0 per uA (got %g, c = %g uA)",
                                dev_k_per_ua, dev_c_ua);
    if (!(isfinite(i_unit_a) && i_unit_a > 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "neuron: current unit must be > 0 A (got %g)", i_unit_a);
    out->k_per_ua = dev_k_per_ua;
    out->c_ua = dev_c_ua;
    out->gain = k / (dev_k_per_ua * i_unit_a * COSPIN_COMPACT_UA_PER_A);
    out->i_bias_ua = dev_c_ua + k * c / dev_k_per_ua;
    out->v_one_v = v_one_v;
    return cospin_neuron_compact_validate(out, err);
}

int cospin_netlist_neuron_compact(struct cospin_netlist *nl, const char *prefix, int j,
                                  const char *in_node, const char *out_node,
                                  const struct cospin_neuron_compact *p, struct cospin_error *err)
{
    int rc = check_prefix(prefix, err);
    if (rc)
        return rc;
    if ((rc = cospin_neuron_compact_validate(p, err))) {
        char what[64];
        snprintf(what, sizeof what, "layer %s neuron %d", prefix, j);
        cospin_error_prefix(err, what);
        return rc;
    }
    cospin_netlist_printf(nl, "a%sn%d %%id(%s 0) %s %sm%d\n", prefix, j, in_node, out_node, prefix,
                          j);
    if (cospin_netlist_printf(nl,
                              ".model %sm%d mtj_compact(k_per_ua=" G17 " c_ua=" G17 " gain=" G17
                              " i_bias_ua=" G17 " v_one=" G17 ")\n",
                              prefix, j, p->k_per_ua, p->c_ua, p->gain, p->i_bias_ua, p->v_one_v))
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "neuron: out of memory");
    return 0;
}

int cospin_netlist_neuron_llgs(struct cospin_netlist *nl, const char *prefix, int j,
                               const char *sense, const struct cospin_neuron_llgs *p,
                               struct cospin_error *err)
{
    int rc = check_prefix(prefix, err);
    if (rc)
        return rc;
    if (!sense || !*sense || strchr(sense, ' '))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "LLGS neuron %s %d: needs the sense source's name", prefix, j);
    if (!(isfinite(p->gain) && p->gain != 0 && isfinite(p->i_bias_ua)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "LLGS neuron %s %d: gain must be finite and nonzero, bias finite",
                                prefix, j);
    if (!(isfinite(p->width_s) && p->width_s > 0 && isfinite(p->ku_j_per_m3) &&
          p->ku_j_per_m3 > 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "LLGS neuron %s %d: pulse width (%g s) and Ku (%g J/m^3) must be > 0",
                                prefix, j, p->width_s, p->ku_j_per_m3);
    if (p->trials < 1 || p->seed < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "LLGS neuron %s %d: need trials >= 1 and seed >= 0", prefix, j);
    /* Gate: 0 -> 1 in 10 ps, held for width_s, back to 0 in 10 ps (one pulse). */
    cospin_netlist_printf(nl, "v%sg%d %sg%d 0 pulse(0 1 0 10p 10p " G17 " 1)\n", prefix, j, prefix,
                          j, p->width_s);
    for (int t = 0; t < p->trials; t++) {
        cospin_netlist_printf(nl, "b%sd%d_%d %sm%d_%d 0 i = v(%sg%d) * (" G17 " * i(%s) + " G17
                                  ")\n",
                              prefix, j, t, prefix, j, t, prefix, j, p->gain, sense,
                              p->i_bias_ua / COSPIN_COMPACT_UA_PER_A);
        cospin_netlist_printf(nl, "a%sq%d_%d (%sm%d_%d 0) null null null %sz%d_%d %sq%d_%d\n",
                              prefix, j, t, prefix, j, t, prefix, j, t, prefix, j, t);
        cospin_netlist_printf(nl, ".model %sq%d_%d mtj_stt(ku=" G17 " seed=%d m0=-1)\n", prefix, j,
                              t, p->ku_j_per_m3, p->seed + t);
    }
    if (cospin_netlist_printf(nl, "* end of LLGS neuron %s %d\n", prefix, j))
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "LLGS neuron: out of memory");
    return 0;
}

int cospin_netlist_network(struct cospin_netlist *nl, const char *title,
                           const struct cospin_xbar_opts *o, const struct cospin_net_layer *layers,
                           int nlayers, enum cospin_input_kind kind, const double *x0,
                           struct cospin_error *err)
{
    int rc = cospin_xbar_opts_validate(o, err);
    if (rc)
        return rc;
    if (nlayers < 1 || !layers)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "network: no layers");
    for (int l = 1; l < nlayers; l++)
        if (layers[l].n_in != layers[l - 1].n_out)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "network: layer %d has %d inputs but layer %d has %d outputs",
                                    l + 1, layers[l].n_in, l, layers[l - 1].n_out);
    for (int l = 0; l + 1 < nlayers; l++)
        if (!layers[l].neuron)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "network: hidden layer %d needs neuron stages", l + 1);
    if (kind == COSPIN_INPUT_DC && !x0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "network: DC inputs need an input vector");
    if (kind != COSPIN_INPUT_DC && kind != COSPIN_INPUT_EXTERNAL)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "network: unknown input kind %d",
                                (int)kind);

    int maxn = 0;
    for (int l = 0; l < nlayers; l++) {
        maxn = layers[l].n_in > maxn ? layers[l].n_in : maxn;
        maxn = layers[l].n_out > maxn ? layers[l].n_out : maxn;
    }
    char **names = calloc((size_t)maxn * 2, sizeof *names);
    char *store = malloc((size_t)maxn * 2 * 32);
    if (!names || !store) {
        free(names);
        free(store);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "network: out of memory");
    }
    char **in = names, **out = names + maxn;
    for (int k = 0; k < 2 * maxn; k++)
        names[k] = store + (size_t)k * 32;

    cospin_netlist_printf(nl, "* %s\n", title ? title : "cospin network");
    int n0 = layers[0].n_in;
    for (int i = 0; i < n0; i++) {
        snprintf(in[i], 32, "x%d", i);
        if (kind == COSPIN_INPUT_EXTERNAL)
            cospin_netlist_printf(nl, "vx%d x%d 0 external\n", i, i);
        else
            cospin_netlist_printf(nl, "vx%d x%d 0 dc " G17 "\n", i, i, o->v_read_v * x0[i]);
    }
    for (int l = 0; l < nlayers && rc == 0; l++) {
        const struct cospin_net_layer *L = &layers[l];
        char prefix[16];
        snprintf(prefix, sizeof prefix, "l%d", l + 1);
        for (int j = 0; j < L->n_out; j++)
            snprintf(out[j], 32, "l%dz%d", l + 1, j);
        rc = cospin_netlist_crossbar(nl, prefix, o, L->w, L->n_out, L->n_in,
                                     (const char *const *)in,
                                     L->neuron ? (const char *const *)out : NULL, err);
        for (int j = 0; L->neuron && j < L->n_out && rc == 0; j++) {
            char a[32];
            snprintf(a, sizeof a, "l%da%d", l + 1, j);
            if (l + 1 < nlayers && fabs(L->neuron[j].v_one_v - o->v_read_v) > 1e-12 * o->v_read_v)
                rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                      "network: layer %d neuron %d outputs %g V for P = 1, the "
                                      "next layer reads %g V per unit",
                                      l + 1, j, L->neuron[j].v_one_v, o->v_read_v);
            else
                rc = cospin_netlist_neuron_compact(nl, prefix, j, out[j], a, &L->neuron[j], err);
        }
        for (int j = 0; j < L->n_out; j++)
            snprintf(in[j], 32, "l%da%d", l + 1, j);
    }
    free(names);
    free(store);
    return rc;
}
