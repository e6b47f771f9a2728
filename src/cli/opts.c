/*
 * opts.c -- the option layer of the cospin command line (opts.h): parsing
 * argv against a command's table, the generated help, the one-line usage
 * errors, and the life of a command.
 */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "error.h"
#include "log.h"
#include "opts.h"
#include "paths.h"
#include "units.h"

/* Columns where the help text of an option and of a list item start, and the line width. */
#define HELP_COL 28
#define ITEM_COL 16
#define HELP_WIDTH 79

/* Largest integer a double holds exactly (2^53): the limit of INT options. */
#define INT_EXACT_MAX 9007199254740992.0

/* ---- the global options, accepted by every command ------------------------------ */

/* The ids of the global options (kept in .offset: they have no destination). */
enum { G_HELP, G_VERSION, G_QUIET, G_VERBOSE, G_LOG_LEVEL };

static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};

static const struct cospin_opt globals[] = {
    {.name = "help", .short_name = 'h', .type = COSPIN_OPT_FLAG, .offset = G_HELP,
     .help = "print this help and exit"},
    {.name = "version", .short_name = 'V', .type = COSPIN_OPT_FLAG, .offset = G_VERSION,
     .help = "print the version and exit"},
    {.name = "quiet", .short_name = 'q', .type = COSPIN_OPT_FLAG, .offset = G_QUIET,
     .help = "log errors only"},
    {.name = "verbose", .short_name = 'v', .type = COSPIN_OPT_FLAG, .offset = G_VERBOSE,
     .help = "more log output (-vv: debug)"},
    {.name = "log-level", .type = COSPIN_OPT_ENUM, .offset = G_LOG_LEVEL, .names = level_names,
     .metavar = "LEVEL", .help = "error, warn, info or debug (default info)"},
};

static size_t nglobals(const struct cospin_opts_cmd *cmd)
{
    return (cmd->flags & COSPIN_OPTS_HELP_ONLY) ? 1 : sizeof globals / sizeof globals[0];
}

/* An option found in argv: an entry of the command's table (index >= 0) or a global. */
struct hit {
    const struct cospin_opt *opt;
    int index;                 /* in cmd->opts; -1 for a global */
};

static int takes_value(const struct cospin_opt *o)
{
    return o->type != COSPIN_OPT_FLAG;
}

/* ---- reading and writing destinations ------------------------------------------- */

static void put_double(void *opts, size_t off, size_t size, double v)
{
    char *p = (char *)opts + off;
    if (size == sizeof(float)) {
        float f = (float)v;
        memcpy(p, &f, sizeof f);
    } else {
        memcpy(p, &v, sizeof v);
    }
}

