/* check_characterize.c -- Monte Carlo P_sw: monotonicity, thread independence,
 * resume, files, the designer's inverse, bad input; fast vs ngspice path. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "characterize.h"
#include "check_util.h"
#include "log.h"
#include "xml.h"

/* A short pulse keeps the tests fast: 10 ns + 2 ns relaxation = 2400 RK4
   steps per trial.  The midpoint at 10 ns lies near 17 uA for the default
   (prism) device, so 4..34 uA covers P_sw from ~0 to ~1. */
static const double W10[1] = {10e-9};
static const double I7[7] = {4e-6, 9e-6, 14e-6, 19e-6, 24e-6, 29e-6, 34e-6};

static void small_opts(struct cospin_char_opts *o, long trials)
{
    cospin_char_opts_default(o);
    o->trials = trials;
    o->relax_s = 2e-9;
    o->threads = 2;
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0, ch;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

START_TEST(test_monotone)
{
    /* 7 currents x 80 trials.  P_sw must rise with I up to binomial noise:
       each adjacent pair may fall by at most 3 combined standard errors
       (one-sided normal tail 1.3e-3 per pair; the seed fixes the outcome),
       and over the whole range it must rise from < 0.2 to > 0.8 (the
       fitted c lies inside the range). */
    struct cospin_char_opts o;
    small_opts(&o, 80);
    struct cospin_char_grid g = {W10, 1, NULL, 0, I7, 7};
    struct cospin_char_table *t = NULL;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_char_run(&o, &g, &t, &e), 0);
    ck_assert_int_eq(t->npoints, 7);
    ck_assert_int_eq(t->nfits, 1);
    for (size_t i = 0; i + 1 < t->npoints; i++) {
        double p0 = (double)t->points[i].switched / 80, p1 = (double)t->points[i + 1].switched / 80;
        /* Standard error with p clipped to [0.5/N, 1 - 0.5/N] so that an
           empty or full point still has a nonzero error. */
        double q0 = fmin(fmax(p0, 0.5 / 80), 1 - 0.5 / 80), q1 = fmin(fmax(p1, 0.5 / 80), 1 - 0.5 / 80);
        double se = sqrt(q0 * (1 - q0) / 80 + q1 * (1 - q1) / 80);
        ck_assert_msg(p1 >= p0 - 3 * se, "P_sw falls from %g to %g between %g and %g A", p0, p1,
                      t->points[i].current_a, t->points[i + 1].current_a);
    }
    ck_assert(t->points[0].switched < 16 && t->points[6].switched > 64);
    ck_assert_int_eq(t->fits[0].fit.status, COSPIN_FIT_OK);
    ck_assert(t->fits[0].fit.k > 0);
    ck_assert(t->fits[0].fit.c > 4 && t->fits[0].fit.c < 34);
    cospin_char_table_free(t);
}
END_TEST

START_TEST(test_thread_independence)
{
    /* Same seed, different thread counts and block sizes, and a grid with
       other points: the counts of every shared point are identical (each
       trial has its own generator stream; nothing is shared). */
    struct cospin_char_opts a, b;
    small_opts(&a, 40);
    small_opts(&b, 40);
    a.threads = 1;
    a.block_trials = 40;
    b.threads = 3;
    b.block_trials = 7;
    struct cospin_char_grid ga = {W10, 1, NULL, 0, I7, 7};
    const double isub[2] = {34e-6, 19e-6};
    struct cospin_char_grid gb = {W10, 1, NULL, 0, isub, 2};
    struct cospin_char_table *ta, *tb;
    ck_assert_int_eq(cospin_char_run(&a, &ga, &ta, NULL), 0);
    ck_assert_int_eq(cospin_char_run(&b, &gb, &tb, NULL), 0);
    /* tb is sorted by current: 19 uA is point 3 of ta, 34 uA point 6. */
    ck_assert_int_eq(tb->points[0].switched, ta->points[3].switched);
    ck_assert_int_eq(tb->points[1].switched, ta->points[6].switched);
    /* A different seed gives different counts somewhere (7 points x 40
       trials in the transition: equal counts everywhere has negligible
       probability). */
    a.seed = 2;
    struct cospin_char_table *tc;
    ck_assert_int_eq(cospin_char_run(&a, &ga, &tc, NULL), 0);
    int differ = 0;
    for (size_t i = 0; i < 7; i++)
        differ |= tc->points[i].switched != ta->points[i].switched;
    ck_assert(differ);
    ck_assert(cospin_char_point_seed(1, 1e-8, 1.1e6, 1e-5) !=
              cospin_char_point_seed(1, 1e-8, 1.1e6, 1.1e-5));
    cospin_char_table_free(ta);
    cospin_char_table_free(tb);
    cospin_char_table_free(tc);
}
END_TEST

