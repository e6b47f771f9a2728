/*
 * exp_energy.c -- <experiment type="energy"> (grammar src/config/schema/energy.rng):
 * neuron write pulses simulated through ngspice and integrated (energy_sim.h),
 * and the SOT write energy per thickness.  Writes energy.csv,
 * waveform-<n>.csv and (with <sot/>) sot.csv.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "energy_sim.h"
#include "engine.h"
#include "error.h"
#include "experiment.h"
#include "plot.h"
#include "sot_neuron.h"

#define LOG_PREFIX "energy"
#include "log.h"

/* One <pulse> on the experiment's device (its device attributes override it). */
static int read_pulse(const struct cospin_xml_node *n, const struct cospin_mtj_device *dev,
                      struct cospin_energy_pulse *p, int *trials, struct cospin_error *err)
{
    static const char *const loads[] = {"mtj", "resistor", NULL};
    int rc, load = 0, seed = 1;
    cospin_energy_pulse_defaults(p);
    p->device = *dev;
    if ((rc = cospin_mtj_device_apply_xml(n, NULL, &p->device, err)) ||
        (rc = cospin_xml_req_double(n, "current", &p->current_a, err)) ||
        (rc = cospin_xml_req_double(n, "width", &p->width_s, err)) ||
        (rc = cospin_xml_attr_double(n, "rise", p->rise_s, &p->rise_s, err)) ||
        (rc = cospin_xml_attr_double(n, "fall", p->fall_s, &p->fall_s, err)) ||
        (rc = cospin_xml_attr_double(n, "relax", p->relax_s, &p->relax_s, err)) ||
        (rc = cospin_xml_attr_double(n, "step", p->step_s, &p->step_s, err)) ||
        (rc = cospin_xml_attr_enum(n, "load", loads, 0, &load, err)) ||
        (rc = cospin_xml_attr_int(n, "trials", 1, trials, err)) ||
        (rc = cospin_xml_attr_int(n, "seed", 1, &seed, err)))
        return rc;
    p->load = load ? COSPIN_ENERGY_LOAD_RESISTOR : COSPIN_ENERGY_LOAD_MTJ;
    p->seed = (unsigned long)seed;
    if (*trials < 1 || seed < 0)
        return cospin_xml_error(n, "trials", COSPIN_ERR_INVALID, err,
                                   "trials must be >= 1 and seed >= 0");
    /* Check the settings now, so a bad pulse is reported with its line. */
    char *net = NULL;
    struct cospin_error e2 = {0};
    rc = cospin_energy_sim_netlist(p, &net, &e2);
    free(net);
    if (rc)
        return cospin_xml_error(n, NULL, rc, err, "%s", e2.msg);
    return COSPIN_OK;
}

static int write_wave(const char *dir, int idx, const struct cospin_energy_wave *w,
                      struct cospin_error *err)
{
    char name[64];
    snprintf(name, sizeof name, "waveform-%d.csv", idx);
    struct cospin_csv_writer o;
    int rc = cospin_csv_write_open(&o, dir, name, 0, "time_s,v_v,i_a,p_w,m_z", err);
    if (rc)
        return rc;
    for (size_t k = 0; k < w->n; k++) {
        cospin_csv_put(&o, "%.9g", w->t_s[k]);
        cospin_csv_put(&o, "%.9g", w->v_v[k]);
        cospin_csv_put(&o, "%.9g", w->i_a[k]);
        cospin_csv_put(&o, "%.9g", w->v_v[k] * w->i_a[k]);
        cospin_csv_put(&o, "%.6g", w->mz ? w->mz[k] : 0.0);
        cospin_csv_end_row(&o);
    }
    return cospin_csv_write_commit(&o, err);
}

/* waveform-<n>.svg: device power p(t) of the first trial with the lumped
   I^2 R_P and I^2 R_AP levels over the pulse. */