static double get_double(const void *opts, size_t off, size_t size)
{
    const char *p = (const char *)opts + off;
    if (size == sizeof(float)) {
        float f;
        memcpy(&f, p, sizeof f);
        return f;
    }
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void put_int(void *opts, size_t off, size_t size, long long v)
{
    char *p = (char *)opts + off;
    if (size == sizeof(int32_t)) {
        int32_t x = (int32_t)v;
        memcpy(p, &x, sizeof x);
    } else {
        int64_t x = (int64_t)v;
        memcpy(p, &x, sizeof x);
    }
}

static long long get_int(const void *opts, size_t off, size_t size)
{
    const char *p = (const char *)opts + off;
    if (size == sizeof(int32_t)) {
        int32_t x;
        memcpy(&x, p, sizeof x);
        return x;
    }
    int64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* ---- numbers and ranges ----------------------------------------------------------- */

static int is_integer_opt(const struct cospin_opt *o)
{
    return o->type == COSPIN_OPT_INT;
}

/* v as the help and the messages show it: plain for integers, SPICE suffixes otherwise. */
static char *fmt_value(double v, int integer, char *buf, size_t n)
{
    if (integer && fabs(v) < 1e15)
        snprintf(buf, n, "%.0f", v);
    else if (isinf(v))
        snprintf(buf, n, "%s", v < 0 ? "-inf" : "inf");
    else
        cospin_units_format(v, 6, buf, n);
    return buf;
}

/* The allowed range as a phrase: "> 0 s", ">= 1", "in [1, 4096]"; "" when unbounded. */
static char *range_text(const struct cospin_opt *o, int integer, char *buf, size_t n)
{
    char a[40], b[40];
    /* Whole-number bounds read best in full (a batch of at most 100000000). */
    fmt_value(o->min, integer || o->min == floor(o->min), a, sizeof a);
    fmt_value(o->max, integer || o->max == floor(o->max), b, sizeof b);
    const char *unit = o->unit ? o->unit : "";
    const char *sp = o->unit ? " " : "";
    if (o->min_kind && o->max_kind)
        snprintf(buf, n, "in %c%s, %s%c%s%s", o->min_kind == COSPIN_BOUND_EXCL ? '(' : '[', a, b,
                 o->max_kind == COSPIN_BOUND_EXCL ? ')' : ']', sp, unit);
    else if (o->min_kind)
        snprintf(buf, n, "%s %s%s%s", o->min_kind == COSPIN_BOUND_EXCL ? ">" : ">=", a, sp, unit);
    else if (o->max_kind)
        snprintf(buf, n, "%s %s%s%s", o->max_kind == COSPIN_BOUND_EXCL ? "<" : "<=", b, sp, unit);
    else
        buf[0] = '\0';
    return buf;
}

static int in_range(const struct cospin_opt *o, double v)
{
    if (o->min_kind == COSPIN_BOUND_INCL && !(v >= o->min))
        return 0;
    if (o->min_kind == COSPIN_BOUND_EXCL && !(v > o->min))
        return 0;
    if (o->max_kind == COSPIN_BOUND_INCL && !(v <= o->max))
        return 0;
    if (o->max_kind == COSPIN_BOUND_EXCL && !(v < o->max))
        return 0;
    return 1;
}

static int check_range(const struct cospin_opt *o, double v, const char *text, int integer,
                       struct cospin_error *err)
{
    if (in_range(o, v))
        return 0;
    char r[128];
    return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "'%s' is out of range: must be %s",
                            text, range_text(o, integer, r, sizeof r));
}

/* Parse one number by o's rules: finite, integral if asked, in range. */
static int parse_number(const struct cospin_opt *o, const char *text, int integer, size_t size,
                        double *out, struct cospin_error *err)
{
    double v;
    if (cospin_units_parse(text, &v, err) != 0)
        return COSPIN_ERR_PARSE;
    if (!isfinite(v))
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "'%s' is not a finite number", text);
    if (integer) {
        double limit = size == sizeof(int32_t) ? 2147483647.0 : INT_EXACT_MAX;
        if (v != floor(v))
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "'%s' is not an integer", text);
        if (fabs(v) > limit)
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "'%s' is too large (at most %.0f)", text, limit);
    }
    int rc = check_range(o, v, text, integer, err);
    if (!rc)
        *out = v;
    return rc;
}

int cospin_opts_value(const struct cospin_opt *opt, const char *text, int integer, double *out,
                      struct cospin_error *err)
{
    return parse_number(opt, text, integer, integer ? sizeof(int64_t) : sizeof(double), out, err);
}

/* ---- storing one value -------------------------------------------------------------- */

static int store_list(void *opts, const struct cospin_opt *o, const char *arg,
                      struct cospin_error *err)
{
    double *v = NULL;
    size_t n = 0;
    int rc = cospin_units_parse_sweep(arg, &v, &n, err);
    if (rc)
        return rc == COSPIN_ERR_NOMEM ? rc : COSPIN_ERR_PARSE;
    for (size_t i = 0; i < n && !rc; i++) {
        char t[40];
        if (!in_range(o, v[i]))
            rc = check_range(o, v[i], fmt_value(v[i], 0, t, sizeof t), 0, err);
    }
    if (rc) {
        free(v);
        return rc;
    }
    struct cospin_opt_list *l = (struct cospin_opt_list *)((char *)opts + o->offset);
    free(l->v);   /* a repeated option replaces the earlier list */
    l->v = v;
    l->n = n;
    return 0;
}

static int store_enum(void *opts, const struct cospin_opt *o, const char *arg, int *value,
                      struct cospin_error *err)
{
    for (int i = 0; o->names[i]; i++)
        if (strcmp(arg, o->names[i]) == 0) {
            *value = o->values ? o->values[i] : i;
            if (opts)
                put_int(opts, o->offset, sizeof(int), *value);
            return 0;
        }
    char list[256] = "";
    for (int i = 0; o->names[i]; i++) {
        strncat(list, i ? "|" : "", sizeof list - strlen(list) - 1);
        strncat(list, o->names[i], sizeof list - strlen(list) - 1);
    }
    return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "unknown value '%s' (expected %s)",
                            arg, list);
}

