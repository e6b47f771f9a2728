/*
 * dist.c -- the MPI wrapper (dist.h); without HAVE_MPI the one-process case.
 *
 * MPI is global to the process, so its state here is too: whether
 * cospin_dist_init() started it and how many ranks share this node, both
 * set once before any thread starts and only read afterwards (the same
 * exception as the logger's threshold).
 */
#include <config.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_MPI
#include <mpi.h>
#endif

#define LOG_PREFIX "dist"
#include "dist.h"
#include "error.h"
#include "log.h"

/* First sleep of a wait, s; each further one doubles up to COSPIN_DIST_NAP_MAX_S. */
#define DIST_NAP_MIN_S 2e-6

int cospin_dist_built(void)
{
#ifdef HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

/* Started by an MPI launcher (and not told to ignore it with COSPIN_MPI=0). */
static int launched_by_mpi(void)
{
    const char *off = getenv("COSPIN_MPI");
    if (off && strcmp(off, "0") == 0)
        return 0;
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

void cospin_dist_nap(double *nap_s)
{
    if (!(*nap_s >= DIST_NAP_MIN_S))
        *nap_s = DIST_NAP_MIN_S;
    struct timespec ts = {0, (long)(*nap_s * 1e9)};
    nanosleep(&ts, NULL);
    *nap_s = *nap_s * 2 < COSPIN_DIST_NAP_MAX_S ? *nap_s * 2 : COSPIN_DIST_NAP_MAX_S;
}

#ifdef HAVE_MPI

static struct {
    int started;      /* cospin_dist_init() called MPI_Init_thread */
    int local_size;   /* ranks on this node */
    int solo;         /* cospin_dist_solo(): act as the only rank */
} dist_state;

/* MPI is usable by cospin: we started it, nobody finalized it yet, and
   this process is not running solo. */
static int dist_on(void)
{
    int fin = 0;
    if (!dist_state.started || dist_state.solo)
        return 0;
    MPI_Finalized(&fin);
    return !fin;
}

int cospin_dist_init(int *argc, char ***argv, struct cospin_error *err)
{
    int inited = 0;
    MPI_Initialized(&inited);
    if (inited || !launched_by_mpi())
        return COSPIN_OK;
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    dist_state.started = 1;
    if (provided < MPI_THREAD_FUNNELED)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "the MPI library gives thread level %d; cospin's worker "
                                "threads need MPI_THREAD_FUNNELED (%d)",
                                provided, (int)MPI_THREAD_FUNNELED);
    MPI_Comm node;
    dist_state.local_size = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &dist_state.local_size);
        MPI_Comm_free(&node);
    }
    return COSPIN_OK;
}

void cospin_dist_finalize(void)
{
    dist_state.solo = 0;
    if (dist_on())
        MPI_Finalize();
}

void cospin_dist_solo(int on)
{
    dist_state.solo = on != 0;
}

