/*
 * exp_train.c -- <experiment type="train"> (src/config/schema/train.rng): each
 * <train> element is one training job (train_job.h) written to
 * OUT_DIR/<name>/, then a summary over the jobs and one accuracy figure.
 */
#include <config.h>

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "dist.h"
#include "error.h"
#include "exp_rows.h"
#include "experiment.h"
#include "plot.h"
#include "train_job.h"

#define LOG_PREFIX "train"
#include "log.h"

/* The attribute of t, else of d (the <defaults> element, may be NULL). */
static const struct cospin_xml_node *owner(const struct cospin_xml_node *t,
                                              const struct cospin_xml_node *d,
                                              const char *attr)
{
    if (cospin_xml_has_attr(t, attr))
        return t;
    if (d && cospin_xml_has_attr(d, attr))
        return d;
    return NULL;
}

static int get_range(const struct cospin_xml_node *t, const struct cospin_xml_node *d,
                     const char *attr, double *lo, double *hi, int *set, struct cospin_error *err)
{
    const struct cospin_xml_node *n = owner(t, d, attr);
    if (set)
        *set = 0;
    if (!n)
        return 0;
    const char *v = cospin_xml_attr(n, attr);
    char *end;
    double a = strtod(v, &end);
    if (end == v || *end != ':')
        return cospin_xml_error(n, attr, COSPIN_ERR_PARSE, err, "expected LO:HI");
    const char *s2 = end + 1;
    double b = strtod(s2, &end);
    if (end == s2 || *end || !(a <= b))
        return cospin_xml_error(n, attr, COSPIN_ERR_PARSE, err, "expected LO:HI with LO <= HI");
    *lo = a;
    *hi = b;
    if (set)
        *set = 1;
    return 0;
}

static int get_double(const struct cospin_xml_node *t, const struct cospin_xml_node *d,
                      const char *attr, double *v, struct cospin_error *err)
{
    const struct cospin_xml_node *n = owner(t, d, attr);
    return n ? cospin_xml_attr_double(n, attr, *v, v, err) : 0;
}

static int get_long(const struct cospin_xml_node *t, const struct cospin_xml_node *d,
                    const char *attr, long lo, long *v, struct cospin_error *err)
{
    const struct cospin_xml_node *n = owner(t, d, attr);
    if (!n)
        return 0;
    int iv = (int)*v;
    int rc = cospin_xml_attr_int(n, attr, iv, &iv, err);
    if (rc == 0 && iv < lo)
        return cospin_xml_error(n, attr, COSPIN_ERR_INVALID, err, "must be >= %ld", lo);
    *v = iv;
    return rc;
}

static const char *get_str(const struct cospin_xml_node *t, const struct cospin_xml_node *d,
                           const char *attr)
{
    const struct cospin_xml_node *n = owner(t, d, attr);
    return n ? cospin_xml_attr(n, attr) : NULL;
}

/* The file named by attribute attr of t over d, a relative path taken from
   the experiment file's directory, into buf; NULL if absent. */
static const char *file_attr(const struct cospin_xml_node *t, const struct cospin_xml_node *d,
                             const char *attr, char *buf, size_t n)
{
    const char *s = get_str(t, d, attr);
    if (!s)
        return NULL;
    if (s[0] == '/') {
        snprintf(buf, n, "%s", s);
    } else {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s", cospin_xml_file(owner(t, d, attr)));
        snprintf(buf, n, "%s/%s", dirname(tmp), s);
    }
    return buf;
}

/*
 * layers="784,256,128,10" (any depth; hidden="H" is short for N_IN,H,N_CLASSES, so the
 * two exclude each other on one element; a <train>'s one overrides <defaults>' other).
 */
