/*
 * fokker_planck.c -- P_sw of an axially symmetric MTJ from the Fokker-Planck
 * equation of m_z (see fokker_planck.h).
 *
 * Reduction (the LLGS of llgs.h, Landau-Lifshitz form, gl = gamma/(1+alpha^2)):
 *
 *   dm/dt = -gl [ m x (B + h - alpha a eta sigma) + alpha m x (m x (B + h))
 *                 + a eta m x (m x sigma) ]
 *
 * with h Brown's thermal field, <h_i(t) h_j(t')> = 2 D_B delta_ij delta(t - t'),
 * 2 D_B = s^2 dt (s the per-step standard deviation of llgs.c, including the
 * thermal convention and thermal_scale).  For Nx = Ny, sigma = z and an
 * applied field along z, B = -mu0 Ms Nx m + (Bk m_z + Bz) z: the part along
 * m exerts no torque, so only B_z = Bk z + Bz matters (z = m_z).
 *  - Drift of z: precession about z (from B and from the field-like
 *    -alpha a eta sigma) leaves z unchanged; (m x (m x v))_z = -(1 - z^2) v_z
 *    for v along z, so the damping and the spin torque give
 *    dz/dt = gl (1 - z^2) (alpha B_z(z) + a eta(z)).
 *  - Noise: m x h and m x (m x h) = -h_perp are orthogonal tangent vectors of
 *    equal length, so the noise of dm/dt is isotropic in the tangent plane
 *    with covariance gl^2 (1 + alpha^2) 2 D_B: Brownian motion on the sphere
 *    with D = gl^2 (1 + alpha^2) D_B = gl gamma D_B (Stratonovich, as the
 *    LLGS integrator: the generator is D times the Laplace-Beltrami
 *    operator, which keeps |m| = 1).  For z, an l = 1 harmonic,
 *    Laplacian(z) = -2 z and |grad z|^2 = 1 - z^2:
 *    dz = [gl (1 - z^2)(alpha B_z + a eta) - 2 D z] dt + sqrt(2 D (1 - z^2)) dW.
 *  - Its Fokker-Planck equation in conservative form: the -2 D z drift is
 *    exactly d/dz of the diffusion coefficient D (1 - z^2), so
 *    J = (1 - z^2) [v rho - D d rho / dz], v = gl (alpha B_z + a eta(z)).
 *  - With Brown's variance D = gl alpha kB T / (Ms V); at a = 0,
 *    v / D = Ms V B_z / (kB T) = -E'(z) / (kB T): the Boltzmann distribution
 *    of E = -Ms V (Bk z^2 / 2 + Bz z) has zero flux.  In general
 *    J = -D (1 - z^2) e^{-Phi} d(e^{Phi} rho)/dz with the potential
 *    Phi(z) = -(1/D) int_0^z v = Phi0(z) + I Phi1(z),
 *    Phi0 = -(gl alpha / D)(Bk z^2 / 2 + Bz z),
 *    Phi1 = -(gl t / D) G(z), G = int_0^z eta = eta0 ln(1 + b z) / b (z eta0 if b = 0).
 *
 * Discretisation: cells uniform in theta (z = -cos theta), unknowns the cell
 * masses M_k.  The flux through the face between cells k and k+1 is the
 * Scharfetter-Gummel flux with Phi linear in psi = atanh z = ln tan(theta/2)
 * between the centres (the variable in which the diffusion part
 * D (1 - z^2) d/dz = D d/dpsi is constant):
 *   F_k = c_k [B(x_k) M_k / h_k - B(-x_k) M_{k+1} / h_{k+1}],
 *   c_k = D / (psi_{k+1} - psi_k),  x_k = Phi_{k+1} - Phi_k,  B(x) = x / (e^x - 1),
 * h_k the cell widths in z.  It vanishes for densities M_k / h_k ~ e^{-Phi_k}
 * whatever the current, and the rates r_k = c_k B(x_k) / h_k (k -> k+1) and
 * l_k = c_k B(-x_k) / h_{k+1} (k+1 -> k) are positive: A is the generator of
 * a nearest-neighbour Markov chain, mass is conserved exactly, and I - c A
 * (c > 0) is a column-diagonally-dominant M-matrix (Thomas without pivoting
 * is stable, its inverse is positive).
 *
 * Time steps: TR-BDF2 with gamma = 2 - sqrt(2) (Bank et al., IEEE Trans. CAD
 * 4, 436 (1985)): a trapezoidal stage to t + gamma tau, then BDF2; both
 * implicit stages use S = I - kappa tau A, kappa = 1 - 1/sqrt(2), so one
 * factorisation per current and step size serves every step.  Second
 * order, L-stable (stiff modes near the poles are damped, not reflected as
 * by Crank-Nicolson), one-step, mass conserving (1^T A = 0).  Step sizes
 * (next_step): first_step_s at the start of a phase, doubling while the step
 * stays below step_growth times the elapsed time, up to step_s.
 *
 * Relaxation phase: P_sw = 1_{z>0}^T R0 M(pulse), R0 the product of the
 * steps at zero current; w = R0^T 1_{z>0} is computed once per curve (the
 * adjoint steps, exactly the transposed discrete operator), and each
 * current costs only its pulse phase and a dot product.
 *
 * Currents: FP_LANES of them advance together (one SIMD lane each), which
 * is what makes a curve cheap; see FP_WIDTH.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fokker_planck.h"

#define FP_PI 3.14159265358979323846

/* TR-BDF2 constants for gamma = 2 - sqrt(2): the implicit stages use
 * I - kappa tau A with kappa = gamma/2 = (1-gamma)/(2-gamma); the BDF2 stage
 * weights are W1 = 1/(gamma (2-gamma)) = (1 + sqrt 2)/2 on the trapezoidal
 * stage and W2 = (1-gamma)^2/(gamma (2-gamma)) = (sqrt 2 - 1)/2 on the old
 * value (see step). */
