/*
 * check_netlist.c -- crossbar, neuron-stage and network netlists (netlist.h),
 * checked by running the generated text under plain `ngspice -b` (with the
 * cospin code models through SPICE_SCRIPTS, set by `make check`) and
 * comparing with values derived here independently: the math level G V, a
 * dense nodal solve of the wire-resistance equations written in this file,
 * and the sigmoid of the compact neuron.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "netlist.h"

/*
 * Tolerance of circuit vs. math currents, relative to the sum of the
 * magnitudes of the device currents of a column.  ngspice solves a linear
 * system whose entries are the device conductances; LU with partial
 * pivoting on these well-conditioned systems loses a few digits at most
 * (the values are printed with 16 significant digits), so 1e-9 leaves
 * several orders of margin and still fails for any wrong element value
 * (netlists write 17 significant digits).
 */
#define REL_TOL 1e-9

/* ---- helpers: run ngspice -b, read "name = value" lines -------------------- */

struct ng_out {
    char *text;
};

/* Run `ngspice -b` on netlist + control lines; return its whole output (caller frees). */
static char *run_ngspice(const char *netlist, const char *control)
{
    char path[] = "/tmp/check_netlist_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp failed");
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s.control\nset numdgt=16\n%s\n.endc\n.end\n", netlist, control);
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ngspice -b %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    size_t k;
    while ((k = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += k;
        if (cap - len < 4096) {
            cap *= 2;
            out = realloc(out, cap);
        }
    }
    out[len] = '\0';
    pclose(p);
    unlink(path);
    return out;
}

/* The value printed as "name = value" (first occurrence); fails the test if missing. */
static double ng_value(const char *out, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "\n%s = ", name);
    const char *s = strstr(out, key);
    ck_assert_msg(s != NULL, "ngspice printed no %s; output:\n%.3000s", name, out);
    return strtod(s + strlen(key), NULL);
}

/* Seeded uniform in [lo, hi) (xorshift64*, independent of libc). */
static double urand(unsigned long long *s, double lo, double hi)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    unsigned long long v = *s * 2685821657736338717ULL;
    return lo + (hi - lo) * (double)(v >> 11) / 9007199254740992.0;
}

/* The conductance pair of the documented map, written out here again. */
static void pair(const struct cospin_xbar_opts *o, double w, double *gp, double *gn)
{
    double span = o->g_max_s - o->g_min_s;
    *gp = o->g_min_s + (w > 0 ? w : 0) / o->w_max * span;
    *gn = o->g_min_s + (w < 0 ? -w : 0) / o->w_max * span;
}

/* Crossbar with DC sources on x<i>; returns the netlist text (caller frees). */
static char *xbar_text(const struct cospin_xbar_opts *o, const double *w, int n_out, int n_in,
                       const double *x)
{
    struct cospin_netlist *nl = cospin_netlist_new();
    ck_assert_ptr_nonnull(nl);
    cospin_netlist_printf(nl, "* test crossbar\n");
    char **in = malloc(sizeof *in * (size_t)n_in);
    for (int i = 0; i < n_in; i++) {
        in[i] = malloc(16);
        snprintf(in[i], 16, "x%d", i);
        cospin_netlist_printf(nl, "vx%d x%d 0 dc %.17g\n", i, i, o->v_read_v * x[i]);
    }
    struct cospin_error err = {0};
    int rc = cospin_netlist_crossbar(nl, "l1", o, w, n_out, n_in, (const char *const *)in, NULL,
                                     &err);
    ck_assert_msg(rc == 0, "crossbar: %s", err.msg);
    char *text = strdup(cospin_netlist_text(nl));
    for (int i = 0; i < n_in; i++)
        free(in[i]);
    free(in);
    cospin_netlist_free(nl);
    return text;
}

/* Run op on a crossbar and read the column currents i(vl1s<j>) into cur. */
static void sim_currents(const char *text, int n_out, double *cur)
{
    char *ctl = malloc(64 + 24 * (size_t)n_out);
    strcpy(ctl, "op\nprint");
    for (int j = 0; j < n_out; j++)
        sprintf(ctl + strlen(ctl), " i(vl1s%d)", j);
    char *out = run_ngspice(text, ctl);
    for (int j = 0; j < n_out; j++) {
        char name[32];
        snprintf(name, sizeof name, "i(vl1s%d)", j);
        cur[j] = ng_value(out, name);
    }
    free(out);
    free(ctl);
}

