/*
 * check_fokker_planck.c -- the Fokker-Planck engine for P_sw: the
 * stationary density at zero current against the Boltzmann distribution,
 * the thermally activated escape rate against the Neel-Brown high-barrier
 * formula and the exact mean first-passage time, P_sw against the LLGS
 * Monte Carlo over a width x Ku x current grid and the conventions, grid
 * convergence, the initial state, batching, and every refusal.
 */
#include <string.h>

#include "check_util.h"
#include "error.h"
#include "fokker_planck.h"
#include "llgs.h"

#define PI 3.14159265358979323846
#define T_K 300.0

static double kt_j(void)
{
    return COSPIN_KB_J_PER_K * T_K;
}

/* Thesis defaults with the given demag convention; beta > 0 sets Ku so that
 * E_B = beta kB T (the demag factors are those check_demag pins). */
static struct cospin_mtj_params device(enum cospin_demag demag, double beta)
{
    struct cospin_mtj_params p;
    cospin_mtj_params_default(&p);
    p.demag = demag;
    if (beta > 0.0) {
        double v = p.length_m * p.width_m * p.thickness_m;
        double ms = p.mu0_ms_t / COSPIN_MU0_T_M_PER_A;
        double dn = demag == COSPIN_DEMAG_PRISM ? 0.8234160950 - 0.0882919525 : 1.0;
        p.ku_j_per_m3 = beta * kt_j() / v + 0.5 * COSPIN_MU0_T_M_PER_A * ms * ms * dn;
    }
    return p;
}

static struct cospin_fp *new_fp(const struct cospin_mtj_params *p, const struct cospin_fp_opts *o)
{
    struct cospin_fp *fp = NULL;
    struct cospin_error err = {0};
    int rc = cospin_fp_new(p, o, &fp, &err);
    ck_assert_msg(rc == COSPIN_OK, "cospin_fp_new: %s", err.msg);
    return fp;
}

static double mass_sum(const double *m, size_t n)
{
    double s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += m[k];
    return s;
}

/* ---- (a) zero current: the Boltzmann distribution ------------------------------ */

/*
 * Total-variation distance between cell masses m and the Boltzmann
 * distribution exp(beta z^2) integrated over each cell (Simpson, 64
 * intervals per cell: exact to ~1e-12 here).
 */
static double tv_to_boltzmann(const struct cospin_fp *fp, const double *m, double beta)
{
    size_t n = cospin_fp_cells(fp);
    double *f = malloc((n + 1) * sizeof *f), *e = malloc(n * sizeof *e);
    ck_assert(f && e);
    cospin_fp_faces(fp, f);
    double z = 0.0;
    for (size_t k = 0; k < n; k++) {
        const int ns = 64;
        double s = 0.0;
        for (int i = 0; i <= ns; i++) {
            double x = f[k] + (f[k + 1] - f[k]) * i / ns;
            s += ((i == 0 || i == ns) ? 1.0 : (i % 2 ? 4.0 : 2.0)) * exp(beta * (x * x - 1.0));
        }
        e[k] = s * (f[k + 1] - f[k]) / (3.0 * ns);
        z += e[k];
    }
    double tv = 0.0;
    for (size_t k = 0; k < n; k++)
        tv += fabs(m[k] - e[k] / z);
    free(f);
    free(e);
    return tv;
}

/* Start in the m_z < 0 well, evolve 1e4 s at zero current (steps up to
 * 10 s: the slowest relaxation, 1/lambda_1 ~ 1 ms at beta = 9, is passed
 * 1e7 times; the implicit steps converge to the discrete stationary state),
 * return the TV distance to Boltzmann at beta_eff. */
static double stationary_tv(const struct cospin_mtj_params *p, int cells, double beta_eff,
                            double beta_other, double *tv_other)
{
    struct cospin_fp_opts o;
    cospin_fp_opts_default(&o);
    o.cells = cells;
    o.step_s = 10.0;
    struct cospin_fp *fp = new_fp(p, &o);
    size_t n = cospin_fp_cells(fp);
    double *m = malloc(n * sizeof *m);
    ck_assert(m != NULL);
    cospin_fp_initial_mass(fp, m);
    ck_assert_close(mass_sum(m, n), 1.0, 1e-14);
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_fp_evolve(fp, 0.0, 1e4, m, &err), COSPIN_OK);
    /* Mass: each step adds positive terms only (see factor in
     * fokker_planck.c), so the drift is a few n eps per step: < 1e-10
     * after ~1600 steps. */
    ck_assert_close(mass_sum(m, n), 1.0, 1e-10);
    double tv = tv_to_boltzmann(fp, m, beta_eff);
    if (tv_other)
        *tv_other = tv_to_boltzmann(fp, m, beta_other);
    free(m);
    cospin_fp_free(fp);
    return tv;
}

