/*
 * device.c -- synapse device curves, whole-pulse updates, presets.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "error.h"
#include "logistic.h"
#include "sot_neuron.h"

/* Below this nu the exponential and sigmoid families are numerically the
   linear curve (their deviation from P is O(nu)); treat them as linear to
   avoid 0/0. */
#define DEVICE_NU_LINEAR 1e-9
/* Assumed state count of the literature devices (RRAM, PCM, skyrmion): the
   thesis fits their curves (refs. 141, 144, 17) but gives no state count. */
#define DEVICE_LITERATURE_STATES 64
/* Default conductance range of a preset, S (1 uS .. 100 uS, a typical
   crossbar range; SOT-S presets override it from the Hall data). */
#define DEVICE_G_MIN_S 1e-6
#define DEVICE_G_MAX_S 100e-6
/* SOT-S at 21 ML: Hall-resistance span assumed 1 ohm around R_xy = 10 ohm
   (the thesis plots normalised R_xy only); 5 ML spans 10x as much. */
#define DEVICE_SOT_RXY_BASE_OHM 10.0
#define DEVICE_SOT_RXY_SPAN_21ML_OHM 1.0

/* Data for the literature and ideal presets (thesis Eq. 4.1-4.3). */
struct device_curve_row {
    const char *name;
    enum cospin_curve_family ltp_family;
    double ltp_nu;
    enum cospin_curve_family ltd_family;
    double ltd_nu;
    int states;
};

static const struct device_curve_row device_rows[] = {
    {"ideal", COSPIN_CURVE_LINEAR, 0.0, COSPIN_CURVE_LINEAR, 0.0, 0},
    {"rram", COSPIN_CURVE_EXP_SAT, 2.0, COSPIN_CURVE_EXP_REV, 5.0, DEVICE_LITERATURE_STATES},
    {"pcm", COSPIN_CURVE_EXP_REV, 0.6, COSPIN_CURVE_EXP_REV, 2.8, DEVICE_LITERATURE_STATES},
    {"skyrmion", COSPIN_CURVE_EXP_REV, 1.6, COSPIN_CURVE_EXP_REV, 2.4, DEVICE_LITERATURE_STATES},
};

static const char *const device_names[] = {"ideal",   "rram",    "pcm",     "skyrmion",
                                           "sot-s",   "sot-s:5", "sot-s:9", "sot-s:14",
                                           "sot-s:21", NULL};

static const char *const family_names[] = {"linear", "exp-sat", "exp-rev", "sigmoid", "table"};

const char *const *cospin_device_preset_names(void)
{
    return device_names;
}

const char *cospin_curve_family_name(enum cospin_curve_family f)
{
    if ((int)f < 0 || (size_t)f >= sizeof family_names / sizeof family_names[0])
        return "?";
    return family_names[f];
}

int cospin_curve_family_parse(const char *name, enum cospin_curve_family *f,
                              struct cospin_error *err)
{
    for (size_t i = 0; i < sizeof family_names / sizeof family_names[0]; i++)
        if (name && strcmp(name, family_names[i]) == 0) {
            *f = (enum cospin_curve_family)i;
            return COSPIN_OK;
        }
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                            "unknown curve family '%s' (known: linear, exp-sat, exp-rev, "
                            "sigmoid, table)",
                            name ? name : "(null)");
}

static void branch_set(struct cospin_device_branch *b, enum cospin_curve_family f, double nu)
{
    memset(b, 0, sizeof *b);
    b->family = f;
    b->nu = nu;
}

int cospin_device_preset(const char *name, struct cospin_device *d, struct cospin_error *err)
{
    if (!name)
        name = "";
    memset(d, 0, sizeof *d);
    d->g_min_s = DEVICE_G_MIN_S;
    d->g_max_s = DEVICE_G_MAX_S;
    for (size_t i = 0; i < sizeof device_rows / sizeof device_rows[0]; i++) {
        const struct device_curve_row *r = &device_rows[i];
        if (strcmp(name, r->name) != 0)
            continue;
        snprintf(d->name, sizeof d->name, "%s", r->name);
        branch_set(&d->ltp, r->ltp_family, r->ltp_nu);
        branch_set(&d->ltd, r->ltd_family, r->ltd_nu);
        d->states = r->states;
        return COSPIN_OK;
    }
    int ml;
    struct cospin_error sub = {0};
    if (strncmp(name, "sot-s", 5) == 0 && cospin_sot_parse_name(name, "sot-s", &ml, &sub) == 0) {
        struct cospin_sot_preset p;
        cospin_sot_preset(ml, &p, NULL);
        snprintf(d->name, sizeof d->name, "sot-s:%d", ml);
        /* Eq. 4.4: symmetric LTP/LTD, nu = 1 on both branches. */
        branch_set(&d->ltp, COSPIN_CURVE_SIGMOID, 1.0);
        branch_set(&d->ltd, COSPIN_CURVE_SIGMOID, 1.0);
        d->states = p.states;
        /* Hall resistance R_xy from base to base + span; G = 1/R_xy. */
        double span = DEVICE_SOT_RXY_SPAN_21ML_OHM * p.range_rel;
        d->g_max_s = 1.0 / DEVICE_SOT_RXY_BASE_OHM;
        d->g_min_s = 1.0 / (DEVICE_SOT_RXY_BASE_OHM + span);
        d->pulse_width_s = COSPIN_SOT_PULSE_WIDTH_S;
        d->write_energy_j = p.write_energy_j;
        return COSPIN_OK;
    }
    if (sub.code)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "synapse device: %s", sub.msg);
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                            "unknown synapse device '%s' (known: ideal, rram, pcm, skyrmion, "
                            "sot-s[:5|9|14|21])",
                            name);
}

