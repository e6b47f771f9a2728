/*
 * exp_sot.c -- <experiment type="sot">: synapse-device curves (thesis Fig.
 * 4.5) and training runs with synapse devices, PTQ/QAT and SOT neurons
 * (Fig. 4.6, 4.9, 4.10, 4.12).  Grammar: src/config/schema/sot.rng.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"
#include "csv.h"
#include "device.h"
#include "device_train.h"
#include "dist.h"
#include "error.h"
#include "exp_rows.h"
#include "experiment.h"
#include "output.h"
#include "plot.h"
#include "quant.h"
#include "train_job.h"

#define LOG_PREFIX "sot"
#include "log.h"

/* Devices of <curves> when the devices attribute is absent (Fig. 4.5). */
#define SOT_CURVE_DEVICES "ideal,rram,pcm,skyrmion,sot-s:21"
#define SOT_CURVE_POINTS 101

/* Apply the shared training settings of node (defaults or train) to job. */
static int apply_settings(const struct cospin_xml_node *n, struct cospin_train_job *job,
                          struct cospin_error *err)
{
    struct cospin_train_opts *o = &job->opts;
    int iv, rc = 0;
    const char *s;
    double dv;
    if (cospin_xml_has_attr(n, "dataset"))
        job->dataset = cospin_xml_attr(n, "dataset");
    if (cospin_xml_has_attr(n, "hidden") && cospin_xml_has_attr(n, "layers"))
        return cospin_xml_error(n, "layers", COSPIN_ERR_INVALID, err,
                                "hidden=\"H\" is short for layers=\"N_IN,H,N_CLASSES\": give "
                                "one of the two");
    if (cospin_xml_has_attr(n, "hidden")) {
        rc = cospin_xml_req_int(n, "hidden", &iv, err);
        o->hidden = (size_t)iv;
        o->n_layers = 0;   /* the short form overrides layers of the defaults */
    }
    if (rc == 0 && cospin_xml_has_attr(n, "layers")) {
        struct cospin_error perr = {0};
        if (cospin_nn_parse_layers(cospin_xml_attr(n, "layers"), o->layers, &o->n_layers, &perr))
            rc = cospin_xml_error(n, "layers", COSPIN_ERR_INVALID, err, "%s", perr.msg);
    }
    if (rc == 0 && cospin_xml_has_attr(n, "iters")) {
        rc = cospin_xml_req_int(n, "iters", &iv, err);
        o->iters = iv;
    }
    if (rc == 0 && cospin_xml_has_attr(n, "runs"))
        rc = cospin_xml_req_int(n, "runs", &job->runs, err);
    if (rc == 0 && cospin_xml_has_attr(n, "seed")) {
        rc = cospin_xml_req_int(n, "seed", &iv, err);
        o->seed = (uint64_t)iv;
    }
    if (rc == 0 && cospin_xml_has_attr(n, "train-limit")) {
        rc = cospin_xml_req_int(n, "train-limit", &iv, err);
        o->train_limit = (size_t)iv;
    }
    if (rc == 0 && cospin_xml_has_attr(n, "test-limit")) {
        rc = cospin_xml_req_int(n, "test-limit", &iv, err);
        o->test_limit = (size_t)iv;
    }
    if (rc == 0 && cospin_xml_has_attr(n, "lr")) {
        rc = cospin_xml_req_double(n, "lr", &dv, err);
        if (rc == 0 && !(dv > 0))
            rc = cospin_xml_error(n, "lr", COSPIN_ERR_INVALID, err, "must be > 0");
        o->lr = dv;
    }
    if (rc == 0 && (s = cospin_xml_attr(n, "batch")) != NULL) {
        char *end = NULL;
        long b = strtol(s, &end, 10);
        if (strcmp(s, "full") == 0)
            o->batch = 0;
        else if (end != s && *end == '\0' && b > 0)
            o->batch = (size_t)b;
        else
            rc = cospin_xml_error(n, "batch", COSPIN_ERR_INVALID, err,
                                     "expected \"full\" or a positive batch size");
    }
    return rc;
}

