/*
 * char_table.c -- the neuron table in memory and on disk: psw.csv and
 * fit.csv read back (csv.h), the fits of every curve, and the output
 * files psw.csv, fit.csv, fit.xml and psw.svg (see characterize.h).
 */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "characterize"
#include "char_internal.h"
#include "characterize.h"
#include "csv.h"
#include "error.h"
#include "log.h"
#include "plot.h"

static const char FIT_HEADER[] = "width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status";

void cospin_char_table_free(struct cospin_char_table *t)
{
    if (!t)
        return;
    free(t->points);
    free(t->fits);
    free(t);
}

double cospin_char_point_psw(const struct cospin_char_point *p)
{
    return p->trials > 0 ? (double)p->switched / (double)p->trials : p->p_sw;
}

int cospin_char_same(double a, double b)
{
    return fabs(a - b) <= CHAR_SAME_REL * fmax(fabs(a), fabs(b));
}

int cospin_char_path_join(char *buf, size_t n, const char *dir, const char *name)
{
    return snprintf(buf, n, "%s/%s", dir, name) < (int)n ? 0 : -1;
}

/* Write text to dir/name atomically (fsync'ed: a rerun resumes from these files). */
int cospin_char_write_text(const char *dir, const char *name, const char *text,
                           struct cospin_error *err)
{
    struct cospin_output out;
    int rc = cospin_output_open_flags(&out, dir, name, COSPIN_OUTPUT_FSYNC, err);
    if (rc)
        return rc;
    fputs(text, out.fp);
    return cospin_output_commit(&out, err);
}

/* ---- reading psw.csv and fit.csv (csv.h) ------------------------------------------------- */

int cospin_char_table_add_point(struct cospin_char_table *t, size_t *cap, const struct cospin_char_point *p)
{
    if (t->npoints == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        struct cospin_char_point *np = realloc(t->points, nc * sizeof *np);
        if (!np)
            return COSPIN_ERR_NOMEM;
        t->points = np;
        *cap = nc;
    }
    t->points[t->npoints++] = *p;
    return 0;
}

int cospin_char_table_add_fit(struct cospin_char_table *t, size_t *cap, const struct cospin_char_fit *f)
{
    if (t->nfits == *cap) {
        size_t nc = *cap ? 2 * *cap : 32;
        struct cospin_char_fit *nf = realloc(t->fits, nc * sizeof *nf);
        if (!nf)
            return COSPIN_ERR_NOMEM;
        t->fits = nf;
        *cap = nc;
    }
    t->fits[t->nfits++] = *f;
    return 0;
}

enum { PSW_W, PSW_I, PSW_TRIALS, PSW_SWITCHED, PSW_KU, PSW_P, PSW_NCOL };
static const struct cospin_csv_column psw_cols[PSW_NCOL] = {
    {"width_s", COSPIN_CSV_NUMBER},
    {"current_a", COSPIN_CSV_NUMBER},
    {"trials", COSPIN_CSV_NUMBER},
    {"switched", COSPIN_CSV_NUMBER},
    {"ku_j_per_m3", COSPIN_CSV_NUMBER | COSPIN_CSV_OPTIONAL},
    {"p_sw", COSPIN_CSV_NUMBER | COSPIN_CSV_OPTIONAL},
};

/* One psw.csv row into *pt; COSPIN_ERR_PARSE (file:line) if it is not a valid point. */
static int psw_row(const struct cospin_csv *r, double default_ku, struct cospin_char_point *pt,
                   struct cospin_error *err)
{
    double w = cospin_csv_num(r, PSW_W), i = cospin_csv_num(r, PSW_I);
    double tr = cospin_csv_num(r, PSW_TRIALS), sw = cospin_csv_num(r, PSW_SWITCHED);
    double ku = cospin_csv_has(r, PSW_KU) ? cospin_csv_num(r, PSW_KU) : default_ku;
    if (!(w > 0) || !isfinite(i) || !(tr >= 0) || !(sw >= 0) || sw > tr || tr != floor(tr) ||
        sw != floor(sw) || tr >= (double)LONG_MAX ||
        (cospin_csv_has(r, PSW_KU) ? !(ku > 0) : isnan(ku)))
        return cospin_csv_error(r, (size_t)-1, COSPIN_ERR_PARSE, err,
                                "malformed psw.csv row (want width_s > 0, ku_j_per_m3 > 0, "
                                "current_a, whole trials and switched with 0 <= switched <= "
                                "trials)");
    *pt = (struct cospin_char_point){w, ku, i, (long)tr, (long)sw, 0};
    if (tr == 0) {
        /* A deterministic engine's point: no trials, the probability itself. */
        double p = cospin_csv_has(r, PSW_P) ? cospin_csv_num(r, PSW_P) : NAN;
        if (sw != 0 || !(p >= 0 && p <= 1))
            return cospin_csv_error(r, PSW_P, COSPIN_ERR_PARSE, err,
                                    "a row with 0 trials (a deterministic engine's point) "
                                    "needs switched = 0 and p_sw in [0, 1]");
        pt->p_sw = p;
    }
    return 0;
}

