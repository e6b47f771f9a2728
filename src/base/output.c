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

#define LOG_PREFIX "output"
#include "error.h"
#include "log.h"
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

/* Attempts to take a lock file that a releasing run removes meanwhile. */
#define DIR_LOCK_TRIES 20

/* The pid holding fd's lock (F_GETLK), or 0 if none holds it any more. */
static long lock_holder(int fd)
{
    struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_GETLK, &q) != 0 || q.l_type == F_UNLCK)
        return 0;
    return (long)q.l_pid;
}

/* Whether fd is still the file at path (a run that releases its lock removes
   the file; a lock taken on the removed file would guard nothing). */
static int still_linked(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

/*
 * One attempt at d->lock_path: 1 locked (d->fd set), 0 try again,
 * negative an error (in err).
 */
static int dir_lock_try(struct cospin_output_dir *d, struct cospin_error *err)
{
    int fd = open(d->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return cospin_error_set(err, COSPIN_ERR_IO, d->dir, 0, "cannot create the lock file %s: %s",
                                COSPIN_OUTPUT_LOCK_NAME, strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        long pid = (e == EACCES || e == EAGAIN) ? lock_holder(fd) : 0;
        close(fd);
        if (e == EACCES || e == EAGAIN)
            return pid ? cospin_error_set(err, COSPIN_ERR_IO, d->dir, 0,
                                          "in use by another cospin run (pid %ld): wait for it "
                                          "to end or choose another output directory", pid)
                       : 0;
        cospin_warn("%s: cannot lock (%s): running without protection against a second run "
                    "into the same directory", d->dir, strerror(e));
        fd = open(d->lock_path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
            return cospin_error_set(err, COSPIN_ERR_IO, d->dir, 0, "cannot open %s: %s",
                                    COSPIN_OUTPUT_LOCK_NAME, strerror(errno));
    } else if (!still_linked(fd, d->lock_path)) {
        close(fd);
        return 0;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n)
        cospin_dbg("%s: could not record the pid in %s", d->dir, COSPIN_OUTPUT_LOCK_NAME);
    d->fd = fd;
    return 1;
}

int cospin_output_dir_lock(struct cospin_output_dir *d, const char *dir, struct cospin_error *err)
{
    memset(d, 0, sizeof *d);
    d->fd = -1;
    if (!dir || !*dir)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "empty output directory name");
    int w1 = snprintf(d->dir, sizeof d->dir, "%s", dir);
    int w2 = snprintf(d->lock_path, sizeof d->lock_path, "%s/%s", dir, COSPIN_OUTPUT_LOCK_NAME);
    if (w1 < 0 || w2 < 0 || (size_t)w2 >= sizeof d->lock_path)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "output path too long: %s", dir);
    int rc = cospin_output_mkdir(dir, &d->created, err);
    for (int i = 0; rc == 0 && i < DIR_LOCK_TRIES; i++) {
        int r = dir_lock_try(d, err);
        if (r == 1)
            return COSPIN_OK;
        rc = r;
    }
    if (rc == 0)
        rc = cospin_error_set(err, COSPIN_ERR_IO, d->dir, 0,
                              "cannot lock: the lock file keeps being replaced");
    if (d->created)
        rmdir(d->dir);
    d->created = 0;
    return rc;
}

void cospin_output_dir_unlock(struct cospin_output_dir *d, int failed)
{
    if (!d || d->fd < 0)
        return;
    /* Remove the file while still holding the lock: a run that opened it
       meanwhile finds it unlinked (still_linked) and starts over. */
    unlink(d->lock_path);
    close(d->fd);
    d->fd = -1;
    if (failed && d->created)
        rmdir(d->dir);
    d->created = 0;
}
