/*
 * check_xbar_net.c -- networks of crossbar layers on the sparse solver
 * (xbar_net.h): ideal crossbars are the weights, the result does not depend
 * on the number of threads, the devices are the weight map times the chip,
 * read noise has the documented statistics, the gradient through the solve
 * and the weight map equals central finite differences (in double, and
 * through the training hooks and the float32 network), and bad input fails
 * with messages naming the layer, the weight or the tile.
 *
 * The test network is small (12-7-4) but has what matters: wire resistance
 * strong enough to move the effective matrices ~10-40 % away from the
 * weights (so a gradient that ignored the circuit fails), tiles of 5 x 3
 * with partial tiles in both directions, device spread and stuck devices.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "error.h"
#include "nn.h"
#include "xbar_net.h"
#include "xbar_solve.h"

static const size_t units[3] = {12, 7, 4};
#define NS 6   /* input vectors of the loss */

static double urand(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* Wires of 5 Ohm, tiles 5:3, w_max 1 (weights in +-0.9). */
static void test_opts(struct cospin_xbar_opts *xo, double r_wire)
{
    cospin_xbar_opts_default(xo);
    xo->r_wire_ohm = r_wire;
    xo->tile_rows = 5;
    xo->tile_cols = 3;
}

/* Weights of both layers, |w| in [0.1, 0.9] (away from the map's kink at 0). */
static void test_weights(double *w0, double *w1, unsigned long long seed)
{
    for (size_t k = 0; k < units[0] * units[1]; k++)
        w0[k] = (urand(&seed) < 0.5 ? -1 : 1) * (0.1 + 0.8 * urand(&seed));
    for (size_t k = 0; k < units[1] * units[2]; k++)
        w1[k] = (urand(&seed) < 0.5 ? -1 : 1) * (0.1 + 0.8 * urand(&seed));
}

static struct cospin_xbar_net *make_net(double r_wire, const struct cospin_nonideal *ni,
                                        int threads, int flags)
{
    struct cospin_xbar_opts xo;
    test_opts(&xo, r_wire);
    struct cospin_nonideal ideal;
    cospin_nonideal_init(&ideal);
    struct cospin_xbar_net *net = NULL;
    struct cospin_error err = {0};
    int rc = cospin_xbar_net_new(&xo, ni ? ni : &ideal, units, 2, threads, flags, &net, &err);
    ck_assert_msg(rc == 0, "new: %s", err.msg);
    return net;
}

static void program(struct cospin_xbar_net *net, const double *w0, const double *w1)
{
    struct cospin_error err = {0};
    ck_assert_msg(cospin_xbar_net_program(net, 0, w0, &err) == 0, "layer 1: %s", err.msg);
    ck_assert_msg(cospin_xbar_net_program(net, 1, w1, &err) == 0, "layer 2: %s", err.msg);
}

/* Ideal wires: M~ is the weight matrix (to rounding), whatever the tiling. */
START_TEST(test_ideal_is_weights)
{
    double w0[84], w1[28];
    test_weights(w0, w1, 3);
    struct cospin_xbar_net *net = make_net(0.0, NULL, 2, 0);
    program(net, w0, w1);
    const double *m = cospin_xbar_net_matrix(net, 0);
    for (size_t k = 0; k < 84; k++)
        ck_assert_close(m[k], w0[k], 1e-12);
    cospin_xbar_net_free(net);
}
END_TEST

/* The parts of a layer in parallel give the same bits as one part. */
START_TEST(test_threads_same_result)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 0.1;
    double w0[84], w1[28], dm[84], g1[84], g3[84];
    test_weights(w0, w1, 5);
    unsigned long long s = 9;
    for (size_t k = 0; k < 84; k++)
        dm[k] = urand(&s) - 0.5;
    struct cospin_xbar_net *a = make_net(5.0, &ni, 1, COSPIN_XBAR_NET_GRAD);
    struct cospin_xbar_net *b = make_net(5.0, &ni, 3, COSPIN_XBAR_NET_GRAD);
    program(a, w0, w1);
    program(b, w0, w1);
    struct cospin_xbar_net_stats st;
    cospin_xbar_net_stats(b, &st);
    ck_assert_int_eq(st.parts[0], 3);   /* 7 outputs in tiles of 3: three tile columns */
    ck_assert_int_eq(st.tiles[0], 9);
    ck_assert_int_eq(memcmp(cospin_xbar_net_matrix(a, 0), cospin_xbar_net_matrix(b, 0),
                            84 * sizeof(double)), 0);
    ck_assert_int_eq(cospin_xbar_net_grad(a, 0, dm, g1, NULL), 0);
    ck_assert_int_eq(cospin_xbar_net_grad(b, 0, dm, g3, NULL), 0);
    ck_assert_int_eq(memcmp(g1, g3, sizeof g1), 0);
    cospin_xbar_net_free(a);
    cospin_xbar_net_free(b);
}
END_TEST