/* Compare an ideal-wire crossbar with G V (the math level). */
static void check_ideal(const struct cospin_xbar_opts *o, int n_out, int n_in,
                        unsigned long long seed)
{
    double *w = malloc(sizeof *w * (size_t)(n_out * n_in));
    double *x = malloc(sizeof *x * (size_t)n_in);
    double *cur = malloc(sizeof *cur * (size_t)n_out);
    for (int k = 0; k < n_out * n_in; k++)
        w[k] = urand(&seed, -o->w_max, o->w_max);
    for (int i = 0; i < n_in; i++)
        x[i] = urand(&seed, 0, 1);
    char *text = xbar_text(o, w, n_out, n_in, x);
    sim_currents(text, n_out, cur);
    double iu = cospin_xbar_current_unit_a(o);
    for (int j = 0; j < n_out; j++) {
        double gv = 0, mag = 0, z = 0;
        for (int i = 0; i < n_in; i++) {
            double gp, gn, v = o->v_read_v * x[i];
            pair(o, w[j * n_in + i], &gp, &gn);
            gv += (gp - gn) * v;
            mag += (gp + gn) * fabs(v);
            z += w[j * n_in + i] * x[i];
        }
        ck_assert_msg(fabs(cur[j] - gv) <= REL_TOL * mag, "column %d: circuit %.17g, G V %.17g",
                      j, cur[j], gv);
        /* The documented scale: I = I_unit (W x). */
        ck_assert_msg(fabs(cur[j] - iu * z) <= REL_TOL * mag, "column %d: circuit %.17g, I_unit W x %.17g",
                      j, cur[j], iu * z);
    }
    free(text);
    free(w);
    free(x);
    free(cur);
}

/* ---- a dense nodal solver for the wire-resistance equations ----------------- */

/* Solve A v = b (n x n, row-major) by Gaussian elimination with partial pivoting. */
static void dense_solve(double *a, double *b, int n)
{
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int r = k + 1; r < n; r++)
            if (fabs(a[r * n + k]) > fabs(a[p * n + k]))
                p = r;
        ck_assert_msg(fabs(a[p * n + k]) > 0, "singular nodal matrix");
        if (p != k) {
            for (int c = 0; c < n; c++) {
                double t = a[k * n + c];
                a[k * n + c] = a[p * n + c];
                a[p * n + c] = t;
            }
            double t = b[k];
            b[k] = b[p];
            b[p] = t;
        }
        for (int r = k + 1; r < n; r++) {
            double f = a[r * n + k] / a[k * n + k];
            for (int c = k; c < n; c++)
                a[r * n + c] -= f * a[k * n + c];
            b[r] -= f * b[k];
        }
    }
    for (int k = n - 1; k >= 0; k--) {
        double s = b[k];
        for (int c = k + 1; c < n; c++)
            s -= a[k * n + c] * b[c];
        b[k] = s / a[k * n + k];
    }
}

/* Stamp conductance g between unknowns p and q (-1 = a fixed voltage vq/vp). */
static void stamp(double *a, double *rhs, int n, int p, double vp, int q, double vq, double g)
{
    if (p >= 0) {
        a[p * n + p] += g;
        if (q >= 0)
            a[p * n + q] -= g;
        else
            rhs[p] += g * vq;
    }
    if (q >= 0) {
        a[q * n + q] += g;
        if (p >= 0)
            a[q * n + p] -= g;
        else
            rhs[q] += g * vp;
    }
}

/*
 * Column currents of one tile by the nodal equations of the documented
 * layout: nrow physical rows (row 2k: +V of input k, row 2k+1: -V), ncol
 * columns; unknowns a[r][c] (row line at cell) and b[r][c] (column line at
 * cell); drivers at fixed voltage; the column end at 0 V (virtual ground).
 */
