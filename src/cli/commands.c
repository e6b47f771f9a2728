/*
 * commands.c -- the registry of cospin's subcommands, cospin's own help
 * (usage, command list, global options, exit status), `cospin help`, and the
 * one error-line format of every command.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dist.h"
#include "opts.h"
#include "output.h"

#define LOG_PREFIX "cli"
#include "log.h"

static const struct cospin_cli_command commands[] = {
    {"run", cospin_cli_run, NULL, &cospin_cli_run_cmd, 1},
    {"netlist", cospin_cli_netlist, NULL, &cospin_cli_netlist_cmd, 0},
    {"demo", cospin_cli_demo, NULL, &cospin_cli_demo_cmd, 0},
    {"ngspice", cospin_cli_ngspice, NULL, &cospin_cli_ngspice_cmd, 0},
    {"dataset", cospin_cli_dataset, NULL, &cospin_cli_dataset_cmd, 0},
    {"characterize", cospin_cli_characterize, NULL, &cospin_cli_characterize_cmd, 1},
    {"train", cospin_cli_train, NULL, &cospin_cli_train_cmd, 1},
    {"infer", cospin_cli_infer, NULL, &cospin_cli_infer_cmd, 1},
    {"energy", cospin_cli_energy, NULL, &cospin_cli_energy_cmd, 0},
};

const struct cospin_cli_command *cospin_cli_commands(size_t *n)
{
    *n = sizeof commands / sizeof commands[0];
    return commands;
}

const struct cospin_cli_command *cospin_cli_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static const char *summary(const struct cospin_cli_command *c)
{
    return c->spec ? c->spec->summary : c->summary;
}

static void list_commands(FILE *f)
{
    fprintf(f, "\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        cospin_opts_print_item(f, commands[i].name, summary(&commands[i]));
    cospin_opts_print_item(f, "help", "this help; `cospin help COMMAND`: the command's help");
}

const struct cospin_opts_cmd cospin_cli_top_cmd = {
    .name = NULL,
    .summary = "SPICE co-simulation of spintronic neuromorphic hardware",
    .usage = "[OPTIONS] COMMAND [ARGS]\nhelp [COMMAND]",
    .description =
        "SPICE co-simulation of spintronic neuromorphic hardware (MTJ/SOT neurons\n"
        "and synapses) with ngspice " COSPIN_NGSPICE_VERSION ".  Each command has its own options:\n"
        "`cospin help COMMAND` (or `cospin COMMAND --help`) lists them with their\n"
        "units, ranges and defaults.\n",
    .describe = list_commands,
    .args_name = "COMMAND",
    .min_args = 1,
    .max_args = -1,
    .flags = COSPIN_OPTS_STOP_AT_ARG,
    .epilog =
        "Numbers take SPICE suffixes everywhere: 30n = 30e-9, 11.3u, 5k, 1meg, 100m = 0.1.\n"
        "\n"
        "Errors are one line on stderr, \"cospin COMMAND: error: message\" (with\n"
        "FILE:LINE: for a problem in an input file).\n"
        "\n"
        "Exit status:\n"
        "  0   success\n"
        "  1   simulation failed (ngspice error, crashed worker, job time limit)\n"
        "  2   command-line usage error\n"
        "  3   invalid input file or value (XML, netlist, parameter), or a run\n"
        "      whose estimate is refused (--force)\n"
        "  4   file could not be read or written, or the output directory is in\n"
        "      use by another run\n"
        "  5   dataset missing or corrupt\n"
        "  6   interrupted by SIGINT or SIGTERM (finished work was kept; rerun to\n"
        "      resume)\n"
        "  70  internal error or out of memory\n"
        "  (`cospin ngspice` exits with ngspice's own status, or 6 when a signal\n"
        "  ended it)\n"
        "\n"
        "Environment:\n"
        "  COSPIN_CM     the code-model library (default: the build tree's when run\n"
        "                from it, else the installed\n"
        "                " COSPIN_PKGLIBDIR "/cospin.cm)\n"
        "  COSPIN_DATA   the dataset directory\n"
        "  COSPIN_MPI    0: do not start MPI even under mpirun or srun (each process\n"
        "                then runs the whole command on its own)\n"
        "\n"
        "Documentation: the user guide, installed as\n"
        "  " COSPIN_DOCDIR "/user-guide.md\n",
};

int cospin_cli_help(int nargs, char **args)
{
    if (nargs == 0 || strcmp(args[0], "help") == 0)
        return cospin_opts_help(stdout, &cospin_cli_top_cmd);
    if (nargs > 1)
        return cospin_opts_usage_error(&cospin_cli_top_cmd, "help takes one COMMAND, not '%s'",
                                       args[1]);
    const struct cospin_cli_command *c = cospin_cli_find(args[0]);
    if (!c)
        return cospin_opts_usage_error(&cospin_cli_top_cmd, "unknown command '%s'", args[0]);
    if (c->spec)
        return cospin_opts_help(stdout, c->spec);
    /* A command with its own parsing prints its own --help. */
    char help[] = "--help";
    char *argv[] = {(char *)c->name, help, NULL};
    return c->fn(2, argv);
}

