/*
 * check_char_fp.c -- the Fokker-Planck engine of the characterisation:
 * its files and their conventions (trials = switched = 0, p_sw, zero fit
 * errors), resume, the on-demand setting, cross-validation against the
 * LLGS Monte Carlo through the characterisation API, the designer's inverse
 * refined by the engine (three significant digits), a fine table for the
 * device-aware training, and the refusals.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "characterize.h"
#include "check_util.h"
#include "fokker_planck.h"
#include "neuron_map.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void fp_opts(struct cospin_char_opts *o)
{
    cospin_char_opts_default(o);
    o->engine = COSPIN_CHAR_FOKKER_PLANCK;
    o->relax_s = 5e-9;
}

/* 30 ns, prism defaults: 6..20 uA covers P_sw ~ 2e-4 .. 0.9999. */
static const double W2[2] = {30e-9, 200e-9};
static const double I8[8] = {6e-6, 8e-6, 10e-6, 12e-6, 14e-6, 16e-6, 18e-6, 20e-6};

START_TEST(test_points_and_files)
{
    /* The points are the engine's P_sw exactly (cospin_fp_curve on the
       same device), with trials = switched = 0; the fits are
       cospin_fit_logistic_prob of them; the files say so. */
    char *dir = ck_tmpdir("check_char_fp");
    struct cospin_char_opts o;
    fp_opts(&o);
    o.out_dir = dir;
    struct cospin_char_grid g = {W2, 2, NULL, 0, I8, 8};
    struct cospin_char_table *t = NULL;
    struct cospin_error e = {0};
    ck_assert_msg(cospin_char_run(&o, &g, &t, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(t->npoints, 16);
    ck_assert_int_eq(t->nfits, 2);
    struct cospin_fp *fp = NULL;
    ck_assert_int_eq(cospin_fp_new(&o.device, NULL, &fp, NULL), 0);
    for (int w = 0; w < 2; w++) {
        double p[8], x[8];
        ck_assert_int_eq(cospin_fp_curve(fp, I8, 8, W2[w], o.relax_s, p, NULL), 0);
        for (int i = 0; i < 8; i++) {
            const struct cospin_char_point *q = &t->points[8 * w + i];
            ck_assert(q->trials == 0 && q->switched == 0);
            ck_assert(q->p_sw == p[i]);
            ck_assert(cospin_char_point_psw(q) == p[i]);
            x[i] = I8[i] * 1e6;
        }
        struct cospin_fit_result f;
        ck_assert_int_eq(cospin_fit_logistic_prob(x, p, 8, COSPIN_CHAR_FP_PROB_TOL, &f, NULL), 0);
        ck_assert(t->fits[w].fit.k == f.k && t->fits[w].fit.c == f.c);
        ck_assert(t->fits[w].fit.k_err == 0 && t->fits[w].fit.c_err == 0);
    }
    cospin_fp_free(fp);
    /* Longer pulse: steeper and at lower current (thesis Fig. 3.6). */
    ck_assert(t->fits[1].fit.k > t->fits[0].fit.k && t->fits[1].fit.c < t->fits[0].fit.c);
    char path[256];
    snprintf(path, sizeof path, "%s/psw.csv", dir);
    char *psw = slurp(path);
    ck_assert_msg(strstr(psw, "\n3e-08,6e-06,0,0,") != NULL, "%s", psw);
    snprintf(path, sizeof path, "%s/fit.csv", dir);
    ck_assert_ptr_nonnull(strstr(slurp(path), ",0,ok\n"));
    snprintf(path, sizeof path, "%s/run.txt", dir);
    char *run = slurp(path);
    ck_assert(strstr(run, "engine=fokker-planck\n") && strstr(run, "seed=0\ntrials=0\n") &&
              strstr(run, "fp_cells=128\n"));
    snprintf(path, sizeof path, "%s/fit.xml", dir);
    ck_assert_ptr_nonnull(strstr(slurp(path), "trials=\"0\" switched=\"0\" p-sw=\""));
    snprintf(path, sizeof path, "%s/psw.svg", dir);
    ck_assert_int_eq(access(path, R_OK), 0);
    /* psw.csv reads back to the same probabilities (12 digits). */
    struct cospin_char_table *r = NULL;
    snprintf(path, sizeof path, "%s/psw.csv", dir);
    ck_assert_int_eq(cospin_char_read_psw_csv(path, 0, &r, NULL), 0);
    ck_assert_int_eq(r->npoints, 16);
    for (size_t i = 0; i < 16; i++) {
        ck_assert_int_eq(r->points[i].trials, 0);
        ck_assert_close(r->points[i].p_sw, t->points[i].p_sw, 1e-12);
    }
    cospin_char_table_free(r);
    cospin_char_table_free(t);
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_resume)
{
    /* A run on part of the grid, then the whole grid in the same directory:
       the finished points are reused (trials and seed do not matter to a
       deterministic engine, so changing them still resumes), and the
       result equals a fresh run of the whole grid to the 12 digits
       psw.csv keeps.  A stop request before any work keeps the files;
       another engine in the directory is refused. */
    char *dir = ck_tmpdir("check_char_fp");
    struct cospin_char_opts o;
    fp_opts(&o);
    o.out_dir = dir;
    struct cospin_char_grid g1 = {W2, 1, NULL, 0, I8, 4};
    struct cospin_char_grid g2 = {W2, 2, NULL, 0, I8, 8};
    struct cospin_char_table *t1 = NULL, *t2 = NULL, *tf = NULL;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_char_run(&o, &g1, &t1, &e), 0);
    o.trials = 7;
    o.seed = 99;
    ck_assert_msg(cospin_char_run(&o, &g2, &t2, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(t2->nresumed, 4);
    ck_assert_int_eq(t2->npoints, 16);
    struct cospin_char_opts of = o;
    of.out_dir = NULL;
    ck_assert_int_eq(cospin_char_run(&of, &g2, &tf, &e), 0);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_rel(t2->fits[i].fit.k, tf->fits[i].fit.k, 1e-9);
        ck_assert_rel(t2->fits[i].fit.c, tf->fits[i].fit.c, 1e-9);
    }
    volatile sig_atomic_t stop = 1;
    o.stop = &stop;
    const double inew[1] = {7e-6};
    struct cospin_char_grid g3 = {W2, 1, NULL, 0, inew, 1};
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &g3, NULL, &e), COSPIN_ERR_INTERRUPTED);
    ck_assert_ptr_nonnull(strstr(e.msg, "resume"));
    o.stop = NULL;
    o.engine = COSPIN_CHAR_FAST;
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_char_run(&o, &g1, NULL, &e), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(e.msg, "other settings"));
    cospin_char_table_free(t1);
    cospin_char_table_free(t2);
    cospin_char_table_free(tf);
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_setting_on_demand)
{
    /* cospin_char_fp_setting is the grid run's row for one setting; a
       curve that never switches in its range is flagged, not fitted. */
    struct cospin_char_opts o;
    fp_opts(&o);
    const double ku[1] = {1.15e6};
    struct cospin_char_grid g = {W2 + 1, 1, ku, 1, I8, 8};
    struct cospin_char_table *t = NULL;
    ck_assert_int_eq(cospin_char_run(&o, &g, &t, NULL), 0);
    struct cospin_fit_result f;
    double p[8];
    ck_assert_int_eq(cospin_char_fp_setting(&o, W2[1], ku[0], I8, 8, &f, p, NULL), 0);
    ck_assert(f.status == COSPIN_FIT_OK && f.k == t->fits[0].fit.k && f.c == t->fits[0].fit.c);
    ck_assert(p[7] == t->points[7].p_sw);
    const double low[3] = {1e-6, 2e-6, 3e-6};
    ck_assert_int_eq(cospin_char_fp_setting(&o, 10e-9, 1.21e6, low, 3, &f, NULL, NULL), 0);
    ck_assert_int_eq(f.status, COSPIN_FIT_ALL_ZERO);
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_char_fp_setting(&o, -1, 1.1e6, low, 3, &f, NULL, &e),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_char_fp_setting(&o, 1e-8, 1.1e6, NULL, 3, &f, NULL, NULL),
                     COSPIN_ERR_INVALID);
    cospin_char_table_free(t);
}
END_TEST