#define FP_KAPPA 0.29289321881345247560 /* 1 - 1/sqrt(2) */
#define FP_2W1 2.41421356237309504880   /* 2 W1 = 1 + sqrt 2 */
#define FP_W12 1.41421356237309504880   /* W1 + W2 = sqrt 2 */

/* Options' ranges. */
#define FP_MIN_CELLS 16
#define FP_MAX_CELLS 1000000

/* Where the Monte Carlo engine is, for the refusals. */
#define FP_USE_MC "; use the Monte Carlo engine (the standalone LLGS or ngspice)"

/*
 * Currents advanced together: every array of the time step holds FP_LANES
 * doubles per cell (one current each), so the tridiagonal recurrences, each
 * of whose steps depends on the previous one, run FP_LANES independent
 * chains at once instead of one: FP_GROUPS vectors of FP_WIDTH doubles per
 * cell (SIMD within a vector, instruction-level parallelism between the
 * groups; a vector of 8 doubles stays in one AVX-512 register, whereas
 * GCC spills a 16-double vector through the stack on every recurrence step).
 */
#define FP_WIDTH 8
#define FP_GROUPS 2
#define FP_LANES (FP_WIDTH * FP_GROUPS)
typedef double fp_vec __attribute__((vector_size(FP_WIDTH * sizeof(double))));

/* The loops over the groups are unrolled so that the recurrences' carried
 * vectors stay in registers. */
#if defined(__GNUC__)
#define FP_PRAGMA(x) _Pragma(#x)
#define FP_UNROLL FP_PRAGMA(GCC unroll 8)
#else
#define FP_UNROLL
#endif

/* Group g of cell k in a per-lane array. */
#define AT(a, k, g) ((a)[(k) * FP_GROUPS + (g)])

/* Alignment of the per-lane arrays: a whole vector, as the AVX-512 clone's
 * aligned loads need 64 bytes, whereas _Alignof(fp_vec) in a baseline
 * x86-64 translation unit is only 16. */
#define FP_ALIGN (FP_WIDTH * sizeof(double))

/* The kernels are inlined into each target clone of run_phase (below), so
 * that they are compiled for its instruction set. */
#if defined(__GNUC__)
#define FP_INLINE static inline __attribute__((always_inline))
#else
#define FP_INLINE static inline
#endif

