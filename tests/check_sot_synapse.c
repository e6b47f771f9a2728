/* check_sot_synapse.c -- the sot_synapse code model's card and programming
 * rule (src/physics/sot_synapse.h): presets and custom ranges, the initial
 * state, whole pulses (threshold, width, once per pulse, LTP and LTD), a
 * rejected time point, and every validation error with its precedence. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "sot_synapse.h"

/* The ifspec defaults: 21 ML, nu 1, 10 mA, 500 us, init 0. */
static struct cospin_sot_synapse_card card21(void)
{
    struct cospin_sot_synapse_card c = {.thickness_ml = 21, .nu_ltp = 1.0, .nu_ltd = 1.0,
                                        .i_th_a = 10e-3, .w_th_s = 500e-6};
    return c;
}

START_TEST(test_presets)
{
    struct cospin_sot_synapse_card c = card21();
    struct cospin_sot_synapse_model m;
    struct cospin_device d;
    ck_assert_int_eq(cospin_sot_synapse_model_init(&c, &m, NULL), 0);
    ck_assert_int_eq(cospin_device_preset("sot-s:21", &d, NULL), 0);
    ck_assert_int_eq(m.d.states, d.states);
    ck_assert_double_eq(m.d.g_min_s, 1.0 / (1.0 / d.g_min_s));
    ck_assert_double_eq(m.d.g_max_s, 1.0 / (1.0 / d.g_max_s));
    ck_assert_double_eq(m.i_th_a, 10e-3);

    /* Custom range: thickness 0 with states, r_min, r_max given. */
    c.thickness_ml = 0;
    c.states = 7;
    c.states_given = c.r_min_given = c.r_max_given = 1;
    c.r_min_ohm = 100.0;
    c.r_max_ohm = 250.0;
    c.nu_ltp = 3.0;
    c.init = 4;
    ck_assert_int_eq(cospin_sot_synapse_model_init(&c, &m, NULL), 0);
    ck_assert_int_eq(m.d.states, 7);
    ck_assert_double_eq(m.d.g_max_s, 1.0 / 100.0);
    ck_assert_double_eq(m.d.g_min_s, 1.0 / 250.0);
    ck_assert_double_eq(m.d.ltp.nu, 3.0);
    struct cospin_sot_synapse_point pt;
    cospin_sot_synapse_start(&m, &pt);
    ck_assert_double_eq(pt.g, cospin_device_g_after(&m.d, 0, 4));
    ck_assert_int_eq(pt.sign, 0);
}
END_TEST

/* Advance acc through the time points t[] with the currents i[]. */
static void drive(const struct cospin_sot_synapse_model *m, struct cospin_sot_synapse_point *acc,
                  const double *t, const double *i, int n)
{
    struct cospin_sot_synapse_point now;
    for (int k = 0; k < n; k++) {
        cospin_sot_synapse_tran(m, acc, &now, t[k], i[k]);
        *acc = now;
    }
}

/* One 15 mA pulse moves one LTP step once it has lasted w_th, and only
 * once; a pulse that ends earlier, or a weak one, does nothing; a negative
 * pulse steps down the LTD curve.  Exact: the same functions of device.h. */
START_TEST(test_pulses)
{
    struct cospin_sot_synapse_card c = card21();
    struct cospin_sot_synapse_model m;
    ck_assert_int_eq(cospin_sot_synapse_model_init(&c, &m, NULL), 0);
    struct cospin_sot_synapse_point acc;
    cospin_sot_synapse_start(&m, &acc);
    double g1 = cospin_device_branch_g(&m.d.ltp,
                                       cospin_device_branch_p(&m.d.ltp, 0.0) + 1.0 / m.d.states);

    static const double t_short[] = {1e-4, 2e-4, 4e-4, 5e-4}, i_short[] = {15e-3, 15e-3, 15e-3, 0};
    drive(&m, &acc, t_short, i_short, 4);
    ck_assert_double_eq(acc.g, 0.0);
    static const double t_weak[] = {1e-3, 2e-3, 3e-3}, i_weak[] = {9e-3, 9e-3, 0};
    drive(&m, &acc, t_weak, i_weak, 3);
    ck_assert_double_eq(acc.g, 0.0);

    static const double t_ok[] = {4e-3, 4.3e-3, 4.5e-3, 4.8e-3, 5e-3},
                        i_ok[] = {15e-3, 15e-3, 15e-3, 15e-3, 0};
    drive(&m, &acc, t_ok, i_ok, 5);
    ck_assert_double_eq(acc.g, g1);

    /* A rejected point leaves no trace: old is not modified. */
    struct cospin_sot_synapse_point before = acc, now;
    cospin_sot_synapse_tran(&m, &acc, &now, 6e-3, -15e-3);
    ck_assert(memcmp(&acc, &before, sizeof acc) == 0);

    static const double t_ltd[] = {6e-3, 6.5e-3, 7e-3}, i_ltd[] = {-15e-3, -15e-3, 0};
    drive(&m, &acc, t_ltd, i_ltd, 3);
    double p = cospin_device_branch_p(&m.d.ltd, g1) - 1.0 / m.d.states;
    ck_assert_double_eq(acc.g, cospin_device_branch_g(&m.d.ltd, p));
}
END_TEST

/* ---- errors: the message names the parameter; the first check failing wins ---- */

enum bad_field { BAD_THICK, BAD_CUSTOM, BAD_STATES, BAD_NU, BAD_RANGE, BAD_I_TH, BAD_W_TH,
                 BAD_INIT, BAD_RANGE_AND_INIT };

static const struct {
    enum bad_field field;
    const char *want;
} bad_cases[] = {
    {BAD_THICK, "thickness = 7: "},
    {BAD_CUSTOM, "thickness = 0 (custom) needs states, r_min and r_max"},
    {BAD_STATES, "states = -2 must be >= 1"},
    {BAD_NU, "LTP branch"},
    {BAD_RANGE, "resistance range r_min = 5, r_max = 2 ohm"},
    {BAD_I_TH, "thresholds i_th = -0.001 A"},
    {BAD_W_TH, "w_th = -1 s"},
    {BAD_INIT, "init = 40 must be in [0, states = 12]"},
    {BAD_RANGE_AND_INIT, "resistance range"},
};

START_TEST(test_bad_card)
{
    struct cospin_sot_synapse_card c = card21();
    switch (bad_cases[_i].field) {
    case BAD_THICK: c.thickness_ml = 7; break;
    case BAD_CUSTOM:
        c.thickness_ml = 0;
        c.states_given = c.r_min_given = 1;
        break;
    case BAD_STATES: c.states = -2; break;
    case BAD_NU: c.nu_ltp = 100.0; break;
    case BAD_RANGE:
        c.r_min_ohm = 5.0;
        c.r_max_ohm = 2.0;
        break;
    case BAD_I_TH: c.i_th_a = -1e-3; break;
    case BAD_W_TH: c.w_th_s = -1.0; break;
    case BAD_INIT: c.init = 40; break;
    case BAD_RANGE_AND_INIT:
        c.r_min_ohm = -1.0;
        c.init = 40;
        break;
    }
    struct cospin_sot_synapse_model m;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_sot_synapse_model_init(&c, &m, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.code, COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, bad_cases[_i].want) != NULL, "'%s' lacks '%s'", err.msg,
                  bad_cases[_i].want);
}
END_TEST

static Suite *suite_sot_synapse(void)
{
    Suite *s = suite_create("sot_synapse");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_presets);
    tcase_add_test(core, test_pulses);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_bad_card, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_sot_synapse)
