/* check_energy.c -- energy estimates against worked and closed-form numbers. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "energy.h"
#include "error.h"

START_TEST(test_thesis_worked_number)
{
    /* Thesis ch. 3.6.3: 15 uA, 15 ns, 5 kOhm gives 16.9 fJ (rounded to 3 digits). */
    double e = cospin_energy_i2rt_j(15e-6, 5e3, 15e-9);
    ck_assert_close(e, 16.875e-15, 1e-27);
    ck_assert_close(e * 1e15, 16.9, 0.05);
}
END_TEST

START_TEST(test_integral_sine)
{
    /* V = V0 sin(w t) across R, I = V / R:
       E(T) = V0^2 / R * (T/2 - sin(2 w T) / (4 w)).
       Trapezoid error is O(h^2 E''): with 20001 samples over 3.3 periods the
       relative error is ~1e-8; 1e-6 leaves margin. */
    const double v0 = 0.2, r = 5e3, w = 2 * M_PI * 1e8, tend = 33e-9;
    enum { N = 20001 };
    static double t[N], v[N], i[N];
    for (int k = 0; k < N; k++) {
        t[k] = tend * k / (N - 1);
        v[k] = v0 * sin(w * t[k]);
        i[k] = v[k] / r;
    }
    double e = 0;
    ck_assert_int_eq(cospin_energy_integrate_vi(t, v, i, N, &e, NULL), 0);
    double exact = v0 * v0 / r * (tend / 2 - sin(2 * w * tend) / (4 * w));
    ck_assert_rel(e, exact, 1e-6);
}
END_TEST

START_TEST(test_integral_constant_is_i2rt)
{
    /* A rectangular current pulse through a constant R: exact for trapezoids. */
    double t[] = {0, 5e-9, 10e-9, 15e-9};
    double i[] = {15e-6, 15e-6, 15e-6, 15e-6};
    double v[4];
    for (int k = 0; k < 4; k++)
        v[k] = i[k] * 5e3;
    double e = 0;
    ck_assert_int_eq(cospin_energy_integrate_vi(t, v, i, 4, &e, NULL), 0);
    ck_assert_rel(e, cospin_energy_i2rt_j(15e-6, 5e3, 15e-9), 1e-12);
}
END_TEST

START_TEST(test_crossbar_read)
{
    /* 2x2: E = t * sum_i V_i^2 sum_j G_ij. */
    double g[] = {1e-4, 2e-4, 3e-4, 4e-4};
    double v[] = {0.1, 0.2};
    double e = cospin_energy_crossbar_read_j(g, 2, 2, v, 10e-9);
    double exact = 10e-9 * (0.01 * 3e-4 + 0.04 * 7e-4);
    ck_assert_rel(e, exact, 1e-12);
}
END_TEST

START_TEST(test_errors)
{
    struct cospin_error err = {0};
    double t[] = {0, 2e-9, 1e-9}, v[] = {1, 1, 1}, i[] = {1, 1, 1}, e;
    ck_assert_int_eq(cospin_energy_integrate_vi(t, v, i, 1, &e, &err), COSPIN_ERR_INVALID);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_energy_integrate_vi(t, v, i, 3, &e, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "decreases"));
}
END_TEST

static Suite *suite_energy(void)
{
    Suite *s = suite_create("energy");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_thesis_worked_number);
    tcase_add_test(tc, test_integral_sine);
    tcase_add_test(tc, test_integral_constant_is_i2rt);
    tcase_add_test(tc, test_crossbar_read);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_errors);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_energy)
