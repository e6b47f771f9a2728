/*
 * sot_synapse.c -- the sot_synapse code model's card and programming rule
 * (see sot_synapse.h).
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "sot_synapse.h"

/* A pulse counts once it has lasted w_th to this relative tolerance: the
 * accepted time points land on the source's breakpoints only to rounding. */
#define SOT_SYNAPSE_WIDTH_RELTOL 1e-9

/* The device of the card's thickness (or the 21 ML curves for a custom range). */
static int synapse_preset(const struct cospin_sot_synapse_card *c, struct cospin_device *d,
                          struct cospin_error *err)
{
    if (c->thickness_ml == 0) {
        cospin_device_preset("sot-s:21", d, NULL);
        if (!c->states_given || !c->r_min_given || !c->r_max_given)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "thickness = 0 (custom) needs states, r_min and r_max");
        return COSPIN_OK;
    }
    char name[32];
    struct cospin_error perr;
    memset(&perr, 0, sizeof perr);
    snprintf(name, sizeof name, "sot-s:%d", c->thickness_ml);
    if (cospin_device_preset(name, d, &perr) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "thickness = %d: %s",
                                c->thickness_ml, perr.msg);
    return COSPIN_OK;
}

/* States, nonlinearities and the resistance range of the card on top of the preset. */
static int synapse_device(const struct cospin_sot_synapse_card *c, struct cospin_device *d,
                          struct cospin_error *err)
{
    if (c->states != 0)
        d->states = c->states;
    if (d->states < 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "states = %d must be >= 1",
                                d->states);
    d->ltp.nu = c->nu_ltp;
    d->ltd.nu = c->nu_ltd;
    double r_min = 1.0 / d->g_max_s, r_max = 1.0 / d->g_min_s;
    if (c->r_min_ohm != 0.0)
        r_min = c->r_min_ohm;
    if (c->r_max_ohm != 0.0)
        r_max = c->r_max_ohm;
    if (!(r_min > 0.0) || !(r_max > r_min))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "resistance range r_min = %g, r_max = %g ohm: need 0 < r_min "
                                "< r_max",
                                r_min, r_max);
    d->g_min_s = 1.0 / r_max;
    d->g_max_s = 1.0 / r_min;
    struct cospin_error derr;
    memset(&derr, 0, sizeof derr);
    if (cospin_device_validate(d, &derr) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "%s", derr.msg);
    return COSPIN_OK;
}

int cospin_sot_synapse_model_init(const struct cospin_sot_synapse_card *c,
                                  struct cospin_sot_synapse_model *m, struct cospin_error *err)
{
    memset(m, 0, sizeof *m);
    int rc = synapse_preset(c, &m->d, err);
    if (rc == COSPIN_OK)
        rc = synapse_device(c, &m->d, err);
    if (rc != COSPIN_OK)
        return rc;
    if (!(c->i_th_a > 0.0) || !(c->w_th_s >= 0.0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "thresholds i_th = %g A (> 0), w_th = %g s (>= 0)", c->i_th_a,
                                c->w_th_s);
    if (c->init < 0 || c->init > m->d.states)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "init = %d must be in [0, states = %d]", c->init, m->d.states);
    m->i_th_a = c->i_th_a;
    m->w_th_s = c->w_th_s;
    m->init = c->init;
    return COSPIN_OK;
}

void cospin_sot_synapse_start(const struct cospin_sot_synapse_model *m,
                              struct cospin_sot_synapse_point *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->g = cospin_device_g_after(&m->d, 0, m->init);
}

void cospin_sot_synapse_tran(const struct cospin_sot_synapse_model *m,
                             const struct cospin_sot_synapse_point *old,
                             struct cospin_sot_synapse_point *now, double t_s, double i_prog_a)
{
    int sign = i_prog_a >= m->i_th_a ? 1 : (i_prog_a <= -m->i_th_a ? -1 : 0);
    *now = *old;
    if (sign != old->sign) {
        now->sign = sign;
        now->t_start_s = t_s;
        now->counted = 0;
    }
    if (now->sign != 0 && !now->counted &&
        t_s - now->t_start_s >= m->w_th_s * (1.0 - SOT_SYNAPSE_WIDTH_RELTOL)) {
        const struct cospin_device_branch *b = now->sign > 0 ? &m->d.ltp : &m->d.ltd;
        double p = cospin_device_branch_p(b, now->g) + now->sign / (double)m->d.states;
        now->g = cospin_device_branch_g(b, p);
        now->counted = 1;
    }
}
