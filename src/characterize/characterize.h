/*
 * characterize.h -- Monte Carlo switching probability P_sw(I) of the
 * stochastic STT-MTJ neuron, sigmoid fits, the neuron table, and the
 * designer's inverse (thesis ch. 3.2-3.3, Fig. 3.4-3.6, 3.12-3.16).
 *
 * A characterisation is a grid of points (pulse width, anisotropy Ku,
 * current).  At each point N independent trials start in the m_z < 0 well,
 * get a rectangular write pulse of the given width and amplitude, relax for
 * relax_s at zero current, and count as switched when the final m_z > 0.
 * For each (width, Ku) the points are fitted with P = 1/(1+exp(-k(I-c)))
 * (fit.h), k in 1/uA and c in uA: that (k, c) table is the neuron table the
 * training code consumes.
 *
 * Two engines run the trials, with the same physics code (llgs.h):
 *   COSPIN_CHAR_FAST     the standalone fast path, pthreads over
 *                        (point, block of trials);
 *   COSPIN_CHAR_NGSPICE  ngspice transients through the engine's worker pool:
 *                        netlists with many mtj_stt instances, each with its
 *                        own seed, a current-source pulse and relaxation;
 *                        the final m_z of each instance is read back.
 * A third computes the probability the trials estimate, without trials:
 *   COSPIN_CHAR_FOKKER_PLANCK  the Fokker-Planck equation of m_z
 *                        (fokker_planck.h): deterministic, for axially
 *                        symmetric STT devices only (others are refused
 *                        before any work, pointing at the Monte Carlo
 *                        engines).  Its points have trials = switched = 0
 *                        and the probability in p_sw; each curve is fitted
 *                        with cospin_fit_logistic_prob (the N -> infinity
 *                        limit of the Monte Carlo fit), k_err = c_err = 0.
 *
 * Reproducibility: point p's trials use the generator stream
 * cospin_mtj_trials(seed_p, j) for trial j, where seed_p is a hash of the
 * user seed and the point's (width, Ku, current) values.  Results therefore
 * do not depend on the thread count, on how the grid is ordered, or on
 * which other points a run contains.
 *
 * Files (out_dir; the formats are documented in doc/characterization.md):
 *   psw.csv      width_s,current_a,trials,switched,p_sw,ku_j_per_m3
 *                appended (and fsync'ed) point by point during a run, so an
 *                interrupted run keeps its finished points; rewritten sorted
 *                at the end.  Fokker-Planck rows read trials = switched = 0
 *                ("no trials: exact") with p_sw to 12 digits.
 *   fit.csv      width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status  (the neuron table)
 *   fit.xml      the same table as XML
 *   psw.svg      P_sw(I) points with binomial error bars and fitted sigmoids
 *   run.txt      the settings of the run; a rerun with the same out_dir and
 *                the same settings skips the points of its grid already in
 *                psw.csv.  Only complete, consistent rows are resumed (the
 *                rules are in doc/characterization.md); others are dropped
 *                with a warning, and rows off the rerun's grid stay in
 *                psw.csv without being fitted.
 */
#ifndef COSPIN_CHARACTERIZE_H
#define COSPIN_CHARACTERIZE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cospin.h"
#include "fit.h"
#include "fokker_planck.h"
#include "llgs.h"

COSPIN_BEGIN_DECLS

struct cospin_pool;

enum cospin_char_engine {
    COSPIN_CHAR_FAST = 0,        /* standalone LLGS (pthreads) */
    COSPIN_CHAR_NGSPICE = 1,     /* ngspice transients with the mtj_stt code model */
    COSPIN_CHAR_FOKKER_PLANCK = 2 /* deterministic P_sw from the Fokker-Planck equation */
};

/* Name of an engine ("fast", "ngspice", "fokker-planck"); NULL if unknown. */
COSPIN_API const char *cospin_char_engine_name(enum cospin_char_engine engine);

/* Defaults. */
#define COSPIN_CHAR_DEFAULT_TRIALS 100       /* thesis: 100 trials per current */
#define COSPIN_CHAR_DEFAULT_RELAX_S 10e-9    /* relaxation after the pulse: ~4 precession
                                                damping times 1/(alpha gamma mu0Hk) */
#define COSPIN_CHAR_DEFAULT_BLOCK 50         /* trials per work item of the fast path */
#define COSPIN_CHAR_DEFAULT_INSTANCES 50     /* mtj_stt instances per ngspice netlist */
#define COSPIN_CHAR_FP_PROB_TOL 1e-3         /* Fokker-Planck fits: accuracy of its P_sw
                                                (fokker_planck.h: <= 1e-3 for pulses of
                                                5 ns and longer); points within it of 0 or 1
                                                count as never / always switching */