static int store_range(void *opts, const struct cospin_opt *o, const char *arg,
                       struct cospin_error *err)
{
    const char *colon = strchr(arg, ':');
    if (!colon || strchr(colon + 1, ':'))
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                "'%s' is not a range LO:HI (e.g. -1:1)", arg);
    char lo_text[64];
    size_t len = (size_t)(colon - arg);
    if (len >= sizeof lo_text)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "'%s': LO is too long", arg);
    memcpy(lo_text, arg, len);
    lo_text[len] = '\0';
    double lo, hi;
    if (parse_number(o, lo_text, 0, o->size, &lo, err) != 0 ||
        parse_number(o, colon + 1, 0, o->size, &hi, err) != 0)
        return COSPIN_ERR_PARSE;
    if (!(lo <= hi))
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "'%s': LO must not exceed HI", arg);
    put_double(opts, o->offset, o->size, lo);
    put_double(opts, o->offset2, o->size, hi);
    return 0;
}

/* A global option: its effect goes into res. */
static int store_global(const struct cospin_opt *o, const char *arg, struct cospin_opts_result *res,
                        struct cospin_error *err)
{
    int level;
    switch (o->offset) {
    case G_HELP: res->help = 1; return 0;
    case G_VERSION: res->version = 1; return 0;
    case G_QUIET:
        res->log_level = COSPIN_LOG_ERROR;
        res->log_more = 0;
        return 0;
    case G_VERBOSE: res->log_more++; return 0;
    default:
        if (store_enum(NULL, o, arg, &level, err) != 0)
            return COSPIN_ERR_PARSE;
        res->log_level = level;
        res->log_more = 0;
        return 0;
    }
}

/* Store arg (NULL for a flag) as the value of h; errors are prefixed "--name: ". */
static int store(const struct hit *h, const char *arg, void *opts, struct cospin_opts_result *res,
                 struct cospin_error *err)
{
    const struct cospin_opt *o = h->opt;
    double v = 0;
    int e, rc = 0;
    if (h->index < 0) {
        rc = store_global(o, arg, res, err);
    } else {
        if (res->given[h->index] < 255)
            res->given[h->index]++;
        switch (o->type) {
        case COSPIN_OPT_FLAG:
            put_int(opts, o->offset, sizeof(int), (o->flags & COSPIN_OPT_INVERT) ? 0 : 1);
            break;
        case COSPIN_OPT_STRING: memcpy((char *)opts + o->offset, &arg, sizeof arg); break;
        case COSPIN_OPT_NUMBER:
            rc = parse_number(o, arg, 0, o->size, &v, err);
            if (!rc)
                put_double(opts, o->offset, o->size, v * (o->scale != 0 ? o->scale : 1.0));
            break;
        case COSPIN_OPT_INT:
            rc = parse_number(o, arg, 1, o->size, &v, err);
            if (!rc)
                put_int(opts, o->offset, o->size, (long long)v);
            break;
        case COSPIN_OPT_LIST: rc = store_list(opts, o, arg, err); break;
        case COSPIN_OPT_ENUM: rc = store_enum(opts, o, arg, &e, err); break;
        case COSPIN_OPT_RANGE: rc = store_range(opts, o, arg, err); break;
        case COSPIN_OPT_CUSTOM: rc = o->parse(opts, o, arg, err); break;
        }
    }
    if (rc && err) {
        /* "--synapse: dev.xml:3: ...": the option first, then where in its file. */
        char name[80], msg[sizeof err->msg];
        snprintf(name, sizeof name, "--%s", o->name);
        if (err->file[0]) {
            cospin_error_format(err, msg, sizeof msg);
            snprintf(err->msg, sizeof err->msg, "%s", msg);
            err->file[0] = '\0';
            err->line = 0;
        }
        cospin_error_prefix(err, name);
    }
    return rc;
}

/* ---- finding options ------------------------------------------------------------------ */

static int name_is(const char *name, const char *s, size_t len)
{
    return name && strlen(name) == len && strncmp(name, s, len) == 0;
}

static int name_starts(const char *name, const char *s, size_t len)
{
    return name && strncmp(name, s, len) == 0;
}

/* Entry i of the command's table followed by the globals; NULL past the end. */
static const struct cospin_opt *entry(const struct cospin_opts_cmd *cmd, size_t i, int *index)
{
    if (i < cmd->nopts) {
        *index = (int)i;
        return &cmd->opts[i];
    }
    *index = -1;
    return i - cmd->nopts < nglobals(cmd) ? &globals[i - cmd->nopts] : NULL;
}

/*
 * The long option s[0..len): an exact name or alias, else the one option
 * whose name or alias starts with it.  Returns 0 with *h, 1 if there is
 * none, or COSPIN_ERR_PARSE if the prefix is ambiguous.
 */