/*
 * A tile size that leaves a single input and a single output over: the last
 * tile is an array of just that one pair (its own drivers and column end),
 * so its block of M~ is the effective matrix of a 1 x 1 layer of the same
 * two devices.
 */
START_TEST(test_remainder_tile)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 0.2;
    struct cospin_xbar_opts xo;
    test_opts(&xo, 5.0);
    xo.tile_rows = 11;
    xo.tile_cols = 6;
    double w0[84], w1[28], gp[84], gn[84];
    test_weights(w0, w1, 71);
    struct cospin_xbar_net *net = NULL;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_xbar_net_new(&xo, &ni, units, 2, 2, 0, &net, &err), 0);
    ck_assert_msg(cospin_xbar_net_program(net, 0, w0, &err) == 0, "%s", err.msg);
    struct cospin_xbar_net_stats st;
    cospin_xbar_net_stats(net, &st);
    ck_assert_int_eq(st.tiles[0], 4);   /* 11 + 1 inputs x 6 + 1 outputs */
    ck_assert_int_eq(cospin_xbar_net_devices(net, 0, w0, gp, gn, NULL), 0);
    /* The 1 x 1 layer of exactly those two devices, solved on its own. */
    xo.tile_rows = xo.tile_cols = 0;
    struct cospin_xbar_tile tile = {0};
    struct cospin_xbar_circuit *xc = NULL;
    ck_assert_int_eq(cospin_xbar_circuit_new(&xo, 1, 1, &gp[6 * 12 + 11], &gn[6 * 12 + 11], &xc,
                                             &err), 0);
    ck_assert_int_eq(cospin_xbar_circuit_tile(xc, 0, &tile, &err), 0);
    double m1;
    ck_assert_int_eq(cospin_xbar_tile_matrix(&tile, &m1, &err), 0);
    const struct cospin_xbar_opts *o = cospin_xbar_net_opts(net);
    double to_net = o->v_read_v / cospin_xbar_net_i_unit_a(net);
    ck_assert_rel(cospin_xbar_net_matrix(net, 0)[6 * 12 + 11], m1 * to_net, 1e-12);
    cospin_xbar_tile_clear(&tile);
    cospin_xbar_circuit_free(xc);
    cospin_xbar_net_free(net);
}
END_TEST

/* The devices are the weight map times the chip's factors, or the window's ends. */
START_TEST(test_devices)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 0.3;
    ni.stuck_on = 0.1;
    ni.stuck_off = 0.1;
    double w0[84], w1[28], gp[84], gn[84], gp0[84], gn0[84];
    test_weights(w0, w1, 11);
    struct cospin_xbar_net *net = make_net(1.0, &ni, 1, 0);
    const struct cospin_xbar_opts *xo = cospin_xbar_net_opts(net);
    ck_assert_int_eq(cospin_xbar_net_devices(net, 0, w0, gp, gn, NULL), 0);
    ck_assert_int_eq(cospin_xbar_weights_to_g(xo, w0, 7, 12, gp0, gn0, NULL, NULL), 0);
    struct cospin_nonideal_chip *chip = NULL;
    ck_assert_int_eq(cospin_nonideal_chip_new(&ni, 0, 84, &chip, NULL), 0);
    int stuck = 0, spread = 0;
    for (size_t k = 0; k < 84; k++) {
        double want = chip->s_pos[k] > 0 ? xo->g_max_s
                      : chip->s_pos[k] < 0 ? xo->g_min_s : gp0[k] * chip->f_pos[k];
        ck_assert_double_eq(gp[k], want);
        stuck += chip->s_pos[k] != 0;
        spread += chip->s_pos[k] == 0 && fabs(gp[k] / gp0[k] - 1) > 0.01;
    }
    ck_assert_int_gt(stuck, 0);
    ck_assert_int_gt(spread, 40);
    cospin_nonideal_chip_free(chip);
    cospin_xbar_net_free(net);
}
END_TEST

