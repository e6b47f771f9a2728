/*
 * nonideal.c -- the seeded non-ideality model of crossbar networks
 * (nonideal.h): chips, read generators, the ADC and sampled neurons.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "nonideal.h"

/*
 * Streams of the generator: the purpose in the top 8 bits (chip or read),
 * what is drawn in the next 8, the layer in the next 8 and a read index in
 * the low 40 (10^12 reads per layer before two streams could meet).
 */
#define STREAM_CHIP 0x43ull          /* 'C' */
#define STREAM_READ 0x52ull          /* 'R' */
#define STREAM_INDEX_MASK ((1ull << 40) - 1)

static uint64_t stream_of(uint64_t purpose, int what, int layer, uint64_t index)
{
    return (purpose << 56) | ((uint64_t)(what & 0xff) << 48) |
           ((uint64_t)(layer & 0xff) << 40) | (index & STREAM_INDEX_MASK);
}

void cospin_nonideal_init(struct cospin_nonideal *ni)
{
    memset(ni, 0, sizeof *ni);
    ni->chip_seed = 1;
    ni->read_seed = 1;
}

int cospin_nonideal_validate(const struct cospin_nonideal *ni, struct cospin_error *err)
{
    if (!ni)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no non-ideality settings");
    if (!(isfinite(ni->g_sigma) && ni->g_sigma >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "g-sigma %g: the spread of ln G must be finite and >= 0",
                                ni->g_sigma);
    if (!(ni->stuck_on >= 0 && ni->stuck_on <= 1))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "stuck-on %g: a fraction must lie in [0, 1]", ni->stuck_on);
    if (!(ni->stuck_off >= 0 && ni->stuck_off <= 1))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "stuck-off %g: a fraction must lie in [0, 1]", ni->stuck_off);
    if (ni->stuck_on + ni->stuck_off > 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "stuck-on %g + stuck-off %g: more than all devices",
                                ni->stuck_on, ni->stuck_off);
    if (!(isfinite(ni->read_noise) && ni->read_noise >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "read-noise %g: must be finite and >= 0", ni->read_noise);
    if (ni->adc_bits < 0 || ni->adc_bits > COSPIN_NONIDEAL_ADC_MAX_BITS)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "adc-bits %d: must be 0 (no ADC) or 1 .. %d", ni->adc_bits,
                                COSPIN_NONIDEAL_ADC_MAX_BITS);
    if (!(isfinite(ni->adc_range) && ni->adc_range >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "adc-range %g: must be > 0 (or 0: automatic)", ni->adc_range);
    if (ni->neuron_samples < 0 || ni->neuron_samples > COSPIN_NONIDEAL_MAX_SAMPLES)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "neuron-samples %d: must be 0 (the expectation) or 1 .. %d",
                                ni->neuron_samples, COSPIN_NONIDEAL_MAX_SAMPLES);
    return 0;
}

int cospin_nonideal_has_chip(const struct cospin_nonideal *ni)
{
    return ni->g_sigma > 0 || ni->stuck_on > 0 || ni->stuck_off > 0;
}

int cospin_nonideal_has_reads(const struct cospin_nonideal *ni)
{
    return ni->read_noise > 0 || ni->adc_bits > 0 || ni->neuron_samples > 0;
}

const char *cospin_nonideal_describe(const struct cospin_nonideal *ni, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
#define PUT(...)                                                                       \
    do {                                                                               \
        int w_ = snprintf(buf + k, k < n ? n - k : 0, __VA_ARGS__);                    \
        k += w_ > 0 ? (size_t)w_ : 0;                                                  \
    } while (0)
    if (ni->g_sigma > 0)
        PUT("%sg-sigma %g", k ? ", " : "", ni->g_sigma);
    if (ni->stuck_on > 0)
        PUT("%sstuck-on %g", k ? ", " : "", ni->stuck_on);
    if (ni->stuck_off > 0)
        PUT("%sstuck-off %g", k ? ", " : "", ni->stuck_off);
    if (cospin_nonideal_has_chip(ni))
        PUT(" (chip seed %llu)", (unsigned long long)ni->chip_seed);
    if (ni->read_noise > 0)
        PUT("%sread-noise %g", k ? ", " : "", ni->read_noise);
    if (ni->adc_bits > 0 && ni->adc_range > 0)
        PUT("%s%d-bit ADC over +-%g", k ? ", " : "", ni->adc_bits, ni->adc_range);
    else if (ni->adc_bits > 0)
        PUT("%s%d-bit ADC (automatic range)", k ? ", " : "", ni->adc_bits);
    if (ni->neuron_samples > 0)
        PUT("%s%d neuron samples", k ? ", " : "", ni->neuron_samples);
    if (ni->read_noise > 0 || ni->neuron_samples > 0)
        PUT(" (read seed %llu)", (unsigned long long)ni->read_seed);
    if (k == 0)
        PUT("ideal devices");
#undef PUT
    return buf;
}

