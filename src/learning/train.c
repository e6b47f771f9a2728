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
/* Version 1: a network of two layers; version 2 adds the CPU and wall time
   spent before the checkpoint (struct ckpt_times after the header); version 3
   is version 2 for networks of any other depth (their shape after the times).
   All are read. */
#define CKPT_VERSION_NO_TIMES 1u
#define CKPT_VERSION 2u
#define CKPT_VERSION_SHAPE 3u
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
    out->n_classes = ds->n_classes > 0 ? (size_t)ds->n_classes : 0;
    return 0;
}

/* The classes of one data set: its n_classes, or 1 + its largest label. */
static size_t data_classes(const struct cospin_train_data *d)
{
    if (!d)
        return 0;
    if (d->n_classes > 0)
        return d->n_classes;
    size_t nc = 0;
    for (size_t i = 0; d->labels && i < d->n; i++)
        if ((size_t)d->labels[i] + 1 > nc)
            nc = (size_t)d->labels[i] + 1;
    return nc;
}

size_t cospin_train_classes(const struct cospin_train_data *train,
                            const struct cospin_train_data *test)
{
    size_t a = data_classes(train), b = data_classes(test);
    return a > b ? a : b;
}

int cospin_train_shape(const struct cospin_train_opts *o, size_t n_in, size_t n_classes,
                       size_t *n_units, int *n_layers, struct cospin_error *err)
{
    char buf[400];
    if (o->n_layers == 0) {
        if (o->hidden == 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "hidden units must be >= 1");
        n_units[0] = n_in;
        n_units[1] = o->hidden;
        n_units[2] = n_classes;
        *n_layers = 2;
        return 0;
    }
    int L = o->n_layers;
    if (L < 1 || L > COSPIN_NN_MAX_LAYERS)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%d weight layers: must be 1 .. %d", L, COSPIN_NN_MAX_LAYERS);
    for (int l = 0; l <= L; l++)
        if (o->layers[l] == 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "layers %s: size %d is 0",
                                    cospin_nn_shape_text(o->layers, L, buf, sizeof buf), l + 1);
    if (o->layers[0] != n_in)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "layers %s: the network has %zu inputs but the samples have %zu "
                                "values (the first size is the dataset's image size)",
                                cospin_nn_shape_text(o->layers, L, buf, sizeof buf), o->layers[0],
                                n_in);
    if (o->layers[L] != n_classes)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "layers %s: the network has %zu outputs but the dataset has %zu "
                                "classes (the last size is the number of classes)",
                                cospin_nn_shape_text(o->layers, L, buf, sizeof buf),
                                o->layers[L], n_classes);
    memcpy(n_units, o->layers, (size_t)(L + 1) * sizeof *n_units);
    *n_layers = L;
    return 0;
}

