/*
 * cli_run.c -- `cospin run EXPERIMENT.xml`: validate an experiment file and
 * run it with the runner registered for its type (experiment.h).
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xml.h"
#include "error.h"
#include "experiment.h"
#include "output.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: cospin run [OPTIONS] EXPERIMENT.xml\n"
            "\n"
            "Validate an experiment file against cospin's schema and run it.  What\n"
            "runs and which files are written depend on <experiment type=\"...\">:\n"
            "\n");
    size_t nexperiment_types;
    const struct cospin_experiment_type *experiment_types =
        cospin_experiment_types(&nexperiment_types);
    for (size_t i = 0; i < nexperiment_types; i++)
        fprintf(f, "  %-12s %c %s\n", experiment_types[i].type,
                experiment_types[i].check ? '*' : ' ', experiment_types[i].summary);
    fprintf(f,
            "\n"
            "Options:\n"
            "  -o, --out DIR   output directory, created if missing\n"
            "                  (default: the file's base name + \"-out\", e.g. rc_step-out)\n"
            "  -c, --check     only validate the file against the grammar (and check its\n"
            "                  values as a run would, for types marked *); run nothing\n"
            "  -h, --help      this help\n"
            "\n"
            "Values in experiment files take SPICE suffixes: 10n, 11.3u, 5k, 1meg, 1e-9,\n"
            "optionally with a unit (10ns, 5kohm).  Output files are written to a\n"
            "temporary name and renamed when complete: a failed run leaves none behind.\n"
            "\n"
            "netlist experiments write one CSV per analysis (file=\"...\", default\n"
            "op.csv, dc.csv, tran.csv): a header line with the scale vector (time,\n"
            "v-sweep, i-sweep; none for op) and the listed vectors, then one row per point.\n"
            "\n"
            "Errors are one line, \"cospin run: error: FILE:LINE: message\", and the exit\n"
            "code says what failed (3 bad input file or value, 4 unreadable file, 1\n"
            "simulation failed; see cospin --help).\n"
            "\n"
            "Examples:\n"
            "  cospin run examples/rc_step.xml --out rc        # writes rc/tran.csv\n"
            "  cospin run --check my_experiment.xml\n"
            "\n"
            "File format: doc/user-guide.md (the netlist type; the other types in\n"
            "doc/characterization.md, doc/training.md, doc/sot.md); grammar:\n"
            "schema/cospin.rng and one schema/<type>.rng per type.\n");
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

int cospin_cli_run(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"check", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out_dir = NULL;
    int check_only = 0;
    int c;
    opterr = 0;   /* one error line, ours */
    while ((c = getopt_long(argc, argv, "o:ch", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 'c': check_only = 1; break;
        case 'h': usage(stdout); return COSPIN_OK;
        default:
            fprintf(stderr, "cospin run: error: bad option or missing value '%s' (see cospin run --help)\n",
                    argv[optind - 1]);
            return COSPIN_CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "cospin run: error: expected one experiment file (see cospin run --help)\n");
        return COSPIN_CLI_USAGE;
    }
    const char *path = argv[optind];
    struct cospin_error err = {0};
    struct cospin_xml_doc *cfg = NULL;
    if (cospin_xml_load(path, &cfg, &err) != 0)
        return cospin_cli_report("run", &err);
    const struct cospin_xml_node *root = cospin_xml_root(cfg);
    const struct cospin_experiment_type *t = NULL;
    if (cospin_experiment_find(root, &t, &err) != 0) {
        cospin_xml_free(cfg);
        return cospin_cli_report("run", &err);
    }
    if (check_only) {
        int rc = t->check ? t->check(root, &err) : COSPIN_OK;
        if (rc) {
            cospin_xml_free(cfg);
            return cospin_cli_report("run", &err);
        }
        printf("%s: valid %s experiment\n", path, t->type);
        cospin_xml_free(cfg);
        return COSPIN_OK;
    }
    char defdir[1024];
    if (!out_dir) {
        default_out(path, defdir, sizeof defdir);
        out_dir = defdir;
    }
    int created = 0;
    int rc = cospin_output_mkdir(out_dir, &created, &err);
    if (!rc)
        rc = t->run(root, out_dir, &err);
    if (rc && created)
        rmdir(out_dir);   /* only succeeds if the runner left it empty, as it must */
    cospin_xml_free(cfg);
    if (rc)
        return cospin_cli_report("run", &err);
    return COSPIN_OK;
}