/* Device options of a <train> node into *dto (attribute names = CLI options). */
static int read_device_opts(const struct cospin_xml_node *n,
                            struct cospin_device_train_opts *dto, struct cospin_error *err)
{
    cospin_device_train_opts_init(dto);
    int quant = (int)dto->quant, round = (int)dto->round;
    double i_scale_ma = dto->i_scale_a * 1e3;
    int rc = cospin_xml_attr_str(n, "synapse", dto->synapse, &dto->synapse, err);
    if (!rc)
        rc = cospin_xml_attr_int(n, "states", dto->states, &dto->states, err);
    if (!rc)
        rc = cospin_xml_attr_enum(n, "quant", cospin_quant_mode_names, quant, &quant, err);
    if (!rc)
        rc = cospin_xml_attr_int(n, "cells", dto->cells, &dto->cells, err);
    if (!rc)
        rc = cospin_xml_attr_double(n, "w-max", dto->w_max, &dto->w_max, err);
    if (!rc)
        rc = cospin_xml_attr_enum(n, "round", cospin_round_mode_names, round, &round, err);
    if (!rc)
        rc = cospin_xml_attr_double(n, "c2c", dto->c2c_sigma, &dto->c2c_sigma, err);
    if (!rc)
        rc = cospin_xml_attr_str(n, "neuron", dto->neuron, &dto->neuron, err);
    if (!rc)
        rc = cospin_xml_attr_double(n, "i-scale-ma", i_scale_ma, &i_scale_ma, err);
    if (!rc)
        rc = cospin_xml_attr_bool(n, "pair", 0, &dto->pair, err);
    if (rc)
        return rc;
    dto->quant = (enum cospin_quant_mode)quant;
    dto->round = (enum cospin_round_mode)round;
    dto->i_scale_a = i_scale_ma * 1e-3;
    struct cospin_error sub = {0};
    rc = cospin_device_train_opts_validate(dto, &sub);
    if (rc && sub.file[0]) { /* an error inside a device file: keep its location */
        if (err && !err->code)
            *err = sub;
        return rc;
    }
    return rc ? cospin_xml_error(n, NULL, COSPIN_ERR_INVALID, err, "%s", sub.msg) : 0;
}

/* Prepare the job and hook context of one <train>; *dt is new on success. */
static int prepare(const struct cospin_xml_node *root, const struct cospin_xml_node *n,
                   struct cospin_train_job *job, struct cospin_device_train_opts *dto,
                   struct cospin_device_train **dt, struct cospin_error *err)
{
    *dt = NULL;
    cospin_train_job_init(job);
    job->figures = 0;
    job->fresh = 1;                   /* a rerun trains again (device runs cannot resume) */
    job->opts.hidden = 100;           /* the 784-100-10 network of thesis ch. 4 */
    job->opts.eval_every = 0;
    int rc = apply_settings(cospin_xml_child(root, "defaults"), job, err);
    if (rc == 0)
        rc = apply_settings(n, job, err);
    const char *mode = cospin_xml_attr(n, "mode");
    if (rc == 0 && mode && cospin_train_mode_parse(mode, &job->opts.mode) != 0)
        rc = cospin_xml_error(n, "mode", COSPIN_ERR_INVALID, err, "unknown mode");
    if (rc == 0)
        rc = read_device_opts(n, dto, err);
    struct cospin_error sub = {0};
    if (rc == 0 && (cospin_device_train_new(dto, dt, &sub) != 0 ||
                    cospin_device_train_install(*dt, &job->opts, &sub) != 0)) {
        cospin_device_train_free(*dt);
        *dt = NULL;
        rc = cospin_xml_error(n, NULL, sub.code ? sub.code : COSPIN_ERR_INVALID, err, "%s",
                                 sub.msg);
    }
    return rc;
}

