/*
 * check_nonideal.c -- the seeded non-ideality model (nonideal.h): chips
 * (stuck fractions, nesting, median-preserving lognormal spread, one chip
 * per seed whatever the settings), the ADC, sampled neurons, read
 * generators, and every invalid setting.
 *
 * Statistical tolerances are 5 standard deviations of the estimator (a
 * false failure about once in 3.5 million runs; the draws are seeded, so a
 * run either always passes or always fails).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "nonideal.h"

/* Devices per chip in the statistical tests. */
#define NDEV 100000

START_TEST(test_chip_stuck_fractions)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.stuck_on = 0.1;
    ni.stuck_off = 0.05;
    struct cospin_nonideal_chip *chip = NULL;
    ck_assert_int_eq(cospin_nonideal_chip_new(&ni, 0, NDEV, &chip, NULL), 0);
    size_t on = 0, off = 0;
    for (size_t k = 0; k < NDEV; k++) {
        on += (chip->s_pos[k] > 0) + (chip->s_neg[k] > 0);
        off += (chip->s_pos[k] < 0) + (chip->s_neg[k] < 0);
    }
    /* Binomial counts over 2 NDEV devices. */
    double n = 2.0 * NDEV;
    ck_assert_close((double)on, n * 0.1, 5 * sqrt(n * 0.1 * 0.9));
    ck_assert_close((double)off, n * 0.05, 5 * sqrt(n * 0.05 * 0.95));
    /* Stuck devices sit at the window's ends whatever is programmed. */
    double gp[4] = {1.5e-4, 1.5e-4, 1.5e-4, 1.5e-4}, gn[4] = {1.2e-4, 1.2e-4, 1.2e-4, 1.2e-4};
    struct cospin_nonideal_chip small = *chip;
    small.n = 4;
    cospin_nonideal_chip_apply(&small, 1e-4, 2e-4, gp, gn);
    for (int k = 0; k < 4; k++) {
        double want_p = chip->s_pos[k] > 0 ? 2e-4 : chip->s_pos[k] < 0 ? 1e-4 : 1.5e-4;
        double want_n = chip->s_neg[k] > 0 ? 2e-4 : chip->s_neg[k] < 0 ? 1e-4 : 1.2e-4;
        ck_assert_double_eq(gp[k], want_p);
        ck_assert_double_eq(gn[k], want_n);
    }
    cospin_nonideal_chip_free(chip);
}
END_TEST

/* A larger fraction only adds devices to its set; the other set is unchanged. */
START_TEST(test_chip_nesting)
{
    struct cospin_nonideal a, b;
    cospin_nonideal_init(&a);
    a.stuck_on = 0.02;
    a.stuck_off = 0.03;
    b = a;
    b.stuck_on = 0.2;
    struct cospin_nonideal_chip *ca = NULL, *cb = NULL;
    ck_assert_int_eq(cospin_nonideal_chip_new(&a, 1, 5000, &ca, NULL), 0);
    ck_assert_int_eq(cospin_nonideal_chip_new(&b, 1, 5000, &cb, NULL), 0);
    size_t more = 0;
    for (size_t k = 0; k < 5000; k++) {
        if (ca->s_pos[k] > 0)
            ck_assert_int_gt(cb->s_pos[k], 0);
        ck_assert_int_eq(ca->s_pos[k] < 0, cb->s_pos[k] < 0);
        more += cb->s_pos[k] > 0 && ca->s_pos[k] == 0;
    }
    ck_assert_uint_gt(more, 0);
    cospin_nonideal_chip_free(ca);
    cospin_nonideal_chip_free(cb);
}
END_TEST

