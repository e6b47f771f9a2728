/*
 * xbar_circuit.h -- one description of a resistive crossbar layer: its
 * options, the weight -> conductance map, and the list of circuit elements
 * of each tile.  Two paths read the same list: the netlist writer
 * (netlist.h, text for ngspice) prints it, and the sparse solver
 * (xbar_solve.h) assembles its nodal matrices from it, so the circuit that
 * ngspice verifies is the circuit the solver computes.
 *
 * Conventions (doc/circuits.md has the figures):
 *
 *   Weights.  A layer computes z = W x with W an n_out x n_in matrix stored
 *   row-major (W[j * n_in + i]).  Input i drives two physical row lines: the
 *   positive line at +V_i and an inverted line at -V_i (an ideal inverting
 *   driver).  Output j is one column.  Weight w_ji is the differential pair
 *   G+ (positive line -> column) and G- (inverted line -> column):
 *
 *       G+ = G_min + max(w, 0) / w_max * (G_max - G_min)
 *       G- = G_min + max(-w, 0) / w_max * (G_max - G_min)
 *
 *   so G+ - G- = w * (G_max - G_min) / w_max and both devices stay inside
 *   [G_min, G_max]; the G_min parts of a pair cancel (+V G_min - V G_min).
 *   |w| > w_max is an error unless opts->clip is set (then it saturates).
 *   A circuit can also be built from any per-device conductances G+, G- >= 0
 *   (device spread, stuck cells; G = 0 is an open device), so the caller
 *   applies non-idealities before building it.
 *
 *   Inputs.  V_i = v_read_v * x_i (x in the network's input units, e.g.
 *   pixels in [0, 1]).  The column current of an ideal array is then
 *
 *       I_j = sum_i (G+_ji - G-_ji) V_i = I_unit * (W x)_j,
 *       I_unit = v_read_v * (G_max - G_min) / w_max       (A per unit of z)
 *
 *   Sensing.  Every column ends in an ammeter (a 0 V source) that holds it at
 *   virtual ground; its current, positive when it flows out of the array into
 *   the sense node, is the column current I_j.  With COSPIN_XBAR_SENSE_TIA
 *   the ammeter feeds a transimpedance stage whose output is -R_f I_j
 *   (ideal: tia_gain = 0) or an op-amp of finite open-loop gain A with R_f
 *   feedback.  Seen from the column, that op-amp is a conductance
 *   (1 + A) / R_f from the sense node to ground (the column is no longer at
 *   exactly 0 V), and its output is -A V_sense = -A R_f I_j / (1 + A).
 *
 *   Physical layout.  The array is split into tiles of tile_rows inputs x
 *   tile_cols outputs (0: one tile).  Inside a tile the physical rows are,
 *   in order, the positive and inverted lines of each input (row 2k =
 *   positive line of the tile's k-th input, row 2k+1 = its inverted line);
 *   columns are the tile's outputs in order.  Each tile has its own row-line
 *   drivers: the ideal input voltage (or its inverse) fans out ideally to the
 *   tiles of a row, and with r_driver_ohm > 0 each tile's driver of a row
 *   line has that output resistance.  With wire resistance r_wire_ohm > 0,
 *   every row line runs from its driver through one segment to cell (r, 0),
 *   then one segment between neighbouring cells; every column line runs from
 *   cell (0, c) down through one segment between neighbouring cells and one
 *   last segment from cell (last, c) to the tile's column end.  With one tile
 *   row the column end is the sense node; with several, each tile's column
 *   end has its own ammeter to ground and a peripheral current adder sums
 *   the partial currents of a column's tiles into its sense node.  Tiles are
 *   therefore independent circuits.
 *
 *   Cells.  COSPIN_XBAR_CELL_RESISTOR is each device as a resistor
 *   (required with wire or driver resistance).  COSPIN_XBAR_CELL_VCCS is
 *   each device as a voltage-controlled current source G * V(line) into the
 *   column; with ideal wires and a column held at exactly 0 V it carries the
 *   same current as the resistor, but gives ngspice's sparse solver a matrix
 *   without fill-in (doc/circuits.md: it is several times faster).  It is
 *   rejected with wire or driver resistance or a finite-gain TIA.
 *   COSPIN_XBAR_CELL_VCCS_PAIR goes one step further: the two devices of a
 *   pair carry G+ V and -G- V into the same virtual-ground column, so it is
 *   one source (G+ - G-) V(input) and needs no inverted lines.  Same
 *   currents, half the elements; the individual device currents are no
 *   longer visible (same restrictions as VCCS).
 */
