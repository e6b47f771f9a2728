/*
 * nn.c -- parameters, initialisation, forward and backward pass of the
 * 784-H-10 network with a = sigma(k (z + c)) (SPEC §2, Eq. 3.8-3.22).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "error.h"
#include "nn.h"

/* Thesis initialisation ranges (ch. 3.6.1): k in [-4, 4], c in [-1, 1]. */
#define THESIS_K_RANGE 4.0
#define THESIS_C_RANGE 1.0

void cospin_nn_init_default(struct cospin_nn_init *init)
{
    init->w_gain = 1.0;
    init->k_lo = -THESIS_K_RANGE;
    init->k_hi = THESIS_K_RANGE;
    init->c_lo = -THESIS_C_RANGE;
    init->c_hi = THESIS_C_RANGE;
}

void cospin_nn_rng_seed(struct cospin_nn_rng *r, uint64_t seed)
{
    r->s = seed ^ 0x9E3779B97F4A7C15ull;
}

uint64_t cospin_nn_rng_next(struct cospin_nn_rng *r)
{
    /* splitmix64 (Steele, Lea, Flood 2014). */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double cospin_nn_rng_uniform(struct cospin_nn_rng *r)
{
    return (double)(cospin_nn_rng_next(r) >> 11) * 0x1.0p-53;
}

struct cospin_nn *cospin_nn_new(size_t n_in, size_t n_hidden, size_t n_out)
{
    if (n_in == 0 || n_hidden == 0 || n_out == 0)
        return NULL;
    struct cospin_nn *nn = calloc(1, sizeof *nn);
    if (!nn)
        return NULL;
    nn->n_units[0] = n_in;
    nn->n_units[1] = n_hidden;
    nn->n_units[2] = n_out;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        nn->w[l] = calloc(nn->n_units[l + 1] * nn->n_units[l], sizeof(float));
        nn->k[l] = calloc(nn->n_units[l + 1], sizeof(float));
        nn->c[l] = calloc(nn->n_units[l + 1], sizeof(float));
        if (!nn->w[l] || !nn->k[l] || !nn->c[l]) {
            cospin_nn_free(nn);
            return NULL;
        }
    }
    return nn;
}

void cospin_nn_free(struct cospin_nn *nn)
{
    if (!nn)
        return;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        free(nn->w[l]);
        free(nn->k[l]);
        free(nn->c[l]);
    }
    free(nn);
}

size_t cospin_nn_weight_count(const struct cospin_nn *nn, int layer)
{
    return nn->n_units[layer + 1] * nn->n_units[layer];
}

int cospin_nn_copy(struct cospin_nn *dst, const struct cospin_nn *src)
{
    for (int l = 0; l <= COSPIN_NN_LAYERS; l++)
        if (dst->n_units[l] != src->n_units[l])
            return COSPIN_ERR_INVALID;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        memcpy(dst->w[l], src->w[l], cospin_nn_weight_count(src, l) * sizeof(float));
        memcpy(dst->k[l], src->k[l], src->n_units[l + 1] * sizeof(float));
        memcpy(dst->c[l], src->c[l], src->n_units[l + 1] * sizeof(float));
    }
    return 0;
}

static float uniform(struct cospin_nn_rng *r, double lo, double hi)
{
    return (float)(lo + (hi - lo) * cospin_nn_rng_uniform(r));
}

void cospin_nn_init_params(struct cospin_nn *nn, const struct cospin_nn_init *init,
                           enum cospin_nn_mode mode, struct cospin_nn_rng *rng)
{
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        /* Eq. 3.23: U(+-sqrt(6)/sqrt(n_in + n_out)). */
        double lim = init->w_gain * sqrt(6.0 / (double)(nn->n_units[l] + nn->n_units[l + 1]));
        size_t nw = cospin_nn_weight_count(nn, l);
        for (size_t i = 0; i < nw; i++)
            nn->w[l][i] = uniform(rng, -lim, lim);
    }
    for (int l = 0; l < COSPIN_NN_LAYERS; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++)
            nn->k[l][j] = mode == COSPIN_NN_BASELINE ? 1.0f : uniform(rng, init->k_lo, init->k_hi);
    for (int l = 0; l < COSPIN_NN_LAYERS; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++)
            nn->c[l][j] = mode == COSPIN_NN_KC ? uniform(rng, init->c_lo, init->c_hi) : 0.0f;
}

