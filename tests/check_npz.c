/*
 * check_npz.c -- NumPy .npz archives: the fixtures NumPy wrote
 * (tests/data/npz/, made by make_fixtures.py), write/read round trips, and
 * every error the reader and the writer report.
 *
 * The fixture arrays hold values float32 represents exactly, so values are
 * compared with ==: any conversion, byte-order or transposition slip
 * changes them by at least 1/8.
 */
#include <config.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_util.h"
#include "error.h"
#include "npz.h"

#define NPZ_DIR COSPIN_TEST_SRCDIR "/data/npz/"

/* A fresh temporary directory per test (tests run forked). */
static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cospin-check-npz-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    ck_rm_rf(tmpdir);
}

/* Number of entries in tmpdir (to prove that nothing was left behind). */
static int files_in_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* The whole file in a new buffer. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* The values make_fixtures.py wrote. */
static double w0(size_t i, size_t j) { return 10.0 * (double)i + (double)j + 0.5; }
static double w1(size_t i, size_t j) { return -(double)(i + 1) / 8.0 + (double)j; }
static double b0(size_t i) { return -1.5 * (double)(i + 1); }
static double c0(size_t i) { return 0.125 * (double)(i + 1); }

/* Read member name of z and check its dtype, shape and values (f2 for 2-D, f1 for 1-D). */
static void expect_array(struct cospin_npz *z, const char *name, const char *descr,
                         size_t rows, size_t cols, double (*f2)(size_t, size_t),
                         double (*f1)(size_t))
{
    struct cospin_npz_array a;
    struct cospin_error err = {0};
    int rc = cospin_npz_read(z, name, &a, &err);
    ck_assert_msg(rc == 0, "%s: %s", name, err.msg);
    ck_assert_str_eq(a.name, name);
    ck_assert_str_eq(a.descr, descr);
    ck_assert_int_eq(a.ndim, f2 ? 2 : 1);
    ck_assert_uint_eq(a.shape[0], rows);
    ck_assert_uint_eq(a.shape[1], cols);
    ck_assert_uint_eq(a.n, rows * cols);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double want = f2 ? f2(i, j) : f1(i);
            ck_assert_msg(a.data[i * cols + j] == want, "%s[%zu, %zu] = %g, expected %g", name,
                          i, j, a.data[i * cols + j], want);
        }
    ck_assert_int_eq(cospin_npz_check_finite(&a, &err), 0);
    cospin_npz_array_clear(&a);
    ck_assert_ptr_null(a.data);
}

/* The three valid fixtures: stored/deflated, C/Fortran, little/big-endian, f4/f8. */
START_TEST(test_read_fixtures)
{
    struct cospin_npz *z = NULL;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_npz_open(NPZ_DIR "f64_c_stored.npz", &z, &err), 0);
    ck_assert_uint_eq(cospin_npz_count(z), 2);
    ck_assert_str_eq(cospin_npz_member(z, 0), "W0");
    ck_assert_str_eq(cospin_npz_member(z, 1), "b0");
    ck_assert_ptr_null(cospin_npz_member(z, 2));
    ck_assert(cospin_npz_has(z, "b0") && !cospin_npz_has(z, "b0.npy") && !cospin_npz_has(z, "c0"));
    expect_array(z, "W0", "<f8", 3, 4, w0, NULL);
    expect_array(z, "b0", "<f8", 3, 1, NULL, b0);
    cospin_npz_close(z);

    ck_assert_int_eq(cospin_npz_open(NPZ_DIR "f32_fortran_deflated.npz", &z, &err), 0);
    ck_assert_uint_eq(cospin_npz_count(z), 3);
    expect_array(z, "W0", "<f4", 3, 4, w0, NULL);
    expect_array(z, "c0", "<f4", 3, 1, NULL, c0);
    expect_array(z, "W1", "<f8", 2, 3, w1, NULL);
    cospin_npz_close(z);

    ck_assert_int_eq(cospin_npz_open(NPZ_DIR "big_endian.npz", &z, &err), 0);
    expect_array(z, "W0", ">f8", 3, 4, w0, NULL);
    expect_array(z, "W1", ">f4", 2, 3, w1, NULL);
    expect_array(z, "b0", ">f4", 3, 1, NULL, b0);
    cospin_npz_close(z);

    /* The same archive from memory; the buffer may go away after the open. */
    size_t len;
    unsigned char *buf = slurp(NPZ_DIR "f32_fortran_deflated.npz", &len);
    ck_assert_int_eq(cospin_npz_open_memory(buf, len, "mem.npz", &z, &err), 0);
    memset(buf, 0, len);
    free(buf);
    expect_array(z, "W1", "<f8", 2, 3, w1, NULL);
    cospin_npz_close(z);
    cospin_npz_close(NULL);
}
END_TEST

