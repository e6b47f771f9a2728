/*
 * cli_netlist.c -- `cospin netlist EXPERIMENT.xml`: the circuit an experiment
 * describes, as a netlist deck that plain `ngspice -b` (with cospin.cm) runs.
 */
#include <config.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_device.h"
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
    const char *device_file;   /* --device FILE: print the device's .model card */
    const char *model_name;    /* the card's model name */
    struct cospin_mtj_device dev;
    int allow_code;            /* --allow-netlist-code */
};

static void netlist_init(void *p)
{
    struct netlist_opts *o = p;
    o->output = NULL;
    o->allow_code = 0;
    o->model_name = "mtj";
    cospin_mtj_device_default(&o->dev);
}

/* Was any device option (--device or a device word) given? */
static int device_given(const struct cospin_opts_result *res)
{
    size_t lo = offsetof(struct netlist_opts, dev), hi = lo + sizeof(struct cospin_mtj_device);
    for (size_t i = 0; i < res->cmd->nopts; i++) {
        const struct cospin_opt *o = &res->cmd->opts[i];
        if (res->given[i] && ((o->offset >= lo && o->offset < hi) ||
                              o->offset == offsetof(struct netlist_opts, device_file)))
            return 1;
    }
    return 0;
}

/*
 * The device's .model card as a deck fragment: its derived figures as
 * comments, then ".model NAME mtj_stt(...)" with continuation lines ("+")
 * of at most 79 columns.
 */
static int device_card(const struct netlist_opts *o, char **out, struct cospin_error *err)
{
    struct cospin_mtj_figures fig;
    char params[2048], figs[2048];
    int rc = cospin_mtj_figures_compute(&o->dev, &fig, err);
    if (!rc)
        rc = cospin_mtj_device_card(&o->dev, params, sizeof params, err);
    if (rc)
        return rc;
    size_t cap = sizeof params + sizeof figs + 512, len;
    char *s = malloc(cap);
    if (!s)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    len = (size_t)snprintf(s, cap, "* cospin MTJ device %s as a .model card of %s\n%s",
                           o->device_file ? o->device_file : "(options)",
                           cospin_mtj_device_model(&o->dev),
                           cospin_mtj_figures_format(&o->dev, &fig, "*   ", figs, sizeof figs));
    len += (size_t)snprintf(s + len, cap - len, ".model %s %s(", o->model_name,
                            cospin_mtj_device_model(&o->dev));
    size_t col = len - (size_t)(strrchr(s, '\n') - s) - 1;
    for (const char *w = params; *w;) {
        size_t wl = strcspn(w, " ");
        if (col + wl + 2 > 79) {
            len += (size_t)snprintf(s + len, cap - len, "\n+ ");
            col = 2;
        } else if (w != params) {
            s[len++] = ' ';
            col++;
        }
        len += (size_t)snprintf(s + len, cap - len, "%.*s", (int)wl, w);
        col += wl;
        w += wl + (w[wl] == ' ');
    }
    snprintf(s + len, cap - len, ")\n");
    *out = s;
    return COSPIN_OK;
}

/* --device FILE and the device options: print the card. */
static int netlist_device(struct netlist_opts *o, const struct cospin_opts_result *res)
{
    int rc = cospin_cli_device_finish(res, o, offsetof(struct netlist_opts, dev), o->device_file);
    if (rc)
        return rc;
    struct cospin_error err = {0};
    char *deck = NULL;
    rc = device_card(o, &deck, &err);
    if (!rc) {
        if (o->output)
            rc = write_file(o->output, deck, &err);
        else if (fputs(deck, stdout) == EOF || fflush(stdout) != 0)
            rc = cospin_error_set(&err, COSPIN_ERR_IO, "(stdout)", 0, "write failed");
    }
    free(deck);
    return rc ? cospin_cli_report("netlist", &err) : COSPIN_OK;
}