static void tile_currents(int nrow, int ncol, const double *vdrv, const double *g, double rw,
                          double *icol)
{
    int n = 2 * nrow * ncol;
    double *a = calloc((size_t)n * (size_t)n, sizeof *a);
    double *rhs = calloc((size_t)n, sizeof *rhs);
    double gw = 1.0 / rw;
#define A_(r, c) ((r) * ncol + (c))
#define B_(r, c) (nrow * ncol + (r) * ncol + (c))
    for (int r = 0; r < nrow; r++) {
        stamp(a, rhs, n, -1, vdrv[r], A_(r, 0), 0, gw);
        for (int c = 1; c < ncol; c++)
            stamp(a, rhs, n, A_(r, c - 1), 0, A_(r, c), 0, gw);
    }
    for (int c = 0; c < ncol; c++) {
        for (int r = 1; r < nrow; r++)
            stamp(a, rhs, n, B_(r - 1, c), 0, B_(r, c), 0, gw);
        stamp(a, rhs, n, B_(nrow - 1, c), 0, -1, 0.0, gw);
    }
    for (int r = 0; r < nrow; r++)
        for (int c = 0; c < ncol; c++)
            stamp(a, rhs, n, A_(r, c), 0, B_(r, c), 0, g[r * ncol + c]);
    dense_solve(a, rhs, n);
    for (int c = 0; c < ncol; c++)
        icol[c] = rhs[B_(nrow - 1, c)] * gw;
#undef A_
#undef B_
    free(a);
    free(rhs);
}

/* Wire-resistance crossbar vs. the nodal solve, tile by tile. */
static void check_wires(int n_out, int n_in, int tile_rows, int tile_cols, double rw,
                        unsigned long long seed)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    o.r_wire_ohm = rw;
    o.tile_rows = tile_rows;
    o.tile_cols = tile_cols;
    double *w = malloc(sizeof *w * (size_t)(n_out * n_in));
    double x[64];
    double cur[64], ref[64] = {0}, mag[64] = {0}, ideal[64] = {0};
    for (int k = 0; k < n_out * n_in; k++)
        w[k] = urand(&seed, -1, 1);
    for (int i = 0; i < n_in; i++)
        x[i] = urand(&seed, 0.2, 1);
    char *text = xbar_text(&o, w, n_out, n_in, x);
    sim_currents(text, n_out, cur);

    int tr = tile_rows > 0 && tile_rows < n_in ? tile_rows : n_in;
    int tc = tile_cols > 0 && tile_cols < n_out ? tile_cols : n_out;
    for (int i0 = 0; i0 < n_in; i0 += tr) {
        int ni = i0 + tr <= n_in ? tr : n_in - i0, nrow = 2 * ni;
        for (int j0 = 0; j0 < n_out; j0 += tc) {
            int ncol = j0 + tc <= n_out ? tc : n_out - j0;
            double vdrv[64], g[64 * 64], ic[64];
            for (int r = 0; r < nrow; r++) {
                int i = i0 + r / 2;
                vdrv[r] = (r % 2 ? -1 : 1) * o.v_read_v * x[i];
                for (int c = 0; c < ncol; c++) {
                    double gp, gn;
                    pair(&o, w[(j0 + c) * n_in + i], &gp, &gn);
                    g[r * ncol + c] = r % 2 ? gn : gp;
                    mag[j0 + c] += (gp + gn) * o.v_read_v * x[i] / 2;
                    ideal[j0 + c] += (r % 2 ? -gn : gp) * o.v_read_v * x[i];
                }
            }
            tile_currents(nrow, ncol, vdrv, g, rw, ic);
            for (int c = 0; c < ncol; c++)
                ref[j0 + c] += ic[c];
        }
    }
    for (int j = 0; j < n_out; j++) {
        ck_assert_msg(fabs(cur[j] - ref[j]) <= REL_TOL * mag[j],
                      "%dx%d r_wire %g tiles %dx%d column %d: ngspice %.17g, nodal %.17g", n_out,
                      n_in, rw, tile_rows, tile_cols, j, cur[j], ref[j]);
        /* The wires must matter (else the comparison above proves little). */
        ck_assert_msg(fabs(cur[j] - ideal[j]) > 1e3 * REL_TOL * mag[j],
                      "column %d: wire resistance changed nothing", j);
    }
    free(text);
    free(w);
}

/* ---- core ------------------------------------------------------------------- */

