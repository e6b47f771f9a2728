/*
 * npz.h -- NumPy .npz archives: read and write named float arrays.
 *
 * An .npz file (np.savez, np.savez_compressed) is a zip archive with one
 * member "<name>.npy" per array; its members are stored or deflated.  A
 * .npy member is the magic "\x93NUMPY", a version byte pair (1.0, 2.0 or
 * 3.0), the header length (little-endian uint16 for 1.0, uint32 for 2.0
 * and 3.0), a Python dict literal such as
 *     {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
 * padded with blanks and ended by a newline, then the raw data.
 *
 * Accepted: float32 and float64 ('<f4', '<f8', and the big-endian '>f4',
 * '>f8'), uint8 ('|u1', e.g. text as bytes), C or Fortran order, 1-D and
 * 2-D arrays without a zero-length dimension.  Arrays are returned as
 * doubles in C (row-major) order whatever the file's order (the dtype as
 * stored is in the array's descr).  Everything else is refused with an error
 * naming the file, the member, its dtype and its shape.  Two points are
 * stricter than NumPy's own loader: a header naming a key twice and a
 * member holding more data than its shape needs are errors, because both
 * mean the file is not what its header says.
 *
 * Every error names the file (err->file) and, where it concerns one, the
 * member ("member 'W0': ...").  Sizes from a header are checked against
 * the member's size before anything is allocated, and the data are read
 * in growing chunks, so a lying header cannot cause a huge allocation.
 */
#ifndef COSPIN_NPZ_H
#define COSPIN_NPZ_H

#include <stddef.h>

#include "cospin.h"

/* Longest member name kept (without ".npy"), including the final NUL. */
#define COSPIN_NPZ_NAME_MAX 128

/* An open archive (opaque). */
struct cospin_npz;

/* One array read from an archive. */
struct cospin_npz_array {
    char name[COSPIN_NPZ_NAME_MAX]; /* member name without ".npy" */
    char file[256];                 /* archive it came from (for messages) */
    char descr[8];                  /* dtype as stored: "<f8", ">f4", "|u1", ... */
    int ndim;                       /* 1 or 2 */
    size_t shape[2];                /* rows, columns; shape[1] is 1 for a 1-D array */
    size_t n;                       /* number of values, shape[0] * shape[1] */
    double *data;                   /* n values in C order; owned, freed by _array_clear */
};

/* One array to write; exactly one of f64, f32 and u8 is set. */
struct cospin_npz_entry {
    const char *name;   /* member name without ".npy": 1 .. COSPIN_NPZ_NAME_MAX-1 bytes */
    int ndim;           /* 1 or 2 */
    size_t shape[2];    /* rows, columns; shape[1] is ignored for a 1-D array */
    const double *f64;  /* C-order values, written as '<f8'; not owned */
    const float *f32;   /* C-order values, written as '<f4'; not owned */
    const unsigned char *u8;   /* C-order values, written as '|u1'; not owned */
};

/*
 * Open the archive at path and list its members.  On success *out is a new
 * archive (close with cospin_npz_close).  Returns 0, COSPIN_ERR_IO (cannot
 * open or read the file), COSPIN_ERR_DATA (not a zip archive, truncated or
 * damaged, a bare .npy file) or COSPIN_ERR_NOMEM; err names the file.
 */
int cospin_npz_open(const char *path, struct cospin_npz **out, struct cospin_error *err);

/*
 * The same for an archive held in memory (len bytes, copied: data need not
 * outlive the call).  name is used as the file name in messages.
 */
int cospin_npz_open_memory(const void *data, size_t len, const char *name,
                           struct cospin_npz **out, struct cospin_error *err);

/* Close an archive and free everything it owns.  NULL-safe. */
void cospin_npz_close(struct cospin_npz *z);

/* Number of members. */
size_t cospin_npz_count(const struct cospin_npz *z);

/*
 * Name of member i (0 .. count-1) without a ".npy" suffix, owned by the
 * archive; NULL when i is out of range.
 */
const char *cospin_npz_member(const struct cospin_npz *z, size_t i);

/* Nonzero if the archive has a member called name (without ".npy"). */
int cospin_npz_has(const struct cospin_npz *z, const char *name);

/*
 * Read member name (without ".npy") into *a (cleared first; release it with
 * cospin_npz_array_clear).  Returns 0, COSPIN_ERR_INVALID (no such member),
 * COSPIN_ERR_DATA (not a .npy member, bad header, unsupported dtype or
 * shape, data size differs from the shape, damaged compressed data) or
 * COSPIN_ERR_NOMEM.  Non-finite values are read as they are; see
 * cospin_npz_check_finite.
 */
int cospin_npz_read(struct cospin_npz *z, const char *name, struct cospin_npz_array *a,
                    struct cospin_error *err);

/* Free a's data and zero it.  NULL-safe; safe on a cleared array. */
void cospin_npz_array_clear(struct cospin_npz_array *a);

/*
 * Check that every value of a is finite: COSPIN_ERR_DATA naming the file,
 * the member and the first NaN or infinite element (with its row and
 * column), else 0.
 */
int cospin_npz_check_finite(const struct cospin_npz_array *a, struct cospin_error *err);

/*
 * Write n arrays as an .npz archive at path, atomically (a temporary file
 * in the same directory renamed into place; nothing is left behind on
 * failure).  compress: 0 stores the members (like np.savez), nonzero
 * deflates them (like np.savez_compressed).  Members are .npy version 1.0,
 * C order, with NumPy's 64-byte header alignment and a fixed 1980-01-01
 * time stamp, so equal input gives an identical file.
 * Returns 0, COSPIN_ERR_INVALID (bad or duplicate name, bad shape, not
 * exactly one data pointer), COSPIN_ERR_IO or COSPIN_ERR_NOMEM.
 */
int cospin_npz_write(const char *path, const struct cospin_npz_entry *entries, size_t n,
                     int compress, struct cospin_error *err);

#endif
