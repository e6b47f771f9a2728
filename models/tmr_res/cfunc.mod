/* cfunc.mod for tmr_res -- a thin adapter around src/physics/tmr.h.
   The parameters are validated once, on INIT, and kept for the instance's
   life.  The state is an input, so the model is memoryless: DC, transient
   and AC evaluate the same conductance. */
#include <stdlib.h>

#include "cm_common.h"
#include "tmr.h"

/* Destroy callback: the parameters live as long as the instance. */
static void tmr_res_callback(ARGS, Mif_Callback_Reason_t reason)
{
    if (reason == MIF_CB_DESTROY) {
        free(STATIC_VAR(model));
        STATIC_VAR(model) = NULL;
    }
}

/* INIT: the validated parameters (defaults from the ifspec), or NULL with
   the message printed once. */
static void tmr_res_init(ARGS)
{
    char msg[256];
    struct cospin_tmr *t = malloc(sizeof *t);
    if (!t) {
        cm_message_printf(COSPIN_CM_ERROR_TAG "tmr_res: out of memory");
    } else {
        t->r_p_ohm = PARAM(r_p);
        t->r_ap_ohm = PARAM(r_ap);
        t->v_half_v = PARAM(v_half);
        if (cospin_tmr_validate(t, msg, sizeof msg) != 0) {
            cm_message_printf(COSPIN_CM_ERROR_TAG "tmr_res: %s", msg);
            free(t);
            t = NULL;
        }
    }
    free(STATIC_VAR(model));
    STATIC_VAR(model) = t;
    CALLBACK = tmr_res_callback;
}

void cm_tmr_res(ARGS)
{
    if (INIT)
        tmr_res_init(mif_private);
    const struct cospin_tmr *t = STATIC_VAR(model);
    if (!t) {
        /* A bad model stops the analysis (message printed on INIT). */
        cm_analog_not_converged();
        OUTPUT(res) = 0.0;
        PARTIAL(res, res) = 0.0;
        PARTIAL(res, state) = 0.0;
        return;
    }

    double v = INPUT(res);
    double m = INPUT(state);
    double dg_dv, dg_dm;
    double g = cospin_tmr_conductance(t, m, v, &dg_dv, &dg_dm);
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
