/*
 * llgs.h -- macrospin Landau-Lifshitz-Gilbert-Slonczewski dynamics of an MTJ
 * free layer with a Brown thermal field.  Pure C shared by the code models
 * (models/mtj_stt, models/mtj_sot), the standalone Monte Carlo fast path and
 * the unit tests.  No allocation, no globals, no ngspice, no logging.
 *
 * Equation (thesis Eq. 3.1, Gilbert form, fields in tesla, B = mu0 H):
 *
 *   dm/dt = -gamma m x B + alpha m x dm/dt - gamma a m x (m x sigma)
 *
 * with a = hbar eta J / (2 e t_FL Ms) (T) the spin-torque field and sigma the
 * spin polarisation direction.  It is integrated in the equivalent explicit
 * Landau-Lifshitz form
 *
 *   dm/dt = -gamma/(1+alpha^2) [ m x (B - alpha a sigma) + m x (m x (alpha B + a sigma)) ]
 *
 * at a fixed step dt, then m is renormalised.  Two integrators
 * (enum cospin_integrator):
 *
 *   ROTATING (default)  classical RK4 in a frame that precesses about z at
 *       the precession rate of the well the step starts in (the Lawson,
 *       or integrating-factor, form of RK4): with the frame rotation R(t),
 *       m = R(t) u and RK4 integrates du/dt = R^-1 [F(R u) - w z x (R u)],
 *       w = gl (s (Bk + mu0 Ms (Nx + Ny)/2) + B_app,z), s = sign(m_z),
 *       Bk = 2 Ku/Ms - mu0 Ms Nz.  In that frame the motion near the
 *       wells is slow (rates alpha w, not w), so RK4's phase and amplitude
 *       errors (w dt)^5/120 and (w dt)^6/144 per step do not arise there
 *       and the thermal field, held constant IN THE FRAME within a step,
 *       is white for the slow motion.  Measured at the default dt = 5 ps
 *       (tests/check_llgs.c): zero-temperature switching times within
 *       3e-4 of the exact uniaxial integral from 1.05 to 2 I_c, and the
 *       equilibrium <sin^2 theta> of the thesis device +0.1 +- 0.3 % from
 *       Boltzmann.
 *   RK4  classical RK4 in the lab frame with the thermal field held in the
 *       lab within a step (thesis Eq. 2.5).  At 5 ps it damps the
 *       precession numerically by (w dt)^6/144 per step (2 % of alpha for
 *       the prism device, which raises I_c by 2 % and lengthens switching
 *       times near I_c by 9-54 %) and colours the thermal field by
 *       sinc^2(w dt/2) (the equilibrium <sin^2 theta> 4.3 % below
 *       Boltzmann); both fall as dt^2 or faster (1 ps: within 0.7 %).
 *       Kept to reproduce results made with it.
 *
 * Both are Stratonovich schemes (the thermal field is a piecewise smooth
 * approximation of white noise with the variance below), so m stays on
 * the unit sphere in the limit and the stationary distribution is the
 * Boltzmann distribution of the energy.
 *
 *   B = B_an + B_demag + B_applied + B_thermal
 *   B_an      = 2 (Ku + dKu) m_z / Ms  z          (Eq. 3.2; Ms in A/m)
 *   B_demag   = -mu0 Ms (Nx mx, Ny my, Nz mz)
 *   B_thermal = three independent N(0, s^2) per step (Brown):
 *               s^2 = 2 alpha kB T / (gamma Ms V dt)          (BROWN)
 *               s^2 = 2 alpha kB T / (gamma Ms V dt (1+alpha^2)) (THESIS, Eq. 3.4)
 *               both times thermal_scale^2 (default 1)
 *
 * Field-like torque (SOT only): the spin-orbit current adds the field
 * field_like_ratio * a * sigma to B (a the damping-like torque field above),
 * i.e. dm/dt gains -gamma xi a m x sigma with xi = field_like_ratio.
 *
 * Sign convention: the core takes the WRITE current i_a.  i_a > 0 drives the
 * free layer towards sigma = +z, i.e. switches AP (m_z = -1) -> P (m_z = +1).
 * The code models map terminal quantities onto i_a (see their ifspec).
 *
 * Units: SI throughout, fields in tesla, the unit names are in the identifiers.
 */
