/*
 * cli_run.c -- `cospin run EXPERIMENT.xml`: validate an experiment file and
 * run it with the runner registered for its type (experiment.h), then print
 * what the type's command prints (the neuron table of a characterisation).
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "characterize.h"
#include "cli.h"
#include "dist.h"
#include "error.h"
#include "experiment.h"
#include "opts.h"
#include "output.h"
#include "xml.h"

struct run_opts {
    const char *out_dir;       /* NULL: the file's base name + "-out" */
    int check;
    struct cospin_experiment_ctx ctx;   /* --force, --job-timeout, --allow-netlist-code */
};

static void run_init(void *p)
{
    struct run_opts *o = p;
    o->out_dir = NULL;
    o->check = 0;
    memset(&o->ctx, 0, sizeof o->ctx);
    o->ctx.job_timeout_s = COSPIN_CLI_JOB_TIMEOUT_S;
}

/* "dir/rc_step.xml" -> "rc_step-out". */
static void default_out(const char *path, char *buf, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".xml") == 0)
        len -= 4;
    snprintf(buf, n, "%.*s-out", (int)len, base);
}

/* After a characterize run: the neuron table, as `cospin characterize` prints it. */
static int print_characterize(const char *out_dir, struct cospin_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fit.csv", out_dir);
    struct cospin_char_table *t = NULL;
    int rc = cospin_char_read_fit_csv(path, &t, err);
    if (rc)
        return rc;
    cospin_cli_print_fit_table(stdout, out_dir, t, -1);
    cospin_char_table_free(t);
    return 0;
}

/* What a type prints to stdout after its run, read back from the files it wrote. */
static const struct {
    const char *type;
    int (*print)(const char *out_dir, struct cospin_error *err);
} summaries[] = {
    {"characterize", print_characterize},
};

static int check_only(const char *path, const struct cospin_experiment_type *t,
                      const struct cospin_xml_node *root, const struct cospin_experiment_ctx *ctx,
                      struct cospin_error *err)
{
    int rc = t->check ? t->check(root, ctx, err) : COSPIN_OK;
    if (!rc)
        printf("%s: valid %s experiment\n", path, t->type);
    return rc;
}

/* Run the experiment into ctx->out_dir, held for the whole run and with
   SIGINT/SIGTERM stopping it (finished work is kept). */
/* Under MPI only rank 0 touches out_dir; the other ranks take part in the
   runs of the types that spread their work (experiment.h) and return rank
   0's status (cospin_cli_dispatch). */
static int run_experiment(const struct cospin_experiment_type *t, const struct cospin_xml_node *root,
                          struct cospin_experiment_ctx *ctx, struct cospin_error *err)
{
    int lead = cospin_dist_rank() == 0;
    if (!lead && !t->parallel)
        return COSPIN_OK;   /* rank 0 runs it alone */
    struct cospin_output_dir od;
    int rc = lead ? cospin_output_dir_lock(&od, ctx->out_dir, err) : COSPIN_OK;
    if (t->parallel)
        rc = cospin_dist_agree(rc, err);
    if (rc)
        return rc;
    struct cospin_cli_signals sig;
    ctx->stop = cospin_cli_signals_catch(&sig);
    if (t->parallel) {
        rc = t->run(root, ctx, err);
    } else {
        cospin_dist_solo(1);   /* rank 0 alone: nothing it calls waits for the others */
        rc = t->run(root, ctx, err);
        cospin_dist_solo(0);
    }
    cospin_cli_signals_restore(&sig);
    /* A directory the lock created goes again if the runner left it empty, as it must. */
    if (lead)
        cospin_output_dir_unlock(&od, rc != 0);
    for (size_t i = 0; !rc && lead && i < sizeof summaries / sizeof summaries[0]; i++)
        if (strcmp(t->type, summaries[i].type) == 0)
            rc = summaries[i].print(ctx->out_dir, err);
    return rc;
}

static int run_main(void *p, const struct cospin_opts_result *res)
{
    struct run_opts *o = p;
    const char *path = res->args[0];
    struct cospin_error err = {0};
    struct cospin_xml_doc *cfg = NULL;
    const struct cospin_experiment_type *t = NULL;
    int rc = cospin_xml_load(path, &cfg, &err);
    const struct cospin_xml_node *root = rc ? NULL : cospin_xml_root(cfg);
    if (!rc)
        rc = cospin_experiment_find(root, &t, &err);
    rc = cospin_dist_agree(rc, &err);   /* under MPI every rank reads the file */
    if (!rc && o->check) {
        rc = check_only(path, t, root, &o->ctx, &err);
    } else if (!rc) {
        char defdir[1024];
        if (!o->out_dir)
            default_out(path, defdir, sizeof defdir);
        o->ctx.out_dir = o->out_dir ? o->out_dir : defdir;
        rc = run_experiment(t, root, &o->ctx, &err);
    }
    cospin_xml_free(cfg);
    return rc ? cospin_cli_report("run", &err) : COSPIN_OK;
}

