/*
 * tmr.c -- TMR readout (see tmr.h for the equations).
 */
#include <math.h>
#include <stdio.h>

#include "tmr.h"

int cospin_tmr_validate(const struct cospin_tmr *t, char *msg, unsigned long n)
{
    if (!(t->r_p_ohm > 0.0) || !isfinite(t->r_p_ohm)) {
        snprintf(msg, n, "r_p = %g ohm must be positive", t->r_p_ohm);
        return -1;
    }
    if (!(t->r_ap_ohm >= t->r_p_ohm) || !isfinite(t->r_ap_ohm)) {
        snprintf(msg, n, "r_ap = %g ohm must be >= r_p = %g ohm", t->r_ap_ohm, t->r_p_ohm);
        return -1;
    }
    if (!isfinite(t->v_half_v)) {
        snprintf(msg, n, "v_half = %g V must be finite", t->v_half_v);
        return -1;
    }
    return 0;
}

double cospin_tmr_conductance(const struct cospin_tmr *t, double m, double v_v, double *dg_dv,
                              double *dg_dm)
{
    if (m > 1.0)
        m = 1.0;
    if (m < -1.0)
        m = -1.0;
    double tmr0 = t->r_ap_ohm / t->r_p_ohm - 1.0;
    double tmr = tmr0, dtmr_dv = 0.0;
    if (t->v_half_v > 0.0) {
        double q = 1.0 + v_v * v_v / (t->v_half_v * t->v_half_v);
        tmr = tmr0 / q;
        dtmr_dv = -tmr0 * 2.0 * v_v / (t->v_half_v * t->v_half_v) / (q * q);
    }
    double gp = 1.0 / t->r_p_ohm;
    double gap = gp / (1.0 + tmr);
    double dgap_dv = -gp * dtmr_dv / ((1.0 + tmr) * (1.0 + tmr));
    double wp = 0.5 * (1.0 + m), wap = 0.5 * (1.0 - m);
    if (dg_dv)
        *dg_dv = wap * dgap_dv;
    if (dg_dm)
        *dg_dm = 0.5 * (gp - gap);
    return wp * gp + wap * gap;
}