START_TEST(test_resume_and_files)
{
    char *dir = ck_tmpdir("check_char");
    char psw[256], fit[256], path[256];
    snprintf(psw, sizeof psw, "%s/psw.csv", dir);
    snprintf(fit, sizeof fit, "%s/fit.csv", dir);
    struct cospin_char_opts o;
    small_opts(&o, 20);
    o.out_dir = dir;
    o.fresh = 1;
    const double i3[3] = {9e-6, 19e-6, 29e-6};
    struct cospin_char_grid g3 = {W10, 1, NULL, 0, i3, 3};
    struct cospin_char_table *t1, *t2;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_char_run(&o, &g3, &t1, &e), 0);
    ck_assert_int_eq(count_lines(psw), 4);
    ck_assert_int_eq(count_lines(fit), 2);
    const char *files[] = {"fit.xml", "psw.svg", "run.txt"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        ck_assert_int_eq(access(path, R_OK), 0);
    }
    /* Simulate a kill during an append: a partial last line. */
    FILE *f = fopen(psw, "a");
    fputs("1e-08,3.4e-05,2", f);
    fclose(f);
    /* Rerun with a larger grid: the 3 finished points are reused. */
    o.fresh = 0;
    struct cospin_char_grid g7 = {W10, 1, NULL, 0, I7, 7};
    ck_assert_int_eq(cospin_char_run(&o, &g7, &t2, &e), 0);
    ck_assert_int_eq(t2->nresumed, 3);
    ck_assert_int_eq(t2->npoints, 7);    /* the union: the 3 currents are among the 7 */
    ck_assert_int_eq(count_lines(psw), 8);
    /* The reused points are exactly the first run's. */
    for (size_t i = 0; i < 3; i++) {
        int found = 0;
        for (size_t j = 0; j < t2->npoints; j++)
            if (t2->points[j].current_a == t1->points[i].current_a) {
                ck_assert_int_eq(t2->points[j].switched, t1->points[i].switched);
                found = 1;
            }
        ck_assert(found);
    }
    /* Read back: the files hold what the run returned. */
    struct cospin_char_table *rp, *rf;
    ck_assert_int_eq(cospin_char_read_psw_csv(psw, 0, &rp, NULL), 0);
    ck_assert_int_eq(rp->npoints, 7);
    ck_assert_int_eq(cospin_char_read_fit_csv(fit, &rf, NULL), 0);
    ck_assert_int_eq(rf->nfits, 1);
    ck_assert_rel(rf->fits[0].fit.k, t2->fits[0].fit.k, 1e-5);
    ck_assert_rel(rf->fits[0].fit.c, t2->fits[0].fit.c, 1e-5);
    ck_assert_rel(rp->points[0].ku_j_per_m3, 1.1e6, 1e-12);
    /* Other settings in the same directory are refused... */
    o.seed = 99;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &g3, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "other settings"));
    /* ...and a stop request before any work keeps the directory intact. */
    o.seed = 1;
    volatile sig_atomic_t stop = 1;
    o.stop = &stop;
    const double inew[1] = {5e-6};
    struct cospin_char_grid g1 = {W10, 1, NULL, 0, inew, 1};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &g1, NULL, &e), COSPIN_ERR_INTERRUPTED);
    ck_assert_ptr_nonnull(strstr(e.msg, "resume"));
    ck_assert_int_eq(count_lines(psw), 8);
    cospin_char_table_free(t1);
    cospin_char_table_free(t2);
    cospin_char_table_free(rp);
    cospin_char_table_free(rf);
    ck_rm_rf(dir);
}
END_TEST

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Resume takes only complete, consistent rows of psw.csv.  A torn row with a
   line break, a p_sw that is not switched/trials, other trials, a number
   that is not one, a duplicate: each dropped with a warning and its point
   run again.  A row off the run's grid (a Ku column cut to "11") is kept in
   psw.csv but never fitted.  (Before: the torn row failed the resume, and
   off-grid rows became curves of their own.) */
