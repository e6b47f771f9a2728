/* check_sot_models.c -- the sot_synapse and sot_neuron code models through
 * plain `ngspice -b` with cospin.cm loaded (SPICE_SCRIPTS, set by make check;
 * by hand it defaults to the build tree's models/build-scripts). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "device.h"
#include "sot_neuron.h"

#define NETLISTS COSPIN_TEST_SRCDIR "/../netlists/"

/* Run ngspice -b on path; the combined output in a malloc'd string. */
static char *run_ngspice(const char *path)
{
    const char *scripts = getenv("SPICE_SCRIPTS");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "SPICE_SCRIPTS='%s' ngspice -b '%s' 2>&1",
             scripts ? scripts : COSPIN_BUILDDIR "/models/build-scripts", path);
    FILE *fp = popen(cmd, "r");
    ck_assert_ptr_nonnull(fp);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t r;
    while ((r = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += r;
        if (cap - len < 4096) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    buf[len] = '\0';
    pclose(fp);
    return buf;
}

/* The value of a `meas` result line "name = value" in out. */
static double meas(const char *out, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "no measurement %s in ngspice output:\n%s", name, out);
    p = strchr(p, '=');
    ck_assert_ptr_nonnull(p);
    return strtod(p + 1, NULL);
}

/* Write text to a temporary netlist; returns its path (static buffer). */
static const char *temp_netlist(const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/cospin-sot-XXXXXX.cir", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemps(path, 4);
    ck_assert_int_ge(fd, 0);
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    return path;
}

START_TEST(test_synapse_ltp_ltd)
{
    char *out = run_ngspice(NETLISTS "sot_synapse_ltp.cir");
    struct cospin_device d;
    cospin_device_preset("sot-s:21", &d, NULL);
    /* The model and the library share src/physics/device.c, so the states agree to
       the 7 digits ngspice prints. */
    ck_assert_close(meas(out, "g_ltp6"), cospin_device_g_after(&d, 0, 6), 1e-6);
    ck_assert_close(meas(out, "g_ltp12"), 1.0, 1e-6);
    ck_assert_close(meas(out, "g_ltd6"), cospin_device_g_after(&d, 1, 6), 1e-6);
    ck_assert_close(meas(out, "g_ltd12"), 0.0, 1e-6);
    /* Short (100 us) and weak (5 mA) pulses do not program. */
    ck_assert_close(meas(out, "g_rejected"), 0.0, 1e-6);
    ck_assert_close(meas(out, "g_last"), cospin_device_g_after(&d, 0, 1), 1e-6);
    /* Readout: 10 mV across G = g_min (g = 0) and g_max (g = 1). */
    ck_assert_rel(meas(out, "i_read0"), -0.01 * d.g_min_s, 1e-6);
    ck_assert_rel(meas(out, "i_read1"), -0.01 * d.g_max_s, 1e-6);
    free(out);
}
END_TEST

START_TEST(test_neuron_sweep)
{
    char *out = run_ngspice(NETLISTS "sot_neuron_sweep.cir");
    struct cospin_sot_neuron n;
    cospin_sot_neuron_preset(21, &n, NULL);
    ck_assert_close(meas(out, "y21_mid"), 0.5, 1e-6);
    /* Off the midpoint the DC sweep point drifts from the requested current
       (1859 accumulated 10 uA steps) and meas interpolates linearly; at a
       slope of k y (1 - y) = 0.18 per mA a 1e-4 mA offset is 2e-5. */
    ck_assert_close(meas(out, "y21_p1"), cospin_sot_neuron_y(&n, 18.59e-3), 2e-5);
    cospin_sot_neuron_preset(5, &n, NULL);
    /* The netlist reads at 12.2818 mA, within 1e-4 mA of x_c(5 ML); the slope
       k/4 = 0.27 per mA bounds the difference by 3e-5 plus the DC sweep's
       linear interpolation between 10 uA points (curvature k^2/10 per mA^2
       times (0.01 mA)^2/8, negligible). */
    ck_assert_close(meas(out, "y5_mid"), cospin_sot_neuron_y(&n, 12.2818e-3), 1e-5);
    n.k_per_ma = cospin_sot_k_from_sweep(32e-3);
    n.xc_a = 17.59e-3;
    ck_assert_close(meas(out, "ysw_p1"), cospin_sot_neuron_y(&n, 18.59e-3), 2e-5);
    free(out);
}
END_TEST