int cospin_experiment_sot_check(const struct cospin_xml_node *root,
                                const struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    (void)ctx;
    for (const struct cospin_xml_node *n = cospin_xml_child(root, "train"); n;
         n = cospin_xml_next(n, "train")) {
        struct cospin_train_job job;
        struct cospin_device_train_opts dto;
        struct cospin_device_train *dt;
        int rc = prepare(root, n, &job, &dto, &dt, err);
        cospin_device_train_free(dt);
        if (rc)
            return rc;
    }
    return COSPIN_OK;
}

/* curves.svg: the thesis's Fig. 4.5 layout, LTP over pulses 0..1 then LTD
   over 1..2 (normalised pulse number), one line per device. */
static int plot_curves(const struct cospin_device *devs, int nd, int points, const char *out_dir,
                       struct cospin_error *err)
{
    struct cospin_plot *pl =
        cospin_plot_new("Synapse devices, LTP then LTD (thesis Fig. 4.5)",
                        "normalised pulse number (LTP 0..1, LTD 1..2)", "normalised G");
    size_t n = 2 * (size_t)points;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    int rc = 0;
    if (!pl || !x || !y)
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (int d = 0; d < nd && rc == 0; d++) {
        for (int i = 0; i < points; i++) {
            double q = (double)i / (points - 1);
            x[i] = q;
            y[i] = cospin_device_branch_g(&devs[d].ltp, q);
            x[points + i] = 1.0 + q;
            y[points + i] = cospin_device_branch_g(&devs[d].ltd, 1.0 - q);
        }
        if (cospin_plot_add(pl, devs[d].name, x, y, NULL, n, COSPIN_PLOT_LINE, err) < 0)
            rc = err && err->code ? err->code : COSPIN_ERR_NOMEM;
    }
    free(x);
    free(y);
    struct cospin_output o;
    if (rc == 0)
        rc = cospin_plot_set_yrange(pl, 0.0, 1.0);
    if (rc == 0)
        rc = cospin_output_open(&o, out_dir, "curves.svg", err);
    if (rc == 0) {
        rc = cospin_plot_write_svg_stream(pl, o.fp, err);
        if (rc == 0)
            rc = cospin_output_commit(&o, err);
        else
            cospin_output_abort(&o);
    }
    cospin_plot_free(pl);
    return rc;
}

/* curves.csv, curves.svg and levels.csv of <curves>. */
static int write_curves(const struct cospin_xml_node *c, const char *out_dir,
                        struct cospin_error *err)
{
    const char *list = cospin_xml_attr(c, "devices");
    int points = SOT_CURVE_POINTS;
    int rc = cospin_xml_attr_int(c, "points", SOT_CURVE_POINTS, &points, err);
    if (rc)
        return rc;
    if (points < 2)
        return cospin_xml_error(c, "points", COSPIN_ERR_INVALID, err, "must be >= 2");
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list ? list : SOT_CURVE_DEVICES);
    struct cospin_device devs[16];
    int nd = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
         tok = strtok_r(NULL, ", ", &save)) {
        struct cospin_error sub = {0};
        if (nd == 16)
            return cospin_xml_error(c, "devices", COSPIN_ERR_INVALID, err,
                                       "at most 16 devices");
        if (cospin_device_preset(tok, &devs[nd], &sub) != 0)
            return cospin_xml_error(c, "devices", COSPIN_ERR_INVALID, err, "%s", sub.msg);
        nd++;
    }
    struct cospin_csv_writer w;
    rc = cospin_csv_write_open(&w, out_dir, "curves.csv", 0, "device,branch,p,g", err);
    if (rc)
        return rc;
    for (int d = 0; d < nd; d++)
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < points; i++) {
                double p = (double)i / (points - 1);
                cospin_csv_put(&w, "%s", devs[d].name);
                cospin_csv_put(&w, "%s", b ? "ltd" : "ltp");
                cospin_csv_put(&w, "%.6f", p);
                cospin_csv_put(&w, "%.8f",
                               cospin_device_branch_g(b ? &devs[d].ltd : &devs[d].ltp, p));
                cospin_csv_end_row(&w);
            }
    rc = cospin_csv_write_commit(&w, err);
    if (rc == 0)
        rc = plot_curves(devs, nd, points, out_dir, err);
    if (rc)
        return rc;
    rc = cospin_csv_write_open(&w, out_dir, "levels.csv", 0, "device,states,level,g_ltp,g_ltd",
                               err);
    if (rc)
        return rc;
    for (int d = 0; d < nd; d++)
        for (int j = 0; devs[d].states > 0 && j <= devs[d].states; j++) {
            cospin_csv_put(&w, "%s", devs[d].name);
            cospin_csv_put(&w, "%d", devs[d].states);
            cospin_csv_put(&w, "%d", j);
            cospin_csv_put(&w, "%.8f", cospin_device_g_after(&devs[d], 0, j));
            cospin_csv_put(&w, "%.8f", cospin_device_g_after(&devs[d], 1, devs[d].states - j));
            cospin_csv_end_row(&w);
        }
    return cospin_csv_write_commit(&w, err);
}

