/*
 * char_internal.h -- what the parts of the characterisation share:
 * char_run.c (running a grid, resume), char_table.c (the table in memory
 * and its files) and char_design.c (the designer's inverse).  Internal to
 * the characterize layer.
 */
#ifndef COSPIN_CHAR_INTERNAL_H
#define COSPIN_CHAR_INTERNAL_H

#include <stddef.h>

#include "characterize.h"

/* Relative tolerance for "the same grid value" (widths, Ku, currents read
   back from %.17g text are exact; 1e-9 absorbs values typed by hand). */
#define CHAR_SAME_REL 1e-9

/* The header line of psw.csv (with its newline). */
#define CHAR_PSW_HEADER "width_s,current_a,trials,switched,p_sw,ku_j_per_m3\n"

/* a and b are the same grid value (CHAR_SAME_REL). */
int cospin_char_same(double a, double b);

/* "dir/name" into buf of size n: 0, or -1 if it does not fit. */
int cospin_char_path_join(char *buf, size_t n, const char *dir, const char *name);

/* Write text to dir/name atomically and fsync'ed (a rerun resumes from it). */
int cospin_char_write_text(const char *dir, const char *name, const char *text,
                           struct cospin_error *err);

/* Append a point (a fit) to t, whose arrays have room for *cap entries
   (grown by doubling).  0 or -1 when out of memory. */
int cospin_char_table_add_point(struct cospin_char_table *t, size_t *cap,
                                const struct cospin_char_point *p);
int cospin_char_table_add_fit(struct cospin_char_table *t, size_t *cap,
                              const struct cospin_char_fit *f);

/* What a psw.csv row must match to be resumed (cospin_char_read_psw_resume). */
struct cospin_char_resume_rules {
    long trials;             /* the run's trials per point (run.txt) */
    double default_ku;       /* Ku of rows of a file without the ku_j_per_m3 column */
};

/*
 * Read psw.csv for a resume: only complete, consistent rows become points
 * of the new table *out.  A row is dropped, with a warning naming file:line
 * and the reason, when it has the wrong number of fields (a torn line,
 * wherever it is), a field that is not a number, width_s or Ku not > 0 or
 * current_a < 0, trials other than rules->trials, switched not a whole
 * number in 0..trials, p_sw (when the column exists) not switched/trials
 * to its printed precision, or a point already read; an unterminated last
 * line is dropped as csv.h describes.  *ndropped counts the dropped rows.
 * Returns 0; COSPIN_ERR_IO, COSPIN_ERR_PARSE (no header, a required column
 * missing) or COSPIN_ERR_NOMEM.  The caller frees *out.
 */
int cospin_char_read_psw_resume(const char *path, const struct cospin_char_resume_rules *rules,
                                struct cospin_char_table **out, size_t *ndropped,
                                struct cospin_error *err);

/* One psw.csv line (with its newline) for point p into buf of size n. */
void cospin_char_psw_line(char *buf, size_t n, const struct cospin_char_point *p);

/* Fit exact probabilities p (n points at currents x_ua in uA) as a
   characterisation's curve: cospin_fit_logistic_prob at
   COSPIN_CHAR_FP_PROB_TOL, k <= 0 flagged not-rising.  The message of a
   failure goes to e (may be NULL); the status is in *fit either way. */
void cospin_char_fit_prob_curve(const double *x_ua, const double *p, size_t n,
                                struct cospin_fit_result *fit, struct cospin_error *e);

/* psw.csv (t's points and those of extra, which may be NULL, sorted), and
   fit.csv, fit.xml and psw.svg of t into dir. */
int cospin_char_write_all(const struct cospin_char_table *t, const struct cospin_char_table *extra,
                          const char *dir, struct cospin_error *err);

#endif
