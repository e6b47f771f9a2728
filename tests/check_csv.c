/* check_csv.c -- the CSV reader (columns by name, comments, torn lines, numbers) and writer. */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "csv.h"
#include "error.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/cospin-check-csv-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    ck_rm_rf(dir);
}

/* Write text to dir/name; path receives the file's path. */
static const char *file_with(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int nentries(void)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        k += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return k;
}

enum { C_A, C_B, C_NAME, C_OPT, NC };
static const struct cospin_csv_column cols[NC] = {
    {"a", COSPIN_CSV_NUMBER},
    {"b", COSPIN_CSV_NUMBER | COSPIN_CSV_EMPTY_OK},
    {"name", 0},
    {"opt", COSPIN_CSV_NUMBER | COSPIN_CSV_OPTIONAL},
};

/* Open text with the columns above; returns cospin_csv_open's status. */
static int open_text(const char *text, unsigned flags, struct cospin_csv **r,
                     struct cospin_error *err)
{
    return cospin_csv_open(file_with("t.csv", text), cols, NC, flags, r, err);
}

/* Read every row of text; returns the last status of cospin_csv_next (0 at a clean end). */
static int read_all(const char *text, unsigned flags, int *rows, struct cospin_error *err)
{
    struct cospin_csv *r;
    int rc = open_text(text, flags, &r, err);
    *rows = 0;
    if (rc != 0)
        return rc;
    while ((rc = cospin_csv_next(r, err)) > 0)
        (*rows)++;
    cospin_csv_close(r);
    return rc;
}

START_TEST(test_read_by_name)
{
    struct cospin_csv *r;
    struct cospin_error err = {0};
    /* Comments and blank lines anywhere, columns in any order, an unknown
       column, blanks around fields, CRLF line ends. */
    ck_assert_int_eq(open_text("# produced by hand\n\n"
                               "extra, name ,b,a\r\n"
                               "# a comment between rows\n"
                               "x, first , 2.5, 1e-08\r\n"
                               "\n"
                               "  \t\n"
                               "y,second,,-3\n"
                               "z,third,nan,1e-320\n",
                               0, &r, &err),
                     0);
    ck_assert(cospin_csv_has(r, C_A) && cospin_csv_has(r, C_NAME));
    ck_assert(!cospin_csv_has(r, C_OPT));
    ck_assert_int_eq(cospin_csv_line(r), 3); /* the header */
    ck_assert_int_eq(cospin_csv_next(r, &err), 1);
    ck_assert_int_eq(cospin_csv_line(r), 5);
    ck_assert_double_eq(cospin_csv_num(r, C_A), 1e-08);
    ck_assert_double_eq(cospin_csv_num(r, C_B), 2.5);
    ck_assert_str_eq(cospin_csv_text(r, C_NAME), "first");
    ck_assert_ptr_null(cospin_csv_text(r, C_OPT));
    ck_assert(isnan(cospin_csv_num(r, C_OPT)));
    ck_assert_int_eq(cospin_csv_next(r, &err), 1);
    ck_assert_int_eq(cospin_csv_line(r), 8);
    ck_assert_double_eq(cospin_csv_num(r, C_A), -3.0);
    ck_assert(isnan(cospin_csv_num(r, C_B))); /* empty: a missing value */
    ck_assert_int_eq(cospin_csv_next(r, &err), 1);
    ck_assert(isnan(cospin_csv_num(r, C_B))); /* "nan" as written for a failed fit */
    ck_assert(cospin_csv_num(r, C_A) >= 0.0 && cospin_csv_num(r, C_A) < 1e-300); /* underflow kept */
    ck_assert_int_eq(cospin_csv_next(r, &err), 0);
    ck_assert_int_eq(cospin_csv_next(r, &err), 0);
    ck_assert_str_eq(cospin_csv_path(r), file_with("t.csv", ""));
    cospin_csv_close(r);
    cospin_csv_close(NULL);
    ck_assert_int_eq(err.code, 0);
}
END_TEST

/* The torn-line rule: an unterminated complete last line is an ordinary row;
   in an appended file an unterminated last line is always ignored. */
