/*
 * check_mtj_sot.c -- the mtj_sot code model (3-terminal SOT-MTJ with VCMA
 * gate) through libngspice: channel and read resistances at the operating
 * point, write polarity (sign of I * Hx), the VCMA gate lowering the
 * switching current, and parameter validation.  The switching cases run at
 * T = 0 from a 0.01 rad tilt, so they are deterministic; the margins were
 * chosen away from the window edges (150 uA does not switch without the
 * gate, 200 uA does; the standalone integrator shows the same).
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "engine.h"

static struct cospin_engine *new_engine(void)
{
    struct cospin_engine *eng = NULL;
    struct cospin_error err = {0};
    int rc = cospin_engine_new(NULL, &eng, &err);
    ck_assert_msg(rc == COSPIN_OK, "engine_new: %s", err.msg);
    return eng;
}

/* Run netlist + command and return the last value of vector name. */
static double last(struct cospin_engine *eng, const char *net, const char *cmd, const char *name)
{
    struct cospin_error err = {0};
    ck_assert_msg(cospin_engine_load(eng, net, &err) == COSPIN_OK, "load: %s", err.msg);
    ck_assert_msg(cospin_engine_command(eng, cmd, &err) == COSPIN_OK, "%s: %s", cmd, err.msg);
    double *d = NULL;
    size_t n = 0;
    ck_assert_msg(cospin_engine_vector(eng, name, &d, &n, &err) == COSPIN_OK, "%s: %s", name,
                  err.msg);
    ck_assert_uint_ge(n, 1);
    double v = d[n - 1];
    free(d);
    return v;
}

START_TEST(test_op_resistances)
{
    struct cospin_engine *eng = new_engine();
    /* 100 uA into the channel: V = I r_hm; 0.1 V on the read path of an AP
     * device (tilt 0): I = 0.1 V / r_ap.  Linear circuit: 1e-9 relative. */
    const char *net = "* op\n"
                      "iw 0 h dc 100u\n"
                      "vr r 0 dc 0.1\n"
                      "asot %gd(h 0) %gd(r 0) g mx my mz sot1\n"
                      "vg g 0 dc 0\n"
                      ".model sot1 mtj_sot(init=\"tilt\" init_tilt=0 r_hm=2k r_p=4k r_ap=9k)\n";
    ck_assert_rel(last(eng, net, "op", "v(h)"), 100e-6 * 2e3, 1e-9);
    ck_assert_rel(-last(eng, net, "op", "vr#branch"), 0.1 / 9e3, 1e-9);
    ck_assert_close(last(eng, net, "op", "v(mz)"), -1.0, 1e-12);
    cospin_engine_free(eng);
}
END_TEST

/* Final m_z after a 2 ns channel pulse of i_ua and 3 ns relaxation. */
static double write_mz(struct cospin_engine *eng, double i_ua, double v_gate, double hx_t)
{
    char net[768];
    snprintf(net, sizeof net,
             "* write\n"
             "iw 0 h pulse(0 %gu 0 1p 1p 2n 1)\n"
             "vr r 0 dc 0.05\n"
             "asot %%gd(h 0) %%gd(r 0) g mx my mz sot1\n"
             "vg g 0 dc %g\n"
             ".model sot1 mtj_sot(temp=0 init=\"tilt\" hx=%g)\n",
             i_ua, v_gate, hx_t);
    return last(eng, net, "tran 0.1n 5n", "v(mz)");
}

START_TEST(test_write_polarity_and_gate)
{
    struct cospin_engine *eng = new_engine();
    /* The equilibrium with hx = 0.1 T is tilted: |m_z| ~ 0.985, so "switched"
     * means m_z > 0.9 and "kept" m_z < -0.9. */
    ck_assert(write_mz(eng, 200.0, 0.0, 0.1) > 0.9);    /* I > 0, hx > 0: write */
    ck_assert(write_mz(eng, -200.0, 0.0, 0.1) < -0.9);  /* opposite current: no write */
    ck_assert(write_mz(eng, 200.0, 0.0, -0.1) < -0.9);  /* opposite field: no write */
    ck_assert(write_mz(eng, -200.0, 0.0, -0.1) > 0.9);  /* both reversed: write */
    /* VCMA: 150 uA alone does not write; 4 V on the gate lowers Ku by
     * 1e5 J/m^3 (ku_per_volt = -2.5e4) and the same pulse writes. */
    ck_assert(write_mz(eng, 150.0, 0.0, 0.1) < -0.9);
    ck_assert(write_mz(eng, 150.0, 4.0, 0.1) > 0.9);
    cospin_engine_free(eng);
}
END_TEST

