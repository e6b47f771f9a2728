/* check_rng.c -- the one generator (base/rng.h): pinned values, streams,
 * uniform and normal moments, unbiased bounded integers. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "rng.h"

/* FNV-1a over the bits of n doubles drawn by draw(r). */
static uint64_t hash_draws(struct cospin_rng *r, long n, double (*draw)(struct cospin_rng *),
                           long *tail)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (long i = 0; i < n; i++) {
        double x = draw(r);
        if (tail)
            *tail += fabs(x) > 3.6541528853610088;
        uint64_t b;
        memcpy(&b, &x, sizeof b);
        h = (h ^ b) * UINT64_C(1099511628211);
    }
    return h;
}

static double draw_normal(struct cospin_rng *r)
{
    return cospin_rng_normal(r);
}

static double draw_uniform(struct cospin_rng *r)
{
    return cospin_rng_uniform(r);
}

/*
 * The sequence is pinned: values recorded from the generator as it was in
 * physics/llgs.c, on which the stored characterisation results rest.  The
 * raw words are integer arithmetic (exact everywhere); the normals pass
 * through exp/log1p in the ziggurat's wedge and tail (57 tail draws here),
 * which glibc rounds correctly.
 */
START_TEST(test_pinned)
{
    static const uint64_t first[4] = {UINT64_C(0xef75d62a19ba94ed), UINT64_C(0x8e9490536375f270),
                                      UINT64_C(0xc05630b1c614195d), UINT64_C(0x66daa2d5136a8f29)};
    struct cospin_rng r;
    cospin_rng_seed(&r, 1, 0);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(cospin_rng_u64(&r), first[i]);
    cospin_rng_seed(&r, 42, 7);
    long tail = 0;
    ck_assert_uint_eq(hash_draws(&r, 200000, draw_normal, &tail), UINT64_C(0xb73e53a771beaa35));
    ck_assert_int_eq(tail, 57);
    ck_assert_uint_eq(hash_draws(&r, 1000, draw_uniform, NULL), UINT64_C(0x9955217b789b6f7f));
}
END_TEST

START_TEST(test_streams)
{
    struct cospin_rng a, b, c, d;
    cospin_rng_seed(&a, 9, 3);
    cospin_rng_seed(&b, 9, 3);
    cospin_rng_seed(&c, 9, 4);
    cospin_rng_seed(&d, 10, 3);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = cospin_rng_u64(&a), y = cospin_rng_u64(&b);
        ck_assert_uint_eq(x, y);
        same_c += x == cospin_rng_u64(&c);
        same_d += x == cospin_rng_u64(&d);
    }
    /* Independent 64-bit words agree with probability 2^-64 each. */
    ck_assert_int_eq(same_c, 0);
    ck_assert_int_eq(same_d, 0);
    /* A copy is a fork: it continues the same sequence. */
    struct cospin_rng e = a;
    ck_assert_uint_eq(cospin_rng_u64(&e), cospin_rng_u64(&a));
}
END_TEST

/* 10^6 normals: mean within 5/sqrt(N), variance within 5 sqrt(2/N),
 * P(|x| > 3) = 2.6998e-3 and P(|x| > r = 3.6542, the ziggurat tail) =
 * 2.5797e-4 within 5 binomial SE. */
START_TEST(test_normal_moments)
{
    struct cospin_rng r;
    cospin_rng_seed(&r, 42, 7);
    const long n = 1000000;
    double s = 0.0, s2 = 0.0, s4 = 0.0;
    long over3 = 0, tail = 0;
    for (long i = 0; i < n; i++) {
        double x = cospin_rng_normal(&r);
        s += x;
        s2 += x * x;
        s4 += x * x * x * x;
        over3 += fabs(x) > 3.0;
        tail += fabs(x) > 3.6541528853610088;
    }
    double dn = (double)n;
    ck_assert_close(s / dn, 0.0, 5.0 / sqrt(dn));
    ck_assert_close(s2 / dn, 1.0, 5.0 * sqrt(2.0 / dn));
    ck_assert_close(s4 / dn, 3.0, 5.0 * sqrt(96.0 / dn)); /* Var(x^4) = 105 - 9 */
    double p3 = 2.6997960632601866e-3, pt = 2.5797e-4;
    ck_assert_close((double)over3 / dn, p3, 5.0 * sqrt(p3 / dn));
    ck_assert_close((double)tail / dn, pt, 5.0 * sqrt(pt / dn));
    /* Uniform: in [0, 1), mean 1/2 within 5 sqrt(1/12/N). */
    double u = 0.0;
    for (long i = 0; i < n; i++) {
        double x = cospin_rng_uniform(&r);
        ck_assert(x >= 0.0 && x < 1.0);
        u += x;
    }
    ck_assert_close(u / dn, 0.5, 5.0 * sqrt(1.0 / 12.0 / dn));
}
END_TEST

/*
 * cospin_rng_below: every value of a small range about equally often
 * (chi-square with 6 d.o.f. below 22.46, its 0.1 % point), and no modulo
 * bias for a range where it would be large: with n = 3 * 2^62, a plain
 * "x % n" gives x < n/3 with probability 1/2 instead of 1/3; 10^5 draws
 * put the observed fraction within 5 SE (0.0075) of 1/3.
 */
START_TEST(test_below)
{
    struct cospin_rng r;
    cospin_rng_seed(&r, 5, 1);
    enum { K = 7, N = 70000 };
    long count[K] = {0};
    for (long i = 0; i < N; i++) {
        uint64_t v = cospin_rng_below(&r, K);
        ck_assert_uint_lt(v, K);
        count[v]++;
    }
    double chi2 = 0.0, e = (double)N / K;
    for (int k = 0; k < K; k++)
        chi2 += (count[k] - e) * (count[k] - e) / e;
    ck_assert_msg(chi2 < 22.46, "chi2 %g", chi2);
    const uint64_t n = UINT64_C(3) << 62;
    long low = 0;
    const long m = 100000;
    for (long i = 0; i < m; i++) {
        uint64_t v = cospin_rng_below(&r, n);
        ck_assert_uint_lt(v, n);
        low += v < (n / 3);
    }
    ck_assert_close((double)low / m, 1.0 / 3.0, 5.0 * sqrt(2.0 / 9.0 / m));
    ck_assert_uint_eq(cospin_rng_below(&r, 1), 0);
}
END_TEST

START_TEST(test_edge_cases)
{
    struct cospin_rng r;
    /* n = 0 has no valid value: 0, without consuming a draw. */
    cospin_rng_seed(&r, 3, 0);
    struct cospin_rng before = r;
    ck_assert_uint_eq(cospin_rng_below(&r, 0), 0);
    ck_assert_int_eq(memcmp(&r, &before, sizeof r), 0);
    /* Every (seed, stream) gives a usable (nonzero) state. */
    for (uint64_t s = 0; s < 100; s++) {
        cospin_rng_seed(&r, s, s);
        ck_assert(r.s[0] | r.s[1] | r.s[2] | r.s[3]);
    }
}
END_TEST

static Suite *suite_rng(void)
{
    Suite *s = suite_create("rng");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_pinned);
    tcase_add_test(core, test_streams);
    tcase_add_test(core, test_normal_moments);
    tcase_add_test(core, test_below);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_edge_cases);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_rng)
