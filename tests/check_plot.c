/* check_plot.c -- SVG plots: ticks, document structure, escaping, errors. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "plot.h"

static char *render(const struct cospin_plot *p, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    *rc = cospin_plot_write_svg_stream(p, f, NULL);
    fclose(f);
    return buf;
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *q = s; (q = strstr(q, needle)) != NULL; q++)
        n++;
    return n;
}

START_TEST(test_ticks)
{
    double t[32];
    /* [0, 1] with ~5 ticks: step 0.2, both ends included. */
    size_t n = cospin_plot_ticks(0.0, 1.0, 5, t, 32);
    ck_assert_int_eq(n, 6);
    ck_assert_double_eq_tol(t[0], 0.0, 1e-15);
    ck_assert_double_eq_tol(t[5], 1.0, 1e-12);
    /* [6, 20] with ~7: step 2 -> 6, 8, ..., 20. */
    n = cospin_plot_ticks(6.0, 20.0, 7, t, 32);
    ck_assert_int_eq(n, 8);
    ck_assert_double_eq_tol(t[1] - t[0], 2.0, 1e-12);
    /* Every tick is inside the range and the step is 1, 2 or 5 x 10^n. */
    n = cospin_plot_ticks(-3.7e-6, 1.3e-5, 6, t, 32);
    ck_assert(n >= 3);
    double step = t[1] - t[0], m = step / pow(10, floor(log10(step)));
    ck_assert(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9);
    for (size_t i = 0; i < n; i++)
        ck_assert(t[i] >= -3.7e-6 - 1e-15 && t[i] <= 1.3e-5 + 1e-15);
    ck_assert_int_eq(cospin_plot_ticks(1.0, 1.0, 5, t, 32), 0);
    ck_assert_int_eq(cospin_plot_ticks(NAN, 1.0, 5, t, 32), 0);
}
END_TEST

START_TEST(test_svg)
{
    double x[4] = {1, 2, 3, 4}, y[4] = {0.1, 0.4, NAN, 0.9}, e[4] = {0.05, 0.05, 0.05, 0.05};
    struct cospin_plot *p = cospin_plot_new("P<sw> & fit", "I (uA)", "P_sw");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(cospin_plot_add(p, "data", x, y, e, 4, COSPIN_PLOT_MARKERS, NULL), 0);
    ck_assert_int_eq(cospin_plot_add(p, "fit", x, y, NULL, 4, COSPIN_PLOT_LINE | COSPIN_PLOT_DASHED,
                                     NULL), 1);
    ck_assert_int_eq(cospin_plot_set_yrange(p, 0, 1), 0);
    int rc;
    char *svg = render(p, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(svg, "<svg xmlns"));
    ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
    /* Title escaped. */
    ck_assert_ptr_nonnull(strstr(svg, "P&lt;sw&gt; &amp; fit"));
    /* 3 finite markers + 1 legend marker; NaN splits the line into 2 pieces. */
    ck_assert_int_eq(count(svg, "<circle"), 4);
    ck_assert_int_eq(count(svg, "<polyline"), 2);
    ck_assert_int_eq(count(svg, "stroke-dasharray"), 3);
    free(svg);

    /* Log axes skip non-positive values and still render. */
    double ly[4] = {1e-3, 0.0, 1e-1, 1.0};
    struct cospin_plot *q = cospin_plot_new(NULL, NULL, NULL);
    cospin_plot_set_log(q, 0, 1);
    cospin_plot_set_size(q, 10, 10);
    ck_assert_int_eq(cospin_plot_add(q, NULL, x, ly, NULL, 4, COSPIN_PLOT_MARKERS, NULL), 0);
    svg = render(q, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(count(svg, "<circle"), 3);
    ck_assert_ptr_nonnull(strstr(svg, "width=\"200\""));
    free(svg);

    /* Atomic file write. */
    char path[] = "/tmp/check_plot_XXXXXX";
    int fd = mkstemp(path);
    ck_assert(fd >= 0);
    close(fd);
    ck_assert_int_eq(cospin_plot_write_svg(p, path, NULL), 0);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char head[6] = {0};
    ck_assert_int_eq(fread(head, 1, 5, f), 5);
    fclose(f);
    ck_assert_str_eq(head, "<?xml");
    unlink(path);
    cospin_plot_free(p);
    cospin_plot_free(q);
    cospin_plot_free(NULL);
}
END_TEST

START_TEST(test_errors)
{
    struct cospin_plot *p = cospin_plot_new("t", "x", "y");
    struct cospin_error e = {0};
    double x[1] = {1}, y[1] = {NAN};
    ck_assert_int_eq(cospin_plot_add(p, "a", x, y, NULL, 0, 0, &e), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_plot_add(p, "a", NULL, y, NULL, 1, 0, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_plot_set_xrange(p, 2, 1), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_plot_set_yrange(p, 0, INFINITY), COSPIN_ERR_INVALID);
    /* Only a NaN point: nothing to draw. */
    ck_assert_int_eq(cospin_plot_add(p, "a", x, y, NULL, 1, 0, NULL), 0);
    int rc;
    free(render(p, &rc));
    ck_assert_int_eq(rc, COSPIN_ERR_INVALID);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(cospin_plot_write_svg(p, "/nonexistent-dir/x.svg", &e), COSPIN_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot create"));
    cospin_plot_free(p);
}
END_TEST

static Suite *suite_plot(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ticks);
    tcase_add_test(tc, test_svg);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_errors);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_plot)