struct cospin_fp {
    size_t n;                    /* cells */
    double step_s;               /* largest time step, s */
    double first_step_s;         /* first step of a phase, s */
    double growth;               /* step <= growth * elapsed time (above first_step_s) */
    double dt_llgs_s;            /* LLGS step: phases last whole numbers of it, s */
    double diff_per_s;           /* D, 1/s */
    /* grid and potential (n cells, n - 1 interior faces), owned by the block at h */
    double *h;                   /* cell widths in z */
    double *cond_per_s;          /* c_k = D / (psi_{k+1} - psi_k) */
    double *dphi0;               /* Phi0_{k+1} - Phi0_k */
    double *dphi1_per_a;         /* Phi1_{k+1} - Phi1_k, per ampere */
    double *mass0;               /* initial masses */
    double *w;                   /* scratch: the adjoint of the relaxation */
    double *u;                   /* scratch of the adjoint step */
    /* per-lane scratch, (n + 1) FP_GROUPS vectors each (cell n stays 0), owned by the block at r */
    fp_vec *r;                   /* rate across face k from k to k+1 (0 at k = n-1), 1/s */
    fp_vec *l;                   /* rate across face k from k+1 to k (0 at k = n-1), 1/s */
    fp_vec *inv, *sp, *g;        /* LU of S = I - kappa tau A (see factor) */
    fp_vec *m, *y;               /* masses and stage vector */
};

void cospin_fp_opts_default(struct cospin_fp_opts *o)
{
    o->cells = 128;
    o->step_s = 1e-9;
    o->first_step_s = 50e-12;
    o->step_growth = 0.125;
    o->symmetry_tol = 1e-9;
}

/* ---- set-up ---------------------------------------------------------------------- */

/* Refuse what the 1D reduction cannot represent (d derived from p). */
static int check_reducible(const struct cospin_mtj_params *p, const struct cospin_mtj_derived *d,
                           const struct cospin_fp_opts *o, struct cospin_error *err)
{
    const char *who = "Fokker-Planck engine";
    if (p->torque != COSPIN_TORQUE_STT)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%s: spin-orbit torque polarises along y, off the easy axis, "
                                "so m_z does not evolve on its own" FP_USE_MC, who);
    double dn = fabs(d->n_demag[0] - d->n_demag[1]);
    if (!(dn <= o->symmetry_tol))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%s: the free layer is not axially symmetric: %g m x %g m gives "
                                "Nx = %.6g, Ny = %.6g (|Nx - Ny| = %.3g > %.3g)" FP_USE_MC, who,
                                p->length_m, p->width_m, d->n_demag[0], d->n_demag[1], dn,
                                o->symmetry_tol);
    if (d->b_app_t[0] != 0.0 || d->b_app_t[1] != 0.0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%s: an in-plane applied field (%g T, %g T) breaks the axial "
                                "symmetry" FP_USE_MC, who, d->b_app_t[0], d->b_app_t[1]);
    if (!(d->b_th_sigma_t > 0.0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%s: needs a thermal field (temperature %g K, thermal scale %g): "
                                "without diffusion every trial is deterministic" FP_USE_MC, who,
                                p->temperature_k, p->thermal_scale);
    return COSPIN_OK;
}

static int check_opts(const struct cospin_fp_opts *o, struct cospin_error *err)
{
    if (o->cells < FP_MIN_CELLS || o->cells > FP_MAX_CELLS || o->cells % 2 != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "Fokker-Planck cells = %d must be even and in [%d, %d]", o->cells,
                                FP_MIN_CELLS, FP_MAX_CELLS);
    if (!(o->step_s > 0.0) || !isfinite(o->step_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "Fokker-Planck time step = %g s must be finite and > 0", o->step_s);
    if (!(o->first_step_s > 0.0) || !(o->first_step_s <= o->step_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "Fokker-Planck first step = %g s must be > 0 and <= the largest "
                                "step %g s", o->first_step_s, o->step_s);
    if (!(o->step_growth > 0.0) || !isfinite(o->step_growth))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "Fokker-Planck step growth = %g must be finite and > 0",
                                o->step_growth);
    if (!(o->symmetry_tol >= 0.0) || !isfinite(o->symmetry_tol))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "Fokker-Planck symmetry tolerance = %g must be finite and >= 0",
                                o->symmetry_tol);
    return COSPIN_OK;
}