struct cospin_nn_work *cospin_nn_work_new(const struct cospin_nn *nn, size_t cap)
{
    struct cospin_nn_work *w = calloc(1, sizeof *w);
    if (!w || cap == 0) {
        free(w);
        return NULL;
    }
    w->cap = cap;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        size_t n = cap * nn->n_units[l + 1];
        w->z[l] = malloc(n * sizeof(float));
        w->a[l] = malloc(n * sizeof(float));
        w->d[l] = malloc(n * sizeof(float));
        if (!w->z[l] || !w->a[l] || !w->d[l]) {
            cospin_nn_work_free(w);
            return NULL;
        }
    }
    return w;
}

void cospin_nn_work_free(struct cospin_nn_work *w)
{
    if (!w)
        return;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        free(w->z[l]);
        free(w->a[l]);
        free(w->d[l]);
    }
    free(w);
}

float cospin_nn_sigmoid(float u)
{
    if (u >= 0.0f)
        return 1.0f / (1.0f + expf(-u));
    float e = expf(u);
    return e / (1.0f + e);
}

int cospin_nn_forward(const struct cospin_nn *nn, struct cospin_nn_work *work, const float *x,
                      size_t m, const struct cospin_nn_hooks *hooks, struct cospin_error *err)
{
    if (m > work->cap)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "batch of %zu samples exceeds the work space (%zu)", m, work->cap);
    const float *in = x;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
        const float *w = nn->w[l];
        if (hooks && hooks->weights.effective_weights) {
            w = hooks->weights.effective_weights(hooks->weights.ctx, l, nn->w[l], rows * cols);
            if (!w)
                return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                        "effective-weight hook returned NULL for layer %d", l);
        }
        work->weff[l] = w;
        float *z = work->z[l], *a = work->a[l];
        if (hooks && hooks->forward.forward_layer) {
            int rc = hooks->forward.forward_layer(hooks->forward.ctx, l, w, rows, cols, in, m, z,
                                                  err);
            if (rc != 0)
                return rc;
        } else {
            /* Z (m x rows) = X (m x cols) W^T. */
            cospin_sgemm(0, 1, m, rows, cols, 1.0f, in, cols, w, cols, 0.0f, z, rows);
        }
        if (hooks && hooks->activation.activate) {
            int rc = hooks->activation.activate(hooks->activation.ctx, l, z, nn->k[l], nn->c[l],
                                                rows, m, a, err);
            if (rc != 0)
                return rc;
        } else {
            const float *k = nn->k[l], *c = nn->c[l];
            for (size_t s = 0; s < m; s++) {
                const float *zs = z + s * rows;
                float *as = a + s * rows;
                for (size_t j = 0; j < rows; j++)
                    as[j] = cospin_nn_sigmoid(k[j] * (zs[j] + c[j]));
            }
        }
        in = a;
    }
    return 0;
}

/*
 * -[y log a + (1-y) log(1-a)] from u = k (z + c) directly, which stays
 * finite when a rounds to 0 or 1 in float:  -log a = softplus(-u),
 * -log(1-a) = softplus(u).  Activations from a hook have no u; for them the
 * log is taken of a clamped into [1e-7, 1 - 1e-7].
 */
static double softplus(double u)
{
    return u > 0 ? u + log1p(exp(-u)) : log1p(exp(u));
}

/* Smallest activation distance from 0 or 1 used in the log of hook outputs. */
#define LOG_CLAMP 1e-7

