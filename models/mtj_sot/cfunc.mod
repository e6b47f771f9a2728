/* cfunc.mod for mtj_sot -- a thin adapter around src/physics/llgs.h (torque kind
   COSPIN_TORQUE_SOT) and src/physics/tmr.h.  Time stepping as in mtj_stt: two
   struct cospin_mtj_state in cm_analog_alloc storage (1 = last accepted,
   0 = being computed), every call recomputes 0 from 1, so rejected time
   points leave no trace and a seed gives one trajectory whatever ngspice's
   step control does.

   Electrical: the channel is a resistor, I(hm+ -> hm-) = V(hm)/r_hm, and
   that current, interpolated linearly between accepted points, drives the
   spin-orbit torque.  The read path is I(p -> n) = G(m_z_acc, V) V with the
   magnetisation of the last accepted point (delay <= max_step).  The m
   outputs are explicit: their partials are zero. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cm_common.h"
#include "llgs.h"
#include "tmr.h"

static int mtj_sot_convention(const char *s, const char *a, const char *b)
{
    if (s == NULL || strcmp(s, a) == 0)
        return 0;
    if (strcmp(s, b) == 0)
        return 1;
    return -1;
}

/* What one instance keeps in cm_analog_alloc storage: the time-stepping
 * state and the constants derived once on INIT (copied along with it, so
 * every state buffer that ngspice rotates carries them). */
struct mtj_sot_inst {
    struct cospin_mtj_state s;
    struct cospin_mtj_derived d;
    struct cospin_tmr t;
    int bad;                     /* parameters rejected on INIT */
    int keyed;                   /* s was advanced from the accepted state below: */
    double base_t_s;             /*   its t_acc_s */
    long base_k;                 /*   its k_done */
};

static int mtj_sot_params(Mif_Private_t *mif_private, struct cospin_mtj_params *p,
                          struct cospin_tmr *t, char *msg, size_t n)
{
    cospin_mtj_params_default(p);
    p->torque = COSPIN_TORQUE_SOT;
    p->alpha = PARAM(alpha);
    p->gamma_rad_per_s_t = PARAM(gamma);
    p->mu0_ms_t = PARAM(ms);
    p->ku_j_per_m3 = PARAM(ku);
    p->k_bulk_j_per_m3 = PARAM(k_bulk);
    p->k_i_j_per_m2 = PARAM(k_i);
    p->length_m = PARAM(length);
    p->width_m = PARAM(width);
    p->thickness_m = PARAM(thickness);
    p->temperature_k = PARAM(temp);
    p->dt_s = PARAM(dt);
    p->h_applied_t[0] = PARAM(hx);
    p->h_applied_t[1] = PARAM(hy);
    p->h_applied_t[2] = PARAM(hz);
    p->ku_per_volt_j_per_m3_v = PARAM(ku_per_volt);
    p->spin_hall_angle = PARAM(theta_sh);
    p->hm_width_m = PARAM(hm_width);
    p->hm_thickness_m = PARAM(hm_thickness);
    p->init_tilt_rad = PARAM(init_tilt);
    int c;
    if ((c = mtj_sot_convention(PARAM(demag), "prism", "thin-film")) < 0) {
        snprintf(msg, n, "demag = '%s' unknown, expected prism or thin-film", PARAM(demag));
        return -1;
    }
    p->demag = (enum cospin_demag)c;
    if ((c = mtj_sot_convention(PARAM(thermal), "brown", "thesis")) < 0) {
        snprintf(msg, n, "thermal = '%s' unknown, expected brown or thesis", PARAM(thermal));
        return -1;
    }
    p->thermal = (enum cospin_thermal)c;
    if ((c = mtj_sot_convention(PARAM(init), "thermal", "tilt")) < 0) {
        snprintf(msg, n, "init = '%s' unknown, expected thermal or tilt", PARAM(init));
        return -1;
    }
    p->init = (enum cospin_init)c;
    if (PARAM(m0) != -1.0 && PARAM(m0) != 1.0) {
        snprintf(msg, n, "m0 = %g must be -1 (AP) or +1 (P)", PARAM(m0));
        return -1;
    }
    if (PARAM(seed) < 0) {
        snprintf(msg, n, "seed = %d must be >= 0", PARAM(seed));
        return -1;
    }
    if (PARAM(stream) < 0) {
        snprintf(msg, n, "stream = %d must be >= 0", PARAM(stream));
        return -1;
    }
    if (!(PARAM(max_step) >= PARAM(dt)) || !(PARAM(max_step) <= 1e-6)) {
        snprintf(msg, n, "max_step = %g s must lie in [dt, 1e-6]", PARAM(max_step));
        return -1;
    }
    if (!(PARAM(r_hm) > 0.0) || !isfinite(PARAM(r_hm))) {
        snprintf(msg, n, "r_hm = %g ohm must be > 0", PARAM(r_hm));
        return -1;
    }
    t->r_p_ohm = PARAM(r_p);
    t->r_ap_ohm = PARAM(r_ap);
    t->v_half_v = PARAM(v_half);
    if (cospin_tmr_validate(t, msg, n) != 0)
        return -1;
    return 0;
}

