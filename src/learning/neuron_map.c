/*
 * neuron_map.c -- neuron table reader and the reachable (k, c) paths of the
 * device-aware training level.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Split line (modified in place) at commas into at most max fields, blanks trimmed. */
static int split_csv(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (n < max)
            fields[n] = p;
        n++;
        char *comma = strchr(p, ',');
        char *end = comma ? comma : p + strlen(p);
        char *q = end;
        while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '\n'))
            q--;
        *q = '\0';
        if (!comma)
            break;
        p = comma + 1;
    }
    return n;
}

enum { COL_W, COL_KU, COL_K, COL_KERR, COL_C, COL_CERR, COL_STATUS, NCOL };

int cospin_neuron_table_read(const char *path, struct cospin_neuron_fit **rows, size_t *n,
                             struct cospin_error *err)
{
    static const char *const names[NCOL] = {"width_s", "ku_j_per_m3", "k_per_ua", "k_err",
                                            "c_ua",    "c_err",       "status"};
    *rows = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot open neuron table: %s",
                                strerror(errno));
    char line[4096];
    char *fields[64];
    int col[NCOL];
    for (int i = 0; i < NCOL; i++)
        col[i] = -1;
    int lineno = 0, rc = 0, have_header = 0;
    size_t cap = 0;
    struct cospin_neuron_fit *out = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == '\r' || *s == '\0')
            continue;
        int nf = split_csv(s, fields, 64);
        if (nf > 64)
            nf = 64;
        if (!have_header) {
            for (int j = 0; j < nf; j++)
                for (int i = 0; i < NCOL; i++)
                    if (strcmp(fields[j], names[i]) == 0)
                        col[i] = j;
            for (int i = 0; i < NCOL; i++)
                if (col[i] < 0 && (i == COL_W || i == COL_KU || i == COL_K || i == COL_C)) {
                    rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, lineno,
                                          "header lacks the column '%s' (need width_s, "
                                          "ku_j_per_m3, k_per_ua, c_ua)",
                                          names[i]);
                    goto out;
                }
            have_header = 1;
            continue;
        }
        if (col[COL_STATUS] >= 0 && col[COL_STATUS] < nf &&
            strcmp(fields[col[COL_STATUS]], "ok") != 0)
            continue;
        double v[NCOL] = {0};
        for (int i = 0; i < COL_STATUS; i++) {
            if (col[i] < 0)
                continue;
            if (col[i] >= nf) {
                rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, lineno,
                                      "%d fields, column '%s' missing", nf, names[i]);
                goto out;
            }
            char *end;
            errno = 0;
            v[i] = strtod(fields[col[i]], &end);
            if (end == fields[col[i]] || *end != '\0' || errno == ERANGE || !isfinite(v[i])) {
                rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, lineno,
                                      "column '%s': '%s' is not a number", names[i],
                                      fields[col[i]]);
                goto out;
            }
        }
        if (v[COL_W] <= 0 || v[COL_K] <= 0 || v[COL_KU] <= 0) {
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, lineno,
                                  "width_s, ku_j_per_m3 and k_per_ua must be > 0");
            goto out;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 32;
            struct cospin_neuron_fit *p = realloc(out, cap * sizeof *out);
            if (!p) {
                rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
                goto out;
            }
            out = p;
        }
        out[*n] = (struct cospin_neuron_fit){v[COL_W], v[COL_KU], v[COL_K],
                                             v[COL_KERR], v[COL_C], v[COL_CERR]};
        (*n)++;
    }
    if (!have_header)
        rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, lineno, "empty neuron table");
    else if (*n == 0)
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, lineno,
                              "no usable rows (all missing or status not ok)");
out:
    fclose(f);
    if (rc != 0) {
        free(out);
        *n = 0;
        return rc;
    }
    *rows = out;
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