START_TEST(test_weight_map)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    ck_assert_int_eq(cospin_xbar_opts_validate(&o, NULL), 0);
    o.w_max = 2.5;
    unsigned long long s = 7;
    for (int k = 0; k < 200; k++) {
        double w = urand(&s, -2.5, 2.5), gp, gn;
        ck_assert_int_eq(cospin_xbar_weight_to_g(&o, w, &gp, &gn, NULL), 0);
        ck_assert(gp >= o.g_min_s && gp <= o.g_max_s && gn >= o.g_min_s && gn <= o.g_max_s);
        ck_assert(gp == o.g_min_s || gn == o.g_min_s);
        ck_assert_close(gp - gn, w * (o.g_max_s - o.g_min_s) / o.w_max, 1e-15);
    }
    /* Clipping saturates at the window. */
    o.clip = 1;
    double gp, gn;
    ck_assert_int_eq(cospin_xbar_weight_to_g(&o, 9.0, &gp, &gn, NULL), 0);
    ck_assert(gp == o.g_max_s && gn == o.g_min_s);
    ck_assert_int_eq(cospin_xbar_weight_to_g(&o, -9.0, &gp, &gn, NULL), 0);
    ck_assert(gn == o.g_max_s && gp == o.g_min_s);
    ck_assert_close(cospin_xbar_current_unit_a(&o), 0.1 * 1e-4 / 2.5, 1e-20);
}
END_TEST

START_TEST(test_text_shape)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    double w[3 * 4] = {0.5, -0.5, 0, 1, -1, 0.25, 0.75, 0, 0.1, 0.2, 0.3, -0.4};
    double x[4] = {1, 0.5, 0.25, 0};
    char *t = xbar_text(&o, w, 3, 4, x);
    int nr = 0, ne = 0, nv = 0;
    for (const char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        nr += strncmp(l, "rl1x", 4) == 0;
        ne += strncmp(l, "el1inv", 6) == 0;
        nv += strncmp(l, "vl1s", 4) == 0;
    }
    ck_assert_int_eq(nr, 2 * 3 * 4); /* one pair per weight */
    ck_assert_int_eq(ne, 4);         /* one inverting driver per input */
    ck_assert_int_eq(nv, 3);         /* one ammeter per column */
    free(t);

    struct cospin_netlist *nl = cospin_netlist_new();
    for (int k = 0; k < 5000; k++)
        ck_assert_int_eq(cospin_netlist_printf(nl, "* line %d of a long text\n", k), 0);
    ck_assert_int_eq((int)cospin_netlist_lines(nl), 5000);
    ck_assert_uint_eq(cospin_netlist_length(nl), strlen(cospin_netlist_text(nl)));
    cospin_netlist_free(nl);
    cospin_netlist_free(NULL);
}
END_TEST

START_TEST(test_ideal_resistor)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    check_ideal(&o, 7, 40, 11);
}
END_TEST

START_TEST(test_ideal_vccs_tia_tiles)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    o.cell = COSPIN_XBAR_CELL_VCCS;
    check_ideal(&o, 9, 33, 12);
    o.cell = COSPIN_XBAR_CELL_VCCS_PAIR;
    o.tile_rows = 10;
    check_ideal(&o, 9, 33, 16);
    cospin_xbar_opts_default(&o);
    o.sense = COSPIN_XBAR_SENSE_TIA; /* ideal TIA: the ammeter still reads I */
    o.w_max = 3;
    check_ideal(&o, 5, 20, 13);
    cospin_xbar_opts_default(&o);
    o.tile_rows = 8; /* 3 x 2 tiles, the last ones partial */
    o.tile_cols = 3;
    check_ideal(&o, 5, 20, 14);
}
END_TEST

START_TEST(test_big_ideal)
{
    /* The size of the thesis's first layer (784 inputs; 10 columns keep it fast). */
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    check_ideal(&o, 10, 784, 15);
}
END_TEST

START_TEST(test_tia_output)
{
    /*
     * TIA outputs.  Ideal: V_o = -R_f I.  Finite gain A with R_f feedback,
     * inverting input m: V_o = -A V_m and KCL at m,
     *   sum_k G_k (V_k - V_m) = (V_m - V_o) / R_f
     *   => V_m = sum G_k V_k / (sum G_k + (1 + A) / R_f).
     */
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    o.sense = COSPIN_XBAR_SENSE_TIA;
    o.r_tia_ohm = 2.0e3;
    double w[2 * 3] = {0.5, -0.25, 1.0, -1.0, 0.0, 0.3};
    double x[3] = {1.0, 0.6, 0.2};
    for (int pass = 0; pass < 2; pass++) {
        o.tia_gain = pass ? 1.0e3 : 0.0;
        char *t = xbar_text(&o, w, 2, 3, x);
        char *out = run_ngspice(t, "op\nprint v(l1o0) v(l1o1) i(vl1s0) i(vl1s1)");
        for (int j = 0; j < 2; j++) {
            double sg = 0, sgv = 0;
            for (int i = 0; i < 3; i++) {
                double gp, gn, v = o.v_read_v * x[i];
                pair(&o, w[j * 3 + i], &gp, &gn);
                sg += gp + gn;
                sgv += gp * v - gn * v;
            }
            char name[32];
            snprintf(name, sizeof name, "v(l1o%d)", j);
            double vo = ng_value(out, name), expect;
            if (pass == 0) {
                expect = -o.r_tia_ohm * sgv;
            } else {
                double vm = sgv / (sg + (1 + o.tia_gain) / o.r_tia_ohm);
                expect = -o.tia_gain * vm;
            }
            ck_assert_msg(fabs(vo - expect) <= REL_TOL * fabs(expect), "TIA %d out %d: %.17g vs %.17g",
                          pass, j, vo, expect);
        }
        free(out);
        free(t);
    }
}
END_TEST

