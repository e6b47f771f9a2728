/*
 * energy_sim.c -- write energy of one neuron pulse from its ngspice waveform
 * (see energy_sim.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "energy_sim.h"
#include "engine.h"
#include "error.h"
#include "netlist.h"

/* Thesis defaults (thesis ch. 3.6.3 worked example: 15 uA, 15 ns, 5 kOhm). */
#define DEFAULT_CURRENT_A 15e-6
#define DEFAULT_WIDTH_S 15e-9
#define DEFAULT_EDGE_S 0.1e-9
#define DEFAULT_RELAX_S 10e-9
#define DEFAULT_STEP_S 10e-12

void cospin_energy_pulse_defaults(struct cospin_energy_pulse *p)
{
    memset(p, 0, sizeof *p);
    p->load = COSPIN_ENERGY_LOAD_MTJ;
    p->current_a = DEFAULT_CURRENT_A;
    p->width_s = DEFAULT_WIDTH_S;
    p->rise_s = DEFAULT_EDGE_S;
    p->fall_s = DEFAULT_EDGE_S;
    p->relax_s = DEFAULT_RELAX_S;
    p->step_s = DEFAULT_STEP_S;
    cospin_mtj_device_default(&p->device);
    p->seed = 1;
}

static int check_pulse(const struct cospin_energy_pulse *p, struct cospin_error *err)
{
#define POSITIVE(field, what)                                                                      \
    if (!(p->field > 0.0) || !isfinite(p->field))                                                  \
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, what " must be > 0, got %g",     \
                                p->field);
    POSITIVE(current_a, "pulse current (A)")
    POSITIVE(width_s, "pulse width (s)")
    POSITIVE(rise_s, "rise time (s)")
    POSITIVE(fall_s, "fall time (s)")
    POSITIVE(step_s, "time step (s)")
    POSITIVE(device.r_p_ohm, "R_P (ohm)")
#undef POSITIVE
    if (!(p->relax_s >= 0.0) || !isfinite(p->relax_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "relaxation time (s) must be >= 0, got %g", p->relax_s);
    if (p->load != COSPIN_ENERGY_LOAD_MTJ && p->load != COSPIN_ENERGY_LOAD_RESISTOR)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "unknown load %d",
                                (int)p->load);
    double total = p->rise_s + p->width_s + p->fall_s + p->relax_s;
    if (total / p->step_s > 1e7)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "time step %g s gives more than 1e7 points over %g s", p->step_s,
                                total);
    if (p->load == COSPIN_ENERGY_LOAD_MTJ) {
        int rc = cospin_mtj_device_validate(&p->device, err);
        if (rc)
            return rc;
        if (p->device.p.torque != COSPIN_TORQUE_STT)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "torque = sot: the write pulse drives the two-terminal STT "
                                    "device");
    }
    return COSPIN_OK;
}

int cospin_energy_sim_netlist(const struct cospin_energy_pulse *p, char **out,
                              struct cospin_error *err)
{
    int rc = check_pulse(p, err);
    if (rc)
        return rc;
    char dev[2560], card[2048];
    if (p->load == COSPIN_ENERGY_LOAD_RESISTOR) {
        snprintf(dev, sizeof dev, "r1 d 0 %.17g\n", cospin_mtj_device_r_p_ohm(&p->device));
    } else {
        if ((rc = cospin_mtj_device_card(&p->device, card, sizeof card, err)))
            return rc;
        snprintf(dev, sizeof dev,
                 "amtj %%gd(d 0) vctl mx my mz mtj1\n"
                 "vctl vctl 0 0\n"
                 ".model mtj1 mtj_stt(seed=%lu %s)\n",
                 p->seed, card);
    }
    /*
     * iw pulls the pulse current out of node p: it flows 0 -> d through the
     * device (n -> p, the AP -> P polarity of mtj_stt_pulse.cir) and d -> p
     * through the ammeter vsense, so i(vsense) = +I and v(d) = -I R.
     */
    size_t cap = strlen(dev) + 512;
    char *s = malloc(cap);
    if (!s)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    snprintf(s, cap,
             "* cospin energy: one write pulse\n"
             "iw p 0 pulse(0 %.17g 0 %.17g %.17g %.17g 1)\n"
             "vsense d p 0\n"
             "%s"
             ".end\n",
             p->current_a, p->rise_s, p->fall_s, p->width_s, dev);
    *out = s;
    return COSPIN_OK;
}