/*
 * The stationary density is exp(-E/kT) with E = -E_B m_z^2 (prism demag,
 * beta = E_B/kT = 9).  The discrete stationary state is exact at the cell
 * centres (Scharfetter-Gummel fluxes), so the distance to the exact cell
 * integrals is the midpoint rule's, O((pi/n)^2): measured 6.3e-4 at 128
 * cells; bound 1.5e-3, and halving the cells must divide it by 3.5-4.5
 * (second order).  Power: Boltzmann at 1.1 beta is > 10x the bound away.
 * The thesis thermal convention (variance / (1 + alpha^2), alpha = 0.5)
 * and a thermal scale of 0.8 must give Boltzmann at the noise's own
 * temperature: beta (1 + alpha^2) and beta / 0.64.
 */
START_TEST(test_stationary_boltzmann)
{
    const double beta = 9.0;
    struct cospin_mtj_params p = device(COSPIN_DEMAG_PRISM, beta);
    double tv_off;
    double tv128 = stationary_tv(&p, 128, beta, 1.1 * beta, &tv_off);
    double tv256 = stationary_tv(&p, 256, beta, beta, NULL);
    ck_assert_msg(tv128 < 1.5e-3, "TV %g", tv128);
    ck_assert_msg(tv128 / tv256 > 3.5 && tv128 / tv256 < 4.5, "TV %g -> %g: not second order",
                  tv128, tv256);
    ck_assert_msg(tv_off > 10.0 * 1.5e-3, "TV to the wrong beta only %g", tv_off);

    struct cospin_mtj_params t = p;
    t.thermal = COSPIN_THERMAL_THESIS;
    t.alpha = 0.5;
    ck_assert_msg(stationary_tv(&t, 128, beta * 1.25, beta, &tv_off) < 1.5e-3, "thesis convention");
    ck_assert_msg(tv_off > 1.5e-2, "thesis convention indistinguishable (%g)", tv_off);
    struct cospin_mtj_params s = p;
    s.thermal_scale = 0.8;
    ck_assert_msg(stationary_tv(&s, 128, beta / 0.64, beta, &tv_off) < 1.5e-3, "thermal scale");
    ck_assert_msg(tv_off > 1.5e-2, "thermal scale indistinguishable (%g)", tv_off);
}
END_TEST

/* Mass stays 1 through a strong pulse (2 I_c, drift-dominated, the density
 * crosses the whole interval) and a relaxation; no cell goes negative
 * beyond rounding. */
START_TEST(test_mass_conservation_driven)
{
    struct cospin_mtj_params p = device(COSPIN_DEMAG_PRISM, 0.0);
    struct cospin_fp *fp = new_fp(&p, NULL);
    size_t n = cospin_fp_cells(fp);
    double *m = malloc(n * sizeof *m);
    ck_assert(m != NULL);
    cospin_fp_initial_mass(fp, m);
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_fp_evolve(fp, 2.0 * cospin_mtj_icrit_a(&p), 30e-9, m, &err), 0);
    ck_assert_close(mass_sum(m, n), 1.0, 1e-12);
    ck_assert(cospin_fp_mass_above(fp, m) > 0.99);
    ck_assert_int_eq(cospin_fp_evolve(fp, 0.0, 10e-9, m, &err), 0);
    ck_assert_close(mass_sum(m, n), 1.0, 1e-12);
    for (size_t k = 0; k < n; k++)
        ck_assert_msg(m[k] > -1e-15, "cell %zu: mass %g", k, m[k]);
    free(m);
    cospin_fp_free(fp);
}
END_TEST

/* The diffusion constant: D = gamma alpha kB T / ((1 + alpha^2) Ms V) =
 * 1/(2 tau_N) (Brown), / (1 + alpha^2) for the thesis convention, times
 * thermal_scale^2.  1e-12: a few roundings. */
