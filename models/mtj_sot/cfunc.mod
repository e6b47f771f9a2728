/* cfunc.mod for mtj_sot -- the three-terminal SOT-MTJ with a VCMA gate.
   Everything it shares with mtj_stt (validation, the device built once on
   INIT, time stepping with rejected time points recomputed from the
   accepted one, the TMR read path) is src/physics/mtj_model.h (torque kind
   COSPIN_TORQUE_SOT); this file reads the card, with the channel geometry,
   and maps the terminals.

   Electrical: the channel is a resistor, I(hm+ -> hm-) = V(hm)/r_hm, and
   that current, interpolated linearly between accepted points, drives the
   spin-orbit torque; gate shifts Ku by ku_per_volt * V(gate).  The read
   path is I(p -> n) = G(m_z_acc, V) V (cospin_mtj_model_read).  The m
   outputs are explicit: their partials are zero. */
#include <string.h>

#include "cm_common.h"
#include "mtj_model.h"

/* Destroy callback: the device lives as long as the instance. */
static void mtj_sot_callback(ARGS, Mif_Callback_Reason_t reason)
{
    if (reason == MIF_CB_DESTROY) {
        cospin_mtj_model_free((struct cospin_mtj_model *)STATIC_VAR(model));
        STATIC_VAR(model) = NULL;
    }
}

/* The card (the defaults are the ifspec's). */
static void mtj_sot_card(ARGS, struct cospin_mtj_card *c)
{
    cospin_mtj_card_init(c, COSPIN_TORQUE_SOT);
    c->p.alpha = PARAM(alpha);
    c->p.gamma_rad_per_s_t = PARAM(gamma);
    c->p.mu0_ms_t = PARAM(ms);
    c->p.ku_j_per_m3 = PARAM(ku);
    c->p.k_bulk_j_per_m3 = PARAM(k_bulk);
    c->p.k_i_j_per_m2 = PARAM(k_i);
    c->p.length_m = PARAM(length);
    c->p.width_m = PARAM(width);
    c->p.thickness_m = PARAM(thickness);
    c->p.temperature_k = PARAM(temp);
    c->p.dt_s = PARAM(dt);
    c->p.h_applied_t[0] = PARAM(hx);
    c->p.h_applied_t[1] = PARAM(hy);
    c->p.h_applied_t[2] = PARAM(hz);
    c->p.ku_per_volt_j_per_m3_v = PARAM(ku_per_volt);
    c->p.spin_hall_angle = PARAM(theta_sh);
    c->p.hm_width_m = PARAM(hm_width);
    c->p.hm_thickness_m = PARAM(hm_thickness);
    c->p.init_tilt_rad = PARAM(init_tilt);
    c->demag = PARAM(demag);
    c->thermal = PARAM(thermal);
    c->init = PARAM(init);
    c->integrator = PARAM(integrator);
    c->p.thermal_scale = PARAM(thermal_scale);
    c->p.field_like_ratio = PARAM(fl_ratio);
    c->m0 = PARAM(m0);
    c->seed = PARAM(seed);
    c->stream = PARAM(stream);
    c->max_step_s = PARAM(max_step);
    c->r_hm_ohm = PARAM(r_hm);
    c->tmr.r_p_ohm = PARAM(r_p);
    c->tmr.r_ap_ohm = PARAM(r_ap);
    c->tmr.v_half_v = PARAM(v_half);
}

/* INIT: build the device (NULL if the card is bad: the message is printed
   once here) and the two time points. */
static void mtj_sot_init(ARGS)
{
    struct cospin_mtj_card c;
    struct cospin_mtj_model *m = NULL;
    struct cospin_error err;
    memset(&err, 0, sizeof err);
    mtj_sot_card(mif_private, &c);
    if (cospin_mtj_model_new(&c, &m, &err) != 0)
        cm_message_printf(COSPIN_CM_ERROR_TAG "mtj_sot: %s", err.msg);
    cospin_mtj_model_free((struct cospin_mtj_model *)STATIC_VAR(model));
    STATIC_VAR(model) = m;
    CALLBACK = mtj_sot_callback;
    cm_analog_alloc(0, (int)sizeof(struct cospin_mtj_point));
    struct cospin_mtj_point *p0 = (struct cospin_mtj_point *)cm_analog_get_ptr(0, 0);
    struct cospin_mtj_point *p1 = (struct cospin_mtj_point *)cm_analog_get_ptr(0, 1);
    memset(p0, 0, sizeof *p0);
    if (m)
        cospin_mtj_model_start(m, p0);
    *p1 = *p0;
}

