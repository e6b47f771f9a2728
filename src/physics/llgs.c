/*
 * llgs.c -- macrospin LLGS integrator, parameters, textbook figures and the
 * standalone Monte Carlo fast path (random numbers: base/rng.h).  See llgs.h for the equations.
 *
 * The right-hand side is written once as a type-generic macro and
 * instantiated for double (the code models, cospin_mtj_step) and for a GCC
 * vector of LLGS_LANES doubles (cospin_mtj_trials).  Both evaluate the same
 * operations in the same order and this file is compiled without
 * floating-point contraction (-std=c11 implies -ffp-contract=off), so a
 * vector lane reproduces the scalar trajectory bit for bit.
 */
#include "llgs.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "demag.h"
#include "rng.h"

#define LLGS_PI 3.14159265358979323846

/* Step-size bound: omega_max * dt must stay below this (RK4 phase error per
 * step ~ (omega dt)^5 / 120 < 1e-2 rad; stability needs < 2.8). */
#define LLGS_MAX_OMEGA_DT 1.0

/* ------------------------------------------------------------------------ */
/* Parameters                                                                */

void cospin_mtj_params_default(struct cospin_mtj_params *p)
{
    memset(p, 0, sizeof *p);
    p->alpha = 0.0122;               /* thesis Table 3.1 */
    p->gamma_rad_per_s_t = 1.76e11;  /* thesis Table 3.1 */
    p->mu0_ms_t = 1.58;              /* thesis Table 3.1 */
    p->ku_j_per_m3 = 1.1e6;          /* thesis Table 3.1 (E_B = 7.5 kBT, thin film) */
    p->k_bulk_j_per_m3 = 2.245e5;    /* thesis: alternative decomposition, off by default */
    p->k_i_j_per_m2 = 0.0;           /*   (set 1.286e-3 to use K_bulk + K_i / t_FL) */
    p->length_m = 15e-9;             /* thesis: 15 x 15 x 1.3 nm free layer */
    p->width_m = 15e-9;
    p->thickness_m = 1.3e-9;
    p->polarization = 0.4;           /* thesis Table 3.1 */
    p->temperature_k = 300.0;        /* thesis Table 3.1 */
    p->thermal_scale = 1.0;          /* the fluctuation-dissipation amplitude */
    p->dt_s = 5e-12;                 /* thesis Table 3.1 */
    p->ku_per_volt_j_per_m3_v = 0.0;
    p->spin_hall_angle = 0.3;        /* illustrative heavy metal (beta-W class) */
    p->hm_width_m = 20e-9;
    p->hm_thickness_m = 3e-9;
    p->field_like_ratio = 0.0;
    p->init_tilt_rad = 0.01;
    p->demag = COSPIN_DEMAG_PRISM;
    p->stt = COSPIN_STT_CONSTANT;
    p->thermal = COSPIN_THERMAL_BROWN;
    p->torque = COSPIN_TORQUE_STT;
    p->init = COSPIN_INIT_THERMAL;
    p->integrator = COSPIN_INTEGRATOR_ROTATING;
}

double cospin_mtj_ku_j_per_m3(const struct cospin_mtj_params *p)
{
    if (p->k_i_j_per_m2 != 0.0)
        return p->k_bulk_j_per_m3 + p->k_i_j_per_m2 / p->thickness_m;
    return p->ku_j_per_m3;
}

void cospin_mtj_demag_factors(const struct cospin_mtj_params *p, double n[3])
{
    if (p->demag == COSPIN_DEMAG_THIN_FILM || cospin_demag_prism(p->length_m, p->width_m,
                                                                   p->thickness_m, n) != 0)
        cospin_demag_thin_film(n);
}

static double ms_a_per_m(const struct cospin_mtj_params *p)
{
    return p->mu0_ms_t / COSPIN_MU0_T_M_PER_A;
}

static double volume_m3(const struct cospin_mtj_params *p)
{
    return p->length_m * p->width_m * p->thickness_m;
}

/* Nz - min(Nx, Ny): the demag factor difference that lowers the barrier. */
static double demag_delta(const struct cospin_mtj_params *p)
{
    double n[3];
    cospin_mtj_demag_factors(p, n);
    return n[2] - fmin(n[0], n[1]);
}

double cospin_mtj_energy_barrier_j(const struct cospin_mtj_params *p)
{
    double ms = ms_a_per_m(p);
    double keff = cospin_mtj_ku_j_per_m3(p) - 0.5 * COSPIN_MU0_T_M_PER_A * ms * ms * demag_delta(p);
    return keff * volume_m3(p);
}

double cospin_mtj_hk_t(const struct cospin_mtj_params *p)
{
    return 2.0 * cospin_mtj_ku_j_per_m3(p) / ms_a_per_m(p) - p->mu0_ms_t * demag_delta(p);
}

/* Spin-torque field per ampere without the efficiency factor (T/A). */
static double torque_t_per_a(const struct cospin_mtj_params *p)
{
    double ms = ms_a_per_m(p);
    if (p->torque == COSPIN_TORQUE_SOT)
        return COSPIN_HBAR_J_S * p->spin_hall_angle /
               (2.0 * COSPIN_E_C * p->thickness_m * ms * p->hm_width_m * p->hm_thickness_m);
    return COSPIN_HBAR_J_S / (2.0 * COSPIN_E_C * ms * volume_m3(p));
}

/*
 * The STT efficiency of every convention as eta(c) = eta0 / (1 + b c),
 * c = m.sigma: the form the integrator evaluates.  The spin valve's
 * 1/(c0 + c1 c) is rewritten as (1/c0) / (1 + (c1/c0) c); c0 > c1 > 0 for
 * 0 < P < 1 ((1+P)/2 > sqrt(P)), so the denominator stays positive.
 */
