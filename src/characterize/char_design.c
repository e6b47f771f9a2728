/*
 * char_design.c -- the designer's inverse: the (width, Ku) settings that
 * give a wanted (k, c), or the width that gives k at a fixed Ku (see
 * characterize.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "characterize"
#include "char_internal.h"
#include "characterize.h"
#include "error.h"

/* ---- the designer's inverse ---------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorted unique values (by `same`) of v[0..n) into u; returns the count. */
static size_t unique_sorted(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || !cospin_char_same(v[i], v[m - 1]))
            v[m++] = v[i];
    return m;
}

/* A row the inverse may use: a fit with status ok and finite k > 0 and c.  A
   neuron table written by an older cospin may say "ok" beside NaN (a curve of
   one current); such a row would make every interpolation through it NaN. */
static int fit_usable(const struct cospin_char_fit *f)
{
    return f->fit.status == COSPIN_FIT_OK && isfinite(f->fit.k) && f->fit.k > 0 &&
           isfinite(f->fit.c);
}

static const struct cospin_char_fit *find_fit(const struct cospin_char_table *t, double w, double ku)
{
    for (size_t i = 0; i < t->nfits; i++)
        if (fit_usable(&t->fits[i]) && cospin_char_same(t->fits[i].width_s, w) &&
            cospin_char_same(t->fits[i].ku_j_per_m3, ku))
            return &t->fits[i];
    return NULL;
}

/* Bilinear interpolation on a unit cell: corners f00 (s=0,t=0), f10, f01, f11. */
static double bilin(const double f[4], double s, double t)
{
    return f[0] * (1 - s) * (1 - t) + f[1] * s * (1 - t) + f[2] * (1 - s) * t + f[3] * s * t;
}

static double design_residual(const double kf[4], const double cf[4], double s, double t,
                              double kt, double ct)
{
    return fmax(fabs(bilin(kf, s, t) - kt) / fabs(kt), fabs(bilin(cf, s, t) - ct) / fabs(ct));
}

static int cmp_design(const void *a, const void *b)
{
    const struct cospin_char_design *x = a, *y = b;
    return x->residual < y->residual ? -1 : x->residual > y->residual;
}

