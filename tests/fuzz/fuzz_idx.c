/*
 * fuzz_idx.c -- the IDX dataset reader (learning/dataset.h): the input is
 * written to a temporary file (the readers take a path; gzip or raw is told
 * from the content) and read as images, as labels and by the probe.
 */
#include <config.h>

#include "dataset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    if (fuzz_temp_file(data, size, path, sizeof path) != 0)
        return 0;
    struct cospin_error err = {0};
    uint8_t *pixels = NULL;
    size_t n = 0, rows = 0, cols = 0;
    int rc = cospin_idx_read_images(path, &pixels, &n, &rows, &cols, &err);
    fuzz_expect(rc, &err, "cospin_idx_read_images");
    if ((rc == 0) != (pixels != NULL) || (rc == 0 && (n == 0 || rows == 0 || cols == 0)))
        abort();
    free(pixels);

    struct cospin_error lerr = {0};
    uint8_t *labels = NULL;
    rc = cospin_idx_read_labels(path, &labels, &n, &lerr);
    fuzz_expect(rc, &lerr, "cospin_idx_read_labels");
    if ((rc == 0) != (labels != NULL))
        abort();
    free(labels);

    struct cospin_error perr = {0};
    int ndim = 0;
    rc = cospin_idx_probe(path, &ndim, &perr);
    fuzz_expect(rc, &perr, "cospin_idx_probe");
    if (rc == 0 && (ndim < 1 || ndim > COSPIN_IDX_MAX_DIMS))
        abort();
    unlink(path);
    return 0;
}