static int get_layers(const struct cospin_xml_node *t, const struct cospin_xml_node *d,
                      struct cospin_train_opts *o, struct cospin_error *err)
{
    const struct cospin_xml_node *n = owner(t, d, "layers");
    if (!n)
        return 0;
    if (cospin_xml_has_attr(n, "hidden"))
        return cospin_xml_error(n, "layers", COSPIN_ERR_INVALID, err,
                                "hidden=\"H\" is short for layers=\"N_IN,H,N_CLASSES\": "
                                "give one of the two");
    if (n == d && cospin_xml_has_attr(t, "hidden"))
        return 0;   /* the <train>'s hidden wins over the defaults' layers */
    struct cospin_error perr = {0};
    if (cospin_nn_parse_layers(cospin_xml_attr(n, "layers"), o->layers, &o->n_layers, &perr))
        return cospin_xml_error(n, "layers", COSPIN_ERR_INVALID, err, "%s", perr.msg);
    return 0;
}

/* Fill job from the attributes of t over d.  path_buf receives a resolved neuron-table path,
   dev_buf a resolved device-file path. */
static int job_from_xml(const struct cospin_xml_node *t, const struct cospin_xml_node *d,
                        struct cospin_train_job *job, char *path_buf, size_t path_n,
                        char *dev_buf, size_t dev_n, struct cospin_error *err)
{
    struct cospin_train_opts *o = &job->opts;
    const char *s;
    long lv;
    double lo, hi;
    int set, rc;
    if ((s = get_str(t, d, "dataset")))
        job->dataset = s;
    lv = (long)o->hidden;
    if ((rc = get_long(t, d, "hidden", 1, &lv, err)))
        return rc;
    o->hidden = (size_t)lv;
    if ((rc = get_layers(t, d, o, err)))
        return rc;
    if ((s = get_str(t, d, "mode")) && cospin_train_mode_parse(s, &o->mode))
        return cospin_xml_error(owner(t, d, "mode"), "mode", COSPIN_ERR_INVALID, err,
                                   "expected baseline, kc or k");
    if ((rc = get_double(t, d, "lr", &o->lr, err)))
        return rc;
    if (!(o->lr > 0))
        return cospin_xml_error(owner(t, d, "lr"), "lr", COSPIN_ERR_INVALID, err, "must be > 0");
    if ((rc = get_long(t, d, "iters", 1, &o->iters, err)))
        return rc;
    if ((s = get_str(t, d, "batch")))
        o->batch = strcmp(s, "full") == 0 ? 0 : (size_t)strtoul(s, NULL, 10);
    lv = (long)o->seed;
    if ((rc = get_long(t, d, "seed", 0, &lv, err)))
        return rc;
    o->seed = (uint64_t)lv;
    lv = job->runs;
    if ((rc = get_long(t, d, "runs", 1, &lv, err)))
        return rc;
    job->runs = (int)lv;
    if ((rc = get_range(t, d, "init-k", &o->init.k_lo, &o->init.k_hi, NULL, err)) ||
        (rc = get_range(t, d, "init-c", &o->init.c_lo, &o->init.c_hi, NULL, err)) ||
        (rc = get_double(t, d, "init-w-gain", &o->init.w_gain, err)))
        return rc;
    if ((rc = get_range(t, d, "k-range", &lo, &hi, &set, err)))
        return rc;
    if (set) {
        o->k_min = (float)lo;
        o->k_max = (float)hi;
        o->init.k_lo = fmax(o->init.k_lo, lo);
        o->init.k_hi = fmin(o->init.k_hi, hi);
        if (o->init.k_lo > o->init.k_hi)
            o->init.k_lo = o->init.k_hi = lo;
    }
    if ((rc = get_range(t, d, "c-range", &lo, &hi, &set, err)))
        return rc;
    if (set) {
        o->c_min = (float)lo;
        o->c_max = (float)hi;
    }
    double bk = o->baseline_k;
    if ((rc = get_double(t, d, "baseline-k", &bk, err)))
        return rc;
    o->baseline_k = (float)bk;
    lv = (long)o->train_limit;
    if ((rc = get_long(t, d, "train-limit", 0, &lv, err)))
        return rc;
    o->train_limit = (size_t)lv;
    lv = (long)o->test_limit;
    if ((rc = get_long(t, d, "test-limit", 0, &lv, err)))
        return rc;
    o->test_limit = (size_t)lv;
    if ((rc = get_long(t, d, "eval-every", 0, &o->eval_every, err)))
        return rc;
    lv = o->blas_threads;
    if ((rc = get_long(t, d, "threads", 0, &lv, err)))
        return rc;
    o->blas_threads = (int)lv;
    if ((s = get_str(t, d, "level")))
        job->device_level = strcmp(s, "device") == 0;
    job->neuron_table = file_attr(t, d, "neuron-table", path_buf, path_n);
    job->device_file = file_attr(t, d, "device", dev_buf, dev_n);
    if (job->device_level && !job->neuron_table)
        return cospin_xml_error(t, "level", COSPIN_ERR_INVALID, err,
                                   "level=\"device\" needs a neuron-table (fit.csv)");
    if (job->device_file && !job->device_level)
        return cospin_xml_error(owner(t, d, "device"), "device", COSPIN_ERR_INVALID, err,
                                "a device file belongs to level=\"device\"");
    if ((s = get_str(t, d, "device-mode")))
        cospin_device_mode_parse(s, &job->map_opts.mode);
    if ((rc = get_double(t, d, "i-scale", &job->map_opts.i_scale_ua, err)))
        return rc;
    if (!(job->map_opts.i_scale_ua > 0))
        return cospin_xml_error(owner(t, d, "i-scale"), "i-scale", COSPIN_ERR_INVALID, err,
                                   "must be > 0 uA");
    if ((s = get_str(t, d, "i-bias"))) {
        if (strcmp(s, "ref") == 0)
            job->map_opts.i_bias_ua = INFINITY;
        else if ((rc = get_double(t, d, "i-bias", &job->map_opts.i_bias_ua, err)))
            return rc;
    }
    if ((rc = get_double(t, d, "ku", &job->map_opts.ku_j_per_m3, err)) ||
        (rc = get_double(t, d, "c-hold", &job->map_opts.c_hold_ua, err)))
        return rc;
    return 0;
}

