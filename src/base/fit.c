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
    case COSPIN_FIT_TOO_FEW: return "too-few-points";
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

/* What the data say before any iteration. */
struct fit_data {
    const double *x;
    const long *trials, *successes;
    size_t n;
    long tot_n, tot_s;                 /* trials and successes over all points */
    double xmin, xmax, sum_x, sum_xx;  /* over points with trials */
    double max_fail, min_succ;         /* increasing separation: max_fail <= min_succ */
    double max_succ, min_fail;         /* decreasing separation: max_succ <= min_fail */
};

/* Validate the data and collect totals and separation bounds. */
static int fit_summarise(struct fit_data *d, struct cospin_fit_result *out,
                         struct cospin_error *err)
{
    d->tot_n = d->tot_s = 0;
    d->xmin = d->min_succ = d->min_fail = INFINITY;
    d->xmax = d->max_fail = d->max_succ = -INFINITY;
    d->sum_x = d->sum_xx = 0;
    for (size_t i = 0; i < d->n; i++) {
        long nt = d->trials[i], ns = d->successes[i];
        if (nt < 0 || ns < 0 || ns > nt)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "logistic fit: point %zu has %ld successes of %ld trials", i,
                                    ns, nt);
        if (!isfinite(d->x[i]))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "logistic fit: point %zu has non-finite x", i);
        if (nt == 0)
            continue;
        double xi = d->x[i];
        out->npoints++;
        d->tot_n += nt;
        d->tot_s += ns;
        d->xmin = fmin(d->xmin, xi);
        d->xmax = fmax(d->xmax, xi);
        d->sum_x += xi;
        d->sum_xx += xi * xi;
        if (ns < nt) {
            d->max_fail = fmax(d->max_fail, xi);
            d->min_fail = fmin(d->min_fail, xi);
        }
        if (ns > 0) {
            d->min_succ = fmin(d->min_succ, xi);
            d->max_succ = fmax(d->max_succ, xi);
        }
    }
    if (out->npoints < 2 || !(d->xmin < d->xmax)) {
        out->status = COSPIN_FIT_TOO_FEW;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: need trials at two or more distinct x (got %d "
                                "point%s)", out->npoints, out->npoints == 1 ? "" : "s");
    }
    return COSPIN_OK;
}

/* Data no sigmoid fits: nothing or everything switched, or complete
   separation (then c and a bound on k are still reported). */
static int fit_degenerate(const struct fit_data *d, struct cospin_fit_result *out,
                          struct cospin_error *err)
{
    if (d->tot_s == 0) {
        out->status = COSPIN_FIT_ALL_ZERO;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: no trial switched anywhere in [%g, %g]; the 50%% "
                                "point lies above the range (raise the upper end)",
                                d->xmin, d->xmax);
    }
    if (d->tot_s == d->tot_n) {
        out->status = COSPIN_FIT_ALL_ONE;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: every trial switched in [%g, %g]; the 50%% point "
                                "lies below the range (lower the lower end)", d->xmin, d->xmax);
    }
    if (!(d->max_fail <= d->min_succ || d->max_succ <= d->min_fail))
        return COSPIN_OK;
    int up = d->max_fail <= d->min_succ;
    double lo = up ? d->max_fail : d->max_succ, hi = up ? d->min_succ : d->min_fail;
    out->status = COSPIN_FIT_SEPARATED;
    out->c = 0.5 * (lo + hi);
    out->c_err = 0.5 * (hi - lo);
    /* With the transition inside (lo, hi) and ~1/(N) resolution at both
       ends, k is at least about 2 ln(N)/(hi - lo); reported as a bound. */
    double w = hi - lo > 0 ? hi - lo : (d->xmax - d->xmin) / (double)out->npoints;
    out->k = (up ? 1 : -1) * 2.0 * log((double)d->tot_n / out->npoints + 1.0) / w;
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                            "logistic fit: data separate completely between x = %g and %g "
                            "(0%% below, 100%% above): the slope is unbounded; use finer "
                            "steps or more trials there",
                            lo, hi);
}

/* The Newton iteration state on the scaled abscissae u = (x - xm) / xs. */
struct fit_iter {
    const double *u;
    double a, b;           /* logit = a + b u */
    double ll;             /* log-likelihood at (a, b) */
    double g[2], h[3];     /* score and information at (a, b) */
    int iterations;
};

