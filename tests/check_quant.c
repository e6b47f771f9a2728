/* check_quant.c -- device levels, PTQ, QAT straight-through gradient, combined cells. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "device.h"
#include "quant.h"

START_TEST(test_ptq_known)
{
    /* A linear device with 4 states: levels g = 0, 1/4, 1/2, 3/4, 1, i.e.
       weights -1, -0.5, 0, 0.5, 1 for w_max = max|w| = 1. */
    struct cospin_device d;
    cospin_device_preset("ideal", &d, NULL);
    d.states = 4;
    struct cospin_quantizer *q;
    ck_assert_int_eq(cospin_quantizer_new(&d, 1, &q, NULL), 0);
    ck_assert_uint_eq(q->n_levels, 5);
    double w[] = {1.0, 0.3, -0.2, -0.74, 0.26, 0.0, -1.0};
    /* Hand-rounded: 0.3 -> 0.5 (0.2 away vs 0.3), -0.2 -> 0, -0.74 -> -0.5
       (0.24 vs 0.26), 0.26 -> 0.5 (0.24 vs 0.26). */
    double want[] = {1.0, 0.5, 0.0, -0.5, 0.5, 0.0, -1.0};
    double w_max, mse;
    cospin_quant_ptq(q, w, 7, &w_max, &mse);
    ck_assert_close(w_max, 1.0, 0.0);
    for (int i = 0; i < 7; i++)
        ck_assert_close(w[i], want[i], 1e-15);
    double want_mse = (0.2 * 0.2 + 0.2 * 0.2 + 0.24 * 0.24 + 0.24 * 0.24) / 7;
    ck_assert_close(mse, want_mse, 1e-15);
    /* A layer scaled by 0.5 keeps the same level pattern. */
    double w2[] = {0.5, 0.15, -0.1};
    cospin_quant_ptq(q, w2, 3, &w_max, NULL);
    ck_assert_close(w_max, 0.5, 0.0);
    ck_assert_close(w2[1], 0.25, 1e-15);
    ck_assert_close(w2[2], 0.0, 1e-15);
    /* An all-zero layer stays zero. */
    double z[] = {0.0, 0.0};
    cospin_quant_ptq(q, z, 2, &w_max, &mse);
    ck_assert_close(z[0], 0.0, 0.0);
    ck_assert_close(mse, 0.0, 0.0);
    size_t idx;
    ck_assert_close(cospin_quant_nearest(q, 2.0, 5.0, &idx), 2.0, 1e-15); /* clipped */
    ck_assert_uint_eq(idx, 4);
    ck_assert_close(cospin_quant_nearest(q, 0.0, 5.0, &idx), 0.0, 0.0);
    cospin_quantizer_free(q);
    cospin_quantizer_free(NULL);
}
END_TEST

START_TEST(test_sot_levels)
{
    /* SOT-S 21 ML: 12 states -> 13 levels G(j/12), symmetric about 0.5
       (Eq. 4.4 is point-symmetric), so weight levels are symmetric about 0. */
    struct cospin_device d;
    cospin_device_preset("sot-s:21", &d, NULL);
    struct cospin_quantizer *q;
    ck_assert_int_eq(cospin_quantizer_new(&d, 1, &q, NULL), 0);
    ck_assert_uint_eq(q->n_levels, 13);
    for (size_t j = 0; j < 13; j++) {
        ck_assert_close(q->levels[j], cospin_device_branch_g(&d.ltp, j / 12.0), 1e-12);
        ck_assert_close(q->levels[j] + q->levels[12 - j], 1.0, 1e-12);
    }
    ck_assert_close(q->levels[6], 0.5, 1e-12);
    /* Curved devices give non-uniform levels: RRAM LTP steps shrink. */
    cospin_quantizer_free(q);
    cospin_device_preset("rram", &d, NULL);
    d.states = 8;
    ck_assert_int_eq(cospin_quantizer_new(&d, 1, &q, NULL), 0);
    ck_assert(q->levels[1] - q->levels[0] > 2 * (q->levels[8] - q->levels[7]));
    cospin_quantizer_free(q);
}
END_TEST

