/*
 * xbar_circuit.c -- crossbar options, the weight -> conductance map and the
 * element list of each tile (xbar_circuit.h).  No text, no solving: the
 * netlist writer and the sparse solver both read what this file builds.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "xbar_circuit.h"

/* Conductance window of the thesis's MTJ synapse: R_P = 5 kOhm, R_AP = 10 kOhm (thesis ch. 3). */
#define XBAR_DEFAULT_R_P_OHM 5.0e3
#define XBAR_DEFAULT_R_AP_OHM 10.0e3
/* Default read voltage per unit input: small enough not to disturb an MTJ (V). */
#define XBAR_DEFAULT_V_READ_V 0.1
/* Default TIA feedback resistance (Ohm). */
#define XBAR_DEFAULT_R_TIA_OHM 1.0e3

struct cospin_xbar_circuit {
    struct cospin_xbar_opts opts;
    struct cospin_xbar_geometry geom;
    double *g_pos_s, *g_neg_s;   /* n_out x n_in each, owned */
};

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

/* The checks of the sense stage and of the VCCS cells' restrictions. */
static int validate_sense_cells(const struct cospin_xbar_opts *o, struct cospin_error *err)
{
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
        if (o->r_driver_ohm > 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar: VCCS cells need ideal drivers (r_driver = %g Ohm); "
                                    "use resistor cells",
                                    o->r_driver_ohm);
        if (o->sense == COSPIN_XBAR_SENSE_TIA && o->tia_gain > 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar: VCCS cells need a column at exactly 0 V; a "
                                    "finite-gain TIA does not hold it there");
    }
    return 0;
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
    if (!(isfinite(o->r_driver_ohm) && o->r_driver_ohm >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: driver resistance must be >= 0 Ohm (got %g)",
                                o->r_driver_ohm);
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
    return validate_sense_cells(o, err);
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

int cospin_xbar_weights_to_g(const struct cospin_xbar_opts *o, const double *w, int n_out,
                             int n_in, double *g_pos_s, double *g_neg_s, const char *what,
                             struct cospin_error *err)
{
    for (size_t k = 0; k < (size_t)n_out * (size_t)n_in; k++) {
        int rc = cospin_xbar_weight_to_g(o, w[k], &g_pos_s[k], &g_neg_s[k], err);
        if (rc) {
            cospin_error_prefix(err, "crossbar");
            char where[96];
            snprintf(where, sizeof where, "%s%sweight [%zu][%zu]", what ? what : "",
                     what ? " " : "", k / (size_t)n_in, k % (size_t)n_in);
            cospin_error_prefix(err, where);
            return rc;
        }
    }
    return 0;
}

double cospin_xbar_current_unit_a(const struct cospin_xbar_opts *o)
{
    return o->v_read_v * (o->g_max_s - o->g_min_s) / o->w_max;
}

double cospin_xbar_sense_out_v(const struct cospin_xbar_opts *o, double i_a)
{
    if (o->sense != COSPIN_XBAR_SENSE_TIA)
        return 0.0;
    if (o->tia_gain == 0)
        return -o->r_tia_ohm * i_a;
    return -o->tia_gain * o->r_tia_ohm * i_a / (1.0 + o->tia_gain);
}

int cospin_xbar_geometry_init(const struct cospin_xbar_opts *o, int n_out, int n_in,
                              struct cospin_xbar_geometry *geom, struct cospin_error *err)
{
    if (n_out < 1 || n_in < 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: need n_out, n_in >= 1 (got %d x %d)", n_out, n_in);
    if (o->tile_rows < 0 || o->tile_cols < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: tile sizes must be >= 0 (got %d x %d)", o->tile_rows,
                                o->tile_cols);
    geom->n_out = n_out;
    geom->n_in = n_in;
    geom->tile_rows = o->tile_rows > 0 && o->tile_rows < n_in ? o->tile_rows : n_in;
    geom->tile_cols = o->tile_cols > 0 && o->tile_cols < n_out ? o->tile_cols : n_out;
    geom->ntile_rows = (n_in + geom->tile_rows - 1) / geom->tile_rows;
    geom->ntile_cols = (n_out + geom->tile_cols - 1) / geom->tile_cols;
    geom->ntiles = geom->ntile_rows * geom->ntile_cols;
    return 0;
}

void cospin_xbar_tile_span(const struct cospin_xbar_geometry *geom, int t,
                           struct cospin_xbar_span *span)
{
    int ti = t / geom->ntile_cols, tj = t % geom->ntile_cols;
    span->i0 = ti * geom->tile_rows;
    span->n_in = span->i0 + geom->tile_rows <= geom->n_in ? geom->tile_rows
                                                          : geom->n_in - span->i0;
    span->j0 = tj * geom->tile_cols;
    span->n_out = span->j0 + geom->tile_cols <= geom->n_out ? geom->tile_cols
                                                            : geom->n_out - span->j0;
    span->nrow = 2 * span->n_in;
}

int cospin_xbar_circuit_new(const struct cospin_xbar_opts *o, int n_out, int n_in,
                            const double *g_pos_s, const double *g_neg_s,
                            struct cospin_xbar_circuit **out, struct cospin_error *err)
{
    *out = NULL;
    int rc = cospin_xbar_opts_validate(o, err);
    if (rc)
        return rc;
    struct cospin_xbar_geometry geom;
    if ((rc = cospin_xbar_geometry_init(o, n_out, n_in, &geom, err)))
        return rc;
    if (!g_pos_s || !g_neg_s)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "crossbar: no conductances");
    size_t n = (size_t)n_out * (size_t)n_in;
    for (size_t k = 0; k < 2 * n; k++) {
        double g = k < n ? g_pos_s[k] : g_neg_s[k - n];
        if (!(isfinite(g) && g >= 0))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar: device G%c[%zu][%zu] = %g S must be finite and "
                                    ">= 0 (0 = open)",
                                    k < n ? '+' : '-', (k % n) / (size_t)n_in,
                                    (k % n) % (size_t)n_in, g);
    }
    struct cospin_xbar_circuit *xc = calloc(1, sizeof *xc);
    double *g = malloc(2 * n * sizeof *g);
    if (!xc || !g) {
        free(xc);
        free(g);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar: out of memory");
    }
    xc->opts = *o;
    xc->geom = geom;
    xc->g_pos_s = g;
    xc->g_neg_s = g + n;
    memcpy(xc->g_pos_s, g_pos_s, n * sizeof *g);
    memcpy(xc->g_neg_s, g_neg_s, n * sizeof *g);
    *out = xc;
    return 0;
}