#ifndef COSPIN_XBAR_CIRCUIT_H
#define COSPIN_XBAR_CIRCUIT_H

#include <stddef.h>

#include "cospin.h"

COSPIN_BEGIN_DECLS

/* How a device is written. */
enum cospin_xbar_cell {
    COSPIN_XBAR_CELL_RESISTOR = 0,   /* a resistor R = 1/G (physical) */
    COSPIN_XBAR_CELL_VCCS = 1,       /* a G source G*V(line) into the column (ideal wires only) */
    COSPIN_XBAR_CELL_VCCS_PAIR = 2   /* one G source (G+ - G-)*V(input) per weight (ideal wires) */
};

/* How a column is read. */
enum cospin_xbar_sense {
    COSPIN_XBAR_SENSE_AMMETER = 0,   /* 0 V source to ground (or into the neuron stage) */
    COSPIN_XBAR_SENSE_TIA = 1        /* ammeter + transimpedance stage */
};

/* Crossbar options.  Start from cospin_xbar_opts_default(). */
struct cospin_xbar_opts {
    double g_min_s;        /* lowest device conductance, S (default 1/10 kOhm = 100 uS) */
    double g_max_s;        /* highest device conductance, S (default 1/5 kOhm = 200 uS) */
    double w_max;          /* weight magnitude mapped to the full window (default 1) */
    int clip;              /* nonzero: |w| > w_max saturates; zero: it is an error (default) */
    double v_read_v;       /* read voltage per unit input, V (default 0.1) */
    double r_wire_ohm;     /* wire resistance per segment, Ohm (default 0 = ideal wires) */
    int tile_rows;         /* inputs per tile (0 = all) */
    int tile_cols;         /* outputs per tile (0 = all) */
    enum cospin_xbar_cell cell;     /* default COSPIN_XBAR_CELL_RESISTOR */
    enum cospin_xbar_sense sense;   /* default COSPIN_XBAR_SENSE_AMMETER */
    double r_tia_ohm;      /* TIA feedback resistance, Ohm (default 1 kOhm) */
    double tia_gain;       /* op-amp open-loop gain; 0 = ideal TIA (default 0) */
    double r_driver_ohm;   /* output resistance of each tile's row-line driver, Ohm (default 0 =
                              ideal drivers) */
};

/*
 * Defaults: the device window of the thesis's MTJ synapse (R_P = 5 kOhm,
 * R_AP = 10 kOhm, thesis ch. 3), 0.1 V read voltage, ideal wires and
 * drivers, one tile, resistor cells, ammeter sensing.
 */
COSPIN_API void cospin_xbar_opts_default(struct cospin_xbar_opts *o);

/*
 * Check the options: 0 < g_min_s < g_max_s finite, w_max > 0, v_read_v > 0,
 * r_wire_ohm and r_driver_ohm finite and >= 0, tiles >= 0, r_tia_ohm > 0
 * finite, tia_gain finite and >= 0, and the VCCS cells only with ideal
 * wires and drivers and ammeter or ideal-TIA sensing.  Returns 0 or
 * COSPIN_ERR_INVALID naming the field.
 */
COSPIN_API int cospin_xbar_opts_validate(const struct cospin_xbar_opts *o, struct cospin_error *err);

/*
 * The documented weight -> conductance map (header comment).  Writes the
 * pair in S.  Returns 0, or COSPIN_ERR_INVALID for a non-finite weight or
 * |w| > w_max without clip.
 */
COSPIN_API int cospin_xbar_weight_to_g(const struct cospin_xbar_opts *o, double w, double *g_pos_s,
                            double *g_neg_s, struct cospin_error *err);

/*
 * The map for a whole layer: w (n_out x n_in, row-major) -> g_pos_s and
 * g_neg_s (n_out x n_in each, caller-allocated).  Returns 0 or
 * COSPIN_ERR_INVALID naming the weight "[j][i]" (prefixed with `what`, e.g.
 * "layer l1", when it is non-NULL).
 */