#define COSPIN_CHAR_DEFAULT_MAX_RUN_S (24.0 * 3600.0) /* longest estimated run accepted: a day */

/* The grid of a characterisation. */
struct cospin_char_grid {
    const double *widths_s;      /* pulse widths, s (> 0) */
    size_t nwidths;
    const double *kus_j_per_m3;  /* anisotropies, J/m^3; NULL/0: the device's Ku only */
    size_t nkus;
    const double *currents_a;    /* write currents, A (>= 0) */
    size_t ncurrents;
};

/* Options of a run; start from cospin_char_opts_default(). */
struct cospin_char_opts {
    struct cospin_mtj_params device;  /* device and conventions; Ku is overridden by the grid */
    long trials;                 /* trials per point (> 0) */
    double relax_s;              /* relaxation after the pulse, s (>= 0) */
    uint64_t seed;               /* user seed */
    int threads;                 /* fast path: worker threads (0: online CPUs) */
    long block_trials;           /* fast path: trials per work item (> 0) */
    enum cospin_char_engine engine;
    int instances_per_netlist;   /* ngspice path: instances per netlist (> 0) */
    int pool_workers;            /* ngspice path: worker processes (0: online CPUs) */
    const char *codemodel_path;  /* ngspice path: cospin.cm (NULL: the engine's default) */
    const char *out_dir;         /* NULL: results in memory only; else files as above */
    int fresh;                   /* nonzero: discard earlier results in out_dir; else a
                                    rerun with matching run.txt skips finished points */
    volatile sig_atomic_t *stop; /* may be NULL; set nonzero (e.g. by SIGINT) to stop
                                    after the work items in flight */
    struct cospin_fp_opts fp;    /* Fokker-Planck engine: discretisation
                                    (cospin_fp_opts_default) */
    double max_run_s;            /* refuse a run estimated to take longer, s (default
                                    COSPIN_CHAR_DEFAULT_MAX_RUN_S); 0: no limit */
    double job_timeout_s;        /* ngspice path: longest job, s (engine.h); 0: no limit */
};

/* One grid point's result. */
struct cospin_char_point {
    double width_s;
    double ku_j_per_m3;
    double current_a;
    long trials;                 /* Monte Carlo trials; 0 for a deterministic engine */
    long switched;               /* how many switched (0 for a deterministic engine) */
    double p_sw;                 /* trials == 0: the computed switching probability;
                                    unused otherwise (see cospin_char_point_psw) */
};

/* P_sw of a point: switched / trials, or p_sw when trials == 0. */
COSPIN_API double cospin_char_point_psw(const struct cospin_char_point *p);

/* One row of the neuron table: the fit of one (width, Ku) curve. */
struct cospin_char_fit {
    double width_s;
    double ku_j_per_m3;
    struct cospin_fit_result fit;   /* k per uA, c in uA; status says if it failed */
    int line;                       /* its line in the fit.csv it was read from, else 0 */
};

/* Results of a run (or a table read from files).  Free with cospin_char_table_free. */
struct cospin_char_table {
    struct cospin_char_point *points;
    size_t npoints;
    struct cospin_char_fit *fits;
    size_t nfits;
    size_t nresumed;             /* points taken from an earlier run */
};

/* Defaults: thesis Table 3.1 device, 100 trials, 10 ns relaxation, seed 1, all CPUs, fast path,
   the Fokker-Planck engine's default discretisation, runs up to an estimated day, no job
   time limit. */
COSPIN_API void cospin_char_opts_default(struct cospin_char_opts *o);

/*
 * Check what cospin_char_run checks before any work: the options, the
 * grid, the device at every Ku, and the estimated run time.  The estimate
 * is the grid's LLGS steps, points x trials x (width + relax_s) / dt, at
 * the cost of a step measured on this machine (only when the steps could
 * exceed the limit at all), over the threads (fast) or workers (ngspice)
 * that run them; it counts the whole grid, points resumed from out_dir
 * included.  (The Fokker-Planck engine has no such steps; its own checks
 * apply instead.)  A run estimated longer than o->max_run_s is COSPIN_ERR_INVALID
 * with the estimate and how it was made in the message (30 s pulses at a
 * 5 ps step, say).  Returns 0 or the error cospin_char_run would return.
 */
COSPIN_API int cospin_char_check(const struct cospin_char_opts *o,
                                 const struct cospin_char_grid *g, struct cospin_error *err);

