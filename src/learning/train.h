/*
 * train.h -- the training loop for the networks of nn.h (784-H-10 as in the
 * thesis, or any depth and width): full-batch gradient
 * descent (as the thesis) or mini-batch SGD, modes baseline / kc / k,
 * parameter ranges, the device-aware level (neuron_map.h), checkpoints, and
 * the hooks through which other modules change what a training step does:
 *
 *   opts.weight_update     non-ideal synapses: the device realises a requested
 *                          weight change (quantised, nonlinear, asymmetric)
 *                          instead of w -= lr * dJ/dw;
 *   opts.hooks.weights     quantisation-aware training: the forward pass uses
 *                          the weights the hook returns, gradients go straight
 *                          through to w (nn.h);
 *   opts.hooks.forward     circuit in the loop: z = W x computed by the circuit
 *                          (nn.h);
 *   opts.hooks.activation  circuit in the loop: a = sigma(k (z + c)) produced
 *                          by the neuron circuit (nn.h);
 *   opts.weight_grad       circuit-aware training: the gradient with respect to
 *                          the effective weights becomes the gradient with
 *                          respect to w through the circuit (xbar_net.h);
 *   opts.k_min/k_max, opts.c_min/c_max   ranges k and c are clamped into
 *                          after every step (e.g. the SOT neuron's k in
 *                          [0.37, 1.28]); opts.baseline_k: the fixed k of
 *                          mode baseline (e.g. 0.89 for the 21 ML SOT-N).
 *
 * Every hook is a plain optional field: a NULL function pointer means "not
 * used".  Hooks are called from the training thread only, in the order
 * forward (every layer, every batch), then weight_grad and weight_update
 * (layer 0, 1, ... in order) once per iteration.  Hooks own their state; the trainer never frees ctx.
 * A hook's state is not part of a checkpoint.
 */
#ifndef COSPIN_TRAIN_H
#define COSPIN_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "dataset.h"
#include "nn.h"

COSPIN_BEGIN_DECLS

struct cospin_neuron_map; /* neuron_map.h: the device-aware level */

/*
 * Non-ideal synapse update.  Called once per iteration and layer with the
 * requested change dw_requested[i] = -lr * dJ/dw[i] (n = rows * cols of the
 * row-major layer matrix, see nn.h).  The hook must update w in place with
 * what the device realises (w[i] += realised change; it may differ from the
 * request in any way, including not at all).  Return 0, or a negative
 * COSPIN_ERR_* with err filled to stop training.
 */
struct cospin_weight_update_hook {
    int (*apply)(void *ctx, int layer, float *w, const float *dw_requested, size_t n,
                 struct cospin_error *err);
    void *ctx;
};

/*
 * Gradients through a circuit (circuit-aware training, xbar_net.h).  Called
 * once per iteration and layer, after the backward pass and before the
 * update, with grad_w = dJ/dW_eff, the gradient with respect to the
 * effective weights the forward pass used (nn.h; the weights themselves
 * without an effective-weight hook), n = rows * cols.  The hook replaces it
 * in place with dJ/dw of the layer's weights w.  Return 0, or a negative
 * COSPIN_ERR_* with err filled to stop training.
 */
struct cospin_weight_grad_hook {
    int (*transform)(void *ctx, int layer, const float *w, float *grad_w, size_t n,
                     struct cospin_error *err);
    void *ctx;
};

/* One row of the per-iteration metrics. */
struct cospin_train_point {
    long iter;          /* 1-based iteration (one parameter update) */
    double loss;        /* mean loss of Eq. 3.8 on the batch of this iteration, before the update */
    double train_acc;   /* accuracy on that batch (fraction), before the update */
    double test_acc;    /* test accuracy after the update, NaN when not evaluated */
};

