/*
 * mtj_model.c -- the LLGS MTJ circuit instance shared by the mtj_stt and
 * mtj_sot code models (see mtj_model.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mtj_model.h"

/* Room for a physics or read-path message (llgs.h, tmr.h). */
#define MTJ_MODEL_MSG_CHARS 512

void cospin_mtj_card_init(struct cospin_mtj_card *c, enum cospin_torque torque)
{
    memset(c, 0, sizeof *c);
    cospin_mtj_params_default(&c->p);
    c->p.torque = torque;
}

/* One convention string of the card into *value (NULL: the first word). */
static int mtj_convention(const char *card_name, const char *kind, const char *word, int *value,
                          struct cospin_error *err)
{
    const char *const *words = cospin_mtj_convention_words(kind);
    int v = word ? cospin_mtj_convention_value(kind, word) : 0;
    if (v >= 0) {
        *value = v;
        return COSPIN_OK;
    }
    char list[128] = "";
    for (size_t i = 0; words && words[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", words[i]);
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "%s = '%s' unknown, expected %s",
                            card_name, word, list);
}

/* The convention strings into p's enums. */
static int mtj_card_conventions(const struct cospin_mtj_card *c, struct cospin_mtj_params *p,
                                struct cospin_error *err)
{
    int v[5];
    int rc = mtj_convention("demag", "demag", c->demag, &v[0], err);
    if (!rc)
        rc = mtj_convention("stt", "stt", c->stt, &v[1], err);
    if (!rc)
        rc = mtj_convention("thermal", "thermal", c->thermal, &v[2], err);
    if (!rc)
        rc = mtj_convention("init", "init", c->init, &v[3], err);
    if (!rc)
        rc = mtj_convention("integrator", "integrator", c->integrator, &v[4], err);
    if (rc)
        return rc;
    p->demag = (enum cospin_demag)v[0];
    p->stt = (enum cospin_stt)v[1];
    p->thermal = (enum cospin_thermal)v[2];
    p->init = (enum cospin_init)v[3];
    p->integrator = (enum cospin_integrator)v[4];
    return COSPIN_OK;
}

/*
 * The physics messages (cospin_mtj_params_validate) start with the word the
 * device file uses; a card calls some of them otherwise.  Rewrite the
 * leading word into the card's name.
 */
static void mtj_card_words(char *msg, size_t n)
{
    static const char *const map[][2] = {
        {"fl-length", "length"},   {"fl-width", "width"},
        {"fl-thickness", "thickness"}, {"polarization", "pol"},
        {"temperature", "temp"},   {"thermal-scale", "thermal_scale"},
        {"spin-hall-angle", "theta_sh"}, {"hm-width", "hm_width"},
        {"hm-thickness", "hm_thickness"}, {"ku-per-volt", "ku_per_volt"},
        {"init-tilt", "init_tilt"}, {"k-bulk + k-i/fl-thickness", "k_bulk + k_i/thickness"},
        {"k-bulk", "k_bulk"},      {"k-i", "k_i"},
        {"field-like", "fl_ratio"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t len = strlen(map[i][0]);
        if (strncmp(msg, map[i][0], len) == 0 && msg[len] == ' ') {
            char rest[MTJ_MODEL_MSG_CHARS];
            snprintf(rest, sizeof rest, "%s", msg + len);
            snprintf(msg, n, "%s%s", map[i][1], rest);
            return;
        }
    }
}

/* The instance settings around the physics: initial well, generator, step, channel. */
static int mtj_card_instance(const struct cospin_mtj_card *c, struct cospin_error *err)
{
    if (c->m0 != -1.0 && c->m0 != 1.0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "m0 = %g must be -1 (AP) or +1 (P)", c->m0);
    if (c->seed < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "seed = %d must be >= 0",
                                c->seed);
    if (c->stream < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "stream = %d must be >= 0",
                                c->stream);
    if (!(c->max_step_s >= c->p.dt_s) || !(c->max_step_s <= COSPIN_MTJ_MAX_STEP_LIMIT_S))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "max_step = %g s must lie in [dt, 1e-6]", c->max_step_s);
    if (c->p.torque == COSPIN_TORQUE_SOT && (!(c->r_hm_ohm > 0.0) || !isfinite(c->r_hm_ohm)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "r_hm = %g ohm must be > 0",
                                c->r_hm_ohm);
    return COSPIN_OK;
}

int cospin_mtj_model_new(const struct cospin_mtj_card *c, struct cospin_mtj_model **out,
                         struct cospin_error *err)
{
    *out = NULL;
    struct cospin_mtj_params p = c->p;
    int rc = mtj_card_conventions(c, &p, err);
    if (rc == COSPIN_OK)
        rc = mtj_card_instance(c, err);
    if (rc != COSPIN_OK)
        return rc;
    struct cospin_mtj_model *m = calloc(1, sizeof *m);
    if (!m)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    char msg[MTJ_MODEL_MSG_CHARS];
    m->tmr = c->tmr;
    if (cospin_tmr_validate(&m->tmr, msg, sizeof msg) != 0 ||
        cospin_mtj_derive(&p, &m->d, msg, sizeof msg) != 0) {
        free(m);
        mtj_card_words(msg, sizeof msg);
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "%s", msg);
    }
    m->max_step_s = c->max_step_s;
    m->g_hm_s = c->p.torque == COSPIN_TORQUE_SOT ? 1.0 / c->r_hm_ohm : 0.0;
    m->seed = (uint64_t)c->seed;
    m->stream = (uint64_t)c->stream;
    m->m0 = c->m0;
    *out = m;
    return COSPIN_OK;
}

void cospin_mtj_model_free(struct cospin_mtj_model *m)
{
    free(m);
}

void cospin_mtj_model_start(const struct cospin_mtj_model *m, struct cospin_mtj_point *pt)
{
    memset(pt, 0, sizeof *pt);
    cospin_mtj_state_init(&m->d, &pt->s, m->seed, m->stream, m->m0);
}

void cospin_mtj_model_tran(const struct cospin_mtj_model *m, const struct cospin_mtj_point *acc,
                           struct cospin_mtj_point *now, double t_s, double drive_a,
                           double ctrl_v)
{
    /* Exact comparisons: a Newton iteration that repeats the same inputs
     * must give the same state, anything else is recomputed. */
    int same = now->keyed && now->base_t_s == acc->s.t_acc_s && now->base_k == acc->s.k_done &&
               now->s.t_acc_s == t_s && now->s.drive_acc_a == drive_a &&
               now->s.ctrl_acc_v == ctrl_v;
    if (same)
        return;
    *now = *acc;
    cospin_mtj_advance(&m->d, &acc->s, &now->s, t_s, drive_a, ctrl_v);
    now->keyed = 1;
    now->base_t_s = acc->s.t_acc_s;
    now->base_k = acc->s.k_done;
}

void cospin_mtj_model_dc(struct cospin_mtj_point *acc, struct cospin_mtj_point *now,
                         double drive_a, double ctrl_v)
{
    *now = *acc;
    now->keyed = 0;
    now->s.drive_acc_a = drive_a;
    now->s.ctrl_acc_v = ctrl_v;
    *acc = *now;
}

double cospin_mtj_model_read(const struct cospin_mtj_model *m, const struct cospin_mtj_point *acc,
                             double v_v, double *di_dv_s)
{
    double dg_dv, dg_dm;
    double g = cospin_tmr_conductance(&m->tmr, acc->s.m[2], v_v, &dg_dv, &dg_dm);
    if (di_dv_s)
        *di_dv_s = g + dg_dv * v_v;
    return g * v_v;
}
