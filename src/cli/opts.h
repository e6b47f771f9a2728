/*
 * opts.h -- the option layer of the cospin command line: one static const
 * table per command describes every option (name, type, where the value
 * goes, unit, allowed range, help text, section, alias, required); the layer
 * parses argv against it, prints the help and the one-line usage errors, and
 * runs the command.  Nothing else in src/cli parses options or numbers.
 *
 * Converting a command (see cli_run.c for a small one, cli_train.c for a big one):
 *
 *   struct run_opts { const char *out_dir; int check; };     -- the command's options
 *   static void run_init(void *p) { ... defaults ... }      -- the ONE source of defaults
 *   static int run_main(void *p, const struct cospin_opts_result *res) { ... }
 *   static const struct cospin_opt run_table[] = {
 *       {.name = "out", .short_name = 'o', .type = COSPIN_OPT_STRING,
 *        COSPIN_OPT_AT(struct run_opts, out_dir), .metavar = "DIR",
 *        .help = "output directory, created if missing"},
 *       ...
 *   };
 *   const struct cospin_opts_cmd cospin_cli_run_cmd = {
 *       .name = "run", .summary = "...", .usage = "[OPTIONS] EXPERIMENT.xml",
 *       .description = "...", COSPIN_OPTS_TABLE(run_table),
 *       COSPIN_OPTS_STRUCT(struct run_opts, run_init, run_main),
 *       .args_name = "EXPERIMENT.xml", .min_args = 1, .max_args = 1,
 *       .epilog = "Examples:\n  ...\n"};
 *   int cospin_cli_run(int argc, char **argv) { return cospin_opts_run(&cospin_cli_run_cmd, argc, argv); }
 *
 * then, in src/cli/commands.c, give its registry entry the spec
 * (&cospin_cli_run_cmd) instead of a summary, and declare the _cmd in cli.h.
 * tests/check_opts.c checks every registered table with cospin_opts_check
 * (names unique, destinations inside the struct and of the right size,
 * defaults inside the allowed range) and that its help fits 80 columns;
 * tests/cli-errors.sh compares `cospin help CMD`, `--help` and `-h` (drop the
 * command from its list of commands that still parse their own options).
 *
 * Checklist for a conversion:
 *   - Keep every option name; a renamed option keeps the old one as .alias.
 *   - Defaults only in init (library *_init/_default functions where they
 *     exist); .default_text or .format only when the stored value stands for
 *     something else (0 = "all CPUs", NaN = "the table's smallest").
 *   - Give ranges and units to every number; the usage errors quote them.
 *   - Checks that span options (A needs B, A excludes B) go in the body, as
 *     cospin_opts_usage_error(res->cmd, ...); COSPIN_OPTS_GIVEN() tells
 *     whether an option was given (it counts entries with a destination).
 *   - The entry point keeps its signature: `cospin demo` calls the
 *     commands with argv arrays of its own (writable; the layer reorders them).
 *   - Epilog: "Files:" (file lists as "  name   text"), "Examples:" as
 *     "  $ cospin ..." lines (a continuation on "  > ..."), "Exit status:".
 *     help2man turns these into the man page's sections.
 *
 * What every command gets from the layer:
 *   --name=value, --name value, -o value, -ovalue, clustered short flags
 *   (-qv), unambiguous prefixes of long names (--iter for --iters), `--`
 *   ends the options; the remaining words are the positional arguments.
 *   Global options -h/--help, -V/--version, -q/--quiet, -v/--verbose
 *   (repeatable) and --log-level=LEVEL, in any position.
 *   Numbers through the one SPICE-suffix parser (units.h): --lr 100m,
 *   --trials 1k, --width 30n; integers must be integral; NaN/Inf refused;
 *   ranges checked with a message naming the option, value, range and unit.
 *   The help text (cospin_opts_help): usage lines, description, the options
 *   grouped by section with metavar, unit, range and default (formatted
 *   from the struct the init function filled), the global options, epilog.
 *   Usage errors as ONE line on stderr, "cospin CMD: error: ... (try
 *   'cospin help CMD')", status COSPIN_CLI_USAGE (exit code 2).
 *
 * No global state: tables are const, values go into the caller's struct
 * through offsets, the parse state lives in struct cospin_opts_result.
 */