/* Options of one training run.  cospin_train_opts_init() fills the defaults. */
struct cospin_train_opts {
    enum cospin_nn_mode mode;   /* baseline | kc | k (default kc) */
    size_t hidden;              /* hidden units H of n_in-H-n_classes (default 25) */
    /* Any depth: the sizes layers[0 .. n_layers] from the inputs to the outputs (the first
       must be the samples' size, the last the number of classes); n_layers weight layers,
       1 .. COSPIN_NN_MAX_LAYERS.  n_layers 0 (default): the network n_in-hidden-n_classes. */
    size_t layers[COSPIN_NN_MAX_LAYERS + 1];
    int n_layers;
    double lr;                  /* learning rate alpha (default 0.1) */
    long iters;                 /* parameter updates (default 1000) */
    size_t batch;               /* samples per update; 0 = full batch (default 0) */
    uint64_t seed;              /* initialisation and shuffling (default 1) */
    struct cospin_nn_init init; /* default: the thesis ranges (nn.h) */
    float baseline_k;           /* k of mode baseline (default 1) */
    float k_min, k_max;         /* clamp of k after each step; -inf/+inf = none */
    float c_min, c_max;         /* clamp of c after each step; -inf/+inf = none */
    size_t train_limit;         /* use the first N training images; 0 = all */
    size_t test_limit;          /* use the first N test images; 0 = all */
    long eval_every;            /* test accuracy every N iterations and at the end
                                   (default 10; 0 = only at the end) */

    /* Hooks (see the header comment); all unused by default. */
    struct cospin_nn_hooks hooks;
    struct cospin_weight_update_hook weight_update;
    struct cospin_weight_grad_hook weight_grad;

    /* Start from these parameters instead of a random initialisation (fine-tuning); the
       shape must be the one training builds (cospin_train_shape).  NULL (default): random.
       Not owned. */
    const struct cospin_nn *init_net;

    /* Circuit-aware training: the weight mapped to the full conductance window.  Weights
       are clamped into [-xbar_w_max, xbar_w_max] at the start and after every step (the
       crossbar cannot hold more), and model.xml records it with xbar_desc (a one-line
       description of the circuit; may be NULL) in <crossbar w_max=".." circuit=".."/>.
       0 (default): no crossbar. */
    double xbar_w_max;
    const char *xbar_desc;

    /* Device-aware level: NULL = math level.  Not owned. */
    const struct cospin_neuron_map *neuron_map;

    /* Checkpoints: written to checkpoint_path (atomically) every
       checkpoint_every_s seconds and when stopped; NULL = none. */
    const char *checkpoint_path;
    double checkpoint_every_s;  /* default 30 s */
    int resume;                 /* continue from checkpoint_path if it exists */

    /* Set to nonzero (e.g. by a SIGINT handler) to stop after the current
       iteration: a checkpoint is written and the run returns
       COSPIN_ERR_INTERRUPTED.  May be NULL. */
    volatile sig_atomic_t *stop;

    int show_progress;          /* progress line through log.h (default 1) */
    int blas_threads;           /* 0 = the BLAS default */
};

/* Results of a run.  history is owned by the result: cospin_train_result_clear(). */
struct cospin_train_result {
    struct cospin_train_point *history; /* one point per iteration */
    long n_history;
    double final_loss;          /* mean loss on the whole training set after the last update */
    double final_train_acc;     /* accuracy on the whole training set after the last update */
    double final_test_acc;      /* accuracy on the test set after the last update */
    long iters_done;
    long resumed_from;          /* iteration the run resumed from (0 = fresh) */
    double cpu_s, wall_s;       /* time spent on the run, s; after a resume the time before
                                   it is included (the checkpoint records it) */
};

/* Fill opts with the defaults listed in the struct. */
COSPIN_API void cospin_train_opts_init(struct cospin_train_opts *opts);

/* Free the history.  NULL-safe. */
COSPIN_API void cospin_train_result_clear(struct cospin_train_result *res);

/* Training data as float32 rows x/255 (n x pixels) with labels; owned arrays. */
struct cospin_train_data {
    size_t n, n_in;
    float *x;
    const uint8_t *labels;   /* points into the dataset: keep it alive */
    size_t n_classes;        /* the dataset's classes (labels 0 .. n_classes-1); 0: 1 + the
                                largest of the n labels */
};