static void stt_form(const struct cospin_mtj_params *p, double *eta0, double *b)
{
    double pp = p->polarization;
    if (p->torque == COSPIN_TORQUE_SOT) {
        *eta0 = 1.0;
        *b = 0.0;
    } else if (p->stt == COSPIN_STT_SLONCZEWSKI) {
        *eta0 = pp;
        *b = pp * pp;
    } else if (p->stt == COSPIN_STT_SPIN_VALVE) {
        double c1 = (1.0 + pp) * (1.0 + pp) * (1.0 + pp) / (4.0 * pp * sqrt(pp));
        double c0 = 3.0 * c1 - 4.0;
        *eta0 = 1.0 / c0;
        *b = c1 / c0;
    } else {
        *eta0 = pp;
        *b = 0.0;
    }
}

double cospin_mtj_stt_efficiency(const struct cospin_mtj_params *p, double cos_theta)
{
    double eta0, b;
    stt_form(p, &eta0, &b);
    return eta0 / (1.0 + b * cos_theta);
}

const char *cospin_mtj_stt_name(enum cospin_stt stt)
{
    switch (stt) {
    case COSPIN_STT_CONSTANT:
        return "constant";
    case COSPIN_STT_SLONCZEWSKI:
        return "slonczewski";
    case COSPIN_STT_SPIN_VALVE:
        return "slonczewski1996";
    }
    return NULL;
}

const char *cospin_mtj_init_name(enum cospin_init init)
{
    switch (init) {
    case COSPIN_INIT_THERMAL:
        return "thermal";
    case COSPIN_INIT_TILT:
        return "tilt";
    case COSPIN_INIT_MINUS_Z:
        return "minus-z";
    }
    return NULL;
}

const char *cospin_mtj_integrator_name(enum cospin_integrator integrator)
{
    switch (integrator) {
    case COSPIN_INTEGRATOR_ROTATING:
        return "rotating";
    case COSPIN_INTEGRATOR_RK4:
        return "rk4";
    }
    return NULL;
}

const char *cospin_mtj_demag_name(enum cospin_demag demag)
{
    switch (demag) {
    case COSPIN_DEMAG_PRISM:
        return "prism";
    case COSPIN_DEMAG_THIN_FILM:
        return "thin-film";
    }
    return NULL;
}

const char *cospin_mtj_thermal_name(enum cospin_thermal thermal)
{
    switch (thermal) {
    case COSPIN_THERMAL_BROWN:
        return "brown";
    case COSPIN_THERMAL_THESIS:
        return "thesis";
    }
    return NULL;
}

/* The words of every convention, in enum order, and the aliases. */
struct mtj_word {
    const char *kind, *word;
    int value;
};

static const struct mtj_word mtj_words[] = {
    {"demag", "prism", COSPIN_DEMAG_PRISM},
    {"demag", "thin-film", COSPIN_DEMAG_THIN_FILM},
    {"stt", "constant", COSPIN_STT_CONSTANT},
    {"stt", "slonczewski", COSPIN_STT_SLONCZEWSKI},
    {"stt", "slonczewski1996", COSPIN_STT_SPIN_VALVE},
    {"stt", "spin-valve", COSPIN_STT_SPIN_VALVE}, /* alias: the first name it had */
    {"thermal", "brown", COSPIN_THERMAL_BROWN},
    {"thermal", "thesis", COSPIN_THERMAL_THESIS},
    {"torque", "stt", COSPIN_TORQUE_STT},
    {"torque", "sot", COSPIN_TORQUE_SOT},
    {"init", "thermal", COSPIN_INIT_THERMAL},
    {"init", "tilt", COSPIN_INIT_TILT},
    {"init", "minus-z", COSPIN_INIT_MINUS_Z},
    {"integrator", "rotating", COSPIN_INTEGRATOR_ROTATING},
    {"integrator", "rk4", COSPIN_INTEGRATOR_RK4},
};

int cospin_mtj_convention_value(const char *kind, const char *word)
{
    for (size_t i = 0; kind && word && i < sizeof mtj_words / sizeof mtj_words[0]; i++)
        if (strcmp(mtj_words[i].kind, kind) == 0 && strcmp(mtj_words[i].word, word) == 0)
            return mtj_words[i].value;
    return -1;
}

const char *const *cospin_mtj_convention_words(const char *kind)
{
    static const char *const demag[] = {"prism", "thin-film", NULL};
    static const char *const stt[] = {"constant", "slonczewski", "slonczewski1996", "spin-valve",
                                      NULL};
    static const char *const thermal[] = {"brown", "thesis", NULL};
    static const char *const torque[] = {"stt", "sot", NULL};
    static const char *const init[] = {"thermal", "tilt", "minus-z", NULL};
    static const char *const integrator[] = {"rotating", "rk4", NULL};
    static const struct {
        const char *kind;
        const char *const *words;
    } kinds[] = {{"demag", demag},   {"stt", stt},   {"thermal", thermal},
                 {"torque", torque}, {"init", init}, {"integrator", integrator}};
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].words;
    return NULL;
}

/*
 * The SOT threshold of cospin_mtj_icrit_a: static states of the initial
 * well satisfy a = cos(phi) (Bk sin(phi) - bx) for the damping-like field a
 * (the stationary LLG, m in the x-z plane, phi the tilt from the easy axis
 * towards the field); its maximum over phi is where the well is lost.
 */
static double sot_icrit_a(const struct cospin_mtj_params *p)
{
    double bk = cospin_mtj_hk_t(p), bx = fabs(p->h_applied_t[0]);
    if (!(bx < bk))
        return NAN;
    double b = bx / bk;
    double s = 0.25 * (b + sqrt(b * b + 8.0));
    double a_c = sqrt(1.0 - s * s) * (bk * s - bx);
    return a_c / fabs(torque_t_per_a(p));
}

double cospin_mtj_icrit_a(const struct cospin_mtj_params *p)
{
    if (p->torque == COSPIN_TORQUE_SOT)
        return sot_icrit_a(p);
    /* Efficiency at m = -sigma (the AP state for STT). */
    return p->alpha * cospin_mtj_hk_t(p) / (torque_t_per_a(p) * cospin_mtj_stt_efficiency(p, -1.0));
}

