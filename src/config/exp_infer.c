/*
 * exp_infer.c -- <experiment type="infer"> (src/config/schema/infer.rng):
 * each <infer> element is one infer job (infer_job.h) written to
 * OUT_DIR/<name>/, then OUT_DIR/summary.csv with one row per job.
 */
#include <config.h>

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "error.h"
#include "exp_rows.h"
#include "experiment.h"
#include "infer_job.h"

#define LOG_PREFIX "infer"
#include "log.h"

/* The element that gives attr: n, else d (the <defaults> element, may be NULL), else NULL. */
static const struct cospin_xml_node *owner(const struct cospin_xml_node *n,
                                           const struct cospin_xml_node *d, const char *attr)
{
    if (cospin_xml_has_attr(n, attr))
        return n;
    if (d && cospin_xml_has_attr(d, attr))
        return d;
    return NULL;
}

/* A number attribute of n over d into *v (unchanged when absent), >= lo. */
static int get_double(const struct cospin_xml_node *n, const struct cospin_xml_node *d,
                      const char *attr, double lo, double *v, struct cospin_error *err)
{
    const struct cospin_xml_node *o = owner(n, d, attr);
    if (!o)
        return COSPIN_OK;
    int rc = cospin_xml_attr_double(o, attr, *v, v, err);
    if (!rc && !(*v >= lo))
        rc = cospin_xml_error(o, attr, COSPIN_ERR_INVALID, err, "must be >= %g", lo);
    return rc;
}

/*
 * The network's file, model="model.xml" or weights="w.npz" (the nearer one
 * when <defaults> gives the other; never both on one element), into buf
 * and *attr ("model" or "weights"): absolute as given, relative from the
 * experiment file's directory.
 */
static int get_model(const struct cospin_xml_node *n, const struct cospin_xml_node *d,
                     char *buf, size_t sz, const char **attr, struct cospin_error *err)
{
    const struct cospin_xml_node *om = owner(n, d, "model"), *ow = owner(n, d, "weights");
    if (om && om == ow)
        return cospin_xml_error(om, "weights", COSPIN_ERR_INVALID, err,
                                "give model=\"..\" or weights=\"..\", not both");
    if (!om && !ow)
        return cospin_xml_error(n, "model", COSPIN_ERR_INVALID, err,
                                "no model: give model=\"DIR/model.xml\" or weights=\"W.npz\" "
                                "here or in <defaults>");
    *attr = om && (!ow || om == n) ? "model" : "weights";
    const struct cospin_xml_node *o = *attr[0] == 'm' ? om : ow;
    const char *s = cospin_xml_attr(o, *attr);
    if (s[0] == '/') {
        snprintf(buf, sz, "%s", s);
    } else {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s", cospin_xml_file(o));
        snprintf(buf, sz, "%s/%s", dirname(tmp), s);
    }
    return COSPIN_OK;
}

/* An integer attribute of n over d into *v (unchanged when absent), in [lo, hi]. */
static int get_int(const struct cospin_xml_node *n, const struct cospin_xml_node *d,
                   const char *attr, int lo, int hi, int *v, struct cospin_error *err)
{
    const struct cospin_xml_node *o = owner(n, d, attr);
    if (!o)
        return COSPIN_OK;
    int rc = cospin_xml_attr_int(o, attr, *v, v, err);
    if (rc == 0 && (*v < lo || *v > hi))
        rc = cospin_xml_error(o, attr, COSPIN_ERR_INVALID, err, "must be in [%d, %d]", lo, hi);
    return rc;
}

/* The engine, verify and the non-idealities of n over d into job. */
static int circuit_from_xml(const struct cospin_xml_node *n, const struct cospin_xml_node *d,
                            struct cospin_infer_job *job, struct cospin_error *err)
{
    static const char *const engines[] = {"auto", "ngspice", "sparse", NULL};
    struct cospin_nonideal *ni = &job->nonideal;
    const struct cospin_xml_node *o;
    int rc = 0, iv, chip = (int)ni->chip_seed, read = (int)ni->read_seed, verify = 0;
    if ((o = owner(n, d, "engine"))) {
        if ((rc = cospin_xml_attr_enum(o, "engine", engines, 0, &iv, err)))
            return rc;
        job->engine = (enum cospin_infer_engine)iv;
    }
    if ((rc = get_int(n, d, "verify", 0, 1000000000, &verify, err)) ||
        (rc = get_double(n, d, "g-sigma", 0, &ni->g_sigma, err)) ||
        (rc = get_double(n, d, "stuck-on", 0, &ni->stuck_on, err)) ||
        (rc = get_double(n, d, "stuck-off", 0, &ni->stuck_off, err)) ||
        (rc = get_int(n, d, "chip-seed", 0, 2147483647, &chip, err)) ||
        (rc = get_double(n, d, "read-noise", 0, &ni->read_noise, err)) ||
        (rc = get_int(n, d, "adc-bits", 0, COSPIN_NONIDEAL_ADC_MAX_BITS, &ni->adc_bits, err)) ||
        (rc = get_double(n, d, "adc-range", 0, &ni->adc_range, err)) ||
        (rc = get_int(n, d, "neuron-samples", 0, COSPIN_NONIDEAL_MAX_SAMPLES, &ni->neuron_samples,
                      err)) ||
        (rc = get_int(n, d, "read-seed", 0, 2147483647, &read, err)))
        return rc;
    job->verify = (size_t)verify;
    ni->chip_seed = (uint64_t)chip;
    ni->read_seed = (uint64_t)read;
    struct cospin_error e = {0};
    if (cospin_nonideal_validate(ni, &e))   /* the fractions' upper bounds and their sum */
        return cospin_xml_error(n, NULL, COSPIN_ERR_INVALID, err, "%s", e.msg);
    return COSPIN_OK;
}

