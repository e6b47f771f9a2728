/*
 * log.h -- the one logger.  Each .c file defines LOG_PREFIX before including
 * this header; messages go to stderr as "cospin: prefix: message".
 */
#ifndef COSPIN_LOG_H
#define COSPIN_LOG_H

#include "cospin.h"

void cospin_log(enum cospin_log_level level, const char *prefix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when messages of this level are printed (to skip expensive formatting). */
int cospin_log_enabled(enum cospin_log_level level);

#ifndef LOG_PREFIX
#define LOG_PREFIX "cospin"
#endif
#define cospin_err(...) cospin_log(COSPIN_LOG_ERROR, LOG_PREFIX, __VA_ARGS__)
#define cospin_warn(...) cospin_log(COSPIN_LOG_WARN, LOG_PREFIX, __VA_ARGS__)
#define cospin_info(...) cospin_log(COSPIN_LOG_INFO, LOG_PREFIX, __VA_ARGS__)
#define cospin_dbg(...) cospin_log(COSPIN_LOG_DEBUG, LOG_PREFIX, __VA_ARGS__)

/*
 * Progress line on stderr for long runs: "prefix: what  done/total  eta".
 * Prints only at INFO level and when stderr is a terminal or every ~2 s.
 */
struct cospin_progress {
    const char *what;
    long total;
    double t_start_s;
    double t_last_s;
};
void cospin_progress_start(struct cospin_progress *p, const char *what, long total);
void cospin_progress_update(struct cospin_progress *p, long done);
void cospin_progress_end(struct cospin_progress *p);

/* Monotonic wall clock in seconds. */
double cospin_now_s(void);

/* CPU time of this process (all threads), in seconds. */
double cospin_cpu_s(void);

/*
 * CPU time of this process's terminated and waited-for children (e.g. the
 * ngspice workers of a pool after it is freed), in seconds.
 */
double cospin_cpu_children_s(void);

#endif