START_TEST(test_diffusion_constant)
{
    struct cospin_mtj_params p = device(COSPIN_DEMAG_PRISM, 0.0);
    double ms_v = p.mu0_ms_t / COSPIN_MU0_T_M_PER_A * p.length_m * p.width_m * p.thickness_m;
    double a = p.alpha;
    double brown = p.gamma_rad_per_s_t * a * kt_j() / ((1.0 + a * a) * ms_v);
    struct cospin_fp *fp = new_fp(&p, NULL);
    ck_assert_rel(cospin_fp_diffusion_per_s(fp), brown, 1e-12);
    cospin_fp_free(fp);
    p.thermal = COSPIN_THERMAL_THESIS;
    p.thermal_scale = 0.5;
    fp = new_fp(&p, NULL);
    ck_assert_rel(cospin_fp_diffusion_per_s(fp), brown * 0.25 / (1.0 + a * a), 1e-12);
    cospin_fp_free(fp);
}
END_TEST

/* ---- (b) the Neel-Brown limit ----------------------------------------------------- */

/*
 * Exact rate of the reduced problem at zero current (Phi = -sigma z^2,
 * diffusion D (1 - z^2)): the slowest decay rate lambda_1 of the population
 * difference is the lowest eigenvalue of the odd sector, i.e. of the half
 * problem on [-1, 0] absorbing at the barrier top, and equals
 * 1/T(-1 -> 0) up to terms exponentially small in sigma, with the mean
 * first-passage time
 *   T = int_{-1}^{0} dy e^{-sigma y^2} / (D (1 - y^2)) int_{-1}^{y} e^{sigma x^2} dx.
 * Composite rules on 2e5 intervals (Simpson inside, trapezoid outside;
 * relative error < 1e-8), exponentials scaled by e^{-sigma}.
 */
static double exact_rate(double sigma, double d_per_s)
{
    const int n = 200000;
    double h = 1.0 / n, inner = 0.0, t = 0.0;
    double fprev = 1.0 / (2.0 * d_per_s); /* the integrand's limit at y = -1 */
    for (int i = 1; i <= n; i++) {
        double y = -1.0 + i * h, ya = y - h, ym = y - 0.5 * h;
        inner += h / 6.0 *
                 (exp(sigma * (ya * ya - 1.0)) + 4.0 * exp(sigma * (ym * ym - 1.0)) +
                  exp(sigma * (y * y - 1.0)));
        double f = exp(sigma * (1.0 - y * y)) * inner / (d_per_s * (1.0 - y * y));
        t += 0.5 * h * (fprev + f);
        fprev = f;
    }
    return 1.0 / t;
}

/*
 * Escape rate at zero current, barrier sigma = E_B/kT = 10, 15, 20 (thin
 * film, Ku set).  Starting from the Boltzmann density of the left well,
 * P_L - P_R = 1 - 2 P(m_z > 0) decays as exp(-lambda_1 t) once the wells
 * have equilibrated (~ tau_N / sigma, 1e-6 of the times used), lambda_1 =
 * 2 r with r the escape rate of one well.  Checks:
 *  - against the exact rate of the 1D problem (exact_rate): the FP's
 *    discretisation error, measured 6e-4 to 9e-4 at 128 cells: bound 2e-3;
 *  - against Brown's high-barrier formula (W. F. Brown, Phys. Rev. 130,
 *    1677 (1963), uniaxial anisotropy):
 *      lambda_B = (2 / tau_N) sigma^(3/2) e^(-sigma) / sqrt(pi),
 *      tau_N = 1 / (2 D) = (1 + alpha^2) Ms V / (2 gamma alpha kB T),
 *    an asymptotic series in 1/sigma: expanding the Kramers
 *    flux-over-population integrals one order further gives the factor
 *    (1 + 1/(2 sigma))^-2 = 1 - 1/sigma + O(sigma^-2).  So |lambda/lambda_B - 1|
 *    <= 1.5/sigma (leading order: -11 %, -7 %, -5 % measured), and with the
 *    correction |lambda / (lambda_B (1 - 1/sigma)) - 1| <= 1.5/sigma^2
 *    (measured 1.1/sigma^2, 0.9/sigma^2, 0.6/sigma^2).
 * The time step error is negligible: steps <= 0.02/lambda_B, TR-BDF2's
 * error in the decay rate is O((lambda tau)^2) ~ 1e-4.
 */
