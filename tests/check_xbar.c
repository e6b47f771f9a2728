/*
 * check_xbar.c -- the crossbar description (xbar_circuit.h) and the sparse
 * solver (xbar_solve.h).  The solver is checked against ngspice on the
 * netlist written from the same description (libngspice through the engine,
 * input vectors streamed through external sources), its effective matrix
 * against its own direct solves, and its gradients against central finite
 * differences.  Each test runs in its own process (Check's fork mode), so
 * each may own the process's one ngspice engine.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "engine.h"
#include "netlist.h"
#include "xbar_circuit.h"
#include "xbar_solve.h"

/*
 * Solver vs ngspice: largest deviation of a column current relative to the
 * column's current scale (the sum of the magnitudes of its device currents
 * at ideal wires, sum_i (G+ + G-) |V_i|).  The circuit is linear, so
 * ngspice solves it with one direct LU factorisation (its Newton iteration
 * converges on the first step; the branch currents are unknowns of the same
 * system), and the solver with one Cholesky factorisation; both run in
 * double precision on systems whose condition number is at most ~1e5 here
 * (wire chains of <= 24 segments, wire conductances <= 1e4 x the devices'),
 * so they agree to ~1e-16 x 1e5 = 1e-11: 1e-9 leaves two orders of margin
 * and still fails for any wrong element, sign or node.
 */
#define NGSPICE_RTOL 1e-9
/*
 * Effective matrix vs direct solves: the same factorisation, summed in a
 * different order (W^T B V vs C^T K^-1 B V): rounding only, ~1e-16 x the
 * condition number (~1e4 here); 1e-11 relative to the column scale.
 */
#define DIRECT_RTOL 1e-11

static double urand(unsigned long long *s, double lo, double hi)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    unsigned long long v = *s * 2685821657736338717ULL;
    return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

/*
 * Device conductances of random weights in [-1, 1] through the documented
 * map, then (spread) a +-20 % device-to-device spread and a few stuck cells:
 * every 7th device open (G = 0), every 11th stuck at G_max.
 */
static void random_g(const struct cospin_xbar_opts *o, int n_out, int n_in, int spread,
                     unsigned long long seed, double *gp, double *gn)
{
    for (int k = 0; k < n_out * n_in; k++) {
        double w = urand(&seed, -o->w_max, o->w_max);
        ck_assert_int_eq(cospin_xbar_weight_to_g(o, w, &gp[k], &gn[k], NULL), 0);
        if (!spread)
            continue;
        gp[k] *= urand(&seed, 0.8, 1.2);
        gn[k] *= urand(&seed, 0.8, 1.2);
        if (k % 7 == 3)
            gp[k] = 0;
        if (k % 11 == 5)
            gn[k] = o->g_max_s;
    }
}

/* Input voltages of nvec random vectors, x in [0, 1]. */
static void random_v(const struct cospin_xbar_opts *o, size_t n, unsigned long long seed,
                     double *v)
{
    for (size_t k = 0; k < n; k++)
        v[k] = o->v_read_v * urand(&seed, 0, 1);
}

/* The column scale of each (vector, column): sum_i (G+ + G-) |V_i|. */
static void col_scale(int n_out, int n_in, const double *gp, const double *gn, const double *v,
                      size_t nvec, double *scale)
{
    for (size_t k = 0; k < nvec; k++)
        for (int j = 0; j < n_out; j++) {
            double s = 0;
            for (int i = 0; i < n_in; i++)
                s += (gp[j * n_in + i] + gn[j * n_in + i]) * fabs(v[k * (size_t)n_in + (size_t)i]);
            scale[k * (size_t)n_out + (size_t)j] = s;
        }
}

/*
 * Stream nvec input vectors through ngspice on the netlist of (o, gp, gn):
 * cur (nvec x n_out) the ammeter currents, vo (may be NULL; TIA sensing)
 * the TIA outputs.
 */