/* Two allocations: the scalar arrays (block at fp->h) and the aligned
 * per-lane arrays (block at fp->r). */
static struct cospin_fp *alloc_fp(size_t n)
{
    struct cospin_fp *fp = calloc(1, sizeof *fp);
    if (!fp)
        return NULL;
    double *b = calloc(7 * n, sizeof *b);
    size_t nv = 7 * (n + 1) * FP_GROUPS;
    fp_vec *v = aligned_alloc(FP_ALIGN, nv * sizeof *v);
    if (!b || !v) {
        free(b);
        free(v);
        free(fp);
        return NULL;
    }
    memset(v, 0, nv * sizeof *v);
    fp->n = n;
    double **arrays[] = {&fp->h,     &fp->cond_per_s, &fp->dphi0, &fp->dphi1_per_a,
                         &fp->mass0, &fp->w,          &fp->u};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        *arrays[i] = b + i * n;
    fp_vec **vecs[] = {&fp->r, &fp->l, &fp->inv, &fp->sp, &fp->g, &fp->m, &fp->y};
    for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++)
        *vecs[i] = v + i * (n + 1) * FP_GROUPS;
    return fp;
}

/* Centre angle of cell k. */
static double theta_c(size_t k, size_t n)
{
    return FP_PI * ((double)k + 0.5) / (double)n;
}

/*
 * Grid, diffusion and potential from the LLGS constants d (see the top of
 * this file): widths h_k, face conductances c_k, potential steps.
 */
static void build_grid(struct cospin_fp *fp, const struct cospin_mtj_derived *d)
{
    size_t n = fp->n;
    double gl = d->gamma_ll, alpha = d->alpha;
    /* D = gl^2 (1 + alpha^2) D_B, 2 D_B = s^2 dt. */
    double diff = gl * gl * (1.0 + alpha * alpha) * 0.5 * d->b_th_sigma_t * d->b_th_sigma_t * d->dt_s;
    fp->diff_per_s = diff;
    double bk = d->b_an_t - d->b_demag_t[2] + d->b_demag_t[0]; /* Nx = Ny: the radial part drops */
    double bz = d->b_app_t[2];
    double eta0 = d->polarization, b = d->p2;
    double half = sin(0.5 * FP_PI / (double)n);
    double prev_psi = 0.0, prev0 = 0.0, prev1 = 0.0;
    for (size_t k = 0; k < n; k++) {
        double th = theta_c(k, n), z = -cos(th);
        fp->h[k] = 2.0 * sin(th) * half; /* cos(th - pi/2n) - cos(th + pi/2n) */
        double psi = log(tan(0.5 * th));
        double g = b != 0.0 ? eta0 * log1p(b * z) / b : eta0 * z;
        double phi0 = -(gl * alpha / diff) * (0.5 * bk * z * z + bz * z);
        double phi1 = -(gl * d->torque_t_per_a / diff) * g;
        if (k > 0) {
            fp->cond_per_s[k - 1] = diff / (psi - prev_psi);
            fp->dphi0[k - 1] = phi0 - prev0;
            fp->dphi1_per_a[k - 1] = phi1 - prev1;
        }
        prev_psi = psi;
        prev0 = phi0;
        prev1 = phi1;
    }
}

/*
 * Initial masses of cospin_mtj_init_state: the tilted state as a point mass
 * (shared linearly between the two nearest cell centres), or the Boltzmann
 * density exp(beta (z^2 - 1)) = exp(-beta sin^2 theta) on z < 0 (the
 * anisotropy energy at temperature T, beta = E_B / kB T, the applied field
 * ignored, as the sampler does), integrated per cell by 4-point
 * Gauss-Legendre in theta (dz = sin theta dtheta; error far below the
 * discretisation's for cells of pi/n).
 */
