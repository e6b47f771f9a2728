/* check_plot.c -- SVG plots: ticks, document structure, escaping, series
 * looks (24 distinct), the legend outside the data area, errors. */
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

/* A rectangle of the SVG, pixels. */
struct rect {
    double x, y, w, h;
};

/* The first <rect> whose attributes follow `after` (x, y, width, height in this order). */
static struct rect find_rect(const char *svg, const char *after)
{
    const char *q = strstr(svg, after);
    ck_assert_msg(q != NULL, "no '%s' in the SVG", after);
    struct rect r;
    ck_assert_int_eq(sscanf(q + strlen(after), " x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%lf\"",
                            &r.x, &r.y, &r.w, &r.h),
                     4);
    return r;
}

/* n series of a (width, Ku)-like family: n_i values of the first parameter. */
static struct cospin_plot *family_plot(int n, int n_i, int use_looks)
{
    struct cospin_plot *p = cospin_plot_new("family", "I (uA)", "P_sw");
    ck_assert_ptr_nonnull(p);
    double x[5] = {1, 2, 3, 4, 5}, y[5];
    for (int k = 0; k < n; k++) {
        char label[64];
        snprintf(label, sizeof label, "%d ns, Ku %d: k 0.5/uA, c 12 uA", 10 * (k % n_i), k / n_i);
        for (int j = 0; j < 5; j++)
            y[j] = 1.0 / (1.0 + exp(-(x[j] - 3.0 + 0.1 * k)));
        unsigned style = COSPIN_PLOT_MARKERS | COSPIN_PLOT_LEGEND_LINE;
        int idx = cospin_plot_add(p, label, x, y, NULL, 5, style, NULL);
        ck_assert_int_eq(idx, 2 * k);
        int fit = cospin_plot_add(p, NULL, x, y, NULL, 5, COSPIN_PLOT_LINE, NULL);
        if (use_looks) {
            struct cospin_plot_look look;
            cospin_plot_family_look(k % n_i, k / n_i, &look);
            ck_assert_int_eq(cospin_plot_set_look(p, idx, &look), 0);
            ck_assert_int_eq(cospin_plot_set_look(p, fit, &look), 0);
        }
    }
    return p;
}

/* The swatches (marker and line sample, in entry-local coordinates) of the
 * legend entries; returns how many are pairwise distinct. */
static int distinct_swatches(const char *svg, int *entries)
{
    char *sw[256];
    int n = 0;
    const char *tag = "<g class=\"legend-entry\"";
    for (const char *q = svg; (q = strstr(q, tag)) != NULL && n < 256; q++) {
        const char *b = strchr(q, '>') + 1, *e = strstr(b, "<text");
        ck_assert_ptr_nonnull(e);
        sw[n] = strndup(b, (size_t)(e - b));
        n++;
    }
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(sw[i], sw[j]) == 0;
        distinct += !seen;
    }
    for (int i = 0; i < n; i++)
        free(sw[i]);
    *entries = n;
    return distinct;
}

/* 24 curves (6 x 4 and 8 x 3) with family looks: 24 distinct legend
 * swatches; with the default looks (the palette colour of the series index
 * only) at most 8, which shows the count can fail. */
START_TEST(test_distinct_styles)
{
    static const int n_i[2] = {6, 8};
    for (int t = 0; t < 2; t++) {
        int rc, entries;
        struct cospin_plot *p = family_plot(24, n_i[t], 1);
        char *svg = render(p, &rc);
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(distinct_swatches(svg, &entries), 24);
        ck_assert_int_eq(entries, 24);
        free(svg);
        cospin_plot_free(p);
    }
    int rc, entries;
    struct cospin_plot *p = family_plot(24, 6, 0);
    char *svg = render(p, &rc);
    ck_assert_int_le(distinct_swatches(svg, &entries), 8);
    free(svg);
    cospin_plot_free(p);

    /* The family looks are distinct over their documented range, 16 x 6. */
    struct cospin_plot_look a, b;
    for (int k = 0; k < 96; k++)
        for (int m = 0; m < k; m++) {
            cospin_plot_family_look(k % 16, k / 16, &a);
            cospin_plot_family_look(m % 16, m / 16, &b);
            ck_assert_msg(a.color != b.color || a.hollow != b.hollow || a.marker != b.marker,
                          "curves %d and %d look alike", k, m);
        }
}
END_TEST

