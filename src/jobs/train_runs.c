/*
 * train_runs.c -- the runs of a training job, one by one or over MPI ranks
 * (train_runs.h).
 *
 * Under MPI, three passes over the runs in run order on every rank, so that
 * each message finds its receiver waiting in the same order: rank 0 sends
 * each run's checkpoint to the rank that runs it (TAG_IN); every rank runs
 * its runs; each other rank sends back, run by run, whether it ran, its
 * status, error and result (TAG_RESULT) and its files (TAG_OUT).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "error.h"
#include "output.h"
#include "train_runs.h"

#define LOG_PREFIX "train"
#include "log.h"

enum { TAG_IN = 301, TAG_RESULT = 302, TAG_OUT = 303 };

/* A run's scalars as they travel (its history follows as raw points). */
enum { R_RAN, R_STATUS, R_NHIST, R_ITERS, R_RESUMED, R_NLONG };
enum { R_LOSS, R_TRAIN_ACC, R_TEST_ACC, R_CPU, R_WALL, R_NDOUBLE };

/* One rank's state of the MPI case. */
struct runs_dist {
    struct cospin_train_job *job;
    const struct cospin_train_env *env;
    struct cospin_train_result *res;
    int rank, size;
    char scratch[COSPIN_OUTPUT_PATH_MAX];    /* ranks other than 0 */
    int *status, *ran;                       /* per run */
    struct cospin_error first;               /* this rank's first failure */
};

static void abort_comm(void) __attribute__((noreturn));
static void abort_comm(void)
{
    cospin_dist_abort("message exchange of the training runs failed");
}

/* Run r's files relative to its directory: its checkpoint and seed-<S>/. */
static void run_files(const struct runs_dist *d, int r, char ckpt[64], char dir[64])
{
    unsigned long long seed = (unsigned long long)(d->env->seed0 + (uint64_t)r);
    snprintf(ckpt, 64, "checkpoint-seed%llu.bin", seed);
    snprintf(dir, 64, "seed-%llu", seed);
}

/* Pass 1: every run another rank runs starts from rank 0's checkpoint. */
static void stage_in(struct runs_dist *d)
{
    for (int r = 0; r < d->job->runs; r++) {
        int owner = r % d->size;
        if (owner == 0 || (d->rank != 0 && d->rank != owner))
            continue;
        char ckpt[64], dir[64];
        const char *names[1] = {ckpt};
        struct cospin_error e = {0};
        run_files(d, r, ckpt, dir);
        int rc = d->rank == 0 ? cospin_dist_send_paths(d->job->out_dir, names, 1, owner, TAG_IN, &e)
                              : cospin_dist_recv_dir(d->scratch, 0, TAG_IN, &e);
        if (rc && d->rank != 0) {
            d->status[r] = rc;   /* the run fails before it starts */
            if (!d->first.code)
                d->first = e;
        }
    }
}

/* Pass 2: this rank's runs, up to its first failure. */
static void run_own(struct runs_dist *d)
{
    const char *dir = d->rank == 0 ? d->job->out_dir : d->scratch;
    for (int r = d->rank; r < d->job->runs; r += d->size) {
        if (d->status[r])
            break;
        struct cospin_error e = {0};
        d->status[r] = cospin_train_runs_one(d->job, r, dir, d->env, &d->res[r], &e);
        d->ran[r] = 1;
        if (d->status[r]) {
            if (!d->first.code)
                d->first = e;
            break;
        }
    }
}

/* Pass 3 at the run's rank: run r's outcome, result and files to rank 0. */
static void send_run(struct runs_dist *d, int r)
{
    const struct cospin_train_result *x = &d->res[r];
    long l[R_NLONG] = {d->ran[r], d->status[r], x->n_history, x->iters_done, x->resumed_from};
    double v[R_NDOUBLE] = {x->final_loss, x->final_train_acc, x->final_test_acc, x->cpu_s,
                           x->wall_s};
    struct cospin_error e = {0};
    if (d->status[r])
        e = d->first;
    if (cospin_dist_send_longs(l, R_NLONG, 0, TAG_RESULT) ||
        cospin_dist_send_bytes(v, sizeof v, 0, TAG_RESULT) ||
        cospin_dist_send_bytes(&e, sizeof e, 0, TAG_RESULT) ||
        cospin_dist_send_bytes(x->history, (size_t)x->n_history * sizeof *x->history, 0,
                               TAG_RESULT))
        abort_comm();
    if (d->ran[r]) {
        char ckpt[64], dir[64];
        const char *names[2] = {ckpt, dir};
        struct cospin_error ignored = {0};
        run_files(d, r, ckpt, dir);
        cospin_dist_send_paths(d->scratch, names, 2, 0, TAG_OUT, &ignored);
    }
}