START_TEST(test_neel_brown)
{
    for (double sigma = 10.0; sigma <= 20.0; sigma += 5.0) {
        struct cospin_mtj_params p = device(COSPIN_DEMAG_THIN_FILM, sigma);
        struct cospin_fp *fp = new_fp(&p, NULL);
        double d = cospin_fp_diffusion_per_s(fp);
        double lam_b = 2.0 * d * 2.0 * pow(sigma, 1.5) * exp(-sigma) / sqrt(PI);
        cospin_fp_free(fp);
        struct cospin_fp_opts o;
        cospin_fp_opts_default(&o);
        o.step_s = 0.02 / lam_b;
        fp = new_fp(&p, &o);
        size_t n = cospin_fp_cells(fp);
        double *m = malloc(n * sizeof *m);
        ck_assert(m != NULL);
        cospin_fp_initial_mass(fp, m);
        struct cospin_error err = {0};
        double t1 = 0.3 / lam_b, t2 = 1.0 / lam_b;
        ck_assert_int_eq(cospin_fp_evolve(fp, 0.0, t1, m, &err), 0);
        double d1 = 1.0 - 2.0 * cospin_fp_mass_above(fp, m);
        ck_assert_int_eq(cospin_fp_evolve(fp, 0.0, t2 - t1, m, &err), 0);
        double d2 = 1.0 - 2.0 * cospin_fp_mass_above(fp, m);
        double lam = log(d1 / d2) / (t2 - t1);
        ck_assert_rel(lam, exact_rate(sigma, d), 2e-3);
        ck_assert_msg(fabs(lam / lam_b - 1.0) <= 1.5 / sigma, "sigma %g: lambda/lambda_B = %g",
                      sigma, lam / lam_b);
        ck_assert_msg(fabs(lam / (lam_b * (1.0 - 1.0 / sigma)) - 1.0) <= 1.5 / (sigma * sigma),
                      "sigma %g: lambda / corrected Brown = %g", sigma,
                      lam / (lam_b * (1.0 - 1.0 / sigma)));
        free(m);
        cospin_fp_free(fp);
    }
}
END_TEST

/* ---- (c) against the LLGS Monte Carlo --------------------------------------------- */

/* The current at which the FP gives P_sw = target (bisection; P_sw rises
 * with the current for every convention used here). */
static double current_for(const struct cospin_mtj_params *p, double width_s, double relax_s,
                          double target)
{
    struct cospin_fp *fp = new_fp(p, NULL);
    struct cospin_error err = {0};
    double lo = 0.0, hi = 4.0 * cospin_mtj_icrit_a(p);
    for (int it = 0; it < 40; it++) {
        double mid = 0.5 * (lo + hi), ps;
        ck_assert_int_eq(cospin_fp_curve(fp, &mid, 1, width_s, relax_s, &ps, &err), 0);
        if (ps < target)
            lo = mid;
        else
            hi = mid;
    }
    cospin_fp_free(fp);
    return 0.5 * (lo + hi);
}

/* One point: FP P_sw against N Monte Carlo trials (seed). */
static void compare_point(const char *what, const struct cospin_mtj_params *p, double width_s,
                            double target, long trials, uint64_t seed)
{
    const double relax_s = 5e-9;
    double i_a = current_for(p, width_s, relax_s, target);
    double pfp;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_fp_psw(p, NULL, i_a, width_s, relax_s, &pfp, &err), 0);
    struct cospin_mtj_derived d;
    char msg[256];
    ck_assert_msg(cospin_mtj_derive(p, &d, msg, sizeof msg) == 0, "%s", msg);
    long k = cospin_mtj_trials(&d, i_a, width_s, relax_s, seed, 0, trials, NULL);
    double pmc = (double)k / (double)trials;
    double sd = sqrt(pfp * (1.0 - pfp) / (double)trials);
    double z = (pmc - pfp) / sd;
    ck_assert_msg(fabs(z) <= 3.0, "%s, %g ns, %.3f uA: P_FP %.4f, P_MC %.4f (%ld trials): %.2f sigma",
                  what, width_s * 1e9, i_a * 1e6, pfp, pmc, trials, z);
}