/* Fill job from the attributes of n over d (job starts from cospin_infer_job_init). */
static int job_from_xml(const struct cospin_xml_node *n, const struct cospin_xml_node *d,
                        struct cospin_infer_job *job, char *model_buf, size_t model_sz,
                        struct cospin_error *err)
{
    static const char *const cells[] = {"resistor", "vccs", "vccspair", NULL};
    struct cospin_xbar_opts *xb = &job->xbar;
    const struct cospin_xml_node *o;
    int rc, iv;
    const char *which = NULL;
    if ((rc = get_model(n, d, model_buf, model_sz, &which, err)))
        return rc;
    if (which[0] == 'm')
        job->model = model_buf;
    else
        job->weights = model_buf;
    if ((o = owner(n, d, "dataset")))
        job->dataset = cospin_xml_attr(o, "dataset");
    if ((o = owner(n, d, "limit"))) {
        if ((rc = cospin_xml_attr_int(o, "limit", 0, &iv, err)))
            return rc;
        job->limit = (size_t)iv;
    }
    if ((o = owner(n, d, "circuit")) &&
        (rc = cospin_xml_attr_bool(o, "circuit", 0, &job->circuit, err)))
        return rc;
    if ((o = owner(n, d, "workers"))) {
        if ((rc = cospin_xml_attr_int(o, "workers", 2, &job->workers, err)))
            return rc;
        if (job->workers > 64)
            return cospin_xml_error(o, "workers", COSPIN_ERR_INVALID, err, "at most 64");
    }
    if ((o = owner(n, d, "cell"))) {
        if ((rc = cospin_xml_attr_enum(o, "cell", cells, 2, &iv, err)))
            return rc;
        xb->cell = (enum cospin_xbar_cell)iv;
        job->cell_auto = 0;
    }
    if ((rc = get_double(n, d, "v-read", 1e-12, &xb->v_read_v, err)) ||
        (rc = get_double(n, d, "g-min", 1e-15, &xb->g_min_s, err)) ||
        (rc = get_double(n, d, "g-max", 1e-15, &xb->g_max_s, err)) ||
        (rc = get_double(n, d, "w-max", 1e-12, &job->w_max, err)) ||
        (rc = get_double(n, d, "r-wire", 0, &xb->r_wire_ohm, err)) ||
        (rc = get_double(n, d, "dev-k", 1e-12, &job->dev_k_per_ua, err)) ||
        (rc = get_double(n, d, "dev-c", -1e12, &job->dev_c_ua, err)))
        return rc;
    if ((o = owner(n, d, "tile")) &&
        sscanf(cospin_xml_attr(o, "tile"), "%d:%d", &xb->tile_rows, &xb->tile_cols) != 2)
        return cospin_xml_error(o, "tile", COSPIN_ERR_PARSE, err, "expected R:C");
    return circuit_from_xml(n, d, job, err);
}

static void summary_row(FILE *f, const char *name, const struct cospin_infer_job *job,
                        const struct cospin_infer_result *r)
{
    fprintf(f, "%s,%zu,%d,%.6f", name, r->images, job->circuit, r->acc_math);
    if (job->circuit)
        fprintf(f, ",%.6f,%.6f,%.6e,%.6e", r->acc_circuit, r->agreement, r->max_current_rel_dev,
                r->max_activation_dev);
    else
        fprintf(f, ",,,,");
    if (r->energy_status == 0)
        fprintf(f, ",%.6e", r->energy.neuron_j + r->energy.read_j);
    else
        fprintf(f, ",");
    fprintf(f, ",%.3f\n", r->wall_s);
}

/* The rows: the <infer> elements (exp_rows.h); a row's result is its
   struct cospin_infer_result (plain data). */
struct infer_rows {
    const struct cospin_xml_node *defs;
    const struct cospin_xml_node **nodes;
    size_t n;
    const struct cospin_experiment_ctx *ctx;
};

static const char *infer_row_name(void *ctx, size_t i)
{
    const struct infer_rows *rows = ctx;
    return cospin_xml_attr(rows->nodes[i], "name");
}