/* Pass 3 at rank 0: run r from its rank into res[r] and out_dir; its status
   (a failure prefixed with the rank). */
static int recv_run(struct runs_dist *d, int r, int owner, struct cospin_error *e)
{
    struct cospin_train_result *x = &d->res[r];
    long l[R_NLONG];
    double v[R_NDOUBLE];
    size_t n = 0, nv = 0, ne = 0, nh = 0;
    if (cospin_dist_recv_longs(l, R_NLONG, owner, TAG_RESULT, &n) || n != R_NLONG ||
        cospin_dist_recv_bytes(v, sizeof v, owner, TAG_RESULT, &nv) || nv != sizeof v ||
        cospin_dist_recv_bytes(e, sizeof *e, owner, TAG_RESULT, &ne) || ne != sizeof *e ||
        l[R_NHIST] < 0)
        abort_comm();
    x->history = malloc(((size_t)l[R_NHIST] + 1) * sizeof *x->history);
    if (!x->history)
        cospin_dist_abort("out of memory for the history of run %d", r);
    if (cospin_dist_recv_bytes(x->history, (size_t)l[R_NHIST] * sizeof *x->history, owner,
                               TAG_RESULT, &nh) ||
        nh != (size_t)l[R_NHIST] * sizeof *x->history)
        abort_comm();
    x->n_history = l[R_NHIST], x->iters_done = l[R_ITERS], x->resumed_from = l[R_RESUMED];
    x->final_loss = v[R_LOSS], x->final_train_acc = v[R_TRAIN_ACC];
    x->final_test_acc = v[R_TEST_ACC], x->cpu_s = v[R_CPU], x->wall_s = v[R_WALL];
    int rc = (int)l[R_STATUS];
    if (l[R_RAN]) {
        struct cospin_error we = {0};
        int wrc = cospin_dist_recv_dir(d->job->out_dir, owner, TAG_OUT, &we);
        if (!rc && wrc) {
            *e = we;
            rc = wrc;
        }
    }
    return cospin_dist_name_rank(e, rc, owner);
}

/* The MPI case of cospin_train_runs_all. */
static int runs_mpi(struct runs_dist *d, struct cospin_error *err)
{
    int rc = d->status && d->ran ? COSPIN_OK
                                 : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                                    "out of memory");
    if (!rc && d->rank != 0 && d->rank < d->job->runs)
        rc = cospin_dist_scratch(d->scratch, sizeof d->scratch, err);
    rc = cospin_dist_agree(rc, err);
    if (rc)
        return rc;
    stage_in(d);
    run_own(d);
    struct cospin_error e0 = {0};
    for (int r = 0; r < d->job->runs; r++) {
        int owner = r % d->size;
        if (owner == 0 && d->rank == 0 && d->status[r] && !rc) {
            rc = d->status[r];
            e0 = d->first;
        } else if (owner != 0 && d->rank == owner) {
            send_run(d, r);
        } else if (owner != 0 && d->rank == 0) {
            struct cospin_error e = {0};
            int st = recv_run(d, r, owner, &e);
            if (st && !rc) {
                rc = st;
                e0 = e;
            }
        }
    }
    if (d->rank == 0 && rc && err)
        *err = e0;
    return cospin_dist_agree(d->rank == 0 ? rc : 0, err);
}

int cospin_train_runs_all(struct cospin_train_job *job, const struct cospin_train_env *env,
                          struct cospin_train_result *res, struct cospin_error *err)
{
    if (cospin_dist_size() == 1) {
        for (int r = 0; r < job->runs; r++) {
            int rc = cospin_train_runs_one(job, r, job->out_dir, env, &res[r], err);
            if (rc)
                return rc;
        }
        return COSPIN_OK;
    }
    struct runs_dist d;
    memset(&d, 0, sizeof d);
    d.job = job;
    d.env = env;
    d.res = res;
    d.rank = cospin_dist_rank();
    d.size = cospin_dist_size();
    d.status = calloc((size_t)job->runs + 1, sizeof *d.status);
    d.ran = calloc((size_t)job->runs + 1, sizeof *d.ran);
    int rc = runs_mpi(&d, err);
    cospin_dist_scratch_remove(d.scratch);
    free(d.status);
    free(d.ran);
    return rc;
}