double cospin_nn_backward(const struct cospin_nn *nn, struct cospin_nn_work *work,
                          const float *x, const uint8_t *labels, size_t m, size_t *correct,
                          struct cospin_nn *grad)
{
    const size_t nh = nn->n_units[1], no = nn->n_units[2];
    const float *k3 = nn->k[1], *c3 = nn->c[1];
    double loss = 0.0;
    size_t ok = 0;
    /* Output layer: with the cross-entropy of sigmoids, dJ/du3 = (a3 - y) / m. */
    const float inv_m = 1.0f / (float)m;
    for (size_t s = 0; s < m; s++) {
        const float *a = work->a[1] + s * no, *z = work->z[1] + s * no;
        float *d = work->d[1] + s * no;
        size_t best = 0;
        for (size_t j = 0; j < no; j++) {
            int y = labels[s] == j;
            double u = (double)k3[j] * ((double)z[j] + (double)c3[j]);
            double ref = 1.0 / (1.0 + exp(-u));
            if (fabs(ref - a[j]) < 1e-3) /* the analytic activation: exact log terms */
                loss += y ? softplus(-u) : softplus(u);
            else { /* an activation hook produced a: clamp it */
                double aj = fmin(fmax(a[j], LOG_CLAMP), 1.0 - LOG_CLAMP);
                loss += y ? -log(aj) : -log(1.0 - aj);
            }
            d[j] = (a[j] - (float)y) * inv_m;
            if (a[j] > a[best])
                best = j;
        }
        ok += best == labels[s];
    }
    if (correct)
        *correct = ok;
    if (!grad)
        return loss / (double)m;

    /* Backward through both layers; d[l] holds dJ/du of layer l. */
    for (int l = COSPIN_NN_LAYERS - 1; l >= 0; l--) {
        size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
        const float *k = nn->k[l], *c = nn->c[l];
        float *d = work->d[l];
        const float *z = work->z[l];
        float *gk = grad->k[l], *gc = grad->c[l];
        memset(gk, 0, rows * sizeof *gk);
        memset(gc, 0, rows * sizeof *gc);
        /* dJ/dk = sum_s dJ/du (z + c); dJ/dc = sum_s dJ/du k; then d becomes dJ/dz = dJ/du k. */
        for (size_t s = 0; s < m; s++) {
            float *ds = d + s * rows;
            const float *zs = z + s * rows;
            for (size_t j = 0; j < rows; j++) {
                gk[j] += ds[j] * (zs[j] + c[j]);
                gc[j] += ds[j];
                ds[j] *= k[j];
            }
        }
        for (size_t j = 0; j < rows; j++)
            gc[j] *= k[j];
        const float *in = l == 0 ? x : work->a[l - 1];
        /* dJ/dW (rows x cols) = D^T (rows x m) IN (m x cols). */
        cospin_sgemm(1, 0, rows, cols, m, 1.0f, d, rows, in, cols, 0.0f, grad->w[l], cols);
        if (l == 0)
            break;
        /* dJ/da of the layer below (m x cols) = D (m x rows) Weff (rows x cols); the effective
           weights are the ones the forward pass used (straight-through to w). */
        float *dprev = work->d[l - 1];
        cospin_sgemm(0, 0, m, cols, rows, 1.0f, d, rows, work->weff[l], cols, 0.0f, dprev, cols);
        /* dJ/du = dJ/da a (1 - a). */
        const float *ap = work->a[l - 1];
        for (size_t i = 0; i < m * cols; i++)
            dprev[i] *= ap[i] * (1.0f - ap[i]);
    }
    (void)nh;
    return loss / (double)m;
}

int cospin_nn_evaluate(const struct cospin_nn *nn, struct cospin_nn_work *work, const float *x,
                       const uint8_t *labels, size_t n, const struct cospin_nn_hooks *hooks,
                       double *loss, double *acc, struct cospin_error *err)
{
    double lsum = 0.0;
    size_t ok = 0;
    for (size_t s0 = 0; s0 < n; s0 += work->cap) {
        size_t m = n - s0 < work->cap ? n - s0 : work->cap;
        const float *xs = x + s0 * nn->n_units[0];
        int rc = cospin_nn_forward(nn, work, xs, m, hooks, err);
        if (rc != 0)
            return rc;
        size_t c = 0;
        lsum += cospin_nn_backward(nn, work, xs, labels + s0, m, &c, NULL) * (double)m;
        ok += c;
    }
    if (loss)
        *loss = n ? lsum / (double)n : 0.0;
    if (acc)
        *acc = n ? (double)ok / (double)n : 0.0;
    return 0;
}
