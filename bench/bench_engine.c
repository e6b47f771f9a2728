/*
 * bench_engine.c -- what the libngspice engine costs.
 *
 *   bench_engine [--quick] [--only=SECTION]
 *
 * Sections: pool (speedup with 1 vs 2 workers; runs first, before any
 * in-process ngspice), pstream (crossbar streaming through 2 workers),
 * step (per-timestep overhead), cycle (load/run/clear), rss (RSS over 1000
 * cycles), stream (input vectors/s through 784x25 and 784x100 ideal-wire
 * crossbars in several formulations), options (simulator options for the
 * 784x25 stream; only with --only=options).  Every figure is printed with wall and
 * CPU seconds (the machine is shared, so wall time is noisy).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "log.h"

/* CPU seconds of reaped children (pool workers after cospin_pool_free). */
static double cpu_children_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)ru.ru_stime.tv_usec;
}

static long rss_kb(void)
{
    long total = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &total, &res) != 2)
        res = -1;
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void die(const char *what, const struct cospin_error *err)
{
    fprintf(stderr, "bench_engine: %s: %s\n", what, err->msg);
    exit(1);
}

/* ---- text buffer for generated netlists ---- */
struct text {
    char *p;
    size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n >= 0 && t->p && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t nc = t->cap ? t->cap * 2 : 1 << 16;
        while (nc < t->len + (size_t)n + 1)
            nc *= 2;
        t->p = realloc(t->p, nc);
        if (!t->p)
            exit(1);
        t->cap = nc;
    }
}

/*
 * Crossbar formulations (rows i driven by external sources vr<i>, columns j held
 * at 0 V by sense sources vc<j>, read current = i(vc<j>) = sum_i G_ij V_i):
 *   "R": one resistor per cell between row and column node (the physical circuit);
 *   "G": one VCCS per cell, g<i>_<j> c<j> 0 r<i> 0 G_ij -- the same currents when the
 *        column is a virtual ground, but no row-column coupling in the matrix, so the
 *        LU factorisation has no fill-in.
 */
static char *xbar_netlist(int rows, int cols, char form, const char *options, double **g_out)
{
    struct text t = {0};
    double *g = malloc((size_t)rows * (size_t)cols * sizeof *g);
    unsigned s = 12345;
    text_add(&t, "* crossbar %dx%d formulation %c\n", rows, cols, form);
    if (options && *options)
        text_add(&t, ".options %s\n", options);
    for (int i = 0; i < rows; i++)
        text_add(&t, "vr%d r%d 0 external\n", i, i);
    for (int j = 0; j < cols; j++)
        text_add(&t, "vc%d c%d 0 0\n", j, j);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            s = s * 1103515245u + 12345u;   /* LCG: reproducible conductances */
            double r_ohm = 1e4 + 9e4 * (double)(s >> 8) / (double)(1u << 24);
            char buf[32];
            snprintf(buf, sizeof buf, "%.6g", r_ohm);
            r_ohm = atof(buf);
            g[(size_t)i * (size_t)cols + (size_t)j] = 1.0 / r_ohm;
            if (form == 'R')
                text_add(&t, "r%d_%d r%d c%d %s\n", i, j, i, j, buf);
            else
                text_add(&t, "g%d_%d 0 c%d r%d 0 %.17g\n", i, j, j, i, 1.0 / r_ohm);
        }
    *g_out = g;
    return t.p;
}

struct xbar_io {
    char **src, **out;
    double *v, *res;
};

static void xbar_io_new(struct xbar_io *io, int rows, int cols, int nvec)
{
    io->src = malloc((size_t)rows * sizeof *io->src);
    io->out = malloc((size_t)cols * sizeof *io->out);
    for (int i = 0; i < rows; i++) {
        io->src[i] = malloc(16);
        snprintf(io->src[i], 16, "vr%d", i);
    }
    for (int j = 0; j < cols; j++) {
        io->out[j] = malloc(24);
        snprintf(io->out[j], 24, "i(vc%d)", j);
    }
    io->v = malloc((size_t)nvec * (size_t)rows * sizeof *io->v);
    io->res = malloc((size_t)nvec * (size_t)cols * sizeof *io->res);
    for (size_t k = 0; k < (size_t)nvec * (size_t)rows; k++)
        io->v[k] = 0.02 * (double)((k * 7919) % 11);   /* read voltages 0..0.2 V */
}

