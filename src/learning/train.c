/*
 * train.c -- the training loop: full-batch GD or mini-batch SGD on the
 * network of nn.c, with modes, clamps, the device-aware level, hooks and
 * checkpoints.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "error.h"
#include "neuron_map.h"
#include "output.h"
#include "train.h"

#define LOG_PREFIX "train"
#include "log.h"

/* Checkpoint file: magic, format version. */
#define CKPT_MAGIC "COSPINCK"
/* Version 2 adds the CPU and wall time spent before the checkpoint (struct
   ckpt_times after the header); version 1 checkpoints are still read. */
#define CKPT_VERSION 2u
#define CKPT_VERSION_NO_TIMES 1u
/* Default interval between checkpoints, s. */
#define DEFAULT_CHECKPOINT_EVERY_S 30.0
/* Largest chunk of test samples evaluated at once when the work space is small. */
#define EVAL_CHUNK 4096
/* Inputs sparser than this (fraction of nonzero pixels) take the sparse kernel of layer 0;
   MNIST has ~0.19, Fashion-MNIST ~0.5. */
#define SPARSE_MAX_DENSITY 0.35

void cospin_train_opts_init(struct cospin_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = COSPIN_NN_KC;
    o->hidden = 25;
    o->lr = 0.1;
    o->iters = 1000;
    o->batch = 0;
    o->seed = 1;
    cospin_nn_init_default(&o->init);
    o->baseline_k = 1.0f;
    o->k_min = -INFINITY;
    o->k_max = INFINITY;
    o->c_min = -INFINITY;
    o->c_max = INFINITY;
    o->eval_every = 10;
    o->checkpoint_every_s = DEFAULT_CHECKPOINT_EVERY_S;
    o->show_progress = 1;
}

void cospin_train_result_clear(struct cospin_train_result *res)
{
    if (!res)
        return;
    free(res->history);
    memset(res, 0, sizeof *res);
}

const char *cospin_train_mode_name(enum cospin_nn_mode mode)
{
    switch (mode) {
    case COSPIN_NN_BASELINE: return "baseline";
    case COSPIN_NN_KC: return "kc";
    case COSPIN_NN_K: return "k";
    }
    return "?";
}

int cospin_train_mode_parse(const char *s, enum cospin_nn_mode *mode)
{
    if (strcmp(s, "baseline") == 0)
        *mode = COSPIN_NN_BASELINE;
    else if (strcmp(s, "kc") == 0)
        *mode = COSPIN_NN_KC;
    else if (strcmp(s, "k") == 0)
        *mode = COSPIN_NN_K;
    else
        return COSPIN_ERR_INVALID;
    return 0;
}

int cospin_train_data_from(const struct cospin_dataset *ds, size_t limit,
                           struct cospin_train_data *out, struct cospin_error *err)
{
    memset(out, 0, sizeof *out);
    size_t n = limit && limit < ds->n ? limit : ds->n;
    size_t px = ds->rows * ds->cols;
    out->x = malloc((n ? n : 1) * px * sizeof(float));
    if (!out->x)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory (%zu images)", n);
    for (size_t i = 0; i < n * px; i++)
        out->x[i] = (float)ds->pixels[i] * (1.0f / 255.0f);
    out->n = n;
    out->n_in = px;
    out->labels = ds->labels;
    return 0;
}

void cospin_train_data_clear(struct cospin_train_data *d)
{
    if (!d)
        return;
    free(d->x);
    memset(d, 0, sizeof *d);
}

/* ---- checkpoints ---------------------------------------------------------------- */

/* FNV-1a over a byte range, to detect a corrupt checkpoint. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

struct ckpt_header {
    char magic[8];
    uint32_t version, mode;
    uint64_t n_units[3];
    uint64_t seed, batch;
    double lr;
    int64_t iters_done, n_history;
};

/* Time spent on the run up to the checkpoint, s: a resumed run adds it to its
   own, so that cpu_s and wall_s cover the whole run. */