int cospin_nonideal_chip_new(const struct cospin_nonideal *ni, int layer, size_t n,
                             struct cospin_nonideal_chip **out, struct cospin_error *err)
{
    *out = NULL;
    int rc = cospin_nonideal_validate(ni, err);
    if (rc)
        return rc;
    struct cospin_nonideal_chip *chip = calloc(1, sizeof *chip);
    double *f = malloc(2 * (n ? n : 1) * sizeof *f);
    signed char *s = malloc(2 * (n ? n : 1));
    if (!chip || !f || !s) {
        free(chip);
        free(f);
        free(s);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "chip: out of memory");
    }
    chip->n = n;
    chip->f_pos = f, chip->f_neg = f + n;
    chip->s_pos = s, chip->s_neg = s + n;
    struct cospin_rng rng;
    cospin_rng_seed(&rng, ni->chip_seed, stream_of(STREAM_CHIP, 0, layer, 0));
    for (size_t k = 0; k < n; k++)
        for (int pol = 0; pol < 2; pol++) {
            /* Both draws always, in this order: the chip does not depend on the settings. */
            double u = cospin_rng_uniform(&rng);
            double g = cospin_rng_normal(&rng);
            signed char st = u < ni->stuck_on ? 1 : (u >= 1.0 - ni->stuck_off ? -1 : 0);
            (pol ? chip->s_neg : chip->s_pos)[k] = st;
            (pol ? chip->f_neg : chip->f_pos)[k] = st ? 0.0 : exp(ni->g_sigma * g);
        }
    *out = chip;
    return 0;
}

void cospin_nonideal_chip_free(struct cospin_nonideal_chip *chip)
{
    if (!chip)
        return;
    free(chip->f_pos);
    free(chip->s_pos);
    free(chip);
}

void cospin_nonideal_chip_apply(const struct cospin_nonideal_chip *chip, double g_min_s,
                                double g_max_s, double *g_pos_s, double *g_neg_s)
{
    if (!chip)
        return;
    for (size_t k = 0; k < chip->n; k++) {
        signed char sp = chip->s_pos[k], sn = chip->s_neg[k];
        g_pos_s[k] = sp > 0 ? g_max_s : sp < 0 ? g_min_s : g_pos_s[k] * chip->f_pos[k];
        g_neg_s[k] = sn > 0 ? g_max_s : sn < 0 ? g_min_s : g_neg_s[k] * chip->f_neg[k];
    }
}

void cospin_nonideal_read_rng(const struct cospin_nonideal *ni, enum cospin_nonideal_draw what,
                              int layer, uint64_t read, struct cospin_rng *rng)
{
    cospin_rng_seed(rng, ni->read_seed, stream_of(STREAM_READ, (int)what, layer, read));
}

double cospin_nonideal_adc(double z, double range, int bits)
{
    if (bits <= 0)
        return z;
    double half = ldexp(1.0, bits - 1);    /* 2^(N-1) */
    double step = range / half;
    double code = nearbyint(z / step);
    if (code < -half)
        code = -half;
    if (code > half - 1)
        code = half - 1;
    return code * step;
}

double cospin_nonideal_adc_auto_range(const float *k, const float *c, size_t units)
{
    double r = 0;
    for (size_t j = 0; j < units; j++)
        if (k[j] != 0)
            r = fmax(r, fabs((double)c[j]) + COSPIN_NONIDEAL_ADC_AUTO_U / fabs((double)k[j]));
    return r > 0 ? r : 1.0;
}

double cospin_nonideal_neuron(double p, int samples, struct cospin_rng *rng)
{
    if (samples <= 0)
        return p;
    int hits = 0;
    for (int s = 0; s < samples; s++)
        hits += cospin_rng_uniform(rng) < p;
    return (double)hits / samples;
}
