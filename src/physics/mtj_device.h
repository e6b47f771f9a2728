/*
 * mtj_device.h -- one description of an MTJ device for every command: the
 * free layer and its conventions (struct cospin_mtj_params, llgs.h) and the
 * read path, read from a device file and overridden by options; the
 * figures derived from it; and its .model card for the mtj_stt / mtj_sot
 * code models.
 *
 * The device file (grammar src/config/schema/mtj.rng, reference
 * doc/model-reference.md) is one element whose attributes are the
 * parameters, with SPICE suffixes:
 *
 *   <mtj name="designer" fl-length="40n" fl-width="40n" fl-thickness="1.1n"
 *        ku="0.9meg" alpha="0.01" polarization="0.6" r-p="5k" tmr="1.5"/>
 *
 * The same words are the command-line options (--fl-length 40n ...) and
 * the attributes of the <device> element of experiment files; options
 * override the file.  Every parameter left out keeps its default (thesis
 * Table 3.1, cospin_mtj_params_default; R_P 5 kOhm, TMR 100 %).
 *
 * Read path: R_P is r_p_ohm, or ra_ohm_m2 / (length width) when the
 * resistance-area product is given; R_AP is r_ap_ohm when given, else
 * R_P (1 + tmr).  So a file with tmr and an option --r-p keep the ratio.
 *
 * Plain data, no allocation; the file reader uses base/xml.h.  Not part of
 * the code models (they read their .model card).
 */
#ifndef COSPIN_MTJ_DEVICE_H
#define COSPIN_MTJ_DEVICE_H

#include <stddef.h>
#include <stdio.h>

#include "cospin.h"
#include "llgs.h"
#include "tmr.h"

struct cospin_xml_node;

/* Attempt time of the Neel-Brown retention estimate tau0 e^(E_B/kBT), s. */
#define COSPIN_MTJ_ATTEMPT_TIME_S 1e-9

/* An MTJ device.  Start from cospin_mtj_device_default(). */
struct cospin_mtj_device {
    char name[64];               /* the file's name attribute, "" if none */
    struct cospin_mtj_params p;  /* free layer, conventions, integrator */
    double r_p_ohm;              /* parallel resistance R_P, ohm, > 0 */
    double ra_ohm_m2;            /* resistance-area product of the P state, ohm m^2;
                                    > 0 replaces r_p_ohm by ra / (length width); 0: unused */
    double tmr;                  /* TMR ratio (R_AP - R_P) / R_P, dimensionless, in (0, 10]
                                    (1.5 = 150 %) */
    double r_ap_ohm;             /* antiparallel resistance, ohm; 0: R_P (1 + tmr) */
    double v_half_v;             /* bias where the TMR halves, V, >= 0 (0: bias independent) */
    double r_hm_ohm;             /* SOT: heavy-metal channel resistance, ohm, > 0 */
};

/* Figures derived from a device (cospin_mtj_figures_compute). */
struct cospin_mtj_figures {
    double ku_j_per_m3;          /* Ku used, J/m^3 (K_bulk + K_i/t when K_i != 0) */
    double volume_m3;            /* free-layer volume, m^3 */
    double n_demag[3];           /* demagnetising factors of the demag convention */
    double eb_j;                 /* energy barrier E_B = (Ku - mu0 Ms^2 (Nz - Nx)/2) V, J */
    double eb_kt;                /* E_B / (kB T); INFINITY at T = 0 */
    double hk_t;                 /* mu0 Hk,eff = 2 Ku/Ms - mu0 Ms (Nz - Nx), T */
    double icrit_a;              /* zero-temperature critical write current, A
                                    (cospin_mtj_icrit_a; NaN if there is none) */
    double tau_damping_s;        /* precession damping time (1 + alpha^2) / (alpha gamma
                                    mu0 Hk,eff), s */
    double retention_s;          /* Neel-Brown tau0 e^(E_B/kBT), s; INFINITY at T = 0 */
    const char *stability;       /* the verdict (static string), see cospin_mtj_figures_compute */
    double r_p_ohm, r_ap_ohm;    /* the read path's resistances, ohm */
};

/* The thesis device (cospin_mtj_params_default), R_P 5 kOhm, TMR 100 %,
 * bias-independent TMR, SOT channel 1 kOhm, no name. */
void cospin_mtj_device_default(struct cospin_mtj_device *d);

/* R_P and R_AP of d (ohm) by the rules above. */
double cospin_mtj_device_r_p_ohm(const struct cospin_mtj_device *d);
double cospin_mtj_device_r_ap_ohm(const struct cospin_mtj_device *d);