static void ngspice_currents(const struct cospin_xbar_opts *o, int n_out, int n_in,
                             const double *gp, const double *gn, const double *v, size_t nvec,
                             double *cur, double *vo)
{
    struct cospin_error err = {0};
    struct cospin_xbar_circuit *xc = NULL;
    int rc = cospin_xbar_circuit_new(o, n_out, n_in, gp, gn, &xc, &err);
    ck_assert_msg(rc == 0, "circuit: %s", err.msg);
    struct cospin_netlist *nl = cospin_netlist_new();
    cospin_netlist_printf(nl, "* check_xbar\n");
    char **in = malloc((size_t)n_in * sizeof *in), **src = malloc((size_t)n_in * sizeof *src);
    size_t nout = (size_t)n_out * (vo ? 2 : 1);
    char **outs = malloc(nout * sizeof *outs);
    for (int i = 0; i < n_in; i++) {
        in[i] = malloc(16), src[i] = malloc(16);
        snprintf(in[i], 16, "x%d", i);
        snprintf(src[i], 16, "vx%d", i);
        cospin_netlist_printf(nl, "vx%d x%d 0 external\n", i, i);
    }
    for (size_t j = 0; j < nout; j++) {
        outs[j] = malloc(24);
        if (j < (size_t)n_out)
            snprintf(outs[j], 24, "i(vl1s%zu)", j);
        else
            snprintf(outs[j], 24, "v(l1o%zu)", j - (size_t)n_out);
    }
    rc = cospin_netlist_xbar_circuit(nl, "l1", xc, (const char *const *)in, NULL, &err);
    ck_assert_msg(rc == 0, "netlist: %s", err.msg);
    cospin_netlist_printf(nl, ".end\n");
    struct cospin_engine_opts eo = {0};
    eo.no_codemodels = 1;
    struct cospin_engine *eng = NULL;
    ck_assert_msg(cospin_engine_new(&eo, &eng, &err) == 0, "engine: %s", err.msg);
    double *res = malloc(nvec * nout * sizeof *res);
    rc = cospin_engine_stream(eng, cospin_netlist_text(nl), (const char *const *)src,
                              (size_t)n_in, v, nvec, (const char *const *)outs, nout, res, &err);
    ck_assert_msg(rc == 0, "stream: %s", err.msg);
    for (size_t k = 0; k < nvec; k++)
        for (int j = 0; j < n_out; j++) {
            cur[k * (size_t)n_out + (size_t)j] = res[k * nout + (size_t)j];
            if (vo)
                vo[k * (size_t)n_out + (size_t)j] = res[k * nout + (size_t)(n_out + j)];
        }
    cospin_engine_free(eng);
    for (int i = 0; i < n_in; i++)
        free(in[i]), free(src[i]);
    for (size_t j = 0; j < nout; j++)
        free(outs[j]);
    free(in), free(src), free(outs), free(res);
    cospin_netlist_free(nl);
    cospin_xbar_circuit_free(xc);
}

/* Currents of the sparse solver (through the effective matrix). */
static void solver_currents(const struct cospin_xbar_opts *o, int n_out, int n_in,
                            const double *gp, const double *gn, const double *v, size_t nvec,
                            double *cur)
{
    struct cospin_error err = {0};
    struct cospin_xbar_solver *s = NULL;
    ck_assert_msg(cospin_xbar_solver_new(o, n_out, n_in, 0, &s, &err) == 0, "new: %s", err.msg);
    ck_assert_msg(cospin_xbar_solver_factor(s, gp, gn, &err) == 0, "factor: %s", err.msg);
    ck_assert_msg(cospin_xbar_solver_currents(s, v, nvec, cur, &err) == 0, "currents: %s",
                  err.msg);
    cospin_xbar_solver_free(s);
}

/*
 * The solver against ngspice for options o on an n_out x n_in layer and
 * NVEC vectors; nonideal: the wires/drivers/TIA must move the currents away
 * from G V by far more than the tolerance (so the comparison means
 * something).  Returns the largest relative deviation.
 */