void cm_mtj_sot(ARGS)
{
    if (INIT) {
        /* Parameters are read, validated and turned into constants once;
         * the constants travel with the state (see struct mtj_sot_inst). */
        cm_analog_alloc(0, (int)sizeof(struct mtj_sot_inst));
        struct mtj_sot_inst *i0 = (struct mtj_sot_inst *)cm_analog_get_ptr(0, 0);
        struct mtj_sot_inst *i1 = (struct mtj_sot_inst *)cm_analog_get_ptr(0, 1);
        struct cospin_mtj_params p;
        char msg[256];
        memset(i0, 0, sizeof *i0);
        if (mtj_sot_params(mif_private, &p, &i0->t, msg, sizeof msg) != 0 ||
            cospin_mtj_derive(&p, &i0->d, msg, sizeof msg) != 0) {
            cm_message_printf(COSPIN_CM_ERROR_TAG "mtj_sot: %s", msg);
            i0->bad = 1;
        } else {
            cospin_mtj_state_init(&i0->d, &i0->s, (uint64_t)PARAM(seed),
                                  (uint64_t)PARAM(stream), PARAM(m0));
        }
        *i1 = *i0;
    }
    struct mtj_sot_inst *inow = (struct mtj_sot_inst *)cm_analog_get_ptr(0, 0);
    struct mtj_sot_inst *iacc = (struct mtj_sot_inst *)cm_analog_get_ptr(0, 1);
    if (iacc->bad) {
        /* A bad model stops the analysis (message printed on INIT). */
        cm_analog_not_converged();
        OUTPUT(hm) = 0.0;
        PARTIAL(hm, hm) = 0.0;
        OUTPUT(mtj) = 0.0;
        PARTIAL(mtj, mtj) = 0.0;
        return;
    }
    const struct cospin_mtj_derived *dp = &iacc->d;
    const struct cospin_tmr *tp = &iacc->t;
    struct cospin_mtj_state *now = &inow->s;
    const struct cospin_mtj_state *acc = &iacc->s;

    double g_hm = 1.0 / PARAM(r_hm);
    double v_hm = INPUT(hm);
    double i_hm = g_hm * v_hm;
    double v = INPUT(mtj);
    double vg = PORT_NULL(gate) ? 0.0 : INPUT(gate);
    double dg_dv, dg_dm;
    double g = cospin_tmr_conductance(tp, acc->m[2], v, &dg_dv, &dg_dm);

    if (ANALYSIS == AC) {
        Complex_t ac;
        ac.real = g_hm;
        ac.imag = 0.0;
        AC_GAIN(hm, hm) = ac;
        ac.real = 0.0;
        AC_GAIN(hm, mtj) = ac;
        AC_GAIN(mtj, hm) = ac;
        ac.real = g + dg_dv * v;
        AC_GAIN(mtj, mtj) = ac;
        return;
    }
    if (ANALYSIS == TRANSIENT) {
        /* Newton iterations that repeat the same time and drive reuse the
         * result already computed from this accepted state. */
        int same = inow->keyed && inow->base_t_s == acc->t_acc_s && inow->base_k == acc->k_done &&
                   now->t_acc_s == TIME && now->drive_acc_a == i_hm && now->ctrl_acc_v == vg;
        if (!same) {
            *inow = *iacc;
            cospin_mtj_advance(dp, acc, now, TIME, i_hm, vg);
            inow->keyed = 1;
            inow->base_t_s = acc->t_acc_s;
            inow->base_k = acc->k_done;
        }
        cm_analog_set_temp_bkpt(TIME + PARAM(max_step));
    } else {
        *inow = *iacc;
        inow->keyed = 0;
        now->drive_acc_a = i_hm;
        now->ctrl_acc_v = vg;
        *iacc = *inow;
    }

    OUTPUT(hm) = i_hm;
    PARTIAL(hm, hm) = g_hm;
    PARTIAL(hm, mtj) = 0.0;
    OUTPUT(mtj) = g * v;
    PARTIAL(mtj, mtj) = g + dg_dv * v;
    PARTIAL(mtj, hm) = 0.0;
    if (!PORT_NULL(gate)) {
        PARTIAL(hm, gate) = 0.0;
        PARTIAL(mtj, gate) = 0.0;
    }
    if (!PORT_NULL(mx)) {
        OUTPUT(mx) = now->m[0];
        PARTIAL(mx, hm) = 0.0;
        PARTIAL(mx, mtj) = 0.0;
        if (!PORT_NULL(gate))
            PARTIAL(mx, gate) = 0.0;
    }
    if (!PORT_NULL(my)) {
        OUTPUT(my) = now->m[1];
        PARTIAL(my, hm) = 0.0;
        PARTIAL(my, mtj) = 0.0;
        if (!PORT_NULL(gate))
            PARTIAL(my, gate) = 0.0;
    }
    if (!PORT_NULL(mz)) {
        OUTPUT(mz) = now->m[2];
        PARTIAL(mz, hm) = 0.0;
        PARTIAL(mz, mtj) = 0.0;
        if (!PORT_NULL(gate))
            PARTIAL(mz, gate) = 0.0;
    }
}
