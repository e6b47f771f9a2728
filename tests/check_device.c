/* check_device.c -- synapse device curves, whole-pulse updates, SOT presets. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "device.h"
#include "sot_neuron.h"

/* Every preset, including each SOT-S thickness. */
static const char *const presets[] = {"ideal",   "rram",    "pcm",     "skyrmion", "sot-s",
                                      "sot-s:5", "sot-s:9", "sot-s:14", "sot-s:21"};
#define N_PRESETS (sizeof presets / sizeof presets[0])

START_TEST(test_endpoints_monotone)
{
    struct cospin_device d;
    ck_assert_int_eq(cospin_device_preset(presets[_i], &d, NULL), 0);
    ck_assert_int_eq(cospin_device_validate(&d, NULL), 0);
    const struct cospin_device_branch *br[2] = {&d.ltp, &d.ltd};
    for (int b = 0; b < 2; b++) {
        /* Closed forms are exact at the ends up to rounding (a few ulp). */
        ck_assert_close(cospin_device_branch_g(br[b], 0.0), 0.0, 1e-12);
        ck_assert_close(cospin_device_branch_g(br[b], 1.0), 1.0, 1e-12);
        double prev = -1.0;
        for (int i = 0; i <= 1000; i++) {
            double p = i / 1000.0, g = cospin_device_branch_g(br[b], p);
            ck_assert_msg(g > prev, "%s branch %d not increasing at P = %g", presets[_i], b, p);
            prev = g;
            /* The inverse recovers P; the curves' slopes are within
               [0.006, 5] for nu <= 5, so 1e-9 in P is far above rounding. */
            ck_assert_close(cospin_device_branch_p(br[b], g), p, 1e-9);
        }
    }
}
END_TEST

START_TEST(test_formulas)
{
    struct cospin_device d;
    /* Hand-computed values of Eq. 4.1-4.4 at P = 0.5 (to 6 digits). */
    cospin_device_preset("rram", &d, NULL);
    /* (1 - e^-1) / (1 - e^-2) = 0.632121 / 0.864665 */
    ck_assert_close(cospin_device_branch_g(&d.ltp, 0.5), 0.731059, 1e-6);
    /* 1 - (1 - e^-2.5) / (1 - e^-5) = 1 - 0.917915 / 0.993262 */
    ck_assert_close(cospin_device_branch_g(&d.ltd, 0.5), 0.075858, 1e-6);
    cospin_device_preset("pcm", &d, NULL);
    /* 1 - (1 - e^-0.3) / (1 - e^-0.6) = 1 - 0.259182 / 0.451188 */
    ck_assert_close(cospin_device_branch_g(&d.ltp, 0.5), 0.425557, 1e-6);
    cospin_device_preset("skyrmion", &d, NULL);
    /* 1 - (1 - e^-1.2) / (1 - e^-2.4) = 1 - 0.698806 / 0.909282 */
    ck_assert_close(cospin_device_branch_g(&d.ltd, 0.5), 0.231475, 1e-6);
    cospin_device_preset("sot-s", &d, NULL);
    /* Eq. 4.4 is point-symmetric about (0.5, 0.5). */
    ck_assert_close(cospin_device_branch_g(&d.ltp, 0.5), 0.5, 1e-12);
    /* P = 0.25, nu = 1: 2.163953 / (1 + e^0.5) - 0.581977 = 0.816981 - 0.581977 */
    ck_assert_close(cospin_device_branch_g(&d.ltp, 0.25), 0.235004, 1e-6);
    cospin_device_preset("ideal", &d, NULL);
    ck_assert_close(cospin_device_branch_g(&d.ltp, 0.3), 0.3, 1e-15);
    ck_assert_int_eq(d.states, 0);
}
END_TEST

