/*
 * netlist_regress.c -- netlist regressions: every tests/netlists/NAME.ref names a
 * netlist (NAME.cir next to it, or `netlist: PATH` relative to the source root)
 * and what it must produce.  This program runs each netlist through libngspice
 * via the engine and compares; tests/netlist-cli.sh runs the same netlists
 * through the `ngspice -b` command line and compares with the same references
 * (using the --cli-* modes below).
 *
 * Reference format (one item per line, '#' starts a comment):
 *   netlist: PATH            netlist relative to the source root (default NAME.cir)
 *   scale: NAME              the scale vector ("time", "v-sweep")
 *   check VEC X EXPECT TOL   VEC at scale value X (linear interpolation between
 *                            stored points) equals EXPECT within TOL (absolute)
 *   error: TEXT              the netlist must fail, and the message contain TEXT
 *
 * Usage:
 *   netlist_regress [NAME.ref ...]          engine run (default: all in tests/netlists)
 *   netlist_regress --cli-vectors NAME.ref  print "SCALE VEC..." for wrdata (or "error")
 *   netlist_regress --cli-netlist NAME.ref  print the netlist path
 *   netlist_regress --cli-check NAME.ref DATA LOG
 *                                           compare wrdata output DATA (or, for an
 *                                           error reference, the ngspice log LOG)
 */
#include <config.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define MAX_CHECKS 64
#define MAX_LINE 1024

struct check {
    char vec[64];
    double x, expect, tol;
};

struct ref {
    char path[1024];       /* the .ref file */
    char netlist[2100];    /* resolved netlist path */
    char scale[64];
    char error[256];
    struct check checks[MAX_CHECKS];
    int nchecks;
};