START_TEST(test_resume_verified_rows)
{
    char *dir = ck_tmpdir("check_char");
    char psw[256], fit[256];
    snprintf(psw, sizeof psw, "%s/psw.csv", dir);
    snprintf(fit, sizeof fit, "%s/fit.csv", dir);
    struct cospin_char_opts o;
    small_opts(&o, 20);
    o.out_dir = dir;
    const double i3[3] = {9e-6, 19e-6, 29e-6};
    struct cospin_char_grid g3 = {W10, 1, NULL, 0, i3, 3};
    struct cospin_char_table *t1, *t2, *rp;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_char_run(&o, &g3, &t1, &e), 0);
    char rows[3][128], text[2048];
    for (int i = 0; i < 3; i++)
        snprintf(rows[i], sizeof rows[i], "1e-08,%.12g,20,%ld,%.6g,1100000\n",
                 t1->points[i].current_a, t1->points[i].switched,
                 t1->points[i].switched / 20.0);
    snprintf(text, sizeof text,
             "width_s,current_a,trials,switched,p_sw,ku_j_per_m3\n"
             "%s"                                   /* 9 uA: intact */
             "1e-08,1.9e-05,20,%ld,0.999,1100000\n"  /* p_sw wrong */
             "1e-08,2.9e-05,19,%ld,0.5,1100000\n"    /* other trials */
             "1e-08,2.9e-05,20,10,0.5\n"             /* torn: Ku missing */
             "1e-08,x,20,10,0.5,1100000\n"           /* not a number */
             "%s"                                   /* 9 uA again */
             "1e-08,9e-06,20,3,0.15,11\n",           /* Ku cut short: off the grid */
             rows[0], t1->points[1].switched, t1->points[2].switched, rows[0]);
    write_text(psw, text);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &g3, &t2, &e), 0);
    ck_assert_int_eq(t2->nresumed, 1);
    ck_assert_int_eq(t2->npoints, 3);
    ck_assert_int_eq(t2->nfits, 1);
    ck_assert(t2->fits[0].fit.status != COSPIN_FIT_OK ||
              (isfinite(t2->fits[0].fit.k) && isfinite(t2->fits[0].fit.c)));
    for (int i = 0; i < 3; i++) {   /* rerun points give the first run's counts */
        ck_assert_rel(t2->points[i].ku_j_per_m3, 1.1e6, 1e-12);
        ck_assert_int_eq(t2->points[i].trials, 20);
        ck_assert_int_eq(t2->points[i].switched, t1->points[i].switched);
    }
    ck_assert_int_eq(count_lines(fit), 2);
    /* psw.csv: the three points and the row set aside. */
    ck_assert_int_eq(cospin_char_read_psw_csv(psw, 0, &rp, NULL), 0);
    ck_assert_int_eq(rp->npoints, 4);
    ck_assert_rel(rp->points[0].ku_j_per_m3, 11, 1e-12);
    /* Consistent rows of another grid: kept, not fitted, resumed when asked for. */
    const double i1[1] = {19e-6};
    struct cospin_char_grid g1 = {W10, 1, NULL, 0, i1, 1};
    struct cospin_char_table *t3;
    ck_assert_int_eq(cospin_char_run(&o, &g1, &t3, &e), 0);
    ck_assert_int_eq(t3->nresumed, 1);
    ck_assert_int_eq(t3->npoints, 1);
    ck_assert_int_eq(t3->fits[0].fit.status, COSPIN_FIT_TOO_FEW);
    ck_assert_int_eq(count_lines(psw), 5);
    cospin_char_table_free(t1);
    cospin_char_table_free(t2);
    cospin_char_table_free(t3);
    cospin_char_table_free(rp);
    ck_rm_rf(dir);
}
END_TEST

/* A run far too long for this machine is refused before it starts (widths
   of 30 s at a 5 ps step ran until killed): the message gives the estimate
   and --force; the directory is not touched.  With no limit the check
   passes; a tiny limit makes even a small grid measure the step and fail. */
START_TEST(test_estimate_refused)
{
    char *dir = ck_tmpdir("check_char");
    char runtxt[256];
    snprintf(runtxt, sizeof runtxt, "%s/run.txt", dir);
    struct cospin_char_opts o;
    small_opts(&o, 100);
    o.out_dir = dir;
    const double w30[1] = {30.0}, i1[1] = {10e-6};
    struct cospin_char_grid g = {w30, 1, NULL, 0, i1, 1};
    struct cospin_error e = {0};
    double t0 = cospin_now_s();
    ck_assert_int_eq(cospin_char_run(&o, &g, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_msg(cospin_now_s() - t0 < 5, "the estimate took %g s", cospin_now_s() - t0);
    ck_assert_ptr_nonnull(strstr(e.msg, "this run would take about"));
    ck_assert_ptr_nonnull(strstr(e.msg, "days"));
    ck_assert_ptr_nonnull(strstr(e.msg, "6e+14 LLGS steps"));
    ck_assert_ptr_nonnull(strstr(e.msg, "--force"));
    ck_assert_int_eq(access(runtxt, F_OK), -1);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_check(&o, &g, &e), COSPIN_ERR_INVALID);
    o.max_run_s = 0;   /* --force */
    ck_assert_int_eq(cospin_char_check(&o, &g, NULL), 0);
    /* 1 point x 100 trials x 2400 steps is ~10 ms: over a 1 us limit. */
    o.max_run_s = 1e-6;
    struct cospin_char_grid g1 = {W10, 1, NULL, 0, i1, 1};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_check(&o, &g1, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "ns per step on 2 threads"));
    o.max_run_s = COSPIN_CHAR_DEFAULT_MAX_RUN_S;
    ck_assert_int_eq(cospin_char_check(&o, &g1, NULL), 0);
    ck_rm_rf(dir);
}
END_TEST

/* A synthetic neuron table with k, c bilinear in (log10 w, Ku/1e6): the
   interpolation is then exact and the inverse must hit the target. */
static struct cospin_char_table *synthetic_table(void)
{
    const double ws[3] = {10e-9, 30e-9, 200e-9}, ks[3] = {1.1e6, 1.15e6, 1.21e6};
    struct cospin_char_table *t = calloc(1, sizeof *t);
    t->fits = calloc(9, sizeof *t->fits);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            struct cospin_char_fit *f = &t->fits[t->nfits++];
            double u = log10(ws[b] / 10e-9), v = ks[a] / 1e6 - 1.1;
            f->width_s = ws[b];
            f->ku_j_per_m3 = ks[a];
            f->fit.status = COSPIN_FIT_OK;
            f->fit.k = 1.0 + 1.5 * u + 2.0 * v;     /* steeper with width and Ku */
            f->fit.c = 14.0 - 2.5 * u + 30.0 * v;   /* lower with width, higher with Ku */
        }
    return t;
}

