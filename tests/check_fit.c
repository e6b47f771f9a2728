/* check_fit.c -- maximum-likelihood logistic fit: recovery, uncertainties, degenerate data;
 * the fit of exact probabilities and its large-N equivalence. */
#include <config.h>

#include <fenv.h>
#include <stdint.h>
#include <string.h>

#include "check_util.h"
#include "fit.h"
#include "logistic.h"

/* A small seeded generator for the synthetic data (splitmix64), independent
   of the code under test. */
static uint64_t sm_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double sm_uniform(uint64_t *s)
{
    return (double)(sm_next(s) >> 11) * 0x1.0p-53;
}

/* Binomial(n, p) by n Bernoulli draws (n is small here). */
static long binomial(uint64_t *s, long n, double p)
{
    long k = 0;
    for (long i = 0; i < n; i++)
        k += sm_uniform(s) < p;
    return k;
}

/* The thesis's 30 ns curve: k = 2.2 /uA, c = 11.8 uA, currents 6..20 uA step 1. */
#define K_TRUE 2.2
#define C_TRUE 11.8
#define NPTS 15

static void synth(uint64_t *s, long ntrials, double *x, long *nt, long *ns)
{
    for (int i = 0; i < NPTS; i++) {
        x[i] = 6.0 + i;
        nt[i] = ntrials;
        ns[i] = binomial(s, ntrials, cospin_fit_sigmoid(x[i], K_TRUE, C_TRUE));
    }
}

START_TEST(test_exact_counts)
{
    /* Counts rounded from 1e9 trials: the only noise is rounding (< 1e-9
       relative), so the ML estimate equals the truth to ~1e-6. */
    double x[NPTS];
    long nt[NPTS], ns[NPTS];
    for (int i = 0; i < NPTS; i++) {
        x[i] = 6.0 + i;
        nt[i] = 1000000000L;
        ns[i] = lround(1e9 * cospin_fit_sigmoid(x[i], K_TRUE, C_TRUE));
    }
    struct cospin_fit_result r;
    ck_assert_int_eq(cospin_fit_logistic(x, nt, ns, NPTS, &r, NULL), 0);
    ck_assert_int_eq(r.status, COSPIN_FIT_OK);
    ck_assert_close(r.k, K_TRUE, 1e-5);
    ck_assert_close(r.c, C_TRUE, 1e-5);
    /* Deviance of a perfect model: rounding only.  Each point contributes at
       most (1/2)^2 / (n p (1-p)); the smallest n p (1-p) here (x = 20, p =
       1 - 1.5e-8, i.e. ~15 counts at 1e9 trials) bounds the sum of
       15 terms by 15 x 0.25 / 15 = 0.25. */
    ck_assert_close(r.deviance, 0.0, 0.3);
}
END_TEST

START_TEST(test_recovery)
{
    /* 15 currents x 200 trials, seeded.  The ML estimator is asymptotically
       normal with the inverse-Fisher standard error, so a deviation beyond
       4 reported sigma has probability ~6e-5 per parameter; with the fixed
       seed the outcome is deterministic.  Repeated for 5 seeds. */
    for (uint64_t seed = 1; seed <= 5; seed++) {
        uint64_t s = seed;
        double x[NPTS];
        long nt[NPTS], ns[NPTS];
        synth(&s, 200, x, nt, ns);
        struct cospin_fit_result r;
        ck_assert_int_eq(cospin_fit_logistic(x, nt, ns, NPTS, &r, NULL), 0);
        ck_assert(r.k_err > 0 && r.c_err > 0);
        ck_assert_close(r.k, K_TRUE, 4 * r.k_err);
        ck_assert_close(r.c, C_TRUE, 4 * r.c_err);
        /* Goodness of fit: deviance ~ chi^2(13); P(chi^2_13 > 40) ~ 1e-4. */
        ck_assert(r.deviance < 40.0);
    }
}
END_TEST