static double vs_ngspice(const struct cospin_xbar_opts *o, int n_out, int n_in, int spread,
                         int nonideal, unsigned long long seed)
{
    enum { NVEC = 3 };
    size_t n = (size_t)n_out * (size_t)n_in, nc = NVEC * (size_t)n_out;
    double *gp = malloc(n * sizeof *gp), *gn = malloc(n * sizeof *gn);
    double *v = malloc(NVEC * (size_t)n_in * sizeof *v);
    double *cs = malloc(nc * sizeof *cs), *cn = malloc(nc * sizeof *cn);
    double *vo = malloc(nc * sizeof *vo), *sc = malloc(nc * sizeof *sc);
    random_g(o, n_out, n_in, spread, seed, gp, gn);
    random_v(o, NVEC * (size_t)n_in, seed + 1, v);
    col_scale(n_out, n_in, gp, gn, v, NVEC, sc);
    int tia = o->sense == COSPIN_XBAR_SENSE_TIA;
    ngspice_currents(o, n_out, n_in, gp, gn, v, NVEC, cn, tia ? vo : NULL);
    solver_currents(o, n_out, n_in, gp, gn, v, NVEC, cs);
    double worst = 0, moved = 0;
    for (size_t k = 0; k < nc; k++) {
        double dev = fabs(cs[k] - cn[k]) / sc[k];
        worst = fmax(worst, dev);
        ck_assert_msg(dev <= NGSPICE_RTOL, "vector %zu column %zu: solver %.17g, ngspice %.17g",
                      k / (size_t)n_out, k % (size_t)n_out, cs[k], cn[k]);
        if (tia) {
            double out = cospin_xbar_sense_out_v(o, cs[k]);
            ck_assert_msg(fabs(out - vo[k]) <= NGSPICE_RTOL * o->r_tia_ohm * sc[k],
                          "TIA output %zu: %.17g vs ngspice %.17g", k, out, vo[k]);
        }
        size_t vk = k / (size_t)n_out, j = k % (size_t)n_out;
        double ideal = 0;
        for (int i = 0; i < n_in; i++)
            ideal += (gp[j * (size_t)n_in + (size_t)i] - gn[j * (size_t)n_in + (size_t)i]) *
                     v[vk * (size_t)n_in + (size_t)i];
        moved = fmax(moved, fabs(cs[k] - ideal) / sc[k]);
    }
    if (nonideal)
        ck_assert_msg(moved > 1e3 * NGSPICE_RTOL, "the non-idealities moved nothing (%g)", moved);
    else
        ck_assert_msg(moved <= NGSPICE_RTOL, "an ideal array is not G V (%g)", moved);
    free(gp), free(gn), free(v), free(cs), free(cn), free(vo), free(sc);
    return worst;
}

static struct cospin_xbar_opts opts_with(double r_wire, double r_driver, int tile_rows,
                                         int tile_cols)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    o.r_wire_ohm = r_wire;
    o.r_driver_ohm = r_driver;
    o.tile_rows = tile_rows;
    o.tile_cols = tile_cols;
    return o;
}

/* ---- core: against ngspice ----------------------------------------------------- */

START_TEST(test_one_tile_wires)
{
    struct cospin_xbar_opts o = opts_with(2.0, 0, 0, 0);
    vs_ngspice(&o, 6, 9, 0, 1, 11);
    o.r_wire_ohm = 40.0; /* IR drop of tens of percent */
    vs_ngspice(&o, 5, 12, 1, 1, 12);
}
END_TEST

START_TEST(test_tiles_wires)
{
    struct cospin_xbar_opts o = opts_with(5.0, 0, 4, 3); /* 3 x 3 tiles, partial ones at the ends */
    vs_ngspice(&o, 7, 11, 1, 1, 21);
    o = opts_with(1.0, 0, 3, 0); /* tile rows only: the partial-sum adders */
    vs_ngspice(&o, 4, 10, 1, 1, 22);
    o = opts_with(10.0, 0, 0, 2); /* tile columns only */
    vs_ngspice(&o, 5, 6, 0, 1, 23);
}
END_TEST

START_TEST(test_driver_resistance)
{
    struct cospin_xbar_opts o = opts_with(0, 150.0, 0, 0); /* driver R, ideal wires */
    vs_ngspice(&o, 6, 8, 1, 1, 31);
    o = opts_with(0, 150.0, 5, 4);
    vs_ngspice(&o, 9, 13, 0, 1, 32);
    o = opts_with(3.0, 80.0, 4, 3); /* both */
    vs_ngspice(&o, 7, 9, 1, 1, 33);
}
END_TEST

START_TEST(test_tia_sensing)
{
    struct cospin_xbar_opts o = opts_with(4.0, 0, 0, 3);
    o.sense = COSPIN_XBAR_SENSE_TIA; /* ideal: the column stays at 0 V */
    vs_ngspice(&o, 5, 7, 1, 1, 41);
    o = opts_with(0, 0, 0, 0);
    o.sense = COSPIN_XBAR_SENSE_TIA;
    o.tia_gain = 50.0; /* finite gain: the sense node sits at I R_f / (1 + A) */
    vs_ngspice(&o, 6, 10, 1, 1, 42);
    o.r_wire_ohm = 2.0;
    o.tia_gain = 1.0e3;
    vs_ngspice(&o, 4, 9, 0, 1, 43);
    o.tile_rows = 4; /* several tile rows: each tile's end is held at 0 V by its ammeter */
    vs_ngspice(&o, 4, 9, 1, 1, 44);
}
END_TEST

