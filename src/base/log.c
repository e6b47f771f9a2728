/*
 * log.c -- levelled logging and progress reports, through the caller's
 * handler or to stderr.
 *
 * The threshold and the handler are the one piece of process-wide mutable
 * state outside the engine: a logger is global by nature (like stderr
 * itself).  Messages are formatted here, so a handler gets one finished
 * line; stdio's own locking keeps the default handler's lines whole when
 * several threads log.
 */
#include <config.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static atomic_int log_threshold = COSPIN_LOG_INFO;

/* The caller's handler (NULL: stderr) and its argument.  Set them only while
   no other thread uses cospin (cospin.h). */
static cospin_log_handler *log_handler;
static void *log_user_data;

/* Set while stderr ends in a progress line redrawn with '\r' (no newline
   yet), so the next message starts a line of its own. */
static atomic_int line_open;

void cospin_log_set_level(enum cospin_log_level level)
{
    atomic_store(&log_threshold, (int)level);
}

enum cospin_log_level cospin_log_get_level(void)
{
    return (enum cospin_log_level)atomic_load(&log_threshold);
}

void cospin_log_set_handler(cospin_log_handler *fn, void *user_data)
{
    log_handler = fn;
    log_user_data = fn ? user_data : NULL;
}

int cospin_log_enabled(enum cospin_log_level level)
{
    return (int)level <= atomic_load(&log_threshold);
}

/* The default handler: "cospin: prefix: message" (INFO) or
   "cospin: prefix: level: message" on stderr. */
static void log_stderr(enum cospin_log_level level, const char *prefix, const char *msg)
{
    static const char *const names[] = {"error", "warning", "", "debug"};
    const char *nl = atomic_exchange(&line_open, 0) ? "\n" : "";
    if (level == COSPIN_LOG_INFO || (int)level < 0 || level > COSPIN_LOG_DEBUG)
        fprintf(stderr, "%scospin: %s: %s\n", nl, prefix, msg);
    else
        fprintf(stderr, "%scospin: %s: %s: %s\n", nl, prefix, names[level], msg);
}

void cospin_log(enum cospin_log_level level, const char *prefix, const char *fmt, ...)
{
    if (!cospin_log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cospin_log_handler *fn = log_handler;
    if (fn)
        fn(level, prefix ? prefix : "cospin", msg, log_user_data);
    else
        log_stderr(level, prefix ? prefix : "cospin", msg);
}

double cospin_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double cospin_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double cospin_cpu_children_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
        return 0.0;
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

void cospin_progress_start(struct cospin_progress *p, const char *what, long total)
{
    p->what = what;
    p->total = total;
    p->t_start_s = cospin_now_s();
    p->t_last_s = p->t_start_s;
    p->shown = -1;
    /* Decided once, so a run never mixes redrawn and complete lines. */
    p->in_place = log_handler == NULL && isatty(STDERR_FILENO);
}

/* Report `done` now: a redrawn line on a terminal, else one complete line. */
static void progress_report(struct cospin_progress *p, long done, double now_s)
{
    double el = now_s - p->t_start_s;
    double eta = done > 0 ? el * (double)(p->total - done) / (double)done : 0.0;
    double pct = p->total > 0 ? 100.0 * (double)done / (double)p->total : 100.0;
    char line[256];
    snprintf(line, sizeof line, "%s %ld/%ld (%3.0f%%) %.0fs elapsed, ~%.0fs left", p->what, done,
             p->total, pct, el, eta);
    p->shown = done;
    p->t_last_s = now_s;
    cospin_log_handler *fn = log_handler;
    if (fn) {
        fn(COSPIN_LOG_INFO, "progress", line, log_user_data);
    } else if (p->in_place) {
        fprintf(stderr, "\rcospin: %s   ", line);
        atomic_store(&line_open, 1);
    } else {
        fprintf(stderr, "%scospin: %s\n", atomic_exchange(&line_open, 0) ? "\n" : "", line);
    }
    fflush(stderr);
}

void cospin_progress_update(struct cospin_progress *p, long done)
{
    if (!cospin_log_enabled(COSPIN_LOG_INFO) || done == p->shown)
        return;
    double now = cospin_now_s();
    double every_s = p->in_place ? COSPIN_PROGRESS_TTY_S : COSPIN_PROGRESS_LINE_S;
    if (p->shown >= 0 && done < p->total && now - p->t_last_s < every_s)
        return;
    progress_report(p, done, now);
}

void cospin_progress_end(struct cospin_progress *p)
{
    if (!cospin_log_enabled(COSPIN_LOG_INFO))
        return;
    if (p->shown != p->total)
        progress_report(p, p->total, cospin_now_s());
    if (p->in_place && atomic_exchange(&line_open, 0)) {
        fputc('\n', stderr);
        fflush(stderr);
    }
}
