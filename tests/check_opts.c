/*
 * check_opts.c -- the option layer of the command line (src/cli/opts.h):
 * a test table of every option type, argv forms, global options, the
 * generated help, every usage error, and every registered command's table.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_util.h"
#include "cli.h"
#include "log.h"
#include "opts.h"

/* Parsed values are a decimal mantissa times a power of ten, each rounded
   once: within a few ulp of the exact value. */
#define PARSE_REL_TOL 4e-16

struct t_opts {
    int flag, figures;
    const char *out;
    double lr;
    float gain;
    double i_scale_a;
    int hidden;
    long iters;
    uint64_t seed;
    struct cospin_opt_list widths;
    int mode;
    double lo, hi;
    size_t batch;
};

static void t_init(void *p)
{
    struct t_opts *o = p;
    o->figures = 1;
    o->out = NULL;
    o->lr = 0.1;
    o->gain = 2.5f;
    o->i_scale_a = 1e-3;
    o->hidden = 25;
    o->iters = 1000;
    o->seed = 1;
    o->mode = 7;
    o->lo = -4;
    o->hi = 4;
    o->batch = 0;
}

static int t_batch(void *p, const struct cospin_opt *opt, const char *arg, struct cospin_error *err)
{
    struct t_opts *o = p;
    double v;
    if (strcmp(arg, "full") == 0) {
        o->batch = 0;
        return 0;
    }
    int rc = cospin_opts_value(opt, arg, 1, &v, err);
    if (!rc)
        o->batch = (size_t)v;
    return rc;
}

static const char *const t_modes[] = {"baseline", "kc", "k", NULL};
static const int t_mode_values[] = {5, 7, 9};

#define AT(m) COSPIN_OPT_AT(struct t_opts, m)

static const struct cospin_opt t_table[] = {
    {.name = "flag", .short_name = 'f', .type = COSPIN_OPT_FLAG, AT(flag), .help = "a flag"},
    {.name = "no-figures", .type = COSPIN_OPT_FLAG, AT(figures), .flags = COSPIN_OPT_INVERT,
     .help = "skip figures"},
    {.name = "out", .short_name = 'o', .type = COSPIN_OPT_STRING, AT(out), .metavar = "DIR",
     .flags = COSPIN_OPT_REQUIRED, .alias = "output", .section = "Output",
     .help = "output directory"},
    {.name = "lr", .type = COSPIN_OPT_NUMBER, AT(lr), COSPIN_OPT_ABOVE(0), .section = "Numbers",
     .help = "learning rate"},
    {.name = "gain", .type = COSPIN_OPT_NUMBER, AT(gain), COSPIN_OPT_MIN(0), COSPIN_OPT_BELOW(10),
     .help = "a float"},
    {.name = "i-scale-ma", .type = COSPIN_OPT_NUMBER, AT(i_scale_a), .unit = "mA", .scale = 1e-3,
     COSPIN_OPT_ABOVE(0), .help = "given in mA, kept in A"},
    {.name = "hidden", .type = COSPIN_OPT_INT, AT(hidden), COSPIN_OPT_MIN(1),
     COSPIN_OPT_MAX(100000), .help = "an int"},
    {.name = "iters", .type = COSPIN_OPT_INT, AT(iters), COSPIN_OPT_MIN(1), .help = "a long"},
    {.name = "seed", .type = COSPIN_OPT_INT, AT(seed), COSPIN_OPT_MIN(0), .help = "a uint64_t"},
    {.name = "width", .type = COSPIN_OPT_LIST, AT(widths), .unit = "s", COSPIN_OPT_ABOVE(0),
     .help = "pulse widths"},
    {.name = "mode", .type = COSPIN_OPT_ENUM, AT(mode), .names = t_modes, .values = t_mode_values,
     .help = "an enum"},
    {.name = "k-range", .type = COSPIN_OPT_RANGE, AT(lo), COSPIN_OPT_AT2(struct t_opts, hi),
     COSPIN_OPT_MIN(-10), .help = "a range"},
    {.name = "batch", .type = COSPIN_OPT_CUSTOM, AT(batch), .metavar = "full|N", COSPIN_OPT_MIN(1),
     .parse = t_batch, .default_text = "full", .help = "a custom value"},
};

#undef AT