START_TEST(test_state_counts)
{
    struct cospin_device d;
    /* Thesis: 12 states at 21 ML, 18 at 5 ML. */
    cospin_device_preset("sot-s", &d, NULL);
    ck_assert_int_eq(d.states, 12);
    cospin_device_preset("sot-s:5", &d, NULL);
    ck_assert_int_eq(d.states, 18);
    /* N pulses from reset give N distinct levels above 0, the last at 1. */
    for (size_t k = 0; k < N_PRESETS; k++) {
        cospin_device_preset(presets[k], &d, NULL);
        if (d.states == 0)
            continue;
        double prev = cospin_device_g_after(&d, 0, 0);
        ck_assert_close(prev, 0.0, 1e-12);
        for (int p = 1; p <= d.states; p++) {
            double g = cospin_device_g_after(&d, 0, p);
            ck_assert(g > prev + 1e-6);
            prev = g;
        }
        ck_assert_close(prev, 1.0, 1e-12);
        /* More pulses than states stay at the top. */
        ck_assert_close(cospin_device_g_after(&d, 0, d.states + 5), 1.0, 1e-12);
        ck_assert_close(cospin_device_g_after(&d, 1, d.states), 0.0, 1e-12);
    }
    /* The 5 ML range is 10x the 21 ML range (thesis ch. 4.3.2). */
    struct cospin_device d5, d21;
    cospin_device_preset("sot-s:5", &d5, NULL);
    cospin_device_preset("sot-s:21", &d21, NULL);
    double r5 = 1 / d5.g_min_s - 1 / d5.g_max_s, r21 = 1 / d21.g_min_s - 1 / d21.g_max_s;
    ck_assert_close(r5 / r21, 10.0, 1e-9);
}
END_TEST

START_TEST(test_asymmetry)
{
    struct cospin_device d;
    /* RRAM (nu 2 vs 5): one LTP pulse and one LTD pulse from the same g move
       by different amounts. */
    cospin_device_preset("rram", &d, NULL);
    double g0 = 0.5, step = 1.0 / d.states;
    double up = cospin_device_branch_g(&d.ltp, cospin_device_branch_p(&d.ltp, g0) + step) - g0;
    double down = g0 - cospin_device_branch_g(&d.ltd, cospin_device_branch_p(&d.ltd, g0) - step);
    ck_assert(up > 0 && down > 0);
    /* Slopes at g = 0.5: LTP 2 e^(-2P)/(1 - e^-2) = 1.31, LTD 5 e^(-5(1-P))/(1 - e^-5)
       = 2.53, so one LTD pulse moves about twice as far. */
    ck_assert_msg(down > 1.5 * up, "up %g down %g", up, down);
    /* The same request therefore realises differently on the two branches:
       one LTP pulse is nearest for +up, while -up rounds to 0 or 1 LTD pulse. */
    double r_up = cospin_device_update(&d, g0, up, COSPIN_ROUND_NEAREST, NULL, NULL, NULL) - g0;
    double r_dn = cospin_device_update(&d, g0, -up, COSPIN_ROUND_NEAREST, NULL, NULL, NULL) - g0;
    ck_assert_close(r_up, up, 1e-12);
    ck_assert(fabs(fabs(r_dn) - up) > 0.3 * up);
    /* Open loop: a request of 5 steps from reset sends 5 pulses whatever the
       curve, so RRAM realises G_LTP(5/N) (Eq. 4.1, concave: more than asked),
       while the closed loop lands within half a local step of the request. */
    double ask = 5.0 / d.states;
    double open = cospin_device_update(&d, 0.0, ask, COSPIN_ROUND_OPEN, NULL, NULL, NULL);
    ck_assert_close(open, cospin_device_branch_g(&d.ltp, ask), 1e-12);
    ck_assert(open > 1.5 * ask);
    double closed = cospin_device_update(&d, 0.0, ask, COSPIN_ROUND_NEAREST, NULL, NULL, NULL);
    ck_assert(fabs(closed - ask) < fabs(open - ask));
    /* SOT-S (nu = 1 both): n LTP pulses then n LTD pulses return exactly. */
    cospin_device_preset("sot-s", &d, NULL);
    double g = cospin_device_g_after(&d, 0, 3);
    int pulses;
    double g1 = cospin_device_update(&d, g, 0.35, COSPIN_ROUND_NEAREST, NULL, &pulses, NULL);
    ck_assert_int_gt(pulses, 0);
    double g2 = cospin_device_update(&d, g1, g - g1, COSPIN_ROUND_NEAREST, NULL, &pulses, NULL);
    ck_assert_int_lt(pulses, 0);
    ck_assert_close(g2, g, 1e-12);
}
END_TEST

