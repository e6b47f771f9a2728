/*
 * error.c -- the first-error record and status names.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

const char *cospin_strerror(int code)
{
    switch (code) {
    case COSPIN_OK: return "ok";
    case COSPIN_ERR_NOMEM: return "out of memory";
    case COSPIN_ERR_IO: return "input/output error";
    case COSPIN_ERR_PARSE: return "parse error";
    case COSPIN_ERR_INVALID: return "invalid value";
    case COSPIN_ERR_SIM: return "simulation error";
    case COSPIN_ERR_CRASH: return "simulation worker crashed";
    case COSPIN_ERR_DATA: return "dataset error";
    case COSPIN_ERR_INTERRUPTED: return "interrupted";
    case COSPIN_ERR_INTERNAL: return "internal error";
    default: return "unknown error";
    }
}

int cospin_error_set(struct cospin_error *err, int code, const char *file, int line,
                     const char *fmt, ...)
{
    if (!err || err->code != 0)
        return code;
    err->code = code;
    err->line = line;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void cospin_error_clear(struct cospin_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

void cospin_error_prefix(struct cospin_error *err, const char *what)
{
    if (!err || err->code == 0 || !what)
        return;
    /* Room for both parts; the result is cut to the message's size. */
    char tmp[sizeof err->msg + 256];
    snprintf(tmp, sizeof tmp, "%.200s: %s", what, err->msg);
    snprintf(err->msg, sizeof err->msg, "%.*s", (int)sizeof err->msg - 1, tmp);
}

char *cospin_error_format(const struct cospin_error *err, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    if (!err || err->code == 0)
        snprintf(buf, n, "no error");
    else if (err->file[0] && err->line > 0)
        snprintf(buf, n, "%s:%d: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, n, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, n, "%s", err->msg);
    return buf;
}

const char *cospin_version(void)
{
    return PACKAGE_VERSION;
}
