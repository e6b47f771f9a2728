/*
 * engine.c -- the only code that touches libngspice (see engine.h).
 *
 * libngspice is one global instance per process: ngSpice_Init may run once,
 * its callbacks are process-wide, and a crash inside it kills the process.
 * This file owns that fact in one static record (struct ng_process); every
 * other piece of state hangs off struct cospin_engine or struct cospin_pool.
 *
 * Error detection.  ngspice returns 0 from ngSpice_Circ and ngSpice_Command
 * even when the netlist does not parse or the analysis aborts.  Each
 * operation therefore captures the SendChar lines it produces and
 * classifies them (classify_line): a line on stderr is an error unless it is
 * a known progress/warning line ("Warning...", "Note...", "Trying gmin...",
 * "Supplies reduced..."); on stdout, "Error..." lines and lines carrying
 * COSPIN_CM_ERROR_TAG (a cospin code model rejecting its parameters) are
 * errors.  The error message is ngspice's own text.
 *
 * The worker pool (pool.c) forks processes that each use this file through
 * the public engine API, plus the two hooks of engine_private.h.
 */
#include <config.h>

#include <stdbool.h>   /* before sharedspice.h: NG_BOOL is bool */

#include <ngspice/sharedspice.h>

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "engine"
#include "cm_common.h"
#include "engine.h"
#include "engine_private.h"
#include "error.h"
#include "log.h"
#include "paths.h"

/* Captured output is capped so that a `print` of a huge vector cannot eat memory. */
#define CAPTURE_MAX_BYTES (256u * 1024u)
/* Room for the error lines of one operation (the message keeps the first ones). */
#define ERRTEXT_MAX_BYTES 2048u
/* Relative tolerance for matching a stored time point to the grid k * step_s. */
#define STREAM_GRID_RTOL 1e-6
/* Default time between streamed vectors (s); resistive circuits do not care. */
#define STREAM_DEFAULT_STEP_S 1e-6

/* ------------------------------------------------------------------------ */
/* Process-wide ngspice state                                                 */
/* ------------------------------------------------------------------------ */

/* External-source lookup for one stream: name -> index with a call-order cache. */
struct stream_state {
    int active;
    size_t nsrc;
    const double *values;
    size_t nvec;
    double step_s;
    char **names;            /* nsrc lower-case names */
    const char **seen_ptr;   /* ngspice's name pointer for source i (stable per circuit) */
    unsigned char *seen;     /* source i was asked for */
    size_t *table;           /* open-addressing hash: index + 1, 0 = empty */
    size_t table_size;       /* power of two >= 2 nsrc */
    size_t last;             /* index of the last source asked for */
    char unknown[64];        /* first external source not in the list */
    size_t vsrc_calls, sync_calls;
};

struct capture {
    char *text;              /* all lines of the operation, '\n'-separated */
    size_t len, cap;
    size_t dropped;          /* lines not kept because of CAPTURE_MAX_BYTES */
    int failed;              /* an error line was seen */
    int err_line;            /* "Error on line N" */
    char errtext[ERRTEXT_MAX_BYTES];   /* the error lines, "; "-joined */
    char singular[160];      /* the first "singular matrix" warning */
    char cm_error[512];      /* a COSPIN_CM_ERROR_TAG message: "inst: text" */
    const char *source;      /* the netlist being loaded (the caller's), else NULL */
    int quote_next;          /* the last error line announced a quoted input line */
};

struct cospin_engine {
    struct cospin_engine_opts opts;
    char *cm_path;
    int have_circuit;
    struct capture cap;
    struct stream_state st;
    struct cospin_stream_stats stats;
};

struct ng_process {
    int initialised;                 /* ngSpice_Init has run in this process */
    int exited;                      /* ControlledExit was called: the instance is dead */
    int interp_mode;                 /* ngspice announced interpolated output (sticky, see stream) */
    struct cospin_engine *owner;     /* the live engine (callbacks go here), or NULL */
    char **cm_loaded;                /* code-model libraries loaded into this instance */
    size_t n_cm_loaded;
};

/* The one static: libngspice is global, so is the record of its state. */
static struct ng_process ng_proc;

/* ------------------------------------------------------------------------ */
/* Output capture and error classification                                    */
/* ------------------------------------------------------------------------ */

static int starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != tolower((unsigned char)*prefix))
            return 0;
    return 1;
}

static void capture_reset(struct capture *c)
{
    c->len = 0;
    if (c->text)
        c->text[0] = '\0';
    c->dropped = 0;
    c->failed = 0;
    c->err_line = 0;
    c->errtext[0] = '\0';
    c->singular[0] = '\0';
    c->cm_error[0] = '\0';
    c->source = NULL;
    c->quote_next = 0;
}

