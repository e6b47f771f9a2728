/*
 * cli_ngspice.c -- `cospin ngspice`: the ngspice CLI with cospin.cm loaded.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "opts.h"
#include "paths.h"

/*
 * A private spinit in a new temporary directory dir (a mkdtemp template):
 * the system spinit, then a line loading cospin.cm.  ngspice reads one
 * spinit only, and `source` would read a file as a circuit.  On failure
 * nothing is left behind.
 */
static int write_spinit(char *dir, char *path, size_t n, struct cospin_error *err)
{
    if (!mkdtemp(dir))
        return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "cannot create a directory: %s",
                                strerror(errno));
    snprintf(path, n, "%s/spinit", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot write: %s", strerror(errno));
        rmdir(dir);
        return err ? err->code : COSPIN_ERR_IO;
    }
    FILE *sys = fopen(COSPIN_NGSPICE_SPINIT, "r");
    if (sys) {
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, sys)) > 0)
            fwrite(buf, 1, got, f);
        fclose(sys);
    } else {
        fprintf(stderr, "cospin ngspice: warning: %s not found; only the cospin models are loaded\n",
                COSPIN_NGSPICE_SPINIT);
    }
    fprintf(f, "\ncodemodel %s\n", cospin_path_cm());
    if (fclose(f) != 0) {
        int rc = cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot write: %s", strerror(errno));
        unlink(path);
        rmdir(dir);
        return rc;
    }
    return COSPIN_OK;
}

/* The child: SIGINT and SIGTERM at their default action (cospin passes
   them on; ngspice decides), the signal mask cospin started with, then
   ngspice. */
static void exec_ngspice(char **argv, const sigset_t *old_mask)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigprocmask(SIG_SETMASK, old_mask, NULL);
    argv[0] = (char *)"ngspice";
    execvp("ngspice", argv);
    fprintf(stderr, "cospin ngspice: error: cannot run ngspice: %s (apt-get install ngspice)\n",
            strerror(errno));
    _exit(127);
}

/*
 * Wait for child pid with SIGINT, SIGTERM and SIGCHLD blocked (set): each
 * SIGINT or SIGTERM is passed on to ngspice, unless the terminal sent it,
 * which reaches ngspice by itself (Ctrl-C goes to the whole process group).
 * *signo receives the first one (0: none); returns the wait status.
 */
static int wait_forwarding(pid_t pid, const sigset_t *set, int *signo)
{
    int status = 0;
    for (;;) {
        siginfo_t si;
        int s = sigwaitinfo(set, &si);
        if (s == SIGINT || s == SIGTERM) {
            if (!*signo)
                *signo = s;
            if (si.si_code != SI_KERNEL)
                kill(pid, s);
        }
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return status;
    }
}

/*
 * Run ngspice with argv (argv[0] is replaced by "ngspice") and a private
 * spinit.  SIGINT and SIGTERM are blocked throughout and received with
 * sigwaitinfo, so that cospin always removes the spinit's directory and
 * never leaves ngspice running without it: a signal is forwarded to ngspice,
 * cospin waits for it to end, cleans up and exits 6 when ngspice ended
 * because of it (an interactive ngspice survives Ctrl-C, as it should; its
 * own exit status is then passed on).
 */