static int infer_row_run(void *ctx, size_t i, const char *dir, void *result,
                         struct cospin_error *err)
{
    const struct infer_rows *rows = ctx;
    struct cospin_infer_job job;
    struct cospin_infer_result *res = result;
    char model[1100];
    cospin_infer_job_init(&job);
    int rc = job_from_xml(rows->nodes[i], rows->defs, &job, model, sizeof model, err);
    if (rc)
        return rc;
    const char *name = infer_row_name(ctx, i);
    job.out_dir = dir;
    job.stop = rows->ctx->stop;
    if (rows->ctx->stop && *rows->ctx->stop)
        return COSPIN_ERR_INTERRUPTED;
    cospin_info("<infer name=\"%s\"> (%zu of %zu): %s, %s", name, i + 1, rows->n,
                job.model ? job.model : job.weights, job.circuit ? "math level and circuit" : "math level");
    if ((rc = cospin_infer_job_run(&job, res, err))) {
        if (rc != COSPIN_ERR_INTERRUPTED && (!err || !err->line)) {
            char what[200];
            snprintf(what, sizeof what, "<infer name=\"%s\">", name);
            cospin_error_prefix(err, what);
        }
        return rc;
    }
    if (job.circuit)
        cospin_info("%s: math level %.2f %%, circuit %.2f %% (predictions agree on %.2f %%)",
                    name, 100 * res->acc_math, 100 * res->acc_circuit, 100 * res->agreement);
    else
        cospin_info("%s: math level %.2f %%", name, 100 * res->acc_math);
    return COSPIN_OK;
}

/* summary.csv of the rows' results (rank 0). */
static int write_summary(const struct infer_rows *rows, const struct cospin_infer_result *res,
                         const char *out_dir, struct cospin_error *err)
{
    struct cospin_output sum;
    int rc = cospin_output_open(&sum, out_dir, "summary.csv", err);
    if (rc)
        return rc;
    fprintf(sum.fp, "name,images,circuit,accuracy_math,accuracy_circuit,agreement,"
                    "max_current_rel_dev,max_activation_dev,energy_per_inference_j,wall_s\n");
    for (size_t i = 0; i < rows->n && !rc; i++) {
        struct cospin_infer_job job;
        char model[1100];
        cospin_infer_job_init(&job);
        if (!(rc = job_from_xml(rows->nodes[i], rows->defs, &job, model, sizeof model, err)))
            summary_row(sum.fp, infer_row_name((void *)rows, i), &job, &res[i]);
    }
    if (!rc)
        rc = cospin_output_commit(&sum, err);
    cospin_output_abort(&sum);
    return rc;
}

/* Under MPI the <infer> rows are spread over the ranks (exp_rows.h); rank 0
   writes summary.csv. */
int cospin_experiment_infer(const struct cospin_xml_node *root,
                            const struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    const char *out_dir = ctx->out_dir;
    struct infer_rows rows = {cospin_xml_child(root, "defaults"), NULL,
                              cospin_xml_count(root, "infer"), ctx};
    rows.nodes = calloc(rows.n + 1, sizeof *rows.nodes);
    struct cospin_infer_result *res = calloc(rows.n + 1, sizeof *res);
    int rc = rows.nodes && res ? COSPIN_OK
                               : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    rc = cospin_dist_agree(rc, err);
    size_t k = 0, done = 0;
    for (const struct cospin_xml_node *n = cospin_xml_child(root, "infer"); !rc && n;
         n = cospin_xml_next(n, "infer"))
        rows.nodes[k++] = n;
    struct cospin_exp_rows spec = {rows.n, sizeof *res, infer_row_name, infer_row_run, &rows};
    if (!rc)
        rc = cospin_exp_rows_run(&spec, out_dir, res, &done, err);
    if (!rc && cospin_dist_rank() == 0)
        rc = write_summary(&rows, res, out_dir, err);
    if (rc == COSPIN_ERR_INTERRUPTED) {   /* the jobs before this one are complete */
        cospin_error_clear(err);
        cospin_error_set(err, COSPIN_ERR_INTERRUPTED, out_dir, 0,
                         "%zu of %zu <infer> jobs finished (their directories are kept); "
                         "summary.csv is written by a complete run", done, rows.n);
    }
    free(rows.nodes);
    free(res);
    return rc;
}


int cospin_experiment_infer_check(const struct cospin_xml_node *root,
                                  const struct cospin_experiment_ctx *ctx,
                                  struct cospin_error *err)
{
    (void)ctx;
    const struct cospin_xml_node *defs = cospin_xml_child(root, "defaults");
    int rc = COSPIN_OK;
    for (const struct cospin_xml_node *n = cospin_xml_child(root, "infer"); n && !rc;
         n = cospin_xml_next(n, "infer")) {
        struct cospin_infer_job job;
        char model[1100];
        cospin_infer_job_init(&job);
        rc = job_from_xml(n, defs, &job, model, sizeof model, err);
    }
    return rc;
}
