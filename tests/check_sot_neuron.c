/* check_sot_neuron.c -- the sot_neuron code model's card and output
 * (src/physics/sot_neuron.h): presets and overrides, the sweep-set slope,
 * the output voltage and its derivative, and every validation error with
 * its precedence.  (The thickness table itself is tested in check_device.) */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "sot_neuron.h"

/* The ifspec defaults: 21 ML preset, no overrides, 1 V. */
static struct cospin_sot_neuron_card card21(void)
{
    struct cospin_sot_neuron_card c = {.thickness_ml = 21, .v_max_v = 1.0};
    return c;
}

START_TEST(test_presets_and_overrides)
{
    struct cospin_sot_neuron_card c = card21();
    struct cospin_sot_neuron_model m;
    struct cospin_sot_neuron n;
    ck_assert_int_eq(cospin_sot_neuron_model_init(&c, &m, NULL), 0);
    ck_assert_int_eq(cospin_sot_neuron_preset(21, &n, NULL), 0);
    ck_assert_double_eq(m.n.k_per_ma, n.k_per_ma);
    ck_assert_double_eq(m.n.xc_a, n.xc_a);
    ck_assert_double_eq(m.v_max_v, 1.0);

    c.thickness_ml = 5;
    c.k_per_ma = 0.6;
    c.xc_a = 15e-3;
    c.v_max_v = 0.3;
    ck_assert_int_eq(cospin_sot_neuron_model_init(&c, &m, NULL), 0);
    ck_assert_double_eq(m.n.k_per_ma, 0.6);
    ck_assert_double_eq(m.n.xc_a, 15e-3);
    ck_assert_double_eq(m.v_max_v, 0.3);

    /* A sweep amplitude (either sign) sets k and wins over k. */
    c.sweep_a = -20e-3;
    c.k_per_ma = -1.0;
    ck_assert_int_eq(cospin_sot_neuron_model_init(&c, &m, NULL), 0);
    ck_assert_double_eq(m.n.k_per_ma, cospin_sot_k_from_sweep(20e-3));
}
END_TEST

/* v = v_max y exactly; dV/dI against a central difference (h = 1 uA:
 * truncation ~h^2 V''' / 6 ~ 1e-7 relative for k ~ 1 per mA, inside the
 * 1e-6 tolerance). */
START_TEST(test_output)
{
    struct cospin_sot_neuron_card c = card21();
    c.v_max_v = 0.4;
    struct cospin_sot_neuron_model m;
    ck_assert_int_eq(cospin_sot_neuron_model_init(&c, &m, NULL), 0);
    for (double i = 10e-3; i <= 25e-3; i += 2.5e-3) {
        double dv;
        double v = cospin_sot_neuron_model_v(&m, i, &dv);
        ck_assert_double_eq(v, 0.4 * cospin_sot_neuron_y(&m.n, i));
        double h = 1e-6;
        double fd = (cospin_sot_neuron_model_v(&m, i + h, NULL) -
                     cospin_sot_neuron_model_v(&m, i - h, NULL)) / (2 * h);
        ck_assert_rel(dv, fd, 1e-6);
    }
    /* At the midpoint: V = v_max / 2, slope v_max k / 4 (k per A). */
    double dv;
    ck_assert_double_eq(cospin_sot_neuron_model_v(&m, m.n.xc_a, &dv), 0.2);
    ck_assert_rel(dv, 0.4 * m.n.k_per_ma * 1e3 / 4, 1e-15);
}
END_TEST

/* ---- errors: the message names the parameter; the first check failing wins ---- */

static const struct {
    struct cospin_sot_neuron_card card;
    const char *want;
} bad_cards[] = {
    {{.thickness_ml = 3, .v_max_v = 1.0}, "thickness = 3: no SOT preset"},
    {{.thickness_ml = 21, .v_max_v = 0.0}, "v_max = 0 V must be > 0"},
    {{.thickness_ml = 21, .v_max_v = 1.0, .sweep_a = 50e-3}, "sweep = 0.05 A is outside"},
    {{.thickness_ml = 21, .v_max_v = 1.0, .sweep_a = -1e-3}, "sweep = -0.001 A is outside"},
    {{.thickness_ml = 21, .v_max_v = 1.0, .k_per_ma = -1.0}, "k = -1 1/mA must be > 0"},
    {{.thickness_ml = 21, .v_max_v = 1.0, .k_per_ma = INFINITY}, "k = inf 1/mA"},
    /* Precedence: thickness, then v_max, then sweep, then k. */
    {{.thickness_ml = 4, .v_max_v = 0.0, .k_per_ma = -1.0}, "thickness = 4"},
    {{.thickness_ml = 21, .v_max_v = 0.0, .sweep_a = 40e-3, .k_per_ma = -1.0}, "v_max = 0"},
    {{.thickness_ml = 21, .v_max_v = 1.0, .sweep_a = 40e-3, .k_per_ma = -1.0}, "sweep = 0.04"},
};

START_TEST(test_bad_card)
{
    struct cospin_sot_neuron_model m;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_sot_neuron_model_init(&bad_cards[_i].card, &m, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.code, COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, bad_cards[_i].want) != NULL, "'%s' lacks '%s'", err.msg,
                  bad_cards[_i].want);
}
END_TEST

static Suite *suite_sot_neuron(void)
{
    Suite *s = suite_create("sot_neuron");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_presets_and_overrides);
    tcase_add_test(core, test_output);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_bad_card, 0, (int)(sizeof bad_cards / sizeof bad_cards[0]));
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_sot_neuron)
