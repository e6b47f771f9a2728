/*
 * sot_neuron.c -- SOT thickness presets, SOT-N sigmoid, SOT write energy.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "logistic.h"
#include "sot_neuron.h"

/* Thesis ch. 4.1.1: 12 states for d = 21 ML; ch. 4.3.2: 18 states for 5 ML,
   resistance range 10x that of 21 ML, same 10-22 mA pulse range. */
#define SOT_STATES_21ML 12
#define SOT_STATES_5ML 18
#define SOT_RANGE_REL_5ML 10.0
#define SOT_I_PULSE_MIN_A 10e-3
#define SOT_I_PULSE_MAX_A 22e-3
/* Thesis ch. 4.3.1: coercive field at 120 K, 12.6 mT (21 ML) -> 7.5 mT (5 ML). */
#define SOT_HC_21ML_T 12.6e-3
#define SOT_HC_5ML_T 7.5e-3
/* Thesis ch. 4.1.2 / Fig. 4.8: SOT-N k = 0.89 mA^-1, x_c = 17.59 mA (21 ML);
   k = 1.076 mA^-1 (5 ML, the steepest). */
#define SOT_K_21ML_PER_MA 0.89
#define SOT_XC_21ML_A 17.59e-3
#define SOT_K_5ML_PER_MA 1.076
/* Thesis ch. 4.3.4, Eq. 4.5: write energy at 120 K, 500 us pulses. */
#define SOT_E_21ML_J 0.201e-3
#define SOT_E_5ML_J 0.098e-3
/* Temperature of all the thickness data, K (thesis ch. 4.3.1-4.3.2). */
#define SOT_TEMPERATURE_K 120.0
/* k is given per mA and currents in A. */
#define SOT_MA_PER_A 1e3

static const int sot_thicknesses[] = {5, 9, 14, 21, 0};

const int *cospin_sot_thicknesses(void)
{
    return sot_thicknesses;
}

double cospin_sot_write_energy_j(double i_sw_a, double r_ohm, double width_s)
{
    return i_sw_a * i_sw_a * r_ohm * width_s;
}

double cospin_sot_channel_r_ohm(void)
{
    return SOT_E_21ML_J / (SOT_XC_21ML_A * SOT_XC_21ML_A * COSPIN_SOT_PULSE_WIDTH_S);
}

/* x_c (= I_SW) at 5 ML from the 5 ML write energy and the common channel R. */
static double sot_xc_5ml_a(void)
{
    return sqrt(SOT_E_5ML_J / (cospin_sot_channel_r_ohm() * COSPIN_SOT_PULSE_WIDTH_S));
}

int cospin_sot_preset(int thickness_ml, struct cospin_sot_preset *p, struct cospin_error *err)
{
    int known = 0;
    for (const int *t = sot_thicknesses; *t; t++)
        known |= (*t == thickness_ml);
    if (!known)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "no SOT preset for a CrTe2 thickness of %d ML "
                                "(known: 5, 9, 14, 21)",
                                thickness_ml);
    /* Fraction from 5 ML (0) to 21 ML (1); exact at the measured ends. */
    double f = (thickness_ml - 5) / 16.0;
    memset(p, 0, sizeof *p);
    p->thickness_ml = thickness_ml;
    p->measured = (thickness_ml == 5 || thickness_ml == 21);
    p->temperature_k = SOT_TEMPERATURE_K;
    p->states = (int)lround(SOT_STATES_5ML + f * (SOT_STATES_21ML - SOT_STATES_5ML));
    p->range_rel = SOT_RANGE_REL_5ML + f * (1.0 - SOT_RANGE_REL_5ML);
    p->hc_t = SOT_HC_5ML_T + f * (SOT_HC_21ML_T - SOT_HC_5ML_T);
    p->k_per_ma = SOT_K_5ML_PER_MA + f * (SOT_K_21ML_PER_MA - SOT_K_5ML_PER_MA);
    p->xc_a = sot_xc_5ml_a() + f * (SOT_XC_21ML_A - sot_xc_5ml_a());
    p->i_pulse_min_a = SOT_I_PULSE_MIN_A;
    p->i_pulse_max_a = SOT_I_PULSE_MAX_A;
    if (thickness_ml == 21)
        p->write_energy_j = SOT_E_21ML_J;
    else if (thickness_ml == 5)
        p->write_energy_j = SOT_E_5ML_J;
    else
        p->write_energy_j = cospin_sot_write_energy_j(p->xc_a, cospin_sot_channel_r_ohm(),
                                                      COSPIN_SOT_PULSE_WIDTH_S);
    return COSPIN_OK;
}

int cospin_sot_preset_write_energy_j(int thickness_ml, double *e_j, struct cospin_error *err)
{
    struct cospin_sot_preset p;
    int rc = cospin_sot_preset(thickness_ml, &p, err);
    if (rc == 0)
        *e_j = p.write_energy_j;
    return rc;
}