START_TEST(test_nearest_pulse)
{
    /* The chosen pulse count is the best of all whole counts: brute force
       over 0..N pulses for 300 seeded random (g, dg) on each device. */
    const char *names[] = {"rram", "pcm", "skyrmion", "sot-s:5"};
    struct cospin_rng rng;
    cospin_rng_seed(&rng, 42, 0);
    for (int k = 0; k < 4; k++) {
        struct cospin_device d;
        cospin_device_preset(names[k], &d, NULL);
        for (int t = 0; t < 300; t++) {
            double g = cospin_rng_uniform(&rng);
            double dg = 0.6 * (cospin_rng_uniform(&rng) - 0.5);
            int pulses;
            double got = cospin_device_update(&d, g, dg, COSPIN_ROUND_NEAREST, NULL, &pulses, NULL);
            const struct cospin_device_branch *b = dg > 0 ? &d.ltp : &d.ltd;
            double p0 = cospin_device_branch_p(b, g), target = fmin(1, fmax(0, g + dg));
            double best = INFINITY;
            for (int n = 0; n <= d.states; n++) {
                double pos = p0 + (dg > 0 ? n : -n) / (double)d.states;
                if (pos > 1.0 + 1.0 / d.states || pos < -1.0 / d.states)
                    break;
                double gn = n == 0 ? g : cospin_device_branch_g(b, pos);
                best = fmin(best, fabs(gn - target));
            }
            ck_assert_close(fabs(got - target), best, 1e-12);
            /* The result lies on the branch through g at a whole pulse count. */
            if (pulses != 0 && fabs(got - 1) > 1e-12 && fabs(got) > 1e-12)
                ck_assert_close(cospin_device_branch_p(b, got), p0 + pulses / (double)d.states,
                                1e-9);
        }
    }
    /* Quantised: a request below half a step is lost on a linear device. */
    struct cospin_device lin;
    cospin_device_preset("ideal", &lin, NULL);
    lin.states = 10;
    struct cospin_device_stats st;
    cospin_device_stats_clear(&st);
    ck_assert_close(cospin_device_update(&lin, 0.5, 0.04, 0, NULL, NULL, &st), 0.5, 1e-15);
    ck_assert_close(cospin_device_update(&lin, 0.5, 0.06, 0, NULL, NULL, &st), 0.6, 1e-12);
    ck_assert_int_eq(st.n_requested, 2);
    ck_assert_int_eq(st.n_zero, 1);
    ck_assert_int_eq(st.pulses_ltp, 1);
    ck_assert_close(st.sum_abs_error, 0.04 + 0.04, 1e-12);
    /* Saturation at the top. */
    ck_assert_close(cospin_device_update(&lin, 0.95, 0.3, 0, NULL, NULL, &st), 1.0, 1e-12);
    ck_assert_int_eq(st.n_saturated, 1);
    /* Analog (0 states) realises any request exactly. */
    lin.states = 0;
    ck_assert_close(cospin_device_update(&lin, 0.5, 0.0123, 0, NULL, NULL, NULL), 0.5123, 1e-15);
    char buf[512];
    cospin_device_stats_format(&st, buf, sizeof buf);
    ck_assert_ptr_nonnull(strstr(buf, "updates 3"));
}
END_TEST

START_TEST(test_stochastic_and_c2c)
{
    struct cospin_device lin;
    cospin_device_preset("ideal", &lin, NULL);
    lin.states = 20;
    struct cospin_rng rng;
    cospin_rng_seed(&rng, 7, 0);
    /* Stochastic rounding of 0.3 steps: the mean of 4000 realised updates is
       0.3 steps; the Bernoulli(0.3) mean has std sqrt(0.21/4000) = 0.0072
       steps, so 0.04 steps is a 5.5 sigma bound. */
    const int trials = 4000;
    double sum = 0.0;
    for (int t = 0; t < trials; t++)
        sum += cospin_device_update(&lin, 0.5, 0.3 / 20, COSPIN_ROUND_STOCHASTIC, &rng, NULL,
                                    NULL) - 0.5;
    ck_assert_close(sum / trials * 20, 0.3, 0.04);
    /* Cycle-to-cycle variation: one pulse with sigma 0.2 spreads the result
       with std 0.2 / N.  2000 samples estimate a std to 1/sqrt(2*2000) =
       1.6 % (1 sigma); 10 % is a 6 sigma bound. */
    lin.c2c_sigma = 0.2;
    const int n2 = 2000;
    double s1 = 0.0, s2 = 0.0;
    for (int t = 0; t < n2; t++) {
        double v = cospin_device_update(&lin, 0.5, 1.0 / 20, COSPIN_ROUND_NEAREST, &rng, NULL, NULL);
        s1 += v;
        s2 += v * v;
    }
    double mean = s1 / n2, sd = sqrt(s2 / n2 - mean * mean);
    ck_assert_rel(sd, 0.2 / 20, 0.10);
    /* Mean stays at one step: std of the mean 0.01/sqrt(2000) = 2.2e-4. */
    ck_assert_close(mean, 0.55, 1.2e-3);
}
END_TEST

