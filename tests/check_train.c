/*
 * check_train.c -- the training loop (train.c), its hooks and checkpoints,
 * the model XML, and the device-aware neuron map (neuron_map.c), on a
 * synthetic 10-class problem generated here (no dataset files needed).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "characterize.h"
#include "check_util.h"
#include "error.h"
#include "log.h"
#include "neuron_map.h"
#include "train.h"

#define N_IN 64
#define N_TRAIN 600
#define N_TEST 300

#define TABLE_SYNTH COSPIN_TEST_SRCDIR "/data/neuron_table_synth.csv"
#define TABLE_1KU COSPIN_TEST_SRCDIR "/data/neuron_table_1ku.csv"

/*
 * Ten classes, each a random prototype in [0, 1]^64; a sample is its
 * prototype plus uniform noise of +-0.35 per pixel, clipped to [0, 1].  Two
 * prototypes differ by ~ sqrt(64/6) = 3.3 in Euclidean distance while the
 * noise has norm ~ 0.35 sqrt(64/3) = 1.6, so the classes are separable
 * and a working trainer reaches > 90 % where chance is 10 %.
 */
struct problem {
    struct cospin_train_data train, test;
    uint8_t ytrain[N_TRAIN], ytest[N_TEST];
};

static void make_problem(struct problem *p, uint64_t seed)
{
    memset(p, 0, sizeof *p);   /* n_classes 0: 1 + the largest label */
    struct cospin_rng r;
    cospin_rng_seed(&r, seed, 0);
    float proto[10][N_IN];
    for (int c = 0; c < 10; c++)
        for (int i = 0; i < N_IN; i++)
            proto[c][i] = (float)cospin_rng_uniform(&r);
    struct cospin_train_data *d[2] = {&p->train, &p->test};
    uint8_t *y[2] = {p->ytrain, p->ytest};
    size_t n[2] = {N_TRAIN, N_TEST};
    for (int s = 0; s < 2; s++) {
        d[s]->n = n[s];
        d[s]->n_in = N_IN;
        d[s]->x = malloc(n[s] * N_IN * sizeof(float));
        for (size_t k = 0; k < n[s]; k++) {
            int c = (int)(k % 10);
            y[s][k] = (uint8_t)c;
            for (int i = 0; i < N_IN; i++) {
                float v = proto[c][i] + 0.7f * ((float)cospin_rng_uniform(&r) - 0.5f);
                d[s]->x[k * N_IN + i] = v < 0 ? 0 : v > 1 ? 1 : v;
            }
        }
        d[s]->labels = y[s];
    }
}

static void free_problem(struct problem *p)
{
    free(p->train.x);
    free(p->test.x);
}

static void quiet_opts(struct cospin_train_opts *o)
{
    cospin_train_opts_init(o);
    o->hidden = 12;
    o->iters = 150;
    o->lr = 0.3;
    o->show_progress = 0;
    o->blas_threads = 1;
    o->eval_every = 50;
}

static double train_acc_of(struct problem *p, struct cospin_train_opts *o, struct cospin_nn **nn_out)
{
    struct cospin_nn *nn = NULL;
    struct cospin_train_result res;
    struct cospin_error err = {0};
    int rc = cospin_train_run(&p->train, &p->test, o, &nn, &res, &err);
    ck_assert_msg(rc == 0, "train: %s", err.msg);
    ck_assert_int_eq(res.n_history, o->iters);
    double acc = res.final_test_acc;
    cospin_train_result_clear(&res);
    if (nn_out)
        *nn_out = nn;
    else
        cospin_nn_free(nn);
    return acc;
}

START_TEST(test_modes_learn)
{
    /* _i: 0 baseline, 1 kc, 2 k; full batch and mini-batch. */
    struct problem p;
    make_problem(&p, 11);
    for (int b = 0; b < 2; b++) {
        struct cospin_train_opts o;
        quiet_opts(&o);
        o.mode = (enum cospin_nn_mode)_i;
        o.batch = b ? 50 : 0;
        if (_i == COSPIN_NN_BASELINE)
            o.lr = 1.0; /* k = 1 learns more slowly than trained k */
        struct cospin_nn *nn;
        double acc = train_acc_of(&p, &o, &nn);
        /* 300 test samples: at a true accuracy of 0.97 the standard error is 1 %, so
           0.85 is 12 standard errors away; an untrained network sits at 0.10. */
        ck_assert_msg(acc > 0.85, "mode %d batch %zu: test accuracy %.3f", _i, o.batch, acc);
        for (int l = 0; l < nn->n_layers; l++)
            for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
                if (o.mode == COSPIN_NN_BASELINE)
                    ck_assert(nn->k[l][j] == 1.0f);
                if (o.mode != COSPIN_NN_KC)
                    ck_assert(nn->c[l][j] == 0.0f);
            }
        cospin_nn_free(nn);
    }
    free_problem(&p);
}
END_TEST

/*
 * The sparse input path of the trainer (density < 0.35): prototypes with
 * 80 % zero pixels and noise only on the others, as in MNIST.  Full batch and
 * mini-batch (the batch is converted every iteration) must both learn.
 */
