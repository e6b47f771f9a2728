/*
 * characterize.c -- Monte Carlo P_sw(I), sigmoid fits, neuron-table files,
 * resume, and the designer's inverse (see characterize.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_PREFIX "characterize"
#include "characterize.h"
#include "char_ngspice.h"
#include "csv.h"
#include "error.h"
#include "log.h"
#include "output.h"
#include "plot.h"

/* Relative tolerance for "the same grid value" (widths, Ku, currents read
   back from %.17g text are exact; 1e-9 absorbs values typed by hand). */
#define CHAR_SAME_REL 1e-9

static const char PSW_HEADER[] = "width_s,current_a,trials,switched,p_sw,ku_j_per_m3\n";
static const char FIT_HEADER[] = "width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status";

void cospin_char_opts_default(struct cospin_char_opts *o)
{
    memset(o, 0, sizeof *o);
    cospin_mtj_params_default(&o->device);
    o->trials = COSPIN_CHAR_DEFAULT_TRIALS;
    o->relax_s = COSPIN_CHAR_DEFAULT_RELAX_S;
    o->seed = 1;
    o->threads = 0;
    o->block_trials = COSPIN_CHAR_DEFAULT_BLOCK;
    o->engine = COSPIN_CHAR_FAST;
    o->instances_per_netlist = COSPIN_CHAR_DEFAULT_INSTANCES;
}

void cospin_char_table_free(struct cospin_char_table *t)
{
    if (!t)
        return;
    free(t->points);
    free(t->fits);
    free(t);
}

static int same(double a, double b)
{
    return fabs(a - b) <= CHAR_SAME_REL * fmax(fabs(a), fabs(b));
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The value rounded to 12 significant digits, so 3e-8 typed or read back
   from a file hashes identically. */
static uint64_t value_key(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.12g", v);
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64-bit offset basis */
    for (const char *s = buf; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL; /* FNV prime */
    return h;
}

uint64_t cospin_char_point_seed(uint64_t seed, double width_s, double ku_j_per_m3,
                                double current_a)
{
    uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ value_key(width_s));
    h = mix64(h ^ value_key(ku_j_per_m3) * 3);
    h = mix64(h ^ value_key(current_a) * 5);
    return h;
}

long cospin_char_fast_trials(const struct cospin_mtj_derived *d, const struct cospin_char_point *pt,
                             double relax_s, uint64_t seed, long first, long n)
{
    if (!d || !pt || n < 0 || first < 0)
        return COSPIN_ERR_INVALID;
    uint64_t ps = cospin_char_point_seed(seed, pt->width_s, pt->ku_j_per_m3, pt->current_a);
    return cospin_mtj_trials(d, pt->current_a, pt->width_s, relax_s, ps, (uint64_t)first, n, NULL);
}

/* ---- validation ----------------------------------------------------------------------- */

static int check_values(const double *v, size_t n, const char *what, const char *unit, int allow_zero,
                        struct cospin_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]) || v[i] < 0 || (!allow_zero && v[i] == 0))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "%s %g %s is out of range (must be %s)", what, v[i], unit,
                                    allow_zero ? ">= 0" : "> 0");
    return 0;
}

static int validate(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                    struct cospin_error *err)
{
    if (!o || !g)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no options or grid");
    if (o->trials <= 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "trials %ld must be > 0",
                                o->trials);
    if (!(o->relax_s >= 0) || !isfinite(o->relax_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "relaxation %g s must be >= 0", o->relax_s);
    if (o->threads < 0 || o->block_trials <= 0 || o->instances_per_netlist <= 0 ||
        o->pool_workers < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "threads, block size, instances and workers must be positive");
    if (o->engine != COSPIN_CHAR_FAST && o->engine != COSPIN_CHAR_NGSPICE)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "unknown engine %d",
                                (int)o->engine);
    if (!g->widths_s || g->nwidths == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no pulse width given");
    if (!g->currents_a || g->ncurrents == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no current given");
    int rc = check_values(g->widths_s, g->nwidths, "pulse width", "s", 0, err);
    if (!rc)
        rc = check_values(g->currents_a, g->ncurrents, "current", "A", 1, err);
    if (!rc && g->kus_j_per_m3)
        rc = check_values(g->kus_j_per_m3, g->nkus, "Ku", "J/m^3", 0, err);
    return rc;
}

/* Derive the device at anisotropy ku (the grid value replaces any K_bulk + K_i/t split). */
static int derive_at(const struct cospin_mtj_params *dev, double ku, struct cospin_mtj_derived *d,
                     struct cospin_error *err)
{
    struct cospin_mtj_params p = *dev;
    p.ku_j_per_m3 = ku;
    p.k_i_j_per_m2 = 0;
    char msg[256];
    if (cospin_mtj_derive(&p, d, msg, sizeof msg) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "device at Ku = %g J/m^3: %s",
                                ku, msg);
    return 0;
}

/* Create dir if missing (one level; its parent must exist). */
static int make_dir(const char *dir, struct cospin_error *err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
    }
    return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "cannot create the output directory: %s",
                            strerror(errno));
}

