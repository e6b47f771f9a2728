/*
 * cli_ngspice.c -- `cospin ngspice`: the ngspice CLI with cospin.cm loaded.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "opts.h"
#include "paths.h"

/* Run ngspice with argv (argv[0] is replaced by "ngspice") and a private spinit. */
static int ngspice_main(void *opts, const struct cospin_opts_result *res)
{
    (void)opts;
    /* The layer leaves the words for ngspice at argv + 1, NULL-terminated. */
    char **argv = res->args - 1;
    /* Write a private spinit that sources the system one and loads cospin.cm. */
    char dir[] = "/tmp/cospin-ngspice-XXXXXX";
    struct cospin_error err = {0};
    if (!mkdtemp(dir)) {
        cospin_error_set(&err, COSPIN_ERR_IO, dir, 0, "cannot create a directory: %s", strerror(errno));
        return cospin_cli_report("ngspice", &err);
    }
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/spinit", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        cospin_error_set(&err, COSPIN_ERR_IO, path, 0, "cannot write: %s", strerror(errno));
        rmdir(dir);
        return cospin_cli_report("ngspice", &err);
    }
    /* ngspice reads one spinit only, and `source` would read a file as a
       circuit: copy the system spinit, then load cospin.cm. */
    FILE *sys = fopen(COSPIN_NGSPICE_SPINIT, "r");
    if (sys) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, sys)) > 0)
            fwrite(buf, 1, n, f);
        fclose(sys);
    } else {
        fprintf(stderr, "cospin ngspice: warning: %s not found; only the cospin models are loaded\n",
                COSPIN_NGSPICE_SPINIT);
    }
    fprintf(f, "\ncodemodel %s\n", cospin_path_cm());
    if (fclose(f) != 0) {
        cospin_error_set(&err, COSPIN_ERR_IO, path, 0, "cannot write: %s", strerror(errno));
        unlink(path);
        rmdir(dir);
        return cospin_cli_report("ngspice", &err);
    }
    setenv("SPICE_SCRIPTS", dir, 1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        cospin_error_set(&err, COSPIN_ERR_IO, NULL, 0, "fork failed: %s", strerror(errno));
    } else if (pid == 0) {
        argv[0] = (char *)"ngspice";
        execvp("ngspice", argv);
        fprintf(stderr, "cospin ngspice: error: cannot run ngspice: %s (apt-get install ngspice)\n",
                strerror(errno));
        _exit(127);
    }
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    unlink(path);
    rmdir(dir);
    if (err.code)
        return cospin_cli_report("ngspice", &err);
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
        "  4 if the private spinit cannot be written.\n",
};

int cospin_cli_ngspice(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_ngspice_cmd, argc, argv);
}