START_TEST(test_sparse_inputs_learn)
{
    struct problem p;
    make_problem(&p, 21);
    struct cospin_rng r;
    cospin_rng_seed(&r, 22, 0);
    uint8_t mask[10][N_IN];
    for (int c = 0; c < 10; c++)
        for (int i = 0; i < N_IN; i++)
            mask[c][i] = cospin_rng_uniform(&r) < 0.2;
    struct cospin_train_data *d[2] = {&p.train, &p.test};
    for (int s = 0; s < 2; s++)
        for (size_t k = 0; k < d[s]->n; k++)
            for (int i = 0; i < N_IN; i++)
                if (!mask[d[s]->labels[k]][i])
                    d[s]->x[k * N_IN + i] = 0.0f;
    ck_assert(cospin_nn_density(p.train.x, N_TRAIN, N_IN) < 0.3);
    for (int b = 0; b < 2; b++) {
        struct cospin_train_opts o;
        quiet_opts(&o);
        o.batch = b ? 50 : 0;
        double acc = train_acc_of(&p, &o, NULL);
        /* Same bound as test_modes_learn: 300 test samples, chance 0.10. */
        ck_assert_msg(acc > 0.85, "batch %zu: test accuracy %.3f", o.batch, acc);
    }
    free_problem(&p);
}
END_TEST

START_TEST(test_k_range_and_fixed_k)
{
    struct problem p;
    make_problem(&p, 12);
    struct cospin_train_opts o;
    quiet_opts(&o);
    o.mode = COSPIN_NN_K;
    o.k_min = 0.37f; /* the SOT neuron's range (thesis ch. 4) */
    o.k_max = 1.28f;
    o.init.k_lo = 0.37;
    o.init.k_hi = 1.28;
    o.lr = 1.0;
    struct cospin_nn *nn;
    double acc = train_acc_of(&p, &o, &nn);
    ck_assert(acc > 0.8);
    int at_edge = 0;
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
            ck_assert(nn->k[l][j] >= 0.37f && nn->k[l][j] <= 1.28f);
            at_edge += nn->k[l][j] == 0.37f || nn->k[l][j] == 1.28f;
        }
    /* The clamp was exercised: with lr 1 some k run into the bounds. */
    ck_assert_int_gt(at_edge, 0);
    cospin_nn_free(nn);
    /* Fixed k = 0.89 (21 ML SOT-N) in mode baseline. */
    quiet_opts(&o);
    o.mode = COSPIN_NN_BASELINE;
    o.baseline_k = 0.89f;
    o.iters = 5;
    train_acc_of(&p, &o, &nn);
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++)
            ck_assert(nn->k[l][j] == 0.89f);
    cospin_nn_free(nn);
    free_problem(&p);
}
END_TEST

/* Weight-update hooks. */
struct upd {
    int calls;
    int stop_after;                 /* set *stop after this many calls (0 = never) */
    volatile sig_atomic_t *stop;
    int mode;                       /* 0 exact, 1 frozen (no change), 2 fail */
};

static int upd_apply(void *ctx, int layer, float *w, const float *dw, size_t n,
                     struct cospin_error *err)
{
    struct upd *u = ctx;
    u->calls++;
    ck_assert(layer >= 0 && layer < 3);
    if (u->mode == 2)
        return cospin_error_set(err, COSPIN_ERR_INVALID, "device.xml", 7, "device refused");
    if (u->mode == 0)
        for (size_t i = 0; i < n; i++)
            w[i] += dw[i];
    if (u->stop_after && u->calls == u->stop_after)
        *u->stop = 1;
    return 0;
}

static void assert_same_nn(const struct cospin_nn *a, const struct cospin_nn *b)
{
    ck_assert_int_eq(a->n_layers, b->n_layers);
    for (int l = 0; l < a->n_layers; l++) {
        ck_assert(memcmp(a->w[l], b->w[l], cospin_nn_weight_count(a, l) * sizeof(float)) == 0);
        ck_assert(memcmp(a->k[l], b->k[l], a->n_units[l + 1] * sizeof(float)) == 0);
        ck_assert(memcmp(a->c[l], b->c[l], a->n_units[l + 1] * sizeof(float)) == 0);
    }
}

START_TEST(test_weight_update_hook)
{
    struct problem p;
    make_problem(&p, 13);
    struct cospin_train_opts o;
    quiet_opts(&o);
    o.iters = 20;
    struct cospin_nn *plain, *hooked, *frozen;
    train_acc_of(&p, &o, &plain);
    /* Exact realisation: w += (-lr g) is the same float operation as w -= lr g. */
    struct upd u = {0};
    o.weight_update.apply = upd_apply;
    o.weight_update.ctx = &u;
    train_acc_of(&p, &o, &hooked);
    ck_assert_int_eq(u.calls, 2 * 20);
    assert_same_nn(plain, hooked);
    /* A device that never moves: the weights stay at their initial values. */
    struct upd f = {.mode = 1};
    o.weight_update.ctx = &f;
    train_acc_of(&p, &o, &frozen);
    struct cospin_nn *init = cospin_nn_new(N_IN, 12, 10);
    struct cospin_rng r;
    cospin_rng_seed(&r, o.seed, COSPIN_NN_STREAM_INIT); /* as cospin_train_run */
    cospin_nn_init_params(init, &o.init, o.mode, &r);
    for (int l = 0; l < 2; l++)
        ck_assert(memcmp(init->w[l], frozen->w[l],
                         cospin_nn_weight_count(init, l) * sizeof(float)) == 0);
    cospin_nn_free(plain);
    cospin_nn_free(hooked);
    cospin_nn_free(frozen);
    cospin_nn_free(init);
    free_problem(&p);
}
END_TEST

