/*
 * nn.c -- parameters, initialisation, forward and backward pass of fully
 * connected networks with a = sigma(k (z + c)) (thesis Eq. 3.8-3.22).
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
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

struct cospin_nn *cospin_nn_new_layers(const size_t *n_units, int n_layers)
{
    if (!n_units || n_layers < 1 || n_layers > COSPIN_NN_MAX_LAYERS)
        return NULL;
    for (int l = 0; l <= n_layers; l++)
        if (n_units[l] == 0)
            return NULL;
    struct cospin_nn *nn = calloc(1, sizeof *nn);
    if (!nn)
        return NULL;
    nn->n_layers = n_layers;
    memcpy(nn->n_units, n_units, (size_t)(n_layers + 1) * sizeof *n_units);
    for (int l = 0; l < n_layers; l++) {
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

struct cospin_nn *cospin_nn_new(size_t n_in, size_t n_hidden, size_t n_out)
{
    const size_t units[3] = {n_in, n_hidden, n_out};
    return cospin_nn_new_layers(units, 2);
}

void cospin_nn_free(struct cospin_nn *nn)
{
    if (!nn)
        return;
    for (int l = 0; l < nn->n_layers; l++) {
        free(nn->w[l]);
        free(nn->k[l]);
        free(nn->c[l]);
    }
    free(nn);
}

size_t cospin_nn_outputs(const struct cospin_nn *nn)
{
    return nn->n_units[nn->n_layers];
}

size_t cospin_nn_weight_count(const struct cospin_nn *nn, int layer)
{
    return nn->n_units[layer + 1] * nn->n_units[layer];
}

char *cospin_nn_shape_text(const size_t *n_units, int n_layers, char *buf, size_t n)
{
    size_t len = 0;
    if (n == 0)
        return buf;
    buf[0] = '\0';
    for (int l = 0; l <= n_layers && len < n; l++) {
        int w = snprintf(buf + len, n - len, "%s%zu", l ? "-" : "", n_units[l]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return buf;
}

int cospin_nn_parse_layers(const char *text, size_t *n_units, int *n_layers,
                           struct cospin_error *err)
{
    const char *p = text ? text : "";
    int n = 0;
    for (;;) {
        char *end;
        errno = 0;
        unsigned long long v = *p >= '0' && *p <= '9' ? strtoull(p, &end, 10) : 0;
        if (!(*p >= '0' && *p <= '9') || errno || v == 0 || v > 100000000ull)
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "'%s': size %d is not an integer in [1, 100000000] "
                                    "(expected sizes such as 784,256,128,10)",
                                    text ? text : "", n + 1);
        if (n > COSPIN_NN_MAX_LAYERS)
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "'%s': more than %d sizes (at most %d weight layers)", text,
                                    COSPIN_NN_MAX_LAYERS + 1, COSPIN_NN_MAX_LAYERS);
        n_units[n++] = (size_t)v;
        if (*end == '\0')
            break;
        if (*end != ',')
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "'%s': unexpected '%c' after size %d (sizes are separated by "
                                    "commas: 784,256,128,10)",
                                    text, *end, n);
        p = end + 1;
    }
    if (n < 2)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                "'%s': at least two sizes (inputs and outputs) are needed", text);
    *n_layers = n - 1;
    return 0;
}

int cospin_nn_copy(struct cospin_nn *dst, const struct cospin_nn *src)
{
    if (dst->n_layers != src->n_layers)
        return COSPIN_ERR_INVALID;
    for (int l = 0; l <= src->n_layers; l++)
        if (dst->n_units[l] != src->n_units[l])
            return COSPIN_ERR_INVALID;
    for (int l = 0; l < src->n_layers; l++) {
        memcpy(dst->w[l], src->w[l], cospin_nn_weight_count(src, l) * sizeof(float));
        memcpy(dst->k[l], src->k[l], src->n_units[l + 1] * sizeof(float));
        memcpy(dst->c[l], src->c[l], src->n_units[l + 1] * sizeof(float));
    }
    return 0;
}

static float uniform(struct cospin_rng *r, double lo, double hi)
{
    return (float)(lo + (hi - lo) * cospin_rng_uniform(r));
}

void cospin_nn_init_params(struct cospin_nn *nn, const struct cospin_nn_init *init,
                           enum cospin_nn_mode mode, struct cospin_rng *rng)
{
    for (int l = 0; l < nn->n_layers; l++) {
        /* Eq. 3.23: U(+-sqrt(6)/sqrt(n_in + n_out)). */
        double lim = init->w_gain * sqrt(6.0 / (double)(nn->n_units[l] + nn->n_units[l + 1]));
        size_t nw = cospin_nn_weight_count(nn, l);
        for (size_t i = 0; i < nw; i++)
            nn->w[l][i] = uniform(rng, -lim, lim);
    }
    for (int l = 0; l < nn->n_layers; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++)
            nn->k[l][j] = mode == COSPIN_NN_BASELINE ? 1.0f : uniform(rng, init->k_lo, init->k_hi);
    for (int l = 0; l < nn->n_layers; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++)
            nn->c[l][j] = mode == COSPIN_NN_KC ? uniform(rng, init->c_lo, init->c_hi) : 0.0f;
}