static void initial_masses(struct cospin_fp *fp, const struct cospin_mtj_derived *d)
{
    size_t n = fp->n;
    double *m = fp->mass0;
    memset(m, 0, n * sizeof *m);
    if (d->init != COSPIN_INIT_THERMAL || !isfinite(d->beta_eb)) {
        double z0 = -cos(d->init_tilt_rad);
        size_t k = 0;
        while (k + 1 < n && -cos(theta_c(k + 1, n)) <= z0)
            k++;
        double za = -cos(theta_c(k, n));
        if (k + 1 == n || z0 <= za) {
            m[k] = 1.0;
        } else {
            double zb = -cos(theta_c(k + 1, n)), f = (z0 - za) / (zb - za);
            m[k] = 1.0 - f;
            m[k + 1] = f;
        }
        return;
    }
    static const double gx[4] = {-0.86113631159405257522, -0.33998104358485626480,
                                 0.33998104358485626480, 0.86113631159405257522};
    static const double gw[4] = {0.34785484513745385737, 0.65214515486254614263,
                                 0.65214515486254614263, 0.34785484513745385737};
    double dth = FP_PI / (double)n, sum = 0.0;
    for (size_t k = 0; k < n / 2; k++) {
        double acc = 0.0;
        for (int j = 0; j < 4; j++) {
            double th = theta_c(k, n) + 0.5 * dth * gx[j], s = sin(th);
            acc += gw[j] * exp(-d->beta_eb * s * s) * s;
        }
        m[k] = acc;
        sum += acc;
    }
    for (size_t k = 0; k < n / 2; k++)
        m[k] /= sum;
}

int cospin_fp_new(const struct cospin_mtj_params *p, const struct cospin_fp_opts *o,
                  struct cospin_fp **out, struct cospin_error *err)
{
    *out = NULL;
    struct cospin_fp_opts def;
    if (!o) {
        cospin_fp_opts_default(&def);
        o = &def;
    }
    int rc = check_opts(o, err);
    if (rc != COSPIN_OK)
        return rc;
    struct cospin_mtj_derived d;
    char msg[256];
    if (cospin_mtj_derive(p, &d, msg, sizeof msg) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "device: %s", msg);
    if ((rc = check_reducible(p, &d, o, err)) != COSPIN_OK)
        return rc;
    struct cospin_fp *fp = alloc_fp((size_t)o->cells);
    if (!fp)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                "Fokker-Planck workspace of %d cells", o->cells);
    fp->step_s = o->step_s;
    fp->first_step_s = o->first_step_s;
    fp->growth = o->step_growth;
    fp->dt_llgs_s = d.dt_s;
    build_grid(fp, &d);
    initial_masses(fp, &d);
    *out = fp;
    return COSPIN_OK;
}

void cospin_fp_free(struct cospin_fp *fp)
{
    if (!fp)
        return;
    free(fp->h);
    free(fp->r);
    free(fp);
}

/* ---- the operator and the time step ---------------------------------------------- */

/* B(x) = x / (e^x - 1), the Bernoulli function (1 at 0, x e^-x for large x). */
static inline double bernoulli(double x)
{
    if (fabs(x) < 1e-10)
        return 1.0 - 0.5 * x;
    return x / expm1(x);
}

/*
 * Transition rates across every interior face, lane j at write current
 * i_a[j] for j < nl; the spare lanes j >= nl repeat lane nl - 1 (same
 * numbers, no extra exponentials).
 */
static void assemble(struct cospin_fp *fp, const double *i_a, int nl)
{
    size_t n = fp->n;
    for (size_t k = 0; k + 1 < n; k++) {
        double c = fp->cond_per_s[k], hk = fp->h[k], hk1 = fp->h[k + 1];
        double r = 0.0, l = 0.0;
        for (int j = 0; j < FP_LANES; j++) {
            if (j < nl) {
                double x = fp->dphi0[k] + i_a[j] * fp->dphi1_per_a[k];
                double bp = bernoulli(x);
                r = c * bp / hk;
                l = c * (bp + x) / hk1; /* B(-x) = B(x) + x */
            }
            AT(fp->r, k, j / FP_WIDTH)[j % FP_WIDTH] = r;
            AT(fp->l, k, j / FP_WIDTH)[j % FP_WIDTH] = l;
        }
    }
}

