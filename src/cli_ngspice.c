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
               "cospin's scripts directory (see the cospin-ngspice script).\n",
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
    fprintf(f, "source /usr/share/ngspice/scripts/spinit\ncodemodel %s\n", cospin_path_cm());
    fclose(f);
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
    /* ngspice's own messages are already on the terminal. */
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? COSPIN_OK : COSPIN_ERR_SIM;
}
