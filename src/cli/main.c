/*
 * main.c -- the cospin command-line tool: global options, dispatch to a
 * subcommand, and the mapping from status to exit code.  Nothing else.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dist.h"
#include "opts.h"

static int exit_code(int status)
{
    if (status >= COSPIN_CLI_EXIT_BASE && status <= COSPIN_CLI_EXIT_BASE + 255)
        return status - COSPIN_CLI_EXIT_BASE;
    switch (status) {
    case COSPIN_OK: return 0;
    case COSPIN_CLI_USAGE: return 2;
    case COSPIN_ERR_SIM:
    case COSPIN_ERR_CRASH: return 1;
    case COSPIN_ERR_PARSE:
    case COSPIN_ERR_INVALID: return 3;
    case COSPIN_ERR_IO: return 4;
    case COSPIN_ERR_DATA: return 5;
    case COSPIN_ERR_INTERRUPTED: return 6;
    default: return 70;
    }
}

/* Everything after MPI's start and before its end. */
static int cospin_main(int argc, char **argv)
{
    const struct cospin_opts_cmd *top = &cospin_cli_top_cmd;
    struct cospin_opts_result res;
    struct cospin_error err = {0};
    /* Global options up to the command name; the command's words follow in res.args. */
    int rc = cospin_opts_parse(top, argc, argv, NULL, &res, &err);
    if (rc == COSPIN_ERR_PARSE)
        return exit_code(cospin_opts_usage_error(top, "%s", err.msg));
    if (rc)
        return exit_code(cospin_cli_report(NULL, &err));
    if (res.help)
        return exit_code(cospin_opts_help(stdout, top));
    if (res.version) {
        cospin_opts_version(stdout, &res);
        return 0;
    }
    cospin_opts_apply_log(&res);
    if (strcmp(res.args[0], "help") == 0)
        return exit_code(cospin_cli_help(res.nargs - 1, res.args + 1));
    const struct cospin_cli_command *c = cospin_cli_find(res.args[0]);
    if (!c)
        return exit_code(cospin_opts_usage_error(top, "unknown command '%s'", res.args[0]));
    return exit_code(cospin_cli_dispatch(c, res.nargs, res.args));
}

/* Under mpirun every rank runs main(); MPI starts only then (dist.h). */
int main(int argc, char **argv)
{
    struct cospin_error err = {0};
    if (cospin_dist_init(&argc, &argv, &err) != 0)
        return exit_code(cospin_cli_report(NULL, &err));
    cospin_cli_dist_setup();
    int code = cospin_main(argc, argv);
    cospin_dist_finalize();
    return code;
}
