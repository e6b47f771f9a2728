/*
 * nonideal.h -- the non-idealities of a crossbar network, as a seeded model:
 * what the devices of one chip do (fixed per device), and what happens on
 * every read (drawn per read).  xbar_net.h applies them to networks of
 * crossbar layers; doc/circuits.md has the model with its figures.
 *
 * Per device, fixed for a chip (seed chip_seed; one stream per layer):
 *
 *   g_sigma    device-to-device spread: every conductance G (both devices of
 *              every pair, G_min ones included) becomes G exp(g_sigma n),
 *              n ~ N(0, 1) per device.  ln G is normal with standard
 *              deviation g_sigma around ln of the programmed G, so the spread
 *              is lognormal and MEDIAN-preserving (the mean grows by
 *              exp(g_sigma^2 / 2): +0.5 % at g_sigma = 0.1).  For small
 *              g_sigma the relative standard deviation of G is ~g_sigma.  The
 *              result is not clipped to [G_min, G_max]: spread is what the
 *              device does, not what the programming asked for.
 *   stuck_on   fraction of devices stuck at G_max (whatever is programmed),
 *   stuck_off  fraction stuck at G_min.  Each device draws u ~ U[0, 1): it is
 *              stuck on when u < stuck_on and stuck off when u >= 1 - stuck_off
 *              (so stuck_on + stuck_off <= 1, and raising one fraction only
 *              adds devices to its set).  Stuck devices have no spread.
 *
 *   Every device draws its u and its n whatever the settings, in device order
 *   (weight index j * n_in + i, then G+ before G-), so one chip_seed is one
 *   chip: the same devices are stuck at any g_sigma, and the spread pattern
 *   only scales with g_sigma.
 *
 * Per read (seed read_seed; each read of each layer has its own stream, so
 * results do not depend on how images are batched):
 *
 *   read_noise  each device's read current G V fluctuates by a Gaussian of
 *              standard deviation read_noise |G V|, independently per device
 *              and per read; summed in the column, the column current gets a
 *              Gaussian of standard deviation
 *                  read_noise sqrt(sum_i (G+_ji^2 + G-_ji^2) V_i^2)
 *              (relative to each device's own current; with wire resistance
 *              the device voltage is taken as the driver voltage V_i, which
 *              overstates the noise by the IR drop, ~1 % at 1 Ohm).
 *   adc_bits   the column current is quantised by an N-bit two's-complement
 *              ADC (mid-tread: zero is a code) of full scale +-I_fs:
 *              step D = I_fs / 2^(N-1), codes -2^(N-1) .. 2^(N-1) - 1, values
 *              code * D, currents beyond the range clip to the end codes.
 *              I_fs = adc_range * I_unit (adc_range in network units of z).
 *              adc_range = 0 (default): per layer, the largest window
 *              |c_j| + COSPIN_NONIDEAL_ADC_AUTO_U / |k_j| over its neurons, the
 *              z range in which some neuron's sigma(k (z + c)) is not yet
 *              saturated (to within sigma(-8) = 3.4e-4): codes are spent
 *              where the neurons can tell currents apart.
 *   neuron_samples  a stochastic MTJ neuron switches with probability P_sw
 *              per write pulse: with S > 0 each neuron output is the mean of S
 *              Bernoulli(P_sw) draws (S pulses, a counter), so it is one of
 *              0, 1/S, ..., 1; S = 0 keeps the expectation P_sw.
 *
 * Pure C on top of the one generator (rng.h: (seed, stream) pairs; the
 * streams are tagged chip or read, what is drawn, layer and read index, so
 * they never meet the training's streams of nn.h); no allocation outside
 * cospin_nonideal_chip_new.
 */
#ifndef COSPIN_NONIDEAL_H
#define COSPIN_NONIDEAL_H

#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "rng.h"

/* Half-width of a neuron's unsaturated window in u = k (z + c) for the automatic ADC range. */
#define COSPIN_NONIDEAL_ADC_AUTO_U 8.0
/* Largest ADC resolution, bits (a double holds every code exactly far beyond this). */
#define COSPIN_NONIDEAL_ADC_MAX_BITS 24
/* Largest number of neuron samples per read. */
#define COSPIN_NONIDEAL_MAX_SAMPLES 1000000