/* ln f ~ N(0, sigma^2): median-preserving; the pattern scales with sigma; seeds and layers differ. */
START_TEST(test_chip_spread)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 0.2;
    struct cospin_nonideal_chip *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL;
    ck_assert_int_eq(cospin_nonideal_chip_new(&ni, 0, NDEV, &c1, NULL), 0);
    ni.g_sigma = 0.05;
    ck_assert_int_eq(cospin_nonideal_chip_new(&ni, 0, NDEV, &c2, NULL), 0);
    ni.chip_seed = 2;
    ck_assert_int_eq(cospin_nonideal_chip_new(&ni, 0, NDEV, &c3, NULL), 0);
    ni.chip_seed = 1;
    ck_assert_int_eq(cospin_nonideal_chip_new(&ni, 1, NDEV, &c4, NULL), 0);
    double s = 0, s2 = 0;
    size_t below = 0, same3 = 0, same4 = 0;
    for (size_t k = 0; k < NDEV; k++) {
        double l = log(c1->f_pos[k]);
        s += l, s2 += l * l;
        below += c1->f_pos[k] < 1.0;
        /* sigma 0.05 is the same normal draw scaled by 1/4. */
        ck_assert_close(log(c2->f_pos[k]), 0.25 * l, 1e-12);
        same3 += c3->f_pos[k] == c2->f_pos[k];
        same4 += c4->f_pos[k] == c2->f_pos[k];
    }
    double mean = s / NDEV, sd = sqrt(s2 / NDEV - mean * mean);
    ck_assert_close(mean, 0.0, 5 * 0.2 / sqrt(NDEV));
    ck_assert_close(sd, 0.2, 5 * 0.2 / sqrt(2.0 * NDEV));
    /* The median factor is 1: half the devices below. */
    ck_assert_close((double)below, NDEV / 2.0, 5 * sqrt(NDEV / 4.0));
    ck_assert_uint_eq(same3, 0);
    ck_assert_uint_eq(same4, 0);
    cospin_nonideal_chip_free(c1);
    cospin_nonideal_chip_free(c2);
    cospin_nonideal_chip_free(c3);
    cospin_nonideal_chip_free(c4);
}
END_TEST

START_TEST(test_adc)
{
    /* 4 bits over +-1: step 1/8, codes -8 .. 7. */
    ck_assert_double_eq(cospin_nonideal_adc(0.3, 1.0, 4), 0.25);
    ck_assert_double_eq(cospin_nonideal_adc(0.0, 1.0, 4), 0.0);
    ck_assert_double_eq(cospin_nonideal_adc(-0.3, 1.0, 4), -0.25);
    ck_assert_double_eq(cospin_nonideal_adc(2.0, 1.0, 4), 0.875);
    ck_assert_double_eq(cospin_nonideal_adc(-2.0, 1.0, 4), -1.0);
    ck_assert_double_eq(cospin_nonideal_adc(0.3, 1.0, 0), 0.3);
    /* The quantisation error is at most half a step inside the range. */
    for (double z = -0.99; z < 0.87; z += 0.0137)
        ck_assert_double_le(fabs(cospin_nonideal_adc(z, 1.0, 8) - z), 1.0 / 256 + 1e-15);
    float k[3] = {2.0f, -0.5f, 0.0f}, c[3] = {1.0f, 0.0f, 100.0f};
    ck_assert_double_eq(cospin_nonideal_adc_auto_range(k, c, 3), 16.0);
    ck_assert_double_eq(cospin_nonideal_adc_auto_range(k + 2, c + 2, 1), 1.0);
}
END_TEST

START_TEST(test_neuron_samples)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    const int reads = 20000, S = 4;
    double sum = 0;
    for (int r = 0; r < reads; r++) {
        struct cospin_rng rng;
        cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NEURON, 0, (uint64_t)r, &rng);
        double a = cospin_nonideal_neuron(0.3, S, &rng);
        ck_assert_double_eq(a * S, nearbyint(a * S));   /* a multiple of 1/S */
        sum += a;
    }
    ck_assert_close(sum / reads, 0.3, 5 * sqrt(0.3 * 0.7 / (S * reads)));
    struct cospin_rng rng;
    cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NEURON, 0, 0, &rng);
    ck_assert_double_eq(cospin_nonideal_neuron(0.3, 0, &rng), 0.3);
}
END_TEST

