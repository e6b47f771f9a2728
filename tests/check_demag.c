/*
 * check_demag.c -- prism demagnetising factors (Aharoni 1998) and the
 * thin-film limit.  The formula is closed-form, so the tolerances are
 * floating-point ones, widened where the thin-plate terms cancel.
 */
#include "check_util.h"
#include "demag.h"

/* Absolute tolerance of a well-conditioned factor (double rounding in ~40 terms). */
#define TOL_ROUND 1e-12

START_TEST(test_cube_is_one_third)
{
    double n[3];
    ck_assert_int_eq(cospin_demag_prism(2e-9, 2e-9, 2e-9, n), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_close(n[i], 1.0 / 3.0, TOL_ROUND);
}
END_TEST

/* Sum rule Nx + Ny + Nz = 1 for shapes from needle to plate.  The plate
 * terms scale like (a/c) so rounding grows to ~1e-16 * 1e5. */
START_TEST(test_sum_rule)
{
    static const double shapes[][3] = {
        {1, 2, 3}, {15, 15, 1.3}, {1, 1, 1e-3}, {1, 1, 100}, {5, 0.2, 3}, {1, 1, 1e-5},
    };
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        double n[3];
        ck_assert_int_eq(cospin_demag_prism(shapes[k][0], shapes[k][1], shapes[k][2], n), 0);
        ck_assert_close(n[0] + n[1] + n[2], 1.0, 1e-10);
        for (int i = 0; i < 3; i++)
            ck_assert(n[i] > 0.0 && n[i] < 1.0);
    }
}
END_TEST

/* Permuting the edges permutes the factors; the longest edge has the
 * smallest factor. */
START_TEST(test_permutation_and_order)
{
    double n[3], q[3];
    ck_assert_int_eq(cospin_demag_prism(1.0, 2.0, 3.0, n), 0);
    ck_assert_int_eq(cospin_demag_prism(3.0, 1.0, 2.0, q), 0);
    ck_assert_close(n[0], q[1], TOL_ROUND);
    ck_assert_close(n[1], q[2], TOL_ROUND);
    ck_assert_close(n[2], q[0], TOL_ROUND);
    ck_assert(n[0] > n[1] && n[1] > n[2]);
    /* Scale invariance: only ratios matter. */
    ck_assert_int_eq(cospin_demag_prism(1e-9, 2e-9, 3e-9, q), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_close(n[i], q[i], TOL_ROUND);
}
END_TEST

/* The MTJ free layer (DESIGN physics facts: Nx = Ny ~ 0.0883, Nz ~ 0.8234,
 * quoted to 4 digits, so 6e-5). */
START_TEST(test_free_layer_values)
{
    double n[3];
    ck_assert_int_eq(cospin_demag_prism(15e-9, 15e-9, 1.3e-9, n), 0);
    ck_assert_close(n[0], 0.0883, 6e-5);
    ck_assert_close(n[1], 0.0883, 6e-5);
    ck_assert_close(n[2], 0.8234, 6e-5);
}
END_TEST

/* Thin plate: Nz -> 1 with the known leading correction
 * 1 - Nz ~ (2 c/(pi a)) ln(a/c) for a square plate a x a x c (c << a); the
 * next order is O(c/a), so compare within a factor (1 +- 0.5). */
START_TEST(test_thin_plate_limit)
{
    double n[3], t[3];
    cospin_demag_thin_film(t);
    ck_assert_close(t[0], 0.0, 0.0);
    ck_assert_close(t[1], 0.0, 0.0);
    ck_assert_close(t[2], 1.0, 0.0);
    double prev = 0.0;
    for (double r = 1e-2; r >= 1e-5; r /= 10.0) {
        ck_assert_int_eq(cospin_demag_prism(1.0, 1.0, r, n), 0);
        double lead = 2.0 * r / 3.14159265358979323846 * log(1.0 / r);
        ck_assert_msg(1.0 - n[2] > 0.5 * lead && 1.0 - n[2] < 1.5 * lead,
                      "c/a = %g: 1 - Nz = %g, leading order %g", r, 1.0 - n[2], lead);
        ck_assert(n[2] > prev);
        prev = n[2];
    }
}
END_TEST

/* A long needle: transverse factors -> 1/2. */
START_TEST(test_needle_limit)
{
    double n[3];
    ck_assert_int_eq(cospin_demag_prism(1.0, 1.0, 1e4, n), 0);
    ck_assert_close(n[0], 0.5, 1e-3);
    ck_assert_close(n[2], 0.0, 1e-3);
}
END_TEST

START_TEST(test_bad_dimensions)
{
    double n[3] = {7, 7, 7};
    ck_assert_int_eq(cospin_demag_prism(0.0, 1.0, 1.0, n), -1);
    ck_assert_int_eq(cospin_demag_prism(1.0, -1.0, 1.0, n), -1);
    ck_assert_int_eq(cospin_demag_prism(1.0, 1.0, NAN, n), -1);
    ck_assert_int_eq(cospin_demag_prism(1.0, 1.0, INFINITY, n), -1);
    ck_assert_int_eq(cospin_demag_prism(1.0, 1.0, 1e-7, n), -1); /* ratio > 1e6 */
    ck_assert_close(n[0], 7.0, 0.0); /* untouched */
}
END_TEST

static Suite *suite_demag(void)
{
    Suite *s = suite_create("demag");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_cube_is_one_third);
    tcase_add_test(core, test_sum_rule);
    tcase_add_test(core, test_permutation_and_order);
    tcase_add_test(core, test_free_layer_values);
    tcase_add_test(core, test_thin_plate_limit);
    tcase_add_test(core, test_needle_limit);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_bad_dimensions);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_demag)