/* Write a one-line reason into msg (if any) and return -1. */
__attribute__((format(printf, 3, 4))) static int bad(char *msg, size_t n, const char *fmt, ...)
{
    if (msg && n > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/*
 * The allowed range of every number of struct cospin_mtj_params, named by
 * the word the device file and the command line use for it.  The bounds
 * are physical (sizes > 0, 0 < P < 1, alpha > 0, T >= 0) or, where physics
 * sets none, generous sanity limits.
 */
struct mtj_range {
    const char *name;            /* device-file attribute / option word */
    size_t offset;               /* the double in struct cospin_mtj_params */
    const char *unit;            /* "" for dimensionless */
    double lo, hi;
    char lo_open, hi_open;       /* nonzero: the bound itself is excluded */
    char sot_only;               /* checked only for COSPIN_TORQUE_SOT */
    const char *what;
};

#define MTJ_AT(member) offsetof(struct cospin_mtj_params, member)

static const struct mtj_range mtj_ranges[] = {
    {"alpha", MTJ_AT(alpha), "", 0.0, 10.0, 1, 0, 0, "Gilbert damping"},
    {"gamma", MTJ_AT(gamma_rad_per_s_t), "rad/(s T)", 1e9, 1e13, 0, 0, 0, "gyromagnetic ratio"},
    {"ms", MTJ_AT(mu0_ms_t), "T", 0.0, 10.0, 1, 0, 0, "saturation magnetisation mu0 Ms"},
    {"ku", MTJ_AT(ku_j_per_m3), "J/m^3", 0.0, 1e9, 0, 0, 0, "uniaxial anisotropy"},
    {"k-bulk", MTJ_AT(k_bulk_j_per_m3), "J/m^3", -1e9, 1e9, 0, 0, 0, "bulk anisotropy"},
    {"k-i", MTJ_AT(k_i_j_per_m2), "J/m^2", -1.0, 1.0, 0, 0, 0, "interface anisotropy"},
    {"fl-length", MTJ_AT(length_m), "m", 0.0, 1e-5, 1, 0, 0, "free-layer length (x)"},
    {"fl-width", MTJ_AT(width_m), "m", 0.0, 1e-5, 1, 0, 0, "free-layer width (y)"},
    {"fl-thickness", MTJ_AT(thickness_m), "m", 0.0, 1e-6, 1, 0, 0, "free-layer thickness"},
    {"polarization", MTJ_AT(polarization), "", 0.0, 1.0, 1, 1, 0, "spin polarisation P"},
    {"temperature", MTJ_AT(temperature_k), "K", 0.0, 2000.0, 0, 0, 0, "temperature"},
    {"thermal-scale", MTJ_AT(thermal_scale), "", 0.0, 100.0, 0, 0, 0,
     "thermal-field amplitude factor"},
    {"dt", MTJ_AT(dt_s), "s", 0.0, 1e-9, 1, 0, 0, "integration step"},
    {"hx", MTJ_AT(h_applied_t[0]), "T", -100.0, 100.0, 0, 0, 0, "applied field mu0 Hx"},
    {"hy", MTJ_AT(h_applied_t[1]), "T", -100.0, 100.0, 0, 0, 0, "applied field mu0 Hy"},
    {"hz", MTJ_AT(h_applied_t[2]), "T", -100.0, 100.0, 0, 0, 0, "applied field mu0 Hz"},
    {"ku-per-volt", MTJ_AT(ku_per_volt_j_per_m3_v), "J/(m^3 V)", -1e15, 1e15, 0, 0, 0,
     "anisotropy control coefficient"},
    {"init-tilt", MTJ_AT(init_tilt_rad), "rad", 0.0, 1.5, 0, 0, 0, "initial tilt"},
    {"field-like", MTJ_AT(field_like_ratio), "", -10.0, 10.0, 0, 0, 0,
     "field-like / damping-like torque ratio"},
    {"spin-hall-angle", MTJ_AT(spin_hall_angle), "", -10.0, 10.0, 0, 0, 1, "spin Hall angle"},
    {"hm-width", MTJ_AT(hm_width_m), "m", 0.0, 1e-4, 1, 0, 1, "heavy-metal channel width"},
    {"hm-thickness", MTJ_AT(hm_thickness_m), "m", 0.0, 1e-6, 1, 0, 1,
     "heavy-metal channel thickness"},
};

#undef MTJ_AT

static int range_ok(const struct mtj_range *r, double v)
{
    return isfinite(v) && (r->lo_open ? v > r->lo : v >= r->lo) &&
           (r->hi_open ? v < r->hi : v <= r->hi);
}

/* "name = value unit out of range (lo, hi]: what". */
static int range_bad(const struct mtj_range *r, double v, char *msg, size_t n)
{
    return bad(msg, n, "%s = %g%s%s out of range %c%g, %g%c: %s", r->name, v, *r->unit ? " " : "",
               r->unit, r->lo_open ? '(' : '[', r->lo, r->hi, r->hi_open ? ')' : ']', r->what);
}

/* The enum conventions: each must be one of its names. */
static int validate_conventions(const struct cospin_mtj_params *p, char *msg, size_t n)
{
    if (cospin_mtj_demag_name(p->demag) == NULL)
        return bad(msg, n, "demag = %d unknown, expected %s", (int)p->demag,
                   "0 (prism) or 1 (thin-film)");
    if (cospin_mtj_stt_name(p->stt) == NULL)
        return bad(msg, n, "stt = %d unknown, expected %s", (int)p->stt,
                   "0 (constant), 1 (slonczewski) or 2 (slonczewski1996)");
    if (cospin_mtj_thermal_name(p->thermal) == NULL)
        return bad(msg, n, "thermal = %d unknown, expected %s", (int)p->thermal,
                   "0 (brown) or 1 (thesis)");
    if (p->torque != COSPIN_TORQUE_STT && p->torque != COSPIN_TORQUE_SOT)
        return bad(msg, n, "torque = %d unknown, expected %s", (int)p->torque,
                   "0 (stt) or 1 (sot)");
    if (cospin_mtj_init_name(p->init) == NULL)
        return bad(msg, n, "init = %d unknown, expected %s", (int)p->init,
                   "0 (thermal), 1 (tilt) or 2 (minus-z)");
    if (cospin_mtj_integrator_name(p->integrator) == NULL)
        return bad(msg, n, "integrator = %d unknown, expected %s", (int)p->integrator,
                   "0 (rotating) or 1 (rk4)");
    return 0;
}

/* What needs several fields: a barrier, and a step fine enough for the field. */
static int validate_device(const struct cospin_mtj_params *p, char *msg, size_t n)
{
    if (p->torque == COSPIN_TORQUE_SOT && p->spin_hall_angle == 0.0)
        return bad(msg, n, "spin-hall-angle = 0 gives no spin-orbit torque: %s", "must be nonzero");
    if (p->torque == COSPIN_TORQUE_STT && p->field_like_ratio != 0.0)
        return bad(msg, n, "field-like = %g applies to the SOT device only: %s",
                   p->field_like_ratio, "must be 0 for torque stt");
    double ku = cospin_mtj_ku_j_per_m3(p);
    const char *ku_name = p->k_i_j_per_m2 != 0.0 ? "k-bulk + k-i/fl-thickness" : "ku";
    double ms = ms_a_per_m(p);
    double demag_j_per_m3 = 0.5 * COSPIN_MU0_T_M_PER_A * ms * ms * demag_delta(p);
    if (!(ku > demag_j_per_m3))
        return bad(msg, n,
                   "%s = %g J/m^3 is not above the demagnetising energy mu0 Ms^2 (Nz - Nx)/2 = "
                   "%.4g J/m^3 of this free layer (demag %s): no energy barrier; the allowed "
                   "range is above %.4g J/m^3",
                   ku_name, ku, demag_j_per_m3, cospin_mtj_demag_name(p->demag), demag_j_per_m3);
    /* Largest precession rate the step must resolve. */
    double nd[3];
    cospin_mtj_demag_factors(p, nd);
    double bmax = fabs(2.0 * ku / ms - p->mu0_ms_t * nd[2]) + p->mu0_ms_t * fmax(nd[0], nd[1]) +
                  sqrt(p->h_applied_t[0] * p->h_applied_t[0] + p->h_applied_t[1] * p->h_applied_t[1] +
                       p->h_applied_t[2] * p->h_applied_t[2]);
    double wdt = p->gamma_rad_per_s_t * bmax * p->dt_s;
    if (wdt > LLGS_MAX_OMEGA_DT)
        return bad(msg, n, "dt = %g s too coarse for this device: gamma B_max dt = %g rad exceeds "
                   "1 rad; the allowed range is dt <= %.3g s", p->dt_s, wdt,
                   p->dt_s * LLGS_MAX_OMEGA_DT / wdt);
    return 0;
}

int cospin_mtj_params_validate(const struct cospin_mtj_params *p, char *msg, size_t n)
{
    for (size_t i = 0; i < sizeof mtj_ranges / sizeof mtj_ranges[0]; i++) {
        const struct mtj_range *r = &mtj_ranges[i];
        if (r->sot_only && p->torque != COSPIN_TORQUE_SOT)
            continue;
        double v;
        memcpy(&v, (const char *)p + r->offset, sizeof v);
        if (!range_ok(r, v))
            return range_bad(r, v, msg, n);
    }
    int rc = validate_conventions(p, msg, n);
    return rc ? rc : validate_device(p, msg, n);
}

/*
 * The rotating integrator's frame (llgs.h): per hemisphere the precession
 * rate of the well about z, w = gl (s (Bk + mu0 Ms (Nx + Ny)/2) + B_app,z)
 * with s = -1, +1 and Bk = 2 Ku/Ms - mu0 Ms Nz (for Nx = Ny, m x B =
 * (Bk + mu0 Ms Nx) m_z m x z exactly, so w is the rate at the pole), and the
 * rotations by w dt/2 and w dt.  The control input's dKu is left out: the
 * frame is any fixed rotation; RK4 integrates what it leaves.
 */
static void derive_frame(const struct cospin_mtj_params *p, struct cospin_mtj_derived *d)
{
    for (int h = 0; h < 2; h++) {
        double w = 0.0;
        if (p->integrator == COSPIN_INTEGRATOR_ROTATING) {
            double bk = d->b_an_t - d->b_demag_t[2] + 0.5 * (d->b_demag_t[0] + d->b_demag_t[1]);
            w = d->gamma_ll * ((h ? 1.0 : -1.0) * bk + d->b_app_t[2]);
        }
        d->frame_w[h] = w;
        d->frame_c1[h] = cos(0.5 * w * d->dt_s);
        d->frame_s1[h] = sin(0.5 * w * d->dt_s);
        d->frame_c2[h] = cos(w * d->dt_s);
        d->frame_s2[h] = sin(w * d->dt_s);
    }
}

int cospin_mtj_derive(const struct cospin_mtj_params *p, struct cospin_mtj_derived *d,
                      char *msg, size_t n)
{
    if (cospin_mtj_params_validate(p, msg, n) != 0)
        return -1;
    memset(d, 0, sizeof *d);
    double ms = ms_a_per_m(p);
    double v = volume_m3(p);
    d->dt_s = p->dt_s;
    d->alpha = p->alpha;
    d->gamma_ll = p->gamma_rad_per_s_t / (1.0 + p->alpha * p->alpha);
    d->ms_a_per_m = ms;
    d->volume_m3 = v;
    d->ku_j_per_m3 = cospin_mtj_ku_j_per_m3(p);
    d->b_an_per_ku_t = 2.0 / ms;
    d->b_an_t = d->b_an_per_ku_t * d->ku_j_per_m3;
    cospin_mtj_demag_factors(p, d->n_demag);
    for (int i = 0; i < 3; i++) {
        d->b_demag_t[i] = p->mu0_ms_t * d->n_demag[i];
        d->b_app_t[i] = p->h_applied_t[i];
    }
    /* Brown: <B_i(t) B_j(t')> = 2 alpha kB T / (gamma Ms V) delta_ij delta(t - t'). */
    double var = 2.0 * p->alpha * COSPIN_KB_J_PER_K * p->temperature_k /
                 (p->gamma_rad_per_s_t * ms * v * p->dt_s);
    if (p->thermal == COSPIN_THERMAL_THESIS)
        var /= 1.0 + p->alpha * p->alpha;
    d->b_th_sigma_t = sqrt(var) * p->thermal_scale;
    d->torque_t_per_a = torque_t_per_a(p);
    if (p->torque == COSPIN_TORQUE_SOT) {
        /* Charge current along +x in the channel: spin polarisation along +y. */
        d->polarization = 1.0;
        d->p2 = 0.0;
        d->sigma[1] = 1.0;
    } else {
        stt_form(p, &d->polarization, &d->p2);
        d->sigma[2] = 1.0;
    }
    /* LL form of the torque a sigma with the field-like part xi a sigma
       added to B: m x (B + (xi - alpha) a sigma) + m x (m x (alpha B + (1 + alpha xi) a sigma)). */
    double xi = p->torque == COSPIN_TORQUE_SOT ? p->field_like_ratio : 0.0;
    d->torque_p = xi - p->alpha;
    d->torque_q = 1.0 + p->alpha * xi;
    derive_frame(p, d);
    double eb = cospin_mtj_energy_barrier_j(p);
    d->beta_eb = p->temperature_k > 0.0 ? eb / (COSPIN_KB_J_PER_K * p->temperature_k) : INFINITY;
    d->ku_per_volt_j_per_m3_v = p->ku_per_volt_j_per_m3_v;
    d->init = p->init;
    /* Exactly -z is the tilted state at tilt 0 (what the Fokker-Planck engine uses). */
    d->init_tilt_rad = p->init == COSPIN_INIT_MINUS_Z ? 0.0 : p->init_tilt_rad;
    d->temperature_k = p->temperature_k;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The LLGS right-hand side, type-generic                                     */

/*
 * dm/dt - w z x m for state (mx, my, mz) of type T (double or a vector of
 * doubles): the right-hand side in the integrator's frame rotating at w
 * (0 for the lab-frame RK4).  bx0, by0, bz0: field without the
 * state-dependent part (applied + thermal), bk: (b_an - b_demag_z)
 * coefficient of m_z (includes the control dKu), a: spin-torque field (T)
 * before the angular factor, p2: its angular coefficient (llgs.h).
 */
#define LLGS_RHS(T, mx, my, mz, bx0, by0, bz0, bk, a, p2, w, dx, dy, dz)              \
    do {                                                                            \
        T bx_ = (bx0) - bdx * (mx);                                                 \
        T by_ = (by0) - bdy * (my);                                                 \
        T bz_ = (bz0) + (bk) * (mz);                                                \
        T ms_ = sx * (mx) + sy * (my) + sz * (mz);                                  \
        T aj_ = (a) / (1.0 + (p2) * ms_);                                           \
        T px_ = bx_ + tp * aj_ * sx, py_ = by_ + tp * aj_ * sy,                     \
          pz_ = bz_ + tp * aj_ * sz;                                                \
        T qx_ = alpha * bx_ + tq * aj_ * sx, qy_ = alpha * by_ + tq * aj_ * sy,     \
          qz_ = alpha * bz_ + tq * aj_ * sz;                                        \
        T mq_ = (mx) * qx_ + (my) * qy_ + (mz) * qz_;                               \
        (dx) = -gl * (((my) * pz_ - (mz) * py_) + ((mx) * mq_ - qx_)) + (w) * (my); \
        (dy) = -gl * (((mz) * px_ - (mx) * pz_) + ((my) * mq_ - qy_)) - (w) * (mx); \
        (dz) = -gl * (((mx) * py_ - (my) * px_) + ((mz) * mq_ - qz_));              \
    } while (0)

/* (ox, oy) = the rotation by (c, s) of (x, y) about z. */
#define LLGS_ROT(T, c, s, x, y, ox, oy)                                             \
    T ox = (c) * (x) - (s) * (y);                                                   \
    T oy = (s) * (x) + (c) * (y)

/*
 * One step of type T (llgs.h: RK4 in the frame rotating at w about z, the
 * Lawson form; the identity frame for the lab-frame RK4): reads mx, my, mz,
 * writes them back normalised.  With E1, E2 the rotations by w dt/2, w dt:
 *   k1 = N(m, b)              k2 = N(E1 (m + dt/2 k1), E1 b)
 *   k3 = N(E1 m + dt/2 k2, E1 b)      k4 = N(E2 m + dt E1 k3, E2 b)
 *   m' = E2 m + dt/6 (E2 k1 + 2 E1 k2 + 2 E1 k3 + k4)
 * (N the frame's right-hand side, b the thermal field held in the frame).
 * The hemisphere of m_z at the start selects w by an exact blend (sel is 0
 * or 1), so the vector lanes reproduce the scalar path bit for bit.
 * Needs in scope: T bx0, by0, bz0 (applied field), tbx, tby, tbz (thermal),
 * bk, a; double p2, dt, the frame tables fw, fc1, fs1, fc2, fs2 and the
 * constants of LLGS_RHS; SEL(x) turns a T into 1.0 where x >= 0, else 0.0;
 * SQRT(x) replaces the T lvalue x by its square root.
 */
#define LLGS_STEP(T, SQRT, SEL)                                                      \
    do {                                                                            \
        T sel_ = SEL(mz), nsel_ = 1.0 - sel_;                                       \
        T w_ = sel_ * fw[1] + nsel_ * fw[0];                                        \
        T c1_ = sel_ * fc1[1] + nsel_ * fc1[0], s1_ = sel_ * fs1[1] + nsel_ * fs1[0]; \
        T c2_ = sel_ * fc2[1] + nsel_ * fc2[0], s2_ = sel_ * fs2[1] + nsel_ * fs2[0]; \
        T k1x, k1y, k1z, k2x, k2y, k2z, k3x, k3y, k3z, k4x, k4y, k4z;                \
        double h2_ = 0.5 * dt, h6_ = dt / 6.0;                                      \
        LLGS_ROT(T, c1_, s1_, tbx, tby, b1x_, b1y_);                                \
        LLGS_ROT(T, c2_, s2_, tbx, tby, b2x_, b2y_);                                \
        LLGS_RHS(T, mx, my, mz, bx0 + tbx, by0 + tby, bz0 + tbz, bk, a, p2, w_, k1x, k1y, \
                 k1z);                                                              \
        T tx_ = mx + h2_ * k1x, ty_ = my + h2_ * k1y, tz_ = mz + h2_ * k1z;          \
        LLGS_ROT(T, c1_, s1_, tx_, ty_, ux_, uy_);                                  \
        LLGS_RHS(T, ux_, uy_, tz_, bx0 + b1x_, by0 + b1y_, bz0 + tbz, bk, a, p2, w_, k2x, \
                 k2y, k2z);                                                         \
        LLGS_ROT(T, c1_, s1_, mx, my, e1x_, e1y_);                                  \
        tx_ = e1x_ + h2_ * k2x;                                                     \
        ty_ = e1y_ + h2_ * k2y;                                                     \
        tz_ = mz + h2_ * k2z;                                                       \
        LLGS_RHS(T, tx_, ty_, tz_, bx0 + b1x_, by0 + b1y_, bz0 + tbz, bk, a, p2, w_, k3x, \
                 k3y, k3z);                                                         \
        LLGS_ROT(T, c2_, s2_, mx, my, e2x_, e2y_);                                  \
        LLGS_ROT(T, c1_, s1_, k3x, k3y, r3x_, r3y_);                                \
        tx_ = e2x_ + dt * r3x_;                                                     \
        ty_ = e2y_ + dt * r3y_;                                                     \
        tz_ = mz + dt * k3z;                                                        \
        LLGS_RHS(T, tx_, ty_, tz_, bx0 + b2x_, by0 + b2y_, bz0 + tbz, bk, a, p2, w_, k4x, \
                 k4y, k4z);                                                         \
        LLGS_ROT(T, c2_, s2_, k1x, k1y, r1x_, r1y_);                                \
        LLGS_ROT(T, c1_, s1_, k2x, k2y, r2x_, r2y_);                                \
        mx = e2x_ + h6_ * (r1x_ + 2.0 * r2x_ + 2.0 * r3x_ + k4x);                   \
        my = e2y_ + h6_ * (r1y_ + 2.0 * r2y_ + 2.0 * r3y_ + k4y);                   \
        mz = mz + h6_ * (k1z + 2.0 * k2z + 2.0 * k3z + k4z);                        \
        T inv_ = mx * mx + my * my + mz * mz;                                       \
        SQRT(inv_);                                                                 \
        inv_ = 1.0 / inv_;                                                          \
        mx = mx * inv_;                                                             \
        my = my * inv_;                                                             \
        mz = mz * inv_;                                                             \
    } while (0)

/* Constants every instantiation reads from d. */
#define LLGS_CONSTANTS(d)                                                            \
    const double alpha = (d)->alpha, gl = (d)->gamma_ll, dt = (d)->dt_s;             \
    const double bdx = (d)->b_demag_t[0], bdy = (d)->b_demag_t[1];                   \
    const double sx = (d)->sigma[0], sy = (d)->sigma[1], sz = (d)->sigma[2];         \
    const double tp = (d)->torque_p, tq = (d)->torque_q;                             \
    const double *fw = (d)->frame_w, *fc1 = (d)->frame_c1, *fs1 = (d)->frame_s1;     \
    const double *fc2 = (d)->frame_c2, *fs2 = (d)->frame_s2;                         \
    const double p2 = (d)->p2

#define SQRT_SCALAR(x) ((x) = sqrt(x))
#define SEL_SCALAR(x) ((x) >= 0.0 ? 1.0 : 0.0)

void cospin_mtj_thermal_field(const struct cospin_mtj_derived *d, struct cospin_rng *r,
                              double b_th_t[3])
{
    if (d->b_th_sigma_t > 0.0) {
        b_th_t[0] = d->b_th_sigma_t * cospin_rng_normal(r);
        b_th_t[1] = d->b_th_sigma_t * cospin_rng_normal(r);
        b_th_t[2] = d->b_th_sigma_t * cospin_rng_normal(r);
    } else {
        b_th_t[0] = b_th_t[1] = b_th_t[2] = 0.0;
    }
}

void cospin_mtj_step_field(const struct cospin_mtj_derived *d, double m[3], double i_a,
                           double dku_j_per_m3, const double b_th_t[3])
{
    LLGS_CONSTANTS(d);
    double mx = m[0], my = m[1], mz = m[2];
    double bx0 = d->b_app_t[0], by0 = d->b_app_t[1], bz0 = d->b_app_t[2];
    double tbx = b_th_t[0], tby = b_th_t[1], tbz = b_th_t[2];
    double bk = (d->b_an_t + d->b_an_per_ku_t * dku_j_per_m3) - d->b_demag_t[2];
    double a = d->torque_t_per_a * d->polarization * i_a;
    LLGS_STEP(double, SQRT_SCALAR, SEL_SCALAR);
    m[0] = mx;
    m[1] = my;
    m[2] = mz;
}

void cospin_mtj_step(const struct cospin_mtj_derived *d, double m[3], double i_a,
                     double dku_j_per_m3, struct cospin_rng *r)
{
    double b[3];
    cospin_mtj_thermal_field(d, r, b);
    cospin_mtj_step_field(d, m, i_a, dku_j_per_m3, b);
}

void cospin_mtj_init_state(const struct cospin_mtj_derived *d, struct cospin_rng *r,
                           double m[3])
{
    if (d->init != COSPIN_INIT_THERMAL || !(d->temperature_k > 0.0) || !isfinite(d->beta_eb)) {
        /* The tilt, or exactly -z (derive sets its tilt to 0). */
        m[0] = sin(d->init_tilt_rad);
        m[1] = 0.0;
        m[2] = -cos(d->init_tilt_rad);
        return;
    }
    /*
     * Energy of the well: E(m)/kT = const + u(2-u) beta(phi), u = 1 - |m_z|,
     * beta(phi) = beta_eb + V mu0 Ms^2/2 ((Nx - Nmin) cos^2 phi + (Ny - Nmin) sin^2 phi)/kT.
     * Density of (u, phi): exp(-beta(phi) u(2-u)) on u in [0, 1], phi uniform.
     * Proposal u ~ beta_eb exp(-beta_eb u) truncated to [0, 1]; accept with
     * exp(-beta_eb u(1-u) - (beta(phi) - beta_eb) u(2-u)) <= 1: exact.
     */
    double b = d->beta_eb;
    double nmin = fmin(d->n_demag[0], d->n_demag[1]);
    double ems = 0.5 * COSPIN_MU0_T_M_PER_A * d->ms_a_per_m * d->ms_a_per_m * d->volume_m3 /
                 (COSPIN_KB_J_PER_K * d->temperature_k);
    double ex = ems * (d->n_demag[0] - nmin), ey = ems * (d->n_demag[1] - nmin);
    double tail = -expm1(-b); /* 1 - exp(-b) */
    for (;;) {
        double u = -log1p(-cospin_rng_uniform(r) * tail) / b;
        double phi = 2.0 * LLGS_PI * cospin_rng_uniform(r);
        double c = cos(phi), s = sin(phi);
        double extra = (ex * c * c + ey * s * s) * u * (2.0 - u);
        if (cospin_rng_uniform(r) < exp(-b * u * (1.0 - u) - extra)) {
            double mz = -(1.0 - u);
            double st = sqrt(fmax(0.0, 1.0 - mz * mz));
            m[0] = st * c;
            m[1] = st * s;
            m[2] = mz;
            return;
        }
    }
}

void cospin_mtj_state_init(const struct cospin_mtj_derived *d, struct cospin_mtj_state *s,
                           uint64_t seed, uint64_t stream, double well_sign)
{
    memset(s, 0, sizeof *s);
    cospin_rng_seed(&s->rng, seed, stream);
    cospin_mtj_init_state(d, &s->rng, s->m);
    if (well_sign > 0.0)
        s->m[2] = -s->m[2];
}

long cospin_mtj_advance(const struct cospin_mtj_derived *d, const struct cospin_mtj_state *old,
                        struct cospin_mtj_state *next, double t_now_s, double drive_now_a,
                        double ctrl_now_v)
{
    *next = *old;
    next->t_acc_s = t_now_s;
    next->drive_acc_a = drive_now_a;
    next->ctrl_acc_v = ctrl_now_v;
    double span = t_now_s - old->t_acc_s;
    if (!(span > 0.0))
        return 0;
    long n = 0;
    for (long k = old->k_done;; k++) {
        double mid = ((double)k + 0.5) * d->dt_s;
        if (mid > t_now_s)
            break;
        double f = (mid - old->t_acc_s) / span;
        if (f < 0.0)
            f = 0.0; /* guard: steps with earlier midpoints were done before */
        double i_a = old->drive_acc_a + f * (drive_now_a - old->drive_acc_a);
        double v = old->ctrl_acc_v + f * (ctrl_now_v - old->ctrl_acc_v);
        cospin_mtj_step(d, next->m, i_a, d->ku_per_volt_j_per_m3_v * v, &next->rng);
        next->k_done = k + 1;
        n++;
    }
    return n;
}

static long steps_of(double t_s, double dt_s)
{
    if (!(t_s > 0.0))
        return 0;
    return (long)floor(t_s / dt_s + 0.5);
}

int cospin_mtj_trial(const struct cospin_mtj_derived *d, double i_a, double width_s,
                     double relax_s, struct cospin_rng *r, double *mz_final)
{
    double m[3];
    cospin_mtj_init_state(d, r, m);
    long n1 = steps_of(width_s, d->dt_s), n2 = steps_of(relax_s, d->dt_s);
    for (long k = 0; k < n1; k++)
        cospin_mtj_step(d, m, i_a, 0.0, r);
    for (long k = 0; k < n2; k++)
        cospin_mtj_step(d, m, 0.0, 0.0, r);
    if (mz_final)
        *mz_final = m[2];
    return m[2] > 0.0;
}

/* ------------------------------------------------------------------------ */
/* Vectorised fast path                                                      */

/* Trials integrated at once.  16 doubles = 4 AVX2 registers per variable:
 * independent operations hide the latency of the long dependency chain. */
#define LLGS_LANES 16
typedef double llgs_vec __attribute__((vector_size(LLGS_LANES * sizeof(double))));

/* In-place lane-wise square root (vector lvalue x). */
#define SQRT_VEC(x)                                                                 \
    do {                                                                            \
        for (int l_ = 0; l_ < LLGS_LANES; l_++)                                     \
            (x)[l_] = sqrt((x)[l_]);                                                \
    } while (0)

/* 1.0 in the lanes where x >= 0, else +0.0 (as SEL_SCALAR). */
#define SEL_VEC(x) __builtin_convertvector(((x) >= 0.0) & 1, llgs_vec)

/* The generators of all lanes, structure of arrays. */
typedef uint64_t llgs_uvec __attribute__((vector_size(LLGS_LANES * sizeof(uint64_t))));
typedef int64_t llgs_ivec __attribute__((vector_size(LLGS_LANES * sizeof(int64_t))));
struct vec_rng {
    llgs_uvec s0, s1, s2, s3;
};

static inline void vec_rng_load(struct vec_rng *v, const struct cospin_rng *r)
{
    for (int l = 0; l < LLGS_LANES; l++) {
        v->s0[l] = r[l].s[0];
        v->s1[l] = r[l].s[1];
        v->s2[l] = r[l].s[2];
        v->s3[l] = r[l].s[3];
    }
}

static inline void vec_rng_store(const struct vec_rng *v, struct cospin_rng *r)
{
    for (int l = 0; l < LLGS_LANES; l++) {
        r[l].s[0] = v->s0[l];
        r[l].s[1] = v->s1[l];
        r[l].s[2] = v->s2[l];
        r[l].s[3] = v->s3[l];
    }
}

/* xoshiro256** on all lanes at once (same recurrence as cospin_rng_u64). */
static inline llgs_uvec vec_next(struct vec_rng *v)
{
    llgs_uvec x = v->s1 * 5;
    llgs_uvec result = ((x << 7) | (x >> 57)) * 9;
    llgs_uvec t = v->s1 << 17;
    v->s2 ^= v->s0;
    v->s3 ^= v->s1;
    v->s1 ^= v->s2;
    v->s0 ^= v->s3;
    v->s2 ^= t;
    v->s3 = (v->s3 << 45) | (v->s3 >> 19);
    return result;
}

/*
 * One standard normal per lane: the rectangle test of the ziggurat for all
 * lanes at once; the ~1 % of lanes that fail it finish with the scalar
 * cospin_rng_normal_finish on their own generator (copied out and back), so
 * each lane consumes exactly the sequence cospin_rng_normal would.
 */
static inline llgs_vec vec_normal(struct vec_rng *v, struct cospin_rng *scratch)
{
    llgs_uvec u = vec_next(v);
    llgs_uvec idx = u & 0xff;
    llgs_uvec rabs = (u >> 9) & UINT64_C(0x000fffffffffffff);
    llgs_uvec sign = (u >> 8) << 63;
    /* rabs < 2^52: OR-ing it into the mantissa of 2^52 converts exactly. */
    llgs_vec x = (llgs_vec)(rabs | UINT64_C(0x4330000000000000)) - 0x1.0p52;
    llgs_vec w;
    llgs_uvec ki;
    for (int l = 0; l < LLGS_LANES; l++) {
        w[l] = cospin_rng_zig_wi[idx[l]];
        ki[l] = cospin_rng_zig_ki[idx[l]];
    }
    x = (llgs_vec)((llgs_uvec)(x * w) ^ sign);
    llgs_ivec ok = rabs < ki;
    int all = 1;
    for (int l = 0; l < LLGS_LANES; l++)
        all &= ok[l] != 0;
    if (__builtin_expect(all, 1))
        return x;
    for (int l = 0; l < LLGS_LANES; l++) {
        if (ok[l])
            continue;
        struct cospin_rng *r = &scratch[l];
        r->s[0] = v->s0[l];
        r->s[1] = v->s1[l];
        r->s[2] = v->s2[l];
        r->s[3] = v->s3[l];
        x[l] = cospin_rng_normal_finish(r, u[l]);
        v->s0[l] = r->s[0];
        v->s1[l] = r->s[1];
        v->s2[l] = r->s[2];
        v->s3[l] = r->s[3];
    }
    return x;
}

/* The x86-64 clones let one binary use AVX2/AVX-512 where present. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LLGS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LLGS_CLONES
#endif

/* Integrate nsteps at current i_a for LLGS_LANES trials (state in mx/my/mz
 * lanes, generators in r[]). */
LLGS_CLONES
static void run_lanes(const struct cospin_mtj_derived *d, llgs_vec *pmx, llgs_vec *pmy,
                      llgs_vec *pmz, struct cospin_rng *r, long nsteps, double i_a)
{
    LLGS_CONSTANTS(d);
    llgs_vec mx = *pmx, my = *pmy, mz = *pmz;
    const double sig = d->b_th_sigma_t;
    const double bk1 = d->b_an_t - d->b_demag_t[2];
    const double a1 = d->torque_t_per_a * d->polarization * i_a;
    const llgs_vec zero = {0};
    const llgs_vec bk = zero + bk1, a = zero + a1;
    const llgs_vec bx0 = zero + d->b_app_t[0], by0 = zero + d->b_app_t[1],
                   bz0 = zero + d->b_app_t[2];
    struct vec_rng vs;
    vec_rng_load(&vs, r);
    for (long k = 0; k < nsteps; k++) {
        llgs_vec tbx = zero, tby = zero, tbz = zero;
        if (sig > 0.0) {
            /* Each lane draws x, y, z in the order cospin_mtj_thermal_field
             * does, so a lane reproduces the scalar trial exactly. */
            tbx = sig * vec_normal(&vs, r);
            tby = sig * vec_normal(&vs, r);
            tbz = sig * vec_normal(&vs, r);
        }
        LLGS_STEP(llgs_vec, SQRT_VEC, SEL_VEC);
    }
    vec_rng_store(&vs, r);
    *pmx = mx;
    *pmy = my;
    *pmz = mz;
}

long cospin_mtj_trials(const struct cospin_mtj_derived *d, double i_a, double width_s,
                       double relax_s, uint64_t seed, uint64_t first_trial, long n,
                       unsigned char *switched)
{
    long total = 0;
    long n1 = steps_of(width_s, d->dt_s), n2 = steps_of(relax_s, d->dt_s);
    for (long base = 0; base < n; base += LLGS_LANES) {
        struct cospin_rng r[LLGS_LANES];
        llgs_vec mx, my, mz;
        for (int l = 0; l < LLGS_LANES; l++) {
            double m[3];
            cospin_rng_seed(&r[l], seed, first_trial + (uint64_t)(base + l));
            cospin_mtj_init_state(d, &r[l], m);
            mx[l] = m[0];
            my[l] = m[1];
            mz[l] = m[2];
        }
        run_lanes(d, &mx, &my, &mz, r, n1, i_a);
        run_lanes(d, &mx, &my, &mz, r, n2, 0.0);
        for (int l = 0; l < LLGS_LANES && base + l < n; l++) {
            int s = mz[l] > 0.0;
            total += s;
            if (switched)
                switched[base + l] = (unsigned char)s;
        }
    }
    return total;
}