/* Read noise: mean M~ x, standard deviation read_noise sqrt(sum_i q_ji x_i^2). */
START_TEST(test_read_noise)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.read_noise = 0.05;
    double w0[84], w1[28], x[12];
    test_weights(w0, w1, 13);
    unsigned long long s = 17;
    for (int i = 0; i < 12; i++)
        x[i] = urand(&s);
    struct cospin_xbar_net *net = make_net(2.0, &ni, 1, 0);
    program(net, w0, w1);
    enum { R = 4000 };
    double *xs = malloc(R * 12 * sizeof *xs), *z = malloc(R * 7 * sizeof *z);
    for (int r = 0; r < R; r++)
        memcpy(xs + r * 12, x, sizeof x);
    ck_assert_int_eq(cospin_xbar_net_read(net, 0, xs, R, 0, z, NULL), 0);
    const double *m = cospin_xbar_net_matrix(net, 0);
    const double *gp = cospin_xbar_net_g_pos(net, 0), *gn = cospin_xbar_net_g_neg(net, 0);
    const struct cospin_xbar_opts *xo = cospin_xbar_net_opts(net);
    double to_net = xo->v_read_v / cospin_xbar_net_i_unit_a(net);
    for (int j = 0; j < 7; j++) {
        double mean = 0, var = 0, sd2 = 0;
        for (int i = 0; i < 12; i++) {
            mean += m[j * 12 + i] * x[i];
            sd2 += (gp[j * 12 + i] * gp[j * 12 + i] + gn[j * 12 + i] * gn[j * 12 + i]) *
                   to_net * to_net * x[i] * x[i];
        }
        double sd = ni.read_noise * sqrt(sd2), avg = 0;
        for (int r = 0; r < R; r++)
            avg += z[r * 7 + j] / R;
        for (int r = 0; r < R; r++)
            var += (z[r * 7 + j] - avg) * (z[r * 7 + j] - avg) / (R - 1);
        ck_assert_close(avg, mean, 5 * sd / sqrt(R));
        ck_assert_close(sqrt(var), sd, 5 * sd / sqrt(2.0 * (R - 1)));
    }
    /* The same read index gives the same noise; the noise of read r does not depend on batching. */
    double z2[7];
    ck_assert_int_eq(cospin_xbar_net_read(net, 0, x, 1, 123, z2, NULL), 0);
    for (int j = 0; j < 7; j++)   /* (the matrix products of 1 and R rows round differently) */
        ck_assert_close(z2[j], z[123 * 7 + j], 1e-12);
    free(xs);
    free(z);
    cospin_xbar_net_free(net);
}
END_TEST

/*
 * The loss of the test network in double: z1 = M~1 x, a1 = sigma(z1),
 * z2 = M~2 a1, L = sum (z2 - t)^2 / 2 over NS inputs.  With grads, also
 * dL/dM~ of both layers (dm0: 7 x 12, dm1: 4 x 7).
 */
static double net_loss(struct cospin_xbar_net *net, const double *x, const double *t,
                       double *dm0, double *dm1)
{
    const double *m0 = cospin_xbar_net_matrix(net, 0), *m1 = cospin_xbar_net_matrix(net, 1);
    double loss = 0;
    if (dm0)
        memset(dm0, 0, 84 * sizeof *dm0), memset(dm1, 0, 28 * sizeof *dm1);
    for (int s = 0; s < NS; s++) {
        double a1[7], z2[4], d2[4], d1[7];
        for (int j = 0; j < 7; j++) {
            double z = 0;
            for (int i = 0; i < 12; i++)
                z += m0[j * 12 + i] * x[s * 12 + i];
            a1[j] = 1 / (1 + exp(-z));
        }
        for (int j = 0; j < 4; j++) {
            z2[j] = 0;
            for (int i = 0; i < 7; i++)
                z2[j] += m1[j * 7 + i] * a1[i];
            d2[j] = z2[j] - t[s * 4 + j];
            loss += 0.5 * d2[j] * d2[j];
        }
        if (!dm0)
            continue;
        for (int i = 0; i < 7; i++) {
            d1[i] = 0;
            for (int j = 0; j < 4; j++)
                d1[i] += d2[j] * m1[j * 7 + i], dm1[j * 7 + i] += d2[j] * a1[i];
            d1[i] *= a1[i] * (1 - a1[i]);
        }
        for (int j = 0; j < 7; j++)
            for (int i = 0; i < 12; i++)
                dm0[j * 12 + i] += d1[j] * x[s * 12 + i];
    }
    return loss;
}

