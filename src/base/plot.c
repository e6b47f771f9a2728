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
    struct cospin_plot_look look;
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
static const char *const palette[COSPIN_PLOT_NCOLORS] = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};
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
    s.look.color = color;
    s.look.marker = COSPIN_PLOT_CIRCLE;
    s.look.dash = (style & COSPIN_PLOT_DASHED) ? COSPIN_PLOT_DASH : COSPIN_PLOT_SOLID;
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

int cospin_plot_set_look(struct cospin_plot *p, int series, const struct cospin_plot_look *look)
{
    if (!p || !look || series < 0 || (size_t)series >= p->nseries)
        return COSPIN_ERR_INVALID;
    p->series[series].look = *look;
    return 0;
}

void cospin_plot_family_look(int i, int j, struct cospin_plot_look *look)
{
    int round = i / COSPIN_PLOT_NCOLORS;
    look->color = i % COSPIN_PLOT_NCOLORS;
    look->hollow = round % 2 != 0;
    look->marker = j % COSPIN_PLOT_NMARKERS;
    look->dash = j % COSPIN_PLOT_NDASHES;
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

/* Where everything goes on the canvas, in pixels (SVG y grows downwards). */
struct plot_layout {
    double width_px, height_px;  /* canvas, legend included */
    double x0, x1;               /* data area, left and right edges */
    double y0, y1;               /* data area, bottom and top edges (y1 < y0) */
    size_t legend_n;             /* labelled series */
    int legend_rows;             /* entries per legend column */
    double legend_x, legend_y;   /* legend box, top left */
    double legend_w, legend_h;   /* legend box size */
    double legend_col_w;         /* width of one legend column */
};

/* Legend geometry, pixels: row pitch, inner padding, gap to the axes, the
 * swatch (line sample and marker) before the text, and the text width per
 * character (Helvetica at 12 px averages about 0.55 em; 7 px errs wide).
 * LEGEND_TALL: rows one column may have before a second one starts (the
 * canvas grows taller for them). */
enum {
    LEGEND_ROW = 16, LEGEND_PAD = 8, LEGEND_GAP = 14, LEGEND_SWATCH = 28, LEGEND_CHAR = 7,
    LEGEND_TALL = 32
};

/* Characters (not bytes) of a UTF-8 label. */
static size_t label_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int has_label(const struct plot_series *s)
{
    return s->label && *s->label;
}

/* The data area of the requested size; the legend, if any, to its right. */
static void plot_layout(const struct cospin_plot *p, struct plot_layout *l)
{
    memset(l, 0, sizeof *l);
    l->width_px = p->width_px;
    l->height_px = p->height_px;
    l->x0 = MARGIN_LEFT;
    l->x1 = p->width_px - MARGIN_RIGHT;
    l->y0 = p->height_px - MARGIN_BOTTOM;
    l->y1 = MARGIN_TOP;
    size_t max_chars = 0;
    for (size_t i = 0; i < p->nseries; i++) {
        if (!has_label(&p->series[i]))
            continue;
        l->legend_n++;
        size_t c = label_chars(p->series[i].label);
        max_chars = c > max_chars ? c : max_chars;
    }
    if (l->legend_n == 0)
        return;
    /* As few columns as fit the data area's height, or LEGEND_TALL rows
     * (the canvas then grows taller); rows balanced over the columns. */
    size_t rows_max = (size_t)fmax(1.0, floor((l->y0 - l->y1 - 2 * LEGEND_PAD) / LEGEND_ROW));
    if (rows_max < LEGEND_TALL)
        rows_max = LEGEND_TALL;
    size_t cols = (l->legend_n + rows_max - 1) / rows_max;
    l->legend_rows = (int)((l->legend_n + cols - 1) / cols);
    double need_h = l->legend_rows * LEGEND_ROW + 2 * LEGEND_PAD;
    if (need_h > l->y0 - l->y1) {
        l->height_px += need_h - (l->y0 - l->y1);
        l->y0 = l->height_px - MARGIN_BOTTOM;
    }
    l->legend_col_w = LEGEND_SWATCH + (double)max_chars * LEGEND_CHAR + LEGEND_PAD;
    l->legend_x = l->x1 + LEGEND_GAP;
    l->legend_y = l->y1;
    l->legend_w = (double)cols * l->legend_col_w + LEGEND_PAD;
    l->legend_h = l->legend_rows * LEGEND_ROW + 2 * LEGEND_PAD;
    l->width_px = l->legend_x + l->legend_w + MARGIN_RIGHT;
}

/* A look's colour and dash pattern as SVG text. */
static const char *look_color(const struct cospin_plot_look *k)
{
    return palette[((k->color % (int)NPALETTE) + (int)NPALETTE) % (int)NPALETTE];
}

static const char *look_dash(const struct cospin_plot_look *k)
{
    static const char *const dashes[COSPIN_PLOT_NDASHES] = {
        "", " stroke-dasharray=\"6,4\"", " stroke-dasharray=\"1.5,3\"",
        " stroke-dasharray=\"8,3,2,3\"", " stroke-dasharray=\"14,4\"",
        " stroke-dasharray=\"8,3,2,3,2,3\""};
    int n = COSPIN_PLOT_NDASHES;
    return dashes[((k->dash % n) + n) % n];
}

/* A marker of look k centred on (x, y). */
static void svg_marker(FILE *f, double x, double y, const struct cospin_plot_look *k)
{
    /* Unit outlines of the polygon shapes (radius 1, y down), scaled so
     * that every shape covers about the area of the r = 3 circle. */
    static const double tri[] = {0, -1, 0.866, 0.5, -0.866, 0.5};
    static const double dia[] = {0, -1, 1, 0, 0, 1, -1, 0};
    static const double sq[] = {-1, -1, 1, -1, 1, 1, -1, 1};
    static const double pent[] = {0,      -1,    0.951,  -0.309, 0.588,
                                  0.809,  -0.588, 0.809, -0.951, -0.309};
    const char *col = look_color(k);
    char paint[96];
    if (k->hollow)
        snprintf(paint, sizeof paint, "fill=\"white\" stroke=\"%s\" stroke-width=\"1.3\"", col);
    else
        snprintf(paint, sizeof paint, "fill=\"%s\"", col);
    int n = COSPIN_PLOT_NMARKERS, shape = ((k->marker % n) + n) % n;
    const double *v = NULL;
    int nv = 0;
    double r = 3.0, ysign = 1.0;
    switch (shape) {
    case COSPIN_PLOT_SQUARE: v = sq, nv = 4, r = 2.7; break;
    case COSPIN_PLOT_TRIANGLE: v = tri, nv = 3, r = 4.0; break;
    case COSPIN_PLOT_TRIANGLE_DOWN: v = tri, nv = 3, r = 4.0, ysign = -1.0; break;
    case COSPIN_PLOT_DIAMOND: v = dia, nv = 4, r = 3.6; break;
    case COSPIN_PLOT_PENTAGON: v = pent, nv = 5, r = 3.4; break;
    default: break;
    }
    if (!v) {
        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" %s/>\n", x, y, paint);
        return;
    }
    fputs("<path d=\"", f);
    for (int i = 0; i < nv; i++)
        fprintf(f, "%c%.2f %.2f", i ? 'L' : 'M', x + r * v[2 * i], y + ysign * r * v[2 * i + 1]);
    fprintf(f, "Z\" %s/>\n", paint);
}

