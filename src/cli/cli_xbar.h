/*
 * cli_xbar.h -- the crossbar and non-ideality options that `cospin infer`
 * and `cospin train --circuit-aware` share: one definition of their names,
 * ranges, units and help texts (opts.h table entries), so both commands
 * describe the same circuit the same way.
 *
 * COSPIN_CLI_XBAR_OPTS(T, XO, SECT) expands to the entries of the struct
 * cospin_xbar_opts at member path XO of the command's options struct T
 * (r-wire, r-driver, tile, g-min, g-max, v-read), the first starting section SECT
 * (NULL: the section before); COSPIN_CLI_NONIDEAL_OPTS(T, NI) to those of
 * the struct cospin_nonideal at NI (g-sigma, stuck-on, stuck-off,
 * chip-seed, read-noise, adc-bits, adc-range, neuron-samples, read-seed).
 */
#ifndef COSPIN_CLI_XBAR_H
#define COSPIN_CLI_XBAR_H

#include <stddef.h>

#include "nonideal.h"
#include "opts.h"
#include "xbar_circuit.h"

/*
 * --tile R:C into the struct cospin_xbar_opts at opt->offset: R inputs x C
 * outputs per tile, whole numbers >= 0 with SPICE suffixes ("1k:25"); 0 in
 * a direction leaves it untiled.
 */
int cospin_cli_parse_tile(void *opts, const struct cospin_opt *opt, const char *arg,
                          struct cospin_error *err);

/* A tile as "R:C" ("untiled" for 0:0) into buf. */
const char *cospin_cli_tile_text(const struct cospin_xbar_opts *xo, char *buf, size_t n);

#define COSPIN_CLI_XBAR_OPTS(T, XO, SECT)                                                     \
    {.name = "r-wire", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, XO.r_wire_ohm),           \
     .metavar = "OHM", .unit = "Ohm", COSPIN_OPT_MIN(0), .section = (SECT),                     \
     .help = "wire resistance of every row and column segment between neighbouring "            \
             "cells (0: ideal wires); implies resistor cells"},                                 \
    {.name = "r-driver", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, XO.r_driver_ohm),       \
     .metavar = "OHM", .unit = "Ohm", COSPIN_OPT_MIN(0),                                       \
     .help = "output resistance of every row-line driver (each tile has its own drivers; "      \
             "0: ideal drivers); implies resistor cells"},                                      \
    {.name = "tile", .type = COSPIN_OPT_CUSTOM, COSPIN_OPT_AT(T, XO), .metavar = "R:C",     \
     COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(1000000), .parse = cospin_cli_parse_tile,              \
     .default_text = "0:0 (untiled)",                                                          \
     .help = "split each crossbar into tiles of R inputs x C outputs, each with its own "       \
             "drivers and column ends (partial sums added per column); 0 leaves a direction "   \
             "untiled, a tile larger than the layer is the whole layer, and the last tile of "  \
             "a direction keeps whatever is left (also a single row)"},                        \
    {.name = "g-min", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, XO.g_min_s), .metavar = "S", \
     .unit = "S", COSPIN_OPT_ABOVE(0), .help = "device conductance of weight 0 (R_AP)"},        \
    {.name = "g-max", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, XO.g_max_s), .metavar = "S", \
     .unit = "S", COSPIN_OPT_ABOVE(0), .help = "device conductance of |w| = w_max (R_P)"},      \
    {.name = "v-read", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, XO.v_read_v),             \
     .metavar = "V", .unit = "V", COSPIN_OPT_ABOVE(0), .help = "read voltage per unit input"}

#define COSPIN_CLI_NONIDEAL_OPTS(T, NI)                                                       \
    {.name = "g-sigma", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, NI.g_sigma),             \
     .metavar = "REL", COSPIN_OPT_MIN(0),                                                      \
     .help = "device-to-device spread: every conductance times exp(REL n), n ~ N(0,1) per "     \
             "device (lognormal, median-preserving; ~REL relative), fixed for the chip"},       \
    {.name = "stuck-on", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, NI.stuck_on),           \
     .metavar = "FRAC", COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(1),                                  \
     .help = "fraction of devices stuck at G_max, fixed for the chip"},                         \
    {.name = "stuck-off", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, NI.stuck_off),         \
     .metavar = "FRAC", COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(1),                                  \
     .help = "fraction of devices stuck at G_min, fixed for the chip"},                         \
    {.name = "chip-seed", .type = COSPIN_OPT_INT, COSPIN_OPT_AT(T, NI.chip_seed),            \
     .metavar = "N", COSPIN_OPT_MIN(0),                                                        \
     .help = "the chip: which devices are stuck and each device's spread"},                     \
    {.name = "read-noise", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, NI.read_noise),       \
     .metavar = "REL", COSPIN_OPT_MIN(0),                                                      \
     .help = "Gaussian noise of every device's read current, relative to that current, "        \
             "drawn per read (sparse engine)"},                                                \
    {.name = "adc-bits", .type = COSPIN_OPT_INT, COSPIN_OPT_AT(T, NI.adc_bits),              \
     .metavar = "N", COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(COSPIN_NONIDEAL_ADC_MAX_BITS),           \
     .help = "quantise every column current with an N-bit ADC over +-full scale "               \
             "(0: none; sparse engine)"},                                                      \
    {.name = "adc-range", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, NI.adc_range),         \
     .metavar = "Z", COSPIN_OPT_MIN(0),                                                        \
     .default_text = "per layer, the widest |c| + 8/|k| of its neurons",                        \
     .help = "the ADC's full scale in network units of z (current Z * I_unit)"},                \
    {.name = "neuron-samples", .type = COSPIN_OPT_INT, COSPIN_OPT_AT(T, NI.neuron_samples),  \
     .metavar = "S", COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(COSPIN_NONIDEAL_MAX_SAMPLES),            \
     .help = "stochastic MTJ neurons: each output the mean of S Bernoulli(P_sw) draws "         \
             "per read (0: P_sw itself; sparse engine)"},                                      \
    {.name = "read-seed", .type = COSPIN_OPT_INT, COSPIN_OPT_AT(T, NI.read_seed),            \
     .metavar = "N", COSPIN_OPT_MIN(0),                                                        \
     .help = "the per-read draws (read noise, neuron samples)"}

#endif