/*
 * Kernels that benefit from wide vectors: on x86-64 with GCC, compile an
 * AVX2+FMA clone besides the baseline one and pick at load time (ifunc), so
 * the binary stays portable.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define COSPIN_X86_DISPATCH 1
#define KERNEL_BODY __attribute__((always_inline)) static inline
#define KERNEL_AVX2 __attribute__((target("avx2,fma"), optimize("O3"))) static
#define KERNEL_BASE __attribute__((optimize("O3"))) static
#else
#define KERNEL_BODY static inline
#endif

#ifdef COSPIN_X86_DISPATCH
/* AVX2 + FMA available (checked once per call; __builtin_cpu_supports is a table lookup). */
static int have_avx2_fma(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

/* Width of the padded transposed weight rows: h rounded up to a multiple of 8. */
static size_t pad8(size_t h)
{
    return (h + 7) & ~(size_t)7;
}

struct cospin_nn_work *cospin_nn_work_new(const struct cospin_nn *nn, size_t cap)
{
    struct cospin_nn_work *w = calloc(1, sizeof *w);
    if (!w || cap == 0) {
        free(w);
        return NULL;
    }
    w->cap = cap;
    w->n_layers = nn->n_layers;
    for (int l = 0; l < nn->n_layers; l++) {
        size_t n = cap * nn->n_units[l + 1];
        w->z[l] = malloc(n * sizeof(float));
        w->a[l] = malloc(n * sizeof(float));
        /* 8 floats of zeroed slack: the sparse gradient kernel reads up to 7 past the end. */
        w->d[l] = calloc(n + 8, sizeof(float));
        w->p[l] = malloc(n * sizeof(float));
        if (!w->z[l] || !w->a[l] || !w->d[l] || !w->p[l]) {
            cospin_nn_work_free(w);
            return NULL;
        }
    }
    size_t hp = pad8(nn->n_units[1]);
    w->wt = calloc(nn->n_units[0] * hp, sizeof(float));
    w->gwt = calloc(nn->n_units[0] * hp, sizeof(float));
    if (!w->wt || !w->gwt) {
        cospin_nn_work_free(w);
        return NULL;
    }
    return w;
}

void cospin_nn_work_free(struct cospin_nn_work *w)
{
    if (!w)
        return;
    for (int l = 0; l < w->n_layers; l++) {
        free(w->z[l]);
        free(w->a[l]);
        free(w->d[l]);
        free(w->p[l]);
    }
    free(w->wt);
    free(w->gwt);
    free(w);
}

int cospin_nn_sparse_fill(struct cospin_nn_sparse *sp, const float *x, size_t m, size_t n)
{
    size_t nnz = 0;
    for (size_t i = 0; i < m * n; i++)
        nnz += x[i] != 0.0f;
    size_t *rp = realloc(sp->rowptr, (m + 1) * sizeof *rp);
    if (!rp)
        return COSPIN_ERR_NOMEM;
    sp->rowptr = rp;
    if (nnz > sp->cap || !sp->col) {
        size_t cap = nnz ? nnz : 1;
        uint32_t *c = realloc(sp->col, cap * sizeof *c);
        if (!c)
            return COSPIN_ERR_NOMEM;
        sp->col = c;
        float *v = realloc(sp->val, cap * sizeof *v);
        if (!v)
            return COSPIN_ERR_NOMEM;
        sp->val = v;
        sp->cap = cap;
    }
    size_t q = 0;
    for (size_t s = 0; s < m; s++) {
        sp->rowptr[s] = q;
        const float *xs = x + s * n;
        for (size_t j = 0; j < n; j++)
            if (xs[j] != 0.0f) {
                sp->col[q] = (uint32_t)j;
                sp->val[q] = xs[j];
                q++;
            }
    }
    sp->rowptr[m] = q;
    sp->m = m;
    sp->n = n;
    /* The column-major copy (counting sort of the nonzeros by column). */
    size_t *cp = realloc(sp->colptr, (n + 1) * sizeof *cp);
    if (!cp)
        return COSPIN_ERR_NOMEM;
    sp->colptr = cp;
    if (nnz > sp->ccap || !sp->row) {
        size_t cap = nnz ? nnz : 1;
        uint32_t *r = realloc(sp->row, cap * sizeof *r);
        if (!r)
            return COSPIN_ERR_NOMEM;
        sp->row = r;
        float *v = realloc(sp->cval, cap * sizeof *v);
        if (!v)
            return COSPIN_ERR_NOMEM;
        sp->cval = v;
        sp->ccap = cap;
    }
    memset(cp, 0, (n + 1) * sizeof *cp);
    for (size_t i = 0; i < q; i++)
        cp[sp->col[i] + 1]++;
    for (size_t j = 0; j < n; j++)
        cp[j + 1] += cp[j];
    for (size_t r = 0; r < m; r++)
        for (size_t i = sp->rowptr[r]; i < sp->rowptr[r + 1]; i++) {
            size_t dst = cp[sp->col[i]]++;
            sp->row[dst] = (uint32_t)r;
            sp->cval[dst] = sp->val[i];
        }
    for (size_t j = n; j > 0; j--) /* undo the shift of the fill pass */
        cp[j] = cp[j - 1];
    cp[0] = 0;
    return 0;
}

void cospin_nn_sparse_clear(struct cospin_nn_sparse *sp)
{
    if (!sp)
        return;
    free(sp->rowptr);
    free(sp->col);
    free(sp->val);
    free(sp->colptr);
    free(sp->row);
    free(sp->cval);
    memset(sp, 0, sizeof *sp);
}

double cospin_nn_density(const float *x, size_t m, size_t n)
{
    size_t nnz = 0;
    for (size_t i = 0; i < m * n; i++)
        nnz += x[i] != 0.0f;
    return m > 0 && n > 0 ? (double)nnz / (double)(m * n) : 0.0;
}

float cospin_nn_sigmoid(float u)
{
    if (u >= 0.0f)
        return 1.0f / (1.0f + expf(-u));
    float e = expf(u);
    return e / (1.0f + e);
}

size_t cospin_nn_argmax(const float *a, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (a[i] > a[best])
            best = i;
    return best;
}

/* Cephes expf: e^x = 2^n e^r, |r| <= ln2/2, degree-6 polynomial for e^r. */
static inline float exp_inline(float x)
{
    const float log2e = 1.44269504088896341f;
    const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float t = x * log2e;
    int n = (int)(t + (t >= 0.0f ? 0.5f : -0.5f)); /* round to nearest */
    float fn = (float)n;
    float r = x - fn * ln2_hi - fn * ln2_lo;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = (int32_t)((uint32_t)(n + 127) << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

float cospin_nn_exp(float x)
{
    return exp_inline(x);
}

/* Eight floats as one SIMD value (GCC/clang vector extension; AVX in the AVX2 clone).
   The helpers are always inlined, so no vector crosses a function boundary (psabi). */
typedef float v8f __attribute__((vector_size(32)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

__attribute__((always_inline)) static inline v8f v8_load(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

__attribute__((always_inline)) static inline void v8_store(float *p, v8f v)
{
    memcpy(p, &v, sizeof v);
}

typedef int32_t v8i __attribute__((vector_size(32)));

/* Lane-wise select: mask lanes all-ones take a, others b. */
__attribute__((always_inline)) static inline v8f v8_select(v8i mask, v8f a, v8f b)
{
    return (v8f)((mask & (v8i)a) | (~mask & (v8i)b));
}

/* exp_inline on eight lanes (same constants, same clamp, same rounding). */
__attribute__((always_inline)) static inline v8f exp_v8(v8f x)
{
    const v8f lo = {-87.3f, -87.3f, -87.3f, -87.3f, -87.3f, -87.3f, -87.3f, -87.3f};
    const v8f hi = {88.3f, 88.3f, 88.3f, 88.3f, 88.3f, 88.3f, 88.3f, 88.3f};
    x = v8_select(x < lo, lo, x);
    x = v8_select(x > hi, hi, x);
    v8f t = x * 1.44269504088896341f;
    /* Round to nearest as exp_inline does (half away from zero): trunc(t +- 0.5). */
    v8f half = v8_select(t >= 0.0f, (v8f){0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f},
                         (v8f){-0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.5f});
    v8i n = __builtin_convertvector(t + half, v8i);
    v8f fn = __builtin_convertvector(n, v8f);
    v8f r = x - fn * 0.693359375f - fn * -2.12194440e-4f;
    v8f p = r * 1.9875691500e-4f + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    v8i bits = (n + 127) << 23;
    return p * (v8f)bits;
}

/* a = sigma(k (z + c)) for a rows x units block: eight units at a time, the rest scalar. */
KERNEL_BODY void activate_block_body(const float *z, const float *k, const float *c, size_t rows,
                                     size_t units, float *a)
{
    for (size_t s = 0; s < rows; s++) {
        const float *zs = z + s * units;
        float *as = a + s * units;
        size_t j = 0;
        for (; j + 8 <= units; j += 8) {
            v8f u = v8_load(k + j) * (v8_load(zs + j) + v8_load(c + j));
            v8_store(as + j, 1.0f / (1.0f + exp_v8(-u)));
        }
        for (; j < units; j++)
            as[j] = 1.0f / (1.0f + exp_inline(-k[j] * (zs[j] + c[j])));
    }
}

/* log(1 + t) for t in [0, 1] (Cephes logf polynomial, relative error ~1e-7). */
static inline float log1p_unit(float t)
{
    const float sqrt2m1 = 0.41421356f;
    float r, e;
    if (t > sqrt2m1) { /* 1 + t in (sqrt 2, 2]: log = ln 2 + log((1 + t) / 2) */
        r = 0.5f * (t - 1.0f);
        e = 1.0f;
    } else {
        r = t;
        e = 0.0f;
    }
    float z = r * r;
    float y = 7.0376836292e-2f;
    y = y * r - 1.1514610310e-1f;
    y = y * r + 1.1676998740e-1f;
    y = y * r - 1.2420140846e-1f;
    y = y * r + 1.4249322787e-1f;
    y = y * r - 1.6668057665e-1f;
    y = y * r + 2.0000714765e-1f;
    y = y * r - 2.4999993993e-1f;
    y = y * r + 3.3333331174e-1f;
    y = y * r * z;
    y += e * -2.12194440e-4f;
    y += -0.5f * z;
    return r + y + e * 0.693359375f;
}

/* log1p_unit on eight lanes. */
__attribute__((always_inline)) static inline v8f log1p_v8(v8f t)
{
    const v8f one = {1, 1, 1, 1, 1, 1, 1, 1};
    v8i big = t > 0.41421356f;
    v8f r = v8_select(big, 0.5f * (t - one), t);
    v8f e = v8_select(big, one, (v8f){0});
    v8f z = r * r;
    v8f y = r * 7.0376836292e-2f - 1.1514610310e-1f;
    y = y * r + 1.1676998740e-1f;
    y = y * r - 1.2420140846e-1f;
    y = y * r + 1.4249322787e-1f;
    y = y * r - 1.6668057665e-1f;
    y = y * r + 2.0000714765e-1f;
    y = y * r - 2.4999993993e-1f;
    y = y * r + 3.3333331174e-1f;
    y = y * r * z;
    y += e * -2.12194440e-4f;
    y += -0.5f * z;
    return r + y + e * 0.693359375f;
}

/*
 * Output layer of the backward pass for analytic activations: per sample
 * the loss terms softplus(-u) (target) or softplus(u) (others), dJ/du =
 * (a - y) / m into d, and the argmax.  Returns the summed loss; *ok counts
 * correct argmaxes.
 */
KERNEL_BODY double out_loss_body(const float *z, const float *a, const float *k, const float *c,
                                 const uint8_t *labels, size_t m, size_t no, float inv_m, float *d,
                                 size_t *ok)
{
    double loss = 0.0;
    size_t good = 0;
    const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
    for (size_t s = 0; s < m; s++) {
        const float *zs = z + s * no, *as = a + s * no;
        float *ds = d + s * no;
        const int lab = labels[s];
        v8f acc = {0};
        size_t j = 0;
        for (; j + 8 <= no; j += 8) {
            v8i is_y = (lane + (int32_t)j) == lab;
            v8f u = v8_load(k + j) * (v8_load(zs + j) + v8_load(c + j));
            v8f su = v8_select(is_y, -u, u);
            v8f au = v8_select(su < 0.0f, -su, su);
            v8f pos = v8_select(su > 0.0f, su, (v8f){0});
            acc += pos + log1p_v8(exp_v8(-au));
            v8f y = v8_select(is_y, (v8f){1, 1, 1, 1, 1, 1, 1, 1}, (v8f){0});
            v8_store(ds + j, (v8_load(as + j) - y) * inv_m);
        }
        float ls = acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
        for (; j < no; j++) {
            int y = lab == (int)j;
            float u = k[j] * (zs[j] + c[j]);
            float su = y ? -u : u;
            ls += (su > 0.0f ? su : 0.0f) + log1p_unit(exp_inline(-fabsf(su)));
            ds[j] = (as[j] - (float)y) * inv_m;
        }
        loss += ls;
        good += cospin_nn_argmax(as, no) == (size_t)lab;
    }
    *ok = good;
    return loss;
}

/*
 * dJ/dk += sum_s d (z + c), dJ/dc' += sum_s d (times k later), and d *= k
 * (dJ/du -> dJ/dz), for an m x units block; gk and gc must be zeroed.
 */
KERNEL_BODY void kc_grad_body(float *d, const float *z, const float *k, const float *c, size_t m,
                              size_t units, float *gk, float *gc)
{
    for (size_t s = 0; s < m; s++) {
        float *ds = d + s * units;
        const float *zs = z + s * units;
        size_t j = 0;
        for (; j + 8 <= units; j += 8) {
            v8f dv = v8_load(ds + j);
            v8_store(gk + j, v8_load(gk + j) + dv * (v8_load(zs + j) + v8_load(c + j)));
            v8_store(gc + j, v8_load(gc + j) + dv);
            v8_store(ds + j, dv * v8_load(k + j));
        }
        for (; j < units; j++) {
            gk[j] += ds[j] * (zs[j] + c[j]);
            gc[j] += ds[j];
            ds[j] *= k[j];
        }
    }
}

/* d *= a (1 - a) elementwise over n values. */
KERNEL_BODY void sig_deriv_body(float *d, const float *a, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v8f av = v8_load(a + i);
        v8_store(d + i, v8_load(d + i) * av * (1.0f - av));
    }
    for (; i < n; i++)
        d[i] *= a[i] * (1.0f - a[i]);
}

/*
 * Z (m x h) = Xs W^T from the sparse rows and W^T (n x hp, rows padded with
 * zeros to hp = pad8(h)).  Per sample, blocks of 32 outputs are accumulated
 * in four SIMD registers over the row's nonzeros.
 */
KERNEL_BODY void sparse_forward_body(const struct cospin_nn_sparse *xs, const float *wt, size_t h,
                                     float *z)
{
    const size_t hp = pad8(h);
    float tmp[32];
    for (size_t s = 0; s < xs->m; s++) {
        const size_t q0 = xs->rowptr[s], q1 = xs->rowptr[s + 1];
        float *zs = z + s * h;
        for (size_t j0 = 0; j0 < hp; j0 += 32) {
            size_t nv = (hp - j0) / 8 < 4 ? (hp - j0) / 8 : 4;
            v8f acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
            if (nv == 4) {
                /* Two nonzeros per step into two accumulator sets: the adds of one set
                   wait on each other (latency), the two sets overlap. */
                v8f bcc0 = {0}, bcc1 = {0}, bcc2 = {0}, bcc3 = {0};
                size_t q = q0;
                for (; q + 2 <= q1; q += 2) {
                    const float *wp = wt + (size_t)xs->col[q] * hp + j0;
                    const float *wp2 = wt + (size_t)xs->col[q + 1] * hp + j0;
                    const float c1 = xs->val[q], c2 = xs->val[q + 1];
                    const v8f v = {c1, c1, c1, c1, c1, c1, c1, c1};
                    const v8f v2 = {c2, c2, c2, c2, c2, c2, c2, c2};
                    acc0 += v * v8_load(wp);
                    acc1 += v * v8_load(wp + 8);
                    acc2 += v * v8_load(wp + 16);
                    acc3 += v * v8_load(wp + 24);
                    bcc0 += v2 * v8_load(wp2);
                    bcc1 += v2 * v8_load(wp2 + 8);
                    bcc2 += v2 * v8_load(wp2 + 16);
                    bcc3 += v2 * v8_load(wp2 + 24);
                }
                if (q < q1) {
                    const float *wp = wt + (size_t)xs->col[q] * hp + j0;
                    const float c1 = xs->val[q];
                    const v8f v = {c1, c1, c1, c1, c1, c1, c1, c1};
                    acc0 += v * v8_load(wp);
                    acc1 += v * v8_load(wp + 8);
                    acc2 += v * v8_load(wp + 16);
                    acc3 += v * v8_load(wp + 24);
                }
                acc0 += bcc0;
                acc1 += bcc1;
                acc2 += bcc2;
                acc3 += bcc3;
            } else {
                for (size_t q = q0; q < q1; q++) {
                    const float *wp = wt + (size_t)xs->col[q] * hp + j0;
                    const v8f v = {xs->val[q], xs->val[q], xs->val[q], xs->val[q],
                                   xs->val[q], xs->val[q], xs->val[q], xs->val[q]};
                    acc0 += v * v8_load(wp);
                    if (nv > 1)
                        acc1 += v * v8_load(wp + 8);
                    if (nv > 2)
                        acc2 += v * v8_load(wp + 16);
                }
            }
            v8_store(tmp, acc0);
            v8_store(tmp + 8, acc1);
            v8_store(tmp + 16, acc2);
            v8_store(tmp + 24, acc3);
            size_t nout = h - j0 < 32 ? h - j0 : 32;
            memcpy(zs + j0, tmp, nout * sizeof *zs);
        }
    }
}

/*
 * G^T (n x hp) = Xs^T D for D (m x h) from the column-major copy of Xs:
 * for each input p, blocks of 32 gradient entries are accumulated in four
 * SIMD registers over the samples where x_p != 0.  Rows of D are read 8
 * floats at a time up to hp, i.e. up to 7 floats past a row's end (into the
 * next row, or into the zeroed slack after the last row); those lanes land
 * in the padding columns of G^T, which are never read.
 */
KERNEL_BODY void sparse_grad_body(const struct cospin_nn_sparse *xs, const float *d, size_t h,
                                  float *gt)
{
    const size_t hp = pad8(h);
    for (size_t p = 0; p < xs->n; p++) {
        const size_t q0 = xs->colptr[p], q1 = xs->colptr[p + 1];
        float *gp = gt + p * hp;
        for (size_t j0 = 0; j0 < hp; j0 += 32) {
            size_t nv = (hp - j0) / 8 < 4 ? (hp - j0) / 8 : 4;
            v8f acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
            if (nv == 4) {
                v8f bcc0 = {0}, bcc1 = {0}, bcc2 = {0}, bcc3 = {0};
                size_t q = q0;
                for (; q + 2 <= q1; q += 2) {
                    const float *dp = d + (size_t)xs->row[q] * h + j0;
                    const float *dp2 = d + (size_t)xs->row[q + 1] * h + j0;
                    const float c1 = xs->cval[q], c2 = xs->cval[q + 1];
                    const v8f v = {c1, c1, c1, c1, c1, c1, c1, c1};
                    const v8f v2 = {c2, c2, c2, c2, c2, c2, c2, c2};
                    acc0 += v * v8_load(dp);
                    acc1 += v * v8_load(dp + 8);
                    acc2 += v * v8_load(dp + 16);
                    acc3 += v * v8_load(dp + 24);
                    bcc0 += v2 * v8_load(dp2);
                    bcc1 += v2 * v8_load(dp2 + 8);
                    bcc2 += v2 * v8_load(dp2 + 16);
                    bcc3 += v2 * v8_load(dp2 + 24);
                }
                if (q < q1) {
                    const float *dp = d + (size_t)xs->row[q] * h + j0;
                    const float c1 = xs->cval[q];
                    const v8f v = {c1, c1, c1, c1, c1, c1, c1, c1};
                    acc0 += v * v8_load(dp);
                    acc1 += v * v8_load(dp + 8);
                    acc2 += v * v8_load(dp + 16);
                    acc3 += v * v8_load(dp + 24);
                }
                acc0 += bcc0;
                acc1 += bcc1;
                acc2 += bcc2;
                acc3 += bcc3;
                v8_store(gp + j0, acc0);
                v8_store(gp + j0 + 8, acc1);
                v8_store(gp + j0 + 16, acc2);
                v8_store(gp + j0 + 24, acc3);
            } else {
                for (size_t q = q0; q < q1; q++) {
                    const float *dp = d + (size_t)xs->row[q] * h + j0;
                    const float c = xs->cval[q];
                    const v8f v = {c, c, c, c, c, c, c, c};
                    acc0 += v * v8_load(dp);
                    if (nv > 1)
                        acc1 += v * v8_load(dp + 8);
                    if (nv > 2)
                        acc2 += v * v8_load(dp + 16);
                }
                v8_store(gp + j0, acc0);
                if (nv > 1)
                    v8_store(gp + j0 + 8, acc1);
                if (nv > 2)
                    v8_store(gp + j0 + 16, acc2);
            }
        }
    }
}

#ifdef COSPIN_X86_DISPATCH
#define DISPATCH(name, params, args)                                                          \
    KERNEL_AVX2 void name##_avx2 params { name##_body args; }                                 \
    KERNEL_BASE void name##_base params { name##_body args; }                                 \
    static void name params                                                                   \
    {                                                                                         \
        if (have_avx2_fma())                                                                  \
            name##_avx2 args;                                                                 \
        else                                                                                  \
            name##_base args;                                                                 \
    }
#else
#define DISPATCH(name, params, args)                                                          \
    static void name params { name##_body args; }
#endif
DISPATCH(activate_block,
         (const float *z, const float *k, const float *c, size_t rows, size_t units, float *a),
         (z, k, c, rows, units, a))
DISPATCH(kc_grad,
         (float *d, const float *z, const float *k, const float *c, size_t m, size_t units,
          float *gk, float *gc),
         (d, z, k, c, m, units, gk, gc))
DISPATCH(sig_deriv, (float *d, const float *a, size_t n), (d, a, n))
#ifdef COSPIN_X86_DISPATCH
KERNEL_AVX2 double out_loss_avx2(const float *z, const float *a, const float *k, const float *c,
                                 const uint8_t *labels, size_t m, size_t no, float inv_m, float *d,
                                 size_t *ok)
{
    return out_loss_body(z, a, k, c, labels, m, no, inv_m, d, ok);
}
KERNEL_BASE double out_loss_base(const float *z, const float *a, const float *k, const float *c,
                                 const uint8_t *labels, size_t m, size_t no, float inv_m, float *d,
                                 size_t *ok)
{
    return out_loss_body(z, a, k, c, labels, m, no, inv_m, d, ok);
}
#endif
static double out_loss(const float *z, const float *a, const float *k, const float *c,
                       const uint8_t *labels, size_t m, size_t no, float inv_m, float *d,
                       size_t *ok)
{
#ifdef COSPIN_X86_DISPATCH
    if (have_avx2_fma())
        return out_loss_avx2(z, a, k, c, labels, m, no, inv_m, d, ok);
    return out_loss_base(z, a, k, c, labels, m, no, inv_m, d, ok);
#else
    return out_loss_body(z, a, k, c, labels, m, no, inv_m, d, ok);
#endif
}
DISPATCH(sparse_forward, (const struct cospin_nn_sparse *xs, const float *wt, size_t h, float *z),
         (xs, wt, h, z))
DISPATCH(sparse_grad, (const struct cospin_nn_sparse *xs, const float *d, size_t h, float *gt),
         (xs, d, h, gt))


int cospin_nn_forward_sp(const struct cospin_nn *nn, struct cospin_nn_work *work, const float *x,
                         const struct cospin_nn_sparse *xs, size_t m,
                         const struct cospin_nn_hooks *hooks, struct cospin_error *err)
{
    if (m > work->cap)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "batch of %zu samples exceeds the work space (%zu)", m, work->cap);
    if (work->n_layers != nn->n_layers)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "work space of %d layers for a network of %d", work->n_layers,
                                nn->n_layers);
    if (xs && (xs->m != m || xs->n != nn->n_units[0]))
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "sparse input is %zux%zu, expected %zux%zu", xs->m, xs->n, m,
                                nn->n_units[0]);
    const float *in = x;
    for (int l = 0; l < nn->n_layers; l++) {
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
        } else if (l == 0 && xs) {
            /* W^T with rows padded to pad8(rows) floats (the padding stays zero). */
            size_t hp = pad8(rows);
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < cols; c++)
                    work->wt[c * hp + r] = w[r * cols + c];
            sparse_forward(xs, work->wt, rows, z);
        } else {
            /* Z (m x rows) = X (m x cols) W^T. */
            cospin_sgemm(0, 1, m, rows, cols, 1.0f, in, cols, w, cols, 0.0f, z, rows);
        }
        work->hooked_act[l] = !hooks ? 0 : hooks->activation.activate_st ? 2
                                         : hooks->activation.activate ? 1 : 0;
        if (work->hooked_act[l] == 2) {
            int rc = hooks->activation.activate_st(hooks->activation.ctx, l, z, nn->k[l],
                                                   nn->c[l], rows, m, a, work->p[l], err);
            if (rc != 0)
                return rc;
        } else if (work->hooked_act[l]) {
            int rc = hooks->activation.activate(hooks->activation.ctx, l, z, nn->k[l], nn->c[l],
                                                rows, m, a, err);
            if (rc != 0)
                return rc;
        } else {
            activate_block(z, nn->k[l], nn->c[l], m, rows, a);
        }
        in = a;
    }
    return 0;
}

int cospin_nn_forward(const struct cospin_nn *nn, struct cospin_nn_work *work, const float *x,
                      size_t m, const struct cospin_nn_hooks *hooks, struct cospin_error *err)
{
    return cospin_nn_forward_sp(nn, work, x, NULL, m, hooks, err);
}

/*
 * -[y log a + (1-y) log(1-a)] from u = k (z + c) directly, which stays
 * finite when a rounds to 0 or 1 in float:  -log a = softplus(-u),
 * -log(1-a) = softplus(u).  Activations from a hook have no u; for them the
 * log is taken of a clamped into [1e-7, 1 - 1e-7].
 */


/* Smallest activation distance from 0 or 1 used in the log of hook outputs. */
#define LOG_CLAMP 1e-7

double cospin_nn_backward_sp(const struct cospin_nn *nn, struct cospin_nn_work *work,
                             const float *x, const struct cospin_nn_sparse *xs,
                             const uint8_t *labels, size_t m, size_t *correct,
                             struct cospin_nn *grad)
{
    const int lo = nn->n_layers - 1; /* the output layer */
    const size_t no = nn->n_units[lo + 1];
    const float *ko = nn->k[lo], *co = nn->c[lo];
    double loss = 0.0;
    size_t ok = 0;
    /* Output layer: with the cross-entropy of sigmoids, dJ/du_L = (a_L - y) / m. */
    const float inv_m = 1.0f / (float)m;
    const int hooked = work->hooked_act[lo];
    if (!hooked) {
        loss = out_loss(work->z[lo], work->a[lo], ko, co, labels, m, no, inv_m, work->d[lo], &ok);
    } else {
        /* Straight-through hooks: loss and gradient of the expectation, predictions of a. */
        const float *pe = hooked == 2 ? work->p[lo] : work->a[lo];
        for (size_t s = 0; s < m; s++) {
            const float *a = work->a[lo] + s * no, *p = pe + s * no;
            float *d = work->d[lo] + s * no;
            size_t best = 0;
            for (size_t j = 0; j < no; j++) {
                int y = labels[s] == j;
                double pj = fmin(fmax(p[j], LOG_CLAMP), 1.0 - LOG_CLAMP);
                loss += y ? -log(pj) : -log(1.0 - pj);
                d[j] = (p[j] - (float)y) * inv_m;
                if (a[j] > a[best])
                    best = j;
            }
            ok += best == labels[s];
        }
    }
    if (correct)
        *correct = ok;
    if (!grad)
        return loss / (double)m;

    /* Backward through the layers; d[l] holds dJ/du of layer l. */
    for (int l = lo; l >= 0; l--) {
        size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
        const float *k = nn->k[l], *c = nn->c[l];
        float *d = work->d[l];
        const float *z = work->z[l];
        float *gk = grad->k[l], *gc = grad->c[l];
        memset(gk, 0, rows * sizeof *gk);
        memset(gc, 0, rows * sizeof *gc);
        /* dJ/dk = sum_s dJ/du (z + c); dJ/dc = sum_s dJ/du k; then d becomes dJ/dz = dJ/du k. */
        kc_grad(d, z, k, c, m, rows, gk, gc);
        for (size_t j = 0; j < rows; j++)
            gc[j] *= k[j];
        if (l == 0 && xs) {
            /* dJ/dW1^T (cols x rows) = Xs^T D, then transposed into place. */
            size_t hp = pad8(rows);
            sparse_grad(xs, d, rows, work->gwt);
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < cols; i++)
                    grad->w[0][r * cols + i] = work->gwt[i * hp + r];
            break;
        }
        const float *in = l == 0 ? x : work->a[l - 1];
        /* dJ/dW (rows x cols) = D^T (rows x m) IN (m x cols). */
        cospin_sgemm(1, 0, rows, cols, m, 1.0f, d, rows, in, cols, 0.0f, grad->w[l], cols);
        if (l == 0)
            break;
        /* dJ/da of the layer below (m x cols) = D (m x rows) Weff (rows x cols); the effective
           weights are the ones the forward pass used (straight-through to w). */
        float *dprev = work->d[l - 1];
        cospin_sgemm(0, 0, m, cols, rows, 1.0f, d, rows, work->weff[l], cols, 0.0f, dprev, cols);
        /* dJ/du = dJ/da a (1 - a), of the expectation with a straight-through hook. */
        sig_deriv(dprev, work->hooked_act[l - 1] == 2 ? work->p[l - 1] : work->a[l - 1],
                  m * cols);
    }
    return loss / (double)m;
}

double cospin_nn_backward(const struct cospin_nn *nn, struct cospin_nn_work *work,
                          const float *x, const uint8_t *labels, size_t m, size_t *correct,
                          struct cospin_nn *grad)
{
    return cospin_nn_backward_sp(nn, work, x, NULL, labels, m, correct, grad);
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