char *cospin_train_hidden_text(const struct cospin_train_opts *o, char *buf, size_t n)
{
    if (o->n_layers == 0) {
        snprintf(buf, n, "%zu", o->hidden);
        return buf;
    }
    if (o->n_layers < 2) {
        snprintf(buf, n, "%s", "");
        return buf;
    }
    return cospin_nn_shape_text(o->layers + 1, o->n_layers - 2, buf, n);
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

/*
 * The header of a checkpoint.  Format version 1 (a network of two layers,
 * n_units its three sizes) is followed by the parameters; version 2 by the
 * time spent, then the parameters; version 3 (any other depth; n_units its
 * inputs, first hidden and outputs) by the time spent, the layer count and
 * all sizes as uint64, then the parameters.  All are checksummed as a whole.
 */
/* Time spent on the run up to the checkpoint, s: a resumed run adds it to its
   own, so that cpu_s and wall_s cover the whole run. */
struct ckpt_times {
    double cpu_s, wall_s;
};

struct ckpt_header {
    char magic[8];
    uint32_t version, mode;
    uint64_t n_units[3];
    uint64_t seed, batch;
    double lr;
    int64_t iters_done, n_history;
};

static int write_block(FILE *f, uint64_t *h, const void *p, size_t n)
{
    *h = fnv1a(*h, p, n);
    return fwrite(p, 1, n, f) == n ? 0 : -1;
}

/* The header, the times, the shape (version 3) and the parameters; nonzero on a write
   error. */
static int checkpoint_body(FILE *f, uint64_t *sum, const struct cospin_nn *nn,
                           const struct cospin_train_opts *o, long iters_done, long nhist,
                           const struct ckpt_times *times)
{
    const int L = nn->n_layers;
    struct ckpt_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CKPT_MAGIC, 8);
    h.version = L == 2 ? CKPT_VERSION : CKPT_VERSION_SHAPE;
    h.mode = (uint32_t)o->mode;
    h.n_units[0] = nn->n_units[0];
    h.n_units[1] = nn->n_units[1];
    h.n_units[2] = nn->n_units[L];
    h.seed = o->seed;
    h.batch = o->batch;
    h.lr = o->lr;
    h.iters_done = iters_done;
    h.n_history = nhist;
    int bad = write_block(f, sum, &h, sizeof h);
    bad |= write_block(f, sum, times, sizeof *times);
    if (L != 2) {
        uint64_t shape[COSPIN_NN_MAX_LAYERS + 2];
        shape[0] = (uint64_t)L;
        for (int l = 0; l <= L; l++)
            shape[l + 1] = nn->n_units[l];
        bad |= write_block(f, sum, shape, (size_t)(L + 2) * sizeof *shape);
    }
    for (int l = 0; l < L && !bad; l++) {
        size_t r = nn->n_units[l + 1];
        bad |= write_block(f, sum, nn->w[l], cospin_nn_weight_count(nn, l) * sizeof(float));
        bad |= write_block(f, sum, nn->k[l], r * sizeof(float));
        bad |= write_block(f, sum, nn->c[l], r * sizeof(float));
    }
    return bad;
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
    uint64_t sum = 0xcbf29ce484222325ull;
    int bad = checkpoint_body(f, &sum, nn, o, iters_done, nhist, times);
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
 * The network shape a checkpoint records (header h, then for version 3 the
 * shape block read from f) into units and *L.  Returns 0, or -1 when the
 * shape block is unreadable or out of range.
 */
static int checkpoint_shape(FILE *f, uint64_t *sum, const struct ckpt_header *h, uint64_t *units,
                            int *L)
{
    if (h->version != CKPT_VERSION_SHAPE) {
        *L = 2;
        memcpy(units, h->n_units, 3 * sizeof *units);
        return 0;
    }
    uint64_t nl;
    if (read_block(f, sum, &nl, sizeof nl) != 0 || nl < 1 || nl > COSPIN_NN_MAX_LAYERS ||
        nl == 2)
        return -1;
    *L = (int)nl;
    return read_block(f, sum, units, (size_t)(nl + 1) * sizeof *units);
}

/* Whether checkpoint header h and shape (units, L) belong to the run of nn and o. */
static int checkpoint_same(const struct ckpt_header *h, const uint64_t *units, int L,
                           const struct cospin_nn *nn, const struct cospin_train_opts *o)
{
    int same = h->mode == (uint32_t)o->mode && h->seed == o->seed && h->batch == o->batch &&
               h->lr == o->lr && L == nn->n_layers;
    for (int l = 0; same && l <= L; l++)
        same = units[l] == nn->n_units[l];
    return same;
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
    uint64_t sum = 0xcbf29ce484222325ull, stored, units[COSPIN_NN_MAX_LAYERS + 1];
    int rc = 0, L = 0;
    if (read_block(f, &sum, &h, sizeof h) != 0 || memcmp(h.magic, CKPT_MAGIC, 8) != 0 ||
        (h.version != CKPT_VERSION && h.version != CKPT_VERSION_SHAPE &&
         h.version != CKPT_VERSION_NO_TIMES)) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              "not a cospin checkpoint (or another format version)");
        goto out;
    }
    if ((h.version != CKPT_VERSION_NO_TIMES && read_block(f, &sum, times, sizeof *times) != 0) ||
        checkpoint_shape(f, &sum, &h, units, &L) != 0) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0, "corrupt checkpoint header");
        goto out;
    }
    if (!checkpoint_same(&h, units, L, nn, o)) {
        char shape[400];
        size_t su[COSPIN_NN_MAX_LAYERS + 1];
        for (int l = 0; l <= L; l++)
            su[l] = (size_t)units[l];
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                              "checkpoint is of another run (%s, %s, seed %llu, batch %llu, "
                              "lr %g); remove it or use the same options",
                              cospin_train_mode_name((enum cospin_nn_mode)h.mode),
                              cospin_nn_shape_text(su, L, shape, sizeof shape),
                              (unsigned long long)h.seed, (unsigned long long)h.batch, h.lr);
        goto out;
    }
    if (h.iters_done < 0 || h.n_history < 0 || h.n_history > h.iters_done) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0, "corrupt checkpoint header");
        goto out;
    }
    if (h.version == CKPT_VERSION_NO_TIMES)
        cospin_info("%s: a checkpoint of an older cospin; the time spent before it is not "
                    "known and not counted", path);
    int bad = 0;
    for (int l = 0; l < nn->n_layers && !bad; l++) {
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
        for (int l = 0; l < nn->n_layers; l++)
            clampf(nn->w[l], cospin_nn_weight_count(nn, l), (float)-o->xbar_w_max,
                   (float)o->xbar_w_max);
}

