/* cfunc.mod for sot_synapse -- a thin adapter around src/physics/sot_synapse.h
   (the card, the device built once on INIT, the whole-pulse programming rule)
   and src/physics/device.h.  The state (normalised conductance, pulse
   bookkeeping) lives in ngspice's per-timepoint storage (cm_analog_alloc), so
   rejected time points recompute it from the last accepted one.  DC and AC
   see the state as it is; only a transient analysis moves it. */
#include <stdlib.h>
#include <string.h>

#include "cm_common.h"
#include "sot_synapse.h"

/* Destroy callback: the synapse lives as long as the instance. */
static void sot_synapse_callback(ARGS, Mif_Callback_Reason_t reason)
{
    if (reason == MIF_CB_DESTROY) {
        free(STATIC_VAR(model));
        STATIC_VAR(model) = NULL;
    }
}

/* The card (defaults from the ifspec; a custom device needs states, r_min
   and r_max given explicitly). */
static void sot_synapse_card(ARGS, struct cospin_sot_synapse_card *c)
{
    c->thickness_ml = PARAM(thickness);
    c->states = PARAM(states);
    c->states_given = !PARAM_NULL(states);
    c->r_min_given = !PARAM_NULL(r_min);
    c->r_max_given = !PARAM_NULL(r_max);
    c->nu_ltp = PARAM(nu_ltp);
    c->nu_ltd = PARAM(nu_ltd);
    c->r_min_ohm = PARAM(r_min);
    c->r_max_ohm = PARAM(r_max);
    c->i_th_a = PARAM(i_th);
    c->w_th_s = PARAM(w_th);
    c->init = PARAM(init);
}

/* INIT: the validated synapse (NULL with the message printed once) and the
   two time points. */
static void sot_synapse_init(ARGS)
{
    struct cospin_sot_synapse_card c;
    struct cospin_error err;
    memset(&err, 0, sizeof err);
    sot_synapse_card(mif_private, &c);
    struct cospin_sot_synapse_model *m = malloc(sizeof *m);
    if (!m) {
        cm_message_printf(COSPIN_CM_ERROR_TAG "sot_synapse: out of memory");
    } else if (cospin_sot_synapse_model_init(&c, m, &err) != 0) {
        cm_message_printf(COSPIN_CM_ERROR_TAG "sot_synapse: %s", err.msg);
        free(m);
        m = NULL;
    }
    free(STATIC_VAR(model));
    STATIC_VAR(model) = m;
    CALLBACK = sot_synapse_callback;
    cm_analog_alloc(0, (int)sizeof(struct cospin_sot_synapse_point));
    struct cospin_sot_synapse_point *p0 = cm_analog_get_ptr(0, 0);
    struct cospin_sot_synapse_point *p1 = cm_analog_get_ptr(0, 1);
    memset(p0, 0, sizeof *p0);
    if (m)
        cospin_sot_synapse_start(m, p0);
    *p1 = *p0;
}

/* A bad model stops the analysis (message printed on INIT). */
static void sot_synapse_refuse(ARGS)
{
    cm_analog_not_converged();
    OUTPUT(hall) = 0.0;
    PARTIAL(hall, hall) = 0.0;
    PARTIAL(hall, prog) = 0.0;
    if (!PORT_NULL(state)) {
        OUTPUT(state) = 0.0;
        PARTIAL(state, prog) = 0.0;
        PARTIAL(state, hall) = 0.0;
    }
}

void cm_sot_synapse(ARGS)
{
    if (INIT)
        sot_synapse_init(mif_private);
    const struct cospin_sot_synapse_model *m = STATIC_VAR(model);
    if (!m) {
        sot_synapse_refuse(mif_private);
        return;
    }
    struct cospin_sot_synapse_point *now = cm_analog_get_ptr(0, 0);
    struct cospin_sot_synapse_point *old = cm_analog_get_ptr(0, 1);
    if (ANALYSIS == TRANSIENT)
        cospin_sot_synapse_tran(m, old, now, TIME, INPUT(prog));

    double g_s = cospin_device_siemens(&m->d, now->g);
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
    OUTPUT(hall) = g_s * INPUT(hall);
    PARTIAL(hall, hall) = g_s;
    PARTIAL(hall, prog) = 0.0;
    if (!PORT_NULL(state)) {
        OUTPUT(state) = now->g;
        PARTIAL(state, prog) = 0.0;
        PARTIAL(state, hall) = 0.0;
    }
}