/*
 * Run the characterisation of grid g with options o.  On success *out
 * receives the points (in grid order: Ku-major, then width, then current)
 * and one fit per (Ku, width) (a fit that fails is kept with its status and
 * logged as a warning).  With o->out_dir, writes the files listed above.
 *
 * Returns 0; COSPIN_ERR_INVALID for bad options or grid (message names the
 * value) or a run estimated to take longer than o->max_run_s
 * (cospin_char_check); COSPIN_ERR_IO for out_dir problems or a run.txt that does not
 * match (resuming a different run); COSPIN_ERR_INTERRUPTED when o->stop was
 * set (finished points are in psw.csv; *out is NULL); COSPIN_ERR_SIM /
 * COSPIN_ERR_CRASH from the ngspice path.  The caller frees *out.
 */
COSPIN_API int cospin_char_run(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                               struct cospin_char_table **out, struct cospin_error *err);

/* Free a table.  NULL-safe. */
COSPIN_API void cospin_char_table_free(struct cospin_char_table *t);

/*
 * (Re)fit every (width, Ku) curve of t->points into t->fits (replacing any).
 * Returns 0 or COSPIN_ERR_NOMEM; individual fit failures are in the statuses.
 */
COSPIN_API int cospin_char_fit_all(struct cospin_char_table *t);

/* Per-point seed: a hash of the user seed and the point's values (see above). */
COSPIN_API uint64_t cospin_char_point_seed(uint64_t seed, double width_s, double ku_j_per_m3,
                                           double current_a);

/*
 * Run one point's trials [first, first + n) on the fast path in the calling
 * thread: returns the number switched (>= 0) or a negative COSPIN_ERR_*.
 * d must be derived with the point's Ku.
 */
COSPIN_API long cospin_char_fast_trials(const struct cospin_mtj_derived *d,
                                        const struct cospin_char_point *pt, double relax_s,
                                        uint64_t seed, long first, long n);

/*
 * One setting's neuron-table row computed on demand by the Fokker-Planck
 * engine: P_sw at the n write currents currents_a (A) for the pulse width_s
 * (s) and the anisotropy ku_j_per_m3 (J/m^3), with o's device (its Ku
 * replaced), relaxation and discretisation (o->fp), fitted as a
 * characterisation's curve (cospin_fit_logistic_prob at
 * COSPIN_CHAR_FP_PROB_TOL; k per uA, c in uA; not-rising flagged).  *fit
 * receives the fit, whose status says if it failed; psw (may be NULL) the n
 * probabilities.  The same currents give the same (k, c) as a grid run of
 * that setting: this is the smooth k(width, Ku), c(width, Ku) of the
 * engine, up to the pulse width's rounding to the LLGS step
 * o->device.dt_s.  Returns 0 (also when the fit failed),
 * COSPIN_ERR_INVALID for a bad argument or a device the engine refuses
 * (the message points at the Monte Carlo engines), COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_char_fp_setting(const struct cospin_char_opts *o, double width_s,
                                      double ku_j_per_m3, const double *currents_a, size_t n,
                                      struct cospin_fit_result *fit, double *psw,
                                      struct cospin_error *err);

/* ---- files ------------------------------------------------------------------------ */

/* Write psw.csv / fit.csv / fit.xml / psw.svg of t into dir (atomically). */
COSPIN_API int cospin_char_write_psw_csv(const struct cospin_char_table *t, const char *dir,
                                         struct cospin_error *err);
COSPIN_API int cospin_char_write_fit_csv(const struct cospin_char_table *t, const char *dir,
                                         struct cospin_error *err);
COSPIN_API int cospin_char_write_fit_xml(const struct cospin_char_table *t, const char *dir,
                                         struct cospin_error *err);
COSPIN_API int cospin_char_write_svg(const struct cospin_char_table *t, const char *path,
                                     const char *title, struct cospin_error *err);

/*
 * Read a psw.csv into a new table (points only).  The columns are found by
 * name (csv.h): width_s, current_a, trials and switched are required,
 * ku_j_per_m3 is optional (default_ku when absent); p_sw is read for rows
 * with trials = 0 (a deterministic engine's point: switched must be 0 and
 * p_sw in [0, 1]) and ignored otherwise.  psw.csv is appended to during a run, so a last line without a
 * newline (an append cut short) is ignored with a warning; any other
 * malformed row (a torn row in the middle, switched > trials, ...) is
 * COSPIN_ERR_PARSE with file and line.  COSPIN_ERR_IO if it cannot be read.
 */
COSPIN_API int cospin_char_read_psw_csv(const char *path, double default_ku,
                                        struct cospin_char_table **out, struct cospin_error *err);