START_TEST(test_torn_last_line)
{
    struct cospin_error err = {0};
    int rows;
    ck_assert_int_eq(read_all("a,b,name\n1,2,x\n3,4,y", 0, &rows, &err), 0);
    ck_assert_int_eq(rows, 2);
    ck_assert_int_eq(read_all("a,b,name\n1,2,x\n3,4,y", COSPIN_CSV_APPENDED, &rows, &err), 0);
    ck_assert_int_eq(rows, 1);
    ck_assert_int_eq(read_all("a,b,name\n1,2,x\n3,", COSPIN_CSV_APPENDED, &rows, &err), 0);
    ck_assert_int_eq(rows, 1);
    ck_assert_int_eq(read_all("a,b,name\n1,2,x\n", COSPIN_CSV_APPENDED, &rows, &err), 0);
    ck_assert_int_eq(rows, 1);
    ck_assert_int_eq(err.code, 0);
}
END_TEST

START_TEST(test_write)
{
    struct cospin_csv_writer w;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_csv_write_open(&w, dir, "w.csv", 0, "a,b,name", &err), 0);
    cospin_csv_put_num(&w, 6, 1.0 / 3.0);
    cospin_csv_put_num(&w, 6, NAN);
    cospin_csv_put(&w, "%s", "row1");
    cospin_csv_end_row(&w);
    cospin_csv_put(&w, "%ld", 42L);
    cospin_csv_put_num(&w, 12, 1e-8);
    cospin_csv_put(&w, "%s", "");
    cospin_csv_end_row(&w);
    ck_assert_int_eq(cospin_csv_write_commit(&w, &err), 0);
    cospin_csv_write_abort(&w);
    char buf[128], path[128];
    snprintf(path, sizeof path, "%s/w.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    ck_assert_str_eq(buf, "a,b,name\n0.333333,,row1\n42,1e-08,\n");
    ck_assert_int_eq(nentries(), 1);
    /* It reads back; the empty name of row 2 is an error for this reader. */
    struct cospin_csv *r;
    ck_assert_int_eq(cospin_csv_open(path, cols, NC, 0, &r, &err), 0);
    ck_assert_int_eq(cospin_csv_next(r, &err), 1);
    ck_assert_double_eq_tol(cospin_csv_num(r, C_A), 1.0 / 3.0, 1e-6);
    ck_assert(isnan(cospin_csv_num(r, C_B)));
    ck_assert_str_eq(cospin_csv_text(r, C_NAME), "row1");
    ck_assert_int_eq(cospin_csv_next(r, &err), COSPIN_ERR_PARSE);
    ck_assert_int_eq(err.line, 3);
    ck_assert_ptr_nonnull(strstr(err.msg, "column 'name': empty field"));
    cospin_csv_close(r);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------ */

/* Each bad file: the status, the line and a piece of the message. */
START_TEST(test_read_errors)
{
    static const struct {
        const char *text;
        int code, line;
        const char *msg;
    } cases[] = {
        {"", COSPIN_ERR_PARSE, 1, "empty file"},
        {"# only a comment\n\n", COSPIN_ERR_PARSE, 2, "empty file"},
        {"# c\nb,name\n1,x\n", COSPIN_ERR_PARSE, 2, "lacks the column 'a'"},
        {"a,b,name,a\n", COSPIN_ERR_PARSE, 1, "column 'a' twice"},
        /* A torn row: fewer fields, with or without its newline. */
        {"a,b,name\n1,2,x\n3,4\n5,6,z\n", COSPIN_ERR_PARSE, 3, "column 'name' is missing"},
        {"a,b,name\n1,2,x\n3,4", COSPIN_ERR_PARSE, 3, "column 'name' is missing"},
        {"a,b,name\n1,2,x,9\n", COSPIN_ERR_PARSE, 2, "4 fields, the header has only 3"},
        {"a,b,name\n1,2,x\n\n# c\n1x,2,y\n", COSPIN_ERR_PARSE, 5, "column 'a': '1x' is not a number"},
        {"a,b,name\n,2,x\n", COSPIN_ERR_PARSE, 2, "column 'a': empty field"},
        {"a,b,name\n1,2,\n", COSPIN_ERR_PARSE, 2, "column 'name': empty field"},
        /* No SPICE suffixes in CSV files (csv.h says why). */
        {"a,b,name\n10n,2,x\n", COSPIN_ERR_PARSE, 2, "'10n' is not a number"},
        {"a,b,name\n1e400,2,x\n", COSPIN_ERR_PARSE, 2, "'1e400' is not a number"},
        {"a,b,name,opt\n1,2,x,o\n", COSPIN_ERR_PARSE, 2, "column 'opt'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct cospin_error err = {0};
        int rows;
        int rc = read_all(cases[i].text, 0, &rows, &err);
        ck_assert_msg(rc == cases[i].code, "case %zu: status %d, want %d", i, rc, cases[i].code);
        ck_assert_msg(err.line == cases[i].line, "case %zu: line %d, want %d", i, err.line,
                      cases[i].line);
        ck_assert_msg(strstr(err.msg, cases[i].msg) != NULL, "case %zu: message '%s'", i, err.msg);
        ck_assert_str_eq(err.file, file_with("t.csv", cases[i].text));
    }
    /* In an appended file a short row that has its newline is still an error. */
    struct cospin_error err = {0};
    int rows;
    ck_assert_int_eq(read_all("a,b,name\n1,2\n3,4,y\n", COSPIN_CSV_APPENDED, &rows, &err),
                     COSPIN_ERR_PARSE);
    ck_assert_int_eq(err.line, 2);
    /* A missing file. */
    struct cospin_csv *r = (struct cospin_csv *)1;
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_csv_open("/nonexistent/x.csv", cols, NC, 0, &r, &err), COSPIN_ERR_IO);
    ck_assert_ptr_null(r);
    ck_assert_str_eq(err.file, "/nonexistent/x.csv");
}
END_TEST

START_TEST(test_write_errors)
{
    struct cospin_csv_writer w;
    struct cospin_error err = {0};
    /* A row with a field too few: nothing is written. */
    ck_assert_int_eq(cospin_csv_write_open(&w, dir, "bad.csv", 0, "a,b", &err), 0);
    cospin_csv_put(&w, "1");
    cospin_csv_put(&w, "2");
    cospin_csv_end_row(&w);
    cospin_csv_put(&w, "3");
    cospin_csv_end_row(&w);
    ck_assert_int_eq(cospin_csv_write_commit(&w, &err), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(nentries(), 0);
    /* A field holding a comma. */
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_csv_write_open(&w, dir, "bad.csv", 0, "a,b", &err), 0);
    cospin_csv_put(&w, "%s", "1,5");
    cospin_csv_end_row(&w);
    ck_assert_int_eq(cospin_csv_write_commit(&w, &err), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(nentries(), 0);
    /* A row left unfinished. */
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_csv_write_open(&w, dir, "bad.csv", 0, "a", &err), 0);
    cospin_csv_put(&w, "1");
    ck_assert_int_eq(cospin_csv_write_commit(&w, &err), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(nentries(), 0);
    /* Aborted: nothing left. */
    ck_assert_int_eq(cospin_csv_write_open(&w, dir, "gone.csv", 0, "a", NULL), 0);
    cospin_csv_put(&w, "1");
    cospin_csv_end_row(&w);
    cospin_csv_write_abort(&w);
    cospin_csv_write_abort(NULL);
    ck_assert_int_eq(nentries(), 0);
    /* No header; no directory. */
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_csv_write_open(&w, dir, "x.csv", 0, "", &err), COSPIN_ERR_INTERNAL);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_csv_write_open(&w, "/nonexistent", "x.csv", 0, "a", &err),
                     COSPIN_ERR_IO);
    cospin_csv_write_abort(&w);
    ck_assert_int_eq(nentries(), 0);
}
END_TEST

static Suite *suite_csv(void)
{
    Suite *s = suite_create("csv");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_read_by_name);
    tcase_add_test(core, test_torn_last_line);
    tcase_add_test(core, test_write);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, test_read_errors);
    tcase_add_test(errors, test_write_errors);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_csv)
