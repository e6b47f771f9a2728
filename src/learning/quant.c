/*
 * quant.c -- device levels, PTQ, QAT quantiser and straight-through gradient.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "error.h"
#include "quant.h"

/* Most states a combined synapse may have (keeps the level table small). */
#define QUANT_MAX_STATES 1000000L

long cospin_quant_states(int cells, int states_per_cell)
{
    return (long)cells * states_per_cell;
}

int cospin_quantizer_new(const struct cospin_device *d, int cells, struct cospin_quantizer **out,
                         struct cospin_error *err)
{
    *out = NULL;
    if (cells < 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "cells = %d: at least one cell per synapse", cells);
    if (d->states < 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "device '%s' is analog (0 states): give it a state count to "
                                "quantise onto",
                                d->name);
    long total = cospin_quant_states(cells, d->states);
    if (total > QUANT_MAX_STATES)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%d cells x %d states = %ld states is more than %ld", cells,
                                d->states, total, QUANT_MAX_STATES);
    struct cospin_quantizer *q = calloc(1, sizeof *q);
    double *cell = malloc(((size_t)d->states + 1) * sizeof *cell);
    if (q)
        q->levels = malloc(((size_t)total + 1) * sizeof *q->levels);
    if (!q || !cell || !q->levels) {
        free(cell);
        cospin_quantizer_free(q);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory for %ld levels",
                                total + 1);
    }
    for (int j = 0; j <= d->states; j++)
        cell[j] = cospin_device_g_after(d, 0, j);
    /* Thermometer programming: level m has floor(m / N) full cells and one
       partially programmed cell; the synapse is the mean of its cells. */
    for (long m = 0; m <= total; m++) {
        long full = m / d->states, part = m % d->states;
        double sum = (double)full;
        if (full < cells)
            sum += cell[part];
        q->levels[m] = sum / cells;
    }
    q->levels[0] = 0.0;
    q->levels[total] = 1.0;
    free(cell);
    q->n_levels = (size_t)total + 1;
    q->cells = cells;
    q->states_per_cell = d->states;
    *out = q;
    return COSPIN_OK;
}

void cospin_quantizer_free(struct cospin_quantizer *q)
{
    if (!q)
        return;
    free(q->levels);
    free(q);
}

double cospin_quant_absmax(const double *w, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        if (fabs(w[i]) > m)
            m = fabs(w[i]);
    return m;
}

double cospin_quant_nearest(const struct cospin_quantizer *q, double w_max, double w,
                            size_t *index)
{
    if (!(w_max > 0.0)) {
        if (index)
            *index = 0;
        return 0.0;
    }
    double g = 0.5 * (w / w_max + 1.0);
    if (g < 0.0 || isnan(g))
        g = 0.0;
    if (g > 1.0)
        g = 1.0;
    /* Binary search for the last level <= g, then pick the nearer neighbour. */
    size_t lo = 0, hi = q->n_levels - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (q->levels[mid] <= g)
            lo = mid;
        else
            hi = mid;
    }
    size_t j = (g - q->levels[lo] <= q->levels[hi] - g) ? lo : hi;
    if (index)
        *index = j;
    return w_max * (2.0 * q->levels[j] - 1.0);
}

void cospin_quant_apply(const struct cospin_quantizer *q, double w_max, const double *w,
                        double *out, size_t n, double *mse)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = w[i];
        out[i] = cospin_quant_nearest(q, w_max, v, NULL);
        s += (out[i] - v) * (out[i] - v);
    }
    if (mse)
        *mse = n ? s / (double)n : 0.0;
}

void cospin_quant_ptq(const struct cospin_quantizer *q, double *w, size_t n, double *w_max_out,
                      double *mse)
{
    double w_max = cospin_quant_absmax(w, n);
    if (w_max_out)
        *w_max_out = w_max;
    if (w_max > 0.0) {
        cospin_quant_apply(q, w_max, w, w, n, mse);
    } else if (mse) {
        *mse = 0.0;
    }
}

void cospin_quant_ste(double w_max, const double *w, const double *grad_wq, double *grad_w,
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        grad_w[i] = fabs(w[i]) <= w_max ? grad_wq[i] : 0.0;
}