START_TEST(test_uncertainty_matches_scatter)
{
    /* R = 400 independent data sets of 15 x 100 trials.  The sample standard
       deviation of R estimates has relative standard error 1/sqrt(2(R-1)) =
       3.5 %; finite-sample non-normality of the MLE at 1500 trials adds a few
       percent.  The ratio empirical-sd / mean-reported-error must be within
       [0.8, 1.2], i.e. > 5 standard errors of slack for the sampling part. */
    enum { R = 400 };
    uint64_t s = 12345;
    double sk = 0, skk = 0, sc = 0, scc = 0, ek = 0, ec = 0;
    int pulls_k_out = 0;
    for (int rep = 0; rep < R; rep++) {
        double x[NPTS];
        long nt[NPTS], ns[NPTS];
        synth(&s, 100, x, nt, ns);
        struct cospin_fit_result r;
        ck_assert_int_eq(cospin_fit_logistic(x, nt, ns, NPTS, &r, NULL), 0);
        sk += r.k;
        skk += r.k * r.k;
        sc += r.c;
        scc += r.c * r.c;
        ek += r.k_err;
        ec += r.c_err;
        pulls_k_out += fabs(r.k - K_TRUE) > 2 * r.k_err;
    }
    double mk = sk / R, mc = sc / R;
    double sdk = sqrt((skk - R * mk * mk) / (R - 1)), sdc = sqrt((scc - R * mc * mc) / (R - 1));
    ek /= R;
    ec /= R;
    ck_assert_msg(sdk / ek > 0.8 && sdk / ek < 1.2, "k: scatter %g vs reported %g", sdk, ek);
    ck_assert_msg(sdc / ec > 0.8 && sdc / ec < 1.2, "c: scatter %g vs reported %g", sdc, ec);
    /* Means: unbiased to first order; the O(1/n) ML bias of k is a few
       percent at most here, so allow 4 standard errors of the mean plus 3 %. */
    ck_assert_close(mk, K_TRUE, 4 * sdk / sqrt(R) + 0.03 * K_TRUE);
    ck_assert_close(mc, C_TRUE, 4 * sdc / sqrt(R));
    /* Coverage of +-2 sigma is 95.4 %: expect 18 outside of 400, sd 4.2;
       allow up to 40 (5 sd). */
    ck_assert_int_le(pulls_k_out, 40);
}
END_TEST

START_TEST(test_decreasing_and_units)
{
    /* A falling curve gives negative k; shifting and scaling x transforms
       (k, c) exactly: x' = 1e-6 x  ->  k' = 1e6 k, c' = 1e-6 c. */
    double x[NPTS], xs[NPTS];
    long nt[NPTS], ns[NPTS], nsr[NPTS];
    uint64_t s = 7;
    synth(&s, 300, x, nt, ns);
    for (int i = 0; i < NPTS; i++) {
        nsr[i] = nt[i] - ns[i];
        xs[i] = 1e-6 * x[i];
    }
    struct cospin_fit_result r, rr, rs;
    ck_assert_int_eq(cospin_fit_logistic(x, nt, ns, NPTS, &r, NULL), 0);
    ck_assert_int_eq(cospin_fit_logistic(x, nt, nsr, NPTS, &rr, NULL), 0);
    ck_assert_int_eq(cospin_fit_logistic(xs, nt, ns, NPTS, &rs, NULL), 0);
    /* Swapping successes and failures is the map k -> -k exactly. */
    ck_assert_rel(rr.k, -r.k, 1e-8);
    ck_assert_rel(rr.c, r.c, 1e-8);
    ck_assert_rel(rr.k_err, r.k_err, 1e-6);
    ck_assert_rel(rs.k, 1e6 * r.k, 1e-8);
    ck_assert_rel(rs.c, 1e-6 * r.c, 1e-8);
    ck_assert_rel(rs.c_err, 1e-6 * r.c_err, 1e-6);
    ck_assert_double_eq_tol(cospin_fit_sigmoid(C_TRUE, K_TRUE, C_TRUE), 0.5, 1e-15);
    /* No overflow far from the centre. */
    ck_assert(cospin_fit_sigmoid(-1e6, 1.0, 0.0) == 0.0 || cospin_fit_sigmoid(-1e6, 1.0, 0.0) < 1e-300);
    ck_assert_double_eq(cospin_fit_sigmoid(1e6, 1.0, 0.0), 1.0);
}
END_TEST