static void xbar_io_free(struct xbar_io *io, int rows, int cols)
{
    for (int i = 0; i < rows; i++)
        free(io->src[i]);
    for (int j = 0; j < cols; j++)
        free(io->out[j]);
    free(io->src);
    free(io->out);
    free(io->v);
    free(io->res);
}

/* Largest relative deviation of the streamed currents from G^T V. */
static double xbar_max_rel_dev(const struct xbar_io *io, const double *g, int rows, int cols, int nvec)
{
    double worst = 0.0;
    for (int k = 0; k < nvec; k++)
        for (int j = 0; j < cols; j++) {
            double e = 0.0, scale = 0.0;
            for (int i = 0; i < rows; i++) {
                e += g[(size_t)i * (size_t)cols + (size_t)j] * io->v[(size_t)k * (size_t)rows + (size_t)i];
                scale += fabs(g[(size_t)i * (size_t)cols + (size_t)j] * io->v[(size_t)k * (size_t)rows + (size_t)i]);
            }
            double d = fabs(io->res[(size_t)k * (size_t)cols + (size_t)j] - e) / (scale > 0 ? scale : 1.0);
            worst = fmax(worst, d);
        }
    return worst;
}

/* ---- sections ---- */

static int quick;
static int soft_fail;   /* bench_options: report a failing variant and go on */

static const char *small_job = "* bench job\nv1 in 0 sin(0 1 1meg)\nr1 in out 1k\nc1 out 0 100p\n";

static void bench_pool(void)
{
    int njobs = quick ? 4 : 8;
    /* Each job is a tran of ~40k fixed steps (~0.2 s of CPU at ~5 us/step). */
    const char *cmds[] = {"tran 1n 40u 0 1n", NULL};
    const char *vecs[] = {"v(out)", NULL};
    struct cospin_sim_job *jobs = calloc((size_t)njobs, sizeof *jobs);
    struct cospin_sim_result *res = calloc((size_t)njobs, sizeof *res);
    for (int i = 0; i < njobs; i++)
        jobs[i] = (struct cospin_sim_job){.netlist = small_job, .commands = cmds, .vectors = vecs};
    double wall[3] = {0}, cpu[3] = {0};
    for (int nw = 1; nw <= 2; nw++) {
        struct cospin_pool *pool = NULL;
        struct cospin_error err = {0};
        double c0 = cpu_children_s();
        if (cospin_pool_new(NULL, nw, &pool, &err))
            die("pool_new", &err);
        double t0 = cospin_now_s();
        if (cospin_pool_run(pool, jobs, (size_t)njobs, res, &err))
            die("pool_run", &err);
        wall[nw] = cospin_now_s() - t0;
        cospin_pool_free(pool);
        cpu[nw] = cpu_children_s() - c0;
        for (int i = 0; i < njobs; i++) {
            if (res[i].status)
                die("pool job", &res[i].error);
            cospin_sim_result_clear(&res[i]);
        }
        printf("pool: %d jobs (tran, 40k steps each) on %d worker(s): wall %.2f s, worker CPU %.2f s\n", njobs,
               nw, wall[nw], cpu[nw]);
    }
    printf("pool: speedup with 2 workers = %.2fx wall (CPU per job %.3f s vs %.3f s)\n", wall[1] / wall[2],
           cpu[1] / njobs, cpu[2] / njobs);
    free(jobs);
    free(res);
}

static void bench_pool_stream(void)
{
    int rows = 784, cols = 25, nvec = quick ? 400 : 2000;
    double *g;
    char *net = xbar_netlist(rows, cols, 'G', NULL, &g);
    struct xbar_io io;
    xbar_io_new(&io, rows, cols, nvec);
    for (int nw = 1; nw <= 2; nw++) {
        struct cospin_pool *pool = NULL;
        struct cospin_error err = {0};
        double c0 = cpu_children_s();
        if (cospin_pool_new(NULL, nw, &pool, &err))
            die("pool_new", &err);
        struct cospin_stream_job job = {.netlist = net, .source_names = (const char *const *)io.src,
                                        .nsrc = (size_t)rows, .values = io.v, .nvec = (size_t)nvec,
                                        .outputs = (const char *const *)io.out, .nout = (size_t)cols};
        double t0 = cospin_now_s();
        if (cospin_pool_stream(pool, &job, io.res, &err))
            die("pool_stream", &err);
        double w = cospin_now_s() - t0;
        cospin_pool_free(pool);
        double c = cpu_children_s() - c0;
        printf("pstream: 784x25 G-form, %d vectors on %d worker(s) (incl. netlist load per worker): wall %.2f s "
               "=> %.0f vectors/s; worker CPU %.2f s; max rel dev from G.V %.1e\n",
               nvec, nw, w, nvec / w, c, xbar_max_rel_dev(&io, g, rows, cols, nvec));
    }
    xbar_io_free(&io, rows, cols);
    free(net);
    free(g);
}