/* Test accuracy per evaluated iteration from a job's metrics.csv (one run's
   or the mean of runs: both have the columns iteration and test_acc).
   Returns the number of points; a file that cannot be read gives none, with
   a warning (the figure is a convenience, the files are the result). */
static size_t read_test_curve(const char *path, double *it, double *acc, size_t max)
{
    enum { M_ITER, M_TEST, M_NCOL };
    static const struct cospin_csv_column cols[M_NCOL] = {
        {"iteration", COSPIN_CSV_NUMBER},
        {"test_acc", COSPIN_CSV_NUMBER | COSPIN_CSV_EMPTY_OK},
    };
    struct cospin_error err = {0};
    struct cospin_csv *r;
    size_t n = 0;
    int rc = cospin_csv_open(path, cols, M_NCOL, 0, &r, &err);
    while (rc == 0 && n < max && (rc = cospin_csv_next(r, &err)) > 0) {
        rc = 0;
        if (isnan(cospin_csv_num(r, M_TEST)))
            continue; /* not evaluated at this iteration */
        it[n] = cospin_csv_num(r, M_ITER);
        acc[n] = cospin_csv_num(r, M_TEST);
        n++;
    }
    if (rc < 0) {
        char msg[1200];
        cospin_warn("no test curve: %s", cospin_error_format(&err, msg, sizeof msg));
    }
    cospin_csv_close(r);
    return n;
}

