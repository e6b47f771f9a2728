/*
 * char_ngspice.h -- the ngspice path of the characterisation: switching
 * trials as ngspice transients of netlists holding many mtj_stt code-model
 * instances, run through the engine's worker pool (engine.h).
 *
 * One netlist per task: ntrials instances of the mtj_stt model, each with
 * its own .model card (its own seed: the point seed and the trial index),
 * each driven by its own current source with a rectangular pulse of the
 * task's width and amplitude into a 0 V sense source; the transient runs
 * over the pulse and the relaxation, and the final m_z of every instance is
 * read back.  Internal to char_run.c; exposed for its tests.  It needs
 * only the settings below, not characterize.h, so the two do not include
 * each other.
 */
#ifndef COSPIN_CHAR_NGSPICE_H
#define COSPIN_CHAR_NGSPICE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "llgs.h"

/* What the ngspice path needs of a characterisation's options. */
struct cospin_char_ngspice_opts {
    struct cospin_mtj_params device;  /* device and conventions (Ku: per task) */
    double relax_s;              /* relaxation after the pulse, s (>= 0) */
    int pool_workers;            /* worker processes (0: online CPUs) */
    const char *codemodel_path;  /* cospin.cm (NULL: the engine's default) */
    double job_timeout_s;        /* longest netlist, s (engine.h); 0: no limit */
    volatile sig_atomic_t *stop; /* may be NULL; nonzero stops the netlists in flight */
};

/* One netlist's worth of trials of one grid point. */
struct cospin_char_ngspice_task {
    double width_s;              /* pulse width, s */
    double ku_j_per_m3;          /* anisotropy, J/m^3 */
    double current_a;            /* pulse amplitude, A (write polarity) */
    uint64_t seed;               /* the point's seed (characterize.h) */
    long first_trial;            /* trial index of the first instance */
    long ntrials;                /* number of instances */
};

/* Called (in the calling thread) as each task finishes. */
typedef void (*cospin_char_done_fn)(void *ctx, size_t task_index, long switched);
/* Polled between batches; nonzero stops the run (COSPIN_ERR_INTERRUPTED). */
typedef int (*cospin_char_stop_fn)(void *ctx);

/*
 * Write the netlist of task t (options o: device, relaxation) into a new
 * string *out (caller frees).  Returns 0 or COSPIN_ERR_NOMEM.
 */
int cospin_char_ngspice_netlist(const struct cospin_char_ngspice_opts *o,
                                const struct cospin_char_ngspice_task *t, char **out,
                                struct cospin_error *err);

/*
 * Run n tasks through a worker pool (o->pool_workers processes, o's
 * code-model path), calling done() for each finished task.  Returns 0,
 * COSPIN_ERR_INTERRUPTED if stop() said so, or the first simulation error
 * (COSPIN_ERR_SIM / COSPIN_ERR_CRASH with ngspice's message).
 */
int cospin_char_ngspice_run(const struct cospin_char_ngspice_opts *o,
                            const struct cospin_char_ngspice_task *tasks, size_t n,
                            cospin_char_done_fn done, cospin_char_stop_fn stop, void *ctx,
                            struct cospin_error *err);

#endif
