/*
 * npz.c -- NumPy .npz archives through libzip (npz.h).
 *
 * Why libzip rather than a zip reader of our own on top of zlib: NumPy
 * writes every member with a zip64 extra field (np.savez opens members with
 * force_zip64=True), zip files in the wild add data descriptors, extra
 * fields and archive comments, and an outside file must never crash the
 * reader.  libzip parses all of that, checks each member's CRC and is
 * fuzzed upstream (OSS-Fuzz), so this file only has to get the .npy layer
 * right.  Writing goes through libzip too (into memory), then through
 * output.h's temporary file and rename.
 */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#include "error.h"
#include "npz.h"
#include "output.h"

/* .npy magic: 0x93 then "NUMPY". */
static const unsigned char NPY_MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
/* Longest .npy header dict accepted; NumPy's own reader stops at 10000 bytes. */
#define NPY_MAX_HEADER_BYTES 65536u
/* Most dimensions a header may list (NumPy's limit); only 1 and 2 are read. */
#define NPY_MAX_DIMS 64
/* NumPy pads header + prefix to a multiple of this (format.ARRAY_ALIGN). */
#define NPY_ALIGN_BYTES 64u
/* First read chunk for member data; the buffer doubles from there. */
#define NPZ_CHUNK_BYTES (1u << 20)
/* Name shown for a member in messages at most (longer names are cut). */
#define NPZ_SHOW_NAME_MAX 100

struct cospin_npz {
    zip_t *za;
    char path[256];      /* for messages */
    size_t n;            /* members */
    char **names;        /* names without ".npy"; owned */
    zip_uint64_t *index; /* zip index of each member */
};

/* A parsed .npy header. */
struct npy_header {
    char descr[64];      /* the dtype text: "<f8", or a structured dtype's list */
    int descr_is_str;    /* descr was a string (not a list) */
    int fortran_order;
    int ndim;
    uint64_t shape[NPY_MAX_DIMS];
    size_t header_bytes; /* magic + version + length + dict */
};

/* ---- messages -------------------------------------------------------------------- */

/* A name from the archive, printable and short, for an error message. */
static const char *show(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (; in && *in && k + 4 < n && k < NPZ_SHOW_NAME_MAX; in++)
        out[k++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
    if (in && *in && k + 4 <= n) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
    return out;
}

/* Record "member 'name': <fmt...>" against file in err.  Returns code. */
static int member_error(struct cospin_error *err, int code, const char *file, const char *name,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int member_error(struct cospin_error *err, int code, const char *file, const char *name,
                        const char *fmt, ...)
{
    char what[600], nm[NPZ_SHOW_NAME_MAX + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cospin_error_set(err, code, file, 0, "member '%s': %s", show(name, nm, sizeof nm),
                            what);
}

/* "(3, 4)", "(3,)" or "()" into buf (cut with "..." if long). */
static const char *format_shape(const uint64_t *shape, int ndim, char *buf, size_t n)
{
    size_t k = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, d ? ", %llu" : "%llu",
                              (unsigned long long)shape[d]);
    if (k < n)
        snprintf(buf + k, n - k, ndim == 1 ? ",)" : ")");
    if (k >= n - 2 && n > 4)
        snprintf(buf + n - 5, 5, "...)");
    return buf;
}

/* ---- the .npy header dict ------------------------------------------------------------ */

struct dict_parser {
    const char *p, *end;
    char why[160];   /* first problem */
};

static int fail(struct dict_parser *d, const char *what)
{
    if (!d->why[0])
        snprintf(d->why, sizeof d->why, "%s", what);
    return -1;
}

static void skip_blanks(struct dict_parser *d)
{
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\n' || *d->p == '\r'))
        d->p++;
}

/* Consume ch after blanks; 0 if it was there. */
static int eat(struct dict_parser *d, char ch)
{
    skip_blanks(d);
    if (d->p < d->end && *d->p == ch) {
        d->p++;
        return 0;
    }
    return -1;
}

/* A quoted string ('...' or "...", no escapes) into out. */
static int parse_string(struct dict_parser *d, char *out, size_t n)
{
    skip_blanks(d);
    if (d->p >= d->end || (*d->p != '\'' && *d->p != '"'))
        return fail(d, "expected a quoted string");
    char q = *d->p++;
    size_t k = 0;
    while (d->p < d->end && *d->p != q) {
        if (*d->p == '\\')
            return fail(d, "escapes in strings are not supported");
        if (k + 1 >= n)
            return fail(d, "string too long");
        out[k++] = *d->p++;
    }
    if (d->p >= d->end)
        return fail(d, "unterminated string");
    d->p++;
    out[k] = '\0';
    return 0;
}

/* A structured dtype's list, kept as text (for the message): balanced [...]. */
static int parse_list_text(struct dict_parser *d, char *out, size_t n)
{
    const char *start = d->p;
    int depth = 0;
    char q = 0;
    for (; d->p < d->end; d->p++) {
        char c = *d->p;
        if (q) {
            if (c == q)
                q = 0;
        } else if (c == '\'' || c == '"') {
            q = c;
        } else if (c == '[' || c == '(') {
            depth++;
        } else if ((c == ']' || c == ')') && --depth == 0) {
            d->p++;
            size_t len = (size_t)(d->p - start);
            snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), start);
            return 0;
        }
    }
    return fail(d, "unterminated list in 'descr'");
}

