/*
 * check_nn.c -- the network of nn.c: gradients of Eq. 3.9-3.22 against
 * central finite differences, initialisation ranges, forward hooks, and
 * the sgemm wrapper against a naive product.
 */
#include <config.h>

#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "check_util.h"
#include "error.h"
#include "logistic.h"
#include "nn.h"

/* A small problem: N_IN inputs, N_H hidden, N_OUT outputs, M samples. */
#define N_IN 7
#define N_H 5
#define N_OUT 4
#define M 6

static void fill_problem(struct cospin_nn *nn, float *x, uint8_t *y, uint64_t seed)
{
    struct cospin_rng r;
    cospin_rng_seed(&r, seed, 0);
    struct cospin_nn_init init;
    cospin_nn_init_default(&init);
    cospin_nn_init_params(nn, &init, COSPIN_NN_KC, &r);
    for (int i = 0; i < M * N_IN; i++)
        x[i] = (float)cospin_rng_uniform(&r);
    for (int s = 0; s < M; s++)
        y[s] = (uint8_t)(cospin_rng_u64(&r) % N_OUT);
    /* Moderate k so that no unit is saturated and the finite differences see curvature. */
    for (int l = 0; l < nn->n_layers; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++)
            nn->k[l][j] = 0.5f + 0.25f * (float)j * (j % 2 ? -1.0f : 1.0f);
}

static double loss_of(struct cospin_nn *nn, struct cospin_nn_work *w, const float *x,
                      const uint8_t *y)
{
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, M, NULL, NULL), 0);
    return cospin_nn_backward(nn, w, x, y, M, NULL, NULL);
}

/*
 * Central difference of the loss in one float parameter.  The loss is
 * accumulated in double from float activations: its rounding noise is about
 * M*N_OUT * 6e-8 ~ 1.5e-6 relative to J ~ 1, so with a step h = 1e-2 the
 * difference quotient carries <= 1.5e-6 / (2h) ~ 1e-4 of noise; the
 * truncation error h^2 |J'''| / 6 is ~2e-5 for |J'''| <= 1.  Hence the
 * tolerance 3e-4 + 1e-2 |g|.
 */
static void check_param(struct cospin_nn *nn, struct cospin_nn_work *w, const float *x,
                        const uint8_t *y, float *p, float g, const char *what, size_t idx)
{
    const float h = 1e-2f;
    float save = *p;
    *p = save + h;
    double jp = loss_of(nn, w, x, y);
    *p = save - h;
    double jm = loss_of(nn, w, x, y);
    *p = save;
    double fd = (jp - jm) / (2.0 * (double)h);
    ck_assert_msg(fabs(fd - g) <= 3e-4 + 1e-2 * fabs(g), "%s[%zu]: analytic %.6g, FD %.6g", what,
                  idx, (double)g, fd);
}

/* The networks of the gradient check: the thesis's two layers, four layers, one layer. */
static struct cospin_nn *fd_network(int variant)
{
    static const size_t deep[5] = {N_IN, N_H, 6, 3, N_OUT}, one[2] = {N_IN, N_OUT};
    if (variant < 3)
        return cospin_nn_new(N_IN, N_H, N_OUT);
    return variant == 3 ? cospin_nn_new_layers(deep, 4) : cospin_nn_new_layers(one, 1);
}

