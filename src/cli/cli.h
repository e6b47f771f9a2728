/*
 * cli.h -- the cospin subcommands.  Each lives in src/cli_<name>.c and is
 * listed in the table in main.c.  A subcommand receives argv with argv[0] =
 * its own name, parses its own options (getopt_long), prints its --help to
 * stdout, and returns a COSPIN_* status (or COSPIN_CLI_USAGE for a usage
 * error); main() maps the status to the documented exit code.
 */
#ifndef COSPIN_CLI_H
#define COSPIN_CLI_H

#include "cospin.h"

/* Returned by a subcommand for a command-line usage error (exit code 2). */
#define COSPIN_CLI_USAGE 1000

/* Returned by a subcommand that must exit with status n (0..255) exactly:
   `cospin ngspice` passes on ngspice's own exit status. */
#define COSPIN_CLI_EXIT_BASE 2000
#define COSPIN_CLI_EXIT(n) (COSPIN_CLI_EXIT_BASE + ((n) & 0xff))

typedef int (*cospin_cli_fn)(int argc, char **argv);

struct cospin_cli_command {
    const char *name;
    cospin_cli_fn fn;
    const char *summary;   /* one line for `cospin --help` */
};

/*
 * Print err as "cospin <cmd>: error: file:line: message" on stderr and
 * return err->code.  Subcommands use it for every failure they report.
 */
int cospin_cli_report(const char *cmd, const struct cospin_error *err);

int cospin_cli_ngspice(int argc, char **argv);
int cospin_cli_run(int argc, char **argv);
int cospin_cli_netlist(int argc, char **argv);
int cospin_cli_demo(int argc, char **argv);
int cospin_cli_dataset(int argc, char **argv);
int cospin_cli_train(int argc, char **argv);
int cospin_cli_infer(int argc, char **argv);
int cospin_cli_energy(int argc, char **argv);
int cospin_cli_characterize(int argc, char **argv);

struct cospin_infer_job;
struct cospin_infer_result;
struct cospin_energy_job;
struct cospin_energy_result;

/* The stdout reports of `cospin infer` and `cospin energy`, also printed by the demo. */
void cospin_cli_infer_report(const struct cospin_infer_job *job,
                             const struct cospin_infer_result *res);
void cospin_cli_energy_report(const struct cospin_energy_job *job,
                              const struct cospin_energy_result *res);

#endif