START_TEST(test_pair)
{
    struct cospin_device d;
    cospin_device_preset("ideal", &d, NULL);
    d.states = 10;
    double gp = 0.2, gm = 0.2;
    double r = cospin_device_update_pair(&d, &gp, &gm, 0.3, 0, NULL, NULL);
    ck_assert_close(r, 0.3, 1e-12);
    ck_assert_close(gp, 0.5, 1e-12);
    ck_assert_close(gm, 0.2, 1e-15);
    r = cospin_device_update_pair(&d, &gp, &gm, -0.4, 0, NULL, NULL);
    ck_assert_close(r, -0.4, 1e-12);
    ck_assert_close(gm, 0.6, 1e-12);
    /* g+ saturated: a positive request depresses g- instead. */
    gp = 1.0;
    r = cospin_device_update_pair(&d, &gp, &gm, 0.2, 0, NULL, NULL);
    ck_assert_close(r, 0.2, 1e-12);
    ck_assert_close(gm, 0.4, 1e-12);
    ck_assert_close(cospin_device_update_pair(&d, &gp, &gm, 0.0, 0, NULL, NULL), 0.0, 0.0);
}
END_TEST

START_TEST(test_table)
{
    /* Measured LTP: 0, 0.5, 0.8, 1.0 at pulses 0..3 (already normalised). */
    double pulse[] = {0, 1, 2, 3}, v[] = {2.0, 7.0, 10.0, 12.0}; /* ohm: normalised by ends */
    struct cospin_device_branch b;
    ck_assert_int_eq(cospin_device_branch_from_table(&b, 0, pulse, v, 4, NULL), 0);
    ck_assert_close(cospin_device_branch_g(&b, 1.0 / 3), 0.5, 1e-12);
    ck_assert_close(cospin_device_branch_g(&b, 0.5), 0.65, 1e-12); /* halfway 0.5..0.8 */
    ck_assert_close(cospin_device_branch_p(&b, 0.8), 2.0 / 3, 1e-12);
    /* Measured LTD, decreasing values: 12, 10, 7, 2 -> G 1, 0.8, 0.5, 0 at
       P = 1, 2/3, 1/3, 0. */
    double vd[] = {12.0, 10.0, 7.0, 2.0};
    ck_assert_int_eq(cospin_device_branch_from_table(&b, 1, pulse, vd, 4, NULL), 0);
    ck_assert_close(cospin_device_branch_g(&b, 2.0 / 3), 0.8, 1e-12);
    ck_assert_close(cospin_device_branch_g(&b, 1.0 / 3), 0.5, 1e-12);
    struct cospin_device d;
    cospin_device_preset("ideal", &d, NULL);
    d.ltd = b;
    d.states = 3;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), 0);
    ck_assert_close(cospin_device_g_after(&d, 1, 1), 0.8, 1e-12);
}
END_TEST