/*
 * dL/dw through the solve, the devices and the weight map against central
 * differences of the loss: step h = 1e-6 in w, so the truncation error is
 * ~h^2 L''' ~1e-12 and the rounding error of the refactored matrices
 * (relative ~1e-16 times the nodal matrices' condition, ~1e4) over h is
 * ~1e-9 of the gradient (measured: 4e-9).  Tolerance 1e-7 of the largest
 * gradient.  The gradient of the weights themselves (M~ = W) is off by
 * more than 0.5 of it, so the test can tell the circuit from the math.
 */
START_TEST(test_grad_vs_finite_differences)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 0.2;
    ni.stuck_on = 0.05;
    ni.stuck_off = 0.05;
    double w0[84], w1[28], x[NS * 12], t[NS * 4], dm0[84], dm1[28], g0[84], g1[28];
    test_weights(w0, w1, 21);
    unsigned long long s = 23;
    for (int k = 0; k < NS * 12; k++)
        x[k] = urand(&s);
    for (int k = 0; k < NS * 4; k++)
        t[k] = urand(&s) - 0.5;
    struct cospin_xbar_net *net = make_net(5.0, &ni, 2, COSPIN_XBAR_NET_GRAD);
    program(net, w0, w1);
    net_loss(net, x, t, dm0, dm1);
    double dev = 0;   /* how far the circuit is from the weights */
    for (int k = 0; k < 84; k++)
        dev = fmax(dev, fabs(cospin_xbar_net_matrix(net, 0)[k] - w0[k]));
    ck_assert_double_gt(dev, 0.1);
    ck_assert_int_eq(cospin_xbar_net_grad(net, 0, dm0, g0, NULL), 0);
    ck_assert_int_eq(cospin_xbar_net_grad(net, 1, dm1, g1, NULL), 0);
    double *w[2] = {w0, w1}, *g[2] = {g0, g1}, *dm[2] = {dm0, dm1};
    int n[2] = {84, 28};
    for (int l = 0; l < 2; l++) {
        double gmax = 0, naive = 0;
        for (int k = 0; k < n[l]; k++)
            gmax = fmax(gmax, fabs(g[l][k]));
        for (int k = 0; k < n[l]; k++) {
            const double h = 1e-6, w_k = w[l][k];
            w[l][k] = w_k + h;
            program(net, w0, w1);
            double lp = net_loss(net, x, t, NULL, NULL);
            w[l][k] = w_k - h;
            program(net, w0, w1);
            double lm = net_loss(net, x, t, NULL, NULL);
            w[l][k] = w_k;
            double fd = (lp - lm) / (2 * h);
            ck_assert_msg(fabs(fd - g[l][k]) <= 1e-7 * gmax,
                          "layer %d weight %d: adjoint %.12g, finite difference %.12g", l + 1, k,
                          g[l][k], fd);
            naive = fmax(naive, fabs(fd - dm[l][k]));
        }
        ck_assert_double_gt(naive, 0.5 * gmax);
    }
    cospin_xbar_net_free(net);
}
END_TEST

/*
 * The full network gradient through the training hooks: the float32
 * network (nn.h) with the crossbar as its forward pass, dJ/dw from the
 * backward pass and the gradient hook, against central differences of the
 * network's own loss.  float rounding of the activations (~1e-7 relative,
 * on a loss of ~3) over the step 2e-3 allows ~2e-4 (measured: 1.3e-4 with
 * gradients up to 0.41); tolerance 1e-3 of the largest gradient plus 3e-4.
 * The gradient that ignores the circuit (dJ/dM~ taken as dJ/dw) is off by
 * 0.25 of the largest gradient, 150 times that.
 */
