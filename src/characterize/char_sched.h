/*
 * char_sched.h -- the scheduling of a characterisation run, shared by
 * char_run.c (the plan, the local engines, the files) and char_dist.c (the
 * same run spread over MPI ranks).  Internal to the characterize layer.
 *
 * A run is a list of work items (struct char_task: one point's block of
 * trials).  The local engine -- threads of the fast path or the ngspice
 * worker pool -- takes items from a queue and reports each finished one
 * through char_task_done().  In one process the queue holds every item from
 * the start.  Under MPI (char_dist.c) rank 0's queue holds every item too,
 * and its main thread hands items from the same queue to the other ranks,
 * whose queues fill as rank 0 answers; they send their results back and
 * rank 0 alone appends finished points to psw.csv.
 */
#ifndef COSPIN_CHAR_SCHED_H
#define COSPIN_CHAR_SCHED_H

#include <pthread.h>
#include <stddef.h>

#include "characterize.h"
#include "log.h"

/* One work item: trials [first, first + n) of point `point`. */
struct char_task {
    size_t point;      /* index into the run's point list */
    long first, n;     /* trial range */
};

struct char_sched {
    const struct cospin_char_opts *o;
    struct cospin_char_point *points;  /* the run's points (not yet finished ones) */
    size_t npoints;
    const struct cospin_mtj_derived **pd; /* per point: its device (into the Ku table) */
    long *remaining;                   /* per point: items not yet finished */
    struct char_task *tasks;
    size_t ntasks;
    /* The local engine's queue: items queue[qhead .. qtail), or, with queue
       NULL, the items qhead .. qtail themselves.  Closed: no more will come. */
    size_t *queue;
    size_t qhead, qtail;
    int qclosed;
    pthread_cond_t more;               /* signalled when items arrive or the queue closes */
    int append_fd;                     /* psw.csv opened O_APPEND, or -1 */
    pthread_mutex_t lock;              /* guards everything that changes during the run */
    struct cospin_progress progress;
    long done_trials;
    size_t done_points;
    int rc;
    struct cospin_error err;
    long failed_task;                  /* the item whose run failed, or -1 */
    int engine_done;                   /* the local engine has returned */
    int halt;                          /* another rank was interrupted: stop as on o->stop */
    /* This rank's share of the work (reported at the end of an MPI run). */
    int slots;                         /* items the local engine runs at once */
    double busy_s;                     /* time in items, per slot, s */
    double wall_s;                     /* from the start to the engine's return, s */
    long items_run, trials_run;
    /* Ranks other than 0 of an MPI run: results wait here for rank 0. */
    int remote;
    long *outbox;                      /* (item, switched) pairs not yet sent */
    size_t noutbox;
};

/* Record a finished item (under s->lock): on rank 0 (and in one process)
   the point's count, progress and psw.csv; on other ranks the outbox. */
void char_task_done(struct char_sched *s, size_t task, long switched);

/* Record a failed item (under s->lock): the first failure stops the run. */
void char_task_failed(struct char_sched *s, long task, int rc, const struct cospin_error *e);

/* Split point idx (already in s->points) into items of `chunk` trials. */
void char_plan_point(struct char_sched *s, size_t idx, long chunk);

/* Run the local engine over the queue until it is closed and empty (or
   the run stops), in the calling thread.  Returns its status. */
int char_run_engine(struct char_sched *s);

/* "work item 3 (width 10 ns, Ku 1.21e+06 J/m^3, current 14 uA, trials 0-49)". */
void char_task_describe(const struct char_sched *s, long task, char *buf, size_t n);

/* ---- char_dist.c: the run over MPI ranks (one rank: nothing to do) ------------------ */

/*
 * Give every rank rank 0's plan: its points (with their Ku's entry of dtab)
 * and so the same items.  s must have room for ntotal points (alloc_plan).
 */
int char_dist_share_plan(struct char_sched *s, const struct cospin_mtj_derived *dtab,
                         size_t nkus, long chunk, struct cospin_error *err);

/*
 * Run the plan over all ranks: rank 0 runs its engine in a thread and hands
 * items to the other ranks as they ask; they run theirs the same way and
 * return results.  Returns the job's status on rank 0 (a failure elsewhere
 * names the rank and the item); on other ranks their own.  Logs each
 * rank's share at the end.
 */
int char_dist_execute(struct char_sched *s);

/* Log every rank's share of the work (items, busy and wall time) at rank 0. */
void char_dist_report(const struct char_sched *s);

/* Give every rank rank 0's result table (points, fits, resumed count). */
int char_dist_share_table(struct cospin_char_table *t, struct cospin_error *err);

#endif
