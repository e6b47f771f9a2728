/*
 * neuron_map.h -- the device-aware training level: which activation
 * functions sigma(k (z + c)) the characterised spin neuron can produce, and
 * the pulse settings (width, Ku) that realise a given k.
 *
 * The neuron table (fit.csv of `cospin characterize`, columns width_s,
 * ku_j_per_m3, k_per_ua, c_ua and optionally k_err, c_err, status; read by
 * cospin_char_read_fit_csv) gives, for each
 * pulse setting, the fitted switching probability
 *
 *     P_sw(I) = 1 / (1 + exp(-k_dev (I - c_dev))),  I in uA, k_dev in 1/uA.
 *
 * Network units are mapped to the neuron's input current by
 *
 *     I = i_scale_ua * z + i_bias_ua
 *
 * (i_scale_ua: the crossbar's read-current scale, uA per network unit;
 * i_bias_ua: a constant bias current added in front of the neuron), so the
 * device realises a = sigma(k (z + c)) with
 *
 *     k = k_dev * i_scale_ua,   c = (i_bias_ua - c_dev) / i_scale_ua.
 *
 * Two ways of setting the neuron (thesis ch. 3.5):
 *   WIDTH     only the pulse width changes, at a fixed Ku: k and c move
 *             together along the width path of the table (Fig. 3.12); a k
 *             update drags c (Fig. 3.13).
 *   WIDTH_KU  width and Ku change together so that c_dev stays at c_hold
 *             while k changes (Fig. 3.15/3.16): c is constant, only k moves.
 * Either way the reachable k is an interval [k_min, k_max] (network units)
 * and every k in it has one setting.  Interpolation is linear in
 * log(width) and in Ku between table rows.
 */
#ifndef COSPIN_NEURON_MAP_H
#define COSPIN_NEURON_MAP_H

#include <stddef.h>

#include "cospin.h"

COSPIN_BEGIN_DECLS

enum cospin_device_mode {
    COSPIN_DEVICE_WIDTH = 0,    /* width only: k and c coupled */
    COSPIN_DEVICE_WIDTH_KU = 1  /* width and Ku: k alone, c held */
};

/* One row of the neuron table. */
struct cospin_neuron_fit {
    double width_s;       /* pulse width, s */
    double ku_j_per_m3;   /* anisotropy, J/m^3 */
    double k_per_ua;      /* fitted slope, 1/uA */
    double k_err;         /* its standard error, 1/uA */
    double c_ua;          /* fitted midpoint current, uA */
    double c_err;         /* its standard error, uA */
};

/* How the map is built; cospin_neuron_map_opts_init() fills the defaults. */
struct cospin_neuron_map_opts {
    enum cospin_device_mode mode;  /* default WIDTH_KU */
    double i_scale_ua;   /* uA per network unit (default 1) */
    double i_bias_ua;    /* bias current, uA.  NaN (default): by mode -- WIDTH 0 (the thesis's
                            Fig. 3.13 set-up: no bias, c = -c_dev / i_scale), WIDTH_KU c_hold
                            (the bias current that puts the held c at 0, ch. 3.5.2);
                            +INFINITY: c_dev at the reference setting (c = 0 there) */
    double ku_j_per_m3;  /* WIDTH: the fixed Ku; NaN (default) = the smallest Ku of the table */
    double c_hold_ua;    /* WIDTH_KU: the held c_dev; NaN (default) = the value whose
                            constant-c curve spans the widest k range */
};

COSPIN_API void cospin_neuron_map_opts_init(struct cospin_neuron_map_opts *o);

/* A reachable-set path sorted by k: point i realises (k_dev[i], c_dev[i]). */
struct cospin_neuron_map {
    enum cospin_device_mode mode;
    double i_scale_ua, i_bias_ua;
    double ku_ref_j_per_m3;    /* WIDTH: the Ku used */
    double c_hold_ua;          /* WIDTH_KU: the held c_dev; WIDTH: c_dev at the reference */
    size_t n;                  /* path points */
    double *k_dev, *c_dev;     /* 1/uA, uA; k_dev strictly increasing */
    double *width_s, *ku;      /* settings of each point */
    double k_min, k_max;       /* reachable k in network units */
    char source[512];          /* table file */
};

/*
 * Read a neuron table: cospin_char_read_fit_csv (characterize.h, the one
 * reader, with its rules for columns, comments and torn rows), keeping the
 * rows whose status is "ok".  *rows is a new array of *n rows (free with
 * free()).  Errors: those of cospin_char_read_fit_csv; COSPIN_ERR_INVALID
 * (file:line) for a row with status ok and k_per_ua not > 0 or c_ua not
 * finite, and when no row has status ok.
 */
COSPIN_API int cospin_neuron_table_read(const char *path, struct cospin_neuron_fit **rows,
                                        size_t *n, struct cospin_error *err);

/*
 * Build the map from table rows.  source (may be NULL) names the table in
 * messages.  COSPIN_ERR_INVALID when the table cannot give a path (fewer
 * than two widths at the chosen Ku; WIDTH_KU: fewer than two Ku values
 * crossing c_hold; k not monotonic along the width path).
 * Free with cospin_neuron_map_free().
 */
COSPIN_API int cospin_neuron_map_build(const struct cospin_neuron_fit *rows, size_t n,
                                       const struct cospin_neuron_map_opts *opts,
                                       const char *source, struct cospin_neuron_map **out,
                                       struct cospin_error *err);

/* Read the table at path and build the map. */
COSPIN_API int cospin_neuron_map_load(const char *path, const struct cospin_neuron_map_opts *opts,
                                      struct cospin_neuron_map **out, struct cospin_error *err);

/* NULL-safe. */
COSPIN_API void cospin_neuron_map_free(struct cospin_neuron_map *m);

/*
 * Realise network slope k: clamp it into [k_min, k_max], interpolate the
 * path, and return the realised k; *c (network units), *width_s and *ku
 * (any may be NULL) receive the offset and settings that come with it.
 */
COSPIN_API double cospin_neuron_map_realise(const struct cospin_neuron_map *m, double k, double *c,
                                            double *width_s, double *ku);

/* "width" or "width+ku". */
COSPIN_API const char *cospin_device_mode_name(enum cospin_device_mode mode);
/* Parse "width" / "width+ku"; 0 or COSPIN_ERR_INVALID. */
COSPIN_API int cospin_device_mode_parse(const char *s, enum cospin_device_mode *mode);

COSPIN_END_DECLS

#endif
