/*
 * cli_characterize.c -- `cospin characterize`: Monte Carlo P_sw(I) with
 * sigmoid fits (the neuron table), and the designer's inverse.
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "characterize.h"
#include "cli.h"
#include "cli_device.h"
#include "dist.h"
#include "error.h"
#define LOG_PREFIX "characterize"
#include "log.h"
#include "opts.h"
#include "output.h"
#include "units.h"

/* The options of `cospin characterize`: the library's run options plus the grid and the inverse. */
struct char_cli {
    struct cospin_char_opts o;
    struct cospin_mtj_device dev; /* the device; o.device is its physics once parsed */
    const char *device_file;   /* --device FILE */
    struct cospin_opt_list widths, currents, kus, vctrl;
    const char *table;         /* inverse: a fit.csv */
    double target_k;           /* inverse: 1/uA */
    double target_c;           /* inverse: uA */
    double tol;                /* inverse: relative */
    int force;                 /* --force: no limit on the estimated run time */
};

static void char_init(void *p)
{
    struct char_cli *c = p;
    cospin_char_opts_default(&c->o);
    cospin_mtj_device_default(&c->dev);
    c->o.device = c->dev.p;
    c->o.job_timeout_s = COSPIN_CLI_JOB_TIMEOUT_S;
    c->tol = 0.01;
}

/* Control voltage of a Ku (V), or NaN without a coefficient. */
static double vctrl_of(double ku, double ku0, double ku_per_volt)
{
    return ku_per_volt != 0 ? (ku - ku0) / ku_per_volt : NAN;
}

/*
 * The currents of the table's curves for the Fokker-Planck refinement:
 * --current if given, else those of the first curve in the psw.csv beside
 * the table (the characterisation that wrote it).  *cur is new (free()).
 */
static int design_currents(const char *table, const struct cospin_opt_list *given, double **cur,
                           size_t *n, struct cospin_error *err)
{
    *cur = NULL;
    *n = 0;
    const struct cospin_opt_list *g = given;
    struct cospin_char_table *pt = NULL;
    if (!g->n) {
        char path[4096];
        const char *slash = strrchr(table, '/');
        int len = slash ? (int)(slash - table) : 1;
        snprintf(path, sizeof path, "%.*s/psw.csv", len, slash ? table : ".");
        struct cospin_error e = {0};
        if (cospin_char_read_psw_csv(path, 0, &pt, &e) != 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, table, 0,
                                    "the refinement by the fokker-planck engine needs the "
                                    "currents of the table's curves: give --current (%s)", e.msg);
    }
    size_t m = g->n ? g->n : pt->npoints;
    *cur = malloc((m ? m : 1) * sizeof **cur);
    if (!*cur) {
        cospin_char_table_free(pt);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; i < m; i++) {
        if (g->n)
            (*cur)[(*n)++] = g->v[i];
        else if (pt->points[i].width_s == pt->points[0].width_s &&
                 pt->points[i].ku_j_per_m3 == pt->points[0].ku_j_per_m3)
            (*cur)[(*n)++] = pt->points[i].current_a;
    }
    cospin_char_table_free(pt);
    return COSPIN_OK;
}