int cospin_sot_parse_name(const char *name, const char *prefix, int *thickness_ml,
                          struct cospin_error *err)
{
    size_t lp = strlen(prefix);
    if (!name || strncmp(name, prefix, lp) != 0 || (name[lp] != '\0' && name[lp] != ':'))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "'%s' is not of the form %s[:thickness]", name ? name : "(null)",
                                prefix);
    if (name[lp] == '\0') {
        *thickness_ml = 21;
        return COSPIN_OK;
    }
    const char *s = name + lp + 1;
    char *end = NULL;
    long d = strtol(s, &end, 10);
    if (end == s || (*end != '\0' && strcmp(end, "ml") != 0 && strcmp(end, "ML") != 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "'%s': thickness '%s' is not a whole number of monolayers",
                                name, s);
    struct cospin_sot_preset p;
    int rc = cospin_sot_preset((int)d, &p, err);
    if (rc)
        return rc;
    *thickness_ml = (int)d;
    return COSPIN_OK;
}

int cospin_sot_neuron_preset(int thickness_ml, struct cospin_sot_neuron *n,
                             struct cospin_error *err)
{
    struct cospin_sot_preset p;
    int rc = cospin_sot_preset(thickness_ml, &p, err);
    if (rc)
        return rc;
    n->k_per_ma = p.k_per_ma;
    n->xc_a = p.xc_a;
    return COSPIN_OK;
}

double cospin_sot_neuron_y(const struct cospin_sot_neuron *n, double i_a)
{
    double x = n->k_per_ma * (i_a - n->xc_a) * SOT_MA_PER_A; /* k in mA^-1, current in mA */
    return cospin_logistic(x);
}

int cospin_sot_neuron_model_init(const struct cospin_sot_neuron_card *c,
                                 struct cospin_sot_neuron_model *m, struct cospin_error *err)
{
    struct cospin_error preset_err;
    memset(&preset_err, 0, sizeof preset_err);
    if (cospin_sot_neuron_preset(c->thickness_ml, &m->n, &preset_err) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "thickness = %d: %s",
                                c->thickness_ml, preset_err.msg);
    if (!(c->v_max_v > 0.0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "v_max = %g V must be > 0",
                                c->v_max_v);
    if (c->k_per_ma != 0.0)
        m->n.k_per_ma = c->k_per_ma;
    if (c->xc_a != 0.0)
        m->n.xc_a = c->xc_a;
    if (c->sweep_a != 0.0) {
        double s = fabs(c->sweep_a);
        if (s < COSPIN_SOT_SWEEP_MIN_A || s > COSPIN_SOT_SWEEP_MAX_A)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "sweep = %g A is outside [%g, %g] A", c->sweep_a,
                                    COSPIN_SOT_SWEEP_MIN_A, COSPIN_SOT_SWEEP_MAX_A);
        m->n.k_per_ma = cospin_sot_k_from_sweep(c->sweep_a);
    }
    if (!(m->n.k_per_ma > 0.0) || !isfinite(m->n.k_per_ma))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "k = %g 1/mA must be > 0",
                                m->n.k_per_ma);
    m->v_max_v = c->v_max_v;
    return COSPIN_OK;
}

double cospin_sot_neuron_model_v(const struct cospin_sot_neuron_model *m, double i_a,
                                 double *dv_di_ohm)
{
    double y = cospin_sot_neuron_y(&m->n, i_a);
    if (dv_di_ohm) {
        double dy_di_per_a = m->n.k_per_ma * SOT_MA_PER_A * y * (1.0 - y);
        *dv_di_ohm = m->v_max_v * dy_di_per_a;
    }
    return m->v_max_v * y;
}

int cospin_sot_neuron_network_kc(const struct cospin_sot_neuron *n, double i_bias_a,
                                 double i_scale_a, double *k, double *c,
                                 struct cospin_error *err)
{
    if (!(i_scale_a > 0.0) || !isfinite(i_scale_a))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "SOT-N input scale must be > 0 A per unit (got %g)", i_scale_a);
    *k = n->k_per_ma * i_scale_a * SOT_MA_PER_A;
    *c = (i_bias_a - n->xc_a) / i_scale_a;
    return COSPIN_OK;
}

double cospin_sot_k_from_sweep(double sweep_a)
{
    double s = fabs(sweep_a);
    if (s < COSPIN_SOT_SWEEP_MIN_A)
        s = COSPIN_SOT_SWEEP_MIN_A;
    if (s > COSPIN_SOT_SWEEP_MAX_A)
        s = COSPIN_SOT_SWEEP_MAX_A;
    double f = (s - COSPIN_SOT_SWEEP_MIN_A) / (COSPIN_SOT_SWEEP_MAX_A - COSPIN_SOT_SWEEP_MIN_A);
    return COSPIN_SOT_K_MAX_PER_MA + f * (COSPIN_SOT_K_MIN_PER_MA - COSPIN_SOT_K_MAX_PER_MA);
}

int cospin_sot_sweep_for_k(double k_per_ma, double *sweep_a, struct cospin_error *err)
{
    if (!(k_per_ma >= COSPIN_SOT_K_MIN_PER_MA && k_per_ma <= COSPIN_SOT_K_MAX_PER_MA))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "SOT-N k = %g mA^-1 is outside the sweep-tunable range "
                                "[%g, %g]",
                                k_per_ma, COSPIN_SOT_K_MIN_PER_MA, COSPIN_SOT_K_MAX_PER_MA);
    double f = (COSPIN_SOT_K_MAX_PER_MA - k_per_ma) /
               (COSPIN_SOT_K_MAX_PER_MA - COSPIN_SOT_K_MIN_PER_MA);
    *sweep_a = COSPIN_SOT_SWEEP_MIN_A + f * (COSPIN_SOT_SWEEP_MAX_A - COSPIN_SOT_SWEEP_MIN_A);
    return COSPIN_OK;
}