/*
 * Read a neuron table (fit.csv) into a new table (fits only, in file
 * order, each with its line; rows whose status is not "ok" are kept with
 * their status).  This is the one reader of neuron tables; the training's
 * cospin_neuron_table_read calls it.  The rules (csv.h for the format):
 *   - columns by name, in any order, unknown columns ignored: width_s,
 *     ku_j_per_m3, k_per_ua and c_ua are required; k_err and c_err are
 *     optional (NaN when absent); status is optional ("ok" when absent);
 *   - blank lines and '#' comment lines are ignored anywhere;
 *   - fit.csv is written whole (never appended), so a row with fewer fields
 *     than the header is an error wherever it is, the last line included;
 *   - numbers as strtod reads them; "nan" is accepted for k, c and the
 *     errors (a failed fit writes it).
 * Errors (with file:line and the column): COSPIN_ERR_IO (cannot read),
 * COSPIN_ERR_PARSE (no header, a missing column, a torn row, a bad number,
 * an unknown status, no rows), COSPIN_ERR_INVALID (width_s or ku_j_per_m3
 * not > 0).
 */
COSPIN_API int cospin_char_read_fit_csv(const char *path, struct cospin_char_table **out,
                                        struct cospin_error *err);

/* ---- the designer's inverse --------------------------------------------------------- */

/* A setting that realises a wanted (k, c). */
struct cospin_char_design {
    double width_s;              /* pulse width, s */
    double ku_j_per_m3;          /* anisotropy, J/m^3 */
    double k_per_ua;             /* k of the interpolated table at that setting */
    double c_ua;                 /* c at that setting */
    double residual;             /* max(|dk|/k_target, |dc|/c_target) of the interpolant */
};

/*
 * Given fits on a (width x Ku) grid (t->fits, rows with status ok; the grid
 * must be complete: every width at every Ku), find settings with k = k_target
 * (1/uA) and c = c_target (uA) by bilinear interpolation of k and c over
 * (log width, Ku) cells (thesis Fig. 3.15/3.16).  Writes up to max solutions
 * (one per grid cell that contains one, best first) into sol and their
 * number into *nsol.  Returns 0 if at least one solution with residual <=
 * tol exists; COSPIN_ERR_INVALID if the target lies outside what the grid
 * reaches (sol[0] then holds the nearest setting, *nsol = 1) or the table is
 * not a complete grid.
 */
COSPIN_API int cospin_char_design_kc(const struct cospin_char_table *t, double k_target,
                                     double c_target, double tol, struct cospin_char_design *sol,
                                     size_t max, size_t *nsol, struct cospin_error *err);

/* Starting points of cospin_char_design_kc_fp: the table cells whose
   bilinear interpolant reaches the target (residual at most this; the
   Newton iteration is free to leave the cell). */
#define COSPIN_CHAR_FP_SEED_TOL 1e-6

/*
 * The designer's inverse answered by the Fokker-Planck engine itself: the
 * settings of cospin_char_design_kc on t (cells whose bilinear interpolant
 * reaches the target, COSPIN_CHAR_FP_SEED_TOL; else the nearest setting of
 * the table) start a damped Newton
 * iteration in (log width, Ku), within the table's width and Ku range, on
 * the k and c of cospin_char_fp_setting (o's device, relaxation and
 * discretisation; the n >= 2 currents currents_a, A: those of the table's
 * curves, since the fitted k and c depend on them).  Each width is rounded
 * to the LLGS step o->device.dt_s (the pulse the engines realise) and its
 * k, c and residual max(|dk|/k_target, |dc|/c_target) are the engine's at
 * the returned setting: they agree with a characterisation of that setting
 * at those currents to the fit's precision (a few 1e-6), far below the
 * table's interpolation error.  t should come from the same device.
 * Solutions with residual <= tol, distinct and best first, up to max, into
 * sol, their number into *nsol.  Returns 0; COSPIN_ERR_INVALID when none
 * reaches tol (sol[0] then holds the nearest, *nsol = 1), for bad
 * arguments, a table cospin_char_design_kc rejects, or a device the engine
 * refuses; COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_char_design_kc_fp(const struct cospin_char_opts *o, const double *currents_a,
                                        size_t ncurrents, const struct cospin_char_table *t,
                                        double k_target, double c_target, double tol,
                                        struct cospin_char_design *sol, size_t max, size_t *nsol,
                                        struct cospin_error *err);

/*
 * The coupled k-c path when only the width changes (thesis Fig. 3.12/3.13):
 * at anisotropy ku (a Ku of the table), the width giving k = k_target by
 * interpolation in log width, and the c that comes with it.  Returns 0, or
 * COSPIN_ERR_INVALID if k_target is outside the table's k range at that Ku.
 */
COSPIN_API int cospin_char_design_width(const struct cospin_char_table *t, double ku_j_per_m3,
                                        double k_target, struct cospin_char_design *sol,
                                        struct cospin_error *err);

COSPIN_END_DECLS

#endif