static void capture_append(struct capture *c, const char *line)
{
    size_t n = strlen(line);
    if (c->len + n + 2 > CAPTURE_MAX_BYTES) {
        c->dropped++;
        return;
    }
    if (c->len + n + 2 > c->cap) {
        size_t ncap = c->cap ? c->cap : 4096;
        while (ncap < c->len + n + 2)
            ncap *= 2;
        char *t = realloc(c->text, ncap);
        if (!t) {
            c->dropped++;
            return;
        }
        c->text = t;
        c->cap = ncap;
    }
    memcpy(c->text + c->len, line, n);
    c->len += n;
    c->text[c->len++] = '\n';
    c->text[c->len] = '\0';
}

static void errtext_add(struct capture *c, const char *s)
{
    size_t used = strlen(c->errtext);
    if (used + 4 >= sizeof c->errtext)
        return;
    snprintf(c->errtext + used, sizeof c->errtext - used, "%s%s", used ? "; " : "", s);
}

/* Lower-cased with blanks collapsed into one space and trimmed: a line as
   ngspice quotes it and as it stands in the netlist compare equal. */
static size_t normalise_line(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    int blank = 1;   /* drop leading blanks */
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        if (isspace((unsigned char)s[i])) {
            blank = 1;
            continue;
        }
        if (blank && k > 0)
            out[k++] = ' ';
        blank = 0;
        if (k + 1 < cap)
            out[k++] = (char)tolower((unsigned char)s[i]);
    }
    out[k] = '\0';
    return k;
}

/* Whether the quoted line q is one of the lines of source. */
static int quoted_in_source(const char *source, const char *q)
{
    char want[512], have[512];
    if (normalise_line(q, strlen(q), want, sizeof want) == 0)
        return 1;
    for (const char *p = source; *p;) {
        size_t len = strcspn(p, "\n");
        normalise_line(p, len, have, sizeof have);
        if (strcmp(want, have) == 0)
            return 1;
        p += len + (p[len] == '\n');
    }
    return 0;
}

/* Whether an error line announces that the next line quotes the input
   ("Error: bad syntax of line", "Error on line 2 or its substitute:"). */
static int announces_quote(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return (n >= 1 && s[n - 1] == ':') || (n >= 4 && strncasecmp(s + n - 4, "line", 4) == 0);
}

/* A stderr line that is progress or a warning, not an error by itself. */
static int benign_stderr(const char *s)
{
    static const char *const benign[] = {
        "warning", "note", "trying gmin", "supplies reduced", "command '",
    };
    for (size_t i = 0; i < sizeof benign / sizeof benign[0]; i++)
        if (starts_with_ci(s, benign[i]))
            return 1;
    return 0;
}

/* Classify one SendChar line ("stdout text" / "stderr text"). */
static void classify_line(struct capture *c, const char *raw)
{
    int is_err = strncmp(raw, "stderr", 6) == 0;
    const char *s = raw;
    if (strncmp(s, "stdout", 6) == 0 || is_err)
        s += s[6] == ' ' ? 7 : 6;
    while (*s == ' ')
        s++;
    const char *tag = strstr(s, COSPIN_CM_ERROR_TAG);
    if (tag) {
        if (!c->cm_error[0]) {
            char inst[64] = "";
            if (sscanf(s, "Instance: %63s", inst) != 1)
                inst[0] = '\0';
            snprintf(c->cm_error, sizeof c->cm_error, "%s%s%s", inst, inst[0] ? ": " : "",
                     tag + strlen(COSPIN_CM_ERROR_TAG));
        }
        c->failed = 1;
        return;
    }
    if (is_err && c->quote_next) {
        /* A quoted input line.  During a load, one that is not in the netlist
           comes from a file it included (.include /etc/passwd): say so, but
           do not copy the file's content into the error. */
        c->quote_next = 0;
        c->failed = 1;
        errtext_add(c, c->source && !quoted_in_source(c->source, s)
                           ? "(a line of an included file, not shown)" : s);
        return;
    }
    if (is_err) {
        if (strstr(s, "singular matrix")) {
            if (!c->singular[0])
                snprintf(c->singular, sizeof c->singular, "%s", s);
            return;
        }
        if (benign_stderr(s) || !*s)
            return;
        int line;
        if (sscanf(s, "Error on line %d", &line) == 1 && c->err_line == 0)
            c->err_line = line;
        c->failed = 1;
        errtext_add(c, s);
        c->quote_next = announces_quote(s);
        return;
    }
    if (starts_with_ci(s, "error")) {
        c->failed = 1;
        errtext_add(c, s);
        c->quote_next = announces_quote(s);
    }
}