#ifndef COSPIN_LLGS_H
#define COSPIN_LLGS_H

#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "rng.h"

COSPIN_BEGIN_DECLS

/* Physical constants (CODATA 2018 exact / recommended values). */
#define COSPIN_HBAR_J_S 1.054571817e-34      /* reduced Planck constant, J s */
#define COSPIN_E_C 1.602176634e-19           /* elementary charge, C (exact) */
#define COSPIN_KB_J_PER_K 1.380649e-23       /* Boltzmann constant, J/K (exact) */
#define COSPIN_MU0_T_M_PER_A 1.25663706212e-6 /* vacuum permeability, T m/A */

/* Demagnetising-field convention. */
enum cospin_demag {
    COSPIN_DEMAG_PRISM = 0,      /* Nx, Ny, Nz of the rectangular prism (Aharoni 1998) */
    COSPIN_DEMAG_THIN_FILM = 1   /* Nx = Ny = 0, Nz = 1: reproduces the thesis's E_B, Hk, Icrit */
};

/* Spin-transfer-torque efficiency convention. */
enum cospin_stt {
    COSPIN_STT_CONSTANT = 0,     /* eta = P (thesis) */
    COSPIN_STT_SLONCZEWSKI = 1,  /* eta = P / (1 + P^2 m.sigma) (tunnel-junction form) */
    COSPIN_STT_SPIN_VALVE = 2    /* eta = [-4 + (1+P)^3 (3 + m.sigma) / (4 P^(3/2))]^-1
                                    (Slonczewski 1996, metallic spin valve) */
};

/* Thermal-field variance convention (see the header comment). */
enum cospin_thermal {
    COSPIN_THERMAL_BROWN = 0,    /* fluctuation-dissipation value, no 1/(1+alpha^2) */
    COSPIN_THERMAL_THESIS = 1    /* thesis Eq. 3.4 as printed: with 1/(1+alpha^2) */
};

/* Which torque the drive current produces. */
enum cospin_torque {
    COSPIN_TORQUE_STT = 0,       /* current through the MTJ, J = I / (length*width) */
    COSPIN_TORQUE_SOT = 1        /* current in the heavy-metal channel, spin Hall effect */
};

/* Initial state of a standalone trial (cospin_mtj_init_state). */
enum cospin_init {
    COSPIN_INIT_THERMAL = 0,     /* exact Boltzmann sample of the m_z < 0 well (default) */
    COSPIN_INIT_TILT = 1,        /* m_z = -cos(init_tilt_rad), tilted towards +x */
    COSPIN_INIT_MINUS_Z = 2      /* exactly m = -z (a fixed point of the noiseless dynamics
                                    of an axially symmetric device under STT) */
};

/* Time integrator of the LLGS (see the header comment). */
enum cospin_integrator {
    COSPIN_INTEGRATOR_ROTATING = 0, /* RK4 in the frame precessing with the well (default) */
    COSPIN_INTEGRATOR_RK4 = 1       /* RK4 in the lab frame (thesis Eq. 2.5) */
};

