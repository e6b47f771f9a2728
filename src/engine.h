/*
 * engine.h -- the only door to libngspice.
 *
 * libngspice is one global instance per process (ngSpice_Init may be called
 * once; a crash inside it kills the process).  This module owns that fact:
 *
 *   - struct cospin_engine is the in-process handle.  At most one may exist
 *     per process; cospin_engine_new() fails with COSPIN_ERR_INVALID on a
 *     second call while the first is alive.
 *   - struct cospin_pool runs simulation jobs in forked worker processes,
 *     each with its own libngspice instance, so that two cores run two
 *     simulations at once and a crash inside ngspice becomes an error.
 *
 * Failures that ngspice reports with return code 0 (unknown model, parse
 * error, singular matrix, missing include, missing .cm) are turned into
 * COSPIN_ERR_SIM errors carrying ngspice's own message.
 */
#ifndef COSPIN_ENGINE_H
#define COSPIN_ENGINE_H

#include <stddef.h>

#include "cospin.h"

struct cospin_engine;

/* Options for an engine; zero-initialise and set what you need. */
struct cospin_engine_opts {
    const char *codemodel_path;   /* cospin.cm to load, NULL: cospin_path_cm() (paths.h) */
    int echo_output;              /* nonzero: copy ngspice's stdout lines to the debug log */
};

/* Create the process's engine (calls ngSpice_Init, loads the code models). */
int cospin_engine_new(const struct cospin_engine_opts *opts, struct cospin_engine **out,
                      struct cospin_error *err);

/* Free the circuit and the handle.  NULL-safe.  libngspice itself stays loaded. */
void cospin_engine_free(struct cospin_engine *eng);

/*
 * Load a circuit from netlist text (lines separated by '\n'; the first line is
 * the title, ".end" is appended if missing).  Any previously loaded circuit is
 * removed first.  Errors name ngspice's message.
 */
int cospin_engine_load(struct cospin_engine *eng, const char *netlist, struct cospin_error *err);

/*
 * Run one ngspice command (an analysis such as "tran 5p 100n", or "op").
 * Returns COSPIN_ERR_SIM if ngspice printed an error for it.
 */
int cospin_engine_command(struct cospin_engine *eng, const char *command, struct cospin_error *err);

/*
 * Copy result vector `name` (e.g. "v(out)", "time", "vsense#branch") of the
 * current plot into a new array *out of *n doubles (real part for complex
 * vectors).  The caller frees *out with free().  COSPIN_ERR_SIM if missing.
 */
int cospin_engine_vector(struct cospin_engine *eng, const char *name, double **out, size_t *n,
                         struct cospin_error *err);

/* Remove the circuit and destroy all plots (remcirc + destroy all): memory stays flat. */
void cospin_engine_clear(struct cospin_engine *eng);

/*
 * A simulation job: a netlist, the commands to run on it, and the vectors to
 * copy back.  Used both in-process (cospin_engine_run_job) and by the pool.
 */
struct cospin_sim_job {
    const char *netlist;          /* netlist text, owned by the caller */
    const char *const *commands;  /* NULL-terminated list, e.g. {"tran 5p 100n", NULL} */
    const char *const *vectors;   /* NULL-terminated list of vector names to copy back */
};

/* The result of a job.  Free with cospin_sim_result_clear(). */
struct cospin_sim_result {
    int status;                   /* COSPIN_OK or an error code */
    struct cospin_error error;    /* message when status != 0 */
    size_t nvec;                  /* number of vectors (= entries in job->vectors) */
    double **data;                /* data[i] has len[i] values; owned by the result */
    size_t *len;
};

void cospin_sim_result_clear(struct cospin_sim_result *res);

/* Run a job in this process: load, commands, copy vectors, clear. */
int cospin_engine_run_job(struct cospin_engine *eng, const struct cospin_sim_job *job,
                          struct cospin_sim_result *res);

struct cospin_pool;

/*
 * Start nworkers forked worker processes (0: number of online CPUs), each of
 * which initialises its own ngspice and loads opts->codemodel_path.  Must be
 * called before this process creates an engine (fork after ngSpice_Init is
 * not supported).
 */
int cospin_pool_new(const struct cospin_engine_opts *opts, int nworkers, struct cospin_pool **out,
                    struct cospin_error *err);

/* Stop the workers and free the pool.  NULL-safe. */
void cospin_pool_free(struct cospin_pool *pool);

int cospin_pool_size(const struct cospin_pool *pool);

/*
 * Run njobs jobs across the workers; res[i] receives the result of jobs[i].
 * A worker that dies (segfault inside ngspice) turns its job into a
 * COSPIN_ERR_CRASH result and is restarted; the other jobs still run.
 * Returns COSPIN_OK if the pool itself worked (check each res[i].status).
 */
int cospin_pool_run(struct cospin_pool *pool, const struct cospin_sim_job *jobs, size_t njobs,
                    struct cospin_sim_result *res, struct cospin_error *err);

#endif
