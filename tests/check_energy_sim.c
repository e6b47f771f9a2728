/*
 * check_energy_sim.c -- write energy from ngspice waveforms: a resistor
 * driven by a trapezoidal pulse against the closed form, the mtj_stt pulse
 * against the I^2 R_P t / I^2 R_AP t bounds, and every error path.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "energy.h"
#include "energy_net.h"
#include "energy_sim.h"
#include "engine.h"
#include "netlist.h"
#include "nn.h"

static struct cospin_engine *engine(int no_cm)
{
    struct cospin_engine_opts o = {0};
    o.codemodel_path = getenv("COSPIN_CM");
    o.no_codemodels = no_cm;
    struct cospin_engine *eng = NULL;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_engine_new(&o, &eng, &err) == 0, "engine: %s", err.msg);
    return eng;
}

/*
 * Closed form for a resistor R under a trapezoid of amplitude I:
 * E = I^2 R (t + (t_rise + t_fall)/3).  The trapezoid rule is exact on the
 * flat top and on the zero parts (p = v i constant; ngspice puts breakpoints
 * at the pulse corners); on a ramp of length tau, p = I^2 R (s/tau)^2 has
 * p'' = 2 I^2 R / tau^2, and the composite trapezoid error is
 * sum h_k^3 p''/12 <= h^2 tau p''/12 = I^2 R h^2 / (6 tau) for spacings
 * h_k <= h (tmax = step).  So |E - exact| <= I^2 R h^2 (1/(6 t_rise) +
 * 1/(6 t_fall)), plus the solver's relative tolerance (reltol 1e-3 acts on
 * the iteration, but a linear resistor solves exactly: 1e-9 relative).
 */
static void check_resistor(double step_s, double rise_s, double fall_s)
{
    struct cospin_engine *eng = engine(1);
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    p.load = COSPIN_ENERGY_LOAD_RESISTOR;
    p.current_a = 15e-6;
    p.width_s = 15e-9;
    p.rise_s = rise_s;
    p.fall_s = fall_s;
    p.relax_s = 2e-9;
    p.step_s = step_s;
    p.device.r_p_ohm = 5e3;
    struct cospin_energy_wave w;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_energy_sim_run(eng, &p, &w, &err) == 0, "%s", err.msg);
    double i2r = p.current_a * p.current_a * p.device.r_p_ohm;
    double exact = i2r * (p.width_s + (rise_s + fall_s) / 3.0);
    double bound = i2r * step_s * step_s * (1.0 / (6 * rise_s) + 1.0 / (6 * fall_s));
    ck_assert_close(w.e_vi_j, exact, bound + 1e-9 * exact);
    /* The trapezoid overestimates a convex ramp: never below the exact value. */
    ck_assert_msg(w.e_vi_j >= exact * (1 - 1e-9), "E %.10g below exact %.10g", w.e_vi_j, exact);
    /* Lumped numbers: I^2 R t of the flat top (the thesis's 16.875 fJ). */
    ck_assert_close(w.e_p_j, 16.875e-15, 1e-27);
    ck_assert_close(w.e_ap_j, w.e_p_j, 0.0);
    /* Sign convention: positive current and voltage, v = I R on the top. */
    double imax = 0, vmax = 0;
    for (size_t k = 0; k < w.n; k++) {
        imax = fmax(imax, w.i_a[k]);
        vmax = fmax(vmax, w.v_v[k]);
        ck_assert_msg(w.v_v[k] * w.i_a[k] >= -1e-15, "negative power at sample %zu", k);
    }
    ck_assert_rel(imax, p.current_a, 1e-9);
    ck_assert_rel(vmax, p.current_a * p.device.r_p_ohm, 1e-9);
    ck_assert_ptr_null(w.mz);
    ck_assert_int_eq(w.switched, 0);
    cospin_energy_wave_clear(&w);
    cospin_energy_wave_clear(&w);   /* idempotent */
    cospin_engine_free(eng);
}

START_TEST(test_resistor_fine_grid)
{
    check_resistor(10e-12, 1e-9, 1e-9);
}
END_TEST

START_TEST(test_resistor_coarse_grid)
{
    /* 0.25 ns spacing on 1 ns / 2 ns ramps: bound ~1e-3 relative. */
    check_resistor(0.25e-9, 1e-9, 2e-9);
}
END_TEST

START_TEST(test_netlist_text)
{
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    char *net = NULL;
    ck_assert_int_eq(cospin_energy_sim_netlist(&p, &net, NULL), 0);
    ck_assert_ptr_nonnull(strstr(net, "mtj_stt("));
    ck_assert_ptr_nonnull(strstr(net, "pulse(0 1.5e-05 0"));
    ck_assert_ptr_nonnull(strstr(net, "vsense d p 0"));
    free(net);
}
END_TEST

