/*
 * char_fp.c -- the Fokker-Planck engine of the characterisation (char_fp.h):
 * a grid's points from the Fokker-Planck equation of m_z, one
 * cospin_fp_curve per (Ku, width), and one setting's fitted (k, c) on
 * demand (cospin_char_fp_setting).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "characterize"
#include "char_fp.h"
#include "char_internal.h"
#include "characterize.h"
#include "error.h"
#include "fokker_planck.h"
#include "log.h"

/* The device at anisotropy ku (the grid value replaces any K_bulk + K_i/t
   split, as the Monte Carlo engines do). */
static struct cospin_mtj_params device_at(const struct cospin_char_opts *o, double ku)
{
    struct cospin_mtj_params p = o->device;
    p.ku_j_per_m3 = ku;
    p.k_i_j_per_m2 = 0;
    return p;
}

/* The reason of a refusal without the physics layer's frame (its
   "Fokker-Planck engine: " and its pointer at the Monte Carlo engine, which
   the caller words for this layer's engine names). */
static const char *refusal_reason(const char *msg, char *buf, size_t n)
{
    static const char prefix[] = "Fokker-Planck engine: ";
    static const char suffix[] = "; use the Monte Carlo engine";
    if (strncmp(msg, prefix, sizeof prefix - 1) == 0)
        msg += sizeof prefix - 1;
    snprintf(buf, n, "%s", msg);
    char *cut = strstr(buf, suffix);
    if (cut)
        *cut = 0;
    return buf;
}

/* A workspace for o's device at ku; a refusal says which engine to use. */
static int new_workspace(const struct cospin_char_opts *o, double ku, struct cospin_fp **fp,
                         struct cospin_error *err)
{
    struct cospin_mtj_params p = device_at(o, ku);
    struct cospin_error e = {0};
    char reason[sizeof e.msg];
    int rc = cospin_fp_new(&p, &o->fp, fp, &e);
    if (rc == COSPIN_ERR_INVALID)
        return cospin_error_set(err, rc, NULL, 0,
                                "the fokker-planck engine cannot run this device: %s; use a "
                                "Monte Carlo engine: engine fast (the standalone LLGS) or "
                                "ngspice",
                                refusal_reason(e.msg, reason, sizeof reason));
    if (rc)
        return cospin_error_set(err, rc, NULL, 0, "%s", e.msg);
    return COSPIN_OK;
}

int cospin_char_fp_check(const struct cospin_char_opts *o, const double *kus, size_t nkus,
                         struct cospin_error *err)
{
    for (size_t k = 0; k < nkus; k++) {
        struct cospin_fp *fp = NULL;
        int rc = new_workspace(o, kus[k], &fp, err);
        cospin_fp_free(fp);
        if (rc)
            return rc;
    }
    return COSPIN_OK;
}

/* One curve: points [i, j) share width and Ku (fp built at that Ku). */
static int run_curve(const struct cospin_char_opts *o, struct cospin_fp *fp,
                     struct cospin_char_point *pts, size_t i, size_t j, double *cur, double *psw,
                     struct cospin_error *err)
{
    for (size_t q = i; q < j; q++)
        cur[q - i] = pts[q].current_a;
    int rc = cospin_fp_curve(fp, cur, j - i, pts[i].width_s, o->relax_s, psw, err);
    if (rc)
        return rc;
    for (size_t q = i; q < j; q++) {
        pts[q].trials = 0;
        pts[q].switched = 0;
        pts[q].p_sw = psw[q - i];
    }
    return COSPIN_OK;
}

int cospin_char_fp_run(const struct cospin_char_opts *o, struct cospin_char_point *pts, size_t n,
                       cospin_char_fp_done_fn done, cospin_char_fp_stop_fn stop, void *ctx,
                       struct cospin_error *err)
{
    double *cur = malloc((n ? n : 1) * sizeof *cur), *psw = malloc((n ? n : 1) * sizeof *psw);
    struct cospin_fp *fp = NULL;
    double fp_ku = 0;
    int rc = cur && psw ? COSPIN_OK
                        : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0, j; i < n && !rc; i = j) {
        if (stop && stop(ctx)) {
            rc = COSPIN_ERR_INTERRUPTED;
            break;
        }
        for (j = i + 1; j < n && cospin_char_same(pts[j].width_s, pts[i].width_s) &&
                        cospin_char_same(pts[j].ku_j_per_m3, pts[i].ku_j_per_m3);
             j++)
            ;
        if (!fp || !cospin_char_same(fp_ku, pts[i].ku_j_per_m3)) {
            cospin_fp_free(fp);
            fp = NULL;
            fp_ku = pts[i].ku_j_per_m3;
            if ((rc = new_workspace(o, fp_ku, &fp, err)) != COSPIN_OK)
                break;
        }
        rc = run_curve(o, fp, pts, i, j, cur, psw, err);
        if (!rc)
            done(ctx, i, j - i);
    }
    cospin_fp_free(fp);
    free(cur);
    free(psw);
    return rc;
}

int cospin_char_fp_setting(const struct cospin_char_opts *o, double width_s, double ku_j_per_m3,
                           const double *currents_a, size_t n, struct cospin_fit_result *fit,
                           double *psw, struct cospin_error *err)
{
    if (!o || !currents_a || !fit || n == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no options, currents or fit");
    if (!(width_s > 0) || !(ku_j_per_m3 > 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "pulse width %g s and Ku %g J/m^3 must be > 0", width_s,
                                ku_j_per_m3);
    double *p = psw ? psw : malloc(n * sizeof *p), *x = malloc(n * sizeof *x);
    struct cospin_fp *fp = NULL;
    int rc = p && x ? new_workspace(o, ku_j_per_m3, &fp, err)
                    : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    if (!rc)
        rc = cospin_fp_curve(fp, currents_a, n, width_s, o->relax_s, p, err);
    if (!rc) {
        for (size_t i = 0; i < n; i++)
            x[i] = currents_a[i] * 1e6; /* fit in uA, as the tables */
        cospin_char_fit_prob_curve(x, p, n, fit, NULL);
    }
    cospin_fp_free(fp);
    if (p != psw)
        free(p);
    free(x);
    return rc;
}