void cospin_xbar_circuit_free(struct cospin_xbar_circuit *xc)
{
    if (!xc)
        return;
    free(xc->g_pos_s);
    free(xc);
}

const struct cospin_xbar_opts *cospin_xbar_circuit_opts(const struct cospin_xbar_circuit *xc)
{
    return &xc->opts;
}

const struct cospin_xbar_geometry *cospin_xbar_circuit_geometry(const struct cospin_xbar_circuit *xc)
{
    return &xc->geom;
}

int cospin_xbar_circuit_has_inverted(const struct cospin_xbar_circuit *xc)
{
    return xc->opts.cell != COSPIN_XBAR_CELL_VCCS_PAIR;
}

static struct cospin_xbar_node node(enum cospin_xbar_node_kind kind, int i, int c)
{
    struct cospin_xbar_node n = {kind, i, c};
    return n;
}

/* The ideal driver of physical row r of a tile starting at input i0. */
static struct cospin_xbar_node ideal_row(int i0, int r)
{
    return node(r % 2 ? COSPIN_XBAR_NODE_INVERTED : COSPIN_XBAR_NODE_INPUT, i0 + r / 2, 0);
}

/* Where row line r starts: the driver's output behind r_driver, or the ideal driver. */
static struct cospin_xbar_node row_start(const struct cospin_xbar_circuit *xc, int i0, int r)
{
    if (xc->opts.r_driver_ohm > 0)
        return node(COSPIN_XBAR_NODE_DRIVE, r, 0);
    return ideal_row(i0, r);
}

