/* check_units.c -- SPICE-suffix numbers: a table of texts and their values or errors. */
#include <config.h>

#include <float.h>
#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "units.h"

/* Parsed values are products of a decimal mantissa and a power-of-ten scale:
   both are rounded once, so the result is within a few ulp of the exact value. */
#define PARSE_REL_TOL 4e-16

static const struct {
    const char *text;
    double value;
} good[] = {
    {"0", 0.0},           {"1", 1.0},           {"-2.5", -2.5},      {"+3", 3.0},
    {".5", 0.5},          {"5.", 5.0},          {"1e-9", 1e-9},      {"1E+3", 1e3},
    {"2.5e2k", 2.5e5},    {"10n", 10e-9},       {"11.3u", 11.3e-6},  {"5k", 5e3},
    {"5K", 5e3},          {"1meg", 1e6},        {"2.5MEG", 2.5e6},   {"1Meg", 1e6},
    {"3m", 3e-3},         {"3M", 3e-3},         {"1g", 1e9},         {"2t", 2e12},
    {"7p", 7e-12},        {"4f", 4e-15},        {"2mil", 50.8e-6},   {"10ns", 10e-9},
    {"5kohm", 5e3},       {"5kOhms", 5e3},      {"11.3uA", 11.3e-6}, {"1V", 1.0},
    {"1nF", 1e-9},        {"1F", 1e-15},        {"3s", 3.0},         {"2sec", 2.0},
    {"1khz", 1e3},        {"15nm", 15e-9},      {"  42  ", 42.0},    {"1\xc2\xb5", 1e-6},
    {"2\xce\xbcs", 2e-6}, {"1e-3k", 1.0},       {"-0", 0.0},         {"1.7e308", 1.7e308},
};

static const char *const bad[] = {
    "",      "   ",   "1x",    "k",     "1..2",   "1.2.3", "abc",   "1e",  "1e+",
    "--1",   "+-1",   "inf",   "nan",   "0x10",   "1 k",   "1k x",  "e5",  ".",
    "1e400", "-1e400", "1e308k", "1e-400", "1kk", "1megs5", "5 5",  "1,5", "1/2",
};

START_TEST(test_good)
{
    double v = -123.0;
    struct cospin_error e = {0};
    int rc = cospin_units_parse(good[_i].text, &v, &e);
    ck_assert_msg(rc == 0, "'%s' rejected: %s", good[_i].text, e.msg);
    if (good[_i].value == 0.0)
        ck_assert_msg(v == 0.0, "'%s' -> %g", good[_i].text, v);
    else
        ck_assert_rel(v, good[_i].value, PARSE_REL_TOL);
}
END_TEST

START_TEST(test_bad)
{
    double v = -123.0;
    struct cospin_error e = {0};
    int rc = cospin_units_parse(bad[_i], &v, &e);
    ck_assert_msg(rc == COSPIN_ERR_PARSE, "'%s' accepted as %g", bad[_i], v);
    ck_assert_int_eq(e.code, COSPIN_ERR_PARSE);
    ck_assert_msg(v == -123.0, "output touched on error");
    /* The message quotes the offending text. */
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", bad[_i]);
    ck_assert_msg(strstr(e.msg, quoted) != NULL, "message '%s' does not quote %s", e.msg, quoted);
}
END_TEST

START_TEST(test_null_and_no_err)
{
    double v = 1.0;
    ck_assert_int_eq(cospin_units_parse(NULL, &v, NULL), COSPIN_ERR_PARSE);
    ck_assert_int_eq(cospin_units_parse("1x", &v, NULL), COSPIN_ERR_PARSE);
    ck_assert(v == 1.0);
}
END_TEST

START_TEST(test_sweep)
{
    double *v;
    size_t n;
    struct cospin_error e = {0};
    ck_assert_int_eq(cospin_units_parse_sweep("6u:20u:1u", &v, &n, &e), 0);
    ck_assert_uint_eq(n, 15);
    ck_assert_rel(v[0], 6e-6, 1e-12);
    ck_assert_rel(v[14], 20e-6, 1e-12);
    free(v);
    ck_assert_int_eq(cospin_units_parse_sweep("1:0:-0.25", &v, &n, &e), 0);
    ck_assert_uint_eq(n, 5);
    ck_assert_close(v[4], 0.0, 1e-15);
    free(v);
    /* stop not on the grid: last point below stop */
    ck_assert_int_eq(cospin_units_parse_sweep("0:1:0.3", &v, &n, &e), 0);
    ck_assert_uint_eq(n, 4);
    free(v);
    ck_assert_int_eq(cospin_units_parse_sweep("10n,20n, 50n", &v, &n, &e), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_rel(v[2], 50e-9, 1e-15);
    free(v);
    ck_assert_int_eq(cospin_units_parse_sweep("5k", &v, &n, &e), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_rel(v[0], 5e3, 1e-15);
    free(v);
}
END_TEST

START_TEST(test_sweep_errors)
{
    static const char *const bad_sweeps[] = {"1:2",     "1:2:0",  "2:1:1", "1:2:-1",
                                             "1:2:3:4", "a:2:1",  "1,,2",  "",
                                             "0:1:1f",  "1:2:1x", NULL};
    for (int i = 0; bad_sweeps[i]; i++) {
        double *v = (double *)&v;
        size_t n = 99;
        struct cospin_error e = {0};
        ck_assert_msg(cospin_units_parse_sweep(bad_sweeps[i], &v, &n, &e) == COSPIN_ERR_PARSE,
                      "sweep '%s' accepted", bad_sweeps[i]);
        ck_assert_msg(v == NULL && n == 0, "outputs not cleared for '%s'", bad_sweeps[i]);
        ck_assert_msg(strstr(e.msg, bad_sweeps[i]) != NULL, "'%s' not named in '%s'",
                      bad_sweeps[i], e.msg);
    }
}
END_TEST

/* format -> parse round trip, and a few exact renderings. */
START_TEST(test_format)
{
    char buf[64];
    ck_assert_str_eq(cospin_units_format(1e-8, 6, buf, sizeof buf), "10n");
    ck_assert_str_eq(cospin_units_format(2.5e6, 6, buf, sizeof buf), "2.5meg");
    ck_assert_str_eq(cospin_units_format(0.0, 6, buf, sizeof buf), "0");
    ck_assert_str_eq(cospin_units_format(-4.7e3, 6, buf, sizeof buf), "-4.7k");
    ck_assert_str_eq(cospin_units_format(1.0, 6, buf, sizeof buf), "1");
    static const double vals[] = {1e-20, 3.3e-15, 1.234567890123e-9, 0.999999, 7.0, 1e3,
                                  999.5,  123456.789, 1e14, 2e15, -5e-13};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        double back;
        cospin_units_format(vals[i], 15, buf, sizeof buf);
        ck_assert_msg(cospin_units_parse(buf, &back, NULL) == 0, "'%s' does not parse", buf);
        /* 15 significant digits: relative error below 1e-14 after the round trip */
        ck_assert_rel(back, vals[i], 1e-14);
    }
}
END_TEST

static Suite *suite_units(void)
{
    Suite *s = suite_create("units");
    TCase *core = tcase_create("core");
    tcase_add_loop_test(core, test_good, 0, (int)(sizeof good / sizeof good[0]));
    tcase_add_test(core, test_sweep);
    tcase_add_test(core, test_format);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(errors, test_null_and_no_err);
    tcase_add_test(errors, test_sweep_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_units)
