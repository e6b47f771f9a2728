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
 * Worker pool.  Workers are forked processes, each with its own ngspice.
 * Parent and worker talk over a socketpair with length-prefixed messages
 * (struct msg_header + payload); the parent writes with MSG_NOSIGNAL so a
 * dead worker gives EPIPE instead of SIGPIPE.  A worker that dies while
 * running a job turns that job into COSPIN_ERR_CRASH and is restarted.
 */
#include <config.h>

#include <stdbool.h>   /* before sharedspice.h: NG_BOOL is bool */

#include <ngspice/sharedspice.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_PREFIX "engine"
#include "cm_common.h"
#include "engine.h"
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
/* pool_stream: chunks per worker, and the smallest chunk worth a message (vectors). */
#define STREAM_CHUNKS_PER_WORKER 4
#define STREAM_MIN_CHUNK 64
/* Upper bound on a pool message (bytes): catches corrupt length prefixes. */
#define MSG_MAX_BYTES ((uint64_t)1 << 34)

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
        return;
    }
    if (starts_with_ci(s, "error")) {
        c->failed = 1;
        errtext_add(c, s);
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
        ngSpice_Circ(lines);
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

static size_t count_list(const char *const *list)
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
    size_t nv = count_list(job->vectors);
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

static int stream_check_args(const struct cospin_stream_job *job, const double *results,
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

int cospin_engine_stream_job(struct cospin_engine *eng, const struct cospin_stream_job *job,
                             double *results, struct cospin_error *err)
{
    if (!eng)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "stream: NULL engine");
    int rc = stream_check_args(job, results, err);
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
    struct stream_state *st = &eng->st;
    char *save = save_commands(job);
    if (!save)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    rc = op_begin(eng, err);
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
    char what[160];
    snprintf(what, sizeof what, "streaming transient (%.120s)", save);
    free(save);
    double tstop_s = st->step_s * (double)(st->nvec > 1 ? st->nvec - 1 : 1);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "tran %.17g %.17g 0 %.17g", st->step_s, tstop_s, st->step_s);
    st->active = 1;
    ng_command(cmd);
    st->active = 0;
    double t2 = cospin_now_s();
    eng->stats.run_s = t2 - t1;
    eng->stats.vsrc_calls = st->vsrc_calls;
    eng->stats.sync_calls = st->sync_calls;
    rc = op_end(eng, what, err);
    if (rc)
        goto out;
    if (ng_proc.interp_mode) {
        /* ngspice 39.3 sets a static `interpolated` flag in outitf.c when a circuit has
           `.options interp` and never clears it: stored points are then interpolated
           onto the tstep grid, which shifts vectors against their inputs. */
        rc = cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                              "stream: ngspice stores interpolated points (`.options interp` in this or an "
                              "earlier netlist of this process, which ngspice 39.3 never switches off); "
                              "stream without it, in a fresh process or a worker pool");
        goto out;
    }
    for (size_t i = 0; i < st->nsrc; i++)
        if (!st->seen[i]) {
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                  "stream: source '%s' is not an external source of the circuit "
                                  "(write it as `%s node 0 external`)",
                                  st->names[i], st->names[i]);
            goto out;
        }
    if (st->unknown[0]) {
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                              "stream: the circuit has external source '%s' that is not in the source list",
                              st->unknown);
        goto out;
    }
    pvector_info tv = get_vector("time", err);
    if (!tv) {
        rc = err ? err->code : COSPIN_ERR_SIM;
        goto out;
    }
    size_t np = (size_t)tv->v_length;
    eng->stats.time_points = np;
    size_t *idx = malloc(st->nvec * sizeof *idx);
    if (!idx) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    /* Map vector k to the stored point at k * step_s (points are increasing in time). */
    size_t p = 0;
    for (size_t k = 0; k < st->nvec && rc == COSPIN_OK; k++) {
        double want = (double)k * st->step_s, tol = STREAM_GRID_RTOL * st->step_s;
        while (p < np && vector_value(tv, p) < want - tol)
            p++;
        if (p >= np || fabs(vector_value(tv, p) - want) > tol)
            rc = cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                  "stream: no time point for vector %zu at t = %g s (the analysis stopped "
                                  "early or did not land on the grid)",
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
            rc = cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "stream: vector '%s' has %d points, time %zu",
                                  job->outputs[j], v->v_length, np);
            break;
        }
        for (size_t k = 0; k < st->nvec; k++)
            results[k * job->nout + j] = vector_value(v, idx[k]);
    }
    free(idx);