#ifndef COSPIN_OPTS_H
#define COSPIN_OPTS_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "cospin.h"

/* Most options a command table may have (the "given" counts are an array). */
#define COSPIN_OPTS_MAX 128

enum cospin_opt_type {
    COSPIN_OPT_FLAG,    /* no value; stores 1 into an int (0 with COSPIN_OPT_INVERT) */
    COSPIN_OPT_STRING,  /* const char *: points into argv, not copied */
    COSPIN_OPT_NUMBER,  /* double or float (by size): SPICE suffixes; stored times .scale */
    COSPIN_OPT_INT,     /* int (size 4) or long/int64_t/uint64_t/size_t (size 8): SPICE
                           suffixes allowed ("1k"), the value must be integral; an
                           unsigned destination needs a minimum >= 0 */
    COSPIN_OPT_LIST,    /* struct cospin_opt_list: "a,b,c" or START:STOP:STEP
                           (cospin_units_parse_sweep); every value range-checked;
                           owned by the struct: cospin_opts_free */
    COSPIN_OPT_ENUM,    /* int-sized enum: one of .names; stores .values[i] (or i) */
    COSPIN_OPT_RANGE,   /* LO:HI, LO <= HI, each range-checked: LO at the destination,
                           HI at .offset2 (same type: double or float by size) */
    COSPIN_OPT_CUSTOM   /* .parse does it; .format shows its default */
};

/* How a bound of the allowed range applies. */
enum cospin_opt_bound {
    COSPIN_BOUND_NONE = 0,
    COSPIN_BOUND_INCL,  /* value >= min / value <= max */
    COSPIN_BOUND_EXCL   /* value > min / value < max */
};

/* Flags of one option. */
enum {
    COSPIN_OPT_REQUIRED = 1u << 0,   /* the command cannot run without it */
    COSPIN_OPT_INVERT = 1u << 1      /* FLAG: store 0 instead of 1 (--no-figures) */
};

/* The destination of a LIST option. */
struct cospin_opt_list {
    double *v;    /* owned (malloc); NULL when n == 0 */
    size_t n;
};

struct cospin_opt;

/*
 * A CUSTOM option's parser: store the value of arg into the command's
 * struct `opts` (the whole struct, so one option may set several fields).
 * Return 0, or a negative COSPIN_ERR_* with a message in err; the layer
 * prefixes the message with "--name: ".  cospin_opts_value() parses a
 * number by the option's own range and integer rules.
 */
typedef int (*cospin_opt_parse_fn)(void *opts, const struct cospin_opt *opt, const char *arg,
                                   struct cospin_error *err);
/*
 * An option's default as text for the help, computed from the struct init
 * filled (buf of size n; return buf, or NULL: none).  For CUSTOM options and
 * for defaults derived from other fields (the device's own Ku).
 */
typedef const char *(*cospin_opt_format_fn)(const void *opts, char *buf, size_t n);

/*
 * One option.  Write entries with designated initializers; fields left out
 * are zero, which means "none" everywhere.
 */
struct cospin_opt {
    const char *name;          /* long name without dashes: "lr" -> --lr */
    char short_name;           /* 'o' -> -o, or 0 */
    enum cospin_opt_type type;
    size_t offset, size;       /* destination in the command's struct: COSPIN_OPT_AT() */
    size_t offset2;            /* RANGE: where HI goes: COSPIN_OPT_AT2() */
    const char *metavar;       /* placeholder in the help ("DIR"); default by type */
    const char *unit;          /* SI unit of the value as given, "s", "A", "J/m^3"; or NULL */
    double min, max;           /* allowed range, with min_kind/max_kind: COSPIN_OPT_MIN() ... */
    enum cospin_opt_bound min_kind, max_kind;
    double scale;              /* NUMBER: the struct holds value * scale (0 means 1), e.g.
                                  1e-3 for an option given in mA and kept in A */
    const char *const *names;  /* ENUM: the accepted names, NULL-terminated */
    const int *values;         /* ENUM: value stored for names[i]; NULL: i */
    cospin_opt_parse_fn parse; /* CUSTOM */
    cospin_opt_format_fn format; /* its default for the help, when not the plain value */
    const char *help;          /* what it does; '\n' starts a new help line */
    const char *section;       /* heading ("Output") of the group this option starts;
                                  NULL: same group as the option before ("Options" first) */
    const char *alias;         /* an older name that keeps working ("c" for --target-c) */
    const char *default_text;  /* shown instead of the formatted default ("all CPUs")
                                  when the value stands for something else; "" hides it */
    unsigned flags;            /* COSPIN_OPT_REQUIRED, COSPIN_OPT_INVERT */
};

