/*
 * nn.h -- fully connected networks of any depth with trainable activation
 * functions (thesis chapter 3; the thesis's network is 784-H-10), in float32:
 *
 *     z_l = W_l a_(l-1),  a_l = sigma(k_l .* (z_l + c_l)),  l = 1 .. L,  a_0 = x
 *     J   = -(1/m) sum_samples sum_outputs [y log a_L + (1-y) log(1-a_L)]   (Eq. 3.8)
 *
 * No bias vectors: c plays that role.  Layer l (0 .. n_layers-1 in the
 * arrays) maps n_units[l] inputs to n_units[l+1] outputs with the row-major
 * matrix w[l] (n_units[l+1] x n_units[l]) and per-neuron k[l], c[l].
 * Samples are rows: a batch of m inputs is an m x n_units[0] row-major matrix.
 *
 * Storage is float32 and the matrix products are sgemm (blas.h); loss and
 * accuracy sums are accumulated in double.
 *
 * The forward pass optionally goes through hooks (used by the trainer,
 * see train.h), each called with the layer index 0 .. n_layers-1:
 *   - effective weights (quantisation-aware training): the forward pass and
 *     the backward chain use the weights the hook returns instead of w; the
 *     gradient is passed straight through to w;
 *   - forward layer (circuit in the loop): z = W x is computed by the hook
 *     (e.g. a crossbar in ngspice) instead of sgemm;
 *   - activation (circuit in the loop): a = sigma(k (z + c)) is produced by
 *     the hook (e.g. neuron code models); backpropagation then uses
 *     sigma' = k a (1 - a) evaluated at the returned a.
 */
#ifndef COSPIN_NN_H
#define COSPIN_NN_H

#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "rng.h"

COSPIN_BEGIN_DECLS

/* Most weight layers of a network (far deeper than sigmoid networks train well). */
#define COSPIN_NN_MAX_LAYERS 16

/* Which activation parameters are trained. */
enum cospin_nn_mode {
    COSPIN_NN_BASELINE = 0, /* k = 1, c = 0 fixed (the conventional sigmoid) */
    COSPIN_NN_KC = 1,       /* W, k and c trained (Eq. 3.9-3.16) */
    COSPIN_NN_K = 2         /* W and k trained, c = 0 fixed (Eq. 3.17-3.22) */
};

/* The network's parameters (also used, same shape, for gradients). */
struct cospin_nn {
    int n_layers;                                /* weight layers L, 1 .. COSPIN_NN_MAX_LAYERS */
    size_t n_units[COSPIN_NN_MAX_LAYERS + 1];    /* inputs, hidden..., outputs: L + 1 sizes */
    float *w[COSPIN_NN_MAX_LAYERS];  /* n_units[l+1] x n_units[l], row-major; owned */
    float *k[COSPIN_NN_MAX_LAYERS];  /* n_units[l+1] slopes (network units^-1); owned */
    float *c[COSPIN_NN_MAX_LAYERS];  /* n_units[l+1] offsets (network units); owned */
};

/* Initialisation ranges (Eq. 3.23 and ch. 3.6.1). */
struct cospin_nn_init {
    double w_gain;      /* W ~ U(+-w_gain sqrt(6/(n_in+n_out))); 1 = Xavier-uniform */
    double k_lo, k_hi;  /* k ~ U[k_lo, k_hi] in modes kc and k (thesis -4, 4) */
    double c_lo, c_hi;  /* c ~ U[c_lo, c_hi] in mode kc (thesis -1, 1) */
};

/* The thesis initialisation: Xavier-uniform W, k in [-4, 4], c in [-1, 1]. */
COSPIN_API void cospin_nn_init_default(struct cospin_nn_init *init);

/*
 * The streams of the generator (rng.h) that the training draws from its
 * seed, one per purpose so that no two purposes share a sequence: the
 * initial parameters, the mini-batch order of epoch e (STREAM_SHUFFLE + e)
 * and the synapse-device noise of run r (STREAM_DEVICE + r).
 */