static int t_run(void *p, const struct cospin_opts_result *res)
{
    (void)res;
    return ((struct t_opts *)p)->flag ? COSPIN_ERR_IO : COSPIN_OK;
}

static const struct cospin_opts_cmd t_cmd = {
    .name = "test",
    .summary = "a test command",
    .usage = "[OPTIONS] --out DIR [FILE...]\nother form",
    .description = "Describes the test command.\n",
    COSPIN_OPTS_TABLE(t_table),
    COSPIN_OPTS_STRUCT(struct t_opts, t_init, t_run),
    .args_name = "FILE",
    .min_args = 0,
    .max_args = 2,
    .epilog = "Examples:\n  cospin test --out x\n",
};

/* Parse a NULL-terminated word list (argv[0] = "test") into *o. */
static int parse(const struct cospin_opts_cmd *cmd, const char *const *words, struct t_opts *o,
                 struct cospin_opts_result *res, struct cospin_error *err)
{
    static char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"test";
    for (; *words; words++)
        argv[argc++] = (char *)*words;
    argv[argc] = NULL;
    memset(o, 0, sizeof *o);
    t_init(o);
    memset(err, 0, sizeof *err);
    return cospin_opts_parse(cmd, argc, argv, o, res, err);
}

/* ---- core ---------------------------------------------------------------------------- */

START_TEST(test_values)
{
    struct t_opts o;
    struct cospin_opts_result res;
    struct cospin_error err;
    const char *w[] = {"--out=d", "--lr", "100m", "--gain=1.5", "--i-scale-ma", "2",
                       "--hidden", "1k", "--iters", "2.5k", "--seed", "9007199254740992",
                       "--width", "10n:30n:10n", "--mode", "k", "--k-range", "-1:500m",
                       "--batch", "64", "-f", "--no-figures", NULL};
    ck_assert_int_eq(parse(&t_cmd, w, &o, &res, &err), 0);
    ck_assert_str_eq(o.out, "d");
    ck_assert_rel(o.lr, 0.1, PARSE_REL_TOL);
    ck_assert_close(o.gain, 1.5, 0);            /* 1.5 is exact in a float */
    ck_assert_rel(o.i_scale_a, 2e-3, PARSE_REL_TOL);
    ck_assert_int_eq(o.hidden, 1000);
    ck_assert_int_eq(o.iters, 2500);
    ck_assert(o.seed == 9007199254740992ull);   /* 2^53, the largest exact integer */
    ck_assert_uint_eq(o.widths.n, 3);
    ck_assert_rel(o.widths.v[2], 30e-9, 1e-12);
    ck_assert_int_eq(o.mode, 9);
    ck_assert_close(o.lo, -1, 0);
    ck_assert_rel(o.hi, 0.5, PARSE_REL_TOL);
    ck_assert_uint_eq(o.batch, 64);
    ck_assert_int_eq(o.flag, 1);
    ck_assert_int_eq(o.figures, 0);
    ck_assert_int_eq(res.nargs, 0);
    ck_assert_int_eq(COSPIN_OPTS_GIVEN(&res, struct t_opts, lr), 1);
    ck_assert_int_eq(COSPIN_OPTS_GIVEN(&res, struct t_opts, batch), 1);
    cospin_opts_free(&t_cmd, &o);
    ck_assert_ptr_null(o.widths.v);
}
END_TEST

START_TEST(test_forms)
{
    struct t_opts o;
    struct cospin_opts_result res;
    struct cospin_error err;
    /* Short options: separate, attached, clustered; positionals anywhere; a
       unique prefix; the alias; "--" ends the options; a repeated list
       replaces the earlier one. */
    const char *w[] = {"a", "-o", "d1", "--width", "1n,2n", "-fodir2", "--hid", "3", "--output",
                       "d3", "--width", "5n", "--", "--lr", NULL};
    ck_assert_int_eq(parse(&t_cmd, w, &o, &res, &err), 0);
    ck_assert_str_eq(o.out, "d3");
    ck_assert_int_eq(o.flag, 1);
    ck_assert_int_eq(o.hidden, 3);
    ck_assert_uint_eq(o.widths.n, 1);
    ck_assert_int_eq(res.nargs, 2);
    ck_assert_str_eq(res.args[0], "a");
    ck_assert_str_eq(res.args[1], "--lr");
    ck_assert_ptr_null(res.args[2]);
    ck_assert_int_eq(COSPIN_OPTS_GIVEN(&res, struct t_opts, out), 3);
    ck_assert_int_eq(COSPIN_OPTS_GIVEN(&res, struct t_opts, gain), 0);
    cospin_opts_free(&t_cmd, &o);
    /* A negative number is a value, not an option. */
    const char *w2[] = {"--out", "d", "--k-range", "-2:-1", NULL};
    ck_assert_int_eq(parse(&t_cmd, w2, &o, &res, &err), 0);
    ck_assert_close(o.lo, -2, 0);
}
END_TEST