static int find_long(const struct cospin_opts_cmd *cmd, const char *s, size_t len, struct hit *h,
                     struct cospin_error *err)
{
    const struct cospin_opt *o;
    int index, found = 0;
    char cand[256] = "";
    for (size_t i = 0; (o = entry(cmd, i, &index)) != NULL; i++)
        if (name_is(o->name, s, len) || name_is(o->alias, s, len)) {
            *h = (struct hit){o, index};
            return 0;
        }
    for (size_t i = 0; len > 0 && (o = entry(cmd, i, &index)) != NULL; i++) {
        if (!name_starts(o->name, s, len) && !name_starts(o->alias, s, len))
            continue;
        if (found++ == 0)
            *h = (struct hit){o, index};
        size_t l = strlen(cand);
        snprintf(cand + l, sizeof cand - l, "%s--%s", l ? ", " : "", o->name);
    }
    if (found > 1)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                "option '--%.*s' is ambiguous (%s)", (int)len, s, cand);
    return found ? 0 : 1;
}

static int find_short(const struct cospin_opts_cmd *cmd, char c, struct hit *h)
{
    const struct cospin_opt *o;
    int index;
    for (size_t i = 0; (o = entry(cmd, i, &index)) != NULL; i++)
        if (o->short_name && o->short_name == c) {
            *h = (struct hit){o, index};
            return 0;
        }
    return 1;
}

/* ---- parsing -------------------------------------------------------------------------- */

/* The parse state of one argv. */
struct parser {
    const struct cospin_opts_cmd *cmd;
    int argc;
    char **argv;
    int i;                     /* the word being read */
    void *opts;
    struct cospin_opts_result *res;
    struct cospin_error *err;
};

static const char *metavar(const struct cospin_opt *o);

/* The value of an option that takes one: inline text or the next word. */
static int value_of(struct parser *p, const struct cospin_opt *o, int is_long,
                    const char *inline_value, const char **out)
{
    if (inline_value) {
        *out = inline_value;
        return 0;
    }
    if (p->i + 1 >= p->argc) {
        char name[80];
        if (is_long)
            snprintf(name, sizeof name, "--%s", o->name);
        else
            snprintf(name, sizeof name, "-%c", o->short_name);
        return cospin_error_set(p->err, COSPIN_ERR_PARSE, NULL, 0,
                                "option %s needs a value (%s %s)", name, name, metavar(o));
    }
    *out = p->argv[++p->i];
    return 0;
}

/* "--name[=value]" at p->i.  *stop = 1: an unknown option ends the options (PASS_UNKNOWN). */
static int parse_long_word(struct parser *p, int *stop)
{
    const char *s = p->argv[p->i] + 2;
    const char *eq = strchr(s, '=');
    size_t len = eq ? (size_t)(eq - s) : strlen(s);
    struct hit h = {NULL, -1};
    int rc = find_long(p->cmd, s, len, &h, p->err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (p->cmd->flags & COSPIN_OPTS_PASS_UNKNOWN) {
            *stop = 1;
            return 0;
        }
        return cospin_error_set(p->err, COSPIN_ERR_PARSE, NULL, 0, "unknown option '--%.*s'",
                                (int)len, s);
    }
    const char *value = NULL;
    if (!takes_value(h.opt)) {
        if (eq)
            return cospin_error_set(p->err, COSPIN_ERR_PARSE, NULL, 0,
                                    "option --%s takes no value", h.opt->name);
    } else if ((rc = value_of(p, h.opt, 1, eq ? eq + 1 : NULL, &value)) != 0) {
        return rc;
    }
    return store(&h, value, p->opts, p->res, p->err);
}

/* "-abc" / "-oVALUE" / "-o VALUE" at p->i. */
static int parse_short_word(struct parser *p, int *stop)
{
    const char *s = p->argv[p->i];
    for (size_t k = 1; s[k]; k++) {
        struct hit h = {NULL, -1};
        if (find_short(p->cmd, s[k], &h) != 0) {
            if (k == 1 && (p->cmd->flags & COSPIN_OPTS_PASS_UNKNOWN)) {
                *stop = 1;
                return 0;
            }
            return cospin_error_set(p->err, COSPIN_ERR_PARSE, NULL, 0, "unknown option '-%c'",
                                    s[k]);
        }
        if (takes_value(h.opt)) {
            const char *value = NULL;
            int rc = value_of(p, h.opt, 0, s[k + 1] ? s + k + 1 : NULL, &value);
            return rc ? rc : store(&h, value, p->opts, p->res, p->err);
        }
        int rc = store(&h, NULL, p->opts, p->res, p->err);
        if (rc || p->res->help || p->res->version)
            return rc;
    }
    return 0;
}