/*
 * P_sw from the FP against cospin_mtj_trials, 8000 trials per point,
 * relaxation 5 ns:
 *  - grid: thin film (its RK4 error at 5 ps is negligible: w dt = 0.15),
 *    widths 5 and 20 ns x Ku 1.1e6 and 1.21e6 J/m^3 (7.5 and 15.3 kBT) x
 *    the currents where the FP gives 0.3 and 0.7 (so every point is in the
 *    steep, sensitive part of the curve): 8 points;
 *  - conventions, 5 ns, P_FP = 0.5: Slonczewski tunnel efficiency;
 *    spin-valve efficiency; thermal scale 0.7; applied field +20 mT along z;
 *    the tilted initial state (0.3 rad); two at dt = 1 ps: the thesis thermal
 *    convention with alpha = 0.5 (at 5 ps the LLGS's weak error, which grows
 *    with the diffusion D ~ alpha, biases its P_sw by -0.011 here: measured
 *    -0.011, -0.007, -0.000 +- 0.003 at 5, 2.5, 1 ps) and the prism device
 *    (at 5 ps its RK4 adds 2 % numerical damping, shifting the threshold by
 *    that much): 7 points.
 * Each point passes if |P_MC - P_FP| <= 3 sd, sd = sqrt(P_FP (1 - P_FP) / N)
 * (<= 0.0056; the FP is converged to ~1e-3, a fifth of that).  With the FP
 * right, each point fails with probability 0.27 % (normal approximation,
 * N P (1-P) >= 1680), so for a random seed the whole test fails falsely
 * with probability <= 15 x 0.27 % = 4 % (Bonferroni); the seeds are fixed,
 * so the outcome is reproducible.  A wrong drift or diffusion shows up as
 * many sigma: at the same current, dropping the 1/(1+alpha^2) of the thesis
 * convention moves the FP's P_sw from 0.50 to 0.74 (43 sd), thermal scale 1
 * instead of 0.7 to 0.60 (19 sd), the tunnel instead of the spin-valve
 * efficiency to 0.58 (14 sd).  Cost: 5.6e4 LLGS steps x 8000 trials
 * = 4.5e8 trial-steps, ~15 s.
 */
START_TEST(test_against_monte_carlo)
{
    const long n = 8000;
    uint64_t seed = 100;
    static const double widths[2] = {5e-9, 20e-9}, kus[2] = {1.1e6, 1.21e6};
    static const double targets[2] = {0.3, 0.7};
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < 2; k++)
            for (int t = 0; t < 2; t++) {
                struct cospin_mtj_params p = device(COSPIN_DEMAG_THIN_FILM, 0.0);
                p.ku_j_per_m3 = kus[k];
                compare_point("grid", &p, widths[w], targets[t], n, seed++);
            }
    struct cospin_mtj_params p = device(COSPIN_DEMAG_THIN_FILM, 0.0);
    p.stt = COSPIN_STT_SLONCZEWSKI;
    compare_point("slonczewski", &p, 5e-9, 0.5, n, seed++);
    p.stt = COSPIN_STT_SPIN_VALVE;
    compare_point("spin valve", &p, 5e-9, 0.5, n, seed++);
    p = device(COSPIN_DEMAG_THIN_FILM, 0.0);
    p.thermal_scale = 0.7;
    compare_point("thermal scale 0.7", &p, 5e-9, 0.5, n, seed++);
    p = device(COSPIN_DEMAG_THIN_FILM, 0.0);
    p.thermal = COSPIN_THERMAL_THESIS;
    p.alpha = 0.5;
    p.dt_s = 1e-12;
    compare_point("thesis thermal, alpha 0.5, dt 1 ps", &p, 5e-9, 0.5, n, seed++);
    p = device(COSPIN_DEMAG_THIN_FILM, 0.0);
    p.h_applied_t[2] = 0.02;
    compare_point("hz 20 mT", &p, 5e-9, 0.5, n, seed++);
    p = device(COSPIN_DEMAG_THIN_FILM, 0.0);
    p.init = COSPIN_INIT_TILT;
    p.init_tilt_rad = 0.3;
    compare_point("tilted start", &p, 5e-9, 0.5, n, seed++);
    p = device(COSPIN_DEMAG_PRISM, 0.0);
    p.dt_s = 1e-12;
    compare_point("prism, dt 1 ps", &p, 5e-9, 0.5, n, seed++);
}
END_TEST

/* ---- (d) grid convergence ----------------------------------------------------------- */

/* P_sw of currents cur[0..nc) with the default discretisation refined by
 * factor: cells x factor, every step parameter / factor. */