static int branch_validate(const struct cospin_device_branch *b, const char *which,
                           struct cospin_error *err)
{
    if ((int)b->family < 0 || b->family > COSPIN_CURVE_TABLE)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "%s: unknown curve family %d",
                                which, (int)b->family);
    if (b->family == COSPIN_CURVE_TABLE) {
        if (b->n_points < 2 || b->n_points > COSPIN_DEVICE_TABLE_MAX)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "%s: a measured curve needs 2..%d points (has %zu)", which,
                                    COSPIN_DEVICE_TABLE_MAX, b->n_points);
        if (b->p[0] != 0.0 || b->g[0] != 0.0 || b->p[b->n_points - 1] != 1.0 ||
            b->g[b->n_points - 1] != 1.0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "%s: a measured curve must run from (0, 0) to (1, 1)", which);
        for (size_t i = 1; i < b->n_points; i++)
            if (!(b->p[i] > b->p[i - 1]) || !(b->g[i] > b->g[i - 1]))
                return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                        "%s: point %zu is not strictly increasing "
                                        "(P %g -> %g, G %g -> %g)",
                                        which, i, b->p[i - 1], b->p[i], b->g[i - 1], b->g[i]);
        return COSPIN_OK;
    }
    if (!(b->nu >= 0.0) || !isfinite(b->nu) || b->nu > 50.0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%s: nonlinearity nu = %g must be in [0, 50]", which, b->nu);
    return COSPIN_OK;
}

int cospin_device_validate(const struct cospin_device *d, struct cospin_error *err)
{
    int rc = branch_validate(&d->ltp, "LTP branch", err);
    if (rc)
        return rc;
    rc = branch_validate(&d->ltd, "LTD branch", err);
    if (rc)
        return rc;
    if (d->states < 0 || d->states > 1000000)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "states = %d must be in [0, 1000000] (0 = analog)", d->states);
    if (!(d->g_min_s >= 0.0) || !(d->g_max_s > d->g_min_s) || !isfinite(d->g_max_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "conductance range [%g, %g] S must satisfy 0 <= g_min < g_max",
                                d->g_min_s, d->g_max_s);
    if (!(d->c2c_sigma >= 0.0) || !isfinite(d->c2c_sigma))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "cycle-to-cycle sigma = %g must be >= 0", d->c2c_sigma);
    if (!(d->pulse_width_s >= 0.0) || !(d->write_energy_j >= 0.0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "pulse width and write energy must be >= 0");
    return COSPIN_OK;
}

static double clamp01(double x)
{
    return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
}

