/*
 * char_dist.c -- a characterisation run spread over MPI ranks (char_sched.h).
 *
 * Rank 0 plans, shares the plan (char_dist_share_plan), and then hands out
 * work items on request: its main thread answers the other ranks while its
 * own engine runs in a second thread and takes items from the same queue.
 * Each other rank does the same with a queue that fills from rank 0's
 * answers: when fewer items wait than its engine runs at once, it asks for
 * more.  Rank 0 grants at most its remaining items / (2 x ranks) at a time
 * (guided self-scheduling), so the items left at the end are spread thinly
 * and no rank waits long for a slow one; a grid whose points cost
 * differently (high currents switch early, low ones run the whole pulse)
 * stays balanced without knowing the costs.
 *
 * The messages (tags below), all from the main threads:
 *   ASK   rank -> 0: kind (MORE: wants items, RESULTS, FINAL), status, how
 *         many items it wants, the number of results, then (item, switched)
 *         pairs.  MORE gets a WORK answer; RESULTS and FINAL none.
 *   WORK  0 -> rank: the number of items, then the items (0: no more).
 *   FAIL  rank -> 0, after a FINAL with a nonzero status: the item and the
 *         error.
 * A rank sends FINAL once its queue is closed, its engine has returned and
 * no answer is outstanding, so no message is left unreceived.  Rank 0
 * records every result (progress, psw.csv) as it arrives: an interrupted or
 * failed job keeps every finished point, as in one process.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "characterize"
#include "char_internal.h"
#include "char_sched.h"
#include "dist.h"
#include "error.h"
#include "log.h"

enum { TAG_ASK = 101, TAG_WORK = 102, TAG_FAIL = 103 };
enum { ASK_MORE = 0, ASK_RESULTS = 1, ASK_FINAL = 2 };
#define ASK_HEAD 4                /* kind, status, wanted, results */

/* Longest a rank keeps finished results before sending them, s: rank 0's
   progress and psw.csv stay this close to the work done. */
#define RESULTS_FLUSH_S 0.5

/* What a rank tells rank 0 about its failure. */
struct fail_msg {
    long item;                   /* -1: not in an item */
    struct cospin_error err;
};

/* One rank's buffers for the run. */
struct dist_run {
    struct char_sched *s;
    int rank, size;
    long *msg;                   /* an ASK or WORK message */
    size_t msg_cap;              /* in longs */
    pthread_t engine;
    double t_start_s;
    int remote_failed;           /* rank 0: the job's error came from another rank */
};

static void comm_failed(void) __attribute__((noreturn));
static void comm_failed(void)
{
    cospin_dist_abort("message exchange of the characterisation failed");
}

/* ---- sharing the plan and the result ------------------------------------------------- */

int char_dist_share_plan(struct char_sched *s, const struct cospin_mtj_derived *dtab,
                         size_t nkus, long chunk, struct cospin_error *err)
{
    if (cospin_dist_size() == 1)
        return COSPIN_OK;
    int lead = cospin_dist_rank() == 0;
    long head[2] = {(long)s->npoints, (long)s->ntasks};
    if (cospin_dist_bcast_longs(head, 2, 0))
        comm_failed();
    size_t n = (size_t)head[0];
    double *pv = malloc((3 * n + 1) * sizeof *pv);
    long *kv = malloc((2 * n + 1) * sizeof *kv);
    int rc = pv && kv ? COSPIN_OK : COSPIN_ERR_NOMEM;
    for (size_t i = 0; lead && !rc && i < n; i++) {
        pv[3 * i] = s->points[i].width_s;
        pv[3 * i + 1] = s->points[i].ku_j_per_m3;
        pv[3 * i + 2] = s->points[i].current_a;
        kv[2 * i] = (long)(s->pd[i] - dtab);
        kv[2 * i + 1] = s->points[i].trials;
    }
    rc = cospin_dist_agree(rc ? cospin_error_set(err, rc, NULL, 0, "out of memory") : 0, err);
    if (!rc && (cospin_dist_bcast_doubles(pv, 3 * n, 0) || cospin_dist_bcast_longs(kv, 2 * n, 0)))
        comm_failed();
    for (size_t i = 0; !lead && !rc && i < n; i++) {
        if (kv[2 * i] < 0 || (size_t)kv[2 * i] >= nkus)
            cospin_dist_abort("rank 0's plan names Ku %ld of %zu", kv[2 * i], nkus);
        struct cospin_char_point p = {pv[3 * i], pv[3 * i + 1], pv[3 * i + 2], kv[2 * i + 1], 0,
                                      0};
        s->points[i] = p;
        s->pd[i] = &dtab[kv[2 * i]];
        s->npoints = i + 1;
        char_plan_point(s, i, chunk);
    }
    if (!rc && s->ntasks != (size_t)head[1])
        cospin_dist_abort("rank %d planned %zu work items, rank 0 %ld", cospin_dist_rank(),
                          s->ntasks, head[1]);
    free(pv);
    free(kv);
    return rc;
}