/* One summary.csv row: the job's settings and results. */
static void put_summary_row(struct cospin_csv_writer *w, const char *name,
                            const struct cospin_train_job *job)
{
    const struct cospin_train_opts *o = &job->opts;
    cospin_csv_put(w, "%s", name);
    cospin_csv_put(w, "%s", job->device_level ? cospin_device_mode_name(job->map_opts.mode)
                                              : cospin_train_mode_name(o->mode));
    char hidden[400];
    cospin_csv_put(w, "%s", job->device_level ? "device" : "math");
    cospin_csv_put(w, "%s", cospin_train_hidden_text(o, hidden, sizeof hidden));
    cospin_csv_put(w, "%g", o->lr);
    cospin_csv_put(w, "%ld", o->iters);
    if (o->batch)
        cospin_csv_put(w, "%zu", o->batch);
    else
        cospin_csv_put(w, "full");
    cospin_csv_put(w, "%d", job->runs);
    cospin_csv_put(w, "%.6f", job->test_acc_mean);
    cospin_csv_put(w, "%.6f", job->test_acc_std);
    cospin_csv_put(w, "%.6f", job->loss_mean);
    cospin_csv_put(w, "%.6f", job->loss_std);
    cospin_csv_put(w, "%.2f", job->cpu_s);
    cospin_csv_end_row(w);
}

/* The rows: the <train> elements (exp_rows.h). */
struct train_rows {
    const struct cospin_xml_node *defs;
    const struct cospin_xml_node **nodes;
    size_t n;
    const struct cospin_experiment_ctx *ctx;
};

/* What a row's summary line needs of its run (the rest comes from the file). */
struct train_result {
    double test_acc_mean, test_acc_std, loss_mean, loss_std, cpu_s;
};

static const char *train_row_name(void *ctx, size_t i)
{
    const struct train_rows *rows = ctx;
    return cospin_xml_attr(rows->nodes[i], "name");
}

static int train_row_run(void *ctx, size_t i, const char *dir, void *result,
                         struct cospin_error *err)
{
    const struct train_rows *rows = ctx;
    const struct cospin_xml_node *t = rows->nodes[i];
    struct cospin_train_job job;
    cospin_train_job_init(&job);
    job.opts.resume = 1; /* rerunning the file continues from the checkpoints */
    char table[1100], devfile[1100], npz[2300], shape[400];
    int rc = job_from_xml(t, rows->defs, &job, table, sizeof table, devfile, sizeof devfile, err);
    if (rc)
        return rc;
    const char *name = cospin_xml_attr(t, "name");
    job.out_dir = dir;
    job.opts.stop = rows->ctx->stop;   /* a checkpoint is written when it stops */
    if (rows->ctx->stop && *rows->ctx->stop)
        return COSPIN_ERR_INTERRUPTED;
    /* save-npz: a relative name goes into the <train>'s own directory */
    const char *s = get_str(t, rows->defs, "save-npz");
    if (s) {
        snprintf(npz, sizeof npz, s[0] == '/' ? "%.0s%s" : "%s/%s", dir, s);
        job.save_npz = npz;
    }
    if (job.opts.n_layers)
        cospin_nn_shape_text(job.opts.layers, job.opts.n_layers, shape, sizeof shape);
    else
        snprintf(shape, sizeof shape, "N_IN-%zu-N_CLASSES", job.opts.hidden);
    cospin_info("<train name=\"%s\"> (%zu of %zu): %s, %s, lr %g, %ld iterations, %d run%s",
                name, i + 1, rows->n, job.device_level ? "device level" :
                cospin_train_mode_name(job.opts.mode), shape, job.opts.lr,
                job.opts.iters, job.runs, job.runs == 1 ? "" : "s");
    if ((rc = cospin_train_job_run(&job, err)) != 0) {
        if (rc != COSPIN_ERR_INTERRUPTED && (!err || !err->line)) {
            char what[200];
            snprintf(what, sizeof what, "<train name=\"%s\">", name);
            cospin_error_prefix(err, what);
        }
        return rc;
    }
    struct train_result r = {job.test_acc_mean, job.test_acc_std, job.loss_mean, job.loss_std,
                             job.cpu_s};
    memcpy(result, &r, sizeof r);
    return COSPIN_OK;
}

