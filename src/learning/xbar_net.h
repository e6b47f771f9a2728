/*
 * xbar_net.h -- a feed-forward network of resistive crossbar layers on the
 * sparse solver (xbar_solve.h) with the non-idealities of nonideal.h:
 *
 *   weights -> conductances (the weight map of xbar_circuit.h, then the
 *   chip's devices: spread, stuck cells) -> each layer's effective matrix
 *   (one factorisation per tile and weight set) -> reads of many input
 *   vectors as one matrix product, plus read noise -> the caller's ADC and
 *   neurons (nonideal.h).
 *
 * and back: the gradient of a loss with respect to the weights, exact
 * through the linear solve (the adjoint of xbar_solve.h) and through the
 * weight map and the devices; plus the hooks of circuit-aware training
 * (nn.h, train.h), which use all of it.
 *
 * Units.  A layer's inputs x are in network units (pixels in [0, 1],
 * activations in [0, 1]); its drivers apply V = v_read_v x.  Its outputs are
 * in network units of z: z = I / I_unit, I_unit = v_read_v (G_max - G_min) /
 * w_max (A per unit of z), so that an ideal crossbar gives z = W x, and the
 * effective matrix in network units is M~ = M v_read_v / I_unit (z = M~ x;
 * M in A/V from xbar_solve.h).  One set of crossbar options (w_max
 * included) serves every layer.
 *
 * The weight map and its derivative.  G+ = G_min + max(w, 0) / w_max (G_max
 * - G_min), G- likewise for -w (xbar_circuit.h), times the device's spread
 * factor, or G_max / G_min for a stuck device.  dG+/dw is (G_max - G_min) /
 * w_max times the spread factor for w > 0 and 0 for w < 0 (G- mirrored); at
 * w = 0 exactly, where the map has a kink, the mean of both sides (half of
 * each).  A stuck device has dG/dw = 0.  Weights with |w| > w_max: an error
 * unless the options clip (xbar_circuit.h); clipped weights have dG/dw = 0.
 * Circuit-aware training keeps |w| <= w_max by clamping after every step
 * (train.h xbar_w_max), so the clip never acts there and the map's
 * derivative is exact (a projected gradient step).
 *
 * Parallelism.  Tiles are independent circuits, so a layer whose tiles span
 * several tile columns is cut into parts of whole tile columns, each with its
 * own solver, factored and differentiated in parallel threads (at most
 * `threads`).  Results do not depend on the number of threads.  An error in
 * a part is reported by refactoring the whole layer in one solver, so
 * messages name tiles and outputs of the layer.
 */
#ifndef COSPIN_XBAR_NET_H
#define COSPIN_XBAR_NET_H

#include <stddef.h>
#include <stdint.h>

#include "compact_neuron.h"
#include "cospin.h"
#include "nn.h"
#include "nonideal.h"
#include "train.h"
#include "xbar_circuit.h"

/* Most layers of a network: as many as an nn (nn.h). */
#define COSPIN_XBAR_NET_MAX_LAYERS COSPIN_NN_MAX_LAYERS

/* Flag of cospin_xbar_net_new: keep every tile's factor for gradients (training). */
#define COSPIN_XBAR_NET_GRAD 1

struct cospin_xbar_net;

/*
 * A network of nlayers crossbar layers, layer l mapping n_units[l] inputs
 * to n_units[l + 1] outputs, with crossbar options xo (copied; validated)
 * and non-idealities ni (copied; validated; the chip is drawn here).
 * threads: solver threads (>= 1).  flags: 0 or COSPIN_XBAR_NET_GRAD.
 * Returns 0, COSPIN_ERR_INVALID or COSPIN_ERR_NOMEM.  Free *out with
 * cospin_xbar_net_free().
 */
int cospin_xbar_net_new(const struct cospin_xbar_opts *xo, const struct cospin_nonideal *ni,
                        const size_t *n_units, int nlayers, int threads, int flags,
                        struct cospin_xbar_net **out, struct cospin_error *err);

/* NULL-safe. */
void cospin_xbar_net_free(struct cospin_xbar_net *net);

/* The options, the non-idealities (owned by net) and I_unit (A per unit of z). */
const struct cospin_xbar_opts *cospin_xbar_net_opts(const struct cospin_xbar_net *net);
const struct cospin_nonideal *cospin_xbar_net_nonideal(const struct cospin_xbar_net *net);
double cospin_xbar_net_i_unit_a(const struct cospin_xbar_net *net);

/*
 * The device conductances of layer `layer` for weights w (n_out x n_in,
 * row-major): the weight map, then the chip.  g_pos_s, g_neg_s:
 * caller-allocated, n_out x n_in each, S.  No solve.  Returns 0 or
 * COSPIN_ERR_INVALID (a weight that is not finite or exceeds w_max without
 * clipping: the message names the layer and the weight).
 */
int cospin_xbar_net_devices(const struct cospin_xbar_net *net, int layer, const double *w,
                            double *g_pos_s, double *g_neg_s, struct cospin_error *err);

/*
 * Program layer `layer` with weights w (n_out x n_in, row-major; copied):
 * devices, factorisation of every tile, effective matrix.  Returns 0,
 * COSPIN_ERR_INVALID (a bad weight; a singular network, naming the tile and
 * the floating line) or COSPIN_ERR_NOMEM.  After an error the layer is
 * unprogrammed.
 */
int cospin_xbar_net_program(struct cospin_xbar_net *net, int layer, const double *w,
                            struct cospin_error *err);