COSPIN_API int cospin_xbar_weights_to_g(const struct cospin_xbar_opts *o, const double *w, int n_out,
                             int n_in, double *g_pos_s, double *g_neg_s, const char *what,
                             struct cospin_error *err);

/* I_unit = v_read_v (G_max - G_min) / w_max: column current per unit of z, A. */
COSPIN_API double cospin_xbar_current_unit_a(const struct cospin_xbar_opts *o);

/*
 * The sense stage's output voltage for a column current i_a (A): -R_f I for
 * an ideal TIA, -A R_f I / (1 + A) for the op-amp of gain A (header
 * comment), 0 for plain ammeter sensing (no output stage).
 */
COSPIN_API double cospin_xbar_sense_out_v(const struct cospin_xbar_opts *o, double i_a);

/* The tiling of a layer. */
struct cospin_xbar_geometry {
    int n_out, n_in;           /* the layer */
    int tile_rows, tile_cols;  /* inputs x outputs of a full tile (at most n_in x n_out) */
    int ntile_rows, ntile_cols;  /* tiles down the inputs and across the outputs */
    int ntiles;                /* ntile_rows * ntile_cols; tile t = ti * ntile_cols + tj */
};

/*
 * The tiling of an n_out x n_in layer under o (tile sizes 0 or larger than
 * the layer mean the whole layer).  Returns 0 or COSPIN_ERR_INVALID for
 * n_out, n_in < 1 or negative tile sizes.
 */
COSPIN_API int cospin_xbar_geometry_init(const struct cospin_xbar_opts *o, int n_out, int n_in,
                              struct cospin_xbar_geometry *geom, struct cospin_error *err);

/* The inputs and outputs tile t (0 <= t < ntiles) covers. */
struct cospin_xbar_span {
    int i0, n_in;              /* inputs i0 .. i0 + n_in - 1 */
    int j0, n_out;             /* outputs j0 .. j0 + n_out - 1 */
    int nrow;                  /* physical row lines: 2 n_in (positive and inverted) */
};
COSPIN_API void cospin_xbar_tile_span(const struct cospin_xbar_geometry *geom, int t,
                           struct cospin_xbar_span *span);

/* A node of a tile.  Which fields mean what depends on the kind. */
enum cospin_xbar_node_kind {
    COSPIN_XBAR_NODE_GROUND = 0,   /* 0 V */
    COSPIN_XBAR_NODE_INPUT,        /* i: the caller's input node, +V_i (ideal source) */
    COSPIN_XBAR_NODE_INVERTED,     /* i: the inverting driver's output, -V_i (ideal) */
    COSPIN_XBAR_NODE_DRIVE,        /* i = r: output of the tile's driver of physical row r
                                      (only with r_driver_ohm > 0) */
    COSPIN_XBAR_NODE_ROW,          /* i = r, c: row line r at the cell of tile column c */
    COSPIN_XBAR_NODE_COL,          /* i = r, c: column line c at the cell of physical row r */
    COSPIN_XBAR_NODE_END,          /* c: the tile's column end (several tile rows) */
    COSPIN_XBAR_NODE_SENSE         /* i = j (layer output), c: the column's sense node */
};

struct cospin_xbar_node {
    enum cospin_xbar_node_kind kind;
    int i;                     /* input, physical row or output (see the kind) */
    int c;                     /* tile column */
};

/* An element of a tile. */
enum cospin_xbar_elem_kind {
    COSPIN_XBAR_ELEM_CELL = 0,     /* device resistor between a (row line) and b (column line) */
    COSPIN_XBAR_ELEM_CELL_VCCS,    /* device as a source g_s * V(a) into b (b held at 0 V) */
    COSPIN_XBAR_ELEM_PAIR_VCCS,    /* merged pair: (G+ - G-) * V(a) into b (b held at 0 V) */
    COSPIN_XBAR_ELEM_WIRE_ROW,     /* row-line segment r into cell column c (a -> b) */
    COSPIN_XBAR_ELEM_WIRE_COL,     /* column-line segment r (1 .. nrow) of column c (a -> b) */
    COSPIN_XBAR_ELEM_DRIVER,       /* driver output resistance of physical row r (a: ideal) */
    COSPIN_XBAR_ELEM_AMMETER,      /* column end a held at 0 V; its current is the tile's
                                      column current (b: ground) */
    COSPIN_XBAR_ELEM_TIA_INPUT     /* a finite-gain TIA seen from sense node a: conductance
                                      g_s = (1 + A) / R_f to ground; g_s V(a) is the current */
};