out:
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
/* Pool messages                                                               */
/* ------------------------------------------------------------------------ */

enum msg_kind { MSG_SIM_JOB = 1, MSG_STREAM_JOB = 2, MSG_SIM_RESULT = 3, MSG_STREAM_RESULT = 4 };

#define MSG_MAGIC 0x4e505343u   /* "CSPN" */

struct msg_header {
    uint32_t magic;
    uint32_t kind;
    uint64_t len;   /* payload bytes that follow */
};

struct wbuf {
    unsigned char *p;
    size_t len, cap;
    int oom;
};

static void wb_put(struct wbuf *b, const void *d, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->len + n)
            nc *= 2;
        unsigned char *q = realloc(b->p, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void wb_u64(struct wbuf *b, uint64_t v)
{
    wb_put(b, &v, sizeof v);
}

static void wb_i64(struct wbuf *b, int64_t v)
{
    wb_put(b, &v, sizeof v);
}

static void wb_str(struct wbuf *b, const char *s)
{
    if (!s) {
        wb_u64(b, UINT64_MAX);
        return;
    }
    size_t n = strlen(s);
    wb_u64(b, n);
    wb_put(b, s, n);
}

static void wb_doubles(struct wbuf *b, const double *d, size_t n)
{
    wb_u64(b, n);
    wb_put(b, d, n * sizeof *d);
}

struct rbuf {
    const unsigned char *p;
    size_t len, pos;
    int bad;
};

static int rb_get(struct rbuf *b, void *d, size_t n)
{
    if (b->bad || n > b->len - b->pos) {
        b->bad = 1;
        memset(d, 0, n);
        return -1;
    }
    memcpy(d, b->p + b->pos, n);
    b->pos += n;
    return 0;
}

static uint64_t rb_u64(struct rbuf *b)
{
    uint64_t v = 0;
    rb_get(b, &v, sizeof v);
    return v;
}

static int64_t rb_i64(struct rbuf *b)
{
    int64_t v = 0;
    rb_get(b, &v, sizeof v);
    return v;
}

/* A string inside the buffer, copied (NULL for a NULL string or on error). */
static char *rb_str(struct rbuf *b)
{
    uint64_t n = rb_u64(b);
    if (n == UINT64_MAX || b->bad)
        return NULL;
    if (n > b->len - b->pos) {
        b->bad = 1;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        b->bad = 1;
        return NULL;
    }
    memcpy(s, b->p + b->pos, (size_t)n);
    s[n] = '\0';
    b->pos += (size_t)n;
    return s;
}

/* Doubles inside the buffer, copied into a new array of *n. */
static double *rb_doubles(struct rbuf *b, size_t *n)
{
    uint64_t cnt = rb_u64(b);
    *n = 0;
    if (b->bad || cnt > (b->len - b->pos) / sizeof(double)) {
        b->bad = 1;
        return NULL;
    }
    double *d = malloc(cnt ? (size_t)cnt * sizeof *d : 1);
    if (!d) {
        b->bad = 1;
        return NULL;
    }
    memcpy(d, b->p + b->pos, (size_t)cnt * sizeof *d);
    b->pos += (size_t)cnt * sizeof *d;
    *n = (size_t)cnt;
    return d;
}

/* Write all of d; 0 or -1 (errno set; EPIPE if the peer is gone, no SIGPIPE). */
static int write_full(int fd, const void *d, size_t n)
{
    const unsigned char *p = d;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes: 1 done, 0 EOF before any byte... or mid-message, -1 error. */
static int read_full(int fd, void *d, size_t n)
{
    unsigned char *p = d;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return 0;
        got += (size_t)r;
    }
    return 1;
}

static int msg_send(int fd, uint32_t kind, const struct wbuf *b)
{
    struct msg_header h = {.magic = MSG_MAGIC, .kind = kind, .len = b->len};
    if (write_full(fd, &h, sizeof h) != 0)
        return -1;
    return write_full(fd, b->p, b->len);
}

/* Receive one message: 1 ok (*payload malloc'd), 0 EOF/peer gone, -1 protocol error. */
static int msg_recv(int fd, uint32_t *kind, unsigned char **payload, size_t *len)
{
    struct msg_header h;
    *payload = NULL;
    int r = read_full(fd, &h, sizeof h);
    if (r <= 0)
        return r == 0 || errno == ECONNRESET ? 0 : -1;
    if (h.magic != MSG_MAGIC || h.len > MSG_MAX_BYTES)
        return -1;
    unsigned char *p = malloc(h.len ? (size_t)h.len : 1);
    if (!p)
        return -1;
    r = read_full(fd, p, (size_t)h.len);
    if (r <= 0) {
        free(p);
        return r == 0 || errno == ECONNRESET ? 0 : -1;
    }
    *kind = h.kind;
    *payload = p;
    *len = (size_t)h.len;
    return 1;
}

static void wb_error(struct wbuf *b, int status, const struct cospin_error *e)
{
    wb_i64(b, status);
    wb_i64(b, e->code);
    wb_i64(b, e->line);
    wb_str(b, e->file);
    wb_str(b, e->msg);
}

static void rb_error(struct rbuf *b, int *status, struct cospin_error *e)
{
    *status = (int)rb_i64(b);
    memset(e, 0, sizeof *e);
    e->code = (int)rb_i64(b);
    e->line = (int)rb_i64(b);
    char *f = rb_str(b), *m = rb_str(b);
    snprintf(e->file, sizeof e->file, "%s", f ? f : "");
    snprintf(e->msg, sizeof e->msg, "%s", m ? m : "");
    free(f);
    free(m);
}

static void wb_list(struct wbuf *b, const char *const *list, size_t n)
{
    wb_u64(b, n);
    for (size_t i = 0; i < n; i++)
        wb_str(b, list[i]);
}

/* A NULL-terminated list of strings read from b (n entries). */
static char **rb_list(struct rbuf *b, size_t *n_out)
{
    uint64_t n = rb_u64(b);
    *n_out = 0;
    if (b->bad || n > b->len - b->pos)
        return NULL;
    char **l = calloc((size_t)n + 1, sizeof *l);
    if (!l)
        return NULL;
    for (size_t i = 0; i < n; i++)
        l[i] = rb_str(b);
    *n_out = (size_t)n;
    return l;
}

static void free_list(char **l, size_t n)
{
    if (!l)
        return;
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

/* ------------------------------------------------------------------------ */
/* Worker process                                                              */
/* ------------------------------------------------------------------------ */

static void worker_sim(struct cospin_engine *eng, struct rbuf *rb, struct wbuf *out)
{
    size_t nc = 0, nv = 0;
    char *netlist = rb_str(rb);
    char **cmds = rb_list(rb, &nc);
    char **vecs = rb_list(rb, &nv);
    struct cospin_sim_result res;
    memset(&res, 0, sizeof res);
    if (rb->bad || !netlist) {
        res.status = cospin_error_set(&res.error, COSPIN_ERR_INTERNAL, NULL, 0, "worker: malformed job");
    } else {
        struct cospin_sim_job job = {.netlist = netlist, .commands = (const char *const *)cmds,
                                     .vectors = (const char *const *)vecs};
        cospin_engine_run_job(eng, &job, &res);
    }
    wb_error(out, res.status, &res.error);
    wb_u64(out, res.nvec);
    for (size_t i = 0; i < res.nvec; i++)
        wb_doubles(out, res.data[i], res.len[i]);
    cospin_sim_result_clear(&res);
    free(netlist);
    free_list(cmds, nc);
    free_list(vecs, nv);
}

/*
 * A stream job in a worker.  *loaded is the netlist the worker's engine still
 * holds from its previous stream job (or NULL): the same text again is not
 * re-parsed (inference over many chunks of one circuit pays the load once).
 */
static void worker_stream(struct cospin_engine *eng, struct rbuf *rb, struct wbuf *out, char **loaded)
{
    size_t nsrc = 0, nout = 0, nval = 0;
    struct cospin_error e;
    memset(&e, 0, sizeof e);
    char *netlist = rb_str(rb);
    double step_s = 0;
    rb_get(rb, &step_s, sizeof step_s);
    uint64_t nvec = rb_u64(rb);
    char **src = rb_list(rb, &nsrc);
    char **outs = rb_list(rb, &nout);
    double *values = rb_doubles(rb, &nval);
    double *results = NULL;
    int status;
    if (rb->bad || !netlist || !src || !outs || !values || nval != nvec * nsrc) {
        status = cospin_error_set(&e, COSPIN_ERR_INTERNAL, NULL, 0, "worker: malformed stream job");
    } else if (!(results = malloc(((size_t)nvec * nout + 1) * sizeof *results))) {
        status = cospin_error_set(&e, COSPIN_ERR_NOMEM, NULL, 0, "worker: out of memory");
    } else {
        int same = *loaded && strcmp(*loaded, netlist) == 0;
        struct cospin_stream_job job = {
            .netlist = same ? NULL : netlist, .source_names = (const char *const *)src, .nsrc = nsrc,
            .values = values, .nvec = (size_t)nvec, .outputs = (const char *const *)outs,
            .nout = nout, .step_s = step_s,
        };
        free(*loaded);
        *loaded = NULL;
        status = cospin_engine_stream_job(eng, &job, results, &e);
        if (status == COSPIN_OK) {
            *loaded = netlist;   /* the circuit stays loaded for the next chunk */
            netlist = NULL;
        } else {
            cospin_engine_clear(eng);
        }
    }
    wb_error(out, status, &e);
    wb_doubles(out, results, status == COSPIN_OK ? (size_t)nvec * nout : 0);
    free(results);
    free(values);
    free(netlist);
    free_list(src, nsrc);
    free_list(outs, nout);
}

/* The worker's main loop: never returns. */
static void worker_main(int fd, const char *cm_path, int no_codemodels, pid_t parent)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);   /* the parent decides what an interrupt means */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    /* An engine inherited from the parent belongs to the parent: the worker makes its own.
       If the parent had initialised ngspice, the worker reuses that (copied) instance, whose
       code models are loaded already; a circuit the parent had loaded stays as an unused
       copy in the worker's memory. */
    ng_proc.owner = NULL;
    struct cospin_engine_opts o;
    memset(&o, 0, sizeof o);
    o.codemodel_path = cm_path;
    o.no_codemodels = no_codemodels;
    struct cospin_engine *eng = NULL;
    struct cospin_error e;
    memset(&e, 0, sizeof e);
    int init_rc = cospin_engine_new(&o, &eng, &e);
    char *loaded = NULL;   /* netlist of the circuit kept loaded after a stream job */
    for (;;) {
        uint32_t kind;
        unsigned char *payload;
        size_t len;
        int r = msg_recv(fd, &kind, &payload, &len);
        if (r <= 0)
            _exit(r == 0 ? 0 : 3);
        struct rbuf rb = {.p = payload, .len = len};
        struct wbuf out;
        memset(&out, 0, sizeof out);
        uint32_t rkind = kind == MSG_STREAM_JOB ? MSG_STREAM_RESULT : MSG_SIM_RESULT;
        if (init_rc != COSPIN_OK) {
            wb_error(&out, init_rc, &e);
            wb_u64(&out, 0);
        } else if (kind == MSG_SIM_JOB) {
            free(loaded);   /* run_job replaces the circuit */
            loaded = NULL;
            worker_sim(eng, &rb, &out);
        } else if (kind == MSG_STREAM_JOB) {
            worker_stream(eng, &rb, &out, &loaded);
        } else {
            _exit(4);
        }
        free(payload);
        if (out.oom || msg_send(fd, rkind, &out) != 0)
            _exit(5);
        free(out.p);
    }
}