START_TEST(test_cells)
{
    /* n cells of i states: N = n i states (thesis: 16 x 18 = 288). */
    struct cospin_device d;
    cospin_device_preset("sot-s:5", &d, NULL);
    struct cospin_quantizer *q;
    ck_assert_int_eq(cospin_quantizer_new(&d, 16, &q, NULL), 0);
    ck_assert_int_eq(cospin_quant_states(16, 18), 288);
    ck_assert_uint_eq(q->n_levels, 289);
    ck_assert_int_eq(q->cells, 16);
    for (size_t j = 1; j < q->n_levels; j++)
        ck_assert(q->levels[j] > q->levels[j - 1]);
    ck_assert_close(q->levels[288], 1.0, 0.0);
    /* One full cell of 16 is 1/16 of the range. */
    ck_assert_close(q->levels[18], 1.0 / 16, 1e-12);
    cospin_quantizer_free(q);
    /* A linear device: 3 cells x 4 states = 12 uniform steps. */
    cospin_device_preset("ideal", &d, NULL);
    d.states = 4;
    ck_assert_int_eq(cospin_quantizer_new(&d, 3, &q, NULL), 0);
    ck_assert_uint_eq(q->n_levels, 13);
    for (size_t j = 0; j < 13; j++)
        ck_assert_close(q->levels[j], j / 12.0, 1e-12);
    cospin_quantizer_free(q);
    /* For a linear device the weight grid spacing drops from 2/4 (1 cell)
       to 2/64 (16 cells), so the rounding error must fall accordingly. */
    double w[64], wq[64], mse1, mse16;
    for (int i = 0; i < 64; i++)
        w[i] = sin(0.37 * i);
    ck_assert_int_eq(cospin_quantizer_new(&d, 1, &q, NULL), 0);
    cospin_quant_apply(q, 1.0, w, wq, 64, &mse1);
    cospin_quantizer_free(q);
    ck_assert_int_eq(cospin_quantizer_new(&d, 16, &q, NULL), 0);
    cospin_quant_apply(q, 1.0, w, wq, 64, &mse16);
    cospin_quantizer_free(q);
    /* Uniform rounding error: mse ~ step^2/12 with step 0.5 and 1/32. */
    ck_assert(mse16 < mse1 / 50);
    ck_assert(mse16 <= (2.0 / 64) * (2.0 / 64) / 4);
}
END_TEST

START_TEST(test_qat_ste)
{
    /* Forward: quantised weights are levels.  Backward: the straight-through
       gradient passes where |w| <= w_max and is 0 where the forward clipped. */
    struct cospin_device d;
    cospin_device_preset("sot-s:21", &d, NULL);
    struct cospin_quantizer *q;
    cospin_quantizer_new(&d, 2, &q, NULL);
    double w[] = {-1.5, -0.4, 0.0, 0.33, 0.9, 1.2};
    double wq[6], g_wq[] = {1, 2, 3, 4, 5, 6}, g_w[6];
    cospin_quant_apply(q, 1.0, w, wq, 6, NULL);
    for (int i = 0; i < 6; i++) {
        size_t j;
        double v = cospin_quant_nearest(q, 1.0, wq[i], &j);
        ck_assert_close(v, wq[i], 1e-15); /* idempotent: a level maps to itself */
        ck_assert_close(wq[i], 2.0 * q->levels[j] - 1.0, 1e-15);
    }
    ck_assert_close(wq[0], -1.0, 1e-15);
    ck_assert_close(wq[5], 1.0, 1e-15);
    cospin_quant_ste(1.0, w, g_wq, g_w, 6);
    double want[] = {0, 2, 3, 4, 5, 0};
    for (int i = 0; i < 6; i++)
        ck_assert_close(g_w[i], want[i], 0.0);
    /* In place. */
    cospin_quant_ste(0.5, w, g_wq, g_wq, 6);
    ck_assert_close(g_wq[1], 2.0, 0.0);
    ck_assert_close(g_wq[4], 0.0, 0.0);
    cospin_quantizer_free(q);
    ck_assert_close(cospin_quant_absmax(w, 6), 1.5, 0.0);
    ck_assert_close(cospin_quant_absmax(w, 0), 0.0, 0.0);
}
END_TEST

START_TEST(test_errors)
{
    struct cospin_error err = {0};
    struct cospin_device d;
    struct cospin_quantizer *q = (void *)1;
    cospin_device_preset("ideal", &d, NULL);
    ck_assert_int_eq(cospin_quantizer_new(&d, 1, &q, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(q);
    ck_assert_ptr_nonnull(strstr(err.msg, "analog"));
    d.states = 10;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_quantizer_new(&d, 0, &q, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "cells"));
    d.states = 100000;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_quantizer_new(&d, 1000, &q, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "states"));
}
END_TEST

static Suite *suite_quant(void)
{
    Suite *s = suite_create("quant");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ptq_known);
    tcase_add_test(tc, test_sot_levels);
    tcase_add_test(tc, test_cells);
    tcase_add_test(tc, test_qat_ste);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_errors);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_quant)