static int cb_send_char(char *line, int id, void *user)
{
    (void)id;
    struct ng_process *p = user;
    struct cospin_engine *eng = p ? p->owner : NULL;
    if (!eng || !line)
        return 0;
    capture_append(&eng->cap, line);
    classify_line(&eng->cap, line);
    if (strstr(line, "Interpolated raw file data"))
        p->interp_mode = 1;
    if (eng->opts.echo_output)
        cospin_dbg("ngspice: %s", line);
    return 0;
}

static int cb_send_stat(char *s, int id, void *user)
{
    (void)s;
    (void)id;
    (void)user;
    return 0;
}

static int cb_exit(int status, NG_BOOL immediate, NG_BOOL quit, int id, void *user)
{
    (void)immediate;
    (void)id;
    struct ng_process *p = user;
    if (p) {
        p->exited = 1;
        if (p->owner) {
            p->owner->cap.failed = 1;
            errtext_add(&p->owner->cap, quit ? "ngspice quit" : "ngspice exited");
        }
    }
    cospin_warn("ngspice requested exit (status %d); this process needs a new worker", status);
    return status;
}

/* Start an operation: fresh capture. */
static int op_begin(struct cospin_engine *eng, struct cospin_error *err)
{
    capture_reset(&eng->cap);
    if (ng_proc.exited)
        return cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                "ngspice has exited in this process; it cannot be restarted");
    return COSPIN_OK;
}

/* End an operation: turn captured error lines into COSPIN_ERR_SIM. */
static int op_end(struct cospin_engine *eng, const char *what, struct cospin_error *err)
{
    struct capture *c = &eng->cap;
    if (!c->failed)
        return COSPIN_OK;
    char msg[sizeof c->errtext + sizeof c->singular + sizeof c->cm_error + 8];
    if (c->cm_error[0])
        snprintf(msg, sizeof msg, "%s", c->cm_error);
    else if (c->singular[0])
        snprintf(msg, sizeof msg, "%s; %s", c->singular, c->errtext);
    else
        snprintf(msg, sizeof msg, "%s", c->errtext[0] ? c->errtext : "ngspice reported an error");
    return cospin_error_set(err, COSPIN_ERR_SIM, c->err_line > 0 ? "netlist" : NULL, c->err_line,
                            "%s: %s", what, msg);
}

/* Run one ngspice command, output captured into the current operation. */
static void ng_command(const char *cmd)
{
    ngSpice_Command((char *)cmd);
}

/* ------------------------------------------------------------------------ */
/* External sources and time synchronisation (streaming)                      */
/* ------------------------------------------------------------------------ */

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a 64-bit offset basis */
    for (; *s; s++) {
        h ^= (unsigned char)tolower((unsigned char)*s);
        h *= 1099511628211ull;             /* FNV-1a 64-bit prime */
    }
    return h;
}

static int name_eq_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* Index of source `name`, or -1. */
static long stream_lookup(struct stream_state *st, const char *name)
{
    /* ngspice asks for the sources in device order on every load: guess the next one. */
    size_t guess = st->last + 1 < st->nsrc ? st->last + 1 : 0;
    if (st->seen_ptr[guess] == name) {
        st->last = guess;
        return (long)guess;
    }
    size_t mask = st->table_size - 1;
    for (size_t h = (size_t)hash_name(name) & mask;; h = (h + 1) & mask) {
        size_t e = st->table[h];
        if (e == 0)
            return -1;
        if (name_eq_ci(st->names[e - 1], name)) {
            st->seen_ptr[e - 1] = name;
            st->seen[e - 1] = 1;
            st->last = e - 1;
            return (long)(e - 1);
        }
    }
}

static void stream_free(struct stream_state *st)
{
    if (st->names)
        for (size_t i = 0; i < st->nsrc; i++)
            free(st->names[i]);
    free(st->names);
    free(st->seen_ptr);
    free(st->seen);
    free(st->table);
    memset(st, 0, sizeof *st);
}