void cospin_energy_wave_clear(struct cospin_energy_wave *w)
{
    if (!w)
        return;
    free(w->t_s);
    free(w->v_v);
    free(w->i_a);
    free(w->mz);
    memset(w, 0, sizeof *w);
}

int cospin_energy_sim_run(struct cospin_engine *eng, const struct cospin_energy_pulse *p,
                          struct cospin_energy_wave *w, struct cospin_error *err)
{
    memset(w, 0, sizeof *w);
    if (!eng)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no engine");
    char *net = NULL;
    int rc = cospin_energy_sim_netlist(p, &net, err);
    if (rc)
        return rc;
    int mtj = p->load == COSPIN_ENERGY_LOAD_MTJ;
    double stop_s = p->rise_s + p->width_s + p->fall_s + p->relax_s;
    char tran[160];
    /* tmax = step: every sample at most one step apart (the trapezoid grid). */
    snprintf(tran, sizeof tran, "tran %.17g %.17g 0 %.17g", p->step_s, stop_s, p->step_s);
    const char *cmds[] = {tran, NULL};
    const char *vecs_mtj[] = {"time", "v(d)", "vsense#branch", "v(mz)", NULL};
    const char *vecs_r[] = {"time", "v(d)", "vsense#branch", NULL};
    struct cospin_sim_job job = {net, cmds, mtj ? vecs_mtj : vecs_r};
    struct cospin_sim_result res;
    memset(&res, 0, sizeof res);
    rc = cospin_engine_run_job(eng, &job, &res);
    free(net);
    if (rc || res.status) {
        if (err && res.status)
            *err = res.error;
        rc = rc ? rc : res.status;
        cospin_sim_result_clear(&res);
        return rc;
    }
    size_t n = res.len[0];
    for (size_t k = 1; k < res.nvec; k++)
        if (res.len[k] != n) {
            cospin_sim_result_clear(&res);
            return cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                    "ngspice vectors differ in length (%zu vs %zu)", res.len[k],
                                    n);
        }
    /* Take ownership of the arrays. */
    w->n = n;
    w->t_s = res.data[0];
    w->v_v = res.data[1];
    w->i_a = res.data[2];
    w->mz = mtj ? res.data[3] : NULL;
    for (size_t k = 0; k < res.nvec; k++)
        res.data[k] = NULL;
    cospin_sim_result_clear(&res);
    for (size_t k = 0; k < n; k++)
        w->v_v[k] = -w->v_v[k];   /* device voltage in the current's direction */
    rc = cospin_energy_integrate_vi(w->t_s, w->v_v, w->i_a, n, &w->e_vi_j, err);
    if (rc) {
        cospin_energy_wave_clear(w);
        return rc;
    }
    double r_p = cospin_mtj_device_r_p_ohm(&p->device);
    double r_ap = mtj ? cospin_mtj_device_r_ap_ohm(&p->device) : r_p;
    w->e_p_j = cospin_energy_i2rt_j(p->current_a, r_p, p->width_s);
    w->e_ap_j = cospin_energy_i2rt_j(p->current_a, r_ap, p->width_s);
    w->t_eff_s = p->width_s + (p->rise_s + p->fall_s) / 3.0;
    w->t_switch_s = -1.0;
    if (mtj) {
        for (size_t k = 1; k < n; k++)
            if (w->mz[k - 1] < 0.0 && w->mz[k] >= 0.0) {
                double f = w->mz[k - 1] / (w->mz[k - 1] - w->mz[k]);
                w->t_switch_s = w->t_s[k - 1] + f * (w->t_s[k] - w->t_s[k - 1]);
                break;
            }
        w->switched = w->mz[n - 1] > 0.0;
    }
    return COSPIN_OK;
}
