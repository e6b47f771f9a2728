/*
 * pool.c -- simulation jobs in forked worker processes (engine.h,
 * struct cospin_pool).
 *
 * Workers are forked processes, each with its own ngspice.  Parent and
 * worker talk over a socketpair with length-prefixed messages (pool_wire.h);
 * the parent writes with MSG_NOSIGNAL so a dead worker gives EPIPE instead
 * of SIGPIPE.  A worker that dies while running a job turns that job into
 * COSPIN_ERR_CRASH and is restarted.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_PREFIX "pool"
#include "engine.h"
#include "engine_private.h"
#include "error.h"
#include "log.h"
#include "paths.h"
#include "pool_wire.h"

/* With a stop flag, the dispatcher looks at it at least this often (ms): a
   signal may interrupt another thread's poll rather than this one's. */
#define STOP_POLL_MS 100

/* pool_stream: chunks per worker, and the smallest chunk worth a message (vectors). */
#define STREAM_CHUNKS_PER_WORKER 4
#define STREAM_MIN_CHUNK 64

/* ------------------------------------------------------------------------ */
/* Worker process                                                              */
/* ------------------------------------------------------------------------ */

static void worker_sim(struct cospin_engine *eng, struct rbuf *rb, struct wbuf *out)
{
    size_t nc = 0, nv = 0;
    char *netlist = cospin_rb_str(rb);
    char **cmds = cospin_rb_list(rb, &nc);
    char **vecs = cospin_rb_list(rb, &nv);
    struct cospin_sim_result res;
    memset(&res, 0, sizeof res);
    if (rb->bad || !netlist) {
        res.status = cospin_error_set(&res.error, COSPIN_ERR_INTERNAL, NULL, 0, "worker: malformed job");
    } else {
        struct cospin_sim_job job = {.netlist = netlist, .commands = (const char *const *)cmds,
                                     .vectors = (const char *const *)vecs};
        cospin_engine_run_job(eng, &job, &res);
    }
    cospin_wb_error(out, res.status, &res.error);
    cospin_wb_u64(out, res.nvec);
    for (size_t i = 0; i < res.nvec; i++)
        cospin_wb_doubles(out, res.data[i], res.len[i]);
    cospin_sim_result_clear(&res);
    free(netlist);
    cospin_free_list(cmds, nc);
    cospin_free_list(vecs, nv);
}

/*
 * A stream job in a worker.  *loaded is the netlist the worker's engine still
 * holds from its previous stream job (or NULL): the same text again is not
 * re-parsed (inference over many chunks of one circuit pays the load once).
 */
static void worker_stream(struct cospin_engine *eng, struct rbuf *rb, struct wbuf *out, char **loaded)
{
    size_t nsrc = 0, nout = 0, nval = 0;
    struct cospin_error e;
    memset(&e, 0, sizeof e);
    char *netlist = cospin_rb_str(rb);
    double step_s = 0;
    cospin_rb_get(rb, &step_s, sizeof step_s);
    uint64_t nvec = cospin_rb_u64(rb);
    char **src = cospin_rb_list(rb, &nsrc);
    char **outs = cospin_rb_list(rb, &nout);
    double *values = cospin_rb_doubles(rb, &nval);
    double *results = NULL;
    int status;
    if (rb->bad || !netlist || !src || !outs || !values || nval != nvec * nsrc) {
        status = cospin_error_set(&e, COSPIN_ERR_INTERNAL, NULL, 0, "worker: malformed stream job");
    } else if (!(results = malloc(((size_t)nvec * nout + 1) * sizeof *results))) {
        status = cospin_error_set(&e, COSPIN_ERR_NOMEM, NULL, 0, "worker: out of memory");
    } else {
        int same = *loaded && strcmp(*loaded, netlist) == 0;
        struct cospin_stream_job job = {
            .netlist = same ? NULL : netlist, .source_names = (const char *const *)src, .nsrc = nsrc,
            .values = values, .nvec = (size_t)nvec, .outputs = (const char *const *)outs,
            .nout = nout, .step_s = step_s,
        };
        free(*loaded);
        *loaded = NULL;
        status = cospin_engine_stream_job(eng, &job, results, &e);
        if (status == COSPIN_OK) {
            *loaded = netlist;   /* the circuit stays loaded for the next chunk */
            netlist = NULL;
        } else {
            cospin_engine_clear(eng);
        }
    }
    cospin_wb_error(out, status, &e);
    cospin_wb_doubles(out, results, status == COSPIN_OK ? (size_t)nvec * nout : 0);
    free(results);
    free(values);
    free(netlist);
    cospin_free_list(src, nsrc);
    cospin_free_list(outs, nout);
}