/*
 * LU factors of S = I - c A (c = kappa tau, s) in the form the recurrences
 * use: S = L U, L lower bidiagonal with diagonal 1/inv_k and subdiagonal
 * S_{k,k-1} = -c r_{k-1} = sp_k / inv_k, U unit upper bidiagonal with
 * superdiagonal g_k = -c l_k inv_k.  (Column k of A: -(r_k + l_{k-1}) on
 * the diagonal, r_k below it; row k has l_k right of the diagonal.)
 * The pivots d_k = 1 + c (r_k + l_{k-1}) - c^2 r_{k-1} l_{k-1} / d_{k-1}
 * are formed without that subtraction (the Grassmann-Taksar-Heyman idea):
 * with a_k = d_k - c r_k, a_0 = 1 and a_{k+1} = 1 + c l_k a_k / d_k, so
 * every operation adds positive numbers.  Otherwise a step much longer
 * than the slowest relaxation, where S is nearly the singular -c A, loses
 * the conserved mass to cancellation.  The substitutions (step, solve_t)
 * then add positive terms too: S^-1 is a positive matrix applied with
 * relative rounding of a few n eps per entry.
 */
FP_INLINE void factor(struct cospin_fp *fp, double c)
{
    size_t n = fp->n;
    const fp_vec zero = {0};
    fp_vec a[FP_GROUPS];
    FP_UNROLL
    for (int q = 0; q < FP_GROUPS; q++)
        a[q] = zero + 1.0;
    for (size_t k = 0; k < n; k++) {
        FP_UNROLL
        for (int q = 0; q < FP_GROUPS; q++) {
            fp_vec rprev = k > 0 ? AT(fp->r, k - 1, q) : zero;
            fp_vec cl = c * AT(fp->l, k, q);
            fp_vec inv = 1.0 / (a[q] + c * AT(fp->r, k, q));
            AT(fp->inv, k, q) = inv;
            AT(fp->sp, k, q) = (-c * rprev) * inv;
            AT(fp->g, k, q) = -cl * inv;
            a[q] = 1.0 + cl * a[q] * inv;
        }
    }
}

/*
 * One TR-BDF2 step of c / kappa on every lane of fp->m.  With S = I - c A,
 * I + c A = 2 I - S, so the trapezoidal stage S^-1 (I + c A) m is 2 u - m
 * for u = S^-1 m, and the step is
 *   m <- S^-1 (W1 (2 u - m) - W2 m) = S^-1 ((1 + sqrt 2) u - sqrt 2 m):
 * two solves and no product with A.  Four sweeps; each forward sweep fuses
 * its right-hand side with L^-1 (x_k inv_k - sp_k x_{k-1}), each backward
 * sweep applies U^-1 (x_k -= g_k x_{k+1}).
 */
FP_INLINE void step(struct cospin_fp *fp)
{
    size_t n = fp->n;
    fp_vec *m = fp->m, *y = fp->y;
    const fp_vec *inv = fp->inv, *sp = fp->sp, *g = fp->g;
    const fp_vec zero = {0};
    fp_vec prev[FP_GROUPS];
    FP_UNROLL
    for (int q = 0; q < FP_GROUPS; q++)
        prev[q] = zero;
    for (size_t k = 0; k < n; k++) {
        FP_UNROLL
        for (int q = 0; q < FP_GROUPS; q++)
            AT(y, k, q) = prev[q] = AT(m, k, q) * AT(inv, k, q) - AT(sp, k, q) * prev[q];
    }
    for (size_t k = n - 1; k-- > 0;) {
        FP_UNROLL
        for (int q = 0; q < FP_GROUPS; q++)
            AT(y, k, q) = AT(y, k, q) - AT(g, k, q) * AT(y, k + 1, q);
    }
    FP_UNROLL
    for (int q = 0; q < FP_GROUPS; q++)
        prev[q] = zero;
    for (size_t k = 0; k < n; k++) {
        FP_UNROLL
        for (int q = 0; q < FP_GROUPS; q++)
            AT(m, k, q) = prev[q] = (FP_2W1 * AT(y, k, q) - FP_W12 * AT(m, k, q)) * AT(inv, k, q) -
                                    AT(sp, k, q) * prev[q];
    }
    for (size_t k = n - 1; k-- > 0;) {
        FP_UNROLL
        for (int q = 0; q < FP_GROUPS; q++)
            AT(m, k, q) = AT(m, k, q) - AT(g, k, q) * AT(m, k + 1, q);
    }
}

