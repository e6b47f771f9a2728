/*
 * model_hw.h -- what a model.xml (train_model.c) records about the hardware
 * beyond the network itself: each neuron's own device fit (the <pulse>
 * records of a device-level model) and the crossbar of circuit-aware
 * training (<crossbar w_max=".."/>).  For `cospin infer`, which builds the
 * neuron stages and the weight map from them.
 */
#ifndef COSPIN_MODEL_HW_H
#define COSPIN_MODEL_HW_H

#include <stddef.h>

#include "cospin.h"
#include "nn.h"

struct cospin_model_hw {
    /* Per layer, n_units[l + 1] entries each (owned); NaN where the model has no record. */
    double *k_dev_per_ua[COSPIN_NN_LAYERS];  /* the neuron device's fitted slope, 1/uA */
    double *c_dev_ua[COSPIN_NN_LAYERS];      /* ... and midpoint, uA */
    size_t n_fits;                           /* neurons with a record, all layers */
    double xbar_w_max;                       /* <crossbar w_max>, or 0 when absent */
};

/*
 * Read the hardware records of the model file `path` whose network is nn
 * (loaded from it by cospin_train_load_model) into *hw (overwritten; free
 * with cospin_model_hw_clear).  Errors name the file and line:
 * COSPIN_ERR_IO, COSPIN_ERR_PARSE, COSPIN_ERR_INVALID (a neuron index out of
 * range or given twice, a slope <= 0, a w_max <= 0), COSPIN_ERR_NOMEM.
 */
int cospin_model_hw_load(const char *path, const struct cospin_nn *nn, struct cospin_model_hw *hw,
                         struct cospin_error *err);

/* Free the arrays; NULL-safe, idempotent. */
void cospin_model_hw_clear(struct cospin_model_hw *hw);

#endif