static const char *srcroot(void)
{
    static char root[1024];
    if (!root[0]) {
        snprintf(root, sizeof root, "%s", COSPIN_TEST_SRCDIR);
        char *slash = strrchr(root, '/');
        if (slash)
            *slash = '\0';
    }
    return root;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Parse a .ref file; returns 0 or prints "file:line: problem" and returns -1. */
static int ref_read(const char *path, struct ref *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->path, sizeof r->path, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    char line[MAX_LINE];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        if (strncmp(s, "netlist:", 8) == 0) {
            snprintf(r->netlist, sizeof r->netlist, "%s/%s", srcroot(), trim(s + 8));
        } else if (strncmp(s, "scale:", 6) == 0) {
            snprintf(r->scale, sizeof r->scale, "%s", trim(s + 6));
        } else if (strncmp(s, "error:", 6) == 0) {
            snprintf(r->error, sizeof r->error, "%s", trim(s + 6));
        } else if (strncmp(s, "check ", 6) == 0 && r->nchecks < MAX_CHECKS) {
            struct check *c = &r->checks[r->nchecks];
            if (sscanf(s + 6, "%63s %lf %lf %lf", c->vec, &c->x, &c->expect, &c->tol) != 4 || !(c->tol > 0)) {
                fprintf(stderr, "%s:%d: expected 'check VEC X EXPECT TOL' with TOL > 0\n", path, ln);
                fclose(f);
                return -1;
            }
            r->nchecks++;
        } else {
            fprintf(stderr, "%s:%d: unknown line '%s'\n", path, ln, s);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    if (!r->netlist[0]) {
        snprintf(r->netlist, sizeof r->netlist, "%s", path);
        char *dot = strrchr(r->netlist, '.');
        if (dot)
            strcpy(dot, ".cir");
    }
    if (!r->error[0] && (r->nchecks == 0 || !r->scale[0])) {
        fprintf(stderr, "%s: needs 'scale:' and at least one 'check' (or 'error:')\n", path);
        return -1;
    }
    return 0;
}

/* Linear interpolation of y(x) on an increasing scale; NAN outside it. */
static double interp(const double *xs, const double *ys, size_t n, double x)
{
    double span = n > 1 ? fabs(xs[n - 1] - xs[0]) : 0.0, eps = 1e-9 * span;
    for (size_t i = 0; i < n; i++) {
        if (fabs(xs[i] - x) <= eps)
            return ys[i];
        if (i + 1 < n && xs[i] < x && x < xs[i + 1])
            return ys[i] + (ys[i + 1] - ys[i]) * (x - xs[i]) / (xs[i + 1] - xs[i]);
    }
    return NAN;
}

static int compare(const struct ref *r, const char *how, const double *scale, size_t n,
                   double *const *vals, const char *const *names, size_t nnames)
{
    int fails = 0;
    for (int k = 0; k < r->nchecks; k++) {
        const struct check *c = &r->checks[k];
        const double *y = NULL;
        for (size_t j = 0; j < nnames; j++)
            if (strcmp(names[j], c->vec) == 0)
                y = vals[j];
        double got = y ? interp(scale, y, n, c->x) : NAN;
        int ok = fabs(got - c->expect) <= c->tol;
        printf("%s %s [%s] %s(%s = %g) = %.12g, expected %.12g +- %g\n", ok ? "ok  " : "FAIL", r->path, how,
               c->vec, r->scale, c->x, got, c->expect, c->tol);
        fails += !ok;
    }
    return fails;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* Commands that only print or write: the engine run skips them. */
static int output_command(const char *c)
{
    static const char *const skip[] = {"print", "wrdata", "write", "plot", "echo", "quit", "exit", "meas"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (strncmp(c, skip[i], strlen(skip[i])) == 0)
            return 1;
    return 0;
}

/* One reference through the engine: 0 pass, else the number of failures. */
static int run_engine(struct cospin_engine *eng, const struct ref *r)
{
    char *text = read_file(r->netlist);
    if (!text) {
        printf("FAIL %s: cannot read %s\n", r->path, r->netlist);
        return 1;
    }
    /* Split: the circuit goes to ngSpice_Circ, the .control lines are run one by one. */
    size_t n = strlen(text);
    char *circ = malloc(n + 1), *cmds = malloc(n + 1);
    size_t nc = 0, nk = 0;
    int in_control = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *s = trim(line);
        if (strncmp(s, ".control", 8) == 0) {
            in_control = 1;
            continue;
        }
        if (strncmp(s, ".endc", 5) == 0) {
            in_control = 0;
            continue;
        }
        char *dst = in_control ? cmds : circ;
        size_t *len = in_control ? &nk : &nc;
        if (in_control && (!*s || *s == '*' || output_command(s)))
            continue;
        memcpy(dst + *len, s, strlen(s));
        *len += strlen(s);
        dst[(*len)++] = '\n';
    }
    circ[nc] = '\0';
    cmds[nk] = '\0';
    struct cospin_error err = {0};
    int rc = cospin_engine_load(eng, circ, &err);
    for (char *c = strtok(cmds, "\n"); c && rc == 0; c = strtok(NULL, "\n"))
        rc = cospin_engine_command(eng, c, &err);
    int fails = 0;
    if (r->error[0]) {
        int ok = rc != 0 && strstr(err.msg, r->error) != NULL;
        printf("%s %s [engine] expected error '%s', got: %s\n", ok ? "ok  " : "FAIL", r->path, r->error,
               rc ? err.msg : "(no error)");
        fails = !ok;
    } else if (rc != 0) {
        printf("FAIL %s [engine] %s\n", r->path, err.msg);
        fails = 1;
    } else {
        double *scale = NULL;
        size_t ns = 0;
        double *vals[MAX_CHECKS] = {0};
        const char *names[MAX_CHECKS];
        size_t nn = 0;
        rc = cospin_engine_vector(eng, r->scale, &scale, &ns, &err);
        for (int k = 0; k < r->nchecks && rc == 0; k++) {
            size_t len = 0;
            names[nn] = r->checks[k].vec;
            rc = cospin_engine_vector(eng, r->checks[k].vec, &vals[nn], &len, &err);
            if (rc == 0 && len != ns) {
                printf("FAIL %s [engine] %s has %zu points, scale %zu\n", r->path, names[nn], len, ns);
                fails++;
            }
            nn++;
        }
        if (rc)
            printf("FAIL %s [engine] %s\n", r->path, err.msg);
        else
            fails += compare(r, "engine", scale, ns, vals, names, nn);
        fails += rc != 0;
        free(scale);
        for (size_t j = 0; j < nn; j++)
            free(vals[j]);
    }
    cospin_engine_clear(eng);
    free(text);
    free(circ);
    free(cmds);
    return fails;
}

/* Compare wrdata output (wr_singlescale + wr_vecnames: header, then rows). */
static int cli_check(const struct ref *r, const char *data, const char *log)
{
    if (r->error[0]) {
        char *l = read_file(log);
        int ok = l && strstr(l, r->error);
        printf("%s %s [ngspice -b] expected error '%s' in the log\n", ok ? "ok  " : "FAIL", r->path, r->error);
        free(l);
        return !ok;
    }
    FILE *f = fopen(data, "r");
    if (!f) {
        printf("FAIL %s [ngspice -b] no data file %s (see %s)\n", r->path, data, log);
        return 1;
    }
    char line[MAX_LINE * 4];
    char *names[MAX_CHECKS + 1];
    size_t ncol = 0;
    if (fgets(line, sizeof line, f))
        for (char *t = strtok(line, " \t\n"); t && ncol < MAX_CHECKS + 1; t = strtok(NULL, " \t\n"))
            names[ncol++] = strdup(t);
    size_t cap = 1024, n = 0;
    double *cols[MAX_CHECKS + 1];
    for (size_t j = 0; j < ncol; j++)
        cols[j] = malloc(cap * sizeof(double));
    while (fgets(line, sizeof line, f)) {
        if (n == cap) {
            cap *= 2;
            for (size_t j = 0; j < ncol; j++)
                cols[j] = realloc(cols[j], cap * sizeof(double));
        }
        char *p = line;
        size_t j = 0;
        for (; j < ncol; j++) {
            char *end;
            cols[j][n] = strtod(p, &end);
            if (end == p)
                break;
            p = end;
        }
        if (j == ncol)
            n++;
    }
    fclose(f);
    int fails;
    if (ncol < 2 || n == 0) {
        printf("FAIL %s [ngspice -b] data file %s has no rows\n", r->path, data);
        fails = 1;
    } else {
        fails = compare(r, "ngspice -b", cols[0], n, cols + 1, (const char *const *)(names + 1), ncol - 1);
    }
    for (size_t j = 0; j < ncol; j++) {
        free(names[j]);
        free(cols[j]);
    }
    return fails;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct ref r;
    if (argc >= 3 && strncmp(argv[1], "--cli-", 6) == 0) {
        if (ref_read(argv[2], &r))
            return 2;
        if (strcmp(argv[1], "--cli-netlist") == 0) {
            printf("%s\n", r.netlist);
            return 0;
        }
        if (strcmp(argv[1], "--cli-vectors") == 0) {
            if (r.error[0]) {
                printf("error\n");
                return 0;
            }
            printf("%s", r.scale);
            for (int k = 0; k < r.nchecks; k++) {
                int dup = 0;
                for (int j = 0; j < k; j++)
                    dup |= strcmp(r.checks[j].vec, r.checks[k].vec) == 0;
                if (!dup)
                    printf(" %s", r.checks[k].vec);
            }
            printf("\n");
            return 0;
        }
        if (strcmp(argv[1], "--cli-check") == 0 && argc == 5)
            return cli_check(&r, argv[3], argv[4]) ? 1 : 0;
        fprintf(stderr, "usage: see the comment at the top of netlist_regress.c\n");
        return 2;
    }
    /* Engine mode: the given refs, or every .ref in tests/netlists. */
    char **refs = NULL;
    size_t nrefs = 0;
    if (argc > 1) {
        refs = argv + 1;
        nrefs = (size_t)argc - 1;
    } else {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/netlists", COSPIN_TEST_SRCDIR);
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "netlist_regress: cannot open %s\n", dir);
            return 2;
        }
        refs = calloc(256, sizeof *refs);
        for (struct dirent *e; (e = readdir(d)) && nrefs < 256;) {
            size_t l = strlen(e->d_name);
            if (l > 4 && strcmp(e->d_name + l - 4, ".ref") == 0) {
                refs[nrefs] = malloc(strlen(dir) + l + 2);
                sprintf(refs[nrefs++], "%s/%s", dir, e->d_name);
            }
        }
        closedir(d);
        qsort(refs, nrefs, sizeof *refs, cmp_str);
    }
    if (nrefs == 0) {
        fprintf(stderr, "netlist_regress: no references found\n");
        return 2;
    }
    struct cospin_engine *eng = NULL;
    struct cospin_error err = {0};
    if (cospin_engine_new(NULL, &eng, &err)) {
        fprintf(stderr, "netlist_regress: %s\n", err.msg);
        return 1;
    }
    int fails = 0;
    for (size_t i = 0; i < nrefs; i++) {
        if (ref_read(refs[i], &r)) {
            fails++;
            continue;
        }
        fails += run_engine(eng, &r);
    }
    cospin_engine_free(eng);
    if (argc <= 1) {
        for (size_t i = 0; i < nrefs; i++)
            free(refs[i]);
        free(refs);
    }
    printf("netlist_regress: %zu netlists, %d failed checks\n", nrefs, fails);
    return fails ? 1 : 0;
}