/*
 * Step schedule of a phase of t_s: the step after elapsed time t is the
 * largest first_step 2^j not above max(first_step, growth t), capped by
 * step_s and by what is left of the phase.  Returns the next step (s), or 0
 * when the phase is complete.  Small steps where the density changes fast
 * (the start of a phase, and a deterministic crossing, whose duration scales
 * with the time it takes to begin), large ones through the slow thermally
 * activated escape.
 */
static double next_step(const struct cospin_fp *fp, double t, double t_s)
{
    double left = t_s - t;
    if (!(left > 1e-12 * t_s))
        return 0.0;
    double tau = fp->first_step_s;
    while (2.0 * tau <= fp->growth * t && 2.0 * tau <= fp->step_s)
        tau *= 2.0;
    return left <= tau * (1.0 + 1e-9) ? left : tau;
}

/* The x86-64 clones let one binary use AVX2/AVX-512 where present (as llgs.c). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define FP_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FP_CLONES
#endif

/* Advance every lane of fp->m by t_s at the write currents i_a[0 .. nl-1]
 * (spare lanes: as lane nl - 1). */
FP_CLONES
static void run_phase(struct cospin_fp *fp, const double *i_a, int nl, double t_s)
{
    double t = 0.0, tau_f = 0.0, tau;
    assemble(fp, i_a, nl);
    while ((tau = next_step(fp, t, t_s)) > 0.0) {
        if (tau != tau_f) {
            factor(fp, FP_KAPPA * tau);
            tau_f = tau;
        }
        step(fp);
        t += tau;
    }
}

/* x <- S^-T x on lane 0 (S^T = U^T L^T; S_{k+1,k} = -c r_k). */
static void solve_t(const struct cospin_fp *fp, double c, double *x)
{
    size_t n = fp->n;
    for (size_t k = 1; k < n; k++)
        x[k] -= AT(fp->g, k - 1, 0)[0] * x[k - 1];
    x[n - 1] *= AT(fp->inv, n - 1, 0)[0];
    for (size_t k = n - 1; k-- > 0;)
        x[k] = (x[k] + c * AT(fp->r, k, 0)[0] * x[k + 1]) * AT(fp->inv, k, 0)[0];
}

/*
 * w <- R^T w for the step whose factors (lane 0) are in fp: as in step,
 * R = S^-1 (2 W1 S^-1 - (W1 + W2) I), so R^T w = 2 W1 v - (W1 + W2) u with
 * u = S^-T w, v = S^-T u.
 */
static void adjoint_step(struct cospin_fp *fp, double c)
{
    size_t n = fp->n;
    double *w = fp->w, *v = fp->u;
    solve_t(fp, c, w); /* w = u */
    memcpy(v, w, n * sizeof *v);
    solve_t(fp, c, v);
    for (size_t k = 0; k < n; k++)
        w[k] = FP_2W1 * v[k] - FP_W12 * w[k];
}

/*
 * fp->w = R_1^T R_2^T ... 1_{z>0}, the transposed steps of a relaxation of
 * t_s at zero current: P_sw is w . m for the masses m at its start.  All
 * steps are rational functions of the same A, so they commute and taking
 * the schedule of run_phase in adjoint order gives the forward result.
 */
static void relax_adjoint(struct cospin_fp *fp, double t_s)
{
    size_t n = fp->n;
    for (size_t k = 0; k < n; k++)
        fp->w[k] = k >= n / 2 ? 1.0 : 0.0;
    const double zero = 0.0;
    double t = 0.0, tau_f = 0.0, tau;
    assemble(fp, &zero, 1);
    while ((tau = next_step(fp, t, t_s)) > 0.0) {
        if (tau != tau_f) {
            factor(fp, FP_KAPPA * tau);
            tau_f = tau;
        }
        adjoint_step(fp, FP_KAPPA * tau);
        t += tau;
    }
}

/* ---- public ---------------------------------------------------------------------- */