/*
 * Convert the first `limit` images of ds (0 = all) to float32 in [0, 1];
 * n_classes is the whole dataset's.  Returns 0 or COSPIN_ERR_NOMEM.  Free
 * with cospin_train_data_clear().
 */
COSPIN_API int cospin_train_data_from(const struct cospin_dataset *ds, size_t limit,
                                      struct cospin_train_data *out, struct cospin_error *err);
COSPIN_API void cospin_train_data_clear(struct cospin_train_data *d);

/*
 * The classes of training (and test, may be NULL) data: the larger of
 * their n_classes, where 0 counts as 1 + the largest label.
 */
COSPIN_API size_t cospin_train_classes(const struct cospin_train_data *train,
                                       const struct cospin_train_data *test);

/*
 * The network a training run builds for n_in inputs and n_classes
 * classes: o->layers when o->n_layers > 0 (checked: its first size must be
 * n_in, its last n_classes), else n_in-o->hidden-n_classes; into n_units
 * (COSPIN_NN_MAX_LAYERS + 1 entries) and *n_layers.  Returns 0 or
 * COSPIN_ERR_INVALID with a message saying which size differs from what.
 */
COSPIN_API int cospin_train_shape(const struct cospin_train_opts *o, size_t n_in,
                                  size_t n_classes, size_t *n_units, int *n_layers,
                                  struct cospin_error *err);

/*
 * The hidden sizes of o's network joined by '-' ("25", "256-128"; "" for
 * a network without hidden layers), as summary.csv's hidden column, into
 * buf (size n); returns buf.
 */
COSPIN_API char *cospin_train_hidden_text(const struct cospin_train_opts *o, char *buf,
                                          size_t n);

/*
 * Train a new network on train, evaluating on test (may be NULL).  On
 * success *out owns the trained network (free with cospin_nn_free) and res
 * the metrics.  With opts->resume and an existing checkpoint the run
 * continues from it (the checkpoint must match the options' shape, mode,
 * seed and batch; otherwise COSPIN_ERR_INVALID).  Interrupted through
 * opts->stop: a checkpoint is written, *out holds the network so far, and
 * COSPIN_ERR_INTERRUPTED is returned.  Other errors: COSPIN_ERR_INVALID
 * (bad option, a shape that does not fit the data), COSPIN_ERR_NOMEM, COSPIN_ERR_IO (checkpoint), or a hook's
 * error.
 */
COSPIN_API int cospin_train_run(const struct cospin_train_data *train,
                                const struct cospin_train_data *test,
                                const struct cospin_train_opts *opts, struct cospin_nn **out,
                                struct cospin_train_result *res, struct cospin_error *err);

/* "baseline", "kc", "k". */
COSPIN_API const char *cospin_train_mode_name(enum cospin_nn_mode mode);

/* Parse a mode name; 0 or COSPIN_ERR_INVALID. */
COSPIN_API int cospin_train_mode_parse(const char *s, enum cospin_nn_mode *mode);

/*
 * Write the network as model XML to path (atomically): sizes, mode, k, c,
 * weights, the pulse settings of every neuron when map is not NULL, and the
 * provenance (dataset, seed, cospin version, BLAS).  dataset may be NULL.
 */
COSPIN_API int cospin_train_save_model(const char *path, const struct cospin_nn *nn,
                                       const struct cospin_train_opts *opts, const char *dataset,
                                       const struct cospin_neuron_map *map,
                                       struct cospin_error *err);

/*
 * Read a model XML written by cospin_train_save_model into a new network
 * (*out, free with cospin_nn_free).  mode (may be NULL) receives its mode.
 * Errors name the file and line: COSPIN_ERR_IO, COSPIN_ERR_PARSE,
 * COSPIN_ERR_INVALID (missing element, wrong number of values).
 */
COSPIN_API int cospin_train_load_model(const char *path, struct cospin_nn **out,
                                       enum cospin_nn_mode *mode, struct cospin_error *err);

COSPIN_END_DECLS

#endif