struct cospin_mtj_params {
    double alpha;                /* Gilbert damping, dimensionless, > 0 */
    double gamma_rad_per_s_t;    /* gyromagnetic ratio, rad/(s T), > 0 */
    double mu0_ms_t;             /* mu0 * Ms, T, > 0 */
    double ku_j_per_m3;          /* effective bulk uniaxial anisotropy, J/m^3 (used when
                                    k_i_j_per_m2 == 0) */
    double k_bulk_j_per_m3;      /* alternative decomposition Ku = K_bulk + K_i / t_FL; */
    double k_i_j_per_m2;         /*   used when k_i_j_per_m2 != 0 */
    double length_m;             /* free-layer prism, x extent, m */
    double width_m;              /* y extent, m */
    double thickness_m;          /* z extent (t_FL), m */
    double polarization;         /* spin polarisation P, 0 < P < 1 */
    double temperature_k;        /* K, >= 0; 0 disables the thermal field */
    double thermal_scale;        /* dimensionless multiplier of the thermal field's standard
                                    deviation, >= 0 (default 1; the same factor at every
                                    temperature; the thermal initial state still samples
                                    the Boltzmann distribution at temperature_k) */
    double dt_s;                 /* fixed internal RK4 step, s */
    double h_applied_t[3];       /* applied field mu0*H, T (SOT: the in-plane assist Hx) */
    double ku_per_volt_j_per_m3_v; /* control coefficient dKu/dV_ctrl, J/(m^3 V) (FE or VCMA) */
    double spin_hall_angle;      /* SOT only: theta_SH */
    double hm_width_m;           /* SOT only: heavy-metal channel width, m */
    double hm_thickness_m;       /* SOT only: heavy-metal channel thickness, m */
    double field_like_ratio;     /* SOT only: field-like / damping-like torque ratio xi,
                                    dimensionless, in [-10, 10] (default 0) */
    double init_tilt_rad;        /* COSPIN_INIT_TILT: initial polar tilt from -z, rad */
    enum cospin_demag demag;
    enum cospin_stt stt;
    enum cospin_thermal thermal;
    enum cospin_torque torque;
    enum cospin_init init;
    enum cospin_integrator integrator;
};

/* Precomputed constants of one parameter set (filled by cospin_mtj_derive). */
struct cospin_mtj_derived {
    double dt_s;
    double gamma_ll;             /* gamma / (1 + alpha^2), rad/(s T) */
    double alpha;
    double ms_a_per_m;           /* Ms, A/m */
    double volume_m3;            /* free-layer volume, m^3 */
    double ku_j_per_m3;          /* Ku actually used (after K_bulk + K_i/t), J/m^3 */
    double b_an_t;               /* 2 Ku / Ms, T */
    double b_an_per_ku_t;        /* 2 / Ms, T per (J/m^3): converts a dKu */
    double n_demag[3];           /* demagnetising factors */
    double b_demag_t[3];         /* mu0 Ms N_i, T */
    double b_app_t[3];           /* applied field, T */
    double b_th_sigma_t;         /* thermal field standard deviation per component, T */
    double torque_t_per_a;       /* spin-torque field per ampere without eta, T/A */
    double polarization;         /* efficiency eta at m.sigma = 0: eta(m) = polarization / */
    double p2;                   /*   (1 + p2 m.sigma); p2 = 0 (constant), P^2 (Slonczewski
                                    tunnel form) or c1/c0 (spin valve, cospin_mtj_stt_efficiency) */
    double sigma[3];             /* spin polarisation direction of a positive write current */
    double torque_p;             /* coefficient of a sigma in the LL precession term:
                                    xi - alpha (xi: field-like ratio, 0 for STT) */
    double torque_q;             /* coefficient of a sigma in the LL damping term: 1 + alpha xi */
    /* The integrator's frame, per hemisphere [0]: m_z < 0, [1]: m_z >= 0: its
       rate w (rad/s) and the rotations by w dt/2 and w dt (cos, sin).  The
       lab-frame RK4 has w = 0 and the identity. */
    double frame_w[2], frame_c1[2], frame_s1[2], frame_c2[2], frame_s2[2];
    double beta_eb;              /* E_B / (kB T) (inf at T = 0) */
    double ku_per_volt_j_per_m3_v;
    enum cospin_init init;
    double init_tilt_rad;
    double temperature_k;
};