START_TEST(test_design)
{
    struct cospin_char_table *t = synthetic_table();
    struct cospin_char_design sol[8];
    size_t ns;
    struct cospin_error e = {0};
    /* Target: u = 1 (100 ns), v = 0.05 (Ku = 1.15e6): k = 2.6, c = 13.0. */
    ck_assert_int_eq(cospin_char_design_kc(t, 2.6, 13.0, 1e-6, sol, 8, &ns, &e), 0);
    ck_assert(ns >= 1);
    ck_assert_rel(sol[0].width_s, 100e-9, 1e-6);
    ck_assert_rel(sol[0].ku_j_per_m3, 1.15e6, 1e-6);
    ck_assert(sol[0].residual <= 1e-6);
    /* Width alone at Ku = 1.1e6: k = 2.5 at u = 1 (100 ns), with c = 11.5. */
    struct cospin_char_design d;
    ck_assert_int_eq(cospin_char_design_width(t, 1.1e6, 2.5, &d, &e), 0);
    ck_assert_rel(d.width_s, 100e-9, 1e-9);
    ck_assert_rel(d.c_ua, 11.5, 1e-9);
    /* Out of reach: k = 50. */
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_design_kc(t, 50, 13, 0.01, sol, 8, &ns, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(ns, 1);
    ck_assert_ptr_nonnull(strstr(e.msg, "nearest"));
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_design_width(t, 1.1e6, 50, &d, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "outside the range"));
    /* An incomplete grid is refused. */
    t->fits[4].fit.status = COSPIN_FIT_SEPARATED;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_design_kc(t, 2.6, 13.0, 0.01, sol, 8, &ns, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "complete grid"));
    cospin_char_table_free(t);
}
END_TEST

/* A table written by an older cospin: a curve of one current was fitted
   "ok" with NaN k and c.  The inverse must not interpolate through it (it
   printed NaN and succeeded): such a row counts as a missing fit. */
START_TEST(test_design_nan_rows)
{
    struct cospin_char_table *t = synthetic_table();
    struct cospin_char_design sol[8], d;
    size_t ns = 0;
    struct cospin_error e = {0};
    t->fits[0].fit.k = NAN;   /* 10 ns, 1.1e6: status still ok */
    t->fits[0].fit.c = NAN;
    ck_assert_int_eq(cospin_char_design_kc(t, 1.1, 14.0, 0.01, sol, 8, &ns, &e),
                     COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "complete grid"));
    /* Width alone at 1.1e6: k = 1.2 lies between 10 ns (NaN) and 30 ns. */
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_design_width(t, 1.1e6, 1.2, &d, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "outside the range"));
    /* Only c is NaN: the same. */
    t->fits[0].fit.k = 1.0;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_design_width(t, 1.1e6, 1.2, &d, &e), COSPIN_ERR_INVALID);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_design_kc(t, 1.1, 14.0, 0.01, sol, 8, &ns, &e),
                     COSPIN_ERR_INVALID);
    cospin_char_table_free(t);
}
END_TEST

/* The legend swatches of psw.svg (entry-local markup before the label), at most max. */
static int psw_swatches(const char *svg, char **sw, int max)
{
    int n = 0;
    const char *tag = "<g class=\"legend-entry\"";
    for (const char *q = svg; (q = strstr(q, tag)) != NULL && n < max; q++) {
        const char *b = strchr(q, '>') + 1, *e = strstr(b, "<text");
        ck_assert_ptr_nonnull(e);
        sw[n++] = strndup(b, (size_t)(e - b));
    }
    return n;
}

/* The part of a swatch from `from` up to `to` (a malloc'd copy). */
static char *swatch_part(const char *sw, const char *from, const char *to)
{
    const char *b = strstr(sw, from);
    ck_assert_ptr_nonnull(b);
    const char *e = strstr(b + strlen(from), to);
    ck_assert_ptr_nonnull(e);
    return strndup(b, (size_t)(e - b));
}

/* psw.svg of 6 widths x 4 Ku: 24 distinct legend swatches; the colour is
   the width's (same for every Ku), the marker shape and the dash the Ku's
   (same for every width). */