/* After the words: the positional count and the required options. */
static int check_complete(const struct cospin_opts_cmd *cmd, const struct cospin_opts_result *res,
                          struct cospin_error *err)
{
    const char *what = cmd->args_name ? cmd->args_name : "argument";
    if (res->nargs < cmd->min_args)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "missing %s", what);
    if (cmd->max_args >= 0 && res->nargs > cmd->max_args)
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0, "unexpected argument '%s'",
                                res->args[cmd->max_args]);
    for (size_t i = 0; i < cmd->nopts; i++)
        if ((cmd->opts[i].flags & COSPIN_OPT_REQUIRED) && !res->given[i])
            return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                    "missing required option --%s %s", cmd->opts[i].name,
                                    metavar(&cmd->opts[i]));
    return 0;
}

int cospin_opts_parse(const struct cospin_opts_cmd *cmd, int argc, char **argv, void *opts,
                      struct cospin_opts_result *res, struct cospin_error *err)
{
    memset(res, 0, sizeof *res);
    res->cmd = cmd;
    res->log_level = -1;
    if (cmd->nopts > COSPIN_OPTS_MAX)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "option table too long");
    struct parser p = {cmd, argc, argv, 1, opts, res, err};
    /* Positional words are moved down to argv[1..]: the write index never
       passes the read index, so nothing unread is overwritten. */
    char **args = argv + 1;
    int nargs = 0, rc = 0, stop = 0;
    for (; p.i < argc && !rc; p.i++) {
        const char *w = argv[p.i];
        if (strcmp(w, "--") == 0) {
            p.i++;
            break;
        }
        if (w[0] != '-' || w[1] == '\0') {
            if (cmd->flags & COSPIN_OPTS_STOP_AT_ARG)
                break;
            args[nargs++] = argv[p.i];
            continue;
        }
        rc = w[1] == '-' ? parse_long_word(&p, &stop) : parse_short_word(&p, &stop);
        if (stop)
            break;
        if (res->help || res->version)
            break;
    }
    if (rc)
        return rc;
    if (!res->help && !res->version)
        for (; p.i < argc; p.i++)
            args[nargs++] = argv[p.i];
    args[nargs] = NULL;
    res->args = args;
    res->nargs = nargs;
    if (res->help || res->version)
        return 0;
    return check_complete(cmd, res, err);
}

int cospin_opts_given(const struct cospin_opts_result *res, size_t offset)
{
    int n = 0;
    for (size_t i = 0; i < res->cmd->nopts; i++)
        if (res->cmd->opts[i].size && res->cmd->opts[i].offset == offset)
            n += res->given[i];
    return n;
}

void cospin_opts_apply_log(const struct cospin_opts_result *res)
{
    if (res->log_level < 0 && res->log_more == 0)
        return;
    int level = res->log_level;
    if (level < 0) {   /* -v alone: one more than the level set so far */
        level = COSPIN_LOG_ERROR;
        while (level < COSPIN_LOG_DEBUG && cospin_log_enabled((enum cospin_log_level)(level + 1)))
            level++;
    }
    level += res->log_more;
    cospin_log_set_level((enum cospin_log_level)(level > COSPIN_LOG_DEBUG ? COSPIN_LOG_DEBUG : level));
}

void cospin_opts_free(const struct cospin_opts_cmd *cmd, void *opts)
{
    if (!opts)
        return;
    for (size_t i = 0; i < cmd->nopts; i++)
        if (cmd->opts[i].type == COSPIN_OPT_LIST) {
            struct cospin_opt_list *l = (struct cospin_opt_list *)((char *)opts + cmd->opts[i].offset);
            free(l->v);
            l->v = NULL;
            l->n = 0;
        }
}

/* ---- errors and the life of a command --------------------------------------------------- */

int cospin_opts_usage_error(const struct cospin_opts_cmd *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cmd && cmd->name)
        fprintf(stderr, "cospin %s: error: %s (try 'cospin help %s')\n", cmd->name, msg, cmd->name);
    else
        fprintf(stderr, "cospin: error: %s (try 'cospin help')\n", msg);
    return COSPIN_CLI_USAGE;
}

void cospin_opts_version(FILE *f, const struct cospin_opts_result *res)
{
    fprintf(f, "cospin %s (ngspice %s)\n", cospin_version(), COSPIN_NGSPICE_VERSION);
    if (res && res->log_more > 0) {
        char schema[1024];
        fprintf(f, "code models: %s\n", cospin_path_cm());
        fprintf(f, "schema: %s\n", cospin_path_data_file("schema/cospin.rng", schema, sizeof schema));
        fprintf(f, "datasets: %s\n", cospin_path_data_dir());
        if (cospin_dist_built())
            fprintf(f, "MPI: yes, this process is rank %d of %d\n", cospin_dist_rank(),
                    cospin_dist_size());
        else
            fprintf(f, "MPI: no (built without it: configure --with-mpi)\n");
    }
}

