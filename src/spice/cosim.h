/*
 * cosim.h -- streaming input vectors through crossbar and network circuits
 * (netlist.h) with ngspice (engine.h): the circuit-in-the-loop level.
 *
 * Every call builds the netlist from the weights it is given (so the
 * conductances programmed after a training step are exactly what the next
 * forward pass sees), loads it, and streams the input vectors through it as
 * one transient in which each accepted time point is one input vector
 * (cospin_engine_stream_job).  Several input vectors can also share one time
 * point as parallel copies of the circuit (opts.copies), and several worker
 * processes can share the vectors (opts.workers; each loads the circuit).
 * doc/circuits.md compares these formulations.
 */
#ifndef COSPIN_COSIM_H
#define COSPIN_COSIM_H

#include <signal.h>
#include <stddef.h>

#include "cospin.h"
#include "netlist.h"

struct cospin_cosim;

/* Options; start from cospin_cosim_opts_default(). */
struct cospin_cosim_opts {
    struct cospin_xbar_opts xbar; /* crossbar options (netlist.h); default: VCCS cells */
    int auto_scale;        /* nonzero: each forward pass maps max |w| of the layer to the full
                              conductance window (w_max = max |w|); default 1 */
    int workers;           /* 0: one in-process engine; N >= 1: N forked workers (default 0) */
    int copies;            /* input vectors per time point (parallel copies of the crossbar,
                              default 1) */
    const char *codemodel_path; /* cospin.cm; NULL: the default (paths.h) */
    volatile sig_atomic_t *stop;  /* workers > 0: may be NULL; nonzero kills the workers'
                                     jobs in flight (cospin_pool_set_stop) */
    double job_timeout_s;  /* workers > 0: longest job (a chunk of vectors), s; 0: none */
};

void cospin_cosim_opts_default(struct cospin_cosim_opts *o);

/*
 * Create a co-simulation context: an in-process engine or a worker pool.
 * Only one in-process engine may exist per process (engine.h); a pool must
 * be created before any in-process engine.  Free with cospin_cosim_free().
 */
int cospin_cosim_new(const struct cospin_cosim_opts *opts, struct cospin_cosim **out,
                     struct cospin_error *err);

/* NULL-safe. */
void cospin_cosim_free(struct cospin_cosim *cs);

/* The options in use (with auto_scale, each crossbar call picks its own w_max). */
const struct cospin_cosim_opts *cospin_cosim_opts(const struct cospin_cosim *cs);

/*
 * Column currents of an n_out x n_in crossbar (weights w, row-major; netlist.h
 * conventions) for nvec input vectors x (nvec x n_in, row-major, network
 * units).  i_out (nvec x n_out) receives the currents in A; i_unit_a (may
 * be NULL) the current per unit of z used (so z = i / i_unit).  Returns 0,
 * COSPIN_ERR_INVALID, COSPIN_ERR_NOMEM, or an engine error.
 */
int cospin_cosim_crossbar(struct cospin_cosim *cs, const double *w, int n_out, int n_in,
                          const double *x, size_t nvec, double *i_out, double *i_unit_a,
                          struct cospin_error *err);

/*
 * A whole network as one netlist (cospin_netlist_network with external
 * inputs and the context's crossbar options as given: no auto_scale, since
 * the neuron stages depend on I_unit), streamed: a_out (nvec x n_out of the last layer) receives the last
 * layer's neuron outputs divided by their v_one (i.e. P_sw, or the network
 * activation), i_out (may be NULL; nvec x sum of n_out over layers) every
 * layer's column currents in A, layer after layer.  The last layer must have
 * neuron stages.
 */
int cospin_cosim_network(struct cospin_cosim *cs, const struct cospin_net_layer *layers,
                         int nlayers, const double *x, size_t nvec, double *a_out, double *i_out,
                         struct cospin_error *err);

/*
 * The training forward hook (nn.h struct cospin_forward_layer_hook): ctx is
 * a struct cospin_cosim *; z_out = (I / I_unit) from the crossbar of the
 * weights w (rows x cols) for the batch x (batch x cols).
 */
int cospin_cosim_forward_layer(void *ctx, int layer, const float *w, size_t rows, size_t cols,
                               const float *x, size_t batch, float *z_out,
                               struct cospin_error *err);

/* Counters since cospin_cosim_new (for benchmarks and reports). */
struct cospin_cosim_stats {
    size_t runs;           /* circuits streamed */
    size_t vectors;        /* input vectors streamed */
    size_t time_points;    /* transient points (vectors / copies, plus any extra) */
    double build_s;        /* wall time building netlist text */
    double sim_s;          /* wall time in the engine (load + stream + copy) */
    double load_s;         /* of which loading the netlist (in-process only) */
    double run_s;          /* of which the streaming transient (in-process only) */
    size_t netlist_bytes;  /* text of the last circuit */
};

void cospin_cosim_stats(const struct cospin_cosim *cs, struct cospin_cosim_stats *st);

/*
 * Process ids of the worker processes (at most max into pids); returns how
 * many (0 for an in-process context).  For benchmarks that add the workers'
 * CPU time.
 */
int cospin_cosim_worker_pids(const struct cospin_cosim *cs, int *pids, int max);

#endif
