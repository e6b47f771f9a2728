/*
 * bench_llgs.c -- throughput of the LLGS physics.
 *
 * Prints, per core (CPU seconds of this process) and wall:
 *   1. the vectorised standalone fast path (cospin_mtj_trials): trial-steps/s
 *      on a P_sw point (thesis defaults, 30 ns pulse + 5 ns relaxation);
 *   2. the scalar path (cospin_mtj_step, as the code models use it);
 *   3. the ngspice path: N mtj_stt instances (different seeds) in one
 *      netlist, 30 ns + 5 ns transient through the engine, and its cost per
 *      trial relative to the standalone path.
 * Usage: bench_llgs [--quick] [--rk4]   (--rk4: the lab-frame RK4 integrator, the
 * default before the rotating one, for a before/after comparison)
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "llgs.h"
#include "log.h"

int main(int argc, char **argv)
{
    int quick = 0, rk4 = 0;
    for (int i = 1; i < argc; i++) {
        quick |= strcmp(argv[i], "--quick") == 0;
        rk4 |= strcmp(argv[i], "--rk4") == 0;
    }
    struct cospin_mtj_params p;
    cospin_mtj_params_default(&p);
    if (rk4)
        p.integrator = COSPIN_INTEGRATOR_RK4;
    printf("integrator %s, dt %g s\n", cospin_mtj_integrator_name(p.integrator), p.dt_s);
    struct cospin_mtj_derived d;
    char msg[256];
    if (cospin_mtj_derive(&p, &d, msg, sizeof msg) != 0) {
        fprintf(stderr, "bench_llgs: %s\n", msg);
        return 1;
    }
    const double width_s = 30e-9, relax_s = 5e-9, i_a = 14e-6;
    const double steps_per_trial = (width_s + relax_s) / p.dt_s;

    /* 1. vectorised fast path */
    long n = quick ? 320 : 3200;
    double c0 = cospin_cpu_s(), w0 = cospin_now_s();
    long sw = cospin_mtj_trials(&d, i_a, width_s, relax_s, 1, 0, n, NULL);
    double cpu = cospin_cpu_s() - c0, wall = cospin_now_s() - w0;
    double fast_rate = (double)n * steps_per_trial / cpu;
    printf("standalone vectorised: %ld trials x %.0f steps, P_sw(14 uA, 30 ns, prism) = %.3f\n", n,
           steps_per_trial, (double)sw / (double)n);
    printf("  cpu %.3f s, wall %.3f s: %.1f million trial-steps/s per core (cpu), %.1f (wall)\n",
           cpu, wall, fast_rate * 1e-6, (double)n * steps_per_trial / wall * 1e-6);

    /* 2. scalar path */
    long ns = quick ? 20 : 200;
    c0 = cospin_cpu_s();
    w0 = cospin_now_s();
    long sws = 0;
    for (long j = 0; j < ns; j++) {
        struct cospin_rng r;
        cospin_rng_seed(&r, 1, (uint64_t)j);
        sws += cospin_mtj_trial(&d, i_a, width_s, relax_s, &r, NULL);
    }
    cpu = cospin_cpu_s() - c0;
    wall = cospin_now_s() - w0;
    printf("standalone scalar: %ld trials (%ld switched): cpu %.3f s, wall %.3f s: %.1f million "
           "trial-steps/s per core (cpu)\n",
           ns, sws, cpu, wall, (double)ns * steps_per_trial / cpu * 1e-6);

    /* 3. ngspice path */
    int ninst = quick ? 4 : 16;
    size_t cap = 256 + (size_t)ninst * 200;
    char *net = malloc(cap);
    if (!net)
        return 1;
    size_t len = (size_t)snprintf(net, cap, "* bench_llgs: %d mtj_stt trials\n", ninst);
    for (int k = 0; k < ninst; k++)
        len += (size_t)snprintf(net + len, cap - len,
                                "iw%d p%d 0 pulse(0 14u 0 1p 1p 30n 1)\n"
                                "a%d %%gd(p%d 0) c%d x%d y%d z%d m%d\nvc%d c%d 0 0\n"
                                ".model m%d mtj_stt(seed=%d)\n",
                                k, k, k, k, k, k, k, k, k, k, k, k, k + 1);
    struct cospin_engine *eng = NULL;
    struct cospin_error err = {0};
    if (cospin_engine_new(NULL, &eng, &err) != COSPIN_OK) {
        printf("ngspice path: skipped (%s)\n", err.msg);
        free(net);
        return 0;
    }
    c0 = cospin_cpu_s();
    w0 = cospin_now_s();
    int rc = cospin_engine_load(eng, net, &err);
    if (rc == COSPIN_OK)
        rc = cospin_engine_command(eng, "tran 0.1n 35n", &err);
    cpu = cospin_cpu_s() - c0;
    wall = cospin_now_s() - w0;
    if (rc != COSPIN_OK) {
        printf("ngspice path: failed (%s)\n", err.msg);
    } else {
        double *t = NULL;
        size_t nt = 0;
        cospin_engine_vector(eng, "time", &t, &nt, &err);
        free(t);
        double per_trial = cpu / ninst;
        printf("ngspice path: %d instances in one netlist, %zu time points: cpu %.3f s, wall %.3f s\n",
               ninst, nt, cpu, wall);
        printf("  %.1f ms cpu per trial = %.2f million trial-steps/s; %.0fx the standalone cost\n",
               per_trial * 1e3, steps_per_trial / per_trial * 1e-6,
               per_trial / (steps_per_trial / fast_rate));
    }
    cospin_engine_free(eng);
    free(net);
    return 0;
}