static void list_types(FILE *f)
{
    size_t n;
    const struct cospin_experiment_type *types = cospin_experiment_types(&n);
    fprintf(f, "\nExperiment types (* : --check also checks the values):\n");
    for (size_t i = 0; i < n; i++) {
        char term[64];
        snprintf(term, sizeof term, "%s%s", types[i].type, types[i].check ? " *" : "");
        cospin_opts_print_item(f, term, types[i].summary);
    }
}

static const struct cospin_opt run_table[] = {
    {.name = "out", .short_name = 'o', .type = COSPIN_OPT_STRING,
     COSPIN_OPT_AT(struct run_opts, out_dir), .metavar = "DIR",
     .help = "output directory, created if missing",
     .default_text = "the file's base name + \"-out\", e.g. rc_step-out"},
    {.name = "check", .short_name = 'c', .type = COSPIN_OPT_FLAG,
     COSPIN_OPT_AT(struct run_opts, check),
     .help = "only validate the file against the grammar (and check its "
             "values as a run would, for the types marked *); run nothing"},
    {.name = "job-timeout", .type = COSPIN_OPT_NUMBER,
     COSPIN_OPT_AT(struct run_opts, ctx.job_timeout_s), .metavar = "T", .unit = "s",
     COSPIN_OPT_MIN(0), .section = "Limits and safety", .default_text = "3600 (an hour)",
     .help = "an ngspice job (a netlist analysis, a batch of characterisation "
             "trials) running longer fails the run: a hung or runaway simulation; "
             "0: no limit"},
    {.name = "force", .type = COSPIN_OPT_FLAG, COSPIN_OPT_AT(struct run_opts, ctx.force),
     .help = "run even what the estimate refuses: a characterisation over 24 h on "
             "this machine, a transient of more than 1e9 time points"},
    {.name = "allow-netlist-code", .type = COSPIN_OPT_FLAG,
     COSPIN_OPT_AT(struct run_opts, ctx.allow_netlist_code),
     .help = "run inline <netlist> text that holds .control/.exec blocks, shell, "
             ".include or .lib: netlists are code (they run commands and read "
             "files), so use it only for files you trust"},
};

const struct cospin_opts_cmd cospin_cli_run_cmd = {
    .name = "run",
    .summary = "run an experiment file (XML; see cospin help run)",
    .usage = "[OPTIONS] EXPERIMENT.xml",
    .description =
        "Validate an experiment file against cospin's schema and run it.  What\n"
        "runs and which files are written depend on <experiment type=\"...\">.\n"
        "A characterize experiment also prints its neuron table (k and c per\n"
        "pulse width and Ku), as `cospin characterize` does.\n"
        "\n"
        "Under `mpirun -n N cospin run ...` a characterize experiment spreads its grid\n"
        "over the ranks, and train, sot and infer experiments their rows (<train>,\n"
        "<infer>; row i on rank i mod N); rank 0 writes every file, as one process\n"
        "would.  The other types run on rank 0.  doc/cluster.md.\n",
    .describe = list_types,
    COSPIN_OPTS_TABLE(run_table),
    COSPIN_OPTS_STRUCT(struct run_opts, run_init, run_main),
    .args_name = "EXPERIMENT.xml",
    .min_args = 1,
    .max_args = 1,
    .epilog =
        "Files:\n"
        "  Values in experiment files take SPICE suffixes: 10n, 11.3u, 5k, 1meg,\n"
        "  1e-9, optionally with a unit (10ns, 5kohm).  Output files are written to a\n"
        "  temporary name and renamed when complete: a failed run leaves none behind.\n"
        "  netlist experiments write one CSV per analysis (file=\"...\", default\n"
        "  op.csv, dc.csv, tran.csv): a header line with the scale vector (time,\n"
        "  v-sweep, i-sweep; none for op) and the listed vectors, then one row per\n"
        "  point.  The other types list their files in their documentation.\n"
        "\n"
        "  The grammar (cospin.rng and one <type>.rng per type) is in\n"
        "  src/config/schema/ of the source tree and installed in\n"
        "  " COSPIN_PKGDATADIR "/schema\n"
        "\n"
        "  File format: doc/user-guide.md (the netlist type), doc/characterization.md,\n"
        "  doc/training.md, doc/sot.md.\n"
        "\n"
        "Examples:\n"
        "  $ cospin run examples/rc_step.xml --out rc   # writes rc/tran.csv\n"
        "  $ cospin run --check my_experiment.xml\n"
        "\n"
        "Exit status:\n"
        "  0 success, 1 simulation failed (or ran past --job-timeout), 2 usage error,\n"
        "  3 bad input file or value (the message starts with FILE:LINE:; also a run\n"
        "  the estimate refuses), 4 unreadable or unwritable file, or DIR in use by\n"
        "  another run, 6 interrupted by SIGINT or SIGTERM (finished work kept).\n",
};

int cospin_cli_run(int argc, char **argv)
{
    return cospin_opts_run(&cospin_cli_run_cmd, argc, argv);
}