/* The document head: canvas, background, the clip path of the data area. */
static void svg_head(FILE *f, const struct plot_layout *l)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
            (int)l->width_px, (int)l->height_px, (int)l->width_px, (int)l->height_px);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<defs><clipPath id=\"area\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
               "height=\"%.1f\"/></clipPath></defs>\n",
            l->x0, l->y1, l->x1 - l->x0, l->y0 - l->y1);
}

/* Tick positions of an axis: powers of ten on a log axis, else nice steps. */
static size_t axis_ticks(const struct plot_axis *a, int target, double *ticks, size_t max)
{
    if (!a->log)
        return cospin_plot_ticks(a->lo, a->hi, target, ticks, max);
    size_t nt = 0;
    for (double e = ceil(log10(a->lo) - 1e-9); e <= floor(log10(a->hi) + 1e-9) && nt < max; e++)
        ticks[nt++] = pow(10.0, e);
    return nt;
}

/* Grid lines, ticks, tick labels and the frame of the data area. */
static void svg_axes(FILE *f, const struct plot_axis *ax, const struct plot_axis *ay,
                     const struct plot_layout *l)
{
    double ticks[64];
    char lab[64];
    size_t nt = axis_ticks(ax, 7, ticks, 64);
    for (size_t i = 0; i < nt; i++) {
        double x = l->x0 + axis_frac(ax, ticks[i]) * (l->x1 - l->x0);
        tick_label(lab, sizeof lab, ticks[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x,
                l->y0, x, l->y1);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", x,
                l->y0, x, l->y0 + 5);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                l->y0 + 18, lab);
    }
    nt = axis_ticks(ay, 6, ticks, 64);
    for (size_t i = 0; i < nt; i++) {
        double y = l->y0 - axis_frac(ay, ticks[i]) * (l->y0 - l->y1);
        tick_label(lab, sizeof lab, ticks[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                l->x0, y, l->x1, y);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
                l->x0 - 5, y, l->x0, y);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", l->x0 - 8,
                y + 4, lab);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"black\"/>\n",
            l->x0, l->y1, l->x1 - l->x0, l->y0 - l->y1);
}

/* Title above the data area, axis labels below and to the left of it. */
static void svg_labels(FILE *f, const struct cospin_plot *p, const struct plot_layout *l)
{
    if (p->title) {
        fprintf(f, "<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">",
                0.5 * (l->x0 + l->x1));
        xml_text(f, p->title);
        fputs("</text>\n", f);
    }
    if (p->xlabel) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", 0.5 * (l->x0 + l->x1),
                l->height_px - 12);
        xml_text(f, p->xlabel);
        fputs("</text>\n", f);
    }
    if (p->ylabel) {
        fprintf(f, "<text transform=\"translate(16,%.1f) rotate(-90)\" text-anchor=\"middle\">",
                0.5 * (l->y0 + l->y1));
        xml_text(f, p->ylabel);
        fputs("</text>\n", f);
    }
}