/*
 * The one double logistic (logistic.h): exact at 0 and at +-1000 without an
 * overflow on the way (the naive 1/(1+exp(-x)) raises FE_OVERFLOW at -1000),
 * sigma(-x) = 1 - sigma(x) to rounding (2 ulp of 1), and against the
 * defining formula where that one is safe (|x| <= 30: relative 1e-15).
 */
START_TEST(test_logistic)
{
    volatile double big = 1000.0; /* not folded at compile time: the flags are raised at run time */
    feclearexcept(FE_ALL_EXCEPT);
    ck_assert_double_eq(cospin_logistic(0.0), 0.5);
    ck_assert_double_eq(cospin_logistic(big), 1.0);
    ck_assert_double_eq(cospin_logistic(-big), 0.0);
    ck_assert_double_eq(cospin_logistic(INFINITY), 1.0);
    ck_assert_double_eq(cospin_logistic(-INFINITY), 0.0);
    ck_assert(!fetestexcept(FE_OVERFLOW));
    ck_assert(isnan(cospin_logistic(NAN)));
    for (double x = -30.0; x <= 30.0; x += 0.37) {
        ck_assert_rel(cospin_logistic(x), 1.0 / (1.0 + exp(-x)), 1e-15);
        ck_assert_close(cospin_logistic(-x), 1.0 - cospin_logistic(x), 4.5e-16);
    }
    /* Far in the left tail the value is e^x, not a rounded 0. */
    ck_assert_rel(cospin_logistic(-700.0), exp(-700.0), 1e-15);
    ck_assert_double_eq(cospin_fit_sigmoid(13.0, 2.0, 12.0), cospin_logistic(2.0));
}
END_TEST

START_TEST(test_unequal_trials_and_empty_points)
{
    /* Points with 0 trials are ignored: the fit equals the one without them. */
    double x[5] = {8, 10, 11, 12, 14}, x2[7] = {8, 9, 10, 11, 12, 13, 14};
    long nt[5] = {50, 120, 80, 200, 40}, ns[5] = {3, 40, 37, 140, 38};
    long nt2[7] = {50, 0, 120, 80, 200, 0, 40}, ns2[7] = {3, 0, 40, 37, 140, 0, 38};
    struct cospin_fit_result a, b;
    ck_assert_int_eq(cospin_fit_logistic(x, nt, ns, 5, &a, NULL), 0);
    ck_assert_int_eq(cospin_fit_logistic(x2, nt2, ns2, 7, &b, NULL), 0);
    ck_assert_rel(a.k, b.k, 1e-10);
    ck_assert_rel(a.c, b.c, 1e-10);
    ck_assert_int_eq(b.npoints, 5);
}
END_TEST

