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

/* Log-likelihood of (a, b) on scaled abscissae u, for nt[i] trials with ns[i]
   successes (counts, or one trial with success probability ns[i]). */
static double loglik(const double *u, const double *nt, const double *ns, size_t n, double a,
                     double b)
{
    double ll = 0;
    for (size_t i = 0; i < n; i++) {
        if (nt[i] == 0)
            continue;
        double eta = a + b * u[i];
        /* s*log p + (n-s)*log(1-p) = s*eta - n*log(1+e^eta) */
        ll += ns[i] * eta - nt[i] * log1pexp(eta);
    }
    return ll;
}

/* Score g and (negative Hessian = Fisher information) H at (a, b). */
static void score_info(const double *u, const double *nt, const double *ns, size_t n, double a,
                       double b, double g[2], double h[3])
{
    g[0] = g[1] = h[0] = h[1] = h[2] = 0;
    for (size_t i = 0; i < n; i++) {
        if (nt[i] == 0)
            continue;
        double p = cospin_fit_sigmoid(a + b * u[i], 1.0, 0.0);
        double r = ns[i] - nt[i] * p;
        double w = nt[i] * p * (1 - p);
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

/* The Newton iteration state on the scaled abscissae u = (x - xm) / xs:
   nt[i] trials with ns[i] successes at u[i] (doubles: counts, or one trial
   with success probability ns[i]). */
struct fit_iter {
    const double *u, *nt, *ns;
    size_t n;
    double tot_n;          /* sum of nt: the scale of the convergence test */
    double a, b;           /* logit = a + b u */
    double ll;             /* log-likelihood at (a, b) */
    double g[2], h[3];     /* score and information at (a, b) */
    int iterations;
};

/* Damped Newton ascent of the log-likelihood; 1 when converged. */
static int fit_newton(struct fit_iter *f)
{
    double lambda = 0; /* Levenberg damping, used only when the information is near singular */
    f->ll = loglik(f->u, f->nt, f->ns, f->n, f->a, f->b);
    for (f->iterations = 0; f->iterations < FIT_MAX_ITER; f->iterations++) {
        score_info(f->u, f->nt, f->ns, f->n, f->a, f->b, f->g, f->h);
        if (fabs(f->g[0]) + fabs(f->g[1]) < FIT_GRAD_TOL * f->tot_n)
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
                nll = loglik(f->u, f->nt, f->ns, f->n, f->a + t * da, f->b + t * db);
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
            score_info(f->u, f->nt, f->ns, f->n, f->a, f->b, f->g, f->h);
            f->iterations++;
            return 1;
        }
    }
    return 0;
}

/* Saturated log-likelihood (each point at its own fraction), for the deviance. */
static double loglik_saturated(const double *nt, const double *ns, size_t n)
{
    double ll_sat = 0;
    for (size_t i = 0; i < n; i++) {
        if (nt[i] == 0)
            continue;
        double p = ns[i] / nt[i];
        if (p > 0)
            ll_sat += ns[i] * log(p);
        if (p < 1)
            ll_sat += (nt[i] - ns[i]) * log1p(-p);
    }
    return ll_sat;
}

/* k, c and their errors from the optimum (a, b) of the scaled problem;
   exact: the data are exact probabilities, so there is no sampling error. */
static void fit_report(const struct fit_iter *f, double xm, double xs, int exact,
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
    if (exact)
        out->k_err = out->c_err = out->cov_kc = 0;
    out->loglik = f->ll;
    out->deviance = 2 * (loglik_saturated(f->nt, f->ns, f->n) - f->ll);
    if (out->deviance < 0)
        out->deviance = 0;
    out->iterations = f->iterations;
    cospin_dbg("fit: k = %g +- %g, c = %g +- %g, %d iterations, deviance %g (%d points)", out->k,
               out->k_err, out->c, out->c_err, f->iterations, out->deviance, out->npoints);
}

/*
 * The maximum-likelihood fit proper, after the data passed the degenerate
 * checks: scale x (points with nt > 0: sum_x, sum_xx over out->npoints of
 * them), start, iterate, report.  u is scratch of n doubles.
 */
static int fit_solve(const double *x, double *u, struct fit_iter *f, double sum_x, double sum_xx,
                     double span, int exact, struct cospin_fit_result *out,
                     struct cospin_error *err)
{
    double xm = sum_x / out->npoints;
    double var = sum_xx / out->npoints - xm * xm;
    double xs = var > 0 ? sqrt(var) : span;
    for (size_t i = 0; i < f->n; i++)
        u[i] = (x[i] - xm) / xs;
    f->u = u;
    /* Start: the logit of the overall fraction, slope +-1 (one sd per e-fold),
       the sign from the mean x of successes against failures. */
    double tot_s = 0, xs_s = 0, xs_f = 0;
    for (size_t i = 0; i < f->n; i++) {
        tot_s += f->ns[i];
        xs_s += f->ns[i] * u[i];
        xs_f += (f->nt[i] - f->ns[i]) * u[i];
    }
    double pbar = tot_s / f->tot_n;
    f->a = log(pbar / (1 - pbar));
    f->b = xs_s / tot_s < xs_f / (f->tot_n - tot_s) ? -1.0 : 1.0;
    int converged = fit_newton(f);
    out->iterations = f->iterations;
    if (!converged || f->b == 0) {
        out->status = COSPIN_FIT_NO_CONVERGENCE;
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "logistic fit did not converge in %d iterations", f->iterations);
    }
    fit_report(f, xm, xs, exact, out);
    return 0;
}

