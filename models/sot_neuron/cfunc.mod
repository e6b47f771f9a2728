/* cfunc.mod for sot_neuron -- a thin adapter around src/physics/sot_neuron.h:
   the card is validated into a struct cospin_sot_neuron_model once, on
   INIT, and kept for the instance's life.  Memoryless: DC and transient
   evaluate the sigmoid, AC uses its slope. */
#include <stdlib.h>
#include <string.h>

#include "cm_common.h"
#include "sot_neuron.h"

/* Destroy callback: the neuron lives as long as the instance. */
static void sot_neuron_callback(ARGS, Mif_Callback_Reason_t reason)
{
    if (reason == MIF_CB_DESTROY) {
        free(STATIC_VAR(model));
        STATIC_VAR(model) = NULL;
    }
}

/* INIT: the card (defaults from the ifspec) into a validated neuron, or
   NULL with the message printed once. */
static void sot_neuron_init(ARGS)
{
    struct cospin_sot_neuron_card c;
    struct cospin_error err;
    memset(&err, 0, sizeof err);
    c.thickness_ml = PARAM(thickness);
    c.k_per_ma = PARAM(k);
    c.xc_a = PARAM(xc);
    c.sweep_a = PARAM(sweep);
    c.v_max_v = PARAM(v_max);
    struct cospin_sot_neuron_model *m = malloc(sizeof *m);
    if (!m) {
        cm_message_printf(COSPIN_CM_ERROR_TAG "sot_neuron: out of memory");
    } else if (cospin_sot_neuron_model_init(&c, m, &err) != 0) {
        cm_message_printf(COSPIN_CM_ERROR_TAG "sot_neuron: %s", err.msg);
        free(m);
        m = NULL;
    }
    free(STATIC_VAR(model));
    STATIC_VAR(model) = m;
    CALLBACK = sot_neuron_callback;
}

void cm_sot_neuron(ARGS)
{
    if (INIT)
        sot_neuron_init(mif_private);
    const struct cospin_sot_neuron_model *m = STATIC_VAR(model);
    if (!m) {
        /* A bad model stops the analysis (message printed on INIT). */
        cm_analog_not_converged();
        OUTPUT(out) = 0.0;
        PARTIAL(out, in) = 0.0;
        return;
    }
    double dv_di;
    double v = cospin_sot_neuron_model_v(m, INPUT(in), &dv_di);
    if (ANALYSIS == AC) {
        Complex_t ac;
        ac.real = dv_di;
        ac.imag = 0.0;
        AC_GAIN(out, in) = ac;
        return;
    }
    OUTPUT(out) = v;
    PARTIAL(out, in) = dv_di;
}