static int stream_setup(struct stream_state *st, const struct cospin_stream_job *job,
                        struct cospin_error *err)
{
    stream_free(st);
    st->nsrc = job->nsrc;
    st->values = job->values;
    st->nvec = job->nvec;
    st->step_s = job->step_s > 0 ? job->step_s : STREAM_DEFAULT_STEP_S;
    st->table_size = 16;
    while (st->table_size < 2 * job->nsrc)
        st->table_size *= 2;
    st->names = calloc(job->nsrc, sizeof *st->names);
    st->seen_ptr = calloc(job->nsrc, sizeof *st->seen_ptr);
    st->seen = calloc(job->nsrc, 1);
    st->table = calloc(st->table_size, sizeof *st->table);
    if (!st->names || !st->seen_ptr || !st->seen || !st->table)
        goto nomem;
    st->last = job->nsrc - 1;
    for (size_t i = 0; i < job->nsrc; i++) {
        const char *nm = job->source_names[i];
        if (!nm || !*nm)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "stream: source %zu has no name", i);
        st->names[i] = strdup(nm);
        if (!st->names[i])
            goto nomem;
        for (char *q = st->names[i]; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        size_t mask = st->table_size - 1, h = (size_t)hash_name(nm) & mask;
        for (; st->table[h]; h = (h + 1) & mask)
            if (strcmp(st->names[st->table[h] - 1], st->names[i]) == 0)
                return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                        "stream: source '%s' is listed twice", nm);
        st->table[h] = i + 1;
    }
    return COSPIN_OK;
nomem:
    return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "stream: out of memory for %zu sources",
                            job->nsrc);
}

/* Vector index whose value a source holds at time t (zero-order hold towards the next grid point). */
static size_t stream_vector_at(const struct stream_state *st, double t_s)
{
    double x = ceil(t_s / st->step_s - STREAM_GRID_RTOL);
    if (!(x > 0))
        return 0;
    if (x >= (double)st->nvec)
        return st->nvec - 1;
    return (size_t)x;
}

static int cb_vsrc(double *value, double t_s, char *name, int id, void *user)
{
    (void)id;
    struct ng_process *p = user;
    struct cospin_engine *eng = p ? p->owner : NULL;
    *value = 0.0;
    if (!eng || !eng->st.active)
        return 0;
    struct stream_state *st = &eng->st;
    st->vsrc_calls++;
    long i = stream_lookup(st, name);
    if (i < 0) {
        if (!st->unknown[0])
            snprintf(st->unknown, sizeof st->unknown, "%s", name);
        return 0;
    }
    *value = st->values[stream_vector_at(st, t_s) * st->nsrc + (size_t)i];
    return 0;
}

static int cb_sync(double ckttime_s, double *pdelta_s, double olddelta_s, int redostep, int id,
                   int loc, void *user)
{
    (void)olddelta_s;
    (void)id;
    (void)loc;
    struct ng_process *p = user;
    struct cospin_engine *eng = p ? p->owner : NULL;
    if (!eng || !eng->st.active)
        return 0;
    struct stream_state *st = &eng->st;
    st->sync_calls++;
    double next_s = (floor(ckttime_s / st->step_s + STREAM_GRID_RTOL) + 1.0) * st->step_s;
    double d = next_s - ckttime_s;
    /* After a rejected step keep ngspice's smaller delta; otherwise land on the grid. */
    if (!redostep || *pdelta_s > d)
        *pdelta_s = d;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The in-process engine                                                       */
/* ------------------------------------------------------------------------ */

static int cm_already_loaded(const char *path)
{
    for (size_t i = 0; i < ng_proc.n_cm_loaded; i++)
        if (strcmp(ng_proc.cm_loaded[i], path) == 0)
            return 1;
    return 0;
}

static int load_codemodel(struct cospin_engine *eng, const char *path, struct cospin_error *err)
{
    if (cm_already_loaded(path))
        return COSPIN_OK;
    if (strpbrk(path, " \t\"'"))
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                "code-model path contains a blank or quote, which ngspice cannot load");
    int rc = op_begin(eng, err);
    if (rc)
        return rc;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "codemodel %s", path);
    ng_command(cmd);
    if (eng->cap.failed) {
        /* ngspice's own reason is on the stdout "Error opening code model" line. */
        return cospin_error_set(err, COSPIN_ERR_SIM, path, 0, "cannot load the code models: %s",
                                eng->cap.errtext);
    }
    char **l = realloc(ng_proc.cm_loaded, (ng_proc.n_cm_loaded + 1) * sizeof *l);
    if (!l)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    ng_proc.cm_loaded = l;
    l[ng_proc.n_cm_loaded] = strdup(path);
    if (l[ng_proc.n_cm_loaded])
        ng_proc.n_cm_loaded++;
    return COSPIN_OK;
}