START_TEST(test_svg_styles)
{
    enum { NW = 6, NK = 4, NI = 8 };
    struct cospin_char_table *t = calloc(1, sizeof *t);
    t->points = calloc(NW * NK * NI, sizeof *t->points);
    for (int k = 0; k < NK; k++)
        for (int w = 0; w < NW; w++)
            for (int i = 0; i < NI; i++) {
                struct cospin_char_point *q = &t->points[t->npoints++];
                q->width_s = (20 + 30 * w) * 1e-9;
                q->ku_j_per_m3 = 1.08e6 + 2e4 * k;
                q->current_a = (4 + 3 * i) * 1e-6;
                q->trials = 100;
                q->switched = lround(100 / (1 + exp(-0.5 * (4 + 3 * i - 15 + w - k))));
            }
    ck_assert_int_eq(cospin_char_fit_all(t), 0);
    char *dir = ck_tmpdir("check_char"), path[512];
    snprintf(path, sizeof path, "%s/psw.svg", dir);
    ck_assert_int_eq(cospin_char_write_svg(t, path, NULL, NULL), 0);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char svg[1 << 20];
    size_t len = fread(svg, 1, sizeof svg - 1, f);
    svg[len] = '\0';
    fclose(f);
    char *sw[64];
    int n = psw_swatches(svg, sw, 64);
    ck_assert_int_eq(n, NW * NK);
    for (int a = 0; a < n; a++) {
        char *col_a = swatch_part(sw[a], "stroke=\"", "\"");
        char *dash_a = swatch_part(sw[a], "stroke-width=\"1.6\"", "/>");
        char *mark_a = swatch_part(sw[a], "/>\n<", " fill=");
        for (int b = 0; b < a; b++) {
            char *col_b = swatch_part(sw[b], "stroke=\"", "\"");
            char *dash_b = swatch_part(sw[b], "stroke-width=\"1.6\"", "/>");
            char *mark_b = swatch_part(sw[b], "/>\n<", " fill=");
            ck_assert_str_ne(sw[a], sw[b]);
            ck_assert_int_eq(strcmp(col_a, col_b) == 0, a % NW == b % NW);
            ck_assert_int_eq(strcmp(mark_a, mark_b) == 0, a / NW == b / NW);
            ck_assert_int_eq(strcmp(dash_a, dash_b) == 0, a / NW == b / NW);
            free(col_b);
            free(dash_b);
            free(mark_b);
        }
        free(col_a);
        free(dash_a);
        free(mark_a);
    }
    for (int a = 0; a < n; a++)
        free(sw[a]);
    cospin_char_table_free(t);
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_bad_options)
{
    struct cospin_char_opts o;
    small_opts(&o, 10);
    struct cospin_error e = {0};
    const double neg[1] = {-1e-6}, zero[1] = {0};
    struct cospin_char_grid g = {W10, 1, NULL, 0, I7, 7};
    o.trials = 0;
    ck_assert_int_eq(cospin_char_run(&o, &g, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "trials"));
    small_opts(&o, 10);
    struct cospin_char_grid gneg = {W10, 1, NULL, 0, neg, 1};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &gneg, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "current"));
    struct cospin_char_grid gw = {zero, 1, NULL, 0, I7, 7};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &gw, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "pulse width"));
    struct cospin_char_grid gnone = {W10, 1, NULL, 0, NULL, 0};
    ck_assert_int_eq(cospin_char_run(&o, &gnone, NULL, NULL), COSPIN_ERR_INVALID);
    /* Ku too small for a perpendicular easy axis: the device check names it. */
    const double ku_low[1] = {1e5};
    struct cospin_char_grid gk = {W10, 1, ku_low, 1, I7, 7};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &gk, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "Ku = 100000"));
    o.relax_s = -1;
    ck_assert_int_eq(cospin_char_run(&o, &g, NULL, NULL), COSPIN_ERR_INVALID);
    small_opts(&o, 10);
    o.engine = (enum cospin_char_engine)7;
    ck_assert_int_eq(cospin_char_run(&o, &g, NULL, NULL), COSPIN_ERR_INVALID);
    small_opts(&o, 10);
    o.out_dir = "/proc/no/such/dir";
    ck_assert_int_eq(cospin_char_run(&o, &g, NULL, NULL), COSPIN_ERR_IO);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_bad_files)
{
    char *dir = ck_tmpdir("check_char");
    char p[256];
    struct cospin_char_table *t;
    struct cospin_error e = {0};
    snprintf(p, sizeof p, "%s/x.csv", dir);
    write_file(p, "a,b,c\n1,2,3\n");
    ck_assert_int_eq(cospin_char_read_psw_csv(p, 0, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_int_eq(e.line, 1);
    memset(&e, 0, sizeof e);
    /* A bad row in the middle is an error with its line (not a truncation). */
    write_file(p, "width_s,current_a,trials,switched,p_sw\n1e-8,1e-5,10,3,0.3\n1e-8,2e-5,10,11,1.1\n"
                  "1e-8,3e-5,10,9,0.9\n");
    ck_assert_int_eq(cospin_char_read_psw_csv(p, 0, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_int_eq(e.line, 3);
    memset(&e, 0, sizeof e);
    /* A Ku column with a value not > 0 (found by fuzz_csv_tables). */
    write_file(p, "width_s,ku_j_per_m3,current_a,trials,switched\n1e-8,1.1e6,1e-5,10,3\n"
                  "1e-8,-1e5,2e-5,10,5\n");
    ck_assert_int_eq(cospin_char_read_psw_csv(p, 0, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_int_eq(e.line, 3);
    ck_assert_ptr_nonnull(strstr(e.msg, "ku_j_per_m3 > 0"));
    memset(&e, 0, sizeof e);
    write_file(p, "width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status\n3e-8,1.1e6,2,0.1,x,0.1,ok\n");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_int_eq(e.line, 2);
    memset(&e, 0, sizeof e);
    write_file(p, "width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status\n3e-8,1.1e6,2,0.1,1,0.1,bogus\n");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_PARSE);
    memset(&e, 0, sizeof e);
    write_file(p, "width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status\n");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(e.msg, "no rows"));
    memset(&e, 0, sizeof e);
    snprintf(p, sizeof p, "%s/missing.csv", dir);
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_IO);
    /* Points in a psw.csv without run.txt are not silently overwritten... */
    snprintf(p, sizeof p, "%s/psw.csv", dir);
    write_file(p, "width_s,current_a,trials,switched,p_sw\n1e-08,4e-06,10,0,0\n");
    struct cospin_char_opts o;
    small_opts(&o, 10);
    o.out_dir = dir;
    struct cospin_char_grid g = {W10, 1, NULL, 0, I7, 1};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &g, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "run.txt"));
    /* ...but a header alone (a run that failed writing run.txt) starts over. */
    write_file(p, "width_s,current_a,trials,switched,p_sw\n");
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &g, NULL, &e), 0);
    ck_rm_rf(dir);
}
END_TEST

