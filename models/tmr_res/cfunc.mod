/* cfunc.mod for tmr_res -- a thin adapter around src/physics/tmr.h.
   The state is an input, so the model is memoryless: DC, transient and AC
   evaluate the same conductance. */
#include <math.h>
#include <stdio.h>

#include "cm_common.h"
#include "tmr.h"

void cm_tmr_res(ARGS)
{
    struct cospin_tmr t;
    t.r_p_ohm = PARAM(r_p);
    t.r_ap_ohm = PARAM(r_ap);
    t.v_half_v = PARAM(v_half);

    /* Validated on every call (cheap): a bad model stops the analysis. */
    char msg[256];
    if (cospin_tmr_validate(&t, msg, sizeof msg) != 0) {
        if (INIT)
            cm_message_printf(COSPIN_CM_ERROR_TAG "tmr_res: %s", msg);
        cm_analog_not_converged();
        OUTPUT(res) = 0.0;
        PARTIAL(res, res) = 0.0;
        PARTIAL(res, state) = 0.0;
        return;
    }

    double v = INPUT(res);
    double m = INPUT(state);
    double dg_dv, dg_dm;
    double g = cospin_tmr_conductance(&t, m, v, &dg_dv, &dg_dm);
    /* Inside [-1, 1] the state moves G; outside it is clamped. */
    if (m > 1.0 || m < -1.0)
        dg_dm = 0.0;

    if (ANALYSIS == AC) {
        Complex_t ac;
        ac.real = g + dg_dv * v;
        ac.imag = 0.0;
        AC_GAIN(res, res) = ac;
        ac.real = dg_dm * v;
        AC_GAIN(res, state) = ac;
        return;
    }
    OUTPUT(res) = g * v;
    PARTIAL(res, res) = g + dg_dv * v;
    PARTIAL(res, state) = dg_dm * v;
}
