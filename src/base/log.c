/*
 * log.c -- levelled logging and progress lines on stderr.
 *
 * The log threshold is the one piece of process-wide mutable state outside
 * the engine: a logger is global by nature (like stderr itself).
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum cospin_log_level log_threshold = COSPIN_LOG_INFO;

void cospin_log_set_level(enum cospin_log_level level)
{
    log_threshold = level;
}

int cospin_log_enabled(enum cospin_log_level level)
{
    return level <= log_threshold;
}

void cospin_log(enum cospin_log_level level, const char *prefix, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "", "debug"};
    if (level > log_threshold)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (level == COSPIN_LOG_INFO)
        fprintf(stderr, "cospin: %s: %s\n", prefix, msg);
    else
        fprintf(stderr, "cospin: %s: %s: %s\n", prefix, names[level], msg);
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
    p->t_last_s = 0.0;
}

void cospin_progress_update(struct cospin_progress *p, long done)
{
    if (!cospin_log_enabled(COSPIN_LOG_INFO))
        return;
    double now = cospin_now_s();
    int tty = isatty(STDERR_FILENO);
    double every_s = tty ? 0.2 : 5.0;   /* keep CI logs short */
    if (done < p->total && now - p->t_last_s < every_s)
        return;
    p->t_last_s = now;
    double el = now - p->t_start_s;
    double eta = done > 0 ? el * (double)(p->total - done) / (double)done : 0.0;
    fprintf(stderr, "%scospin: %s %ld/%ld (%3.0f%%) %.0fs elapsed, ~%.0fs left%s",
            tty ? "\r" : "", p->what, done, p->total,
            p->total > 0 ? 100.0 * (double)done / (double)p->total : 100.0, el, eta,
            tty ? "   " : "\n");
    fflush(stderr);
}

void cospin_progress_end(struct cospin_progress *p)
{
    cospin_progress_update(p, p->total);
    if (isatty(STDERR_FILENO) && cospin_log_enabled(COSPIN_LOG_INFO))
        fputc('\n', stderr);
}