/* The one fit.csv reader: '#' comments anywhere, columns by name, a torn
   last line is an error (fit.csv is written whole, never appended). */
START_TEST(test_fit_csv_rules)
{
    char *dir = ck_tmpdir("check_char");
    char p[256];
    struct cospin_char_table *t = NULL;
    struct cospin_error e = {0};
    snprintf(p, sizeof p, "%s/fit.csv", dir);
    /* Comments before the header and between rows, columns reordered, an extra column. */
    write_file(p, "# neuron table written by hand\n"
                  "status,c_ua,note,k_per_ua,ku_j_per_m3,width_s\n"
                  "# the 10 ns row\n"
                  "ok,13.5,a,1.3,1.1e6,1e-08\n"
                  "\n"
                  "all-zero,nan,b,nan,1.1e6,2e-08\n");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), 0);
    ck_assert_int_eq(t->nfits, 2);
    ck_assert_double_eq(t->fits[0].width_s, 1e-8);
    ck_assert_double_eq(t->fits[0].fit.k, 1.3);
    ck_assert_double_eq(t->fits[0].fit.c, 13.5);
    ck_assert(isnan(t->fits[0].fit.k_err)); /* no k_err column */
    ck_assert_int_eq(t->fits[0].line, 4);
    ck_assert_int_eq(t->fits[1].fit.status, COSPIN_FIT_ALL_ZERO);
    cospin_char_table_free(t);
    /* A torn last line (fewer fields than the header, no newline): an error at its line. */
    write_file(p, "width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status\n"
                  "1e-08,1.1e6,1.3,0.1,13.5,0.2,ok\n"
                  "2e-08,1.1e6,1.7");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_int_eq(e.line, 3);
    ck_assert_ptr_nonnull(strstr(e.msg, "column 'k_err' is missing"));
    /* The same row with its newline: the same error. */
    memset(&e, 0, sizeof e);
    write_file(p, "width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status\n"
                  "2e-08,1.1e6,1.7\n"
                  "1e-08,1.1e6,1.3,0.1,13.5,0.2,ok\n");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_int_eq(e.line, 2);
    /* A missing column is named; a width that is not > 0 is invalid. */
    memset(&e, 0, sizeof e);
    write_file(p, "width_s,ku_j_per_m3,k_per_ua\n1e-08,1.1e6,1.3\n");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(e.msg, "'c_ua'"));
    memset(&e, 0, sizeof e);
    write_file(p, "width_s,ku_j_per_m3,k_per_ua,c_ua\n0,1.1e6,1.3,13\n");
    ck_assert_int_eq(cospin_char_read_fit_csv(p, &t, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "column 'width_s'"));
    ck_rm_rf(dir);
}
END_TEST

/* Run the CLI; returns its exit status, stderr into errbuf. */
static int run_cli(const char *args, char *errbuf, size_t n)
{
    const char *cospin = getenv("COSPIN");
    if (!cospin)
        cospin = "src/cospin";
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s characterize %s 2>&1 >/dev/null", cospin, args);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(errbuf, 1, n - 1, f);
    errbuf[len] = 0;
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli_errors)
{
    char msg[4096];
    /* --width is the old name of --pulse-width: the message names the option. */
    ck_assert_int_eq(run_cli("--width 1x --current 1u --out /tmp/x", msg, sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "--pulse-width"));
    ck_assert_int_eq(run_cli("--pulse-width 1x --current 1u --out /tmp/x", msg, sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "--pulse-width"));
    /* Unphysical device values: the option, its range (usage errors), or the
       library's check naming the field and the range (invalid value, 3). */
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --polarization 1", msg,
                             sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "--polarization: '1' is out of range: must be in (0, 1)"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --alpha 0", msg, sizeof msg),
                     2);
    ck_assert_ptr_nonnull(strstr(msg, "--alpha"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --fl-thickness -1n", msg,
                             sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "--fl-thickness"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --temperature -1", msg,
                             sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "--temperature"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --demag thin-film --ku 0.9meg",
                             msg, sizeof msg), 3);
    ck_assert_ptr_nonnull(strstr(msg, "ku = 900000 J/m^3 is not above the demagnetising energy"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --device "
                             COSPIN_TEST_SRCDIR "/data/mtj_bad_pol.xml", msg, sizeof msg), 3);
    ck_assert_ptr_nonnull(strstr(msg, "mtj_bad_pol.xml:4: <mtj polarization=\"1\">: polarization"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u", msg, sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "required"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --demag round", msg, sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "prism|thin-film"));
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --trials 0", msg, sizeof msg), 2);
    ck_assert_int_eq(run_cli("--width 10n --current 1u --out /tmp/x --vctrl 1", msg, sizeof msg), 2);
    ck_assert_ptr_nonnull(strstr(msg, "--ku-per-volt"));
    ck_assert_int_eq(run_cli("--target-k 2 --c 11 --table /nonexistent/fit.csv", msg, sizeof msg), 4);
    ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/fit.csv"));
    ck_assert_int_eq(run_cli("--target-k 2", msg, sizeof msg), 2);
    ck_assert_int_eq(run_cli("--help", msg, sizeof msg), 0);
}
END_TEST

