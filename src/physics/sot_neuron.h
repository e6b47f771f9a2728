/*
 * sot_neuron.h -- Bi2Te3(6 nm)/CrTe2(d) SOT device data per CrTe2 thickness,
 * the SOT-N sigmoid neuron and the SOT write energy (thesis ch. 4.1, 4.3, 4.4).
 *
 * One table row per thickness d in {5, 9, 14, 21} monolayers (ML) holds what
 * both the synapse (SOT-S, device.h) and the neuron (SOT-N) need.  The thesis
 * gives numbers for 21 ML and 5 ML only; 9 ML and 14 ML are linear
 * interpolations in d, flagged in the row (`measured` = 0) and in doc/sot.md.
 *
 * SOT-N activation (thesis Fig. 4.8, currents in mA):
 *     y = 1 / (1 + exp(-k (I - x_c)))
 * The network's pre-activation z (dimensionless) drives the neuron with the
 * current I = i_bias + i_scale z, so in network units y = sigma(k' (z + c))
 * with k' = k i_scale and c = (i_bias - x_c) / i_scale.  Biasing at the
 * midpoint (i_bias = x_c) decouples c (c = 0), the fix of thesis ch. 3.5.
 *
 * Trainable k (thesis Fig. 4.11): the current sweep range sets k in
 * [0.37, 1.28] mA^-1 for -32 mA < I < -5 mA.  The thesis gives the range and
 * its endpoints only; we take k linear in the sweep amplitude between
 * (5 mA, 1.28) and (32 mA, 0.37) (an assumption documented in doc/sot.md).
 *
 * Write energy E = I_SW^2 R t with t = 500 us (thesis Eq. 4.5): 0.201 mJ at
 * 21 ML, 0.098 mJ at 5 ML (120 K).  I_SW is taken as the SOT-N midpoint x_c
 * and R is one channel resistance for all d (the Bi2Te3 channel carries the
 * current), back-computed from the 21 ML energy; I_SW(5 ML) then follows from
 * the 5 ML energy.  Pure C, no allocation, no globals.
 */
#ifndef COSPIN_SOT_NEURON_H
#define COSPIN_SOT_NEURON_H

#include "cospin.h"

/* SOT-N trainable-k range, mA^-1 (thesis Fig. 4.11). */
#define COSPIN_SOT_K_MIN_PER_MA 0.37
#define COSPIN_SOT_K_MAX_PER_MA 1.28
/* Sweep amplitudes bounding that range, A (thesis ch. 4.4: -32 mA < I < -5 mA). */
#define COSPIN_SOT_SWEEP_MIN_A 5e-3
#define COSPIN_SOT_SWEEP_MAX_A 32e-3
/* Programming / write pulse width, s (thesis ch. 4.1.1 and Eq. 4.5). */
#define COSPIN_SOT_PULSE_WIDTH_S 500e-6

/* One CrTe2 thickness. */
struct cospin_sot_preset {
    int thickness_ml;          /* d, monolayers */
    int measured;              /* 1: thesis data; 0: interpolated between 5 and 21 ML */
    double temperature_k;      /* measurement temperature, K */
    int states;                /* SOT-S stable Hall-resistance states N */
    double range_rel;          /* SOT-S resistance range relative to 21 ML */
    double hc_t;               /* coercive field mu0 H_c, T */
    double k_per_ma;           /* SOT-N slope k, mA^-1 */
    double xc_a;               /* SOT-N midpoint x_c, A (= I_SW) */
    double i_pulse_min_a;      /* SOT-S programming amplitudes: first state, A */
    double i_pulse_max_a;      /* ... last state, A */
    double write_energy_j;     /* E = I_SW^2 R t at t = 500 us, J */
};

/* SOT-N neuron: the sigmoid in physical units. */
struct cospin_sot_neuron {
    double k_per_ma;           /* slope, mA^-1, > 0 */
    double xc_a;               /* midpoint, A */
};

/*
 * Fill *p with the row for thickness_ml (5, 9, 14 or 21).  Returns 0 or
 * COSPIN_ERR_INVALID (err lists the known thicknesses).
 */
int cospin_sot_preset(int thickness_ml, struct cospin_sot_preset *p, struct cospin_error *err);

/* The thicknesses with a preset, ascending, terminated by 0. */
const int *cospin_sot_thicknesses(void);