START_TEST(test_wires_2x2)
{
    check_wires(2, 2, 0, 0, 50.0, 21);
}
END_TEST

START_TEST(test_wires_4x4)
{
    check_wires(4, 4, 0, 0, 20.0, 22);
    check_wires(4, 4, 2, 3, 20.0, 23); /* 2 x 2 tiles, partial column tile */
    check_wires(3, 5, 2, 2, 500.0, 24);
}
END_TEST

/* The compact neuron's curve, written out here from its documentation. */
static double neuron_v(const struct cospin_neuron_compact *p, double i_a)
{
    double idev = p->gain * i_a * 1e6 + p->i_bias_ua;
    return p->v_one_v / (1 + exp(-p->k_per_ua * (idev - p->c_ua)));
}

START_TEST(test_compact_neuron_sweep)
{
    const char *scripts = getenv("SPICE_SCRIPTS");
    ck_assert_msg(scripts != NULL, "SPICE_SCRIPTS unset: run through make check");
    struct cospin_neuron_compact p = {2.2, 11.8, 1.5, 2.0, 0.7};
    struct cospin_netlist *nl = cospin_netlist_new();
    cospin_netlist_printf(nl, "* compact neuron sweep\niin 0 s dc 0\n");
    ck_assert_int_eq(cospin_netlist_neuron_compact(nl, "t", 0, "s", "out", &p, NULL), 0);
    cospin_netlist_printf(nl, "rload out 0 1e6\n");
    /* Sweep the input 0 .. 12 uA in 0.5 uA steps, print each point. */
    char *out = run_ngspice(cospin_netlist_text(nl),
                            "dc iin 0 12e-6 0.5e-6\nlet vo = v(out)\n"
                            "let k = 0\nwhile k < length(vo)\nprint vo[k]\nlet k = k + 1\nend");
    /* Points are printed in sweep order as "vo[k] = value". */
    const char *s = out;
    int npts = 0;
    while ((s = strstr(s, "vo[k] = ")) != NULL) {
        double v = strtod(s + 8, NULL);
        double expect = neuron_v(&p, npts * 0.5e-6);
        /* The model forces Newton to converge its input to 1e-10 relative. */
        ck_assert_msg(fabs(v - expect) <= 1e-12 + 1e-9 * expect, "I = %g uA: %.17g vs %.17g",
                      npts * 0.5, v, expect);
        npts++;
        s += 8;
    }
    ck_assert_int_eq(npts, 25);
    free(out);
    cospin_netlist_free(nl);
}
END_TEST

