/*
 * bench_char_fp.c -- cost of one characterisation curve through the
 * characterisation API (cospin_char_run: validation, the device, the
 * engine, the fit): the Fokker-Planck engine against the LLGS Monte Carlo
 * (fast engine, one thread, 100 trials per point, the thesis's count).
 *
 * Curve: thesis defaults (prism demag, eta = P, 300 K), 15 currents from 8
 * to 22 uA, 30 ns pulse, 10 ns relaxation; then the same at 200 ns.
 * Prints CPU seconds per curve (the machine is shared: CPU time is the
 * stable figure; the Fokker-Planck time is the best of 20 runs), the
 * speed-up (target: >= 1000), and both fits.  Then the grid of thesis
 * Fig. 3.15/3.16 (4 widths x 3 Ku x 33 currents) with the Fokker-Planck
 * engine and the inverse k = 1.2 /uA at c = 13 uA answered by it.
 * Usage: bench_char_fp [--quick]   (--quick: the 30 ns curve only)
 * Exit status 1 if a speed-up is below 1000.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "characterize.h"
#include "log.h"

#define NCUR 15
#define MC_TRIALS 100
#define TARGET_SPEEDUP 1000.0

/* CPU seconds of cospin_char_run of g (best of reps); the fit into *fit. */
static double run_cpu_s(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                        int reps, struct cospin_fit_result *fit)
{
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        struct cospin_char_table *t = NULL;
        struct cospin_error err = {0};
        double c0 = cospin_cpu_s();
        int rc = cospin_char_run(o, g, &t, &err);
        double c = cospin_cpu_s() - c0;
        if (rc) {
            fprintf(stderr, "bench_char_fp: %s\n", err.msg);
            return -1.0;
        }
        *fit = t->fits[0].fit;
        cospin_char_table_free(t);
        best = fmin(best, c);
    }
    return best;
}

/* One width: both engines; 0 if the speed-up reaches the target. */
static int bench_width(double width_s)
{
    double cur[NCUR];
    for (int j = 0; j < NCUR; j++)
        cur[j] = (8.0 + (double)j) * 1e-6;
    struct cospin_char_grid g = {&width_s, 1, NULL, 0, cur, NCUR};
    struct cospin_char_opts fo, mo;
    cospin_char_opts_default(&fo);
    fo.engine = COSPIN_CHAR_FOKKER_PLANCK;
    cospin_char_opts_default(&mo);
    mo.trials = MC_TRIALS;
    mo.threads = 1;
    struct cospin_fit_result ff, fm;
    double fp_s = run_cpu_s(&fo, &g, 20, &ff), mc_s = run_cpu_s(&mo, &g, 1, &fm);
    if (fp_s < 0 || mc_s < 0)
        return 1;
    double ratio = mc_s / fp_s;
    printf("width %g ns, %d currents 8..22 uA, relax 10 ns (prism, eta = P, 300 K), "
           "cospin_char_run:\n", width_s * 1e9, NCUR);
    printf("  fokker-planck: %.3f ms cpu per curve; k = %.4f /uA, c = %.3f uA\n", fp_s * 1e3,
           ff.k, ff.c);
    printf("  fast, %d trials per point, 1 thread: %.3f s cpu per curve; k = %.3f +- %.3f /uA, "
           "c = %.3f +- %.3f uA\n", MC_TRIALS, mc_s, fm.k, fm.k_err, fm.c, fm.c_err);
    printf("  speed-up %.0fx (target >= %.0fx)\n", ratio, TARGET_SPEEDUP);
    return ratio >= TARGET_SPEEDUP ? 0 : 1;
}

/* Thesis Fig. 3.15/3.16 with the Fokker-Planck engine: the grid and one inverse. */
static int bench_fig315(void)
{
    const double w[4] = {10e-9, 30e-9, 100e-9, 200e-9}, ku[3] = {1.1e6, 1.15e6, 1.21e6};
    double cur[33];
    for (int i = 0; i < 33; i++)
        cur[i] = (4.0 + i) * 1e-6;
    struct cospin_char_grid g = {w, 4, ku, 3, cur, 33};
    struct cospin_char_opts o;
    cospin_char_opts_default(&o);
    o.engine = COSPIN_CHAR_FOKKER_PLANCK;
    struct cospin_char_table *t = NULL;
    struct cospin_error err = {0};
    double c0 = cospin_cpu_s();
    int rc = cospin_char_run(&o, &g, &t, &err);
    double grid_s = cospin_cpu_s() - c0;
    struct cospin_char_design sol[4];
    size_t ns = 0;
    c0 = cospin_cpu_s();
    if (!rc)
        rc = cospin_char_design_kc_fp(&o, cur, 33, t, 1.2, 13.0, 1e-3, sol, 4, &ns, &err);
    double inv_s = cospin_cpu_s() - c0;
    cospin_char_table_free(t);
    if (rc) {
        fprintf(stderr, "bench_char_fp: %s\n", err.msg);
        return 1;
    }
    printf("Fig. 3.15/3.16 grid (4 widths x 3 Ku x 33 currents), fokker-planck: %.3f s cpu\n",
           grid_s);
    printf("  inverse k = 1.2 /uA at c = 13 uA by the engine: width %.5g ns, Ku %.7g J/m^3 "
           "(residual %.1g), %.3f s cpu\n", sol[0].width_s * 1e9, sol[0].ku_j_per_m3,
           sol[0].residual, inv_s);
    return 0;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    cospin_log_set_level(COSPIN_LOG_ERROR);
    int bad = bench_width(30e-9);
    if (!quick)
        bad |= bench_width(200e-9);
    bad |= bench_fig315();
    return bad;
}
