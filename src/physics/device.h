/*
 * device.h -- synapse devices as data: LTP/LTD conductance curves, whole-pulse
 * weight updates, differential pairs, cycle-to-cycle variation, statistics.
 *
 * A device is a parameter set (thesis ch. 4.2): a curve family and a
 * nonlinearity nu for each branch (LTP, LTD), a number of states N, a
 * conductance range.  Every curve is written as a normalised conductance
 * g = G(P) in [0, 1] of the normalised pulse position P in [0, 1], increasing,
 * with G(0) = 0 and G(1) = 1 (thesis Eq. 4.1-4.4 with R_min = 0, R_max = 1):
 *
 *   LINEAR   G = P                                             (ideal)
 *   EXP_SAT  G = (1 - e^(-nu P)) / (1 - e^(-nu))               (Eq. 4.1 LTP)
 *   EXP_REV  G = 1 - (1 - e^(-nu (1-P))) / (1 - e^(-nu))       (Eq. 4.1 LTD, 4.2, 4.3)
 *   SIGMOID  G = (e^nu+1)/(e^nu-1) / (1 + e^(-2 nu (P-0.5))) - 1/(e^nu-1)   (Eq. 4.4)
 *   TABLE    piecewise linear through measured (P, G) points
 *
 * An LTP pulse moves P up by 1/N on the LTP curve, an LTD pulse moves P down
 * by 1/N on the LTD curve (the thesis maps LTP pulses [0, 12] to P in [0, 1]
 * and LTD pulses [12, 24] to P from 1 to 0).  Because the two branches are
 * different curves, the device state is its conductance g; a pulse on a branch
 * starts from that branch's P = G_branch^-1(g) (the usual convention of
 * device-aware training simulators).  N states means the N non-reset levels
 * G(j/N), j = 1..N, of the thesis's "12 states" (plus the reset level 0).
 * N = 0 means an analog device: any update is realised exactly.
 *
 * Weight mapping: one device per weight gives w = w_max (2 g - 1); a
 * differential pair gives w = w_max (g+ - g-).
 *
 * Pure C, no allocation, no globals: tables live inside the struct, so a
 * device is plain data that can be copied.
 */
#ifndef COSPIN_DEVICE_H
#define COSPIN_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "rng.h"

/* Most points a measured curve (TABLE) can have on one branch. */
#define COSPIN_DEVICE_TABLE_MAX 256

enum cospin_curve_family {
    COSPIN_CURVE_LINEAR = 0,
    COSPIN_CURVE_EXP_SAT,
    COSPIN_CURVE_EXP_REV,
    COSPIN_CURVE_SIGMOID,
    COSPIN_CURVE_TABLE
};

/* One branch (LTP or LTD) of a device. */
struct cospin_device_branch {
    enum cospin_curve_family family;
    double nu;                        /* nonlinearity (dimensionless, >= 0; 0 = linear) */
    size_t n_points;                  /* TABLE: number of points (>= 2) */
    double p[COSPIN_DEVICE_TABLE_MAX]; /* TABLE: P, strictly increasing from 0 to 1 */
    double g[COSPIN_DEVICE_TABLE_MAX]; /* TABLE: G, strictly increasing from 0 to 1 */
};

/* A synapse device. */
struct cospin_device {
    char name[48];                    /* "ideal", "rram", "sot-s:5", ... */
    struct cospin_device_branch ltp;
    struct cospin_device_branch ltd;
    int states;                       /* N pulses span the full range; 0 = analog */
    double g_min_s;                   /* conductance at g = 0 (S) */
    double g_max_s;                   /* conductance at g = 1 (S), > g_min_s */
    double c2c_sigma;                 /* cycle-to-cycle variation: std of the realised
                                         position per pulse, in units of one nominal
                                         step 1/N (0 = none) */
    double pulse_width_s;             /* programming pulse width (s), 0 = unknown */
    double write_energy_j;            /* energy of one programming pulse (J), 0 = unknown */
};

/* How a requested change becomes a whole number of pulses. */
enum cospin_round_mode {
    COSPIN_ROUND_NEAREST = 0,         /* closed loop: the pulse count whose result (on the
                                         true curve) is nearest the target */
    COSPIN_ROUND_STOCHASTIC,          /* closed loop: floor or ceil of the exact count, with
                                         probability given by the fraction */
    COSPIN_ROUND_OPEN,                /* open loop: round(|dg| N) pulses, as a controller
                                         that assumes a linear device would send; the
                                         curve's nonlinearity shows in the result */
    COSPIN_ROUND_OPEN_STOCHASTIC      /* open loop with stochastic rounding of |dg| N */
};

/* Realised-versus-requested statistics of many updates. */
struct cospin_device_stats {
    long n_requested;                 /* updates with a nonzero request */
    long n_zero;                      /* ... that got zero pulses (update lost) */
    long n_saturated;                 /* ... stopped at an end of the range */
    long pulses_ltp;                  /* pulses applied on the LTP branch */
    long pulses_ltd;                  /* pulses applied on the LTD branch */
    double sum_abs_requested;         /* sum |requested change| (normalised g units) */
    double sum_abs_realised;          /* sum |realised change| */
    double sum_abs_error;             /* sum |realised - requested| */
    double sum_sq_error;              /* sum (realised - requested)^2 */
};

