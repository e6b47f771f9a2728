/*
 * exp_characterize.c -- the runner of <experiment type="characterize">
 * (grammar src/config/schema/characterize.rng): reads the device and the sweep,
 * runs cospin_char_run into out_dir (with device.xml, the device of the
 * run), and answers the <design> and <width-path> queries into
 * out_dir/design.csv (<design> by the Fokker-Planck engine itself when the
 * sweep uses it).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "characterize"
#include "characterize.h"
#include "csv.h"
#include "dist.h"
#include "error.h"
#include "experiment.h"
#include "log.h"
#include "mtj_device.h"
#include "units.h"

/* A list attribute (comma list or sweep) into a new array; absent: *n = 0. */
static int attr_list(const struct cospin_xml_node *n, const char *attr, double **v, size_t *nv,
                     struct cospin_error *err)
{
    *v = NULL;
    *nv = 0;
    const char *text = cospin_xml_attr(n, attr);
    if (!text)
        return 0;
    struct cospin_error e = {0};
    int rc = cospin_units_parse_sweep(text, v, nv, &e);
    if (rc)
        return cospin_xml_error(n, attr, rc, err, "%s", e.msg);
    return 0;
}

/* The <device> element (mtj-attributes.rng, optionally file="..."): the
   device of the run; without it the thesis device. */
static int read_device(const struct cospin_xml_node *root, struct cospin_mtj_device *dev,
                       struct cospin_error *err)
{
    cospin_mtj_device_default(dev);
    const struct cospin_xml_node *d = cospin_xml_child(root, "device");
    return d ? cospin_mtj_device_apply_xml(d, "file", dev, err) : COSPIN_OK;
}

/* The setting columns of a design.csv row: width_s, ku_j_per_m3, k_per_ua, c_ua. */
static void put_design(struct cospin_csv_writer *out, const struct cospin_char_design *d)
{
    /* Enough digits for the Fokker-Planck engine's answers (~1e-5). */
    cospin_csv_put(out, "%.6g", d->width_s);
    cospin_csv_put(out, "%.7g", d->ku_j_per_m3);
    cospin_csv_put(out, "%.6g", d->k_per_ua);
    cospin_csv_put(out, "%.6g", d->c_ua);
}

/* A <design> query: bilinear over the table, or, when the run used the
   Fokker-Planck engine, answered by the engine at the sweep's currents g. */
static int design_query(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                        const struct cospin_char_table *t, double k, double c, double tol,
                        struct cospin_char_design *sol, size_t max, size_t *ns,
                        struct cospin_error *e)
{
    if (o->engine == COSPIN_CHAR_FOKKER_PLANCK)
        return cospin_char_design_kc_fp(o, g->currents_a, g->ncurrents, t, k, c, tol, sol, max,
                                        ns, e);
    return cospin_char_design_kc(t, k, c, tol, sol, max, ns, e);
}

