/* check_mtj_model.c -- the LLGS circuit instance shared by the mtj_stt and
 * mtj_sot code models: card validation (every error path, first error
 * reported), the initial point, transient stepping with Newton repeats and
 * rejected time points, the DC point and the read path with its partial. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "mtj_model.h"

/* A valid card: the mtj_stt ifspec defaults. */
static void stt_card(struct cospin_mtj_card *c)
{
    cospin_mtj_card_init(c, COSPIN_TORQUE_STT);
    c->demag = "prism";
    c->stt = "constant";
    c->thermal = "brown";
    c->init = "thermal";
    c->m0 = -1.0;
    c->seed = 1;
    c->stream = 0;
    c->max_step_s = 1e-10;
    c->tmr.r_p_ohm = 5e3;
    c->tmr.r_ap_ohm = 1e4;
}

static struct cospin_mtj_model *build(const struct cospin_mtj_card *c)
{
    struct cospin_mtj_model *m = NULL;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_mtj_model_new(c, &m, &err) == COSPIN_OK, "%s", err.msg);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* The initial point is the library's cospin_mtj_state_init of (seed, stream, m0). */
START_TEST(test_start)
{
    struct cospin_mtj_card c;
    stt_card(&c);
    c.seed = 7;
    c.stream = 5;
    c.m0 = 1.0;
    struct cospin_mtj_model *m = build(&c);
    struct cospin_mtj_point pt;
    cospin_mtj_model_start(m, &pt);
    struct cospin_mtj_state s;
    cospin_mtj_state_init(&m->d, &s, 7, 5, 1.0);
    ck_assert(memcmp(pt.s.m, s.m, sizeof s.m) == 0);
    ck_assert(pt.s.m[2] > 0.0);
    ck_assert_int_eq(pt.keyed, 0);
    ck_assert_double_eq(m->g_hm_s, 0.0);
    cospin_mtj_model_free(m);
    cospin_mtj_model_free(NULL);
}
END_TEST

/* Transient stepping: the result equals cospin_mtj_advance from the accepted
 * state; a repeat with the same inputs keeps it; a rejected time point
 * (a later time, then an earlier one from the same accepted point) leaves
 * no trace.  All comparisons are exact: the same operations run on the
 * same data. */
START_TEST(test_tran)
{
    struct cospin_mtj_card c;
    stt_card(&c);
    struct cospin_mtj_model *m = build(&c);
    struct cospin_mtj_point acc, now, ref;
    cospin_mtj_model_start(m, &acc);
    cospin_mtj_model_dc(&acc, &now, 0.0, 0.0);

    cospin_mtj_model_tran(m, &acc, &now, 1e-10, 20e-6, 0.5);
    ref = acc;
    long steps = cospin_mtj_advance(&m->d, &acc.s, &ref.s, 1e-10, 20e-6, 0.5);
    ck_assert_int_eq(steps, 20);
    ck_assert(memcmp(&now.s, &ref.s, sizeof ref.s) == 0);
    ck_assert_int_eq(now.keyed, 1);

    /* A Newton repeat keeps the stored result (the state is not re-advanced:
     * mark it and see the mark survive). */
    now.s.m[0] = 42.0;
    cospin_mtj_model_tran(m, &acc, &now, 1e-10, 20e-6, 0.5);
    ck_assert_double_eq(now.s.m[0], 42.0);
    /* Another drive is recomputed. */
    cospin_mtj_model_tran(m, &acc, &now, 1e-10, 21e-6, 0.5);
    ck_assert(now.s.m[0] != 42.0);

    /* Rejected point: 2e-10 first, then 1e-10 again from the same acc. */
    cospin_mtj_model_tran(m, &acc, &now, 2e-10, 20e-6, 0.5);
    cospin_mtj_model_tran(m, &acc, &now, 1e-10, 20e-6, 0.5);
    ck_assert(memcmp(&now.s, &ref.s, sizeof ref.s) == 0);
    cospin_mtj_model_free(m);
}
END_TEST

/* DC: the magnetisation stays, both points record the inputs. */
START_TEST(test_dc)
{
    struct cospin_mtj_card c;
    stt_card(&c);
    struct cospin_mtj_model *m = build(&c);
    struct cospin_mtj_point acc, now, start;
    cospin_mtj_model_start(m, &acc);
    start = acc;
    now.keyed = 1;
    cospin_mtj_model_dc(&acc, &now, 3e-6, 0.25);
    ck_assert(memcmp(acc.s.m, start.s.m, sizeof start.s.m) == 0);
    ck_assert(memcmp(now.s.m, start.s.m, sizeof start.s.m) == 0);
    ck_assert_double_eq(acc.s.drive_acc_a, 3e-6);
    ck_assert_double_eq(now.s.ctrl_acc_v, 0.25);
    ck_assert_int_eq(now.keyed, 0);
    cospin_mtj_model_free(m);
}
END_TEST

/* Read path: I = G V with G from tmr.h at the accepted m_z, and dI/dV
 * against a central difference (h = 1e-5 V: truncation ~h^2 I''' / 6, about
 * 1e-10 relative at V_h = 0.5 V, far below the 1e-7 tolerance). */
START_TEST(test_read)
{
    struct cospin_mtj_card c;
    stt_card(&c);
    c.tmr.v_half_v = 0.5;
    struct cospin_mtj_model *m = build(&c);
    struct cospin_mtj_point acc;
    cospin_mtj_model_start(m, &acc);
    acc.s.m[2] = -0.3;
    double v = 0.2, di_dv;
    double i = cospin_mtj_model_read(m, &acc, v, &di_dv);
    ck_assert_double_eq(i, cospin_tmr_conductance(&c.tmr, -0.3, v, NULL, NULL) * v);
    double h = 1e-5;
    double fd = (cospin_mtj_model_read(m, &acc, v + h, NULL) -
                 cospin_mtj_model_read(m, &acc, v - h, NULL)) / (2 * h);
    ck_assert_rel(di_dv, fd, 1e-7);
    cospin_mtj_model_free(m);
}
END_TEST

