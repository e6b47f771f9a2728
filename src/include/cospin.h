/*
 * cospin.h -- public interface of libcospin: status codes, the error record,
 * the version, the code-model path and the logger.
 *
 * cospin co-simulates spintronic neuromorphic hardware: MTJ/SOT compact models
 * as ngspice code models, neuron characterisation, device-aware training and
 * circuit verification.  Every exported symbol starts with cospin_; status
 * codes are COSPIN_OK (0) or a negative COSPIN_ERR_* value.  Functions that can
 * fail take an optional struct cospin_error * that receives the first error's
 * message with its file/line context.
 *
 * The modules have headers of their own, installed beside this one:
 *   <cospin/units.h>         numbers with SPICE suffixes ("10n", "5k", "1meg")
 *   <cospin/llgs.h>          the macrospin LLGS MTJ: parameters, trials, time stepping
 *   <cospin/fit.h>           maximum-likelihood sigmoid fits of binomial data
 *   <cospin/characterize.h>  Monte Carlo P_sw(I), neuron tables, the designer's inverse
 *   <cospin/engine.h>        libngspice in process and in a pool of worker processes
 *   <cospin/netlist.h>       netlist text for crossbars, neuron stages and networks
 *   <cospin/compact_neuron.h> the compact neuron's P_sw(I) (netlist.h's neuron stages)
 *   <cospin/dataset.h>       IDX image datasets (MNIST, Fashion-MNIST)
 *   <cospin/nn.h>            the 784-H-10 network with trainable activations
 *   <cospin/train.h>         its training loop, model files
 *   <cospin/neuron_map.h>    the device-aware level: activations a neuron table realises
 *   <cospin/train_job.h>     a whole training job with its output directory
 * `pkg-config --cflags --libs cospin` gives the flags; doc/developer-guide.md
 * shows a complete program.  Every function declared in these headers is
 * exported; nothing else is.
 */
#ifndef COSPIN_H
#define COSPIN_H

#include <stddef.h>

/*
 * COSPIN_API marks a function libcospin exports (the library is built with
 * -fvisibility=hidden).  Code that compiles cospin's sources into a module of
 * its own, such as the code-model library cospin.cm, defines COSPIN_API as
 * empty so that its copies stay private.
 */
#ifndef COSPIN_API
#if defined(__GNUC__)
#define COSPIN_API __attribute__((visibility("default")))
#else
#define COSPIN_API
#endif
#endif

/* Brackets for the declarations of every public header (C++ linkage). */
#ifdef __cplusplus
#define COSPIN_BEGIN_DECLS extern "C" {
#define COSPIN_END_DECLS }
#else
#define COSPIN_BEGIN_DECLS
#define COSPIN_END_DECLS
#endif

COSPIN_BEGIN_DECLS

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

/* Version of the library in use (the package version, e.g. "0.1.0"); static storage. */
COSPIN_API const char *cospin_version(void);

/*
 * The code-model library (cospin.cm, the ngspice models tmr_res, mtj_stt,
 * ...) that the engine loads when its options name none: $COSPIN_CM if set;
 * else the build tree's, when this process runs from a cospin build tree;
 * else the one installed beside libcospin or the running program (found
 * relative to them, so a moved installation finds its own); else the
 * configured PREFIX/lib/cospin/cospin.cm.  Plain ngspice loads it with
 * `codemodel PATH` in an spinit.  The string is static (or the environment's);
 * do not free it.
 */
COSPIN_API const char *cospin_path_cm(void);

/* Log levels, most to least severe. */
enum cospin_log_level {
    COSPIN_LOG_ERROR = 0,
    COSPIN_LOG_WARN = 1,
    COSPIN_LOG_INFO = 2,
    COSPIN_LOG_DEBUG = 3
};

/*
 * Set the process-wide log threshold: messages less severe than level are
 * dropped before they are formatted.  The default is COSPIN_LOG_INFO.
 * Safe to call from any thread.
 */
COSPIN_API void cospin_log_set_level(enum cospin_log_level level);

/* The current threshold. */
COSPIN_API enum cospin_log_level cospin_log_get_level(void);

/*
 * A log handler receives each message that passes the threshold: its level,
 * the module prefix ("engine", "characterize", ...; "progress" for progress
 * reports of long runs, which come at COSPIN_LOG_INFO as complete lines, at
 * most one every few seconds plus the final count), the message (one line,
 * no newline, valid only during the call) and the user_data given to
 * cospin_log_set_handler.  It may be called from any thread that runs cospin
 * code (the characterisation workers log from their own threads), so it must
 * be thread-safe; in the engine's pool workers it runs in the forked child.
 * It must not call cospin_log_set_handler.
 */
typedef void cospin_log_handler(enum cospin_log_level level, const char *prefix,
                                const char *message, void *user_data);

/*
 * Send every message to fn (with user_data, which cospin never dereferences
 * or frees) instead of stderr; fn NULL restores the default: one line per
 * message on stderr, "cospin: prefix: message" at COSPIN_LOG_INFO and
 * "cospin: prefix: error: message" (warning, debug) at the other levels;
 * progress redrawn in place on a terminal and as complete lines elsewhere.  Call it before other threads use cospin: the
 * handler is read without a lock.
 */
COSPIN_API void cospin_log_set_handler(cospin_log_handler *fn, void *user_data);

COSPIN_END_DECLS

#endif /* COSPIN_H */