#define COSPIN_NN_STREAM_INIT (UINT64_C(1) << 32)
#define COSPIN_NN_STREAM_SHUFFLE (UINT64_C(2) << 32)
#define COSPIN_NN_STREAM_DEVICE (UINT64_C(3) << 32)

/*
 * Allocate a network n_in - n_hidden - n_out (two weight layers) with all
 * parameters zero.  Returns NULL if out of memory or a size is 0.  Free
 * with cospin_nn_free().
 */
COSPIN_API struct cospin_nn *cospin_nn_new(size_t n_in, size_t n_hidden, size_t n_out);

/*
 * Allocate a network of n_layers weight layers (1 .. COSPIN_NN_MAX_LAYERS)
 * with the n_layers + 1 sizes n_units (inputs, hidden..., outputs), all
 * parameters zero.  Returns NULL if out of memory, n_layers is out of range
 * or a size is 0.  Free with cospin_nn_free().
 */
COSPIN_API struct cospin_nn *cospin_nn_new_layers(const size_t *n_units, int n_layers);

/* The number of outputs (the last layer's units). */
COSPIN_API size_t cospin_nn_outputs(const struct cospin_nn *nn);

/*
 * The sizes n_units[0 .. n_layers] as "784-256-128-10" into buf (size n);
 * returns buf.
 */
COSPIN_API char *cospin_nn_shape_text(const size_t *n_units, int n_layers, char *buf, size_t n);

/*
 * Parse a layer list "784,256,128,10" (two to COSPIN_NN_MAX_LAYERS + 1
 * positive integers separated by commas) into n_units and *n_layers (the
 * number of sizes minus one).  Returns 0 or COSPIN_ERR_PARSE with a message
 * in err (what is wrong and where).
 */
COSPIN_API int cospin_nn_parse_layers(const char *text, size_t *n_units, int *n_layers,
                                      struct cospin_error *err);

/* Free a network.  NULL-safe. */
COSPIN_API void cospin_nn_free(struct cospin_nn *nn);

/* Copy src's parameters into dst (same depth and sizes, else COSPIN_ERR_INVALID). */
COSPIN_API int cospin_nn_copy(struct cospin_nn *dst, const struct cospin_nn *src);

/* Number of weights of layer l (n_units[l+1] * n_units[l]). */
COSPIN_API size_t cospin_nn_weight_count(const struct cospin_nn *nn, int layer);

/*
 * Initialise: W Xavier-uniform scaled by init->w_gain; in mode kc, k and c
 * uniform in their ranges; in mode k, k uniform and c = 0; in baseline,
 * k = 1 and c = 0.  Draws from rng in a fixed order: every layer's W (layer 1
 * first), then every layer's k, then every layer's c (for two layers: W1, W2,
 * k2, k3, c2, c3 in the thesis's numbering).
 */
COSPIN_API void cospin_nn_init_params(struct cospin_nn *nn, const struct cospin_nn_init *init,
                                      enum cospin_nn_mode mode, struct cospin_rng *rng);

/* ---- forward hooks (see the header comment) ---------------------------------- */

/*
 * Quantisation-aware training: return the n weights the forward pass of
 * layer should use instead of w (e.g. w quantised onto device levels).  The
 * returned array is owned by the hook and must stay valid until the next
 * call for the same layer.  Gradients flow straight through to w.
 */
struct cospin_effective_weight_hook {
    const float *(*effective_weights)(void *ctx, int layer, const float *w, size_t n);
    void *ctx;
};

/*
 * Circuit in the loop: compute z_out = W x for one layer, where w is the
 * rows x cols row-major weight matrix (the effective weights if that hook
 * is set), x is batch x cols row-major and z_out batch x rows row-major
 * (sample-major, the same layout as the sgemm path).  Return 0 or a
 * negative COSPIN_ERR_* with err filled; training stops on an error.
 */
