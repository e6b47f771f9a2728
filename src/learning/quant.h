/*
 * quant.h -- weights on device levels: post-training quantisation (PTQ) and
 * quantisation-aware training (QAT) with a straight-through gradient, and n
 * device cells combined into one synapse (thesis ch. 4.2-4.4).
 *
 * Levels.  One cell with N states reaches the normalised conductances
 * G_LTP(j/N), j = 0..N (reset level 0 plus the N states).  n cells combined
 * into one synapse are programmed one after the other (cell 1 is filled
 * before cell 2 is touched), and the synapse conductance is their mean:
 *     g(m) = (1/n) sum_k G_LTP(clamp(m - k N, 0, N) / N),   m = 0 .. n N,
 * so the synapse has N_total = n N states plus reset (thesis: N = n x i,
 * 16 x 18 = 288).  For a linear device the levels are uniform; for curved
 * devices each cell repeats its curve's spacing.
 *
 * Weights.  A synapse maps g in [0, 1] to w = w_max (2 g - 1), so its weight
 * levels are symmetric around 0 for symmetric curves; w_max is the layer's
 * max |w| (PTQ) or a fixed or per-call range (QAT).
 *
 * QAT.  Forward: w_q = nearest level to w (w clipped to [-w_max, w_max]).
 * Backward (straight-through estimator, Bengio et al. 2013): dJ/dw = dJ/dw_q
 * where |w| <= w_max, 0 outside (clipped STE).
 */
#ifndef COSPIN_QUANT_H
#define COSPIN_QUANT_H

#include <stddef.h>

#include "cospin.h"
#include "device.h"

/* A quantiser: the normalised levels of a (combined) synapse. */
struct cospin_quantizer {
    size_t n_levels;        /* n N + 1 */
    double *levels;         /* normalised conductances, ascending, levels[0] = 0,
                               levels[n_levels-1] = 1; owned */
    int cells;              /* n */
    int states_per_cell;    /* N */
};

/*
 * Build the quantiser of `cells` (>= 1) cells of device d (d->states >= 1;
 * an analog device cannot be quantised).  Returns a new quantiser in *out
 * (free with cospin_quantizer_free) or COSPIN_ERR_INVALID / COSPIN_ERR_NOMEM.
 */
int cospin_quantizer_new(const struct cospin_device *d, int cells, struct cospin_quantizer **out,
                         struct cospin_error *err);

/* Free a quantiser (NULL-safe). */
void cospin_quantizer_free(struct cospin_quantizer *q);

/* Number of states of n cells of N states each: n N (the reset level excluded). */
long cospin_quant_states(int cells, int states_per_cell);

/* max |w[i]| over n weights (0 for n = 0). */
double cospin_quant_absmax(const double *w, size_t n);

/*
 * Nearest weight level to w for range w_max (> 0): w is clipped to
 * [-w_max, w_max], then rounded to the nearest of w_max (2 levels[j] - 1).
 * If index is non-NULL it receives j.
 */
double cospin_quant_nearest(const struct cospin_quantizer *q, double w_max, double w,
                            size_t *index);

/*
 * Quantise n weights: out[i] = cospin_quant_nearest(q, w_max, w[i]) (out may
 * equal w).  If mse is non-NULL it receives the mean squared change.
 */
void cospin_quant_apply(const struct cospin_quantizer *q, double w_max, const double *w,
                        double *out, size_t n, double *mse);

/*
 * Post-training quantisation of one layer in place, with w_max = max |w|
 * (a zero layer stays zero).  *w_max_out (may be NULL) receives the range.
 */
void cospin_quant_ptq(const struct cospin_quantizer *q, double *w, size_t n, double *w_max_out,
                      double *mse);

/*
 * Straight-through gradient of the QAT quantiser: grad_w[i] = grad_wq[i]
 * where |w[i]| <= w_max, else 0 (grad_w may equal grad_wq).
 */
void cospin_quant_ste(double w_max, const double *w, const double *grad_wq, double *grad_w,
                      size_t n);

#endif