/* ------------------------------------------------------------------------ */
/* Pool                                                                        */
/* ------------------------------------------------------------------------ */

struct pool_worker {
    pid_t pid;      /* -1: not running */
    int fd;         /* parent's end of the socketpair, -1 if none */
    long task;      /* task index running, -1 idle */
};

struct cospin_pool {
    char *cm_path;
    int no_codemodels;
    int n;
    struct pool_worker *w;
};

/* One unit of work inside pool_dispatch. */
struct pool_task {
    uint32_t kind;                        /* MSG_SIM_JOB or MSG_STREAM_JOB */
    const struct cospin_sim_job *sim;
    struct cospin_stream_job stream;
    double *stream_out;                   /* nvec x nout for a stream task */
    struct cospin_sim_result *res;        /* result (status + error; sim data) */
    int attempts;                         /* sends that found the worker already dead */
};

static int wait_pid(pid_t pid, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, 0);
        if (r >= 0 || errno != EINTR)
            return r < 0 ? -1 : 0;
    }
}

static void worker_stop(struct pool_worker *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (w->pid > 0) {
        kill(w->pid, SIGKILL);
        int st;
        wait_pid(w->pid, &st);
    }
    w->pid = -1;
    w->task = -1;
}

static int worker_start(struct cospin_pool *pool, int i, struct cospin_error *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "socketpair: %s", strerror(errno));
    pid_t parent = getpid();
    fflush(NULL);   /* no duplicated stdio buffers in the child */
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        for (int j = 0; j < pool->n; j++)
            if (pool->w[j].fd >= 0)
                close(pool->w[j].fd);
        worker_main(sv[1], pool->cm_path, pool->no_codemodels, parent);
    }
    close(sv[1]);
    pool->w[i].pid = pid;
    pool->w[i].fd = sv[0];
    pool->w[i].task = -1;
    return COSPIN_OK;
}