START_TEST(test_gradients_fd)
{
    struct cospin_nn *nn = fd_network(_i);
    struct cospin_nn *g = fd_network(_i);
    struct cospin_nn_work *w = cospin_nn_work_new(nn, M);
    ck_assert_ptr_nonnull(w);
    float x[M * N_IN];
    uint8_t y[M];
    fill_problem(nn, x, y, 42 + (uint64_t)_i);
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, M, NULL, NULL), 0);
    double j0 = cospin_nn_backward(nn, w, x, y, M, NULL, g);
    ck_assert(isfinite(j0) && j0 > 0);
    double gmax = 0;
    for (int l = 0; l < nn->n_layers; l++) {
        char wn[16], kn[16], cn[16];
        /* The thesis's numbering: W1 feeds the units of layer 2, whose k2 and c2 they are. */
        snprintf(wn, sizeof wn, "W%d", l + 1);
        snprintf(kn, sizeof kn, "k%d", l + 2);
        snprintf(cn, sizeof cn, "c%d", l + 2);
        size_t nw = cospin_nn_weight_count(nn, l);
        for (size_t i = 0; i < nw; i++) {
            check_param(nn, w, x, y, &nn->w[l][i], g->w[l][i], wn, i);
            gmax = fmax(gmax, fabs(g->w[l][i]));
        }
        for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
            check_param(nn, w, x, y, &nn->k[l][j], g->k[l][j], kn, j);
            check_param(nn, w, x, y, &nn->c[l][j], g->c[l][j], cn, j);
        }
    }
    /* The check is not vacuous: some gradients are well above the tolerance. */
    ck_assert_msg(gmax > 1e-2, "largest weight gradient %g too small to test", gmax);
    /* The sparse path of layer 0 gives the same gradients up to the summation order
       (float rounding, ~1e-7 of the largest term). */
    struct cospin_nn *gs = fd_network(_i);
    struct cospin_nn_sparse xs = {0};
    ck_assert_int_eq(cospin_nn_sparse_fill(&xs, x, M, N_IN), 0);
    ck_assert_int_eq(cospin_nn_forward_sp(nn, w, x, &xs, M, NULL, NULL), 0);
    ck_assert_double_eq_tol(cospin_nn_backward_sp(nn, w, x, &xs, y, M, NULL, gs), j0, 1e-6);
    for (int l = 0; l < nn->n_layers; l++)
        for (size_t i = 0; i < cospin_nn_weight_count(nn, l); i++)
            ck_assert_float_eq_tol(gs->w[l][i], g->w[l][i], 1e-6f);
    cospin_nn_sparse_clear(&xs);
    cospin_nn_free(gs);
    cospin_nn_work_free(w);
    cospin_nn_free(nn);
    cospin_nn_free(g);
}
END_TEST

/* Layer lists: parsed, written back, and every malformed one refused with its reason. */
START_TEST(test_layers_text)
{
    size_t u[COSPIN_NN_MAX_LAYERS + 1];
    int L = 0;
    char buf[200];
    ck_assert_int_eq(cospin_nn_parse_layers("784,256,128,10", u, &L, NULL), 0);
    ck_assert_int_eq(L, 3);
    ck_assert_str_eq(cospin_nn_shape_text(u, L, buf, sizeof buf), "784-256-128-10");
    ck_assert_int_eq(cospin_nn_parse_layers("5,3", u, &L, NULL), 0);
    ck_assert_int_eq(L, 1);
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"784", "at least two sizes"},       {"784,0,10", "size 2 is not an integer"},
        {"784,,10", "size 2 is not"},        {"784;100;10", "unexpected ';' after size 1"},
        {"784,100,", "size 3 is not"},       {"-784,10", "size 1 is not"},
        {"784,1e2,10", "unexpected 'e'"},    {"", "size 1 is not"},
        {"1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", "more than 17 sizes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_nn_parse_layers(bad[i].text, u, &L, &err), COSPIN_ERR_PARSE);
        ck_assert_msg(strstr(err.msg, bad[i].why), "'%s': '%s' not in '%s'", bad[i].text,
                      bad[i].why, err.msg);
    }
    /* The most layers parse and build; one more does not. */
    ck_assert_int_eq(cospin_nn_parse_layers("1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", u, &L, NULL), 0);
    ck_assert_int_eq(L, COSPIN_NN_MAX_LAYERS);
    struct cospin_nn *nn = cospin_nn_new_layers(u, L);
    ck_assert_ptr_nonnull(nn);
    ck_assert_uint_eq(cospin_nn_outputs(nn), 1);
    cospin_nn_free(nn);
    ck_assert_ptr_null(cospin_nn_new_layers(u, COSPIN_NN_MAX_LAYERS + 1));
    ck_assert_ptr_null(cospin_nn_new_layers(u, 0));
}
END_TEST