/* ---- errors: bad parameters are reported on INIT with the cospin tag ---- */

static const char *const bad_netlists[][2] = {
    {"ip 0 p dc 0\nvr r 0 dc 0.01\na1 p 0 r 0 st s1\n.model s1 sot_synapse(thickness=7)\n"
     ".tran 1u 10u\n.control\nrun\n.endc\n.end\n",
     "cospin-error: sot_synapse: thickness = 7"},
    {"ip 0 p dc 0\nvr r 0 dc 0.01\na1 p 0 r 0 st s1\n.model s1 sot_synapse(init=40)\n"
     ".tran 1u 10u\n.control\nrun\n.endc\n.end\n",
     "cospin-error: sot_synapse: init = 40"},
    {"ip 0 p dc 0\nvr r 0 dc 0.01\na1 p 0 r 0 st s1\n.model s1 sot_synapse(r_min=5 r_max=2)\n"
     ".tran 1u 10u\n.control\nrun\n.endc\n.end\n",
     "cospin-error: sot_synapse: resistance range"},
    {"ip 0 p dc 0\nvr r 0 dc 0.01\na1 p 0 r 0 st s1\n.model s1 sot_synapse(i_th=-1m)\n"
     ".tran 1u 10u\n.control\nrun\n.endc\n.end\n",
     "cospin-error: sot_synapse: thresholds"},
    {"ip 0 p dc 0\nvr r 0 dc 0.01\na1 p 0 r 0 st s1\n.model s1 sot_synapse(thickness=0)\n"
     ".tran 1u 10u\n.control\nrun\n.endc\n.end\n",
     "cospin-error: sot_synapse: thickness = 0 (custom)"},
    {"ip 0 p dc 1m\na1 p 0 o n1\n.model n1 sot_neuron(k=-1)\n.op\n.end\n",
     "cospin-error: sot_neuron: k = -1"},
    {"ip 0 p dc 1m\na1 p 0 o n1\n.model n1 sot_neuron(sweep=50m)\n.op\n.end\n",
     "cospin-error: sot_neuron: sweep = 0.05"},
    {"ip 0 p dc 1m\na1 p 0 o n1\n.model n1 sot_neuron(thickness=3)\n.op\n.end\n",
     "cospin-error: sot_neuron: thickness = 3"},
    {"ip 0 p dc 1m\na1 p 0 o n1\n.model n1 sot_neuron(v_max=0)\n.op\n.end\n",
     "cospin-error: sot_neuron: v_max = 0"},
};

START_TEST(test_bad_parameters)
{
    char text[1024], path[512];
    snprintf(text, sizeof text, "* bad parameters\n%s", bad_netlists[_i][0]);
    temp_netlist(text, path, sizeof path);
    char *out = run_ngspice(path);
    remove(path);
    ck_assert_msg(strstr(out, bad_netlists[_i][1]) != NULL, "expected '%s' in:\n%s",
                  bad_netlists[_i][1], out);
    free(out);
}
END_TEST

static Suite *suite_sot_models(void)
{
    Suite *s = suite_create("sot_models");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_synapse_ltp_ltd);
    tcase_add_test(tc, test_neuron_sweep);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_set_timeout(te, 120);
    tcase_add_loop_test(te, test_bad_parameters, 0,
                        (int)(sizeof bad_netlists / sizeof bad_netlists[0]));
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_sot_models)