int cospin_engine_new(const struct cospin_engine_opts *opts, struct cospin_engine **out,
                      struct cospin_error *err)
{
    if (!out)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "engine_new: out is NULL");
    *out = NULL;
    if (ng_proc.owner)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "an ngspice engine already exists in this process (libngspice is "
                                "one instance per process; use a worker pool for more)");
    if (ng_proc.exited)
        return cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                "ngspice has exited in this process; it cannot be restarted");
    struct cospin_engine *eng = calloc(1, sizeof *eng);
    if (!eng)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    if (opts)
        eng->opts = *opts;
    const char *cm = eng->opts.codemodel_path ? eng->opts.codemodel_path : cospin_path_cm();
    eng->cm_path = strdup(cm ? cm : "");
    eng->opts.codemodel_path = NULL;   /* not owned; eng->cm_path is the copy */
    if (!eng->cm_path) {
        free(eng);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    ng_proc.owner = eng;
    if (!ng_proc.initialised) {
        ngSpice_Init(cb_send_char, cb_send_stat, cb_exit, NULL, NULL, NULL, &ng_proc);
        int ident = 0;
        ngSpice_Init_Sync(cb_vsrc, NULL, cb_sync, &ident, &ng_proc);
        ng_proc.initialised = 1;
    }
    if (!eng->opts.no_codemodels) {
        int rc = load_codemodel(eng, eng->cm_path, err);
        if (rc) {
            cospin_engine_free(eng);
            return rc;
        }
    }
    *out = eng;
    return COSPIN_OK;
}

void cospin_engine_clear(struct cospin_engine *eng)
{
    if (!eng || ng_proc.exited)
        return;
    capture_reset(&eng->cap);
    eng->st.active = 0;
    if (eng->have_circuit)
        ng_command("remcirc");
    ng_command("destroy all");
    eng->have_circuit = 0;
    capture_reset(&eng->cap);
}

void cospin_engine_free(struct cospin_engine *eng)
{
    if (!eng)
        return;
    cospin_engine_clear(eng);
    stream_free(&eng->st);
    free(eng->cap.text);
    free(eng->cm_path);
    if (ng_proc.owner == eng)
        ng_proc.owner = NULL;
    free(eng);
}

const char *cospin_engine_output(const struct cospin_engine *eng)
{
    return eng && eng->cap.text ? eng->cap.text : "";
}

/* Split netlist text into a NULL-terminated line array ngSpice_Circ accepts. */
static int split_netlist(const char *netlist, char ***lines_out, char **buf_out, struct cospin_error *err)
{
    size_t n = strlen(netlist);
    char *buf = malloc(n + 8);
    if (!buf)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    memcpy(buf, netlist, n + 1);
    size_t nlines = 2;
    for (size_t i = 0; i < n; i++)
        nlines += buf[i] == '\n';
    char **lines = malloc((nlines + 2) * sizeof *lines);
    if (!lines) {
        free(buf);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    size_t k = 0;
    int has_end = 0, has_content = 0;
    for (char *p = buf; p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        size_t len = strlen(p);
        if (len && p[len - 1] == '\r')
            p[len - 1] = '\0';
        const char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (k > 0 && *q && *q != '*')
            has_content = 1;
        if (starts_with_ci(q, ".end") && (q[4] == '\0' || isspace((unsigned char)q[4])))
            has_end = 1;
        lines[k++] = p;
        p = nl ? nl + 1 : NULL;
    }
    if (!has_content) {
        free(lines);
        free(buf);
        return cospin_error_set(err, COSPIN_ERR_PARSE, NULL, 0,
                                "netlist has no element lines (the first line is the title)");
    }
    if (!has_end)
        lines[k++] = (char *)".end";
    lines[k] = NULL;
    *lines_out = lines;
    *buf_out = buf;
    return COSPIN_OK;
}

int cospin_engine_load(struct cospin_engine *eng, const char *netlist, struct cospin_error *err)
{
    if (!eng || !netlist)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "engine_load: NULL argument");
    cospin_engine_clear(eng);
    char **lines = NULL, *buf = NULL;
    int rc = split_netlist(netlist, &lines, &buf, err);
    if (rc)
        return rc;
    rc = op_begin(eng, err);
    if (rc == COSPIN_OK) {
        eng->cap.source = netlist;   /* lines it quotes in errors are checked against it */
        ngSpice_Circ(lines);
        eng->cap.source = NULL;
        eng->have_circuit = 1;
        rc = op_end(eng, "loading the netlist", err);
    }
    free(lines);
    free(buf);
    if (rc) {
        struct capture keep = eng->cap;   /* keep the failing output for cospin_engine_output */
        eng->cap.text = NULL;
        eng->cap.cap = 0;
        cospin_engine_clear(eng);
        free(eng->cap.text);
        eng->cap = keep;
    }
    return rc;
}