/* The loss of Eq. 3.8 evaluated by hand for one sample with a 1-1-2 network. */
START_TEST(test_loss_by_hand)
{
    struct cospin_nn *nn = cospin_nn_new(1, 1, 2);
    struct cospin_nn_work *w = cospin_nn_work_new(nn, 1);
    nn->w[0][0] = 0.5f;
    nn->k[0][0] = 2.0f;
    nn->c[0][0] = -0.25f;
    nn->w[1][0] = 1.5f;
    nn->w[1][1] = -1.0f;
    nn->k[1][0] = 1.0f;
    nn->k[1][1] = 3.0f;
    nn->c[1][0] = 0.1f;
    nn->c[1][1] = 0.2f;
    float x = 0.8f;
    uint8_t y = 1;
    double a2 = 1 / (1 + exp(-2.0 * (0.5 * 0.8 - 0.25)));
    double a30 = 1 / (1 + exp(-1.0 * (1.5 * a2 + 0.1)));
    double a31 = 1 / (1 + exp(-3.0 * (-1.0 * a2 + 0.2)));
    double expect = -(log(1 - a30) + log(a31));
    ck_assert_int_eq(cospin_nn_forward(nn, w, &x, 1, NULL, NULL), 0);
    size_t ok = 9;
    double j = cospin_nn_backward(nn, w, &x, &y, 1, &ok, NULL);
    /* float32 activations: relative error of a few 1e-7. */
    ck_assert_rel(j, expect, 1e-5);
    ck_assert_uint_eq(ok, a31 > a30 ? 1 : 0);
    cospin_nn_work_free(w);
    cospin_nn_free(nn);
}
END_TEST

START_TEST(test_init_ranges)
{
    struct cospin_nn *nn = cospin_nn_new(784, 25, 10);
    struct cospin_rng r;
    cospin_rng_seed(&r, 7, 0);
    struct cospin_nn_init init;
    cospin_nn_init_default(&init);
    cospin_nn_init_params(nn, &init, COSPIN_NN_KC, &r);
    double lim = sqrt(6.0 / (784 + 25)), wmax = 0, s = 0, s2 = 0;
    size_t nw = cospin_nn_weight_count(nn, 0);
    for (size_t i = 0; i < nw; i++) {
        wmax = fmax(wmax, fabs(nn->w[0][i]));
        s += nn->w[0][i];
        s2 += (double)nn->w[0][i] * nn->w[0][i];
    }
    ck_assert(wmax <= lim);
    /* 19,600 uniform draws: the max is within lim * (1 - 1e-3) with probability
       1 - (1 - 1e-3)^19600 > 1 - 3e-9, and the sample variance lim^2/3 within 3 %
       (its relative standard error is sqrt(0.8/19600) = 0.64 %). */
    ck_assert(wmax > lim * (1 - 1e-3));
    ck_assert_rel(s2 / nw - (s / nw) * (s / nw), lim * lim / 3, 0.03);
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
            ck_assert(nn->k[l][j] >= -4 && nn->k[l][j] <= 4);
            ck_assert(nn->c[l][j] >= -1 && nn->c[l][j] <= 1);
        }
    cospin_nn_init_params(nn, &init, COSPIN_NN_BASELINE, &r);
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
            ck_assert(nn->k[l][j] == 1.0f);
            ck_assert(nn->c[l][j] == 0.0f);
        }
    cospin_nn_init_params(nn, &init, COSPIN_NN_K, &r);
    int neg = 0;
    for (size_t j = 0; j < 25; j++) {
        ck_assert(nn->c[0][j] == 0.0f);
        neg += nn->k[0][j] < 0;
    }
    /* k ~ U[-4, 4]: all 25 of one sign has probability 2^-24. */
    ck_assert(neg > 0 && neg < 25);
    cospin_nn_free(nn);
}
END_TEST

