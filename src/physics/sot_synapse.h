/*
 * sot_synapse.h -- the sot_synapse code model (models/sot_synapse) in plain
 * C: its .model card validated into a device once, and the whole-pulse
 * programming rule it applies between accepted time points.  The device is a
 * struct cospin_device (device.h) from the SOT-S thickness presets or a
 * custom range; the model keeps a struct cospin_sot_synapse_model in
 * instance heap storage and two struct cospin_sot_synapse_point in
 * cm_analog_alloc storage (the last accepted one and the one being
 * computed), so a rejected time point is recomputed from the accepted one.
 *
 * Programming: a current with |I| >= i_th is a pulse of its sign; once a
 * pulse has lasted w_th (to the time resolution of the accepted points) it
 * moves the state one step of 1/N along the LTP (I > 0) or LTD (I < 0)
 * curve, once.  No allocation, no globals.
 */
#ifndef COSPIN_SOT_SYNAPSE_H
#define COSPIN_SOT_SYNAPSE_H

#include "cospin.h"
#include "device.h"

/* The .model card (its defaults live in the model's ifspec only). */
struct cospin_sot_synapse_card {
    int thickness_ml;          /* SOT-S preset 5, 9, 14 or 21 ML; 0 = custom range */
    int states;                /* N, >= 1; 0 = the preset's */
    int states_given;          /* states, r_min, r_max were on the card (a custom */
    int r_min_given;           /*   device, thickness 0, needs all three) */
    int r_max_given;
    double nu_ltp;             /* LTP nonlinearity nu (dimensionless) */
    double nu_ltd;             /* LTD nonlinearity nu (dimensionless) */
    double r_min_ohm;          /* readout resistance at g = 1, ohm; 0 = the preset's */
    double r_max_ohm;          /* readout resistance at g = 0, ohm; 0 = the preset's */
    double i_th_a;             /* pulse amplitude threshold, A, > 0 */
    double w_th_s;             /* pulse width threshold, s, >= 0 */
    int init;                  /* initial state in pulses from reset, 0..N */
};

/* The validated synapse of a card. */
struct cospin_sot_synapse_model {
    struct cospin_device d;    /* curves, N, conductance range */
    double i_th_a;             /* pulse amplitude threshold, A */
    double w_th_s;             /* pulse width threshold, s */
    int init;                  /* initial state in pulses from reset */
};

/* One time point: plain data, copied by ngspice between its buffers. */
struct cospin_sot_synapse_point {
    double g;                  /* normalised conductance, 0..1 */
    double t_start_s;          /* start of the current pulse, s */
    int sign;                  /* polarity of the pulse in progress: +1, -1, 0 = none */
    int counted;               /* the pulse in progress has already moved the state */
};

/*
 * Validate card c into *m, in this order: the thickness preset (or the
 * custom fields), states, the nonlinearities and resistance range
 * (cospin_device_validate), the thresholds, init; the first failure is
 * reported.  Returns 0 or COSPIN_ERR_INVALID with a one-line message naming
 * the parameter.
 */
int cospin_sot_synapse_model_init(const struct cospin_sot_synapse_card *c,
                                  struct cospin_sot_synapse_model *m, struct cospin_error *err);

/* The point at time 0: init pulses along LTP from reset, no pulse in progress. */
void cospin_sot_synapse_start(const struct cospin_sot_synapse_model *m,
                              struct cospin_sot_synapse_point *pt);

/*
 * Transient: the point at time t_s with programming current i_prog_a (A),
 * computed from the accepted point old into now (old is not modified).
 */
void cospin_sot_synapse_tran(const struct cospin_sot_synapse_model *m,
                             const struct cospin_sot_synapse_point *old,
                             struct cospin_sot_synapse_point *now, double t_s, double i_prog_a);

#endif