static int answer_queries(const struct cospin_xml_node *root, const struct cospin_char_opts *o,
                          const struct cospin_char_grid *g, const struct cospin_char_table *t,
                          const char *out_dir, struct cospin_error *err)
{
    if (!cospin_xml_child(root, "design") && !cospin_xml_child(root, "width-path"))
        return 0;
    struct cospin_csv_writer out;
    int rc = cospin_csv_write_open(&out, out_dir, "design.csv", 0,
                                   "query,target_k_per_ua,target_c_ua,width_s,ku_j_per_m3,"
                                   "k_per_ua,c_ua,residual", err);
    if (rc)
        return rc;
    for (const struct cospin_xml_node *n = cospin_xml_child(root, NULL); n && !rc;
         n = cospin_xml_next(n, NULL)) {
        const char *name = cospin_xml_name(n);
        double k, c = 0, tol = 0.01, ku = t->nfits ? t->fits[0].ku_j_per_m3 : 0;
        struct cospin_error e = {0};
        if (strcmp(name, "design") == 0) {
            rc = cospin_xml_req_double(n, "target-k", &k, err);
            if (!rc)
                rc = cospin_xml_req_double(n, "c", &c, err);
            if (!rc)
                rc = cospin_xml_attr_double(n, "tol", tol, &tol, err);
            if (rc)
                break;
            struct cospin_char_design sol[8];
            size_t ns = 0;
            int q = design_query(o, g, t, k, c, tol, sol, 8, &ns, &e);
            if (q && ns == 0) {
                rc = cospin_xml_error(n, NULL, q, err, "%s", e.msg);
                break;
            }
            if (q)
                cospin_warn("%s:%d: %s", cospin_xml_file(n), cospin_xml_line(n), e.msg);
            for (size_t i = 0; i < ns; i++) {
                cospin_csv_put(&out, "%s", q ? "design-nearest" : "design");
                cospin_csv_put(&out, "%g", k);
                cospin_csv_put(&out, "%g", c);
                put_design(&out, &sol[i]);
                cospin_csv_put(&out, "%.2g", sol[i].residual);
                cospin_csv_end_row(&out);
            }
        } else if (strcmp(name, "width-path") == 0) {
            rc = cospin_xml_req_double(n, "target-k", &k, err);
            if (!rc)
                rc = cospin_xml_attr_double(n, "ku", ku, &ku, err);
            if (rc)
                break;
            struct cospin_char_design d;
            int q = cospin_char_design_width(t, ku, k, &d, &e);
            if (q) {
                rc = cospin_xml_error(n, NULL, q, err, "%s", e.msg);
                break;
            }
            cospin_csv_put(&out, "width-path");
            cospin_csv_put(&out, "%g", k);
            cospin_csv_put(&out, "%s", ""); /* no target c: it follows the width */
            put_design(&out, &d);
            cospin_csv_put(&out, "0");
            cospin_csv_end_row(&out);
        }
    }
    if (rc) {
        cospin_csv_write_abort(&out);
        return rc;
    }
    return cospin_csv_write_commit(&out, err);
}

/* A characterize experiment as read from its file: the device, the run's
   options and grid (the arrays are owned: char_exp_free). */
struct char_exp {
    struct cospin_mtj_device dev;
    struct cospin_char_opts o;
    const struct cospin_xml_node *sweep;
    double *w, *cur, *ku, *vc;
    size_t nw, nc, nk, nv;
};

static void char_exp_free(struct char_exp *x)
{
    free(x->w);
    free(x->cur);
    free(x->ku);
    free(x->vc);
}

/* <sweep>'s run settings into o. */
static int read_settings(const struct cospin_xml_node *s, struct cospin_char_opts *o,
                         struct cospin_error *err)
{
    int trials = (int)o->trials, seed = 1, threads = 0, inst = o->instances_per_netlist, eng = 0;
    static const char *const engines[] = {"fast", "ngspice", "fokker-planck", NULL};
    int rc = cospin_xml_attr_int(s, "trials", trials, &trials, err);
    if (!rc)
        rc = cospin_xml_attr_int(s, "seed", seed, &seed, err);
    if (!rc)
        rc = cospin_xml_attr_double(s, "relax", o->relax_s, &o->relax_s, err);
    if (!rc)
        rc = cospin_xml_attr_enum(s, "engine", engines, 0, &eng, err);
    if (!rc)
        rc = cospin_xml_attr_int(s, "threads", threads, &threads, err);
    if (!rc)
        rc = cospin_xml_attr_int(s, "instances", inst, &inst, err);
    if (!rc && (trials <= 0 || threads < 0 || inst <= 0 || seed < 0))
        rc = cospin_xml_error(s, NULL, COSPIN_ERR_INVALID, err,
                                 "trials, threads, instances must be positive, seed >= 0");
    o->trials = trials;
    o->seed = (uint64_t)seed;
    o->threads = threads;
    o->instances_per_netlist = inst;
    o->engine = (enum cospin_char_engine)eng;
    return rc;
}