static struct cospin_engine *engine(void)
{
    static struct cospin_engine *eng;
    if (!eng) {
        struct cospin_error err = {0};
        if (cospin_engine_new(NULL, &eng, &err))
            die("engine_new", &err);
    }
    return eng;
}

static void bench_step(void)
{
    struct cospin_engine *eng = engine();
    struct cospin_error err = {0};
    int nsteps = quick ? 20000 : 100000;
    if (cospin_engine_load(eng, "* step\nv1 a 0 sin(0 1 1k)\nr1 a 0 1k\n", &err))
        die("load", &err);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "tran %g 1m 0 %g", 1e-3 / nsteps, 1e-3 / nsteps);
    double t0 = cospin_now_s(), c0 = cospin_cpu_s();
    if (cospin_engine_command(eng, cmd, &err))
        die("tran", &err);
    double w = cospin_now_s() - t0, c = cospin_cpu_s() - c0;
    double *t;
    size_t n;
    if (cospin_engine_vector(eng, "time", &t, &n, &err))
        die("vector", &err);
    free(t);
    printf("step: R + sine source, %zu time points: %.2f us/step wall, %.2f us/step CPU\n", n, 1e6 * w / (double)n,
           1e6 * c / (double)n);
    cospin_engine_clear(eng);
}

static void bench_cycle(void)
{
    struct cospin_engine *eng = engine();
    struct cospin_error err = {0};
    int reps = quick ? 100 : 500;
    double t0 = cospin_now_s(), c0 = cospin_cpu_s();
    for (int r = 0; r < reps; r++) {
        if (cospin_engine_load(eng, small_job, &err) || cospin_engine_command(eng, "tran 10n 2u", &err))
            die("cycle", &err);
        cospin_engine_clear(eng);
    }
    double w = cospin_now_s() - t0, c = cospin_cpu_s() - c0;
    printf("cycle: load + tran (~200 points) + clear of a 3-element circuit: %.3f ms wall, %.3f ms CPU\n",
           1e3 * w / reps, 1e3 * c / reps);
}

static void bench_rss(void)
{
    struct cospin_engine *eng = engine();
    struct cospin_error err = {0};
    long r0 = rss_kb(), r100 = 0;
    for (int r = 1; r <= 1000; r++) {
        if (cospin_engine_load(eng, small_job, &err) || cospin_engine_command(eng, "tran 10n 2u", &err))
            die("rss", &err);
        cospin_engine_clear(eng);
        if (r == 100)
            r100 = rss_kb();
        if (r == 100 || r == 500 || r == 1000)
            printf("rss: after %4d load/tran/clear cycles: %ld kB (start %ld kB)\n", r, rss_kb(), r0);
    }
    printf("rss: growth from cycle 100 to 1000: %ld kB\n", rss_kb() - r100);
}

