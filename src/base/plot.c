/*
 * plot.c -- SVG line/scatter plots without dependencies (see plot.h).
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "plot"
#include "error.h"
#include "log.h"
#include "output.h"
#include "plot.h"

struct plot_series {
    char *label;
    double *x, *y, *yerr;
    size_t n;
    unsigned style;
    int color;
};

struct plot_axis {
    int fixed;        /* range set by the caller */
    double lo, hi;
    int log;
};

struct cospin_plot {
    char *title, *xlabel, *ylabel;
    struct plot_series *series;
    size_t nseries, cap;
    struct plot_axis ax, ay;
    int width_px, height_px;
};

/* A colour-blind-safe palette (Okabe & Ito, 2008). */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
#define NPALETTE (sizeof palette / sizeof palette[0])

/* Margins of the plotting area, pixels. */
enum { MARGIN_LEFT = 70, MARGIN_RIGHT = 20, MARGIN_TOP = 36, MARGIN_BOTTOM = 52 };

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

struct cospin_plot *cospin_plot_new(const char *title, const char *xlabel, const char *ylabel)
{
    struct cospin_plot *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->title = dup_or_null(title);
    p->xlabel = dup_or_null(xlabel);
    p->ylabel = dup_or_null(ylabel);
    if ((title && !p->title) || (xlabel && !p->xlabel) || (ylabel && !p->ylabel)) {
        cospin_plot_free(p);
        return NULL;
    }
    p->width_px = 640;
    p->height_px = 420;
    return p;
}

static void series_clear(struct plot_series *s)
{
    free(s->label);
    free(s->x);
    free(s->y);
    free(s->yerr);
}

void cospin_plot_free(struct cospin_plot *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nseries; i++)
        series_clear(&p->series[i]);
    free(p->series);
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    free(p);
}

static double *copy_doubles(const double *v, size_t n)
{
    double *c = malloc(n * sizeof *c);
    if (c)
        memcpy(c, v, n * sizeof *c);
    return c;
}

