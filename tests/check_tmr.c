/* check_tmr.c -- TMR readout: limits, derivatives, validation. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "tmr.h"

START_TEST(test_limits)
{
    struct cospin_tmr t = {.r_p_ohm = 5e3, .r_ap_ohm = 1e4, .v_half_v = 0.0};
    /* Exact at the two states: G = 1/R_P and 1/R_AP. */
    ck_assert_rel(cospin_tmr_conductance(&t, 1.0, 0.1, NULL, NULL), 1.0 / 5e3, 1e-15);
    ck_assert_rel(cospin_tmr_conductance(&t, -1.0, 0.1, NULL, NULL), 1.0 / 1e4, 1e-15);
    /* Conductance interpolation: halfway in G at m = 0. */
    ck_assert_rel(cospin_tmr_conductance(&t, 0.0, 0.0, NULL, NULL), 0.5 * (1 / 5e3 + 1 / 1e4), 1e-15);
    /* Clamped outside [-1, 1]. */
    ck_assert_rel(cospin_tmr_conductance(&t, 3.0, 0.0, NULL, NULL), 1.0 / 5e3, 1e-15);
}
END_TEST

START_TEST(test_bias_dependence)
{
    struct cospin_tmr t = {.r_p_ohm = 5e3, .r_ap_ohm = 1e4, .v_half_v = 0.5};
    /* At V = V_h the TMR halves: R_AP = R_P (1 + TMR0/2) = 7.5 kOhm. */
    ck_assert_rel(cospin_tmr_conductance(&t, -1.0, 0.5, NULL, NULL), 1.0 / 7.5e3, 1e-14);
    /* Derivatives against central differences; h = 1e-6 gives O(h^2) = 1e-12
       relative truncation, far below the 1e-6 tolerance. */
    double h = 1e-6, dv, dm;
    for (double m = -1.0; m <= 1.0; m += 0.5) {
        double v = 0.3;
        cospin_tmr_conductance(&t, m, v, &dv, &dm);
        double fdv = (cospin_tmr_conductance(&t, m, v + h, NULL, NULL) -
                      cospin_tmr_conductance(&t, m, v - h, NULL, NULL)) / (2 * h);
        ck_assert_rel(dv, fdv, 1e-6);
        if (m > -1.0 && m < 1.0) {
            double fdm = (cospin_tmr_conductance(&t, m + h, v, NULL, NULL) -
                          cospin_tmr_conductance(&t, m - h, v, NULL, NULL)) / (2 * h);
            ck_assert_rel(dm, fdm, 1e-6);
        }
    }
}
END_TEST

START_TEST(test_validation)
{
    char msg[128];
    struct cospin_tmr ok = {.r_p_ohm = 5e3, .r_ap_ohm = 1e4};
    ck_assert_int_eq(cospin_tmr_validate(&ok, msg, sizeof msg), 0);
    struct cospin_tmr neg = {.r_p_ohm = -1.0, .r_ap_ohm = 1e4};
    ck_assert_int_eq(cospin_tmr_validate(&neg, msg, sizeof msg), -1);
    ck_assert_ptr_nonnull(strstr(msg, "r_p"));
    struct cospin_tmr inv = {.r_p_ohm = 5e3, .r_ap_ohm = 1e3};
    ck_assert_int_eq(cospin_tmr_validate(&inv, msg, sizeof msg), -1);
    ck_assert_ptr_nonnull(strstr(msg, "r_ap"));
}
END_TEST

static Suite *suite_tmr(void)
{
    Suite *s = suite_create("tmr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_bias_dependence);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_validation);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_tmr)
