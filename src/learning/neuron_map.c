/*
 * neuron_map.c -- the neuron table (read by the characterize layer) and the
 * reachable (k, c) paths of the device-aware training level.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "characterize.h"
#include "error.h"
#include "neuron_map.h"

#define LOG_PREFIX "neuron-map"
#include "log.h"

/* Two Ku values closer than this relative difference are the same table column. */
#define KU_REL_TOL 1e-6
/* Candidate held currents scanned when choosing c_hold automatically. */
#define C_HOLD_CANDIDATES 400
/* Path points whose k differs by less than this (1/uA) are merged. */
#define K_MERGE_TOL 1e-9

void cospin_neuron_map_opts_init(struct cospin_neuron_map_opts *o)
{
    o->mode = COSPIN_DEVICE_WIDTH_KU;
    o->i_scale_ua = 1.0;
    o->i_bias_ua = NAN;
    o->ku_j_per_m3 = NAN;
    o->c_hold_ua = NAN;
}

const char *cospin_device_mode_name(enum cospin_device_mode mode)
{
    return mode == COSPIN_DEVICE_WIDTH ? "width" : "width+ku";
}

int cospin_device_mode_parse(const char *s, enum cospin_device_mode *mode)
{
    if (strcmp(s, "width") == 0)
        *mode = COSPIN_DEVICE_WIDTH;
    else if (strcmp(s, "width+ku") == 0 || strcmp(s, "width+Ku") == 0)
        *mode = COSPIN_DEVICE_WIDTH_KU;
    else
        return COSPIN_ERR_INVALID;
    return 0;
}

int cospin_neuron_table_read(const char *path, struct cospin_neuron_fit **rows, size_t *n,
                             struct cospin_error *err)
{
    *rows = NULL;
    *n = 0;
    struct cospin_char_table *t;
    int rc = cospin_char_read_fit_csv(path, &t, err);
    if (rc != 0)
        return rc;
    struct cospin_neuron_fit *out = malloc(t->nfits * sizeof *out);
    if (!out) {
        cospin_char_table_free(t);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < t->nfits && rc == 0; i++) {
        const struct cospin_char_fit *f = &t->fits[i];
        if (f->fit.status != COSPIN_FIT_OK)
            continue; /* a failed fit is no activation function */
        if (!(f->fit.k > 0) || !isfinite(f->fit.k) || !isfinite(f->fit.c))
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, f->line,
                                  "a row with status ok needs k_per_ua > 0 and a finite c_ua "
                                  "(got %g, %g)", f->fit.k, f->fit.c);
        else
            out[k++] = (struct cospin_neuron_fit){f->width_s, f->ku_j_per_m3, f->fit.k,
                                                  f->fit.k_err, f->fit.c, f->fit.c_err};
    }
    if (rc == 0 && k == 0)
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                              "no usable rows (every row's status is not ok)");
    cospin_char_table_free(t);
    if (rc != 0) {
        free(out);
        return rc;
    }
    *rows = out;
    *n = k;
    return 0;
}

/* A path point under construction. */
struct pt {
    double k, c, w, ku;
};

static int cmp_pt_k(const void *a, const void *b)
{
    double x = ((const struct pt *)a)->k, y = ((const struct pt *)b)->k;
    return (x > y) - (x < y);
}

static int cmp_fit_w(const void *a, const void *b)
{
    double x = ((const struct cospin_neuron_fit *)a)->width_s;
    double y = ((const struct cospin_neuron_fit *)b)->width_s;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int same_ku(double a, double b)
{
    return fabs(a - b) <= KU_REL_TOL * fmax(fabs(a), fabs(b));
}

/* Sort by k and merge points with equal k; returns the new count. */
static size_t sort_merge(struct pt *p, size_t n)
{
    qsort(p, n, sizeof *p, cmp_pt_k);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || p[i].k - p[m - 1].k > K_MERGE_TOL)
            p[m++] = p[i];
    return m;
}