START_TEST(test_degenerate)
{
    double x[4] = {1, 2, 3, 4};
    long nt[4] = {10, 10, 10, 10};
    long zero[4] = {0, 0, 0, 0}, one[4] = {10, 10, 10, 10};
    long sep[4] = {0, 0, 10, 10}, quasi[4] = {0, 4, 10, 10}, sepdown[4] = {10, 10, 0, 0};
    struct cospin_fit_result r;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_fit_logistic(x, nt, zero, 4, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_ALL_ZERO);
    ck_assert(isnan(r.k));
    ck_assert_ptr_nonnull(strstr(e.msg, "no trial switched"));
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic(x, nt, one, 4, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_ALL_ONE);
    ck_assert_ptr_nonnull(strstr(e.msg, "every trial"));
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic(x, nt, sep, 4, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_SEPARATED);
    ck_assert_double_eq_tol(r.c, 2.5, 1e-12);
    ck_assert(r.k > 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "separate"));
    ck_assert_int_eq(cospin_fit_logistic(x, nt, quasi, 4, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_SEPARATED);
    ck_assert_int_eq(cospin_fit_logistic(x, nt, sepdown, 4, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_SEPARATED);
    ck_assert(r.k < 0);
    ck_assert_str_eq(cospin_fit_status_name(COSPIN_FIT_SEPARATED), "separated");
    ck_assert_str_eq(cospin_fit_status_name(99), "unknown");
}
END_TEST

START_TEST(test_bad_input)
{
    double x[3] = {1, 2, 3}, xnan[3] = {1, NAN, 3}, xsame[3] = {2, 2, 2};
    long nt[3] = {10, 10, 10}, ns[3] = {1, 5, 9}, bad[3] = {1, 11, 9}, neg[3] = {-1, 5, 9};
    long one_pt[3] = {10, 0, 0};
    struct cospin_fit_result r;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_fit_logistic(NULL, nt, ns, 3, &r, &e), COSPIN_ERR_INVALID);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic(x, nt, bad, 3, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "11 successes of 10"));
    ck_assert_int_eq(cospin_fit_logistic(x, nt, neg, 3, &r, NULL), COSPIN_ERR_INVALID);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic(xnan, nt, ns, 3, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "non-finite"));
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic(xsame, nt, ns, 3, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "distinct"));
    /* One usable point is a failed fit, never status "ok" with NaN k and c
       (a one-current characterisation once wrote "nan ... ok"). */
    ck_assert_int_eq(r.status, COSPIN_FIT_TOO_FEW);
    long one_ns[3] = {1, 0, 0};
    ck_assert_int_eq(cospin_fit_logistic(x, one_pt, one_ns, 3, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_TOO_FEW);
    ck_assert_str_eq(cospin_fit_status_name(COSPIN_FIT_TOO_FEW), "too-few-points");
    /* A NULL result pointer is allowed. */
    ck_assert_int_eq(cospin_fit_logistic(x, nt, ns, 3, NULL, NULL), 0);
}
END_TEST

/* ---- exact probabilities (cospin_fit_logistic_prob) ------------------------------- */

START_TEST(test_prob_exact_logistic)
{
    /* Probabilities of an exact logistic: the fit returns its (k, c) to the
       Newton tolerance, with zero errors and zero deviance. */
    double x[NPTS], p[NPTS];
    for (int i = 0; i < NPTS; i++) {
        x[i] = 6.0 + i;
        p[i] = cospin_fit_sigmoid(x[i], K_TRUE, C_TRUE);
    }
    struct cospin_fit_result r;
    ck_assert_int_eq(cospin_fit_logistic_prob(x, p, NPTS, 1e-3, &r, NULL), 0);
    ck_assert_int_eq(r.status, COSPIN_FIT_OK);
    ck_assert_rel(r.k, K_TRUE, 1e-9);
    ck_assert_rel(r.c, C_TRUE, 1e-10);
    ck_assert(r.k_err == 0 && r.c_err == 0 && r.cov_kc == 0);
    ck_assert(r.deviance < 1e-12);
    ck_assert_int_eq(r.npoints, NPTS);
}
END_TEST