/* ---- run.txt: the settings a directory's results belong to ---------------------------- */

static void manifest_text(const struct cospin_char_opts *o, char *buf, size_t n)
{
    const struct cospin_mtj_params *p = &o->device;
    snprintf(buf, n,
             "# cospin characterize: settings of the results in this directory\n"
             "engine=%s\nseed=%llu\ntrials=%ld\nrelax_s=%.12g\n"
             "alpha=%.12g\ngamma_rad_per_s_t=%.12g\nmu0_ms_t=%.12g\n"
             "length_m=%.12g\nwidth_m=%.12g\nthickness_m=%.12g\npolarization=%.12g\n"
             "temperature_k=%.12g\ndt_s=%.12g\nh_applied_t=%.12g,%.12g,%.12g\n"
             "demag=%s\nstt=%s\nthermal=%s\ninit=%s\ninit_tilt_rad=%.12g\n",
             o->engine == COSPIN_CHAR_FAST ? "fast" : "ngspice", (unsigned long long)o->seed,
             o->trials, o->relax_s, p->alpha, p->gamma_rad_per_s_t, p->mu0_ms_t, p->length_m,
             p->width_m, p->thickness_m, p->polarization, p->temperature_k, p->dt_s,
             p->h_applied_t[0], p->h_applied_t[1], p->h_applied_t[2],
             p->demag == COSPIN_DEMAG_PRISM ? "prism" : "thin-film",
             p->stt == COSPIN_STT_CONSTANT ? "constant" : "slonczewski",
             p->thermal == COSPIN_THERMAL_BROWN ? "brown" : "thesis",
             p->init == COSPIN_INIT_THERMAL ? "thermal" : "tilt", p->init_tilt_rad);
}

static int path_join(char *buf, size_t n, const char *dir, const char *name)
{
    return snprintf(buf, n, "%s/%s", dir, name) < (int)n ? 0 : -1;
}

static int read_whole(const char *path, char **out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += r;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    buf[len] = 0;
    *out = buf;
    return 0;
}