START_TEST(test_sot_presets)
{
    struct cospin_sot_preset p5, p21, p;
    ck_assert_int_eq(cospin_sot_preset(5, &p5, NULL), 0);
    ck_assert_int_eq(cospin_sot_preset(21, &p21, NULL), 0);
    ck_assert_int_eq(p5.measured, 1);
    ck_assert_close(p21.k_per_ma, 0.89, 1e-12);
    ck_assert_close(p21.xc_a, 17.59e-3, 1e-12);
    ck_assert_close(p5.k_per_ma, 1.076, 1e-12);
    ck_assert_close(p21.hc_t, 12.6e-3, 1e-12);
    ck_assert_close(p5.hc_t, 7.5e-3, 1e-12);
    /* Write energies of Eq. 4.5 (thesis: 0.201 mJ and 0.098 mJ, -51.2 %). */
    ck_assert_close(p21.write_energy_j, 0.201e-3, 1e-12);
    ck_assert_close(p5.write_energy_j, 0.098e-3, 1e-12);
    ck_assert_close(1.0 - p5.write_energy_j / p21.write_energy_j, 0.512, 1e-3);
    /* The 21 ML energy is reproduced by I^2 R t with the channel resistance;
       so is the 5 ML one with its derived I_SW = x_c. */
    double r = cospin_sot_channel_r_ohm();
    ck_assert_rel(cospin_sot_write_energy_j(p21.xc_a, r, 500e-6), 0.201e-3, 1e-12);
    ck_assert_rel(cospin_sot_write_energy_j(p5.xc_a, r, 500e-6), 0.098e-3, 1e-12);
    /* Interpolated rows lie between the measured ones and are flagged. */
    const int *t = cospin_sot_thicknesses();
    double e_prev = 0;
    for (; *t; t++) {
        ck_assert_int_eq(cospin_sot_preset(*t, &p, NULL), 0);
        ck_assert(p.write_energy_j > e_prev);
        e_prev = p.write_energy_j;
        ck_assert(p.k_per_ma <= p5.k_per_ma && p.k_per_ma >= p21.k_per_ma);
        ck_assert(p.states <= 18 && p.states >= 12);
        ck_assert_int_eq(p.measured, *t == 5 || *t == 21);
    }
    /* Neuron: y = 0.5 at x_c, slope k/4 per mA there. */
    struct cospin_sot_neuron n;
    cospin_sot_neuron_preset(21, &n, NULL);
    ck_assert_close(cospin_sot_neuron_y(&n, 17.59e-3), 0.5, 1e-15);
    double h = 1e-6; /* A: central difference, O(h^2) error ~ 1e-9 relative */
    double slope = (cospin_sot_neuron_y(&n, 17.59e-3 + h) - cospin_sot_neuron_y(&n, 17.59e-3 - h)) /
                   (2 * h * 1e3);
    ck_assert_close(slope, 0.89 / 4, 1e-6);
    double k, c;
    ck_assert_int_eq(cospin_sot_neuron_network_kc(&n, 17.59e-3, 1e-3, &k, &c, NULL), 0);
    ck_assert_close(k, 0.89, 1e-12);
    ck_assert_close(c, 0.0, 1e-12);
    cospin_sot_neuron_network_kc(&n, 18.59e-3, 1e-3, &k, &c, NULL);
    ck_assert_close(c, 1.0, 1e-9);
    /* Sweep range sets k in [0.37, 1.28]. */
    ck_assert_close(cospin_sot_k_from_sweep(5e-3), 1.28, 1e-12);
    ck_assert_close(cospin_sot_k_from_sweep(-32e-3), 0.37, 1e-12);
    ck_assert_close(cospin_sot_k_from_sweep(100e-3), 0.37, 1e-12);
    double s;
    ck_assert_int_eq(cospin_sot_sweep_for_k(0.8, &s, NULL), 0);
    ck_assert_close(cospin_sot_k_from_sweep(s), 0.8, 1e-12);
    int ml;
    ck_assert_int_eq(cospin_sot_parse_name("sot-n:14", "sot-n", &ml, NULL), 0);
    ck_assert_int_eq(ml, 14);
    ck_assert_int_eq(cospin_sot_parse_name("sot-n", "sot-n", &ml, NULL), 0);
    ck_assert_int_eq(ml, 21);
    double e;
    ck_assert_int_eq(cospin_sot_preset_write_energy_j(9, &e, NULL), 0);
    ck_assert(e > 0.098e-3 && e < 0.201e-3);
}
END_TEST

START_TEST(test_family_names)
{
    enum cospin_curve_family f;
    for (int i = 0; i <= COSPIN_CURVE_TABLE; i++) {
        ck_assert_int_eq(cospin_curve_family_parse(cospin_curve_family_name(i), &f, NULL), 0);
        ck_assert_int_eq((int)f, i);
    }
    const char *const *names = cospin_device_preset_names();
    struct cospin_device d;
    for (; *names; names++)
        ck_assert_int_eq(cospin_device_preset(*names, &d, NULL), 0);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------- */

START_TEST(test_bad_presets)
{
    struct cospin_error err = {0};
    struct cospin_device d;
    ck_assert_int_eq(cospin_device_preset("memristor", &d, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "memristor"));
    ck_assert_ptr_nonnull(strstr(err.msg, "sot-s"));
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_preset("sot-s:7", &d, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "7 ML"));
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_preset("sot-s:abc", &d, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "abc"));
    ck_assert_int_eq(cospin_device_preset(NULL, &d, NULL), COSPIN_ERR_INVALID);
    int ml;
    ck_assert_int_eq(cospin_sot_parse_name("sot-nx", "sot-n", &ml, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_sot_parse_name(NULL, "sot-n", &ml, NULL), COSPIN_ERR_INVALID);
    struct cospin_sot_preset p;
    ck_assert_int_eq(cospin_sot_preset(6, &p, NULL), COSPIN_ERR_INVALID);
    double e;
    ck_assert_int_eq(cospin_sot_preset_write_energy_j(0, &e, NULL), COSPIN_ERR_INVALID);
    struct cospin_sot_neuron n;
    ck_assert_int_eq(cospin_sot_neuron_preset(3, &n, NULL), COSPIN_ERR_INVALID);
    cospin_sot_neuron_preset(5, &n, NULL);
    double k, c;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_sot_neuron_network_kc(&n, 0, 0.0, &k, &c, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "scale"));
    double s;
    ck_assert_int_eq(cospin_sot_sweep_for_k(1.5, &s, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_sot_sweep_for_k(0.2, &s, NULL), COSPIN_ERR_INVALID);
    enum cospin_curve_family f;
    ck_assert_int_eq(cospin_curve_family_parse("cubic", &f, NULL), COSPIN_ERR_INVALID);
    ck_assert_str_eq(cospin_curve_family_name((enum cospin_curve_family)99), "?");
}
END_TEST

