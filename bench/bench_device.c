/*
 * bench_device.c -- throughput of whole-pulse device updates and of the
 * QAT/PTQ quantiser, the two per-weight costs of device-aware training
 * (784 x 100 + 100 x 10 = 79,400 weights per iteration in thesis ch. 4).
 * Prints updates per second in CPU time (the machine is shared) and wall.
 * Usage: bench_device [--quick]
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "quant.h"

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long n = (argc > 1 && strcmp(argv[1], "--quick") == 0) ? 200000 : 2000000;
    const char *devs[] = {"rram", "pcm", "skyrmion", "sot-s:21", "sot-s:5"};
    const char *modes[] = {"nearest", "stochastic", "open", "open-stochastic"};
    printf("device update throughput, %ld updates each (requests ~N(0, 0.3 steps))\n", n);
    printf("%-10s %-16s %12s %12s %10s\n", "device", "rule", "upd/s (CPU)", "upd/s (wall)",
           "lost %");
    for (size_t k = 0; k < sizeof devs / sizeof devs[0]; k++) {
        struct cospin_device d;
        cospin_device_preset(devs[k], &d, NULL);
        for (int m = 0; m < 4; m++) {
            struct cospin_rng rng;
            cospin_rng_seed(&rng, 1, 0);
            struct cospin_device_stats st;
            cospin_device_stats_clear(&st);
            double g = 0.5, sink = 0.0;
            double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);
            for (long i = 0; i < n; i++) {
                double dg = 0.3 / d.states * cospin_rng_normal(&rng);
                g = cospin_device_update(&d, g, dg, (enum cospin_round_mode)m, &rng, NULL, &st);
                if (g < 0.05 || g > 0.95)
                    g = 0.5;
                sink += g;
            }
            double c1 = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0, w1 = now_s(CLOCK_MONOTONIC) - w0;
            printf("%-10s %-16s %12.3g %12.3g %10.1f%s\n", devs[k], modes[m], n / c1, n / w1,
                   100.0 * st.n_zero / (double)st.n_requested, sink < 0 ? "!" : "");
        }
    }
    struct cospin_device d;
    cospin_device_preset("sot-s:5", &d, NULL);
    for (int cells = 1; cells <= 16; cells *= 4) {
        struct cospin_quantizer *q;
        cospin_quantizer_new(&d, cells, &q, NULL);
        struct cospin_rng rng;
        cospin_rng_seed(&rng, 2, 0);
        double sink = 0.0;
        double c0 = now_s(CLOCK_PROCESS_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);
        for (long i = 0; i < n; i++)
            sink += cospin_quant_nearest(q, 1.0, 2.0 * cospin_rng_uniform(&rng) - 1.0,
                                         NULL);
        double c1 = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0, w1 = now_s(CLOCK_MONOTONIC) - w0;
        printf("quantiser sot-s:5 x %2d cells (%3zu levels): %.3g weights/s CPU, %.3g wall%s\n",
               cells, q->n_levels, n / c1, n / w1, sink > 1e300 ? "!" : "");
        cospin_quantizer_free(q);
    }
    return 0;
}
