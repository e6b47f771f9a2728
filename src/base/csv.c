/*
 * csv.c -- the CSV reader and writer (see csv.h for the format).
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "csv"
#include "csv.h"
#include "error.h"
#include "log.h"

/* ---- reading --------------------------------------------------------------------------- */

struct cospin_csv {
    FILE *fp;
    char *path;
    const struct cospin_csv_column *cols;
    size_t ncols;
    unsigned flags;
    int *col_of;            /* header field of each wanted column, -1 if absent */
    double *num;            /* the current row's numbers, per wanted column */
    char *header;           /* the header line, split into hfield */
    char **hfield;
    size_t nheader;
    char *line;             /* getline buffer, split into field */
    size_t line_cap;
    char **field;
    size_t nfield, field_cap;
    int lineno;             /* lines read so far */
    int row_line;           /* line of the current row (or of the header) */
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split s (modified in place) at commas into r->field, each trimmed. */
static int split_fields(char *s, char ***field, size_t *cap, size_t *n)
{
    *n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 16;
            char **nf = realloc(*field, nc * sizeof *nf);
            if (!nf)
                return COSPIN_ERR_NOMEM;
            *field = nf;
            *cap = nc;
        }
        (*field)[(*n)++] = s;
        char *comma = strchr(s, ',');
        char *end = comma ? comma : s + strlen(s);
        while (end > s && is_blank(end[-1]))
            end--;
        *end = '\0';
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

/*
 * Read the next line that is neither blank nor a comment into r->line.
 * Returns 1 with *terminated set (whether it ended in a newline), 0 at the
 * end of the file, or COSPIN_ERR_IO.
 */
static int next_content_line(struct cospin_csv *r, int *terminated, struct cospin_error *err)
{
    for (;;) {
        errno = 0;
        ssize_t len = getline(&r->line, &r->line_cap, r->fp);
        if (len < 0) {
            if (ferror(r->fp))
                return cospin_error_set(err, COSPIN_ERR_IO, r->path, r->lineno + 1,
                                        "read error: %s", strerror(errno ? errno : EIO));
            return 0;
        }
        r->lineno++;
        *terminated = len > 0 && r->line[len - 1] == '\n';
        const char *s = r->line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\0' || *s == '\n' || (*s == '\r' && (s[1] == '\n' || !s[1])))
            continue;
        return 1;
    }
}

/* Find the wanted columns in the header line (in r->line). */
static int read_header(struct cospin_csv *r, struct cospin_error *err)
{
    int term;
    int rc = next_content_line(r, &term, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return cospin_error_set(err, COSPIN_ERR_PARSE, r->path, r->lineno ? r->lineno : 1,
                                "empty file (no header)");
    r->row_line = r->lineno;
    r->header = strdup(r->line);
    if (!r->header)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, r->path, 0, "out of memory");
    size_t cap = 0;
    if (split_fields(r->header, &r->hfield, &cap, &r->nheader) != 0)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, r->path, 0, "out of memory");
    for (size_t c = 0; c < r->ncols; c++) {
        r->col_of[c] = -1;
        for (size_t j = 0; j < r->nheader; j++) {
            if (strcmp(r->hfield[j], r->cols[c].name) != 0)
                continue;
            if (r->col_of[c] >= 0)
                return cospin_error_set(err, COSPIN_ERR_PARSE, r->path, r->row_line,
                                        "the header has the column '%s' twice", r->cols[c].name);
            r->col_of[c] = (int)j;
        }
        if (r->col_of[c] < 0 && !(r->cols[c].flags & COSPIN_CSV_OPTIONAL))
            return cospin_error_set(err, COSPIN_ERR_PARSE, r->path, r->row_line,
                                    "the header lacks the column '%s'", r->cols[c].name);
    }
    return 0;
}

