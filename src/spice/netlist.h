/*
 * netlist.h -- SPICE netlist text for crossbars, neuron stages and whole
 * networks.  Pure text generation: nothing here runs ngspice or touches a
 * file.  The text is what cosim.c loads through the engine and what
 * `cospin infer --out DIR` writes for plain `ngspice -b`.
 *
 * A crossbar layer is written from its element list (xbar_circuit.h, which
 * documents the conventions: differential pairs, the weight -> conductance
 * map, tiles, wire segments, drivers and sensing), the same list the sparse
 * solver (xbar_solve.h) assembles its matrices from.
 *
 * Names.  Every element and node of a layer starts with the layer prefix
 * <p> (letters/digits, e.g. "l1"), so several layers share one netlist; t
 * is the tile, r the physical row (or wire segment), c the tile column, i
 * the input and j the output:
 *
 *   in_nodes[i]        positive line driver (the caller's source)
 *   e<p>inv<i>         inverting driver, output node <p>n<i> = -V(in_i)
 *   r<p>d<t>_<r>       driver output resistance, into node <p>d<t>_<r>
 *   r<p>a<t>_<r>_<c>   row-wire segment into row node <p>a<t>_<r>_<c>
 *   r<p>b<t>_<r>_<c>   column-wire segment r (1 .. rows; the last one ends at
 *                      the column end) between column nodes <p>b<t>_<r-1>_<c>
 *                      and <p>b<t>_<r>_<c>
 *   r<p>x<t>_<r>_<c>   device as a resistor (g<p>x...: as a G source); an
 *                      open device (G = 0) is not written
 *   <p>e<t>_<c>        a tile's column end with several tile rows, held at
 *                      0 V by the ammeter v<p>p<t>_<j>; the CCCS f<p>p<t>_<j>
 *                      adds its current into the sense node
 *   <p>c<j>            sense node (a tile's column end with one tile row)
 *   v<p>s<j>           the column's ammeter: ngspice vector
 *                      "v<p>s<j>#branch" is the column current I_j, positive
 *                      when it flows out of the array into the sense node
 *   h<p>t<j>           ideal TIA (CCVS), output node <p>o<j> = -R_f I_j
 *   e<p>t<j>, r<p>t<j> finite-gain TIA: op-amp (VCVS of gain A, inverting
 *                      input <p>m<j>, which the ammeter feeds) and its R_f
 *                      feedback to the output <p>o<j>
 */
#ifndef COSPIN_NETLIST_H
#define COSPIN_NETLIST_H

#include <stddef.h>

#include "compact_neuron.h"
#include "cospin.h"
#include "xbar_circuit.h"

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

/*
 * Append one crossbar layer.  w: n_out x n_in weights (row-major,
 * xbar_circuit.h), mapped to conductances by the documented map; in_nodes:
 * n_in node names carrying the positive read voltages (sources are the
 * caller's), prefix: the layer's name prefix.  If sense_nodes is non-NULL,
 * sense_nodes[j] is the node the column's ammeter ends at (a neuron stage's
 * input); NULL sends every ammeter to ground.  Returns 0,
 * COSPIN_ERR_INVALID (options, sizes, a bad weight: the message names its
 * index) or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_netlist_crossbar(struct cospin_netlist *nl, const char *prefix,
                                       const struct cospin_xbar_opts *o, const double *w, int n_out,
                                       int n_in, const char *const *in_nodes,
                                       const char *const *sense_nodes, struct cospin_error *err);

/*
 * Append a crossbar layer given as a circuit (per-device conductances,
 * xbar_circuit.h): the element list of every tile, the inverting drivers,
 * the partial-sum adders and the sense stages.  Arguments as for
 * cospin_netlist_crossbar.  Returns 0, COSPIN_ERR_INVALID (prefix, missing
 * input nodes) or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_netlist_xbar_circuit(struct cospin_netlist *nl, const char *prefix,
                                           const struct cospin_xbar_circuit *xc,
                                           const char *const *in_nodes,
                                           const char *const *sense_nodes,
                                           struct cospin_error *err);

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
    const struct cospin_xbar_circuit *xc;      /* the crossbar as per-device conductances (device
                                                  spread, stuck cells; xbar_circuit.h), written
                                                  instead of w's weight map; NULL: from w */
};

/*
 * A whole feed-forward network as one netlist: input sources "vx<i>" on
 * nodes "x<i>" (V = v_read_v * x_i), layer l (1-based) with prefix "l<l>",
 * its crossbar, and its neuron stages whose output nodes "l<l>a<j>" drive the
 * next layer's rows.  Each neuron stage must output v_one_v = v_read_v so the
 * next layer sees V = v_read_v * a.  x0 (n_in of layer 1 values) gives the
 * DC values for COSPIN_INPUT_DC and is ignored for EXTERNAL (may be NULL).
 * A layer given as a circuit (layers[l].xc) is written from its devices
 * and must match the layer's sizes and o's read voltage.
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