/* One generator per (seed, purpose, layer, read): equal for equal keys, else different. */
START_TEST(test_read_streams)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    struct cospin_rng a, b, c, d, e;
    cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NOISE, 0, 7, &a);
    cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NOISE, 0, 7, &b);
    cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NOISE, 0, 8, &c);
    cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NEURON, 0, 7, &d);
    cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NOISE, 1, 7, &e);
    uint64_t va = cospin_rng_u64(&a);
    ck_assert_uint_eq(va, cospin_rng_u64(&b));
    ck_assert_uint_ne(va, cospin_rng_u64(&c));
    ck_assert_uint_ne(va, cospin_rng_u64(&d));
    ck_assert_uint_ne(va, cospin_rng_u64(&e));
    ni.read_seed = 2;
    cospin_nonideal_read_rng(&ni, COSPIN_NONIDEAL_DRAW_NOISE, 0, 7, &b);
    ck_assert_uint_ne(va, cospin_rng_u64(&b));
}
END_TEST

START_TEST(test_describe)
{
    struct cospin_nonideal ni;
    char buf[256];
    cospin_nonideal_init(&ni);
    ck_assert_str_eq(cospin_nonideal_describe(&ni, buf, sizeof buf), "ideal devices");
    ck_assert(!cospin_nonideal_has_chip(&ni) && !cospin_nonideal_has_reads(&ni));
    ni.g_sigma = 0.1;
    ni.adc_bits = 6;
    ck_assert(cospin_nonideal_has_chip(&ni) && cospin_nonideal_has_reads(&ni));
    ck_assert_str_eq(cospin_nonideal_describe(&ni, buf, sizeof buf),
                     "g-sigma 0.1 (chip seed 1), 6-bit ADC (automatic range)");
}
END_TEST

/* Each invalid setting: COSPIN_ERR_INVALID naming the option. */
START_TEST(test_errors)
{
    static const struct {
        int field;
        double v;
        const char *name;
    } bad[] = {
        {0, -0.1, "g-sigma"},    {0, NAN, "g-sigma"},       {0, INFINITY, "g-sigma"},
        {1, 1.5, "stuck-on"},    {1, -0.01, "stuck-on"},    {1, NAN, "stuck-on"},
        {2, 2.0, "stuck-off"},   {3, -1e-3, "read-noise"},  {3, NAN, "read-noise"},
        {4, 25, "adc-bits"},     {4, -1, "adc-bits"},       {5, -1.0, "adc-range"},
        {5, INFINITY, "adc-range"}, {6, -2, "neuron-samples"}, {6, 2e6, "neuron-samples"},
    };
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        struct cospin_nonideal ni;
        cospin_nonideal_init(&ni);
        switch (bad[t].field) {
        case 0: ni.g_sigma = bad[t].v; break;
        case 1: ni.stuck_on = bad[t].v; break;
        case 2: ni.stuck_off = bad[t].v; break;
        case 3: ni.read_noise = bad[t].v; break;
        case 4: ni.adc_bits = (int)bad[t].v; break;
        case 5: ni.adc_range = bad[t].v; break;
        case 6: ni.neuron_samples = (int)bad[t].v; break;
        }
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_nonideal_validate(&ni, &err), COSPIN_ERR_INVALID);
        ck_assert_msg(strstr(err.msg, bad[t].name), "case %zu: '%s' lacks %s", t, err.msg,
                      bad[t].name);
        struct cospin_nonideal_chip *chip = NULL;
        ck_assert_int_eq(cospin_nonideal_chip_new(&ni, 0, 4, &chip, NULL), COSPIN_ERR_INVALID);
        ck_assert_ptr_null(chip);
    }
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.stuck_on = 0.6;
    ni.stuck_off = 0.5;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_nonideal_validate(&ni, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "more than all devices"));
    ck_assert_int_eq(cospin_nonideal_validate(NULL, NULL), COSPIN_ERR_INVALID);
    cospin_nonideal_chip_free(NULL);
}
END_TEST

static Suite *suite_nonideal(void)
{
    Suite *s = suite_create("nonideal");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_chip_stuck_fractions);
    tcase_add_test(core, test_chip_nesting);
    tcase_add_test(core, test_chip_spread);
    tcase_add_test(core, test_adc);
    tcase_add_test(core, test_neuron_samples);
    tcase_add_test(core, test_read_streams);
    tcase_add_test(core, test_describe);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_nonideal)