int cospin_engine_command(struct cospin_engine *eng, const char *command, struct cospin_error *err)
{
    if (!eng || !command)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "engine_command: NULL argument");
    const char *c = command;
    while (isspace((unsigned char)*c))
        c++;
    if (starts_with_ci(c, "quit") || starts_with_ci(c, "exit") || starts_with_ci(c, "bg_"))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "command '%s' is not allowed (it would end or detach the ngspice instance)",
                                command);
    int rc = op_begin(eng, err);
    if (rc)
        return rc;
    ng_command(command);
    char what[96];
    snprintf(what, sizeof what, "'%.80s'", command);
    return op_end(eng, what, err);
}

/* "v(x)" -> "x", "i(v1)" -> "v1#branch", lower case.  Returns 0 or -1 if it does not fit. */
static int normalise_vector_name(const char *name, char *out, size_t n)
{
    size_t len = strlen(name);
    const char *inner = name;
    size_t ilen = len;
    const char *suffix = "";
    if (len > 3 && name[len - 1] == ')' && name[1] == '(' &&
        (tolower((unsigned char)name[0]) == 'v' || tolower((unsigned char)name[0]) == 'i') &&
        !memchr(name, ',', len)) {
        inner = name + 2;
        ilen = len - 3;
        if (tolower((unsigned char)name[0]) == 'i')
            suffix = "#branch";
    }
    if (ilen + strlen(suffix) + 1 > n)
        return -1;
    for (size_t i = 0; i < ilen; i++)
        out[i] = (char)tolower((unsigned char)inner[i]);
    strcpy(out + ilen, suffix);
    return 0;
}

/* ngspice's vector, or NULL with an error set. */
static pvector_info get_vector(const char *name, struct cospin_error *err)
{
    char nm[256];
    if (normalise_vector_name(name, nm, sizeof nm) != 0) {
        cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "vector name too long: %.60s...", name);
        return NULL;
    }
    pvector_info v = ngGet_Vec_Info(nm);
    if (!v || v->v_length <= 0 || (!v->v_realdata && !v->v_compdata)) {
        const char *plot = ngSpice_CurPlot();
        cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                         "no vector '%s' in plot '%s' (wrong name, or the analysis failed)", name,
                         plot ? plot : "(none)");
        return NULL;
    }
    return v;
}

static double vector_value(pvector_info v, size_t i)
{
    return v->v_realdata ? v->v_realdata[i] : v->v_compdata[i].cx_real;
}

int cospin_engine_vector(struct cospin_engine *eng, const char *name, double **out, size_t *n,
                         struct cospin_error *err)
{
    if (!eng || !name || !out || !n)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "engine_vector: NULL argument");
    *out = NULL;
    *n = 0;
    int rc = op_begin(eng, err);
    if (rc)
        return rc;
    pvector_info v = get_vector(name, err);
    if (!v)
        return err ? err->code : COSPIN_ERR_SIM;
    size_t len = (size_t)v->v_length;
    double *d = malloc(len * sizeof *d);
    if (!d)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory for %zu values", len);
    /* ngspice owns its vectors (and reuses them): copy. */
    for (size_t i = 0; i < len; i++)
        d[i] = vector_value(v, i);
    *out = d;
    *n = len;
    return COSPIN_OK;
}

void cospin_sim_result_clear(struct cospin_sim_result *res)
{
    if (!res)
        return;
    if (res->data)
        for (size_t i = 0; i < res->nvec; i++)
            free(res->data[i]);
    free(res->data);
    free(res->len);
    memset(res, 0, sizeof *res);
}

