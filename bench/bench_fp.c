/*
 * bench_fp.c -- cost of one P_sw(I) curve: the Fokker-Planck engine against
 * the LLGS Monte Carlo with 100 trials per point (the thesis's count).
 *
 * Curve: thesis defaults (prism demag, eta = P, 300 K), 15 currents from
 * 8 to 22 uA, 30 ns pulse and 10 ns relaxation (the characterisation's
 * default); then the same at 200 ns.  Prints CPU seconds per curve (the
 * machine is shared: CPU time is the stable figure), the ratio (target:
 * >= 1000), and the largest |P_FP - P_MC| in units of the binomial sigma
 * of 100 trials as a sanity check.  The FP time is the best of several
 * repetitions, each including the workspace set-up.
 * Usage: bench_fp [--quick]   (--quick: the 30 ns curve only)
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fokker_planck.h"
#include "llgs.h"
#include "log.h"

#define NCUR 15
#define MC_TRIALS 100

/* CPU seconds of one FP curve (best of reps), results into psw. */
static double fp_curve_cpu_s(const struct cospin_mtj_params *p, const double *cur, double width_s,
                             double relax_s, double *psw, int reps)
{
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        struct cospin_error err = {0};
        struct cospin_fp *fp = NULL;
        double c0 = cospin_cpu_s();
        int rc = cospin_fp_new(p, NULL, &fp, &err);
        if (rc == COSPIN_OK)
            rc = cospin_fp_curve(fp, cur, NCUR, width_s, relax_s, psw, &err);
        double c = cospin_cpu_s() - c0;
        cospin_fp_free(fp);
        if (rc != COSPIN_OK) {
            fprintf(stderr, "bench_fp: %s\n", err.msg);
            return -1.0;
        }
        best = fmin(best, c);
    }
    return best;
}

/* One width: FP and MC curves, their times and agreement. */
static int bench_width(const struct cospin_mtj_params *p, const struct cospin_mtj_derived *d,
                       double width_s, double relax_s)
{
    double cur[NCUR], pfp[NCUR], pmc[NCUR];
    for (int j = 0; j < NCUR; j++)
        cur[j] = (8.0 + (double)j) * 1e-6;
    double fp_s = fp_curve_cpu_s(p, cur, width_s, relax_s, pfp, 20);
    if (fp_s < 0.0)
        return 1;
    double c0 = cospin_cpu_s();
    for (int j = 0; j < NCUR; j++)
        pmc[j] = (double)cospin_mtj_trials(d, cur[j], width_s, relax_s, 1, (uint64_t)j * 1000000,
                                           MC_TRIALS, NULL) / MC_TRIALS;
    double mc_s = cospin_cpu_s() - c0;
    double zmax = 0.0;
    for (int j = 0; j < NCUR; j++) {
        double sd = sqrt(fmax(pfp[j] * (1.0 - pfp[j]), 0.25 / MC_TRIALS) / MC_TRIALS);
        zmax = fmax(zmax, fabs(pmc[j] - pfp[j]) / sd);
    }
    printf("width %g ns, relax %g ns, %d currents 8..22 uA (prism, eta = P, 300 K):\n",
           width_s * 1e9, relax_s * 1e9, NCUR);
    printf("  Fokker-Planck: %.3f ms cpu per curve\n", fp_s * 1e3);
    printf("  Monte Carlo (%d trials per point): %.3f s cpu per curve\n", MC_TRIALS, mc_s);
    printf("  ratio %.0fx (target >= 1000x); max |P_FP - P_MC| = %.1f binomial sigma\n",
           mc_s / fp_s, zmax);
    printf("  I (uA)  P_FP    P_MC\n");
    for (int j = 0; j < NCUR; j++)
        printf("  %5.1f  %.4f  %.2f\n", cur[j] * 1e6, pfp[j], pmc[j]);
    return 0;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    struct cospin_mtj_params p;
    cospin_mtj_params_default(&p);
    struct cospin_mtj_derived d;
    char msg[256];
    if (cospin_mtj_derive(&p, &d, msg, sizeof msg) != 0) {
        fprintf(stderr, "bench_fp: %s\n", msg);
        return 1;
    }
    if (bench_width(&p, &d, 30e-9, 10e-9) != 0)
        return 1;
    if (!quick && bench_width(&p, &d, 200e-9, 10e-9) != 0)
        return 1;
    return 0;
}
