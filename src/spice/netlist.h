/*
 * netlist.h -- SPICE netlist text for crossbars, neuron stages and whole
 * networks.  Pure text generation: nothing here runs ngspice or touches a
 * file.  The text is what cosim.c loads through the engine and what
 * `cospin infer --out DIR` writes for plain `ngspice -b`.
 *
 * Conventions (doc/circuits.md has the figures):
 *
 *   Weights.  A layer computes z = W x with W an n_out x n_in matrix stored
 *   row-major (W[j * n_in + i]).  Input i drives two physical row lines: the
 *   positive line at +V_i and an inverted line at -V_i (an inverting driver,
 *   an E source of gain -1).  Output j is one column.  Weight w_ji is the
 *   differential pair G+ (positive line -> column) and G- (inverted line ->
 *   column):
 *
 *       G+ = G_min + max(w, 0) / w_max * (G_max - G_min)
 *       G- = G_min + max(-w, 0) / w_max * (G_max - G_min)
 *
 *   so G+ - G- = w * (G_max - G_min) / w_max and both devices stay inside
 *   [G_min, G_max]; the G_min parts of a pair cancel (+V G_min - V G_min).
 *   |w| > w_max is an error unless opts->clip is set (then it saturates).
 *
 *   Inputs.  V_i = v_read_v * x_i (x in the network's input units, e.g.
 *   pixels in [0, 1]).  The column current of an ideal array is then
 *
 *       I_j = sum_i (G+_ji - G-_ji) V_i = I_unit * (W x)_j,
 *       I_unit = v_read_v * (G_max - G_min) / w_max       (A per unit of z)
 *
 *   Sensing.  Every column ends in a 0 V source named "v<prefix>s<j>" (the
 *   ammeter: ngspice vector "v<prefix>s<j>#branch", positive when current
 *   flows out of the array into the sense node), which holds the column at
 *   virtual ground.  With COSPIN_XBAR_SENSE_TIA the ammeter feeds a
 *   transimpedance stage whose output node "<prefix>o<j>" is -R_f I_j:
 *   ideal (tia_gain = 0: a CCVS) or an op-amp of finite open-loop gain
 *   (a VCVS with R_f feedback).
 *
 *   Physical layout (needed to read wire resistance results).  The array is
 *   split into tiles of tile_rows inputs x tile_cols outputs (0: one tile).
 *   Inside a tile the physical rows are, in order, the positive and inverted
 *   lines of each input (row 2k = positive line of the tile's k-th input,
 *   row 2k+1 = its inverted line); columns are the tile's outputs in order.
 *   With wire resistance r_wire_ohm > 0, every row line runs from its driver
 *   through one segment to cell (r, 0), then one segment between
 *   neighbouring cells; every column line runs from cell (0, c) down through
 *   one segment between neighbouring cells and one last segment from cell
 *   (last, c) to the tile's column end.  Each tile has its own row-line
 *   segments (drivers fan out ideally to the tiles of a row).  With one tile
 *   row the column end is the sense node; with several, each tile's column
 *   end has its own 0 V ammeter "v<prefix>p<t>_<j>" and CCCS (F) elements add
 *   the partial sums into the column's sense node (a peripheral current
 *   adder).
 *
 *   Cells.  COSPIN_XBAR_CELL_RESISTOR writes each device as a resistor
 *   (required with wire resistance).  COSPIN_XBAR_CELL_VCCS writes each
 *   device as a voltage-controlled current source G * V(line) into the
 *   column; with ideal wires and a column held at exactly 0 V this carries
 *   the same current as the resistor, but gives ngspice's sparse solver a
 *   matrix without fill-in (doc/circuits.md: it is several times faster).
 *   It is rejected with wire resistance or a finite-gain TIA.
 *   COSPIN_XBAR_CELL_VCCS_PAIR goes one step further: the two devices of a
 *   pair carry G+ V and -G- V into the same virtual-ground column, so it
 *   writes their sum as one G source (G+ - G-) V(input) and needs no
 *   inverted lines.  Same currents, half the elements; the individual device
 *   currents are no longer visible (same restrictions as VCCS).
 *
 * Names.  Every element and node of a layer starts with the layer prefix
 * (letters/digits, e.g. "l1"), so several layers share one netlist.
 */
#ifndef COSPIN_NETLIST_H
#define COSPIN_NETLIST_H

#include <stddef.h>

#include "compact_neuron.h"
#include "cospin.h"

COSPIN_BEGIN_DECLS

/* A growing netlist text.  Lines end in '\n'. */
struct cospin_netlist;

/* New empty text, or NULL when out of memory.  Free with cospin_netlist_free(). */
COSPIN_API struct cospin_netlist *cospin_netlist_new(void);

