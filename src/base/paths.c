/*
 * paths.c -- locate cospin.cm, the datasets and shipped data files at run
 * time (the search order is in paths.h).
 */
#define _GNU_SOURCE /* dladdr */

#include <config.h>

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "installdirs.h"
#include "paths.h"

/*
 * Where this process runs from, found once: the program and libcospin do not
 * move while it runs, so this is the one write-once piece of state here.
 */
struct whereabouts {
    char exe_dir[PATH_MAX];     /* directory of the running program, "" if unknown */
    char lib_dir[PATH_MAX];     /* directory of the shared libcospin, "" if linked into the program */
    char build_top[PATH_MAX];   /* top of the build tree we run from, "" if installed */
    char build_src[PATH_MAX];   /* its source tree */
    char cm[PATH_MAX];          /* the cospin.cm found (paths.h order without $COSPIN_CM) */
};
static struct whereabouts where;
static pthread_once_t where_once = PTHREAD_ONCE_INIT;

static int readable(const char *p)
{
    return access(p, R_OK) == 0;
}

/* dst = dirname(path) (size n); "" when path has no slash. */
static void dir_of(const char *path, char *dst, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        dst[0] = '\0';
        return;
    }
    size_t len = (size_t)(slash - path);
    snprintf(dst, n, "%.*s", (int)(len ? len : 1), path);
}

/* Next path component of *p (skipping "" and "."); its length, 0 at the end. */
static size_t next_component(const char **p, const char **start)
{
    for (;;) {
        while (**p == '/')
            (*p)++;
        *start = *p;
        while (**p && **p != '/')
            (*p)++;
        size_t len = (size_t)(*p - *start);
        if (len != 1 || **start != '.')
            return len;
    }
}

int cospin_path_relative(const char *from, const char *to, char *buf, size_t n)
{
    if (!from || !to || from[0] != '/' || to[0] != '/' || strstr(from, "..") || strstr(to, ".."))
        return -1;
    const char *f = from, *t = to, *fs, *ts;
    size_t fl = next_component(&f, &fs), tl = next_component(&t, &ts);
    while (fl && tl && fl == tl && memcmp(fs, ts, fl) == 0) {
        fl = next_component(&f, &fs);
        tl = next_component(&t, &ts);
    }
    size_t len = 0;
    buf[0] = '\0';
    for (; fl; fl = next_component(&f, &fs)) {
        int w = snprintf(buf + len, n - len, "%s..", len ? "/" : "");
        if (w < 0 || (size_t)w >= n - len)
            return -1;
        len += (size_t)w;
    }
    for (; tl; tl = next_component(&t, &ts)) {
        int w = snprintf(buf + len, n - len, "%s%.*s", len ? "/" : "", (int)tl, ts);
        if (w < 0 || (size_t)w >= n - len)
            return -1;
        len += (size_t)w;
    }
    if (len == 0 && snprintf(buf, n, ".") >= (int)n)
        return -1;
    return 0;
}

/* If top (a directory) holds the build-tree mark, record it and its source tree. */
static int try_build_top(const char *top)
{
    char mark[PATH_MAX + 32];
    snprintf(mark, sizeof mark, "%s/%s", top, COSPIN_BUILD_TREE_MARK);
    FILE *f = fopen(mark, "r");
    if (!f)
        return 0;
    char line[PATH_MAX + 7]; /* "srcdir=" and a path */
    snprintf(where.build_src, sizeof where.build_src, "%s", top);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "srcdir=", 7) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(where.build_src, sizeof where.build_src, "%s", line + 7);
        }
    }
    fclose(f);
    snprintf(where.build_top, sizeof where.build_top, "%s", top);
    return 1;
}

/* Programs of the build tree live in its src/, tests/ and bench/ (the shared
   libcospin in src/.libs/): if dir is one of those, try the top above it. */