struct ckpt_times {
    double cpu_s, wall_s;
};

static int write_block(FILE *f, uint64_t *h, const void *p, size_t n)
{
    *h = fnv1a(*h, p, n);
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

static int checkpoint_write(const char *path, const struct cospin_nn *nn,
                            const struct cospin_train_opts *o, long iters_done,
                            const struct cospin_train_point *hist, long nhist,
                            const struct ckpt_times *times, struct cospin_error *err)
{
    /* fsync'ed: a resumed run trusts the checkpoint it finds. */
    struct cospin_output out;
    int rc = cospin_output_open_path(&out, path, COSPIN_OUTPUT_FSYNC, err);
    if (rc != 0)
        return rc;
    FILE *f = out.fp;
    struct ckpt_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CKPT_MAGIC, 8);
    h.version = CKPT_VERSION;
    h.mode = (uint32_t)o->mode;
    for (int l = 0; l < 3; l++)
        h.n_units[l] = nn->n_units[l];
    h.seed = o->seed;
    h.batch = o->batch;
    h.lr = o->lr;
    h.iters_done = iters_done;
    h.n_history = nhist;
    uint64_t sum = 0xcbf29ce484222325ull;
    int bad = write_block(f, &sum, &h, sizeof h);
    if (!bad)
        bad = write_block(f, &sum, times, sizeof *times);
    for (int l = 0; l < COSPIN_NN_LAYERS && !bad; l++) {
        size_t r = nn->n_units[l + 1];
        bad |= write_block(f, &sum, nn->w[l], cospin_nn_weight_count(nn, l) * sizeof(float));
        bad |= write_block(f, &sum, nn->k[l], r * sizeof(float));
        bad |= write_block(f, &sum, nn->c[l], r * sizeof(float));
    }
    if (!bad && nhist > 0)
        bad |= write_block(f, &sum, hist, (size_t)nhist * sizeof *hist);
    if (!bad)
        bad |= fwrite(&sum, sizeof sum, 1, f) != 1;
    if (bad) {
        int e = errno;
        cospin_output_abort(&out);
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot write checkpoint: %s",
                                strerror(e));
    }
    return cospin_output_commit(&out, err);
}

static int read_block(FILE *f, uint64_t *h, void *p, size_t n)
{
    if (fread(p, 1, n, f) != n)
        return -1;
    *h = fnv1a(*h, p, n);
    return 0;
}

/*
 * Load a checkpoint into nn (shape given), a new history array and the time
 * spent before it (zero from a version 1 checkpoint, which did not keep it).
 * Returns 0, 1 if the file does not exist, or a negative error.
 */