/*
 * Parse "sot-n", "sot-n:<d>" (or "sot-s..." for the synapse; prefix given)
 * into a thickness; "sot-n" alone is 21 ML.  Returns 0 or COSPIN_ERR_INVALID.
 */
int cospin_sot_parse_name(const char *name, const char *prefix, int *thickness_ml,
                          struct cospin_error *err);

/* Neuron of a thickness preset (k and x_c from the table). */
int cospin_sot_neuron_preset(int thickness_ml, struct cospin_sot_neuron *n,
                             struct cospin_error *err);

/* Normalised Hall voltage (0..1) at input current i_a (A). */
double cospin_sot_neuron_y(const struct cospin_sot_neuron *n, double i_a);

/*
 * The sot_neuron code model's .model card (models/sot_neuron; its defaults
 * live in the ifspec only).
 */
struct cospin_sot_neuron_card {
    int thickness_ml;          /* CrTe2 thickness preset: 5, 9, 14 or 21 ML */
    double k_per_ma;           /* slope, mA^-1, > 0; 0 = the preset's */
    double xc_a;               /* midpoint, A; 0 = the preset's */
    double sweep_a;            /* current sweep amplitude setting k, |sweep| in
                                  [5, 32] mA (sign ignored); 0 = use k_per_ma */
    double v_max_v;            /* Hall voltage at full switching, V, > 0 */
};

/* The validated neuron of a card: the sigmoid and its output scale. */
struct cospin_sot_neuron_model {
    struct cospin_sot_neuron n;
    double v_max_v;            /* Hall voltage at full switching, V */
};

/*
 * Validate card c into *m: the thickness preset, then v_max, the sweep
 * range and the resulting slope k (> 0, finite); the first failure is
 * reported.  Returns 0 or COSPIN_ERR_INVALID with a one-line message that
 * names the parameter and its value.  No allocation.
 */
int cospin_sot_neuron_model_init(const struct cospin_sot_neuron_card *c,
                                 struct cospin_sot_neuron_model *m, struct cospin_error *err);

/*
 * Output (Hall) voltage v_max * y(i_a) in V at input current i_a (A).  If
 * dv_di_ohm is non-NULL it receives dV/dI (V/A), the model's partial
 * derivative and small-signal gain.
 */
double cospin_sot_neuron_model_v(const struct cospin_sot_neuron_model *m, double i_a,
                                 double *dv_di_ohm);

/*
 * Network-unit parameters of the neuron driven by I = i_bias_a + i_scale_a z:
 * *k = k_per_ma * i_scale_a / 1 mA, *c = (i_bias_a - xc_a) / i_scale_a.
 * COSPIN_ERR_INVALID if i_scale_a <= 0.
 */
int cospin_sot_neuron_network_kc(const struct cospin_sot_neuron *n, double i_bias_a,
                                 double i_scale_a, double *k, double *c,
                                 struct cospin_error *err);

/*
 * k (mA^-1) set by a current sweep of amplitude sweep_a (A, the magnitude of
 * the most negative sweep current), clamped to [5 mA, 32 mA]: linear from
 * 1.28 at 5 mA to 0.37 at 32 mA.
 */
double cospin_sot_k_from_sweep(double sweep_a);

/*
 * The sweep amplitude (A) that gives k_per_ma, the inverse of
 * cospin_sot_k_from_sweep.  COSPIN_ERR_INVALID if k is outside [0.37, 1.28].
 */
int cospin_sot_sweep_for_k(double k_per_ma, double *sweep_a, struct cospin_error *err);

/*
 * SOT write energy E = i_sw_a^2 * r_ohm * width_s (J) (thesis Eq. 4.5).
 */
double cospin_sot_write_energy_j(double i_sw_a, double r_ohm, double width_s);

/*
 * Write energy (J) of one 500 us programming pulse at a thickness preset:
 * the thesis's 0.201 mJ (21 ML) and 0.098 mJ (5 ML), interpolated for 9 and
 * 14 ML through I_SW.  Returns 0 or COSPIN_ERR_INVALID.
 */
int cospin_sot_preset_write_energy_j(int thickness_ml, double *e_j, struct cospin_error *err);

/* Channel resistance (ohm) used for every thickness: E(21 ML) / (x_c^2 t). */
double cospin_sot_channel_r_ohm(void);

#endif