int cospin_opts_run(const struct cospin_opts_cmd *cmd, int argc, char **argv)
{
    struct cospin_error err = {0};
    void *opts = NULL;
    if (cmd->opts_size && !(opts = calloc(1, cmd->opts_size))) {
        cospin_error_set(&err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        return cospin_cli_report(cmd->name, &err);
    }
    if (cmd->init)
        cmd->init(opts);
    struct cospin_opts_result res;
    int rc = cospin_opts_parse(cmd, argc, argv, opts, &res, &err);
    if (rc == COSPIN_ERR_PARSE) {
        rc = cospin_opts_usage_error(cmd, "%s", err.msg);
    } else if (rc) {
        rc = cospin_cli_report(cmd->name, &err);
    } else if (res.help) {
        rc = cospin_opts_help(stdout, cmd);
    } else if (res.version) {
        cospin_opts_version(stdout, &res);
    } else {
        cospin_opts_apply_log(&res);
        rc = cmd->run(opts, &res);
    }
    cospin_opts_free(cmd, opts);
    free(opts);
    return rc;
}

/* ---- help ------------------------------------------------------------------------------- */

static const char *metavar(const struct cospin_opt *o)
{
    if (o->metavar)
        return o->metavar;
    switch (o->type) {
    case COSPIN_OPT_FLAG: return "";
    case COSPIN_OPT_STRING: return "TEXT";
    case COSPIN_OPT_NUMBER: return "X";
    case COSPIN_OPT_INT: return "N";
    case COSPIN_OPT_LIST: return "LIST";
    case COSPIN_OPT_ENUM: return "NAME";
    case COSPIN_OPT_RANGE: return "LO:HI";
    case COSPIN_OPT_CUSTOM: return "VALUE";
    }
    return "";
}

/* The default of o in d as text, or NULL when there is none to show. */
static const char *default_text(const struct cospin_opt *o, const void *d, char *buf, size_t n)
{
    if (o->default_text)
        return o->default_text[0] ? o->default_text : NULL;
    if (!d)
        return NULL;
    if (o->format)
        return o->format(d, buf, n);
    const char *s;
    double lo, hi;
    char a[40], b[40];
    switch (o->type) {
    case COSPIN_OPT_FLAG: return NULL;
    case COSPIN_OPT_STRING:
        memcpy(&s, (const char *)d + o->offset, sizeof s);
        return s;
    case COSPIN_OPT_NUMBER:
        lo = get_double(d, o->offset, o->size) / (o->scale != 0 ? o->scale : 1.0);
        return fmt_value(lo, 0, buf, n);
    case COSPIN_OPT_INT:
        snprintf(buf, n, "%lld", get_int(d, o->offset, o->size));
        return buf;
    case COSPIN_OPT_LIST: {
        const struct cospin_opt_list *l = (const void *)((const char *)d + o->offset);
        buf[0] = '\0';
        for (size_t i = 0; i < l->n; i++) {
            size_t len = strlen(buf);
            snprintf(buf + len, n - len, "%s%s", i ? "," : "", fmt_value(l->v[i], 0, a, sizeof a));
        }
        return l->n ? buf : NULL;
    }
    case COSPIN_OPT_ENUM: {
        long long v = get_int(d, o->offset, sizeof(int));
        for (int i = 0; o->names[i]; i++)
            if ((o->values ? o->values[i] : i) == v)
                return o->names[i];
        return NULL;
    }
    case COSPIN_OPT_RANGE:
        lo = get_double(d, o->offset, o->size);
        hi = get_double(d, o->offset2, o->size);
        snprintf(buf, n, "%s:%s", fmt_value(lo, 0, a, sizeof a), fmt_value(hi, 0, b, sizeof b));
        return buf;
    case COSPIN_OPT_CUSTOM: return NULL;
    }
    return NULL;
}

/* "[> 0 s, default 10n, also --c]": the facts of o the help text need not repeat. */
static void annotation(const struct cospin_opt *o, const void *d, char *buf, size_t n)
{
    char range[128];
    const char *parts[5];
    int np = 0;
    int integer = is_integer_opt(o);
    char r2[160];
    if (range_text(o, integer, range, sizeof range)[0]) {
        snprintf(r2, sizeof r2, "%s%s", integer ? "integer " : "", range);
        parts[np++] = r2;
    } else if (o->unit) {
        snprintf(r2, sizeof r2, "unit %s", o->unit);
        parts[np++] = r2;
    } else if (integer) {
        parts[np++] = "integer";
    }
    char dbuf[200], dtext[220];
    const char *dv = default_text(o, d, dbuf, sizeof dbuf);
    if (dv) {
        snprintf(dtext, sizeof dtext, "default %s", dv);
        parts[np++] = dtext;
    }
    if (o->flags & COSPIN_OPT_REQUIRED)
        parts[np++] = "required";
    char alias[80];
    if (o->alias) {
        snprintf(alias, sizeof alias, "also --%s", o->alias);
        parts[np++] = alias;
    }
    buf[0] = '\0';
    for (int i = 0; i < np; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? ", " : "[", parts[i]);
    }
    if (np) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "]");
    }
}