int cospin_cli_report(const char *cmd, const struct cospin_error *err)
{
    char buf[1200];
    /* An interrupt is not an error of the run: say what it is (once). */
    const char *what = "error: ";
    if (err->code == COSPIN_ERR_INTERRUPTED)
        what = strncmp(err->msg, "interrupted", 11) == 0 && !err->file[0] ? "" : "interrupted: ";
    if (cmd)
        fprintf(stderr, "cospin %s: %s%s\n", cmd, what, cospin_error_format(err, buf, sizeof buf));
    else
        fprintf(stderr, "cospin: %s%s\n", what, cospin_error_format(err, buf, sizeof buf));
    return err->code ? err->code : COSPIN_ERR_INTERNAL;
}

/* Where a rank other than 0 logs: its original stderr, tagged with its rank. */
struct rank_log {
    FILE *f;
    char tag[32];
};

static void rank_log_handler(enum cospin_log_level level, const char *prefix, const char *msg,
                             void *user_data)
{
    const struct rank_log *rl = user_data;
    if (level > COSPIN_LOG_WARN)
        return; /* progress and details: rank 0 reports them for the job */
    fprintf(rl->f, "%s: %s: %s: %s\n", rl->tag, prefix,
            level == COSPIN_LOG_ERROR ? "error" : "warning", msg);
    fflush(rl->f);
}

void cospin_cli_dist_setup(void)
{
    int rank = cospin_dist_rank();
    if (cospin_dist_size() == 1 || rank == 0)
        return;
    /* Kept for the rest of the process (the logger refers to it). */
    struct rank_log *rl = malloc(sizeof *rl);
    int fd = dup(STDERR_FILENO);
    if (!rl || fd < 0 || !(rl->f = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        free(rl);
        return; /* then this rank prints like rank 0: noisy, not wrong */
    }
    snprintf(rl->tag, sizeof rl->tag, "cospin[rank %d]", rank);
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
        cospin_dist_abort("cannot redirect the output of rank %d to /dev/null", rank);
    if (cospin_log_get_level() > COSPIN_LOG_WARN)
        cospin_log_set_level(COSPIN_LOG_WARN);
    cospin_log_set_handler(rank_log_handler, rl);
}

int cospin_cli_dispatch(const struct cospin_cli_command *c, int nargs, char **args)
{
    if (cospin_dist_size() == 1)
        return c->fn(nargs, args);
    int rank = cospin_dist_rank();
    long status = 0;
    if (c->distributed) {
        status = c->fn(nargs, args);
    } else if (rank == 0) {
        cospin_dist_solo(1);   /* what it calls must not wait for the other ranks */
        status = c->fn(nargs, args);
        cospin_dist_solo(0);
    }
    long mine = status;
    if (cospin_dist_bcast_longs(&status, 1, 0) != 0)
        cospin_dist_abort("cannot share the exit status of rank 0");
    if (c->distributed && mine != status)
        cospin_warn("this rank ended with status %ld (%s), rank 0 with %ld",
                   mine, cospin_strerror((int)mine), status);
    return (int)status;
}

int cospin_cli_dir_lock(struct cospin_output_dir *od, const char *dir, struct cospin_error *err)
{
    int rc = cospin_dist_rank() == 0 ? cospin_output_dir_lock(od, dir, err) : COSPIN_OK;
    return cospin_dist_agree(rc, err);
}

void cospin_cli_dir_unlock(struct cospin_output_dir *od, int failed)
{
    if (cospin_dist_rank() == 0)
        cospin_output_dir_unlock(od, failed);
}
