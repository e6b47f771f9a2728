/*
 * check_mtj_stt.c -- the mtj_stt code model through libngspice (engine.h):
 * TMR resistance at the operating point, step-control independence of the
 * stochastic trajectory, equality with the standalone integrator for the
 * same seed, and parameter validation.  Every test runs in its own process
 * (Check's fork mode), so each has a fresh ngspice instance.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "engine.h"
#include "llgs.h"

/* The circuit is linear within each time step (the device is a resistor
 * G(m_accepted) there) and is driven by an ideal current source, so the
 * drive that reaches the LLGS is the source current up to ngspice's Newton
 * tolerance: the last model evaluation of a time point may use a voltage
 * one iteration short of the solution.  With the default reltol (1e-3)
 * that moves m_z by ~1e-7 after 1 ns; the pulse netlist therefore sets
 * reltol = 1e-9 (and vntol/abstol to match), which brings the residual to
 * rounding, and the trajectories are compared to 1e-9 -- far below the
 * ~1e-2 by which two seeds differ. */
#define TRAJ_TOL 1e-9

static struct cospin_engine *new_engine(void)
{
    struct cospin_engine *eng = NULL;
    struct cospin_error err = {0};
    int rc = cospin_engine_new(NULL, &eng, &err);
    ck_assert_msg(rc == COSPIN_OK, "engine_new: %s", err.msg);
    return eng;
}

static double *vec(struct cospin_engine *eng, const char *name, size_t *n)
{
    double *d = NULL;
    struct cospin_error err = {0};
    int rc = cospin_engine_vector(eng, name, &d, n, &err);
    ck_assert_msg(rc == COSPIN_OK, "vector %s: %s", name, err.msg);
    return d;
}

static void run(struct cospin_engine *eng, const char *netlist, const char *cmd)
{
    struct cospin_error err = {0};
    ck_assert_msg(cospin_engine_load(eng, netlist, &err) == COSPIN_OK, "load: %s", err.msg);
    ck_assert_msg(cospin_engine_command(eng, cmd, &err) == COSPIN_OK, "%s: %s", cmd, err.msg);
}

/* Operating-point netlist; %g is m0. */
#define OP_NET                                                                      \
    "* op\n"                                                                        \
    "v1 a 0 dc 0.1\n"                                                               \
    "amtj %%gd(a 0) vz mx my mz mtj1\n"                                             \
    "vz vz 0 0\n"                                                                   \
    ".model mtj1 mtj_stt(init=\"tilt\" init_tilt=0 m0=%g r_p=5k r_ap=12k)\n"

/* Operating point: m_z = -1 exactly (tilt 0) gives R_AP, +1 gives R_P. */
START_TEST(test_op_resistance)
{
    struct cospin_engine *eng = new_engine();
    char buf[512];
    static const double m0[2] = {-1.0, 1.0}, r[2] = {12e3, 5e3};
    for (int k = 0; k < 2; k++) {
        snprintf(buf, sizeof buf, OP_NET, m0[k]);
        run(eng, buf, "op");
        size_t n;
        double *i = vec(eng, "v1#branch", &n);
        double *mz = vec(eng, "v(mz)", &n);
        /* ngspice: the current into the + terminal of v1 is -V/R. */
        ck_assert_rel(-i[0], 0.1 / r[k], 1e-9);
        ck_assert_close(mz[0], m0[k], 1e-12);
        free(i);
        free(mz);
    }
    cospin_engine_free(eng);
}
END_TEST

/* A 12 uA, 3 ns write pulse (n -> p) then 2 ns at zero; a PWL source with
 * corners at 1, 2, 3.5, 4.5 ns forces accepted time points there. */
#define PULSE_NET                                                                   \
    "* pulse\n"                                                                     \
    "iw p 0 pulse(0 12u 0 1p 1p 3n 1)\n"                                            \
    "amtj %%gd(p 0) vz mx my mz mtj1\n"                                             \
    "vz vz 0 0\n"                                                                   \
    "vbk bk 0 pwl(0 0 1n 0 2n 1 3.5n 0 4.5n 1)\n"                                   \
    "rbk bk 0 1k\n"                                                                 \
    ".options reltol=1e-9 vntol=1e-15 abstol=1e-18\n"                               \
    ".model mtj1 mtj_stt(seed=%d max_step=%g%s)\n"