static int parse_bool(struct dict_parser *d, int *v)
{
    skip_blanks(d);
    size_t left = (size_t)(d->end - d->p);
    if (left >= 4 && memcmp(d->p, "True", 4) == 0) {
        *v = 1;
        d->p += 4;
        return 0;
    }
    if (left >= 5 && memcmp(d->p, "False", 5) == 0) {
        *v = 0;
        d->p += 5;
        return 0;
    }
    return fail(d, "'fortran_order' must be True or False");
}

/* A non-negative decimal integer (a trailing L of Python 2 files allowed). */
static int parse_dim(struct dict_parser *d, uint64_t *v)
{
    skip_blanks(d);
    if (d->p < d->end && *d->p == '-')
        return fail(d, "negative dimension in 'shape'");
    if (d->p >= d->end || *d->p < '0' || *d->p > '9')
        return fail(d, "'shape' must be a tuple of integers");
    uint64_t x = 0;
    while (d->p < d->end && *d->p >= '0' && *d->p <= '9') {
        unsigned digit = (unsigned)(*d->p++ - '0');
        if (x > (UINT64_MAX - digit) / 10)
            return fail(d, "dimension in 'shape' does not fit in 64 bits");
        x = x * 10 + digit;
    }
    if (d->p < d->end && *d->p == 'L')
        d->p++;
    *v = x;
    return 0;
}

/* A tuple of dimensions: "()", "(3,)", "(3, 4)", "(3, 4,)". */
static int parse_shape(struct dict_parser *d, struct npy_header *h)
{
    if (eat(d, '(') != 0)
        return fail(d, "'shape' must be a tuple");
    h->ndim = 0;
    int comma = 0;
    while (eat(d, ')') != 0) {
        if (h->ndim == NPY_MAX_DIMS)
            return fail(d, "'shape' has more than 64 dimensions");
        if (parse_dim(d, &h->shape[h->ndim++]) != 0)
            return -1;
        comma = eat(d, ',') == 0;
        skip_blanks(d);
        if (!comma && (d->p >= d->end || *d->p != ')'))
            return fail(d, "expected ',' or ')' in 'shape'");
    }
    if (h->ndim == 1 && !comma)
        return fail(d, "'shape' must be a tuple: (n,) for one dimension");
    return 0;
}

/* The value of key into h; bit in *seen marks it read. */
static int parse_entry(struct dict_parser *d, struct npy_header *h, unsigned *seen)
{
    char key[32];
    if (parse_string(d, key, sizeof key) != 0)
        return fail(d, "expected a quoted key");
    if (eat(d, ':') != 0)
        return fail(d, "expected ':' after a key");
    static const char *const keys[3] = {"descr", "fortran_order", "shape"};
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0)
        k++;
    if (k == 3)
        return fail(d, "unknown key (only 'descr', 'fortran_order' and 'shape' are allowed)");
    if (*seen & (1u << k))
        return fail(d, "a key appears twice");
    *seen |= 1u << k;
    if (k == 1)
        return parse_bool(d, &h->fortran_order);
    if (k == 2)
        return parse_shape(d, h);
    skip_blanks(d);
    h->descr_is_str = d->p < d->end && *d->p != '[';
    if (!h->descr_is_str)
        return parse_list_text(d, h->descr, sizeof h->descr);
    return parse_string(d, h->descr, sizeof h->descr);
}

/*
 * Parse the dict text (len bytes) into h.  0, or -1 with the reason in
 * why (size n).
 */