/* A gradient hook that counts its calls and zeroes (mode 1) or keeps (mode 0) the gradient. */
struct gh {
    int calls, mode;
};

static int gh_transform(void *ctx, int layer, const float *w, float *grad_w, size_t n,
                        struct cospin_error *err)
{
    (void)err;
    struct gh *g = ctx;
    g->calls++;
    ck_assert(layer == 0 || layer == 1);
    ck_assert_ptr_nonnull(w);
    if (g->mode == 1)
        memset(grad_w, 0, n * sizeof *grad_w);
    return 0;
}

/*
 * Fine-tuning and circuit-aware pieces of the loop: init_net replaces the
 * random start, the gradient hook runs once per layer and iteration and what
 * it returns is what the step uses, xbar_w_max clamps the weights at the
 * start and after every step and model.xml records it.
 */
START_TEST(test_init_net_grad_hook_clamp)
{
    struct problem p;
    make_problem(&p, 17);
    struct cospin_train_opts o;
    quiet_opts(&o);
    o.iters = 30;
    struct cospin_nn *start, *same, *tuned;
    train_acc_of(&p, &o, &start);
    /* A zero gradient from the hook: the weights stay those of init_net. */
    struct gh g = {0, 1};
    o.init_net = start;
    o.iters = 4;
    o.weight_grad.transform = gh_transform;
    o.weight_grad.ctx = &g;
    o.mode = COSPIN_NN_BASELINE;   /* and k, c untouched too */
    o.baseline_k = 1.0f;
    train_acc_of(&p, &o, &same);
    ck_assert_int_eq(g.calls, 2 * 4);
    for (int l = 0; l < 2; l++)
        ck_assert(memcmp(start->w[l], same->w[l],
                         cospin_nn_weight_count(start, l) * sizeof(float)) == 0);
    /* The clamp: every |w| <= xbar_w_max, some at it, and model.xml records it. */
    g.mode = 0;
    o.mode = COSPIN_NN_KC;
    o.xbar_w_max = 0.05;
    o.xbar_desc = "test <circuit> & \"quotes\"";
    train_acc_of(&p, &o, &tuned);
    int at = 0;
    for (int l = 0; l < 2; l++)
        for (size_t k = 0; k < cospin_nn_weight_count(tuned, l); k++) {
            ck_assert_float_le(fabsf(tuned->w[l][k]), 0.05f);
            at += fabsf(tuned->w[l][k]) == 0.05f;
        }
    ck_assert_int_gt(at, 0);
    char path[] = "/tmp/cospin-check-model-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    ck_assert_int_eq(cospin_train_save_model(path, tuned, &o, "synthetic", NULL, NULL), 0);
    FILE *f = fopen(path, "r");
    char line[512];
    int rec = 0;
    while (fgets(line, sizeof line, f)) {
        const char *x = strstr(line, "<crossbar w_max=\"");
        if (!x)
            continue;
        ck_assert_double_eq(strtod(x + 17, NULL), 0.05);   /* %.17g: the double itself */
        rec += strstr(line, "circuit=\"test &lt;circuit&gt; &amp; &quot;quotes&quot;\"/>") != NULL;
    }
    fclose(f);
    ck_assert_int_eq(rec, 1);
    unlink(path);
    /* An initial network of another shape. */
    o.hidden = 13;
    struct cospin_nn *nn = NULL;
    struct cospin_train_result res;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &nn, &res, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "initial network"));
    o.hidden = 12;
    o.xbar_w_max = -1;
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &nn, &res, NULL), COSPIN_ERR_INVALID);
    cospin_nn_free(start);
    cospin_nn_free(same);
    cospin_nn_free(tuned);
    free_problem(&p);
}
END_TEST

/* A network of three weight layers learns the problem too, and its shape is the requested. */
START_TEST(test_deep_learns)
{
    struct problem p;
    make_problem(&p, 12);
    struct cospin_train_opts o;
    quiet_opts(&o);
    o.n_layers = 3;
    o.layers[0] = N_IN, o.layers[1] = 16, o.layers[2] = 12, o.layers[3] = 10;
    o.batch = 50;
    o.iters = 300;
    o.lr = 0.5;
    struct cospin_nn *nn;
    double acc = train_acc_of(&p, &o, &nn);
    /* As test_modes_learn: 300 test samples, chance 0.10. */
    ck_assert_msg(acc > 0.85, "64-16-12-10: test accuracy %.3f", acc);
    ck_assert_int_eq(nn->n_layers, 3);
    ck_assert_uint_eq(nn->n_units[2], 12);
    char hidden[64];
    ck_assert_str_eq(cospin_train_hidden_text(&o, hidden, sizeof hidden), "16-12");
    cospin_nn_free(nn);
    free_problem(&p);
}
END_TEST

