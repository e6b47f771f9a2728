/*
 * output.c -- output files written through a temporary and renamed into place
 * (see output.h for the rules).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "output.h"

/* Temporary-name attempts before giving up (each collides with probability ~1e-11). */
#define OUTPUT_TMP_TRIES 100

/* A 64-bit mix (splitmix64's finaliser) of the time, the process, the
   output's address and the attempt: the temporary's suffix. */
static uint64_t tmp_suffix_bits(const struct cospin_output *o, unsigned attempt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                 ((uint64_t)getpid() << 17) ^ (uint64_t)(uintptr_t)o ^
                 ((uint64_t)attempt * UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/*
 * Create o->tmp_path (ending in "XXXXXX") exclusively with mode 0666, so
 * that the kernel applies the umask: mkstemp would create 0600 and the
 * mode could only be widened by reading the umask, which means setting it.
 */
static int create_tmp(struct cospin_output *o)
{
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char *x = o->tmp_path + strlen(o->tmp_path) - 6;
    for (unsigned attempt = 0; attempt < OUTPUT_TMP_TRIES; attempt++) {
        uint64_t v = tmp_suffix_bits(o, attempt);
        for (int i = 0; i < 6; i++, v /= 62)
            x[i] = alphabet[v % 62];
        int fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

int cospin_output_open_flags(struct cospin_output *o, const char *dir, const char *name,
                             unsigned flags, struct cospin_error *err)
{
    memset(o, 0, sizeof *o);
    o->flags = flags;
    if (!dir || !*dir)
        dir = ".";
    if (!name || !*name || strchr(name, '/'))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "bad output file name '%s' (no directories allowed)",
                                name ? name : "");
    int w1 = snprintf(o->final_path, sizeof o->final_path, "%s/%s", dir, name);
    int w2 = snprintf(o->tmp_path, sizeof o->tmp_path, "%s/.%s.XXXXXX", dir, name);
    if (w1 < 0 || w2 < 0 || (size_t)w1 >= sizeof o->final_path
        || (size_t)w2 >= sizeof o->tmp_path) {
        o->tmp_path[0] = '\0';
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "output path too long: %s/%s",
                                dir, name);
    }
    int fd = create_tmp(o);
    if (fd < 0) {
        o->tmp_path[0] = '\0';
        return cospin_error_set(err, COSPIN_ERR_IO, o->final_path, 0, "cannot create: %s",
                                strerror(errno));
    }
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        int e = errno;
        close(fd);
        unlink(o->tmp_path);
        o->tmp_path[0] = '\0';
        return cospin_error_set(err, COSPIN_ERR_IO, o->final_path, 0, "cannot write: %s",
                                strerror(e));
    }
    return COSPIN_OK;
}

int cospin_output_open(struct cospin_output *o, const char *dir, const char *name,
                       struct cospin_error *err)
{
    return cospin_output_open_flags(o, dir, name, 0, err);
}

int cospin_output_open_path(struct cospin_output *o, const char *path, unsigned flags,
                            struct cospin_error *err)
{
    memset(o, 0, sizeof *o);
    if (!path || !*path)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no output path");
    const char *slash = strrchr(path, '/');
    if (!slash)
        return cospin_output_open_flags(o, ".", path, flags, err);
    char dir[COSPIN_OUTPUT_PATH_MAX];
    size_t len = (size_t)(slash - path);
    if (len >= sizeof dir)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "output path too long: %s",
                                path);
    memcpy(dir, path, len);
    dir[len] = '\0';
    /* "/name" is in the root directory. */
    return cospin_output_open_flags(o, len ? dir : "/", slash + 1, flags, err);
}

int cospin_output_commit(struct cospin_output *o, struct cospin_error *err)
{
    if (!o->fp)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, o->final_path, 0,
                                "output file was not open");
    int bad = ferror(o->fp);
    int e = bad ? (errno ? errno : EIO) : 0;
    if (!bad && (o->flags & COSPIN_OUTPUT_FSYNC) &&
        (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0)) {
        bad = 1;
        e = errno;
    }
    if (fclose(o->fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->fp = NULL;
    if (bad) {
        unlink(o->tmp_path);
        o->tmp_path[0] = '\0';
        return cospin_error_set(err, COSPIN_ERR_IO, o->final_path, 0, "write failed: %s",
                                strerror(e));
    }
    if (rename(o->tmp_path, o->final_path) != 0) {
        e = errno;
        unlink(o->tmp_path);
        o->tmp_path[0] = '\0';
        return cospin_error_set(err, COSPIN_ERR_IO, o->final_path, 0, "cannot rename into place: %s",
                                strerror(e));
    }
    o->tmp_path[0] = '\0';
    return COSPIN_OK;
}

void cospin_output_abort(struct cospin_output *o)
{
    if (!o)
        return;
    if (o->fp) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->tmp_path[0]) {
        unlink(o->tmp_path);
        o->tmp_path[0] = '\0';
    }
}

int cospin_output_mkdir(const char *dir, int *created, struct cospin_error *err)
{
    if (created)
        *created = 0;
    if (!dir || !*dir)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "empty output directory name");
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "exists and is not a directory");
        return COSPIN_OK;
    }
    char path[1024];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "directory name too long");
    /* Create each missing parent in turn. */
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            *p = '/';
            return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "cannot create directory: %s",
                                    strerror(e));
        }
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "cannot create directory: %s",
                                strerror(errno));
    if (created)
        *created = 1;
    return COSPIN_OK;
}