/* SOT: the channel conductance; NULL convention strings are the defaults. */
START_TEST(test_sot)
{
    struct cospin_mtj_card c;
    cospin_mtj_card_init(&c, COSPIN_TORQUE_SOT);
    c.m0 = -1.0;
    c.max_step_s = 1e-10;
    c.r_hm_ohm = 2e3;
    c.tmr.r_p_ohm = 5e3;
    c.tmr.r_ap_ohm = 1e4;
    struct cospin_mtj_model *m = build(&c);
    ck_assert_double_eq(m->g_hm_s, 1.0 / 2e3);
    ck_assert_double_eq(m->max_step_s, 1e-10);
    cospin_mtj_model_free(m);
}
END_TEST

/* ---- errors: each check names its parameter; the first failure wins ---- */

enum bad_field {
    BAD_DEMAG, BAD_STT, BAD_THERMAL, BAD_INIT, BAD_M0, BAD_SEED, BAD_STREAM, BAD_MAX_STEP,
    BAD_MAX_STEP_DT, BAD_R_HM, BAD_R_P, BAD_ALPHA, BAD_EASY_AXIS, BAD_FIRST_OF_THREE
};

static const struct {
    enum bad_field field;
    enum cospin_torque torque;
    const char *want;
} bad_cases[] = {
    {BAD_DEMAG, COSPIN_TORQUE_STT, "demag = 'sphere' unknown"},
    {BAD_STT, COSPIN_TORQUE_STT, "stt = 'x' unknown"},
    {BAD_THERMAL, COSPIN_TORQUE_STT, "thermal = 'x' unknown"},
    {BAD_INIT, COSPIN_TORQUE_STT, "init = 'x' unknown"},
    {BAD_M0, COSPIN_TORQUE_STT, "m0 = 0.5 must be -1 (AP) or +1 (P)"},
    {BAD_SEED, COSPIN_TORQUE_STT, "seed = -3 must be >= 0"},
    {BAD_STREAM, COSPIN_TORQUE_STT, "stream = -1 must be >= 0"},
    {BAD_MAX_STEP, COSPIN_TORQUE_STT, "max_step = 1 s must lie in [dt, 1e-6]"},
    {BAD_MAX_STEP_DT, COSPIN_TORQUE_STT, "max_step = 1e-12 s must lie in [dt, 1e-6]"},
    {BAD_R_HM, COSPIN_TORQUE_SOT, "r_hm = -1 ohm must be > 0"},
    {BAD_R_P, COSPIN_TORQUE_STT, "r_p"},
    {BAD_ALPHA, COSPIN_TORQUE_STT, "alpha"},
    {BAD_EASY_AXIS, COSPIN_TORQUE_STT, "ku = 300000 J/m^3 is not above the demagnetising energy"},
    {BAD_FIRST_OF_THREE, COSPIN_TORQUE_STT, "demag = 'x' unknown"},
};

START_TEST(test_bad_card)
{
    struct cospin_mtj_card c;
    stt_card(&c);
    c.p.torque = bad_cases[_i].torque;
    c.r_hm_ohm = 1e3;
    switch (bad_cases[_i].field) {
    case BAD_DEMAG: c.demag = "sphere"; break;
    case BAD_STT: c.stt = "x"; break;
    case BAD_THERMAL: c.thermal = "x"; break;
    case BAD_INIT: c.init = "x"; break;
    case BAD_M0: c.m0 = 0.5; break;
    case BAD_SEED: c.seed = -3; break;
    case BAD_STREAM: c.stream = -1; break;
    case BAD_MAX_STEP: c.max_step_s = 1.0; break;
    case BAD_MAX_STEP_DT: c.max_step_s = 1e-12; break;
    case BAD_R_HM: c.r_hm_ohm = -1.0; break;
    case BAD_R_P: c.tmr.r_p_ohm = -5.0; break;
    case BAD_ALPHA: c.p.alpha = -1.0; break;
    case BAD_EASY_AXIS: c.p.ku_j_per_m3 = 3e5; break;
    case BAD_FIRST_OF_THREE:
        c.demag = "x";
        c.m0 = 3.0;
        c.tmr.r_p_ohm = -1.0;
        break;
    }
    static struct cospin_mtj_model sentinel;
    struct cospin_mtj_model *m = &sentinel; /* must come back NULL */
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_mtj_model_new(&c, &m, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(err.code, COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, bad_cases[_i].want) != NULL, "'%s' lacks '%s'", err.msg,
                  bad_cases[_i].want);
}
END_TEST

/* A card that forgets m0 and max_step fails instead of running. */
START_TEST(test_incomplete_card)
{
    struct cospin_mtj_card c;
    cospin_mtj_card_init(&c, COSPIN_TORQUE_STT);
    struct cospin_mtj_model *m = NULL;
    ck_assert_int_eq(cospin_mtj_model_new(&c, &m, NULL), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(m);
}
END_TEST

static Suite *suite_mtj_model(void)
{
    Suite *s = suite_create("mtj_model");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_start);
    tcase_add_test(core, test_tran);
    tcase_add_test(core, test_dc);
    tcase_add_test(core, test_read);
    tcase_add_test(core, test_sot);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_bad_card, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(errors, test_incomplete_card);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_mtj_model)