/*
 * Resistive elements (CELL, WIRE_*, DRIVER, TIA_INPUT) conduct g_s between
 * a and b; g_s = 0 is an open element (the netlist leaves it out, the solver
 * keeps its place in the matrix pattern so that every tile of a shape has
 * the same pattern).
 */
struct cospin_xbar_elem {
    enum cospin_xbar_elem_kind kind;
    int r, c;                  /* position in the tile (physical row or segment, column) */
    struct cospin_xbar_node a, b;
    double g_s;                /* conductance, S (for the G sources: the transconductance) */
    double r_ohm;              /* resistance 1/g_s as the netlist writes it (resistive kinds;
                                  the option's own value for wires and drivers) */
    int cell;                  /* device: weight index j * n_in + i, or -1 */
    int pol;                   /* for devices: +1 the G+ device, -1 G-, 0 a merged pair */
};

/* The elements of one tile; cospin_xbar_tile_clear() frees them. */
struct cospin_xbar_tile {
    int index;                 /* t */
    struct cospin_xbar_span span;
    size_t n_elems;
    struct cospin_xbar_elem *elems;  /* owned */
};

/* A crossbar layer: options, geometry and every device's conductance. */
struct cospin_xbar_circuit;

/*
 * Build a layer from options and per-device conductances g_pos_s, g_neg_s
 * (n_out x n_in each, row-major like the weights, S; copied).  Returns 0,
 * COSPIN_ERR_INVALID (options, sizes, a negative or non-finite
 * conductance: the message names "G+[j][i]") or COSPIN_ERR_NOMEM.  Free
 * *out with cospin_xbar_circuit_free().
 */
COSPIN_API int cospin_xbar_circuit_new(const struct cospin_xbar_opts *o, int n_out, int n_in,
                            const double *g_pos_s, const double *g_neg_s,
                            struct cospin_xbar_circuit **out, struct cospin_error *err);

/* NULL-safe. */
COSPIN_API void cospin_xbar_circuit_free(struct cospin_xbar_circuit *xc);

/* The options and the geometry (owned by xc). */
COSPIN_API const struct cospin_xbar_opts *cospin_xbar_circuit_opts(const struct cospin_xbar_circuit *xc);
COSPIN_API const struct cospin_xbar_geometry *cospin_xbar_circuit_geometry(const struct cospin_xbar_circuit *xc);

/* Nonzero when the layer has inverted row lines (every cell kind but merged pairs). */
COSPIN_API int cospin_xbar_circuit_has_inverted(const struct cospin_xbar_circuit *xc);

/*
 * The elements of tile t, in the order the netlist writes them: per
 * physical row its driver resistance and row-wire segments, then the
 * column-wire segments column by column, then the devices row by row, then
 * one termination (AMMETER or TIA_INPUT) per tile column.  tile is
 * overwritten; free it with cospin_xbar_tile_clear().  Returns 0,
 * COSPIN_ERR_INVALID (t out of range) or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_xbar_circuit_tile(const struct cospin_xbar_circuit *xc, int t,
                             struct cospin_xbar_tile *tile, struct cospin_error *err);

/* Free the elements; the tile may be built again.  NULL-safe, idempotent. */
COSPIN_API void cospin_xbar_tile_clear(struct cospin_xbar_tile *tile);

/*
 * The termination of tile t's column c: an AMMETER on the tile's column end
 * (several tile rows), or the sense stage of its output (one tile row).
 */
COSPIN_API void cospin_xbar_circuit_term(const struct cospin_xbar_circuit *xc, int t, int c,
                              struct cospin_xbar_elem *e);

/*
 * The sense stage of output j, seen from its sense node: an AMMETER (ammeter
 * or ideal TIA) or a TIA_INPUT (finite-gain TIA).
 */
COSPIN_API void cospin_xbar_circuit_sense(const struct cospin_xbar_circuit *xc, int j,
                               struct cospin_xbar_elem *e);

COSPIN_END_DECLS

#endif