/* Put every neuron's (k, c) onto the device's reachable path. */
static void device_project(struct cospin_nn *nn, const struct cospin_neuron_map *map)
{
    for (int l = 0; l < nn->n_layers; l++)
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
    if (o->n_layers == 0 && o->hidden == 0)
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
    if (!(isfinite(o->xbar_w_max) && o->xbar_w_max >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar w_max %g must be > 0 (or 0: no crossbar)",
                                o->xbar_w_max);
    return 0;
}

/* The initial network of fine-tuning must have the shape training builds. */
static int check_init_net(const struct cospin_train_opts *o, const size_t *units, int L,
                          struct cospin_error *err)
{
    const struct cospin_nn *in = o->init_net;
    int same = !in || in->n_layers == L;
    for (int l = 0; same && in && l <= L; l++)
        same = in->n_units[l] == units[l];
    if (same)
        return 0;
    char a[400], b[400];
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                            "the initial network is %s, training needs %s",
                            cospin_nn_shape_text(in->n_units, in->n_layers, a, sizeof a),
                            cospin_nn_shape_text(units, L, b, sizeof b));
}

/* One training run's state: the data, the network, its gradient and the scratch arrays. */
struct run {
    const struct cospin_train_data *train, *test;
    const struct cospin_train_opts *o;
    struct cospin_train_result *res;
    size_t n, n_in, m, ntest;       /* samples, inputs, batch, test samples evaluated */
    struct cospin_nn *nn, *grad;    /* owned */
    struct cospin_nn_work *work;    /* owned */
    struct cospin_nn_sparse xs;     /* the input in sparse form (layer 0's sparse path) */
    int use_sparse;
    float *dw, *xb;                 /* weight requests (update hook); the mini-batch's inputs */
    uint8_t *yb;                    /* ... and labels */
    size_t *perm;                   /* the epoch's sample order */
    uint64_t perm_epoch;            /* the epoch perm belongs to */
    double t0, c0;                  /* wall and CPU clocks at the start, moved back by the
                                       time a resumed checkpoint records */
};

/* The run's time so far: what a checkpoint records and a stop reports. */
static struct ckpt_times run_times(const struct run *r)
{
    struct ckpt_times t = {cospin_cpu_s() - r->c0, cospin_now_s() - r->t0};
    return t;
}

static void run_free(struct run *r)
{
    cospin_nn_sparse_clear(&r->xs);
    cospin_nn_free(r->nn);
    cospin_nn_free(r->grad);
    cospin_nn_work_free(r->work);
    free(r->dw);
    free(r->xb);
    free(r->yb);
    free(r->perm);
}

