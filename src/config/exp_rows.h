/*
 * exp_rows.h -- the rows of an experiment file (its <train> elements, ...)
 * spread over MPI ranks (dist.h); in one process, run in order.
 */
#ifndef COSPIN_EXP_ROWS_H
#define COSPIN_EXP_ROWS_H

#include <stddef.h>

#include "cospin.h"

struct cospin_exp_rows {
    size_t n;                      /* rows */
    size_t result_size;            /* bytes of one row's result: plain data, no pointers */
    /* The name of row i's directory under out_dir (its name attribute). */
    const char *(*name)(void *ctx, size_t i);
    /* Run row i with its files in dir (which exists); its result into
       result (result_size bytes).  Returns 0 or an error naming the row. */
    int (*run)(void *ctx, size_t i, const char *dir, void *result, struct cospin_error *err);
    void *ctx;
};

/*
 * Run every row of r, each into out_dir/<name> (created; removed again
 * when a failed row left it empty), leaving their results in
 * results[i * r->result_size ...] and the number of rows that finished in
 * *done at rank 0.  Every rank returns the status of the first row (in row
 * order) that failed, with its error, or 0.
 *
 * One process: row after row, stopping at the first failure.  Several
 * ranks: row i runs on rank i mod N, each rank stopping at its own first
 * failure.  A rank other than 0 runs a row in a scratch directory that
 * starts with a copy of rank 0's out_dir/<name> (checkpoints to resume
 * from) and sends the row's files and result back to rank 0, which writes
 * them: only rank 0 writes into out_dir.  Its failure is prefixed with
 * "rank R".  results must have room for every row at every rank.
 */
int cospin_exp_rows_run(const struct cospin_exp_rows *r, const char *out_dir, void *results,
                        size_t *done, struct cospin_error *err);

#endif
