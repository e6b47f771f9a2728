/*
 * plot.h -- dependency-free SVG figures: line and scatter series with error
 * bars, linear or logarithmic axes with "nice" ticks, axis labels, a title
 * and a legend.  Used for P_sw curves with fitted sigmoids, and for loss and
 * accuracy curves; anything that is "a few series of (x, y) points".
 *
 * Typical use:
 *
 *   struct cospin_plot *p = cospin_plot_new("P_sw(I), 30 ns", "I (uA)", "P_sw");
 *   cospin_plot_add(p, "data", x, y, yerr, n, COSPIN_PLOT_MARKERS, NULL);
 *   cospin_plot_add(p, "fit", xf, yf, NULL, nf, COSPIN_PLOT_LINE, NULL);
 *   cospin_plot_set_yrange(p, 0.0, 1.0);
 *   cospin_plot_write_svg(p, "psw.svg", &err);
 *   cospin_plot_free(p);
 *
 * Series data are copied; the plot owns its copies.  Non-finite points are
 * skipped (a gap in a line).  Colours cycle through a fixed palette; a series
 * may pin its colour to the palette index of another series with
 * cospin_plot_add_color() so that data and fit of one curve match.  A
 * series' full look (colour, marker shape, hollow marker, line dash) is set
 * with cospin_plot_set_look(); cospin_plot_family_look() gives the curves of
 * a two-parameter family distinct looks (colour from one parameter, marker
 * and dash from the other).
 *
 * The legend (labelled series, in order) sits to the right of the axes and
 * never covers the data: the canvas is widened by the legend's width and,
 * for a legend of up to 32 entries taller than the axes, made taller so it
 * fits one column; longer legends use balanced columns.
 */
#ifndef COSPIN_PLOT_H
#define COSPIN_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "cospin.h"

struct cospin_plot;

/* Series styles; may be OR-ed (COSPIN_PLOT_LINE | COSPIN_PLOT_MARKERS). */
enum cospin_plot_style {
    COSPIN_PLOT_LINE = 1,       /* polyline through the points in the given order */
    COSPIN_PLOT_MARKERS = 2,    /* a marker (circle unless set) at each point */
    COSPIN_PLOT_DASHED = 4,     /* with LINE: dashed line (COSPIN_PLOT_DASH) */
    COSPIN_PLOT_LEGEND_LINE = 8 /* the legend shows a line sample even without LINE: for a
                                   marker series whose fit is an unlabelled line of the
                                   same look */
};

/* Marker shapes. */
enum cospin_plot_marker {
    COSPIN_PLOT_CIRCLE = 0,
    COSPIN_PLOT_SQUARE,
    COSPIN_PLOT_TRIANGLE,
    COSPIN_PLOT_DIAMOND,
    COSPIN_PLOT_TRIANGLE_DOWN,
    COSPIN_PLOT_PENTAGON,
    COSPIN_PLOT_NMARKERS        /* number of shapes */
};

/* Line dash patterns. */
enum cospin_plot_dash {
    COSPIN_PLOT_SOLID = 0,
    COSPIN_PLOT_DASH,
    COSPIN_PLOT_DOT,
    COSPIN_PLOT_DASH_DOT,
    COSPIN_PLOT_LONG_DASH,
    COSPIN_PLOT_DASH_DOT_DOT,
    COSPIN_PLOT_NDASHES         /* number of patterns */
};

/* Number of colours in the palette (Okabe & Ito's colour-blind-safe set). */
#define COSPIN_PLOT_NCOLORS 8

/* How a series is drawn.  Every index wraps (any int is valid). */
struct cospin_plot_look {
    int color;                  /* palette index */
    int marker;                 /* enum cospin_plot_marker */
    int hollow;                 /* nonzero: markers as outlines (white inside) */
    int dash;                   /* enum cospin_plot_dash of the line */
};

/*
 * Create an empty plot.  title, xlabel, ylabel may be NULL (omitted); they are
 * copied.  Returns NULL when out of memory.  Free with cospin_plot_free().
 */