START_TEST(test_globals)
{
    struct t_opts o;
    struct cospin_opts_result res;
    struct cospin_error err;
    const char *w[] = {"--out", "d", "-q", "-vv", "--verbose", NULL};
    ck_assert_int_eq(parse(&t_cmd, w, &o, &res, &err), 0);
    ck_assert_int_eq(res.log_level, COSPIN_LOG_ERROR);
    ck_assert_int_eq(res.log_more, 3);
    cospin_opts_apply_log(&res);
    ck_assert(cospin_log_enabled(COSPIN_LOG_DEBUG));
    const char *w2[] = {"--log-level=warn", "--out", "d", NULL};
    ck_assert_int_eq(parse(&t_cmd, w2, &o, &res, &err), 0);
    cospin_opts_apply_log(&res);
    ck_assert(cospin_log_enabled(COSPIN_LOG_WARN) && !cospin_log_enabled(COSPIN_LOG_INFO));
    /* -v alone: one level more than set so far. */
    const char *w3[] = {"-v", "--out", "d", NULL};
    ck_assert_int_eq(parse(&t_cmd, w3, &o, &res, &err), 0);
    ck_assert_int_eq(res.log_level, -1);
    cospin_opts_apply_log(&res);
    ck_assert(cospin_log_enabled(COSPIN_LOG_INFO) && !cospin_log_enabled(COSPIN_LOG_DEBUG));
    cospin_log_set_level(COSPIN_LOG_INFO);
    /* --help stops the parse: neither the bad value after it nor the
       missing --out is an error. */
    const char *w4[] = {"--lr", "2", "-h", "--lr", "x", NULL};
    ck_assert_int_eq(parse(&t_cmd, w4, &o, &res, &err), 0);
    ck_assert_int_eq(res.help, 1);
    ck_assert_rel(o.lr, 2, 0);
    const char *w5[] = {"--version", NULL};
    ck_assert_int_eq(parse(&t_cmd, w5, &o, &res, &err), 0);
    ck_assert_int_eq(res.version, 1);
}
END_TEST

START_TEST(test_stop_and_pass)
{
    static const struct cospin_opts_cmd top = {.name = NULL, .min_args = 1, .max_args = -1,
                                               .flags = COSPIN_OPTS_STOP_AT_ARG};
    static const struct cospin_opts_cmd pass = {
        .name = "ngspice", .max_args = -1,
        .flags = COSPIN_OPTS_STOP_AT_ARG | COSPIN_OPTS_PASS_UNKNOWN | COSPIN_OPTS_HELP_ONLY};
    struct cospin_opts_result res;
    struct cospin_error err = {0};
    char *a1[] = {"cospin", "-q", "train", "--lr", "1", "-v", NULL};
    ck_assert_int_eq(cospin_opts_parse(&top, 6, a1, NULL, &res, &err), 0);
    ck_assert_int_eq(res.log_level, COSPIN_LOG_ERROR);
    ck_assert_int_eq(res.log_more, 0);   /* the -v after the command is the command's */
    ck_assert_int_eq(res.nargs, 4);
    ck_assert_str_eq(res.args[0], "train");
    ck_assert_str_eq(res.args[3], "-v");
    /* ngspice's own -v, -q, -b and everything after them pass untouched. */
    char *a2[] = {"ngspice", "-b", "x.cir", "--help", NULL};
    ck_assert_int_eq(cospin_opts_parse(&pass, 4, a2, NULL, &res, &err), 0);
    ck_assert_int_eq(res.nargs, 3);
    ck_assert_int_eq(res.help, 0);
    ck_assert_str_eq(res.args[0], "-b");
    ck_assert_ptr_eq(res.args, a2 + 1);
    char *a3[] = {"ngspice", "-v", NULL};
    ck_assert_int_eq(cospin_opts_parse(&pass, 2, a3, NULL, &res, &err), 0);
    ck_assert_int_eq(res.nargs, 1);
    char *a4[] = {"ngspice", "--help", NULL};
    ck_assert_int_eq(cospin_opts_parse(&pass, 2, a4, NULL, &res, &err), 0);
    ck_assert_int_eq(res.help, 1);
}
END_TEST