/* The legend box lies right of the data area and inside the canvas, for a
 * short legend, a 24-entry one (taller than the default axes: the canvas
 * grows) and a 100-entry one (several columns). */
START_TEST(test_legend_outside)
{
    static const int counts[3] = {2, 24, 100};
    for (int t = 0; t < 3; t++) {
        int rc;
        struct cospin_plot *p = family_plot(counts[t], 8, 1);
        char *svg = render(p, &rc);
        ck_assert_int_eq(rc, 0);
        struct rect area = find_rect(svg, "<clipPath id=\"area\"><rect");
        struct rect leg = find_rect(svg, "<rect class=\"legend-box\"");
        int w, h;
        const char *q = strstr(svg, "<svg ");
        ck_assert_int_eq(sscanf(strstr(q, "width="), "width=\"%d\" height=\"%d\"", &w, &h), 2);
        /* Disjoint: the legend starts right of the area's right edge. */
        ck_assert_msg(leg.x > area.x + area.w, "legend x %g overlaps area [%g, %g]", leg.x, area.x,
                      area.x + area.w);
        ck_assert(leg.x + leg.w <= w && leg.y >= 0 && leg.y + leg.h <= h);
        /* The data area keeps the requested width (640 px minus margins). */
        ck_assert_double_eq_tol(area.w, 640 - 70 - 20, 1e-9);
        /* Every entry is inside the box: its translate lies within it. */
        const char *tag = "class=\"legend-entry\" transform=\"translate(";
        for (const char *e = svg; (e = strstr(e, tag)) != NULL; e++) {
            double ex, ey;
            ck_assert_int_eq(sscanf(e + strlen(tag), "%lf,%lf)", &ex, &ey), 2);
            ck_assert(ex > leg.x && ex < leg.x + leg.w && ey > leg.y && ey < leg.y + leg.h);
        }
        free(svg);
        cospin_plot_free(p);
    }
}
END_TEST

/* Marker shapes reach the data: a square series draws paths, not circles. */
START_TEST(test_marker_shapes)
{
    double x[3] = {1, 2, 3}, y[3] = {1, 2, 3};
    struct cospin_plot *p = cospin_plot_new(NULL, NULL, NULL);
    ck_assert_int_eq(cospin_plot_add(p, NULL, x, y, NULL, 3, COSPIN_PLOT_MARKERS, NULL), 0);
    struct cospin_plot_look look = {.color = 2, .marker = COSPIN_PLOT_SQUARE, .hollow = 1};
    ck_assert_int_eq(cospin_plot_set_look(p, 0, &look), 0);
    int rc;
    char *svg = render(p, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(count(svg, "<circle"), 0);
    ck_assert_int_eq(count(svg, "Z\" fill=\"white\" stroke=\"#009E73\""), 3);
    ck_assert_ptr_null(strstr(svg, "legend-box"));
    free(svg);
    cospin_plot_free(p);
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
    struct cospin_plot_look look = {0};
    ck_assert_int_eq(cospin_plot_set_look(p, 0, &look), COSPIN_ERR_INVALID); /* no series yet */
    ck_assert_int_eq(cospin_plot_set_look(NULL, 0, &look), COSPIN_ERR_INVALID);
    /* Only a NaN point: nothing to draw. */
    ck_assert_int_eq(cospin_plot_add(p, "a", x, y, NULL, 1, 0, NULL), 0);
    ck_assert_int_eq(cospin_plot_set_look(p, 1, &look), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_plot_set_look(p, -1, &look), COSPIN_ERR_INVALID);
    ck_assert_int_eq(cospin_plot_set_look(p, 0, NULL), COSPIN_ERR_INVALID);
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
    tcase_add_test(tc, test_distinct_styles);
    tcase_add_test(tc, test_legend_outside);
    tcase_add_test(tc, test_marker_shapes);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("errors");
    tcase_add_test(te, test_errors);
    suite_add_tcase(s, te);
    return s;
}

COSPIN_CHECK_MAIN(suite_plot)