/* Effective-weight hook: returns 2 w; gradients must equal those of a network holding 2 w. */
struct twice {
    float buf[N_IN * N_H + N_H * N_OUT];
    int calls;
};

static const float *twice_w(void *ctx, int layer, const float *w, size_t n)
{
    struct twice *t = ctx;
    float *out = t->buf + (layer ? N_IN * N_H : 0);
    for (size_t i = 0; i < n; i++)
        out[i] = 2.0f * w[i];
    t->calls++;
    return out;
}

START_TEST(test_effective_weight_hook)
{
    struct cospin_nn *nn = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn *nn2 = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn *g = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn *g2 = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn_work *w = cospin_nn_work_new(nn, M);
    float x[M * N_IN];
    uint8_t y[M];
    fill_problem(nn, x, y, 5);
    cospin_nn_copy(nn2, nn);
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < cospin_nn_weight_count(nn, l); i++)
            nn2->w[l][i] *= 2.0f;
    struct twice t = {.calls = 0};
    struct cospin_nn_hooks hooks = {.weights = {twice_w, &t}};
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, M, &hooks, NULL), 0);
    ck_assert_int_eq(t.calls, 2);
    double j1 = cospin_nn_backward(nn, w, x, y, M, NULL, g);
    ck_assert_int_eq(cospin_nn_forward(nn2, w, x, M, NULL, NULL), 0);
    double j2 = cospin_nn_backward(nn2, w, x, y, M, NULL, g2);
    /* Identical float operations: exact equality. */
    ck_assert(j1 == j2);
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < cospin_nn_weight_count(nn, l); i++)
            ck_assert(g->w[l][i] == g2->w[l][i]);
    cospin_nn_work_free(w);
    cospin_nn_free(nn);
    cospin_nn_free(nn2);
    cospin_nn_free(g);
    cospin_nn_free(g2);
}
END_TEST

/* Forward-layer hook computing z = W x with naive loops (as a circuit would). */
static int naive_layer(void *ctx, int layer, const float *w, size_t rows, size_t cols,
                       const float *x, size_t batch, float *z, struct cospin_error *err)
{
    (void)err;
    int *calls = ctx;
    calls[layer]++;
    for (size_t s = 0; s < batch; s++)
        for (size_t r = 0; r < rows; r++) {
            double acc = 0;
            for (size_t c = 0; c < cols; c++)
                acc += (double)w[r * cols + c] * x[s * cols + c];
            z[s * rows + r] = (float)acc;
        }
    return 0;
}

static int failing_layer(void *ctx, int layer, const float *w, size_t rows, size_t cols,
                         const float *x, size_t batch, float *z, struct cospin_error *err)
{
    (void)ctx, (void)layer, (void)w, (void)rows, (void)cols, (void)x, (void)batch, (void)z;
    cospin_error_set(err, COSPIN_ERR_SIM, "circuit.cir", 3, "simulated failure");
    return COSPIN_ERR_SIM;
}

/* Activation hook: the analytic sigmoid, so results must match the built-in path. */
static int sig_act(void *ctx, int layer, const float *z, const float *k, const float *c,
                   size_t units, size_t batch, float *a, struct cospin_error *err)
{
    (void)ctx, (void)layer, (void)err;
    for (size_t s = 0; s < batch; s++)
        for (size_t j = 0; j < units; j++)
            a[s * units + j] = cospin_nn_sigmoid(k[j] * (z[s * units + j] + c[j]));
    return 0;
}

