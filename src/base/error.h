/*
 * error.h -- internal helpers to fill a struct cospin_error.
 */
#ifndef COSPIN_ERROR_H
#define COSPIN_ERROR_H

#include "cospin.h"

/*
 * Record an error in err (which may be NULL) unless err already holds one:
 * the first error of an operation is the one the user needs.  file may be
 * NULL; line 0 means "no line".  Returns code, so callers can write
 * `return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "...")`.
 */
int cospin_error_set(struct cospin_error *err, int code, const char *file, int line,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Clear err (NULL-safe) so it can record a new first error. */
void cospin_error_clear(struct cospin_error *err);

/* Prefix the message already in err with "what: " (NULL-safe, no-op if no error). */
void cospin_error_prefix(struct cospin_error *err, const char *what);

#endif