struct cospin_forward_layer_hook {
    int (*forward_layer)(void *ctx, int layer, const float *w, size_t rows, size_t cols,
                         const float *x, size_t batch, float *z_out, struct cospin_error *err);
    void *ctx;
};

/*
 * Circuit in the loop: produce a_out = sigma(k (z + c)) (batch x units,
 * row-major) for one layer by the neuron circuit.  Return 0 or a negative
 * COSPIN_ERR_*.
 */
struct cospin_activation_hook {
    int (*activate)(void *ctx, int layer, const float *z, const float *k, const float *c,
                    size_t units, size_t batch, float *a_out, struct cospin_error *err);
    void *ctx;
    /*
     * Stochastic or quantised neurons (used instead of activate when set):
     * a_out receives this read's outputs (e.g. the mean of a few Bernoulli
     * draws), p_out their expectation given z (e.g. sigma(k (q(z) + c)) of
     * a quantised z), both batch x units.  The next layer reads a_out and the
     * predictions are a_out's; the loss of the last layer is taken of p_out,
     * and backpropagation uses k p (1 - p) with p_out: the gradient passes
     * straight through the sampling and the quantiser.
     */
    int (*activate_st)(void *ctx, int layer, const float *z, const float *k, const float *c,
                       size_t units, size_t batch, float *a_out, float *p_out,
                       struct cospin_error *err);
};

/* The forward hooks together; a NULL function pointer means "not used". */
struct cospin_nn_hooks {
    struct cospin_effective_weight_hook weights;
    struct cospin_forward_layer_hook forward;
    struct cospin_activation_hook activation;
};

/* Scratch space of a forward/backward pass for up to `cap` samples. */
struct cospin_nn_work {
    size_t cap;
    int n_layers;                          /* the network's depth it was made for */
    float *z[COSPIN_NN_MAX_LAYERS];  /* m x n_units[l+1]: pre-activations */
    float *a[COSPIN_NN_MAX_LAYERS];  /* m x n_units[l+1]: activations */
    float *d[COSPIN_NN_MAX_LAYERS];  /* m x n_units[l+1]: dJ/du, u = k (z + c) */
    float *p[COSPIN_NN_MAX_LAYERS];  /* m x n_units[l+1]: expected activations (activate_st) */
    const float *weff[COSPIN_NN_MAX_LAYERS]; /* weights used by the last forward pass */
    int hooked_act[COSPIN_NN_MAX_LAYERS];    /* last forward's activations came from a hook:
                                                1 activate, 2 activate_st */
    float *wt;                   /* n_units[0] x hp: W1 transposed, rows padded to hp, a multiple
                                    of 8 (sparse path) */
    float *gwt;                  /* n_units[0] x hp: dJ/dW1 transposed (sparse path) */
};

/*
 * The input batch in compressed sparse rows, for the sparse path of layer 0
 * (MNIST images are ~80 % zeros: z = W1 x and dJ/dW1 then cost ~1/5 of the
 * dense sgemm).  Row s holds the nonzeros col[q], val[q] for
 * q in [rowptr[s], rowptr[s+1]).  The results equal the dense path's up to
 * float rounding (different summation order).
 */
struct cospin_nn_sparse {
    size_t m, n;          /* rows (samples), columns (inputs) */
    size_t *rowptr;       /* m + 1 offsets; owned */
    uint32_t *col;        /* nonzero columns; owned */
    float *val;           /* nonzero values; owned */
    size_t cap;           /* allocated nonzeros */
    size_t *colptr;       /* the same nonzeros by column: n + 1 offsets; owned */
    uint32_t *row;        /* their rows; owned */
    float *cval;          /* their values; owned */
    size_t ccap;          /* allocated nonzeros of the column copy */
};

/*
 * Fill (or refill, reusing its arrays) sp with the m x n dense matrix x.
 * Returns 0 or COSPIN_ERR_NOMEM.  Free the arrays with cospin_nn_sparse_clear().
 */