START_TEST(test_network_dc)
{
    /* A 6-4-3 network as one netlist vs. the math level a = sigma(k (W x + c)). */
    ck_assert_msg(getenv("SPICE_SCRIPTS") != NULL, "SPICE_SCRIPTS unset: run through make check");
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    unsigned long long s = 31;
    double w1[4 * 6], w2[3 * 4], x[6], k1[4], c1[4], k2[3], c2[3];
    for (int i = 0; i < 24; i++)
        w1[i] = urand(&s, -1, 1);
    for (int i = 0; i < 12; i++)
        w2[i] = urand(&s, -1, 1);
    for (int i = 0; i < 6; i++)
        x[i] = urand(&s, 0, 1);
    for (int j = 0; j < 4; j++)
        k1[j] = urand(&s, -4, 4), c1[j] = urand(&s, -1, 1);
    for (int j = 0; j < 3; j++)
        k2[j] = urand(&s, 0.5, 4), c2[j] = urand(&s, -1, 1);
    double iu = cospin_xbar_current_unit_a(&o);
    struct cospin_neuron_compact n1[4], n2[3];
    for (int j = 0; j < 4; j++)
        ck_assert_int_eq(cospin_neuron_compact_for(k1[j], c1[j], iu, 2.2, 11.8, o.v_read_v, &n1[j], NULL), 0);
    for (int j = 0; j < 3; j++)
        ck_assert_int_eq(cospin_neuron_compact_for(k2[j], c2[j], iu, 3.4, 10.5, 1.0, &n2[j], NULL), 0);
    struct cospin_net_layer L[2] = {{6, 4, w1, n1, NULL}, {4, 3, w2, n2, NULL}};
    struct cospin_netlist *nl = cospin_netlist_new();
    struct cospin_error err = {0};
    int rc = cospin_netlist_network(nl, "test net", &o, L, 2, COSPIN_INPUT_DC, x, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    char *out = run_ngspice(cospin_netlist_text(nl),
                            "op\nprint v(l1a0) v(l1a1) v(l1a2) v(l1a3) v(l2a0) v(l2a1) v(l2a2)");
    double a1[4];
    for (int j = 0; j < 4; j++) {
        double z = 0;
        for (int i = 0; i < 6; i++)
            z += w1[j * 6 + i] * x[i];
        a1[j] = 1 / (1 + exp(-k1[j] * (z + c1[j])));
        char name[32];
        snprintf(name, sizeof name, "v(l1a%d)", j);
        ck_assert_close(ng_value(out, name), o.v_read_v * a1[j], 1e-10);
    }
    for (int j = 0; j < 3; j++) {
        double z = 0;
        for (int i = 0; i < 4; i++)
            z += w2[j * 4 + i] * a1[i];
        double a2 = 1 / (1 + exp(-k2[j] * (z + c2[j])));
        char name[32];
        snprintf(name, sizeof name, "v(l2a%d)", j);
        ck_assert_close(ng_value(out, name), a2, 1e-9);
    }
    free(out);
    cospin_netlist_free(nl);
}
END_TEST

START_TEST(test_llgs_neuron)
{
    /*
     * Full LLGS stage: 8 devices at 0 uA and 8 at 60 uA (5x the thesis's
     * c = 11.8 uA at 30 ns), 30 ns pulse, Ku = 1.21e6 J/m^3 (E_B = 15 kBT,
     * thesis ch. 3).  Thermal switching at 0 uA in 40 ns has probability
     * ~ 1e9/s * 40 ns * exp(-15) ~ 1e-5 per device; at 60 uA the write is
     * deterministic for practical purposes.  Bounds: <= 1 of 8 and >= 7 of 8.
     */
    ck_assert_msg(getenv("SPICE_SCRIPTS") != NULL, "SPICE_SCRIPTS unset: run through make check");
    struct cospin_netlist *nl = cospin_netlist_new();
    cospin_netlist_printf(nl, "* llgs neurons\ni0 0 s0 dc 0\nvs0 s0 0 0\ni1 0 s1 dc 60e-6\nvs1 s1 0 0\n");
    struct cospin_neuron_llgs p = {1.0, 0.0, 30e-9, 1.21e6, 8, 11};
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_netlist_neuron_llgs(nl, "n", 0, "vs0", &p, &err), 0);
    p.seed = 31;
    ck_assert_int_eq(cospin_netlist_neuron_llgs(nl, "n", 1, "vs1", &p, &err), 0);
    char ctl[1024] = "tran 0.1n 40n\nprint";
    for (int j = 0; j < 2; j++)
        for (int t = 0; t < 8; t++)
            sprintf(ctl + strlen(ctl), " v(nz%d_%d)[length(time)-1]", j, t);
    char *out = run_ngspice(cospin_netlist_text(nl), ctl);
    int up[2] = {0, 0};
    for (int j = 0; j < 2; j++)
        for (int t = 0; t < 8; t++) {
            char name[64];
            snprintf(name, sizeof name, "v(nz%d_%d)[length(time)-1]", j, t);
            double mz = ng_value(out, name);
            ck_assert_msg(fabs(mz) <= 1.0 + 1e-9, "m_z = %g", mz);
            up[j] += mz > 0;
        }
    ck_assert_msg(up[0] <= 1 && up[1] >= 7, "switched: %d of 8 at 0 uA, %d of 8 at 60 uA", up[0],
                  up[1]);
    free(out);
    /* Errors. */
    p.trials = 0;
    ck_assert_int_eq(cospin_netlist_neuron_llgs(nl, "n", 2, "vs1", &p, NULL), COSPIN_ERR_INVALID);
    p.trials = 1, p.width_s = 0;
    ck_assert_int_eq(cospin_netlist_neuron_llgs(nl, "n", 2, "vs1", &p, NULL), COSPIN_ERR_INVALID);
    p.width_s = 1e-9, p.gain = 0;
    ck_assert_int_eq(cospin_netlist_neuron_llgs(nl, "n", 2, "vs1", &p, NULL), COSPIN_ERR_INVALID);
    p.gain = 1;
    ck_assert_int_eq(cospin_netlist_neuron_llgs(nl, "n", 2, "", &p, NULL), COSPIN_ERR_INVALID);
    cospin_netlist_free(nl);
}
END_TEST