static const double probe_s[] = {1e-9, 2e-9, 3.5e-9, 4.5e-9, 5e-9};
#define NPROBE (sizeof probe_s / sizeof probe_s[0])

/* Run the pulse netlist and read m_z at the probe times (which must be
 * time points: found to 1e-18 s). */
static void pulse_mz_card(struct cospin_engine *eng, int seed, double max_step, double tmax,
                          const char *card, double out[NPROBE], size_t *npoints)
{
    char net[1024], cmd[64];
    snprintf(net, sizeof net, PULSE_NET, seed, max_step, card);
    snprintf(cmd, sizeof cmd, "tran 10p 5n 0 %g", tmax);
    run(eng, net, cmd);
    size_t n, n2;
    double *t = vec(eng, "time", &n);
    double *mz = vec(eng, "v(mz)", &n2);
    ck_assert_uint_eq(n, n2);
    *npoints = n;
    for (size_t k = 0; k < NPROBE; k++) {
        out[k] = NAN;
        for (size_t j = 0; j < n; j++)
            if (fabs(t[j] - probe_s[k]) < 1e-18)
                out[k] = mz[j];
        ck_assert_msg(!isnan(out[k]), "no time point at %g s", probe_s[k]);
    }
    free(t);
    free(mz);
}

/* The pulse netlist with the default card. */
static void pulse_mz(struct cospin_engine *eng, int seed, double max_step, double tmax,
                     double out[NPROBE], size_t *npoints)
{
    pulse_mz_card(eng, seed, max_step, tmax, "", out, npoints);
}

/* m_z of the standalone integrator at the probe times for the pulse netlist's
 * drive (steps whose midpoint is <= t have been integrated at t). */
static void standalone_mz(const struct cospin_mtj_params *p, int seed, double out[NPROBE])
{
    struct cospin_mtj_derived d;
    ck_assert_int_eq(cospin_mtj_derive(p, &d, NULL, 0), 0);
    struct cospin_mtj_state s;
    cospin_mtj_state_init(&d, &s, (uint64_t)seed, 0, -1.0);
    size_t k = 0;
    for (long step = 0; k < NPROBE; step++) {
        while (k < NPROBE && (step + 0.5) * p->dt_s > probe_s[k])
            out[k++] = s.m[2];
        /* The pulse covers the steps with midpoints in [1 ps, 3.001 ns]. */
        double mid = (step + 0.5) * p->dt_s;
        cospin_mtj_step(&d, s.m, (mid > 1e-12 && mid < 3.001e-9) ? 12e-6 : 0.0, 0.0, &s.rng);
    }
}

/* The same seed gives the same m_z at common time points whatever the
 * model's max_step and ngspice's tmax (17 ps, 100 ps, 330 ps: about 330,
 * 95 and 64 time points in 5 ns), and equals the standalone integrator stepping the
 * same pulse with the generator (seed, stream 0). */
START_TEST(test_step_independent_and_standalone)
{
    struct cospin_engine *eng = new_engine();
    double a[NPROBE], b[NPROBE], c[NPROBE];
    size_t na, nb, nc;
    pulse_mz(eng, 7, 1e-10, 1e-10, a, &na);
    pulse_mz(eng, 7, 1.7e-11, 1.7e-11, b, &nb);
    pulse_mz(eng, 7, 3.3e-10, 1e-9, c, &nc);
    ck_assert_msg(nb > 2 * na && na > nc, "time points %zu %zu %zu", na, nb, nc);
    for (size_t k = 0; k < NPROBE; k++)
        ck_assert_msg(fabs(a[k] - b[k]) <= TRAJ_TOL && fabs(a[k] - c[k]) <= TRAJ_TOL,
                      "t = %g s: m_z = %.12f, %.12f, %.12f", probe_s[k], a[k], b[k], c[k]);

    /* Standalone. */
    struct cospin_mtj_params p;
    cospin_mtj_params_default(&p);
    double sa[NPROBE];
    standalone_mz(&p, 7, sa);
    for (size_t k = 0; k < NPROBE; k++)
        ck_assert_close(a[k], sa[k], TRAJ_TOL);
    /* Another seed gives another trajectory. */
    double e[NPROBE];
    pulse_mz(eng, 8, 1e-10, 1e-10, e, &na);
    ck_assert(fabs(e[NPROBE - 1] - a[NPROBE - 1]) > 1e-6);
    cospin_engine_free(eng);
}
END_TEST