int cospin_pool_new(const struct cospin_engine_opts *opts, int nworkers, struct cospin_pool **out,
                    struct cospin_error *err)
{
    if (!out)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_new: out is NULL");
    *out = NULL;
    if (ng_proc.initialised)
        cospin_dbg("pool: forking after ngSpice_Init; workers reuse the inherited ngspice instance");
    if (nworkers < 0 || nworkers > 1024)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_new: %d workers is invalid", nworkers);
    if (nworkers == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nworkers = n > 0 ? (int)n : 1;
    }
    struct cospin_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    const char *cm = opts && opts->codemodel_path ? opts->codemodel_path : cospin_path_cm();
    pool->cm_path = strdup(cm ? cm : "");
    pool->no_codemodels = opts ? opts->no_codemodels : 0;
    pool->w = calloc((size_t)nworkers, sizeof *pool->w);
    if (!pool->cm_path || !pool->w) {
        free(pool->cm_path);
        free(pool->w);
        free(pool);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    pool->n = nworkers;
    for (int i = 0; i < nworkers; i++) {
        pool->w[i].pid = -1;
        pool->w[i].fd = -1;
        pool->w[i].task = -1;
    }
    if (!pool->no_codemodels && access(pool->cm_path, R_OK) != 0) {
        int rc = cospin_error_set(err, COSPIN_ERR_SIM, pool->cm_path, 0,
                                  "cannot load the code models: %s", strerror(errno));
        cospin_pool_free(pool);
        return rc;
    }
    for (int i = 0; i < nworkers; i++) {
        int rc = worker_start(pool, i, err);
        if (rc) {
            cospin_pool_free(pool);
            return rc;
        }
    }
    *out = pool;
    return COSPIN_OK;
}

void cospin_pool_free(struct cospin_pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->n; i++)
        worker_stop(&pool->w[i]);
    free(pool->w);
    free(pool->cm_path);
    free(pool);
}

