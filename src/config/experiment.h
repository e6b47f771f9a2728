/*
 * experiment.h -- experiment runners: one function per <experiment type="...">.
 *
 * `cospin run FILE.xml` loads and validates FILE (xml.h), reads the
 * root's type attribute and calls the runner registered for it in the table
 * in src/config/experiment.c (cospin_experiment_find).  Adding an experiment type takes three one-line changes:
 *   1. a grammar src/config/schema/<type>.rng (a <start> whose element is
 *      <experiment type="<type>">) and one <externalRef> line in
 *      src/config/schema/cospin.rng (plus the file in dist_schema_DATA, Makefile.am);
 *   2. the runner's prototype below (implemented in your module);
 *   3. one line {"<type>", cospin_experiment_<type>, "summary", NULL} in the
 *      table in src/config/experiment.c.
 *
 * A runner reads its part of the document through xml.h, writes its
 * output files into ctx->out_dir (which exists when it is called) without leaving
 * half-written files behind (output.h helps with that), logs progress through log.h and returns 0
 * or a negative COSPIN_ERR_* with err set (file and line of the offending
 * element where there is one: cospin_xml_error()).
 */
#ifndef COSPIN_EXPERIMENT_H
#define COSPIN_EXPERIMENT_H

#include <signal.h>

#include "xml.h"
#include "cospin.h"
#include "output.h"

/*
 * What a run of an experiment file takes besides the file: the output
 * directory and the options of `cospin run`.  Zero-initialise and set what
 * you need (NULL stop, no timeout, no force, no netlist code).
 */
struct cospin_experiment_ctx {
    const char *out_dir;          /* the run's files go here (exists; NULL for a check) */
    volatile sig_atomic_t *stop;  /* may be NULL; set nonzero (a signal) to stop soon: the
                                     runner ends its work in flight or drops it, keeps what
                                     it finished, removes its temporaries and returns
                                     COSPIN_ERR_INTERRUPTED */
    double job_timeout_s;         /* longest ngspice job, s (engine.h); 0: no limit */
    int force;                    /* run even what the estimate of its work refuses */
    int allow_netlist_code;       /* inline netlists may hold .control/.exec blocks, shell,
                                     .include and .lib (exp_netlist.h) */
};

/*
 * Run the experiment whose root element is `root`, writing into
 * ctx->out_dir.  The document outlives the call.
 */
typedef int (*cospin_experiment_fn)(const struct cospin_xml_node *root,
                                    const struct cospin_experiment_ctx *ctx,
                                    struct cospin_error *err);

/*
 * Optional: check the experiment's values (what the grammar cannot check)
 * without running anything, for `cospin run --check` (ctx->out_dir NULL;
 * the options apply as to a run).
 */
typedef int (*cospin_experiment_check_fn)(const struct cospin_xml_node *root,
                                          const struct cospin_experiment_ctx *ctx,
                                          struct cospin_error *err);

struct cospin_experiment_type {
    const char *type;          /* the value of <experiment type="..."> */
    cospin_experiment_fn run;
    const char *summary;       /* one line for `cospin run --help` */
    cospin_experiment_check_fn check;   /* may be NULL */
    int parallel;              /* under MPI (dist.h): the runner runs on every rank and
                                  spreads its own work, writing only at rank 0; else
                                  rank 0 runs the experiment alone */
};

/* The registered types, *n of them (static storage; do not free). */
const struct cospin_experiment_type *cospin_experiment_types(size_t *n);

/*
 * The type registered for root's type attribute in *out.  An unknown type
 * is COSPIN_ERR_INVALID with the file and line of root and the list of the
 * types this build runs; *out is NULL then.
 */
int cospin_experiment_find(const struct cospin_xml_node *root,
                           const struct cospin_experiment_type **out, struct cospin_error *err);

/* ---- runners (one line each; implemented in the owner's module) ---------------- */

/* type="netlist": a circuit (inline netlist or elements), analyses, saved vectors.
   src/config/exp_netlist.c.  Writes out_dir/<output file> CSVs. */
int cospin_experiment_netlist(const struct cospin_xml_node *root,
                              const struct cospin_experiment_ctx *ctx, struct cospin_error *err);
int cospin_experiment_netlist_check(const struct cospin_xml_node *root,
                                    const struct cospin_experiment_ctx *ctx,
                                    struct cospin_error *err);

/* type="characterize": Monte Carlo P_sw(I), fits, designer queries.
   src/config/exp_characterize.c.  Writes psw.csv, fit.csv, fit.xml, psw.svg,
   run.txt and (with queries) design.csv. */
int cospin_experiment_characterize(const struct cospin_xml_node *root,
                                   const struct cospin_experiment_ctx *ctx,
                                   struct cospin_error *err);
int cospin_experiment_characterize_check(const struct cospin_xml_node *root,
                                         const struct cospin_experiment_ctx *ctx,
                                         struct cospin_error *err);

/* type="sot": synapse-device curves (curves.csv, levels.csv) and training runs
   with synapse devices, PTQ/QAT and SOT neurons (summary.csv, one directory per
   <train>).  src/config/exp_sot.c, doc/sot.md. */
int cospin_experiment_sot(const struct cospin_xml_node *root,
                          const struct cospin_experiment_ctx *ctx, struct cospin_error *err);
int cospin_experiment_sot_check(const struct cospin_xml_node *root,
                                const struct cospin_experiment_ctx *ctx, struct cospin_error *err);

/* type="energy": neuron write pulses through ngspice, integrated v i dt; SOT
   write energy.  src/config/exp_energy.c.  Writes energy.csv, waveform-<n>.csv/.svg, sot.csv. */
int cospin_experiment_energy(const struct cospin_xml_node *root,
                             const struct cospin_experiment_ctx *ctx, struct cospin_error *err);

/* type="train": training jobs of the 784-H-10 network with trainable activations
   (thesis ch. 3), one directory per <train>, summary.csv and accuracy.svg.
   src/config/exp_train.c, doc/training.md. */
int cospin_experiment_train(const struct cospin_xml_node *root,
                            const struct cospin_experiment_ctx *ctx, struct cospin_error *err);

/* type="infer": a trained model at the math level and as one netlist through ngspice
   (infer_job.h), one directory per <infer> and summary.csv.  src/config/exp_infer.c,
   doc/circuits.md. */
int cospin_experiment_infer(const struct cospin_xml_node *root,
                            const struct cospin_experiment_ctx *ctx, struct cospin_error *err);
int cospin_experiment_infer_check(const struct cospin_xml_node *root,
                                  const struct cospin_experiment_ctx *ctx,
                                  struct cospin_error *err);

#endif
