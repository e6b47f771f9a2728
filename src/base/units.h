/*
 * units.h -- numbers with SPICE scale suffixes: "10n", "11.3u", "5k",
 * "1meg", "2.5MEG", "1e-9", optionally followed by a unit name ("10ns",
 * "5kohm", "11.3uA", "1.1e6J/m3" is NOT accepted: units are single names).
 *
 * Grammar (case-insensitive, surrounding blanks allowed):
 *     number  = [+-] digits [. digits] [e [+-] digits]      (or [+-] . digits ...)
 *     suffix  = t | g | meg | k | mil | m | u | µ | n | p | f
 *     unit    = s | sec | v | a | ohm | ohms | Ω | f | h | hz | w | j | m | t | c | deg
 *     text    = number [suffix] [unit]
 * Scale factors follow SPICE: t 1e12, g 1e9, meg 1e6, k 1e3, mil 25.4e-6,
 * m 1e-3 (milli, as in SPICE: "1M" is one milli, write "1meg"), u 1e-6,
 * n 1e-9, p 1e-12, f 1e-15.  As in SPICE the first letters are read as a
 * scale factor when they can be, so "1F" is one femto, "1pF" one picofarad.
 * Anything else ("", "1x", "k", "1..2", "inf", "0x10", "1e400") is an error
 * whose message quotes the text.  Pure C, no allocation except in
 * cospin_units_parse_sweep.
 */
#ifndef COSPIN_UNITS_H
#define COSPIN_UNITS_H

#include <stddef.h>

#include "cospin.h"

COSPIN_BEGIN_DECLS

/*
 * Parse text into *out (SI units).  Returns 0, or COSPIN_ERR_PARSE with a
 * one-line message in err (no file/line: callers that know them, such as
 * config.c, add them).  *out is untouched on error.
 */
COSPIN_API int cospin_units_parse(const char *text, double *out, struct cospin_error *err);

/*
 * Parse a sweep "start:stop:step" (each part with suffixes, step > 0 and
 * start <= stop, or step < 0 and start >= stop), or a comma-separated list
 * "a,b,c", or a single value, into a new array *vals of *n values (the stop
 * value is included when it lies on the grid within 1e-9 of a step).  The
 * caller frees *vals with free().  Errors: COSPIN_ERR_PARSE (bad number,
 * zero step, wrong direction, more than 10 million points), COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_units_parse_sweep(const char *text, double **vals, size_t *n,
                                        struct cospin_error *err);

/*
 * Format v with a SPICE suffix and `digits` significant digits (1..17),
 * e.g. 1e-8 -> "10n", 2.5e6 -> "2.5meg", 0 -> "0"; values outside
 * [1e-15, 1e15) in magnitude use exponent notation.  The result parses back
 * with cospin_units_parse.  Writes into buf (size n) and returns buf.
 */
COSPIN_API char *cospin_units_format(double v, int digits, char *buf, size_t n);

COSPIN_END_DECLS

#endif