int char_dist_share_table(struct cospin_char_table *t, struct cospin_error *err)
{
    if (cospin_dist_size() == 1)
        return COSPIN_OK;
    int lead = cospin_dist_rank() == 0;
    long head[3] = {(long)t->npoints, (long)t->nfits, (long)t->nresumed};
    if (cospin_dist_bcast_longs(head, 3, 0))
        comm_failed();
    int rc = COSPIN_OK;
    if (!lead) {
        /* The ranks run one build of cospin (an MPI job runs one program),
           so the structs go as they are. */
        free(t->points);
        free(t->fits);
        t->npoints = (size_t)head[0];
        t->nfits = (size_t)head[1];
        t->nresumed = (size_t)head[2];
        t->points = calloc(t->npoints + 1, sizeof *t->points);
        t->fits = calloc(t->nfits + 1, sizeof *t->fits);
        if (!t->points || !t->fits)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    rc = cospin_dist_agree(rc, err);
    if (!rc && (cospin_dist_bcast_bytes(t->points, t->npoints * sizeof *t->points, 0) ||
                cospin_dist_bcast_bytes(t->fits, t->nfits * sizeof *t->fits, 0)))
        comm_failed();
    return rc;
}

/* ---- the engine thread ------------------------------------------------------------------ */

static void *engine_main(void *arg)
{
    struct dist_run *d = arg;
    struct char_sched *s = d->s;
    int rc = char_run_engine(s);
    pthread_mutex_lock(&s->lock);
    if (rc && rc != COSPIN_ERR_INTERRUPTED && !s->rc)
        char_task_failed(s, -1, rc, &s->err);
    s->engine_done = 1;
    s->wall_s = cospin_now_s() - d->t_start_s;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- rank 0: answering ----------------------------------------------------------------- */

/* Rank src failed (status, with its FAIL message): the job's error names it. */
static void take_failure(struct dist_run *d, int src, long status)
{
    struct fail_msg f;
    size_t n = 0;
    memset(&f, 0, sizeof f);
    if (cospin_dist_recv_bytes(&f, sizeof f, src, TAG_FAIL, &n) || n != sizeof f)
        comm_failed();
    struct char_sched *s = d->s;
    pthread_mutex_lock(&s->lock);
    if (status == COSPIN_ERR_INTERRUPTED) {
        s->halt = 1;   /* that rank was stopped: stop here too, keeping what is done */
    } else if (!s->rc) {
        char what[400], who[480];
        char_task_describe(s, f.item, what, sizeof what);
        if (!f.err.code)
            cospin_error_set(&f.err, (int)status, NULL, 0, "%s", cospin_strerror((int)status));
        if (f.item >= 0)
            snprintf(who, sizeof who, "rank %d failed on %s", src, what);
        else
            snprintf(who, sizeof who, "rank %d failed", src);
        cospin_error_prefix(&f.err, who);
        char_task_failed(s, f.item, (int)status, &f.err);
        d->remote_failed = 1;
    }
    pthread_cond_broadcast(&s->more);
    pthread_mutex_unlock(&s->lock);
}

/* Under s->lock: up to `want` of the items not yet handed out, guided
   (remaining / (2 x ranks), at least 1) into d->msg[1..]; their number. */
static size_t grant_locked(struct dist_run *d, long want)
{
    struct char_sched *s = d->s;
    if (s->rc || s->halt || (s->o->stop && *s->o->stop) || want <= 0)
        return 0;
    size_t left = s->qtail - s->qhead;
    size_t share = left / (2 * (size_t)d->size);
    size_t n = share > 0 ? share : 1;
    if (n > (size_t)want)
        n = (size_t)want;
    if (n > left)
        n = left;
    for (size_t i = 0; i < n; i++)
        d->msg[1 + i] = (long)(s->qhead++);
    return n;
}

/* One ASK from src: record its results, take its failure, answer MORE.
   *open counts the ranks that have not sent FINAL. */
static void answer(struct dist_run *d, int src, int *open)
{
    struct char_sched *s = d->s;
    size_t n = 0;
    if (cospin_dist_recv_longs(d->msg, d->msg_cap, src, TAG_ASK, &n) || n < ASK_HEAD)
        comm_failed();
    long kind = d->msg[0], status = d->msg[1], want = d->msg[2], nres = d->msg[3];
    if (nres < 0 || (size_t)(ASK_HEAD + 2 * nres) != n)
        cospin_dist_abort("rank %d sent %zu numbers for %ld results", src, n, nres);
    pthread_mutex_lock(&s->lock);
    for (long i = 0; i < nres; i++) {
        long item = d->msg[ASK_HEAD + 2 * i], sw = d->msg[ASK_HEAD + 2 * i + 1];
        if (item < 0 || (size_t)item >= s->ntasks || sw < 0 || sw > s->tasks[item].n)
            cospin_dist_abort("rank %d reported work item %ld with %ld switched", src, item, sw);
        char_task_done(s, (size_t)item, sw);
    }
    pthread_mutex_unlock(&s->lock);
    if (status)
        take_failure(d, src, status);
    if (kind == ASK_FINAL)
        (*open)--;
    if (kind != ASK_MORE)
        return;
    pthread_mutex_lock(&s->lock);
    size_t g = grant_locked(d, want);
    pthread_mutex_unlock(&s->lock);
    d->msg[0] = (long)g;
    if (cospin_dist_send_longs(d->msg, g + 1, src, TAG_WORK))
        comm_failed();
}

/* Rank 0's main thread: answer the other ranks until each has sent FINAL
   and the local engine has returned. */
static void serve(struct dist_run *d)
{
    struct char_sched *s = d->s;
    int open = d->size - 1, engine_done = 0;
    double nap_s = 0;
    while (open > 0 || !engine_done) {
        int src;
        if (cospin_dist_probe(-1, TAG_ASK, &src, NULL, NULL)) {
            answer(d, src, &open);
            nap_s = 0;
            continue;
        }
        pthread_mutex_lock(&s->lock);
        engine_done = s->engine_done;
        pthread_mutex_unlock(&s->lock);
        cospin_dist_nap(&nap_s);
    }
}

/* ---- the other ranks: asking ---------------------------------------------------------- */

/* Send an ASK of this kind with the results waiting in the outbox. */
static void ask(struct dist_run *d, long kind, long status, long want)
{
    struct char_sched *s = d->s;
    pthread_mutex_lock(&s->lock);
    size_t nres = s->noutbox;
    d->msg[0] = kind;
    d->msg[1] = status;
    d->msg[2] = want;
    d->msg[3] = (long)nres;
    memcpy(d->msg + ASK_HEAD, s->outbox, 2 * nres * sizeof *s->outbox);
    s->noutbox = 0;
    pthread_mutex_unlock(&s->lock);
    if (cospin_dist_send_longs(d->msg, ASK_HEAD + 2 * nres, 0, TAG_ASK))
        comm_failed();
}

/* Queue the items of rank 0's WORK answer (none: close the queue).
   Returns 1 when the queue closed. */
static int take_work(struct dist_run *d)
{
    struct char_sched *s = d->s;
    size_t n = 0;
    if (cospin_dist_recv_longs(d->msg, d->msg_cap, 0, TAG_WORK, &n) || n < 1 ||
        (size_t)d->msg[0] != n - 1)
        comm_failed();
    pthread_mutex_lock(&s->lock);
    for (size_t i = 1; i < n; i++) {
        if (d->msg[i] < 0 || (size_t)d->msg[i] >= s->ntasks || s->qtail >= s->ntasks)
            cospin_dist_abort("rank 0 handed out work item %ld of %zu", d->msg[i], s->ntasks);
        s->queue[s->qtail++] = (size_t)d->msg[i];
    }
    if (n == 1)
        s->qclosed = 1;
    pthread_cond_broadcast(&s->more);
    pthread_mutex_unlock(&s->lock);
    return n == 1;
}

/* This rank's status for its FINAL, and its FAIL message after it. */
static long final_status(struct dist_run *d, int stopped, struct fail_msg *f)
{
    struct char_sched *s = d->s;
    memset(f, 0, sizeof *f);
    f->item = s->failed_task;
    if (s->rc) {
        f->err = s->err;
        return s->rc;
    }
    return stopped ? COSPIN_ERR_INTERRUPTED : 0;
}

/* A main thread other than rank 0's: keep the engine's queue filled, send
   results, and end with FINAL.  Returns this rank's status. */
static int client(struct dist_run *d)
{
    struct char_sched *s = d->s;
    int asked = 0, closed = 0, stopped = 0;
    double nap_s = 0, t_sent = cospin_now_s();
    for (;;) {
        if (asked && cospin_dist_probe(0, TAG_WORK, NULL, NULL, NULL)) {
            closed |= take_work(d);
            asked = 0;
            nap_s = 0;
            continue;
        }
        pthread_mutex_lock(&s->lock);
        size_t backlog = s->qtail - s->qhead, nres = s->noutbox;
        int stop = s->rc || (s->o->stop && *s->o->stop), engine_done = s->engine_done;
        if (stop && !closed && !asked) {
            s->qclosed = closed = 1;
            stopped = !s->rc;
            pthread_cond_broadcast(&s->more);
        }
        pthread_mutex_unlock(&s->lock);
        double now = cospin_now_s();
        if (!closed && !asked && backlog < (size_t)s->slots) {
            ask(d, ASK_MORE, 0, (long)(2 * (size_t)s->slots - backlog));
            asked = 1;
            t_sent = now;
        } else if (closed && !asked && engine_done) {
            struct fail_msg f;
            long status = final_status(d, stopped, &f);
            ask(d, ASK_FINAL, status, 0);
            if (status && cospin_dist_send_bytes(&f, sizeof f, 0, TAG_FAIL))
                comm_failed();
            return (int)status;
        } else if (!asked && nres > 0 && now - t_sent >= RESULTS_FLUSH_S) {
            /* Never while an answer is outstanding: two large messages
               crossing could each wait for the other's receive. */
            ask(d, ASK_RESULTS, 0, 0);
            t_sent = now;
        } else {
            cospin_dist_nap(&nap_s);
        }
    }
}

/* ---- the run -------------------------------------------------------------------------------- */

void char_dist_report(const struct char_sched *s)
{
    int size = cospin_dist_size();
    /* Every rank knows these (the Fokker-Planck engine runs on rank 0 alone). */
    if (size == 1 || s->ntasks == 0 || s->o->engine == COSPIN_CHAR_FOKKER_PLANCK)
        return;
    double mine[5] = {(double)s->items_run, (double)s->trials_run, s->busy_s, s->wall_s,
                      cospin_cpu_s() + cospin_cpu_children_s()};
    double *all = cospin_dist_rank() == 0 ? calloc(5 * (size_t)size, sizeof *all) : NULL;
    double dummy[5];
    if (cospin_dist_gather_doubles(mine, 5, all ? all : dummy, 0))
        comm_failed();
    if (!all)
        return;
    double lo = all[2], hi = all[2];
    for (int r = 0; r < size; r++) {
        const double *v = all + 5 * r;
        cospin_info("rank %d: %.0f work items, %.0f trials, busy %.2f s of %.2f s (%.0f%%), "
                    "cpu %.2f s",
                    r, v[0], v[1], v[2], v[3], v[3] > 0 ? 100 * v[2] / v[3] : 0.0, v[4]);
        lo = v[2] < lo ? v[2] : lo;
        hi = v[2] > hi ? v[2] : hi;
    }
    cospin_info("%d ranks: busy time %.2f s to %.2f s (least / most busy: %.0f%%)", size, lo,
                hi, hi > 0 ? 100 * lo / hi : 100.0);
    free(all);
}

/* Rank 0, after the run: the job's status (its error names a rank). */
static int lead_status(struct dist_run *d)
{
    struct char_sched *s = d->s;
    if (s->rc) {
        if (!d->remote_failed) {
            char what[400], who[480];
            char_task_describe(s, s->failed_task, what, sizeof what);
            if (s->failed_task >= 0)
                snprintf(who, sizeof who, "rank 0 failed on %s", what);
            else
                snprintf(who, sizeof who, "rank 0 failed");
            cospin_error_prefix(&s->err, who);
        }
        return s->rc;
    }
    if (s->done_points < s->npoints && (s->halt || (s->o->stop && *s->o->stop)))
        return COSPIN_ERR_INTERRUPTED;
    if (s->done_points < s->npoints)
        return cospin_error_set(&s->err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "%zu of %zu points finished after every rank ended",
                                s->done_points, s->npoints);
    return COSPIN_OK;
}

int char_dist_execute(struct char_sched *s)
{
    struct dist_run d;
    memset(&d, 0, sizeof d);
    d.s = s;
    d.rank = cospin_dist_rank();
    d.size = cospin_dist_size();
    d.msg_cap = ASK_HEAD + 2 * s->ntasks + 1;
    d.msg = malloc(d.msg_cap * sizeof *d.msg);
    d.t_start_s = cospin_now_s();
    int rc = d.msg ? COSPIN_OK : COSPIN_ERR_NOMEM;
    if (!rc && d.rank == 0) {
        s->qtail = s->ntasks;    /* every item; rank 0 hands them out from here */
        s->qclosed = 1;
    } else if (!rc) {
        s->queue = malloc((s->ntasks + 1) * sizeof *s->queue);
        s->outbox = malloc((2 * s->ntasks + 1) * sizeof *s->outbox);
        rc = s->queue && s->outbox ? COSPIN_OK : COSPIN_ERR_NOMEM;
    }
    if (rc)
        cospin_error_set(&s->err, rc, NULL, 0, "out of memory");
    /* Every rank starts, or none: the protocol needs all of them. */
    rc = cospin_dist_agree(rc, &s->err);
    if (!rc && pthread_create(&d.engine, NULL, engine_main, &d) != 0)
        cospin_dist_abort("cannot start the engine thread of rank %d: %s", d.rank,
                          strerror(errno));
    if (!rc) {
        if (d.rank == 0)
            serve(&d);
        else
            client(&d);
        pthread_join(d.engine, NULL);
        rc = d.rank == 0 ? lead_status(&d) : s->rc;
    }
    free(d.msg);
    return rc;
}
