/* cfunc.mod for sot_neuron -- a thin adapter around src/physics/sot_neuron.h.
   Memoryless: DC and transient evaluate the sigmoid, AC uses its slope. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cm_common.h"
#include "sot_neuron.h"

void cm_sot_neuron(ARGS)
{
    struct cospin_sot_neuron n;
    struct cospin_error err;
    char msg[256] = "";
    memset(&err, 0, sizeof err);
    int thick = PARAM_NULL(thickness) ? 21 : PARAM(thickness);
    double sweep = PARAM_NULL(sweep) ? 0.0 : PARAM(sweep);
    double v_max = PARAM_NULL(v_max) ? 1.0 : PARAM(v_max);
    if (cospin_sot_neuron_preset(thick, &n, &err) != 0) {
        snprintf(msg, sizeof msg, "thickness = %d: %s", thick, err.msg);
    } else {
        if (!PARAM_NULL(k) && PARAM(k) != 0.0)
            n.k_per_ma = PARAM(k);
        if (!PARAM_NULL(xc) && PARAM(xc) != 0.0)
            n.xc_a = PARAM(xc);
        if (sweep != 0.0) {
            if (fabs(sweep) < COSPIN_SOT_SWEEP_MIN_A || fabs(sweep) > COSPIN_SOT_SWEEP_MAX_A)
                snprintf(msg, sizeof msg, "sweep = %g A is outside [%g, %g] A", sweep,
                         COSPIN_SOT_SWEEP_MIN_A, COSPIN_SOT_SWEEP_MAX_A);
            n.k_per_ma = cospin_sot_k_from_sweep(sweep);
        }
        if (!(n.k_per_ma > 0.0) || !isfinite(n.k_per_ma))
            snprintf(msg, sizeof msg, "k = %g 1/mA must be > 0", n.k_per_ma);
        if (!(v_max > 0.0))
            snprintf(msg, sizeof msg, "v_max = %g V must be > 0", v_max);
    }
    if (msg[0]) {
        if (INIT)
            cm_message_printf(COSPIN_CM_ERROR_TAG "sot_neuron: %s", msg);
        cm_analog_not_converged();
        OUTPUT(out) = 0.0;
        PARTIAL(out, in) = 0.0;
        return;
    }
    double y = cospin_sot_neuron_y(&n, INPUT(in));
    double dy_di = n.k_per_ma * 1e3 * y * (1.0 - y); /* 1/A */
    if (ANALYSIS == AC) {
        Complex_t ac;
        ac.real = v_max * dy_di;
        ac.imag = 0.0;
        AC_GAIN(out, in) = ac;
        return;
    }
    OUTPUT(out) = v_max * y;
    PARTIAL(out, in) = v_max * dy_di;
}