START_TEST(test_cli_interrupt_resume)
{
    /* Start a run of 8 points x 200 trials of 200 ns (~0.4 s each), wait for the first
       finished point in psw.csv, send SIGINT: exit code 6, the finished
       points kept; rerunning the same command resumes and completes. */
    const char *cospin = getenv("COSPIN");
    if (!cospin)
        cospin = "src/cospin";
    char *dir = ck_tmpdir("check_char");
    char psw[256];
    snprintf(psw, sizeof psw, "%s/psw.csv", dir);
    char *args[] = {(char *)cospin, "-q", "characterize", "--width", "200n", "--current",
                    "6u:34u:4u", "--trials", "200", "--relax", "2n", "--threads", "1",
                    "--out", dir, NULL};
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", 1);
        dup2(fd, 1);
        execv(cospin, args);
        _exit(127);
    }
    int lines = 0;
    for (int i = 0; i < 3000 && lines < 2; i++) {   /* up to 30 s */
        usleep(10000);
        lines = count_lines(psw);
    }
    ck_assert_int_ge(lines, 2);
    kill(pid, SIGINT);
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st));
    int kept = count_lines(psw) - 1;
    if (kept < 8) {
        ck_assert_int_eq(WEXITSTATUS(st), 6);
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "%s -q characterize --width 200n --current 6u:34u:4u --trials 200 --relax 2n "
                 "--threads 1 --out %s >/dev/null",
                 cospin, dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    ck_assert_int_ge(kept, 1);
    ck_assert_int_eq(count_lines(psw), 9);
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_fast_vs_ngspice)
{
    /* The same 3 points through both engines, 60 trials each: 10 ns pulse,
       2 ns relaxation, 12/17/22 uA (P_sw ~ 0.1 / 0.5 / 0.9 on the fast
       path).  The engines use different random streams, so the counts are
       independent binomials with (if the physics agrees) the same p: the
       two-proportion z statistic |p1 - p2| / sqrt(pbar (1 - pbar) 2/N) must
       stay below 4 at every point (false alarm ~6e-5 per point; pbar is
       clipped to [1/N, 1 - 1/N]).  A polarity or unit error (p ~ 0 against
       ~1) would give z ~ 8.  Needs the build-tree cospin.cm (COSPIN_CM). */
    const double i3[3] = {12e-6, 17e-6, 22e-6};
    struct cospin_char_grid g = {W10, 1, NULL, 0, i3, 3};
    struct cospin_char_opts f, n;
    small_opts(&f, 60);
    small_opts(&n, 60);
    n.engine = COSPIN_CHAR_NGSPICE;
    n.instances_per_netlist = 30;
    n.pool_workers = 2;
    n.codemodel_path = getenv("COSPIN_CM");
    struct cospin_char_table *tf, *tn;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_char_run(&f, &g, &tf, &e), 0);
    ck_assert_msg(cospin_char_run(&n, &g, &tn, &e) == 0, "ngspice path: %s", e.msg);
    ck_assert_int_eq(tn->npoints, 3);
    for (size_t i = 0; i < 3; i++) {
        double p1 = tf->points[i].switched / 60.0, p2 = tn->points[i].switched / 60.0;
        double pb = fmin(fmax(0.5 * (p1 + p2), 1.0 / 60), 1 - 1.0 / 60);
        double z = fabs(p1 - p2) / sqrt(pb * (1 - pb) * 2.0 / 60);
        ck_assert_msg(z < 4, "I = %g A: fast %g vs ngspice %g (z = %.2f)", i3[i], p1, p2, z);
    }
    /* Both see the transition: low at 12 uA, high at 22 uA. */
    ck_assert(tn->points[0].switched < 30 && tn->points[2].switched > 30);
    cospin_char_table_free(tf);
    cospin_char_table_free(tn);
}
END_TEST

