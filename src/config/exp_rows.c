/*
 * exp_rows.c -- experiment rows over MPI ranks (exp_rows.h).
 *
 * Three passes over the rows, in row order on every rank, so that each
 * message has its receiver waiting in the same order: rank 0 sends the
 * earlier files of each row another rank runs (TAG_IN); every rank runs its
 * own rows; each other rank sends back, row by row, whether it ran, its
 * status, result and error (TAG_STATUS) and its files (TAG_OUT).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"
#include "error.h"
#include "exp_rows.h"
#include "output.h"

#define LOG_PREFIX "run"
#include "log.h"

enum { TAG_IN = 201, TAG_STATUS = 202, TAG_RESULT = 203, TAG_OUT = 204 };

static int row_path(char *buf, size_t n, const char *base, const char *name,
                    struct cospin_error *err)
{
    if ((size_t)snprintf(buf, n, "%s/%s", base, name) >= n)
        return cospin_error_set(err, COSPIN_ERR_IO, base, 0, "output path too long for '%s'",
                                name);
    return COSPIN_OK;
}

/* Row i into base/<name>. */
static int run_row(const struct cospin_exp_rows *r, size_t i, const char *base, void *result,
                   struct cospin_error *err)
{
    char dir[COSPIN_OUTPUT_PATH_MAX];
    int created = 0;
    int rc = row_path(dir, sizeof dir, base, r->name(r->ctx, i), err);
    if (!rc)
        rc = cospin_output_mkdir(dir, &created, err);
    if (!rc)
        rc = r->run(r->ctx, i, dir, result, err);
    if (rc && created)
        rmdir(dir);   /* only when the failed row left it empty */
    return rc;
}

/* The MPI case's state at one rank. */
struct rows_run {
    const struct cospin_exp_rows *r;
    const char *out_dir;
    char *results;
    int rank, size;
    char scratch[COSPIN_OUTPUT_PATH_MAX];   /* ranks other than 0 */
    int *status;                 /* per row: its status, where it ran */
    int *ran;                    /* per row: 1 if it ran here */
    struct cospin_error first;   /* this rank's first failure */
};

static void abort_comm(void) __attribute__((noreturn));
static void abort_comm(void)
{
    cospin_dist_abort("message exchange of the experiment rows failed");
}

/* Pass 1: each other rank's rows start with rank 0's files of them. */
static void stage_in(struct rows_run *d)
{
    for (size_t i = 0; i < d->r->n; i++) {
        int owner = (int)(i % (size_t)d->size);
        if (owner == 0 || (d->rank != 0 && d->rank != owner))
            continue;
        char dir[COSPIN_OUTPUT_PATH_MAX];
        struct cospin_error e = {0};
        const char *base = d->rank == 0 ? d->out_dir : d->scratch;
        int rc = row_path(dir, sizeof dir, base, d->r->name(d->r->ctx, i), &e);
        if (d->rank == 0)
            rc = cospin_dist_send_dir(dir, owner, TAG_IN, &e);   /* absent: nothing */
        else if (!rc)
            rc = cospin_dist_recv_dir(dir, 0, TAG_IN, &e);
        if (rc && d->rank != 0) {
            d->status[i] = rc;   /* the row fails before it runs */
            if (!d->first.code)
                d->first = e;
        }
    }
}

/* Pass 2: this rank's rows, up to its first failure. */
static void run_own(struct rows_run *d)
{
    int failed = 0;
    for (size_t i = (size_t)d->rank; i < d->r->n && !failed; i += (size_t)d->size) {
        if (d->status[i]) {
            failed = 1;
            break;
        }
        struct cospin_error e = {0};
        const char *base = d->rank == 0 ? d->out_dir : d->scratch;
        /* A row is this rank's alone: what it runs (a training job with
           several runs) must not wait for the other ranks. */
        cospin_dist_solo(1);
        d->status[i] = run_row(d->r, i, base, d->results + i * d->r->result_size, &e);
        cospin_dist_solo(0);
        d->ran[i] = 1;
        if (d->status[i]) {
            failed = 1;
            if (!d->first.code)
                d->first = e;
        }
    }
}

/* Pass 3 at another rank: row i's outcome and files to rank 0. */
static void send_row(struct rows_run *d, size_t i)
{
    long head[2] = {d->ran[i], d->status[i]};
    struct cospin_error e = {0};
    if (d->status[i])
        e = d->first;
    if (cospin_dist_send_longs(head, 2, 0, TAG_STATUS) ||
        cospin_dist_send_bytes(d->results + i * d->r->result_size, d->r->result_size, 0,
                               TAG_RESULT) ||
        cospin_dist_send_bytes(&e, sizeof e, 0, TAG_RESULT))
        abort_comm();
    if (d->ran[i]) {
        char dir[COSPIN_OUTPUT_PATH_MAX];
        struct cospin_error ignored = {0};
        row_path(dir, sizeof dir, d->scratch, d->r->name(d->r->ctx, i), &ignored);
        cospin_dist_send_dir(dir, 0, TAG_OUT, &ignored);
    }
}

