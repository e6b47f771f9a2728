/*
 * device_train.h -- training with synapse devices and SOT neurons: builds
 * the trainer's hooks (train.h) from a device name, a state count, a
 * quantisation mode and a cell count (thesis ch. 4.2-4.4).
 *
 * Quantisation modes:
 *   none  every weight update goes through the device (weight-update hook):
 *         the requested change becomes a whole number of LTP or LTD pulses
 *         (device.h), so realised updates are nonlinear, asymmetric and
 *         quantised.  The first call of a run programs the initial weights
 *         onto the device (from reset).
 *   ptq   float training; at the last iteration every layer is mapped onto
 *         the levels of `cells` cells (quant.h, w_max = the layer's max |w|),
 *         so the final accuracy is that of the quantised network.
 *   qat   the forward pass uses the quantised weights (effective-weight hook,
 *         per-layer w_max = max |w| at each call); the gradient goes straight
 *         through to the float weights, which are snapped to their levels at
 *         the last iteration.
 *
 * SOT neuron: "sot-n[:d]" makes the activation that of the SOT-N of
 * thickness d driven by I = x_c + i_scale z (biased at its midpoint, so
 * c = 0): mode baseline with k = k(d) i_scale, or, with trainable k (mode
 * k), k clamped into the sweep-tunable [0.37, 1.28] mA^-1 times i_scale.
 *
 * One context serves all the runs of a job: it recognises the start of a run
 * by its call count (it needs opts.iters; resuming a run from a checkpoint
 * with ptq/qat/none is not supported and rejected by the install function).
 */
#ifndef COSPIN_DEVICE_TRAIN_H
#define COSPIN_DEVICE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "device.h"
#include "train.h"

/* Largest state count and cells per synapse accepted (the quantiser's level
   tables grow with their product). */
#define COSPIN_DEVICE_TRAIN_MAX_STATES 1000000
#define COSPIN_DEVICE_TRAIN_MAX_CELLS 4096

enum cospin_quant_mode { COSPIN_QUANT_NONE = 0, COSPIN_QUANT_PTQ, COSPIN_QUANT_QAT };

struct cospin_device_train_opts {
    const char *synapse;         /* preset name (device.h), a device file "*.xml"
                                    (device_xml.h), or NULL: no device */
    const struct cospin_device *device; /* a user-defined device (overrides synapse) or NULL */
    int states;                  /* > 0 overrides the device's state count; 0 = its own */
    enum cospin_quant_mode quant;
    int cells;                   /* cells per synapse, >= 1 (default 1) */
    int pair;                    /* mode none: differential pair w = w_max (g+ - g-) */
    double w_max;                /* mode none: weight of g = 1, > 0 (default 1) */
    enum cospin_round_mode round; /* mode none: pulse-count rule (default nearest) */
    double c2c_sigma;            /* mode none: cycle-to-cycle variation (default 0) */
    const char *neuron;          /* "sot-n[:d]" or NULL: the trainer's own sigmoid */
    double i_scale_a;            /* SOT-N input current per network unit, A (default 1 mA) */
};

/* Per-layer realised-versus-requested statistics and totals of a context. */
struct cospin_device_train_report {
    struct cospin_device_stats layer[COSPIN_NN_MAX_LAYERS];
    int n_layers;                /* layers the hooks have seen */
    long programmed;             /* weights programmed at the start of runs (mode none) */
    double ptq_mse[COSPIN_NN_MAX_LAYERS];      /* mean squared weight change of the final
                                                  quantisation (ptq/qat, last run) */
    double w_max_final[COSPIN_NN_MAX_LAYERS];  /* the range used by that quantisation */
    long runs;                   /* runs completed */
    double write_energy_j;       /* pulses x the device's write energy (0 if unknown) */
};

struct cospin_device_train;

/* Defaults: no device, quant none, 1 cell, w_max 1, nearest, no c2c, 1 mA per unit. */
void cospin_device_train_opts_init(struct cospin_device_train_opts *o);

/* The names of the quantisation modes ("none", "ptq", "qat") and of the
   pulse-count rules ("nearest", "stochastic", "open", "open-stochastic"),
   in enum order, NULL-terminated: what the front ends accept. */
extern const char *const cospin_quant_mode_names[];
extern const char *const cospin_round_mode_names[];

/*
 * Check each value of o on its own: the synapse is a preset or a device
 * file that loads, the neuron name is "sot-n[:d]" of a known thickness,
 * states >= 0, cells >= 1, w_max > 0, c2c_sigma >= 0, i_scale_a > 0, the
 * enums in range.  Their combination (a quant mode needs a device, ...) is
 * checked by cospin_device_train_new.  Returns 0, COSPIN_ERR_INVALID naming
 * the field, or a device file's own error (with its file and line).
 */
int cospin_device_train_opts_validate(const struct cospin_device_train_opts *o,
                                      struct cospin_error *err);

/*
 * Build a context from o (validates the device, states, cells; a quant mode
 * other than none needs a non-analog device).  Returns 0 with *out (free
 * with cospin_device_train_free) or COSPIN_ERR_INVALID / COSPIN_ERR_NOMEM.
 * A context with no synapse and no neuron is valid and installs nothing.
 */
int cospin_device_train_new(const struct cospin_device_train_opts *o,
                            struct cospin_device_train **out, struct cospin_error *err);

/* Free (NULL-safe). */
void cospin_device_train_free(struct cospin_device_train *t);

/*
 * Install the hooks and the neuron's k/c settings into topts (which must
 * already hold iters, mode and seed).  The context must outlive the
 * training.  COSPIN_ERR_INVALID for resume with a device hook.
 */
int cospin_device_train_install(struct cospin_device_train *t, struct cospin_train_opts *topts,
                                struct cospin_error *err);

/* Nonzero if the context installs anything. */
int cospin_device_train_active(const struct cospin_device_train *t);

/* The statistics so far. */
void cospin_device_train_get_report(const struct cospin_device_train *t,
                                    struct cospin_device_train_report *r);

/*
 * A multi-line human-readable report (device, levels, per-layer statistics)
 * into buf of size n; returns buf.
 */
char *cospin_device_train_format(const struct cospin_device_train *t, char *buf, size_t n);

/*
 * Write the report of cospin_device_train_format to dir/synapse.txt
 * (atomically, output.h).  Returns 0 or COSPIN_ERR_IO.
 */
int cospin_device_train_write_report(const struct cospin_device_train *t, const char *dir,
                                     struct cospin_error *err);

/* The device in use (NULL if none). */
const struct cospin_device *cospin_device_train_device(const struct cospin_device_train *t);

#endif