int cospin_plot_add_color(struct cospin_plot *p, const char *label, const double *x,
                          const double *y, const double *yerr, size_t n, unsigned style,
                          int color, struct cospin_error *err)
{
    if (!p || !x || !y || n == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "plot series '%s' has no points", label ? label : "");
    if (p->nseries == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        struct plot_series *s = realloc(p->series, cap * sizeof *s);
        if (!s)
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        p->series = s;
        p->cap = cap;
    }
    struct plot_series s = {0};
    s.label = dup_or_null(label);
    s.x = copy_doubles(x, n);
    s.y = copy_doubles(y, n);
    s.yerr = yerr ? copy_doubles(yerr, n) : NULL;
    s.n = n;
    s.style = style ? style : COSPIN_PLOT_LINE;
    s.color = color;
    if ((label && !s.label) || !s.x || !s.y || (yerr && !s.yerr)) {
        series_clear(&s);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    p->series[p->nseries] = s;
    return (int)p->nseries++;
}

int cospin_plot_add(struct cospin_plot *p, const char *label, const double *x, const double *y,
                    const double *yerr, size_t n, unsigned style, struct cospin_error *err)
{
    return cospin_plot_add_color(p, label, x, y, yerr, n, style, p ? (int)p->nseries : 0, err);
}

static int set_range(struct plot_axis *a, double lo, double hi)
{
    if (!(lo < hi) || !isfinite(lo) || !isfinite(hi))
        return COSPIN_ERR_INVALID;
    a->fixed = 1;
    a->lo = lo;
    a->hi = hi;
    return 0;
}

int cospin_plot_set_xrange(struct cospin_plot *p, double lo, double hi)
{
    return p ? set_range(&p->ax, lo, hi) : COSPIN_ERR_INVALID;
}

int cospin_plot_set_yrange(struct cospin_plot *p, double lo, double hi)
{
    return p ? set_range(&p->ay, lo, hi) : COSPIN_ERR_INVALID;
}

void cospin_plot_set_log(struct cospin_plot *p, int log_x, int log_y)
{
    if (!p)
        return;
    p->ax.log = log_x != 0;
    p->ay.log = log_y != 0;
}

void cospin_plot_set_size(struct cospin_plot *p, int width_px, int height_px)
{
    if (!p)
        return;
    p->width_px = width_px < 200 ? 200 : width_px;
    p->height_px = height_px < 200 ? 200 : height_px;
}

size_t cospin_plot_ticks(double lo, double hi, int target, double *ticks, size_t max)
{
    if (!(lo < hi) || !isfinite(lo) || !isfinite(hi) || max == 0)
        return 0;
    if (target < 2)
        target = 2;
    double raw = (hi - lo) / target;
    double mag = pow(10.0, floor(log10(raw)));
    double r = raw / mag, step;
    if (r < 1.5)
        step = mag;
    else if (r < 3.5)
        step = 2 * mag;
    else if (r < 7.5)
        step = 5 * mag;
    else
        step = 10 * mag;
    /* Tolerance: ticks within 1e-9 of a step outside [lo, hi] still count,
       so that a range ending exactly on a tick shows it despite rounding. */
    double eps = 1e-9 * step;
    double first = ceil((lo - eps) / step) * step;
    size_t n = 0;
    for (double t = first; t <= hi + eps && n < max; t = first + (double)n * step) {
        ticks[n++] = fabs(t) < eps ? 0.0 : t;
    }
    return n;
}

/* Axis transform: data -> [0, 1] along the axis. */
static double axis_frac(const struct plot_axis *a, double v)
{
    if (a->log)
        return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    return (v - a->lo) / (a->hi - a->lo);
}

static int usable(const struct plot_axis *a, double v)
{
    return isfinite(v) && (!a->log || v > 0);
}

/* Fit an unfixed axis to the data (with 4 % padding on a linear axis). */
static int fit_axis(struct plot_axis *a, const struct cospin_plot *p, int is_y)
{
    if (a->fixed)
        return a->log && a->lo <= 0 ? -1 : 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->nseries; i++) {
        const struct plot_series *s = &p->series[i];
        for (size_t j = 0; j < s->n; j++) {
            double v = is_y ? s->y[j] : s->x[j];
            if (!usable(a, v) || !usable(is_y ? &p->ax : &p->ay, is_y ? s->x[j] : s->y[j]))
                continue;
            double e = (is_y && s->yerr && isfinite(s->yerr[j]) && s->yerr[j] > 0) ? s->yerr[j] : 0;
            double vlo = v - e, vhi = v + e;
            if (a->log && vlo <= 0)
                vlo = v;
            lo = fmin(lo, vlo);
            hi = fmax(hi, vhi);
        }
    }
    if (!(lo <= hi))
        return -1;
    if (a->log) {
        if (lo == hi) {
            lo /= 2;
            hi *= 2;
        }
        a->lo = pow(10.0, floor(log10(lo) + 1e-9));
        a->hi = pow(10.0, ceil(log10(hi) - 1e-9));
        if (a->lo == a->hi)
            a->hi = a->lo * 10;
    } else {
        if (lo == hi) {
            double d = lo != 0 ? fabs(lo) * 0.1 : 1.0;
            lo -= d;
            hi += d;
        }
        double pad = 0.04 * (hi - lo);
        a->lo = lo - pad;
        a->hi = hi + pad;
    }
    return 0;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Tick label: %g with up to 4 significant digits; log axes show powers of ten. */
static void tick_label(char *buf, size_t n, double v)
{
    snprintf(buf, n, "%.4g", v);
}

int cospin_plot_write_svg_stream(const struct cospin_plot *p, FILE *f, struct cospin_error *err)
{
    if (!p || !f)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no plot or stream");
    struct plot_axis ax = p->ax, ay = p->ay;
    if (fit_axis(&ax, p, 0) != 0 || fit_axis(&ay, p, 1) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "plot '%s' has no drawable point", p->title ? p->title : "");
    const double W = p->width_px, H = p->height_px;
    const double x0 = MARGIN_LEFT, x1 = W - MARGIN_RIGHT, y0 = H - MARGIN_BOTTOM, y1 = MARGIN_TOP;
#define PX(v) (x0 + axis_frac(&ax, (v)) * (x1 - x0))
#define PY(v) (y0 - axis_frac(&ay, (v)) * (y0 - y1))

    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
            p->width_px, p->height_px, p->width_px, p->height_px);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<defs><clipPath id=\"area\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
               "height=\"%.1f\"/></clipPath></defs>\n",
            x0, y1, x1 - x0, y0 - y1);

    /* Grid and ticks. */
    double ticks[64];
    char lab[64];
    for (int axis = 0; axis < 2; axis++) {
        const struct plot_axis *a = axis == 0 ? &ax : &ay;
        size_t nt;
        if (a->log) {
            nt = 0;
            for (double e = ceil(log10(a->lo) - 1e-9); e <= floor(log10(a->hi) + 1e-9) && nt < 64; e++)
                ticks[nt++] = pow(10.0, e);
        } else {
            nt = cospin_plot_ticks(a->lo, a->hi, axis == 0 ? 7 : 6, ticks, 64);
        }
        for (size_t i = 0; i < nt; i++) {
            tick_label(lab, sizeof lab, ticks[i]);
            if (axis == 0) {
                double x = PX(ticks[i]);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                        x, y0, x, y1);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
                        x, y0, x, y0 + 5);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                        y0 + 18, lab);
            } else {
                double y = PY(ticks[i]);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                        x0, y, x1, y);
                fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
                        x0 - 5, y, x0, y);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x0 - 8,
                        y + 4, lab);
            }
        }
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"black\"/>\n",
            x0, y1, x1 - x0, y0 - y1);

    /* Labels. */
    if (p->title) {
        fprintf(f, "<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">",
                0.5 * (x0 + x1));
        xml_text(f, p->title);
        fputs("</text>\n", f);
    }
    if (p->xlabel) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", 0.5 * (x0 + x1), H - 12);
        xml_text(f, p->xlabel);
        fputs("</text>\n", f);
    }
    if (p->ylabel) {
        fprintf(f, "<text transform=\"translate(16,%.1f) rotate(-90)\" text-anchor=\"middle\">",
                0.5 * (y0 + y1));
        xml_text(f, p->ylabel);
        fputs("</text>\n", f);
    }

    /* Series. */
    fputs("<g clip-path=\"url(#area)\">\n", f);
    for (size_t i = 0; i < p->nseries; i++) {
        const struct plot_series *s = &p->series[i];
        const char *col = palette[((s->color % (int)NPALETTE) + (int)NPALETTE) % (int)NPALETTE];
        if (s->style & COSPIN_PLOT_LINE) {
            int open = 0;
            for (size_t j = 0; j < s->n; j++) {
                if (!usable(&ax, s->x[j]) || !usable(&ay, s->y[j])) {
                    if (open)
                        fputs("\"/>\n", f);
                    open = 0;
                    continue;
                }
                if (!open) {
                    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s points=\"",
                            col, (s->style & COSPIN_PLOT_DASHED) ? " stroke-dasharray=\"6,4\"" : "");
                    open = 1;
                }
                fprintf(f, "%.2f,%.2f ", PX(s->x[j]), PY(s->y[j]));
            }
            if (open)
                fputs("\"/>\n", f);
        }
        for (size_t j = 0; j < s->n; j++) {
            if (!usable(&ax, s->x[j]) || !usable(&ay, s->y[j]))
                continue;
            double px = PX(s->x[j]), py = PY(s->y[j]);
            if (s->yerr && isfinite(s->yerr[j]) && s->yerr[j] > 0) {
                double lo = s->y[j] - s->yerr[j], hi = s->y[j] + s->yerr[j];
                if (ay.log && lo <= 0)
                    lo = ay.lo;
                double plo = PY(lo), phi = PY(hi);
                fprintf(f, "<path d=\"M%.2f %.2fV%.2fM%.2f %.2fH%.2fM%.2f %.2fH%.2f\" "
                           "stroke=\"%s\" fill=\"none\"/>\n",
                        px, plo, phi, px - 3, plo, px + 3, px - 3, phi, px + 3, col);
            }
            if (s->style & COSPIN_PLOT_MARKERS)
                fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n", px, py, col);
        }
    }
    fputs("</g>\n", f);

    /* Legend: top left inside the axes. */
    double ly = y1 + 16;
    for (size_t i = 0; i < p->nseries; i++) {
        const struct plot_series *s = &p->series[i];
        if (!s->label || !*s->label)
            continue;
        const char *col = palette[((s->color % (int)NPALETTE) + (int)NPALETTE) % (int)NPALETTE];
        double lx = x0 + 10;
        if (s->style & COSPIN_PLOT_LINE)
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                       "stroke-width=\"1.6\"%s/>\n",
                    lx, ly - 4, lx + 22, ly - 4, col,
                    (s->style & COSPIN_PLOT_DASHED) ? " stroke-dasharray=\"6,4\"" : "");
        if (s->style & COSPIN_PLOT_MARKERS)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", lx + 11, ly - 4, col);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 28, ly);
        xml_text(f, s->label);
        fputs("</text>\n", f);
        ly += 16;
    }
    fputs("</svg>\n", f);
#undef PX
#undef PY
    if (ferror(f))
        return cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "write error: %s", strerror(errno));
    return 0;
}

int cospin_plot_write_svg(const struct cospin_plot *p, const char *path, struct cospin_error *err)
{
    struct cospin_output o;
    int rc = cospin_output_open_path(&o, path, 0, err);
    if (rc != 0)
        return rc;
    rc = cospin_plot_write_svg_stream(p, o.fp, err);
    if (rc == 0)
        rc = cospin_output_commit(&o, err);
    cospin_output_abort(&o);
    return rc;
}