static int checkpoint_read(const char *path, struct cospin_nn *nn,
                           const struct cospin_train_opts *o, long *iters_done,
                           struct cospin_train_point **hist, long *nhist,
                           struct ckpt_times *times, struct cospin_error *err)
{
    *hist = NULL;
    memset(times, 0, sizeof *times);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot open checkpoint: %s",
                                strerror(errno));
    }
    struct ckpt_header h;
    uint64_t sum = 0xcbf29ce484222325ull, stored;
    int rc = 0;
    if (read_block(f, &sum, &h, sizeof h) != 0 || memcmp(h.magic, CKPT_MAGIC, 8) != 0 ||
        (h.version != CKPT_VERSION && h.version != CKPT_VERSION_NO_TIMES)) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              "not a cospin checkpoint (or another format version)");
        goto out;
    }
    int same = h.mode == (uint32_t)o->mode && h.seed == o->seed && h.batch == o->batch &&
               h.lr == o->lr;
    for (int l = 0; l < 3; l++)
        same = same && h.n_units[l] == nn->n_units[l];
    if (!same) {
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                              "checkpoint is of another run (%s, %llu-%llu-%llu, seed %llu, "
                              "batch %llu, lr %g); remove it or use the same options",
                              cospin_train_mode_name((enum cospin_nn_mode)h.mode),
                              (unsigned long long)h.n_units[0], (unsigned long long)h.n_units[1],
                              (unsigned long long)h.n_units[2], (unsigned long long)h.seed,
                              (unsigned long long)h.batch, h.lr);
        goto out;
    }
    if (h.iters_done < 0 || h.n_history < 0 || h.n_history > h.iters_done) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0, "corrupt checkpoint header");
        goto out;
    }
    int bad = h.version == CKPT_VERSION && read_block(f, &sum, times, sizeof *times) != 0;
    if (!bad && h.version == CKPT_VERSION_NO_TIMES)
        cospin_info("%s: a checkpoint of an older cospin; the time spent before it is not "
                    "known and not counted", path);
    for (int l = 0; l < COSPIN_NN_LAYERS && !bad; l++) {
        size_t r = nn->n_units[l + 1];
        bad |= read_block(f, &sum, nn->w[l], cospin_nn_weight_count(nn, l) * sizeof(float));
        bad |= read_block(f, &sum, nn->k[l], r * sizeof(float));
        bad |= read_block(f, &sum, nn->c[l], r * sizeof(float));
    }
    if (!bad && h.n_history > 0) {
        *hist = malloc((size_t)h.n_history * sizeof **hist);
        bad = !*hist || read_block(f, &sum, *hist, (size_t)h.n_history * sizeof **hist) != 0;
    }
    if (bad || fread(&stored, sizeof stored, 1, f) != 1 || stored != sum) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              "checkpoint truncated or corrupt (checksum mismatch)");
        goto out;
    }
    *iters_done = (long)h.iters_done;
    *nhist = (long)h.n_history;
out:
    fclose(f);
    if (rc != 0) {
        free(*hist);
        *hist = NULL;
    }
    return rc;
}

/* ---- the loop ----------------------------------------------------------------------- */

static void clampf(float *v, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] < lo)
            v[i] = lo;
        if (v[i] > hi)
            v[i] = hi;
    }
}

/* Circuit-aware training: the weights the crossbar can hold, [-xbar_w_max, xbar_w_max]. */
static void clamp_weights(struct cospin_nn *nn, const struct cospin_train_opts *o)
{
    if (o->xbar_w_max > 0)
        for (int l = 0; l < COSPIN_NN_LAYERS; l++)
            clampf(nn->w[l], cospin_nn_weight_count(nn, l), (float)-o->xbar_w_max,
                   (float)o->xbar_w_max);
}

/* Put every neuron's (k, c) onto the device's reachable path. */
static void device_project(struct cospin_nn *nn, const struct cospin_neuron_map *map)
{
    for (int l = 0; l < COSPIN_NN_LAYERS; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
            double c;
            nn->k[l][j] = (float)cospin_neuron_map_realise(map, nn->k[l][j], &c, NULL, NULL);
            nn->c[l][j] = (float)c;
        }
}

/* Deterministic permutation of epoch e (Fisher-Yates on the stream of seed and e). */
static void epoch_perm(size_t *perm, size_t n, uint64_t seed, uint64_t epoch)
{
    struct cospin_rng r;
    cospin_rng_seed(&r, seed, COSPIN_NN_STREAM_SHUFFLE + epoch);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)cospin_rng_below(&r, (uint64_t)i + 1);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static int check_opts(const struct cospin_train_data *train, const struct cospin_train_opts *o,
                      struct cospin_error *err)
{
    if (!train || train->n == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no training samples");
    if (o->hidden == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "hidden units must be >= 1");
    if (!(o->lr > 0) || !isfinite(o->lr))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "learning rate %g must be > 0", o->lr);
    if (o->iters < 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "iterations %ld must be >= 1", o->iters);
    if (o->batch > train->n)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "batch %zu larger than the training set (%zu)", o->batch,
                                train->n);
    if (o->k_min > o->k_max || o->c_min > o->c_max)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "empty clamp range (k %g..%g, c %g..%g)", (double)o->k_min,
                                (double)o->k_max, (double)o->c_min, (double)o->c_max);
    if (o->init.k_lo > o->init.k_hi || o->init.c_lo > o->init.c_hi || !(o->init.w_gain >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "bad initialisation ranges");
    if (o->init_net && (o->init_net->n_units[0] != train->n_in ||
                        o->init_net->n_units[1] != o->hidden || o->init_net->n_units[2] != 10))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "the initial network is %zu-%zu-%zu, training needs %zu-%zu-10",
                                o->init_net->n_units[0], o->init_net->n_units[1],
                                o->init_net->n_units[2], train->n_in, o->hidden);
    if (!(isfinite(o->xbar_w_max) && o->xbar_w_max >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar w_max %g must be > 0 (or 0: no crossbar)",
                                o->xbar_w_max);
    return 0;
}