/* A phase of t_s lasts round(t_s / dt) LLGS steps (cospin_mtj_trial). */
static double llgs_duration_s(const struct cospin_fp *fp, double t_s)
{
    if (!(t_s > 0.0))
        return 0.0;
    return floor(t_s / fp->dt_llgs_s + 0.5) * fp->dt_llgs_s;
}

static int check_duration(const char *what, double t_s, struct cospin_error *err)
{
    if (!(t_s >= 0.0) || !isfinite(t_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "Fokker-Planck %s = %g s must be finite and >= 0", what, t_s);
    return COSPIN_OK;
}

int cospin_fp_curve(struct cospin_fp *fp, const double *currents_a, size_t n, double width_s,
                    double relax_s, double *psw, struct cospin_error *err)
{
    int rc;
    if ((rc = check_duration("pulse width", width_s, err)) != COSPIN_OK ||
        (rc = check_duration("relaxation", relax_s, err)) != COSPIN_OK)
        return rc;
    for (size_t j = 0; j < n; j++)
        if (!isfinite(currents_a[j]))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "Fokker-Planck current %zu = %g A is not finite", j,
                                    currents_a[j]);
    relax_adjoint(fp, llgs_duration_s(fp, relax_s));
    double tw = llgs_duration_s(fp, width_s);
    for (size_t j0 = 0; j0 < n; j0 += FP_LANES) {
        size_t nl = n - j0 < FP_LANES ? n - j0 : FP_LANES;
        for (size_t k = 0; k < fp->n; k++)
            for (int q = 0; q < FP_GROUPS; q++)
                AT(fp->m, k, q) = fp->mass0[k] + (fp_vec){0};
        run_phase(fp, currents_a + j0, (int)nl, tw);
        fp_vec acc[FP_GROUPS] = {{0}};
        for (size_t k = 0; k < fp->n; k++)
            for (int q = 0; q < FP_GROUPS; q++)
                acc[q] += fp->w[k] * AT(fp->m, k, q);
        for (size_t j = 0; j < nl; j++)
            psw[j0 + j] = fmin(1.0, fmax(0.0, acc[j / FP_WIDTH][j % FP_WIDTH]));
    }
    return COSPIN_OK;
}

int cospin_fp_psw(const struct cospin_mtj_params *p, const struct cospin_fp_opts *o, double i_a,
                  double width_s, double relax_s, double *psw, struct cospin_error *err)
{
    struct cospin_fp *fp = NULL;
    int rc = cospin_fp_new(p, o, &fp, err);
    if (rc == COSPIN_OK)
        rc = cospin_fp_curve(fp, &i_a, 1, width_s, relax_s, psw, err);
    cospin_fp_free(fp);
    return rc;
}

size_t cospin_fp_cells(const struct cospin_fp *fp)
{
    return fp->n;
}

void cospin_fp_faces(const struct cospin_fp *fp, double *faces)
{
    for (size_t k = 0; k <= fp->n; k++)
        faces[k] = -cos(FP_PI * (double)k / (double)fp->n);
    faces[fp->n / 2] = 0.0;
}

double cospin_fp_diffusion_per_s(const struct cospin_fp *fp)
{
    return fp->diff_per_s;
}

void cospin_fp_initial_mass(const struct cospin_fp *fp, double *mass)
{
    memcpy(mass, fp->mass0, fp->n * sizeof *mass);
}

int cospin_fp_evolve(struct cospin_fp *fp, double i_a, double duration_s, double *mass,
                     struct cospin_error *err)
{
    int rc = check_duration("duration", duration_s, err);
    if (rc != COSPIN_OK)
        return rc;
    if (!isfinite(i_a))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "Fokker-Planck current = %g A is not finite", i_a);
    for (size_t k = 0; k < fp->n; k++)
        for (int q = 0; q < FP_GROUPS; q++)
            AT(fp->m, k, q) = mass[k] + (fp_vec){0};
    run_phase(fp, &i_a, 1, duration_s);
    for (size_t k = 0; k < fp->n; k++)
        mass[k] = AT(fp->m, k, 0)[0];
    return COSPIN_OK;
}

double cospin_fp_mass_above(const struct cospin_fp *fp, const double *mass)
{
    double s = 0.0;
    for (size_t k = fp->n / 2; k < fp->n; k++)
        s += mass[k];
    return s;
}