/* One summary.csv row: the run's synapse, quantisation, neuron and results. */
static void put_summary_row(struct cospin_csv_writer *w, const char *name,
                            const struct cospin_device *d,
                            const struct cospin_device_train_opts *dto,
                            const struct cospin_train_job *job)
{
    static const char *const qn[] = {"none", "ptq", "qat"};
    cospin_csv_put(w, "%s", name);
    cospin_csv_put(w, "%s", d ? d->name : "float");
    cospin_csv_put(w, "%d", d ? d->states : 0);
    cospin_csv_put(w, "%s", qn[dto->quant]);
    cospin_csv_put(w, "%d", dto->cells);
    cospin_csv_put(w, "%s", dto->neuron ? dto->neuron : "sigmoid");
    cospin_csv_put(w, "%s", cospin_train_mode_name(job->opts.mode));
    cospin_csv_put(w, "%d", job->runs);
    cospin_csv_put(w, "%.6f", job->test_acc_mean);
    cospin_csv_put(w, "%.6f", job->test_acc_std);
    cospin_csv_put(w, "%.6f", job->loss_mean);
    cospin_csv_put(w, "%.6f", job->loss_std);
    cospin_csv_put(w, "%.2f", job->cpu_s);
    cospin_csv_end_row(w);
}

/* The rows: the <train> elements (exp_rows.h). */
struct sot_rows {
    const struct cospin_xml_node *root;
    const struct cospin_xml_node **nodes;
    size_t n;
    const struct cospin_experiment_ctx *ctx;
};

/* What a row's summary line needs of its run (the rest comes from the file). */
struct sot_result {
    double test_acc_mean, test_acc_std, loss_mean, loss_std, cpu_s;
};

static const char *sot_row_name(void *ctx, size_t i)
{
    const struct sot_rows *rows = ctx;
    return cospin_xml_attr(rows->nodes[i], "name");
}

static int sot_row_run(void *ctx, size_t i, const char *dir, void *result,
                       struct cospin_error *err)
{
    const struct sot_rows *rows = ctx;
    const struct cospin_xml_node *n = rows->nodes[i];
    struct cospin_train_job job;
    struct cospin_device_train_opts dto;
    struct cospin_device_train *dt;
    const char *name = cospin_xml_attr(n, "name");
    int rc = prepare(rows->root, n, &job, &dto, &dt, err);
    if (rc == 0 && rows->ctx->stop && *rows->ctx->stop)
        rc = COSPIN_ERR_INTERRUPTED;
    if (rc == 0) {
        job.out_dir = dir;
        job.opts.stop = rows->ctx->stop;
        cospin_info("run %zu/%zu: %s", i + 1, rows->n, name);
        rc = cospin_train_job_run(&job, err);
    }
    if (rc == 0 && cospin_device_train_active(dt))
        rc = cospin_device_train_write_report(dt, dir, err);
    cospin_device_train_free(dt);
    if (rc) {
        if (rc != COSPIN_ERR_INTERRUPTED)
            cospin_error_prefix(err, name);
        return rc;
    }
    struct sot_result r = {job.test_acc_mean, job.test_acc_std, job.loss_mean, job.loss_std,
                           job.cpu_s};
    memcpy(result, &r, sizeof r);
    return COSPIN_OK;
}