static void curve_refined(const struct cospin_mtj_params *p, double factor, const double *cur,
                          int nc, double width_s, double *ps)
{
    struct cospin_fp_opts o;
    cospin_fp_opts_default(&o);
    o.cells = (int)(o.cells * factor);
    o.step_s /= factor;
    o.first_step_s /= factor;
    o.step_growth /= factor;
    struct cospin_fp *fp = new_fp(p, &o);
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_fp_curve(fp, cur, (size_t)nc, width_s, 10e-9, ps, &err), 0);
    cospin_fp_free(fp);
}

/*
 * Halving the cells and every time-step parameter changes P_sw by less
 * than 1e-3 (measured: 2.2e-4 prism 30 ns, 2.3e-4 thin film 5 ns), and the
 * method is second order: the next halving changes it 3-5.5 times less
 * (4 in the asymptotic regime).
 */
START_TEST(test_convergence)
{
    for (int c = 0; c < 2; c++) {
        struct cospin_mtj_params p = device(c == 0 ? COSPIN_DEMAG_PRISM : COSPIN_DEMAG_THIN_FILM, 0.0);
        double width = c == 0 ? 30e-9 : 5e-9, base = c == 0 ? 13e-6 : 6e-6;
        enum { NC = 7 };
        double cur[NC], p1[NC], p2[NC], p4[NC];
        for (int j = 0; j < NC; j++)
            cur[j] = base * (0.7 + 0.1 * j);
        curve_refined(&p, 1.0, cur, NC, width, p1);
        curve_refined(&p, 2.0, cur, NC, width, p2);
        curve_refined(&p, 4.0, cur, NC, width, p4);
        double d12 = 0.0, d24 = 0.0;
        for (int j = 0; j < NC; j++) {
            d12 = fmax(d12, fabs(p1[j] - p2[j]));
            d24 = fmax(d24, fabs(p2[j] - p4[j]));
        }
        ck_assert_msg(p1[0] < 0.3 && p1[NC - 1] > 0.45, "case %d: P %g .. %g not in the steep part",
                      c, p1[0], p1[NC - 1]);
        ck_assert_msg(d12 < 1e-3, "case %d: halving changes P_sw by %g", c, d12);
        ck_assert_msg(d12 / d24 > 3.0 && d12 / d24 < 5.5, "case %d: changes %g, %g", c, d12, d24);
    }
}
END_TEST

/* ---- initial state, curves ------------------------------------------------------------ */

/*
 * The initial masses are what cospin_mtj_init_state samples: all in
 * m_z < 0, <m_z^2> equal to the sampler's over 20000 draws within 4 SE
 * (beta = 5, prism); the tilted start keeps the mean m_z = -cos(tilt)
 * (linear sharing between the two nearest cell centres).
 */
START_TEST(test_initial_state)
{
    struct cospin_mtj_params p = device(COSPIN_DEMAG_PRISM, 5.0);
    struct cospin_fp *fp = new_fp(&p, NULL);
    size_t n = cospin_fp_cells(fp);
    double *m = malloc(n * sizeof *m);
    ck_assert(m != NULL);
    cospin_fp_initial_mass(fp, m);
    ck_assert_close(mass_sum(m, n), 1.0, 1e-14);
    ck_assert_close(cospin_fp_mass_above(fp, m), 0.0, 0.0);
    double fp_mz2 = 0.0;
    for (size_t k = 0; k < n; k++) {
        double z = -cos(PI * ((double)k + 0.5) / (double)n);
        fp_mz2 += m[k] * z * z;
    }
    struct cospin_mtj_derived d;
    ck_assert_int_eq(cospin_mtj_derive(&p, &d, NULL, 0), 0);
    struct cospin_rng r;
    cospin_rng_seed(&r, 11, 0);
    const int ns = 20000;
    double s = 0.0, s2 = 0.0;
    for (int i = 0; i < ns; i++) {
        double v[3];
        cospin_mtj_init_state(&d, &r, v);
        s += v[2] * v[2];
        s2 += v[2] * v[2] * v[2] * v[2];
    }
    double mean = s / ns, sd = sqrt(s2 / ns - mean * mean);
    ck_assert_close(fp_mz2, mean, 4.0 * sd / sqrt((double)ns));
    cospin_fp_free(fp);

    p.init = COSPIN_INIT_TILT;
    p.init_tilt_rad = 0.3;
    fp = new_fp(&p, NULL);
    cospin_fp_initial_mass(fp, m);
    double mz = 0.0;
    for (size_t k = 0; k < n; k++)
        mz += m[k] * -cos(PI * ((double)k + 0.5) / (double)n);
    ck_assert_close(mz, -cos(0.3), 1e-14);
    ck_assert_close(mass_sum(m, n), 1.0, 1e-15);
    free(m);
    cospin_fp_free(fp);
}
END_TEST