/* Distinct Ku values of the table, sorted, into ku (size n); returns their number. */
static size_t distinct_ku(const struct cospin_neuron_fit *rows, size_t n, double *ku)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j;
        for (j = 0; j < m; j++)
            if (same_ku(ku[j], rows[i].ku_j_per_m3))
                break;
        if (j == m)
            ku[m++] = rows[i].ku_j_per_m3;
    }
    qsort(ku, m, sizeof *ku, cmp_double);
    return m;
}

/*
 * Constant-c curve: for every Ku column (rows sorted by width within it),
 * the settings where c_dev crosses c_hold (linear in log width).  Writes at
 * most cap points into p; returns their number (after sort_merge).
 */
static size_t held_c_points(const struct cospin_neuron_fit *byw, size_t n, const double *kus,
                            size_t nku, double c_hold, struct pt *p, size_t cap)
{
    size_t m = 0;
    for (size_t q = 0; q < nku; q++) {
        const struct cospin_neuron_fit *prev = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!same_ku(byw[i].ku_j_per_m3, kus[q]))
                continue;
            const struct cospin_neuron_fit *cur = &byw[i];
            if (prev) {
                double c0 = prev->c_ua, c1 = cur->c_ua;
                if ((c_hold - c0) * (c_hold - c1) <= 0 && c0 != c1 && m < cap) {
                    double t = (c_hold - c0) / (c1 - c0);
                    p[m].k = prev->k_per_ua + t * (cur->k_per_ua - prev->k_per_ua);
                    p[m].c = c_hold;
                    p[m].w = exp(log(prev->width_s) + t * (log(cur->width_s) - log(prev->width_s)));
                    p[m].ku = kus[q];
                    m++;
                }
            }
            prev = cur;
        }
    }
    return sort_merge(p, m);
}

int cospin_neuron_map_build(const struct cospin_neuron_fit *rows, size_t n,
                            const struct cospin_neuron_map_opts *opts, const char *source,
                            struct cospin_neuron_map **out, struct cospin_error *err)
{
    *out = NULL;
    if (!(opts->i_scale_ua > 0) || !isfinite(opts->i_scale_ua))
        return cospin_error_set(err, COSPIN_ERR_INVALID, source, 0,
                                "current scale %g uA per unit must be > 0", opts->i_scale_ua);
    if (n == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, source, 0, "empty neuron table");
    struct cospin_neuron_fit *byw = malloc(n * sizeof *byw);
    double *kus = malloc(n * sizeof *kus);
    struct pt *p = malloc((n + 1) * sizeof *p);
    struct pt *best = malloc((n + 1) * sizeof *best);
    struct cospin_neuron_map *m = calloc(1, sizeof *m);
    int rc = 0;
    if (!byw || !kus || !p || !best || !m) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, source, 0, "out of memory");
        goto out;
    }
    memcpy(byw, rows, n * sizeof *byw);
    qsort(byw, n, sizeof *byw, cmp_fit_w);
    size_t nku = distinct_ku(rows, n, kus);
    size_t np = 0;
    m->mode = opts->mode;
    m->i_scale_ua = opts->i_scale_ua;
    snprintf(m->source, sizeof m->source, "%s", source ? source : "");
    if (opts->mode == COSPIN_DEVICE_WIDTH) {
        double ku = isnan(opts->ku_j_per_m3) ? kus[0] : opts->ku_j_per_m3;
        for (size_t i = 0; i < n; i++)
            if (same_ku(byw[i].ku_j_per_m3, ku))
                p[np++] = (struct pt){byw[i].k_per_ua, byw[i].c_ua, byw[i].width_s, ku};
        np = sort_merge(p, np);
        if (np < 2) {
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, source, 0,
                                  "width mode needs at least two widths with distinct k at "
                                  "Ku = %g J/m^3 (found %zu)",
                                  ku, np);
            goto out;
        }
        m->ku_ref_j_per_m3 = ku;
        m->c_hold_ua = p[np / 2].c; /* the reference: the middle of the k range */
    } else {
        if (nku < 2) {
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, source, 0,
                                  "width+ku mode needs fits at two or more Ku values (the "
                                  "table has one)");
            goto out;
        }
        double c_hold = opts->c_hold_ua;
        if (isnan(c_hold)) {
            double cmin = INFINITY, cmax = -INFINITY, span = -1;
            for (size_t i = 0; i < n; i++) {
                cmin = fmin(cmin, rows[i].c_ua);
                cmax = fmax(cmax, rows[i].c_ua);
            }
            for (int q = 0; q <= C_HOLD_CANDIDATES; q++) {
                double cand = cmin + (cmax - cmin) * q / C_HOLD_CANDIDATES;
                size_t k = held_c_points(byw, n, kus, nku, cand, best, n + 1);
                if (k >= 2 && best[k - 1].k - best[0].k > span) {
                    span = best[k - 1].k - best[0].k;
                    c_hold = cand;
                }
            }
            if (span < 0) {
                rc = cospin_error_set(err, COSPIN_ERR_INVALID, source, 0,
                                      "no constant-c curve crosses two Ku columns: the table "
                                      "cannot change k at constant c");
                goto out;
            }
        }
        np = held_c_points(byw, n, kus, nku, c_hold, p, n + 1);
        if (np < 2) {
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, source, 0,
                                  "c_hold = %g uA is reached at fewer than two distinct k", c_hold);
            goto out;
        }
        m->c_hold_ua = c_hold;
        m->ku_ref_j_per_m3 = p[0].ku;
    }
    if (isnan(opts->i_bias_ua))
        m->i_bias_ua = opts->mode == COSPIN_DEVICE_WIDTH ? 0.0 : m->c_hold_ua;
    else if (isinf(opts->i_bias_ua) && opts->i_bias_ua > 0)
        m->i_bias_ua = m->c_hold_ua;
    else
        m->i_bias_ua = opts->i_bias_ua;
    m->n = np;
    m->k_dev = malloc(np * sizeof(double));
    m->c_dev = malloc(np * sizeof(double));
    m->width_s = malloc(np * sizeof(double));
    m->ku = malloc(np * sizeof(double));
    if (!m->k_dev || !m->c_dev || !m->width_s || !m->ku) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, source, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < np; i++) {
        m->k_dev[i] = p[i].k;
        m->c_dev[i] = p[i].c;
        m->width_s[i] = p[i].w;
        m->ku[i] = p[i].ku;
    }
    m->k_min = m->k_dev[0] * m->i_scale_ua;
    m->k_max = m->k_dev[np - 1] * m->i_scale_ua;
