/*
 * fuzz.h -- what the fuzz targets in tests/fuzz/ share.
 *
 * Each fuzz_<reader>.c defines LLVMFuzzerTestOneInput: it feeds one input
 * to one reader of outside files and aborts when the reader breaks one of
 * its promises (a crash or a sanitizer report is a finding anyway).  A
 * target is linked twice: with libFuzzer (./configure --enable-fuzz,
 * `make fuzz`) and with replay.c, which runs it over its seed corpus and
 * the inputs of past findings in every `make check`.
 */
#ifndef COSPIN_FUZZ_H
#define COSPIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cospin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The promises every reader makes about its status: a failure comes with a
 * recorded error and a message, and no input of a fuzzer's size (at most a
 * few hundred kB) makes a reader run out of memory -- that would mean it
 * trusted a size from the input.  what names the call in the report.
 */
static inline void fuzz_expect(int rc, const struct cospin_error *err, const char *what)
{
    if (rc == 0)
        return;
    if (err->code == 0 || err->msg[0] == '\0') {
        fprintf(stderr, "fuzz: %s returned %d without recording an error\n", what, rc);
        abort();
    }
    if (rc == COSPIN_ERR_NOMEM) {
        fprintf(stderr, "fuzz: %s ran out of memory on a small input: %s\n", what, err->msg);
        abort();
    }
}

/*
 * Write data to a new temporary file (for readers that take a path) and put
 * its name in path (size n).  The caller unlinks it.  Returns 0, or -1 when
 * the file cannot be written (the input is skipped then).
 */
static inline int fuzz_temp_file(const uint8_t *data, size_t size, char *path, size_t n)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/cospin-fuzz-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    close(fd);
    if (done < size) {
        unlink(path);
        return -1;
    }
    return 0;
}

#endif
