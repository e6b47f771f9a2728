/* cfunc.mod for sot_synapse -- a thin adapter around src/physics/device.h and
   src/physics/sot_neuron.h.  The state (normalised conductance, pulse bookkeeping)
   lives in ngspice's per-timepoint storage (cm_analog_alloc), so rejected
   time points recompute it from the last accepted one.  DC and AC see the
   state as it is; only a transient analysis moves it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cm_common.h"
#include "device.h"
#include "sot_neuron.h"

/* Per-timepoint state. */
struct sot_synapse_state {
    double g;          /* normalised conductance, 0..1 */
    double t_start_s;  /* start of the current pulse (s) */
    int sign;          /* polarity of the pulse in progress: +1, -1, 0 = none */
    int counted;       /* the pulse in progress has already moved the state */
};

/* Build the device from the parameters; 0 or -1 with a reason in msg. */
static int sot_synapse_device(ARGS, struct cospin_device *d, char *msg, size_t n)
{
    int thick = PARAM_NULL(thickness) ? 21 : PARAM(thickness);
    struct cospin_error err;
    memset(&err, 0, sizeof err);
    if (thick != 0) {
        char name[32];
        snprintf(name, sizeof name, "sot-s:%d", thick);
        if (cospin_device_preset(name, d, &err) != 0) {
            snprintf(msg, n, "thickness = %d: %s", thick, err.msg);
            return -1;
        }
    } else {
        cospin_device_preset("sot-s:21", d, NULL);
        if (PARAM_NULL(states) || PARAM_NULL(r_min) || PARAM_NULL(r_max)) {
            snprintf(msg, n, "thickness = 0 (custom) needs states, r_min and r_max");
            return -1;
        }
    }
    if (!PARAM_NULL(states) && PARAM(states) != 0)
        d->states = PARAM(states);
    if (d->states < 1) {
        snprintf(msg, n, "states = %d must be >= 1", d->states);
        return -1;
    }
    d->ltp.nu = PARAM_NULL(nu_ltp) ? 1.0 : PARAM(nu_ltp);
    d->ltd.nu = PARAM_NULL(nu_ltd) ? 1.0 : PARAM(nu_ltd);
    double r_min = 1.0 / d->g_max_s, r_max = 1.0 / d->g_min_s;
    if (!PARAM_NULL(r_min) && PARAM(r_min) != 0.0)
        r_min = PARAM(r_min);
    if (!PARAM_NULL(r_max) && PARAM(r_max) != 0.0)
        r_max = PARAM(r_max);
    if (!(r_min > 0.0) || !(r_max > r_min)) {
        snprintf(msg, n, "resistance range r_min = %g, r_max = %g ohm: need 0 < r_min < r_max",
                 r_min, r_max);
        return -1;
    }
    d->g_min_s = 1.0 / r_max;
    d->g_max_s = 1.0 / r_min;
    if (cospin_device_validate(d, &err) != 0) {
        snprintf(msg, n, "%s", err.msg);
        return -1;
    }
    double i_th = PARAM_NULL(i_th) ? 10e-3 : PARAM(i_th);
    double w_th = PARAM_NULL(w_th) ? 500e-6 : PARAM(w_th);
    if (!(i_th > 0.0) || !(w_th >= 0.0)) {
        snprintf(msg, n, "thresholds i_th = %g A (> 0), w_th = %g s (>= 0)", i_th, w_th);
        return -1;
    }
    int init = PARAM_NULL(init) ? 0 : PARAM(init);
    if (init < 0 || init > d->states) {
        snprintf(msg, n, "init = %d must be in [0, states = %d]", init, d->states);
        return -1;
    }
    return 0;
}

void cm_sot_synapse(ARGS)
{
    struct cospin_device d;
    char msg[256];
    if (sot_synapse_device(mif_private, &d, msg, sizeof msg) != 0) {
        if (INIT)
            cm_message_printf(COSPIN_CM_ERROR_TAG "sot_synapse: %s", msg);
        cm_analog_not_converged();
        OUTPUT(hall) = 0.0;
        PARTIAL(hall, hall) = 0.0;
        PARTIAL(hall, prog) = 0.0;
        if (!PORT_NULL(state)) {
            OUTPUT(state) = 0.0;
            PARTIAL(state, prog) = 0.0;
            PARTIAL(state, hall) = 0.0;
        }
        return;
    }
    double i_th = PARAM_NULL(i_th) ? 10e-3 : PARAM(i_th);
    double w_th = PARAM_NULL(w_th) ? 500e-6 : PARAM(w_th);

    if (INIT) {
        cm_analog_alloc(0, sizeof(struct sot_synapse_state));
        struct sot_synapse_state *s0 = cm_analog_get_ptr(0, 0);
        struct sot_synapse_state *s1 = cm_analog_get_ptr(0, 1);
        int init = PARAM_NULL(init) ? 0 : PARAM(init);
        s0->g = cospin_device_g_after(&d, 0, init);
        s0->t_start_s = 0.0;
        s0->sign = 0;
        s0->counted = 0;
        *s1 = *s0;
    }
    struct sot_synapse_state *now = cm_analog_get_ptr(0, 0);
    struct sot_synapse_state *old = cm_analog_get_ptr(0, 1);

    if (ANALYSIS == TRANSIENT) {
        double i = INPUT(prog);
        int sign = i >= i_th ? 1 : (i <= -i_th ? -1 : 0);
        *now = *old;
        if (sign != old->sign) {
            now->sign = sign;
            now->t_start_s = TIME;
            now->counted = 0;
        }
        /* One whole pulse once it has lasted w_th (to the time resolution of
           the accepted points). */
        if (now->sign != 0 && !now->counted && TIME - now->t_start_s >= w_th * (1.0 - 1e-9)) {
            const struct cospin_device_branch *b = now->sign > 0 ? &d.ltp : &d.ltd;
            double p = cospin_device_branch_p(b, now->g) + now->sign / (double)d.states;
            now->g = cospin_device_branch_g(b, p);
            now->counted = 1;
        }
    }

    double g_s = cospin_device_siemens(&d, now->g);
    if (ANALYSIS == AC) {
        Complex_t ac;
        ac.real = g_s;
        ac.imag = 0.0;
        AC_GAIN(hall, hall) = ac;
        ac.real = 0.0;
        AC_GAIN(hall, prog) = ac;
        if (!PORT_NULL(state)) {
            AC_GAIN(state, prog) = ac;
            AC_GAIN(state, hall) = ac;
        }
        return;
    }
    double v = INPUT(hall);
    OUTPUT(hall) = g_s * v;
    PARTIAL(hall, hall) = g_s;
    PARTIAL(hall, prog) = 0.0;
    if (!PORT_NULL(state)) {
        OUTPUT(state) = now->g;
        PARTIAL(state, prog) = 0.0;
        PARTIAL(state, hall) = 0.0;
    }
}
