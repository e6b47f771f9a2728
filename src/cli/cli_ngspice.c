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
#include "paths.h"

int cospin_cli_ngspice(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: cospin ngspice [NGSPICE ARGS]\n"
               "\n"
               "Run the ngspice command-line simulator with the cospin code models\n"
               "(tmr_res, mtj_stt, ...) loaded, e.g. `cospin ngspice -b my.cir`.\n"
               "The code-model library is $COSPIN_CM if set, else the build-tree or\n"
               "installed cospin.cm (currently %s).\n"
               "Plain `ngspice` loads the models too when SPICE_SCRIPTS points at\n"
               "cospin's installed scripts directory (PREFIX/share/cospin/scripts);\n"
               "cospin-ngspice is this command under a name of its own.\n"
               "\n"
               "The exit status is ngspice's: with -b, 0 after the deck's .print/.plot\n"
               "analyses ran, 1 when the circuit did not load or an analysis failed.\n"
               "A deck with a .control block exits 1 unless the block ends with\n"
               "`quit $sim_status` (0 when its last analysis ran), as cospin's example\n"
               "netlists do.\n",
               cospin_path_cm());
        return COSPIN_OK;
    }
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
        argv[0] = "ngspice";
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