static int npy_parse_dict(const char *text, size_t len, struct npy_header *h, char *why,
                          size_t n)
{
    struct dict_parser d = {text, text + len, ""};
    unsigned seen = 0;
    int rc = 0;
    if (eat(&d, '{') != 0) {
        rc = fail(&d, "not a dict (must start with '{')");
    } else {
        while (eat(&d, '}') != 0) {
            if ((rc = parse_entry(&d, h, &seen)) != 0)
                break;
            if (eat(&d, ',') != 0) {
                if ((rc = eat(&d, '}')) != 0)
                    fail(&d, "expected ',' or '}'");
                break;
            }
        }
    }
    skip_blanks(&d);
    if (rc == 0 && d.p != d.end)
        rc = fail(&d, "text after the closing '}'");
    if (rc == 0 && seen != 7u)
        rc = fail(&d, "missing key (needs 'descr', 'fortran_order' and 'shape')");
    if (rc != 0)
        snprintf(why, n, "%s", d.why);
    return rc;
}

/* ---- reading a member ------------------------------------------------------------- */

/* Read up to n bytes; the count read (short only at the end), or -1 on an error. */
static long long read_full(zip_file_t *zf, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        zip_int64_t r = zip_fread(zf, (char *)buf + done, n - done);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long long)done;
}

/*
 * Read the magic, version, length and dict of an open member into h.
 * member_size is the member's size from the archive's directory, or
 * UINT64_MAX when unknown.
 */
