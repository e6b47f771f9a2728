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
 * error, singular matrix, missing include, missing .cm, timestep too small,
 * a cospin code model rejecting its parameters) are turned into
 * COSPIN_ERR_SIM errors carrying ngspice's own message (doc/engine.md lists
 * the rules).  Nothing here is thread-safe: use the engine from one thread,
 * and a pool for parallelism.
 */
#ifndef COSPIN_ENGINE_H
#define COSPIN_ENGINE_H

#include <signal.h>
#include <stddef.h>

#include "cospin.h"

COSPIN_BEGIN_DECLS

struct cospin_engine;

/* Options for an engine; zero-initialise and set what you need. */
struct cospin_engine_opts {
    const char *codemodel_path;   /* cospin.cm to load, NULL: cospin_path_cm() (cospin.h) */
    int echo_output;              /* nonzero: copy ngspice's stdout lines to the debug log */
    int no_codemodels;            /* nonzero: load no code-model library at all */
    /* Pool only: */
    long worker_max_jobs;         /* restart a worker after this many jobs (libngspice keeps
                                     ~1 kB per circuit it ever loaded); 0: the default
                                     COSPIN_POOL_MAX_JOBS, < 0: never */
    double job_timeout_s;         /* a job running longer than this is killed with its worker
                                     and fails with COSPIN_ERR_SIM; 0: no limit */
};

/* Default jobs per pool worker before it is replaced by a fresh process: bounds
   libngspice's per-circuit leak to a few hundred kB per worker (doc/engine.md). */
#define COSPIN_POOL_MAX_JOBS 200

/*
 * Create the process's engine: calls ngSpice_Init the first time (later
 * engines reuse the instance) and loads the code-model library opts->
 * codemodel_path (NULL opts or path: cospin_path_cm()) unless
 * opts->no_codemodels.  *out receives the engine (caller frees it with
 * cospin_engine_free).  Errors: COSPIN_ERR_INVALID if an engine already
 * exists in this process; COSPIN_ERR_SIM with ngspice's reason if the
 * library cannot be loaded (err->file names it) or ngspice has exited;
 * COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_engine_new(const struct cospin_engine_opts *opts, struct cospin_engine **out,
                                 struct cospin_error *err);

/* Free the circuit and the handle.  NULL-safe.  libngspice itself stays loaded. */
COSPIN_API void cospin_engine_free(struct cospin_engine *eng);

/*
 * Load a circuit from netlist text (lines separated by '\n', "\r\n" accepted;
 * the first line is the title, ".end" is appended if missing), owned by the
 * caller.  Any previously loaded circuit is removed first.  A .control block
 * in the text is run by ngspice.  Errors: COSPIN_ERR_PARSE if there are no
 * element lines; COSPIN_ERR_SIM with ngspice's message (err->line = the
 * netlist line when ngspice names one, err->file = "netlist"), after which no
 * circuit is loaded.
 */
COSPIN_API int cospin_engine_load(struct cospin_engine *eng, const char *netlist,
                                  struct cospin_error *err);

/*
 * Run one ngspice command (an analysis such as "tran 5p 100n", "op",
 * "alter r1 2k").  Returns COSPIN_ERR_SIM if ngspice printed an error for it,
 * COSPIN_ERR_INVALID for quit/exit/bg_* (they would end or detach the only
 * instance).
 */
COSPIN_API int cospin_engine_command(struct cospin_engine *eng, const char *command,
                                     struct cospin_error *err);

/*
 * Copy result vector `name` (e.g. "v(out)", "time", "vsense#branch") of the
 * current plot into a new array *out of *n doubles (real part for complex
 * vectors).  The caller frees *out with free().  COSPIN_ERR_SIM if missing.
 */
COSPIN_API int cospin_engine_vector(struct cospin_engine *eng, const char *name, double **out,
                                    size_t *n, struct cospin_error *err);

/* Remove the circuit and destroy all plots (remcirc + destroy all): memory stays flat.
   NULL-safe; the engine stays usable. */