/*
 * Curves: 37 currents (three batches of 16 lanes, the last partly filled)
 * give bit for bit what 37 single-point calls give (every lane computes
 * the same operations); P_sw rises with the current; no pulse and no
 * relaxation leaves P_sw = 0; a workspace can be reused.
 */
START_TEST(test_curve_batches)
{
    struct cospin_mtj_params p = device(COSPIN_DEMAG_PRISM, 0.0);
    enum { NC = 37 };
    double cur[NC], ps[NC];
    for (int j = 0; j < NC; j++)
        cur[j] = (5.0 + 0.5 * j) * 1e-6;
    struct cospin_fp *fp = new_fp(&p, NULL);
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_fp_curve(fp, cur, NC, 30e-9, 10e-9, ps, &err), 0);
    for (int j = 0; j < NC; j++) {
        double one;
        ck_assert_int_eq(cospin_fp_psw(&p, NULL, cur[j], 30e-9, 10e-9, &one, &err), 0);
        ck_assert_msg(one == ps[j], "current %d: curve %.17g, single %.17g", j, ps[j], one);
        if (j > 0)
            ck_assert_msg(ps[j] > ps[j - 1], "P_sw falls at %g A", cur[j]);
    }
    ck_assert(ps[0] < 0.01 && ps[NC - 1] > 0.99);
    double again[NC];
    ck_assert_int_eq(cospin_fp_curve(fp, cur, NC, 30e-9, 10e-9, again, &err), 0);
    ck_assert_int_eq(memcmp(again, ps, sizeof ps), 0);
    double zero = 20e-6, pz;
    ck_assert_int_eq(cospin_fp_curve(fp, &zero, 1, 0.0, 0.0, &pz, &err), 0);
    ck_assert_close(pz, 0.0, 0.0);
    cospin_fp_free(fp);
}
END_TEST

/* ---- errors --------------------------------------------------------------------------- */

static void set_rect(struct cospin_mtj_params *p) { p->length_m = 20e-9; }
static void set_sot(struct cospin_mtj_params *p) { p->torque = COSPIN_TORQUE_SOT; }
static void set_hx(struct cospin_mtj_params *p) { p->h_applied_t[0] = 0.01; }
static void set_cold(struct cospin_mtj_params *p) { p->temperature_k = 0.0; }
static void set_noiseless(struct cospin_mtj_params *p) { p->thermal_scale = 0.0; }
static void set_alpha(struct cospin_mtj_params *p) { p->alpha = -1.0; }

/* Every refusal of the 1D reduction names the reason and the Monte Carlo
 * engine; invalid parameters carry the LLGS's message. */
START_TEST(test_refusals)
{
    static const struct {
        void (*set)(struct cospin_mtj_params *p);
        const char *what;
    } cases[] = {
        {set_rect, "axially symmetric"}, {set_sot, "spin-orbit"},
        {set_hx, "in-plane"},            {set_cold, "thermal field"},
        {set_noiseless, "thermal field"}, {set_alpha, "device: alpha"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cospin_mtj_params p = device(COSPIN_DEMAG_PRISM, 0.0);
        cases[i].set(&p);
        struct cospin_fp *fp = NULL;
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_fp_new(&p, NULL, &fp, &err), COSPIN_ERR_INVALID);
        ck_assert_ptr_null(fp);
        ck_assert_msg(strstr(err.msg, cases[i].what) != NULL, "case %zu: '%s'", i, err.msg);
        if (i < 5)
            ck_assert_msg(strstr(err.msg, "Monte Carlo") != NULL, "case %zu: '%s'", i, err.msg);
        double ps;
        cospin_error_clear(&err);
        ck_assert_int_eq(cospin_fp_psw(&p, NULL, 1e-5, 1e-8, 1e-8, &ps, &err), COSPIN_ERR_INVALID);
    }
    /* A non-square thin film has Nx = Ny = 0: accepted.  The tolerance is a
     * parameter: a loose one accepts the 20 x 15 nm prism. */
    struct cospin_mtj_params p = device(COSPIN_DEMAG_THIN_FILM, 0.0);
    set_rect(&p);
    cospin_fp_free(new_fp(&p, NULL));
    p.demag = COSPIN_DEMAG_PRISM;
    struct cospin_fp_opts o;
    cospin_fp_opts_default(&o);
    o.symmetry_tol = 0.5;
    cospin_fp_free(new_fp(&p, &o));
}
END_TEST