/* Write text to dir/name atomically (fsync'ed: a rerun resumes from these files). */
static int write_text_file(const char *dir, const char *name, const char *text,
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

static int table_add_point(struct cospin_char_table *t, size_t *cap, const struct cospin_char_point *p)
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

static int table_add_fit(struct cospin_char_table *t, size_t *cap, const struct cospin_char_fit *f)
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

enum { PSW_W, PSW_I, PSW_TRIALS, PSW_SWITCHED, PSW_KU, PSW_NCOL };
static const struct cospin_csv_column psw_cols[PSW_NCOL] = {
    {"width_s", COSPIN_CSV_NUMBER},
    {"current_a", COSPIN_CSV_NUMBER},
    {"trials", COSPIN_CSV_NUMBER},
    {"switched", COSPIN_CSV_NUMBER},
    {"ku_j_per_m3", COSPIN_CSV_NUMBER | COSPIN_CSV_OPTIONAL},
};

/* One psw.csv row into *pt; COSPIN_ERR_PARSE (file:line) if it is not a valid point. */
static int psw_row(const struct cospin_csv *r, double default_ku, struct cospin_char_point *pt,
                   struct cospin_error *err)
{
    double w = cospin_csv_num(r, PSW_W), i = cospin_csv_num(r, PSW_I);
    double tr = cospin_csv_num(r, PSW_TRIALS), sw = cospin_csv_num(r, PSW_SWITCHED);
    double ku = cospin_csv_has(r, PSW_KU) ? cospin_csv_num(r, PSW_KU) : default_ku;
    if (!(w > 0) || !isfinite(i) || !(tr >= 0) || !(sw >= 0) || sw > tr || tr != floor(tr) ||
        sw != floor(sw) || tr > LONG_MAX || isnan(ku))
        return cospin_csv_error(r, (size_t)-1, COSPIN_ERR_PARSE, err,
                                "malformed psw.csv row (want width_s > 0, current_a, whole "
                                "trials and switched with 0 <= switched <= trials)");
    *pt = (struct cospin_char_point){w, ku, i, (long)tr, (long)sw};
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
        if (table_add_point(t, &cap, &pt) != 0) {
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

static int status_from_name(const char *s)
{
    for (int i = 0; i <= COSPIN_FIT_NOT_RISING; i++)
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
        for (int i = 0; i <= COSPIN_FIT_NOT_RISING; i++) {
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
        if (table_add_fit(t, &cap, &f) != 0) {
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
    if (!same(p->ku_j_per_m3, q->ku_j_per_m3))
        return p->ku_j_per_m3 < q->ku_j_per_m3 ? -1 : 1;
    if (!same(p->width_s, q->width_s))
        return p->width_s < q->width_s ? -1 : 1;
    if (p->current_a != q->current_a)
        return p->current_a < q->current_a ? -1 : 1;
    return 0;
}

int cospin_char_fit_all(struct cospin_char_table *t)
{
    free(t->fits);
    t->fits = NULL;
    t->nfits = 0;
    if (t->npoints == 0)
        return 0;
    qsort(t->points, t->npoints, sizeof *t->points, cmp_points);
    t->fits = calloc(t->npoints, sizeof *t->fits);
    double *x = malloc(t->npoints * sizeof *x);
    long *nt = malloc(t->npoints * sizeof *nt), *ns = malloc(t->npoints * sizeof *ns);
    if (!t->fits || !x || !nt || !ns) {
        free(x);
        free(nt);
        free(ns);
        return COSPIN_ERR_NOMEM;
    }
    for (size_t i = 0; i < t->npoints;) {
        size_t j = i;
        while (j < t->npoints && same(t->points[j].ku_j_per_m3, t->points[i].ku_j_per_m3) &&
               same(t->points[j].width_s, t->points[i].width_s)) {
            x[j - i] = t->points[j].current_a * 1e6; /* fit in uA: k per uA, c in uA */
            nt[j - i] = t->points[j].trials;
            ns[j - i] = t->points[j].switched;
            j++;
        }
        struct cospin_char_fit *f = &t->fits[t->nfits++];
        f->width_s = t->points[i].width_s;
        f->ku_j_per_m3 = t->points[i].ku_j_per_m3;
        struct cospin_error e = {0};
        if (cospin_fit_logistic(x, nt, ns, j - i, &f->fit, &e) != 0) {
            cospin_warn("width %g s, Ku %g J/m^3: %s", f->width_s, f->ku_j_per_m3, e.msg);
        } else if (!(f->fit.k > 0)) {
            /* A switching probability that does not rise with the write
               current is not an activation function (e.g. a device that
               switches thermally whatever the current): flag it so that
               consumers of the neuron table skip it. */
            f->fit.status = COSPIN_FIT_NOT_RISING;
            cospin_warn("width %g s, Ku %g J/m^3: P_sw does not rise with I (k = %g /uA)",
                        f->width_s, f->ku_j_per_m3, f->fit.k);
        }
        i = j;
    }
    free(x);
    free(nt);
    free(ns);
    return 0;
}

/* ---- output files ----------------------------------------------------------------------- */

static void psw_line(char *buf, size_t n, const struct cospin_char_point *p)
{
    snprintf(buf, n, "%.12g,%.12g,%ld,%ld,%.6g,%.12g\n", p->width_s, p->current_a, p->trials,
             p->switched, p->trials ? (double)p->switched / (double)p->trials : 0.0,
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
    fputs(PSW_HEADER, out.fp);
    char line[256];
    for (size_t i = 0; i < t->npoints; i++) {
        psw_line(line, sizeof line, &t->points[i]);
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
               "     errors are 1-sigma from the inverse Fisher information. -->\n"
               "<neuron-table version=\"1\" k-unit=\"1/uA\" c-unit=\"uA\">\n");
    size_t p = 0;
    for (size_t i = 0; i < t->nfits; i++) {
        const struct cospin_char_fit *r = &t->fits[i];
        fprintf(f,
                "  <curve width=\"%.12g\" ku=\"%.12g\" k=\"%.6g\" k-err=\"%.3g\" c=\"%.6g\" "
                "c-err=\"%.3g\" status=\"%s\" deviance=\"%.4g\">\n",
                r->width_s, r->ku_j_per_m3, r->fit.k, r->fit.k_err, r->fit.c, r->fit.c_err,
                cospin_fit_status_name(r->fit.status), r->fit.deviance);
        for (; p < t->npoints && same(t->points[p].width_s, r->width_s) &&
               same(t->points[p].ku_j_per_m3, r->ku_j_per_m3);
             p++)
            fprintf(f, "    <point current=\"%.12g\" trials=\"%ld\" switched=\"%ld\"/>\n",
                    t->points[p].current_a, t->points[p].trials, t->points[p].switched);
        fprintf(f, "  </curve>\n");
    }
    fprintf(f, "</neuron-table>\n");
    return cospin_output_commit(&out, err);
}

/* Index of v among the distinct values seen so far (appending it if new). */
static int char_rank(double *seen, size_t *nseen, double v)
{
    for (size_t j = 0; j < *nseen; j++)
        if (same(seen[j], v))
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
    for (; *p < t->npoints && same(t->points[*p].width_s, r->width_s) &&
           same(t->points[*p].ku_j_per_m3, r->ku_j_per_m3);
         (*p)++) {
        const struct cospin_char_point *q = &t->points[*p];
        double pr = q->trials ? (double)q->switched / (double)q->trials : NAN;
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
        if (!same(t->points[i].ku_j_per_m3, t->points[0].ku_j_per_m3))
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

static int write_all(const struct cospin_char_table *t, const char *dir, struct cospin_error *err)
{
    char path[4096];
    int rc = cospin_char_write_psw_csv(t, dir, err);
    if (!rc)
        rc = cospin_char_write_fit_csv(t, dir, err);
    if (!rc)
        rc = cospin_char_write_fit_xml(t, dir, err);
    if (!rc && path_join(path, sizeof path, dir, "psw.svg") == 0)
        rc = cospin_char_write_svg(t, path, NULL, err);
    return rc;
}

/* ---- the run ------------------------------------------------------------------------------- */

struct task {
    size_t point;      /* index into the run's point list */
    long first, n;     /* trial range */
};

struct run_state {
    const struct cospin_char_opts *o;
    struct cospin_char_point *points;  /* the run's points (not yet finished ones) */
    size_t npoints;
    const struct cospin_mtj_derived *derived; /* per point: pointer into dtab */
    const struct cospin_mtj_derived **pd;
    long *remaining;                   /* per point: tasks not yet finished */
    struct task *tasks;
    size_t ntasks, next_task;
    int append_fd;                     /* psw.csv opened O_APPEND, or -1 */
    pthread_mutex_t lock;
    struct cospin_progress progress;
    long done_trials;
    size_t done_points;
    int rc;
    struct cospin_error err;
};

/* Append one finished point to psw.csv in a single write, then fsync. */
static int append_point(struct run_state *s, const struct cospin_char_point *p)
{
    if (s->append_fd < 0)
        return 0;
    char line[256];
    psw_line(line, sizeof line, p);
    size_t len = strlen(line);
    if (write(s->append_fd, line, len) != (ssize_t)len || fsync(s->append_fd) != 0)
        return cospin_error_set(&s->err, COSPIN_ERR_IO, s->o->out_dir, 0,
                                "cannot append to psw.csv: %s", strerror(errno));
    return 0;
}

/* Record a task's result under the lock; append the point when complete. */
static void task_done(struct run_state *s, const struct task *tk, long switched)
{
    pthread_mutex_lock(&s->lock);
    struct cospin_char_point *p = &s->points[tk->point];
    p->switched += switched;
    s->done_trials += tk->n;
    if (--s->remaining[tk->point] == 0) {
        s->done_points++;
        int rc = append_point(s, p);
        if (rc && !s->rc)
            s->rc = rc;
    }
    if (s->done_points < s->npoints)
        cospin_progress_update(&s->progress, s->done_trials);
    pthread_mutex_unlock(&s->lock);
}

static void *fast_worker(void *arg)
{
    struct run_state *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int stop = s->rc != 0 || (s->o->stop && *s->o->stop) || s->next_task >= s->ntasks;
        struct task tk = {0, 0, 0};
        if (!stop)
            tk = s->tasks[s->next_task++];
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        const struct cospin_char_point *p = &s->points[tk.point];
        long sw = cospin_char_fast_trials(s->pd[tk.point], p, s->o->relax_s, s->o->seed, tk.first,
                                          tk.n);
        if (sw < 0) {
            pthread_mutex_lock(&s->lock);
            if (!s->rc)
                s->rc = cospin_error_set(&s->err, COSPIN_ERR_INTERNAL, NULL, 0,
                                         "trial run failed (%ld)", sw);
            pthread_mutex_unlock(&s->lock);
            break;
        }
        task_done(s, &tk, sw);
    }
    return NULL;
}

static int run_fast(struct run_state *s)
{
    int nth = s->o->threads;
    if (nth <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nth = n > 0 ? (int)n : 1;
    }
    if ((size_t)nth > s->ntasks)
        nth = s->ntasks > 0 ? (int)s->ntasks : 1;
    pthread_t *th = calloc((size_t)nth, sizeof *th);
    if (!th)
        return cospin_error_set(&s->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int started = 0;
    for (; started < nth; started++)
        if (pthread_create(&th[started], NULL, fast_worker, s) != 0)
            break;
    if (started == 0)
        fast_worker(s); /* no thread could start: run in this one */
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    return s->rc;
}

/* Ngspice path: hands the task list to char_ngspice.c, which reports each
   finished task through the callback. */
static void ngspice_done(void *ctx, size_t task_index, long switched)
{
    struct run_state *s = ctx;
    task_done(s, &s->tasks[task_index], switched);
}

static int ngspice_stop(void *ctx)
{
    struct run_state *s = ctx;
    return (s->o->stop && *s->o->stop) || s->rc != 0;
}

static int run_ngspice(struct run_state *s)
{
    struct cospin_char_ngspice_task *nt = calloc(s->ntasks ? s->ntasks : 1, sizeof *nt);
    if (!nt)
        return cospin_error_set(&s->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < s->ntasks; i++) {
        const struct cospin_char_point *p = &s->points[s->tasks[i].point];
        nt[i].width_s = p->width_s;
        nt[i].ku_j_per_m3 = p->ku_j_per_m3;
        nt[i].current_a = p->current_a;
        nt[i].seed = cospin_char_point_seed(s->o->seed, p->width_s, p->ku_j_per_m3, p->current_a);
        nt[i].first_trial = s->tasks[i].first;
        nt[i].ntrials = s->tasks[i].n;
    }
    struct cospin_char_ngspice_opts no = {.device = s->o->device,
                                          .relax_s = s->o->relax_s,
                                          .pool_workers = s->o->pool_workers,
                                          .codemodel_path = s->o->codemodel_path};
    int rc = cospin_char_ngspice_run(&no, nt, s->ntasks, ngspice_done, ngspice_stop, s, &s->err);
    free(nt);
    if (rc && !s->rc)
        s->rc = rc;
    return s->rc;
}

/* Prepare out_dir: run.txt check, earlier points, psw.csv open for appending. */
static int prepare_dir(const struct cospin_char_opts *o, struct cospin_char_table **old,
                       int *fd, struct cospin_error *err)
{
    *old = NULL;
    *fd = -1;
    int rc = make_dir(o->out_dir, err);
    if (rc)
        return rc;
    char manifest[2048], path[4096], psw[4096];
    manifest_text(o, manifest, sizeof manifest);
    if (path_join(path, sizeof path, o->out_dir, "run.txt") ||
        path_join(psw, sizeof psw, o->out_dir, "psw.csv"))
        return cospin_error_set(err, COSPIN_ERR_IO, o->out_dir, 0, "directory name too long");
    char *prev = NULL;
    int have_prev = read_whole(path, &prev) == 0;
    int have_psw = access(psw, F_OK) == 0;
    if (!o->fresh && have_prev && have_psw) {
        int match = strcmp(prev, manifest) == 0;
        free(prev);
        if (!match)
            return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                    "%s holds results of a run with other settings (seed, trials, "
                                    "device or engine); use another output directory, or --fresh "
                                    "to discard them",
                                    o->out_dir);
        rc = cospin_char_read_psw_csv(psw, cospin_mtj_ku_j_per_m3(&o->device), old, err);
        if (rc)
            return rc;
        /* Rewrite it cleanly (drops an incomplete last line). */
        struct cospin_char_table tmp = **old;
        tmp.fits = NULL;
        tmp.nfits = 0;
        rc = cospin_char_write_psw_csv(&tmp, o->out_dir, err);
    } else {
        free(prev);
        if (!o->fresh && have_psw && !have_prev)
            return cospin_error_set(err, COSPIN_ERR_INVALID, o->out_dir, 0,
                                    "%s has a psw.csv without run.txt: not a cospin "
                                    "characterisation directory (use --fresh to overwrite)",
                                    o->out_dir);
        rc = write_text_file(o->out_dir, "psw.csv", PSW_HEADER, err);
        if (!rc)
            rc = write_text_file(o->out_dir, "run.txt", manifest, err);
    }
    if (rc) {
        cospin_char_table_free(*old);
        *old = NULL;
        return rc;
    }
    *fd = open(psw, O_WRONLY | O_APPEND);
    if (*fd < 0) {
        cospin_char_table_free(*old);
        *old = NULL;
        return cospin_error_set(err, COSPIN_ERR_IO, psw, 0, "cannot open for appending: %s",
                                strerror(errno));
    }
    return 0;
}

static int find_point(const struct cospin_char_table *t, const struct cospin_char_point *p)
{
    if (!t)
        return -1;
    for (size_t i = 0; i < t->npoints; i++) {
        const struct cospin_char_point *q = &t->points[i];
        if (same(q->width_s, p->width_s) && same(q->ku_j_per_m3, p->ku_j_per_m3) &&
            (q->current_a == p->current_a || same(q->current_a, p->current_a)))
            return (int)i;
    }
    return -1;
}

int cospin_char_run(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                    struct cospin_char_table **out, struct cospin_error *err)
{
    if (out)
        *out = NULL;
    int rc = validate(o, g, err);
    if (rc)
        return rc;
    double ku_dev = cospin_mtj_ku_j_per_m3(&o->device);
    size_t nkus = g->kus_j_per_m3 && g->nkus ? g->nkus : 1;
    const double *kus = g->kus_j_per_m3 && g->nkus ? g->kus_j_per_m3 : &ku_dev;

    /* Derive every Ku first: a bad device fails before any work. */
    struct cospin_mtj_derived *dtab = calloc(nkus, sizeof *dtab);
    if (!dtab)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t k = 0; k < nkus; k++) {
        rc = derive_at(&o->device, kus[k], &dtab[k], err);
        if (rc) {
            free(dtab);
            return rc;
        }
    }

    struct cospin_char_table *old = NULL;
    struct run_state s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.append_fd = -1;
    if (o->out_dir) {
        rc = prepare_dir(o, &old, &s.append_fd, err);
        if (rc) {
            free(dtab);
            return rc;
        }
    }

    /* The points still to run, in grid order. */
    size_t ntotal = nkus * g->nwidths * g->ncurrents;
    struct cospin_char_table *res = calloc(1, sizeof *res);
    s.points = calloc(ntotal, sizeof *s.points);
    s.pd = calloc(ntotal, sizeof *s.pd);
    s.remaining = calloc(ntotal, sizeof *s.remaining);
    long blocks_per_point = (o->trials + o->block_trials - 1) / o->block_trials;
    if (o->engine == COSPIN_CHAR_NGSPICE)
        blocks_per_point = (o->trials + o->instances_per_netlist - 1) / o->instances_per_netlist;
    s.tasks = calloc(ntotal * (size_t)blocks_per_point + 1, sizeof *s.tasks);
    size_t cap = 0;
    if (!res || !s.points || !s.pd || !s.remaining || !s.tasks) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto done;
    }
    /* Keep every earlier point of the directory (the union is the result). */
    if (old)
        for (size_t i = 0; i < old->npoints; i++)
            if (table_add_point(res, &cap, &old->points[i]) != 0) {
                rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
                goto done;
            }
    long chunk = o->engine == COSPIN_CHAR_NGSPICE ? o->instances_per_netlist : o->block_trials;
    for (size_t k = 0; k < nkus; k++)
        for (size_t w = 0; w < g->nwidths; w++)
            for (size_t c = 0; c < g->ncurrents; c++) {
                struct cospin_char_point p = {g->widths_s[w], kus[k], g->currents_a[c], o->trials, 0};
                if (find_point(old, &p) >= 0 || find_point(res, &p) >= 0) {
                    if (find_point(old, &p) >= 0)
                        res->nresumed++;
                    continue;  /* finished earlier, or listed twice */
                }
                size_t idx = s.npoints++;
                p.switched = 0;
                s.points[idx] = p;
                s.pd[idx] = &dtab[k];
                for (long first = 0; first < o->trials; first += chunk) {
                    struct task tk = {idx, first, first + chunk <= o->trials ? chunk : o->trials - first};
                    s.tasks[s.ntasks++] = tk;
                    s.remaining[idx]++;
                }
                /* A point added to s.points also enters res when finished (below). */
            }
    if (res->nresumed)
        cospin_info("resuming: %zu point%s already done in %s", res->nresumed,
                    res->nresumed == 1 ? "" : "s", o->out_dir);

    if (pthread_mutex_init(&s.lock, NULL) != 0) {
        rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "mutex init failed");
        goto done;
    }
    double t0 = cospin_now_s();
    cospin_progress_start(&s.progress, "P_sw trials", (long)s.npoints * o->trials);
    if (s.ntasks > 0)
        rc = o->engine == COSPIN_CHAR_FAST ? run_fast(&s) : run_ngspice(&s);
    if (!rc && s.done_points < s.npoints && o->stop && *o->stop)
        rc = COSPIN_ERR_INTERRUPTED;
    if (!rc && s.npoints > 0)
        cospin_progress_end(&s.progress);
    pthread_mutex_destroy(&s.lock);
    if (s.err.code && err && !err->code)
        *err = s.err;
    if (rc == COSPIN_ERR_INTERRUPTED) {
        cospin_error_set(err, COSPIN_ERR_INTERRUPTED, o->out_dir, 0,
                         "interrupted after %zu of %zu points%s", s.done_points, s.npoints,
                         o->out_dir ? "; the finished points are kept in psw.csv: rerun the "
                                      "same command to resume"
                                    : "");
        goto done;
    }
    if (rc)
        goto done;
    cospin_dbg("%zu points, %ld trials in %.2f s", s.npoints, (long)s.npoints * o->trials,
               cospin_now_s() - t0);
    for (size_t i = 0; i < s.npoints; i++)
        if (table_add_point(res, &cap, &s.points[i]) != 0) {
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
            goto done;
        }
    rc = cospin_char_fit_all(res);
    if (rc) {
        cospin_error_set(err, rc, NULL, 0, "out of memory");
        goto done;
    }
    if (s.append_fd >= 0) {
        close(s.append_fd);
        s.append_fd = -1;
    }
    if (o->out_dir)
        rc = write_all(res, o->out_dir, err);
done:
    if (s.append_fd >= 0)
        close(s.append_fd);
    free(s.points);
    free(s.pd);
    free(s.remaining);
    free(s.tasks);
    free(dtab);
    cospin_char_table_free(old);
    if (rc == 0 && out)
        *out = res;
    else
        cospin_char_table_free(res);
    return rc;
}

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
        if (m == 0 || !same(v[i], v[m - 1]))
            v[m++] = v[i];
    return m;
}

static const struct cospin_char_fit *find_fit(const struct cospin_char_table *t, double w, double ku)
{
    for (size_t i = 0; i < t->nfits; i++)
        if (t->fits[i].fit.status == COSPIN_FIT_OK && same(t->fits[i].width_s, w) &&
            same(t->fits[i].ku_j_per_m3, ku))
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
        if (t->fits[i].fit.status == COSPIN_FIT_OK) {
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
        if (t->fits[i].fit.status == COSPIN_FIT_OK && same(t->fits[i].ku_j_per_m3, ku_j_per_m3))
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
