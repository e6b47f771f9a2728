/*
 * cli_characterize.c -- `cospin characterize`: Monte Carlo P_sw(I) with
 * sigmoid fits (the neuron table), and the designer's inverse.
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "characterize.h"
#include "cli.h"
#include "error.h"
#include "units.h"

static void usage(FILE *f)
{
    fprintf(f,
"Usage: cospin characterize --width W[,W...] --current START:STOP:STEP --out DIR [OPTIONS]\n"
"       cospin characterize --target-k K --c C --table DIR/fit.csv [--ku KU] [--tol T]\n"
"\n"
"Monte Carlo switching probability P_sw(I) of the stochastic STT-MTJ neuron\n"
"(thesis ch. 3.2): at each (pulse width, Ku, current) N trials start in the\n"
"m_z < 0 state, get a rectangular write pulse, relax at zero current, and count\n"
"as switched when the final m_z > 0.  Each curve is fitted by maximum likelihood\n"
"with P_sw = 1/(1+exp(-k (I - c))), k in 1/uA, c in uA (errors: 1 sigma).\n"
"\n"
"Grid (numbers take SPICE suffixes: 30n = 30e-9, 11u = 11e-6, 1.1meg = 1.1e6):\n"
"  --width LIST        pulse widths in s, comma list or START:STOP:STEP (required)\n"
"  --current SWEEP     write currents in A, START:STOP:STEP or comma list (required)\n"
"  --ku LIST           anisotropies Ku in J/m^3 (default: the device's, 1.1e6;\n"
"                      1.21e6 gives E_B = 15 kBT in the thin-film convention)\n"
"  --vctrl LIST        control voltages in V instead of --ku: Ku = Ku0 + dKu/dV * V\n"
"                      (needs --ku-per-volt)\n"
"  --ku-per-volt X     anisotropy-control coefficient dKu/dV, J/(m^3 V)\n"
"\n"
"Trials and engine:\n"
"  --trials N          trials per point (default 100, as the thesis)\n"
"  --seed S            user seed (default 1); results depend only on the seed and\n"
"                      the point, not on --threads or the grid's other points\n"
"  --relax T           relaxation after the pulse, s (default 10n)\n"
"  --engine E          fast (standalone LLGS, default) | ngspice (mtj_stt code model\n"
"                      in ngspice transients, worker processes)\n"
"  --threads N         fast engine threads (default: all CPUs)\n"
"  --workers N         ngspice engine worker processes (default: all CPUs)\n"
"  --instances N       ngspice engine: mtj_stt instances per netlist (default 50)\n"
"\n"
"Device conventions (doc/characterization.md explains their effect on k and c):\n"
"  --demag M           prism (default; Nx = Ny = 0.088, Nz = 0.823 for 15x15x1.3 nm)\n"
"                      | thin-film (Nz = 1: the thesis's E_B = 7.5 kBT, Ic = 5.8 uA)\n"
"  --stt M             constant (eta = P, default, thesis) | slonczewski\n"
"  --thermal M         brown (default) | thesis (Eq. 3.4 with 1/(1+alpha^2))\n"
"  --temperature T     K (default 300)\n"
"\n"
"Output:\n"
"  --out DIR           directory for the results (created if missing):\n"
"      psw.csv   width_s,current_a,trials,switched,p_sw,ku_j_per_m3  (one row per point)\n"
"      fit.csv   width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status  (neuron table)\n"
"      fit.xml   the same with the points, as XML\n"
"      psw.svg   P_sw(I) with binomial error bars and the fitted sigmoids\n"
"      run.txt   the settings; finished points are appended to psw.csv as they\n"
"                complete, so an interrupted run (Ctrl-C, kill) keeps them and\n"
"                rerunning the same command resumes (skips finished points).\n"
"  --resume            resume explicitly (the default when DIR matches)\n"
"  --fresh             discard earlier results in DIR\n"
"\n"
"Designer's inverse (thesis Fig. 3.12/3.13, 3.15/3.16):\n"
"  --table FILE        a neuron table (fit.csv) from a width x Ku grid\n"
"  --target-k K        wanted slope, 1/uA\n"
"  --c C               wanted midpoint, uA: prints the (width, Ku) settings that\n"
"                      give (K, C) by bilinear interpolation over (log width, Ku)\n"
"  --ku KU             with --target-k and no --c: the width giving K at this Ku\n"
"                      (width-only control) and the c that comes with it\n"
"  --tol T             relative tolerance of the inverse (default 0.01)\n"
"  --ku-per-volt X     also print the control voltage V = (Ku - 1.1e6) / X\n"
"\n"
"Examples:\n"
"  cospin characterize --width 30n,200n --current 6u:20u:1u --trials 200 --out r\n"
"  cospin characterize --width 10n,30n,100n,200n --ku 1.1meg,1.15meg,1.21meg \\\n"
"      --current 4u:24u:1u --out grid\n"
"  cospin characterize --target-k 3 --c 11 --table grid/fit.csv\n"
"\n"
"Exit codes: 0 ok, 2 usage, 3 invalid value, 4 file error, 6 interrupted (rerun\n"
"to resume).\n");
}

/* The stop flag set by SIGINT/SIGTERM.  A signal handler can only reach
   file-level state; this is the one such variable of the program. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
    /* A second signal kills at once. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

static int parse_list(const char *opt, const char *text, double **v, size_t *n,
                      struct cospin_error *err)
{
    free(*v);
    *v = NULL;
    int rc = cospin_units_parse_sweep(text, v, n, err);
    if (rc)
        cospin_error_prefix(err, opt);
    return rc;
}

static int parse_enum(const char *opt, const char *text, const char *const *names, int *out,
                      struct cospin_error *err)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[128] = "";
    for (int i = 0; names[i]; i++) {
        strncat(list, i ? "|" : "", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "%s: unknown value '%s' (%s)", opt,
                            text, list);
}

static int parse_long(const char *opt, const char *text, long min, long *out,
                      struct cospin_error *err)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < min)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                "%s: '%s' is not an integer >= %ld", opt, text, min);
    *out = v;
    return 0;
}

static int parse_one(const char *opt, const char *text, double *out, struct cospin_error *err)
{
    int rc = cospin_units_parse(text, out, err);
    if (rc)
        cospin_error_prefix(err, opt);
    return rc;
}

/* Control voltage of a Ku (V), or NaN without a coefficient. */
static double vctrl_of(double ku, double ku0, double ku_per_volt)
{
    return ku_per_volt != 0 ? (ku - ku0) / ku_per_volt : NAN;
}