/*
 * Every convention of the card reaches the physics: each card below gives
 * the trajectory of the standalone integrator with the same settings (to
 * TRAJ_TOL), and differs from the default card's (by more than 1e-6: each
 * setting changes the motion).  The spin valve is reached by its name and
 * by its alias.
 */
START_TEST(test_card_conventions)
{
    static const struct {
        const char *card;
        enum cospin_stt stt;
        enum cospin_init init;
        enum cospin_integrator integ;
        double thermal_scale;
    } cases[] = {
        {" stt=\"slonczewski1996\"", COSPIN_STT_SPIN_VALVE, COSPIN_INIT_THERMAL,
         COSPIN_INTEGRATOR_ROTATING, 1.0},
        {" stt=\"spin-valve\"", COSPIN_STT_SPIN_VALVE, COSPIN_INIT_THERMAL,
         COSPIN_INTEGRATOR_ROTATING, 1.0},
        {" init=\"minus-z\"", COSPIN_STT_CONSTANT, COSPIN_INIT_MINUS_Z,
         COSPIN_INTEGRATOR_ROTATING, 1.0},
        {" integrator=\"rk4\"", COSPIN_STT_CONSTANT, COSPIN_INIT_THERMAL,
         COSPIN_INTEGRATOR_RK4, 1.0},
        {" thermal_scale=0.5", COSPIN_STT_CONSTANT, COSPIN_INIT_THERMAL,
         COSPIN_INTEGRATOR_ROTATING, 0.5},
    };
    struct cospin_engine *eng = new_engine();
    double base[NPROBE];
    size_t n;
    pulse_mz(eng, 5, 1e-10, 1e-10, base, &n);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double a[NPROBE], sa[NPROBE];
        pulse_mz_card(eng, 5, 1e-10, 1e-10, cases[i].card, a, &n);
        struct cospin_mtj_params p;
        cospin_mtj_params_default(&p);
        p.stt = cases[i].stt;
        p.init = cases[i].init;
        p.integrator = cases[i].integ;
        p.thermal_scale = cases[i].thermal_scale;
        standalone_mz(&p, 5, sa);
        for (size_t k = 0; k < NPROBE; k++)
            ck_assert_msg(fabs(a[k] - sa[k]) <= TRAJ_TOL, "%s: t = %g s: %.12f, standalone %.12f",
                          cases[i].card, probe_s[k], a[k], sa[k]);
        ck_assert_msg(fabs(a[NPROBE - 1] - base[NPROBE - 1]) > 1e-6, "%s: no effect",
                      cases[i].card);
    }
    cospin_engine_free(eng);
}
END_TEST

/* The example netlist runs under plain `ngspice -b` (SPICE_SCRIPTS points at
 * an spinit that loads the build-tree cospin.cm, as `make check` sets it)
 * and its printed final m_z equals the standalone integrator's for the same
 * seed (3), pulse (20 uA, steps with midpoints in the 30.001 ns flat top:
 * 6000) and relaxation (to 40 ns: 8000 steps in all).  ngspice runs at its
 * default reltol and prints 6 digits: 1e-5. */
