/* check_paths.c -- where cospin finds its files: relative paths between the
 * configured directories, the build tree recognised from the running test
 * program, and the environment's override.  (The installed and moved layout is
 * tests/install-api.sh's job.) */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "paths.h"

static const struct {
    const char *from, *to, *rel;
} relative[] = {
    {"/usr/local/bin", "/usr/local/lib/cospin", "../lib/cospin"},
    {"/usr/local/lib", "/usr/local/lib/cospin", "cospin"},
    {"/usr/local/bin", "/usr/local/share/cospin", "../share/cospin"},
    {"/usr/lib/x86_64-linux-gnu", "/usr/share/cospin", "../../share/cospin"},
    {"/a/b", "/a/b", "."},
    {"/a/b/", "/a/b", "."},
    {"/", "/x/y", "x/y"},
    {"/x/y", "/", "../.."},
    {"/usr//local/./bin", "/usr/local/share/cospin", "../share/cospin"},
    {"/opt/b", "/srv/c", "../../srv/c"},
    {"/opt/bin", "/opt/binaries", "../binaries"},
};

START_TEST(test_relative)
{
    char buf[256];
    ck_assert_msg(cospin_path_relative(relative[_i].from, relative[_i].to, buf, sizeof buf) == 0,
                  "%s -> %s failed", relative[_i].from, relative[_i].to);
    ck_assert_str_eq(buf, relative[_i].rel);
}
END_TEST

/* Both paths name the same existing file. */
static void assert_same_file(const char *got, const char *want)
{
    char a[PATH_MAX], b[PATH_MAX];
    ck_assert_msg(realpath(got, a) != NULL, "%s does not exist", got);
    ck_assert_msg(realpath(want, b) != NULL, "%s does not exist", want);
    ck_assert_str_eq(a, b);
}

/* This test program runs from the build tree's tests/: the build tree's
   cospin.cm and the source tree's schema, with no help from the environment. */
START_TEST(test_build_tree_found_at_run_time)
{
    unsetenv("COSPIN_CM");
    assert_same_file(cospin_path_cm(), COSPIN_BUILDDIR "/models/.libs/cospin.cm");
    char buf[PATH_MAX];
    assert_same_file(cospin_path_data_file("schema/cospin.rng", buf, sizeof buf),
                     COSPIN_TEST_SRCDIR "/../src/config/schema/cospin.rng");
}
END_TEST

START_TEST(test_environment_first)
{
    setenv("COSPIN_CM", "/nowhere/cospin.cm", 1);
    ck_assert_str_eq(cospin_path_cm(), "/nowhere/cospin.cm");
    setenv("COSPIN_DATA", "/nowhere/data", 1);
    ck_assert_str_eq(cospin_path_data_dir(), "/nowhere/data");
    setenv("COSPIN_CM", "", 1); /* empty is unset */
    ck_assert_str_ne(cospin_path_cm(), "");
}
END_TEST

/* ---- errors ------------------------------------------------------------------------ */

START_TEST(test_relative_errors)
{
    char buf[16];
    ck_assert_int_eq(cospin_path_relative("usr/bin", "/usr/lib", buf, sizeof buf), -1);
    ck_assert_int_eq(cospin_path_relative("/usr/bin", "lib", buf, sizeof buf), -1);
    ck_assert_int_eq(cospin_path_relative("/usr/../bin", "/usr/lib", buf, sizeof buf), -1);
    ck_assert_int_eq(cospin_path_relative(NULL, "/usr/lib", buf, sizeof buf), -1);
    /* "../../../a/very/long/name" does not fit in 16 bytes */
    ck_assert_int_eq(cospin_path_relative("/x/y/z", "/a/very/long/name", buf, sizeof buf), -1);
}
END_TEST

START_TEST(test_missing_data_file_names_the_installed_place)
{
    char buf[PATH_MAX];
    const char *p = cospin_path_data_file("schema/no-such.rng", buf, sizeof buf);
    size_t n = strlen(p), k = strlen("/schema/no-such.rng");
    ck_assert(n > k);
    ck_assert_str_eq(p + n - k, "/schema/no-such.rng");
    ck_assert_msg(strstr(p, "/src/config/") == NULL, "a missing file points into the source tree: %s", p);
}
END_TEST

static Suite *suite_paths(void)
{
    Suite *s = suite_create("paths");
    TCase *core = tcase_create("core");
    tcase_add_loop_test(core, test_relative, 0, (int)(sizeof relative / sizeof relative[0]));
    tcase_add_test(core, test_build_tree_found_at_run_time);
    tcase_add_test(core, test_environment_first);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_relative_errors);
    tcase_add_test(errors, test_missing_data_file_names_the_installed_place);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_paths)