/*
 * Fill p with the defaults of thesis Table 3.1: alpha 0.0122, gamma 1.76e11,
 * mu0Ms 1.58 T, Ku 1.1e6 J/m^3, 15 x 15 x 1.3 nm, P 0.4, 300 K, dt 5 ps,
 * prism demag, constant eta, Brown thermal field (scale 1), STT, thermal
 * initial state, the rotating-frame integrator.  SOT defaults: theta_SH 0.3,
 * channel 20 nm x 3 nm, no field-like torque; init tilt 0.01 rad.
 */
COSPIN_API void cospin_mtj_params_default(struct cospin_mtj_params *p);

/*
 * Check p.  Returns 0 if valid, else writes a one-line reason naming the
 * parameter (by the word the device file and the command line use, e.g.
 * "polarization", "fl-thickness"), its value and the allowed range into msg
 * (size n, may be NULL) and returns -1.  Rejects in particular an
 * anisotropy below the demagnetising energy (no barrier: E_B <= 0; the
 * message gives the Ku the geometry needs) and a step too coarse for the
 * field (gamma B_max dt > 1 rad, B_max = |2Ku/Ms - mu0 Ms Nz| + mu0 Ms
 * max(Nx, Ny) + |B_applied|).  cospin_mtj_param_ranges lists the ranges.
 */
COSPIN_API int cospin_mtj_params_validate(const struct cospin_mtj_params *p, char *msg, size_t n);

/*
 * Validate p and fill d.  Returns 0, or -1 with the reason in msg (as
 * cospin_mtj_params_validate).
 */
COSPIN_API int cospin_mtj_derive(const struct cospin_mtj_params *p, struct cospin_mtj_derived *d,
                                 char *msg, size_t n);

/* Demagnetising factors of p's convention (prism from the geometry, or thin film). */
COSPIN_API void cospin_mtj_demag_factors(const struct cospin_mtj_params *p, double n[3]);

/* Ku (J/m^3) of p: K_bulk + K_i/t_FL if k_i_j_per_m2 != 0, else ku_j_per_m3. */
COSPIN_API double cospin_mtj_ku_j_per_m3(const struct cospin_mtj_params *p);

/* Energy barrier E_B = (Ku - mu0 Ms^2 (Nz - Nx)/2) V in J (thesis Eq. 3.7
 * with the demag convention of p; thin film gives 7.5 kBT at the defaults). */
COSPIN_API double cospin_mtj_energy_barrier_j(const struct cospin_mtj_params *p);

/* Effective anisotropy field mu0 Hk = 2 Ku / Ms - mu0 Ms (Nz - Nx) in T
 * (thesis Eq. 3.5; thin film gives 0.169 T at the defaults). */
COSPIN_API double cospin_mtj_hk_t(const struct cospin_mtj_params *p);

/*
 * STT efficiency eta of p's convention at cos_theta = m.sigma (the cosine of
 * the angle between the free-layer magnetisation and the spin polarisation of
 * a positive write current): P, P/(1 + P^2 cos_theta), or the spin valve's
 * 1/(c0 + c1 cos_theta) with c1 = (1+P)^3/(4 P^(3/2)), c0 = 3 c1 - 4
 * (positive for 0 < P < 1).  SOT: 1.
 */
COSPIN_API double cospin_mtj_stt_efficiency(const struct cospin_mtj_params *p, double cos_theta);

/* Name of an STT convention ("constant", "slonczewski", "slonczewski1996"), NULL if unknown. */
COSPIN_API const char *cospin_mtj_stt_name(enum cospin_stt stt);