COSPIN_API void cospin_engine_clear(struct cospin_engine *eng);

/*
 * Everything ngspice printed during the last operation (load, command,
 * stream), one line per SendChar call, stderr lines prefixed "stderr ".
 * Capped at a few hundred kB (the rest is counted, not kept).  The string
 * belongs to the engine and is valid until its next operation.
 */
COSPIN_API const char *cospin_engine_output(const struct cospin_engine *eng);

/*
 * A simulation job: a netlist, the commands to run on it, and the vectors to
 * copy back.  Used both in-process (cospin_engine_run_job) and by the pool.
 */
struct cospin_sim_job {
    const char *netlist;          /* netlist text, owned by the caller */
    const char *const *commands;  /* NULL-terminated list, e.g. {"tran 5p 100n", NULL} */
    const char *const *vectors;   /* NULL-terminated list of vector names to copy back */
};

/* The result of a job.  Free with cospin_sim_result_clear() (idempotent). */
struct cospin_sim_result {
    int status;                   /* COSPIN_OK or an error code */
    struct cospin_error error;    /* message when status != 0 */
    size_t nvec;                  /* number of vectors (= entries in job->vectors) */
    double **data;                /* data[i] has len[i] values; owned by the result */
    size_t *len;
};

COSPIN_API void cospin_sim_result_clear(struct cospin_sim_result *res);

/*
 * Run a job in this process: load, commands in order, copy the vectors,
 * clear.  res is overwritten (free it with cospin_sim_result_clear); its
 * status (also returned) and error say what failed first.
 */
COSPIN_API int cospin_engine_run_job(struct cospin_engine *eng, const struct cospin_sim_job *job,
                                     struct cospin_sim_result *res);

/*
 * Streaming (circuit-in-the-loop): one transient analysis in which every
 * accepted time point is one input vector.
 *
 * The netlist's inputs are voltage sources written `vNAME node 0 external`
 * (NOT `dc 0 external`, which crashes ngspice 39.3).  Input vector k holds
 * the values of all sources at time k * step_s; GetSyncData forces the time
 * steps onto that grid and GetVSRCData returns values[k * nsrc + i] for
 * source i (zero-order hold: between grid points the source already holds
 * the next vector's value).  After the run the requested outputs are copied
 * at the grid points.
 */
struct cospin_stream_job {
    const char *netlist;              /* netlist text; NULL: reuse the loaded circuit (in-process only) */
    const char *const *source_names;  /* nsrc external source names, e.g. "vr0" (case-insensitive) */
    size_t nsrc;
    const double *values;             /* nvec x nsrc source values in V, row-major, caller-owned */
    size_t nvec;
    const char *const *outputs;       /* nout output names: "v(node)", "node", "i(vsrc)", "vsrc#branch" */
    size_t nout;
    double step_s;                    /* time between vectors in s; 0: 1e-6 (irrelevant for resistive circuits) */
};

/*
 * Run a stream job in this process.  results (nvec x nout, row-major,
 * caller-allocated) receives output j for vector k at results[k * nout + j]
 * (volts for node voltages, amperes for branch currents, ngspice's sign:
 * current flowing into the source's + terminal).  The circuit stays loaded
 * afterwards (job->netlist = NULL streams through it again); the tran plot
 * is destroyed.  Errors: COSPIN_ERR_INVALID for bad arguments, a source that
 * is not an external source of the circuit or an external source missing
 * from source_names; COSPIN_ERR_SIM for ngspice errors or a missing output.
 */
COSPIN_API int cospin_engine_stream_job(struct cospin_engine *eng,
                                        const struct cospin_stream_job *job, double *results,
                                        struct cospin_error *err);

/* The same with plain arguments (step_s = 1 us); see cospin_engine_stream_job. */
COSPIN_API int cospin_engine_stream(struct cospin_engine *eng, const char *netlist,
                                    const char *const *source_names, size_t nsrc,
                                    const double *values, size_t nvec, const char *const *outputs,
                                    size_t nout, double *results, struct cospin_error *err);

