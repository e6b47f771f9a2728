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

/* Shortest text that reads back as the same double. */
#define G17 "%.17g"

/* The name of node nd of tile t (netlist.h) into buf. */
static void node_name(char *buf, size_t n, const char *p, int t, const struct cospin_xbar_node *nd,
                      const char *const *in_nodes)
{
    switch (nd->kind) {
    case COSPIN_XBAR_NODE_GROUND:
        snprintf(buf, n, "0");
        break;
    case COSPIN_XBAR_NODE_INPUT:
        snprintf(buf, n, "%s", in_nodes[nd->i]);
        break;
    case COSPIN_XBAR_NODE_INVERTED:
        snprintf(buf, n, "%sn%d", p, nd->i);
        break;
    case COSPIN_XBAR_NODE_DRIVE:
        snprintf(buf, n, "%sd%d_%d", p, t, nd->i);
        break;
    case COSPIN_XBAR_NODE_ROW:
        snprintf(buf, n, "%sa%d_%d_%d", p, t, nd->i, nd->c);
        break;
    case COSPIN_XBAR_NODE_COL:
        snprintf(buf, n, "%sb%d_%d_%d", p, t, nd->i, nd->c);
        break;
    case COSPIN_XBAR_NODE_END:
        snprintf(buf, n, "%se%d_%d", p, t, nd->c);
        break;
    case COSPIN_XBAR_NODE_SENSE:
        snprintf(buf, n, "%sc%d", p, nd->i);
        break;
    }
}

/*
 * One element of tile t: a resistor (left out when open), or a G source
 * whose current g_s V(a) flows from ground through the source into b.
 * Terminations are written with the column's sense stage (print_sense).
 */
static void print_elem(struct cospin_netlist *nl, const char *p, int t,
                       const struct cospin_xbar_elem *e, const char *const *in_nodes)
{
    static const char cls[] = {[COSPIN_XBAR_ELEM_CELL] = 'x',     [COSPIN_XBAR_ELEM_CELL_VCCS] = 'x',
                               [COSPIN_XBAR_ELEM_PAIR_VCCS] = 'x', [COSPIN_XBAR_ELEM_WIRE_ROW] = 'a',
                               [COSPIN_XBAR_ELEM_WIRE_COL] = 'b',  [COSPIN_XBAR_ELEM_DRIVER] = 'd'};
    char a[96], b[96];
    node_name(a, sizeof a, p, t, &e->a, in_nodes);
    node_name(b, sizeof b, p, t, &e->b, in_nodes);
    switch (e->kind) {
    case COSPIN_XBAR_ELEM_CELL_VCCS:
    case COSPIN_XBAR_ELEM_PAIR_VCCS:
        cospin_netlist_printf(nl, "g%sx%d_%d_%d 0 %s %s 0 " G17 "\n", p, t, e->r, e->c, b, a,
                              e->g_s);
        break;
    case COSPIN_XBAR_ELEM_DRIVER:
        if (e->g_s > 0)
            cospin_netlist_printf(nl, "r%sd%d_%d %s %s " G17 "\n", p, t, e->r, a, b, e->r_ohm);
        break;
    case COSPIN_XBAR_ELEM_CELL:
    case COSPIN_XBAR_ELEM_WIRE_ROW:
    case COSPIN_XBAR_ELEM_WIRE_COL:
        if (e->g_s > 0)
            cospin_netlist_printf(nl, "r%s%c%d_%d_%d %s %s " G17 "\n", p, cls[e->kind], t, e->r,
                                  e->c, a, b, e->r_ohm);
        break;
    case COSPIN_XBAR_ELEM_AMMETER:
    case COSPIN_XBAR_ELEM_TIA_INPUT:
        break;
    }
}

/* The sense stage of output j; its ammeter ends at `to` (ammeter and ideal TIA). */
static void print_sense(struct cospin_netlist *nl, const char *p, const struct cospin_xbar_circuit *xc,
                        int j, const char *to)
{
    const struct cospin_xbar_opts *o = cospin_xbar_circuit_opts(xc);
    struct cospin_xbar_elem e;
    cospin_xbar_circuit_sense(xc, j, &e);
    if (e.kind == COSPIN_XBAR_ELEM_AMMETER) {
        cospin_netlist_printf(nl, "v%ss%d %sc%d %s 0\n", p, j, p, j, to);
        /* Ideal TIA: the ammeter holds the column at 0 V, a CCVS gives -R_f I. */
        if (o->sense == COSPIN_XBAR_SENSE_TIA)
            cospin_netlist_printf(nl, "h%st%d %so%d 0 v%ss%d " G17 "\n", p, j, p, j, p, j,
                                  -o->r_tia_ohm);
        return;
    }
    /* Op-amp (VCVS of gain A, non-inverting input grounded) with R_f feedback. */
    cospin_netlist_printf(nl, "v%ss%d %sc%d %sm%d 0\n", p, j, p, j, p, j);
    cospin_netlist_printf(nl, "e%st%d %so%d 0 0 %sm%d " G17 "\n", p, j, p, j, p, j, o->tia_gain);
    cospin_netlist_printf(nl, "r%st%d %sm%d %so%d " G17 "\n", p, j, p, j, p, j, o->r_tia_ohm);
}