static int npy_read_header(zip_file_t *zf, const char *file, const char *name,
                           uint64_t member_size, struct npy_header *h, struct cospin_error *err)
{
    unsigned char pre[12];
    long long got = read_full(zf, pre, 8);
    if (got < 0)
        return member_error(err, COSPIN_ERR_DATA, file, name, "cannot read: %s",
                            zip_file_strerror(zf));
    if (got < 8 || memcmp(pre, NPY_MAGIC, sizeof NPY_MAGIC) != 0)
        return member_error(err, COSPIN_ERR_DATA, file, name,
                            "not a .npy array (no \\x93NUMPY magic at its start)");
    int major = pre[6], minor = pre[7];
    if (major < 1 || major > 3 || minor != 0)
        return member_error(err, COSPIN_ERR_DATA, file, name,
                            ".npy format version %d.%d is not supported (1.0, 2.0, 3.0 are)",
                            major, minor);
    size_t lenbytes = major == 1 ? 2 : 4;
    if (read_full(zf, pre + 8, lenbytes) != (long long)lenbytes)
        return member_error(err, COSPIN_ERR_DATA, file, name, "truncated .npy header");
    uint32_t hlen = pre[8] | (uint32_t)pre[9] << 8;
    if (major > 1)
        hlen |= (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    h->header_bytes = 8 + lenbytes + hlen;
    if (hlen > NPY_MAX_HEADER_BYTES || h->header_bytes > member_size)
        return member_error(err, COSPIN_ERR_DATA, file, name,
                            "bad .npy header: length %u does not fit in the member "
                            "(%llu bytes)", hlen, (unsigned long long)member_size);
    char *text = malloc(hlen + 1u);
    if (!text)
        return member_error(err, COSPIN_ERR_NOMEM, file, name, "out of memory");
    int rc = 0;
    if (read_full(zf, text, hlen) != (long long)hlen) {
        rc = member_error(err, COSPIN_ERR_DATA, file, name, "truncated .npy header");
    } else {
        char why[160];
        text[hlen] = '\0';
        if (npy_parse_dict(text, hlen, h, why, sizeof why) != 0) {
            char shown[80];
            rc = member_error(err, COSPIN_ERR_DATA, file, name, "bad .npy header %s: %s",
                              show(text, shown, sizeof shown), why);
        }
    }
    free(text);
    return rc;
}

/*
 * Check that h describes a supported array and compute its value count and
 * data size; *itemsize is 4 or 8.  what ("dtype '<f8', shape (3, 4)") is
 * for the messages.
 */
static int npy_check(const struct npy_header *h, const char *file, const char *name,
                     const char *what, size_t *n, size_t *itemsize, size_t *data_bytes,
                     struct cospin_error *err)
{
    int is_float = h->descr_is_str && (h->descr[0] == '<' || h->descr[0] == '>') &&
                   h->descr[1] == 'f' && (h->descr[2] == '4' || h->descr[2] == '8') &&
                   h->descr[3] == '\0';
    /* uint8: NumPy writes '|u1' (byte order does not apply); '<u1' and '>u1' mean the same. */
    int is_u8 = h->descr_is_str && strchr("|<>", h->descr[0]) && h->descr[0] &&
                strcmp(h->descr + 1, "u1") == 0;
    if (!(is_float || is_u8) || h->ndim < 1 || h->ndim > 2)
        return member_error(err, COSPIN_ERR_DATA, file, name,
                            "%s: only float32, float64 or uint8 arrays of 1 or 2 dimensions "
                            "are supported", what);
    *itemsize = is_u8 ? 1 : h->descr[2] == '4' ? 4 : 8;
    uint64_t count = 1;
    for (int i = 0; i < h->ndim; i++) {
        if (h->shape[i] == 0)
            return member_error(err, COSPIN_ERR_DATA, file, name, "%s: the array is empty",
                                what);
        if (count > UINT64_MAX / h->shape[i]) {
            count = UINT64_MAX;
            break;
        }
        count *= h->shape[i];
    }
    if (count == UINT64_MAX || count > (SIZE_MAX - h->header_bytes) / sizeof(double))
        return member_error(err, COSPIN_ERR_DATA, file, name,
                            "%s: too many values for this machine", what);
    *n = (size_t)count;
    *data_bytes = *n * *itemsize;
    return 0;
}

/*
 * Read exactly want bytes of data into a new buffer *raw; the member must
 * end there.  The buffer grows with the data actually read, so a header
 * claiming more than the member holds allocates no more than the member.
 * what ("dtype '<f8', shape (3, 4)") is for the messages.
 */
static int npy_read_data(zip_file_t *zf, const char *file, const char *name, const char *what,
                         size_t want, unsigned char **raw, struct cospin_error *err)
{
    size_t cap = want < NPZ_CHUNK_BYTES ? want : NPZ_CHUNK_BYTES, have = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return member_error(err, COSPIN_ERR_NOMEM, file, name, "out of memory");
    long long got;
    for (;;) {
        got = read_full(zf, buf + have, cap - have);
        if (got < 0)
            break;
        have += (size_t)got;
        if (have < cap || cap == want)
            break;
        size_t next = cap > want / 2 ? want : 2 * cap;
        unsigned char *nb = realloc(buf, next);
        if (!nb) {
            free(buf);
            return member_error(err, COSPIN_ERR_NOMEM, file, name, "out of memory");
        }
        buf = nb;
        cap = next;
    }
    unsigned char extra;
    if (got >= 0 && have == want)
        got = read_full(zf, &extra, 1);
    int rc = 0;
    if (got < 0)
        rc = member_error(err, COSPIN_ERR_DATA, file, name, "cannot read the data: %s",
                          zip_file_strerror(zf));
    else if (have < want)
        rc = member_error(err, COSPIN_ERR_DATA, file, name,
                          "%s needs %zu data bytes, the member holds only %zu", what, want,
                          have);
    else if (got > 0)
        rc = member_error(err, COSPIN_ERR_DATA, file, name,
                          "%s needs %zu data bytes, the member holds more", what, want);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    *raw = buf;
    return 0;
}

/* The value at p: one unsigned byte, or 4 or 8 bytes of little- or big-endian IEEE 754. */
static double load_value(const unsigned char *p, size_t itemsize, int big)
{
    if (itemsize == 1)
        return p[0];
    uint64_t u = 0;
    for (size_t b = 0; b < itemsize; b++)
        u |= (uint64_t)p[big ? itemsize - 1 - b : b] << (8 * b);
    if (itemsize == 8) {
        double v;
        memcpy(&v, &u, sizeof v);
        return v;
    }
    uint32_t u32 = (uint32_t)u;
    float f;
    memcpy(&f, &u32, sizeof f);
    return f;
}

/* Convert raw (file order, h's dtype) into a->data in C order. */
static void npy_convert(const unsigned char *raw, const struct npy_header *h, size_t itemsize,
                        struct cospin_npz_array *a)
{
    int big = h->descr[0] == '>';
    size_t rows = a->shape[0], cols = a->shape[1];
    for (size_t k = 0; k < a->n; k++) {
        /* Fortran order stores column after column: value k is (k % rows, k / rows). */
        size_t dst = h->fortran_order ? (k % rows) * cols + k / rows : k;
        a->data[dst] = load_value(raw + k * itemsize, itemsize, big);
    }
}

/* ---- the archive --------------------------------------------------------------------- */

/* Translate a failed zip_open_from_source; head holds the file's first bytes. */
static int open_error(const char *file, const unsigned char *head, size_t nhead, zip_error_t *ze,
                      struct cospin_error *err)
{
    int zcode = zip_error_code_zip(ze);
    if (nhead == 0)
        return cospin_error_set(err, COSPIN_ERR_DATA, file, 0,
                                "empty file, not an .npz file (a zip archive of .npy arrays)");
    if (nhead >= sizeof NPY_MAGIC && memcmp(head, NPY_MAGIC, sizeof NPY_MAGIC) == 0)
        return cospin_error_set(err, COSPIN_ERR_DATA, file, 0,
                                "a single .npy array, not an .npz archive (np.savez writes .npz)");
    if (zcode == ZIP_ER_MEMORY)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, file, 0, "out of memory");
    if (zcode == ZIP_ER_OPEN || zcode == ZIP_ER_READ || zcode == ZIP_ER_SEEK ||
        zcode == ZIP_ER_NOENT || zcode == ZIP_ER_TELL)
        return cospin_error_set(err, COSPIN_ERR_IO, file, 0, "cannot read: %s",
                                zip_error_strerror(ze));
    if (zcode == ZIP_ER_NOZIP && nhead >= 4 && memcmp(head, "PK\3\4", 4) == 0)
        return cospin_error_set(err, COSPIN_ERR_DATA, file, 0,
                                "truncated or damaged zip archive (no end-of-archive record)");
    if (zcode == ZIP_ER_NOZIP)
        return cospin_error_set(err, COSPIN_ERR_DATA, file, 0,
                                "not an .npz file (an .npz file is a zip archive of .npy arrays)");
    return cospin_error_set(err, COSPIN_ERR_DATA, file, 0, "damaged zip archive: %s",
                            zip_error_strerror(ze));
}