struct cospin_plot *cospin_plot_new(const char *title, const char *xlabel, const char *ylabel);

/* Free the plot and its series copies.  NULL-safe. */
void cospin_plot_free(struct cospin_plot *p);

/*
 * Add a series of n points.  label may be NULL (not shown in the legend).
 * yerr may be NULL, else n symmetric error-bar half-lengths (y units; drawn
 * for finite positive values).  style is an OR of enum cospin_plot_style.
 * The colour is the next palette entry.  Returns the series index (>= 0) or
 * a negative COSPIN_ERR_* (NOMEM; INVALID for n == 0 or NULL x/y).
 */
int cospin_plot_add(struct cospin_plot *p, const char *label, const double *x, const double *y,
                    const double *yerr, size_t n, unsigned style, struct cospin_error *err);

/* As cospin_plot_add, with an explicit palette index (any int; wraps). */
int cospin_plot_add_color(struct cospin_plot *p, const char *label, const double *x,
                          const double *y, const double *yerr, size_t n, unsigned style,
                          int color, struct cospin_error *err);

/*
 * Set the look of series index `series` (as returned by cospin_plot_add).
 * A new series has its palette colour, filled circles and a solid line
 * (dashed with COSPIN_PLOT_DASHED).  Returns 0 or COSPIN_ERR_INVALID (no
 * such series, NULL look).
 */
int cospin_plot_set_look(struct cospin_plot *p, int series, const struct cospin_plot_look *look);

/*
 * The look of curve (i, j) of a family with two parameters (say pulse width
 * i and anisotropy j, both counted from 0): colour i mod COSPIN_PLOT_NCOLORS,
 * hollow markers for odd rounds of colours (i / COSPIN_PLOT_NCOLORS odd),
 * marker shape j mod COSPIN_PLOT_NMARKERS and line dash j mod
 * COSPIN_PLOT_NDASHES.  Looks are distinct for i < 2 COSPIN_PLOT_NCOLORS and
 * j < COSPIN_PLOT_NMARKERS (16 x 6 curves).
 */
void cospin_plot_family_look(int i, int j, struct cospin_plot_look *look);

/*
 * Fix an axis range instead of fitting the data (lo < hi; for a log axis
 * both > 0).  Returns 0 or COSPIN_ERR_INVALID.
 */
int cospin_plot_set_xrange(struct cospin_plot *p, double lo, double hi);
int cospin_plot_set_yrange(struct cospin_plot *p, double lo, double hi);

/*
 * Logarithmic (base 10) axes; points with a non-positive coordinate on a log
 * axis are skipped.
 */
void cospin_plot_set_log(struct cospin_plot *p, int log_x, int log_y);

/* Size of the figure without its legend, in pixels (default 640 x 420;
 * each at least 200).  A legend widens the canvas by its own width. */
void cospin_plot_set_size(struct cospin_plot *p, int width_px, int height_px);

/*
 * Write the figure as a standalone SVG document to f.  Returns 0, or
 * COSPIN_ERR_INVALID when the plot has no drawable point and no fixed ranges,
 * COSPIN_ERR_IO on a write error.
 */
int cospin_plot_write_svg_stream(const struct cospin_plot *p, FILE *f, struct cospin_error *err);

/*
 * Write the figure to path atomically (output.h: a temporary file in the
 * same directory, renamed into place), so a reader never sees half a figure.
 */
int cospin_plot_write_svg(const struct cospin_plot *p, const char *path, struct cospin_error *err);

/*
 * "Nice" tick positions for [lo, hi]: steps of 1, 2 or 5 times a power of
 * ten giving about `target` ticks.  Writes at most max ticks to ticks and
 * returns how many (0 if lo >= hi or non-finite).  Exposed for tests.
 */
size_t cospin_plot_ticks(double lo, double hi, int target, double *ticks, size_t max);

#endif