/* ---- errors ------------------------------------------------------------------ */

START_TEST(test_bad_options)
{
    struct cospin_xbar_opts o;
    struct cospin_error err = {0};
#define BAD(field, value, word)                                                           \
    do {                                                                                  \
        cospin_xbar_opts_default(&o);                                                     \
        o.field = value;                                                                  \
        memset(&err, 0, sizeof err);                                                      \
        ck_assert_int_eq(cospin_xbar_opts_validate(&o, &err), COSPIN_ERR_INVALID);        \
        ck_assert_msg(strstr(err.msg, word) != NULL, "message '%s' lacks '%s'", err.msg, word); \
    } while (0)
    BAD(g_min_s, 0.0, "g_min");
    BAD(g_max_s, 1e-5, "g_max");
    BAD(g_min_s, NAN, "g_min");
    BAD(w_max, -1.0, "w_max");
    BAD(v_read_v, 0.0, "read voltage");
    BAD(r_wire_ohm, -1.0, "wire");
    BAD(tile_rows, -2, "tile");
    BAD(cell, (enum cospin_xbar_cell)7, "cell");
    BAD(sense, (enum cospin_xbar_sense)7, "sense");
#undef BAD
    cospin_xbar_opts_default(&o);
    o.sense = COSPIN_XBAR_SENSE_TIA;
    o.r_tia_ohm = 0;
    ck_assert_int_eq(cospin_xbar_opts_validate(&o, NULL), COSPIN_ERR_INVALID);
    o.r_tia_ohm = 1e3;
    o.tia_gain = -1;
    ck_assert_int_eq(cospin_xbar_opts_validate(&o, NULL), COSPIN_ERR_INVALID);
    o.tia_gain = 1e4;
    o.cell = COSPIN_XBAR_CELL_VCCS;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_xbar_opts_validate(&o, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "VCCS"));
    cospin_xbar_opts_default(&o);
    o.cell = COSPIN_XBAR_CELL_VCCS;
    o.r_wire_ohm = 1;
    ck_assert_int_eq(cospin_xbar_opts_validate(&o, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_opts_validate(NULL, NULL), COSPIN_ERR_INVALID);
}
END_TEST

START_TEST(test_bad_weights)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    double gp, gn;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_xbar_weight_to_g(&o, NAN, &gp, &gn, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_weight_to_g(&o, 1.5, &gp, &gn, NULL), COSPIN_ERR_INVALID);
    /* The crossbar names the offending weight. */
    double w[2 * 3] = {0, 0, 0, 0, 0, 2.0};
    const char *in[3] = {"x0", "x1", "x2"};
    struct cospin_netlist *nl = cospin_netlist_new();
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_netlist_crossbar(nl, "l1", &o, w, 2, 3, in, NULL, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "[1][2]") != NULL, "%s", err.msg);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_netlist_crossbar(nl, "L-1", &o, w, 2, 3, in, NULL, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "prefix"));
    ck_assert_int_eq(cospin_netlist_crossbar(nl, "l1", &o, w, 0, 3, in, NULL, NULL),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_netlist_crossbar(nl, "l1", &o, NULL, 2, 3, in, NULL, NULL),
                     COSPIN_ERR_INVALID);
    cospin_netlist_free(nl);
}
END_TEST

