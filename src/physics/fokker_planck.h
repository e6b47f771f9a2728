/*
 * fokker_planck.h -- deterministic switching probability of an axially
 * symmetric STT-MTJ from the Fokker-Planck equation of m_z.
 *
 * For Nx = Ny, spin polarisation and applied field along the easy axis z,
 * the macrospin LLGS of llgs.h with Brown's thermal field is a diffusion of
 * m on the unit sphere whose polar part closes on itself: the density
 * rho(z, t) of z = m_z obeys exactly
 *
 *   d rho/dt = -dJ/dz,   J = (1 - z^2) [ v(z) rho - D d rho/dz ]
 *
 *   v(z) = gl (alpha (Bk z + Bz) + a eta(z))    drift, 1/s
 *   D    = gl gamma sigma_th^2 dt / 2            diffusion, 1/s
 *
 * with gl = gamma / (1 + alpha^2), Bk = 2 Ku/Ms - mu0 Ms (Nz - Nx) (T), Bz the
 * applied field along z (T), a = t I the spin-torque field of the write
 * current I (T; t = hbar / (2 e Ms V) per ampere), eta(z) = eta0 / (1 + b z)
 * the STT efficiency of the convention (llgs.h), and sigma_th the LLGS
 * thermal field's standard deviation per step dt (so D follows the LLGS's
 * thermal convention and thermal_scale).  With Brown's variance D = gl alpha
 * kB T / (Ms V) = 1/(2 tau_N), and at I = 0 the stationary density is the
 * Boltzmann distribution exp(-E(z)/kB T) of E = -(Ms V)(Bk z^2/2 + Bz z).
 * Derivation: doc/model-reference.md, section 6, and the comment at the top
 * of fokker_planck.c.
 *
 * Numerics: conservative finite volumes in z on [-1, 1], cells uniform in
 * the polar angle (fine near the poles, where the wells are), zero flux at
 * z = +-1; Scharfetter-Gummel fluxes (exact for the stationary density of
 * every current); TR-BDF2 time steps (second order, L-stable, one implicit
 * tridiagonal matrix per current and step size), growing geometrically
 * through each phase.  P_sw is the probability mass at m_z > 0 after a
 * rectangular pulse and a relaxation at zero current, starting from the
 * initial state of cospin_mtj_init_state (Boltzmann distribution of the
 * m_z < 0 well at temperature T, or the tilted state): the quantity the
 * Monte Carlo of cospin_mtj_trials estimates.  16 currents advance together
 * (SIMD lanes); the relaxation is computed once per curve, as an adjoint.
 *
 * The workspace allocates once (cospin_fp_new); nothing allocates while
 * stepping.  A workspace is not thread safe; use one per thread.
 */
#ifndef COSPIN_FOKKER_PLANCK_H
#define COSPIN_FOKKER_PLANCK_H

#include <stddef.h>

#include "cospin.h"
#include "llgs.h"

COSPIN_BEGIN_DECLS

/* Discretisation of a workspace; start from cospin_fp_opts_default(). */
struct cospin_fp_opts {
    int cells;                   /* finite volumes on [-1, 1], even, in [16, 1000000] */
    double step_s;               /* largest time step, s (> 0) */
    double first_step_s;         /* first step of each phase, s (> 0) */
    double step_growth;          /* steps grow in powers of 2 from first_step_s while
                                    step <= step_growth * (time since the phase began),
                                    dimensionless, > 0 */
    double symmetry_tol;         /* largest accepted |Nx - Ny| (demag factors, dimensionless) */
};

/* Defaults: 128 cells; steps from 50 ps, doubling while below 1/8 of the
 * elapsed time, up to 1 ns; |Nx - Ny| <= 1e-9.  At the thesis's devices
 * (both demag conventions, 7.5-26 kBT) P_sw is then within 1e-3 of the
 * converged value for pulses of 5 ns and longer, 2.5e-3 at 2 ns
 * (doc/model-reference.md, section 6). */
COSPIN_API void cospin_fp_opts_default(struct cospin_fp_opts *o);

struct cospin_fp;

/*
 * Check that p can be reduced to one dimension and build a workspace:
 * validates p (cospin_mtj_derive) and o.  Returns 0 and sets *out (free
 * with cospin_fp_free), or COSPIN_ERR_INVALID with the reason in err for
 * invalid parameters and for devices the reduction cannot represent
 * (|Nx - Ny| > o->symmetry_tol, SOT torque, an in-plane applied field, no
 * thermal field); the message points at the Monte Carlo engine.
 * COSPIN_ERR_NOMEM if allocation fails.  o may be NULL (defaults).
 */
COSPIN_API int cospin_fp_new(const struct cospin_mtj_params *p, const struct cospin_fp_opts *o,
                  struct cospin_fp **out, struct cospin_error *err);

/* Free a workspace.  NULL-safe. */
COSPIN_API void cospin_fp_free(struct cospin_fp *fp);

/*
 * P_sw for each of n write currents currents_a[j] (A; positive writes
 * AP -> P), pulse width_s (s, >= 0), then relax_s (s, >= 0) at zero current,
 * into psw[j] (caller's array of n).  Both phases last round(T / dt) LLGS
 * steps, as in cospin_mtj_trial.  The relaxation is shared by all currents
 * (one adjoint solve per call).  Returns 0, or COSPIN_ERR_INVALID for a
 * non-finite current or a negative or non-finite duration.
 */
COSPIN_API int cospin_fp_curve(struct cospin_fp *fp, const double *currents_a, size_t n, double width_s,
                    double relax_s, double *psw, struct cospin_error *err);

/*
 * One-shot P_sw of one point: cospin_fp_new with p and o (NULL: defaults),
 * cospin_fp_curve for the single current i_a, cospin_fp_free.  Returns as
 * those; *psw is set on success.
 */
COSPIN_API int cospin_fp_psw(const struct cospin_mtj_params *p, const struct cospin_fp_opts *o, double i_a,
                  double width_s, double relax_s, double *psw, struct cospin_error *err);

/* ---- lower level: the density itself (tests, plots) ------------------------------ */

/* Number of cells. */
COSPIN_API size_t cospin_fp_cells(const struct cospin_fp *fp);

/* m_z of the cell faces into faces (cells + 1 values, -1 ... +1, caller's array). */
COSPIN_API void cospin_fp_faces(const struct cospin_fp *fp, double *faces);

/* Diffusion constant D = 1/(2 tau_N) of the reduced equation, 1/s. */
COSPIN_API double cospin_fp_diffusion_per_s(const struct cospin_fp *fp);

/* Initial probability mass per cell (cells values, sum 1) into mass. */
COSPIN_API void cospin_fp_initial_mass(const struct cospin_fp *fp, double *mass);

/*
 * Advance the cell masses mass (cells values, in/out) by duration_s (s, >= 0)
 * at the constant write current i_a (A), in ceil(duration_s / step_s) equal
 * steps.  Returns 0 or COSPIN_ERR_INVALID (non-finite current, negative or
 * non-finite duration).
 */
COSPIN_API int cospin_fp_evolve(struct cospin_fp *fp, double i_a, double duration_s, double *mass,
                     struct cospin_error *err);

/* Probability of m_z > 0: the mass of the upper half of the cells. */
COSPIN_API double cospin_fp_mass_above(const struct cospin_fp *fp, const double *mass);

COSPIN_END_DECLS

#endif