int cospin_char_design_kc(const struct cospin_char_table *t, double k_target, double c_target,
                          double tol, struct cospin_char_design *sol, size_t max, size_t *nsol,
                          struct cospin_error *err)
{
    *nsol = 0;
    if (!t || t->nfits == 0 || !sol || max == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no neuron table");
    if (!(k_target != 0) || !isfinite(k_target) || !(c_target != 0) || !isfinite(c_target))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "target k = %g /uA and c = %g uA must be finite and nonzero",
                                k_target, c_target);
    double *ws = malloc(t->nfits * sizeof *ws), *ks = malloc(t->nfits * sizeof *ks);
    if (!ws || !ks) {
        free(ws);
        free(ks);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    size_t nok = 0;
    for (size_t i = 0; i < t->nfits; i++)
        if (fit_usable(&t->fits[i])) {
            ws[nok] = t->fits[i].width_s;
            ks[nok++] = t->fits[i].ku_j_per_m3;
        }
    size_t nw = unique_sorted(ws, nok), nk = unique_sorted(ks, nok);
    int rc = 0;
    if (nw < 2 || nk < 2) {
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                              "the table needs at least 2 widths and 2 Ku values with good fits "
                              "(has %zu and %zu); for width alone use the width path",
                              nw, nk);
        goto out;
    }
    size_t found = 0;
    struct cospin_char_design best = {0};
    best.residual = INFINITY;
    for (size_t a = 0; a + 1 < nk; a++)
        for (size_t b = 0; b + 1 < nw; b++) {
            const struct cospin_char_fit *f[4] = {
                find_fit(t, ws[b], ks[a]), find_fit(t, ws[b + 1], ks[a]),
                find_fit(t, ws[b], ks[a + 1]), find_fit(t, ws[b + 1], ks[a + 1])};
            if (!f[0] || !f[1] || !f[2] || !f[3]) {
                rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                      "the table is not a complete grid: no good fit at some "
                                      "corner of width [%g, %g] s x Ku [%g, %g] J/m^3",
                                      ws[b], ws[b + 1], ks[a], ks[a + 1]);
                goto out;
            }
            double kf[4], cf[4];
            for (int q = 0; q < 4; q++) {
                kf[q] = f[q]->fit.k;
                cf[q] = f[q]->fit.c;
            }
            /* Coarse search, then Newton on the 2x2 system. */
            enum { NS = 41 };
            double bs = 0, bt = 0, br = INFINITY;
            for (int i = 0; i < NS; i++)
                for (int j = 0; j < NS; j++) {
                    double s = (double)i / (NS - 1), tt = (double)j / (NS - 1);
                    double r = design_residual(kf, cf, s, tt, k_target, c_target);
                    if (r < br) {
                        br = r;
                        bs = s;
                        bt = tt;
                    }
                }
            for (int it = 0; it < 30; it++) {
                double k0 = bilin(kf, bs, bt) - k_target, c0 = bilin(cf, bs, bt) - c_target;
                double dks = (kf[1] - kf[0]) * (1 - bt) + (kf[3] - kf[2]) * bt;
                double dkt = (kf[2] - kf[0]) * (1 - bs) + (kf[3] - kf[1]) * bs;
                double dcs = (cf[1] - cf[0]) * (1 - bt) + (cf[3] - cf[2]) * bt;
                double dct = (cf[2] - cf[0]) * (1 - bs) + (cf[3] - cf[1]) * bs;
                double det = dks * dct - dkt * dcs;
                if (fabs(det) < 1e-300)
                    break;
                double ds = (k0 * dct - c0 * dkt) / det, dt = (dks * c0 - dcs * k0) / det;
                double ns = fmin(1, fmax(0, bs - ds)), ntt = fmin(1, fmax(0, bt - dt));
                double nr = design_residual(kf, cf, ns, ntt, k_target, c_target);
                if (!(nr < br))
                    break;
                bs = ns;
                bt = ntt;
                br = nr;
            }
            struct cospin_char_design d;
            d.width_s = exp(log(ws[b]) + bs * (log(ws[b + 1]) - log(ws[b])));
            d.ku_j_per_m3 = ks[a] + bt * (ks[a + 1] - ks[a]);
            d.k_per_ua = bilin(kf, bs, bt);
            d.c_ua = bilin(cf, bs, bt);
            d.residual = br;
            if (br <= tol && found < max)
                sol[found++] = d;
            if (br < best.residual)
                best = d;
        }
    if (found == 0) {
        sol[0] = best;
        *nsol = 1;
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                              "no setting in the table gives k = %g /uA at c = %g uA (within %g); "
                              "nearest: width %.4g ns, Ku %.5g J/m^3 -> k = %.3g /uA, c = %.3g uA",
                              k_target, c_target, tol, best.width_s * 1e9, best.ku_j_per_m3,
                              best.k_per_ua, best.c_ua);
        goto out;
    }
    qsort(sol, found, sizeof *sol, cmp_design);
    *nsol = found;
out:
    free(ws);
    free(ks);
    return rc;
}

int cospin_char_design_width(const struct cospin_char_table *t, double ku_j_per_m3,
                             double k_target, struct cospin_char_design *sol,
                             struct cospin_error *err)
{
    if (!t || !sol)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no neuron table");
    double *ws = malloc((t->nfits + 1) * sizeof *ws);
    if (!ws)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < t->nfits; i++)
        if (fit_usable(&t->fits[i]) && cospin_char_same(t->fits[i].ku_j_per_m3, ku_j_per_m3))
            ws[n++] = t->fits[i].width_s;
    n = unique_sorted(ws, n);
    int rc = COSPIN_ERR_INVALID;
    double kmin = INFINITY, kmax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const struct cospin_char_fit *f = find_fit(t, ws[i], ku_j_per_m3);
        kmin = fmin(kmin, f->fit.k);
        kmax = fmax(kmax, f->fit.k);
    }
    for (size_t i = 0; i + 1 < n; i++) {
        const struct cospin_char_fit *a = find_fit(t, ws[i], ku_j_per_m3);
        const struct cospin_char_fit *b = find_fit(t, ws[i + 1], ku_j_per_m3);
        double lo = fmin(a->fit.k, b->fit.k), hi = fmax(a->fit.k, b->fit.k);
        if (k_target < lo || k_target > hi || a->fit.k == b->fit.k)
            continue;
        double s = (k_target - a->fit.k) / (b->fit.k - a->fit.k);
        sol->width_s = exp(log(ws[i]) + s * (log(ws[i + 1]) - log(ws[i])));
        sol->ku_j_per_m3 = ku_j_per_m3;
        sol->k_per_ua = k_target;
        sol->c_ua = a->fit.c + s * (b->fit.c - a->fit.c);
        sol->residual = 0;
        rc = 0;
        break;
    }
    free(ws);
    if (rc) {
        if (n < 2)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "the table has %zu width%s with a good fit at Ku = %g J/m^3 "
                                    "(need 2 or more)",
                                    n, n == 1 ? "" : "s", ku_j_per_m3);
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "k = %g /uA is outside the range [%.3g, %.3g] /uA reached by "
                                "the widths at Ku = %g J/m^3",
                                k_target, kmin, kmax, ku_j_per_m3);
    }
    return 0;
}