/* The current (A) where the engine's P_sw crosses target (scan + linear interpolation). */
static double current_at(const struct cospin_char_opts *o, double ku, double width_s,
                         double target)
{
    enum { NS = 161 };
    double cur[NS], p[NS];
    struct cospin_mtj_params dev = o->device;
    dev.ku_j_per_m3 = ku;
    double ic = cospin_mtj_icrit_a(&dev);
    for (int i = 0; i < NS; i++)
        cur[i] = 2.0 * ic * i / (NS - 1);
    struct cospin_fp *fp = NULL;
    ck_assert_int_eq(cospin_fp_new(&dev, &o->fp, &fp, NULL), 0);
    ck_assert_int_eq(cospin_fp_curve(fp, cur, NS, width_s, o->relax_s, p, NULL), 0);
    cospin_fp_free(fp);
    for (int i = 1; i < NS; i++)
        if (p[i - 1] < target && p[i] >= target)
            return cur[i - 1] + (cur[i] - cur[i - 1]) * (target - p[i - 1]) / (p[i] - p[i - 1]);
    ck_abort_msg("P_sw does not cross %g below 2 I_c", target);
    return NAN;
}

/*
 * The engine against the LLGS Monte Carlo, both through cospin_char_run:
 * thin-film device (its RK4 error at dt = 5 ps is negligible, w dt = 0.15;
 * the step is set so that a change of the default cannot slow this test),
 * relaxation 5 ns, widths 5 and 20 ns x Ku 1.1e6 and 1.21e6 J/m^3 (7.5 and
 * 15.3 kBT) x, per (width, Ku), the three currents where the engine gives
 * P_sw = 0.2, 0.5, 0.8 (every point in the informative part of the curve):
 * 12 points, N = 4000 Monte Carlo trials each (fast engine, seed 7).
 * Each point passes if |P_MC - P_FP| <= 3 sd, sd = sqrt(P_FP (1 - P_FP) / N)
 * (>= 0.0063; the engine is converged to ~1e-3 there).  With the engine
 * right each point fails with probability 0.27 % (normal approximation,
 * N P (1 - P) >= 640), so for a random seed the test fails falsely with
 * probability <= 12 x 0.27 % = 3.2 % (Bonferroni); the seed is fixed, so
 * the outcome is reproducible.  The fits must agree too: |dk|, |dc| within
 * 4 of the Monte Carlo fit's standard errors.  Cost: 12 x 4000 trials of
 * 2000-5000 steps, 1.7e8 trial-steps, about 5 s.
 */