/* Row line r at the cell of tile column c: its own node with wires, else the line's start. */
static struct cospin_xbar_node row_at(const struct cospin_xbar_circuit *xc, int i0, int r, int c)
{
    if (xc->opts.r_wire_ohm > 0)
        return node(COSPIN_XBAR_NODE_ROW, r, c);
    return row_start(xc, i0, r);
}

/* The column end of tile column c (output j): the sense node with one tile row. */
static struct cospin_xbar_node col_end(const struct cospin_xbar_circuit *xc, int c, int j)
{
    if (xc->geom.ntile_rows == 1)
        return node(COSPIN_XBAR_NODE_SENSE, j, c);
    return node(COSPIN_XBAR_NODE_END, 0, c);
}

/* Column line c at the cell of physical row r. */
static struct cospin_xbar_node col_at(const struct cospin_xbar_circuit *xc, int r, int c, int j)
{
    if (xc->opts.r_wire_ohm > 0)
        return node(COSPIN_XBAR_NODE_COL, r, c);
    return col_end(xc, c, j);
}

void cospin_xbar_circuit_sense(const struct cospin_xbar_circuit *xc, int j,
                               struct cospin_xbar_elem *e)
{
    const struct cospin_xbar_opts *o = &xc->opts;
    memset(e, 0, sizeof *e);
    e->a = node(COSPIN_XBAR_NODE_SENSE, j, j % xc->geom.tile_cols);
    e->b = node(COSPIN_XBAR_NODE_GROUND, 0, 0);
    e->c = e->a.c;
    e->cell = -1;
    if (o->sense == COSPIN_XBAR_SENSE_TIA && o->tia_gain > 0) {
        e->kind = COSPIN_XBAR_ELEM_TIA_INPUT;
        e->g_s = (1.0 + o->tia_gain) / o->r_tia_ohm;
        e->r_ohm = o->r_tia_ohm / (1.0 + o->tia_gain);
    } else {
        e->kind = COSPIN_XBAR_ELEM_AMMETER;
    }
}

void cospin_xbar_circuit_term(const struct cospin_xbar_circuit *xc, int t, int c,
                              struct cospin_xbar_elem *e)
{
    struct cospin_xbar_span sp;
    cospin_xbar_tile_span(&xc->geom, t, &sp);
    if (xc->geom.ntile_rows == 1) {
        cospin_xbar_circuit_sense(xc, sp.j0 + c, e);
        return;
    }
    memset(e, 0, sizeof *e);
    e->kind = COSPIN_XBAR_ELEM_AMMETER;
    e->a = node(COSPIN_XBAR_NODE_END, 0, c);
    e->b = node(COSPIN_XBAR_NODE_GROUND, 0, 0);
    e->c = c;
    e->cell = -1;
}

/* Append a resistive element of resistance r_ohm (> 0). */
static void put_wire(struct cospin_xbar_tile *tl, enum cospin_xbar_elem_kind kind, int r, int c,
                     struct cospin_xbar_node a, struct cospin_xbar_node b, double r_ohm)
{
    struct cospin_xbar_elem *e = &tl->elems[tl->n_elems++];
    *e = (struct cospin_xbar_elem){kind, r, c, a, b, 1.0 / r_ohm, r_ohm, -1, 0};
}