START_TEST(test_forward_hooks)
{
    struct cospin_nn *nn = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn *g = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn *g2 = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn_work *w = cospin_nn_work_new(nn, M);
    float x[M * N_IN];
    uint8_t y[M];
    fill_problem(nn, x, y, 9);
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, M, NULL, NULL), 0);
    double j1 = cospin_nn_backward(nn, w, x, y, M, NULL, g);
    int calls[2] = {0, 0};
    struct cospin_nn_hooks hooks = {.forward = {naive_layer, calls},
                                    .activation = {sig_act, NULL}};
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, M, &hooks, NULL), 0);
    ck_assert_int_eq(calls[0], 1);
    ck_assert_int_eq(calls[1], 1);
    double j2 = cospin_nn_backward(nn, w, x, y, M, NULL, g2);
    /* Double vs float accumulation of 7 products: relative differences of a few 1e-7. */
    ck_assert_rel(j2, j1, 1e-5);
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < cospin_nn_weight_count(nn, l); i++)
            ck_assert_close(g2->w[l][i], g->w[l][i], 1e-5);
    cospin_nn_work_free(w);
    cospin_nn_free(nn);
    cospin_nn_free(g);
    cospin_nn_free(g2);
}
END_TEST

START_TEST(test_sgemm_vs_naive)
{
    /* All four transpose combinations on odd sizes, beta 0 and 0.5. */
    const size_t m = 37, n = 29, k = 300;
    float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
    float *c = malloc(m * n * sizeof *c), *ref = malloc(m * n * sizeof *ref);
    struct cospin_rng r;
    cospin_rng_seed(&r, 3, 0);
    for (size_t i = 0; i < m * k; i++)
        a[i] = (float)cospin_rng_uniform(&r) - 0.5f;
    for (size_t i = 0; i < k * n; i++)
        b[i] = (float)cospin_rng_uniform(&r) - 0.5f;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int bi = 0; bi < 2; bi++) {
                float beta = bi ? 0.5f : 0.0f;
                for (size_t i = 0; i < m * n; i++)
                    c[i] = ref[i] = (float)i * 1e-3f;
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < n; j++) {
                        double s = 0;
                        for (size_t p = 0; p < k; p++) {
                            double av = ta ? a[p * m + i] : a[i * k + p];
                            double bv = tb ? b[j * k + p] : b[p * n + j];
                            s += av * bv;
                        }
                        ref[i * n + j] = (float)(1.5 * s + beta * ref[i * n + j]);
                    }
                cospin_sgemm(ta, tb, m, n, k, 1.5f, a, ta ? m : k, b, tb ? k : n, beta, c, n);
                /* 300 products of |x| <= 0.25 in float: error <= 300 * 0.25 * 6e-8 * 1.5 ~ 7e-6. */
                for (size_t i = 0; i < m * n; i++)
                    ck_assert_close(c[i], ref[i], 2e-5);
            }
    free(a);
    free(b);
    free(c);
    free(ref);
}
END_TEST

START_TEST(test_errors)
{
    ck_assert_ptr_null(cospin_nn_new(0, 3, 2));
    ck_assert_ptr_null(cospin_nn_new(3, 0, 2));
    cospin_nn_free(NULL);
    cospin_nn_work_free(NULL);
    struct cospin_nn *nn = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn *other = cospin_nn_new(N_IN + 1, N_H, N_OUT);
    ck_assert_int_eq(cospin_nn_copy(other, nn), COSPIN_ERR_INVALID);
    /* Another depth: copies refused, and a work space of it refused by the forward pass. */
    const size_t deep[4] = {N_IN, N_H, N_H, N_OUT};
    struct cospin_nn *three = cospin_nn_new_layers(deep, 3);
    ck_assert_int_eq(cospin_nn_copy(three, nn), COSPIN_ERR_INVALID);
    struct cospin_nn_work *w3 = cospin_nn_work_new(three, 2);
    float x3[2 * N_IN] = {0};
    struct cospin_error e3 = {0};
    ck_assert_int_eq(cospin_nn_forward(nn, w3, x3, 2, NULL, &e3), COSPIN_ERR_INTERNAL);
    ck_assert_ptr_nonnull(strstr(e3.msg, "work space of 3 layers for a network of 2"));
    cospin_nn_work_free(w3);
    cospin_nn_free(three);
    ck_assert_ptr_null(cospin_nn_work_new(nn, 0));
    struct cospin_nn_work *w = cospin_nn_work_new(nn, 2);
    float x[M * N_IN] = {0};
    struct cospin_error err = {0};
    /* More samples than the work space holds. */
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, 3, NULL, &err), COSPIN_ERR_INTERNAL);
    /* A failing circuit hook: its error comes back unchanged. */
    cospin_error_clear(&err);
    struct cospin_nn_hooks hooks = {.forward = {failing_layer, NULL}};
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, 2, &hooks, &err), COSPIN_ERR_SIM);
    ck_assert_int_eq(err.line, 3);
    ck_assert_str_eq(err.file, "circuit.cir");
    /* A QAT hook returning NULL. */
    cospin_error_clear(&err);
    struct cospin_nn_hooks h2 = {.weights = {NULL, NULL}};
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, 2, &h2, &err), 0);
    cospin_nn_work_free(w);
    cospin_nn_free(nn);
    cospin_nn_free(other);
}
END_TEST

