/*
 * rng.h -- the one pseudo-random generator of cospin: xoshiro256** 1.0
 * (Blackman & Vigna 2018) seeded through splitmix64 from a (seed, stream)
 * pair, with uniform doubles, unbiased bounded integers and a 256-layer
 * ziggurat for standard normals.
 *
 * The generator is plain data (four words), so it can be copied, stored in
 * ngspice's per-timepoint state, and forked by copying.  The same (seed,
 * stream) always gives the same sequence on every platform: the LLGS
 * Monte Carlo (stream = trial index), the training (rng streams below) and
 * the synapse devices all draw from it.  The sequence of a given (seed,
 * stream) is part of cospin's reproducibility promise: the characterisation
 * results stored in doc/ depend on it bit for bit, and tests/check_rng.c
 * pins its first values.
 *
 * The hot functions are inline here: the LLGS step draws three normals per
 * time step, and a call per draw would cost more than the draw.  Pure C, no
 * allocation, no global state; compiled into both libcospin and cospin.cm.
 */
#ifndef COSPIN_RNG_H
#define COSPIN_RNG_H

#include <stdint.h>

#include "cospin.h"

COSPIN_BEGIN_DECLS

/* Generator state; seed it with cospin_rng_seed before use. */
struct cospin_rng {
    uint64_t s[4];
};

/*
 * Seed r from (seed, stream): different streams of one seed are
 * independent sequences, and the same pair always gives the same sequence.
 * Callers drawing for several purposes from one user seed give each purpose
 * its own stream (learning/nn.h lists the training's).
 */
COSPIN_API void cospin_rng_seed(struct cospin_rng *r, uint64_t seed, uint64_t stream);

/* Next raw 64-bit value. */
static inline uint64_t cospin_rng_u64(struct cospin_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform double in [0, 1): the top 53 bits of one draw. */
static inline double cospin_rng_uniform(struct cospin_rng *r)
{
    return (double)(cospin_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0); /* 2^-53 */
}

/* Uniform integer in [0, n) without modulo bias (rejection); 0 when n == 0. */
COSPIN_API uint64_t cospin_rng_below(struct cospin_rng *r, uint64_t n);

/*
 * The ziggurat (256 layers, 52-bit mantissa, as NumPy's legacy normal) in
 * two parts, so that a batched caller (the LLGS fast path) can run the
 * rectangle test on many generators at once and finish the rare rest one
 * by one with exactly the draws cospin_rng_normal would use.
 */
COSPIN_API extern const uint64_t cospin_rng_zig_ki[256]; /* rectangle-test thresholds */
COSPIN_API extern const double cospin_rng_zig_wi[256];   /* layer widths / 2^52 */

/* Candidate of raw draw u: x (signed) and whether the rectangle test alone
   accepts it (about 99 % of draws). */
static inline double cospin_rng_zig_candidate(uint64_t u, int *accept)
{
    int idx = (int)(u & 0xff);
    u >>= 8;
    int neg = (int)(u & 1);
    uint64_t rabs = (u >> 1) & UINT64_C(0x000fffffffffffff);
    double x = (double)rabs * cospin_rng_zig_wi[idx];
    *accept = rabs < cospin_rng_zig_ki[idx];
    return neg ? -x : x;
}

/* Finish a draw u that the rectangle test did not accept (the tail or the
   wedge, then fresh draws from r until one is accepted). */
COSPIN_API double cospin_rng_normal_finish(struct cospin_rng *r, uint64_t u);

/* Standard normal deviate. */
static inline double cospin_rng_normal(struct cospin_rng *r)
{
    uint64_t u = cospin_rng_u64(r);
    int accept;
    double x = cospin_rng_zig_candidate(u, &accept);
    return accept ? x : cospin_rng_normal_finish(r, u);
}

COSPIN_END_DECLS

#endif