/*
 * mtj_stt under a pulse: on every trial the resistance stays within
 * [R_P, R_AP] (TMR with v_half = 0), so the integral lies between
 * I^2 R_P t_eff and I^2 R_AP t_eff (plus the trapezoid error of the ramps,
 * bounded as above with R_AP, and 1e-3 relative for the solver's reltol on
 * the device voltage).  Six seeds at 20 uA / 15 ns.
 */
START_TEST(test_mtj_between_bounds)
{
    struct cospin_engine *eng = engine(0);
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    p.current_a = 20e-6;
    int nsw = 0;
    double e_sw_max = 0, e_nsw_min = 1;
    for (unsigned long s = 1; s <= 6; s++) {
        p.seed = s;
        struct cospin_energy_wave w;
        struct cospin_error err = {0};
        ck_assert_msg(cospin_energy_sim_run(eng, &p, &w, &err) == 0, "%s", err.msg);
        double i2 = p.current_a * p.current_a;
        double r_p = cospin_mtj_device_r_p_ohm(&p.device);
        double r_ap = cospin_mtj_device_r_ap_ohm(&p.device);
        double lo = i2 * r_p * w.t_eff_s, hi = i2 * r_ap * w.t_eff_s;
        double trap = i2 * r_ap * p.step_s * p.step_s / (3 * p.rise_s);
        ck_assert_msg(w.e_vi_j >= lo * (1 - 1e-3) - trap && w.e_vi_j <= hi * (1 + 1e-3) + trap,
                      "seed %lu: E = %g J outside [%g, %g]", s, w.e_vi_j, lo, hi);
        ck_assert_ptr_nonnull(w.mz);
        if (w.switched) {
            nsw++;
            ck_assert_msg(w.t_switch_s > 0 && w.t_switch_s < w.t_s[w.n - 1], "t_switch %g",
                          w.t_switch_s);
            e_sw_max = fmax(e_sw_max, w.e_vi_j);
        } else {
            e_nsw_min = fmin(e_nsw_min, w.e_vi_j);
        }
        cospin_energy_wave_clear(&w);
    }
    /* A switched trial spends part of the pulse at R_P: strictly below I^2 R_AP t_eff
       is already checked; and any unswitched trial costs more than any switched one
       only when both occur (the order is the physics of R_AP > R_P). */
    if (nsw > 0 && nsw < 6)
        ck_assert_msg(e_sw_max < e_nsw_min, "switched %g >= unswitched %g", e_sw_max, e_nsw_min);
    cospin_engine_free(eng);
}
END_TEST

/*
 * A current far below the switching current (2 uA, ~Ic/5) cannot switch in
 * 15 ns: R stays within the thermal tilt of R_AP.  With E_B ~ 40 kBT
 * (prism, Ku 1.1e6) the thermal cone is < 10 degrees, so R > 0.98 R_AP and E is
 * within 2 % of I^2 R_AP t_eff.
 */
