/*
 * cli_device.h -- the MTJ device on the command line: the option-table
 * entries of the device words (the same words as the device file's
 * attributes, mtj_device.h), and the step that reads --device FILE and puts
 * the options given on top of it.  Used by characterize, energy, netlist
 * and train.
 *
 * A command's struct holds a struct cospin_mtj_device (filled with
 * cospin_mtj_device_default by its init) and a const char * for the file;
 * its table lists the groups below with those two members; its body calls
 * cospin_cli_device_finish before it uses the device.  Options given on the
 * command line win over the file whatever their order.
 */
#ifndef COSPIN_CLI_DEVICE_H
#define COSPIN_CLI_DEVICE_H

#include <stddef.h>
#include <stdio.h>

#include "mtj_device.h"
#include "opts.h"

/* The names the convention options accept (llgs.h), and their values. */
extern const char *const cospin_cli_demag_names[];
extern const char *const cospin_cli_stt_names[];
extern const int cospin_cli_stt_values[];
extern const char *const cospin_cli_thermal_names[];
extern const char *const cospin_cli_init_names[];
extern const char *const cospin_cli_integrator_names[];

/* --device FILE into the const char * member FILE of T; starts section "Device". */
#define COSPIN_CLI_DEVICE_FILE_OPT(T, FILE)                                                        \
    {.name = "device", .type = COSPIN_OPT_STRING, COSPIN_OPT_AT(T, FILE), .metavar = "FILE",    \
     .section = "Device (a device file, grammar mtj.rng; options override it)",                \
     .default_text = "the thesis device",                                                      \
     .help = "MTJ device file (doc/model-reference.md); the options below "                   \
             "replace its values"}

/* The free layer: size, Ms, alpha, P, gamma (in struct cospin_mtj_device member DEV of T). */
#define COSPIN_CLI_DEVICE_LAYER_OPTS(T, DEV)                                                       \
    {.name = "fl-length", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.length_m),          \
     .metavar = "L", .unit = "m", COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(1e-5),                    \
     .help = "free-layer length (x)"},                                                         \
    {.name = "fl-width", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.width_m),            \
     .metavar = "W", .unit = "m", COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(1e-5),                    \
     .help = "free-layer width (y; not the pulse width)"},                                     \
    {.name = "fl-thickness", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.thickness_m),    \
     .metavar = "T", .unit = "m", COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(1e-6),                    \
     .help = "free-layer thickness t_FL"},                                                     \
    {.name = "ms", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.mu0_ms_t), .metavar = "B",  \
     .unit = "T", COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(10), .help = "saturation mu0 Ms"},        \
    {.name = "alpha", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.alpha), .metavar = "A", \
     COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(10), .help = "Gilbert damping"},                       \
    {.name = "polarization", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.polarization),   \
     .metavar = "P", COSPIN_OPT_ABOVE(0), COSPIN_OPT_BELOW(1), .help = "spin polarisation"},     \
    {.name = "gamma", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.gamma_rad_per_s_t),     \
     .metavar = "G", .unit = "rad/(s T)", COSPIN_OPT_MIN(1e9), COSPIN_OPT_MAX(1e13),            \
     .help = "gyromagnetic ratio"}

/* The read path: R_P and the TMR ratio. */
#define COSPIN_CLI_DEVICE_READ_OPTS(T, DEV)                                                        \
    {.name = "r-p", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.r_p_ohm), .metavar = "R",   \
     .unit = "ohm", COSPIN_OPT_ABOVE(0), .help = "parallel resistance R_P"},                    \
    {.name = "tmr", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.tmr), .metavar = "X",       \
     COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(10),                                                  \
     .help = "TMR ratio (R_AP - R_P)/R_P: 1.5 for 150 %"}

/* Temperature and the conventions. */
#define COSPIN_CLI_DEVICE_CONV_OPTS(T, DEV)                                                        \
    {.name = "temperature", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.temperature_k),   \
     .metavar = "T", .unit = "K", COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(2000),                      \
     .help = "temperature (0 switches the thermal field off)"},                                \
    {.name = "demag", .type = COSPIN_OPT_ENUM, COSPIN_OPT_AT(T, DEV.p.demag),                   \
     .names = cospin_cli_demag_names, .metavar = "prism|thin-film",                            \
     .help = "prism: demag factors of the free layer (Nx = Ny = 0.088, Nz = "                  \
             "0.823 for 15x15x1.3 nm); thin-film: Nz = 1 (the thesis's "                       \
             "E_B = 7.5 kBT, Ic = 5.8 uA)"},                                                   \
    {.name = "stt", .type = COSPIN_OPT_ENUM, COSPIN_OPT_AT(T, DEV.p.stt),                       \
     .names = cospin_cli_stt_names, .values = cospin_cli_stt_values,                           \
     .metavar = "constant|slonczewski|slonczewski1996",                                        \
     .help = "spin-torque efficiency: eta = P (thesis), P/(1 + P^2 cos) "                      \
             "(tunnel junction), or the 1996 spin valve (alias spin-valve)"},                  \
    {.name = "thermal", .type = COSPIN_OPT_ENUM, COSPIN_OPT_AT(T, DEV.p.thermal),               \
     .names = cospin_cli_thermal_names, .metavar = "brown|thesis",                             \
     .help = "thermal field: Brown, or thesis Eq. 3.4 with 1/(1+alpha^2)"}

/* The simulation: thermal-field factor, initial state, integrator, step. */
#define COSPIN_CLI_DEVICE_SIM_OPTS(T, DEV)                                                         \
    {.name = "thermal-scale", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.thermal_scale), \
     .metavar = "F", COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(100),                                    \
     .help = "factor on the thermal field's amplitude, independent of "                        \
             "--temperature"},                                                                 \
    {.name = "init", .type = COSPIN_OPT_ENUM, COSPIN_OPT_AT(T, DEV.p.init),                     \
     .names = cospin_cli_init_names, .metavar = "thermal|tilt|minus-z",                        \
     .help = "initial state: Boltzmann sample of the m_z < 0 well, a "                         \
             "0.01 rad tilt, or exactly -z"},                                                  \
    {.name = "integrator", .type = COSPIN_OPT_ENUM, COSPIN_OPT_AT(T, DEV.p.integrator),         \
     .names = cospin_cli_integrator_names, .metavar = "rotating|rk4",                          \
     .help = "LLGS integrator: RK4 in the frame precessing with the well, "                    \
             "or in the lab frame (as before; less accurate at 5 ps)"},                        \
    {.name = "dt", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(T, DEV.p.dt_s), .metavar = "S",     \
     .unit = "s", COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(1e-9), .help = "LLGS time step"}

/*
 * After parsing: if file is non-NULL, read it over the defaults and put
 * back every option of cmd's table that was given and lands inside the
 * device (at dev_offset in opts); a --ku given then wins over a file's
 * k-bulk/k-i.  The device is validated.  On failure the error is printed
 * as "cospin CMD: error: ..." and its status returned; else 0.
 */
int cospin_cli_device_finish(const struct cospin_opts_result *res, void *opts, size_t dev_offset,
                             const char *file);

/*
 * Print "device NAME (FILE): ..." and the derived figures of d to f, each
 * figure line indented by two blanks.  label (may be NULL) replaces the
 * name in the heading.
 */
void cospin_cli_device_print(FILE *f, const struct cospin_mtj_device *d, const char *label);

#endif