/* The worker's main loop: never returns. */
static void worker_main(int fd, const char *cm_path, int no_codemodels, pid_t parent)
{
    signal(SIGPIPE, SIG_IGN);
    /* The parent decides what an interrupt means (Ctrl-C reaches the whole
       process group); a SIGTERM sent to the worker itself ends it, whatever
       handler the parent had when it forked. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    /* An engine inherited from the parent belongs to the parent: the worker makes its own.
       If the parent had initialised ngspice, the worker reuses that (copied) instance, whose
       code models are loaded already; a circuit the parent had loaded stays as an unused
       copy in the worker's memory. */
    cospin_engine_forget_parent();
    struct cospin_engine_opts o;
    memset(&o, 0, sizeof o);
    o.codemodel_path = cm_path;
    o.no_codemodels = no_codemodels;
    struct cospin_engine *eng = NULL;
    struct cospin_error e;
    memset(&e, 0, sizeof e);
    int init_rc = cospin_engine_new(&o, &eng, &e);
    char *loaded = NULL;   /* netlist of the circuit kept loaded after a stream job */
    for (;;) {
        uint32_t kind;
        unsigned char *payload;
        size_t len;
        int r = cospin_msg_recv(fd, &kind, &payload, &len);
        if (r <= 0)
            _exit(r == 0 ? 0 : 3);
        struct rbuf rb = {.p = payload, .len = len};
        struct wbuf out;
        memset(&out, 0, sizeof out);
        uint32_t rkind = kind == MSG_STREAM_JOB ? MSG_STREAM_RESULT : MSG_SIM_RESULT;
        if (init_rc != COSPIN_OK) {
            cospin_wb_error(&out, init_rc, &e);
            cospin_wb_u64(&out, 0);
        } else if (kind == MSG_SIM_JOB) {
            free(loaded);   /* run_job replaces the circuit */
            loaded = NULL;
            worker_sim(eng, &rb, &out);
        } else if (kind == MSG_STREAM_JOB) {
            worker_stream(eng, &rb, &out, &loaded);
        } else {
            _exit(4);
        }
        free(payload);
        if (out.oom || cospin_msg_send(fd, rkind, &out) != 0)
            _exit(5);
        free(out.p);
    }
}

/* ------------------------------------------------------------------------ */
/* Pool                                                                        */
/* ------------------------------------------------------------------------ */

struct pool_worker {
    pid_t pid;      /* -1: not running */
    int fd;         /* parent's end of the socketpair, -1 if none */
    long task;      /* task index running, -1 idle */
    long jobs;      /* jobs finished by this process */
    double sent_s;  /* when the running task was sent (cospin_now_s) */
};

struct cospin_pool {
    char *cm_path;
    int no_codemodels;
    long max_jobs;        /* recycle a worker after this many jobs; <= 0: never */
    double timeout_s;     /* per-job limit; 0: none */
    volatile sig_atomic_t *stop;   /* nonzero: stop the jobs in flight (cospin_pool_set_stop) */
    int n;
    struct pool_worker *w;
};

/* One unit of work inside pool_dispatch. */
struct pool_task {
    uint32_t kind;                        /* MSG_SIM_JOB or MSG_STREAM_JOB */
    const struct cospin_sim_job *sim;
    struct cospin_stream_job stream;
    double *stream_out;                   /* nvec x nout for a stream task */
    struct cospin_sim_result *res;        /* result (status + error; sim data) */
    int attempts;                         /* sends that found the worker already dead */
};