/* The update hook of test_resume_times: upd_apply, slowed down by `sleep_us`
   per call, so that the part before the interrupt takes long. */
struct slow_upd {
    struct upd u;
    unsigned sleep_us;
};

static int slow_apply(void *ctx, int layer, float *w, const float *dw, size_t n,
                      struct cospin_error *err)
{
    struct slow_upd *s = ctx;
    if (s->sleep_us)
        usleep(s->sleep_us);
    return upd_apply(&s->u, layer, w, dw, n, err);
}

/* After a resume, cpu_s and wall_s cover the whole run, the part before the
   interrupt included (they counted only the resumed part): a slow first part
   of 28 iterations (~0.56 s) and a quick resumed one of 2. */
START_TEST(test_resume_times)
{
    struct problem p;
    make_problem(&p, 14);
    char ck[] = "/tmp/cospin-check-train-XXXXXX";
    int fd = mkstemp(ck);
    close(fd);
    unlink(ck);
    struct cospin_train_opts o;
    quiet_opts(&o);
    o.iters = 30;
    volatile sig_atomic_t stop = 0;
    struct slow_upd s = {.u = {.stop_after = 56, .stop = &stop}, .sleep_us = 10000};
    o.weight_update.apply = slow_apply;
    o.weight_update.ctx = &s;
    o.stop = &stop;
    o.checkpoint_path = ck;
    struct cospin_nn *nn = NULL;
    struct cospin_train_result r1, r2;
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &nn, &r1, NULL),
                     COSPIN_ERR_INTERRUPTED);
    ck_assert_int_eq(r1.iters_done, 28);
    ck_assert(r1.wall_s >= 0.5);   /* 56 calls of 10 ms */
    cospin_nn_free(nn);
    stop = 0;
    s.u.stop_after = 0;
    s.sleep_us = 0;
    o.resume = 1;
    double t0 = cospin_now_s();
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &nn, &r2, NULL), 0);
    double resumed_s = cospin_now_s() - t0;
    ck_assert_int_eq(r2.resumed_from, 28);
    /* r1's time (what its checkpoint records) plus this call's. */
    ck_assert_msg(r2.wall_s >= r1.wall_s && r2.wall_s <= r1.wall_s + resumed_s + 1e-6,
                  "wall %g s after a resume, %g s before it, %g s resumed", r2.wall_s, r1.wall_s,
                  resumed_s);
    ck_assert_msg(r2.cpu_s >= r1.cpu_s, "cpu %g s after a resume, %g s before", r2.cpu_s,
                  r1.cpu_s);
    cospin_nn_free(nn);
    cospin_train_result_clear(&r1);
    cospin_train_result_clear(&r2);
    unlink(ck);
    free_problem(&p);
}
END_TEST

START_TEST(test_checkpoint_resume)
{
    /* _i = 0 full batch, 1 mini-batch (epoch permutations must be reproduced), 2 mini-batch
       of a 3-layer network (the checkpoint format of other depths). */
    struct problem p;
    make_problem(&p, 14);
    char ck[] = "/tmp/cospin-check-train-XXXXXX";
    int fd = mkstemp(ck);
    close(fd);
    unlink(ck);
    struct cospin_train_opts o;
    quiet_opts(&o);
    o.iters = 30;
    o.batch = _i ? 70 : 0;
    o.eval_every = 7;
    if (_i == 2) {
        o.n_layers = 3;
        o.layers[0] = N_IN, o.layers[1] = 12, o.layers[2] = 8, o.layers[3] = 10;
    }
    const long calls = _i == 2 ? 3 : 2;   /* weight-update calls per iteration */
    struct cospin_nn *ref;
    struct cospin_train_result rref;
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &ref, &rref, NULL), 0);
    /* Interrupted after 12 iterations (a hook call per layer and iteration). */
    volatile sig_atomic_t stop = 0;
    struct upd u = {.stop_after = 12 * calls, .stop = &stop};
    o.weight_update.apply = upd_apply;
    o.weight_update.ctx = &u;
    o.stop = &stop;
    o.checkpoint_path = ck;
    struct cospin_nn *part = NULL;
    struct cospin_train_result r1;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &part, &r1, &err),
                     COSPIN_ERR_INTERRUPTED);
    ck_assert_ptr_nonnull(part);
    ck_assert_int_eq(r1.iters_done, 12);
    ck_assert_ptr_nonnull(strstr(err.msg, "resume"));
    cospin_nn_free(part);
    cospin_train_result_clear(&r1);
    /* Resume to the end. */
    stop = 0;
    u.stop_after = 0;
    o.resume = 1;
    struct cospin_nn *done;
    struct cospin_train_result r2;
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &done, &r2, NULL), 0);
    ck_assert_int_eq(r2.resumed_from, 12);
    ck_assert_int_eq(r2.n_history, 30);
    assert_same_nn(ref, done);
    for (long i = 0; i < 30; i++) {
        ck_assert(r2.history[i].loss == rref.history[i].loss);
        ck_assert(r2.history[i].iter == i + 1);
        ck_assert(isnan(rref.history[i].test_acc) == isnan(r2.history[i].test_acc));
    }
    ck_assert(r2.final_test_acc == rref.final_test_acc);
    /* A checkpoint of another run is refused. */
    o.seed = 99;
    struct cospin_train_result r3;
    struct cospin_nn *other = NULL;
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &other, &r3, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(other);
    ck_assert_ptr_nonnull(strstr(err.msg, "another run"));
    cospin_train_result_clear(&r3);
    /* A corrupted checkpoint is detected. */
    o.seed = 1;
    FILE *f = fopen(ck, "r+b");
    fseek(f, 200, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    cospin_error_clear(&err);
    struct cospin_nn *bad = NULL;
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &bad, &r3, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_null(bad);
    cospin_train_result_clear(&r3);
    unlink(ck);
    cospin_nn_free(ref);
    cospin_nn_free(done);
    cospin_train_result_clear(&rref);
    cospin_train_result_clear(&r2);
    free_problem(&p);
}
END_TEST

