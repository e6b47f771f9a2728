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

/*
 * Where the tasks come from: fill out[0 .. max) with the next tasks and
 * ids[] with the numbers done() will report them by; wait while none is
 * ready; return how many, 0 when no more will come.
 */
typedef size_t (*cospin_char_next_fn)(void *ctx, struct cospin_char_ngspice_task *out, size_t *ids,
                                      size_t max);
/*
 * Called (in the calling thread) as each task finishes: switched >= 0, or a
 * negative COSPIN_ERR_* with e saying why (the run then stops).  busy_s is
 * the task's share of its batch's wall time, s.
 */
typedef void (*cospin_char_done_fn)(void *ctx, size_t id, long switched, double busy_s,
                                    const struct cospin_error *e);
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
 * Run the tasks next() hands out (each at most max_trials instances)
 * through a worker pool (o->pool_workers processes, o's code-model path),
 * a batch of a few per worker at a time, calling done() for each finished
 * task.  Returns 0 when next() has no more, COSPIN_ERR_INTERRUPTED if
 * stop() said so, or the first simulation error (COSPIN_ERR_SIM /
 * COSPIN_ERR_CRASH with ngspice's message; done() heard of it first when it
 * belongs to one task).
 */
int cospin_char_ngspice_run(const struct cospin_char_ngspice_opts *o, long max_trials,
                            cospin_char_next_fn next, cospin_char_done_fn done,
                            cospin_char_stop_fn stop, void *ctx, struct cospin_error *err);

#endif