/* Index i of the table segment [x[i], x[i+1]] holding v (x ascending). */
static size_t table_segment(const double *x, size_t n, double v)
{
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (x[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static double table_interp(const double *x, const double *y, size_t n, double v)
{
    size_t i = table_segment(x, n, v);
    double t = (v - x[i]) / (x[i + 1] - x[i]);
    return y[i] + t * (y[i + 1] - y[i]);
}

double cospin_device_branch_g(const struct cospin_device_branch *b, double p)
{
    p = clamp01(p);
    double nu = b->nu;
    if (b->family == COSPIN_CURVE_TABLE)
        return clamp01(table_interp(b->p, b->g, b->n_points, p));
    if (b->family == COSPIN_CURVE_LINEAR || nu < DEVICE_NU_LINEAR)
        return p;
    switch (b->family) {
    case COSPIN_CURVE_EXP_SAT:
        return clamp01(-expm1(-nu * p) / -expm1(-nu));
    case COSPIN_CURVE_EXP_REV:
        return clamp01(1.0 - (-expm1(-nu * (1.0 - p))) / -expm1(-nu));
    case COSPIN_CURVE_SIGMOID: {
        double e = expm1(nu); /* e^nu - 1 */
        double s = cospin_logistic(2.0 * nu * (p - 0.5));
        return clamp01((e + 2.0) / e * s - 1.0 / e);
    }
    default:
        return p;
    }
}

double cospin_device_branch_p(const struct cospin_device_branch *b, double g)
{
    g = clamp01(g);
    double nu = b->nu;
    if (b->family == COSPIN_CURVE_TABLE)
        return clamp01(table_interp(b->g, b->p, b->n_points, g));
    if (b->family == COSPIN_CURVE_LINEAR || nu < DEVICE_NU_LINEAR)
        return g;
    switch (b->family) {
    case COSPIN_CURVE_EXP_SAT:
        /* g (1 - e^-nu) = 1 - e^(-nu P) */
        return clamp01(-log1p(g * expm1(-nu)) / nu);
    case COSPIN_CURVE_EXP_REV:
        /* (1 - g)(1 - e^-nu) = 1 - e^(-nu (1 - P)) */
        return clamp01(1.0 + log1p((1.0 - g) * expm1(-nu)) / nu);
    case COSPIN_CURVE_SIGMOID: {
        double e = expm1(nu);
        double s = (g + 1.0 / e) * e / (e + 2.0);
        return clamp01(0.5 + log(s / (1.0 - s)) / (2.0 * nu));
    }
    default:
        return g;
    }
}

/* Nominal P per pulse for analog devices in cospin_device_g_after. */
#define DEVICE_ANALOG_STEPS 100

double cospin_device_g_after(const struct cospin_device *d, int ltd, int p)
{
    int n = d->states > 0 ? d->states : DEVICE_ANALOG_STEPS;
    if (p < 0)
        p = 0;
    if (p > n)
        p = n;
    double pos = (double)p / n;
    return ltd ? cospin_device_branch_g(&d->ltd, 1.0 - pos) : cospin_device_branch_g(&d->ltp, pos);
}

double cospin_device_siemens(const struct cospin_device *d, double g)
{
    return d->g_min_s + clamp01(g) * (d->g_max_s - d->g_min_s);
}

void cospin_device_stats_clear(struct cospin_device_stats *s)
{
    memset(s, 0, sizeof *s);
}

double cospin_device_update(const struct cospin_device *d, double g, double dg,
                            enum cospin_round_mode mode, struct cospin_rng *rng,
                            int *pulses, struct cospin_device_stats *stats)
{
    g = clamp01(g);
    if (pulses)
        *pulses = 0;
    if (dg == 0.0 || !isfinite(dg))
        return g;
    double target = clamp01(g + dg);
    double g_new;
    int n = 0, saturated = (g + dg > 1.0 || g + dg < 0.0);
    if (d->states == 0) {
        g_new = target;
    } else {
        int up = dg > 0.0;
        const struct cospin_device_branch *b = up ? &d->ltp : &d->ltd;
        double steps = (double)d->states;
        double p0 = cospin_device_branch_p(b, g);
        double p_target = cospin_device_branch_p(b, target);
        int open = (mode == COSPIN_ROUND_OPEN || mode == COSPIN_ROUND_OPEN_STOCHASTIC);
        int stoch = (mode == COSPIN_ROUND_STOCHASTIC || mode == COSPIN_ROUND_OPEN_STOCHASTIC);
        /* Pulses, real: closed loop inverts the true curve, open loop assumes
           a linear one. */
        double exact = open ? fabs(dg) * steps : fabs(p_target - p0) * steps;
        double room = up ? (1.0 - p0) * steps : p0 * steps; /* pulses left to the end */
        double lo = floor(exact), hi = ceil(exact);
        if (hi > ceil(room - 1e-9))
            hi = ceil(room - 1e-9);
        if (lo > hi)
            lo = hi;
        double sgn = up ? 1.0 : -1.0;
        double g_lo = cospin_device_branch_g(b, p0 + sgn * lo / steps);
        double g_hi = cospin_device_branch_g(b, p0 + sgn * hi / steps);
        if (stoch && rng) {
            double frac = exact - floor(exact);
            n = (int)((hi > lo && cospin_rng_uniform(rng) < frac) ? hi : lo);
        } else if (open) {
            n = (int)(exact - lo >= 0.5 ? hi : lo);
        } else {
            n = (int)(fabs(g_hi - target) < fabs(g_lo - target) ? hi : lo);
        }
        double pos = p0 + sgn * n / steps;
        if (n > 0 && d->c2c_sigma > 0.0 && rng)
            pos += d->c2c_sigma * sqrt((double)n) / steps * cospin_rng_normal(rng);
        g_new = cospin_device_branch_g(b, pos);
        if (n == 0)
            g_new = g;
        if (pulses)
            *pulses = up ? n : -n;
        if (stats) {
            if (up)
                stats->pulses_ltp += n;
            else
                stats->pulses_ltd += n;
        }
        if (pos >= 1.0 || pos <= 0.0)
            saturated = 1;
    }
    if (stats) {
        double realised = g_new - g;
        stats->n_requested++;
        if (d->states > 0 && n == 0)
            stats->n_zero++;
        if (saturated)
            stats->n_saturated++;
        stats->sum_abs_requested += fabs(dg);
        stats->sum_abs_realised += fabs(realised);
        stats->sum_abs_error += fabs(realised - dg);
        stats->sum_sq_error += (realised - dg) * (realised - dg);
    }
    return g_new;
}

double cospin_device_update_pair(const struct cospin_device *d, double *gp, double *gm, double dd,
                                 enum cospin_round_mode mode, struct cospin_rng *rng,
                                 struct cospin_device_stats *stats)
{
    if (dd == 0.0 || !isfinite(dd))
        return 0.0;
    double before = *gp - *gm;
    /* Potentiate the device on the side of the request; if it is at its top,
       depress the other one. */
    double *up = dd > 0.0 ? gp : gm;
    double *down = dd > 0.0 ? gm : gp;
    if (*up < 1.0)
        *up = cospin_device_update(d, *up, fabs(dd), mode, rng, NULL, stats);
    else
        *down = cospin_device_update(d, *down, -fabs(dd), mode, rng, NULL, stats);
    return (*gp - *gm) - before;
}

char *cospin_device_stats_format(const struct cospin_device_stats *s, char *buf, size_t n)
{
    double nr = s->n_requested > 0 ? (double)s->n_requested : 1.0;
    double ratio = s->sum_abs_requested > 0 ? s->sum_abs_realised / s->sum_abs_requested : 0.0;
    snprintf(buf, n,
             "updates %ld, lost (0 pulses) %.2f %%, saturated %.2f %%, "
             "mean |requested| %.4g, mean |realised| %.4g, realised/requested %.4g, "
             "RMS error %.4g, pulses LTP %ld LTD %ld",
             s->n_requested, 100.0 * s->n_zero / nr, 100.0 * s->n_saturated / nr,
             s->sum_abs_requested / nr, s->sum_abs_realised / nr, ratio,
             sqrt(s->sum_sq_error / nr), s->pulses_ltp, s->pulses_ltd);
    return buf;
}

int cospin_device_branch_from_table(struct cospin_device_branch *b, int ltd, const double *pulse,
                                    const double *value, size_t n, struct cospin_error *err)
{
    if (n < 2 || n > COSPIN_DEVICE_TABLE_MAX)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "a measured curve needs 2..%d points (has %zu)",
                                COSPIN_DEVICE_TABLE_MAX, n);
    if (pulse[0] != 0.0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "point 0: the pulse count must start at 0 (is %g)", pulse[0]);
    double v0 = value[0], v1 = value[n - 1], pmax = pulse[n - 1];
    if (!(v0 != v1) || !isfinite(v0) || !isfinite(v1))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "the first and last values must differ (both %g)", v0);
    for (size_t i = 1; i < n; i++) {
        if (!(pulse[i] > pulse[i - 1]))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "point %zu: pulse counts must increase (%g after %g)", i,
                                    pulse[i], pulse[i - 1]);
        double a = (value[i - 1] - v0) / (v1 - v0), c = (value[i] - v0) / (v1 - v0);
        if (!(c > a))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "point %zu: the curve is not strictly monotone "
                                    "(%g after %g)",
                                    i, value[i], value[i - 1]);
    }
    memset(b, 0, sizeof *b);
    b->family = COSPIN_CURVE_TABLE;
    b->n_points = n;
    for (size_t i = 0; i < n; i++) {
        double pos = pulse[i] / pmax, gn = (value[i] - v0) / (v1 - v0);
        /* LTD data run from G = 1 at P = 1 down to G = 0 at P = 0: reverse. */
        size_t j = ltd ? n - 1 - i : i;
        b->p[j] = ltd ? 1.0 - pos : pos;
        b->g[j] = ltd ? 1.0 - gn : gn;
    }
    b->p[0] = 0.0;
    b->g[0] = 0.0;
    b->p[n - 1] = 1.0;
    b->g[n - 1] = 1.0;
    return COSPIN_OK;
}
