/*
 * cli_demo.c -- `cospin demo`: real circuits through libngspice, compared
 * with their closed-form answers.  (Later the main job: characterise, train,
 * verify.)
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config_xml.h"
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

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: cospin demo [OPTIONS]\n"
            "\n"
            "Run two small circuits through libngspice (in a worker process) and compare\n"
            "them with their closed-form answers:\n"
            "  1. RC step response: R = 1 kOhm, C = 1 nF (tau = 1 us), a 1 V step with a\n"
            "     1 ns rise, 5 us transient; v(out) against the exact ramp response\n"
            "     (tolerance %g V).\n"
            "  2. a 2x2 crossbar of cospin tmr_res MTJs (R_P = 5 kOhm, R_AP = 10 kOhm,\n"
            "     states m_z = 1, -0.5 / 0.2, -1, rows at 0.1 V and 0.2 V, columns held at\n"
            "     0 V): column currents against sum_i G(m_ij) V_i (relative tolerance %g).\n"
            "It prints a table and PASS/FAIL for each, and exits 1 if a check fails.\n"
            "\n"
            "Options:\n"
            "  -o, --out DIR  output directory (default demo-out), created if missing\n"
            "  -s, --small    coarser time step (50 ns instead of 10 ns; what CI runs)\n"
            "  -h, --help     this help\n"
            "\n"
            "Files written in DIR (complete or not at all):\n"
            "  demo.csv      check,quantity,unit,simulated,analytic,abs_error\n"
            "  rc.csv        time,v(in),v(out) of the RC transient\n"
            "  crossbar.csv  i(vsc0),i(vsc1): the column currents (A), ngspice's branch\n"
            "                currents of the 0 V sense sources (+ node = column)\n"
            "\n"
            "Example: cospin demo --small --out /tmp/demo\n",
            RC_TOL_V, XBAR_TOL_REL);
}

/* Exact v(out) of an RC low-pass driven by a 0 -> v ramp of rise time tr. */
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
    struct cospin_config *cfg = NULL;
    int rc = cospin_config_load_memory(xml, 0, name, COSPIN_CONFIG_SCHEMA_EXPERIMENT, &cfg, err);
    if (!rc)
        rc = cospin_exp_netlist_read(cospin_config_root(cfg), x, err);
    if (!rc && (*x)->nanalyses != 1)
        rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, name, 0, "expected one analysis");
    if (!rc)
        rc = cospin_exp_netlist_simulate(*x, name, res, err);
    cospin_config_free(cfg);
    return rc;
}

int cospin_cli_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"small", no_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out_dir = "demo-out";
    int small = 0, c;
    opterr = 0;   /* one error line, ours */
    while ((c = getopt_long(argc, argv, "o:sh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 's': small = 1; break;
        case 'h': usage(stdout); return COSPIN_OK;
        default:
            fprintf(stderr, "cospin demo: error: bad option or missing value '%s' (see cospin demo --help)\n",
                    argv[optind - 1]);
            return COSPIN_CLI_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "cospin demo: error: unexpected argument '%s'\n", argv[optind]);
        return COSPIN_CLI_USAGE;
    }
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
        printf("1. RC step response, R = 1 kOhm, C = 1 nF, tau = %g us (ngspice transient,"
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
        printf("2. 2x2 tmr_res crossbar (R_P = 5 kOhm, R_AP = 10 kOhm), rows at 0.1 V and"
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
        char p[1100];
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