static int write_wave_svg(const char *dir, int idx, const struct cospin_energy_pulse *pu,
                          const struct cospin_energy_wave *w, struct cospin_error *err)
{
    char title[160], path[1100];
    snprintf(title, sizeof title, "Pulse %d: %.3g uA x %.3g ns, integral %.3g fJ", idx,
             pu->current_a * 1e6, pu->width_s * 1e9, w->e_vi_j * 1e15);
    snprintf(path, sizeof path, "%s/waveform-%d.svg", dir, idx);
    struct cospin_plot *pl = cospin_plot_new(title, "time (ns)", "device power v i (uW)");
    double *t = malloc(w->n * sizeof *t), *pw = malloc(w->n * sizeof *pw);
    int rc = COSPIN_OK;
    if (!pl || !t || !pw) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < w->n; k++) {
        t[k] = w->t_s[k] * 1e9;
        pw[k] = w->v_v[k] * w->i_a[k] * 1e6;
    }
    double i2 = pu->current_a * pu->current_a * 1e6;
    double tx[2] = {pu->rise_s * 1e9, (pu->rise_s + pu->width_s) * 1e9};
    double r_p = cospin_mtj_device_r_p_ohm(&pu->device);
    double r_ap = cospin_mtj_device_r_ap_ohm(&pu->device);
    double yp[2] = {i2 * r_p, i2 * r_p};
    double yap[2] = {i2 * r_ap, i2 * r_ap};
    if ((rc = cospin_plot_add(pl, "v(t) i(t), ngspice", t, pw, NULL, w->n, COSPIN_PLOT_LINE,
                              err)) < 0 ||
        (rc = cospin_plot_add(pl, "I^2 R_P", tx, yp, NULL, 2,
                              COSPIN_PLOT_LINE | COSPIN_PLOT_DASHED, err)) < 0)
        goto out;
    if (pu->load == COSPIN_ENERGY_LOAD_MTJ &&
        (rc = cospin_plot_add(pl, "I^2 R_AP", tx, yap, NULL, 2,
                              COSPIN_PLOT_LINE | COSPIN_PLOT_DASHED, err)) < 0)
        goto out;
    rc = cospin_plot_write_svg(pl, path, err);
out:
    free(t);
    free(pw);
    cospin_plot_free(pl);
    return rc < 0 ? rc : COSPIN_OK;
}

static int write_sot(const char *dir, struct cospin_error *err)
{
    struct cospin_csv_writer o;
    int rc = cospin_csv_write_open(&o, dir, "sot.csv", 0,
                                   "thickness_ml,i_sw_a,r_ohm,width_s,energy_j,measured", err);
    if (rc)
        return rc;
    for (const int *d = cospin_sot_thicknesses(); *d; d++) {
        struct cospin_sot_preset p;
        if ((rc = cospin_sot_preset(*d, &p, err))) {
            cospin_csv_write_abort(&o);
            return rc;
        }
        cospin_csv_put(&o, "%d", *d);
        cospin_csv_put(&o, "%.9g", p.xc_a);
        cospin_csv_put(&o, "%.9g", cospin_sot_channel_r_ohm());
        cospin_csv_put(&o, "%.9g", COSPIN_SOT_PULSE_WIDTH_S);
        cospin_csv_put(&o, "%.9g", p.write_energy_j);
        cospin_csv_put(&o, "%d", p.measured);
        cospin_csv_end_row(&o);
    }
    return cospin_csv_write_commit(&o, err);
}

/* One energy.csv row: pulse idx, its settings and the energies of its trials. */
static void put_energy_row(struct cospin_csv_writer *csv, int idx,
                           const struct cospin_energy_pulse *p,
                           const struct cospin_energy_wave *w, int trials, int nsw,
                           double e_vi_mean_j, double e_vi_std_j)
{
    cospin_csv_put(csv, "%d", idx);
    cospin_csv_put(csv, "%s", p->load == COSPIN_ENERGY_LOAD_MTJ ? "mtj" : "resistor");
    cospin_csv_put(csv, "%.9g", p->current_a);
    cospin_csv_put(csv, "%.9g", p->width_s);
    cospin_csv_put(csv, "%.9g", w->t_eff_s);
    cospin_csv_put(csv, "%d", trials);
    cospin_csv_put(csv, "%d", nsw);
    cospin_csv_put(csv, "%.9g", w->e_p_j);
    cospin_csv_put(csv, "%.9g", w->e_ap_j);
    cospin_csv_put(csv, "%.9g", e_vi_mean_j);
    cospin_csv_put(csv, "%.9g", e_vi_std_j);
    cospin_csv_end_row(csv);
}

/*
 * Pulse idx (element n, on the experiment's device dev): its trials through
 * eng, its waveform files (first trial) and its energy.csv row.
 * COSPIN_ERR_INTERRUPTED (nothing of the pulse in energy.csv) when *stop is
 * set before a trial.
 */
