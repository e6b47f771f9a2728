/*
 * check_util.h -- shared helpers for cospin's Check suites.
 *
 * Each tests/check_<module>.c defines `Suite *suite_<module>(void)` and ends
 * with COSPIN_CHECK_MAIN(suite_<module>).  Tests run forked (Check's
 * default), so a crash or an ngspice instance stays inside one test.
 */
#ifndef COSPIN_CHECK_UTIL_H
#define COSPIN_CHECK_UTIL_H

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* |a - b| <= tol, with both values in the failure message. */
#define ck_assert_close(a, b, tol)                                                        \
    do {                                                                                  \
        double ck_a_ = (a), ck_b_ = (b), ck_t_ = (tol);                                   \
        ck_assert_msg(fabs(ck_a_ - ck_b_) <= ck_t_, "%s = %.10g, %s = %.10g, |diff| %.3g > %.3g", \
                      #a, ck_a_, #b, ck_b_, fabs(ck_a_ - ck_b_), ck_t_);                  \
    } while (0)

/* Relative closeness: |a - b| <= rel * max(|a|, |b|). */
#define ck_assert_rel(a, b, rel)                                                          \
    do {                                                                                  \
        double ck_a_ = (a), ck_b_ = (b);                                                  \
        double ck_s_ = fmax(fabs(ck_a_), fabs(ck_b_));                                    \
        ck_assert_msg(fabs(ck_a_ - ck_b_) <= (rel) * ck_s_,                               \
                      "%s = %.12g, %s = %.12g, rel diff %.3g > %.3g", #a, ck_a_, #b, ck_b_, \
                      ck_s_ > 0 ? fabs(ck_a_ - ck_b_) / ck_s_ : 0.0, (double)(rel));      \
    } while (0)

/* A new directory /tmp/NAME_XXXXXX (the same buffer on every call). */
static inline char *ck_tmpdir(const char *name)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "/tmp/%s_XXXXXX", name);
    ck_assert_ptr_nonnull(mkdtemp(buf));
    return buf;
}

/* Remove dir and everything below it. */
static inline void ck_rm_rf(const char *dir)
{
    char cmd[1200];
    ck_assert_int_lt(snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir), (int)sizeof cmd);
    ck_assert_int_eq(system(cmd), 0);
}

#define COSPIN_CHECK_MAIN(suite_fn)                                                       \
    int main(void)                                                                        \
    {                                                                                     \
        SRunner *sr = srunner_create(suite_fn());                                         \
        srunner_run_all(sr, CK_NORMAL);                                                   \
        int nfail = srunner_ntests_failed(sr);                                            \
        srunner_free(sr);                                                                 \
        return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                                  \
    }

#endif
