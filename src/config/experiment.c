/*
 * experiment.c -- the registry of experiment types this build can run
 * (experiment.h).  Adding a type: one line in the table below.
 */
#include <config.h>

#include <string.h>

#include "error.h"
#include "experiment.h"

static const struct cospin_experiment_type experiment_types[] = {
    {"netlist", cospin_experiment_netlist,
     "a circuit (elements and/or inline netlist), its analyses, vectors as CSV",
     cospin_experiment_netlist_check, 0},
    {"characterize", cospin_experiment_characterize,
     "Monte Carlo P_sw(I) of the MTJ neuron, sigmoid fits (neuron table), designer queries",
     cospin_experiment_characterize_check, 1},
    {"sot", cospin_experiment_sot,
     "synapse-device curves and training with devices, PTQ/QAT and SOT neurons (thesis ch. 4)",
     cospin_experiment_sot_check, 1},
    {"train", cospin_experiment_train,
     "train 784-H-10 with trainable activations k, c (math or device level; thesis ch. 3)", NULL,
     1},
    {"energy", cospin_experiment_energy,
     "neuron write pulses through ngspice: I^2 R t vs the integrated waveform; SOT energy", NULL,
     0},
    {"infer", cospin_experiment_infer,
     "a trained model at the math level and as one netlist through ngspice, compared",
     cospin_experiment_infer_check, 1},
};

const struct cospin_experiment_type *cospin_experiment_types(size_t *n)
{
    *n = sizeof experiment_types / sizeof experiment_types[0];
    return experiment_types;
}

int cospin_experiment_find(const struct cospin_xml_node *root,
                           const struct cospin_experiment_type **out, struct cospin_error *err)
{
    size_t n;
    const struct cospin_experiment_type *types = cospin_experiment_types(&n);
    const char *type = cospin_xml_attr(root, "type");
    *out = NULL;
    for (size_t i = 0; type && i < n; i++)
        if (strcmp(types[i].type, type) == 0) {
            *out = &types[i];
            return COSPIN_OK;
        }
    char known[256] = "";
    for (size_t i = 0; i < n; i++) {
        strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
        strncat(known, types[i].type, sizeof known - strlen(known) - 1);
    }
    return cospin_xml_error(root, "type", COSPIN_ERR_INVALID, err,
                            "this build of cospin cannot run this experiment type (runs: %s)",
                            known);
}
