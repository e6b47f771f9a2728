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

/*
 * Report every task of a batch (tasks start .. start + nb - 1) that finished
 * through done(), also after an interrupt or another task's failure: its
 * trials are done and belong in psw.csv.  Returns 0 or the first failure of
 * a task other than an interrupt (its message in err).
 */
static int collect_batch(const struct cospin_char_ngspice_task *tasks, size_t start,
                         const struct cospin_sim_result *res, size_t nb, cospin_char_done_fn done,
                         void *ctx, struct cospin_error *err)
{
    int rc = 0;
    for (size_t i = 0; i < nb; i++) {
        const struct cospin_char_ngspice_task *t = &tasks[start + i];
        if (res[i].status != 0) {
            if (res[i].status != COSPIN_ERR_INTERRUPTED && !rc) {
                if (err && !err->code)
                    *err = res[i].error;
                rc = res[i].status;
            }
            continue;
        }
        long sw = 0, j = 0;
        for (; j < t->ntrials && res[i].len[j] > 0; j++)
            sw += res[i].data[j][res[i].len[j] - 1] > 0;
        if (j < t->ntrials) {
            if (!rc)
                rc = cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                      "ngspice returned no m_z for instance %ld", j);
            continue;
        }
        done(ctx, start + i, sw);
    }
    return rc;
}

int cospin_char_ngspice_run(const struct cospin_char_ngspice_opts *o,
                            const struct cospin_char_ngspice_task *tasks, size_t n,
                            cospin_char_done_fn done, cospin_char_stop_fn stop, void *ctx,
                            struct cospin_error *err)
{
    struct cospin_engine_opts eo = {0};
    eo.codemodel_path = o->codemodel_path;
    eo.job_timeout_s = o->job_timeout_s;
    struct cospin_pool *pool = NULL;
    int rc = cospin_pool_new(&eo, o->pool_workers, &pool, err);
    if (rc)
        return rc;
    cospin_pool_set_stop(pool, o->stop);
    size_t batch = (size_t)cospin_pool_size(pool) * NGSPICE_JOBS_PER_WORKER;
    if (batch == 0)
        batch = 1;
    struct cospin_sim_job *jobs = calloc(batch, sizeof *jobs);
    struct cospin_sim_result *res = calloc(batch, sizeof *res);
    char **nets = calloc(batch, sizeof *nets);
    char (*cmds)[64] = calloc(batch, sizeof *cmds);
    const char **cmdv = calloc(batch * 2, sizeof *cmdv);
    long maxn = 0;
    for (size_t i = 0; i < n; i++)
        if (tasks[i].ntrials > maxn)
            maxn = tasks[i].ntrials;
    char (*vnames)[32] = calloc((size_t)maxn, sizeof *vnames);
    /* Per job: the m_z vectors of its own instances, NULL-terminated. */
    const char **vecs = calloc(batch * ((size_t)maxn + 1), sizeof *vecs);
    if (!jobs || !res || !nets || !cmds || !cmdv || !vnames || !vecs) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (long j = 0; j < maxn; j++)
        snprintf(vnames[j], sizeof vnames[j], "v(mz%ld)", j);
    for (size_t start = 0; start < n && rc == 0; start += batch) {
        if (stop && stop(ctx)) {
            rc = COSPIN_ERR_INTERRUPTED;
            break;
        }
        size_t nb = n - start < batch ? n - start : batch;
        for (size_t i = 0; i < nb; i++) {
            const struct cospin_char_ngspice_task *t = &tasks[start + i];
            rc = cospin_char_ngspice_netlist(o, t, &nets[i], err);
            if (rc)
                break;
            double tstop = t->width_s + o->relax_s;
            /* The model integrates internally at dt whatever ngspice's step;
               ngspice only needs the pulse edges (breakpoints) and the end. */
            snprintf(cmds[i], sizeof cmds[i], "tran %.6g %.12g", tstop / 50, tstop);
            cmdv[2 * i] = cmds[i];
            cmdv[2 * i + 1] = NULL;
            /* Only this task's instances: terminate the vector list. */
            jobs[i].netlist = nets[i];
            jobs[i].commands = &cmdv[2 * i];
            const char **v = vecs + i * ((size_t)maxn + 1);
            for (long j = 0; j < t->ntrials; j++)
                v[j] = vnames[j];
            v[t->ntrials] = NULL;
            jobs[i].vectors = v;
        }
        if (rc)
            break;
        rc = cospin_pool_run(pool, jobs, nb, res, err);
        int crc = collect_batch(tasks, start, res, nb, done, ctx, err);
        if (!rc || rc == COSPIN_ERR_INTERRUPTED)
            rc = crc ? crc : rc;
        for (size_t i = 0; i < nb; i++) {
            cospin_sim_result_clear(&res[i]);
            free(nets[i]);
            nets[i] = NULL;
        }
    }
out:
    cospin_pool_free(pool);
    if (nets)
        for (size_t i = 0; i < batch; i++)
            free(nets[i]);
    free(jobs);
    free(res);
    free(nets);
    free(cmds);
    free(cmdv);
    free(vnames);
    free(vecs);
    return rc;
}