START_TEST(test_model_roundtrip)
{
    struct problem p;
    make_problem(&p, 15);
    struct cospin_train_opts o;
    quiet_opts(&o);
    o.iters = 3;
    struct cospin_neuron_map_opts mo;
    cospin_neuron_map_opts_init(&mo);
    struct cospin_neuron_map *map = NULL;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &map, NULL), 0);
    o.neuron_map = map;
    struct cospin_nn *nn, *back;
    train_acc_of(&p, &o, &nn);
    char path[] = "/tmp/cospin-check-model-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    ck_assert_int_eq(cospin_train_save_model(path, nn, &o, "synthetic", map, NULL), 0);
    enum cospin_nn_mode mode = COSPIN_NN_BASELINE;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_train_load_model(path, &back, &mode, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(mode, COSPIN_NN_K); /* the device level trains k only */
    assert_same_nn(nn, back); /* %.9g round-trips every float exactly */
    /* The pulse settings are there, one per neuron. */
    FILE *f = fopen(path, "r");
    char line[512];
    int pulses = 0;
    while (fgets(line, sizeof line, f))
        pulses += strstr(line, "<neuron index=") != NULL && strstr(line, "width_s=") != NULL;
    fclose(f);
    ck_assert_int_eq(pulses, 12 + 10);
    unlink(path);
    cospin_nn_free(nn);
    cospin_nn_free(back);
    cospin_neuron_map_free(map);
    free_problem(&p);
}
END_TEST

START_TEST(test_neuron_map)
{
    struct cospin_neuron_map_opts mo;
    cospin_neuron_map_opts_init(&mo);
    struct cospin_neuron_map *m;
    struct cospin_error err = {0};
    /* Width mode at the smallest Ku: the table's own points, c coupled to k. */
    mo.mode = COSPIN_DEVICE_WIDTH;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, &err), 0);
    ck_assert_uint_eq(m->n, 6);
    ck_assert_close(m->k_min, 1.3, 1e-9);
    ck_assert_close(m->k_max, 3.4, 1e-9);
    ck_assert_close(m->i_bias_ua, 0.0, 0); /* thesis set-up: no bias */
    double c, w, ku;
    double k = cospin_neuron_map_realise(m, 1.785894, &c, &w, &ku);
    ck_assert_close(k, 1.785894, 1e-12);
    ck_assert_close(c, -12.868337, 1e-9); /* c = (0 - c_dev) / 1 uA */
    ck_assert_close(w, 20e-9, 1e-15);
    ck_assert_close(ku, 1.1e6, 1e-3);
    /* Between two rows: linear in k, log-linear in width. */
    k = cospin_neuron_map_realise(m, 0.5 * (2.070124 + 2.428212), &c, &w, NULL);
    ck_assert_close(c, -0.5 * (12.498839 + 12.033325), 1e-9);
    ck_assert_rel(w, sqrt(30e-9 * 50e-9), 1e-12);
    /* Outside the range: clamped. */
    ck_assert_close(cospin_neuron_map_realise(m, 9.0, NULL, NULL, NULL), 3.4, 1e-12);
    ck_assert_close(cospin_neuron_map_realise(m, -2.0, NULL, NULL, NULL), 1.3, 1e-12);
    ck_assert_close(cospin_neuron_map_realise(m, NAN, NULL, NULL, NULL), 1.3, 1e-12);
    cospin_neuron_map_free(m);
    /* Scale: k = k_dev * 2, c = (b - c_dev) / 2. */
    mo.i_scale_ua = 2.0;
    mo.i_bias_ua = 12.0;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, NULL), 0);
    k = cospin_neuron_map_realise(m, 2 * 2.914106, &c, NULL, NULL);
    ck_assert_close(k, 2 * 2.914106, 1e-9);
    ck_assert_close(c, (12.0 - 11.401663) / 2, 1e-9);
    cospin_neuron_map_free(m);
    /* Width + Ku: c constant along the whole path, k range spans several Ku columns. */
    cospin_neuron_map_opts_init(&mo);
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, NULL), 0);
    ck_assert_uint_ge(m->n, 2);
    ck_assert(m->k_max - m->k_min > 0.5);
    ck_assert_close(m->i_bias_ua, m->c_hold_ua, 0);
    double kus[2];
    for (int i = 0; i < 2; i++) {
        double kk = m->k_min + (i ? 0.9 : 0.1) * (m->k_max - m->k_min);
        cospin_neuron_map_realise(m, kk, &c, &w, &kus[i]);
        ck_assert_close(c, 0.0, 1e-12);
        ck_assert(w >= 10e-9 && w <= 200e-9);
    }
    /* Steeper at constant c needs a larger Ku (and a longer pulse). */
    ck_assert(kus[1] > kus[0]);
    cospin_neuron_map_free(m);
    /* Explicit c_hold. */
    mo.c_hold_ua = 13.0;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, NULL), 0);
    for (size_t i = 0; i < m->n; i++)
        ck_assert_close(m->c_dev[i], 13.0, 0);
    cospin_neuron_map_free(m);
}
END_TEST