static const float *null_w(void *ctx, int layer, const float *w, size_t n)
{
    (void)ctx, (void)layer, (void)w, (void)n;
    return NULL;
}

START_TEST(test_null_effective_weights)
{
    struct cospin_nn *nn = cospin_nn_new(N_IN, N_H, N_OUT);
    struct cospin_nn_work *w = cospin_nn_work_new(nn, 2);
    float x[2 * N_IN] = {0};
    struct cospin_error err = {0};
    struct cospin_nn_hooks h = {.weights = {null_w, NULL}};
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, 2, &h, &err), COSPIN_ERR_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, "NULL"));
    cospin_nn_work_free(w);
    cospin_nn_free(nn);
}
END_TEST


/* cospin_nn_exp against the libm exp in double over the clamp range. */
START_TEST(test_fast_exp)
{
    double worst = 0;
    for (int i = 0; i <= 200000; i++) {
        float x = -87.0f + 175.0f * (float)i / 200000.0f;
        double ref = exp((double)x);
        double rel = fabs((double)cospin_nn_exp(x) - ref) / ref;
        if (rel > worst)
            worst = rel;
    }
    /* Cephes expf: ~1.2e-7 with float arithmetic; 3e-7 leaves room for the rounding of x. */
    ck_assert_msg(worst < 3e-7, "worst relative error %g", worst);
    ck_assert(cospin_nn_exp(-1000.0f) > 0 && cospin_nn_exp(-1000.0f) < 1e-37f);
    ck_assert(isfinite(cospin_nn_exp(1000.0f)));
}
END_TEST

/*
 * The sparse layer-0 kernels against the dense sgemm path: hidden sizes 5
 * (one partial SIMD block), 25 (four vectors with padding) and 37 (two
 * blocks); inputs ~80 % zeros with some all-zero rows.  Both paths add the
 * same products in a different order, so they agree to float rounding:
 * 784 terms of |x w| <= 0.1 give |error| <= 784 * 0.1 * 6e-8 ~ 5e-6.
 */