static int run_design(const char *table, double k, int have_c, double c, int have_ku, double ku,
                      double tol, double ku0, double ku_per_volt, struct cospin_error *err)
{
    struct cospin_char_table *t = NULL;
    int rc = cospin_char_read_fit_csv(table, &t, err);
    if (rc)
        return rc;
    if (have_c) {
        struct cospin_char_design sol[16];
        size_t ns = 0;
        rc = cospin_char_design_kc(t, k, c, tol, sol, 16, &ns, err);
        if (rc == 0) {
            printf("# settings giving k = %g /uA at c = %g uA (bilinear over log width x Ku)\n", k, c);
            printf("width_s,ku_j_per_m3,k_per_ua,c_ua,residual%s\n",
                   ku_per_volt != 0 ? ",v_ctrl_v" : "");
            for (size_t i = 0; i < ns; i++) {
                printf("%.6g,%.6g,%.4g,%.4g,%.2g", sol[i].width_s, sol[i].ku_j_per_m3,
                       sol[i].k_per_ua, sol[i].c_ua, sol[i].residual);
                if (ku_per_volt != 0)
                    printf(",%.6g", vctrl_of(sol[i].ku_j_per_m3, ku0, ku_per_volt));
                printf("\n");
            }
        }
    } else {
        if (!have_ku) {
            /* The table's only Ku, if it has one. */
            ku = t->fits[0].ku_j_per_m3;
            for (size_t i = 1; i < t->nfits; i++)
                if (t->fits[i].ku_j_per_m3 != ku) {
                    rc = cospin_error_set(err, COSPIN_ERR_INVALID, table, 0,
                                          "the table has several Ku values: give --c (joint "
                                          "width and Ku control) or --ku (width only)");
                    break;
                }
        }
        struct cospin_char_design d;
        if (!rc)
            rc = cospin_char_design_width(t, ku, k, &d, err);
        if (!rc) {
            printf("# width alone at Ku = %g J/m^3: k and c move together (Fig. 3.12/3.13)\n", ku);
            printf("width_s,ku_j_per_m3,k_per_ua,c_ua\n%.6g,%.6g,%.4g,%.4g\n", d.width_s,
                   d.ku_j_per_m3, d.k_per_ua, d.c_ua);
        }
    }
    cospin_char_table_free(t);
    return rc;
}