/* The network, its gradient and the scratch arrays of a run of shape units (L layers). */
static int run_alloc(struct run *r, const size_t *units, int L, struct cospin_error *err)
{
    const struct cospin_train_opts *o = r->o;
    r->nn = cospin_nn_new_layers(units, L);
    r->grad = cospin_nn_new_layers(units, L);
    size_t cap = r->m > EVAL_CHUNK ? r->m : EVAL_CHUNK;
    r->work = r->nn ? cospin_nn_work_new(r->nn, cap) : NULL;
    size_t maxw = 0;
    for (int l = 0; l < L; l++)
        if (units[l] * units[l + 1] > maxw)
            maxw = units[l] * units[l + 1];
    r->dw = o->weight_update.apply ? malloc(maxw * sizeof *r->dw) : NULL;
    r->xb = o->batch ? malloc(r->m * r->n_in * sizeof *r->xb) : NULL;
    r->yb = o->batch ? malloc(r->m) : NULL;
    r->perm = o->batch ? malloc(r->n * sizeof *r->perm) : NULL;
    r->perm_epoch = UINT64_MAX;
    r->res->history = malloc((size_t)o->iters * sizeof *r->res->history);
    if (!r->nn || !r->grad || !r->work || (o->weight_update.apply && !r->dw) ||
        (o->batch && (!r->xb || !r->yb || !r->perm)) || !r->res->history)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    /* The sparse path of layer 0 (nn.h), unless a circuit computes layer 0. */
    r->use_sparse = !o->hooks.forward.forward_layer &&
                    cospin_nn_density(r->train->x, r->n, r->n_in) < SPARSE_MAX_DENSITY;
    if (r->use_sparse && !o->batch &&
        cospin_nn_sparse_fill(&r->xs, r->train->x, r->n, r->n_in) != 0)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    return 0;
}

/* The initial parameters: drawn (or the initial network's), clamped, on the device path. */
static void run_init_params(struct run *r)
{
    const struct cospin_train_opts *o = r->o;
    struct cospin_nn *nn = r->nn;
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
        cospin_nn_copy(nn, o->init_net); /* shape checked in check_init_net */
    else if (o->mode == COSPIN_NN_BASELINE && !o->neuron_map)
        for (int l = 0; l < nn->n_layers; l++)
            for (size_t j = 0; j < nn->n_units[l + 1]; j++)
                nn->k[l][j] = o->baseline_k;
    for (int l = 0; l < nn->n_layers; l++) {
        clampf(nn->k[l], nn->n_units[l + 1], o->k_min, o->k_max);
        clampf(nn->c[l], nn->n_units[l + 1], o->c_min, o->c_max);
    }
    if (o->neuron_map)
        device_project(nn, o->neuron_map);
    clamp_weights(nn, o);
}

/* Continue from the checkpoint if asked and there is one: *start the iterations done. */
static int run_resume(struct run *r, long *start, struct cospin_error *err)
{
    const struct cospin_train_opts *o = r->o;
    *start = 0;
    if (!o->resume || !o->checkpoint_path)
        return 0;
    struct cospin_train_point *hist = NULL;
    struct ckpt_times before;
    long done = 0, nh = 0;
    int rc = checkpoint_read(o->checkpoint_path, r->nn, o, &done, &hist, &nh, &before, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        r->c0 -= before.cpu_s;
        r->t0 -= before.wall_s;
        if (done > o->iters)
            done = o->iters;
        if (nh > done)
            nh = done;
        memcpy(r->res->history, hist, (size_t)nh * sizeof *hist);
        free(hist);
        *start = done;
        r->res->resumed_from = done;
        cospin_info("resuming from %s at iteration %ld", o->checkpoint_path, done);
    }
    return 0;
}

/* Iteration it's inputs and labels: the whole set, or the next mini-batch of the epoch. */
static int run_batch(struct run *r, long it, const float **x, const uint8_t **y,
                     struct cospin_error *err)
{
    const struct cospin_train_opts *o = r->o;
    *x = r->train->x;
    *y = r->train->labels;
    if (!o->batch)
        return 0;
    const size_t m = r->m, n_in = r->n_in;
    size_t bpe = m < r->n ? r->n / m : 1; /* batches per epoch (a partial last batch is dropped) */
    uint64_t epoch = (uint64_t)it / bpe;
    size_t pos = (size_t)((uint64_t)it % bpe) * m;
    if (epoch != r->perm_epoch) {
        epoch_perm(r->perm, r->n, o->seed, epoch);
        r->perm_epoch = epoch;
    }
    for (size_t s = 0; s < m; s++) {
        size_t src = r->perm[pos + s];
        memcpy(r->xb + s * n_in, r->train->x + src * n_in, n_in * sizeof *r->xb);
        r->yb[s] = r->train->labels[src];
    }
    *x = r->xb;
    *y = r->yb;
    if (r->use_sparse && cospin_nn_sparse_fill(&r->xs, r->xb, m, n_in) != 0)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    return 0;
}

