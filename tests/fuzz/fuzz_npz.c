/*
 * fuzz_npz.c -- the NumPy .npz reader (learning/npz.h): open an archive
 * from memory, read every member, check the values.
 *
 * An input that is a bare .npy array (it starts with "\x93NUMPY") is first
 * wrapped into a one-member stored archive: the zip layer checks a CRC
 * over each member, so mutations of a .npy inside an archive would rarely
 * get past the header; wrapped, they reach every path of the .npy reader.
 */
#include <config.h>

#include <string.h>
#include <zlib.h>

#include "fuzz.h"
#include "npz.h"

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffffu);
    put16(p + 2, v >> 16);
}

/* A zip archive holding data as the stored member "a.npy", in a new buffer (*len bytes). */
static uint8_t *wrap_npy(const uint8_t *data, size_t size, size_t *len)
{
    static const char name[] = "a.npy";
    const size_t nlen = sizeof name - 1, local = 30 + nlen, central = 46 + nlen;
    uint8_t *z = calloc(1, local + size + central + 22);
    if (!z)
        return NULL;
    uint32_t crc = (uint32_t)crc32(0L, data, (uInt)size);
    put32(z, 0x04034b50u);                   /* local file header */
    put16(z + 4, 20);                        /* version needed */
    put32(z + 14, crc);
    put32(z + 18, (uint32_t)size);           /* compressed = uncompressed: stored */
    put32(z + 22, (uint32_t)size);
    put16(z + 26, (unsigned)nlen);
    memcpy(z + 30, name, nlen);
    memcpy(z + local, data, size);
    uint8_t *c = z + local + size;
    put32(c, 0x02014b50u);                   /* central directory entry */
    put16(c + 4, 20);
    put16(c + 6, 20);
    put32(c + 16, crc);
    put32(c + 20, (uint32_t)size);
    put32(c + 24, (uint32_t)size);
    put16(c + 28, (unsigned)nlen);
    memcpy(c + 46, name, nlen);
    uint8_t *e = c + central;
    put32(e, 0x06054b50u);                   /* end of central directory */
    put16(e + 8, 1);
    put16(e + 10, 1);
    put32(e + 12, (uint32_t)central);
    put32(e + 16, (uint32_t)(local + size));
    *len = local + size + central + 22;
    return z;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *wrapped = NULL;
    if (size >= 6 && size < (1u << 30) && memcmp(data, "\x93NUMPY", 6) == 0) {
        if (!(wrapped = wrap_npy(data, size, &size)))
            return 0;
        data = wrapped;
    }
    struct cospin_npz *z = NULL;
    struct cospin_error err = {0};
    int rc = cospin_npz_open_memory(data, size, "fuzz.npz", &z, &err);
    free(wrapped);
    fuzz_expect(rc, &err, "cospin_npz_open_memory");
    if (rc != 0) {
        if (z)
            abort();   /* a failed open returns no archive */
        return 0;
    }
    for (size_t i = 0; i < cospin_npz_count(z); i++) {
        const char *name = cospin_npz_member(z, i);
        struct cospin_npz_array a;
        struct cospin_error aerr = {0};
        rc = cospin_npz_read(z, name, &a, &aerr);
        fuzz_expect(rc, &aerr, "cospin_npz_read");
        if (rc != 0) {
            /* Nothing is handed out on failure, and the message names the member. */
            if (a.data || strncmp(aerr.msg, "member '", 8) != 0)
                abort();
            continue;
        }
        if (a.ndim < 1 || a.ndim > 2 || a.n != a.shape[0] * a.shape[1] || a.n == 0 ||
            (a.ndim == 1 && a.shape[1] != 1))
            abort();
        struct cospin_error ferr = {0};
        fuzz_expect(cospin_npz_check_finite(&a, &ferr), &ferr, "cospin_npz_check_finite");
        cospin_npz_array_clear(&a);
    }
    cospin_npz_close(z);
    return 0;
}