static void fit_reset(struct cospin_fit_result *out)
{
    fill_nan(out);
    out->status = COSPIN_FIT_OK;
    out->iterations = 0;
    out->npoints = 0;
}

int cospin_fit_logistic(const double *x, const long *trials, const long *successes, size_t n,
                        struct cospin_fit_result *out, struct cospin_error *err)
{
    struct cospin_fit_result dummy;
    if (!out)
        out = &dummy;
    fit_reset(out);
    if (!x || !trials || !successes)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "logistic fit: no data");
    struct fit_data d = {.x = x, .trials = trials, .successes = successes, .n = n};
    int rc = fit_summarise(&d, out, err);
    if (!rc)
        rc = fit_degenerate(&d, out, err);
    if (rc)
        return rc;
    /* The counts as doubles (exact: far below 2^53), and the scaled abscissae. */
    double *buf = malloc(3 * n * sizeof *buf);
    if (!buf)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    double *u = buf, *nt = buf + n, *ns = buf + 2 * n;
    for (size_t i = 0; i < n; i++) {
        nt[i] = (double)trials[i];
        ns[i] = (double)successes[i];
    }
    struct fit_iter f = {.nt = nt, .ns = ns, .n = n, .tot_n = (double)d.tot_n};
    rc = fit_solve(x, u, &f, d.sum_x, d.sum_xx, d.xmax - d.xmin, 0, out, err);
    free(buf);
    return rc;
}

/* ---- exact probabilities ------------------------------------------------------------ */

/* Validate exact probabilities and flag what has no finite fit; the
   separation bracket and bound as in fit_degenerate, with "never" meaning
   p <= p_tol and "always" p >= 1 - p_tol. */
static int prob_degenerate(const double *x, const double *p, size_t n, double p_tol,
                           struct cospin_fit_result *out, struct cospin_error *err)
{
    double xmin = INFINITY, xmax = -INFINITY;
    double max_fail = -INFINITY, min_succ = INFINITY, max_succ = -INFINITY, min_fail = INFINITY;
    int any_above = 0, any_below = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !(p[i] >= 0 && p[i] <= 1))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "logistic fit: point %zu has x = %g, p = %g (want finite x "
                                    "and 0 <= p <= 1)", i, x[i], p[i]);
        xmin = fmin(xmin, x[i]);
        xmax = fmax(xmax, x[i]);
        if (p[i] < 1 - p_tol) {     /* not "always": counts as a failure */
            max_fail = fmax(max_fail, x[i]);
            min_fail = fmin(min_fail, x[i]);
            any_below = 1;
        }
        if (p[i] > p_tol) {         /* not "never": counts as a success */
            min_succ = fmin(min_succ, x[i]);
            max_succ = fmax(max_succ, x[i]);
            any_above = 1;
        }
    }
    out->npoints = (int)n;
    if (n < 2 || !(xmin < xmax)) {
        out->status = COSPIN_FIT_TOO_FEW;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: need two or more distinct x (got %zu point%s)", n,
                                n == 1 ? "" : "s");
    }
    if (!any_above || !any_below) {
        out->status = any_above ? COSPIN_FIT_ALL_ONE : COSPIN_FIT_ALL_ZERO;
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: P %s %g everywhere in [%g, %g]; the 50%% point "
                                "lies %s the range (%s)", any_above ? ">=" : "<=",
                                any_above ? 1 - p_tol : p_tol, xmin, xmax,
                                any_above ? "below" : "above",
                                any_above ? "lower the lower end" : "raise the upper end");
    }
    if (!(max_fail < min_succ || max_succ < min_fail))
        return COSPIN_OK;
    int up = max_fail < min_succ;
    double lo = up ? max_fail : max_succ, hi = up ? min_succ : min_fail;
    out->status = COSPIN_FIT_SEPARATED;
    out->c = 0.5 * (lo + hi);
    out->c_err = 0.5 * (hi - lo);
    /* The sigmoid rises from p_tol to 1 - p_tol inside (lo, hi): k >= 2 logit(1 - p_tol) / (hi - lo). */
    double q = fmax(p_tol, 1e-300);
    out->k = (up ? 1 : -1) * 2.0 * log((1 - q) / q) / (hi - lo);
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                            "logistic fit: P jumps from <= %g to >= %g between x = %g and %g: "
                            "the slope is unbounded at this resolution; use finer steps there",
                            p_tol, 1 - p_tol, lo, hi);
}

int cospin_fit_logistic_prob(const double *x, const double *p, size_t n, double p_tol,
                             struct cospin_fit_result *out, struct cospin_error *err)
{
    struct cospin_fit_result dummy;
    if (!out)
        out = &dummy;
    fit_reset(out);
    if (!x || !p)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "logistic fit: no data");
    if (!(p_tol >= 0 && p_tol < 0.5))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "logistic fit: probability tolerance %g must be in [0, 0.5)",
                                p_tol);
    int rc = prob_degenerate(x, p, n, p_tol, out, err);
    if (rc)
        return rc;
    double *buf = malloc(2 * n * sizeof *buf);
    if (!buf)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    double *u = buf, *ones = buf + n, sum_x = 0, sum_xx = 0, xmin = x[0], xmax = x[0];
    for (size_t i = 0; i < n; i++) {
        ones[i] = 1.0;
        sum_x += x[i];
        sum_xx += x[i] * x[i];
        xmin = fmin(xmin, x[i]);
        xmax = fmax(xmax, x[i]);
    }
    struct fit_iter f = {.nt = ones, .ns = p, .n = n, .tot_n = (double)n};
    rc = fit_solve(x, u, &f, sum_x, sum_xx, xmax - xmin, 1, out, err);
    free(buf);
    return rc;
}