/* The effective matrix M~ of a programmed layer (n_out x n_in, network units), or NULL. */
const double *cospin_xbar_net_matrix(const struct cospin_xbar_net *net, int layer);

/* The programmed layer's device conductances (owned by net), or NULL before programming. */
const double *cospin_xbar_net_g_pos(const struct cospin_xbar_net *net, int layer);
const double *cospin_xbar_net_g_neg(const struct cospin_xbar_net *net, int layer);

/*
 * Read nvec input vectors x (nvec x n_in, network units) through the
 * programmed layer: z (nvec x n_out, network units) = x M~^T, plus read
 * noise (nonideal.h) drawn for reads first_read .. first_read + nvec - 1 of
 * this layer.  No ADC (cospin_nonideal_adc is the caller's step, since its
 * automatic range depends on the neurons).  Returns 0 or COSPIN_ERR_INVALID
 * (layer not programmed), COSPIN_ERR_NOMEM.
 */
int cospin_xbar_net_read(struct cospin_xbar_net *net, int layer, const double *x, size_t nvec,
                         uint64_t first_read, double *z, struct cospin_error *err);

/*
 * The column current scale of input vector x (n_in, network units) in
 * layer `layer`: scale[j] = v_read_v sum_i (G+_ji + G-_ji) |x_i| (A), the sum
 * of the column's device-current magnitudes with ideal wires; for relative
 * deviations.  The layer must be programmed.
 */
void cospin_xbar_net_current_scale(const struct cospin_xbar_net *net, int layer, const double *x,
                                   double *scale);

/*
 * Gradient of a loss L with respect to the programmed layer's weights:
 * dl_dm = dL/dM~ (n_out x n_in) in, dl_dw = dL/dw (n_out x n_in) out (both
 * caller-allocated), through the adjoint of the linear solve, the devices
 * and the weight map (header comment).  Needs COSPIN_XBAR_NET_GRAD.  Returns
 * 0, COSPIN_ERR_INVALID (layer not programmed, no GRAD flag) or
 * COSPIN_ERR_NOMEM.
 */
int cospin_xbar_net_grad(struct cospin_xbar_net *net, int layer, const double *dl_dm,
                         double *dl_dw, struct cospin_error *err);

/*
 * Layer `layer` as a circuit of its programmed devices (for the netlist
 * writer); *out is new, free it with cospin_xbar_circuit_free().
 */
int cospin_xbar_net_circuit(const struct cospin_xbar_net *net, int layer,
                            struct cospin_xbar_circuit **out, struct cospin_error *err);

/* What the network did (benchmarks, reports). */
struct cospin_xbar_net_stats {
    long programs;         /* layer programmings (factorisations of all its tiles) */
    long grads;            /* gradient computations */
    double program_s;      /* wall time programming */
    double grad_s;         /* wall time in gradients */
    double read_s;         /* wall time reading */
    int tiles[COSPIN_XBAR_NET_MAX_LAYERS];   /* tiles per layer */
    int parts[COSPIN_XBAR_NET_MAX_LAYERS];   /* parallel parts per layer */
};
void cospin_xbar_net_stats(const struct cospin_xbar_net *net, struct cospin_xbar_net_stats *st);

/*
 * The whole network with neuron stages, the sparse counterpart of
 * cospin_cosim_network (cosim.h): for every layer, the read of the
 * previous layer's outputs (x for the first), the ADC (nonideal.h: full
 * scale adc_range[l] in network units; ignored without adc_bits), each
 * neuron's switching probability P_sw = cospin_compact_neuron_p(stages[l]
 * + j, I) of its column current I = I_unit z, and the neuron samples.  The
 * next layer reads the outputs as network units (the stages' v_one is not
 * used).  a_out (nvec x the last layer's n_out) receives the last layer's
 * outputs, i_out (may be NULL; nvec x the sum of every layer's n_out) the
 * column currents in A, layer after layer (with read noise, before the
 * ADC).  Image v is read first_read + v of every layer.  Every layer must be
 * programmed.  Returns 0, COSPIN_ERR_INVALID or COSPIN_ERR_NOMEM.
 */
int cospin_xbar_net_forward(struct cospin_xbar_net *net,
                            const struct cospin_neuron_compact *const *stages,
                            const double *adc_range, const double *x, size_t nvec,
                            uint64_t first_read, double *a_out, double *i_out,
                            struct cospin_error *err);

/*
 * Circuit-aware training (train.h): install hooks through which the
 * forward pass of every batch runs through this network (created with
 * COSPIN_XBAR_NET_GRAD for the nn's layers: n_units as the nn's).  Overwrites
 * opts->hooks (weights, forward, activation) and opts->weight_grad.
 *
 *   weights hook   hands the nn the effective matrices M~ as the layer's
 *                  effective weights, so the backward chain dL/dx = dL/dz M~
 *                  is the circuit's;
 *   forward hook   programs the layer when its weights changed since the
 *                  last pass (devices fixed by the chip) and reads the batch:
 *                  z = M~ x plus read noise (reads counted from 0 per layer);
 *   activation     only with an ADC or neuron samples: z through the ADC,
 *                  P = sigma(k (z + c)), outputs sampled (nonideal.h); the
 *                  nn trains on the expectation P (straight through the
 *                  quantiser and the sampling, nn.h);
 *   weight_grad    turns dL/dM~ into dL/dw (cospin_xbar_net_grad).
 *
 * Read noise passes straight through as well: the backward pass uses M~.
 * net must outlive the training run.
 */
void cospin_xbar_net_train_hooks(struct cospin_xbar_net *net, struct cospin_train_opts *opts);

#endif