static int netlist_main(void *p, const struct cospin_opts_result *res)
{
    struct netlist_opts *no = p;
    int dev = device_given(res);
    if (dev && res->nargs > 0)
        return cospin_opts_usage_error(res->cmd, "the device options print a .model card: give "
                                                 "them without EXPERIMENT.xml");
    if (dev)
        return netlist_device(no, res);
    if (res->nargs != 1)
        return cospin_opts_usage_error(res->cmd, "give EXPERIMENT.xml, or --device FILE for a "
                                                 ".model card");
    const char *output = no->output;
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
            rc = cospin_exp_netlist_read(root, no->allow_code ? COSPIN_EXP_NETLIST_ALLOW_CODE : 0u,
                                         &x, &err);
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
    {.name = "allow-netlist-code", .type = COSPIN_OPT_FLAG,
     COSPIN_OPT_AT(struct netlist_opts, allow_code),
     .help = "accept inline <netlist> text with .control/.exec blocks, shell, "
             ".include or .lib (netlists are code: only for files you trust)"},
    {.name = "model-name", .type = COSPIN_OPT_STRING, COSPIN_OPT_AT(struct netlist_opts, model_name),
     .metavar = "NAME", .help = "the .model card's name (with --device)"},
    COSPIN_CLI_DEVICE_FILE_OPT(struct netlist_opts, device_file),
    COSPIN_CLI_DEVICE_LAYER_OPTS(struct netlist_opts, dev),
    {.name = "ku", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(struct netlist_opts, dev.p.ku_j_per_m3),
     .metavar = "KU", .unit = "J/m^3", COSPIN_OPT_ABOVE(0), .help = "uniaxial anisotropy Ku"},
    COSPIN_CLI_DEVICE_READ_OPTS(struct netlist_opts, dev),
    COSPIN_CLI_DEVICE_CONV_OPTS(struct netlist_opts, dev),
    COSPIN_CLI_DEVICE_SIM_OPTS(struct netlist_opts, dev),
};

const struct cospin_opts_cmd cospin_cli_netlist_cmd = {
    .name = "netlist",
    .summary = "print the circuit an experiment file describes as a netlist",
    .usage = "[OPTIONS] EXPERIMENT.xml\n"
             "--device FILE [DEVICE OPTIONS] [--model-name NAME] [-o F]",
    .description =
        "Print the circuit of a netlist experiment (<experiment type=\"netlist\">) as\n"
        "a SPICE deck: title, the elements (values normalised to SPICE suffixes,\n"
        "e.g. 1n, 2.5meg), the .model cards of cospin devices, each analysis as a\n"
        "dot card with a .print line for the vectors it saves, and .end.  The deck\n"
        "runs under `cospin ngspice -b DECK` (or plain ngspice with cospin.cm).\n"
        "\n"
        "SPICE names: letter + name (<resistor name=\"1\"> is R1) unless the name\n"
        "already starts with the letter (<vsource name=\"vdd\"> stays vdd); a\n"
        "<tmr_res> is an A device with its own .model card.\n"
        "\n"
        "With --device FILE (an MTJ device file, doc/model-reference.md) or any device\n"
        "option instead of EXPERIMENT.xml it prints the device's .model card for the\n"
        "mtj_stt code model (mtj_sot for torque=\"sot\") with every parameter, and the\n"
        "device's derived figures as comments: paste it into your own netlist and add\n"
        "an instance, e.g. \"a1 %gd(p n) ctrl mx my mz mtj\".\n",
    COSPIN_OPTS_TABLE(netlist_table),
    COSPIN_OPTS_STRUCT(struct netlist_opts, netlist_init, netlist_main),
    .args_name = "EXPERIMENT.xml",
    .min_args = 0,
    .max_args = 1,
    .epilog =
        "Examples:\n"
        "  $ cospin netlist examples/rc_step.xml\n"
        "  $ cospin netlist examples/rc_step.xml -o rc.cir && \\\n"
        "  > cospin ngspice -b rc.cir\n"
        "  $ cospin netlist --device my_mtj.xml --model-name mine -o mine.lib\n"
        "\n"
        "Exit status:\n"
        "  0 success, 2 usage error, 3 bad input file or not a netlist experiment\n"
        "  (the message starts with FILE:LINE:), 4 unreadable or unwritable file.\n",
};

int cospin_cli_netlist(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_netlist_cmd, argc, argv);
}