START_TEST(test_bad_options_and_arguments)
{
    struct cospin_mtj_params p = device(COSPIN_DEMAG_PRISM, 0.0);
    static const struct {
        int cells;
        double step_s, first_s, growth, tol;
        const char *what;
    } cases[] = {
        {15, 1e-9, 5e-11, 0.125, 1e-9, "cells"},      {8, 1e-9, 5e-11, 0.125, 1e-9, "cells"},
        {2000002, 1e-9, 5e-11, 0.125, 1e-9, "cells"}, {128, 0.0, 5e-11, 0.125, 1e-9, "time step"},
        {128, INFINITY, 5e-11, 0.125, 1e-9, "time step"},
        {128, 1e-9, 2e-9, 0.125, 1e-9, "first step"}, {128, 1e-9, 0.0, 0.125, 1e-9, "first step"},
        {128, 1e-9, 5e-11, 0.0, 1e-9, "growth"},      {128, 1e-9, 5e-11, NAN, 1e-9, "growth"},
        {128, 1e-9, 5e-11, 0.125, -1.0, "symmetry"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cospin_fp_opts o = {cases[i].cells, cases[i].step_s, cases[i].first_s,
                                   cases[i].growth, cases[i].tol};
        struct cospin_fp *fp = NULL;
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_fp_new(&p, &o, &fp, &err), COSPIN_ERR_INVALID);
        ck_assert_ptr_null(fp);
        ck_assert_msg(strstr(err.msg, cases[i].what) != NULL, "case %zu: '%s'", i, err.msg);
    }
    struct cospin_fp_opts o128;
    cospin_fp_opts_default(&o128);
    o128.cells = 128;
    struct cospin_fp *fp = new_fp(&p, &o128);
    double cur = 1e-5, bad = INFINITY, ps = -1.0;
    double m[128];
    cospin_fp_initial_mass(fp, m);
    struct {
        int rc;
        const char *what;
    } r[6];
    struct cospin_error e[6];
    memset(e, 0, sizeof e);
    r[0].rc = cospin_fp_curve(fp, &cur, 1, -1e-9, 1e-9, &ps, &e[0]);
    r[0].what = "pulse width";
    r[1].rc = cospin_fp_curve(fp, &cur, 1, 1e-9, NAN, &ps, &e[1]);
    r[1].what = "relaxation";
    r[2].rc = cospin_fp_curve(fp, &bad, 1, 1e-9, 1e-9, &ps, &e[2]);
    r[2].what = "current";
    r[3].rc = cospin_fp_evolve(fp, cur, -1.0, m, &e[3]);
    r[3].what = "duration";
    r[4].rc = cospin_fp_evolve(fp, NAN, 1e-9, m, &e[4]);
    r[4].what = "current";
    r[5].rc = cospin_fp_psw(&p, NULL, cur, INFINITY, 0.0, &ps, &e[5]);
    r[5].what = "pulse width";
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(r[i].rc, COSPIN_ERR_INVALID);
        ck_assert_msg(strstr(e[i].msg, r[i].what) != NULL, "case %d: '%s'", i, e[i].msg);
    }
    ck_assert_close(ps, -1.0, 0.0); /* untouched */
    ck_assert_close(mass_sum(m, 128), 1.0, 1e-14);
    cospin_fp_free(fp);
    cospin_fp_free(NULL);
}
END_TEST

static Suite *suite_fokker_planck(void)
{
    Suite *s = suite_create("fokker_planck");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_stationary_boltzmann);
    tcase_add_test(core, test_mass_conservation_driven);
    tcase_add_test(core, test_diffusion_constant);
    tcase_add_test(core, test_neel_brown);
    tcase_add_test(core, test_convergence);
    tcase_add_test(core, test_initial_state);
    tcase_add_test(core, test_curve_batches);
    suite_add_tcase(s, core);
    TCase *mc = tcase_create("monte_carlo");
    tcase_set_timeout(mc, 300);
    tcase_add_test(mc, test_against_monte_carlo);
    suite_add_tcase(s, mc);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_refusals);
    tcase_add_test(errors, test_bad_options_and_arguments);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_fokker_planck)