int cospin_pool_size(const struct cospin_pool *pool)
{
    return pool ? pool->n : 0;
}

int cospin_pool_worker_pid(const struct cospin_pool *pool, int i)
{
    if (!pool || i < 0 || i >= pool->n)
        return -1;
    return (int)pool->w[i].pid;
}

static int task_encode(const struct pool_task *t, struct wbuf *b)
{
    if (t->kind == MSG_SIM_JOB) {
        wb_str(b, t->sim->netlist);
        wb_list(b, t->sim->commands, count_list(t->sim->commands));
        wb_list(b, t->sim->vectors, count_list(t->sim->vectors));
    } else {
        const struct cospin_stream_job *j = &t->stream;
        wb_str(b, j->netlist);
        wb_put(b, &j->step_s, sizeof j->step_s);
        wb_u64(b, j->nvec);
        wb_list(b, j->source_names, j->nsrc);
        wb_list(b, j->outputs, j->nout);
        wb_doubles(b, j->values, j->nvec * j->nsrc);
    }
    return b->oom ? -1 : 0;
}

static void task_decode(struct pool_task *t, const unsigned char *p, size_t len)
{
    struct rbuf rb = {.p = p, .len = len};
    struct cospin_sim_result *res = t->res;
    int status;
    rb_error(&rb, &status, &res->error);
    res->status = status;
    if (t->kind == MSG_SIM_JOB) {
        uint64_t nv = rb_u64(&rb);
        if (!rb.bad && nv > 0 && nv <= len) {
            res->data = calloc((size_t)nv, sizeof *res->data);
            res->len = calloc((size_t)nv, sizeof *res->len);
            if (res->data && res->len) {
                res->nvec = (size_t)nv;
                for (size_t i = 0; i < nv; i++)
                    res->data[i] = rb_doubles(&rb, &res->len[i]);
            } else {
                rb.bad = 1;
            }
        }
    } else {
        size_t n = 0;
        double *d = rb_doubles(&rb, &n);
        if (status == COSPIN_OK && !rb.bad && n == t->stream.nvec * t->stream.nout)
            memcpy(t->stream_out, d, n * sizeof *d);
        else if (status == COSPIN_OK)
            rb.bad = 1;
        free(d);
    }
    if (rb.bad) {
        cospin_sim_result_clear(res);
        res->status = cospin_error_set(&res->error, COSPIN_ERR_INTERNAL, NULL, 0,
                                       "pool: malformed result message");
    }
}