/* Run `cospin run FILE --out DIR`; exit status, stderr into msg. */
static int run_experiment(const char *xml, const char *dir, char *msg, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/exp.xml", dir);
    write_file(path, xml);
    const char *cospin = getenv("COSPIN");
    if (!cospin)
        cospin = "src/cospin";
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -q run %s --out %s/out 2>&1 >/dev/null", cospin, path, dir);
    FILE *f = popen(cmd, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(msg, 1, n - 1, f);
    msg[len] = 0;
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_experiment_file)
{
    /* A small grid through `cospin run`: every output file appears and
       fit.xml is well-formed XML with one <curve> per (width, Ku). */
    char *dir = ck_tmpdir("check_char");
    char msg[4096], path[512];
    const char *good =
        "<experiment type=\"characterize\">\n"
        "  <device demag=\"prism\" stt=\"constant\"/>\n"
        "  <sweep widths=\"10n,20n\" kus=\"1.1meg,1.2meg\" currents=\"4u:34u:6u\" trials=\"10\"\n"
        "         relax=\"2n\" threads=\"2\"/>\n"
        "</experiment>\n";
    ck_assert_msg(run_experiment(good, dir, msg, sizeof msg) == 0, "%s", msg);
    const char *files[] = {"psw.csv", "fit.csv", "fit.xml", "psw.svg", "run.txt"};
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/out/%s", dir, files[i]);
        ck_assert_msg(access(path, R_OK) == 0, "missing %s", path);
    }
    snprintf(path, sizeof path, "%s/out/psw.csv", dir);
    ck_assert_int_eq(count_lines(path), 1 + 2 * 2 * 6);
    snprintf(path, sizeof path, "%s/out/fit.xml", dir);
    struct cospin_xml_doc *cfg = NULL;
    struct cospin_error e = {0};
    ck_assert_msg(cospin_xml_load_with(path, NULL, &cfg, &e) == 0, "%s", e.msg);
    const struct cospin_xml_node *root = cospin_xml_root(cfg);
    ck_assert_str_eq(cospin_xml_name(root), "neuron-table");
    ck_assert_int_eq(cospin_xml_count(root, "curve"), 4);
    ck_assert_int_eq(cospin_xml_count(cospin_xml_child(root, "curve"), "point"), 6);
    cospin_xml_free(cfg);
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_experiment_errors)
{
    char *dir = ck_tmpdir("check_char");
    char msg[4096];
    /* A bad number: exit 3, the file, the line and the attribute named. */
    ck_assert_int_eq(run_experiment("<experiment type=\"characterize\">\n"
                                    "  <sweep widths=\"10x\" currents=\"1u\"/>\n"
                                    "</experiment>\n",
                                    dir, msg, sizeof msg),
                     3);
    ck_assert_msg(strstr(msg, "exp.xml:2") && strstr(msg, "widths"), "%s", msg);
    /* Control voltages without a coefficient. */
    ck_assert_int_eq(run_experiment("<experiment type=\"characterize\">\n"
                                    "  <sweep widths=\"10n\" currents=\"1u\" vctrl=\"0,1\"/>\n"
                                    "</experiment>\n",
                                    dir, msg, sizeof msg),
                     3);
    ck_assert_msg(strstr(msg, "ku-per-volt"), "%s", msg);
    /* A schema violation: an unknown attribute. */
    ck_assert_int_eq(run_experiment("<experiment type=\"characterize\">\n"
                                    "  <sweep widths=\"10n\" currents=\"1u\" trails=\"5\"/>\n"
                                    "</experiment>\n",
                                    dir, msg, sizeof msg),
                     3);
    ck_assert_msg(strstr(msg, "trails"), "%s", msg);
    /* A bad device value: validated with the element's line. */
    ck_assert_int_eq(run_experiment("<experiment type=\"characterize\">\n"
                                    "  <device alpha=\"-1\"/>\n"
                                    "  <sweep widths=\"10n\" currents=\"1u\"/>\n"
                                    "</experiment>\n",
                                    dir, msg, sizeof msg),
                     3);
    ck_assert_msg(strstr(msg, "exp.xml:2") && strstr(msg, "alpha"), "%s", msg);
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_not_rising)
{
    /* A curve that falls with I fits with k < 0 and is flagged, so that the
       neuron table's consumers skip it; a rising one stays ok. */
    struct cospin_char_table t = {0};
    struct cospin_char_point pts[8];
    const long fall[4] = {30, 22, 12, 4}, rise[4] = {4, 12, 22, 30};
    for (int i = 0; i < 4; i++) {
        pts[i] = (struct cospin_char_point){.width_s = 10e-9, .ku_j_per_m3 = 1.1e6,
                                            .current_a = (10 + i) * 1e-6, .trials = 32,
                                            .switched = fall[i]};
        pts[4 + i] = (struct cospin_char_point){.width_s = 20e-9, .ku_j_per_m3 = 1.1e6,
                                                .current_a = (10 + i) * 1e-6, .trials = 32,
                                                .switched = rise[i]};
    }
    t.points = pts;
    t.npoints = 8;
    ck_assert_int_eq(cospin_char_fit_all(&t), 0);
    ck_assert_int_eq(t.nfits, 2);
    ck_assert_int_eq(t.fits[0].fit.status, COSPIN_FIT_NOT_RISING);
    ck_assert(t.fits[0].fit.k < 0);
    ck_assert_int_eq(t.fits[1].fit.status, COSPIN_FIT_OK);
    ck_assert_str_eq(cospin_fit_status_name(COSPIN_FIT_NOT_RISING), "not-rising");
    free(t.fits);
}
END_TEST

static Suite *suite_characterize(void)
{
    Suite *s = suite_create("characterize");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_monotone);
    tcase_add_test(tc, test_thread_independence);
    tcase_add_test(tc, test_resume_and_files);
    tcase_add_test(tc, test_resume_verified_rows);
    tcase_add_test(tc, test_design);
    tcase_add_test(tc, test_svg_styles);
    tcase_add_test(tc, test_cli_interrupt_resume);
    tcase_add_test(tc, test_fast_vs_ngspice);
    tcase_add_test(tc, test_experiment_file);
    /* The interrupt test runs ~3 s of trials twice on a shared machine. */
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_bad_options);
    tcase_add_test(te, test_bad_files);
    tcase_add_test(te, test_fit_csv_rules);
    tcase_add_test(te, test_cli_errors);
    tcase_add_test(te, test_experiment_errors);
    tcase_add_test(te, test_not_rising);
    tcase_add_test(te, test_design_nan_rows);
    tcase_add_test(te, test_estimate_refused);
    tcase_set_timeout(te, 120);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_characterize)