/* ---- the inverse refined by the Fokker-Planck engine ---------------------------------- */

/* Newton controls of the refinement (dimensionless). */
#define FPD_MAX_ITER 30          /* Newton iterations per starting point */
#define FPD_CONVERGED 1e-7       /* stop when max(|dk|/k, |dc|/c) is below this */
#define FPD_H_LOGW 0.01          /* central-difference step in ln(width): 1 %, many LLGS
                                    steps even at 2 ns, so the width's rounding to dt
                                    does not disturb the derivative */
#define FPD_H_KU 1e-3            /* central-difference step in Ku, relative */
#define FPD_SAME_LOGW 1e-3       /* two refined settings closer than this in ln(width) */
#define FPD_SAME_KU 1e-5         /*   and in Ku (relative) are the same solution */

/* One refinement problem: the target, the engine's settings, the box. */
struct fpd {
    const struct cospin_char_opts *o;
    const double *cur;
    size_t n;
    double kt, ct;               /* target k (1/uA), c (uA) */
    double lw_lo, lw_hi;         /* ln(width) range of the table */
    double ku_lo, ku_hi;         /* Ku range of the table, J/m^3 */
};

/* F = (k/kt - 1, c/ct - 1) of the engine at (ln w, Ku); NaN for a failed fit. */
static int fpd_eval(const struct fpd *d, double lw, double ku, double f[2], double kc[2],
                    struct cospin_error *err)
{
    struct cospin_fit_result fit;
    int rc = cospin_char_fp_setting(d->o, exp(lw), ku, d->cur, d->n, &fit, NULL, err);
    if (rc)
        return rc;
    int ok = fit.status == COSPIN_FIT_OK;
    f[0] = ok ? fit.k / d->kt - 1 : NAN;
    f[1] = ok ? fit.c / d->ct - 1 : NAN;
    if (kc) {
        kc[0] = fit.k;
        kc[1] = fit.c;
    }
    return COSPIN_OK;
}

static double fpd_norm(const double f[2])
{
    return isnan(f[0]) || isnan(f[1]) ? INFINITY : fmax(fabs(f[0]), fabs(f[1]));
}

/* Central-difference Jacobian J (row-major 2x2: dF/d ln w, dF/d Ku) at x. */
static int fpd_jacobian(const struct fpd *d, const double x[2], double j[4],
                        struct cospin_error *err)
{
    const double h[2] = {FPD_H_LOGW, FPD_H_KU * x[1]};
    for (int v = 0; v < 2; v++) {
        double xp[2] = {x[0], x[1]}, xm[2] = {x[0], x[1]}, fp[2], fm[2];
        xp[v] += h[v];
        xm[v] -= h[v];
        int rc = fpd_eval(d, xp[0], xp[1], fp, NULL, err);
        if (!rc)
            rc = fpd_eval(d, xm[0], xm[1], fm, NULL, err);
        if (rc)
            return rc;
        j[v] = (fp[0] - fm[0]) / (2 * h[v]);
        j[2 + v] = (fp[1] - fm[1]) / (2 * h[v]);
    }
    return COSPIN_OK;
}

/* Damped Newton from x (ln w, Ku; in/out) inside the box; f receives F at x. */
static int fpd_newton(const struct fpd *d, double x[2], double f[2], struct cospin_error *err)
{
    int rc = fpd_eval(d, x[0], x[1], f, NULL, err);
    for (int it = 0; !rc && it < FPD_MAX_ITER && fpd_norm(f) > FPD_CONVERGED; it++) {
        double j[4];
        if ((rc = fpd_jacobian(d, x, j, err)) != COSPIN_OK)
            break;
        double det = j[0] * j[3] - j[1] * j[2];
        if (!(fabs(det) > 0) || !isfinite(det))
            break;
        double dx[2] = {-(j[3] * f[0] - j[1] * f[1]) / det, -(j[0] * f[1] - j[2] * f[0]) / det};
        double t = 1, xn[2], fn[2] = {NAN, NAN};
        for (int halv = 0; halv < 12; halv++, t *= 0.5) {
            xn[0] = fmin(d->lw_hi, fmax(d->lw_lo, x[0] + t * dx[0]));
            xn[1] = fmin(d->ku_hi, fmax(d->ku_lo, x[1] + t * dx[1]));
            if ((rc = fpd_eval(d, xn[0], xn[1], fn, NULL, err)) != COSPIN_OK)
                return rc;
            if (fpd_norm(fn) < fpd_norm(f))
                break;
        }
        if (!(fpd_norm(fn) < fpd_norm(f)))
            break; /* no descent: as close as this start gets */
        x[0] = xn[0];
        x[1] = xn[1];
        f[0] = fn[0];
        f[1] = fn[1];
    }
    return rc;
}