/* The settings; cospin_nonideal_init() turns everything off. */
struct cospin_nonideal {
    double g_sigma;        /* device-to-device spread: standard deviation of ln G (>= 0) */
    double stuck_on;       /* fraction of devices stuck at G_max, [0, 1] */
    double stuck_off;      /* fraction of devices stuck at G_min, [0, 1] */
    uint64_t chip_seed;    /* the chip: spread and stuck devices (default 1) */
    double read_noise;     /* per-read noise of each device current, relative (>= 0) */
    int adc_bits;          /* column ADC resolution, bits; 0 = no ADC (else 1 .. 24) */
    double adc_range;      /* ADC full scale, network units of z (> 0); 0 = automatic */
    int neuron_samples;    /* Bernoulli draws per neuron output; 0 = the expectation P_sw */
    uint64_t read_seed;    /* per-read draws: read noise and neuron samples (default 1) */
};

/* Everything off, both seeds 1. */
void cospin_nonideal_init(struct cospin_nonideal *ni);

/*
 * Check the settings: g_sigma and read_noise finite and >= 0, the stuck
 * fractions in [0, 1] with a sum <= 1, adc_bits 0 .. 24, adc_range finite
 * and >= 0, neuron_samples 0 .. 1e6.  Returns 0 or COSPIN_ERR_INVALID; the
 * message names the setting by its option name (e.g. "stuck-on").
 */
int cospin_nonideal_validate(const struct cospin_nonideal *ni, struct cospin_error *err);

/* Nonzero when a per-device setting is on (spread or stuck devices). */
int cospin_nonideal_has_chip(const struct cospin_nonideal *ni);

/* Nonzero when a per-read setting is on (read noise, ADC, neuron samples). */
int cospin_nonideal_has_reads(const struct cospin_nonideal *ni);

/* One line describing the settings ("ideal devices" when all are off) into buf. */
const char *cospin_nonideal_describe(const struct cospin_nonideal *ni, char *buf, size_t n);

/* The devices of one crossbar layer on one chip. */
struct cospin_nonideal_chip {
    size_t n;              /* weights (device pairs) */
    double *f_pos, *f_neg; /* G+ and G- factor exp(g_sigma n), or 0 for a stuck device */
    signed char *s_pos, *s_neg;  /* 0 working, +1 stuck at G_max, -1 stuck at G_min */
};

/*
 * Draw the n device pairs of layer `layer` (0-based) of chip ni->chip_seed.
 * *out is new; free it with cospin_nonideal_chip_free().  Returns 0,
 * COSPIN_ERR_INVALID (settings) or COSPIN_ERR_NOMEM.
 */
int cospin_nonideal_chip_new(const struct cospin_nonideal *ni, int layer, size_t n,
                             struct cospin_nonideal_chip **out, struct cospin_error *err);

/* NULL-safe. */
void cospin_nonideal_chip_free(struct cospin_nonideal_chip *chip);

/*
 * The conductances the chip's devices take when programmed to g_pos_s,
 * g_neg_s (n each, S; the weight map's values), in place.  g_min_s, g_max_s:
 * where stuck devices sit.  chip NULL: unchanged.
 */
void cospin_nonideal_chip_apply(const struct cospin_nonideal_chip *chip, double g_min_s,
                                double g_max_s, double *g_pos_s, double *g_neg_s);

/* The generator of one read: (read_seed, a stream of purpose, layer and read index). */
enum cospin_nonideal_draw {
    COSPIN_NONIDEAL_DRAW_NOISE = 1,   /* read noise of a layer's columns */
    COSPIN_NONIDEAL_DRAW_NEURON = 2   /* a layer's neuron samples */
};
void cospin_nonideal_read_rng(const struct cospin_nonideal *ni, enum cospin_nonideal_draw what,
                              int layer, uint64_t read, struct cospin_rng *rng);

/*
 * The ADC: value of z (network units) after an N-bit conversion of full
 * scale +-range (header comment).  bits 0: z unchanged.
 */
double cospin_nonideal_adc(double z, double range, int bits);

/*
 * The automatic ADC range of a layer of `units` neurons with slopes k and
 * offsets c (network units): the largest |c_j| + COSPIN_NONIDEAL_ADC_AUTO_U
 * / |k_j| over neurons with k_j != 0; 1 when there is none.
 */
double cospin_nonideal_adc_auto_range(const float *k, const float *c, size_t units);

/* A neuron output: the mean of `samples` Bernoulli(p) draws from rng, or p for 0 samples. */
double cospin_nonideal_neuron(double p, int samples, struct cospin_rng *rng);

#endif