static int ngspice_main(void *opts, const struct cospin_opts_result *res)
{
    (void)opts;
    /* The layer leaves the words for ngspice at argv + 1, NULL-terminated. */
    char **argv = res->args - 1;
    sigset_t set, old_mask;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old_mask);
    signal(SIGCHLD, SIG_DFL);   /* SIG_IGN would reap the child before cospin can */
    char dir[] = "/tmp/cospin-ngspice-XXXXXX", path[sizeof dir + 16];
    struct cospin_error err = {0};
    int status = 0, signo = 0, started = 0;
    if (write_spinit(dir, path, sizeof path, &err) != 0) {
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        return cospin_cli_report("ngspice", &err);
    }
    setenv("SPICE_SCRIPTS", dir, 1);
    sigset_t pending;
    if (sigpending(&pending) == 0 && (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM))) {
        signo = sigismember(&pending, SIGTERM) ? SIGTERM : SIGINT;   /* before ngspice started */
    } else {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0)
            exec_ngspice(argv, &old_mask);
        if (pid < 0)
            cospin_error_set(&err, COSPIN_ERR_IO, NULL, 0, "fork failed: %s", strerror(errno));
        else
            status = wait_forwarding(pid, &set, &signo);
        started = pid > 0;
    }
    unlink(path);
    rmdir(dir);
    if (err.code)
        return cospin_cli_report("ngspice", &err);
    if (signo && (!started || signo == SIGTERM || !WIFEXITED(status))) {
        cospin_error_set(&err, COSPIN_ERR_INTERRUPTED, NULL, 0,
                         "interrupted by %s: ngspice %s; the temporary spinit is removed",
                         signo == SIGTERM ? "SIGTERM" : "SIGINT",
                         started ? "was stopped" : "did not start");
        return cospin_cli_report("ngspice", &err);
    }
    /* ngspice's own messages are already on the terminal; its exit status
       (which is 1 for some successful batch runs) is passed on unchanged. */
    if (WIFEXITED(status))
        return COSPIN_CLI_EXIT(WEXITSTATUS(status));
    return COSPIN_CLI_EXIT(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}

const struct cospin_opts_cmd cospin_cli_ngspice_cmd = {
    .name = "ngspice",
    .summary = "run the ngspice CLI with the cospin code models loaded",
    .usage = "[NGSPICE OPTIONS] [FILE...]",
    .description =
        "Run the ngspice command-line simulator with the cospin code models\n"
        "(tmr_res, mtj_stt, ...) loaded, e.g. `cospin ngspice -b my.cir`.  Every\n"
        "word from the first one that is not -h/--help on goes to ngspice\n"
        "untouched, so ngspice's own options (-b, -o FILE, -r FILE, -v, -q, ...)\n"
        "work as with plain ngspice; cospin's global options go before the\n"
        "command: `cospin -q ngspice -b my.cir`.\n"
        "\n"
        "The code-model library is $COSPIN_CM if set, else the build tree's\n"
        "cospin.cm when cospin runs from its build tree, else the one installed\n"
        "beside the program (PREFIX/lib/cospin/cospin.cm).  Plain `ngspice` loads\n"
        "the models too when SPICE_SCRIPTS points at cospin's installed scripts\n"
        "directory (PREFIX/share/cospin/scripts); cospin-ngspice is this command\n"
        "under a name of its own.\n",
    .max_args = -1,
    .run = ngspice_main,
    .flags = COSPIN_OPTS_STOP_AT_ARG | COSPIN_OPTS_PASS_UNKNOWN | COSPIN_OPTS_HELP_ONLY,
    .epilog =
        "Examples:\n"
        "  $ cospin ngspice -b netlists/tmr_divider.cir\n"
        "  $ cospin netlist examples/rc_step.xml -o rc.cir && \\\n"
        "  > cospin ngspice -b rc.cir\n"
        "\n"
        "Exit status:\n"
        "  ngspice's own: with -b, 0 after the deck's .print/.plot analyses ran,\n"
        "  1 when the circuit did not load or an analysis failed.  A deck with a\n"
        "  .control block exits 1 unless the block ends with `quit $sim_status`\n"
        "  (0 when its last analysis ran), as cospin's example netlists do.\n"
        "  4 if the private spinit cannot be written, 6 if SIGINT or SIGTERM ended the\n"
        "  run (cospin passes the signal on to ngspice, waits for it and removes its\n"
        "  temporary spinit directory).\n",
};

int cospin_cli_ngspice(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_ngspice_cmd, argc, argv);
}