/* ---- presets --------------------------------------------------------------------------- */

/*
 * Fill *d with a named preset: "ideal", "rram", "pcm", "skyrmion", "sot-s"
 * (= "sot-s:21") or "sot-s:<d>" with d in {5, 9, 14, 21} monolayers of CrTe2.
 * The curve families and nu follow thesis Eq. 4.1-4.4.  State counts: SOT-S
 * 12 (21 ML) and 18 (5 ML) are measured, 9 and 14 ML are interpolated;
 * RRAM/PCM/skyrmion state counts are not in the thesis (64 assumed, see
 * doc/sot.md); ideal is analog (0).  Returns 0 or COSPIN_ERR_INVALID with the
 * list of known names in err.
 */
int cospin_device_preset(const char *name, struct cospin_device *d, struct cospin_error *err);

/* NULL-terminated list of the preset names accepted by cospin_device_preset. */
const char *const *cospin_device_preset_names(void);

/*
 * Check a device (families, nu >= 0 and finite, tables monotone from (0,0)
 * to (1,1), states >= 0, g range, c2c_sigma >= 0).  Returns 0 or
 * COSPIN_ERR_INVALID naming the field.
 */
int cospin_device_validate(const struct cospin_device *d, struct cospin_error *err);

/* ---- curves -------------------------------------------------------------------------- */

/* G(P) of one branch, P clamped to [0, 1]; the result is in [0, 1]. */
double cospin_device_branch_g(const struct cospin_device_branch *b, double p);

/* The inverse P = G^-1(g) of one branch, g clamped to [0, 1]. */
double cospin_device_branch_p(const struct cospin_device_branch *b, double g);

/*
 * Normalised conductance after p pulses from the reset state: on the LTP
 * branch G_LTP(p/N) from g = 0; on the LTD branch G_LTD(1 - p/N) from g = 1
 * (ltd nonzero).  p is clamped to [0, N].  Analog devices (N = 0) use
 * p / 100 as P.
 */
double cospin_device_g_after(const struct cospin_device *d, int ltd, int p);

/* Conductance in siemens of normalised conductance g. */
double cospin_device_siemens(const struct cospin_device *d, double g);

/* ---- updates --------------------------------------------------------------------------- */

/*
 * Realise a requested change dg of the normalised conductance g (both in
 * [0, 1] units) with whole pulses: dg > 0 uses the LTP branch, dg < 0 the
 * LTD branch.  The pulse count is chosen by `mode` (NEAREST: the count whose
 * result is nearest g + dg; STOCHASTIC: floor/ceil of the exact count with
 * the fraction as probability, drawn from rng; OPEN / OPEN_STOCHASTIC: the
 * count |dg| N of a linear device, rounded to nearest or stochastically).  With c2c_sigma > 0 the
 * position after n pulses gets Gaussian noise of std c2c_sigma sqrt(n) / N
 * (rng required).  Returns the new g; *pulses (may be NULL) receives the
 * signed pulse count (> 0 LTP, < 0 LTD).  stats (may be NULL) accumulates.
 * rng may be NULL only if neither STOCHASTIC nor c2c variation is used.
 */
double cospin_device_update(const struct cospin_device *d, double g, double dg,
                            enum cospin_round_mode mode, struct cospin_rng *rng,
                            int *pulses, struct cospin_device_stats *stats);

/*
 * Update a differential pair (g+, g-) for a requested change of their
 * difference d = g+ - g-: d > 0 potentiates g+ (LTP), d < 0 potentiates g-;
 * when the potentiated device is at its top the other one is depressed
 * (LTD) instead.  *gp and *gm are updated in place; returns the realised
 * change of g+ - g-.  Other arguments as cospin_device_update.
 */
double cospin_device_update_pair(const struct cospin_device *d, double *gp, double *gm, double dd,
                                 enum cospin_round_mode mode, struct cospin_rng *rng,
                                 struct cospin_device_stats *stats);

/* Zero a statistics record. */
void cospin_device_stats_clear(struct cospin_device_stats *s);

/*
 * Write a one-paragraph summary of s into buf (size n): requested updates,
 * lost (zero-pulse) and saturated fractions, mean |requested|, mean
 * |realised|, realised/requested ratio, RMS error, pulses.  Returns buf.
 */
char *cospin_device_stats_format(const struct cospin_device_stats *s, char *buf, size_t n);

/*
 * Fill a branch with a measured curve: n >= 2 points (pulse[i], value[i]),
 * pulse counts increasing from 0.  The values are normalised to [0, 1] by
 * their first and last entries; ltd nonzero means the values were measured
 * while depressing (decreasing), so P = 1 - pulse/pulse_max.  The curve
 * must be strictly monotone.  Returns 0 or COSPIN_ERR_INVALID naming the
 * index of the offending point.
 */
int cospin_device_branch_from_table(struct cospin_device_branch *b, int ltd, const double *pulse,
                                    const double *value, size_t n, struct cospin_error *err);

/* Name of a curve family ("linear", "exp-sat", "exp-rev", "sigmoid", "table"). */
const char *cospin_curve_family_name(enum cospin_curve_family f);

/* Curve family by name; returns 0 or COSPIN_ERR_INVALID. */
int cospin_curve_family_parse(const char *name, enum cospin_curve_family *f,
                              struct cospin_error *err);

#endif
