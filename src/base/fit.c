/*
 * fit.c -- maximum-likelihood logistic fit of binomial data (see fit.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#define LOG_PREFIX "fit"
#include "error.h"
#include "fit.h"
#include "log.h"
#include "logistic.h"

/* Iteration controls (dimensionless; the parametrisation is scaled). */
#define FIT_MAX_ITER 200          /* Newton iterations */
#define FIT_MAX_HALVINGS 60       /* step halvings per iteration */
#define FIT_GRAD_TOL 1e-10        /* convergence: |score| relative to total trials */
#define FIT_STEP_TOL 1e-12        /* convergence: step size in scaled units */

const char *cospin_fit_status_name(int status)
{
    switch (status) {
    case COSPIN_FIT_OK: return "ok";
    case COSPIN_FIT_ALL_ZERO: return "all-zero";
    case COSPIN_FIT_ALL_ONE: return "all-one";
    case COSPIN_FIT_SEPARATED: return "separated";
    case COSPIN_FIT_NO_CONVERGENCE: return "no-convergence";
    case COSPIN_FIT_NOT_RISING: return "not-rising";
    default: return "unknown";
    }
}

double cospin_fit_sigmoid(double x, double k, double c)
{
    return cospin_logistic(k * (x - c));
}

/* log(1 + exp(z)) without overflow. */
static double log1pexp(double z)
{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/* Log-likelihood of (a, b) on scaled abscissae u. */
static double loglik(const double *u, const long *nt, const long *ns, size_t n, double a, double b)
{
    double ll = 0;
    for (size_t i = 0; i < n; i++) {
        if (nt[i] == 0)
            continue;
        double eta = a + b * u[i];
        /* s*log p + (n-s)*log(1-p) = s*eta - n*log(1+e^eta) */
        ll += (double)ns[i] * eta - (double)nt[i] * log1pexp(eta);
    }
    return ll;
}

/* Score g and (negative Hessian = Fisher information) H at (a, b). */
static void score_info(const double *u, const long *nt, const long *ns, size_t n, double a,
                       double b, double g[2], double h[3])
{
    g[0] = g[1] = h[0] = h[1] = h[2] = 0;
    for (size_t i = 0; i < n; i++) {
        if (nt[i] == 0)
            continue;
        double p = cospin_fit_sigmoid(a + b * u[i], 1.0, 0.0);
        double r = (double)ns[i] - (double)nt[i] * p;
        double w = (double)nt[i] * p * (1 - p);
        g[0] += r;
        g[1] += r * u[i];
        h[0] += w;
        h[1] += w * u[i];
        h[2] += w * u[i] * u[i];
    }
}

static void fill_nan(struct cospin_fit_result *out)
{
    out->k = out->c = out->k_err = out->c_err = out->cov_kc = NAN;
    out->loglik = out->deviance = NAN;
}

int cospin_fit_logistic(const double *x, const long *trials, const long *successes, size_t n,
                        struct cospin_fit_result *out, struct cospin_error *err)
{
    struct cospin_fit_result dummy;
    if (!out)
        out = &dummy;
    fill_nan(out);
    out->status = COSPIN_FIT_OK;
    out->iterations = 0;
    out->npoints = 0;
    if (!x || !trials || !successes)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "logistic fit: no data");

    /* Validate; collect totals and the separation bounds. */
    long tot_n = 0, tot_s = 0;
    double xmin = INFINITY, xmax = -INFINITY, sum_x = 0, sum_xx = 0;
    double max_fail = -INFINITY, min_succ = INFINITY; /* for increasing separation */
    double max_succ = -INFINITY, min_fail = INFINITY; /* for decreasing separation */
    for (size_t i = 0; i < n; i++) {
        if (trials[i] < 0 || successes[i] < 0 || successes[i] > trials[i])
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "logistic fit: point %zu has %ld successes of %ld trials", i,
                                    successes[i], trials[i]);
        if (!isfinite(x[i]))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "logistic fit: point %zu has non-finite x", i);
        if (trials[i] == 0)
            continue;
        out->npoints++;
        tot_n += trials[i];
        tot_s += successes[i];
        xmin = fmin(xmin, x[i]);
        xmax = fmax(xmax, x[i]);
        sum_x += x[i];
        sum_xx += x[i] * x[i];
        if (successes[i] < trials[i]) {
            max_fail = fmax(max_fail, x[i]);
            min_fail = fmin(min_fail, x[i]);
        }
        if (successes[i] > 0) {
            min_succ = fmin(min_succ, x[i]);
            max_succ = fmax(max_succ, x[i]);
        }
    }
    if (out->npoints < 2 || !(xmin < xmax))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: need trials at two or more distinct x (got %d "
                                "point%s)", out->npoints, out->npoints == 1 ? "" : "s");
    if (tot_s == 0) {
        out->status = COSPIN_FIT_ALL_ZERO;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: no trial switched anywhere in [%g, %g]; the 50%% "
                                "point lies above the range (raise the upper end)", xmin, xmax);
    }
    if (tot_s == tot_n) {
        out->status = COSPIN_FIT_ALL_ONE;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: every trial switched in [%g, %g]; the 50%% point "
                                "lies below the range (lower the lower end)", xmin, xmax);
    }
    if (max_fail <= min_succ || max_succ <= min_fail) {
        int up = max_fail <= min_succ;
        double lo = up ? max_fail : max_succ, hi = up ? min_succ : min_fail;
        out->status = COSPIN_FIT_SEPARATED;
        out->c = 0.5 * (lo + hi);
        out->c_err = 0.5 * (hi - lo);
        /* With the transition inside (lo, hi) and ~1/(N) resolution at both
           ends, k is at least about 2 ln(N)/(hi - lo); reported as a bound. */
        double w = hi - lo > 0 ? hi - lo : (xmax - xmin) / (double)out->npoints;
        out->k = (up ? 1 : -1) * 2.0 * log((double)tot_n / out->npoints + 1.0) / w;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: data separate completely between x = %g and %g "
                                "(0%% below, 100%% above): the slope is unbounded; use finer "
                                "steps or more trials there",
                                lo, hi);
    }

    /* Scaled abscissae u = (x - xm) / xs. */
    double xm = sum_x / out->npoints;
    double var = sum_xx / out->npoints - xm * xm;
    double xs = var > 0 ? sqrt(var) : (xmax - xmin);
    double *u = malloc(n * sizeof *u);
    if (!u)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        u[i] = (x[i] - xm) / xs;

    /* Start: the logit of the overall fraction, slope 1 (one sd per e-fold). */
    double pbar = (double)tot_s / (double)tot_n;
    double a = log(pbar / (1 - pbar)), b = 1.0;
    {
        /* Sign of the trend: compare mean x of successes and failures. */
        double xs_s = 0, xs_f = 0;
        for (size_t i = 0; i < n; i++) {
            xs_s += (double)successes[i] * u[i];
            xs_f += (double)(trials[i] - successes[i]) * u[i];
        }
        if (xs_s / (double)tot_s < xs_f / (double)(tot_n - tot_s))
            b = -1.0;
    }
    double ll = loglik(u, trials, successes, n, a, b);
    double g[2], h[3];
    int converged = 0, it;
    double lambda = 0; /* Levenberg damping, used only when the information is near singular */
    for (it = 0; it < FIT_MAX_ITER; it++) {
        score_info(u, trials, successes, n, a, b, g, h);
        if (fabs(g[0]) + fabs(g[1]) < FIT_GRAD_TOL * (double)tot_n) {
            converged = 1;
            break;
        }
        double h0 = h[0] + lambda * (h[0] + 1e-12), h2 = h[2] + lambda * (h[2] + 1e-12);
        double det = h0 * h2 - h[1] * h[1];
        if (!(det > 1e-14 * h0 * h2) || !isfinite(det)) {
            /* Near singular: damp towards gradient ascent and retry. */
            lambda = lambda > 0 ? lambda * 10 : 1e-3;
            if (lambda > 1e12)
                break;
            continue;
        }
        double da = (h2 * g[0] - h[1] * g[1]) / det;
        double db = (h0 * g[1] - h[1] * g[0]) / det;
        double t = 1.0, nll = -INFINITY;
        int halv;
        for (halv = 0; halv < FIT_MAX_HALVINGS; halv++) {
            nll = loglik(u, trials, successes, n, a + t * da, b + t * db);
            if (isfinite(nll) && nll >= ll - 1e-12 * fabs(ll))
                break;
            t *= 0.5;
        }
        if (halv == FIT_MAX_HALVINGS) {
            lambda = lambda > 0 ? lambda * 10 : 1e-3;
            if (lambda > 1e12)
                break;
            continue;
        }
        a += t * da;
        b += t * db;
        ll = nll;
        lambda = lambda > 0 ? lambda * 0.1 : 0;
        if (lambda < 1e-9)
            lambda = 0;
        if (fabs(t * da) + fabs(t * db) < FIT_STEP_TOL) {
            score_info(u, trials, successes, n, a, b, g, h);
            converged = 1;
            it++;
            break;
        }
    }
    out->iterations = it;

    /* Saturated log-likelihood for the deviance. */
    double ll_sat = 0;
    for (size_t i = 0; i < n; i++) {
        if (trials[i] == 0)
            continue;
        double p = (double)successes[i] / (double)trials[i];
        if (p > 0)
            ll_sat += (double)successes[i] * log(p);
        if (p < 1)
            ll_sat += (double)(trials[i] - successes[i]) * log1p(-p);
    }
    free(u);
    if (!converged || b == 0) {
        out->status = COSPIN_FIT_NO_CONVERGENCE;
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "logistic fit did not converge in %d iterations", it);
    }

    /* Inverse Fisher information of (a, b) at the optimum. */
    double det = h[0] * h[2] - h[1] * h[1];
    double vaa = h[2] / det, vbb = h[0] / det, vab = -h[1] / det;
    /* k = b / xs, c = xm - xs a / b.  Jacobian rows: dk = (0, 1/xs),
       dc = (-xs/b, xs a / b^2). */
    double k = b / xs, c = xm - xs * a / b;
    double jk[2] = {0, 1 / xs}, jc[2] = {-xs / b, xs * a / (b * b)};
    double var_k = jk[1] * jk[1] * vbb;
    double var_c = jc[0] * jc[0] * vaa + 2 * jc[0] * jc[1] * vab + jc[1] * jc[1] * vbb;
    double cov = jk[1] * (jc[0] * vab + jc[1] * vbb);
    out->k = k;
    out->c = c;
    out->k_err = sqrt(var_k);
    out->c_err = sqrt(var_c);
    out->cov_kc = cov;
    out->loglik = ll;
    out->deviance = 2 * (ll_sat - ll);
    if (out->deviance < 0)
        out->deviance = 0;
    cospin_dbg("fit: k = %g +- %g, c = %g +- %g, %d iterations, deviance %g (%d points)", k,
               out->k_err, c, out->c_err, it, out->deviance, out->npoints);
    return 0;
}
