/* check_error.c -- the first-error record. */
#include <config.h>

#include <string.h>

#include "check_util.h"
#include "error.h"

START_TEST(test_first_error_wins)
{
    struct cospin_error e = {0};
    int rc = cospin_error_set(&e, COSPIN_ERR_PARSE, "a.xml", 12, "bad <%s>", "neuron");
    ck_assert_int_eq(rc, COSPIN_ERR_PARSE);
    rc = cospin_error_set(&e, COSPIN_ERR_IO, "b.xml", 3, "second");
    ck_assert_int_eq(rc, COSPIN_ERR_IO);
    ck_assert_int_eq(e.code, COSPIN_ERR_PARSE);
    char buf[128];
    ck_assert_str_eq(cospin_error_format(&e, buf, sizeof buf), "a.xml:12: bad <neuron>");
    cospin_error_prefix(&e, "config");
    ck_assert_str_eq(cospin_error_format(&e, buf, sizeof buf), "a.xml:12: config: bad <neuron>");
    cospin_error_clear(&e);
    ck_assert_int_eq(e.code, 0);
    ck_assert_str_eq(cospin_error_format(&e, buf, sizeof buf), "no error");
}
END_TEST

START_TEST(test_null_and_names)
{
    ck_assert_int_eq(cospin_error_set(NULL, COSPIN_ERR_SIM, NULL, 0, "x"), COSPIN_ERR_SIM);
    struct cospin_error e = {0};
    cospin_error_set(&e, COSPIN_ERR_SIM, NULL, 0, "singular matrix");
    char buf[64];
    ck_assert_str_eq(cospin_error_format(&e, buf, sizeof buf), "singular matrix");
    cospin_error_clear(&e);
    cospin_error_set(&e, COSPIN_ERR_DATA, "/x/t10k", 0, "truncated");
    ck_assert_str_eq(cospin_error_format(&e, buf, sizeof buf), "/x/t10k: truncated");
    for (int c = COSPIN_ERR_INTERNAL; c <= 0; c++)
        ck_assert_str_ne(cospin_strerror(c), "unknown error");
    ck_assert_str_eq(cospin_strerror(42), "unknown error");
}
END_TEST

static Suite *suite_error(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_first_error_wins);
    tcase_add_test(tc, test_null_and_names);
    suite_add_tcase(s, tc);
    return s;
}

COSPIN_CHECK_MAIN(suite_error)