/* Counters and phase times of the last stream (benchmarks, tests); *st is overwritten. */
struct cospin_stream_stats {
    size_t time_points;      /* points the tran stored (>= nvec; extra ones are skipped) */
    size_t vsrc_calls;       /* GetVSRCData callbacks */
    size_t sync_calls;       /* GetSyncData callbacks */
    double load_s, run_s, copy_s;  /* wall time of the phases */
};
COSPIN_API void cospin_engine_stream_stats(const struct cospin_engine *eng,
                                           struct cospin_stream_stats *st);

struct cospin_pool;

/*
 * Start nworkers forked worker processes (0: number of online CPUs), each of
 * which initialises its own ngspice and loads opts->codemodel_path
 * (NULL: cospin_path_cm()).  Best called before this process creates an
 * engine; if ngspice is already initialised here, the workers inherit a copy
 * of that instance (with its code models) instead of initialising their own.
 * Jobs, results and ngspice's errors travel over one socketpair per worker
 * (doc/engine.md).  Workers are recycled after opts->worker_max_jobs jobs and
 * jobs are bounded by opts->job_timeout_s (see struct cospin_engine_opts).
 * Errors: COSPIN_ERR_INVALID (nworkers < 0, a negative or non-finite
 * timeout), COSPIN_ERR_SIM
 * (code-model library unreadable), COSPIN_ERR_IO (fork/socketpair failed).
 * The pool owns its workers; free it with cospin_pool_free().
 */
COSPIN_API int cospin_pool_new(const struct cospin_engine_opts *opts, int nworkers,
                               struct cospin_pool **out, struct cospin_error *err);

/* Kill (SIGKILL) and reap the workers and free the pool.  NULL-safe. */
COSPIN_API void cospin_pool_free(struct cospin_pool *pool);

/* Number of workers (0 for NULL). */
COSPIN_API int cospin_pool_size(const struct cospin_pool *pool);

/*
 * Run njobs jobs across the workers; res[i] receives the result of jobs[i].
 * A worker that dies (segfault inside ngspice) turns its job into a
 * COSPIN_ERR_CRASH result and is restarted; the other jobs still run.
 * Returns COSPIN_OK if the pool itself worked (check each res[i].status),
 * COSPIN_ERR_INTERRUPTED when the stop flag stopped it
 * (cospin_pool_set_stop; the finished jobs have their results).
 */
COSPIN_API int cospin_pool_run(struct cospin_pool *pool, const struct cospin_sim_job *jobs,
                               size_t njobs, struct cospin_sim_result *res,
                               struct cospin_error *err);

/*
 * Stream one job through the pool: the nvec vectors are split into
 * contiguous chunks, one per worker (each loads job->netlist, which must not
 * be NULL), and the results are gathered into results (nvec x nout) exactly
 * as cospin_engine_stream_job would.  Returns the first chunk's error
 * (COSPIN_ERR_CRASH if a worker died; it is restarted).
 */
COSPIN_API int cospin_pool_stream(struct cospin_pool *pool, const struct cospin_stream_job *job,
                                  double *results, struct cospin_error *err);

/*
 * Let *stop (a flag a signal handler sets; NULL: none) interrupt the pool's
 * runs: while cospin_pool_run or cospin_pool_stream waits, it looks at the
 * flag at least every 100 ms, and once it is nonzero kills the busy workers,
 * gives their jobs and the jobs not yet sent the status
 * COSPIN_ERR_INTERRUPTED, keeps the results of the jobs that finished, and
 * returns COSPIN_ERR_INTERRUPTED.  The killed workers are started again by
 * the next run.  The flag stays the caller's; it must outlive its use here.
 */
COSPIN_API void cospin_pool_set_stop(struct cospin_pool *pool, volatile sig_atomic_t *stop);

/* Process id of worker i (0 <= i < size), or -1; for tests that kill a worker. */
COSPIN_API int cospin_pool_worker_pid(const struct cospin_pool *pool, int i);

COSPIN_END_DECLS

#endif