/*
 * Zero-temperature critical write current in A.
 *
 * STT (thesis Eq. 3.6 generalised): I_c = 2 alpha e Ms V mu0Hk / (hbar
 * eta_AP) with eta_AP the efficiency at m = -z: P (constant), P/(1 - P^2)
 * (Slonczewski) or 1/(c0 - c1) (spin valve); thin film gives 5.8 uA at the
 * defaults.  Where the AP state becomes unstable; valid for Nx = Ny and zero
 * applied field (the spin valve then still needs up to 1.11 I_c to leave
 * its precession cone, doc/model-reference.md).
 *
 * SOT (channel current; Lee et al., Appl. Phys. Lett. 102, 112410 (2013),
 * solved exactly for the macrospin): the damping-like torque field
 * a = t I (t = hbar theta_SH / (2 e t_FL Ms w_hm t_hm) per ampere) moves the
 * static states along a = cos(phi) (Bk sin(phi) - |Bx|) (phi the tilt of
 * the initial well towards the field, Bk = mu0 Hk,eff, Bx = h_applied_t[0]);
 * the well disappears at the maximum,
 *   a_c = cos(phi*) (Bk sin(phi*) - |Bx|),  sin(phi*) = (b + sqrt(b^2 + 8))/4,
 * b = |Bx|/Bk, and I_c = a_c / |t| (= (Bk/2 - |Bx|/sqrt 2)/|t| + O(b^2)).
 * Independent of alpha.  Valid for Nx = Ny, no field-like torque, no
 * applied field along y or z, 0 < |Bx| < Bk; with Bx = 0 the state is lost
 * at a_c = Bk/2 but the pulse leaves m in the plane and the final state is
 * random (no deterministic switching); |Bx| >= Bk leaves no perpendicular
 * state: returns NAN.
 */
COSPIN_API double cospin_mtj_icrit_a(const struct cospin_mtj_params *p);

/* Name of an initial state ("thermal", "tilt", "minus-z"), NULL if unknown. */
COSPIN_API const char *cospin_mtj_init_name(enum cospin_init init);

/* Name of an integrator ("rotating", "rk4"), NULL if unknown. */
COSPIN_API const char *cospin_mtj_integrator_name(enum cospin_integrator integrator);

/*
 * A convention by its word: kind is "demag", "stt", "thermal", "torque",
 * "init" or "integrator"; returns the enum value, or -1 for an unknown kind
 * or word.  "spin-valve" is accepted as an alias of "slonczewski1996".
 */
COSPIN_API int cospin_mtj_convention_value(const char *kind, const char *word);

/* The accepted words of a kind (aliases included), NULL-terminated; NULL
 * for an unknown kind.  Static storage. */
COSPIN_API const char *const *cospin_mtj_convention_words(const char *kind);

/* Name of a demag convention ("prism", "thin-film"), NULL if unknown. */
COSPIN_API const char *cospin_mtj_demag_name(enum cospin_demag demag);

/* Name of a thermal-variance convention ("brown", "thesis"), NULL if unknown. */
COSPIN_API const char *cospin_mtj_thermal_name(enum cospin_thermal thermal);

/*
 * Draw the thermal field of one step into b_th_t (T): three independent
 * normals times d->b_th_sigma_t (zeros at T = 0, without consuming r).
 */
COSPIN_API void cospin_mtj_thermal_field(const struct cospin_mtj_derived *d, struct cospin_rng *r,
                                         double b_th_t[3]);

/*
 * One step of d->dt_s (d's integrator) with a given thermal field b_th_t
 * (T; held constant within the step in the integrator's frame: b_th_t is
 * its value at the start of the step).  m (unit 3-vector, in/out) is
 * renormalised.  i_a is the write current in A (positive drives towards
 * sigma), dku_j_per_m3 the anisotropy change from the control input.
 */
COSPIN_API void cospin_mtj_step_field(const struct cospin_mtj_derived *d, double m[3], double i_a,
                                      double dku_j_per_m3, const double b_th_t[3]);

/* cospin_mtj_thermal_field followed by cospin_mtj_step_field. */
COSPIN_API void cospin_mtj_step(const struct cospin_mtj_derived *d, double m[3], double i_a,
                                double dku_j_per_m3, struct cospin_rng *r);