/* The read path of d as tmr.h's struct (R_P, R_AP, v_half). */
void cospin_mtj_device_tmr(const struct cospin_mtj_device *d, struct cospin_tmr *out);

/*
 * Check d: the physics (cospin_mtj_params_validate) and the read path.
 * Returns 0 or COSPIN_ERR_INVALID with a one-line message that starts with
 * the parameter's word ("polarization = 1 out of range (0, 1): ...") and
 * gives its allowed range.
 */
int cospin_mtj_device_validate(const struct cospin_mtj_device *d, struct cospin_error *err);

/*
 * The derived figures of a valid device into *f.  The stability verdict
 * from Delta = E_B/kBT: "superparamagnetic" (Delta < 10: switches by
 * itself within microseconds, a stochastic device), "volatile" (10 to 40),
 * "non-volatile" (40 to 60: ten-year retention of one bit), "non-volatile
 * (arrays)" (60 and more), "athermal" at T = 0.  Returns 0 or
 * COSPIN_ERR_INVALID (as cospin_mtj_device_validate).
 */
int cospin_mtj_figures_compute(const struct cospin_mtj_device *d, struct cospin_mtj_figures *f,
                               struct cospin_error *err);

/*
 * The figures as text, one "  name  value (explanation)" line each, every
 * line starting with prefix ("" or "# " for a comment block), into buf
 * (size n).  The torque kind of d says what the critical current is; the
 * R_P, R_AP line is left out when f->r_p_ohm is 0 (a caller without a read
 * path).  Returns buf.
 */
char *cospin_mtj_figures_format(const struct cospin_mtj_device *d,
                                const struct cospin_mtj_figures *f, const char *prefix, char *buf,
                                size_t n);

/*
 * The parameters of the .model card of d for its code model (mtj_stt for
 * torque stt, mtj_sot for sot) into buf (size n): "r_p=5000 r_ap=10000 ...
 * integrator=\"rotating\"", every physical parameter and convention, each
 * number written so that it reads back to the same double.  The instance's
 * own settings (seed, stream, m0, max_step) are the caller's.  Returns 0 or
 * COSPIN_ERR_INVALID if buf is too small.
 */
int cospin_mtj_device_card(const struct cospin_mtj_device *d, char *buf, size_t n,
                           struct cospin_error *err);

/* "mtj_stt" or "mtj_sot": the code model of d. */
const char *cospin_mtj_device_model(const struct cospin_mtj_device *d);

/*
 * Apply the device attributes of element n (the words above; any other
 * attribute is ignored: the grammar lists what the element may carry) to
 * *d.  If file_attr is non-NULL and n carries that attribute, the device
 * file it names is read first (a relative path is taken from the directory
 * of n's file) and n's own attributes override it.  ku given without k-i
 * clears k_i (ku is then the anisotropy).  The result is validated; an
 * error names n's file and line and the offending attribute.  Returns 0,
 * COSPIN_ERR_PARSE (a malformed number), COSPIN_ERR_INVALID (a value out
 * of range, with the range; ku together with k-i) or the file's own error.
 */
int cospin_mtj_device_apply_xml(const struct cospin_xml_node *n, const char *file_attr,
                                struct cospin_mtj_device *d, struct cospin_error *err);

/*
 * Read a device file (grammar mtj.rng) onto *d (which holds the defaults
 * or an earlier device).  Errors: COSPIN_ERR_IO (unreadable), _PARSE (not
 * XML, a bad number), _INVALID (a schema violation or a value out of range,
 * "path:line: <mtj polarization="1">: polarization = 1 out of range (0,
 * 1): ..."); *d is unchanged then.
 */
int cospin_mtj_device_read(const char *path, struct cospin_mtj_device *d,
                           struct cospin_error *err);

/*
 * Write d as a device file (readable by cospin_mtj_device_read) to f, with
 * its derived figures in an XML comment.  Returns 0 or COSPIN_ERR_IO.
 */
int cospin_mtj_device_write_xml(const struct cospin_mtj_device *d, FILE *f,
                                struct cospin_error *err);

/*
 * The figures of a valid device as one log message (info level, prefix
 * "device"): "device NAME: ..." and the lines of cospin_mtj_figures_format.
 * label (may be NULL) replaces the name.  Nothing for an invalid device.
 */
void cospin_mtj_device_log(const struct cospin_mtj_device *d, const char *label);

/* Write d as device.xml into dir (atomically).  0, COSPIN_ERR_IO or _INVALID. */
int cospin_mtj_device_save(const struct cospin_mtj_device *d, const char *dir,
                           struct cospin_error *err);

#endif