/* Free the text.  NULL-safe. */
COSPIN_API void cospin_netlist_free(struct cospin_netlist *nl);

/*
 * Free nl and hand its text to the caller (free() it), or NULL if an append
 * failed (out of memory).  NULL-safe.
 */
COSPIN_API char *cospin_netlist_take(struct cospin_netlist *nl);

/* The text so far ("" when empty); owned by nl, valid until the next append. */
COSPIN_API const char *cospin_netlist_text(const struct cospin_netlist *nl);

/* Length of the text in bytes. */
COSPIN_API size_t cospin_netlist_length(const struct cospin_netlist *nl);

/* Number of lines written so far. */
COSPIN_API size_t cospin_netlist_lines(const struct cospin_netlist *nl);

/*
 * Append printf-formatted text (the caller adds '\n').  Returns 0 or
 * COSPIN_ERR_NOMEM; after a failure every later append fails too, so a
 * generator may check only its last call.
 */
COSPIN_API int cospin_netlist_printf(struct cospin_netlist *nl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* How a device is written. */
enum cospin_xbar_cell {
    COSPIN_XBAR_CELL_RESISTOR = 0,   /* a resistor R = 1/G (physical) */
    COSPIN_XBAR_CELL_VCCS = 1,       /* a G source G*V(line) into the column (ideal wires only) */
    COSPIN_XBAR_CELL_VCCS_PAIR = 2   /* one G source (G+ - G-)*V(input) per weight (ideal wires) */
};

/* How a column is read. */
enum cospin_xbar_sense {
    COSPIN_XBAR_SENSE_AMMETER = 0,   /* 0 V source to ground (or into the neuron stage) */
    COSPIN_XBAR_SENSE_TIA = 1        /* ammeter + transimpedance stage, output node <p>o<j> */
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
};

/*
 * Defaults: the device window of the thesis's MTJ synapse (R_P = 5 kOhm,
 * R_AP = 10 kOhm, thesis ch. 3), 0.1 V read voltage, ideal wires, one
 * tile, resistor cells, ammeter sensing.
 */
COSPIN_API void cospin_xbar_opts_default(struct cospin_xbar_opts *o);

/*
 * Check the options: 0 < g_min_s < g_max_s finite, w_max > 0, v_read_v > 0,
 * r_wire_ohm >= 0, tiles >= 0, r_tia_ohm > 0, tia_gain >= 0, and the VCCS
 * cell only with ideal wires and ammeter or ideal-TIA sensing.  Returns 0 or
 * COSPIN_ERR_INVALID naming the field.
 */
COSPIN_API int cospin_xbar_opts_validate(const struct cospin_xbar_opts *o,
                                         struct cospin_error *err);

/*
 * The documented weight -> conductance map (header comment).  Writes the
 * pair in S.  Returns 0, or COSPIN_ERR_INVALID for a non-finite weight or
 * |w| > w_max without clip.
 */
COSPIN_API int cospin_xbar_weight_to_g(const struct cospin_xbar_opts *o, double w, double *g_pos_s,
                                       double *g_neg_s, struct cospin_error *err);

/* I_unit = v_read_v (G_max - G_min) / w_max: column current per unit of z, A. */
COSPIN_API double cospin_xbar_current_unit_a(const struct cospin_xbar_opts *o);

/*
 * Append one crossbar layer.  w: n_out x n_in weights (row-major, see the
 * header comment), in_nodes: n_in node names carrying the positive read
 * voltages (sources are the caller's), prefix: the layer's name prefix.
 * If sense_nodes is non-NULL, sense_nodes[j] is the node the column's ammeter
 * ends at (a neuron stage's input); NULL sends every ammeter to ground.
 * Returns 0, COSPIN_ERR_INVALID (options, sizes, a bad weight: the message
 * names its index) or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_netlist_crossbar(struct cospin_netlist *nl, const char *prefix,
                                       const struct cospin_xbar_opts *o, const double *w, int n_out,
                                       int n_in, const char *const *in_nodes,
                                       const char *const *sense_nodes, struct cospin_error *err);

/*
 * Compact neuron stage (code model mtj_compact, models/mtj_compact): the
 * input current I (A) enters through a current port that is itself a 0 V
 * source, so the column stays at virtual ground.  The device current is
 * I_dev = gain * I + i_bias (uA) and the output voltage is
 *
 *     V_out = v_one_v * P_sw,   P_sw = 1 / (1 + exp(-k_per_ua (I_dev - c_ua)))
 *
 * with (k, c) the fitted sigmoid of the neuron table at the neuron's pulse
 * width and anisotropy (neuron_table.h).  struct cospin_neuron_compact is in
 * compact_neuron.h (shared with the code model).
 */
/*
 * The stage that realises a trained activation sigma(k (z + c)) on a
 * column whose current is I = i_unit_a * z, with a device of fitted slope
 * dev_k_per_ua and midpoint dev_c_ua:
 *     gain = k / (dev_k_per_ua * i_unit_uA),  i_bias = dev_c_ua + k c / dev_k_per_ua.
 * Returns 0 or COSPIN_ERR_INVALID (zero k, non-positive device slope or unit).
 */
COSPIN_API int cospin_neuron_compact_for(double k, double c, double i_unit_a, double dev_k_per_ua,
                                         double dev_c_ua, double v_one_v,
                                         struct cospin_neuron_compact *out,
                                         struct cospin_error *err);

/* Check a stage's parameters as the code model does on INIT.  0 or COSPIN_ERR_INVALID. */
COSPIN_API int cospin_neuron_compact_validate(const struct cospin_neuron_compact *p,
                                              struct cospin_error *err);

/*
 * Append the compact neuron instance "a<prefix>n<j>" (current input from
 * node in_node to ground, output node out_node) and its .model
 * "<prefix>m<j>".  Returns 0, COSPIN_ERR_INVALID or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_netlist_neuron_compact(struct cospin_netlist *nl, const char *prefix, int j,
                                             const char *in_node, const char *out_node,
                                             const struct cospin_neuron_compact *p,
                                             struct cospin_error *err);

/*
 * Full LLGS neuron stage (verification): `trials` independent mtj_stt
 * devices (models/mtj_stt, one seed each) driven by the column current.
 * Device t is written "a<prefix>q<j>_<t>" between node "<prefix>m<j>_<t>"
 * (terminal p) and ground (n); a behavioural current source draws
 *
 *     I_dev = gate(t) * (gain * I(sense) + i_bias)      (A)
 *
 * out of that node, i.e. through the device from n to p: the write polarity
 * that switches AP -> P.  gate is a 0/1 pulse of width_s starting at 0
 * (source "v<prefix>g<j>").  Each device starts antiparallel (m0 = -1) and
 * its m_z is node "<prefix>z<j>_<t>" (1 V = 1); P_sw is the fraction of
 * trials with m_z > 0 after the pulse and a relaxation (run a transient of
 * width_s + a few ns).  sense is the name of the 0 V source whose current is
 * the column current (e.g. "vl1s0").
 */
struct cospin_neuron_llgs {
    double gain;           /* input current gain (dimensionless, != 0) */
    double i_bias_ua;      /* bias current, uA */
    double width_s;        /* write pulse width, s (> 0) */
    double ku_j_per_m3;    /* free-layer anisotropy at the neuron's setting, J/m^3 (> 0) */
    int trials;            /* independent devices (>= 1) */
    int seed;              /* seed of device 0; device t uses seed + t (>= 0) */
};

/* Append the LLGS stage of neuron j.  0, COSPIN_ERR_INVALID or COSPIN_ERR_NOMEM. */
COSPIN_API int cospin_netlist_neuron_llgs(struct cospin_netlist *nl, const char *prefix, int j,
                                          const char *sense, const struct cospin_neuron_llgs *p,
                                          struct cospin_error *err);

/* How a network's input sources are written. */
enum cospin_input_kind {
    COSPIN_INPUT_DC = 0,        /* "dc V": one vector, runs under plain ngspice -b */
    COSPIN_INPUT_EXTERNAL = 1   /* "external": values streamed by the engine (libngspice only) */
};

/* One layer of a network netlist. */
struct cospin_net_layer {
    int n_in, n_out;
    const double *w;                           /* n_out x n_in, row-major */
    const struct cospin_neuron_compact *neuron;  /* n_out stages, or NULL: no neuron (raw currents) */
};

/*
 * A whole feed-forward network as one netlist: input sources "vx<i>" on
 * nodes "x<i>" (V = v_read_v * x_i), layer l (1-based) with prefix "l<l>",
 * its crossbar, and its neuron stages whose output nodes "l<l>a<j>" drive the
 * next layer's rows.  Each neuron stage must output v_one_v = v_read_v so the
 * next layer sees V = v_read_v * a.  x0 (n_in of layer 1 values) gives the
 * DC values for COSPIN_INPUT_DC and is ignored for EXTERNAL (may be NULL).
 * A title line is written first; no .end and no analysis (the caller adds
 * them).  Returns 0, COSPIN_ERR_INVALID (sizes that do not chain, options)
 * or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_netlist_network(struct cospin_netlist *nl, const char *title,
                                      const struct cospin_xbar_opts *o,
                                      const struct cospin_net_layer *layers, int nlayers,
                                      enum cospin_input_kind kind, const double *x0,
                                      struct cospin_error *err);

COSPIN_END_DECLS

#endif