COSPIN_API int cospin_nn_sparse_fill(struct cospin_nn_sparse *sp, const float *x, size_t m,
                                     size_t n);
COSPIN_API void cospin_nn_sparse_clear(struct cospin_nn_sparse *sp);

/* Fraction of nonzero entries of an m x n matrix. */
COSPIN_API double cospin_nn_density(const float *x, size_t m, size_t n);

/* Allocate work space of nn's shape for batches of up to cap samples; NULL if out of memory. */
COSPIN_API struct cospin_nn_work *cospin_nn_work_new(const struct cospin_nn *nn, size_t cap);
/* NULL-safe. */
COSPIN_API void cospin_nn_work_free(struct cospin_nn_work *w);

/*
 * Forward pass of m samples x (m x n_units[0], values typically in [0, 1])
 * into work (m <= work->cap).  hooks may be NULL.  Returns 0 or the error
 * of a hook.
 */
COSPIN_API int cospin_nn_forward(const struct cospin_nn *nn, struct cospin_nn_work *work,
                                 const float *x, size_t m, const struct cospin_nn_hooks *hooks,
                                 struct cospin_error *err);

/*
 * As cospin_nn_forward, with xs (may be NULL) the same input in sparse form:
 * layer 0 then uses the sparse kernel unless a forward-layer hook is set.
 */
COSPIN_API int cospin_nn_forward_sp(const struct cospin_nn *nn, struct cospin_nn_work *work,
                                    const float *x, const struct cospin_nn_sparse *xs, size_t m,
                                    const struct cospin_nn_hooks *hooks, struct cospin_error *err);

/*
 * After cospin_nn_forward on the same x: the loss of Eq. 3.8 averaged over
 * the m samples (labels are class indices < the number of outputs), the
 * number of correctly classified samples (argmax of the outputs) in *correct (may be NULL),
 * and, if grad is not NULL, the gradients of the mean loss with respect to
 * all parameters in grad (same shape as nn; entries for parameters the
 * mode does not train are still computed).  Returns the loss.
 */
COSPIN_API double cospin_nn_backward(const struct cospin_nn *nn, struct cospin_nn_work *work,
                                     const float *x, const uint8_t *labels, size_t m,
                                     size_t *correct, struct cospin_nn *grad);

/* As cospin_nn_backward, with the sparse form xs (may be NULL) for dJ/dW1. */
COSPIN_API double cospin_nn_backward_sp(const struct cospin_nn *nn, struct cospin_nn_work *work,
                                        const float *x, const struct cospin_nn_sparse *xs,
                                        const uint8_t *labels, size_t m, size_t *correct,
                                        struct cospin_nn *grad);

/*
 * Loss and accuracy of the network on n samples, evaluated in chunks of
 * work->cap.  *loss and *acc (fraction in [0, 1]) may be NULL.
 */
COSPIN_API int cospin_nn_evaluate(const struct cospin_nn *nn, struct cospin_nn_work *work,
                                  const float *x, const uint8_t *labels, size_t n,
                                  const struct cospin_nn_hooks *hooks, double *loss, double *acc,
                                  struct cospin_error *err);

/* The logistic function 1 / (1 + e^-u) in float, overflow-safe: the float
   twin of cospin_logistic (logistic.h), in the same form. */
COSPIN_API float cospin_nn_sigmoid(float u);

/* The predicted class of one sample's outputs a[0..n): the index of the
   largest (the first of equal ones); 0 when n is 0. */
COSPIN_API size_t cospin_nn_argmax(const float *a, size_t n);

/*
 * e^x in float with a relative error below 2e-7 (Cephes-style range
 * reduction and polynomial), written so that loops over it vectorise;
 * x is clamped to [-87.3, 88.3].  Used by the activation loops.
 */
COSPIN_API float cospin_nn_exp(float x);

COSPIN_END_DECLS

#endif