START_TEST(test_bad_neuron)
{
    struct cospin_neuron_compact p = {2.2, 11.8, 1, 0, 1}, q;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_neuron_compact_validate(&p, NULL), 0);
    q = p, q.k_per_ua = 0;
    ck_assert_int_eq(cospin_neuron_compact_validate(&q, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "k_per_ua"));
    q = p, q.c_ua = INFINITY;
    ck_assert_int_eq(cospin_neuron_compact_validate(&q, NULL), COSPIN_ERR_INVALID);
    q = p, q.gain = 0;
    ck_assert_int_eq(cospin_neuron_compact_validate(&q, NULL), COSPIN_ERR_INVALID);
    q = p, q.i_bias_ua = NAN;
    ck_assert_int_eq(cospin_neuron_compact_validate(&q, NULL), COSPIN_ERR_INVALID);
    q = p, q.v_one_v = -1;
    ck_assert_int_eq(cospin_neuron_compact_validate(&q, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_neuron_compact_for(0, 0, 1e-5, 2.2, 11.8, 1, &q, NULL),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_neuron_compact_for(1, 0, 1e-5, -2.2, 11.8, 1, &q, NULL),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_neuron_compact_for(1, 0, 0, 2.2, 11.8, 1, &q, NULL),
                     COSPIN_ERR_INVALID);
    struct cospin_netlist *nl = cospin_netlist_new();
    q = p, q.k_per_ua = -1;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_netlist_neuron_compact(nl, "l1", 3, "s", "o", &q, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "neuron 3") != NULL, "%s", err.msg);
    cospin_netlist_free(nl);
}
END_TEST

START_TEST(test_bad_model_in_ngspice)
{
    /* The code model itself refuses a bad parameter with the tagged message. */
    ck_assert_msg(getenv("SPICE_SCRIPTS") != NULL, "SPICE_SCRIPTS unset: run through make check");
    char *out = run_ngspice("* bad neuron\niin 0 s dc 1e-6\na1 %id(s 0) out bad\n"
                            ".model bad mtj_compact(k_per_ua=-2 c_ua=10)\nrl out 0 1k\n",
                            "op\nprint v(out)");
    ck_assert_msg(strstr(out, "cospin-error: mtj_compact: slope k_per_ua") != NULL,
                  "no tagged error in:\n%.3000s", out);
    free(out);
}
END_TEST

START_TEST(test_bad_network)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    double w[4] = {0};
    struct cospin_neuron_compact n[2] = {{2.2, 11.8, 1, 0, 0.1}, {2.2, 11.8, 1, 0, 0.1}};
    struct cospin_net_layer L[2] = {{2, 2, w, n, NULL}, {3, 1, w, NULL, NULL}};
    struct cospin_netlist *nl = cospin_netlist_new();
    struct cospin_error err = {0};
    double x[2] = {0, 0};
    ck_assert_int_eq(cospin_netlist_network(nl, "t", &o, L, 2, COSPIN_INPUT_DC, x, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "layer 2 has 3 inputs"));
    L[1].n_in = 2;
    ck_assert_int_eq(cospin_netlist_network(nl, "t", &o, L, 2, COSPIN_INPUT_DC, NULL, NULL),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_netlist_network(nl, "t", &o, L, 0, COSPIN_INPUT_DC, x, NULL),
                     COSPIN_ERR_INVALID);
    L[0].neuron = NULL;
    ck_assert_int_eq(cospin_netlist_network(nl, "t", &o, L, 2, COSPIN_INPUT_DC, x, NULL),
                     COSPIN_ERR_INVALID);
    L[0].neuron = n;
    n[1].v_one_v = 1.0; /* the next layer reads 0.1 V per unit */
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_netlist_network(nl, "t", &o, L, 2, COSPIN_INPUT_DC, x, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "neuron 1"));
    ck_assert_int_eq(cospin_netlist_network(nl, "t", &o, L, 2, (enum cospin_input_kind)9, x, NULL),
                     COSPIN_ERR_INVALID);
    cospin_netlist_free(nl);
}
END_TEST

static Suite *suite_netlist(void)
{
    Suite *s = suite_create("netlist");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_weight_map);
    tcase_add_test(core, test_text_shape);
    tcase_add_test(core, test_ideal_resistor);
    tcase_add_test(core, test_ideal_vccs_tia_tiles);
    tcase_add_test(core, test_big_ideal);
    tcase_add_test(core, test_tia_output);
    tcase_add_test(core, test_wires_2x2);
    tcase_add_test(core, test_wires_4x4);
    tcase_add_test(core, test_compact_neuron_sweep);
    tcase_add_test(core, test_network_dc);
    tcase_add_test(core, test_llgs_neuron);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_bad_options);
    tcase_add_test(errors, test_bad_weights);
    tcase_add_test(errors, test_bad_neuron);
    tcase_add_test(errors, test_bad_model_in_ngspice);
    tcase_add_test(errors, test_bad_network);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_netlist)