/* Every tile's lines and devices, in tile order. */
static int print_tiles(struct cospin_netlist *nl, const char *p, const struct cospin_xbar_circuit *xc,
                       const char *const *in_nodes, struct cospin_error *err)
{
    const struct cospin_xbar_geometry *g = cospin_xbar_circuit_geometry(xc);
    for (int t = 0; t < g->ntiles; t++) {
        struct cospin_xbar_tile tile;
        int rc = cospin_xbar_circuit_tile(xc, t, &tile, err);
        if (rc)
            return rc;
        for (size_t k = 0; k < tile.n_elems; k++)
            print_elem(nl, p, t, &tile.elems[k], in_nodes);
        cospin_xbar_tile_clear(&tile);
    }
    return 0;
}

int cospin_netlist_xbar_circuit(struct cospin_netlist *nl, const char *prefix,
                                const struct cospin_xbar_circuit *xc,
                                const char *const *in_nodes, const char *const *sense_nodes,
                                struct cospin_error *err)
{
    int rc = check_prefix(prefix, err);
    if (rc)
        return rc;
    if (!xc || !in_nodes)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar %s: needs a circuit and input nodes", prefix);
    const struct cospin_xbar_opts *o = cospin_xbar_circuit_opts(xc);
    const struct cospin_xbar_geometry *g = cospin_xbar_circuit_geometry(xc);
    cospin_netlist_printf(nl, "* crossbar %s: %d outputs x %d inputs, %d x %d tiles of %d x %d, "
                              "G in [%.6g, %.6g] S, %.6g V per unit input, wire %.6g Ohm",
                          prefix, g->n_out, g->n_in, g->ntile_rows, g->ntile_cols, g->tile_rows,
                          g->tile_cols, o->g_min_s, o->g_max_s, o->v_read_v, o->r_wire_ohm);
    if (o->r_driver_ohm > 0)
        cospin_netlist_printf(nl, ", driver %.6g Ohm", o->r_driver_ohm);
    cospin_netlist_printf(nl, "\n");
    /* Inverting drivers: the negative line of input i is node <p>n<i> = -V(in_i). */
    for (int i = 0; i < g->n_in && cospin_xbar_circuit_has_inverted(xc); i++)
        cospin_netlist_printf(nl, "e%sinv%d %sn%d 0 %s 0 -1\n", prefix, i, prefix, i, in_nodes[i]);
    if ((rc = print_tiles(nl, prefix, xc, in_nodes, err)))
        return rc;
    /* Column ends -> sense nodes <p>c<j>; partial sums through ammeters and F adders. */
    for (int j = 0; j < g->n_out; j++) {
        int tj = j / g->tile_cols, c = j - tj * g->tile_cols;
        for (int ti = 0; g->ntile_rows > 1 && ti < g->ntile_rows; ti++) {
            int t = ti * g->ntile_cols + tj;
            struct cospin_xbar_elem e;
            cospin_xbar_circuit_term(xc, t, c, &e);
            char a[96];
            node_name(a, sizeof a, prefix, t, &e.a, in_nodes);
            cospin_netlist_printf(nl, "v%sp%d_%d %s 0 0\n", prefix, t, j, a);
            cospin_netlist_printf(nl, "f%sp%d_%d 0 %sc%d v%sp%d_%d 1\n", prefix, t, j, prefix,
                                  j, prefix, t, j);
        }
        print_sense(nl, prefix, xc, j, sense_nodes ? sense_nodes[j] : "0");
    }
    if (cospin_netlist_printf(nl, "* end of crossbar %s\n", prefix))
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar %s: out of memory",
                                prefix);
    return 0;
}

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
    size_t n = (size_t)n_out * (size_t)n_in;
    double *g = malloc(2 * n * sizeof *g);
    if (!g)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar %s: out of memory",
                                prefix);
    char what[64];
    snprintf(what, sizeof what, "layer %s", prefix);
    struct cospin_xbar_circuit *xc = NULL;
    rc = cospin_xbar_weights_to_g(o, w, n_out, n_in, g, g + n, what, err);
    if (rc == 0)
        rc = cospin_xbar_circuit_new(o, n_out, n_in, g, g + n, &xc, err);
    if (rc == 0)
        rc = cospin_netlist_xbar_circuit(nl, prefix, xc, in_nodes, sense_nodes, err);
    cospin_xbar_circuit_free(xc);
    free(g);
    return rc;
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
    for (int l = 0; l < nlayers; l++) {
        const struct cospin_xbar_geometry *g =
            layers[l].xc ? cospin_xbar_circuit_geometry(layers[l].xc) : NULL;
        if (g && (g->n_out != layers[l].n_out || g->n_in != layers[l].n_in ||
                  cospin_xbar_circuit_opts(layers[l].xc)->v_read_v != o->v_read_v))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "network: layer %d's circuit is %d x %d at %g V per unit, "
                                    "the layer %d x %d at %g V",
                                    l + 1, g->n_out, g->n_in,
                                    cospin_xbar_circuit_opts(layers[l].xc)->v_read_v,
                                    layers[l].n_out, layers[l].n_in, o->v_read_v);
    }
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
        if (L->xc)
            rc = cospin_netlist_xbar_circuit(nl, prefix, L->xc, (const char *const *)in,
                                             L->neuron ? (const char *const *)out : NULL, err);
        else
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