/* Read a whole tmpfile. */
static char *slurp(FILE *f)
{
    static char buf[65536];
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    return buf;
}

START_TEST(test_help)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(cospin_opts_help(f, &t_cmd), 0);
    const char *h = slurp(f);
    static const char *const want[] = {
        "Usage: cospin test [OPTIONS] --out DIR [FILE...]\n  or:  cospin test other form\n",
        "\nDescribes the test command.\n",
        "\nOptions:\n  -f, --flag ",
        "\nOutput:\n  -o, --out DIR ",
        "[required, also --output]",
        "\nNumbers:\n",
        "[> 0, default 100m]",                     /* defaults with SPICE suffixes */
        "[in [0, 10), default 2.5]",
        "[> 0 mA, default 1]",                     /* shown in the unit it is given in */
        "[integer in [1, 100000], default 25]",
        "[> 0 s]",
        "[default kc]",                            /* the name of the enum's value */
        "[>= -10, default -4:4]",
        "[>= 1, default full]",
        "\nGlobal options (before or after the command):\n  -h, --help",
        "--log-level LEVEL",
        "\nExamples:\n  cospin test --out x\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(h, want[i]) != NULL, "help lacks '%s':\n%s", want[i], h);
    fclose(f);
}
END_TEST

/* Every registered command: a consistent table, and a help of lines that fit
   80 columns (but for a line that is one word: an installation path). */
START_TEST(test_commands)
{
    size_t n;
    const struct cospin_cli_command *c = cospin_cli_commands(&n);
    ck_assert_uint_ge(n, 9);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_eq(cospin_cli_find(c[i].name), &c[i]);
        if (!c[i].spec) {
            ck_assert_ptr_nonnull(c[i].summary);
            continue;
        }
        struct cospin_error err = {0};
        ck_assert_msg(cospin_opts_check(c[i].spec, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(c[i].spec->name, c[i].name);
        ck_assert_ptr_nonnull(c[i].spec->summary);
        FILE *f = tmpfile();
        ck_assert_int_eq(cospin_opts_help(f, c[i].spec), 0);
        char *h = slurp(f);
        char usage[64];
        snprintf(usage, sizeof usage, "Usage: cospin %s ", c[i].name);
        ck_assert_msg(strncmp(h, usage, strlen(usage)) == 0, "%s", h);
        for (char *line = strtok(h, "\n"); line; line = strtok(NULL, "\n"))
            ck_assert_msg(strlen(line) <= 80 || !strchr(line + strspn(line, " "), ' '),
                          "%s: line too long: %s", c[i].name, line);
        fclose(f);
    }
    ck_assert_ptr_null(cospin_cli_find("bogus"));
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_opts_check(&cospin_cli_top_cmd, &err), 0);
}
END_TEST

/* ---- errors --------------------------------------------------------------------------- */

