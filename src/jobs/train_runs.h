/*
 * train_runs.h -- the runs of a training job: one run (train_job.c) and
 * all of them, one by one or spread over MPI ranks (train_runs.c).
 * Internal to the jobs layer.
 */
#ifndef COSPIN_TRAIN_RUNS_H
#define COSPIN_TRAIN_RUNS_H

#include <stdint.h>

#include "neuron_map.h"
#include "train.h"
#include "train_job.h"

/* What every run of a job shares. */
struct cospin_train_env {
    const struct cospin_train_data *train, *test;
    const struct cospin_neuron_map *map;   /* the device level's map, or NULL */
    uint64_t seed0;                        /* run r has seed seed0 + r */
};

/*
 * Run r of the job with its files in dir: checkpoint-seed<S>.bin and, with
 * several runs, seed-<S>/ (metrics.csv, model.xml); run 0 also writes
 * dir/model.xml.  *res is filled (the caller clears it, also on failure).
 */
int cospin_train_runs_one(struct cospin_train_job *job, int r, const char *dir,
                          const struct cospin_train_env *env, struct cospin_train_result *res,
                          struct cospin_error *err);

/*
 * Every run of the job into res[0 .. job->runs): in one process in order
 * into job->out_dir, stopping at the first failure.  Under MPI (dist.h)
 * run r runs on rank r mod N, each rank stopping at its own first failure;
 * a rank other than 0 runs in a scratch directory that starts with rank
 * 0's checkpoint of the run and sends the run's result and files back, so
 * that rank 0 holds every result and writes every file.  Every rank
 * returns the status of the first run (in run order) that failed, its
 * error naming the rank.
 */
int cospin_train_runs_all(struct cospin_train_job *job, const struct cospin_train_env *env,
                          struct cospin_train_result *res, struct cospin_error *err);

#endif