/* Destination helpers for the table entries. */
#define COSPIN_OPT_AT(type, member) \
    .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define COSPIN_OPT_AT2(type, member) .offset2 = offsetof(type, member)
/* Range helpers: value >= x, value > x, value <= x, value < x. */
#define COSPIN_OPT_MIN(x) .min = (x), .min_kind = COSPIN_BOUND_INCL
#define COSPIN_OPT_ABOVE(x) .min = (x), .min_kind = COSPIN_BOUND_EXCL
#define COSPIN_OPT_MAX(x) .max = (x), .max_kind = COSPIN_BOUND_INCL
#define COSPIN_OPT_BELOW(x) .max = (x), .max_kind = COSPIN_BOUND_EXCL

/* Flags of a command. */
enum {
    COSPIN_OPTS_STOP_AT_ARG = 1u << 0,  /* the first positional argument ends the options:
                                           it and all after it are positional (cospin itself) */
    COSPIN_OPTS_PASS_UNKNOWN = 1u << 1, /* an unknown option also ends the options and is
                                           kept, with the rest, as positional (ngspice) */
    COSPIN_OPTS_HELP_ONLY = 1u << 2     /* of the global options only -h/--help (ngspice,
                                           whose own -v, -q, --version pass through) */
};

struct cospin_opts_result;

/* A command: its help texts, its table, its options struct and its body. */
struct cospin_opts_cmd {
    const char *name;          /* "train"; NULL for cospin itself */
    const char *summary;       /* one line: `cospin help`, the man page's NAME */
    const char *usage;         /* what follows "Usage: cospin NAME "; '\n' separates
                                  alternative forms ("[OPTIONS] EXPERIMENT.xml") */
    const char *description;   /* paragraphs after the usage (ends with '\n') */
    void (*describe)(FILE *f); /* optional: more description made at run time (the
                                  experiment types of `run`); keep it independent of
                                  the environment: it goes into the man page */
    const struct cospin_opt *opts;     /* the table: COSPIN_OPTS_TABLE() */
    size_t nopts;
    size_t opts_size;          /* sizeof the options struct: COSPIN_OPTS_STRUCT() */
    void (*init)(void *opts);  /* fill the defaults into a zeroed struct */
    int (*run)(void *opts, const struct cospin_opts_result *res);
                               /* the command; returns a COSPIN_* status (or COSPIN_CLI_USAGE
                                  after cospin_opts_usage_error) */
    const char *args_name;     /* the positional arguments in messages ("EXPERIMENT.xml") */
    int min_args, max_args;    /* how many positional arguments (max_args < 0: any) */
    unsigned flags;            /* COSPIN_OPTS_* */
    const char *epilog;        /* after the options: files written, examples, exit status */
};

#define COSPIN_OPTS_TABLE(t) .opts = (t), .nopts = sizeof(t) / sizeof((t)[0])
#define COSPIN_OPTS_STRUCT(type, init_fn, run_fn) \
    .opts_size = sizeof(type), .init = (init_fn), .run = (run_fn)

/* What a parse found besides the values it stored. */
struct cospin_opts_result {
    const struct cospin_opts_cmd *cmd;
    char **args;               /* the positional arguments: argv + 1, NULL-terminated
                                  (argv is reordered in place, as GNU getopt does) */
    int nargs;
    int help;                  /* --help or -h seen: parsing stopped there */
    int version;               /* --version or -V seen: parsing stopped there */
    int log_level;             /* set by the last -q / --log-level; -1: none */
    int log_more;              /* -v given after that, each one level more */
    unsigned char given[COSPIN_OPTS_MAX];   /* times each table entry was given */
};