/* Fill z's member list from its archive. */
static int list_members(struct cospin_npz *z, struct cospin_error *err)
{
    zip_int64_t ne = zip_get_num_entries(z->za, 0);
    if (ne < 0)
        return cospin_error_set(err, COSPIN_ERR_DATA, z->path, 0, "damaged zip archive");
    z->names = calloc((size_t)ne + 1, sizeof *z->names);
    z->index = calloc((size_t)ne + 1, sizeof *z->index);
    if (!z->names || !z->index)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, z->path, 0, "out of memory");
    for (zip_uint64_t i = 0; i < (zip_uint64_t)ne; i++) {
        const char *nm = zip_get_name(z->za, i, 0);
        if (!nm)
            return cospin_error_set(err, COSPIN_ERR_DATA, z->path, 0,
                                    "damaged zip archive: entry %llu has no name: %s",
                                    (unsigned long long)i, zip_strerror(z->za));
        size_t len = strlen(nm);
        if (len == 0 || nm[len - 1] == '/')
            continue;   /* a directory entry, not an array */
        if (len > 4 && strcmp(nm + len - 4, ".npy") == 0)
            len -= 4;
        if (!(z->names[z->n] = strndup(nm, len)))
            return cospin_error_set(err, COSPIN_ERR_NOMEM, z->path, 0, "out of memory");
        z->index[z->n++] = i;
    }
    return 0;
}

/* Open the archive in src (taken over: freed on failure too). */
static int open_source(zip_source_t *src, const char *file, const unsigned char *head,
                       size_t nhead, struct cospin_npz **out, struct cospin_error *err)
{
    struct cospin_npz *z = calloc(1, sizeof *z);
    if (!z) {
        zip_source_free(src);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, file, 0, "out of memory");
    }
    snprintf(z->path, sizeof z->path, "%s", file);
    zip_error_t ze;
    zip_error_init(&ze);
    z->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    int rc = 0;
    if (!z->za) {
        zip_source_free(src);
        rc = open_error(file, head, nhead, &ze, err);
    } else {
        rc = list_members(z, err);
    }
    zip_error_fini(&ze);
    if (rc != 0) {
        cospin_npz_close(z);
        return rc;
    }
    *out = z;
    return 0;
}

