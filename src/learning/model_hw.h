/*
 * model_hw.h -- what a model file records beyond the network itself, and
 * the model files of both formats: cospin's model.xml (train_model.c) and
 * NumPy's .npz (model_npz.c; doc/training.md, "Weights as NumPy files").
 *
 * Beyond the network (weights, k, c: cospin_train_load_model, train.h) a
 * model records each neuron's pulse settings and device fit (the
 * <pulse><neuron> records of a device-level model), the crossbar of
 * circuit-aware training (<crossbar w_max>), and its provenance and device
 * description (<provenance>, <device>, <crossbar> attributes, kept as text).
 * `cospin infer` builds the neuron stages and the weight map from them; the
 * npz writer and reader carry all of it, so model.xml -> .npz -> model.xml
 * reproduces a model.xml of cospin's byte for byte.
 */
#ifndef COSPIN_MODEL_HW_H
#define COSPIN_MODEL_HW_H

#include <stddef.h>

#include "cospin.h"
#include "nn.h"

/* The columns of a pulse record: the attributes of <neuron>, in their order. */
enum cospin_pulse_field {
    COSPIN_PULSE_K = 0,        /* the realised k (network units^-1) */
    COSPIN_PULSE_C,            /* ... and c (network units) */
    COSPIN_PULSE_K_DEV,        /* k_dev_per_ua: the device's fitted slope, 1/uA */
    COSPIN_PULSE_C_DEV,        /* c_dev_ua: ... and midpoint, uA */
    COSPIN_PULSE_WIDTH,        /* width_s: pulse width, s */
    COSPIN_PULSE_KU,           /* ku_j_per_m3: anisotropy, J/m^3 */
    COSPIN_PULSE_FIELDS
};

/* The text attributes a model file keeps (element and attribute, in file order). */
enum cospin_model_meta {
    COSPIN_META_COSPIN = 0, COSPIN_META_BLAS, COSPIN_META_DATASET, COSPIN_META_SEED,
    COSPIN_META_MODE, COSPIN_META_LR, COSPIN_META_ITERS, COSPIN_META_BATCH, COSPIN_META_LEVEL,
    COSPIN_META_DEV_MODE, COSPIN_META_DEV_TABLE, COSPIN_META_DEV_I_SCALE, COSPIN_META_DEV_I_BIAS,
    COSPIN_META_DEV_C_HOLD, COSPIN_META_DEV_K_MIN, COSPIN_META_DEV_K_MAX, COSPIN_META_DEV_MAPPING,
    COSPIN_META_XBAR_W_MAX, COSPIN_META_XBAR_CIRCUIT,
    COSPIN_MODEL_META
};

struct cospin_model_hw {
    int n_layers;                                 /* layers the arrays below cover */
    /* Per layer, n_units[l + 1] entries each (owned); NaN where the model has no record. */
    double *k_dev_per_ua[COSPIN_NN_MAX_LAYERS];  /* the neuron device's fitted slope, 1/uA */
    double *c_dev_ua[COSPIN_NN_MAX_LAYERS];      /* ... and midpoint, uA */
    /* Per layer, n_units[l + 1] x COSPIN_PULSE_FIELDS row-major (owned), NaN where an
       attribute is absent; NULL for a layer without <pulse>. */
    double *pulse[COSPIN_NN_MAX_LAYERS];
    size_t n_fits;                               /* neurons with a device fit, all layers */
    double xbar_w_max;                           /* <crossbar w_max>, or 0 when absent */
    char *meta[COSPIN_MODEL_META];               /* attribute texts (owned), NULL if absent */
};

/* The element ("provenance", "device", "crossbar") and attribute name of meta entry i. */
const char *cospin_model_meta_element(int i);
const char *cospin_model_meta_attr(int i);

/*
 * Empty records for the network nn: every fit NaN, no pulse, no text.
 * Returns 0 or COSPIN_ERR_NOMEM (hw cleared).
 */
int cospin_model_hw_init(struct cospin_model_hw *hw, const struct cospin_nn *nn,
                         struct cospin_error *err);

/* Set meta entry i to a copy of value (NULL: absent).  0 or COSPIN_ERR_NOMEM. */
int cospin_model_hw_set_meta(struct cospin_model_hw *hw, int i, const char *value);

/*
 * Set the pulse record of neuron j of layer l (COSPIN_PULSE_FIELDS values,
 * NaN for absent ones), allocating the layer's table; rows of NaN count as
 * absent.  k_dev_per_ua and c_dev_ua follow the record (a fit when both are
 * finite).  0 or COSPIN_ERR_NOMEM.
 */
int cospin_model_hw_set_pulse(struct cospin_model_hw *hw, const struct cospin_nn *nn, int l,
                              size_t j, const double *rec);

/*
 * Read the hardware records of the model file `path` whose network is nn
 * (loaded from it by cospin_train_load_model) into *hw (overwritten; free
 * with cospin_model_hw_clear); path may be a model.xml or an .npz
 * (cospin_model_is_npz).  Errors name the file (and line):
 * COSPIN_ERR_IO, COSPIN_ERR_PARSE, COSPIN_ERR_INVALID (a neuron index out of
 * range or given twice, a slope <= 0, a w_max <= 0), COSPIN_ERR_DATA,
 * COSPIN_ERR_NOMEM.
 */
int cospin_model_hw_load(const char *path, const struct cospin_nn *nn, struct cospin_model_hw *hw,
                         struct cospin_error *err);

/* Free the arrays; NULL-safe, idempotent. */
void cospin_model_hw_clear(struct cospin_model_hw *hw);

/*
 * Write nn and its records hw (may be NULL: none) as model.xml at path
 * (atomically).  Returns 0, COSPIN_ERR_IO or COSPIN_ERR_NOMEM.
 */
int cospin_model_write_xml(const char *path, const struct cospin_nn *nn,
                           const struct cospin_model_hw *hw, struct cospin_error *err);

/*
 * Nonzero when path names an .npz model: its name ends in ".npz", or the
 * file starts like a zip archive.
 */
int cospin_model_is_npz(const char *path);

/*
 * Write nn and its records hw (may be NULL) as an .npz archive at path
 * (atomically; nothing is left behind on failure): per layer l = 1, 2, ...
 * W{l} (outputs x inputs), k{l} and c{l} (outputs) as float32, pulse{l}
 * (outputs x COSPIN_PULSE_FIELDS, float64, NaN = absent) when the layer has
 * pulse records, and cospin_meta (uint8: "element.attribute=value" lines)
 * when hw has text.  Returns 0, COSPIN_ERR_IO or COSPIN_ERR_NOMEM.
 */
int cospin_model_write_npz(const char *path, const struct cospin_nn *nn,
                           const struct cospin_model_hw *hw, struct cospin_error *err);

/*
 * Read an .npz model (the layout above; b{l} optional, added to c{l}; k{l}
 * and c{l} optional, default 1 and 0; float32 or float64, C or Fortran
 * order) into a new network *out (free with cospin_nn_free) and, when hw is
 * not NULL, its records (free with cospin_model_hw_clear).  Every error
 * names the file and the array with its shape: COSPIN_ERR_IO (cannot
 * read), COSPIN_ERR_DATA (not a zip archive, truncated, a bad or
 * unsupported array, NaN or infinite values), COSPIN_ERR_INVALID (a missing
 * layer, shapes that do not chain, more than COSPIN_NN_MAX_LAYERS layers),
 * COSPIN_ERR_NOMEM.
 */
int cospin_model_read_npz(const char *path, struct cospin_nn **out, struct cospin_model_hw *hw,
                          struct cospin_error *err);

#endif