/* The device, <sweep>'s grid and settings, and ctx's options into x. */
static int read_exp(const struct cospin_xml_node *root, const struct cospin_experiment_ctx *ctx,
                    struct char_exp *x, struct cospin_error *err)
{
    memset(x, 0, sizeof *x);
    cospin_char_opts_default(&x->o);
    x->o.out_dir = ctx->out_dir;
    x->o.stop = ctx->stop;
    x->o.job_timeout_s = ctx->job_timeout_s;
    if (ctx->force)
        x->o.max_run_s = 0;
    int rc = read_device(root, &x->dev, err);
    if (rc)
        return rc;
    x->o.device = x->dev.p;
    const struct cospin_xml_node *s = x->sweep = cospin_xml_child(root, "sweep");
    if (!s)
        return cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err, "missing <sweep>");
    rc = attr_list(s, "widths", &x->w, &x->nw, err);
    if (!rc)
        rc = attr_list(s, "currents", &x->cur, &x->nc, err);
    if (!rc)
        rc = attr_list(s, "kus", &x->ku, &x->nk, err);
    if (!rc)
        rc = attr_list(s, "vctrl", &x->vc, &x->nv, err);
    if (!rc)
        rc = read_settings(s, &x->o, err);
    if (rc || !x->nv)
        return rc;
    double kupv = x->o.device.ku_per_volt_j_per_m3_v;
    if (kupv == 0)
        return cospin_xml_error(s, "vctrl", COSPIN_ERR_INVALID, err,
                                "control voltages need <device ku-per-volt=\"...\"> (J/(m^3 V))");
    double ku0 = cospin_mtj_ku_j_per_m3(&x->o.device);
    free(x->ku);
    if (!(x->ku = malloc(x->nv * sizeof *x->ku)))
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < x->nv; i++)
        x->ku[i] = ku0 + kupv * x->vc[i];
    x->nk = x->nv;
    return COSPIN_OK;
}

/* A library error about the grid points at the <sweep> element it came from. */
static int at_sweep(const struct char_exp *x, int rc, struct cospin_error *err)
{
    if (rc && err && err->file[0] == 0) {
        snprintf(err->file, sizeof err->file, "%s", cospin_xml_file(x->sweep));
        err->line = cospin_xml_line(x->sweep);
    }
    return rc;
}

int cospin_experiment_characterize(const struct cospin_xml_node *root,
                                   const struct cospin_experiment_ctx *ctx,
                                   struct cospin_error *err)
{
    struct char_exp x;
    struct cospin_char_table *t = NULL;
    int rc = read_exp(root, ctx, &x, err);
    struct cospin_char_grid g = {x.w, x.nw, x.ku, x.nk, x.cur, x.nc};
    if (!rc) {
        cospin_mtj_device_log(&x.dev, NULL);
        rc = at_sweep(&x, cospin_char_run(&x.o, &g, &t, err), err);
    }
    int lead = cospin_dist_rank() == 0;   /* every rank has the table; rank 0 writes */
    if (!rc && lead) {
        /* The device of the run: one Ku of the grid is the device's. */
        if (x.nk == 1) {
            x.dev.p.ku_j_per_m3 = x.ku[0];
            x.dev.p.k_i_j_per_m2 = 0.0;
        }
        rc = cospin_mtj_device_save(&x.dev, ctx->out_dir, err);
    }
    if (!rc && lead)
        rc = answer_queries(root, &x.o, &g, t, ctx->out_dir, err);
    cospin_char_table_free(t);
    char_exp_free(&x);
    return rc;
}

int cospin_experiment_characterize_check(const struct cospin_xml_node *root,
                                         const struct cospin_experiment_ctx *ctx,
                                         struct cospin_error *err)
{
    struct char_exp x;
    int rc = read_exp(root, ctx, &x, err);
    if (!rc) {
        struct cospin_char_grid g = {x.w, x.nw, x.ku, x.nk, x.cur, x.nc};
        rc = at_sweep(&x, cospin_char_check(&x.o, &g, err), err);
    }
    char_exp_free(&x);
    return rc;
}
