/*
 * energy_sim.h -- write energy of one STT-MTJ neuron pulse from its SPICE
 * waveform.
 *
 * One mtj_stt instance (or, for tests, a plain resistor) is driven by a
 * trapezoidal current pulse (amplitude I, flat-top width t, rise and fall
 * edges) in an ngspice transient through the engine.  A zero-volt ammeter in
 * series gives the device current i(t), the device node its voltage v(t), and
 * cospin_energy_integrate_vi() the dissipated energy E = integral v i dt.
 *
 * Compared with the lumped estimates of thesis ch. 3.6.3:
 *   E_P  = I^2 R_P  t     (the device parallel all along)
 *   E_AP = I^2 R_AP t     (the device antiparallel all along)
 * the integral sees the resistance fall from ~R_AP to R_P when the free layer
 * switches (AP -> P for this current polarity) and the edges, which add
 * I^2 R (t_rise + t_fall) / 3 for linear ramps.  So with t_eff = t +
 * (t_rise + t_fall) / 3:  I^2 R_P t_eff <= E <= I^2 R_AP t_eff.
 */
#ifndef COSPIN_ENERGY_SIM_H
#define COSPIN_ENERGY_SIM_H

#include <stddef.h>

#include "cospin.h"
#include "mtj_device.h"

struct cospin_engine;

/* Device under the pulse. */
enum cospin_energy_load {
    COSPIN_ENERGY_LOAD_MTJ = 0,   /* mtj_stt code model (stochastic LLGS) */
    COSPIN_ENERGY_LOAD_RESISTOR   /* plain resistor of r_p_ohm (closed-form tests) */
};

/* Pulse and device settings; cospin_energy_pulse_defaults() fills them. */
struct cospin_energy_pulse {
    enum cospin_energy_load load;
    double current_a;        /* amplitude I, A, > 0 (AP -> P polarity) */
    double width_s;          /* flat-top width t, s (SPICE PULSE "pw"), > 0 */
    double rise_s;           /* rise edge, s, > 0 (ngspice needs a nonzero edge) */
    double fall_s;           /* fall edge, s, > 0 */
    double relax_s;          /* simulated zero-current time after the pulse, s, >= 0 */
    double step_s;           /* transient output step, s, > 0 */
    struct cospin_mtj_device device; /* the MTJ (mtj_device.h, its .model card); its R_P
                                    (cospin_mtj_device_r_p_ohm) is also the resistor of
                                    the resistor load */
    unsigned long seed;      /* mtj_stt generator seed */
};

/* Result of one pulse. */
struct cospin_energy_wave {
    double e_vi_j;           /* integral v i dt over the whole transient, J */
    double e_p_j;            /* I^2 R_P t (flat top only, thesis convention), J */
    double e_ap_j;           /* I^2 R_AP t, J */
    double t_eff_s;          /* t + (t_rise + t_fall)/3: the edge-inclusive I^2 R time, s */
    int switched;            /* MTJ: final m_z > 0; resistor: 0 */
    double t_switch_s;       /* first time m_z crosses 0 (s), or -1 */
    size_t n;                /* samples */
    double *t_s, *v_v, *i_a, *mz;   /* owned; mz is NULL for the resistor */
};

/*
 * Defaults: MTJ load, 15 uA, 15 ns, 0.1 ns edges, 10 ns relaxation, 10 ps
 * step, the thesis device (cospin_mtj_device_default: R_P = 5 kOhm, R_AP =
 * 10 kOhm (TMR 100 %), Ku = 1.1e6 J/m^3, 300 K, prism demag), seed 1
 * (thesis defaults, ch. 3).
 */
void cospin_energy_pulse_defaults(struct cospin_energy_pulse *p);

/*
 * Check *p (COSPIN_ERR_INVALID naming the bad field; the MTJ load checks the
 * whole device, cospin_mtj_device_validate, and refuses the SOT device) and
 * write the netlist text into a new string *out (caller frees with free()).
 */
int cospin_energy_sim_netlist(const struct cospin_energy_pulse *p, char **out,
                              struct cospin_error *err);

/*
 * Run the pulse of *p through eng (an engine with cospin.cm loaded) and fill
 * *w (clear it with cospin_energy_wave_clear()).  Errors: COSPIN_ERR_INVALID
 * for bad settings, COSPIN_ERR_SIM from ngspice, COSPIN_ERR_NOMEM.
 */
int cospin_energy_sim_run(struct cospin_engine *eng, const struct cospin_energy_pulse *p,
                          struct cospin_energy_wave *w, struct cospin_error *err);

/* Free the waveform arrays and zero *w.  NULL-safe. */
void cospin_energy_wave_clear(struct cospin_energy_wave *w);

#endif