int cospin_npz_open(const char *path, struct cospin_npz **out, struct cospin_error *err)
{
    *out = NULL;
    if (!path)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no file name");
    FILE *f = fopen(path, "rb");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    unsigned char head[8];
    size_t nhead = fread(head, 1, sizeof head, f);
    int e = ferror(f) ? errno : 0;
    fclose(f);
    if (e != 0)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot read: %s", strerror(e));
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_file_create(path, 0, -1, &ze);
    if (!src) {
        int rc = open_error(path, head, nhead, &ze, err);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    return open_source(src, path, head, nhead, out, err);
}

int cospin_npz_open_memory(const void *data, size_t len, const char *name,
                           struct cospin_npz **out, struct cospin_error *err)
{
    *out = NULL;
    if (!name)
        name = "<memory>";
    if (!data && len > 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, name, 0, "no data");
    if (len == 0) {
        /* libzip would take an empty buffer for an empty archive. */
        zip_error_t ze;
        zip_error_init_with_code(&ze, ZIP_ER_NOZIP);
        int rc = open_error(name, data, 0, &ze, err);
        zip_error_fini(&ze);
        return rc;
    }
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, name, 0, "out of memory");
    if (len)
        memcpy(copy, data, len);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(copy, len, 1, &ze);
    if (!src) {
        free(copy);
        int rc = open_error(name, data, len, &ze, err);
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    return open_source(src, name, data, len, out, err);
}

void cospin_npz_close(struct cospin_npz *z)
{
    if (!z)
        return;
    if (z->za)
        zip_discard(z->za);
    for (size_t i = 0; i < z->n; i++)
        free(z->names[i]);
    free(z->names);
    free(z->index);
    free(z);
}

size_t cospin_npz_count(const struct cospin_npz *z)
{
    return z ? z->n : 0;
}

const char *cospin_npz_member(const struct cospin_npz *z, size_t i)
{
    return z && i < z->n ? z->names[i] : NULL;
}

/* Position of member name in z's list, or -1. */
static long find_member(const struct cospin_npz *z, const char *name)
{
    for (size_t i = 0; z && name && i < z->n; i++)
        if (strcmp(z->names[i], name) == 0)
            return (long)i;
    return -1;
}

int cospin_npz_has(const struct cospin_npz *z, const char *name)
{
    return find_member(z, name) >= 0;
}

/* "no such array" with the names the archive does have. */
static int missing_member(const struct cospin_npz *z, const char *name, struct cospin_error *err)
{
    char have[300] = "", nm[NPZ_SHOW_NAME_MAX + 8];
    size_t k = 0;
    for (size_t i = 0; i < z->n && k + 1 < sizeof have; i++)
        k += (size_t)snprintf(have + k, sizeof have - k, "%s%s", i ? ", " : "",
                              show(z->names[i], nm, sizeof nm));
    return member_error(err, COSPIN_ERR_INVALID, z->path, name,
                        "no such array in the archive (it has: %s)", z->n ? have : "nothing");
}

void cospin_npz_array_clear(struct cospin_npz_array *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* Read the open member zf (size member_size, UINT64_MAX if unknown) into a. */
static int read_member(zip_file_t *zf, const char *file, const char *name, uint64_t member_size,
                       struct cospin_npz_array *a, struct cospin_error *err)
{
    struct npy_header h;
    memset(&h, 0, sizeof h);
    int rc = npy_read_header(zf, file, name, member_size, &h, err);
    if (rc != 0)
        return rc;
    char what[256], shp[128], dt[80];
    snprintf(what, sizeof what, "dtype '%s', shape %s", show(h.descr, dt, sizeof dt),
             format_shape(h.shape, h.ndim, shp, sizeof shp));
    size_t n = 0, itemsize = 0, data_bytes = 0;
    if ((rc = npy_check(&h, file, name, what, &n, &itemsize, &data_bytes, err)) != 0)
        return rc;
    if (member_size != UINT64_MAX && member_size - h.header_bytes != data_bytes)
        return member_error(err, COSPIN_ERR_DATA, file, name,
                            "%s needs %zu data bytes, the member holds %llu", what, data_bytes,
                            (unsigned long long)(member_size - h.header_bytes));
    unsigned char *raw = NULL;
    if ((rc = npy_read_data(zf, file, name, what, data_bytes, &raw, err)) != 0)
        return rc;
    a->data = malloc(n * sizeof *a->data);
    if (!a->data) {
        free(raw);
        return member_error(err, COSPIN_ERR_NOMEM, file, name, "out of memory");
    }
    snprintf(a->name, sizeof a->name, "%s", name);
    snprintf(a->file, sizeof a->file, "%s", file);
    snprintf(a->descr, sizeof a->descr, "%.7s", h.descr);   /* checked: 3 characters */
    a->ndim = h.ndim;
    a->shape[0] = (size_t)h.shape[0];
    a->shape[1] = h.ndim == 2 ? (size_t)h.shape[1] : 1;
    a->n = n;
    npy_convert(raw, &h, itemsize, a);
    free(raw);
    return 0;
}

int cospin_npz_read(struct cospin_npz *z, const char *name, struct cospin_npz_array *a,
                    struct cospin_error *err)
{
    memset(a, 0, sizeof *a);
    if (!z || !name)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no archive or member name");
    long m = find_member(z, name);
    if (m < 0)
        return missing_member(z, name, err);
    zip_uint64_t idx = z->index[m];
    zip_stat_t st;
    zip_stat_init(&st);
    uint64_t member_size = UINT64_MAX;
    if (zip_stat_index(z->za, idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
        member_size = st.size;
    zip_file_t *zf = zip_fopen_index(z->za, idx, 0);
    if (!zf)
        return member_error(err, COSPIN_ERR_DATA, z->path, name, "cannot open: %s",
                            zip_strerror(z->za));
    int rc = read_member(zf, z->path, name, member_size, a, err);
    zip_fclose(zf);
    if (rc != 0)
        cospin_npz_array_clear(a);
    return rc;
}

int cospin_npz_check_finite(const struct cospin_npz_array *a, struct cospin_error *err)
{
    for (size_t k = 0; k < a->n; k++) {
        double v = a->data[k];
        if (isfinite(v))
            continue;
        const char *kind = isnan(v) ? "NaN" : v > 0 ? "+inf" : "-inf";
        if (a->ndim == 2)
            return member_error(err, COSPIN_ERR_DATA, a->file, a->name,
                                "element (%zu, %zu) is %s (values must be finite)",
                                k / a->shape[1], k % a->shape[1], kind);
        return member_error(err, COSPIN_ERR_DATA, a->file, a->name,
                            "element %zu is %s (values must be finite)", k, kind);
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------- */

/* Check the entries before anything is written. */
static int check_entries(const char *path, const struct cospin_npz_entry *e, size_t n,
                         struct cospin_error *err)
{
    if (n == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0, "no arrays to write");
    for (size_t i = 0; i < n; i++) {
        const char *nm = e[i].name ? e[i].name : "";
        size_t len = strlen(nm);
        if (len == 0 || len >= COSPIN_NPZ_NAME_MAX)
            return member_error(err, COSPIN_ERR_INVALID, path, nm,
                                "a name needs 1 to %d bytes", COSPIN_NPZ_NAME_MAX - 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(e[j].name, nm) == 0)
                return member_error(err, COSPIN_ERR_INVALID, path, nm, "name used twice");
        if (e[i].ndim < 1 || e[i].ndim > 2)
            return member_error(err, COSPIN_ERR_INVALID, path, nm, "%d dimensions (1 or 2 allowed)",
                                e[i].ndim);
        size_t cols = e[i].ndim == 2 ? e[i].shape[1] : 1;
        if (e[i].shape[0] == 0 || cols == 0)
            return member_error(err, COSPIN_ERR_INVALID, path, nm, "empty array");
        if (e[i].shape[0] > (SIZE_MAX / 2) / sizeof(double) / cols)
            return member_error(err, COSPIN_ERR_INVALID, path, nm, "array too large");
        if ((e[i].f64 != NULL) + (e[i].f32 != NULL) + (e[i].u8 != NULL) != 1)
            return member_error(err, COSPIN_ERR_INVALID, path, nm,
                                "exactly one of the f64, f32 and u8 data pointers must be set");
    }
    return 0;
}

/* The .npy bytes of e in a new buffer *out (*len bytes). */
static int npy_encode(const struct cospin_npz_entry *e, unsigned char **out, size_t *len)
{
    size_t rows = e->shape[0], cols = e->ndim == 2 ? e->shape[1] : 1, n = rows * cols;
    size_t itemsize = e->f64 ? 8 : e->f32 ? 4 : 1;
    const char *descr = e->f64 ? "<f8" : e->f32 ? "<f4" : "|u1";
    char dict[160];
    int k = e->ndim == 2
                ? snprintf(dict, sizeof dict,
                           "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                           descr, rows, cols)
                : snprintf(dict, sizeof dict,
                           "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }", descr,
                           rows);
    /* 10 prefix bytes + dict + blanks + '\n', a multiple of NPY_ALIGN_BYTES. */
    size_t hdr = 10 + (size_t)k + 1;
    hdr += (NPY_ALIGN_BYTES - hdr % NPY_ALIGN_BYTES) % NPY_ALIGN_BYTES;
    unsigned char *b = malloc(hdr + n * itemsize);
    if (!b)
        return COSPIN_ERR_NOMEM;
    memcpy(b, NPY_MAGIC, sizeof NPY_MAGIC);
    b[6] = 1;
    b[7] = 0;
    b[8] = (unsigned char)((hdr - 10) & 0xff);
    b[9] = (unsigned char)((hdr - 10) >> 8);
    memset(b + 10, ' ', hdr - 10);
    memcpy(b + 10, dict, (size_t)k);
    b[hdr - 1] = '\n';
    for (size_t i = 0; i < n; i++) {
        uint64_t u = 0;
        if (e->f64) {
            memcpy(&u, &e->f64[i], 8);
        } else if (e->u8) {
            u = e->u8[i];
        } else {
            uint32_t u32;
            memcpy(&u32, &e->f32[i], 4);
            u = u32;
        }
        for (size_t byte = 0; byte < itemsize; byte++)
            b[hdr + i * itemsize + byte] = (unsigned char)(u >> (8 * byte));
    }
    *out = b;
    *len = hdr + n * itemsize;
    return 0;
}

/* Add every entry to za as "<name>.npy". */
static int add_members(zip_t *za, const char *path, const struct cospin_npz_entry *e, size_t n,
                       int compress, struct cospin_error *err)
{
    /* NumPy's fixed time stamp, 1980-01-01 00:00 (the zip epoch, local time). */
    struct tm epoch = {.tm_year = 80, .tm_mon = 0, .tm_mday = 1, .tm_isdst = -1};
    time_t stamp = mktime(&epoch);
    for (size_t i = 0; i < n; i++) {
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (npy_encode(&e[i], &bytes, &len) != 0)
            return member_error(err, COSPIN_ERR_NOMEM, path, e[i].name, "out of memory");
        zip_source_t *src = zip_source_buffer(za, bytes, len, 1);
        if (!src) {
            free(bytes);
            return member_error(err, COSPIN_ERR_NOMEM, path, e[i].name, "%s", zip_strerror(za));
        }
        char member[COSPIN_NPZ_NAME_MAX + 8];
        snprintf(member, sizeof member, "%s.npy", e[i].name);
        zip_int64_t idx = zip_file_add(za, member, src, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            return member_error(err, COSPIN_ERR_INVALID, path, e[i].name, "%s", zip_strerror(za));
        }
        if (zip_set_file_compression(za, (zip_uint64_t)idx, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                     0) != 0 ||
            (stamp != (time_t)-1 && zip_file_set_mtime(za, (zip_uint64_t)idx, stamp, 0) != 0))
            return member_error(err, COSPIN_ERR_INTERNAL, path, e[i].name, "%s", zip_strerror(za));
    }
    return 0;
}

/* Copy the archive built in mem into the open output file. */
static int copy_out(zip_source_t *mem, FILE *fp, const char *path, struct cospin_error *err)
{
    if (zip_source_open(mem) != 0)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, path, 0, "cannot reopen the archive: %s",
                                zip_error_strerror(zip_source_error(mem)));
    unsigned char buf[1 << 16];
    zip_int64_t r;
    int rc = 0;
    while ((r = zip_source_read(mem, buf, sizeof buf)) > 0)
        if (fwrite(buf, 1, (size_t)r, fp) != (size_t)r) {
            rc = cospin_error_set(err, COSPIN_ERR_IO, path, 0, "write failed: %s",
                                  strerror(errno));
            break;
        }
    if (rc == 0 && r < 0)
        rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, path, 0, "cannot read the archive: %s",
                              zip_error_strerror(zip_source_error(mem)));
    zip_source_close(mem);
    return rc;
}

/* Build the archive in memory (mem, kept by the caller). */
static int build_archive(zip_source_t *mem, const char *path, const struct cospin_npz_entry *e,
                         size_t n, int compress, struct cospin_error *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_t *za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    if (!za) {
        int rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, path, 0, "cannot build the archive: %s",
                                  zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return rc;
    }
    zip_error_fini(&ze);
    zip_source_keep(mem);   /* zip_close/zip_discard must not free it */
    int rc = add_members(za, path, e, n, compress, err);
    if (rc != 0) {
        zip_discard(za);
        return rc;
    }
    if (zip_close(za) != 0) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "cannot build the archive: %s",
                              zip_strerror(za));
        zip_discard(za);
    }
    return rc;
}

int cospin_npz_write(const char *path, const struct cospin_npz_entry *entries, size_t n,
                     int compress, struct cospin_error *err)
{
    if (!path || !*path || (!entries && n))
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0, "no file name or no arrays");
    int rc = check_entries(path, entries, n, err);
    if (rc != 0)
        return rc;
    char dir[1024];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path)
        snprintf(dir, sizeof dir, "/");
    const char *base = slash ? slash + 1 : path;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (!mem)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    rc = build_archive(mem, path, entries, n, compress, err);
    struct cospin_output o;
    if (rc == 0)
        rc = cospin_output_open(&o, dir, base, err);
    if (rc == 0) {
        rc = copy_out(mem, o.fp, path, err);
        if (rc == 0)
            rc = cospin_output_commit(&o, err);
        else
            cospin_output_abort(&o);
    }
    zip_source_free(mem);
    return rc;
}
