/*
 * csv.h -- the CSV files cospin reads and writes: one reader, one writer.
 *
 * The format (doc/user-guide.md, "CSV files"):
 *   - Fields are separated by commas; there is no quoting (no cospin field
 *     holds a comma, a quote or a line break).  Blanks (spaces, tabs, a CR
 *     before the newline) around a field are ignored on reading.
 *   - Blank lines and comment lines (first non-blank character '#') are
 *     ignored anywhere, before the header too.
 *   - The first other line is the header: the column names.  The reader
 *     finds the columns it needs by name, so they may come in any order and
 *     columns it does not know are ignored; a required column missing from
 *     the header is an error naming it.
 *   - Every row has exactly as many fields as the header.  A row with fewer
 *     fields (a torn line) or more is an error with file:line naming the
 *     first missing column (or the field count): a row is never half-read.
 *     The one exception is a file that cospin appends to while a run is
 *     going on (COSPIN_CSV_APPENDED, psw.csv): each append writes a whole
 *     line with its newline in one write(2), so a last line without a
 *     newline is an append cut short by a kill; it is ignored with a
 *     warning, whatever it holds.
 *   - Numbers are plain C numbers in the C locale, as strtod reads them
 *     ("1e-08", "1.1e6", "-0.5", "nan"), with nothing after them.  SPICE
 *     suffixes (units.h) are deliberately not read here: CSV files are data
 *     written by programs, where "1M" would silently mean milli and where a
 *     failed fit's "nan" must be readable.  An empty field is a missing
 *     value; columns that allow it (COSPIN_CSV_EMPTY_OK) read it as NaN.
 *
 * Reading:
 *     static const struct cospin_csv_column cols[] = {
 *         {"width_s", COSPIN_CSV_NUMBER}, {"status", COSPIN_CSV_OPTIONAL}};
 *     struct cospin_csv *r;
 *     if ((rc = cospin_csv_open(path, cols, 2, 0, &r, err)) != 0) return rc;
 *     while ((rc = cospin_csv_next(r, err)) > 0)
 *         use(cospin_csv_num(r, 0), cospin_csv_text(r, 1));
 *     cospin_csv_close(r);            rc is 0 at the end, < 0 on an error
 *
 * Writing (through output.h, so atomically): cospin_csv_write_open with the
 * header, then per row cospin_csv_put* for each field and
 * cospin_csv_end_row, then cospin_csv_write_commit (or _abort).
 */
#ifndef COSPIN_CSV_H
#define COSPIN_CSV_H

#include <stddef.h>

#include "cospin.h"
#include "output.h"

/* ---- reading --------------------------------------------------------------------------- */

/* Flags of one column (struct cospin_csv_column.flags). */
enum {
    COSPIN_CSV_OPTIONAL = 1u, /* the column may be absent from the header */
    COSPIN_CSV_NUMBER = 2u,   /* each field must be a number; cospin_csv_next checks it */
    COSPIN_CSV_EMPTY_OK = 4u  /* an empty field is allowed (a NUMBER column reads NaN) */
};

/* Flags of a whole file (cospin_csv_open). */
enum {
    COSPIN_CSV_APPENDED = 1u  /* appended to during runs: ignore an unterminated last line */
};

/* A column the caller wants: its header name and COSPIN_CSV_* column flags. */
struct cospin_csv_column {
    const char *name;
    unsigned flags;
};

struct cospin_csv;

/*
 * Open path and read its header.  cols[0..ncols) name the columns wanted;
 * the caller refers to them by their index in cols.  cols must stay valid
 * until cospin_csv_close.  On success *out is a new reader (free with
 * cospin_csv_close).  Errors: COSPIN_ERR_IO (cannot open or read),
 * COSPIN_ERR_PARSE (no header: "empty file"; a required column missing, or a
 * wanted column twice, with the header's line), COSPIN_ERR_NOMEM.
 */
int cospin_csv_open(const char *path, const struct cospin_csv_column *cols, size_t ncols,
                    unsigned flags, struct cospin_csv **out, struct cospin_error *err);

/*
 * Read the next row.  Returns 1 (a row is current), 0 (end of file) or a
 * negative error: COSPIN_ERR_PARSE at file:line for a row with the wrong
 * number of fields (naming the first missing column), an empty field in a
 * column without COSPIN_CSV_EMPTY_OK, or a field of a NUMBER column that is
 * not a number ("column 'c_ua': 'x' is not a number"); COSPIN_ERR_IO,
 * COSPIN_ERR_NOMEM.
 */
int cospin_csv_next(struct cospin_csv *r, struct cospin_error *err);

/* Whether wanted column col is in the file's header. */
int cospin_csv_has(const struct cospin_csv *r, size_t col);

/* The current row's number in column col (NUMBER columns); NaN if the column
   is absent or the field empty. */
double cospin_csv_num(const struct cospin_csv *r, size_t col);

/* The current row's field in column col, blanks trimmed; NULL if the column
   is absent.  Valid until the next cospin_csv_next or cospin_csv_close. */
const char *cospin_csv_text(const struct cospin_csv *r, size_t col);

/* Line number (1-based) of the current row, or of the header before the first row. */
int cospin_csv_line(const struct cospin_csv *r);

/* The path given to cospin_csv_open. */
const char *cospin_csv_path(const struct cospin_csv *r);

/*
 * Record an error about the current row in err: file:line, and the message
 * prefixed with "column 'name': " when col < ncols (pass (size_t)-1 for a
 * message about the whole row).  Returns code.
 */
int cospin_csv_error(const struct cospin_csv *r, size_t col, int code, struct cospin_error *err,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Close the file and free the reader.  NULL-safe. */
void cospin_csv_close(struct cospin_csv *r);

/* ---- writing --------------------------------------------------------------------------- */

/* A CSV file being written (plain data; the fields are private to csv.c). */
struct cospin_csv_writer {
    struct cospin_output out;
    size_t ncols;        /* fields of the header */
    size_t nfields;      /* fields written in the current row */
    long row;            /* rows ended so far, header included */
    long bad_row;        /* first row with a wrong field count or a bad field, else 0 */
};

/*
 * Open dir/name (cospin_output_open_flags with output_flags) and write the
 * header, a comma-separated list of column names ("iteration,loss").
 * Returns 0 or the errors of cospin_output_open; COSPIN_ERR_INTERNAL for an
 * empty header.
 */
int cospin_csv_write_open(struct cospin_csv_writer *w, const char *dir, const char *name,
                          unsigned output_flags, const char *header, struct cospin_error *err);

/* One field, printf-style.  The text must not hold a comma or a line break
   (that is recorded as a bad row and fails the commit). */
void cospin_csv_put(struct cospin_csv_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One number field, printed "%.*g" with `digits` significant digits, or an
   empty field when v is not finite (a missing value). */
void cospin_csv_put_num(struct cospin_csv_writer *w, int digits, double v);

/* End the row.  A row whose field count differs from the header's is recorded
   as bad and fails the commit. */
void cospin_csv_end_row(struct cospin_csv_writer *w);

/*
 * Rename the file into place.  COSPIN_ERR_INTERNAL (nothing written) when a
 * row had the wrong number of fields or a field held a comma or newline (a
 * bug in the caller), else the errors of cospin_output_commit.
 */
int cospin_csv_write_commit(struct cospin_csv_writer *w, struct cospin_error *err);

/* Discard the file.  Safe on NULL, an unopened, aborted or committed writer. */
void cospin_csv_write_abort(struct cospin_csv_writer *w);

#endif