/* Write float64 and float32 arrays (stored, then deflated) and read them back. */
START_TEST(test_roundtrip)
{
    int compress = _i;
    double w[3 * 4], big[300 * 7];
    float v[5];
    for (size_t i = 0; i < 12; i++)
        w[i] = w0(i / 4, i % 4) / 3.0;   /* not exact in float32: proves f64 is kept */
    for (size_t i = 0; i < 5; i++)
        v[i] = (float)i / 7.0f;
    for (size_t i = 0; i < 300 * 7; i++)
        big[i] = sin((double)i);
    struct cospin_npz_entry e[3] = {
        {.name = "W0", .ndim = 2, .shape = {3, 4}, .f64 = w},
        {.name = "c0", .ndim = 1, .shape = {5, 99}, .f32 = v},
        {.name = "layer/big", .ndim = 2, .shape = {300, 7}, .f64 = big},
    };
    char path[300], again[300];
    snprintf(path, sizeof path, "%s/w.npz", tmpdir);
    snprintf(again, sizeof again, "%s/again.npz", tmpdir);
    struct cospin_error err = {0};
    ck_assert_msg(cospin_npz_write(path, e, 3, compress, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(cospin_npz_write(again, e, 3, compress, &err), 0);
    ck_assert_int_eq(files_in_tmpdir(), 2);

    /* Equal input gives an identical file (fixed time stamps). */
    size_t n1, n2;
    unsigned char *f1 = slurp(path, &n1), *f2 = slurp(again, &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(f1, f2, n1) == 0);
    /* Deflating the 300 x 7 block of sines saves space; storing does not. */
    ck_assert(compress ? n1 < 300 * 7 * 8 : n1 > 300 * 7 * 8);
    free(f1);
    free(f2);

    struct cospin_npz *z = NULL;
    ck_assert_int_eq(cospin_npz_open(path, &z, &err), 0);
    ck_assert_uint_eq(cospin_npz_count(z), 3);
    ck_assert_str_eq(cospin_npz_member(z, 2), "layer/big");
    struct cospin_npz_array a;
    ck_assert_int_eq(cospin_npz_read(z, "W0", &a, &err), 0);
    ck_assert_str_eq(a.descr, "<f8");
    for (size_t i = 0; i < 12; i++)
        ck_assert(a.data[i] == w[i]);
    cospin_npz_array_clear(&a);
    ck_assert_int_eq(cospin_npz_read(z, "c0", &a, &err), 0);
    ck_assert_str_eq(a.descr, "<f4");
    ck_assert_int_eq(a.ndim, 1);
    ck_assert_uint_eq(a.shape[0], 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert(a.data[i] == (double)v[i]);
    cospin_npz_array_clear(&a);
    ck_assert_int_eq(cospin_npz_read(z, "layer/big", &a, &err), 0);
    ck_assert_uint_eq(a.shape[0], 300);
    ck_assert_uint_eq(a.shape[1], 7);
    ck_assert(memcmp(a.data, big, sizeof big) == 0);
    cospin_npz_array_clear(&a);
    cospin_npz_close(z);

    /* Overwriting replaces the file in place. */
    ck_assert_int_eq(cospin_npz_write(path, e, 1, compress, &err), 0);
    ck_assert_int_eq(cospin_npz_open(path, &z, &err), 0);
    ck_assert_uint_eq(cospin_npz_count(z), 1);
    cospin_npz_close(z);
    ck_assert_int_eq(files_in_tmpdir(), 2);
}
END_TEST

/* NaN and infinities load, and the separate check names the first one. */
START_TEST(test_check_finite)
{
    struct cospin_npz *z = NULL;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_npz_open(NPZ_DIR "nonfinite.npz", &z, &err), 0);
    struct cospin_npz_array a;
    ck_assert_int_eq(cospin_npz_read(z, "W0", &a, &err), 0);
    ck_assert(isnan(a.data[1 * 4 + 2]));
    ck_assert_int_eq(cospin_npz_check_finite(&a, &err), COSPIN_ERR_DATA);
    ck_assert_str_eq(err.file, NPZ_DIR "nonfinite.npz");
    ck_assert_str_eq(err.msg, "member 'W0': element (1, 2) is NaN (values must be finite)");
    cospin_npz_array_clear(&a);

    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_npz_read(z, "c0", &a, &err), 0);
    ck_assert_int_eq(cospin_npz_check_finite(&a, &err), COSPIN_ERR_DATA);
    ck_assert_str_eq(err.msg, "member 'c0': element 2 is -inf (values must be finite)");
    cospin_npz_array_clear(&a);

    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_npz_read(z, "b0", &a, &err), 0);
    ck_assert_int_eq(cospin_npz_check_finite(&a, &err), 0);
    ck_assert_int_eq(err.code, 0);
    cospin_npz_array_clear(&a);
    cospin_npz_close(z);
}
END_TEST

