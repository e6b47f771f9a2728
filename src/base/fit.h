/*
 * fit.h -- maximum-likelihood logistic (sigmoid) fit of binomial data, and
 * its limit for exact probabilities.
 *
 * Model: each point i has x_i, n_i trials and s_i successes with
 *   P(x) = 1 / (1 + exp(-k (x - c)))
 * (thesis Eq. for P_sw(I_c): k the slope at P = 1/2 in 1/unit-of-x, c the x at
 * P = 1/2).  The fit is unit-agnostic: pass x in uA and k comes out per uA.
 *
 * Method: Newton-Raphson / IRLS on the concave log-likelihood in the linear
 * parametrisation eta = a + b (x - xm)/xs (centred and scaled for
 * conditioning), with step halving whenever a step does not increase the
 * likelihood and a Levenberg-damped fallback when the information matrix is
 * near singular.  Uncertainties come from the inverse Fisher information at
 * the optimum, transformed to (k, c) by the delta method (exact to first
 * order; k = b/xs, c = xm - a xs / b).
 *
 * Degenerate data have no finite maximum-likelihood estimate:
 *   - all trials failed or all succeeded (no information on k or c);
 *   - complete separation (every point below some x has P = 0, every point
 *     above has P = 1): the likelihood increases without bound as k -> inf.
 * These return COSPIN_ERR_INVALID with a message saying what to change, and
 * still fill the result's `status` flag (and, for separation, the bracket of
 * c and a lower bound on k) so callers writing tables can record the case.
 */
#ifndef COSPIN_FIT_H
#define COSPIN_FIT_H

#include <stddef.h>

#include "cospin.h"

COSPIN_BEGIN_DECLS

/* Outcome flag of a fit. */
enum cospin_fit_status {
    COSPIN_FIT_OK = 0,
    COSPIN_FIT_ALL_ZERO = 1,     /* no trial succeeded anywhere */
    COSPIN_FIT_ALL_ONE = 2,      /* every trial succeeded */
    COSPIN_FIT_SEPARATED = 3,    /* complete separation: k unbounded */
    COSPIN_FIT_NO_CONVERGENCE = 4, /* iteration limit reached (should not happen) */
    COSPIN_FIT_TOO_FEW = 6,      /* fewer than two distinct x with trials: nothing to fit */
    COSPIN_FIT_NOT_RISING = 5    /* set by callers that need k > 0 (P_sw must rise with I):
                                    the fit converged with k <= 0 */
};

struct cospin_fit_result {
    int status;          /* enum cospin_fit_status */
    double k;            /* slope at P = 1/2, 1/(unit of x); for SEPARATED a lower bound */
    double c;            /* x at P = 1/2, unit of x; for SEPARATED the bracket midpoint */
    double k_err;        /* 1-sigma standard error of k (inverse Fisher); NaN if degenerate */
    double c_err;        /* 1-sigma standard error of c; for SEPARATED half the bracket */
    double cov_kc;       /* covariance of k and c */
    double loglik;       /* maximised log-likelihood (without the binomial constants) */
    double deviance;     /* 2 (loglik_saturated - loglik); ~ chi^2 with (npoints - 2) d.o.f. */
    int iterations;      /* Newton iterations used */
    int npoints;         /* points with at least one trial */
};

/* Short name of a fit status ("ok", "all-zero", ...); never NULL. */
COSPIN_API const char *cospin_fit_status_name(int status);

/*
 * Fit P(x) = 1/(1+exp(-k(x-c))) to n points (x[i], trials[i], successes[i]).
 * Points with trials[i] == 0 are ignored.  At least two distinct x with
 * trials are required.  Fills *out completely in every case (NaN where
 * undefined).
 *
 * Returns 0 (out->status == COSPIN_FIT_OK), or
 *   COSPIN_ERR_INVALID  bad input (NULL, successes > trials, negative counts,
 *                       non-finite x, fewer than two distinct x) or degenerate
 *                       data (out->status says which);
 *   COSPIN_ERR_INTERNAL no convergence in the iteration limit.
 */
COSPIN_API int cospin_fit_logistic(const double *x, const long *trials, const long *successes,
                                   size_t n, struct cospin_fit_result *out,
                                   struct cospin_error *err);

/*
 * Fit the same sigmoid to exact probabilities p[i] at x[i] (a deterministic
 * model's curve, e.g. the Fokker-Planck P_sw): maximises
 *   sum_i p_i log P(x_i) + (1 - p_i) log(1 - P(x_i)),
 * the expected log-likelihood of one trial per point -- what
 * cospin_fit_logistic converges to when every point has N trials and
 * N -> infinity; equivalently the logistic closest to the curve in
 * Kullback-Leibler divergence summed over the points.  p_tol (in [0, 0.5))
 * is the accuracy of the probabilities: a point with p <= p_tol counts as
 * "never", one with p >= 1 - p_tol as "always", for the degenerate cases
 * (ALL_ZERO, ALL_ONE, SEPARATED with its bracket and the bound
 * k >= 2 ln((1 - p_tol)/p_tol) / bracket).  On success k_err, c_err and
 * cov_kc are 0 (no sampling error); loglik and deviance are those of one
 * trial per point (deviance = 2 x the summed Kullback-Leibler divergence
 * of the fitted sigmoid from p: 0 for an exactly logistic curve).
 * Returns as cospin_fit_logistic; COSPIN_ERR_INVALID also for p outside
 * [0, 1] or a bad p_tol.
 */
COSPIN_API int cospin_fit_logistic_prob(const double *x, const double *p, size_t n, double p_tol,
                                        struct cospin_fit_result *out, struct cospin_error *err);

/* The fitted curve 1/(1+exp(-k(x-c))): cospin_logistic(k (x - c)) (logistic.h). */
COSPIN_API double cospin_fit_sigmoid(double x, double k, double c);

COSPIN_END_DECLS

#endif