/*
 * Parse argv (argv[0] the command name) into opts (a struct the command's
 * init filled; may be NULL when the table is empty) and *res.  Stops at
 * --help/--version (res->help/version set, the rest unchecked).  Otherwise
 * checks the positional count and the required options.
 * Returns 0, COSPIN_ERR_PARSE with a one-line message in err for a usage
 * error (unknown option, missing value, bad number, out of range, missing
 * required option, wrong number of positional arguments), or
 * COSPIN_ERR_NOMEM.  LIST values already stored stay owned by opts either
 * way: free them with cospin_opts_free.
 */
int cospin_opts_parse(const struct cospin_opts_cmd *cmd, int argc, char **argv, void *opts,
                      struct cospin_opts_result *res, struct cospin_error *err);

/*
 * The whole life of a command: a zeroed struct, cmd->init, parse, then
 * help or version (stdout, COSPIN_OK), a usage error (one line on stderr,
 * COSPIN_CLI_USAGE), or the global log options applied and cmd->run called;
 * the struct is freed.  Returns the status for main() to map.
 */
int cospin_opts_run(const struct cospin_opts_cmd *cmd, int argc, char **argv);

/*
 * Print cmd's help to f: defaults are formatted from a fresh struct filled
 * by cmd->init (the same text for `cospin CMD --help` and `cospin help CMD`).
 * Returns COSPIN_OK or COSPIN_ERR_NOMEM.
 */
int cospin_opts_help(FILE *f, const struct cospin_opts_cmd *cmd);

/*
 * Print "  term" and text in the help's layout (text from the help column
 * on, wrapped at 79 columns): for lists a describe function prints (the
 * commands, the experiment types).
 */
void cospin_opts_print_item(FILE *f, const char *term, const char *text);

/* "cospin VERSION (ngspice VERSION)\n" to f. */
/* Print the version line; after -v (`cospin -v --version`) also where this
   cospin finds its code models, schema and datasets. */
void cospin_opts_version(FILE *f, const struct cospin_opts_result *res);

/* Free what the layer allocated inside opts (LIST values).  NULL-safe. */
void cospin_opts_free(const struct cospin_opts_cmd *cmd, void *opts);

/*
 * How many times the option(s) whose destination is at `offset` were given:
 * COSPIN_OPTS_GIVEN(res, struct train_opts, job.out_dir).
 */
int cospin_opts_given(const struct cospin_opts_result *res, size_t offset);
#define COSPIN_OPTS_GIVEN(res, type, member) cospin_opts_given((res), offsetof(type, member))

/* Apply the -q/-v/--log-level found by a parse to the logger. */
void cospin_opts_apply_log(const struct cospin_opts_result *res);

/*
 * Parse text as a number with opt's range, for CUSTOM parsers: SPICE
 * suffixes, finite, integral if `integer` is nonzero, inside [opt->min,
 * opt->max] as the bounds say.  0 or COSPIN_ERR_PARSE with err set (the
 * layer adds the "--name: " prefix).
 */
int cospin_opts_value(const struct cospin_opt *opt, const char *text, int integer, double *out,
                      struct cospin_error *err);

/*
 * Report a usage error of cmd (cmd->name may be NULL: cospin itself) as one
 * line on stderr: "cospin CMD: error: MESSAGE (try 'cospin help CMD')".
 * Returns COSPIN_CLI_USAGE.
 */
int cospin_opts_usage_error(const struct cospin_opts_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Check a table for mistakes a compiler cannot see: duplicate names,
 * aliases or short names (also against the global options), destinations
 * outside the struct or of the wrong size for the type, an ENUM without
 * names, a CUSTOM without parser, min > max, a default outside the allowed
 * range without a default_text, too many options.  0 or COSPIN_ERR_INVALID.
 */
int cospin_opts_check(const struct cospin_opts_cmd *cmd, struct cospin_error *err);

#endif