/* Read member of fixture file and expect COSPIN_ERR_DATA with all of want[] in the message. */
static void expect_member_error(const char *file, const char *member, const char *const *want)
{
    struct cospin_npz *z = NULL;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_npz_open(file, &z, &err), 0);
    struct cospin_npz_array a;
    int rc = cospin_npz_read(z, member, &a, &err);
    ck_assert_msg(rc == COSPIN_ERR_DATA, "%s: rc %d (%s)", member, rc, err.msg);
    ck_assert_ptr_null(a.data);
    ck_assert_str_eq(err.file, file);
    char prefix[200];
    snprintf(prefix, sizeof prefix, "member '%s': ", member);
    ck_assert_msg(strncmp(err.msg, prefix, strlen(prefix)) == 0, "%s", err.msg);
    for (; *want; want++)
        ck_assert_msg(strstr(err.msg, *want), "%s: '%s' not in '%s'", member, *want, err.msg);
    cospin_npz_close(z);
}

/* Well-formed .npy members that are not 1-D/2-D float32/float64: dtype and shape named. */
START_TEST(test_unsupported)
{
    static const struct {
        const char *member;
        const char *want[4];
    } cases[] = {
        {"int64", {"dtype '<i8'", "shape (3, 4)", NULL}},
        {"float16", {"dtype '<f2'", "shape (3,)", NULL}},
        {"complex", {"dtype '<c16'", "shape (2, 2)", NULL}},
        {"bool", {"dtype '|b1'", "shape (3,)", NULL}},
        {"three_d", {"dtype '<f8'", "shape (2, 2, 2)", "1 or 2 dimensions"}},
        {"scalar", {"dtype '<f8'", "shape ()", NULL}},
        {"empty", {"shape (0, 3)", "empty", NULL}},
        {"structured", {"dtype '[('a', '<f8'), ('b', '<f4')]'", "shape (2,)", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_member_error(NPZ_DIR "unsupported.npz", cases[i].member, cases[i].want);
}
END_TEST

/* Broken .npy members (assembled byte by byte by make_fixtures.py). */
START_TEST(test_broken_members)
{
    static const struct {
        const char *member;
        const char *want[4];
    } cases[] = {
        {"no_magic", {"not a .npy array", NULL}},
        {"bad_version", {"version 4.0 is not supported", NULL}},
        {"short", {"not a .npy array", NULL}},
        {"header_past_end", {"length 1000 does not fit in the member (18 bytes)", NULL}},
        {"not_a_dict", {"bad .npy header [1, 2]", "not a dict", NULL}},
        {"missing_shape", {"bad .npy header", "missing key", NULL}},
        {"unknown_key", {"bad .npy header", "unknown key", NULL}},
        {"duplicate_key", {"bad .npy header", "appears twice", NULL}},
        {"negative_dim", {"bad .npy header", "negative dimension", NULL}},
        {"shape_not_tuple", {"bad .npy header", "'shape' must be a tuple", NULL}},
        {"fortran_not_bool", {"bad .npy header", "True or False", NULL}},
        {"unterminated", {"bad .npy header", "unterminated string", NULL}},
        {"too_little_data", {"dtype '<f8', shape (3, 4) needs 96 data bytes",
                             "the member holds 88", NULL}},
        {"too_much_data", {"shape (2,) needs 16 data bytes", "the member holds 24", NULL}},
        {"huge_shape", {"shape (1152921504606846976,) needs 9223372036854775808 data bytes",
                        "the member holds 16", NULL}},
        {"huge_product", {"shape (1099511627776, 1099511627776)", "too many values", NULL}},
        {"dim_overflow", {"does not fit in 64 bits", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_member_error(NPZ_DIR "broken.npz", cases[i].member, cases[i].want);

    /* The same archive's version 2.0 member (4-byte header length) is fine. */
    struct cospin_npz *z = NULL;
    struct cospin_npz_array a;
    ck_assert_int_eq(cospin_npz_open(NPZ_DIR "broken.npz", &z, NULL), 0);
    ck_assert_int_eq(cospin_npz_read(z, "version2", &a, NULL), 0);
    ck_assert_uint_eq(a.n, 2);
    ck_assert(a.data[0] == 0.0 && a.data[1] == 0.5);
    cospin_npz_array_clear(&a);

    /* An absent member is named, with the ones the archive has. */
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_npz_read(z, "W9", &a, &err), COSPIN_ERR_INVALID);
    ck_assert(strstr(err.msg, "member 'W9': no such array in the archive (it has: no_magic, "));
    cospin_npz_close(z);
}
END_TEST

/* Open path (or the buffer when buf is not NULL) and expect code with want in the message. */
static void expect_open_error(const char *path, const unsigned char *buf, size_t len, int code,
                              const char *want)
{
    struct cospin_npz *z = (struct cospin_npz *)1;
    struct cospin_error err = {0};
    int rc = buf ? cospin_npz_open_memory(buf, len, path, &z, &err)
                 : cospin_npz_open(path, &z, &err);
    ck_assert_msg(rc == code, "%s (%zu bytes): rc %d, '%s'", path, len, rc, err.msg);
    ck_assert_ptr_null(z);
    ck_assert_str_eq(err.file, path);
    ck_assert_msg(strstr(err.msg, want), "'%s' not in '%s'", want, err.msg);
}

/* Files that are not .npz archives, or damaged ones. */
START_TEST(test_archive_errors)
{
    char path[300];
    snprintf(path, sizeof path, "%s/missing.npz", tmpdir);
    expect_open_error(path, NULL, 0, COSPIN_ERR_IO, "cannot open");
    expect_open_error(tmpdir, NULL, 0, COSPIN_ERR_IO, "cannot read");

    snprintf(path, sizeof path, "%s/text.npz", tmpdir);
    write_bytes(path, "W0 = [1, 2, 3]\n", 15);
    expect_open_error(path, NULL, 0, COSPIN_ERR_DATA, "not an .npz file");
    snprintf(path, sizeof path, "%s/empty.npz", tmpdir);
    write_bytes(path, "", 0);
    expect_open_error(path, NULL, 0, COSPIN_ERR_DATA, "empty file");
    expect_open_error("<empty>", (const unsigned char *)"", 0, COSPIN_ERR_DATA, "empty file");

    /* A bare .npy file: the first member of the stored fixture, as it is. */
    size_t len;
    unsigned char *npz = slurp(NPZ_DIR "f64_c_stored.npz", &len);
    size_t at = 0;
    while (at + 10 < len && memcmp(npz + at, "\x93NUMPY\x01\x00", 8) != 0)
        at++;
    ck_assert_uint_lt(at + 10, len);
    size_t hlen = npz[at + 8] | (size_t)npz[at + 9] << 8;
    snprintf(path, sizeof path, "%s/W0.npy", tmpdir);
    write_bytes(path, npz + at, 10 + hlen + 3 * 4 * 8);
    expect_open_error(path, NULL, 0, COSPIN_ERR_DATA, "a single .npy array, not an .npz");

    /* Truncated anywhere (every length from 0 up): an error, never a crash. */
    for (size_t cut = 0; cut < len; cut++) {
        struct cospin_npz *z = NULL;
        struct cospin_error err = {0};
        int rc = cospin_npz_open_memory(npz, cut, "cut.npz", &z, &err);
        ck_assert_msg(rc == COSPIN_ERR_DATA, "cut at %zu: rc %d", cut, rc);
        ck_assert_ptr_null(z);
    }
    snprintf(path, sizeof path, "%s/cut.npz", tmpdir);
    write_bytes(path, npz, len / 2);
    expect_open_error(path, NULL, 0, COSPIN_ERR_DATA, "truncated or damaged zip archive");
    free(npz);
}
END_TEST

/* A damaged deflate stream: the member read fails (CRC or zlib), naming the member. */
START_TEST(test_damaged_member)
{
    size_t len;
    unsigned char *buf = slurp(NPZ_DIR "f32_fortran_deflated.npz", &len);
    /* Local header (30 bytes) + "W0.npy" + zip64 extra (20 bytes): W0's data at 56. */
    for (size_t off = 56; off < 56 + 40; off += 8) {
        unsigned char *bad = malloc(len);
        memcpy(bad, buf, len);
        bad[off] ^= 0x55;
        struct cospin_npz *z = NULL;
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_npz_open_memory(bad, len, "bad.npz", &z, &err), 0);
        struct cospin_npz_array a;
        int rc = cospin_npz_read(z, "W0", &a, &err);
        ck_assert_msg(rc == COSPIN_ERR_DATA, "byte %zu: rc %d", off, rc);
        ck_assert_msg(strncmp(err.msg, "member 'W0': ", 13) == 0, "%s", err.msg);
        cospin_npz_close(z);
        free(bad);
    }
    free(buf);
}
END_TEST

/* Refused writes name the problem and leave nothing behind. */
START_TEST(test_write_errors)
{
    double w[4] = {1, 2, 3, 4};
    float f[4] = {1, 2, 3, 4};
    static const struct {
        struct cospin_npz_entry e[2];
        size_t n;
        const char *want;
    } cases[] = {
        {{{0}}, 0, "no arrays to write"},
        {{{.name = "", .ndim = 1, .shape = {4}}}, 1, "member '': a name needs 1 to 127 bytes"},
        {{{.name = "a", .ndim = 3, .shape = {4}}}, 1, "member 'a': 3 dimensions"},
        {{{.name = "a", .ndim = 2, .shape = {4, 0}}}, 1, "member 'a': empty array"},
        {{{.name = "a", .ndim = 1, .shape = {4}}}, 1, "exactly one of the f64, f32 and u8"},
        {{{.name = "a", .ndim = 1, .shape = {(size_t)1 << 62}}}, 1, "member 'a': array too large"},
        {{{.name = "a", .ndim = 1, .shape = {4}}, {.name = "a", .ndim = 1, .shape = {4}}},
         2, "member 'a': name used twice"},
    };
    char path[300];
    snprintf(path, sizeof path, "%s/w.npz", tmpdir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cospin_npz_entry e[2];
        memcpy(e, cases[i].e, sizeof e);
        for (size_t k = 0; k < 2; k++)
            if (i != 4)
                e[k].f64 = w;
        struct cospin_error err = {0};
        ck_assert_int_eq(cospin_npz_write(path, e, cases[i].n, 0, &err), COSPIN_ERR_INVALID);
        ck_assert_msg(strstr(err.msg, cases[i].want), "'%s' not in '%s'", cases[i].want,
                      err.msg);
    }
    struct cospin_npz_entry both = {.name = "a", .ndim = 1, .shape = {4}, .f64 = w, .f32 = f};
    ck_assert_int_eq(cospin_npz_write(path, &both, 1, 0, NULL), COSPIN_ERR_INVALID);
    ck_assert_int_eq(files_in_tmpdir(), 0);

    /* An unwritable place: an I/O error naming the file. */
    struct cospin_npz_entry ok = {.name = "a", .ndim = 1, .shape = {4}, .f32 = f};
    struct cospin_error err = {0};
    snprintf(path, sizeof path, "%s/no/such/dir/w.npz", tmpdir);
    ck_assert_int_eq(cospin_npz_write(path, &ok, 1, 1, &err), COSPIN_ERR_IO);
    ck_assert(strstr(err.file, "no/such/dir/w.npz"));
    ck_assert_int_eq(files_in_tmpdir(), 0);
}
END_TEST

static Suite *suite_npz(void)
{
    Suite *s = suite_create("npz");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_read_fixtures);
    tcase_add_loop_test(core, test_roundtrip, 0, 2);
    tcase_add_test(core, test_check_finite);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, test_unsupported);
    tcase_add_test(errors, test_broken_members);
    tcase_add_test(errors, test_archive_errors);
    tcase_add_test(errors, test_damaged_member);
    tcase_add_test(errors, test_write_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_npz)