size_t cospin_engine_count_list(const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

int cospin_engine_run_job(struct cospin_engine *eng, const struct cospin_sim_job *job,
                          struct cospin_sim_result *res)
{
    if (!res)
        return COSPIN_ERR_INVALID;
    memset(res, 0, sizeof *res);
    struct cospin_error *err = &res->error;
    if (!eng || !job || !job->netlist) {
        res->status = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "run_job: NULL argument");
        return res->status;
    }
    size_t nv = cospin_engine_count_list(job->vectors);
    int rc = cospin_engine_load(eng, job->netlist, err);
    for (size_t i = 0; rc == COSPIN_OK && job->commands && job->commands[i]; i++)
        rc = cospin_engine_command(eng, job->commands[i], err);
    if (rc == COSPIN_OK && nv > 0) {
        res->data = calloc(nv, sizeof *res->data);
        res->len = calloc(nv, sizeof *res->len);
        if (!res->data || !res->len)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        else
            res->nvec = nv;
        for (size_t i = 0; rc == COSPIN_OK && i < nv; i++)
            rc = cospin_engine_vector(eng, job->vectors[i], &res->data[i], &res->len[i], err);
    }
    cospin_engine_clear(eng);
    if (rc) {
        struct cospin_error keep = res->error;
        cospin_sim_result_clear(res);
        res->error = keep;
    }
    res->status = rc;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Streaming in process                                                        */
/* ------------------------------------------------------------------------ */

int cospin_engine_stream_check(const struct cospin_stream_job *job, const double *results,
                               struct cospin_error *err)
{
    if (!job || !results || !job->values || !job->source_names || !job->outputs)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "stream: NULL argument");
    if (job->nsrc == 0 || job->nvec == 0 || job->nout == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "stream: need at least one source, vector and output (%zu, %zu, %zu)",
                                job->nsrc, job->nvec, job->nout);
    if (!(job->step_s >= 0) || !isfinite(job->step_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "stream: step_s = %g s is invalid",
                                job->step_s);
    for (size_t j = 0; j < job->nout; j++)
        if (!job->outputs[j] || !*job->outputs[j] || strlen(job->outputs[j]) > 200)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "stream: output %zu has a bad name", j);
    return COSPIN_OK;
}

/* Longest "save" command issued at once: ngspice truncates long command lines
   (a save of 400 outputs, ~4.4 kB, lost its tail), and save lists add up. */
#define SAVE_COMMAND_MAX 800

/*
 * The "save <outputs>" commands for a stream job, as lines separated by '\n',
 * each at most SAVE_COMMAND_MAX bytes.  NULL if out of memory; free() it.
 */
static char *save_commands(const struct cospin_stream_job *job)
{
    size_t n = 16;
    for (size_t j = 0; j < job->nout; j++)
        n += strlen(job->outputs[j]) + 24;
    char *cmd = malloc(n);
    if (!cmd)
        return NULL;
    size_t used = (size_t)snprintf(cmd, n, "save"), line_start = 0;
    for (size_t j = 0; j < job->nout; j++) {
        char nm[256], item[280];
        normalise_vector_name(job->outputs[j], nm, sizeof nm);
        char *h = strstr(nm, "#branch");
        if (h) {
            *h = '\0';
            snprintf(item, sizeof item, " i(%s)", nm);
        } else {
            snprintf(item, sizeof item, " v(%s)", nm);
        }
        if (used - line_start + strlen(item) > SAVE_COMMAND_MAX) {
            line_start = used + 1;
            used += (size_t)snprintf(cmd + used, n - used, "\nsave");
        }
        used += (size_t)snprintf(cmd + used, n - used, "%s", item);
    }
    return cmd;
}

/* Issue the save commands of a stream job and run its transient, one time
   point per vector.  what (size whatn) receives a description for errors. */
static int stream_run_tran(struct cospin_engine *eng, const struct cospin_stream_job *job,
                           char *what, size_t whatn, struct cospin_error *err)
{
    struct stream_state *st = &eng->st;
    char *save = save_commands(job);
    if (!save)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = op_begin(eng, err);
    if (rc) {
        free(save);
        return rc;
    }
    /* Only the requested outputs are stored: the plot is the costly part of a point. */
    ng_command("destroy all");
    ng_command("delete all");
    for (char *line = save, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        ng_command(line);
    }
    snprintf(what, whatn, "streaming transient (%.120s)", save);
    free(save);
    double tstop_s = st->step_s * (double)(st->nvec > 1 ? st->nvec - 1 : 1);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "tran %.17g %.17g 0 %.17g", st->step_s, tstop_s, st->step_s);
    st->active = 1;
    ng_command(cmd);
    st->active = 0;
    return COSPIN_OK;
}

/* After the transient: the conditions under which its points cannot be trusted. */
static int stream_check_after(const struct stream_state *st, struct cospin_error *err)
{
    if (ng_proc.interp_mode)
        /* ngspice 39.3 sets a static `interpolated` flag in outitf.c when a circuit has
           `.options interp` and never clears it: stored points are then interpolated
           onto the tstep grid, which shifts vectors against their inputs. */
        return cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                "stream: ngspice stores interpolated points (`.options interp` in "
                                "this or an earlier netlist of this process, which ngspice 39.3 "
                                "never switches off); stream without it, in a fresh process or a "
                                "worker pool");
    for (size_t i = 0; i < st->nsrc; i++)
        if (!st->seen[i])
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "stream: source '%s' is not an external source of the circuit "
                                    "(write it as `%s node 0 external`)",
                                    st->names[i], st->names[i]);
    if (st->unknown[0])
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "stream: the circuit has external source '%s' that is not in the "
                                "source list",
                                st->unknown);
    return COSPIN_OK;
}

