/*
 * cli_netlist.c -- `cospin netlist EXPERIMENT.xml`: the circuit an experiment
 * describes, as a netlist deck that plain `ngspice -b` (with cospin.cm) runs.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xml.h"
#include "error.h"
#include "exp_netlist.h"
#include "opts.h"
#include "output.h"

/* Write text to path through a temporary in the same directory. */
static int write_file(const char *path, const char *text, struct cospin_error *err)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    if (!dir[0])
        snprintf(dir, sizeof dir, "/");
    struct cospin_output o;
    int rc = cospin_output_open(&o, dir, slash ? slash + 1 : path, err);
    if (rc)
        return rc;
    fputs(text, o.fp);
    rc = cospin_output_commit(&o, err);
    cospin_output_abort(&o);
    return rc;
}

struct netlist_opts {
    const char *output;        /* NULL: stdout */
};

static void netlist_init(void *p)
{
    struct netlist_opts *o = p;
    o->output = NULL;
}

static int netlist_main(void *p, const struct cospin_opts_result *res)
{
    const char *output = ((const struct netlist_opts *)p)->output;
    const char *path = res->args[0];
    struct cospin_error err = {0};
    struct cospin_xml_doc *cfg = NULL;
    struct cospin_exp_netlist *x = NULL;
    char *deck = NULL;
    int rc = cospin_xml_load(path, &cfg, &err);
    if (!rc) {
        const struct cospin_xml_node *root = cospin_xml_root(cfg);
        const char *type = cospin_xml_attr(root, "type");
        if (!type || strcmp(type, "netlist") != 0)
            rc = cospin_xml_error(root, "type", COSPIN_ERR_INVALID, &err,
                                     "only netlist experiments describe a circuit to print");
        else
            rc = cospin_exp_netlist_read(root, &x, &err);
    }
    if (!rc)
        rc = cospin_exp_netlist_deck(x, &deck, &err);
    if (!rc) {
        if (output)
            rc = write_file(output, deck, &err);
        else if (fputs(deck, stdout) == EOF || fflush(stdout) != 0)
            rc = cospin_error_set(&err, COSPIN_ERR_IO, "(stdout)", 0, "write failed");
    }
    free(deck);
    cospin_exp_netlist_free(x);
    cospin_xml_free(cfg);
    return rc ? cospin_cli_report("netlist", &err) : COSPIN_OK;
}

static const struct cospin_opt netlist_table[] = {
    {.name = "output", .short_name = 'o', .type = COSPIN_OPT_STRING,
     COSPIN_OPT_AT(struct netlist_opts, output), .metavar = "FILE",
     .help = "write the deck to FILE instead of stdout (written to a "
             "temporary and renamed: no half-written file on error)",
     .default_text = "stdout"},
};

const struct cospin_opts_cmd cospin_cli_netlist_cmd = {
    .name = "netlist",
    .summary = "print the circuit an experiment file describes as a netlist",
    .usage = "[OPTIONS] EXPERIMENT.xml",
    .description =
        "Print the circuit of a netlist experiment (<experiment type=\"netlist\">) as\n"
        "a SPICE deck: title, the elements (values normalised to SPICE suffixes,\n"
        "e.g. 1n, 2.5meg), the .model cards of cospin devices, each analysis as a\n"
        "dot card with a .print line for the vectors it saves, and .end.  The deck\n"
        "runs under `cospin ngspice -b DECK` (or plain ngspice with cospin.cm).\n"
        "\n"
        "SPICE names: letter + name (<resistor name=\"1\"> is R1) unless the name\n"
        "already starts with the letter (<vsource name=\"vdd\"> stays vdd); a\n"
        "<tmr_res> is an A device with its own .model card.\n",
    COSPIN_OPTS_TABLE(netlist_table),
    COSPIN_OPTS_STRUCT(struct netlist_opts, netlist_init, netlist_main),
    .args_name = "EXPERIMENT.xml",
    .min_args = 1,
    .max_args = 1,
    .epilog =
        "Examples:\n"
        "  $ cospin netlist examples/rc_step.xml\n"
        "  $ cospin netlist examples/rc_step.xml -o rc.cir && \\\n"
        "  > cospin ngspice -b rc.cir\n"
        "\n"
        "Exit status:\n"
        "  0 success, 2 usage error, 3 bad input file or not a netlist experiment\n"
        "  (the message starts with FILE:LINE:), 4 unreadable or unwritable file.\n",
};

int cospin_cli_netlist(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_netlist_cmd, argc, argv);
}