int cospin_dist_rank(void)
{
    int r = 0;
    if (dist_on())
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int cospin_dist_size(void)
{
    int n = 1;
    if (dist_on())
        MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

int cospin_dist_local_size(void)
{
    return dist_on() && dist_state.local_size > 0 ? dist_state.local_size : 1;
}

void cospin_dist_abort(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cospin_err("rank %d: %s", cospin_dist_rank(), msg);
    if (dist_on())
        MPI_Abort(MPI_COMM_WORLD, 70);
    abort();
}

/* Complete a request, polling lazily. */
static int wait_lazy(MPI_Request *req, MPI_Status *st)
{
    double nap_s = 0;
    for (;;) {
        int done = 0;
        if (MPI_Test(req, &done, st ? st : MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return COSPIN_ERR_INTERNAL;
        if (done)
            return COSPIN_OK;
        cospin_dist_nap(&nap_s);
    }
}

/* A count MPI can take (its counts are int). */
static int count_of(size_t n, int *out)
{
    if (n > (size_t)INT_MAX)
        return COSPIN_ERR_INVALID;
    *out = (int)n;
    return COSPIN_OK;
}

static MPI_Op op_of(enum cospin_dist_op op)
{
    return op == COSPIN_DIST_MIN ? MPI_MIN : op == COSPIN_DIST_MAX ? MPI_MAX : MPI_SUM;
}

int cospin_dist_barrier(void)
{
    if (cospin_dist_size() == 1)
        return COSPIN_OK;
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    return wait_lazy(&req, NULL);
}

static int bcast(void *v, size_t n, MPI_Datatype type, int root)
{
    int cnt;
    if (cospin_dist_size() == 1 || n == 0)
        return COSPIN_OK;
    if (count_of(n, &cnt))
        return COSPIN_ERR_INVALID;
    MPI_Request req;
    MPI_Ibcast(v, cnt, type, root, MPI_COMM_WORLD, &req);
    return wait_lazy(&req, NULL);
}

int cospin_dist_bcast_doubles(double *v, size_t n, int root)
{
    return bcast(v, n, MPI_DOUBLE, root);
}

int cospin_dist_bcast_longs(long *v, size_t n, int root)
{
    return bcast(v, n, MPI_LONG, root);
}

int cospin_dist_bcast_bytes(void *v, size_t n, int root)
{
    return bcast(v, n, MPI_BYTE, root);
}

static int gather(const void *send, size_t n, void *recv, MPI_Datatype type, size_t elem,
                  int root)
{
    int cnt;
    if (count_of(n, &cnt))
        return COSPIN_ERR_INVALID;
    if (cospin_dist_size() == 1) {
        if (recv != send && n)
            memmove(recv, send, n * elem);
        return COSPIN_OK;
    }
    MPI_Request req;
    MPI_Igather(send, cnt, type, recv, cnt, type, root, MPI_COMM_WORLD, &req);
    return wait_lazy(&req, NULL);
}

int cospin_dist_gather_doubles(const double *send, size_t n, double *recv, int root)
{
    return gather(send, n, recv, MPI_DOUBLE, sizeof *send, root);
}

int cospin_dist_gather_longs(const long *send, size_t n, long *recv, int root)
{
    return gather(send, n, recv, MPI_LONG, sizeof *send, root);
}

static int reduce(const void *send, void *recv, size_t n, MPI_Datatype type, size_t elem,
                  enum cospin_dist_op op, int root)
{
    int cnt;
    if (count_of(n, &cnt))
        return COSPIN_ERR_INVALID;
    if (cospin_dist_size() == 1) {
        if (recv != send && n)
            memmove(recv, send, n * elem);
        return COSPIN_OK;
    }
    int me = cospin_dist_rank();
    /* In place where MPI asks for it: the result's rank(s) with recv == send. */
    const void *s = send == recv && (root < 0 || root == me) ? MPI_IN_PLACE : send;
    MPI_Request req;
    if (root < 0)
        MPI_Iallreduce(s, recv, cnt, type, op_of(op), MPI_COMM_WORLD, &req);
    else
        MPI_Ireduce(s, recv, cnt, type, op_of(op), root, MPI_COMM_WORLD, &req);
    return wait_lazy(&req, NULL);
}

int cospin_dist_reduce_doubles(const double *send, double *recv, size_t n,
                               enum cospin_dist_op op, int root)
{
    return reduce(send, recv, n, MPI_DOUBLE, sizeof *send, op, root);
}

int cospin_dist_reduce_longs(const long *send, long *recv, size_t n, enum cospin_dist_op op,
                             int root)
{
    return reduce(send, recv, n, MPI_LONG, sizeof *send, op, root);
}

int cospin_dist_agree(int status, struct cospin_error *err)
{
    int size = cospin_dist_size();
    if (size == 1)
        return status;
    long me = cospin_dist_rank(), first = status ? me : size;
    int rc = cospin_dist_reduce_longs(&first, &first, 1, COSPIN_DIST_MIN, -1);
    if (rc)
        return rc;
    if (first == size)
        return COSPIN_OK;
    struct cospin_error e = {0};
    if (me == first) {
        if (err && err->code)
            e = *err;
        else
            cospin_error_set(&e, status, NULL, 0, "%s", cospin_strerror(status));
        e.code = status;
    }
    rc = cospin_dist_bcast_bytes(&e, sizeof e, (int)first);
    if (rc)
        return rc;
    if (first != 0) {
        char who[32];
        snprintf(who, sizeof who, "rank %ld", first);
        cospin_error_prefix(&e, who);
    }
    if (err)
        *err = e;
    return e.code;
}

static int dist_send(const void *v, size_t n, MPI_Datatype type, int dest, int tag)
{
    int cnt;
    if (count_of(n, &cnt))
        return COSPIN_ERR_INVALID;
    if (cospin_dist_size() == 1)
        return COSPIN_ERR_INTERNAL;
    MPI_Request req;
    MPI_Isend(v, cnt, type, dest, tag, MPI_COMM_WORLD, &req);
    return wait_lazy(&req, NULL);
}

int cospin_dist_send_longs(const long *v, size_t n, int dest, int tag)
{
    return dist_send(v, n, MPI_LONG, dest, tag);
}

int cospin_dist_send_bytes(const void *v, size_t n, int dest, int tag)
{
    return dist_send(v, n, MPI_BYTE, dest, tag);
}

int cospin_dist_probe(int source, int tag, int *src_out, int *tag_out, size_t *bytes_out)
{
    if (cospin_dist_size() == 1)
        return 0;
    int flag = 0, bytes = 0;
    MPI_Status st;
    MPI_Iprobe(source < 0 ? MPI_ANY_SOURCE : source, tag < 0 ? MPI_ANY_TAG : tag, MPI_COMM_WORLD,
               &flag, &st);
    if (!flag)
        return 0;
    MPI_Get_count(&st, MPI_BYTE, &bytes);
    if (src_out)
        *src_out = st.MPI_SOURCE;
    if (tag_out)
        *tag_out = st.MPI_TAG;
    if (bytes_out)
        *bytes_out = (size_t)bytes;
    return 1;
}

static int dist_recv(void *v, size_t cap, MPI_Datatype type, size_t elem, int source, int tag,
                size_t *n)
{
    int cnt;
    if (count_of(cap, &cnt))
        return COSPIN_ERR_INVALID;
    if (cospin_dist_size() == 1)
        return COSPIN_ERR_INTERNAL;
    /* Wait for it first, so a longer message is an error rather than MPI's truncation. */
    double nap_s = 0;
    size_t bytes = 0;
    while (!cospin_dist_probe(source, tag, NULL, NULL, &bytes))
        cospin_dist_nap(&nap_s);
    if (bytes > cap * elem)
        return COSPIN_ERR_INVALID;
    MPI_Request req;
    MPI_Status st;
    MPI_Irecv(v, cnt, type, source < 0 ? MPI_ANY_SOURCE : source, tag < 0 ? MPI_ANY_TAG : tag,
              MPI_COMM_WORLD, &req);
    int rc = wait_lazy(&req, &st);
    int got = 0;
    MPI_Get_count(&st, type, &got);
    if (n)
        *n = (size_t)got;
    return rc;
}

int cospin_dist_recv_longs(long *v, size_t cap, int source, int tag, size_t *n)
{
    return dist_recv(v, cap, MPI_LONG, sizeof *v, source, tag, n);
}

int cospin_dist_recv_bytes(void *v, size_t cap, int source, int tag, size_t *n)
{
    return dist_recv(v, cap, MPI_BYTE, 1, source, tag, n);
}

#else /* !HAVE_MPI: one process */

/* The job's size as the launcher announces it (1 when it does not). */
static long launcher_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && atol(v) > 1)
            return atol(v);
    }
    return 1;
}

int cospin_dist_init(int *argc, char ***argv, struct cospin_error *err)
{
    (void)argc;
    (void)argv;
    /* Every process of the job would run the whole command and write the same files. */
    if (launched_by_mpi() && launcher_size() > 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "this cospin was built without MPI, so each of the %ld "
                                "processes mpirun started would run the whole command: "
                                "rebuild with ./configure --with-mpi (libopenmpi-dev), run "
                                "one process, or set COSPIN_MPI=0 to run them independently",
                                launcher_size());
    return COSPIN_OK;
}

void cospin_dist_finalize(void)
{
}

void cospin_dist_solo(int on)
{
    (void)on;
}

int cospin_dist_rank(void)
{
    return 0;
}

int cospin_dist_size(void)
{
    return 1;
}

int cospin_dist_local_size(void)
{
    return 1;
}

void cospin_dist_abort(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cospin_err("%s", msg);
    abort();
}

int cospin_dist_barrier(void)
{
    return COSPIN_OK;
}

int cospin_dist_bcast_doubles(double *v, size_t n, int root)
{
    (void)v, (void)n, (void)root;
    return COSPIN_OK;
}

int cospin_dist_bcast_longs(long *v, size_t n, int root)
{
    (void)v, (void)n, (void)root;
    return COSPIN_OK;
}

int cospin_dist_bcast_bytes(void *v, size_t n, int root)
{
    (void)v, (void)n, (void)root;
    return COSPIN_OK;
}

int cospin_dist_gather_doubles(const double *send, size_t n, double *recv, int root)
{
    (void)root;
    if (recv != send && n)
        memmove(recv, send, n * sizeof *send);
    return COSPIN_OK;
}

int cospin_dist_gather_longs(const long *send, size_t n, long *recv, int root)
{
    (void)root;
    if (recv != send && n)
        memmove(recv, send, n * sizeof *send);
    return COSPIN_OK;
}

int cospin_dist_reduce_doubles(const double *send, double *recv, size_t n,
                               enum cospin_dist_op op, int root)
{
    (void)op, (void)root;
    if (recv != send && n)
        memmove(recv, send, n * sizeof *send);
    return COSPIN_OK;
}

int cospin_dist_reduce_longs(const long *send, long *recv, size_t n, enum cospin_dist_op op,
                             int root)
{
    (void)op, (void)root;
    if (recv != send && n)
        memmove(recv, send, n * sizeof *send);
    return COSPIN_OK;
}

int cospin_dist_agree(int status, struct cospin_error *err)
{
    (void)err;
    return status;
}

/* Point to point needs a second rank: never reached with one. */
int cospin_dist_send_longs(const long *v, size_t n, int dest, int tag)
{
    (void)v, (void)n, (void)dest, (void)tag;
    return COSPIN_ERR_INTERNAL;
}

int cospin_dist_send_bytes(const void *v, size_t n, int dest, int tag)
{
    (void)v, (void)n, (void)dest, (void)tag;
    return COSPIN_ERR_INTERNAL;
}

int cospin_dist_probe(int source, int tag, int *src_out, int *tag_out, size_t *bytes_out)
{
    (void)source, (void)tag, (void)src_out, (void)tag_out, (void)bytes_out;
    return 0;
}

int cospin_dist_recv_longs(long *v, size_t cap, int source, int tag, size_t *n)
{
    (void)v, (void)cap, (void)source, (void)tag, (void)n;
    return COSPIN_ERR_INTERNAL;
}

int cospin_dist_recv_bytes(void *v, size_t cap, int source, int tag, size_t *n)
{
    (void)v, (void)cap, (void)source, (void)tag, (void)n;
    return COSPIN_ERR_INTERNAL;
}

#endif

int cospin_dist_name_rank(struct cospin_error *e, int rc, int rank)
{
    if (rc) {
        char who[32];
        snprintf(who, sizeof who, "rank %d", rank);
        if (e && !e->code)
            cospin_error_set(e, rc, NULL, 0, "%s", cospin_strerror(rc));
        cospin_error_prefix(e, who);
    }
    return rc;
}