/* Small-signal model: the channel conductance and the read path, uncoupled. */
static void mtj_sot_ac(ARGS, double g_hm, double di_dv)
{
    Complex_t ac;
    ac.real = g_hm;
    ac.imag = 0.0;
    AC_GAIN(hm, hm) = ac;
    ac.real = 0.0;
    AC_GAIN(hm, mtj) = ac;
    AC_GAIN(mtj, hm) = ac;
    ac.real = di_dv;
    AC_GAIN(mtj, mtj) = ac;
}

/* The m outputs: m_x, m_y, m_z of the point, independent of the inputs. */
static void mtj_sot_m_outputs(ARGS, const struct cospin_mtj_point *now)
{
    if (!PORT_NULL(mx)) {
        OUTPUT(mx) = now->s.m[0];
        PARTIAL(mx, hm) = 0.0;
        PARTIAL(mx, mtj) = 0.0;
        if (!PORT_NULL(gate))
            PARTIAL(mx, gate) = 0.0;
    }
    if (!PORT_NULL(my)) {
        OUTPUT(my) = now->s.m[1];
        PARTIAL(my, hm) = 0.0;
        PARTIAL(my, mtj) = 0.0;
        if (!PORT_NULL(gate))
            PARTIAL(my, gate) = 0.0;
    }
    if (!PORT_NULL(mz)) {
        OUTPUT(mz) = now->s.m[2];
        PARTIAL(mz, hm) = 0.0;
        PARTIAL(mz, mtj) = 0.0;
        if (!PORT_NULL(gate))
            PARTIAL(mz, gate) = 0.0;
    }
}

void cm_mtj_sot(ARGS)
{
    if (INIT)
        mtj_sot_init(mif_private);
    const struct cospin_mtj_model *m = (const struct cospin_mtj_model *)STATIC_VAR(model);
    if (!m) {
        /* A bad model stops the analysis (message printed on INIT). */
        cm_analog_not_converged();
        OUTPUT(hm) = 0.0;
        PARTIAL(hm, hm) = 0.0;
        OUTPUT(mtj) = 0.0;
        PARTIAL(mtj, mtj) = 0.0;
        return;
    }
    struct cospin_mtj_point *now = (struct cospin_mtj_point *)cm_analog_get_ptr(0, 0);
    struct cospin_mtj_point *acc = (struct cospin_mtj_point *)cm_analog_get_ptr(0, 1);
    double i_hm = m->g_hm_s * INPUT(hm);
    double vg = PORT_NULL(gate) ? 0.0 : INPUT(gate);
    double di_dv;
    double i = cospin_mtj_model_read(m, acc, INPUT(mtj), &di_dv);

    if (ANALYSIS == AC) {
        mtj_sot_ac(mif_private, m->g_hm_s, di_dv);
        return;
    }
    if (ANALYSIS == TRANSIENT) {
        cospin_mtj_model_tran(m, acc, now, TIME, i_hm, vg);
        cm_analog_set_temp_bkpt(TIME + m->max_step_s);
    } else {
        cospin_mtj_model_dc(acc, now, i_hm, vg);
    }

    OUTPUT(hm) = i_hm;
    PARTIAL(hm, hm) = m->g_hm_s;
    PARTIAL(hm, mtj) = 0.0;
    OUTPUT(mtj) = i;
    PARTIAL(mtj, mtj) = di_dv;
    PARTIAL(mtj, hm) = 0.0;
    if (!PORT_NULL(gate)) {
        PARTIAL(hm, gate) = 0.0;
        PARTIAL(mtj, gate) = 0.0;
    }
    mtj_sot_m_outputs(mif_private, now);
}