START_TEST(test_sparse_vs_dense)
{
    const size_t hs[3] = {5, 25, 37};
    size_t h = hs[_i];
    const size_t n_in = 784, m = 40;
    struct cospin_nn *nn = cospin_nn_new(n_in, h, 10);
    struct cospin_nn *g1 = cospin_nn_new(n_in, h, 10), *g2 = cospin_nn_new(n_in, h, 10);
    struct cospin_nn_work *w = cospin_nn_work_new(nn, m);
    struct cospin_rng r;
    cospin_rng_seed(&r, 100 + (uint64_t)_i, 0);
    struct cospin_nn_init init;
    cospin_nn_init_default(&init);
    cospin_nn_init_params(nn, &init, COSPIN_NN_KC, &r);
    float *x = calloc(m * n_in, sizeof *x);
    uint8_t y[40];
    for (size_t s = 0; s < m; s++) {
        y[s] = (uint8_t)(s % 10);
        if (s % 7 == 3)
            continue; /* an all-zero image */
        for (size_t j = 0; j < n_in; j++)
            if (cospin_rng_uniform(&r) < 0.2)
                x[s * n_in + j] = (float)cospin_rng_uniform(&r);
    }
    struct cospin_nn_sparse sp = {0};
    ck_assert_int_eq(cospin_nn_sparse_fill(&sp, x, m, n_in), 0);
    ck_assert(cospin_nn_density(x, m, n_in) > 0.1 && cospin_nn_density(x, m, n_in) < 0.3);
    ck_assert_int_eq(cospin_nn_forward(nn, w, x, m, NULL, NULL), 0);
    double j1 = cospin_nn_backward(nn, w, x, y, m, NULL, g1);
    float *z1 = malloc(m * h * sizeof *z1);
    memcpy(z1, w->z[0], m * h * sizeof *z1);
    ck_assert_int_eq(cospin_nn_forward_sp(nn, w, x, &sp, m, NULL, NULL), 0);
    for (size_t i = 0; i < m * h; i++)
        ck_assert_close(w->z[0][i], z1[i], 1e-5);
    double j2 = cospin_nn_backward_sp(nn, w, x, &sp, y, m, NULL, g2);
    ck_assert_rel(j2, j1, 1e-5);
    double gmax = 0;
    for (size_t i = 0; i < cospin_nn_weight_count(nn, 0); i++) {
        ck_assert_close(g2->w[0][i], g1->w[0][i], 1e-6);
        gmax = fmax(gmax, fabs(g1->w[0][i]));
    }
    ck_assert(gmax > 1e-4); /* the comparison is not between zeros */
    /* Refill with another matrix reuses the arrays. */
    ck_assert_int_eq(cospin_nn_sparse_fill(&sp, x, m / 2, n_in), 0);
    ck_assert_uint_eq(sp.m, m / 2);
    ck_assert_uint_eq(sp.colptr[n_in], sp.rowptr[m / 2]);
    cospin_nn_sparse_clear(&sp);
    cospin_nn_sparse_clear(&sp);
    free(x);
    free(z1);
    cospin_nn_work_free(w);
    cospin_nn_free(nn);
    cospin_nn_free(g1);
    cospin_nn_free(g2);
}
END_TEST

/* The float logistic of the network: exact at 0 and +-1000 without an
   overflow, and within 2 float ulp (2.4e-7 relative) of the double one. */
START_TEST(test_sigmoid_float)
{
    volatile float big = 1000.0f; /* not folded at compile time */
    feclearexcept(FE_ALL_EXCEPT);
    ck_assert_float_eq(cospin_nn_sigmoid(0.0f), 0.5f);
    ck_assert_float_eq(cospin_nn_sigmoid(big), 1.0f);
    ck_assert_float_eq(cospin_nn_sigmoid(-big), 0.0f);
    ck_assert(!fetestexcept(FE_OVERFLOW));
    for (float u = -20.0f; u <= 20.0f; u += 0.25f)
        ck_assert_rel(cospin_nn_sigmoid(u), cospin_logistic(u), 2.4e-7);
}
END_TEST

static Suite *suite_nn(void)
{
    Suite *s = suite_create("nn");
    TCase *core = tcase_create("core");
    tcase_add_loop_test(core, test_gradients_fd, 0, 5);
    tcase_add_test(core, test_layers_text);
    tcase_add_test(core, test_loss_by_hand);
    tcase_add_test(core, test_init_ranges);
    tcase_add_test(core, test_effective_weight_hook);
    tcase_add_test(core, test_forward_hooks);
    tcase_add_test(core, test_sgemm_vs_naive);
    tcase_add_test(core, test_fast_exp);
    tcase_add_test(core, test_sigmoid_float);
    tcase_add_loop_test(core, test_sparse_vs_dense, 0, 3);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_errors);
    tcase_add_test(errors, test_null_effective_weights);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_nn)