START_TEST(test_device_level_training)
{
    /* Width only (thesis set-up) fails; width + Ku trains (thesis ch. 3.5). */
    struct problem p;
    make_problem(&p, 16);
    double acc[2];
    for (int mode = 0; mode < 2; mode++) {
        struct cospin_neuron_map_opts mo;
        cospin_neuron_map_opts_init(&mo);
        mo.mode = (enum cospin_device_mode)mode;
        struct cospin_neuron_map *m;
        ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, NULL), 0);
        struct cospin_train_opts o;
        quiet_opts(&o);
        o.neuron_map = m;
        o.iters = 100;
        struct cospin_nn *nn;
        acc[mode] = train_acc_of(&p, &o, &nn);
        for (int l = 0; l < 2; l++)
            for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
                ck_assert(nn->k[l][j] >= m->k_min - 1e-6 && nn->k[l][j] <= m->k_max + 1e-6);
                double c;
                cospin_neuron_map_realise(m, nn->k[l][j], &c, NULL, NULL);
                ck_assert_close(nn->c[l][j], c, 1e-5);
            }
        cospin_nn_free(nn);
        cospin_neuron_map_free(m);
    }
    /* 300 test samples: chance is 0.10 (sd 1.7 %), so < 0.3 is a failure to learn; > 0.8 learns. */
    ck_assert_msg(acc[COSPIN_DEVICE_WIDTH] < 0.3, "width: %.3f", acc[0]);
    ck_assert_msg(acc[COSPIN_DEVICE_WIDTH_KU] > 0.8, "width+ku: %.3f", acc[1]);
    free_problem(&p);
}
END_TEST

START_TEST(test_option_errors)
{
    struct problem p;
    make_problem(&p, 17);
    struct cospin_nn *nn = NULL;
    struct cospin_train_result r;
    struct cospin_error err;
    struct cospin_train_opts o;
#define EXPECT_BAD(setup, text)                                                              \
    do {                                                                                     \
        quiet_opts(&o);                                                                      \
        setup;                                                                               \
        cospin_error_clear(&err);                                                            \
        ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &nn, &r, &err),             \
                         COSPIN_ERR_INVALID);                                                \
        ck_assert_msg(strstr(err.msg, text) != NULL, "message '%s' lacks '%s'", err.msg, text); \
        ck_assert_ptr_null(nn);                                                              \
        cospin_train_result_clear(&r);                                                       \
    } while (0)
    EXPECT_BAD(o.lr = 0, "learning rate");
    EXPECT_BAD(o.lr = NAN, "learning rate");
    EXPECT_BAD(o.iters = 0, "iterations");
    EXPECT_BAD(o.hidden = 0, "hidden");
    EXPECT_BAD(o.batch = N_TRAIN + 1, "batch");
    EXPECT_BAD((o.k_min = 2, o.k_max = 1), "clamp");
    EXPECT_BAD(o.init.k_lo = 5, "initialisation");
    /* Shapes that do not fit the data: the first size is the samples', the last the
       classes'. */
    EXPECT_BAD((o.n_layers = 2, o.layers[0] = N_IN + 1, o.layers[1] = 5, o.layers[2] = 10),
               "65 inputs but the samples have 64 values");
    EXPECT_BAD((o.n_layers = 3, o.layers[0] = N_IN, o.layers[1] = 5, o.layers[2] = 4,
                o.layers[3] = 9),
               "layers 64-5-4-9: the network has 9 outputs but the dataset has 10 classes");
    EXPECT_BAD((o.n_layers = 2, o.layers[0] = N_IN, o.layers[1] = 0, o.layers[2] = 10),
               "size 2 is 0");
    EXPECT_BAD(o.n_layers = COSPIN_NN_MAX_LAYERS + 1, "weight layers");
    struct cospin_nn *wrong = cospin_nn_new(N_IN, 12, 9);
    EXPECT_BAD(o.init_net = wrong, "the initial network is 64-12-9, training needs 64-12-10");
    cospin_nn_free(wrong);
    /* The classes the data declares count, not only the labels seen. */
    p.train.n_classes = 11;
    EXPECT_BAD((o.n_layers = 2, o.layers[0] = N_IN, o.layers[1] = 5, o.layers[2] = 10),
               "the dataset has 11 classes");
    p.train.n_classes = 0;
    struct cospin_train_data empty = {0};
    quiet_opts(&o);
    ck_assert_int_eq(cospin_train_run(&empty, NULL, &o, &nn, &r, NULL), COSPIN_ERR_INVALID);
    /* A device hook's error stops training with its message. */
    struct upd u = {.mode = 2};
    o.weight_update.apply = upd_apply;
    o.weight_update.ctx = &u;
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_train_run(&p.train, &p.test, &o, &nn, &r, &err), COSPIN_ERR_INVALID);
    ck_assert_str_eq(err.file, "device.xml");
    ck_assert_int_eq(err.line, 7);
    ck_assert_ptr_null(nn);
    cospin_train_result_clear(&r);
    enum cospin_nn_mode mode;
    ck_assert_int_eq(cospin_train_mode_parse("kc", &mode), 0);
    ck_assert_int_eq(mode, COSPIN_NN_KC);
    ck_assert_int_eq(cospin_train_mode_parse("kk", &mode), COSPIN_ERR_INVALID);
    ck_assert_str_eq(cospin_train_mode_name(COSPIN_NN_K), "k");
    free_problem(&p);
}
END_TEST

