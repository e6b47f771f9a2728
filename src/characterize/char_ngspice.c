/*
 * char_ngspice.c -- P_sw trials through ngspice transients (see char_ngspice.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "characterize"
#include "char_ngspice.h"
#include "engine.h"
#include "error.h"
#include "log.h"
#include "mtj_device.h"
#include "netlist.h"

/* Jobs handed to the pool at once: a few per worker keeps them busy while
   letting an interrupt stop the run soon. */
#define NGSPICE_JOBS_PER_WORKER 2

int cospin_char_ngspice_netlist(const struct cospin_char_ngspice_opts *o,
                                const struct cospin_char_ngspice_task *t, char **out,
                                struct cospin_error *err)
{
    *out = NULL;
    /* The device's card at the task's Ku (the read path does not matter: a
       current source drives the write). */
    struct cospin_mtj_device dev;
    cospin_mtj_device_default(&dev);
    dev.p = o->device;
    dev.p.ku_j_per_m3 = t->ku_j_per_m3;
    dev.p.k_i_j_per_m2 = 0.0;
    char card[2048];
    int rc = cospin_mtj_device_card(&dev, card, sizeof card, err);
    if (rc)
        return rc;
    struct cospin_netlist *b = cospin_netlist_new();
    if (!b)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    cospin_netlist_printf(b, "* cospin characterize: %ld mtj_stt trials, width %g s, I %g A, Ku %g J/m^3\n",
              t->ntrials, t->width_s, t->current_a, t->ku_j_per_m3);
    for (long j = 0; j < t->ntrials; j++) {
        /* One .model per instance: the seed is a model parameter.  Its
           generator is stream 0 of that seed, so each instance gets a seed
           hashed from the point seed and its trial index (31 bits: the
           parameter is an int). */
        uint64_t z = t->seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(t->first_trial + j + 1));
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        cospin_netlist_printf(b, ".model mtj%ld mtj_stt(seed=%ld %s)\n", j,
                              (long)(z & 0x7fffffff), card);
        /* The write polarity is current flowing n -> p through the device:
           the source pushes I into node n%ld, the device returns it to
           ground (p).  Rise and fall 10 ps. */
        cospin_netlist_printf(b, "i%ld 0 n%ld pulse(0 %.12g 0 10p 10p %.12g 1)\n", j, j, t->current_a,
                  t->width_s);
        cospin_netlist_printf(b, "a%ld %%gd(0 n%ld) NULL mx%ld my%ld mz%ld mtj%ld\n", j, j, j, j, j, j);
    }
    cospin_netlist_printf(b, ".end\n");
    *out = cospin_netlist_take(b);
    if (!*out)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    return 0;
}

/* The buffers of one batch of up to `cap` jobs of up to maxn instances each. */
struct ng_batch {
    size_t cap;
    long maxn;
    struct cospin_char_ngspice_task *tasks;
    size_t *ids;
    struct cospin_sim_job *jobs;
    struct cospin_sim_result *res;
    char **nets;
    char (*cmds)[64];
    const char **cmdv;
    char (*vnames)[32];
    const char **vecs;           /* per job: its instances' m_z vectors, NULL-terminated */
};

static void batch_free(struct ng_batch *b)
{
    if (b->nets)
        for (size_t i = 0; i < b->cap; i++)
            free(b->nets[i]);
    free(b->tasks);
    free(b->ids);
    free(b->jobs);
    free(b->res);
    free(b->nets);
    free(b->cmds);
    free(b->cmdv);
    free(b->vnames);
    free(b->vecs);
}

static int batch_alloc(struct ng_batch *b, size_t cap, long maxn, struct cospin_error *err)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->maxn = maxn;
    b->tasks = calloc(cap, sizeof *b->tasks);
    b->ids = calloc(cap, sizeof *b->ids);
    b->jobs = calloc(cap, sizeof *b->jobs);
    b->res = calloc(cap, sizeof *b->res);
    b->nets = calloc(cap, sizeof *b->nets);
    b->cmds = calloc(cap, sizeof *b->cmds);
    b->cmdv = calloc(cap * 2, sizeof *b->cmdv);
    b->vnames = calloc((size_t)maxn, sizeof *b->vnames);
    b->vecs = calloc(cap * ((size_t)maxn + 1), sizeof *b->vecs);
    if (!b->tasks || !b->ids || !b->jobs || !b->res || !b->nets || !b->cmds || !b->cmdv ||
        !b->vnames || !b->vecs)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (long j = 0; j < maxn; j++)
        snprintf(b->vnames[j], sizeof b->vnames[j], "v(mz%ld)", j);
    return COSPIN_OK;
}