out:
    free(byw);
    free(kus);
    free(p);
    free(best);
    if (rc != 0) {
        cospin_neuron_map_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int cospin_neuron_map_load(const char *path, const struct cospin_neuron_map_opts *opts,
                           struct cospin_neuron_map **out, struct cospin_error *err)
{
    struct cospin_neuron_fit *rows;
    size_t n;
    int rc = cospin_neuron_table_read(path, &rows, &n, err);
    if (rc != 0)
        return rc;
    rc = cospin_neuron_map_build(rows, n, opts, path, out, err);
    free(rows);
    return rc;
}

void cospin_neuron_map_free(struct cospin_neuron_map *m)
{
    if (!m)
        return;
    free(m->k_dev);
    free(m->c_dev);
    free(m->width_s);
    free(m->ku);
    free(m);
}

double cospin_neuron_map_realise(const struct cospin_neuron_map *m, double k, double *c,
                                 double *width_s, double *ku)
{
    double kd = k / m->i_scale_ua;
    if (!(kd >= m->k_dev[0])) /* also catches NaN */
        kd = m->k_dev[0];
    if (kd > m->k_dev[m->n - 1])
        kd = m->k_dev[m->n - 1];
    size_t lo = 0, hi = m->n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (m->k_dev[mid] <= kd)
            lo = mid;
        else
            hi = mid;
    }
    double t = (kd - m->k_dev[lo]) / (m->k_dev[hi] - m->k_dev[lo]);
    double cd = m->c_dev[lo] + t * (m->c_dev[hi] - m->c_dev[lo]);
    if (c)
        *c = (m->i_bias_ua - cd) / m->i_scale_ua;
    if (width_s)
        *width_s = exp(log(m->width_s[lo]) + t * (log(m->width_s[hi]) - log(m->width_s[lo])));
    if (ku)
        *ku = m->ku[lo] + t * (m->ku[hi] - m->ku[lo]);
    return kd * m->i_scale_ua;
}