/* One step on the gradient in r->grad: weights (through the hooks), then k and c. */
static int run_update(struct run *r, struct cospin_error *err)
{
    const struct cospin_train_opts *o = r->o;
    struct cospin_nn *nn = r->nn, *grad = r->grad;
    /* Weights: the device hook realises the request, else plain gradient descent. */
    const float lr = (float)o->lr;
    for (int l = 0; l < nn->n_layers; l++) {
        size_t nw = cospin_nn_weight_count(nn, l);
        float *w = nn->w[l];
        const float *g = grad->w[l];
        int rc;
        if (o->weight_grad.transform &&
            (rc = o->weight_grad.transform(o->weight_grad.ctx, l, w, grad->w[l], nw, err)))
            return rc;
        if (o->weight_update.apply) {
            for (size_t i = 0; i < nw; i++)
                r->dw[i] = -lr * g[i];
            rc = o->weight_update.apply(o->weight_update.ctx, l, w, r->dw, nw, err);
            if (rc != 0)
                return rc;
        } else {
            for (size_t i = 0; i < nw; i++)
                w[i] -= lr * g[i];
        }
    }
    clamp_weights(nn, o);
    /* Activation parameters. */
    int train_k = o->neuron_map || o->mode != COSPIN_NN_BASELINE;
    int train_c = !o->neuron_map && o->mode == COSPIN_NN_KC;
    for (int l = 0; l < nn->n_layers; l++) {
        size_t rows = nn->n_units[l + 1];
        for (size_t j = 0; j < rows; j++) {
            if (train_k)
                nn->k[l][j] -= lr * grad->k[l][j];
            if (train_c)
                nn->c[l][j] -= lr * grad->c[l][j];
        }
        clampf(nn->k[l], rows, o->k_min, o->k_max);
        clampf(nn->c[l], rows, o->c_min, o->c_max);
    }
    if (o->neuron_map)
        device_project(nn, o->neuron_map);
    return 0;
}

/* Iteration it: forward, backward, update, its history point (test accuracy when due). */
static int run_step(struct run *r, long it, struct cospin_error *err)
{
    const struct cospin_train_opts *o = r->o;
    const float *x;
    const uint8_t *y;
    int rc = run_batch(r, it, &x, &y, err);
    if (rc != 0)
        return rc;
    const struct cospin_nn_sparse *xsp = r->use_sparse ? &r->xs : NULL;
    if ((rc = cospin_nn_forward_sp(r->nn, r->work, x, xsp, r->m, &o->hooks, err)) != 0)
        return rc;
    size_t ok = 0;
    double loss = cospin_nn_backward_sp(r->nn, r->work, x, xsp, y, r->m, &ok, r->grad);
    if (!isfinite(loss))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "training diverged at iteration %ld (loss not finite); "
                                "lower the learning rate",
                                it + 1);
    if ((rc = run_update(r, err)) != 0)
        return rc;
    struct cospin_train_point *pt = &r->res->history[it];
    pt->iter = it + 1;
    pt->loss = loss;
    pt->train_acc = (double)ok / (double)r->m;
    pt->test_acc = NAN;
    if (r->ntest > 0 && o->eval_every > 0 && ((it + 1) % o->eval_every == 0 || it + 1 == o->iters))
        rc = cospin_nn_evaluate(r->nn, r->work, r->test->x, r->test->labels, r->ntest, &o->hooks,
                                NULL, &pt->test_acc, err);
    return rc;
}

/* The figures on the whole sets after the last iteration, and the final checkpoint. */
static int run_finish(struct run *r, struct cospin_error *err)
{
    const struct cospin_train_opts *o = r->o;
    struct cospin_train_result *res = r->res;
    res->iters_done = o->iters;
    int rc = cospin_nn_evaluate(r->nn, r->work, r->train->x, r->train->labels, r->n, &o->hooks,
                                &res->final_loss, &res->final_train_acc, err);
    if (rc == 0 && r->ntest > 0)
        rc = cospin_nn_evaluate(r->nn, r->work, r->test->x, r->test->labels, r->ntest, &o->hooks,
                                NULL, &res->final_test_acc, err);
    else
        res->final_test_acc = NAN;
    /* The run's time: what the result reports and the final checkpoint records. */
    struct ckpt_times now = run_times(r);
    res->cpu_s = now.cpu_s;
    res->wall_s = now.wall_s;
    if (rc == 0 && o->checkpoint_path)
        rc = checkpoint_write(o->checkpoint_path, r->nn, o, o->iters, res->history, o->iters,
                              &now, err);
    return rc;
}