START_TEST(test_mtj_low_current_is_ap)
{
    struct cospin_engine *eng = engine(0);
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    p.current_a = 2e-6;
    struct cospin_energy_wave w;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_energy_sim_run(eng, &p, &w, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(w.switched, 0);
    double hi = p.current_a * p.current_a * cospin_mtj_device_r_ap_ohm(&p.device) * w.t_eff_s;
    ck_assert_rel(w.e_vi_j, hi, 0.02);
    cospin_energy_wave_clear(&w);
    cospin_engine_free(eng);
}
END_TEST

START_TEST(test_errors_settings)
{
    struct cospin_energy_pulse p;
    char *net = NULL;
    struct cospin_error err = {0};
#define BAD(stmt)                                                                                  \
    do {                                                                                           \
        cospin_energy_pulse_defaults(&p);                                                          \
        stmt;                                                                                      \
        memset(&err, 0, sizeof err);                                                               \
        ck_assert_int_eq(cospin_energy_sim_netlist(&p, &net, &err), COSPIN_ERR_INVALID);           \
        ck_assert_msg(err.msg[0] != '\0', "no message for " #stmt);                               \
    } while (0)
    BAD(p.current_a = 0);
    BAD(p.width_s = -1e-9);
    BAD(p.rise_s = 0);
    BAD(p.fall_s = NAN);
    BAD(p.step_s = 0);
    BAD(p.device.r_p_ohm = -5);
    BAD(p.relax_s = -1);
    BAD(p.load = 7);
    BAD(p.step_s = 1e-18);
    BAD(p.device.r_ap_ohm = 1e3);
    BAD(p.device.p.ku_j_per_m3 = 0);
    BAD(p.device.p.temperature_k = -1);
    BAD(p.device.p.demag = (enum cospin_demag)7);
    BAD(p.device.p.polarization = 1.0);
    BAD(p.device.p.torque = COSPIN_TORQUE_SOT);
#undef BAD
    ck_assert_ptr_null(net);
    /* The resistor ignores the MTJ-only fields. */
    cospin_energy_pulse_defaults(&p);
    p.load = COSPIN_ENERGY_LOAD_RESISTOR;
    p.device.r_ap_ohm = 1;
    ck_assert_int_eq(cospin_energy_sim_netlist(&p, &net, NULL), 0);
    free(net);
    struct cospin_energy_wave w;
    ck_assert_int_eq(cospin_energy_sim_run(NULL, &p, &w, &err), COSPIN_ERR_INVALID);
    cospin_energy_wave_clear(NULL);
}
END_TEST

START_TEST(test_errors_no_code_model)
{
    /* mtj_stt without cospin.cm loaded: ngspice's error becomes COSPIN_ERR_SIM.
       (make check's SPICE_SCRIPTS spinit would load cospin.cm anyway; this test
       runs in its own forked process, so dropping it here is local.) */
    unsetenv("SPICE_SCRIPTS");
    struct cospin_engine *eng = engine(1);
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    struct cospin_energy_wave w;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_energy_sim_run(eng, &p, &w, &err), COSPIN_ERR_SIM);
    ck_assert_msg(err.msg[0] != '\0', "no message");
    ck_assert_ptr_null(w.t_s);
    /* Invalid settings are reported before ngspice is asked. */
    p.width_s = 0;
    ck_assert_int_eq(cospin_energy_sim_run(eng, &p, &w, &err), COSPIN_ERR_INVALID);
    cospin_engine_free(eng);
}
END_TEST

/*
 * Row sums against the pair map written out by hand: G+ + G- = 2 G_min +
 * |w| / w_max (G_max - G_min); the read energy of x = (1, 0.5) follows.
 */
START_TEST(test_xbar_row_g)
{
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);
    o.g_min_s = 1e-4;
    o.g_max_s = 2e-4;
    o.w_max = 2.0;
    const double w[] = {1.0, -2.0, 0.0, 0.5, -0.5, 2.0};   /* 3 outputs x 2 inputs */
    double g[2];
    ck_assert_int_eq(cospin_energy_xbar_row_g(&o, w, 3, 2, g, NULL), 0);
    double dg = 1e-4;
    ck_assert_rel(g[0], 6e-4 + (1.0 + 0.0 + 0.5) / 2.0 * dg, 1e-12);
    ck_assert_rel(g[1], 6e-4 + (2.0 + 0.5 + 2.0) / 2.0 * dg, 1e-12);
    double v[] = {0.1 * 1.0, 0.1 * 0.5};
    double e = cospin_energy_crossbar_read_j(g, 2, 1, v, COSPIN_ENERGY_T_READ_S);
    ck_assert_rel(e, 10e-9 * (g[0] * 0.01 + g[1] * 0.0025), 1e-12);
    /* errors: a weight outside the window, empty layer, bad options */
    struct cospin_error err = {0};
    const double big[] = {3.0};
    ck_assert_int_eq(cospin_energy_xbar_row_g(&o, big, 1, 1, g, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_energy_xbar_row_g(&o, w, 0, 2, g, &err), COSPIN_ERR_INVALID);
    o.g_max_s = 0.5e-4;
    ck_assert_int_eq(cospin_energy_xbar_row_g(&o, w, 3, 2, g, &err), COSPIN_ERR_INVALID);
}
END_TEST

/*
 * A 2-1-1 network by hand: W1 = (1, -1), k1 = 2, c1 = 0.5, W2 = (0.5),
 * G window [1e-4, 2e-4] S with w_max = 1 (the largest |w|), v_read 0.1 V.
 * Image (255, 0): x = (1, 0), z = 1, a = sigma(2 * 1.5) = sigma(3).
 *   layer 1: t (g_0 * 1^2) V^2, g_0 = 2e-4 + 1 * 1e-4 = 3e-4
 *   layer 2: t g_h a^2 V^2, g_h = 2e-4 + 0.5e-4
 * Neuron writes: 2 neurons x (15 uA)^2 x 5 kOhm x 15 ns.
 */
START_TEST(test_network_energy)
{
    struct cospin_nn *nn = cospin_nn_new(2, 1, 1);
    ck_assert_ptr_nonnull(nn);
    nn->w[0][0] = 1.0f;
    nn->w[0][1] = -1.0f;
    nn->k[0][0] = 2.0f;
    nn->c[0][0] = 0.5f;
    nn->w[1][0] = 0.5f;
    nn->k[1][0] = 1.0f;
    nn->c[1][0] = 0.0f;
    const unsigned char px[] = {255, 0};
    struct cospin_energy_net e;
    ck_assert_int_eq(cospin_energy_network(nn, NULL, px, 1, 10e-9, NULL, &e, NULL), 0);
    double a = 1.0 / (1.0 + exp(-3.0)), t = 10e-9, vv = 0.01;
    ck_assert_rel(e.read_l1_j, t * 3e-4 * vv, 1e-9);
    ck_assert_rel(e.read_l2_j, t * 2.5e-4 * a * a * vv, 1e-6);   /* float k, c, w */
    ck_assert_rel(e.read_j, e.read_l1_j + e.read_l2_j, 1e-12);
    ck_assert_uint_eq(e.neurons, 2);
    ck_assert_rel(e.neuron_j, 2 * 16.875e-15, 1e-12);
    char buf[1024];
    ck_assert_ptr_nonnull(strstr(cospin_energy_net_format(&e, buf, sizeof buf), "2 neurons"));
    /* errors */
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_energy_network(nn, NULL, px, 0, 10e-9, NULL, &e, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_energy_network(nn, NULL, px, 1, 0, NULL, &e, &err),
                     COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_energy_network(NULL, NULL, px, 1, 10e-9, NULL, &e, &err),
                     COSPIN_ERR_INVALID);
    struct cospin_xbar_opts o;
    cospin_xbar_opts_default(&o);   /* w_max 1, clip off: all weights fit */
    o.w_max = 0.5;                  /* |w| = 1 > 0.5 without clip: invalid */
    ck_assert_int_eq(cospin_energy_network(nn, &o, px, 1, 10e-9, NULL, &e, &err),
                     COSPIN_ERR_INVALID);
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    p.current_a = -1;
    ck_assert_int_eq(cospin_energy_network(nn, NULL, px, 1, 10e-9, &p, &e, &err),
                     COSPIN_ERR_INVALID);
    cospin_nn_free(nn);
}
END_TEST

/* Write text to a new temporary file; returns its path (static buffer). */
static const char *write_temp(const char *text)
{
    static char path[] = "/tmp/cospin-check-energy-XXXXXX";
    strcpy(path, "/tmp/cospin-check-energy-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* The pulse of a device-level model: means over its <neuron> settings. */
START_TEST(test_model_pulse)
{
    const char *xml =
        "<cospin-model format='1'>\n"
        " <layer index='0'><pulse>\n"
        "  <neuron index='0' c_dev_ua='12' width_s='1e-7' ku_j_per_m3='1.1e6'/>\n"
        "  <neuron index='1' c_dev_ua='14' width_s='3e-7' ku_j_per_m3='1.3e6'/>\n"
        " </pulse></layer>\n"
        " <layer index='1'><pulse>\n"
        "  <neuron index='0' c_dev_ua='13' width_s='2e-7' ku_j_per_m3='1.2e6'/>\n"
        " </pulse></layer>\n"
        "</cospin-model>\n";
    const char *path = write_temp(xml);
    struct cospin_energy_pulse p;
    cospin_energy_pulse_defaults(&p);
    size_t n = 0;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_energy_model_pulse(path, &p, &n, &err), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_rel(p.current_a, 13e-6, 1e-12);
    ck_assert_rel(p.width_s, 2e-7, 1e-12);
    ck_assert_rel(p.device.p.ku_j_per_m3, 1.2e6, 1e-12);
    unlink(path);

    /* A math-level model has no settings: the pulse stays as it was. */
    path = write_temp("<cospin-model format='1'><layer index='0'/></cospin-model>\n");
    cospin_energy_pulse_defaults(&p);
    ck_assert_int_eq(cospin_energy_model_pulse(path, &p, &n, &err), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_rel(p.current_a, 15e-6, 1e-12);
    ck_assert_rel(p.width_s, 15e-9, 1e-12);
    unlink(path);

    /* A malformed setting names the file and line. */
    path = write_temp("<cospin-model>\n<layer><pulse>\n<neuron c_dev_ua='1' width_s='-1' "
                      "ku_j_per_m3='1e6'/>\n</pulse></layer></cospin-model>\n");
    ck_assert_int_eq(cospin_energy_model_pulse(path, &p, &n, &err), COSPIN_ERR_INVALID);
    ck_assert_int_eq(err.line, 3);
    unlink(path);
}
END_TEST

static Suite *suite_energy_sim(void)
{
    Suite *s = suite_create("energy_sim");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_resistor_fine_grid);
    tcase_add_test(core, test_resistor_coarse_grid);
    tcase_add_test(core, test_netlist_text);
    tcase_add_test(core, test_xbar_row_g);
    tcase_add_test(core, test_network_energy);
    tcase_add_test(core, test_model_pulse);
    tcase_add_test(core, test_mtj_between_bounds);
    tcase_add_test(core, test_mtj_low_current_is_ap);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_set_timeout(errors, 60);
    tcase_add_test(errors, test_errors_settings);
    tcase_add_test(errors, test_errors_no_code_model);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_energy_sim)