/* Pass 3 at rank 0: row i from its owner; its status (a failure named by rank). */
static int recv_row(struct rows_run *d, size_t i, int owner, struct cospin_error *e, int *ran)
{
    long head[2];
    size_t n = 0, nr = 0, ne = 0;
    if (cospin_dist_recv_longs(head, 2, owner, TAG_STATUS, &n) || n != 2 ||
        cospin_dist_recv_bytes(d->results + i * d->r->result_size, d->r->result_size, owner,
                               TAG_RESULT, &nr) ||
        nr != d->r->result_size || cospin_dist_recv_bytes(e, sizeof *e, owner, TAG_RESULT, &ne) ||
        ne != sizeof *e)
        abort_comm();
    int rc = (int)head[1];
    *ran = head[0] != 0;
    if (head[0]) {
        char dir[COSPIN_OUTPUT_PATH_MAX];
        struct cospin_error we = {0};
        int wrc = row_path(dir, sizeof dir, d->out_dir, d->r->name(d->r->ctx, i), &we);
        if (!wrc)
            wrc = cospin_output_mkdir(dir, NULL, &we);
        int drc = cospin_dist_recv_dir(wrc ? NULL : dir, owner, TAG_OUT, &we);
        if (!wrc)
            wrc = drc;
        if (!rc && wrc) {
            *e = we;
            rc = we.code ? we.code : COSPIN_ERR_IO;
        }
    }
    return cospin_dist_name_rank(e, rc, owner);
}

/* Gather each rank's rows and time in them; rank 0 logs them. */
static void report_shares(const struct rows_run *d, double busy_s)
{
    double mine[2] = {0, busy_s};
    for (size_t i = (size_t)d->rank; i < d->r->n; i += (size_t)d->size)
        mine[0] += d->ran[i];
    double *all = d->rank == 0 ? calloc(2 * (size_t)d->size, sizeof *all) : NULL;
    double dummy[2];
    if (cospin_dist_gather_doubles(mine, 2, all ? all : dummy, 0))
        abort_comm();
    for (int r = 0; all && r < d->size; r++)
        cospin_info("rank %d: %.0f row%s, busy %.2f s", r, all[2 * r], all[2 * r] == 1 ? "" : "s",
                    all[2 * r + 1]);
    free(all);
}

/* The MPI case (exp_rows.h). */
static int rows_mpi(const struct cospin_exp_rows *r, const char *out_dir, char *results,
                    size_t *done, struct cospin_error *err)
{
    struct rows_run d;
    memset(&d, 0, sizeof d);
    d.r = r;
    d.out_dir = out_dir;
    d.results = results;
    d.rank = cospin_dist_rank();
    d.size = cospin_dist_size();
    d.status = calloc(r->n + 1, sizeof *d.status);
    d.ran = calloc(r->n + 1, sizeof *d.ran);
    int rc = d.status && d.ran ? COSPIN_OK
                               : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    if (!rc && d.rank != 0 && (size_t)d.rank < r->n)
        rc = cospin_dist_scratch(d.scratch, sizeof d.scratch, err);
    rc = cospin_dist_agree(rc, err);
    if (!rc) {
        stage_in(&d);
        double t0 = cospin_now_s();
        run_own(&d);
        double busy_s = cospin_now_s() - t0;
        /* Pass 3; rank 0 keeps the first failure in row order. */
        struct cospin_error e0 = {0};
        for (size_t i = 0; i < r->n; i++) {
            int owner = (int)(i % (size_t)d.size);
            int st = 0;
            if (owner == 0 && d.rank == 0) {
                st = d.status[i];
                if (st && !rc)
                    e0 = d.first;
                *done += d.ran[i] && !st;
            } else if (owner != 0 && d.rank == owner) {
                send_row(&d, i);
            } else if (owner != 0 && d.rank == 0) {
                struct cospin_error e = {0};
                int ran = 0;
                st = recv_row(&d, i, owner, &e, &ran);
                if (st && !rc)
                    e0 = e;
                *done += ran && !st;
            }
            if (st && !rc)
                rc = st;
        }
        if (d.rank == 0 && rc && err)
            *err = e0;
        report_shares(&d, busy_s);
        rc = cospin_dist_agree(d.rank == 0 ? rc : 0, err);
    }
    cospin_dist_scratch_remove(d.scratch);
    free(d.status);
    free(d.ran);
    return rc;
}

int cospin_exp_rows_run(const struct cospin_exp_rows *r, const char *out_dir, void *results,
                        size_t *done, struct cospin_error *err)
{
    *done = 0;
    if (cospin_dist_size() > 1)
        return rows_mpi(r, out_dir, results, done, err);
    for (size_t i = 0; i < r->n; i++) {
        int rc = run_row(r, i, out_dir, (char *)results + i * r->result_size, err);
        if (rc)
            return rc;
        ++*done;
    }
    return COSPIN_OK;
}
