/*
 * cli.h -- the cospin subcommands.  Each lives in src/cli/cli_<name>.c and is
 * listed in the registry in src/cli/commands.c.  A subcommand receives argv
 * with argv[0] = its own name and returns a COSPIN_* status (or
 * COSPIN_CLI_USAGE for a usage error); main() maps the status to the
 * documented exit code.
 *
 * Commands on the option layer (opts.h) define a `const struct
 * cospin_opts_cmd cospin_cli_<name>_cmd` (table, help texts, body) and their
 * entry point is cospin_opts_run(&cospin_cli_<name>_cmd, argc, argv).
 * Commands not converted yet parse their own options and print their own
 * --help (their registry entry has no spec).
 */
#ifndef COSPIN_CLI_H
#define COSPIN_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "cospin.h"

/* Default --job-timeout (s) of the commands that run ngspice jobs in worker
   processes: a hung or runaway simulation fails after an hour instead of
   running until it is killed. */
#define COSPIN_CLI_JOB_TIMEOUT_S 3600.0

/* Returned by a subcommand for a command-line usage error (exit code 2). */
#define COSPIN_CLI_USAGE 1000

/* Returned by a subcommand that must exit with status n (0..255) exactly:
   `cospin ngspice` passes on ngspice's own exit status. */
#define COSPIN_CLI_EXIT_BASE 2000
#define COSPIN_CLI_EXIT(n) (COSPIN_CLI_EXIT_BASE + ((n) & 0xff))

typedef int (*cospin_cli_fn)(int argc, char **argv);

struct cospin_opts_cmd;
struct cospin_char_table;

struct cospin_cli_command {
    const char *name;
    cospin_cli_fn fn;
    const char *summary;                  /* one line for `cospin help` */
    const struct cospin_opts_cmd *spec;   /* the option table, or NULL (own parsing) */
    int distributed;                      /* under mpirun: runs on every rank and spreads
                                             its own work (else on rank 0 alone) */
};

/* The registered commands, *n of them (static storage). */
const struct cospin_cli_command *cospin_cli_commands(size_t *n);

/* The command called name, or NULL. */
const struct cospin_cli_command *cospin_cli_find(const char *name);

/* cospin itself: its usage, description (the command list) and global options. */
extern const struct cospin_opts_cmd cospin_cli_top_cmd;

/*
 * `cospin help [COMMAND]`: args[0..nargs) are the words after "help".
 * Prints cospin's help or COMMAND's (the same text as `cospin COMMAND
 * --help`) to stdout; an unknown command is a usage error.
 */
int cospin_cli_help(int nargs, char **args);

/*
 * Print err as "cospin <cmd>: error: file:line: message" on stderr (cmd
 * NULL: "cospin: error: ..."; "interrupted" instead of "error" for
 * COSPIN_ERR_INTERRUPTED) and return err->code.  Subcommands use it for
 * every failure other than a usage error (opts.h: cospin_opts_usage_error).
 */
int cospin_cli_report(const char *cmd, const struct cospin_error *err);

/*
 * Interrupts.  While a command runs, SIGINT and SIGTERM behave alike: the
 * first one sets the flag that cospin_cli_signals_catch returns (to the
 * signal's number); the run polls it, stops its children, keeps its
 * finished work, removes its temporaries and returns COSPIN_ERR_INTERRUPTED
 * (exit code 6, one line on stderr).  A second signal ends the process at
 * once.  cospin_cli_signals_restore puts the previous handlers back.
 */
struct cospin_cli_signals {
    struct sigaction old_int, old_term;
};
volatile sig_atomic_t *cospin_cli_signals_catch(struct cospin_cli_signals *s);
void cospin_cli_signals_restore(const struct cospin_cli_signals *s);

/*
 * Under mpirun with several ranks (dist.h): on the ranks other than 0,
 * stdout and stderr go to /dev/null (rank 0 prints the results and the
 * job's errors) and only warnings and errors are logged, to the original
 * stderr as "cospin[rank R]: ...".  Call once, after cospin_dist_init() and
 * before any thread starts.  Nothing to do with one rank.
 */
void cospin_cli_dist_setup(void);

/*
 * Run command c on args (args[0] is its name).  With several ranks a
 * distributed command runs on every rank; any other runs on rank 0 alone
 * while the others wait.  Every rank returns rank 0's status, so mpirun
 * and the shell see one outcome.
 */
int cospin_cli_dispatch(const struct cospin_cli_command *c, int nargs, char **args);

/*
 * Hold a distributed command's output directory (output.h): under MPI rank
 * 0 holds it (the other ranks write nothing there) and every rank returns
 * its outcome; in one process cospin_output_dir_lock itself.  Release with
 * cospin_cli_dir_unlock from every rank.
 */
struct cospin_output_dir;
int cospin_cli_dir_lock(struct cospin_output_dir *od, const char *dir, struct cospin_error *err);
void cospin_cli_dir_unlock(struct cospin_output_dir *od, int failed);

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

extern const struct cospin_opts_cmd cospin_cli_run_cmd;
extern const struct cospin_opts_cmd cospin_cli_netlist_cmd;
extern const struct cospin_opts_cmd cospin_cli_ngspice_cmd;
extern const struct cospin_opts_cmd cospin_cli_dataset_cmd;
extern const struct cospin_opts_cmd cospin_cli_characterize_cmd;
extern const struct cospin_opts_cmd cospin_cli_train_cmd;
extern const struct cospin_opts_cmd cospin_cli_infer_cmd;
extern const struct cospin_opts_cmd cospin_cli_energy_cmd;
extern const struct cospin_opts_cmd cospin_cli_demo_cmd;

/*
 * Print the neuron table of a characterisation (k and c per width and Ku)
 * as `cospin characterize` and `cospin run` of a characterize experiment
 * show it.  nresumed < 0: not known.
 */
void cospin_cli_print_fit_table(FILE *f, const char *out_dir, const struct cospin_char_table *t,
                                long nresumed);

#endif
