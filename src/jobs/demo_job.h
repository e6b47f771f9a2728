/*
 * demo_job.h -- `cospin demo`, the main job on its default example: a
 * circuit check (an RC step and a 2x2 tmr_res crossbar through ngspice
 * against closed-form answers), the characterisation of the STT-MTJ neuron
 * (characterize.h), device-aware training of 784-25-10 (train_job.h), the
 * trained network verified as one netlist through ngspice (infer_job.h),
 * the energy of one neuron write pulse (energy_job.h), and a summary.
 *
 * Each step calls the library function a user's own command would reach,
 * with settings that cospin_demo_job_init fills for the variant (full or
 * small); the results travel as values from step to step.  The front end
 * shows progress through the hooks: step_begin before a step (the effective
 * settings of that step are in the result by then), step_end after it.
 *
 * Output files (out_dir):
 *   circuit/       demo.csv (check,quantity,unit,simulated,analytic,abs_error),
 *                  rc.csv (time,v(in),v(out)), crossbar.csv (i(vsc0),i(vsc1))
 *   characterize/  psw.csv, fit.csv (the neuron table), fit.xml, psw.svg, run.txt
 *   train/         metrics.csv, summary.csv, model.xml, loss.svg, accuracy.svg
 *   infer/         summary.csv, samples.csv, network.cir
 *   energy/        energy_trials.csv, waveform.csv
 *   summary.txt    the summary text (written last)
 */
#ifndef COSPIN_DEMO_JOB_H
#define COSPIN_DEMO_JOB_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>

#include "characterize.h"
#include "cospin.h"
#include "energy_job.h"
#include "infer_job.h"
#include "train_job.h"

enum cospin_demo_step {
    COSPIN_DEMO_CIRCUIT = 1,       /* circuit check */
    COSPIN_DEMO_CHARACTERIZE = 2,  /* P_sw(I) Monte Carlo and sigmoid fits */
    COSPIN_DEMO_TRAIN = 3,         /* device-aware training */
    COSPIN_DEMO_INFER = 4,         /* the trained network as a netlist */
    COSPIN_DEMO_ENERGY = 5,        /* one neuron write pulse */
    COSPIN_DEMO_SUMMARY = 6        /* summary.txt */
};
#define COSPIN_DEMO_STEPS 6

#define COSPIN_DEMO_MAX_GRID 8      /* widths or Ku values of the characterisation */
#define COSPIN_DEMO_RC_ROWS 16      /* RC samples reported (one per 0.5 us) */

struct cospin_demo_job;
struct cospin_demo_result;

/* Progress callbacks (any may be NULL); they must not change the job. */
struct cospin_demo_hooks {
    void (*step_begin)(void *ctx, enum cospin_demo_step step, const struct cospin_demo_job *job,
                       const struct cospin_demo_result *res);
    /* status: the step's COSPIN_* status (its message is in the run's err). */
    void (*step_end)(void *ctx, enum cospin_demo_step step, int status,
                     const struct cospin_demo_job *job, const struct cospin_demo_result *res);
    void *ctx;
};

struct cospin_demo_job {
    const char *out_dir;           /* default "demo-out" */
    int small;                     /* the small variant (set by cospin_demo_job_init) */
    double rc_step_s;              /* circuit check: largest transient step, s */

    /* Characterisation grid: widths x Ku x currents start:stop:step. */
    double widths_s[COSPIN_DEMO_MAX_GRID];
    size_t nwidths;
    double kus_j_per_m3[COSPIN_DEMO_MAX_GRID];
    size_t nkus;
    double current_start_a, current_stop_a, current_step_a;
    struct cospin_char_opts characterize;   /* trials, seed (out_dir set by the run) */

    struct cospin_train_job train;          /* paths (out_dir, neuron_table) set by the run */
    struct cospin_infer_job infer;          /* model and out_dir set by the run */
    struct cospin_energy_job energy;        /* waveform trials and seed; the pulse is the
                                               trained operating point, set by the run */
    volatile sig_atomic_t *stop;   /* may be NULL; nonzero stops any step
                                      (COSPIN_ERR_INTERRUPTED, finished work kept) */
    struct cospin_demo_hooks hooks;
};

/* One reported sample of the RC step response. */
struct cospin_demo_rc_row {
    double t_s, v_out_v, exact_v, error_v;
};

/* Step 1: the circuit check against the closed-form answers. */
struct cospin_demo_circuit {
    size_t rc_points;              /* transient points */
    struct cospin_demo_rc_row rc_rows[COSPIN_DEMO_RC_ROWS];
    size_t rc_nrows;
    double rc_tau_s;               /* R C, s */
    double rc_max_error_v, rc_t_max_s;   /* largest |v_out - exact| and where, V and s */
    double rc_tol_v;               /* its tolerance, V */
    int rc_pass;
    double xbar_sim_a[2], xbar_expect_a[2], xbar_rel[2];   /* column currents, A */
    double xbar_tol_rel;
    int xbar_pass[2];
    int pass;                      /* every check within its tolerance */
};

/* What the summary reports about the trained neurons (model.xml's pulse settings). */
struct cospin_demo_neurons {
    size_t n;
    double k_min, k_max;           /* network-unit slopes */
    double kdev_min, kdev_max;     /* device slopes, 1/uA */
    double w_min_s, w_max_s, w_mean_s;   /* pulse widths, s */
    double ku_min, ku_max;         /* anisotropies, J/m^3 */
    double c_dev_ua;               /* the held device midpoint current, uA */
};

struct cospin_demo_result {
    char dir_circuit[PATH_MAX], dir_characterize[PATH_MAX], dir_train[PATH_MAX];
    char dir_infer[PATH_MAX], dir_energy[PATH_MAX];
    char fit_csv[PATH_MAX + 16], model_xml[PATH_MAX + 16];

    struct cospin_demo_circuit circuit;       /* step 1 */
    struct cospin_char_table *table;          /* step 2; owned (cospin_demo_result_clear) */
    struct cospin_train_job train;            /* step 3: the job as run, with its results */
    int train_energy_status;                  /* 0, or the error in train_energy_error */
    struct cospin_error train_energy_error;
    struct cospin_energy_net train_energy;    /* per inference over the whole test set */
    struct cospin_infer_job infer;            /* step 4: the job as run */
    struct cospin_infer_result infer_res;
    struct cospin_demo_neurons neurons;       /* step 5: the trained operating point */
    struct cospin_energy_job energy;          /* the job as run */
    struct cospin_energy_result energy_res;
    struct cospin_energy_net net_energy;      /* step 6: per inference over the verified images */
    char summary[4096];                       /* the text of summary.txt */
    double wall_s;
};

/* Defaults of the full variant (small = 0) or the small one (small = 1). */
void cospin_demo_job_init(struct cospin_demo_job *job, int small);

/*
 * Run every step in order, stopping at the first failure.  *res receives
 * what each step produced (free with cospin_demo_result_clear, also after a
 * failure).  Returns 0 or the failing step's COSPIN_ERR_* with err set;
 * COSPIN_ERR_SIM when a circuit-check value lies outside its tolerance
 * (its files are kept for inspection).
 */
int cospin_demo_job_run(const struct cospin_demo_job *job, struct cospin_demo_result *res,
                        struct cospin_error *err);

/* Free what the result owns.  NULL-safe. */
void cospin_demo_result_clear(struct cospin_demo_result *res);

#endif
