/*
 * units.c -- SPICE-suffix numbers (see units.h for the grammar).
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "units.h"

/* SPICE scale factors (ngspice manual, section 2.3.1), longest names first so
   "meg" and "mil" win over "m". */
static const struct {
    const char *name;
    double scale;
} scales[] = {
    {"meg", 1e6}, {"mil", 25.4e-6}, {"t", 1e12}, {"g", 1e9}, {"k", 1e3},
    {"m", 1e-3},  {"u", 1e-6},      {"\xc2\xb5", 1e-6} /* U+00B5 micro sign */,
    {"\xce\xbc", 1e-6} /* U+03BC greek mu */, {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15},
};

/* Unit names accepted after the number and scale (ignored, as SPICE does). */
static const char *const unit_names[] = {
    "s", "sec", "v", "a", "ohm", "ohms", "\xce\xa9" /* U+03A9 */, "f", "h", "hz",
    "w", "j", "m", "t", "c", "deg", NULL,
};

#define SWEEP_MAX_POINTS 10000000

static int bad(struct cospin_error *err, const char *text, const char *why)
{
    return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                            "'%s' is not a number: %s (write e.g. 10n, 11.3u, 5k, 1meg, 1e-9, "
                            "optionally with a unit: 10ns, 5kohm)",
                            text, why);
}

/* Case-insensitive prefix match of name at s; returns the length matched or 0. */
static size_t match(const char *s, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(s, name, n) == 0 ? n : 0;
}

int cospin_units_parse(const char *text, double *out, struct cospin_error *err)
{
    if (!text)
        return bad(err, "(null)", "no text");
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    const char *num = p;
    if (*p == '+' || *p == '-')
        p++;
    size_t int_digits = 0, frac_digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        int_digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            frac_digits++;
        }
    }
    if (int_digits + frac_digits == 0)
        return bad(err, text, *num ? "it does not start with digits" : "it is empty");
    if ((*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return bad(err, text, "the exponent has no digits");
        while (isdigit((unsigned char)*q))
            q++;
        p = q;
    }
    /* Convert exactly the number part. */
    char buf[128];
    size_t len = (size_t)(p - num);
    if (len >= sizeof buf)
        return bad(err, text, "too many digits");
    memcpy(buf, num, len);
    buf[len] = '\0';
    errno = 0;
    double v = strtod(buf, NULL);
    if (errno == ERANGE && fabs(v) > 1.0)
        return bad(err, text, "it overflows a double");
    if (errno == ERANGE && v == 0.0)
        return bad(err, text, "it underflows a double");
    /* Scale factor. */
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        size_t n = match(p, scales[i].name);
        if (n) {
            v *= scales[i].scale;
            p += n;
            break;
        }
    }
    /* Optional unit name, then only blanks. */
    if (*p && !isspace((unsigned char)*p)) {
        size_t best = 0;
        for (size_t i = 0; unit_names[i]; i++) {
            size_t n = match(p, unit_names[i]);
            const char *e = p + n;
            if (n > best && (*e == '\0' || isspace((unsigned char)*e)))
                best = n;
        }
        if (!best)
            return bad(err, text, "unknown suffix or unit after the number");
        p += best;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return bad(err, text, "trailing text after the number");
    if (!isfinite(v))
        return bad(err, text, "it overflows a double");
    *out = v;
    return COSPIN_OK;
}

/* Split text at the first occurrence of sep into a copy; returns the part. */
static int parse_part(const char *start, size_t len, const char *whole, double *out,
                      struct cospin_error *err)
{
    char buf[128];
    if (len >= sizeof buf)
        return bad(err, whole, "a part is too long");
    memcpy(buf, start, len);
    buf[len] = '\0';
    struct cospin_error e = {0};
    if (cospin_units_parse(buf, out, &e) != 0)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "in '%s': %s", whole, e.msg);
    return COSPIN_OK;
}

int cospin_units_parse_sweep(const char *text, double **vals, size_t *n,
                             struct cospin_error *err)
{
    *vals = NULL;
    *n = 0;
    if (!text)
        return bad(err, "(null)", "no text");
    const char *c1 = strchr(text, ':');
    if (c1) {
        const char *c2 = strchr(c1 + 1, ':');
        if (!c2 || strchr(c2 + 1, ':'))
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "'%s': a sweep is start:stop:step, e.g. 6u:20u:1u", text);
        double a, b, step;
        int rc = parse_part(text, (size_t)(c1 - text), text, &a, err);
        if (!rc)
            rc = parse_part(c1 + 1, (size_t)(c2 - c1 - 1), text, &b, err);
        if (!rc)
            rc = parse_part(c2 + 1, strlen(c2 + 1), text, &step, err);
        if (rc)
            return rc;
        if (step == 0.0 || (b - a) / step < 0.0)
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "'%s': the step must be nonzero and go from start towards stop",
                                    text);
        double span = (b - a) / step;
        if (span + 1.0 > SWEEP_MAX_POINTS)
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "'%s': more than %d points", text, SWEEP_MAX_POINTS);
        /* Include stop when it is on the grid up to rounding. */
        size_t count = (size_t)floor(span + 1e-9) + 1;
        double *v = malloc(count * sizeof *v);
        if (!v)
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        for (size_t i = 0; i < count; i++)
            v[i] = a + (double)i * step;
        *vals = v;
        *n = count;
        return COSPIN_OK;
    }
    /* A list a,b,c (or a single value). */
    size_t count = 1;
    for (const char *p = text; *p; p++)
        count += *p == ',';
    double *v = malloc(count * sizeof *v);
    if (!v)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    const char *start = text;
    for (size_t i = 0; i < count; i++) {
        const char *end = strchr(start, ',');
        size_t len = end ? (size_t)(end - start) : strlen(start);
        int rc = parse_part(start, len, text, &v[i], err);
        if (rc) {
            free(v);
            return rc;
        }
        start = end ? end + 1 : start + len;
    }
    *vals = v;
    *n = count;
    return COSPIN_OK;
}

char *cospin_units_format(double v, int digits, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    if (digits < 1)
        digits = 1;
    if (digits > 17)
        digits = 17;
    static const struct {
        double scale;
        const char *name;
    } fmt[] = {{1e12, "t"}, {1e9, "g"}, {1e6, "meg"}, {1e3, "k"}, {1.0, ""},
               {1e-3, "m"}, {1e-6, "u"}, {1e-9, "n"}, {1e-12, "p"}, {1e-15, "f"}};
    double a = fabs(v);
    if (v == 0.0 || !isfinite(v) || a >= 1e15 || a < 1e-15) {
        snprintf(buf, n, "%.*g", digits, v);
        return buf;
    }
    for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
        if (a >= fmt[i].scale * (1.0 - 1e-15)) {
            snprintf(buf, n, "%.*g%s", digits, v / fmt[i].scale, fmt[i].name);
            /* %g may switch to exponent form for large mantissas (1e+03k); fine to
               parse, but keep the plain form when it fits. */
            return buf;
        }
    }
    snprintf(buf, n, "%.*g", digits, v);
    return buf;
}