/* A worker died: reap it, describe how, restart it.  Returns the restart status. */
static int worker_died(struct cospin_pool *pool, int i, char *how, size_t hown, struct cospin_error *err)
{
    struct pool_worker *w = &pool->w[i];
    int st = 0;
    pid_t pid = w->pid;
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    if (pid > 0 && wait_pid(pid, &st) == 0) {
        if (WIFSIGNALED(st))
            snprintf(how, hown, "worker %d (pid %d) was killed by signal %d (%s)", i, (int)pid,
                     WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            snprintf(how, hown, "worker %d (pid %d) exited with status %d", i, (int)pid,
                     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    } else {
        snprintf(how, hown, "worker %d (pid %d) vanished", i, (int)pid);
    }
    w->pid = -1;
    w->task = -1;
    cospin_warn("%s; restarting it", how);
    return worker_start(pool, i, err);
}

/* Run all tasks across the workers (the scheduler of pool_run and pool_stream). */
static int pool_dispatch(struct cospin_pool *pool, struct pool_task *tasks, size_t ntasks,
                         struct cospin_error *err)
{
    size_t next = 0, done = 0;
    long *queue = malloc((ntasks + 1) * sizeof *queue);   /* tasks to resend after a dead-on-send worker */
    struct pollfd *pfd = malloc((size_t)pool->n * sizeof *pfd);
    int *pidx = malloc((size_t)pool->n * sizeof *pidx);
    if (!queue || !pfd || !pidx) {
        free(queue);
        free(pfd);
        free(pidx);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    size_t nq = 0;
    int rc = COSPIN_OK;
    while (done < ntasks) {
        /* Hand out work to idle workers. */
        for (int i = 0; i < pool->n && rc == COSPIN_OK; i++) {
            struct pool_worker *w = &pool->w[i];
            if (w->pid <= 0 || w->task >= 0)
                continue;
            long t;
            if (nq > 0)
                t = queue[--nq];
            else if (next < ntasks)
                t = (long)next++;
            else
                break;
            struct wbuf b;
            memset(&b, 0, sizeof b);
            if (task_encode(&tasks[t], &b) != 0) {
                free(b.p);
                rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory encoding a job");
                break;
            }
            int sr = msg_send(w->fd, tasks[t].kind, &b);
            free(b.p);
            if (sr == 0) {
                w->task = t;
                continue;
            }
            /* The worker was already gone: not this job's fault; retry it once on the new worker. */
            char how[200];
            int rs = worker_died(pool, i, how, sizeof how, err);
            if (++tasks[t].attempts >= 2 || rs != COSPIN_OK) {
                tasks[t].res->status = cospin_error_set(&tasks[t].res->error, COSPIN_ERR_CRASH, NULL, 0,
                                                        "job %ld: %s", t, how);
                done++;
            } else {
                queue[nq++] = t;
            }
            if (rs != COSPIN_OK)
                rc = rs;
            i--;   /* try the restarted worker again */
        }
        if (rc != COSPIN_OK || done >= ntasks)
            break;
        int np = 0;
        for (int i = 0; i < pool->n; i++)
            if (pool->w[i].task >= 0) {
                pfd[np].fd = pool->w[i].fd;
                pfd[np].events = POLLIN;
                pfd[np].revents = 0;
                pidx[np++] = i;
            }
        if (np == 0) {
            rc = cospin_error_set(err, COSPIN_ERR_CRASH, NULL, 0, "pool: no worker is running");
            break;
        }
        int pr = poll(pfd, (nfds_t)np, -1);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            rc = cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "poll: %s", strerror(errno));
            break;
        }
        for (int k = 0; k < np; k++) {
            if (!pfd[k].revents)
                continue;
            int i = pidx[k];
            struct pool_worker *w = &pool->w[i];
            long t = w->task;
            uint32_t kind = 0;
            unsigned char *payload = NULL;
            size_t len = 0;
            int r = msg_recv(w->fd, &kind, &payload, &len);
            if (r == 1) {
                task_decode(&tasks[t], payload, len);
                free(payload);
                w->task = -1;
                done++;
                continue;
            }
            free(payload);
            /* EOF or garbage: the worker died while running task t. */
            char how[200];
            int rs = worker_died(pool, i, how, sizeof how, err);
            tasks[t].res->status = cospin_error_set(&tasks[t].res->error, COSPIN_ERR_CRASH, NULL, 0,
                                                    "job %ld crashed ngspice: %s", t, how);
            done++;
            if (rs != COSPIN_OK) {
                rc = rs;
                break;
            }
        }
    }
    /* On a pool failure, unfinished tasks get that error; busy workers are restarted clean. */
    if (rc != COSPIN_OK) {
        for (int i = 0; i < pool->n; i++)
            if (pool->w[i].task >= 0) {
                worker_stop(&pool->w[i]);
                worker_start(pool, i, NULL);
            }
        for (size_t t = 0; t < ntasks; t++)
            if (tasks[t].res->status == COSPIN_OK && tasks[t].res->error.code == 0 && (long)t >= (long)next)
                tasks[t].res->status = cospin_error_set(&tasks[t].res->error, rc, NULL, 0, "not run: pool failure");
    }
    free(queue);
    free(pfd);
    free(pidx);
    return rc;
}

int cospin_pool_run(struct cospin_pool *pool, const struct cospin_sim_job *jobs, size_t njobs,
                    struct cospin_sim_result *res, struct cospin_error *err)
{
    if (!pool || (njobs > 0 && (!jobs || !res)))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_run: NULL argument");
    if (njobs == 0)
        return COSPIN_OK;
    struct pool_task *tasks = calloc(njobs, sizeof *tasks);
    if (!tasks)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < njobs; i++) {
        memset(&res[i], 0, sizeof res[i]);
        tasks[i].kind = MSG_SIM_JOB;
        tasks[i].sim = &jobs[i];
        tasks[i].res = &res[i];
        if (!jobs[i].netlist) {
            free(tasks);
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_run: job %zu has no netlist", i);
        }
    }
    int rc = pool_dispatch(pool, tasks, njobs, err);
    free(tasks);
    return rc;
}