static void find_build_tree(const char *dir)
{
    static const char *const homes[] = {"src", "tests", "bench"};
    if (!dir[0] || where.build_top[0])
        return;
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", dir);
    const char *base = strrchr(d, '/');
    if (base && strcmp(base, "/.libs") == 0) {
        dir_of(dir, d, sizeof d);
        base = strrchr(d, '/');
    }
    if (!base || base == d)
        return;
    for (size_t i = 0; i < sizeof homes / sizeof homes[0]; i++) {
        if (strcmp(base + 1, homes[i]) == 0) {
            char top[PATH_MAX];
            dir_of(d, top, sizeof top);
            try_build_top(top);
            return;
        }
    }
}

/*
 * The installed file `name` in directory `dir` (configured, e.g. pkglibdir),
 * looked for relative to the program (anchored at bindir) and to libcospin
 * (anchored at libdir).  Writes the first readable candidate into buf and
 * returns 1, else returns 0.
 */
static int find_installed(const char *dir, const char *name, char *buf, size_t n)
{
    const struct {
        const char *at;        /* where we are */
        const char *anchor;    /* the configured directory that corresponds to it */
    } from[] = {{where.lib_dir, COSPIN_INSTALL_LIBDIR}, {where.exe_dir, COSPIN_INSTALL_BINDIR}};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        char rel[PATH_MAX];
        if (!from[i].at[0] || cospin_path_relative(from[i].anchor, dir, rel, sizeof rel) != 0)
            continue;
        char cand[PATH_MAX + 16];
        int w = snprintf(cand, sizeof cand, "%s/%s/%s", from[i].at, rel, name);
        if (w <= 0 || (size_t)w >= sizeof cand || !readable(cand))
            continue;
        /* Without the "bin/../", so that messages show a plain path. */
        char real[PATH_MAX];
        if (!realpath(cand, real) || snprintf(buf, n, "%s", real) >= (int)n)
            snprintf(buf, n, "%s", cand);
        return 1;
    }
    return 0;
}

static void locate(void)
{
    char path[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", path, sizeof path - 1);
    if (len > 0) {
        path[len] = '\0';
        dir_of(path, where.exe_dir, sizeof where.exe_dir);
    }
    /* libcospin's own file, when it is a shared library rather than part of the program. */
    Dl_info info;
    char real[PATH_MAX];
    if (dladdr((void *)&cospin_path_cm, &info) && info.dli_fname && strchr(info.dli_fname, '/') &&
        realpath(info.dli_fname, real)) {
        char dir[PATH_MAX];
        dir_of(real, dir, sizeof dir);
        if (len <= 0 || strcmp(real, path) != 0)
            snprintf(where.lib_dir, sizeof where.lib_dir, "%s", dir);
    }
    find_build_tree(where.lib_dir);
    find_build_tree(where.exe_dir);
    if (where.build_top[0]) {
        int w = snprintf(where.cm, sizeof where.cm, "%s/models/.libs/cospin.cm", where.build_top);
        if (w > 0 && (size_t)w < sizeof where.cm && readable(where.cm))
            return;
    }
    if (!find_installed(COSPIN_INSTALL_PKGLIBDIR, "cospin.cm", where.cm, sizeof where.cm))
        snprintf(where.cm, sizeof where.cm, "%s/cospin.cm", COSPIN_INSTALL_PKGLIBDIR);
}

const char *cospin_path_cm(void)
{
    const char *env = getenv("COSPIN_CM");
    if (env && *env)
        return env;
    pthread_once(&where_once, locate);
    return where.cm;
}

const char *cospin_path_data_dir(void)
{
    const char *env = getenv("COSPIN_DATA");
    return env && *env ? env : COSPIN_DATA_DIR;
}

const char *cospin_path_fashion_dir(void)
{
    const char *env = getenv("COSPIN_FASHION");
    return env && *env ? env : COSPIN_FASHION_DIR;
}

char *cospin_path_data_file(const char *name, char *buf, unsigned long n)
{
    pthread_once(&where_once, locate);
    if (where.build_top[0]) {
        int w = snprintf(buf, n, "%s/src/config/%s", where.build_src, name);
        if (w > 0 && (unsigned long)w < n && readable(buf))
            return buf;
    }
    if (!find_installed(COSPIN_INSTALL_PKGDATADIR, name, buf, n))
        snprintf(buf, n, "%s/%s", COSPIN_INSTALL_PKGDATADIR, name);
    return buf;
}