/*
 * Initial state of a trial in the m_z < 0 well: COSPIN_INIT_THERMAL samples
 * the Boltzmann distribution of the anisotropy + demag energy exactly
 * (rejection sampling; the applied field is ignored; at T = 0 it falls back
 * to the tilt); COSPIN_INIT_TILT gives m = (sin t, 0, -cos t);
 * COSPIN_INIT_MINUS_Z gives m = (0, 0, -1) exactly.  Only the thermal state
 * draws from r.
 */
COSPIN_API void cospin_mtj_init_state(const struct cospin_mtj_derived *d, struct cospin_rng *r,
                                      double m[3]);

/*
 * One standalone switching trial: initial state (cospin_mtj_init_state), a
 * rectangular write pulse of i_a (A) for round(width_s/dt) steps, then
 * round(relax_s/dt) steps at zero current.  Returns 1 if the final m_z > 0,
 * else 0.  If mz_final is non-NULL it receives the final m_z.
 */
COSPIN_API int cospin_mtj_trial(const struct cospin_mtj_derived *d, double i_a, double width_s,
                                double relax_s, struct cospin_rng *r, double *mz_final);

/*
 * n independent trials, trial j using the generator cospin_rng_seed(seed,
 * first_trial + j): results do not depend on how a sweep is split into calls
 * or threads, and trial j equals cospin_mtj_trial with that generator.
 * Integrates several trials at once (SoA, vectorised).  switched (may be NULL)
 * receives n values 0/1.  Returns the number of switched trials.
 */
COSPIN_API long cospin_mtj_trials(const struct cospin_mtj_derived *d, double i_a, double width_s,
                                  double relax_s, uint64_t seed, uint64_t first_trial, long n,
                                  unsigned char *switched);

/*
 * Time-stepping state of a circuit instance (the code models keep two of
 * these through cm_analog_alloc: the last accepted one and the one being
 * computed).  Plain data.
 */
struct cospin_mtj_state {
    double m[3];                 /* magnetisation after k_done steps */
    struct cospin_rng rng;       /* generator after k_done steps */
    long k_done;                 /* internal steps completed (step k covers [k dt, (k+1) dt]) */
    double t_acc_s;              /* time of the accepted point this state belongs to, s */
    double drive_acc_a;          /* write current at t_acc_s, A */
    double ctrl_acc_v;           /* control voltage at t_acc_s, V */
};

/*
 * Start a state at time 0: m from cospin_mtj_init_state with the generator
 * cospin_rng_seed(seed, stream), mirrored to the m_z > 0 well if
 * well_sign > 0.
 */
COSPIN_API void cospin_mtj_state_init(const struct cospin_mtj_derived *d,
                                      struct cospin_mtj_state *s, uint64_t seed, uint64_t stream,
                                      double well_sign);

/*
 * Advance from the accepted state old to time t_now_s, writing next
 * (old is not modified, so a rejected time point is simply recomputed from
 * old).  Every internal step k whose midpoint (k + 1/2) dt lies in
 * (old->t_acc_s, t_now_s] is integrated with the write current and the
 * control voltage interpolated linearly between (old->t_acc_s, old values)
 * and (t_now_s, drive_now_a / ctrl_now_v) at that midpoint.  The trajectory
 * therefore depends only on the seed and on the drive waveform, not on
 * where ngspice puts its time points, as long as the drive is piecewise
 * linear between accepted points (PULSE/PWL sources with their breakpoints).
 * next->m is the state after the last integrated step (at most dt/2 ahead
 * of t_now_s).  Returns the number of steps integrated.
 */
COSPIN_API long cospin_mtj_advance(const struct cospin_mtj_derived *d,
                                   const struct cospin_mtj_state *old,
                                   struct cospin_mtj_state *next, double t_now_s,
                                   double drive_now_a, double ctrl_now_v);

COSPIN_END_DECLS

#endif
