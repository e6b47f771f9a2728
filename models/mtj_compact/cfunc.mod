/* cfunc.mod for mtj_compact -- a thin adapter around src/physics/compact_neuron.h.
   The parameters are validated once, on INIT, and kept for the instance's
   life.  Memoryless: DC and transient evaluate the same curve; AC uses its
   slope.  The defaults (k = 2.2 / uA, c = 11.8 uA, in the ifspec) are the
   thesis's 30 ns fit (thesis Fig. 3.5). */
#include <math.h>
#include <stdlib.h>

#include "cm_common.h"
#include "compact_neuron.h"

/* Input convergence: relative, and absolute in A (1 fA, far below any read current). */
#define INPUT_RELTOL 1e-10
#define INPUT_ABSTOL_A 1e-15

/* Destroy callback: the parameters live as long as the instance. */
static void mtj_compact_callback(ARGS, Mif_Callback_Reason_t reason)
{
    if (reason == MIF_CB_DESTROY) {
        free(STATIC_VAR(model));
        STATIC_VAR(model) = NULL;
    }
}

/* INIT: the validated parameters (defaults from the ifspec), or NULL with
   the message printed once; and the last-input slot. */
static void mtj_compact_init(ARGS)
{
    char msg[256];
    struct cospin_neuron_compact *p = malloc(sizeof *p);
    if (!p) {
        cm_message_printf(COSPIN_CM_ERROR_TAG "mtj_compact: out of memory");
    } else {
        p->k_per_ua = PARAM(k_per_ua);
        p->c_ua = PARAM(c_ua);
        p->gain = PARAM(gain);
        p->i_bias_ua = PARAM(i_bias_ua);
        p->v_one_v = PARAM(v_one);
        if (cospin_compact_neuron_check(p, msg, sizeof msg) != 0) {
            cm_message_printf(COSPIN_CM_ERROR_TAG "mtj_compact: %s", msg);
            free(p);
            p = NULL;
        }
    }
    free(STATIC_VAR(model));
    STATIC_VAR(model) = p;
    CALLBACK = mtj_compact_callback;
    cm_analog_alloc(0, sizeof(double));
}

void cm_mtj_compact(ARGS)
{
    if (INIT)
        mtj_compact_init(mif_private);
    const struct cospin_neuron_compact *p = STATIC_VAR(model);
    if (!p) {
        /* A bad model stops the analysis (message printed on INIT). */
        cm_analog_not_converged();
        OUTPUT(out) = 0.0;
        PARTIAL(out, in) = 0.0;
        return;
    }

    /*
     * ngspice stops Newton iterations when node voltages change by less than
     * reltol (1e-3): the output would then be the first-order prediction
     * from the previous point, off by up to ~1e-3.  The sigmoid is cheap and
     * exact, so ask for one more iteration whenever the input moved since the
     * last evaluation; the accepted output is then the curve at the solved
     * input to INPUT_RELTOL.
     */
    double i_in = INPUT(in);
    double *last = (double *)cm_analog_get_ptr(0, 0);
    if (!INIT && fabs(i_in - *last) > INPUT_RELTOL * fabs(i_in) + INPUT_ABSTOL_A)
        cm_analog_not_converged();
    *last = i_in;

    double dp_di;
    double prob = cospin_compact_neuron_p(p, i_in, &dp_di);
    if (ANALYSIS == AC) {
        Complex_t ac;
        ac.real = p->v_one_v * dp_di;
        ac.imag = 0.0;
        AC_GAIN(out, in) = ac;
        return;
    }
    OUTPUT(out) = p->v_one_v * prob;
    PARTIAL(out, in) = p->v_one_v * dp_di;
}