static const struct {
    const char *words[6];
    const char *message;
} bad[] = {
    {{"--out", "d", "--bogus"}, "unknown option '--bogus'"},
    {{"--out", "d", "-x"}, "unknown option '-x'"},
    {{"--out", "d", "--lr"}, "option --lr needs a value (--lr X)"},
    {{"-o"}, "option -o needs a value (-o DIR)"},
    {{"--out", "d", "--lr", "abc"}, "--lr: 'abc' is not a number"},
    {{"--out", "d", "--lr", "inf"}, "--lr: 'inf' is not a number"},
    {{"--out", "d", "--lr", "nan"}, "--lr: 'nan' is not a number"},
    {{"--out", "d", "--lr", "0"}, "--lr: '0' is out of range: must be > 0"},
    {{"--out", "d", "--gain", "10"}, "--gain: '10' is out of range: must be in [0, 10)"},
    {{"--out", "d", "--i-scale-ma", "-1"}, "--i-scale-ma: '-1' is out of range: must be > 0 mA"},
    {{"--out", "d", "--hidden", "1.5"}, "--hidden: '1.5' is not an integer"},
    {{"--out", "d", "--hidden", "0"}, "--hidden: '0' is out of range: must be in [1, 100000]"},
    {{"--out", "d", "--hidden", "1e10"}, "--hidden: '1e10' is too large"},
    {{"--out", "d", "--seed", "1e16"}, "--seed: '1e16' is too large"},
    {{"--out", "d", "--width", "1n,-1n"}, "--width: '-1n' is out of range: must be > 0 s"},
    {{"--out", "d", "--width", "1n:2n:0"}, "--width: '1n:2n:0': the step must be nonzero"},
    {{"--out", "d", "--mode", "kk"}, "--mode: unknown value 'kk' (expected baseline|kc|k)"},
    {{"--out", "d", "--k-range", "1"}, "--k-range: '1' is not a range LO:HI"},
    {{"--out", "d", "--k-range", "2:1"}, "--k-range: '2:1': LO must not exceed HI"},
    {{"--out", "d", "--k-range", "-11:1"}, "--k-range: '-11' is out of range: must be >= -10"},
    {{"--out", "d", "--batch", "0"}, "--batch: '0' is out of range: must be >= 1"},
    {{"--out", "d", "--flag=1"}, "option --flag takes no value"},
    {{"--out", "d", "--i"}, "option '--i' is ambiguous (--i-scale-ma, --iters)"},
    {{"--lr", "1"}, "missing required option --out DIR"},
    {{"--out", "d", "a", "b", "c"}, "unexpected argument 'c'"},
    {{"--log-level", "loud"}, "--log-level: unknown value 'loud'"},
};

START_TEST(test_bad)
{
    struct t_opts o;
    struct cospin_opts_result res;
    struct cospin_error err;
    ck_assert_int_eq(parse(&t_cmd, bad[_i].words, &o, &res, &err), COSPIN_ERR_PARSE);
    ck_assert_msg(strstr(err.msg, bad[_i].message) != NULL, "want '%s', got '%s'",
                  bad[_i].message, err.msg);
    cospin_opts_free(&t_cmd, &o);
}
END_TEST

START_TEST(test_missing_positional)
{
    static const struct cospin_opts_cmd one = {.name = "run", .args_name = "EXPERIMENT.xml",
                                               .min_args = 1, .max_args = 1};
    struct cospin_opts_result res;
    struct cospin_error err = {0};
    char *a[] = {"run", NULL};
    ck_assert_int_eq(cospin_opts_parse(&one, 1, a, NULL, &res, &err), COSPIN_ERR_PARSE);
    ck_assert_str_eq(err.msg, "missing EXPERIMENT.xml");
}
END_TEST

/* cospin_opts_run: ONE line on stderr and COSPIN_CLI_USAGE for a usage error,
   the help on stdout and COSPIN_OK for --help, the body's status otherwise. */
START_TEST(test_run)
{
    FILE *e = tmpfile(), *o = tmpfile();
    ck_assert(e && o);
    int saved_err = dup(2), saved_out = dup(1);
    fflush(NULL);
    dup2(fileno(e), 2);
    dup2(fileno(o), 1);
    char *a1[] = {"test", "--out", "d", "--lr", "-1", NULL};
    int rc1 = cospin_opts_run(&t_cmd, 5, a1);
    char *a2[] = {"test", "--help", NULL};
    int rc2 = cospin_opts_run(&t_cmd, 2, a2);
    char *a3[] = {"test", "--out", "d", "-f", NULL};
    int rc3 = cospin_opts_run(&t_cmd, 4, a3);
    int rc4 = cospin_opts_usage_error(NULL, "unknown command '%s'", "x");
    fflush(NULL);
    dup2(saved_err, 2);
    dup2(saved_out, 1);
    ck_assert_int_eq(rc1, COSPIN_CLI_USAGE);
    ck_assert_int_eq(rc2, COSPIN_OK);
    ck_assert_int_eq(rc3, COSPIN_ERR_IO);
    ck_assert_int_eq(rc4, COSPIN_CLI_USAGE);
    ck_assert_str_eq(slurp(e),
                     "cospin test: error: --lr: '-1' is out of range: must be > 0 "
                     "(try 'cospin help test')\n"
                     "cospin: error: unknown command 'x' (try 'cospin help')\n");
    ck_assert_ptr_nonnull(strstr(slurp(o), "Usage: cospin test"));
    fclose(e);
    fclose(o);
}
END_TEST