/*
 * Write the words of text from column *col on, wrapped at HELP_WIDTH with
 * continuation lines starting at column indent; '\n' in text forces a break.
 */
static void wrap(FILE *f, const char *text, int *col, int indent)
{
    int brk = 0;
    while (*text) {
        if (*text == '\n' || *text == ' ') {
            brk |= *text == '\n';
            text++;
            continue;
        }
        int len = (int)strcspn(text, " \n");
        if (*col > indent && (brk || *col + 1 + len > HELP_WIDTH)) {
            fprintf(f, "\n%*s", indent, "");
            *col = indent;
        } else if (*col > indent) {
            fputc(' ', f);
            (*col)++;
        }
        fprintf(f, "%.*s", len, text);
        *col += len;
        text += len;
        brk = 0;
    }
}

/* One option: "  -o, --out DIR        text [range, default]", wrapped. */
static void print_opt(FILE *f, const struct cospin_opt *o, const void *d)
{
    const char *mv = metavar(o);
    char ann[512];
    annotation(o, d, ann, sizeof ann);
    int col;
    if (o->short_name)
        col = fprintf(f, "  -%c, --%s%s%s", o->short_name, o->name, *mv ? " " : "", mv);
    else
        col = fprintf(f, "      --%s%s%s", o->name, *mv ? " " : "", mv);
    const char *text = o->help ? o->help : "";
    if (text[0] || ann[0]) {
        if (col >= HELP_COL - 1) {   /* a long option name: the text starts below it */
            fputc('\n', f);
            col = 0;
        }
        fprintf(f, "%*s", HELP_COL - col, "");
        col = HELP_COL;
        wrap(f, text, &col, HELP_COL);
        /* The annotation stays on one line when it can. */
        int alen = (int)strlen(ann);
        if (alen && col > HELP_COL && col + 1 + alen > HELP_WIDTH && HELP_COL + alen <= HELP_WIDTH)
        {
            fprintf(f, "\n%*s", HELP_COL, "");
            col = HELP_COL;
        }
        if (alen && col > HELP_COL && col + 1 + alen <= HELP_WIDTH) {
            fprintf(f, " %s", ann);
            col += 1 + alen;
        } else {
            wrap(f, ann, &col, HELP_COL);
        }
    }
    fputc('\n', f);
}

void cospin_opts_print_item(FILE *f, const char *term, const char *text)
{
    int col = fprintf(f, "  %s", term);
    if (col >= ITEM_COL - 1) {
        fputc('\n', f);
        col = 0;
    }
    fprintf(f, "%*s", ITEM_COL - col, "");
    col = ITEM_COL;
    wrap(f, text, &col, ITEM_COL);
    fputc('\n', f);
}

static void print_usage(FILE *f, const struct cospin_opts_cmd *cmd)
{
    const char *u = cmd->usage ? cmd->usage : "[OPTIONS]";
    int first = 1;
    while (*u) {
        const char *nl = strchr(u, '\n');
        int len = nl ? (int)(nl - u) : (int)strlen(u);
        fprintf(f, "%s cospin%s%s %.*s\n", first ? "Usage:" : "  or: ", cmd->name ? " " : "",
                cmd->name ? cmd->name : "", len, u);
        first = 0;
        u += len + (nl ? 1 : 0);
    }
}

int cospin_opts_help(FILE *f, const struct cospin_opts_cmd *cmd)
{
    void *d = NULL;
    if (cmd->opts_size) {
        if (!(d = calloc(1, cmd->opts_size)))
            return COSPIN_ERR_NOMEM;
        if (cmd->init)
            cmd->init(d);
    }
    print_usage(f, cmd);
    if (cmd->description)
        fprintf(f, "\n%s", cmd->description);
    if (cmd->describe)
        cmd->describe(f);
    const char *section = NULL;
    for (size_t i = 0; i < cmd->nopts; i++) {
        const struct cospin_opt *o = &cmd->opts[i];
        if (i == 0 || o->section) {
            section = o->section ? o->section : "Options";
            fprintf(f, "\n%s:\n", section);
        }
        print_opt(f, o, d);
    }
    fprintf(f, "\n%s:\n", cmd->name ? "Global options (before or after the command)"
                                     : "Options (also accepted after the command)");
    for (size_t i = 0; i < nglobals(cmd); i++)
        print_opt(f, &globals[i], NULL);
    if (cmd->epilog)
        fprintf(f, "\n%s", cmd->epilog);
    cospin_opts_free(cmd, d);
    free(d);
    return fflush(f) == 0 ? COSPIN_OK : COSPIN_ERR_IO;
}