START_TEST(test_against_monte_carlo)
{
    const long n = 4000;
    const double widths[2] = {5e-9, 20e-9}, kus[2] = {1.1e6, 1.21e6}, targets[3] = {0.2, 0.5, 0.8};
    struct cospin_char_opts fo, mo;
    fp_opts(&fo);
    fo.device.demag = COSPIN_DEMAG_THIN_FILM;
    fo.device.dt_s = 5e-12;
    mo = fo;
    mo.engine = COSPIN_CHAR_FAST;
    mo.trials = n;
    mo.seed = 7;
    mo.threads = 2;
    double zmax = 0;
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < 2; k++) {
            double cur[3];
            for (int q = 0; q < 3; q++)
                cur[q] = current_at(&fo, kus[k], widths[w], targets[q]);
            struct cospin_char_grid g = {&widths[w], 1, &kus[k], 1, cur, 3};
            struct cospin_char_table *tf = NULL, *tm = NULL;
            struct cospin_error e = {0};
            ck_assert_msg(cospin_char_run(&fo, &g, &tf, &e) == 0, "%s", e.msg);
            ck_assert_msg(cospin_char_run(&mo, &g, &tm, &e) == 0, "%s", e.msg);
            for (int q = 0; q < 3; q++) {
                double pf = cospin_char_point_psw(&tf->points[q]);
                double pm = cospin_char_point_psw(&tm->points[q]);
                ck_assert_int_eq(tm->points[q].trials, n);
                double z = (pm - pf) / sqrt(pf * (1 - pf) / (double)n);
                zmax = fmax(zmax, fabs(z));
                ck_assert_msg(fabs(z) <= 3.0,
                              "%g ns, Ku %g, %.3f uA: P_FP %.4f, P_MC %.4f (%ld trials): %.2f sd",
                              widths[w] * 1e9, kus[k], cur[q] * 1e6, pf, pm, n, z);
            }
            const struct cospin_fit_result *ff = &tf->fits[0].fit, *fm = &tm->fits[0].fit;
            ck_assert(ff->status == COSPIN_FIT_OK && fm->status == COSPIN_FIT_OK);
            ck_assert_msg(fabs(ff->k - fm->k) <= 4 * fm->k_err && fabs(ff->c - fm->c) <= 4 * fm->c_err,
                          "fits: FP k %g c %g, MC k %g +- %g c %g +- %g", ff->k, ff->c, fm->k,
                          fm->k_err, fm->c, fm->c_err);
            cospin_char_table_free(tf);
            cospin_char_table_free(tm);
        }
    fprintf(stderr, "check_char_fp: FP vs MC, 12 points, largest |z| = %.2f\n", zmax);
}
END_TEST

