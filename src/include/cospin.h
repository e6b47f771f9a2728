/*
 * cospin.h -- public interface of libcospin.
 *
 * cospin co-simulates spintronic neuromorphic hardware: MTJ/SOT compact models
 * as ngspice code models, neuron characterisation, device-aware training and
 * circuit verification.  Every exported symbol starts with cospin_; status
 * codes are COSPIN_OK (0) or a negative COSPIN_ERR_* value.  Functions that can
 * fail take an optional struct cospin_error * that receives the first error's
 * message with its file/line context.
 */
#ifndef COSPIN_H
#define COSPIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define COSPIN_API __attribute__((visibility("default")))
#else
#define COSPIN_API
#endif

/* Status codes.  Every function returning int uses these. */
enum cospin_status {
    COSPIN_OK = 0,
    COSPIN_ERR_NOMEM = -1,    /* allocation failed */
    COSPIN_ERR_IO = -2,       /* file could not be read or written */
    COSPIN_ERR_PARSE = -3,    /* malformed input (XML, netlist, number) */
    COSPIN_ERR_INVALID = -4,  /* a value is out of range or inconsistent */
    COSPIN_ERR_SIM = -5,      /* ngspice reported an error */
    COSPIN_ERR_CRASH = -6,    /* a simulation worker died */
    COSPIN_ERR_DATA = -7,     /* dataset missing, truncated or corrupt */
    COSPIN_ERR_INTERRUPTED = -8, /* stopped by a signal; finished work kept */
    COSPIN_ERR_INTERNAL = -9  /* a bug: an invariant did not hold */
};

/*
 * The first error of an operation.  file/line locate the offending input
 * (an XML file, a netlist, a dataset) when there is one; line is 0 otherwise.
 * The caller owns the struct (usually on its stack); cospin never frees it.
 */
struct cospin_error {
    int code;          /* an enum cospin_status value, 0 if no error */
    int line;          /* 1-based line in file, 0 if not applicable */
    char file[256];    /* input file the error refers to, "" if none */
    char msg[768];     /* human-readable message, one line */
};

/* Short name of a status code ("ok", "out of memory", ...); never NULL. */
COSPIN_API const char *cospin_strerror(int code);

/*
 * Format err as one line: "file:line: message" (or just "message"), into buf
 * of size n.  Returns buf.
 */
COSPIN_API char *cospin_error_format(const struct cospin_error *err, char *buf, size_t n);

/* Library version string, e.g. "0.1.0". */
COSPIN_API const char *cospin_version(void);

/* Log levels, most to least severe. */
enum cospin_log_level {
    COSPIN_LOG_ERROR = 0,
    COSPIN_LOG_WARN = 1,
    COSPIN_LOG_INFO = 2,
    COSPIN_LOG_DEBUG = 3
};

/* Set the global log threshold (messages above it are dropped). */
COSPIN_API void cospin_log_set_level(enum cospin_log_level level);

#ifdef __cplusplus
}
#endif

#endif /* COSPIN_H */