static char tdir[64];

static void write_text(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", tdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Neuron tables (fit.csv) and neuron maps: files, columns, numbers, statuses, modes. */
START_TEST(test_table_errors)
{
    snprintf(tdir, sizeof tdir, "/tmp/cospin-check-train-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tdir));
    char path[200];
    struct cospin_error err = {0};
    struct cospin_neuron_fit *rows;
    size_t n;
    struct cospin_neuron_map_opts mo;
    cospin_neuron_map_opts_init(&mo);
    struct cospin_neuron_map *m = NULL;
    /* Missing file. */
    ck_assert_int_eq(cospin_neuron_table_read("/nonexistent/fit.csv", &rows, &n, &err),
                     COSPIN_ERR_IO);
    /* Missing column. */
    cospin_error_clear(&err);
    write_text("a.csv", "width_s,ku_j_per_m3,k_per_ua\n1e-8,1e6,2\n", path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_PARSE);
    ck_assert_int_eq(err.line, 1);
    ck_assert_ptr_nonnull(strstr(err.msg, "c_ua"));
    /* Bad number on line 3. */
    cospin_error_clear(&err);
    write_text("b.csv", "width_s,ku_j_per_m3,k_per_ua,c_ua\n1e-8,1e6,2,11\n2e-8,1e6,2x,11\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_PARSE);
    ck_assert_int_eq(err.line, 3);
    /* Non-positive width. */
    cospin_error_clear(&err);
    write_text("c.csv", "width_s,ku_j_per_m3,k_per_ua,c_ua\n0,1e6,2,11\n", path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_INVALID);
    /* No usable rows. */
    cospin_error_clear(&err);
    write_text("d.csv", "width_s,ku_j_per_m3,k_per_ua,c_ua,status\n1e-8,1e6,2,11,all-zero\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_INVALID);
    /* A status the characterisation never writes is an error, not a skipped row. */
    cospin_error_clear(&err);
    write_text("d2.csv", "width_s,ku_j_per_m3,k_per_ua,c_ua,status\n1e-8,1e6,2,11,fit_failed\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_PARSE);
    ck_assert_int_eq(err.line, 2);
    /* An ok row with k <= 0 is no activation function. */
    cospin_error_clear(&err);
    write_text("d3.csv", "width_s,ku_j_per_m3,k_per_ua,c_ua\n1e-8,1e6,2,11\n2e-8,1e6,-1,11\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.line, 3);
    /* The two former readers disagreed on this file: '#' lines before the
       header and between rows are comments for the one reader. */
    cospin_error_clear(&err);
    write_text("f.csv", "# a comment\nwidth_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status\n"
                        "# another\n1e-8,1e6,2,0.1,11,0.2,ok\n2e-8,1e6,3,0.1,10,0.2,separated\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), 0);
    ck_assert_int_eq(n, 1); /* the separated row is not ok */
    ck_assert_double_eq(rows[0].k_per_ua, 2.0);
    ck_assert_double_eq(rows[0].c_err, 0.2);
    free(rows);
    struct cospin_char_table *ct;
    ck_assert_int_eq(cospin_char_read_fit_csv(path, &ct, &err), 0);
    ck_assert_int_eq(ct->nfits, 2);
    cospin_char_table_free(ct);
    /* A torn last line is the same error through either entry point. */
    write_text("g.csv", "width_s,ku_j_per_m3,k_per_ua,c_ua\n1e-8,1e6,2,11\n2e-8,1e6", path,
               sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_PARSE);
    ck_assert_int_eq(err.line, 3);
    ck_assert_ptr_nonnull(strstr(err.msg, "'k_per_ua' is missing"));
    /* Empty file. */
    cospin_error_clear(&err);
    write_text("e.csv", "# nothing\n", path, sizeof path);
    ck_assert_int_eq(cospin_neuron_table_read(path, &rows, &n, &err), COSPIN_ERR_PARSE);
    /* width+ku needs two Ku columns. */
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_1KU, &mo, &m, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "Ku"));
    /* Width mode needs two widths at the chosen Ku. */
    cospin_error_clear(&err);
    mo.mode = COSPIN_DEVICE_WIDTH;
    mo.ku_j_per_m3 = 5e6;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, &err), COSPIN_ERR_INVALID);
    /* Bad scale. */
    cospin_error_clear(&err);
    cospin_neuron_map_opts_init(&mo);
    mo.i_scale_ua = 0;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, &err), COSPIN_ERR_INVALID);
    /* c_hold nobody reaches. */
    cospin_error_clear(&err);
    cospin_neuron_map_opts_init(&mo);
    mo.c_hold_ua = 100;
    ck_assert_int_eq(cospin_neuron_map_load(TABLE_SYNTH, &mo, &m, &err), COSPIN_ERR_INVALID);
    enum cospin_device_mode dm;
    ck_assert_int_eq(cospin_device_mode_parse("width+ku", &dm), 0);
    ck_assert_int_eq(dm, COSPIN_DEVICE_WIDTH_KU);
    ck_assert_int_eq(cospin_device_mode_parse("ku", &dm), COSPIN_ERR_INVALID);
    cospin_neuron_map_free(NULL);
    ck_rm_rf(tdir);
}
END_TEST

/* Model files: the root, counts per layer, missing layers, sizes beyond the file, torn XML. */
START_TEST(test_model_file_errors)
{
    snprintf(tdir, sizeof tdir, "/tmp/cospin-check-train-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tdir));
    char path[200];
    struct cospin_error err = {0};
    struct cospin_nn *nn = NULL;
    write_text("m1.xml", "<other/>\n", path, sizeof path);
    ck_assert_int_eq(cospin_train_load_model(path, &nn, NULL, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "cospin-model"));
    cospin_error_clear(&err);
    write_text("m2.xml",
               "<cospin-model>\n<network inputs=\"2\" hidden=\"1\" outputs=\"2\"/>\n"
               "<layer index=\"0\"><k>1</k><c>0</c><weights>1 2 3</weights></layer>\n"
               "</cospin-model>\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_train_load_model(path, &nn, NULL, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.line, 3);
    ck_assert_ptr_nonnull(strstr(err.msg, "3 values, expected 2"));
    cospin_error_clear(&err);
    write_text("m3.xml",
               "<cospin-model>\n<network inputs=\"2\" hidden=\"1\" outputs=\"2\"/>\n"
               "<layer index=\"0\"><k>1</k><c>0</c><weights>1 2</weights></layer>\n"
               "</cospin-model>\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_train_load_model(path, &nn, NULL, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "layer index=\"1\""));
    cospin_error_clear(&err);
    /* Sizes far beyond what the file holds: refused before they are allocated
       (a 100000-100000-1 network would need 40 GB). */
    cospin_error_clear(&err);
    write_text("m5.xml",
               "<cospin-model>\n<network inputs=\"100000\" hidden=\"100000\" outputs=\"1\"/>\n"
               "<layer index=\"0\"><k>1</k><c>0</c><weights>1 2</weights></layer>\n"
               "</cospin-model>\n",
               path, sizeof path);
    ck_assert_int_eq(cospin_train_load_model(path, &nn, NULL, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.line, 2);
    ck_assert_ptr_nonnull(strstr(err.msg, "10000100000 weights, more than this file holds"));
    ck_assert_ptr_null(nn);
    cospin_error_clear(&err);
    write_text("m4.xml", "<cospin-model><network inputs=\"2\"", path, sizeof path);
    ck_assert_int_eq(cospin_train_load_model(path, &nn, NULL, &err), COSPIN_ERR_PARSE);
    ck_assert_ptr_null(nn);
    ck_rm_rf(tdir);
}
END_TEST

static Suite *suite_train(void)
{
    Suite *s = suite_create("train");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_loop_test(core, test_modes_learn, 0, 3);
    tcase_add_test(core, test_k_range_and_fixed_k);
    tcase_add_test(core, test_sparse_inputs_learn);
    tcase_add_test(core, test_weight_update_hook);
    tcase_add_test(core, test_init_net_grad_hook_clamp);
    tcase_add_loop_test(core, test_checkpoint_resume, 0, 3);
    tcase_add_test(core, test_deep_learns);
    tcase_add_test(core, test_resume_times);
    tcase_add_test(core, test_model_roundtrip);
    tcase_add_test(core, test_neuron_map);
    tcase_add_test(core, test_device_level_training);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_option_errors);
    tcase_add_test(errors, test_table_errors);
    tcase_add_test(errors, test_model_file_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_train)