static void stream_one(int rows, int cols, char form, const char *options, int nvec)
{
    struct cospin_engine *eng = engine();
    struct cospin_error err = {0};
    double *g;
    char *net = xbar_netlist(rows, cols, form, options, &g);
    struct xbar_io io;
    xbar_io_new(&io, rows, cols, nvec);
    struct cospin_stream_job job = {.netlist = net, .source_names = (const char *const *)io.src,
                                    .nsrc = (size_t)rows, .values = io.v, .nvec = (size_t)nvec,
                                    .outputs = (const char *const *)io.out, .nout = (size_t)cols};
    double c0 = cospin_cpu_s();
    if (cospin_engine_stream_job(eng, &job, io.res, &err)) {
        if (!soft_fail)
            die("stream", &err);
        printf("stream: %dx%d %c-form %s: FAILS: %s\n", rows, cols, form, options ? options : "", err.msg);
        cospin_engine_clear(eng);
        xbar_io_free(&io, rows, cols);
        free(net);
        free(g);
        return;
    }
    double c = cospin_cpu_s() - c0;
    struct cospin_stream_stats st;
    cospin_engine_stream_stats(eng, &st);
    /* Second pass through the loaded circuit: the steady-state cost without the load. */
    job.netlist = NULL;
    double c1 = cospin_cpu_s();
    if (cospin_engine_stream_job(eng, &job, io.res, &err))
        die("stream 2", &err);
    double c2 = cospin_cpu_s() - c1;
    struct cospin_stream_stats st2;
    cospin_engine_stream_stats(eng, &st2);
    printf("stream: %dx%d %c-form%s%s, %d vectors: load %.3f s; run %.3f s wall => %.0f vectors/s "
           "(%.3f ms/vector; CPU %.3f ms/vector); %zu points, %.1f vsrc calls/source/point; "
           "max rel dev from G.V %.1e\n",
           rows, cols, form, options ? " " : "", options ? options : "", nvec, st.load_s, st2.run_s,
           nvec / st2.run_s, 1e3 * st2.run_s / nvec, 1e3 * c2 / nvec, st2.time_points,
           (double)st2.vsrc_calls / rows / (double)st2.time_points, xbar_max_rel_dev(&io, g, rows, cols, nvec));
    (void)c;
    cospin_engine_clear(eng);
    xbar_io_free(&io, rows, cols);
    free(net);
    free(g);
}

/* The streaming machinery alone: one external source into one resistor. */
static void bench_stream_floor(void)
{
    struct cospin_engine *eng = engine();
    struct cospin_error err = {0};
    int nvec = quick ? 2000 : 20000;
    double *v = malloc((size_t)nvec * sizeof *v), *res = malloc((size_t)nvec * sizeof *res);
    for (int k = 0; k < nvec; k++)
        v[k] = 0.001 * (k % 100);
    const char *src[] = {"vin"}, *out[] = {"i(vin)"};
    struct cospin_stream_job job = {.netlist = "* floor\nvin a 0 external\nr1 a 0 1k\n", .source_names = src,
                                    .nsrc = 1, .values = v, .nvec = (size_t)nvec, .outputs = out, .nout = 1};
    double c0 = cospin_cpu_s();
    if (cospin_engine_stream_job(eng, &job, res, &err))
        die("stream floor", &err);
    double c = cospin_cpu_s() - c0;
    struct cospin_stream_stats st;
    cospin_engine_stream_stats(eng, &st);
    printf("stream: floor (1 source, 1 resistor), %d vectors: %.2f us/vector wall, %.2f us/vector CPU\n", nvec,
           1e6 * st.run_s / nvec, 1e6 * c / nvec);
    cospin_engine_clear(eng);
    free(v);
    free(res);
}

static void bench_stream(void)
{
    int n25 = quick ? 200 : 1000, n100 = quick ? 100 : 400;
    bench_stream_floor();
    stream_one(784, 25, 'R', NULL, n25);
    stream_one(784, 25, 'G', NULL, n25);
    stream_one(784, 100, 'R', NULL, n100 / 4);
    stream_one(784, 100, 'G', NULL, n100);
}

/* Simulator options that might matter per time point (they do not: see doc/engine.md). */
static void bench_options(void)
{
    static const char *const all[] = {"noacct", "gmin=0", "trtol=1", "rshunt=1e12", "interp"};
    const char *const *opts = all;
    size_t nopts = sizeof all / sizeof all[0];
    const char *one = getenv("BENCH_OPTION");   /* a single option to try */
    if (one) {
        opts = &one;
        nopts = 1;
    }
    int nvec = quick ? 200 : 1000;
    soft_fail = 1;
    stream_one(784, 25, 'G', NULL, nvec);
    for (size_t i = 0; i < nopts; i++)
        stream_one(784, 25, 'G', opts[i], nvec);
}

static int want(const char *only, const char *name)
{
    return !only || strcmp(only, name) == 0;
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strncmp(argv[i], "--only=", 7) == 0)
            only = argv[i] + 7;
        else {
            fprintf(stderr, "usage: bench_engine [--quick] [--only=pool|pstream|step|cycle|rss|stream|options]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Pools first: workers must be forked before this process initialises ngspice. */
    if (want(only, "pool"))
        bench_pool();
    if (want(only, "pstream"))
        bench_pool_stream();
    if (want(only, "step"))
        bench_step();
    if (want(only, "cycle"))
        bench_cycle();
    if (want(only, "rss"))
        bench_rss();
    if (want(only, "stream"))
        bench_stream();
    if (only && strcmp(only, "options") == 0)
        bench_options();
    return 0;
}