/* Netlist, command and vector list of job i of the batch (its task is b->tasks[i]). */
static int batch_job(const struct cospin_char_ngspice_opts *o, struct ng_batch *b, size_t i,
                     struct cospin_error *err)
{
    const struct cospin_char_ngspice_task *t = &b->tasks[i];
    if (t->ntrials > b->maxn)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "a task of %ld trials in netlists of at most %ld", t->ntrials,
                                b->maxn);
    int rc = cospin_char_ngspice_netlist(o, t, &b->nets[i], err);
    if (rc)
        return rc;
    double tstop = t->width_s + o->relax_s;
    /* The model integrates internally at dt whatever ngspice's step;
       ngspice only needs the pulse edges (breakpoints) and the end. */
    snprintf(b->cmds[i], sizeof b->cmds[i], "tran %.6g %.12g", tstop / 50, tstop);
    b->cmdv[2 * i] = b->cmds[i];
    b->cmdv[2 * i + 1] = NULL;
    b->jobs[i].netlist = b->nets[i];
    b->jobs[i].commands = &b->cmdv[2 * i];
    /* Only this task's instances: terminate the vector list. */
    const char **v = b->vecs + i * ((size_t)b->maxn + 1);
    for (long j = 0; j < t->ntrials; j++)
        v[j] = b->vnames[j];
    v[t->ntrials] = NULL;
    b->jobs[i].vectors = v;
    return COSPIN_OK;
}

/*
 * Report every task of a batch that finished through done(), also after an
 * interrupt or another task's failure: its trials are done and belong in
 * psw.csv.  A task that failed (not by an interrupt) is reported as its
 * negative status.  Returns 0 or the first such failure (its message in
 * err).
 */
static int batch_collect(struct ng_batch *b, size_t nb, double busy_s, cospin_char_done_fn done,
                         void *ctx, struct cospin_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < nb; i++) {
        const struct cospin_char_ngspice_task *t = &b->tasks[i];
        const struct cospin_sim_result *r = &b->res[i];
        struct cospin_error e = {0};
        int st = r->status;
        long sw = 0, j = 0;
        if (st == COSPIN_ERR_INTERRUPTED)
            continue;   /* its trials did not finish: they run again on resume */
        if (st)
            e = r->error;
        for (; !st && j < t->ntrials && r->len[j] > 0; j++)
            sw += r->data[j][r->len[j] - 1] > 0;
        if (!st && j < t->ntrials)
            st = cospin_error_set(&e, COSPIN_ERR_SIM, NULL, 0,
                                  "ngspice returned no m_z for instance %ld", j);
        done(ctx, b->ids[i], st ? st : sw, busy_s, &e);
        if (st && !rc) {
            rc = st;
            if (err && !err->code)
                *err = e;
        }
    }
    return rc;
}

int cospin_char_ngspice_run(const struct cospin_char_ngspice_opts *o, long max_trials,
                            cospin_char_next_fn next, cospin_char_done_fn done,
                            cospin_char_stop_fn stop, void *ctx, struct cospin_error *err)
{
    struct cospin_engine_opts eo = {0};
    eo.codemodel_path = o->codemodel_path;
    eo.job_timeout_s = o->job_timeout_s;
    struct cospin_pool *pool = NULL;
    struct ng_batch b;
    memset(&b, 0, sizeof b);
    int rc = cospin_pool_new(&eo, o->pool_workers, &pool, err);
    if (!rc)
        cospin_pool_set_stop(pool, o->stop);
    if (!rc) {
        size_t cap = (size_t)cospin_pool_size(pool) * NGSPICE_JOBS_PER_WORKER;
        rc = batch_alloc(&b, cap ? cap : 1, max_trials > 0 ? max_trials : 1, err);
    }
    while (!rc) {
        if (stop && stop(ctx)) {
            rc = COSPIN_ERR_INTERRUPTED;
            break;
        }
        size_t nb = next(ctx, b.tasks, b.ids, b.cap);
        if (nb == 0)
            break;
        for (size_t i = 0; i < nb && !rc; i++)
            rc = batch_job(o, &b, i, err);
        if (rc)
            break;
        double t0 = cospin_now_s();
        rc = cospin_pool_run(pool, b.jobs, nb, b.res, err);
        int crc = batch_collect(&b, nb, (cospin_now_s() - t0) / (double)nb, done, ctx, err);
        if (!rc || rc == COSPIN_ERR_INTERRUPTED)
            rc = crc ? crc : rc;
        for (size_t i = 0; i < nb; i++) {
            cospin_sim_result_clear(&b.res[i]);
            free(b.nets[i]);
            b.nets[i] = NULL;
        }
    }
    cospin_pool_free(pool);
    batch_free(&b);
    return rc;
}
