/*
 * mtj_model.h -- one circuit instance of the LLGS MTJ, the part that the code
 * models mtj_stt and mtj_sot (models/<name>/cfunc.mod) share: the .model card
 * turned into a validated device once, the time stepping between accepted
 * time points, and the TMR read path with its partial derivative.  Plain C
 * without ngspice types, so the unit tests exercise the same code.  A code
 * model reads its card (its own parameter names), builds the device on INIT,
 * keeps it in instance heap storage (STATIC_VAR, freed by its destroy
 * callback) and keeps two struct cospin_mtj_point in cm_analog_alloc storage;
 * what remains in the model is its terminals and how they give the drive.
 *
 * Time stepping: the LLGS runs at its own fixed step dt (RK4) whatever step
 * ngspice takes.  Of the two points, index 1 is the state at the last
 * ACCEPTED time point and index 0 the one being computed.  Every call
 * recomputes 0 from 1 (cospin_mtj_advance), so rejected time points and
 * Newton iterations leave no trace and a given seed gives the same trajectory
 * whatever ngspice's step control does (for piecewise-linear drives).
 *
 * Read path: I(p -> n) = G(m_z_acc, V) V with m_z_acc the magnetisation at
 * the last accepted time point.  Within one ngspice step the device is
 * therefore a (bias-dependent) resistor, the Jacobian is exact, and the
 * conductance follows m with at most one step of delay; max_step bounds that
 * delay (the model sets a temporary breakpoint max_step ahead).
 */
#ifndef COSPIN_MTJ_MODEL_H
#define COSPIN_MTJ_MODEL_H

#include <stdint.h>

#include "cospin.h"
#include "llgs.h"
#include "tmr.h"

/* Largest max_step the models accept, s: beyond it the read path lags the
 * magnetisation by more than any switching event lasts. */
#define COSPIN_MTJ_MAX_STEP_LIMIT_S 1e-6

/*
 * The .model card of an LLGS code model, as read by the model.  Every field
 * the card has is filled from it (the defaults live in the model's
 * ifspec.ifs); cospin_mtj_card_init gives the rest the library defaults
 * (cospin_mtj_params_default) and zeros, which fail validation if a model
 * forgets a required field.
 */
struct cospin_mtj_card {
    struct cospin_mtj_params p;  /* physics; the enum conventions come from the strings */
    const char *demag;           /* "prism" | "thin-film"; NULL: prism */
    const char *stt;             /* "constant" | "slonczewski" | "slonczewski1996" (alias
                                    "spin-valve"); NULL: constant */
    const char *thermal;         /* "brown" | "thesis"; NULL: brown */
    const char *init;            /* "thermal" | "tilt" | "minus-z"; NULL: thermal */
    const char *integrator;      /* "rotating" | "rk4"; NULL: rotating */
    double m0;                   /* initial well: -1 (AP) or +1 (P) */
    int seed;                    /* generator seed, >= 0 */
    int stream;                  /* generator stream, >= 0 */
    double max_step_s;           /* largest ngspice step, s, in [dt, 1e-6] */
    double r_hm_ohm;             /* COSPIN_TORQUE_SOT: channel resistance, ohm, > 0 */
    struct cospin_tmr tmr;       /* read path */
};

/* The validated device of one instance (built by cospin_mtj_model_new). */
struct cospin_mtj_model {
    struct cospin_mtj_derived d; /* LLGS constants */
    struct cospin_tmr tmr;       /* read path */
    double max_step_s;           /* largest ngspice step, s */
    double g_hm_s;               /* COSPIN_TORQUE_SOT: channel conductance 1/r_hm, S; else 0 */
    uint64_t seed, stream;       /* generator of the initial state and the thermal field */
    double m0;                   /* initial well, -1 or +1 */
};

/*
 * One time point of an instance: the LLGS state and the key of the accepted
 * point it was advanced from (so Newton iterations that repeat the same time
 * and drive reuse it).  Plain data, copied by ngspice between its buffers.
 */
struct cospin_mtj_point {
    struct cospin_mtj_state s;
    int keyed;                   /* s was advanced from the accepted state below: */
    double base_t_s;             /*   its t_acc_s */
    long base_k;                 /*   its k_done */
};

/*
 * Start a card for torque kind torque: the library defaults for the
 * physics, NULL convention strings, zeros elsewhere.
 */
void cospin_mtj_card_init(struct cospin_mtj_card *c, enum cospin_torque torque);

/*
 * Validate card c and build its device into *out (NULL on failure).
 * Checks, in this order: the convention strings, m0, seed, stream,
 * max_step, r_hm (SOT), the read path, then the physics
 * (cospin_mtj_derive); the first failure is reported.  Returns 0,
 * COSPIN_ERR_INVALID with a one-line message naming the parameter by its
 * card name (length, pol, theta_sh, ...), or COSPIN_ERR_NOMEM.  The caller
 * frees *out with cospin_mtj_model_free.
 */
int cospin_mtj_model_new(const struct cospin_mtj_card *c, struct cospin_mtj_model **out,
                         struct cospin_error *err);

/* Free a device.  NULL-safe. */
void cospin_mtj_model_free(struct cospin_mtj_model *m);

/*
 * The point at time 0: m in the well m->m0 drawn with the generator
 * (m->seed, m->stream) (cospin_mtj_state_init), not keyed.
 */
void cospin_mtj_model_start(const struct cospin_mtj_model *m, struct cospin_mtj_point *pt);

/*
 * Transient: the point at time t_s with write current drive_a (A, positive
 * drives towards sigma) and control voltage ctrl_v (V), advanced from the
 * accepted point acc into now.  If now already holds that result (same
 * accepted point, time and inputs) it is kept.
 */
void cospin_mtj_model_tran(const struct cospin_mtj_model *m, const struct cospin_mtj_point *acc,
                           struct cospin_mtj_point *now, double t_s, double drive_a,
                           double ctrl_v);

/*
 * DC operating point: the magnetisation stays in its initial state; both
 * points record the inputs (so the first transient step interpolates from
 * them).
 */
void cospin_mtj_model_dc(struct cospin_mtj_point *acc, struct cospin_mtj_point *now,
                         double drive_a, double ctrl_v);

/*
 * Read path at bias v_v (V) with the magnetisation of the accepted point
 * acc: returns I = G(m_z, V) V (A) and, if di_dv_s is non-NULL, dI/dV (S),
 * the partial derivative and small-signal conductance of the terminals.
 */
double cospin_mtj_model_read(const struct cospin_mtj_model *m, const struct cospin_mtj_point *acc,
                             double v_v, double *di_dv_s);

#endif