/* The table of thesis Fig. 3.15/3.16 (4 widths x 3 Ku, 4..36 uA) by the engine. */
static struct cospin_char_table *fig315_table(const struct cospin_char_opts *o, double *cur,
                                              size_t *ncur)
{
    static const double w[4] = {10e-9, 30e-9, 100e-9, 200e-9}, ku[3] = {1.1e6, 1.15e6, 1.21e6};
    *ncur = 33;
    for (size_t i = 0; i < *ncur; i++)
        cur[i] = (4.0 + (double)i) * 1e-6;
    struct cospin_char_grid g = {w, 4, ku, 3, cur, *ncur};
    struct cospin_char_table *t = NULL;
    struct cospin_error e = {0};
    ck_assert_msg(cospin_char_run(o, &g, &t, &e) == 0, "%s", e.msg);
    return t;
}

START_TEST(test_design_three_digits)
{
    /* The inverse refined by the engine, on the coarse table of Fig.
       3.15/3.16 (the bilinear inverse is off by up to ~1 % there): each
       returned (width, Ku), characterised again through cospin_char_run at
       the table's currents, gives the wanted k and c to three significant
       digits (relative 5e-4; the refinement converges to ~1e-5, limited by
       the width's rounding to the 5 ps LLGS step). */
    struct cospin_char_opts o;
    fp_opts(&o);
    o.relax_s = COSPIN_CHAR_DEFAULT_RELAX_S;
    double cur[33];
    size_t nc;
    struct cospin_char_table *t = fig315_table(&o, cur, &nc);
    const double ks[3] = {1.1, 1.2, 1.3}, c = 13.0;
    for (int q = 0; q < 3; q++) {
        struct cospin_char_design sol[4];
        size_t ns = 0;
        struct cospin_error e = {0};
        ck_assert_msg(cospin_char_design_kc_fp(&o, cur, nc, t, ks[q], c, 5e-4, sol, 4, &ns, &e) == 0,
                      "%s", e.msg);
        ck_assert_int_ge(ns, 1);
        struct cospin_char_grid g = {&sol[0].width_s, 1, &sol[0].ku_j_per_m3, 1, cur, nc};
        struct cospin_char_table *back = NULL;
        ck_assert_int_eq(cospin_char_run(&o, &g, &back, &e), 0);
        ck_assert_rel(back->fits[0].fit.k, ks[q], 5e-4);
        ck_assert_rel(back->fits[0].fit.c, c, 5e-4);
        ck_assert_rel(sol[0].k_per_ua, back->fits[0].fit.k, 1e-9);
        ck_assert(sol[0].residual <= 5e-4);
        cospin_char_table_free(back);
    }
    /* Out of reach: the nearest setting, and an error. */
    struct cospin_char_design sol[4];
    size_t ns = 0;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_char_design_kc_fp(&o, cur, nc, t, 3.0, 13.0, 5e-4, sol, 4, &ns, &e),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(ns, 1);
    ck_assert_ptr_nonnull(strstr(e.msg, "nearest"));
    ck_assert_int_eq(cospin_char_design_kc_fp(&o, cur, 1, t, 1.2, 13.0, 5e-4, sol, 4, &ns, NULL),
                     COSPIN_ERR_INVALID);
    cospin_char_table_free(t);
}
END_TEST

