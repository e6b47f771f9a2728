/*
 * logistic.h -- the logistic function sigma(x) = 1 / (1 + e^-x) in double:
 * the one copy every double-precision sigmoid of cospin calls (the fitted
 * P_sw curve, the compact and SOT neurons, the synapse sigmoid curve, the
 * energy estimate).  The float network's hot path has its own float version,
 * cospin_nn_sigmoid (learning/nn.h), with the same form.
 *
 * Evaluated so that exp() never overflows: for x >= 0 as 1 / (1 + e^-x),
 * for x < 0 as e^x / (1 + e^x); so sigma(-1000) = 0 and sigma(1000) = 1
 * without an infinity on the way, sigma(0) = 1/2 exactly, and NaN gives NaN.
 * Header-only (static inline) so the code models, which compile the physics
 * without libcospin, get it too.
 */
#ifndef COSPIN_LOGISTIC_H
#define COSPIN_LOGISTIC_H

#include <math.h>

static inline double cospin_logistic(double x)
{
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

#endif