/* m_x after 1 ns of a constant 150 uA channel current (T = 0, tilt), with
 * extra card parameters. */
static double dc_mx(struct cospin_engine *eng, const char *card)
{
    char net[768];
    snprintf(net, sizeof net,
             "* field-like\n"
             "iw 0 h dc 150u\n"
             "vr r 0 dc 0.05\n"
             "asot %%gd(h 0) %%gd(r 0) g mx my mz sot1\n"
             "vg g 0 dc 0\n"
             ".options reltol=1e-9 vntol=1e-15 abstol=1e-18\n"
             ".model sot1 mtj_sot(temp=0 init=\"tilt\" hx=0.05 %s)\n",
             card);
    return last(eng, net, "tran 10p 1n", "v(mx)");
}

/*
 * fl_ratio reaches the physics as the field xi a y (llgs.h): with a constant
 * channel current I the card fl_ratio=0.5 equals hy = 0.5 t I, t = hbar
 * theta_sh / (2 e t_FL Ms w_hm t_hm) the damping-like field per ampere of
 * the defaults (1e-7: ngspice's current is I up to its tolerances, both
 * runs alike), and differs from the card without it by far more.
 */
START_TEST(test_field_like)
{
    struct cospin_engine *eng = new_engine();
    double ms = 1.58 / 1.25663706212e-6;
    double t_per_a = 1.054571817e-34 * 0.3 / (2.0 * 1.602176634e-19 * 1.3e-9 * ms * 20e-9 * 3e-9);
    char hy[64];
    snprintf(hy, sizeof hy, "hy=%.17g", 0.5 * t_per_a * 150e-6);
    double fl = dc_mx(eng, "fl_ratio=0.5");
    double field = dc_mx(eng, hy);
    double none = dc_mx(eng, "");
    ck_assert_close(fl, field, 1e-7);
    ck_assert(fabs(fl - none) > 1e-3);
    cospin_engine_free(eng);
}
END_TEST

START_TEST(test_bad_parameter)
{
    static const struct {
        const char *model;
        const char *what;
    } cases[] = {
        {"r_hm=-1", "r_hm"},         {"theta_sh=0", "theta_sh = 0"},
        {"hm_width=0", "hm_width = 0 m out of range (0, 0.0001]"}, {"demag=\"x\"", "demag"},
        {"fl_ratio=20", "fl_ratio = 20 out of range [-10, 10]"},
        {"integrator=\"x\"", "integrator = 'x' unknown"},
        {"thermal=\"x\"", "thermal"}, {"m0=2", "m0"},
        {"r_ap=1", "r_ap"},
    };
    struct cospin_engine *eng = new_engine();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char net[512];
        snprintf(net, sizeof net,
                 "* bad\niw 0 h dc 1u\nvr r 0 dc 0.1\n"
                 "asot %%gd(h 0) %%gd(r 0) g mx my mz sot1\nvg g 0 0\n"
                 ".model sot1 mtj_sot(%s)\n",
                 cases[i].model);
        struct cospin_error err = {0};
        int rc = cospin_engine_load(eng, net, &err);
        if (rc == COSPIN_OK)
            rc = cospin_engine_command(eng, "op", &err);
        ck_assert_msg(rc != COSPIN_OK, "%s accepted", cases[i].model);
        const char *out = cospin_engine_output(eng);
        ck_assert_msg(strstr(err.msg, cases[i].what) || (out && strstr(out, cases[i].what)),
                      "%s: message '%s' lacks '%s'", cases[i].model, err.msg, cases[i].what);
        cospin_engine_clear(eng);
    }
    cospin_engine_free(eng);
}
END_TEST

static Suite *suite_mtj_sot(void)
{
    Suite *s = suite_create("mtj_sot");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_op_resistances);
    tcase_add_test(core, test_write_polarity_and_gate);
    tcase_add_test(core, test_field_like);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_bad_parameter);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_mtj_sot)