/* A standard normal CDF: a sigmoid that is not a logistic. */
static double probit(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

START_TEST(test_prob_is_the_large_n_limit)
{
    /* On a curve that is not logistic (a probit), the fit of exact
       probabilities is the limit of the binomial fit as N -> infinity:
       counts rounded from N = 1e9 trials per point differ from N p by at
       most 1/2, so the two estimates agree to ~1e-8 relative. */
    double x[NPTS], p[NPTS];
    long nt[NPTS], ns[NPTS];
    for (int i = 0; i < NPTS; i++) {
        x[i] = 4.0 + i; /* symmetric about 11 */
        p[i] = probit((x[i] - 11.0) / 1.5);
        nt[i] = 1000000000L;
        ns[i] = lround(1e9 * p[i]);
    }
    struct cospin_fit_result a, b;
    ck_assert_int_eq(cospin_fit_logistic_prob(x, p, NPTS, 0.0, &a, NULL), 0);
    ck_assert_int_eq(cospin_fit_logistic(x, nt, ns, NPTS, &b, NULL), 0);
    ck_assert_rel(a.k, b.k, 1e-7);
    ck_assert_rel(a.c, b.c, 1e-8);
    /* A probit of sd s has slope 1/(s sqrt(2 pi)) at its midpoint, a
       logistic k/4: the fitted k lies near 4/(1.5 sqrt(2 pi)) = 1.06 (1.21:
       the probit's thin tails pull it up; within 15 %), c at 11 by symmetry. */
    ck_assert_rel(a.k, 4.0 / (1.5 * sqrt(2.0 * M_PI)), 0.15);
    ck_assert_close(a.c, 11.0, 1e-9);
    ck_assert(a.deviance > 1e-6); /* not a logistic: nonzero divergence */
}
END_TEST

START_TEST(test_prob_degenerate_and_bad_input)
{
    double x[4] = {1, 2, 3, 4};
    double zero[4] = {0, 1e-4, 5e-4, 1e-3}, one[4] = {0.999, 1, 1, 1};
    double sep[4] = {0, 1e-4, 0.9995, 1}, sepdown[4] = {1, 1, 0, 0};
    struct cospin_fit_result r;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_fit_logistic_prob(x, zero, 4, 1e-3, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_ALL_ZERO);
    ck_assert_ptr_nonnull(strstr(e.msg, "raise the upper end"));
    /* With an exact tolerance the same data are a (shallow) curve. */
    ck_assert_int_eq(cospin_fit_logistic_prob(x, zero, 4, 0.0, &r, NULL), 0);
    ck_assert(r.k > 0);
    ck_assert_int_eq(cospin_fit_logistic_prob(x, one, 4, 1e-3, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_ALL_ONE);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic_prob(x, sep, 4, 1e-3, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_SEPARATED);
    ck_assert_double_eq_tol(r.c, 2.5, 1e-12);
    /* The bound: from 1e-3 to 1 - 1e-3 within one unit of x. */
    ck_assert_rel(r.k, 2.0 * log(0.999 / 0.001), 1e-12);
    ck_assert_ptr_nonnull(strstr(e.msg, "unbounded"));
    ck_assert_int_eq(cospin_fit_logistic_prob(x, sepdown, 4, 1e-3, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert(r.status == COSPIN_FIT_SEPARATED && r.k < 0);
    double bad[4] = {0.1, 1.2, 0.5, 0.9}, nanp[4] = {0.1, NAN, 0.5, 0.9}, ok[4] = {0.1, 0.3, 0.6, 0.9};
    double xsame[4] = {2, 2, 2, 2}, xinf[4] = {1, INFINITY, 3, 4};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic_prob(x, bad, 4, 1e-3, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "0 <= p <= 1"));
    ck_assert_int_eq(cospin_fit_logistic_prob(x, nanp, 4, 1e-3, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_fit_logistic_prob(xinf, ok, 4, 1e-3, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_fit_logistic_prob(xsame, ok, 4, 1e-3, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_TOO_FEW);
    ck_assert_int_eq(cospin_fit_logistic_prob(x, ok, 1, 1e-3, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(r.status, COSPIN_FIT_TOO_FEW);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_fit_logistic_prob(x, ok, 4, 0.5, &r, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "tolerance"));
    ck_assert_int_eq(cospin_fit_logistic_prob(x, ok, 4, -1, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_fit_logistic_prob(NULL, ok, 4, 0, &r, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_fit_logistic_prob(x, ok, 4, 0, NULL, NULL), 0);
}
END_TEST

static Suite *suite_fit(void)
{
    Suite *s = suite_create("fit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_exact_counts);
    tcase_add_test(tc, test_recovery);
    tcase_add_test(tc, test_uncertainty_matches_scatter);
    tcase_add_test(tc, test_decreasing_and_units);
    tcase_add_test(tc, test_unequal_trials_and_empty_points);
    tcase_add_test(tc, test_logistic);
    tcase_add_test(tc, test_prob_exact_logistic);
    tcase_add_test(tc, test_prob_is_the_large_n_limit);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_degenerate);
    tcase_add_test(te, test_bad_input);
    tcase_add_test(te, test_prob_degenerate_and_bad_input);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_fit)