/* summary.csv from the rows' results (rank 0). */
static int write_summary(const struct sot_rows *rows, const struct sot_result *res,
                         const char *out_dir, struct cospin_error *err)
{
    struct cospin_csv_writer sum;
    int rc = cospin_csv_write_open(&sum, out_dir, "summary.csv", 0,
                                   "name,synapse,states,quant,cells,neuron,mode,runs,test_acc_mean,"
                                   "test_acc_std,loss_mean,loss_std,cpu_s", err);
    for (size_t i = 0; i < rows->n && rc == 0; i++) {
        struct cospin_train_job job;
        struct cospin_device_train_opts dto;
        struct cospin_device_train *dt;
        rc = prepare(rows->root, rows->nodes[i], &job, &dto, &dt, err);
        if (rc == 0) {
            job.test_acc_mean = res[i].test_acc_mean;
            job.test_acc_std = res[i].test_acc_std;
            job.loss_mean = res[i].loss_mean;
            job.loss_std = res[i].loss_std;
            job.cpu_s = res[i].cpu_s;
            put_summary_row(&sum, sot_row_name((void *)rows, i), cospin_device_train_device(dt),
                            &dto, &job);
        }
        cospin_device_train_free(dt);
    }
    if (rc) {
        cospin_csv_write_abort(&sum);
        return rc;
    }
    return cospin_csv_write_commit(&sum, err);
}

/* Under MPI the curves are rank 0's, the <train> rows are spread over the
   ranks (exp_rows.h), and rank 0 writes summary.csv. */
int cospin_experiment_sot(const struct cospin_xml_node *root,
                          const struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    const char *out_dir = ctx->out_dir;
    int rc = cospin_experiment_sot_check(root, ctx, err);
    if (rc)
        return rc;
    int lead = cospin_dist_rank() == 0;
    const struct cospin_xml_node *c = cospin_xml_child(root, "curves");
    if (c && lead)
        rc = write_curves(c, out_dir, err);
    struct sot_rows rows = {root, NULL, cospin_xml_count(root, "train"), ctx};
    rows.nodes = calloc(rows.n + 1, sizeof *rows.nodes);
    struct sot_result *res = calloc(rows.n + 1, sizeof *res);
    if (!rc && (!rows.nodes || !res))
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    rc = cospin_dist_agree(rc, err);
    size_t k = 0, done = 0;
    for (const struct cospin_xml_node *n = cospin_xml_child(root, "train"); !rc && n;
         n = cospin_xml_next(n, "train"))
        rows.nodes[k++] = n;
    struct cospin_exp_rows spec = {rows.n, sizeof *res, sot_row_name, sot_row_run, &rows};
    if (!rc && rows.n > 0)
        rc = cospin_exp_rows_run(&spec, out_dir, res, &done, err);
    if (!rc && rows.n > 0 && lead)
        rc = write_summary(&rows, res, out_dir, err);
    if (rc == COSPIN_ERR_INTERRUPTED) {
        cospin_error_clear(err);
        cospin_error_set(err, COSPIN_ERR_INTERRUPTED, out_dir, 0,
                         "%zu of %zu <train> runs finished (their directories are kept); "
                         "summary.csv is written by a complete run",
                         done, rows.n);
    }
    free(rows.nodes);
    free(res);
    return rc;
}