static int wait_pid(pid_t pid, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, 0);
        if (r >= 0 || errno != EINTR)
            return r < 0 ? -1 : 0;
    }
}

static void worker_stop(struct pool_worker *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (w->pid > 0) {
        kill(w->pid, SIGKILL);
        int st;
        wait_pid(w->pid, &st);
    }
    w->pid = -1;
    w->task = -1;
}

static int worker_start(struct cospin_pool *pool, int i, struct cospin_error *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "socketpair: %s", strerror(errno));
    pid_t parent = getpid();
    fflush(NULL);   /* no duplicated stdio buffers in the child */
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        for (int j = 0; j < pool->n; j++)
            if (pool->w[j].fd >= 0)
                close(pool->w[j].fd);
        worker_main(sv[1], pool->cm_path, pool->no_codemodels, parent);
    }
    close(sv[1]);
    pool->w[i].pid = pid;
    pool->w[i].fd = sv[0];
    pool->w[i].task = -1;
    pool->w[i].jobs = 0;
    return COSPIN_OK;
}

int cospin_pool_new(const struct cospin_engine_opts *opts, int nworkers, struct cospin_pool **out,
                    struct cospin_error *err)
{
    if (!out)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_new: out is NULL");
    *out = NULL;
    if (cospin_engine_ngspice_initialised())
        cospin_dbg("pool: forking after ngSpice_Init; workers reuse the inherited ngspice instance");
    if (nworkers < 0 || nworkers > 1024)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_new: %d workers is invalid", nworkers);
    if (opts && !(opts->job_timeout_s >= 0 && isfinite(opts->job_timeout_s)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "pool_new: job timeout %g s is invalid (>= 0, 0 = none)",
                                opts->job_timeout_s);
    if (nworkers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nworkers = n > 0 ? (int)n : 1;
    }
    struct cospin_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    const char *cm = opts && opts->codemodel_path ? opts->codemodel_path : cospin_path_cm();
    pool->cm_path = strdup(cm ? cm : "");
    pool->no_codemodels = opts ? opts->no_codemodels : 0;
    pool->max_jobs = opts && opts->worker_max_jobs ? opts->worker_max_jobs : COSPIN_POOL_MAX_JOBS;
    pool->timeout_s = opts ? opts->job_timeout_s : 0.0;
    pool->w = calloc((size_t)nworkers, sizeof *pool->w);
    if (!pool->cm_path || !pool->w) {
        free(pool->cm_path);
        free(pool->w);
        free(pool);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    pool->n = nworkers;
    for (int i = 0; i < nworkers; i++) {
        pool->w[i].pid = -1;
        pool->w[i].fd = -1;
        pool->w[i].task = -1;
    }
    if (!pool->no_codemodels && access(pool->cm_path, R_OK) != 0) {
        int rc = cospin_error_set(err, COSPIN_ERR_SIM, pool->cm_path, 0,
                                  "cannot load the code models: %s", strerror(errno));
        cospin_pool_free(pool);
        return rc;
    }
    for (int i = 0; i < nworkers; i++) {
        int rc = worker_start(pool, i, err);
        if (rc) {
            cospin_pool_free(pool);
            return rc;
        }
    }
    *out = pool;
    return COSPIN_OK;
}

void cospin_pool_free(struct cospin_pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->n; i++)
        worker_stop(&pool->w[i]);
    free(pool->w);
    free(pool->cm_path);
    free(pool);
}

int cospin_pool_size(const struct cospin_pool *pool)
{
    return pool ? pool->n : 0;
}

void cospin_pool_set_stop(struct cospin_pool *pool, volatile sig_atomic_t *stop)
{
    if (pool)
        pool->stop = stop;
}

int cospin_pool_worker_pid(const struct cospin_pool *pool, int i)
{
    if (!pool || i < 0 || i >= pool->n)
        return -1;
    return (int)pool->w[i].pid;
}

static int task_encode(const struct pool_task *t, struct wbuf *b)
{
    if (t->kind == MSG_SIM_JOB) {
        cospin_wb_str(b, t->sim->netlist);
        cospin_wb_list(b, t->sim->commands, cospin_engine_count_list(t->sim->commands));
        cospin_wb_list(b, t->sim->vectors, cospin_engine_count_list(t->sim->vectors));
    } else {
        const struct cospin_stream_job *j = &t->stream;
        cospin_wb_str(b, j->netlist);
        cospin_wb_put(b, &j->step_s, sizeof j->step_s);
        cospin_wb_u64(b, j->nvec);
        cospin_wb_list(b, j->source_names, j->nsrc);
        cospin_wb_list(b, j->outputs, j->nout);
        cospin_wb_doubles(b, j->values, j->nvec * j->nsrc);
    }
    return b->oom ? -1 : 0;
}

static void task_decode(struct pool_task *t, const unsigned char *p, size_t len)
{
    struct rbuf rb = {.p = p, .len = len};
    struct cospin_sim_result *res = t->res;
    int status;
    cospin_rb_error(&rb, &status, &res->error);
    res->status = status;
    if (t->kind == MSG_SIM_JOB) {
        uint64_t nv = cospin_rb_u64(&rb);
        if (!rb.bad && nv > 0 && nv <= len) {
            res->data = calloc((size_t)nv, sizeof *res->data);
            res->len = calloc((size_t)nv, sizeof *res->len);
            if (res->data && res->len) {
                res->nvec = (size_t)nv;
                for (size_t i = 0; i < nv; i++)
                    res->data[i] = cospin_rb_doubles(&rb, &res->len[i]);
            } else {
                rb.bad = 1;
            }
        }
    } else {
        size_t n = 0;
        double *d = cospin_rb_doubles(&rb, &n);
        if (status == COSPIN_OK && !rb.bad && n == t->stream.nvec * t->stream.nout)
            memcpy(t->stream_out, d, n * sizeof *d);
        else if (status == COSPIN_OK)
            rb.bad = 1;
        free(d);
    }
    if (rb.bad) {
        cospin_sim_result_clear(res);
        res->status = cospin_error_set(&res->error, COSPIN_ERR_INTERNAL, NULL, 0,
                                       "pool: malformed result message");
    }
}

/* A worker died: reap it, describe how, restart it.  Returns the restart status. */
static int worker_died(struct cospin_pool *pool, int i, char *how, size_t hown, struct cospin_error *err)
{
    struct pool_worker *w = &pool->w[i];
    int st = 0;
    pid_t pid = w->pid;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (pid > 0 && wait_pid(pid, &st) == 0) {
        if (WIFSIGNALED(st))
            snprintf(how, hown, "worker %d (pid %d) was killed by signal %d (%s)", i, (int)pid,
                     WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            snprintf(how, hown, "worker %d (pid %d) exited with status %d", i, (int)pid,
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    } else {
        snprintf(how, hown, "worker %d (pid %d) vanished", i, (int)pid);
    }
    w->pid = -1;
    w->task = -1;
    cospin_warn("%s; restarting it", how);
    return worker_start(pool, i, err);
}

/* The scheduler's state for one pool_dispatch call. */
struct dispatch {
    struct cospin_pool *pool;
    struct pool_task *tasks;
    size_t ntasks;
    size_t next, done;      /* next task never sent; tasks finished or failed */
    size_t finished;        /* tasks whose worker answered */
    long *queue;            /* tasks to resend after a dead-on-send worker */
    size_t nq;
    struct pollfd *pfd;
    int *pidx;              /* pfd[k] belongs to worker pidx[k] */
    struct cospin_error *err;
};

/* Task t failed with code: "job <t> <what>". */
static void task_fail(struct dispatch *d, long t, int code, const char *what)
{
    struct cospin_sim_result *res = d->tasks[t].res;
    res->status = cospin_error_set(&res->error, code, NULL, 0, "job %ld %s", t, what);
    d->done++;
}

/* Send task t to idle worker i.  Returns COSPIN_OK, or a pool failure. */
static int send_task(struct dispatch *d, int i, long t, int *retry_worker)
{
    struct pool_worker *w = &d->pool->w[i];
    struct wbuf b;
    memset(&b, 0, sizeof b);
    if (task_encode(&d->tasks[t], &b) != 0) {
        free(b.p);
        return cospin_error_set(d->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory encoding a job");
    }
    int sr = cospin_msg_send(w->fd, d->tasks[t].kind, &b);
    free(b.p);
    if (sr == 0) {
        w->task = t;
        w->sent_s = cospin_now_s();
        return COSPIN_OK;
    }
    /* The worker was already gone: not this job's fault; retry it once on the new worker. */
    char how[200];
    int rs = worker_died(d->pool, i, how, sizeof how, d->err);
    if (++d->tasks[t].attempts >= 2 || rs != COSPIN_OK)
        task_fail(d, t, COSPIN_ERR_CRASH, how);
    else
        d->queue[d->nq++] = t;
    *retry_worker = 1;
    return rs;
}

/* Hand out work to every idle worker. */
static int hand_out(struct dispatch *d)
{
    for (int i = 0; i < d->pool->n; i++) {
        struct pool_worker *w = &d->pool->w[i];
        if (w->pid <= 0 || w->task >= 0)
            continue;
        long t;
        if (d->nq > 0)
            t = d->queue[--d->nq];
        else if (d->next < d->ntasks)
            t = (long)d->next++;
        else
            break;
        int retry = 0;
        int rc = send_task(d, i, t, &retry);
        if (rc != COSPIN_OK)
            return rc;
        if (retry)
            i--;   /* try the restarted worker again */
    }
    return COSPIN_OK;
}

/* Poll timeout in ms: until the earliest job deadline (or the next look at
   the stop flag), or -1 without either. */
static int poll_timeout_ms(const struct dispatch *d)
{
    if (d->pool->timeout_s <= 0)
        return d->pool->stop ? STOP_POLL_MS : -1;
    double now = cospin_now_s(), left = INFINITY;
    for (int i = 0; i < d->pool->n; i++)
        if (d->pool->w[i].task >= 0 && d->pool->w[i].sent_s + d->pool->timeout_s - now < left)
            left = d->pool->w[i].sent_s + d->pool->timeout_s - now;
    if (!isfinite(left))
        return d->pool->stop ? STOP_POLL_MS : -1;
    int ms = left <= 0 ? 0 : (int)ceil(fmin(left, 1e6) * 1e3);
    return d->pool->stop && ms > STOP_POLL_MS ? STOP_POLL_MS : ms;
}

/* The stop flag is set: the busy workers are killed (their jobs fail as
   interrupted, they are started again before the next dispatch) and so are
   the jobs not sent; finished results stay.  Returns COSPIN_ERR_INTERRUPTED. */
static int interrupt_dispatch(struct dispatch *d)
{
    struct cospin_pool *pool = d->pool;
    for (int i = 0; i < pool->n; i++)
        if (pool->w[i].task >= 0) {
            task_fail(d, pool->w[i].task, COSPIN_ERR_INTERRUPTED, "interrupted while running");
            worker_stop(&pool->w[i]);
        }
    while (d->nq > 0)
        task_fail(d, d->queue[--d->nq], COSPIN_ERR_INTERRUPTED, "not run: interrupted");
    for (; d->next < d->ntasks; d->next++)
        task_fail(d, (long)d->next, COSPIN_ERR_INTERRUPTED, "not run: interrupted");
    return cospin_error_set(d->err, COSPIN_ERR_INTERRUPTED, NULL, 0,
                            "%zu of %zu simulation jobs finished", d->finished, d->ntasks);
}

/* Kill the workers whose job ran past the limit; their jobs fail. */
static int expire_jobs(struct dispatch *d)
{
    if (d->pool->timeout_s <= 0)
        return COSPIN_OK;
    double now = cospin_now_s();
    for (int i = 0; i < d->pool->n; i++) {
        struct pool_worker *w = &d->pool->w[i];
        if (w->task < 0 || now - w->sent_s < d->pool->timeout_s)
            continue;
        long t = w->task;
        char what[200];
        snprintf(what, sizeof what,
                 "did not finish within the job time limit of %g s; its worker was killed "
                 "(a runaway simulation?)", d->pool->timeout_s);
        worker_stop(w);
        task_fail(d, t, COSPIN_ERR_SIM, what);
        /* The job's own error says it; a run going on needs no second line. */
        cospin_dbg("job %ld timed out after %g s; restarting its worker", t, d->pool->timeout_s);
        int rc = worker_start(d->pool, i, d->err);
        if (rc)
            return rc;
    }
    return COSPIN_OK;
}

/* Read the answer of worker i (ready to read).  A finished worker past its
   job budget is replaced by a fresh process. */
static int collect(struct dispatch *d, int i)
{
    struct pool_worker *w = &d->pool->w[i];
    long t = w->task;
    uint32_t kind = 0;
    unsigned char *payload = NULL;
    size_t len = 0;
    int r = cospin_msg_recv(w->fd, &kind, &payload, &len);
    if (r == 1) {
        task_decode(&d->tasks[t], payload, len);
        free(payload);
        w->task = -1;
        d->done++;
        d->finished++;
        if (d->pool->max_jobs > 0 && ++w->jobs >= d->pool->max_jobs) {
            cospin_dbg("worker %d recycled after %ld jobs", i, w->jobs);
            worker_stop(w);
            return worker_start(d->pool, i, d->err);
        }
        return COSPIN_OK;
    }
    free(payload);
    /* EOF or garbage: the worker died while running task t. */
    char how[200], what[240];
    int rs = worker_died(d->pool, i, how, sizeof how, d->err);
    snprintf(what, sizeof what, "crashed ngspice: %s", how);
    task_fail(d, t, COSPIN_ERR_CRASH, what);
    return rs;
}

/* Wait for answers (or a deadline) and collect them. */
static int wait_and_collect(struct dispatch *d)
{
    int np = 0;
    for (int i = 0; i < d->pool->n; i++)
        if (d->pool->w[i].task >= 0) {
            d->pfd[np].fd = d->pool->w[i].fd;
            d->pfd[np].events = POLLIN;
            d->pfd[np].revents = 0;
            d->pidx[np++] = i;
        }
    if (np == 0)
        return cospin_error_set(d->err, COSPIN_ERR_CRASH, NULL, 0, "pool: no worker is running");
    int pr = poll(d->pfd, (nfds_t)np, poll_timeout_ms(d));
    if (pr < 0)
        return errno == EINTR ? COSPIN_OK
                              : cospin_error_set(d->err, COSPIN_ERR_IO, NULL, 0, "poll: %s",
                                                 strerror(errno));
    for (int k = 0; k < np; k++) {
        if (!d->pfd[k].revents)
            continue;
        int rc = collect(d, d->pidx[k]);
        if (rc)
            return rc;
    }
    return expire_jobs(d);
}

/* On a pool failure, unfinished tasks get that error; busy workers are restarted clean. */
static void fail_rest(struct dispatch *d, int rc)
{
    struct cospin_pool *pool = d->pool;
    for (int i = 0; i < pool->n; i++)
        if (pool->w[i].task >= 0) {
            worker_stop(&pool->w[i]);
            worker_start(pool, i, NULL);
        }
    for (size_t t = 0; t < d->ntasks; t++)
        if (d->tasks[t].res->status == COSPIN_OK && d->tasks[t].res->error.code == 0
            && (long)t >= (long)d->next)
            d->tasks[t].res->status = cospin_error_set(&d->tasks[t].res->error, rc, NULL, 0,
                                                       "not run: pool failure");
}

/* Run all tasks across the workers (the scheduler of pool_run and pool_stream). */
static int pool_dispatch(struct cospin_pool *pool, struct pool_task *tasks, size_t ntasks,
                         struct cospin_error *err)
{
    struct dispatch d = {.pool = pool, .tasks = tasks, .ntasks = ntasks, .err = err};
    d.queue = malloc((ntasks + 1) * sizeof *d.queue);
    d.pfd = malloc((size_t)pool->n * sizeof *d.pfd);
    d.pidx = malloc((size_t)pool->n * sizeof *d.pidx);
    int rc = COSPIN_OK;
    if (!d.queue || !d.pfd || !d.pidx)
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    /* Workers an earlier interrupt stopped start again now (unless the flag
       still stops everything). */
    for (int i = 0; rc == COSPIN_OK && !(pool->stop && *pool->stop) && i < pool->n; i++)
        if (pool->w[i].pid <= 0)
            rc = worker_start(pool, i, err);
    while (rc == COSPIN_OK && d.done < ntasks) {
        if (pool->stop && *pool->stop) {
            rc = interrupt_dispatch(&d);
            break;
        }
        rc = hand_out(&d);
        if (rc == COSPIN_OK && d.done < ntasks)
            rc = wait_and_collect(&d);
    }
    if (rc != COSPIN_OK && rc != COSPIN_ERR_INTERRUPTED)
        fail_rest(&d, rc);
    free(d.queue);
    free(d.pfd);
    free(d.pidx);
    return rc;
}

int cospin_pool_run(struct cospin_pool *pool, const struct cospin_sim_job *jobs, size_t njobs,
                    struct cospin_sim_result *res, struct cospin_error *err)
{
    if (!pool || (njobs > 0 && (!jobs || !res)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_run: NULL argument");
    if (njobs == 0)
        return COSPIN_OK;
    struct pool_task *tasks = calloc(njobs, sizeof *tasks);
    if (!tasks)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < njobs; i++) {
        memset(&res[i], 0, sizeof res[i]);
        tasks[i].kind = MSG_SIM_JOB;
        tasks[i].sim = &jobs[i];
        tasks[i].res = &res[i];
        if (!jobs[i].netlist) {
            free(tasks);
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_run: job %zu has no netlist", i);
        }
    }
    int rc = pool_dispatch(pool, tasks, njobs, err);
    free(tasks);
    return rc;
}

int cospin_pool_stream(struct cospin_pool *pool, const struct cospin_stream_job *job,
                       double *results, struct cospin_error *err)
{
    if (!pool)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_stream: NULL pool");
    int rc = cospin_engine_stream_check(job, results, err);
    if (rc)
        return rc;
    if (!job->netlist)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "pool_stream: the netlist must be given (workers have their own circuits)");
    /* A few chunks per worker balance uneven progress (a shared machine); a worker
       keeps the circuit loaded between its chunks, so extra chunks cost no parsing.
       Chunks stay >= STREAM_MIN_CHUNK vectors so the per-message cost stays small. */
    size_t nchunk = (size_t)pool->n * STREAM_CHUNKS_PER_WORKER;
    if (nchunk > job->nvec / STREAM_MIN_CHUNK)
        nchunk = job->nvec / STREAM_MIN_CHUNK;
    if (nchunk < (size_t)pool->n)
        nchunk = (size_t)pool->n < job->nvec ? (size_t)pool->n : job->nvec;
    struct pool_task *tasks = calloc(nchunk, sizeof *tasks);
    struct cospin_sim_result *res = calloc(nchunk, sizeof *res);
    if (!tasks || !res) {
        free(tasks);
        free(res);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    size_t start = 0;
    for (size_t c = 0; c < nchunk; c++) {
        size_t cnt = job->nvec / nchunk + (c < job->nvec % nchunk);
        tasks[c].kind = MSG_STREAM_JOB;
        tasks[c].stream = *job;
        tasks[c].stream.values = job->values + start * job->nsrc;
        tasks[c].stream.nvec = cnt;
        tasks[c].stream_out = results + start * job->nout;
        tasks[c].res = &res[c];
        start += cnt;
    }
    rc = pool_dispatch(pool, tasks, nchunk, err);
    for (size_t c = 0; c < nchunk && rc == COSPIN_OK; c++)
        if (res[c].status != COSPIN_OK) {
            rc = res[c].status;
            if (err && err->code == 0)
                *err = res[c].error;
        }
    for (size_t c = 0; c < nchunk; c++)
        cospin_sim_result_clear(&res[c]);
    free(tasks);
    free(res);
    return rc;
}