START_TEST(test_example_netlist_plain_ngspice)
{
    if (!getenv("SPICE_SCRIPTS"))
        return; /* outside `make check` there is no spinit loading cospin.cm */
    FILE *f = popen("ngspice -b " COSPIN_TEST_SRCDIR "/../netlists/mtj_stt_pulse.cir 2>&1", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    double mz = NAN;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "final m_z: ", 11) == 0)
            mz = strtod(line + 11, NULL);
    pclose(f);
    ck_assert_msg(!isnan(mz), "no 'final m_z' line from ngspice");

    struct cospin_mtj_params p;
    cospin_mtj_params_default(&p);
    struct cospin_mtj_derived d;
    ck_assert_int_eq(cospin_mtj_derive(&p, &d, NULL, 0), 0);
    struct cospin_mtj_state s;
    cospin_mtj_state_init(&d, &s, 3, 0, -1.0);
    for (int k = 0; k < 8000; k++)
        cospin_mtj_step(&d, s.m, k < 6000 ? 20e-6 : 0.0, 0.0, &s.rng);
    ck_assert_close(mz, s.m[2], 1e-5);
}
END_TEST

/* The thermal initial state of (seed, stream) equals the standalone one:
 * the operating point reports m_z of cospin_mtj_state_init exactly. */
START_TEST(test_seed_stream_initial_state)
{
    struct cospin_engine *eng = new_engine();
    struct cospin_mtj_params p;
    cospin_mtj_params_default(&p);
    struct cospin_mtj_derived d;
    ck_assert_int_eq(cospin_mtj_derive(&p, &d, NULL, 0), 0);
    static const int streams[3] = {0, 5, 1234};
    for (int k = 0; k < 3; k++) {
        char net[512];
        snprintf(net, sizeof net,
                 "* init\nv1 a 0 dc 0.1\namtj %%gd(a 0) NULL NULL NULL mz mtj1\n"
                 ".model mtj1 mtj_stt(seed=7 stream=%d)\n",
                 streams[k]);
        run(eng, net, "op");
        size_t n;
        double *mz = vec(eng, "v(mz)", &n);
        struct cospin_mtj_state s;
        cospin_mtj_state_init(&d, &s, 7, (uint64_t)streams[k], -1.0);
        ck_assert_close(mz[0], s.m[2], 1e-15);
        free(mz);
    }
    cospin_engine_free(eng);
}
END_TEST

/* A bad parameter stops the analysis with the model's tagged message. */
START_TEST(test_bad_parameter)
{
    static const struct {
        const char *model;
        const char *what;
    } cases[] = {
        {"alpha=-1", "alpha"},
        {"demag=\"sphere\"", "demag"},
        {"stt=\"x\"", "stt"},
        {"thermal=\"x\"", "thermal"},
        {"init=\"x\"", "init = 'x' unknown, expected thermal, tilt, minus-z"},
        {"stt=\"tunnel\"", "expected constant, slonczewski, slonczewski1996, spin-valve"},
        {"integrator=\"euler\"", "integrator = 'euler' unknown"},
        {"thermal_scale=-1", "thermal_scale = -1 out of range [0, 100]"},
        {"pol=1", "pol = 1 out of range (0, 1)"},
        {"temp=-4", "temp = -4 K out of range [0, 2000]"},
        {"thickness=-1n", "thickness = -1e-09 m out of range (0, 1e-06]"},
        {"m0=0.5", "m0"},
        {"seed=-3", "seed"},
        {"stream=-1", "stream"},
        {"max_step=1", "max_step"},
        {"r_p=-5", "r_p"},
        {"ku=3e5", "ku = 300000 J/m^3 is not above the demagnetising energy"},
    };
    struct cospin_engine *eng = new_engine();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char net[512];
        snprintf(net, sizeof net,
                 "* bad\nv1 a 0 dc 0.1\namtj %%gd(a 0) vz mx my mz mtj1\nvz vz 0 0\n"
                 ".model mtj1 mtj_stt(%s)\n",
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

static Suite *suite_mtj_stt(void)
{
    Suite *s = suite_create("mtj_stt");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_op_resistance);
    tcase_add_test(core, test_step_independent_and_standalone);
    tcase_add_test(core, test_card_conventions);
    tcase_add_test(core, test_example_netlist_plain_ngspice);
    tcase_add_test(core, test_seed_stream_initial_state);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_bad_parameter);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_mtj_stt)