START_TEST(test_ideal_cells)
{
    /* No unknowns at all: the direct couplings D alone; every cell kind. */
    struct cospin_xbar_opts o = opts_with(0, 0, 4, 3);
    vs_ngspice(&o, 7, 10, 1, 0, 51);
    o.cell = COSPIN_XBAR_CELL_VCCS;
    vs_ngspice(&o, 7, 10, 1, 0, 52);
    o.cell = COSPIN_XBAR_CELL_VCCS_PAIR;
    o.sense = COSPIN_XBAR_SENSE_TIA;
    vs_ngspice(&o, 7, 10, 1, 0, 53);
}
END_TEST

/* ---- core: the solver against itself ----------------------------------------------- */

START_TEST(test_matrix_vs_direct)
{
    enum { NO = 20, NI = 40, NV = 45 };
    struct cospin_xbar_opts o = opts_with(1.0, 20.0, 16, 7);
    double gp[NO * NI], gn[NO * NI], v[NV * NI], im[NV * NO], id[NV * NO], ik[NV * NO],
        sc[NV * NO];
    random_g(&o, NO, NI, 1, 61, gp, gn);
    random_v(&o, NV * NI, 62, v);
    col_scale(NO, NI, gp, gn, v, NV, sc);
    struct cospin_error err = {0};
    struct cospin_xbar_solver *s = NULL, *sk = NULL;
    ck_assert_int_eq(cospin_xbar_solver_new(&o, NO, NI, 0, &s, &err), 0);
    ck_assert_int_eq(cospin_xbar_solver_new(&o, NO, NI, COSPIN_XBAR_SOLVE_KEEP, &sk, &err), 0);
    ck_assert_msg(cospin_xbar_solver_factor(s, gp, gn, &err) == 0, "%s", err.msg);
    ck_assert_msg(cospin_xbar_solver_factor(sk, gp, gn, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cospin_xbar_solver_currents(s, v, NV, im, &err), 0);
    ck_assert_msg(cospin_xbar_solver_direct(s, v, NV, id, &err) == 0, "%s", err.msg);
    ck_assert_msg(cospin_xbar_solver_direct(sk, v, NV, ik, &err) == 0, "%s", err.msg);
    for (int k = 0; k < NV * NO; k++) {
        ck_assert_msg(fabs(im[k] - id[k]) <= DIRECT_RTOL * sc[k], "%d: M V %.17g, direct %.17g",
                      k, im[k], id[k]);
        ck_assert_msg(fabs(ik[k] - id[k]) <= DIRECT_RTOL * sc[k], "%d: kept %.17g, direct %.17g",
                      k, ik[k], id[k]);
    }
    /* Keeping the factors changes nothing in M (the same arithmetic). */
    const double *m = cospin_xbar_solver_matrix(s), *mk = cospin_xbar_solver_matrix(sk);
    ck_assert_ptr_nonnull(m);
    for (int k = 0; k < NO * NI; k++)
        ck_assert(m[k] == mk[k]);
    /* 3 x 3 tiles of 3 shapes (full, partial rows, partial columns, both partial: 4). */
    struct cospin_xbar_solver_stats st;
    cospin_xbar_solver_stats(s, &st);
    ck_assert_int_eq(st.tiles, 9);
    ck_assert_int_eq(st.shapes, 4);
    /* A second weight set reuses the analyses. */
    random_g(&o, NO, NI, 1, 63, gp, gn);
    col_scale(NO, NI, gp, gn, v, NV, sc);
    ck_assert_int_eq(cospin_xbar_solver_factor(s, gp, gn, &err), 0);
    cospin_xbar_solver_stats(s, &st);
    ck_assert_int_eq(st.shapes, 4);
    ck_assert_int_eq(cospin_xbar_solver_currents(s, v, NV, im, &err), 0);
    ck_assert_int_eq(cospin_xbar_solver_direct(s, v, NV, id, &err), 0);
    for (int k = 0; k < NV * NO; k++)
        ck_assert(fabs(im[k] - id[k]) <= DIRECT_RTOL * sc[k]);
    cospin_xbar_solver_free(s);
    cospin_xbar_solver_free(sk);
}
END_TEST

/*
 * Gradient vs central finite differences of L = sum_ji R_ji M_ji (R random
 * in [-1, 1]; L is linear in M, so this checks every dM/dg).  Step h = 1e-3
 * g: M(g) is a rational function g alpha / (1 + g beta) + const of one
 * conductance (a rank-one change of K), beta the resistance the device sees
 * (<= ~1 kOhm here), so the truncation error relative to dL/dg is
 * ~(h beta)^2 <= 1e-8; the rounding error of L (~1e-16 x the condition
 * number ~1e4 x |L|) divided by h is ~1e-9 of the gradient.  Tolerance:
 * 1e-6 of the largest gradient entry.
 */
#define FD_STEP_REL 1e-3
#define FD_RTOL 1e-6

/* L = sum R M for conductances gp, gn. */
static double loss(struct cospin_xbar_solver *s, const double *r, int n, const double *gp,
                   const double *gn)
{
    struct cospin_error err = {0};
    ck_assert_msg(cospin_xbar_solver_factor(s, gp, gn, &err) == 0, "%s", err.msg);
    const double *m = cospin_xbar_solver_matrix(s);
    double l = 0;
    for (int k = 0; k < n; k++)
        l += r[k] * m[k];
    return l;
}

/* Check the gradient for options o; wired: it must differ from the ideal one (R, -R). */
static void check_grad(const struct cospin_xbar_opts *o, int n_out, int n_in, int wired,
                       unsigned long long seed)
{
    int n = n_out * n_in;
    double *gp = malloc(sizeof(double) * (size_t)n * 8), *gn = gp + n, *r = gn + n;
    double *dp = r + n, *dn = dp + n, *fp = dn + n, *fn = fp + n, *tmp = fn + n;
    random_g(o, n_out, n_in, 1, seed, gp, gn);
    for (int k = 0; k < n; k++) {
        gp[k] = gp[k] > 0 ? gp[k] : 0.3 * o->g_min_s; /* a central difference needs g - h >= 0 */
        r[k] = urand(&seed, -1, 1);
    }
    struct cospin_error err = {0};
    struct cospin_xbar_solver *s = NULL;
    ck_assert_int_eq(cospin_xbar_solver_new(o, n_out, n_in, 0, &s, &err), 0);
    loss(s, r, n, gp, gn);
    ck_assert_msg(cospin_xbar_solver_grad(s, r, dp, dn, &err) == 0, "grad: %s", err.msg);
    double big = 0, off_ideal = 0;
    for (int k = 0; k < 2 * n; k++) {
        double *g = k < n ? gp : gn, h = FD_STEP_REL * g[k % n], g0 = g[k % n];
        g[k % n] = g0 + h;
        double lp = loss(s, r, n, gp, gn);
        g[k % n] = g0 - h;
        double lm = loss(s, r, n, gp, gn);
        g[k % n] = g0;
        (k < n ? fp : fn)[k % n] = (lp - lm) / (2 * h);
        double an = (k < n ? dp : dn)[k % n];
        big = fmax(big, fabs(an));
        off_ideal = fmax(off_ideal, fabs(an - (k < n ? r[k] : -r[k - n])));
    }
    for (int k = 0; k < 2 * n; k++) {
        double an = (k < n ? dp : dn)[k % n], fd = (k < n ? fp : fn)[k % n];
        ck_assert_msg(fabs(an - fd) <= FD_RTOL * big, "dL/dG%c[%d]: adjoint %.12g, FD %.12g",
                      k < n ? '+' : '-', k % n, an, fd);
    }
    if (wired)
        ck_assert_msg(off_ideal > 1e3 * FD_RTOL * big, "wires changed no gradient (%g)", off_ideal);
    else
        ck_assert_msg(off_ideal <= FD_RTOL * big, "ideal gradient is not (R, -R): %g", off_ideal);
    /* The batch form: dL/dM = dL/dI^T V. */
    enum { NV = 5 };
    double *v = malloc(sizeof(double) * (size_t)(NV * n_in + NV * n_out));
    double *dli = v + NV * n_in;
    random_v(o, (size_t)(NV * n_in), seed + 7, v);
    for (int k = 0; k < NV * n_out; k++)
        dli[k] = urand(&seed, -1, 1);
    for (int j = 0; j < n_out; j++)
        for (int i = 0; i < n_in; i++) {
            tmp[j * n_in + i] = 0;
            for (int b = 0; b < NV; b++)
                tmp[j * n_in + i] += dli[b * n_out + j] * v[b * n_in + i];
        }
    loss(s, r, n, gp, gn);
    ck_assert_int_eq(cospin_xbar_solver_grad(s, tmp, dp, dn, &err), 0);
    ck_assert_int_eq(cospin_xbar_solver_grad_batch(s, v, dli, NV, fp, fn, &err), 0);
    double bb = 0;
    for (int k = 0; k < 2 * n; k++)
        bb = fmax(bb, fabs(k < n ? dp[k] : dn[k - n]));
    for (int k = 0; k < n; k++) {
        ck_assert(fabs(fp[k] - dp[k]) <= 1e-12 * bb);
        ck_assert(fabs(fn[k] - dn[k]) <= 1e-12 * bb);
    }
    free(v);
    free(gp);
    cospin_xbar_solver_free(s);
}

START_TEST(test_gradient_fd)
{
    struct cospin_xbar_opts o = opts_with(50.0, 200.0, 3, 2); /* 2 x 2 tiles, wires, drivers */
    check_grad(&o, 3, 5, 1, 71);
    o = opts_with(0, 0, 0, 0); /* finite-gain TIA: the sense node is an unknown */
    o.sense = COSPIN_XBAR_SENSE_TIA;
    o.tia_gain = 20;
    check_grad(&o, 4, 3, 1, 72);
    o = opts_with(0, 0, 2, 0); /* merged pairs: one element carries G+ - G- */
    o.cell = COSPIN_XBAR_CELL_VCCS_PAIR;
    check_grad(&o, 3, 4, 0, 73);
    o.cell = COSPIN_XBAR_CELL_RESISTOR; /* no unknowns: the gradient is (R, -R) exactly */
    check_grad(&o, 3, 4, 0, 74);
}
END_TEST

START_TEST(test_netlist_text)
{
    /* Driver resistors and their nodes; open devices are not written. */
    struct cospin_xbar_opts o = opts_with(0, 150.0, 2, 0);
    double gp[3 * 4], gn[3 * 4];
    random_g(&o, 3, 4, 1, 81, gp, gn);
    struct cospin_xbar_circuit *xc = NULL;
    ck_assert_int_eq(cospin_xbar_circuit_new(&o, 3, 4, gp, gn, &xc, NULL), 0);
    const char *in[4] = {"x0", "x1", "x2", "x3"};
    struct cospin_netlist *nl = cospin_netlist_new();
    ck_assert_int_eq(cospin_netlist_xbar_circuit(nl, "l1", xc, in, NULL, NULL), 0);
    const char *t = cospin_netlist_text(nl);
    int nd = 0, nx = 0, open = 0;
    for (const char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        nd += strncmp(l, "rl1d", 4) == 0;
        nx += strncmp(l, "rl1x", 4) == 0;
    }
    for (int k = 0; k < 12; k++)
        open += (gp[k] == 0) + (gn[k] == 0);
    ck_assert_int_eq(nd, 2 * 4);         /* one per physical row and tile: 4 rows x 2 tiles */
    ck_assert_int_eq(nx, 24 - open);
    ck_assert_int_gt(open, 0);
    ck_assert_ptr_nonnull(strstr(t, "\nrl1d1_3 l1n3 l1d1_3 150\n")); /* tile 1, row 3: -V(x3) */
    ck_assert_ptr_nonnull(strstr(t, ", driver 150 Ohm\n"));
    cospin_netlist_free(nl);
    /* The element list of a tile: counts per kind. */
    struct cospin_xbar_tile tile;
    ck_assert_int_eq(cospin_xbar_circuit_tile(xc, 1, &tile, NULL), 0);
    ck_assert_int_eq(tile.span.i0, 2);
    ck_assert_int_eq(tile.span.n_in, 2);
    ck_assert_int_eq((int)tile.n_elems, 4 + 4 * 3 + 3); /* drivers, devices, terminations */
    ck_assert_int_eq(tile.elems[0].kind, COSPIN_XBAR_ELEM_DRIVER);
    ck_assert_int_eq(tile.elems[tile.n_elems - 1].kind, COSPIN_XBAR_ELEM_AMMETER);
    cospin_xbar_tile_clear(&tile);
    cospin_xbar_tile_clear(&tile);
    cospin_xbar_circuit_free(xc);
    cospin_xbar_circuit_free(NULL);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------ */

/* The single tile of a 4 x 3 layer with wires, devices from seed. */
static void small_tile(struct cospin_xbar_tile *tile, double r_wire)
{
    struct cospin_xbar_opts o = opts_with(r_wire, 0, 0, 0);
    double gp[12], gn[12];
    random_g(&o, 4, 3, 0, 91, gp, gn);
    struct cospin_xbar_circuit *xc = NULL;
    ck_assert_int_eq(cospin_xbar_circuit_new(&o, 4, 3, gp, gn, &xc, NULL), 0);
    ck_assert_int_eq(cospin_xbar_circuit_tile(xc, 0, tile, NULL), 0);
    cospin_xbar_circuit_free(xc);
}

/* Open every device on physical row line r (or, r < 0, on column -r - 1). */
static void open_devices(struct cospin_xbar_tile *tile, int r)
{
    for (size_t k = 0; k < tile->n_elems; k++) {
        struct cospin_xbar_elem *e = &tile->elems[k];
        if (e->kind == COSPIN_XBAR_ELEM_CELL && (r >= 0 ? e->r == r : e->c == -r - 1))
            e->g_s = 0;
    }
}

static struct cospin_xbar_elem *find_elem(struct cospin_xbar_tile *tile,
                                          enum cospin_xbar_elem_kind kind, int r, int c)
{
    for (size_t k = 0; k < tile->n_elems; k++)
        if (tile->elems[k].kind == kind && tile->elems[k].r == r && tile->elems[k].c == c)
            return &tile->elems[k];
    ck_abort_msg("no element %d at %d, %d", (int)kind, r, c);
    return NULL;
}

static void expect_singular(const struct cospin_xbar_tile *tile, const char *words)
{
    double m[12];
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_xbar_tile_matrix(tile, m, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "crossbar tile 0 (inputs 0..2, outputs 0..3)") &&
                      strstr(err.msg, words),
                  "message '%s' lacks '%s'", err.msg, words);
}

START_TEST(test_singular)
{
    struct cospin_xbar_tile tile;
    double m[12];
    struct cospin_error err = {0};
    /* The intact tile solves, and equals the layer solver's matrix. */
    small_tile(&tile, 10.0);
    ck_assert_msg(cospin_xbar_tile_matrix(&tile, m, &err) == 0, "%s", err.msg);
    /* Row line 3 (input 1, inverted): devices open and the wire from its driver open. */
    open_devices(&tile, 3);
    ck_assert_int_eq(cospin_xbar_tile_matrix(&tile, m, NULL), 0); /* still driven: fine */
    find_elem(&tile, COSPIN_XBAR_ELEM_WIRE_ROW, 3, 0)->g_s = 0;
    expect_singular(&tile, "row line 3 (input 1, inverted line) at the cell of output 0 floats");
    cospin_xbar_tile_clear(&tile);
    /* Column 2: devices open and its last segment to the column end open. */
    small_tile(&tile, 10.0);
    open_devices(&tile, -3);
    find_elem(&tile, COSPIN_XBAR_ELEM_WIRE_COL, 6, 2)->g_s = 0;
    expect_singular(&tile, "column 2 (output 2) at the cell of row line 0");
    cospin_xbar_tile_clear(&tile);
    /*
     * Numerically singular: row line 2 hangs from its driver by 1e-20 S
     * against 1 S wires (1 Ohm), its devices open.  Eliminating the line's
     * chain leaves a pivot of (1 + 1e-20) - 1 = 0 in double precision.
     */
    small_tile(&tile, 1.0);
    open_devices(&tile, 2);
    find_elem(&tile, COSPIN_XBAR_ELEM_WIRE_ROW, 2, 0)->g_s = 1e-20;
    expect_singular(&tile, "numerically singular at row line 2 (input 1, positive line)");
    cospin_xbar_tile_clear(&tile);
}
END_TEST

START_TEST(test_bad_options)
{
    struct cospin_xbar_opts o;
    struct cospin_xbar_solver *s = NULL;
    struct cospin_error err = {0};
#define BAD(field, value, word)                                                           \
    do {                                                                                  \
        o = opts_with(1.0, 10.0, 0, 0);                                                   \
        o.sense = COSPIN_XBAR_SENSE_TIA;                                                  \
        o.field = value;                                                                  \
        memset(&err, 0, sizeof err);                                                      \
        ck_assert_int_eq(cospin_xbar_solver_new(&o, 2, 3, 0, &s, &err), COSPIN_ERR_INVALID); \
        ck_assert_ptr_null(s);                                                            \
        ck_assert_msg(strstr(err.msg, word) != NULL, "message '%s' lacks '%s'", err.msg, word); \
    } while (0)
    BAD(r_wire_ohm, -1.0, "wire resistance");
    BAD(r_wire_ohm, NAN, "wire resistance");
    BAD(r_wire_ohm, INFINITY, "wire resistance");
    BAD(r_driver_ohm, -5.0, "driver resistance");
    BAD(r_driver_ohm, INFINITY, "driver resistance");
    BAD(r_driver_ohm, NAN, "driver resistance");
    BAD(r_tia_ohm, NAN, "TIA feedback");
    BAD(r_tia_ohm, -1e3, "TIA feedback");
    BAD(tia_gain, INFINITY, "TIA gain");
    BAD(tile_cols, -1, "tile");
#undef BAD
    o = opts_with(0, 10.0, 0, 0);
    o.cell = COSPIN_XBAR_CELL_VCCS;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_xbar_solver_new(&o, 2, 3, 0, &s, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "ideal drivers"));
    o = opts_with(0, 0, 0, 0);
    ck_assert_int_eq(cospin_xbar_solver_new(&o, 0, 3, 0, &s, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_solver_new(&o, 2, 3, 8, &s, NULL), COSPIN_ERR_INVALID);
    /* Bad conductances name the device; a failed factorisation leaves no matrix. */
    double gp[6] = {1e-4, 1e-4, 1e-4, 1e-4, 1e-4, -1e-6}, gn[6] = {NAN, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4};
    struct cospin_xbar_circuit *xc = NULL;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_xbar_circuit_new(&o, 2, 3, gp, gp, &xc, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "G+[1][2]") != NULL, "%s", err.msg);
    gp[5] = 1e-4;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_xbar_circuit_new(&o, 2, 3, gp, gn, &xc, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "G-[0][0]") != NULL, "%s", err.msg);
    ck_assert_ptr_null(xc);
    ck_assert_int_eq(cospin_xbar_solver_new(&o, 2, 3, 0, &s, &err), 0);
    ck_assert_int_eq(cospin_xbar_solver_factor(s, gp, gn, NULL), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(cospin_xbar_solver_matrix(s));
    double v[3] = {0.1, 0.1, 0.1}, i[2];
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_xbar_solver_currents(s, v, 1, i, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "before a successful factorisation"));
    ck_assert_int_eq(cospin_xbar_solver_grad(s, v, i, i, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_solver_direct(s, v, 1, i, NULL), COSPIN_ERR_INVALID);
    gn[0] = 1e-4; /* now valid: missing arguments are errors too */
    ck_assert_int_eq(cospin_xbar_solver_factor(s, gp, gn, NULL), 0);
    ck_assert_ptr_nonnull(cospin_xbar_solver_matrix(s));
    ck_assert_int_eq(cospin_xbar_solver_currents(s, NULL, 1, i, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_solver_direct(s, v, 1, NULL, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_solver_grad(s, NULL, i, i, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_solver_grad_batch(s, v, NULL, 1, i, i, NULL),
                     COSPIN_ERR_INVALID);
    cospin_xbar_solver_free(s);
    cospin_xbar_solver_free(NULL);
    /* The description: tile out of range, netlist prefix. */
    ck_assert_int_eq(cospin_xbar_circuit_new(&o, 2, 3, gp, gp, &xc, NULL), 0);
    struct cospin_xbar_tile tile;
    ck_assert_int_eq(cospin_xbar_circuit_tile(xc, 1, &tile, NULL), COSPIN_ERR_INVALID);
    struct cospin_netlist *nl = cospin_netlist_new();
    const char *in[3] = {"x0", "x1", "x2"};
    ck_assert_int_eq(cospin_netlist_xbar_circuit(nl, "L 1", xc, in, NULL, NULL),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_netlist_xbar_circuit(nl, "l1", xc, NULL, NULL, NULL),
                     COSPIN_ERR_INVALID);
    cospin_netlist_free(nl);
    cospin_xbar_circuit_free(xc);
}
END_TEST

static Suite *suite_xbar(void)
{
    Suite *s = suite_create("xbar");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_one_tile_wires);
    tcase_add_test(core, test_tiles_wires);
    tcase_add_test(core, test_driver_resistance);
    tcase_add_test(core, test_tia_sensing);
    tcase_add_test(core, test_ideal_cells);
    tcase_add_test(core, test_matrix_vs_direct);
    tcase_add_test(core, test_gradient_fd);
    tcase_add_test(core, test_netlist_text);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_singular);
    tcase_add_test(errors, test_bad_options);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_xbar)