int cospin_pool_stream(struct cospin_pool *pool, const struct cospin_stream_job *job,
                       double *results, struct cospin_error *err)
{
    if (!pool)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "pool_stream: NULL pool");
    int rc = stream_check_args(job, results, err);
    if (rc)
        return rc;
    if (!job->netlist)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "pool_stream: the netlist must be given (workers have their own circuits)");
    /* A few chunks per worker balance uneven progress (a shared machine); a worker
       keeps the circuit loaded between its chunks, so extra chunks cost no parsing.
       Chunks stay >= STREAM_MIN_CHUNK vectors so the per-message cost stays small. */
    size_t nchunk = (size_t)pool->n * STREAM_CHUNKS_PER_WORKER;
    if (nchunk > job->nvec / STREAM_MIN_CHUNK)
        nchunk = job->nvec / STREAM_MIN_CHUNK;
    if (nchunk < (size_t)pool->n)
        nchunk = (size_t)pool->n < job->nvec ? (size_t)pool->n : job->nvec;
    struct pool_task *tasks = calloc(nchunk, sizeof *tasks);
    struct cospin_sim_result *res = calloc(nchunk, sizeof *res);
    if (!tasks || !res) {
        free(tasks);
        free(res);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    size_t start = 0;
    for (size_t c = 0; c < nchunk; c++) {
        size_t cnt = job->nvec / nchunk + (c < job->nvec % nchunk);
        tasks[c].kind = MSG_STREAM_JOB;
        tasks[c].stream = *job;
        tasks[c].stream.values = job->values + start * job->nsrc;
        tasks[c].stream.nvec = cnt;
        tasks[c].stream_out = results + start * job->nout;
        tasks[c].res = &res[c];
        start += cnt;
    }
    rc = pool_dispatch(pool, tasks, nchunk, err);
    for (size_t c = 0; c < nchunk && rc == COSPIN_OK; c++)
        if (res[c].status != COSPIN_OK) {
            rc = res[c].status;
            if (err && err->code == 0)
                *err = res[c].error;
        }
    for (size_t c = 0; c < nchunk; c++)
        cospin_sim_result_clear(&res[c]);
    free(tasks);
    free(res);
    return rc;
}