int cospin_char_read_psw_csv(const char *path, double default_ku, struct cospin_char_table **out,
                             struct cospin_error *err)
{
    *out = NULL;
    struct cospin_csv *r;
    int rc = cospin_csv_open(path, psw_cols, PSW_NCOL, COSPIN_CSV_APPENDED, &r, err);
    if (rc)
        return rc;
    struct cospin_char_table *t = calloc(1, sizeof *t);
    if (!t) {
        cospin_csv_close(r);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    }
    size_t cap = 0;
    while ((rc = cospin_csv_next(r, err)) > 0) {
        struct cospin_char_point pt;
        if ((rc = psw_row(r, default_ku, &pt, err)) != 0)
            break;
        if (cospin_char_table_add_point(t, &cap, &pt) != 0) {
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
            break;
        }
    }
    cospin_csv_close(r);
    if (rc) {
        cospin_char_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* p_sw is written with 6 significant digits (cospin_char_psw_line): a
   relative difference below this from switched/trials is rounding. */
#define PSW_P_REL 1e-5

/* Dropped rows warned about one by one; the rest are only counted. */
#define PSW_WARN_ROWS 5

/*
 * Why a psw.csv row (already split and its numbers read) cannot be resumed,
 * or NULL if it can: the checks of cospin_char_read_psw_resume.
 */
static const char *psw_row_problem(const struct cospin_csv *r,
                                   const struct cospin_char_resume_rules *rules,
                                   struct cospin_char_point *pt)
{
    double w = cospin_csv_num(r, PSW_W), i = cospin_csv_num(r, PSW_I);
    double tr = cospin_csv_num(r, PSW_TRIALS), sw = cospin_csv_num(r, PSW_SWITCHED);
    double ku = cospin_csv_has(r, PSW_KU) ? cospin_csv_num(r, PSW_KU) : rules->default_ku;
    if (!(w > 0) || !isfinite(w) || !(i >= 0) || !isfinite(i) || !(ku > 0) || !isfinite(ku))
        return "width_s and ku_j_per_m3 must be > 0, current_a >= 0";
    if (tr != (double)rules->trials)
        return "trials is not the run's, see run.txt";
    double p = cospin_csv_has(r, PSW_P) ? cospin_csv_num(r, PSW_P) : NAN;
    if (tr == 0) {   /* a deterministic engine's point: the probability itself */
        if (sw != 0 || !(p >= 0 && p <= 1))
            return "a point without trials needs switched 0 and p_sw in [0, 1]";
        *pt = (struct cospin_char_point){w, ku, i, 0, 0, p};
        return NULL;
    }
    if (!(sw >= 0) || sw > tr || sw != floor(sw))
        return "switched must be a whole number in 0..trials";
    if (cospin_csv_has(r, PSW_P) && !(fabs(p - sw / tr) <= PSW_P_REL * (sw / tr) + 1e-12))
        return "p_sw is not switched/trials";
    /* Converted only now: tr is the run's trial count and 0 <= sw <= tr. */
    *pt = (struct cospin_char_point){w, ku, i, (long)tr, (long)sw, 0};
    return NULL;
}

static int same_point(const struct cospin_char_point *a, const struct cospin_char_point *b)
{
    return cospin_char_same(a->width_s, b->width_s) &&
           cospin_char_same(a->ku_j_per_m3, b->ku_j_per_m3) &&
           (a->current_a == b->current_a || cospin_char_same(a->current_a, b->current_a));
}

int cospin_char_read_psw_resume(const char *path, const struct cospin_char_resume_rules *rules,
                                struct cospin_char_table **out, size_t *ndropped,
                                struct cospin_error *err)
{
    *out = NULL;
    *ndropped = 0;
    struct cospin_csv *r;
    int rc = cospin_csv_open(path, psw_cols, PSW_NCOL, COSPIN_CSV_APPENDED, &r, err);
    if (rc)
        return rc;
    struct cospin_char_table *t = calloc(1, sizeof *t);
    size_t cap = 0;
    if (!t)
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    for (;;) {
        struct cospin_error e = {0};
        int got = rc ? 0 : cospin_csv_next(r, &e);
        if (got == COSPIN_ERR_PARSE) {   /* torn row or a field that is not a number */
            if (++*ndropped <= PSW_WARN_ROWS)
                cospin_warn("%s:%d: dropping a damaged row (%s); its point runs again", path,
                            e.line, e.msg);
            continue;
        }
        if (got <= 0) {
            if (got < 0)
                rc = cospin_error_set(err, got, e.file, e.line, "%s", e.msg);
            break;
        }
        struct cospin_char_point pt;
        const char *why = psw_row_problem(r, rules, &pt);
        for (size_t k = 0; !why && k < t->npoints; k++)
            if (same_point(&t->points[k], &pt))
                why = "the point is listed twice";
        if (why) {
            if (++*ndropped <= PSW_WARN_ROWS)
                cospin_warn("%s:%d: dropping an inconsistent row (%s); its point runs again",
                            path, cospin_csv_line(r), why);
        } else if (cospin_char_table_add_point(t, &cap, &pt) != 0) {
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
        }
    }
    cospin_csv_close(r);
    if (rc) {
        cospin_char_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

static int status_from_name(const char *s)
{
    for (int i = 0; i <= COSPIN_FIT_TOO_FEW; i++)
        if (strcmp(s, cospin_fit_status_name(i)) == 0)
            return i;
    return -1;
}

enum { FIT_W, FIT_KU, FIT_K, FIT_KERR, FIT_C, FIT_CERR, FIT_STATUS, FIT_NCOL };
static const struct cospin_csv_column fit_cols[FIT_NCOL] = {
    {"width_s", COSPIN_CSV_NUMBER},
    {"ku_j_per_m3", COSPIN_CSV_NUMBER},
    {"k_per_ua", COSPIN_CSV_NUMBER},
    {"k_err", COSPIN_CSV_NUMBER | COSPIN_CSV_OPTIONAL},
    {"c_ua", COSPIN_CSV_NUMBER},
    {"c_err", COSPIN_CSV_NUMBER | COSPIN_CSV_OPTIONAL},
    {"status", COSPIN_CSV_OPTIONAL},
};

/* One fit.csv row into *f (see cospin_char_read_fit_csv for the rules). */
static int fit_row(const struct cospin_csv *r, struct cospin_char_fit *f, struct cospin_error *err)
{
    memset(f, 0, sizeof *f);
    const char *status = cospin_csv_text(r, FIT_STATUS);
    int st = status ? status_from_name(status) : COSPIN_FIT_OK;
    if (st < 0) {
        char names[160] = "";
        for (int i = 0; i <= COSPIN_FIT_TOO_FEW; i++) {
            size_t len = strlen(names);
            snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                     cospin_fit_status_name(i));
        }
        return cospin_csv_error(r, FIT_STATUS, COSPIN_ERR_PARSE, err,
                                "unknown fit status '%s' (known: %s)", status, names);
    }
    f->width_s = cospin_csv_num(r, FIT_W);
    f->ku_j_per_m3 = cospin_csv_num(r, FIT_KU);
    if (!(f->width_s > 0) || !isfinite(f->width_s))
        return cospin_csv_error(r, FIT_W, COSPIN_ERR_INVALID, err, "%g s must be > 0",
                                f->width_s);
    if (!(f->ku_j_per_m3 > 0) || !isfinite(f->ku_j_per_m3))
        return cospin_csv_error(r, FIT_KU, COSPIN_ERR_INVALID, err, "%g J/m^3 must be > 0",
                                f->ku_j_per_m3);
    f->fit.k = cospin_csv_num(r, FIT_K);
    f->fit.k_err = cospin_csv_num(r, FIT_KERR);
    f->fit.c = cospin_csv_num(r, FIT_C);
    f->fit.c_err = cospin_csv_num(r, FIT_CERR);
    f->fit.status = st;
    f->line = cospin_csv_line(r);
    return 0;
}

int cospin_char_read_fit_csv(const char *path, struct cospin_char_table **out,
                             struct cospin_error *err)
{
    *out = NULL;
    struct cospin_csv *r;
    int rc = cospin_csv_open(path, fit_cols, FIT_NCOL, 0, &r, err);
    if (rc)
        return rc;
    struct cospin_char_table *t = calloc(1, sizeof *t);
    if (!t) {
        cospin_csv_close(r);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    }
    size_t cap = 0;
    while ((rc = cospin_csv_next(r, err)) > 0) {
        struct cospin_char_fit f;
        if ((rc = fit_row(r, &f, err)) != 0)
            break;
        if (cospin_char_table_add_fit(t, &cap, &f) != 0) {
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
            break;
        }
    }
    if (rc == 0 && t->nfits == 0)
        rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, cospin_csv_line(r),
                              "the table has no rows");
    cospin_csv_close(r);
    if (rc) {
        cospin_char_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

/* ---- fitting ---------------------------------------------------------------------------- */

static int cmp_points(const void *a, const void *b)
{
    const struct cospin_char_point *p = a, *q = b;
    if (!cospin_char_same(p->ku_j_per_m3, q->ku_j_per_m3))
        return p->ku_j_per_m3 < q->ku_j_per_m3 ? -1 : 1;
    if (!cospin_char_same(p->width_s, q->width_s))
        return p->width_s < q->width_s ? -1 : 1;
    if (p->current_a != q->current_a)
        return p->current_a < q->current_a ? -1 : 1;
    return 0;
}

void cospin_char_fit_prob_curve(const double *x_ua, const double *p, size_t n,
                                struct cospin_fit_result *fit, struct cospin_error *e)
{
    if (cospin_fit_logistic_prob(x_ua, p, n, COSPIN_CHAR_FP_PROB_TOL, fit, e) == 0 &&
        !(fit->k > 0))
        fit->status = COSPIN_FIT_NOT_RISING;
}

/* Scratch arrays of a curve fit (npoints each). */
struct fit_buf {
    double *x, *p;
    long *nt, *ns;
};

/*
 * Fit the curve of points pts[0 .. n): binomial counts when any point has
 * trials (points without are ignored, as cospin_fit_logistic does), else
 * the exact probabilities of a deterministic engine.  A fit that fails, or
 * has k <= 0, is logged as a warning and kept with its status.
 */
static void fit_curve(const struct cospin_char_point *pts, size_t n, struct fit_buf *b,
                      struct cospin_char_fit *f)
{
    int counts = 0;
    for (size_t q = 0; q < n; q++) {
        b->x[q] = pts[q].current_a * 1e6; /* fit in uA: k per uA, c in uA */
        b->nt[q] = pts[q].trials;
        b->ns[q] = pts[q].switched;
        b->p[q] = pts[q].p_sw;
        counts |= pts[q].trials > 0;
    }
    f->width_s = pts[0].width_s;
    f->ku_j_per_m3 = pts[0].ku_j_per_m3;
    struct cospin_error e = {0};
    if (counts) {
        if (cospin_fit_logistic(b->x, b->nt, b->ns, n, &f->fit, &e) == 0 && !(f->fit.k > 0))
            f->fit.status = COSPIN_FIT_NOT_RISING;
    } else {
        cospin_char_fit_prob_curve(b->x, b->p, n, &f->fit, &e);
    }
    if (f->fit.status == COSPIN_FIT_OK && (!isfinite(f->fit.k) || !isfinite(f->fit.c))) {
        /* Never "nan ... ok" in a neuron table: a consumer would use it. */
        f->fit.status = COSPIN_FIT_NO_CONVERGENCE;
        cospin_warn("width %g s, Ku %g J/m^3: the fit gave no finite k and c", f->width_s,
                    f->ku_j_per_m3);
        return;
    }
    if (e.code)
        cospin_warn("width %g s, Ku %g J/m^3: %s", f->width_s, f->ku_j_per_m3, e.msg);
    else if (f->fit.status == COSPIN_FIT_NOT_RISING)
        /* A switching probability that does not rise with the write
           current is not an activation function (e.g. a device that
           switches thermally whatever the current): flagged so that
           consumers of the neuron table skip it. */
        cospin_warn("width %g s, Ku %g J/m^3: P_sw does not rise with I (k = %g /uA)",
                    f->width_s, f->ku_j_per_m3, f->fit.k);
}

int cospin_char_fit_all(struct cospin_char_table *t)
{
    free(t->fits);
    t->fits = NULL;
    t->nfits = 0;
    if (t->npoints == 0)
        return 0;
    qsort(t->points, t->npoints, sizeof *t->points, cmp_points);
    struct fit_buf b;
    t->fits = calloc(t->npoints, sizeof *t->fits);
    b.x = malloc(t->npoints * sizeof *b.x);
    b.p = malloc(t->npoints * sizeof *b.p);
    b.nt = malloc(t->npoints * sizeof *b.nt);
    b.ns = malloc(t->npoints * sizeof *b.ns);
    int rc = t->fits && b.x && b.p && b.nt && b.ns ? 0 : COSPIN_ERR_NOMEM;
    for (size_t i = 0, j; i < t->npoints && !rc; i = j) {
        for (j = i + 1; j < t->npoints &&
                        cospin_char_same(t->points[j].ku_j_per_m3, t->points[i].ku_j_per_m3) &&
                        cospin_char_same(t->points[j].width_s, t->points[i].width_s);
             j++)
            ;
        fit_curve(t->points + i, j - i, &b, &t->fits[t->nfits++]);
    }
    free(b.x);
    free(b.p);
    free(b.nt);
    free(b.ns);
    return rc;
}

/* ---- output files ----------------------------------------------------------------------- */

void cospin_char_psw_line(char *buf, size_t n, const struct cospin_char_point *p)
{
    /* Counts give p_sw to 6 digits; an exact probability is the datum itself,
       so 12 (a resumed run refits from these digits). */
    snprintf(buf, n, p->trials ? "%.12g,%.12g,%ld,%ld,%.6g,%.12g\n" : "%.12g,%.12g,%ld,%ld,%.12g,%.12g\n",
             p->width_s, p->current_a, p->trials, p->switched, cospin_char_point_psw(p),
             p->ku_j_per_m3);
}

/* The result files are fsync'ed before the rename: a rerun resumes from them. */
int cospin_char_write_psw_csv(const struct cospin_char_table *t, const char *dir,
                              struct cospin_error *err)
{
    struct cospin_output out;
    int rc = cospin_output_open_flags(&out, dir, "psw.csv", COSPIN_OUTPUT_FSYNC, err);
    if (rc)
        return rc;
    /* psw_line is also what each append writes, so both give the same bytes. */
    fputs(CHAR_PSW_HEADER, out.fp);
    char line[256];
    for (size_t i = 0; i < t->npoints; i++) {
        cospin_char_psw_line(line, sizeof line, &t->points[i]);
        fputs(line, out.fp);
    }
    return cospin_output_commit(&out, err);
}

int cospin_char_write_fit_csv(const struct cospin_char_table *t, const char *dir,
                              struct cospin_error *err)
{
    struct cospin_csv_writer w;
    int rc = cospin_csv_write_open(&w, dir, "fit.csv", COSPIN_OUTPUT_FSYNC, FIT_HEADER, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < t->nfits; i++) {
        const struct cospin_char_fit *f = &t->fits[i];
        /* %g, not cospin_csv_put_num: a failed fit's NaN is written "nan". */
        cospin_csv_put(&w, "%.12g", f->width_s);
        cospin_csv_put(&w, "%.12g", f->ku_j_per_m3);
        cospin_csv_put(&w, "%.6g", f->fit.k);
        cospin_csv_put(&w, "%.3g", f->fit.k_err);
        cospin_csv_put(&w, "%.6g", f->fit.c);
        cospin_csv_put(&w, "%.3g", f->fit.c_err);
        cospin_csv_put(&w, "%s", cospin_fit_status_name(f->fit.status));
        cospin_csv_end_row(&w);
    }
    return cospin_csv_write_commit(&w, err);
}

int cospin_char_write_fit_xml(const struct cospin_char_table *t, const char *dir,
                              struct cospin_error *err)
{
    struct cospin_output out;
    int rc = cospin_output_open_flags(&out, dir, "fit.xml", COSPIN_OUTPUT_FSYNC, err);
    if (rc)
        return rc;
    FILE *f = out.fp;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<!-- cospin neuron table: P_sw(I) = 1/(1+exp(-k (I - c))), k in 1/uA, c in uA;\n"
               "     errors are 1-sigma from the inverse Fisher information; points with\n"
               "     trials=\"0\" carry an exact probability p-sw (Fokker-Planck engine), and\n"
               "     their curves' errors are 0. -->\n"
               "<neuron-table version=\"1\" k-unit=\"1/uA\" c-unit=\"uA\">\n");
    size_t p = 0;
    for (size_t i = 0; i < t->nfits; i++) {
        const struct cospin_char_fit *r = &t->fits[i];
        fprintf(f,
                "  <curve width=\"%.12g\" ku=\"%.12g\" k=\"%.6g\" k-err=\"%.3g\" c=\"%.6g\" "
                "c-err=\"%.3g\" status=\"%s\" deviance=\"%.4g\">\n",
                r->width_s, r->ku_j_per_m3, r->fit.k, r->fit.k_err, r->fit.c, r->fit.c_err,
                cospin_fit_status_name(r->fit.status), r->fit.deviance);
        for (; p < t->npoints && cospin_char_same(t->points[p].width_s, r->width_s) &&
               cospin_char_same(t->points[p].ku_j_per_m3, r->ku_j_per_m3);
             p++)
            if (t->points[p].trials > 0)
                fprintf(f, "    <point current=\"%.12g\" trials=\"%ld\" switched=\"%ld\"/>\n",
                        t->points[p].current_a, t->points[p].trials, t->points[p].switched);
            else
                fprintf(f, "    <point current=\"%.12g\" trials=\"0\" switched=\"0\" p-sw=\"%.12g\"/>\n",
                        t->points[p].current_a, t->points[p].p_sw);
        fprintf(f, "  </curve>\n");
    }
    fprintf(f, "</neuron-table>\n");
    return cospin_output_commit(&out, err);
}

/* Index of v among the distinct values seen so far (appending it if new). */
static int char_rank(double *seen, size_t *nseen, double v)
{
    for (size_t j = 0; j < *nseen; j++)
        if (cospin_char_same(seen[j], v))
            return (int)j;
    seen[*nseen] = v;
    return (int)(*nseen)++;
}

/* Buffers for one curve of the figure. */
struct char_svg_buf {
    double *x, *y, *e;           /* points of one curve (npoints each) */
    double *seen_w, *seen_ku;    /* distinct widths and Ku values so far (nfits each) */
    size_t n_w, n_ku;
};

/*
 * Add fit i's points (from index *p of the table on) and, if the fit
 * succeeded, its sigmoid.  The look: colour per pulse width, marker shape
 * and fit dash per Ku, each in order of first appearance
 * (cospin_plot_family_look); the legend entry shows marker and dash.
 */
static int char_svg_curve(struct cospin_plot *pl, const struct cospin_char_table *t, size_t i,
                          size_t *p, int multi_ku, struct char_svg_buf *b, struct cospin_error *err)
{
    enum { NCURVE = 200 };
    double xf[NCURVE], yf[NCURVE];
    const struct cospin_char_fit *r = &t->fits[i];
    struct cospin_plot_look look;
    cospin_plot_family_look(char_rank(b->seen_w, &b->n_w, r->width_s),
                            char_rank(b->seen_ku, &b->n_ku, r->ku_j_per_m3), &look);
    size_t n = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (; *p < t->npoints && cospin_char_same(t->points[*p].width_s, r->width_s) &&
           cospin_char_same(t->points[*p].ku_j_per_m3, r->ku_j_per_m3);
         (*p)++) {
        const struct cospin_char_point *q = &t->points[*p];
        double pr = cospin_char_point_psw(q); /* exact (no error bar) when trials == 0 */
        b->x[n] = q->current_a * 1e6;
        b->y[n] = pr;
        b->e[n] = q->trials ? sqrt(pr * (1 - pr) / (double)q->trials) : NAN;
        lo = fmin(lo, b->x[n]);
        hi = fmax(hi, b->x[n]);
        n++;
    }
    if (n == 0)
        return 0;
    char label[128];
    if (multi_ku)
        snprintf(label, sizeof label, "%.4g ns, Ku %.4g", r->width_s * 1e9, r->ku_j_per_m3);
    else
        snprintf(label, sizeof label, "%.4g ns", r->width_s * 1e9);
    int fitted = r->fit.status == COSPIN_FIT_OK;
    if (fitted) {
        size_t len = strlen(label);
        snprintf(label + len, sizeof label - len, ": k %.3g/uA, c %.3g uA", r->fit.k, r->fit.c);
    }
    int rc = cospin_plot_add(pl, label, b->x, b->y, b->e, n,
                             COSPIN_PLOT_MARKERS | (fitted ? COSPIN_PLOT_LEGEND_LINE : 0u), err);
    if (rc < 0)
        return rc;
    cospin_plot_set_look(pl, rc, &look);
    if (!fitted)
        return 0;
    for (int k = 0; k < NCURVE; k++) {
        xf[k] = lo + (hi - lo) * k / (NCURVE - 1);
        yf[k] = cospin_fit_sigmoid(xf[k], r->fit.k, r->fit.c);
    }
    rc = cospin_plot_add(pl, NULL, xf, yf, NULL, NCURVE, COSPIN_PLOT_LINE, err);
    if (rc < 0)
        return rc;
    cospin_plot_set_look(pl, rc, &look);
    return 0;
}

int cospin_char_write_svg(const struct cospin_char_table *t, const char *path, const char *title,
                          struct cospin_error *err)
{
    if (t->npoints == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0, "no points to plot");
    struct cospin_plot *pl = cospin_plot_new(title ? title : "Switching probability",
                                             "write current I (uA)", "P_sw");
    struct char_svg_buf b = {0};
    b.x = malloc(t->npoints * sizeof *b.x);
    b.y = malloc(t->npoints * sizeof *b.y);
    b.e = malloc(t->npoints * sizeof *b.e);
    b.seen_w = malloc((t->nfits + 1) * sizeof *b.seen_w);
    b.seen_ku = malloc((t->nfits + 1) * sizeof *b.seen_ku);
    int rc = 0;
    if (!pl || !b.x || !b.y || !b.e || !b.seen_w || !b.seen_ku) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto done;
    }
    int multi_ku = 0;
    for (size_t i = 1; i < t->npoints; i++)
        if (!cospin_char_same(t->points[i].ku_j_per_m3, t->points[0].ku_j_per_m3))
            multi_ku = 1;
    size_t p = 0;
    for (size_t i = 0; i < t->nfits && rc == 0; i++)
        rc = char_svg_curve(pl, t, i, &p, multi_ku, &b, err);
    if (rc == 0) {
        cospin_plot_set_yrange(pl, -0.02, 1.02);
        cospin_plot_set_size(pl, 720, 480);
        rc = cospin_plot_write_svg(pl, path, err);
    }
done:
    free(b.x);
    free(b.y);
    free(b.e);
    free(b.seen_w);
    free(b.seen_ku);
    cospin_plot_free(pl);
    return rc;
}

/* psw.csv of t's points and extra's, sorted as cospin_char_fit_all sorts. */
static int write_psw_merged(const struct cospin_char_table *t, const struct cospin_char_table *extra,
                            const char *dir, struct cospin_error *err)
{
    if (!extra || extra->npoints == 0)
        return cospin_char_write_psw_csv(t, dir, err);
    struct cospin_char_table all = {0};
    all.npoints = t->npoints + extra->npoints;
    all.points = malloc(all.npoints * sizeof *all.points);
    if (!all.points)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    memcpy(all.points, t->points, t->npoints * sizeof *all.points);
    memcpy(all.points + t->npoints, extra->points, extra->npoints * sizeof *all.points);
    qsort(all.points, all.npoints, sizeof *all.points, cmp_points);
    int rc = cospin_char_write_psw_csv(&all, dir, err);
    free(all.points);
    return rc;
}

int cospin_char_write_all(const struct cospin_char_table *t, const struct cospin_char_table *extra,
                          const char *dir, struct cospin_error *err)
{
    char path[4096];
    int rc = write_psw_merged(t, extra, dir, err);
    if (!rc)
        rc = cospin_char_write_fit_csv(t, dir, err);
    if (!rc)
        rc = cospin_char_write_fit_xml(t, dir, err);
    if (!rc && cospin_char_path_join(path, sizeof path, dir, "psw.svg") == 0)
        rc = cospin_char_write_svg(t, path, NULL, err);
    return rc;
}