START_TEST(test_train_hooks_grad)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 0.1;
    struct cospin_xbar_net *net = make_net(5.0, &ni, 2, COSPIN_XBAR_NET_GRAD);
    struct cospin_nn *nn = cospin_nn_new(12, 7, 4), *grad = cospin_nn_new(12, 7, 4);
    double w0[84], w1[28];
    test_weights(w0, w1, 31);
    for (int k = 0; k < 84; k++)
        nn->w[0][k] = (float)w0[k];
    for (int k = 0; k < 28; k++)
        nn->w[1][k] = (float)w1[k];
    for (int j = 0; j < 7; j++)   /* a hidden layer that is neither flat nor saturated */
        nn->k[0][j] = 2.0f, nn->c[0][j] = -0.3f;
    for (int j = 0; j < 4; j++)
        nn->k[1][j] = 2.0f, nn->c[1][j] = 0.1f;
    float x[NS * 12];
    uint8_t y[NS];
    unsigned long long s = 37;
    for (int k = 0; k < NS * 12; k++)
        x[k] = (float)urand(&s);
    for (int k = 0; k < NS; k++)
        y[k] = (uint8_t)(k % 4);
    struct cospin_train_opts o;
    cospin_train_opts_init(&o);
    cospin_xbar_net_train_hooks(net, &o);
    struct cospin_nn_work *work = cospin_nn_work_new(nn, NS);
    struct cospin_error err = {0};
    ck_assert_msg(cospin_nn_forward(nn, work, x, NS, &o.hooks, &err) == 0, "%s", err.msg);
    cospin_nn_backward(nn, work, x, y, NS, NULL, grad);
    float naive[84];
    memcpy(naive, grad->w[0], sizeof naive);
    for (int l = 0; l < 2; l++)
        ck_assert_int_eq(o.weight_grad.transform(o.weight_grad.ctx, l, nn->w[l], grad->w[l],
                                                 l ? 28 : 84, &err), 0);
    for (int l = 0; l < 2; l++) {
        int n = l ? 28 : 84;
        double gmax = 0, off = 0;
        for (int k = 0; k < n; k++)
            gmax = fmax(gmax, fabs(grad->w[l][k]));
        for (int k = 0; k < n; k++) {
            const float h = 1e-3f, w_k = nn->w[l][k];
            double lpm[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                nn->w[l][k] = w_k + (sgn ? -h : h);
                ck_assert_int_eq(cospin_nn_forward(nn, work, x, NS, &o.hooks, &err), 0);
                lpm[sgn] = cospin_nn_backward(nn, work, x, y, NS, NULL, NULL);
            }
            nn->w[l][k] = w_k;
            double fd = (lpm[0] - lpm[1]) / (2.0 * h);
            ck_assert_msg(fabs(fd - grad->w[l][k]) <= 1e-3 * gmax + 3e-4,
                          "layer %d weight %d: hooks %.6g, finite difference %.6g", l + 1, k,
                          (double)grad->w[l][k], fd);
            if (l == 0)
                off = fmax(off, fabs(fd - naive[k]));
        }
        if (l == 0)
            ck_assert_double_gt(off, 0.1 * gmax);
    }
    cospin_nn_work_free(work);
    cospin_nn_free(nn);
    cospin_nn_free(grad);
    cospin_xbar_net_free(net);
}
END_TEST

/* Neuron samples and the ADC through the hooks: outputs in steps of 1/S, a finite loss. */
START_TEST(test_train_hooks_stochastic)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.neuron_samples = 3;
    ni.adc_bits = 5;
    ni.read_noise = 0.02;
    struct cospin_xbar_net *net = make_net(1.0, &ni, 1, COSPIN_XBAR_NET_GRAD);
    struct cospin_nn *nn = cospin_nn_new(12, 7, 4), *grad = cospin_nn_new(12, 7, 4);
    double w0[84], w1[28];
    test_weights(w0, w1, 41);
    for (int k = 0; k < 84; k++)
        nn->w[0][k] = (float)w0[k];
    for (int k = 0; k < 28; k++)
        nn->w[1][k] = (float)w1[k];
    for (int j = 0; j < 7; j++)
        nn->k[0][j] = 1.0f;
    for (int j = 0; j < 4; j++)
        nn->k[1][j] = 1.0f;
    float x[NS * 12];
    uint8_t y[NS] = {0, 1, 2, 3, 0, 1};
    unsigned long long s = 43;
    for (int k = 0; k < NS * 12; k++)
        x[k] = (float)urand(&s);
    struct cospin_train_opts o;
    cospin_train_opts_init(&o);
    cospin_xbar_net_train_hooks(net, &o);
    ck_assert_ptr_nonnull(o.hooks.activation.activate_st);
    struct cospin_nn_work *work = cospin_nn_work_new(nn, NS);
    struct cospin_error err = {0};
    ck_assert_msg(cospin_nn_forward(nn, work, x, NS, &o.hooks, &err) == 0, "%s", err.msg);
    for (int k = 0; k < NS * 7; k++) {
        ck_assert_float_eq(work->a[0][k] * 3, nearbyintf(work->a[0][k] * 3));
        ck_assert(work->p[0][k] > 0 && work->p[0][k] < 1);
    }
    double loss = cospin_nn_backward(nn, work, x, y, NS, NULL, grad);
    ck_assert(isfinite(loss));
    int nonzero = 0;
    for (int k = 0; k < 84; k++)
        nonzero += grad->w[0][k] != 0;
    ck_assert_int_gt(nonzero, 40);   /* straight through: not killed by 0/1 samples */
    cospin_nn_work_free(work);
    cospin_nn_free(nn);
    cospin_nn_free(grad);
    cospin_xbar_net_free(net);
}
END_TEST

