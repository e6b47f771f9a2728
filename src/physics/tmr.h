/*
 * tmr.h -- tunnel magnetoresistance readout of an MTJ, shared by the code
 * models (models/) and the library.  Pure C, no ngspice, no allocation.
 *
 * Conductance interpolation (Slonczewski/Julliere):
 *     G(m) = G_P (1 + m)/2 + G_AP (1 - m)/2,   m = cos(theta) = m_z in [-1, 1]
 * with m = +1 the parallel (low-resistance) state.  Optional bias dependence
 *     TMR(V) = TMR0 / (1 + V^2 / V_h^2),   R_AP(V) = R_P (1 + TMR(V))
 * (v_half_v <= 0 disables it).
 */
#ifndef COSPIN_TMR_H
#define COSPIN_TMR_H

struct cospin_tmr {
    double r_p_ohm;      /* parallel resistance, > 0 */
    double r_ap_ohm;     /* antiparallel resistance at zero bias, >= r_p_ohm */
    double v_half_v;     /* bias where TMR halves; <= 0: no bias dependence */
};

/*
 * Check the parameters.  Returns 0 if valid, else writes a one-line reason
 * into msg (size n) and returns -1.
 */
int cospin_tmr_validate(const struct cospin_tmr *t, char *msg, unsigned long n);

/*
 * Conductance (S) at state m (clamped to [-1, 1]) and bias v_v (V).  If the
 * pointers are non-NULL, *dg_dv receives dG/dV (S/V) and *dg_dm dG/dm (S).
 */
double cospin_tmr_conductance(const struct cospin_tmr *t, double m, double v_v, double *dg_dv,
                              double *dg_dm);

#endif