/* One series inside the clipped data area: line pieces, error bars, markers. */
static void svg_series(FILE *f, const struct plot_series *s, const struct plot_axis *ax,
                       const struct plot_axis *ay, const struct plot_layout *l)
{
#define PX(v) (l->x0 + axis_frac(ax, (v)) * (l->x1 - l->x0))
#define PY(v) (l->y0 - axis_frac(ay, (v)) * (l->y0 - l->y1))
    const char *col = look_color(&s->look);
    if (s->style & COSPIN_PLOT_LINE) {
        int open = 0;
        for (size_t j = 0; j < s->n; j++) {
            if (!usable(ax, s->x[j]) || !usable(ay, s->y[j])) {
                if (open)
                    fputs("\"/>\n", f);
                open = 0;
                continue;
            }
            if (!open) {
                fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"%s points=\"",
                        col, look_dash(&s->look));
                open = 1;
            }
            fprintf(f, "%.2f,%.2f ", PX(s->x[j]), PY(s->y[j]));
        }
        if (open)
            fputs("\"/>\n", f);
    }
    for (size_t j = 0; j < s->n; j++) {
        if (!usable(ax, s->x[j]) || !usable(ay, s->y[j]))
            continue;
        double px = PX(s->x[j]), py = PY(s->y[j]);
        if (s->yerr && isfinite(s->yerr[j]) && s->yerr[j] > 0) {
            double lo = s->y[j] - s->yerr[j], hi = s->y[j] + s->yerr[j];
            if (ay->log && lo <= 0)
                lo = ay->lo;
            double plo = PY(lo), phi = PY(hi);
            fprintf(f, "<path d=\"M%.2f %.2fV%.2fM%.2f %.2fH%.2fM%.2f %.2fH%.2f\" "
                       "stroke=\"%s\" fill=\"none\"/>\n",
                    px, plo, phi, px - 3, plo, px + 3, px - 3, phi, px + 3, col);
        }
        if (s->style & COSPIN_PLOT_MARKERS)
            svg_marker(f, px, py, &s->look);
    }
#undef PX
#undef PY
}

/*
 * The legend box right of the data area, filled column by column.  Each
 * entry is a group translated to its place, so its swatch markup depends on
 * the series' look only (identical looks give identical swatches).
 */
static void svg_legend(FILE *f, const struct cospin_plot *p, const struct plot_layout *l)
{
    if (l->legend_n == 0)
        return;
    fprintf(f, "<rect class=\"legend-box\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
               "fill=\"white\" stroke=\"#999\"/>\n",
            l->legend_x, l->legend_y, l->legend_w, l->legend_h);
    size_t k = 0;
    for (size_t i = 0; i < p->nseries; i++) {
        const struct plot_series *s = &p->series[i];
        if (!has_label(s))
            continue;
        size_t col = k / (size_t)l->legend_rows, row = k % (size_t)l->legend_rows;
        double ex = l->legend_x + LEGEND_PAD + (double)col * l->legend_col_w;
        double ey = l->legend_y + LEGEND_PAD + (double)(row + 1) * LEGEND_ROW - 4;
        k++;
        fprintf(f, "<g class=\"legend-entry\" transform=\"translate(%.1f,%.1f)\">\n", ex, ey);
        if (s->style & (COSPIN_PLOT_LINE | COSPIN_PLOT_LEGEND_LINE))
            fprintf(f, "<line x1=\"0\" y1=\"-4\" x2=\"22\" y2=\"-4\" stroke=\"%s\" "
                       "stroke-width=\"1.6\"%s/>\n",
                    look_color(&s->look), look_dash(&s->look));
        if (s->style & COSPIN_PLOT_MARKERS)
            svg_marker(f, 11, -4, &s->look);
        fprintf(f, "<text x=\"%d\" y=\"0\">", LEGEND_SWATCH);
        xml_text(f, s->label);
        fputs("</text>\n</g>\n", f);
    }
}

int cospin_plot_write_svg_stream(const struct cospin_plot *p, FILE *f, struct cospin_error *err)
{
    if (!p || !f)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no plot or stream");
    struct plot_axis ax = p->ax, ay = p->ay;
    if (fit_axis(&ax, p, 0) != 0 || fit_axis(&ay, p, 1) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "plot '%s' has no drawable point", p->title ? p->title : "");
    struct plot_layout l;
    plot_layout(p, &l);
    svg_head(f, &l);
    svg_axes(f, &ax, &ay, &l);
    svg_labels(f, p, &l);
    fputs("<g clip-path=\"url(#area)\">\n", f);
    for (size_t i = 0; i < p->nseries; i++)
        svg_series(f, &p->series[i], &ax, &ay, &l);
    fputs("</g>\n", f);
    svg_legend(f, p, &l);
    fputs("</svg>\n", f);
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
