/*
 * energy.h -- energy estimates for spintronic neurons and synapses.
 *
 * Two estimates of the energy one write pulse dissipates in a device:
 *   - the lumped I^2 R t of thesis ch. 3.6.3 (constant current, constant R);
 *   - the integral of V(t) I(t) dt over simulated waveforms, which sees the
 *     resistance change while the MTJ switches (R_AP -> R_P) and the pulse edges.
 * And the read energy of a crossbar inference: every cell (i, j) with
 * conductance G_ij under read voltage V_i for t_read dissipates G_ij V_i^2 t_read.
 */
#ifndef COSPIN_ENERGY_H
#define COSPIN_ENERGY_H

#include <stddef.h>

#include "cospin.h"

/* I^2 R t in joules: current_a (A), r_ohm (ohm), width_s (s). */
double cospin_energy_i2rt_j(double current_a, double r_ohm, double width_s);

/*
 * Trapezoidal integral of v(t) i(t) dt over n >= 2 samples at increasing
 * times t_s (s); v_v in volts, i_a in amperes.  Result in joules through *out.
 * COSPIN_ERR_INVALID if n < 2 or the times are not increasing.
 */
int cospin_energy_integrate_vi(const double *t_s, const double *v_v, const double *i_a, size_t n,
                               double *out_j, struct cospin_error *err);

/*
 * Read energy (J) of one inference through a rows x cols crossbar:
 * sum_ij g_s[i*cols + j] * v_v[i]^2 * t_read_s (virtual-ground columns).
 */
double cospin_energy_crossbar_read_j(const double *g_s, size_t rows, size_t cols, const double *v_v,
                                     double t_read_s);

#endif
