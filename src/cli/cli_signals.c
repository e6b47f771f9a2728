/*
 * cli_signals.c -- SIGINT and SIGTERM during a command's run (cli.h,
 * cospin_cli_signals_catch).
 */
#include <config.h>

#include <signal.h>
#include <string.h>

#include "cli.h"

/* The stop flag the handler sets: the signal's number.  A signal handler
   can only reach file-level state; this is the program's one such variable. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
    /* A second signal ends the process at once (the default action). */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

volatile sig_atomic_t *cospin_cli_signals_catch(struct cospin_cli_signals *s)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocking poll or wait returns EINTR and looks at the flag. */
    stop_signal = 0;
    sigaction(SIGINT, &sa, &s->old_int);
    sigaction(SIGTERM, &sa, &s->old_term);
    return &stop_signal;
}

void cospin_cli_signals_restore(const struct cospin_cli_signals *s)
{
    sigaction(SIGINT, &s->old_int, NULL);
    sigaction(SIGTERM, &s->old_term, NULL);
}