/*
 * The iterations from start on, with checkpoints every checkpoint_every_s
 * and a stop request honoured after an iteration (a checkpoint, then
 * COSPIN_ERR_INTERRUPTED with res->iters_done set).
 */
static int run_loop(struct run *r, long start, struct cospin_error *err)
{
    const struct cospin_train_opts *o = r->o;
    struct cospin_train_result *res = r->res;
    struct cospin_progress prog;
    if (o->show_progress)
        cospin_progress_start(&prog, "training", o->iters);
    double last_ckpt = cospin_now_s();
    for (long it = start; it < o->iters; it++) {
        int rc = run_step(r, it, err);
        if (rc != 0)
            return rc;
        res->n_history = it + 1;
        if (o->show_progress)
            cospin_progress_update(&prog, it + 1);
        int stopping = o->stop && *o->stop;
        /* The run's time so far: what a checkpoint records and a stop reports. */
        struct ckpt_times now = run_times(r);
        if (o->checkpoint_path &&
            (stopping || cospin_now_s() - last_ckpt >= o->checkpoint_every_s)) {
            rc = checkpoint_write(o->checkpoint_path, r->nn, o, it + 1, res->history, it + 1,
                                  &now, err);
            if (rc != 0)
                return rc;
            last_ckpt = cospin_now_s();
        }
        if (stopping) {
            res->iters_done = it + 1;
            res->cpu_s = now.cpu_s;
            res->wall_s = now.wall_s;
            return cospin_error_set(err, COSPIN_ERR_INTERRUPTED, NULL, 0,
                                    "interrupted after iteration %ld%s", it + 1,
                                    o->checkpoint_path ? "; rerun with --resume to continue"
                                                       : "");
        }
    }
    if (o->show_progress)
        cospin_progress_end(&prog);
    return 0;
}

int cospin_train_run(const struct cospin_train_data *train, const struct cospin_train_data *test,
                     const struct cospin_train_opts *o, struct cospin_nn **out,
                     struct cospin_train_result *res, struct cospin_error *err)
{
    *out = NULL;
    memset(res, 0, sizeof *res);
    struct run r = {.train = train, .test = test, .o = o, .res = res};
    size_t units[COSPIN_NN_MAX_LAYERS + 1];
    int L = 0;
    int rc = check_opts(train, o, err);
    if (rc == 0)
        rc = cospin_train_shape(o, train->n_in, cospin_train_classes(train, test), units, &L,
                                err);
    if (rc == 0)
        rc = check_init_net(o, units, L, err);
    if (rc != 0)
        return rc;
    if (o->blas_threads > 0)
        cospin_blas_set_threads(o->blas_threads);
    r.t0 = cospin_now_s();
    r.c0 = cospin_cpu_s();
    r.n = train->n;
    r.n_in = train->n_in;
    r.m = o->batch ? o->batch : r.n;
    r.ntest = test ? (o->test_limit && o->test_limit < test->n ? o->test_limit : test->n) : 0;
    long start = 0;
    if ((rc = run_alloc(&r, units, L, err)) != 0)
        goto out;
    run_init_params(&r);
    if ((rc = run_resume(&r, &start, err)) != 0)
        goto out;
    res->n_history = start;
    rc = run_loop(&r, start, err);
    if (rc == 0)
        rc = run_finish(&r, err);
    if (rc != 0 && rc != COSPIN_ERR_INTERRUPTED) {   /* else run_finish or run_loop set them */
        struct ckpt_times spent = run_times(&r);
        res->cpu_s = spent.cpu_s;
        res->wall_s = spent.wall_s;
    }
    if (rc == 0 || rc == COSPIN_ERR_INTERRUPTED) {
        *out = r.nn;
        r.nn = NULL;
    }
out:
    run_free(&r);
    return rc;
}
