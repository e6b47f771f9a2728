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
#define MTJ_MODEL_MSG_CHARS 256

void cospin_mtj_card_init(struct cospin_mtj_card *c, enum cospin_torque torque)
{
    memset(c, 0, sizeof *c);
    cospin_mtj_params_default(&c->p);
    c->p.torque = torque;
}

/* Index of s among the two names of a convention (NULL: the first); -1 if neither. */
static int mtj_convention(const char *s, const char *first, const char *second)
{
    if (s == NULL || strcmp(s, first) == 0)
        return 0;
    if (strcmp(s, second) == 0)
        return 1;
    return -1;
}

/* The four convention strings into p's enums. */
static int mtj_card_conventions(const struct cospin_mtj_card *c, struct cospin_mtj_params *p,
                                struct cospin_error *err)
{
    int k;
    if ((k = mtj_convention(c->demag, "prism", "thin-film")) < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "demag = '%s' unknown, expected prism or thin-film", c->demag);
    p->demag = (enum cospin_demag)k;
    if ((k = mtj_convention(c->stt, "constant", "slonczewski")) < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "stt = '%s' unknown, expected constant or slonczewski", c->stt);
    p->stt = (enum cospin_stt)k;
    if ((k = mtj_convention(c->thermal, "brown", "thesis")) < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "thermal = '%s' unknown, expected brown or thesis", c->thermal);
    p->thermal = (enum cospin_thermal)k;
    if ((k = mtj_convention(c->init, "thermal", "tilt")) < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "init = '%s' unknown, expected thermal or tilt", c->init);
    p->init = (enum cospin_init)k;
    return COSPIN_OK;
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