START_TEST(test_errors)
{
    struct cospin_xbar_opts xo;
    test_opts(&xo, 1.0);
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    struct cospin_xbar_net *net = NULL;
    struct cospin_error err = {0};
    /* Options: named by the crossbar and non-ideality checks. */
    xo.r_wire_ohm = -1;
    ck_assert_int_eq(cospin_xbar_net_new(&xo, &ni, units, 2, 1, 0, &net, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "wire resistance"));
    ck_assert_ptr_null(net);
    test_opts(&xo, 1.0);
    ni.stuck_off = 1.5;
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_xbar_net_new(&xo, &ni, units, 2, 1, 0, &net, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "stuck-off"));
    cospin_nonideal_init(&ni);
    ck_assert_int_eq(cospin_xbar_net_new(&xo, &ni, units, 2, 0, 0, &net, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_xbar_net_new(&xo, &ni, units, 0, 1, 0, &net, NULL), COSPIN_ERR_INVALID);

    net = make_net(1.0, NULL, 2, 0);
    double w0[84], w1[28], z[7], dm[84], dw[84];
    test_weights(w0, w1, 51);
    /* Not programmed; no such layer; no gradients without the flag. */
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_xbar_net_read(net, 0, w0, 1, 0, z, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "not programmed"));
    ck_assert_int_eq(cospin_xbar_net_program(net, 2, w0, NULL), COSPIN_ERR_INVALID);
    ck_assert_ptr_null(cospin_xbar_net_matrix(net, 0));
    program(net, w0, w1);
    ck_assert_int_eq(cospin_xbar_net_grad(net, 0, dm, dw, NULL), COSPIN_ERR_INVALID);
    /* A weight beyond w_max without clipping names the layer and the weight. */
    w1[2 * 7 + 3] = 1.5;
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_xbar_net_program(net, 1, w1, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "layer 2 weight [2][3]") && strstr(err.msg, "w_max"), "%s",
                  err.msg);
    ck_assert_ptr_null(cospin_xbar_net_matrix(net, 1));   /* unprogrammed after the error */
    w1[2 * 7 + 3] = NAN;
    ck_assert_int_eq(cospin_xbar_net_program(net, 1, w1, NULL), COSPIN_ERR_INVALID);
    cospin_xbar_net_free(net);
    cospin_xbar_net_free(NULL);
}
END_TEST

/*
 * A spread so wide that conductances overflow or span more than double
 * precision resolves: an error naming the layer and the device or the
 * tile, also when the layer is cut into parallel parts.
 */
START_TEST(test_singular)
{
    struct cospin_nonideal ni;
    cospin_nonideal_init(&ni);
    ni.g_sigma = 400;   /* exp(400 n) overflows for |n| > 1.8 */
    double w0[84], w1[28];
    test_weights(w0, w1, 61);
    struct cospin_xbar_net *net = make_net(1.0, &ni, 3, 0);
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_xbar_net_program(net, 0, w0, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strncmp(err.msg, "layer 1: ", 9) == 0 &&
                      (strstr(err.msg, "device G") || strstr(err.msg, "singular")),
                  "%s", err.msg);
    cospin_xbar_net_free(net);
    ni.g_sigma = 30;    /* finite, but 1e-4 S devices next to 1e+9 S ones */
    net = make_net(1.0, &ni, 3, 0);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_xbar_net_program(net, 0, w0, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strncmp(err.msg, "layer 1: crossbar tile ", 23) == 0 &&
                      strstr(err.msg, "singular"),
                  "%s", err.msg);
    cospin_xbar_net_free(net);
}
END_TEST

static Suite *suite_xbar_net(void)
{
    Suite *s = suite_create("xbar_net");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_ideal_is_weights);
    tcase_add_test(core, test_threads_same_result);
    tcase_add_test(core, test_devices);
    tcase_add_test(core, test_remainder_tile);
    tcase_add_test(core, test_read_noise);
    tcase_add_test(core, test_grad_vs_finite_differences);
    tcase_add_test(core, test_train_hooks_grad);
    tcase_add_test(core, test_train_hooks_stochastic);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_errors);
    tcase_add_test(errors, test_singular);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_xbar_net)