START_TEST(test_fine_table_for_training)
{
    /* A fine table from the engine (8 widths x 13 Ku values, 3432 points in
       about a second) read as the device-aware training reads it
       (cospin_neuron_map_load, width + Ku mode, c held at 13 uA while k
       moves): the settings the map realises for k = 1.0 ... 1.35 /uA, fed
       back into the engine, hold c within 0.25 % and give the map's k
       within 0.2 % (measured: 0.16 % and 0.11 %), where the 4 x 3 table of
       Fig. 3.15/3.16 misses by up to 1 % in c and 1.5 % in k (the map
       interpolates linearly between table rows). */
    char *dir = ck_tmpdir("check_char_fp");
    struct cospin_char_opts o;
    fp_opts(&o);
    o.relax_s = COSPIN_CHAR_DEFAULT_RELAX_S;
    o.out_dir = dir;
    double w[8], ku[13], cur[33];
    for (int i = 0; i < 8; i++)
        w[i] = 10e-9 * pow(20.0, i / 7.0);
    for (int i = 0; i < 13; i++)
        ku[i] = 1.09e6 + 0.01e6 * i;
    for (int i = 0; i < 33; i++)
        cur[i] = (4.0 + i) * 1e-6;
    struct cospin_char_grid g = {w, 8, ku, 13, cur, 33};
    struct cospin_error e = {0};
    ck_assert_msg(cospin_char_run(&o, &g, NULL, &e) == 0, "%s", e.msg);
    char path[256];
    snprintf(path, sizeof path, "%s/fit.csv", dir);
    struct cospin_neuron_map_opts mo;
    cospin_neuron_map_opts_init(&mo);
    mo.c_hold_ua = 13.0;
    struct cospin_neuron_map *m = NULL;
    ck_assert_msg(cospin_neuron_map_load(path, &mo, &m, &e) == 0, "%s", e.msg);
    ck_assert(m->k_min < 1.0 && m->k_max > 1.35);
    for (int q = 0; q < 8; q++) {
        double k = 1.0 + 0.05 * q, wq, kuq;
        double kr = cospin_neuron_map_realise(m, k, NULL, &wq, &kuq);
        struct cospin_fit_result f;
        ck_assert_int_eq(cospin_char_fp_setting(&o, wq, kuq, cur, 33, &f, NULL, NULL), 0);
        ck_assert_rel(f.c, 13.0, 2.5e-3);
        ck_assert_rel(f.k, kr, 2e-3);
    }
    cospin_neuron_map_free(m);
    ck_rm_rf(dir);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------- */

START_TEST(test_refusals)
{
    /* Devices the engine cannot represent are refused before any work, no
       directory is created, and the message names the reason and the Monte
       Carlo engines; so is a characterisation CLI run. */
    char *dir = ck_tmpdir("check_char_fp");
    char out[300];
    snprintf(out, sizeof out, "%s/out", dir);
    struct cospin_char_opts o;
    fp_opts(&o);
    o.out_dir = out;
    struct cospin_char_grid g = {W2, 1, NULL, 0, I8, 8};
    struct {
        const char *what;
        int field;
    } cases[] = {{"axially symmetric", 0}, {"spin-orbit", 1}, {"thermal field", 2}};
    for (int i = 0; i < 3; i++) {
        fp_opts(&o);
        o.out_dir = out;
        if (cases[i].field == 0)
            o.device.length_m = 20e-9;
        else if (cases[i].field == 1)
            o.device.torque = COSPIN_TORQUE_SOT;
        else
            o.device.temperature_k = 0;
        struct cospin_error e = {0};
        ck_assert_int_eq(cospin_char_run(&o, &g, NULL, &e), COSPIN_ERR_INVALID);
        ck_assert_msg(strstr(e.msg, cases[i].what) && strstr(e.msg, "engine fast") &&
                          strstr(e.msg, "fokker-planck"),
                      "'%s'", e.msg);
        ck_assert_int_eq(access(out, F_OK), -1);
        struct cospin_fit_result f;
        ck_assert_int_eq(cospin_char_fp_setting(&o, 1e-8, 1.1e6, I8, 8, &f, NULL, NULL),
                         COSPIN_ERR_INVALID);
    }
    const char *cospin = getenv("COSPIN");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s characterize --engine fokker-planck --temperature 0 --width 30n "
             "--current 6u:20u:1u --out %s 2>&1",
             cospin ? cospin : "src/cospin", out);
    FILE *p = popen(cmd, "r");
    char msg[1024] = "";
    size_t len = fread(msg, 1, sizeof msg - 1, p);
    msg[len] = 0;
    ck_assert_int_eq(WEXITSTATUS(pclose(p)), 3);
    ck_assert_msg(strstr(msg, "fokker-planck engine cannot run") && strstr(msg, "engine fast"),
                  "%s", msg);
    ck_assert_str_eq(cospin_char_engine_name(COSPIN_CHAR_FOKKER_PLANCK), "fokker-planck");
    ck_assert_ptr_null(cospin_char_engine_name((enum cospin_char_engine)7));
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_psw_csv_rows)
{
    /* psw.csv rows with 0 trials are a deterministic engine's points: they
       need switched = 0 and p_sw in [0, 1]. */
    char *dir = ck_tmpdir("check_char_fp");
    char path[256];
    snprintf(path, sizeof path, "%s/psw.csv", dir);
    const char *bad[] = {
        "width_s,current_a,trials,switched,p_sw\n1e-8,1e-5,0,0,1.5\n",
        "width_s,current_a,trials,switched,p_sw\n1e-8,1e-5,0,1,0.5\n",
        "width_s,current_a,trials,switched\n1e-8,1e-5,0,0\n",
    };
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(path, "w");
        fputs(bad[i], f);
        fclose(f);
        struct cospin_char_table *t = NULL;
        struct cospin_error e = {0};
        ck_assert_int_eq(cospin_char_read_psw_csv(path, 1.1e6, &t, &e), COSPIN_ERR_PARSE);
        /* (switched > trials is caught by the general row check) */
        ck_assert_msg((i == 1 || strstr(e.msg, "0 trials")) && e.line == 2, "%s (line %d)", e.msg,
                      e.line);
    }
    FILE *f = fopen(path, "w");
    fputs("width_s,current_a,trials,switched,p_sw\n1e-8,1e-5,0,0,0.25\n1e-8,2e-5,10,5,0.5\n", f);
    fclose(f);
    struct cospin_char_table *t = NULL;
    ck_assert_int_eq(cospin_char_read_psw_csv(path, 1.1e6, &t, NULL), 0);
    ck_assert(cospin_char_point_psw(&t->points[0]) == 0.25);
    ck_assert(cospin_char_point_psw(&t->points[1]) == 0.5);
    cospin_char_table_free(t);
    ck_rm_rf(dir);
}
END_TEST

static Suite *suite_char_fp(void)
{
    Suite *s = suite_create("char_fp");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_points_and_files);
    tcase_add_test(tc, test_resume);
    tcase_add_test(tc, test_setting_on_demand);
    tcase_add_test(tc, test_design_three_digits);
    tcase_add_test(tc, test_fine_table_for_training);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    TCase *mc = tcase_create("monte-carlo");
    tcase_add_test(mc, test_against_monte_carlo);
    tcase_set_timeout(mc, 300);
    suite_add_tcase(s, mc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_refusals);
    tcase_add_test(te, test_psw_csv_rows);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_char_fp)