/* Copy the outputs at the grid points k * step_s into results (nvec x nout). */
static int stream_copy(struct cospin_engine *eng, const struct cospin_stream_job *job,
                       double *results, struct cospin_error *err)
{
    const struct stream_state *st = &eng->st;
    pvector_info tv = get_vector("time", err);
    if (!tv)
        return err ? err->code : COSPIN_ERR_SIM;
    size_t np = (size_t)tv->v_length;
    eng->stats.time_points = np;
    size_t *idx = malloc(st->nvec * sizeof *idx);
    if (!idx)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    /* Map vector k to the stored point at k * step_s (points are increasing in time). */
    int rc = COSPIN_OK;
    size_t p = 0;
    for (size_t k = 0; k < st->nvec && rc == COSPIN_OK; k++) {
        double want = (double)k * st->step_s, tol = STREAM_GRID_RTOL * st->step_s;
        while (p < np && vector_value(tv, p) < want - tol)
            p++;
        if (p >= np || fabs(vector_value(tv, p) - want) > tol)
            rc = cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                  "stream: no time point for vector %zu at t = %g s (the analysis "
                                  "stopped early or did not land on the grid)",
                                  k, want);
        else
            idx[k] = p;
    }
    for (size_t j = 0; j < job->nout && rc == COSPIN_OK; j++) {
        pvector_info v = get_vector(job->outputs[j], err);
        if (!v) {
            rc = err ? err->code : COSPIN_ERR_SIM;
            break;
        }
        if ((size_t)v->v_length < np) {
            rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                  "stream: vector '%s' has %d points, time %zu", job->outputs[j],
                                  v->v_length, np);
            break;
        }
        for (size_t k = 0; k < st->nvec; k++)
            results[k * job->nout + j] = vector_value(v, idx[k]);
    }
    free(idx);
    return rc;
}

int cospin_engine_stream_job(struct cospin_engine *eng, const struct cospin_stream_job *job,
                             double *results, struct cospin_error *err)
{
    if (!eng)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "stream: NULL engine");
    int rc = cospin_engine_stream_check(job, results, err);
    if (rc)
        return rc;
    memset(&eng->stats, 0, sizeof eng->stats);
    double t0 = cospin_now_s();
    if (job->netlist) {
        rc = cospin_engine_load(eng, job->netlist, err);
        if (rc)
            return rc;
    } else if (!eng->have_circuit) {
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "stream: netlist is NULL but no circuit is loaded");
    }
    double t1 = cospin_now_s();
    eng->stats.load_s = t1 - t0;
    rc = stream_setup(&eng->st, job, err);
    if (rc)
        return rc;
    char what[160];
    rc = stream_run_tran(eng, job, what, sizeof what, err);
    if (rc)
        return rc;
    double t2 = cospin_now_s();
    eng->stats.run_s = t2 - t1;
    eng->stats.vsrc_calls = eng->st.vsrc_calls;
    eng->stats.sync_calls = eng->st.sync_calls;
    rc = op_end(eng, what, err);
    if (!rc)
        rc = stream_check_after(&eng->st, err);
    if (!rc)
        rc = stream_copy(eng, job, results, err);
    /* Free the tran plot, keep the circuit for the next stream. */
    ng_command("destroy all");
    eng->stats.copy_s = cospin_now_s() - t2;
    return rc;
}

int cospin_engine_stream(struct cospin_engine *eng, const char *netlist,
                         const char *const *source_names, size_t nsrc, const double *values,
                         size_t nvec, const char *const *outputs, size_t nout, double *results,
                         struct cospin_error *err)
{
    struct cospin_stream_job job = {
        .netlist = netlist, .source_names = source_names, .nsrc = nsrc, .values = values,
        .nvec = nvec, .outputs = outputs, .nout = nout, .step_s = 0.0,
    };
    return cospin_engine_stream_job(eng, &job, results, err);
}

void cospin_engine_stream_stats(const struct cospin_engine *eng, struct cospin_stream_stats *st)
{
    if (!st)
        return;
    if (eng)
        *st = eng->stats;
    else
        memset(st, 0, sizeof *st);
}

/* ------------------------------------------------------------------------ */
/* Hooks for the pool (engine_private.h)                                      */
/* ------------------------------------------------------------------------ */

void cospin_engine_forget_parent(void)
{
    ng_proc.owner = NULL;
}

int cospin_engine_ngspice_initialised(void)
{
    return ng_proc.initialised;
}
