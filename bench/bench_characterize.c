/*
 * bench_characterize.c -- the 5-width P_sw characterisation of issue 3:
 * widths 10, 30, 50, 100, 200 ns x 16 currents x 200 trials on the fast
 * path (target: under 2 minutes on 2 cores), then the ngspice path's cost
 * per trial relative to the fast path (one point, a few netlists).
 * Prints wall and CPU seconds (the machine is shared: CPU time is the
 * stable figure).  Options: --quick (40 trials), --threads N,
 * --no-ngspice.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "characterize.h"
#include "log.h"

/* CPU seconds of the reaped child processes (the ngspice workers). */
static double children_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
    long trials = 200;
    int threads = 2, ngspice = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            trials = 40;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-ngspice") == 0)
            ngspice = 0;
    }
    cospin_log_set_level(COSPIN_LOG_ERROR);
    const double widths[5] = {10e-9, 30e-9, 50e-9, 100e-9, 200e-9};
    double currents[16];
    for (int i = 0; i < 16; i++)
        currents[i] = (5.0 + 2.0 * i) * 1e-6;   /* 5 .. 35 uA */
    struct cospin_char_opts o;
    cospin_char_opts_default(&o);
    o.trials = trials;
    o.threads = threads;
    struct cospin_char_grid g = {widths, 5, NULL, 0, currents, 16};
    struct cospin_char_table *t = NULL;
    struct cospin_error err = {0};
    double w0 = cospin_now_s(), c0 = cospin_cpu_s();
    int rc = cospin_char_run(&o, &g, &t, &err);
    double wall = cospin_now_s() - w0, cpu = cospin_cpu_s() - c0;
    if (rc) {
        fprintf(stderr, "bench_characterize: %s\n", err.msg);
        return 1;
    }
    double steps = 0;
    for (int w = 0; w < 5; w++)
        steps += 16.0 * (double)trials * (widths[w] + o.relax_s) / o.device.dt_s;
    printf("fast path: 5 widths x 16 currents x %ld trials, %d threads (prism, constant eta)\n",
           trials, threads);
    printf("  wall %.2f s, CPU %.2f s (target: wall < 120 s on 2 cores)\n", wall, cpu);
    printf("  %.3g trial-steps, %.3g trial-steps per CPU second\n", steps, steps / cpu);
    for (size_t i = 0; i < t->nfits; i++)
        printf("  width %5.0f ns: k = %.3f +- %.3f /uA, c = %.3f +- %.3f uA (%s)\n",
               t->fits[i].width_s * 1e9, t->fits[i].fit.k, t->fits[i].fit.k_err, t->fits[i].fit.c,
               t->fits[i].fit.c_err, cospin_fit_status_name(t->fits[i].fit.status));
    double fast_cpu_per_trial = cpu / (80.0 * (double)trials);
    cospin_char_table_free(t);

    if (ngspice) {
        /* One point (30 ns, 12 uA), 2 netlists of 50 instances, 1 worker. */
        const double w1[1] = {30e-9}, i1[1] = {12e-6};
        struct cospin_char_opts on = o;
        on.engine = COSPIN_CHAR_NGSPICE;
        on.trials = 100;
        on.pool_workers = 1;
        on.codemodel_path = getenv("COSPIN_CM");
        struct cospin_char_opts of = o;
        of.trials = 100;
        of.threads = 1;
        struct cospin_char_grid g1 = {w1, 1, NULL, 0, i1, 1};
        double cf0 = cospin_cpu_s(), wf0 = cospin_now_s();
        rc = cospin_char_run(&of, &g1, &t, &err);
        double fast_cpu = cospin_cpu_s() - cf0, fast_wall = cospin_now_s() - wf0;
        cospin_char_table_free(t);
        double wn0 = cospin_now_s(), cn0 = cospin_cpu_s(), kn0 = children_cpu_s();
        rc = cospin_char_run(&on, &g1, &t, &err);
        double ng_wall = cospin_now_s() - wn0;
        /* The pool's workers are reaped when the run frees the pool. */
        double ng_cpu = (cospin_cpu_s() - cn0) + (children_cpu_s() - kn0);
        if (rc) {
            printf("ngspice path: not available: %s\n", err.msg);
        } else {
            /* The work happens in the worker process: its wall time on an
               otherwise idle worker is the cost (one worker, sequential). */
            printf("ngspice path: 100 trials at 30 ns (2 netlists x 50 mtj_stt, 1 worker): "
                   "%.2f s wall, %.2f s CPU (parent + worker)\n", ng_wall, ng_cpu);
            printf("fast path:    the same 100 trials (1 thread): %.3f s wall, %.3f s CPU\n",
                   fast_wall, fast_cpu);
            printf("  CPU per trial: ngspice %.3g s, fast %.3g s: ngspice/fast = %.0f\n",
                   ng_cpu / 100, fast_cpu / 100, ng_cpu / fast_cpu);
            cospin_char_table_free(t);
        }
        (void)fast_cpu_per_trial;
    }
    return 0;
}
