/* check_log.c -- the logger: levels, the caller's handler, the stderr format, and
 * progress reports on a file, through a handler and on a terminal. */
/* posix_openpt and ptsname are XSI. */
#define _XOPEN_SOURCE 700

#include <config.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "log.h"

/* ---- helpers ---------------------------------------------------------------------- */

/* What a test handler saw. */
struct seen {
    int n;
    int n_progress;
    size_t len[64];
    enum cospin_log_level level[64];
    char prefix[64][32];
    char msg[64][256];
};

static void record(enum cospin_log_level level, const char *prefix, const char *message,
                   void *user_data)
{
    struct seen *s = user_data;
    if (s->n >= 64)
        return;
    s->level[s->n] = level;
    s->len[s->n] = strlen(message);
    snprintf(s->prefix[s->n], sizeof s->prefix[s->n], "%s", prefix);
    snprintf(s->msg[s->n], sizeof s->msg[s->n], "%s", message);
    if (strcmp(prefix, "progress") == 0)
        s->n_progress++;
    s->n++;
}

/* Point stderr (fd 2) at a new temporary file; returns its descriptor for read_back. */
static int stderr_to_file(void)
{
    char path[] = "/tmp/cospin-check-log-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    fflush(stderr);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    return fd;
}

/* Everything written to the file so far (static buffer). */
static const char *read_back(int fd)
{
    static char buf[16384];
    fflush(stderr);
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    ck_assert_int_ge(n, 0);
    buf[n] = '\0';
    return buf;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Count updates 1..total as a long run would, then end. */
static void run_progress(const char *what, long total)
{
    struct cospin_progress p;
    cospin_progress_start(&p, what, total);
    for (long i = 1; i <= total; i++)
        cospin_progress_update(&p, i);
    cospin_progress_end(&p);
}

/* ---- core ------------------------------------------------------------------------- */

START_TEST(test_handler_gets_each_message)
{
    struct seen s = {0};
    cospin_log_set_handler(record, &s);
    cospin_log_set_level(COSPIN_LOG_INFO);
    ck_assert_int_eq(cospin_log_get_level(), COSPIN_LOG_INFO);
    cospin_log(COSPIN_LOG_WARN, "engine", "x = %d", 3);
    cospin_log(COSPIN_LOG_DEBUG, "engine", "dropped at INFO");
    cospin_log_set_level(COSPIN_LOG_DEBUG);
    cospin_log(COSPIN_LOG_DEBUG, "netlist", "kept at DEBUG");
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(s.level[0], COSPIN_LOG_WARN);
    ck_assert_str_eq(s.prefix[0], "engine");
    ck_assert_str_eq(s.msg[0], "x = 3");
    ck_assert_int_eq(s.level[1], COSPIN_LOG_DEBUG);
    ck_assert_str_eq(s.prefix[1], "netlist");
    ck_assert_str_eq(s.msg[1], "kept at DEBUG");
}
END_TEST

START_TEST(test_default_format_on_stderr)
{
    int fd = stderr_to_file();
    struct seen s = {0};
    cospin_log_set_handler(record, &s);
    cospin_log_set_handler(NULL, NULL); /* back to stderr */
    cospin_log(COSPIN_LOG_INFO, "mod", "hello %s", "world");
    cospin_log(COSPIN_LOG_WARN, "mod", "careful");
    cospin_log(COSPIN_LOG_ERROR, "mod", "broken");
    ck_assert_str_eq(read_back(fd),
                     "cospin: mod: hello world\ncospin: mod: warning: careful\n"
                     "cospin: mod: error: broken\n");
    ck_assert_int_eq(s.n, 0);
    close(fd);
}
END_TEST

/* A pipe or file gets complete lines: no '\r', the first and the final count,
   the final one exactly once (an update to the total followed by end() used
   to print it twice), and nothing in between when the run is shorter than
   the line interval. */
START_TEST(test_progress_into_a_file)
{
    int fd = stderr_to_file();
    run_progress("trials", 1000);
    const char *out = read_back(fd);
    ck_assert_msg(strchr(out, '\r') == NULL, "carriage return in a file:\n%s", out);
    ck_assert_int_eq(count(out, "\n"), 2);
    ck_assert_int_eq(count(out, "cospin: trials 1/1000 "), 1);
    ck_assert_int_eq(count(out, "cospin: trials 1000/1000 (100%)"), 1);
    close(fd);
}
END_TEST

START_TEST(test_progress_end_without_final_update)
{
    int fd = stderr_to_file();
    struct cospin_progress p;
    cospin_progress_start(&p, "points", 7);
    cospin_progress_update(&p, 2);
    cospin_progress_end(&p);
    const char *out = read_back(fd);
    ck_assert_int_eq(count(out, "\n"), 2);
    ck_assert_int_eq(count(out, "points 2/7"), 1);
    ck_assert_int_eq(count(out, "points 7/7"), 1);
    close(fd);
}
END_TEST

START_TEST(test_progress_through_a_handler)
{
    int fd = stderr_to_file();
    struct seen s = {0};
    cospin_log_set_handler(record, &s);
    run_progress("training", 500);
    ck_assert_int_eq(s.n_progress, 2);
    ck_assert_int_eq(s.level[1], COSPIN_LOG_INFO);
    ck_assert_msg(strncmp(s.msg[1], "training 500/500 (100%)", 23) == 0, "%s", s.msg[1]);
    ck_assert_str_eq(read_back(fd), "");
    close(fd);
}
END_TEST

/* On a terminal the line is redrawn with '\r', closed by end() with one
   newline, and a message logged while it is open starts a line of its own. */
START_TEST(test_progress_on_a_terminal)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(slave, 0);
    fflush(stderr);
    ck_assert_int_ge(dup2(slave, STDERR_FILENO), 0);
    ck_assert(isatty(STDERR_FILENO));

    struct cospin_progress p;
    cospin_progress_start(&p, "infer", 10);
    cospin_progress_update(&p, 1);
    cospin_log(COSPIN_LOG_INFO, "cli", "between");
    cospin_progress_update(&p, 10);
    cospin_progress_end(&p);
    fflush(stderr);

    char out[4096];
    size_t len = 0;
    struct pollfd pfd = {.fd = master, .events = POLLIN};
    while (len < sizeof out - 1 && poll(&pfd, 1, 200) > 0) {
        ssize_t r = read(master, out + len, sizeof out - 1 - len);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    out[len] = '\0';
    /* The terminal turns each '\n' into "\r\n" (onlcr). */
    ck_assert_msg(strncmp(out, "\rcospin: infer 1/10 ", 20) == 0, "got: %s", out);
    ck_assert_msg(strstr(out, "\r\ncospin: cli: between\r\n") != NULL, "got: %s", out);
    ck_assert_int_eq(count(out, "\rcospin: infer 10/10 (100%)"), 1);
    ck_assert_msg(len >= 2 && strcmp(out + len - 2, "\r\n") == 0, "no final newline: %s", out);
    close(slave);
    close(master);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------ */

START_TEST(test_quiet_drops_progress_and_info)
{
    int fd = stderr_to_file();
    cospin_log_set_level(COSPIN_LOG_ERROR);
    ck_assert(!cospin_log_enabled(COSPIN_LOG_WARN));
    ck_assert(cospin_log_enabled(COSPIN_LOG_ERROR));
    run_progress("quiet", 100);
    cospin_log(COSPIN_LOG_WARN, "mod", "dropped");
    cospin_log(COSPIN_LOG_ERROR, NULL, "no prefix");
    ck_assert_str_eq(read_back(fd), "cospin: cospin: error: no prefix\n");
    close(fd);
}
END_TEST

START_TEST(test_long_message_is_cut_not_overrun)
{
    struct seen s = {0};
    cospin_log_set_handler(record, &s);
    char big[4000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cospin_log(COSPIN_LOG_INFO, "mod", "%s", big);
    ck_assert_int_eq(s.n, 1);
    /* cospin_log formats into 1024 bytes: the handler gets the first 1023. */
    ck_assert_uint_eq(s.len[0], 1023);
    ck_assert_int_eq(s.msg[0][0], 'x');
}
END_TEST

static Suite *suite_log(void)
{
    Suite *s = suite_create("log");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_handler_gets_each_message);
    tcase_add_test(core, test_default_format_on_stderr);
    tcase_add_test(core, test_progress_into_a_file);
    tcase_add_test(core, test_progress_end_without_final_update);
    tcase_add_test(core, test_progress_through_a_handler);
    tcase_add_test(core, test_progress_on_a_terminal);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_quiet_drops_progress_and_info);
    tcase_add_test(errors, test_long_message_is_cut_not_overrun);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_log)