/* --target-k with --target-c and --engine fokker-planck: the inverse answered by the engine. */
static int run_design_fp(const struct cospin_char_opts *o, const char *table,
                         const struct cospin_opt_list *currents, const struct cospin_char_table *t,
                         double k, double c, double tol, struct cospin_error *err)
{
    double *cur = NULL;
    size_t ncur = 0;
    int rc = design_currents(table, currents, &cur, &ncur, err);
    struct cospin_char_design sol[16];
    size_t ns = 0;
    if (!rc)
        rc = cospin_char_design_kc_fp(o, cur, ncur, t, k, c, tol, sol, 16, &ns, err);
    free(cur);
    if (rc)
        return rc;
    printf("# settings giving k = %g /uA at c = %g uA (Fokker-Planck engine at each setting, "
           "%zu currents; width rounded to the %g s LLGS step)\n",
           k, c, ncur, o->device.dt_s);
    printf("width_s,ku_j_per_m3,k_per_ua,c_ua,residual\n");
    for (size_t i = 0; i < ns; i++)
        printf("%.6g,%.7g,%.6g,%.6g,%.2g\n", sol[i].width_s, sol[i].ku_j_per_m3, sol[i].k_per_ua,
               sol[i].c_ua, sol[i].residual);
    return COSPIN_OK;
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


void cospin_cli_print_fit_table(FILE *f, const char *out_dir, const struct cospin_char_table *t,
                                long nresumed)
{
    if (nresumed >= 0)
        fprintf(f, "# neuron table (%s/fit.csv); %zu points, %ld resumed\n", out_dir, t->npoints,
                nresumed);
    else
        fprintf(f, "# neuron table (%s/fit.csv)\n", out_dir);
    fprintf(f, "%-10s %-11s %-16s %-16s %s\n", "width_ns", "Ku_J/m3", "k_per_uA", "c_uA", "fit");
    for (size_t i = 0; i < t->nfits; i++) {
        const struct cospin_char_fit *fit = &t->fits[i];
        if (fit->fit.status == COSPIN_FIT_OK && fit->fit.k_err == 0 && fit->fit.c_err == 0)
            /* exact probabilities (Fokker-Planck engine): no sampling error */
            fprintf(f, "%-10.4g %-11.5g %7.4f (exact)  %7.4f (exact)  %s\n", fit->width_s * 1e9,
                    fit->ku_j_per_m3, fit->fit.k, fit->fit.c,
                    cospin_fit_status_name(fit->fit.status));
        else
            fprintf(f, "%-10.4g %-11.5g %6.3f +- %-6.3f %6.3f +- %-6.3f %s\n", fit->width_s * 1e9,
                    fit->ku_j_per_m3, fit->fit.k, fit->fit.k_err, fit->fit.c, fit->fit.c_err,
                    cospin_fit_status_name(fit->fit.status));
    }
}

/* The inverse: --table and --target-k, with --c (joint width and Ku) or one --ku (width only). */
static int char_inverse(struct char_cli *c, const struct cospin_opts_result *res)
{
    const struct cospin_opts_cmd *cmd = res->cmd;
    if (!c->table || !COSPIN_OPTS_GIVEN(res, struct char_cli, target_k))
        return cospin_opts_usage_error(cmd, "the inverse needs both --table FILE and --target-k K "
                                            "(and --target-c C or --ku KU)");
    if (c->kus.n > 1)
        return cospin_opts_usage_error(cmd, "--ku takes one value with --target-k");
    struct cospin_error err = {0};
    int have_c = COSPIN_OPTS_GIVEN(res, struct char_cli, target_c), rc;
    if (c->o.engine == COSPIN_CHAR_FOKKER_PLANCK && have_c) {
        struct cospin_char_table *t = NULL;
        rc = cospin_char_read_fit_csv(c->table, &t, &err);
        if (!rc)
            rc = run_design_fp(&c->o, c->table, &c->currents, t, c->target_k, c->target_c, c->tol,
                               &err);
        cospin_char_table_free(t);
    } else {
        rc = run_design(c->table, c->target_k, have_c, c->target_c, c->kus.n == 1,
                        c->kus.n ? c->kus.v[0] : 0, c->tol, cospin_mtj_ku_j_per_m3(&c->o.device),
                        c->o.device.ku_per_volt_j_per_m3_v, &err);
    }
    return rc ? cospin_cli_report("characterize", &err) : COSPIN_OK;
}

/* --vctrl: the Ku list Ku0 + dKu/dV * V replaces --ku. */
static int vctrl_to_ku(struct char_cli *c, const struct cospin_opts_cmd *cmd)
{
    if (c->kus.n)
        return cospin_opts_usage_error(cmd, "give --ku or --vctrl, not both");
    double kupv = c->o.device.ku_per_volt_j_per_m3_v;
    if (kupv == 0)
        return cospin_opts_usage_error(cmd, "--vctrl needs a nonzero --ku-per-volt (J/(m^3 V))");
    double ku0 = cospin_mtj_ku_j_per_m3(&c->o.device);
    c->kus.v = malloc(c->vctrl.n * sizeof *c->kus.v);   /* freed with the options */
    if (!c->kus.v) {
        struct cospin_error err = {0};
        cospin_error_set(&err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        return cospin_cli_report("characterize", &err);
    }
    for (size_t i = 0; i < c->vctrl.n; i++)
        c->kus.v[i] = ku0 + kupv * c->vctrl.v[i];
    c->kus.n = c->vctrl.n;
    fprintf(stderr, "cospin characterize: control voltages mapped to Ku = %g + %g * V J/m^3\n", ku0,
            kupv);
    return COSPIN_OK;
}

/* Damping times a relaxation should last: the precession amplitude then
   falls by e^-3 = 5 %. */
#define CHAR_RELAX_DAMPING_TIMES 3.0

/*
 * The device's figures (at the grid's Ku when the grid has one), and at
 * every Ku of a larger grid its barrier, critical current and verdict; a
 * warning when the relaxation is short against the damping time (the
 * trials may still be moving when their m_z is read).
 */
static void print_device(struct char_cli *c)
{
    if (c->kus.n == 1) {
        c->dev.p.ku_j_per_m3 = c->kus.v[0];
        c->dev.p.k_i_j_per_m2 = 0.0;
    }
    cospin_cli_device_print(stdout, &c->dev,
                            c->device_file ? c->device_file : "(options; thesis defaults else)");
    double tau_max = 0.0;
    for (size_t k = 0; k < (c->kus.n ? c->kus.n : 1); k++) {
        struct cospin_mtj_device d = c->dev;
        if (c->kus.n) {
            d.p.ku_j_per_m3 = c->kus.v[k];
            d.p.k_i_j_per_m2 = 0.0;
        }
        struct cospin_mtj_figures f;
        if (cospin_mtj_figures_compute(&d, &f, NULL) != 0)
            continue;
        tau_max = fmax(tau_max, f.tau_damping_s);
        if (c->kus.n > 1)
            printf("  at Ku = %-9.6g E_B/kBT %.4g, mu0 Hk,eff %.4g T, I_c0 %.4g uA, %s\n",
                   c->kus.v[k], f.eb_kt, f.hk_t, f.icrit_a * 1e6, f.stability);
    }
    if (c->o.relax_s < CHAR_RELAX_DAMPING_TIMES * tau_max)
        cospin_warn("--relax %g ns is shorter than %g damping times (%g x %.3g ns): trials may "
                    "still be moving when m_z is read",
                    c->o.relax_s * 1e9, CHAR_RELAX_DAMPING_TIMES, CHAR_RELAX_DAMPING_TIMES,
                    tau_max * 1e9);
}

/* The grid run, stoppable with Ctrl-C (finished points are kept). */
static int char_grid(struct char_cli *c, const struct cospin_opts_result *res)
{
    if (!c->widths.n || !c->currents.n || !c->o.out_dir)
        return cospin_opts_usage_error(res->cmd, "--pulse-width, --current and --out are "
                                                 "required (or --table and --target-k for the "
                                                 "inverse)");
    if (c->vctrl.n) {
        int rc = vctrl_to_ku(c, res->cmd);
        if (rc)
            return rc;
    }
    struct cospin_char_grid g = {c->widths.v, c->widths.n, c->kus.v, c->kus.n, c->currents.v,
                                 c->currents.n};
    if (c->force)
        c->o.max_run_s = 0;
    struct cospin_cli_signals sig;
    c->o.stop = cospin_cli_signals_catch(&sig);
    struct cospin_char_table *t = NULL;
    struct cospin_error err = {0};
    struct cospin_output_dir od;
    int rc = cospin_cli_dir_lock(&od, c->o.out_dir, &err);
    if (!rc) {
        print_device(c);
        rc = cospin_char_run(&c->o, &g, &t, &err);
    }
    if (!rc && cospin_dist_rank() == 0)   /* under MPI rank 0 writes the files */
        rc = cospin_mtj_device_save(&c->dev, c->o.out_dir, &err);
    cospin_cli_dir_unlock(&od, rc != 0);
    cospin_cli_signals_restore(&sig);
    if (rc) {
        cospin_char_table_free(t);
        return cospin_cli_report("characterize", &err);
    }
    cospin_cli_print_fit_table(stdout, c->o.out_dir, t, (long)t->nresumed);
    cospin_char_table_free(t);
    return COSPIN_OK;
}

static int char_main(void *p, const struct cospin_opts_result *res)
{
    struct char_cli *c = p;
    int rc = cospin_cli_device_finish(res, c, offsetof(struct char_cli, dev), c->device_file);
    if (rc)
        return rc;
    c->o.device = c->dev.p;
    if (c->table || COSPIN_OPTS_GIVEN(res, struct char_cli, target_k))
        return char_inverse(c, res);
    return char_grid(c, res);
}

/* The default of --ku: the device's own anisotropy. */
static const char *device_ku(const void *p, char *buf, size_t n)
{
    const struct char_cli *c = p;
    return cospin_units_format(cospin_mtj_ku_j_per_m3(&c->dev.p), 6, buf, n);
}

static const char *const engines[] = {"fast", "ngspice", "fokker-planck", NULL};

#define AT(member) COSPIN_OPT_AT(struct char_cli, member)

static const struct cospin_opt char_table[] = {
    {.name = "pulse-width", .type = COSPIN_OPT_LIST, AT(widths), .metavar = "LIST", .unit = "s",
     COSPIN_OPT_ABOVE(0), .alias = "width",
     .section = "Grid (required for a run: --pulse-width, --current, --out)",
     .help = "pulse widths, comma list or START:STOP:STEP"},
    {.name = "current", .type = COSPIN_OPT_LIST, AT(currents), .metavar = "SWEEP", .unit = "A",
     COSPIN_OPT_MIN(0), .help = "write currents, START:STOP:STEP or comma list"},
    {.name = "ku", .type = COSPIN_OPT_LIST, AT(kus), .metavar = "LIST", .unit = "J/m^3",
     COSPIN_OPT_ABOVE(0), .format = device_ku,
     .help = "anisotropies Ku (1.21meg gives E_B = 15 kBT in the "
             "thin-film convention); default the device's; with --target-k: "
             "one Ku, width-only control"},
    {.name = "vctrl", .type = COSPIN_OPT_LIST, AT(vctrl), .metavar = "LIST", .unit = "V",
     .help = "control voltages instead of --ku: Ku = Ku0 + dKu/dV * V "
             "(needs --ku-per-volt)"},
    {.name = "ku-per-volt", .type = COSPIN_OPT_NUMBER, AT(dev.p.ku_per_volt_j_per_m3_v),
     .unit = "J/(m^3 V)",
     .help = "anisotropy-control coefficient dKu/dV; with --target-k "
             "also prints the control voltage V = (Ku - Ku0) / X"},

    {.name = "trials", .type = COSPIN_OPT_INT, AT(o.trials), COSPIN_OPT_MIN(1),
     .section = "Trials and engine", .help = "trials per point (the thesis uses 100)"},
    {.name = "seed", .type = COSPIN_OPT_INT, AT(o.seed), COSPIN_OPT_MIN(0),
     .help = "user seed; results depend only on the seed and the point, "
             "not on --threads, the number of MPI ranks or the grid's other points"},
    {.name = "relax", .type = COSPIN_OPT_NUMBER, AT(o.relax_s), .metavar = "T", .unit = "s",
     COSPIN_OPT_MIN(0), .help = "relaxation after the pulse"},
    {.name = "engine", .type = COSPIN_OPT_ENUM, AT(o.engine), .names = engines,
     .metavar = "fast|ngspice|fokker-planck",
     .help = "fast: standalone LLGS; ngspice: the mtj_stt code model in "
             "ngspice transients, worker processes; fokker-planck: the "
             "exact P_sw of the same model without trials (Nx = Ny devices "
             "only; --trials and --seed unused)"},
    {.name = "threads", .type = COSPIN_OPT_INT, AT(o.threads), COSPIN_OPT_MIN(1),
     .default_text = "all CPUs (under mpirun: shared by the ranks on a node)",
     .help = "fast engine threads"},
    {.name = "block", .type = COSPIN_OPT_INT, AT(o.block_trials), COSPIN_OPT_MIN(1),
     .metavar = "N", .help = "fast engine: trials per work item (the unit handed to a "
                             "thread or an MPI rank)"},
    {.name = "workers", .type = COSPIN_OPT_INT, AT(o.pool_workers), COSPIN_OPT_MIN(1),
     .default_text = "all CPUs (under mpirun: shared by the ranks on a node)",
     .help = "ngspice engine worker processes"},
    {.name = "instances", .type = COSPIN_OPT_INT, AT(o.instances_per_netlist), COSPIN_OPT_MIN(1),
     .help = "ngspice engine: mtj_stt instances per netlist"},
    {.name = "job-timeout", .type = COSPIN_OPT_NUMBER, AT(o.job_timeout_s), .metavar = "T",
     .unit = "s", COSPIN_OPT_MIN(0), .default_text = "3600 (an hour)",
     .help = "ngspice engine: a netlist running longer fails the run (a hung or "
             "runaway simulation); 0: no limit"},
    {.name = "force", .type = COSPIN_OPT_FLAG, AT(force),
     .help = "run even when the estimated run time is over 24 h (the estimate: "
             "points x trials x (width + relax) / dt LLGS steps at the cost of a "
             "step measured on this machine)"},

    COSPIN_CLI_DEVICE_FILE_OPT(struct char_cli, device_file),
    COSPIN_CLI_DEVICE_LAYER_OPTS(struct char_cli, dev),
    COSPIN_CLI_DEVICE_READ_OPTS(struct char_cli, dev),
    COSPIN_CLI_DEVICE_CONV_OPTS(struct char_cli, dev),
    COSPIN_CLI_DEVICE_SIM_OPTS(struct char_cli, dev),

    {.name = "out", .type = COSPIN_OPT_STRING, AT(o.out_dir), .metavar = "DIR", .section = "Output",
     .help = "directory for the results, created if missing (see Files)"},
    {.name = "resume", .type = COSPIN_OPT_FLAG, AT(o.fresh), .flags = COSPIN_OPT_INVERT,
     .help = "resume explicitly (the default when DIR holds the same run)"},
    {.name = "fresh", .type = COSPIN_OPT_FLAG, AT(o.fresh), .help = "discard earlier results in DIR"},

    {.name = "table", .type = COSPIN_OPT_STRING, AT(table), .metavar = "FILE",
     .section = "Designer's inverse (thesis Fig. 3.12/3.13, 3.15/3.16)",
     .help = "a neuron table (fit.csv) from a width x Ku grid"},
    {.name = "target-k", .type = COSPIN_OPT_NUMBER, AT(target_k), .metavar = "K", .unit = "1/uA",
     COSPIN_OPT_ABOVE(0), .default_text = "", .help = "wanted slope k"},
    {.name = "target-c", .type = COSPIN_OPT_NUMBER, AT(target_c), .metavar = "C", .unit = "uA",
     .alias = "c", .default_text = "",
     .help = "wanted midpoint c: prints the (width, Ku) settings that "
             "give (K, C) by bilinear interpolation over (log width, Ku); "
             "without it, one --ku gives the width alone at that Ku"},
    {.name = "tol", .type = COSPIN_OPT_NUMBER, AT(tol), COSPIN_OPT_ABOVE(0),
     .help = "relative tolerance of the inverse.  With --engine "
             "fokker-planck, --target-c and a table from that engine, each "
             "setting is refined by the engine itself (to ~1e-5) at the "
             "table's currents (--current, default: those in the psw.csv "
             "beside the table); give the table's device options"},
};

#undef AT

const struct cospin_opts_cmd cospin_cli_characterize_cmd = {
    .name = "characterize",
    .summary = "P_sw(I) of the MTJ neuron (Monte Carlo or Fokker-Planck), sigmoid fits, "
               "designer's inverse",
    .usage = "--pulse-width LIST --current LIST --out DIR [OPTIONS]\n"
             "--table FILE --target-k K [--target-c C | --ku KU]",
    .description =
        "Monte Carlo switching probability P_sw(I) of the stochastic STT-MTJ neuron\n"
        "(thesis ch. 3.2): at each (pulse width, Ku, current) N trials start in the\n"
        "m_z < 0 state, get a rectangular write pulse, relax at zero current, and count\n"
        "as switched when the final m_z > 0.  Each curve is fitted by maximum likelihood\n"
        "with P_sw = 1/(1+exp(-k (I - c))), k in 1/uA, c in uA (errors: 1 sigma); the\n"
        "table of (k, c) is printed and written to DIR/fit.csv.\n"
        "\n"
        "--engine fokker-planck computes the probability those trials estimate, without\n"
        "trials, from the Fokker-Planck equation of m_z (devices with Nx = Ny only):\n"
        "about a millisecond per curve, psw.csv rows with trials = switched = 0 and the\n"
        "exact p_sw, fits of the exact probabilities with errors 0.\n"
        "\n"
        "The device is the thesis's (Table 3.1) unless --device FILE names a device\n"
        "file (doc/model-reference.md); the device options replace single values.\n"
        "Its derived figures (E_B/kBT, mu0 Hk,eff, zero-temperature critical current,\n"
        "damping time, thermal stability) are printed and recorded in DIR/run.txt.\n"
        "\n"
        "Numbers take SPICE suffixes: 30n = 30e-9, 11u = 11e-6, 1.1meg = 1.1e6.\n",
    COSPIN_OPTS_TABLE(char_table),
    COSPIN_OPTS_STRUCT(struct char_cli, char_init, char_main),
    .epilog =
        "Files:\n"
        "  In DIR, each written to a temporary and renamed when complete:\n"
        "\n"
        "  psw.csv   width_s,current_a,trials,switched,p_sw,ku_j_per_m3 (a row per point;\n"
        "            fokker-planck: trials = switched = 0, p_sw exact to 12 digits)\n"
        "  fit.csv   width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status (the table)\n"
        "  fit.xml   the same with the points, as XML\n"
        "  psw.svg   P_sw(I) with binomial error bars (none for fokker-planck) and the\n"
        "            fitted sigmoids\n"
        "  run.txt   the settings and the device's derived figures; finished points\n"
        "            are appended to psw.csv as they complete, so an interrupted run\n"
        "            (Ctrl-C, kill) keeps them and rerunning the same command resumes\n"
        "            (skips finished points).\n"
        "  device.xml the device of the run as a device file (--device reads it)\n"
        "\n"
        "MPI:\n"
        "  Under `mpirun -n N cospin characterize ...` (or srun) the work items of\n"
        "  the grid (--block trials of one point) are spread over the N ranks; rank 0\n"
        "  writes the files, the same bytes as one process, and logs each rank's busy\n"
        "  time.  doc/cluster.md has a Slurm example and how to size a job.\n"
        "\n"
        "Examples:\n"
        "  $ cospin characterize --pulse-width 30n,200n --current 6u:20u:1u \\\n"
        "  > --trials 200 --out r\n"
        "  $ cospin characterize --pulse-width 10n,30n,100n,200n \\\n"
        "  > --ku 1.1meg,1.15meg,1.21meg --current 4u:24u:1u --out grid\n"
        "  $ cospin characterize --device my_mtj.xml --alpha 0.02 \\\n"
        "  > --pulse-width 30n --current 1u:8u:0.5u --out mine\n"
        "  $ cospin characterize --target-k 3 --target-c 11 \\\n"
        "  > --table grid/fit.csv\n"
        "  $ cospin characterize --engine fokker-planck --pulse-width 10n,30n,100n,200n \\\n"
        "  > --ku 1.1meg,1.15meg,1.21meg --current 4u:36u:1u --out fpgrid\n"
        "  $ cospin characterize --engine fokker-planck --target-k 1.2 --target-c 13 \\\n"
        "  > --table fpgrid/fit.csv\n"
        "\n"
        "Exit status:\n"
        "  0 success, 1 simulation failed (ngspice engine), 2 usage error, 3 invalid\n"
        "  value (also a run the estimate refuses: see --force), 4 file error or DIR\n"
        "  in use by another run, 6 interrupted by SIGINT or SIGTERM (rerun to\n"
        "  resume).\n",
};

int cospin_cli_characterize(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_characterize_cmd, argc, argv);
}