static int run_pulse(struct cospin_engine *eng, const struct cospin_mtj_device *dev,
                     const struct cospin_xml_node *n, int idx, const char *out_dir,
                     volatile sig_atomic_t *stop, struct cospin_csv_writer *csv,
                     struct cospin_error *err)
{
    struct cospin_energy_pulse p;
    int trials = 1;
    int rc = read_pulse(n, dev, &p, &trials, err);
    if (rc)
        return rc;
    double sum = 0, sum2 = 0;
    int nsw = 0;
    struct cospin_energy_wave w = {0};
    unsigned long seed0 = p.seed;
    for (int t = 0; t < trials; t++) {
        if (stop && *stop)
            rc = COSPIN_ERR_INTERRUPTED;
        p.seed = seed0 + (unsigned long)t;
        if (!rc)
            rc = cospin_energy_sim_run(eng, &p, &w, err);
        if (rc)
            return rc;
        sum += w.e_vi_j;
        sum2 += w.e_vi_j * w.e_vi_j;
        nsw += w.switched;
        if (t == 0 && !(rc = write_wave(out_dir, idx, &w, err)))
            rc = write_wave_svg(out_dir, idx, &p, &w, err);
        if (t + 1 < trials || rc)
            cospin_energy_wave_clear(&w);
        if (rc)
            return rc;
    }
    double mean = sum / trials;
    double var = trials > 1 ? (sum2 - trials * mean * mean) / (trials - 1) : 0.0;
    put_energy_row(csv, idx, &p, &w, trials, nsw, mean, sqrt(var > 0 ? var : 0));
    cospin_info("pulse %d: %.3g uA x %.3g ns: I^2 R_P t %.3g fJ, waveform %.3g fJ "
                "(%d/%d switched)",
                idx, p.current_a * 1e6, p.width_s * 1e9, w.e_p_j * 1e15, mean * 1e15, nsw,
                trials);
    cospin_energy_wave_clear(&w);
    return COSPIN_OK;
}

int cospin_experiment_energy(const struct cospin_xml_node *root,
                             const struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    const char *out_dir = ctx->out_dir;
    struct cospin_engine *eng = NULL;
    struct cospin_engine_opts eo = {0};
    struct cospin_csv_writer csv;
    memset(&csv, 0, sizeof csv);
    /* The experiment's device (<device>, optional), the base of every pulse. */
    struct cospin_mtj_device dev;
    cospin_mtj_device_default(&dev);
    const struct cospin_xml_node *dn = cospin_xml_child(root, "device");
    int rc = dn ? cospin_mtj_device_apply_xml(dn, "file", &dev, err) : COSPIN_OK;
    if (!rc && dn) {
        cospin_mtj_device_log(&dev, NULL);
        rc = cospin_mtj_device_save(&dev, out_dir, err);
    }
    if (!rc)
        rc = cospin_engine_new(&eo, &eng, err);
    if (rc)
        return rc;
    if ((rc = cospin_csv_write_open(&csv, out_dir, "energy.csv", 0,
                                    "pulse,load,current_a,width_s,t_eff_s,trials,switched,"
                                    "e_p_j,e_ap_j,e_vi_mean_j,e_vi_std_j", err)))
        goto out;
    int idx = 0, npulses = (int)cospin_xml_count(root, "pulse");
    for (const struct cospin_xml_node *n = cospin_xml_child(root, "pulse"); n && !rc;
         n = cospin_xml_next(n, "pulse"))
        rc = run_pulse(eng, &dev, n, ++idx, out_dir, ctx->stop, &csv, err);
    if (rc == COSPIN_ERR_INTERRUPTED) {
        /* Keep the finished pulses: their rows and waveform files. */
        int kept = idx - 1, wrc = kept > 0 ? cospin_csv_write_commit(&csv, err) : 0;
        rc = wrc ? wrc : cospin_error_set(err, COSPIN_ERR_INTERRUPTED, out_dir, 0,
                                          "%d of %d pulses finished%s", kept, npulses,
                                          kept > 0 ? " and written to energy.csv" : "");
        goto out;
    }
    if (!rc)
        rc = cospin_csv_write_commit(&csv, err);
    if (!rc && cospin_xml_child(root, "sot"))
        rc = write_sot(out_dir, err);
out:
    cospin_csv_write_abort(&csv);
    cospin_engine_free(eng);
    return rc;
}