int cospin_csv_open(const char *path, const struct cospin_csv_column *cols, size_t ncols,
                    unsigned flags, struct cospin_csv **out, struct cospin_error *err)
{
    *out = NULL;
    struct cospin_csv *r = calloc(1, sizeof *r);
    if (!r)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    r->cols = cols;
    r->ncols = ncols;
    r->flags = flags;
    r->path = strdup(path ? path : "");
    r->col_of = calloc(ncols ? ncols : 1, sizeof *r->col_of);
    r->num = calloc(ncols ? ncols : 1, sizeof *r->num);
    if (!r->path || !r->col_of || !r->num) {
        cospin_csv_close(r);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    }
    r->fp = fopen(r->path, "r");
    if (!r->fp) {
        int e = errno;
        cospin_csv_close(r);
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot read: %s", strerror(e));
    }
    int rc = read_header(r, err);
    if (rc != 0) {
        cospin_csv_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* Parse the wanted fields of the current row into r->num. */
static int parse_row(struct cospin_csv *r, struct cospin_error *err)
{
    for (size_t c = 0; c < r->ncols; c++) {
        r->num[c] = NAN;
        if (r->col_of[c] < 0)
            continue;
        const char *s = r->field[r->col_of[c]];
        if (!*s) {
            if (r->cols[c].flags & COSPIN_CSV_EMPTY_OK)
                continue;
            return cospin_csv_error(r, c, COSPIN_ERR_PARSE, err, "empty field");
        }
        if (!(r->cols[c].flags & COSPIN_CSV_NUMBER))
            continue;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        /* ERANGE with a tiny result is an underflow to a denormal or zero: keep it. */
        if (end == s || *end || (errno == ERANGE && fabs(v) > 1.0))
            return cospin_csv_error(r, c, COSPIN_ERR_PARSE, err, "'%s' is not a number", s);
        r->num[c] = v;
    }
    return 0;
}

int cospin_csv_next(struct cospin_csv *r, struct cospin_error *err)
{
    int term;
    int rc = next_content_line(r, &term, err);
    if (rc <= 0)
        return rc;
    r->row_line = r->lineno;
    if (!term && (r->flags & COSPIN_CSV_APPENDED)) {
        cospin_warn("%s:%d: ignoring an incomplete last line (an interrupted append)", r->path,
                    r->lineno);
        return 0;
    }
    if (split_fields(r->line, &r->field, &r->field_cap, &r->nfield) != 0)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, r->path, 0, "out of memory");
    if (r->nfield < r->nheader)
        return cospin_csv_error(r, (size_t)-1, COSPIN_ERR_PARSE, err,
                                "%zu fields, the header has %zu: column '%s' is missing",
                                r->nfield, r->nheader, r->hfield[r->nfield]);
    if (r->nfield > r->nheader)
        return cospin_csv_error(r, (size_t)-1, COSPIN_ERR_PARSE, err,
                                "%zu fields, the header has only %zu", r->nfield, r->nheader);
    rc = parse_row(r, err);
    return rc < 0 ? rc : 1;
}

int cospin_csv_has(const struct cospin_csv *r, size_t col)
{
    return col < r->ncols && r->col_of[col] >= 0;
}

double cospin_csv_num(const struct cospin_csv *r, size_t col)
{
    return col < r->ncols ? r->num[col] : NAN;
}

const char *cospin_csv_text(const struct cospin_csv *r, size_t col)
{
    if (!cospin_csv_has(r, col) || (size_t)r->col_of[col] >= r->nfield)
        return NULL;
    return r->field[r->col_of[col]];
}

int cospin_csv_line(const struct cospin_csv *r)
{
    return r->row_line;
}

const char *cospin_csv_path(const struct cospin_csv *r)
{
    return r->path;
}

int cospin_csv_error(const struct cospin_csv *r, size_t col, int code, struct cospin_error *err,
                     const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col < r->ncols)
        return cospin_error_set(err, code, r->path, r->row_line, "column '%s': %s",
                                r->cols[col].name, msg);
    return cospin_error_set(err, code, r->path, r->row_line, "%s", msg);
}

void cospin_csv_close(struct cospin_csv *r)
{
    if (!r)
        return;
    if (r->fp)
        fclose(r->fp);
    free(r->path);
    free(r->col_of);
    free(r->num);
    free(r->header);
    free(r->hfield);
    free(r->line);
    free(r->field);
    free(r);
}

/* ---- writing --------------------------------------------------------------------------- */

/* Record the first bad row (1-based, the header is row 1). */
static void mark_bad(struct cospin_csv_writer *w)
{
    if (!w->bad_row)
        w->bad_row = w->row + 1;
}

int cospin_csv_write_open(struct cospin_csv_writer *w, const char *dir, const char *name,
                          unsigned output_flags, const char *header, struct cospin_error *err)
{
    memset(w, 0, sizeof *w);
    if (!header || !*header)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "CSV file %s without a header",
                                name ? name : "");
    int rc = cospin_output_open_flags(&w->out, dir, name, output_flags, err);
    if (rc != 0)
        return rc;
    w->ncols = 1;
    for (const char *s = header; *s; s++) {
        w->ncols += *s == ',';
        if (*s == '\n')
            mark_bad(w);
    }
    fputs(header, w->out.fp);
    fputc('\n', w->out.fp);
    w->row = 1;
    return 0;
}

/* Write one field's text (with its separator). */
static void put_field(struct cospin_csv_writer *w, const char *text)
{
    if (!w->out.fp)
        return;
    if (strpbrk(text, ",\n\r"))
        mark_bad(w);
    if (w->nfields++ > 0)
        fputc(',', w->out.fp);
    fputs(text, w->out.fp);
}

void cospin_csv_put(struct cospin_csv_writer *w, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) {
        mark_bad(w);
        return;
    }
    if ((size_t)n < sizeof buf) {
        put_field(w, buf);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        mark_bad(w);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put_field(w, big);
    free(big);
}

void cospin_csv_put_num(struct cospin_csv_writer *w, int digits, double v)
{
    if (isfinite(v))
        cospin_csv_put(w, "%.*g", digits, v);
    else
        put_field(w, "");
}

void cospin_csv_end_row(struct cospin_csv_writer *w)
{
    if (!w->out.fp)
        return;
    if (w->nfields != w->ncols)
        mark_bad(w);
    fputc('\n', w->out.fp);
    w->nfields = 0;
    w->row++;
}

int cospin_csv_write_commit(struct cospin_csv_writer *w, struct cospin_error *err)
{
    if (w->nfields != 0)
        mark_bad(w);
    if (w->bad_row) {
        int rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, w->out.final_path, (int)w->bad_row,
                                  "row with a wrong number of fields, or a field with a comma "
                                  "or line break (not written)");
        cospin_output_abort(&w->out);
        return rc;
    }
    return cospin_output_commit(&w->out, err);
}

void cospin_csv_write_abort(struct cospin_csv_writer *w)
{
    if (w)
        cospin_output_abort(&w->out);
}