/* summary.csv and accuracy.svg from the rows' results and metrics files. */
static int write_summary(const struct train_rows *rows, const struct train_result *res,
                         struct cospin_csv_writer *sum, const char *out_dir,
                         struct cospin_error *err)
{
    struct cospin_plot *plot = cospin_plot_new("test accuracy (mean of runs)", "iteration",
                                               "test accuracy");
    double *it = malloc(200000 * sizeof *it), *acc = malloc(200000 * sizeof *acc);
    int rc = plot && it && acc ? COSPIN_OK
                               : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < rows->n && !rc; i++) {
        struct cospin_train_job job;
        cospin_train_job_init(&job);
        char table[1100], devfile[1100], mpath[1200];
        if ((rc = job_from_xml(rows->nodes[i], rows->defs, &job, table, sizeof table, devfile,
                               sizeof devfile, err)))
            break;
        job.test_acc_mean = res[i].test_acc_mean;
        job.test_acc_std = res[i].test_acc_std;
        job.loss_mean = res[i].loss_mean;
        job.loss_std = res[i].loss_std;
        job.cpu_s = res[i].cpu_s;
        const char *name = train_row_name((void *)rows, i);
        put_summary_row(sum, name, &job);
        snprintf(mpath, sizeof mpath, "%s/%s/metrics.csv", out_dir, name);
        size_t n = read_test_curve(mpath, it, acc, 200000);
        if (n > 0)
            cospin_plot_add(plot, name, it, acc, NULL, n, COSPIN_PLOT_LINE, NULL);
    }
    if (!rc)
        rc = cospin_csv_write_commit(sum, err);
    if (!rc) {
        cospin_plot_set_yrange(plot, 0.0, 1.0);
        char fig[1100];
        snprintf(fig, sizeof fig, "%s/accuracy.svg", out_dir);
        struct cospin_error perr = {0};
        if (cospin_plot_write_svg(plot, fig, &perr) != 0)
            cospin_warn("no accuracy figure: %s", perr.msg);
    }
    cospin_plot_free(plot);
    free(it);
    free(acc);
    return rc;
}

/* Under MPI the <train> rows are spread over the ranks (exp_rows.h); rank 0
   writes summary.csv and accuracy.svg. */
int cospin_experiment_train(const struct cospin_xml_node *root,
                            const struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    const char *out_dir = ctx->out_dir;
    struct train_rows rows = {cospin_xml_child(root, "defaults"), NULL,
                              cospin_xml_count(root, "train"), ctx};
    int lead = cospin_dist_rank() == 0;
    struct cospin_csv_writer sum;
    memset(&sum, 0, sizeof sum);
    int rc = lead ? cospin_csv_write_open(&sum, out_dir, "summary.csv", 0,
                                          "name,mode,level,hidden,lr,iters,batch,runs,"
                                          "test_acc_mean,test_acc_std,loss_mean,loss_std,cpu_s",
                                          err)
                  : COSPIN_OK;
    rows.nodes = calloc(rows.n + 1, sizeof *rows.nodes);
    struct train_result *res = calloc(rows.n + 1, sizeof *res);
    if (!rc && (!rows.nodes || !res))
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    rc = cospin_dist_agree(rc, err);
    size_t k = 0, done = 0;
    for (const struct cospin_xml_node *t = cospin_xml_child(root, "train"); !rc && t;
         t = cospin_xml_next(t, "train"))
        rows.nodes[k++] = t;
    struct cospin_exp_rows spec = {rows.n, sizeof *res, train_row_name, train_row_run, &rows};
    if (!rc)
        rc = cospin_exp_rows_run(&spec, out_dir, res, &done, err);
    if (!rc && lead)
        rc = write_summary(&rows, res, &sum, out_dir, err);
    if (rc == COSPIN_ERR_INTERRUPTED) {
        cospin_error_clear(err);
        cospin_error_set(err, COSPIN_ERR_INTERRUPTED, out_dir, 0,
                         "%zu of %zu <train> jobs finished; the one in progress left a "
                         "checkpoint: rerun the experiment to continue from it", done, rows.n);
    }
    if (lead)
        cospin_csv_write_abort(&sum);
    free(rows.nodes);
    free(res);
    return rc;
}