/* Refine one starting setting into *out (width rounded to the LLGS step). */
static int fpd_refine(const struct fpd *d, const struct cospin_char_design *start,
                      struct cospin_char_design *out, struct cospin_error *err)
{
    double x[2] = {log(start->width_s), start->ku_j_per_m3}, f[2], kc[2] = {NAN, NAN};
    int rc = fpd_newton(d, x, f, err);
    if (rc)
        return rc;
    double dt = d->o->device.dt_s, w = exp(x[0]);
    if (dt > 0 && w > dt)
        w = floor(w / dt + 0.5) * dt; /* the pulse the engine and the LLGS realise */
    if ((rc = fpd_eval(d, log(w), x[1], f, kc, err)) != COSPIN_OK)
        return rc;
    *out = (struct cospin_char_design){w, x[1], kc[0], kc[1], fpd_norm(f)};
    return COSPIN_OK;
}

/* The table's ln(width) and Ku range (rows with a good fit) into d. */
static void fpd_box(const struct cospin_char_table *t, struct fpd *d)
{
    d->lw_lo = d->ku_lo = INFINITY;
    d->lw_hi = d->ku_hi = -INFINITY;
    for (size_t i = 0; i < t->nfits; i++)
        if (t->fits[i].fit.status == COSPIN_FIT_OK) {
            d->lw_lo = fmin(d->lw_lo, log(t->fits[i].width_s));
            d->lw_hi = fmax(d->lw_hi, log(t->fits[i].width_s));
            d->ku_lo = fmin(d->ku_lo, t->fits[i].ku_j_per_m3);
            d->ku_hi = fmax(d->ku_hi, t->fits[i].ku_j_per_m3);
        }
}

/* Append s to sol[0 .. *n) unless an equal setting is there (keep the better). */
static void fpd_add(struct cospin_char_design *sol, size_t max, size_t *n,
                    const struct cospin_char_design *s)
{
    for (size_t i = 0; i < *n; i++)
        if (fabs(log(sol[i].width_s / s->width_s)) < FPD_SAME_LOGW &&
            fabs(sol[i].ku_j_per_m3 - s->ku_j_per_m3) < FPD_SAME_KU * s->ku_j_per_m3) {
            if (s->residual < sol[i].residual)
                sol[i] = *s;
            return;
        }
    if (*n < max)
        sol[(*n)++] = *s;
}

int cospin_char_design_kc_fp(const struct cospin_char_opts *o, const double *currents_a,
                             size_t ncurrents, const struct cospin_char_table *t, double k_target,
                             double c_target, double tol, struct cospin_char_design *sol,
                             size_t max, size_t *nsol, struct cospin_error *err)
{
    *nsol = 0;
    if (!o || !currents_a || ncurrents < 2)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "the refinement needs the device and the table's currents (2 or "
                                "more)");
    enum { NSTART = 16 };
    struct cospin_char_design start[NSTART], best = {0};
    size_t nstart = 0, found = 0;
    struct cospin_error e = {0};
    int rc = cospin_char_design_kc(t, k_target, c_target, COSPIN_CHAR_FP_SEED_TOL, start, NSTART,
                                   &nstart, &e);
    if (rc && nstart == 0)
        return cospin_error_set(err, rc, NULL, 0, "%s", e.msg);
    struct fpd d = {o, currents_a, ncurrents, k_target, c_target, 0, 0, 0, 0};
    fpd_box(t, &d);
    best.residual = INFINITY;
    for (size_t i = 0; i < nstart; i++) {
        struct cospin_char_design r;
        if ((rc = fpd_refine(&d, &start[i], &r, err)) != COSPIN_OK)
            return rc;
        if (r.residual <= tol)
            fpd_add(sol, max, &found, &r);
        if (r.residual < best.residual)
            best = r;
    }
    if (found == 0) {
        sol[0] = best;
        *nsol = 1;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "no setting in the table's range gives k = %g /uA at c = %g uA "
                                "(within %g) by the Fokker-Planck engine; nearest: width %.6g "
                                "ns, Ku %.6g J/m^3 -> k = %.6g /uA, c = %.6g uA",
                                k_target, c_target, tol, best.width_s * 1e9, best.ku_j_per_m3,
                                best.k_per_ua, best.c_ua);
    }
    qsort(sol, found, sizeof *sol, cmp_design);
    *nsol = found;
    return COSPIN_OK;
}