/*
 * Continue from o->checkpoint_path when it exists: nn, the history in res,
 * *start (the next iteration) and the time spent before (*before); without
 * the file nothing changes.  Returns 0 or the checkpoint's error.
 */
static int resume(const struct cospin_train_opts *o, struct cospin_nn *nn,
                  struct cospin_train_result *res, long *start, struct ckpt_times *before,
                  struct cospin_error *err)
{
    struct cospin_train_point *hist = NULL;
    long done = 0, nh = 0;
    int rc = checkpoint_read(o->checkpoint_path, nn, o, &done, &hist, &nh, before, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {   /* no checkpoint: a fresh start */
        memset(before, 0, sizeof *before);
        return COSPIN_OK;
    }
    if (done > o->iters)
        done = o->iters;
    if (nh > done)
        nh = done;
    memcpy(res->history, hist, (size_t)nh * sizeof *hist);
    free(hist);
    *start = done;
    res->resumed_from = done;
    cospin_info("resuming from %s at iteration %ld", o->checkpoint_path, done);
    return COSPIN_OK;
}

int cospin_train_run(const struct cospin_train_data *train, const struct cospin_train_data *test,
                     const struct cospin_train_opts *o, struct cospin_nn **out,
                     struct cospin_train_result *res, struct cospin_error *err)
{
    *out = NULL;
    memset(res, 0, sizeof *res);
    struct cospin_nn_sparse xs = {0};
    int rc = check_opts(train, o, err);
    if (rc != 0)
        return rc;
    if (o->blas_threads > 0)
        cospin_blas_set_threads(o->blas_threads);
    /* Start times; a resume moves them back by the time the checkpoint records. */
    double t0 = cospin_now_s(), c0 = cospin_cpu_s();
    const size_t n = train->n, n_in = train->n_in;
    const size_t m = o->batch ? o->batch : n;
    size_t ntest = test ? (o->test_limit && o->test_limit < test->n ? o->test_limit : test->n) : 0;
    struct cospin_nn *nn = cospin_nn_new(n_in, o->hidden, 10);
    struct cospin_nn *grad = cospin_nn_new(n_in, o->hidden, 10);
    size_t cap = m > EVAL_CHUNK ? m : EVAL_CHUNK;
    struct cospin_nn_work *work = nn ? cospin_nn_work_new(nn, cap) : NULL;
    size_t maxw = n_in * o->hidden > o->hidden * 10 ? n_in * o->hidden : o->hidden * 10;
    float *dw = o->weight_update.apply ? malloc(maxw * sizeof *dw) : NULL;
    float *xb = o->batch ? malloc(m * n_in * sizeof *xb) : NULL;
    uint8_t *yb = o->batch ? malloc(m) : NULL;
    size_t *perm = o->batch ? malloc(n * sizeof *perm) : NULL;
    res->history = malloc((size_t)o->iters * sizeof *res->history);
    if (!nn || !grad || !work || (o->weight_update.apply && !dw) ||
        (o->batch && (!xb || !yb || !perm)) || !res->history) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }

    /* The sparse path of layer 0 (nn.h), unless a circuit computes layer 0. */
    int use_sparse = !o->hooks.forward.forward_layer &&
                     cospin_nn_density(train->x, n, n_in) < SPARSE_MAX_DENSITY;
    if (use_sparse && !o->batch && cospin_nn_sparse_fill(&xs, train->x, n, n_in) != 0) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }

    /* Initialise, or resume. */
    long start = 0;
    struct cospin_rng rng;
    cospin_rng_seed(&rng, o->seed, COSPIN_NN_STREAM_INIT);
    struct cospin_nn_init init = o->init;
    if (o->neuron_map) { /* device level: k starts inside the reachable range */
        init.k_lo = o->neuron_map->k_min;
        init.k_hi = o->neuron_map->k_max;
    }
    enum cospin_nn_mode init_mode = o->neuron_map ? COSPIN_NN_K : o->mode;
    cospin_nn_init_params(nn, &init, init_mode, &rng);
    if (o->init_net)
        cospin_nn_copy(nn, o->init_net); /* shape checked in check_opts */
    else if (o->mode == COSPIN_NN_BASELINE && !o->neuron_map)
        for (int l = 0; l < COSPIN_NN_LAYERS; l++)
            for (size_t j = 0; j < nn->n_units[l + 1]; j++)
                nn->k[l][j] = o->baseline_k;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        clampf(nn->k[l], nn->n_units[l + 1], o->k_min, o->k_max);
        clampf(nn->c[l], nn->n_units[l + 1], o->c_min, o->c_max);
    }
    if (o->neuron_map)
        device_project(nn, o->neuron_map);
    clamp_weights(nn, o);
    if (o->resume && o->checkpoint_path) {
        struct ckpt_times before = {0, 0};
        if ((rc = resume(o, nn, res, &start, &before, err)) != 0)
            goto out;
        c0 -= before.cpu_s;
        t0 -= before.wall_s;
    }
    res->n_history = start;

    struct cospin_progress prog;
    if (o->show_progress)
        cospin_progress_start(&prog, "training", o->iters);
    double last_ckpt = cospin_now_s();
    size_t bpe = m < n ? n / m : 1; /* batches per epoch (a partial last batch is dropped) */
    uint64_t perm_epoch = UINT64_MAX;
    for (long it = start; it < o->iters; it++) {
        const float *x = train->x;
        const uint8_t *y = train->labels;
        if (o->batch) {
            uint64_t epoch = (uint64_t)it / bpe;
            size_t pos = (size_t)((uint64_t)it % bpe) * m;
            if (epoch != perm_epoch) {
                epoch_perm(perm, n, o->seed, epoch);
                perm_epoch = epoch;
            }
            for (size_t s = 0; s < m; s++) {
                size_t src = perm[pos + s];
                memcpy(xb + s * n_in, train->x + src * n_in, n_in * sizeof *xb);
                yb[s] = train->labels[src];
            }
            x = xb;
            y = yb;
            if (use_sparse && cospin_nn_sparse_fill(&xs, xb, m, n_in) != 0) {
                rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
                goto out;
            }
        }
        const struct cospin_nn_sparse *xsp = use_sparse ? &xs : NULL;
        rc = cospin_nn_forward_sp(nn, work, x, xsp, m, &o->hooks, err);
        if (rc != 0)
            goto out;
        size_t ok = 0;
        double loss = cospin_nn_backward_sp(nn, work, x, xsp, y, m, &ok, grad);
        if (!isfinite(loss)) {
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                  "training diverged at iteration %ld (loss not finite); "
                                  "lower the learning rate",
                                  it + 1);
            goto out;
        }
        /* Weights: the device hook realises the request, else plain gradient descent. */
        const float lr = (float)o->lr;
        for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
            size_t nw = cospin_nn_weight_count(nn, l);
            float *w = nn->w[l];
            const float *g = grad->w[l];
            if (o->weight_grad.transform &&
                (rc = o->weight_grad.transform(o->weight_grad.ctx, l, w, grad->w[l], nw, err)))
                goto out;
            if (o->weight_update.apply) {
                for (size_t i = 0; i < nw; i++)
                    dw[i] = -lr * g[i];
                rc = o->weight_update.apply(o->weight_update.ctx, l, w, dw, nw, err);
                if (rc != 0)
                    goto out;
            } else {
                for (size_t i = 0; i < nw; i++)
                    w[i] -= lr * g[i];
            }
        }
        clamp_weights(nn, o);
        /* Activation parameters. */
        int train_k = o->neuron_map || o->mode != COSPIN_NN_BASELINE;
        int train_c = !o->neuron_map && o->mode == COSPIN_NN_KC;
        for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
            size_t r = nn->n_units[l + 1];
            for (size_t j = 0; j < r; j++) {
                if (train_k)
                    nn->k[l][j] -= lr * grad->k[l][j];
                if (train_c)
                    nn->c[l][j] -= lr * grad->c[l][j];
            }
            clampf(nn->k[l], r, o->k_min, o->k_max);
            clampf(nn->c[l], r, o->c_min, o->c_max);
        }
        if (o->neuron_map)
            device_project(nn, o->neuron_map);

        struct cospin_train_point *pt = &res->history[it];
        pt->iter = it + 1;
        pt->loss = loss;
        pt->train_acc = (double)ok / (double)m;
        pt->test_acc = NAN;
        if (ntest > 0 && o->eval_every > 0 && ((it + 1) % o->eval_every == 0 || it + 1 == o->iters)) {
            rc = cospin_nn_evaluate(nn, work, test->x, test->labels, ntest, &o->hooks, NULL,
                                    &pt->test_acc, err);
            if (rc != 0)
                goto out;
        }
        res->n_history = it + 1;
        if (o->show_progress)
            cospin_progress_update(&prog, it + 1);
        int stopping = o->stop && *o->stop;
        /* The run's time so far: what the checkpoint records and a stop reports. */
        struct ckpt_times now = {cospin_cpu_s() - c0, cospin_now_s() - t0};
        if (o->checkpoint_path &&
            (stopping || cospin_now_s() - last_ckpt >= o->checkpoint_every_s)) {
            rc = checkpoint_write(o->checkpoint_path, nn, o, it + 1, res->history, it + 1, &now,
                                  err);
            if (rc != 0)
                goto out;
            last_ckpt = cospin_now_s();
        }
        if (stopping) {
            res->iters_done = it + 1;
            res->cpu_s = now.cpu_s;
            res->wall_s = now.wall_s;
            rc = cospin_error_set(err, COSPIN_ERR_INTERRUPTED, NULL, 0,
                                  "interrupted after iteration %ld%s", it + 1,
                                  o->checkpoint_path ? "; rerun with --resume to continue" : "");
            *out = nn;
            nn = NULL;
            goto out;
        }
    }
    if (o->show_progress)
        cospin_progress_end(&prog);
    res->iters_done = o->iters;
    /* Final figures on the whole sets. */
    rc = cospin_nn_evaluate(nn, work, train->x, train->labels, n, &o->hooks, &res->final_loss,
                            &res->final_train_acc, err);
    if (rc == 0 && ntest > 0)
        rc = cospin_nn_evaluate(nn, work, test->x, test->labels, ntest, &o->hooks, NULL,
                                &res->final_test_acc, err);
    else
        res->final_test_acc = NAN;
    if (rc != 0)
        goto out;
    res->cpu_s = cospin_cpu_s() - c0;
    res->wall_s = cospin_now_s() - t0;
    if (o->checkpoint_path) {
        struct ckpt_times now = {res->cpu_s, res->wall_s};
        rc = checkpoint_write(o->checkpoint_path, nn, o, o->iters, res->history, o->iters, &now,
                              err);
    }
    if (rc == 0) {
        *out = nn;
        nn = NULL;
    }
out:
    cospin_nn_sparse_clear(&xs);
    cospin_nn_free(nn);
    cospin_nn_free(grad);
    cospin_nn_work_free(work);
    free(dw);
    free(xb);
    free(yb);
    free(perm);
    return rc;
}