/* ---- checking a table ----------------------------------------------------------------- */

/* The size the destination of o must have; 0: any (CUSTOM). */
static int size_ok(const struct cospin_opt *o)
{
    switch (o->type) {
    case COSPIN_OPT_FLAG:
    case COSPIN_OPT_ENUM: return o->size == sizeof(int);
    case COSPIN_OPT_STRING: return o->size == sizeof(const char *);
    case COSPIN_OPT_NUMBER:
    case COSPIN_OPT_RANGE: return o->size == sizeof(float) || o->size == sizeof(double);
    case COSPIN_OPT_INT: return o->size == sizeof(int32_t) || o->size == sizeof(int64_t);
    case COSPIN_OPT_LIST: return o->size == sizeof(struct cospin_opt_list);
    case COSPIN_OPT_CUSTOM: return o->parse != NULL;
    }
    return 0;
}

/* A default outside the allowed range (or not finite) must be described in words. */
static int default_ok(const struct cospin_opt *o, const void *d)
{
    if (o->default_text || o->format || !d)
        return 1;
    double v;
    switch (o->type) {
    case COSPIN_OPT_NUMBER:
        v = get_double(d, o->offset, o->size) / (o->scale != 0 ? o->scale : 1.0);
        return isfinite(v) && in_range(o, v);
    case COSPIN_OPT_INT: return in_range(o, (double)get_int(d, o->offset, o->size));
    case COSPIN_OPT_RANGE:
        return isfinite(get_double(d, o->offset, o->size)) &&
               isfinite(get_double(d, o->offset2, o->size));
    default: return 1;
    }
}

/* Do a and b share a long name, an alias or a short name? */
static int clash(const struct cospin_opt *a, const struct cospin_opt *b)
{
    const char *an[2] = {a->name, a->alias}, *bn[2] = {b->name, b->alias};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            if (an[i] && bn[j] && strcmp(an[i], bn[j]) == 0)
                return 1;
    return a->short_name && a->short_name == b->short_name;
}

static int check_entry(const struct cospin_opts_cmd *cmd, size_t i, const void *d,
                       struct cospin_error *err)
{
    const struct cospin_opt *o = &cmd->opts[i];
    const char *name = o->name ? o->name : "(null)";
    if (!o->name || !o->name[0] || o->name[0] == '-' || !o->help)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "option %zu (%s): needs a name without dashes and a help text", i,
                                name);
    if (!size_ok(o))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "--%s: destination size %zu does not fit its type", name, o->size);
    if (o->size && (o->offset + o->size > cmd->opts_size ||
                    (o->type == COSPIN_OPT_RANGE && o->offset2 + o->size > cmd->opts_size)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "--%s: destination outside the options struct", name);
    if (o->type == COSPIN_OPT_ENUM && (!o->names || !o->names[0]))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "--%s: an enum without names",
                                name);
    if (o->min_kind && o->max_kind && o->min > o->max)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "--%s: min > max", name);
    if (!default_ok(o, d))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "--%s: the default is outside the allowed range: describe it "
                                "in default_text", name);
    int index;
    const struct cospin_opt *other;
    for (size_t j = i + 1; (other = entry(cmd, j, &index)) != NULL; j++)
        if (clash(o, other))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "--%s and --%s share a name or a short name", name,
                                    other->name);
    return 0;
}

int cospin_opts_check(const struct cospin_opts_cmd *cmd, struct cospin_error *err)
{
    if (cmd->nopts > COSPIN_OPTS_MAX)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "%s: more than %d options",
                                cmd->name ? cmd->name : "cospin", COSPIN_OPTS_MAX);
    if (cmd->nopts && (!cmd->opts_size || !cmd->init))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%s: a table needs an options struct and its init function",
                                cmd->name ? cmd->name : "cospin");
    void *d = NULL;
    if (cmd->opts_size) {
        if (!(d = calloc(1, cmd->opts_size)))
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        if (cmd->init)
            cmd->init(d);
    }
    int rc = 0;
    for (size_t i = 0; i < cmd->nopts && !rc; i++)
        rc = check_entry(cmd, i, d, err);
    if (rc && cmd->name)
        cospin_error_prefix(err, cmd->name);
    cospin_opts_free(cmd, d);
    free(d);
    return rc;
}
