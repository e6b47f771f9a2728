/*
 * compact_neuron.h -- the compact (table-driven) stochastic-MTJ neuron: the
 * switching probability of the neuron device at its pulse settings as a
 * function of the current entering the neuron stage.  Header-only pure math,
 * shared by the code model models/mtj_compact and by libcospin (netlist
 * generation, cosim, tests), so both evaluate the same expression.
 *
 *   I_dev = gain * I_in * 1e6 + i_bias_ua                       (uA)
 *   P_sw  = 1 / (1 + exp(-k_per_ua * (I_dev - c_ua)))            (thesis Eq. for P_sw)
 *   V_out = v_one_v * P_sw                                       (V)
 *
 * (k, c) are the fitted sigmoid of the neuron table (fit.csv) at the neuron's
 * pulse width and anisotropy; gain and i_bias_ua are the current-scaling
 * front end that maps a column current onto the device's input range.
 */
#ifndef COSPIN_COMPACT_NEURON_H
#define COSPIN_COMPACT_NEURON_H

#include <math.h>
#include <stdio.h>

#include "logistic.h"

/* Microamperes per ampere. */
#define COSPIN_COMPACT_UA_PER_A 1.0e6

struct cospin_neuron_compact {
    double k_per_ua;       /* device sigmoid slope at its pulse settings, 1/uA (> 0) */
    double c_ua;           /* device sigmoid midpoint, uA */
    double gain;           /* input current gain in front of the device (dimensionless, != 0) */
    double i_bias_ua;      /* bias current added in front of the device, uA */
    double v_one_v;        /* output voltage for P_sw = 1, V (> 0) */
};

/*
 * Check the parameters; on failure write a one-line reason into msg (size n)
 * and return -1, else return 0.
 */
static inline int cospin_compact_neuron_check(const struct cospin_neuron_compact *p, char *msg,
                                              size_t n)
{
    if (!(isfinite(p->k_per_ua) && p->k_per_ua > 0)) {
        snprintf(msg, n, "slope k_per_ua must be > 0 per uA (got %g)", p->k_per_ua);
        return -1;
    }
    if (!isfinite(p->c_ua)) {
        snprintf(msg, n, "midpoint c_ua is not finite");
        return -1;
    }
    if (!(isfinite(p->gain) && p->gain != 0)) {
        snprintf(msg, n, "input gain must be finite and nonzero (got %g)", p->gain);
        return -1;
    }
    if (!isfinite(p->i_bias_ua)) {
        snprintf(msg, n, "bias current i_bias_ua is not finite");
        return -1;
    }
    if (!(isfinite(p->v_one_v) && p->v_one_v > 0)) {
        snprintf(msg, n, "output voltage v_one for P = 1 must be > 0 V (got %g)", p->v_one_v);
        return -1;
    }
    return 0;
}

/*
 * P_sw for input current i_in_a (A); *dp_di (1/A) receives dP/dI_in when
 * non-NULL.  Evaluated in the form that never overflows exp() (logistic.h).
 */
static inline double cospin_compact_neuron_p(const struct cospin_neuron_compact *p, double i_in_a,
                                             double *dp_di)
{
    double u = p->k_per_ua * (p->gain * i_in_a * COSPIN_COMPACT_UA_PER_A + p->i_bias_ua - p->c_ua);
    double prob = cospin_logistic(u);
    if (dp_di)
        *dp_di = prob * (1.0 - prob) * p->k_per_ua * p->gain * COSPIN_COMPACT_UA_PER_A;
    return prob;
}

#endif