START_TEST(test_bad_devices)
{
    struct cospin_error err = {0};
    struct cospin_device d;
    cospin_device_preset("rram", &d, NULL);
    d.ltd.nu = -1.0;
    ck_assert_int_eq(cospin_device_validate(&d, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "LTD"));
    cospin_device_preset("rram", &d, NULL);
    d.ltp.nu = NAN;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    cospin_device_preset("rram", &d, NULL);
    d.ltp.family = (enum cospin_curve_family)17;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    cospin_device_preset("rram", &d, NULL);
    d.states = -2;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_validate(&d, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "states"));
    cospin_device_preset("rram", &d, NULL);
    d.g_max_s = d.g_min_s;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    cospin_device_preset("rram", &d, NULL);
    d.c2c_sigma = -0.1;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    cospin_device_preset("rram", &d, NULL);
    d.write_energy_j = -1;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    /* Tables: too short, not starting at 0, not monotone, flat. */
    struct cospin_device_branch b;
    double p2[] = {0, 1, 2}, v_bad[] = {0, 2, 1}, v_flat[] = {1, 2, 1};
    ck_assert_int_eq(cospin_device_branch_from_table(&b, 0, p2, v_bad, 1, NULL), COSPIN_ERR_INVALID);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_branch_from_table(&b, 0, p2, v_bad, 3, &err), COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "point 2"));
    ck_assert_int_eq(cospin_device_branch_from_table(&b, 0, p2, v_flat, 3, NULL),
                     COSPIN_ERR_INVALID);
    double p_late[] = {1, 2, 3}, v_ok[] = {0, 1, 2};
    ck_assert_int_eq(cospin_device_branch_from_table(&b, 0, p_late, v_ok, 3, NULL),
                     COSPIN_ERR_INVALID);
    double p_dec[] = {0, 2, 1};
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_device_branch_from_table(&b, 0, p_dec, v_ok, 3, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "increase"));
    /* A hand-broken table is caught by validate. */
    cospin_device_preset("ideal", &d, NULL);
    ck_assert_int_eq(cospin_device_branch_from_table(&d.ltp, 0, p2, v_ok, 3, NULL), 0);
    d.ltp.g[1] = 2.0;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    d.ltp.n_points = 1;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    d.ltp.n_points = 3;
    d.ltp.p[2] = 0.9;
    ck_assert_int_eq(cospin_device_validate(&d, NULL), COSPIN_ERR_INVALID);
    /* Non-finite requests are ignored. */
    cospin_device_preset("sot-s", &d, NULL);
    ck_assert_close(cospin_device_update(&d, 0.3, NAN, 0, NULL, NULL, NULL), 0.3, 0.0);
}
END_TEST

static Suite *suite_device(void)
{
    Suite *s = suite_create("device");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_endpoints_monotone, 0, (int)N_PRESETS);
    tcase_add_test(tc, test_formulas);
    tcase_add_test(tc, test_state_counts);
    tcase_add_test(tc, test_asymmetry);
    tcase_add_test(tc, test_nearest_pulse);
    tcase_add_test(tc, test_stochastic_and_c2c);
    tcase_add_test(tc, test_pair);
    tcase_add_test(tc, test_table);
    tcase_add_test(tc, test_sot_presets);
    tcase_add_test(tc, test_family_names);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_bad_presets);
    tcase_add_test(te, test_bad_devices);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_device)