/* Damped Newton ascent of the log-likelihood; 1 when converged. */
static int fit_newton(const struct fit_data *d, struct fit_iter *f)
{
    double lambda = 0; /* Levenberg damping, used only when the information is near singular */
    f->ll = loglik(f->u, d->trials, d->successes, d->n, f->a, f->b);
    for (f->iterations = 0; f->iterations < FIT_MAX_ITER; f->iterations++) {
        score_info(f->u, d->trials, d->successes, d->n, f->a, f->b, f->g, f->h);
        if (fabs(f->g[0]) + fabs(f->g[1]) < FIT_GRAD_TOL * (double)d->tot_n)
            return 1;
        double h0 = f->h[0] + lambda * (f->h[0] + 1e-12);
        double h2 = f->h[2] + lambda * (f->h[2] + 1e-12);
        double det = h0 * h2 - f->h[1] * f->h[1];
        int halv = FIT_MAX_HALVINGS;
        double t = 1.0, nll = -INFINITY, da = 0, db = 0;
        if (det > 1e-14 * h0 * h2 && isfinite(det)) {
            da = (h2 * f->g[0] - f->h[1] * f->g[1]) / det;
            db = (h0 * f->g[1] - f->h[1] * f->g[0]) / det;
            for (halv = 0; halv < FIT_MAX_HALVINGS; halv++) {
                nll = loglik(f->u, d->trials, d->successes, d->n, f->a + t * da, f->b + t * db);
                if (isfinite(nll) && nll >= f->ll - 1e-12 * fabs(f->ll))
                    break;
                t *= 0.5;
            }
        }
        if (halv == FIT_MAX_HALVINGS) {
            /* Near singular or no ascent: damp towards gradient ascent and retry. */
            lambda = lambda > 0 ? lambda * 10 : 1e-3;
            if (lambda > 1e12)
                return 0;
            continue;
        }
        f->a += t * da;
        f->b += t * db;
        f->ll = nll;
        lambda = lambda > 0 ? lambda * 0.1 : 0;
        if (lambda < 1e-9)
            lambda = 0;
        if (fabs(t * da) + fabs(t * db) < FIT_STEP_TOL) {
            score_info(f->u, d->trials, d->successes, d->n, f->a, f->b, f->g, f->h);
            f->iterations++;
            return 1;
        }
    }
    return 0;
}

/* Saturated log-likelihood (each point at its own fraction), for the deviance. */
static double loglik_saturated(const struct fit_data *d)
{
    double ll_sat = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->trials[i] == 0)
            continue;
        double p = (double)d->successes[i] / (double)d->trials[i];
        if (p > 0)
            ll_sat += (double)d->successes[i] * log(p);
        if (p < 1)
            ll_sat += (double)(d->trials[i] - d->successes[i]) * log1p(-p);
    }
    return ll_sat;
}

/* k, c and their errors from the optimum (a, b) of the scaled problem. */
static void fit_report(const struct fit_data *d, const struct fit_iter *f, double xm, double xs,
                       struct cospin_fit_result *out)
{
    /* Inverse Fisher information of (a, b) at the optimum. */
    const double *h = f->h;
    double a = f->a, b = f->b;
    double det = h[0] * h[2] - h[1] * h[1];
    double vaa = h[2] / det, vbb = h[0] / det, vab = -h[1] / det;
    /* k = b / xs, c = xm - xs a / b.  Jacobian rows: dk = (0, 1/xs),
       dc = (-xs/b, xs a / b^2). */
    double jk1 = 1 / xs, jc[2] = {-xs / b, xs * a / (b * b)};
    out->k = b / xs;
    out->c = xm - xs * a / b;
    out->k_err = sqrt(jk1 * jk1 * vbb);
    out->c_err = sqrt(jc[0] * jc[0] * vaa + 2 * jc[0] * jc[1] * vab + jc[1] * jc[1] * vbb);
    out->cov_kc = jk1 * (jc[0] * vab + jc[1] * vbb);
    out->loglik = f->ll;
    out->deviance = 2 * (loglik_saturated(d) - f->ll);
    if (out->deviance < 0)
        out->deviance = 0;
    out->iterations = f->iterations;
    cospin_dbg("fit: k = %g +- %g, c = %g +- %g, %d iterations, deviance %g (%d points)", out->k,
               out->k_err, out->c, out->c_err, f->iterations, out->deviance, out->npoints);
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
    struct fit_data d = {.x = x, .trials = trials, .successes = successes, .n = n};
    int rc = fit_summarise(&d, out, err);
    if (!rc)
        rc = fit_degenerate(&d, out, err);
    if (rc)
        return rc;

    /* Scaled abscissae u = (x - xm) / xs. */
    double xm = d.sum_x / out->npoints;
    double var = d.sum_xx / out->npoints - xm * xm;
    double xs = var > 0 ? sqrt(var) : (d.xmax - d.xmin);
    double *u = malloc(n * sizeof *u);
    if (!u)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        u[i] = (x[i] - xm) / xs;

    /* Start: the logit of the overall fraction, slope +-1 (one sd per e-fold),
       the sign from the mean x of successes against failures. */
    double pbar = (double)d.tot_s / (double)d.tot_n;
    struct fit_iter f = {.u = u, .a = log(pbar / (1 - pbar)), .b = 1.0};
    double xs_s = 0, xs_f = 0;
    for (size_t i = 0; i < n; i++) {
        xs_s += (double)successes[i] * u[i];
        xs_f += (double)(trials[i] - successes[i]) * u[i];
    }
    if (xs_s / (double)d.tot_s < xs_f / (double)(d.tot_n - d.tot_s))
        f.b = -1.0;
    int converged = fit_newton(&d, &f);
    out->iterations = f.iterations;
    if (!converged || f.b == 0) {
        free(u);
        out->status = COSPIN_FIT_NO_CONVERGENCE;
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "logistic fit did not converge in %d iterations", f.iterations);
    }
    fit_report(&d, &f, xm, xs, out);
    free(u);
    return 0;
}
