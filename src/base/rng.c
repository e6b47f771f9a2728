/*
 * rng.c -- seeding, bounded integers and the ziggurat's slow path (rng.h).
 */
#include "rng.h"

#include <math.h>

#include "ziggurat_tables.h"

/* splitmix64 (Steele, Lea & Flood 2014): the seeding hash. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void cospin_rng_seed(struct cospin_rng *r, uint64_t seed, uint64_t stream)
{
    /* Mix the stream through splitmix64 first so that neighbouring
     * (seed, stream) pairs start far apart. */
    uint64_t x = stream;
    uint64_t h = splitmix64(&x);
    x = seed ^ h;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
}

uint64_t cospin_rng_below(struct cospin_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Draws below 2^64 mod n would make the low residues more likely. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = cospin_rng_u64(r);
        if (x >= threshold)
            return x % n;
    }
}

double cospin_rng_normal_finish(struct cospin_rng *r, uint64_t u)
{
    for (;;) {
        int accept;
        double x = cospin_rng_zig_candidate(u, &accept);
        if (accept)
            return x;
        int idx = (int)(u & 0xff);
        uint64_t rabs = ((u >> 8) >> 1) & UINT64_C(0x000fffffffffffff);
        if (idx == 0) {
            /* Tail beyond ZIG_R (Marsaglia 1964). */
            for (;;) {
                double xx = -ZIG_INV_R * log1p(-cospin_rng_uniform(r));
                double yy = -log1p(-cospin_rng_uniform(r));
                if (yy + yy > xx * xx)
                    return ((rabs >> 8) & 1) ? -(ZIG_R + xx) : ZIG_R + xx;
            }
        }
        if ((zig_fi[idx - 1] - zig_fi[idx]) * cospin_rng_uniform(r) + zig_fi[idx] <
            exp(-0.5 * x * x))
            return x;
        u = cospin_rng_u64(r);
    }
}