int cospin_cli_characterize(int argc, char **argv)
{
    enum { O_WIDTH = 256, O_CURRENT, O_TRIALS, O_KU, O_VCTRL, O_KUPV, O_SEED, O_RELAX, O_ENGINE,
           O_THREADS, O_WORKERS, O_INST, O_DEMAG, O_STT, O_THERMAL, O_TEMP, O_OUT, O_RESUME,
           O_FRESH, O_TABLE, O_TK, O_C, O_TOL, O_HELP };
    static const struct option lopts[] = {
        {"width", required_argument, NULL, O_WIDTH}, {"current", required_argument, NULL, O_CURRENT},
        {"trials", required_argument, NULL, O_TRIALS}, {"ku", required_argument, NULL, O_KU},
        {"vctrl", required_argument, NULL, O_VCTRL}, {"ku-per-volt", required_argument, NULL, O_KUPV},
        {"seed", required_argument, NULL, O_SEED}, {"relax", required_argument, NULL, O_RELAX},
        {"engine", required_argument, NULL, O_ENGINE}, {"threads", required_argument, NULL, O_THREADS},
        {"workers", required_argument, NULL, O_WORKERS}, {"instances", required_argument, NULL, O_INST},
        {"demag", required_argument, NULL, O_DEMAG}, {"stt", required_argument, NULL, O_STT},
        {"thermal", required_argument, NULL, O_THERMAL},
        {"temperature", required_argument, NULL, O_TEMP}, {"out", required_argument, NULL, O_OUT},
        {"resume", no_argument, NULL, O_RESUME}, {"fresh", no_argument, NULL, O_FRESH},
        {"table", required_argument, NULL, O_TABLE}, {"target-k", required_argument, NULL, O_TK},
        {"c", required_argument, NULL, O_C}, {"tol", required_argument, NULL, O_TOL},
        {"help", no_argument, NULL, O_HELP}, {NULL, 0, NULL, 0}};
    static const char *const engines[] = {"fast", "ngspice", NULL};
    static const char *const demags[] = {"prism", "thin-film", NULL};
    static const char *const stts[] = {"constant", "slonczewski", NULL};
    static const char *const thermals[] = {"brown", "thesis", NULL};

    struct cospin_error err = {0};
    struct cospin_char_opts o;
    cospin_char_opts_default(&o);
    double *widths = NULL, *currents = NULL, *kus = NULL, *vctrl = NULL;
    size_t nw = 0, nc = 0, nk = 0, nv = 0;
    const char *table = NULL;
    double target_k = 0, target_c = 0, tol = 0.01, ku_per_volt = 0;
    int have_k = 0, have_c = 0, have_kupv = 0, rc = 0, opt;
    long lv;
    while (rc == 0 && (opt = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        int e;
        switch (opt) {
        case O_WIDTH: rc = parse_list("--width", optarg, &widths, &nw, &err); break;
        case O_CURRENT: rc = parse_list("--current", optarg, &currents, &nc, &err); break;
        case O_KU: rc = parse_list("--ku", optarg, &kus, &nk, &err); break;
        case O_VCTRL: rc = parse_list("--vctrl", optarg, &vctrl, &nv, &err); break;
        case O_KUPV:
            rc = parse_one("--ku-per-volt", optarg, &ku_per_volt, &err);
            have_kupv = 1;
            break;
        case O_TRIALS:
            rc = parse_long("--trials", optarg, 1, &lv, &err);
            o.trials = lv;
            break;
        case O_SEED:
            rc = parse_long("--seed", optarg, 0, &lv, &err);
            o.seed = (uint64_t)lv;
            break;
        case O_RELAX: rc = parse_one("--relax", optarg, &o.relax_s, &err); break;
        case O_ENGINE:
            rc = parse_enum("--engine", optarg, engines, &e, &err);
            o.engine = (enum cospin_char_engine)e;
            break;
        case O_THREADS:
            rc = parse_long("--threads", optarg, 1, &lv, &err);
            o.threads = (int)lv;
            break;
        case O_WORKERS:
            rc = parse_long("--workers", optarg, 1, &lv, &err);
            o.pool_workers = (int)lv;
            break;
        case O_INST:
            rc = parse_long("--instances", optarg, 1, &lv, &err);
            o.instances_per_netlist = (int)lv;
            break;
        case O_DEMAG:
            rc = parse_enum("--demag", optarg, demags, &e, &err);
            o.device.demag = (enum cospin_demag)e;
            break;
        case O_STT:
            rc = parse_enum("--stt", optarg, stts, &e, &err);
            o.device.stt = (enum cospin_stt)e;
            break;
        case O_THERMAL:
            rc = parse_enum("--thermal", optarg, thermals, &e, &err);
            o.device.thermal = (enum cospin_thermal)e;
            break;
        case O_TEMP: rc = parse_one("--temperature", optarg, &o.device.temperature_k, &err); break;
        case O_OUT: o.out_dir = optarg; break;
        case O_RESUME: o.fresh = 0; break;
        case O_FRESH: o.fresh = 1; break;
        case O_TABLE: table = optarg; break;
        case O_TK:
            rc = parse_one("--target-k", optarg, &target_k, &err);
            have_k = 1;
            break;
        case O_C:
            rc = parse_one("--c", optarg, &target_c, &err);
            have_c = 1;
            break;
        case O_TOL: rc = parse_one("--tol", optarg, &tol, &err); break;
        case O_HELP:
        case 'h': usage(stdout); goto out;
        default: usage(stderr); rc = COSPIN_CLI_USAGE; goto out;
        }
    }
    if (rc) {
        cospin_cli_report(argv[0], &err);
        rc = COSPIN_CLI_USAGE;
        goto out;
    }
    if (optind < argc) {
        fprintf(stderr, "cospin characterize: error: unexpected argument '%s' (see --help)\n",
                argv[optind]);
        rc = COSPIN_CLI_USAGE;
        goto out;
    }

    if (table || have_k) {
        if (!table || !have_k) {
            fprintf(stderr, "cospin characterize: error: the inverse needs both --table FILE "
                            "and --target-k K (and --c C or --ku KU)\n");
            rc = COSPIN_CLI_USAGE;
            goto out;
        }
        if (nk > 1) {
            fprintf(stderr, "cospin characterize: error: --ku takes one value with --target-k\n");
            rc = COSPIN_CLI_USAGE;
            goto out;
        }
        rc = run_design(table, target_k, have_c, target_c, nk == 1, nk ? kus[0] : 0, tol,
                        cospin_mtj_ku_j_per_m3(&o.device), have_kupv ? ku_per_volt : 0, &err);
        if (rc)
            cospin_cli_report(argv[0], &err);
        goto out;
    }

    if (!nw || !nc || !o.out_dir) {
        fprintf(stderr, "cospin characterize: error: --width, --current and --out are required "
                        "(see --help)\n");
        rc = COSPIN_CLI_USAGE;
        goto out;
    }
    if (nv) {
        if (nk) {
            fprintf(stderr, "cospin characterize: error: give --ku or --vctrl, not both\n");
            rc = COSPIN_CLI_USAGE;
            goto out;
        }
        if (!have_kupv || ku_per_volt == 0) {
            fprintf(stderr, "cospin characterize: error: --vctrl needs a nonzero --ku-per-volt "
                            "(J/(m^3 V))\n");
            rc = COSPIN_CLI_USAGE;
            goto out;
        }
        double ku0 = cospin_mtj_ku_j_per_m3(&o.device);
        kus = malloc(nv * sizeof *kus);
        if (!kus) {
            rc = COSPIN_ERR_NOMEM;
            goto out;
        }
        for (size_t i = 0; i < nv; i++)
            kus[i] = ku0 + ku_per_volt * vctrl[i];
        nk = nv;
        fprintf(stderr, "cospin characterize: control voltages mapped to Ku = %g + %g * V J/m^3\n",
                ku0, ku_per_volt);
    }
    if (have_kupv)
        o.device.ku_per_volt_j_per_m3_v = ku_per_volt;

    struct cospin_char_grid g = {widths, nw, kus, nk, currents, nc};
    o.stop = &stop_requested;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct cospin_char_table *t = NULL;
    rc = cospin_char_run(&o, &g, &t, &err);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (rc) {
        cospin_cli_report(argv[0], &err);
        goto out;
    }
    printf("# neuron table (%s/fit.csv); %zu points, %zu resumed\n", o.out_dir, t->npoints,
           t->nresumed);
    printf("%-10s %-11s %-16s %-16s %s\n", "width_ns", "Ku_J/m3", "k_per_uA", "c_uA", "fit");
    for (size_t i = 0; i < t->nfits; i++) {
        const struct cospin_char_fit *f = &t->fits[i];
        printf("%-10.4g %-11.5g %6.3f +- %-6.3f %6.3f +- %-6.3f %s\n", f->width_s * 1e9,
               f->ku_j_per_m3, f->fit.k, f->fit.k_err, f->fit.c, f->fit.c_err,
               cospin_fit_status_name(f->fit.status));
    }
    cospin_char_table_free(t);
out:
    free(widths);
    free(currents);
    free(kus);
    free(vctrl);
    return rc;
}