/* cospin_opts_check finds the mistakes a compiler cannot. */
struct c_opts {
    int i;
    double d;
    int e;
};

static void c_init(void *p)
{
    struct c_opts *o = p;
    o->i = 0;
    o->d = -1;
    o->e = 0;
}

static const struct cospin_opt c_dup[] = {
    {.name = "a", .type = COSPIN_OPT_FLAG, COSPIN_OPT_AT(struct c_opts, i), .help = "x"},
    {.name = "b", .type = COSPIN_OPT_FLAG, COSPIN_OPT_AT(struct c_opts, i), .alias = "a",
     .help = "x"},
};
static const struct cospin_opt c_short[] = {
    {.name = "a", .short_name = 'v', .type = COSPIN_OPT_FLAG, COSPIN_OPT_AT(struct c_opts, i),
     .help = "x"},
};
static const struct cospin_opt c_global[] = {
    {.name = "help", .type = COSPIN_OPT_FLAG, COSPIN_OPT_AT(struct c_opts, i), .help = "x"},
};
static const struct cospin_opt c_size[] = {
    {.name = "a", .type = COSPIN_OPT_STRING, COSPIN_OPT_AT(struct c_opts, i), .help = "x"},
};
static const struct cospin_opt c_default[] = {
    {.name = "a", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(struct c_opts, d), COSPIN_OPT_MIN(0),
     .help = "x"},
};
static const struct cospin_opt c_minmax[] = {
    {.name = "a", .type = COSPIN_OPT_NUMBER, COSPIN_OPT_AT(struct c_opts, d), COSPIN_OPT_MIN(2),
     COSPIN_OPT_MAX(1), .default_text = "x", .help = "x"},
};
static const struct cospin_opt c_enum[] = {
    {.name = "a", .type = COSPIN_OPT_ENUM, COSPIN_OPT_AT(struct c_opts, e), .help = "x"},
};
static const struct cospin_opt c_custom[] = {
    {.name = "a", .type = COSPIN_OPT_CUSTOM, .help = "x"},
};
static const struct cospin_opt c_nohelp[] = {
    {.name = "a", .type = COSPIN_OPT_FLAG, COSPIN_OPT_AT(struct c_opts, i)},
};

#define C_CMD(t) {.name = "c", COSPIN_OPTS_TABLE(t), COSPIN_OPTS_STRUCT(struct c_opts, c_init, NULL)}

static const struct {
    struct cospin_opts_cmd cmd;
    const char *message;
} bad_tables[] = {
    {C_CMD(c_dup), "--a and --b share a name"},
    {C_CMD(c_short), "--a and --verbose share a name or a short name"},
    {C_CMD(c_global), "--help and --help share"},
    {C_CMD(c_size), "--a: destination size 4 does not fit its type"},
    {C_CMD(c_default), "--a: the default is outside the allowed range"},
    {C_CMD(c_minmax), "--a: min > max"},
    {C_CMD(c_enum), "--a: an enum without names"},
    {C_CMD(c_custom), "--a: destination size 0"},
    {C_CMD(c_nohelp), "needs a name without dashes and a help text"},
};

START_TEST(test_bad_tables)
{
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_opts_check(&bad_tables[_i].cmd, &err), COSPIN_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, bad_tables[_i].message) != NULL, "want '%s', got '%s'",
                  bad_tables[_i].message, err.msg);
}
END_TEST

static Suite *suite_opts(void)
{
    Suite *s = suite_create("opts");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_values);
    tcase_add_test(core, test_forms);
    tcase_add_test(core, test_globals);
    tcase_add_test(core, test_stop_and_pass);
    tcase_add_test(core, test_help);
    tcase_add_test(core, test_commands);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_loop_test(errors, test_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(errors, test_missing_positional);
    tcase_add_test(errors, test_run);
    tcase_add_loop_test(errors, test_bad_tables, 0, (int)(sizeof bad_tables / sizeof bad_tables[0]));
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_opts)
