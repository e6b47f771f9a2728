/*
 * log.h -- the one logger.  Each .c file defines LOG_PREFIX before including
 * this header.  Messages go to the handler set with cospin_log_set_handler()
 * (cospin.h), by default to stderr as "cospin: prefix: message".
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
 * Progress of a long run, "what done/total (pct) elapsed, eta", at INFO level.
 * On a terminal (default handler, stderr a tty) one line is redrawn in place
 * with '\r' at most every COSPIN_PROGRESS_TTY_S and closed with a newline by
 * cospin_progress_end().  Anywhere else (a pipe, a file, a user handler) each
 * report is a complete line, at most one every COSPIN_PROGRESS_LINE_S, so
 * logs stay short; the first update and the final count are always reported,
 * the final one exactly once.  The caller owns the struct (usually on its
 * stack); `what` must outlive it.  Calls on one struct must not overlap
 * (callers that update from several threads hold their own lock).
 */
#define COSPIN_PROGRESS_TTY_S 0.2     /* redraw interval on a terminal, s */
#define COSPIN_PROGRESS_LINE_S 5.0    /* line interval elsewhere, s */

struct cospin_progress {
    const char *what;
    long total;
    double t_start_s;
    double t_last_s;     /* time of the last report, s (cospin_now_s) */
    long shown;          /* count of the last report, -1 before the first */
    int in_place;        /* reports redraw one terminal line */
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