/* Drivers and row-wire segments, row by row, then column-wire segments, column by column. */
static void put_lines(const struct cospin_xbar_circuit *xc, struct cospin_xbar_tile *tl)
{
    const struct cospin_xbar_span *sp = &tl->span;
    double rw = xc->opts.r_wire_ohm, rd = xc->opts.r_driver_ohm;
    for (int r = 0; r < sp->nrow; r++) {
        if (rd > 0)
            put_wire(tl, COSPIN_XBAR_ELEM_DRIVER, r, 0, ideal_row(sp->i0, r),
                     row_start(xc, sp->i0, r), rd);
        for (int c = 0; rw > 0 && c < sp->n_out; c++)
            put_wire(tl, COSPIN_XBAR_ELEM_WIRE_ROW, r, c,
                     c == 0 ? row_start(xc, sp->i0, r) : row_at(xc, sp->i0, r, c - 1),
                     row_at(xc, sp->i0, r, c), rw);
    }
    for (int c = 0; rw > 0 && c < sp->n_out; c++) {
        int j = sp->j0 + c;
        for (int r = 1; r < sp->nrow; r++)
            put_wire(tl, COSPIN_XBAR_ELEM_WIRE_COL, r, c, col_at(xc, r - 1, c, j),
                     col_at(xc, r, c, j), rw);
        put_wire(tl, COSPIN_XBAR_ELEM_WIRE_COL, sp->nrow, c, col_at(xc, sp->nrow - 1, c, j),
                 col_end(xc, c, j), rw);
    }
}

/* The devices, row by row (merged pairs: one element per weight on the positive row). */
static void put_cells(const struct cospin_xbar_circuit *xc, struct cospin_xbar_tile *tl)
{
    const struct cospin_xbar_span *sp = &tl->span;
    int pairs = xc->opts.cell == COSPIN_XBAR_CELL_VCCS_PAIR;
    for (int r = 0; r < sp->nrow; r += pairs ? 2 : 1) {
        int i = sp->i0 + r / 2;
        for (int c = 0; c < sp->n_out; c++) {
            int j = sp->j0 + c;
            size_t k = (size_t)j * (size_t)xc->geom.n_in + (size_t)i;
            struct cospin_xbar_elem *e = &tl->elems[tl->n_elems++];
            *e = (struct cospin_xbar_elem){COSPIN_XBAR_ELEM_CELL, r, c, row_at(xc, sp->i0, r, c),
                                           col_at(xc, r, c, j), 0, 0, (int)k, r % 2 ? -1 : 1};
            if (pairs) {
                e->kind = COSPIN_XBAR_ELEM_PAIR_VCCS;
                e->a = node(COSPIN_XBAR_NODE_INPUT, i, 0);
                e->g_s = xc->g_pos_s[k] - xc->g_neg_s[k];
                e->pol = 0;
            } else {
                e->kind = xc->opts.cell == COSPIN_XBAR_CELL_VCCS ? COSPIN_XBAR_ELEM_CELL_VCCS
                                                                  : COSPIN_XBAR_ELEM_CELL;
                e->g_s = r % 2 ? xc->g_neg_s[k] : xc->g_pos_s[k];
                if (e->kind == COSPIN_XBAR_ELEM_CELL)
                    e->r_ohm = 1.0 / e->g_s; /* inf for an open device: not written */
            }
        }
    }
}

int cospin_xbar_circuit_tile(const struct cospin_xbar_circuit *xc, int t,
                             struct cospin_xbar_tile *tile, struct cospin_error *err)
{
    memset(tile, 0, sizeof *tile);
    if (t < 0 || t >= xc->geom.ntiles)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar: tile %d out of range (0 .. %d)", t,
                                xc->geom.ntiles - 1);
    tile->index = t;
    cospin_xbar_tile_span(&xc->geom, t, &tile->span);
    size_t nrow = (size_t)tile->span.nrow, ncol = (size_t)tile->span.n_out;
    /* At most: drivers, row and column segments, devices, terminations. */
    size_t cap = nrow + nrow * ncol + (nrow + 1) * ncol + nrow * ncol + ncol;
    tile->elems = malloc(cap * sizeof *tile->elems);
    if (!tile->elems)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                "crossbar: out of memory for tile %d", t);
    put_lines(xc, tile);
    put_cells(xc, tile);
    for (int c = 0; c < tile->span.n_out; c++)
        cospin_xbar_circuit_term(xc, t, c, &tile->elems[tile->n_elems++]);
    return 0;
}

void cospin_xbar_tile_clear(struct cospin_xbar_tile *tile)
{
    if (!tile)
        return;
    free(tile->elems);
    tile->elems = NULL;
    tile->n_elems = 0;
}
