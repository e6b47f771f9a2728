/*
 * dist_dir.c -- a directory's files from one MPI rank to another, and the
 * private scratch directory of a rank (dist.h).  Built on dist.c's
 * messages; without MPI never called (it takes a second rank).
 *
 * The transfer is a sequence of messages with the caller's tag: per file a
 * head (FILE, 0, path length, size), the path relative to the
 * directory, the contents in chunks of at most DIR_CHUNK bytes; then END
 * with the sender's status, followed by its error when that is nonzero.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dist.h"
#include "error.h"
#include "output.h"

enum { DIR_FILE = 1, DIR_END = 2 };
#define DIR_HEAD 4                     /* kind, status, path length, size */
#define DIR_CHUNK ((size_t)16 << 20)   /* bytes per message: well inside MPI's int counts */

/* The whole of path into a new buffer *data (caller frees), its size in *size. */
static int read_file(const char *path, char **data, size_t *size, struct cospin_error *err)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot read: %s", strerror(errno));
    int rc = COSPIN_OK;
    long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0)
        rc = cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot read: %s", strerror(errno));
    if (!rc && !(*data = malloc((size_t)len + 1)))
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    if (!rc && fread(*data, 1, (size_t)len, f) != (size_t)len)
        rc = cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot read: short read");
    fclose(f);
    if (rc) {
        free(*data);
        *data = NULL;
    }
    *size = rc ? 0 : (size_t)len;
    return rc;
}

static void send_or_abort(int rc)
{
    if (rc)
        cospin_dist_abort("sending a directory failed (%s)", cospin_strerror(rc));
}

static int send_file(const char *root, const char *rel, int dest, int tag,
                     struct cospin_error *err)
{
    char path[COSPIN_OUTPUT_PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path)
        return cospin_error_set(err, COSPIN_ERR_IO, root, 0, "path too long: %s", rel);
    char *data = NULL;
    size_t size = 0;
    int rc = read_file(path, &data, &size, err);
    if (rc)
        return rc;
    long head[DIR_HEAD] = {DIR_FILE, 0, (long)strlen(rel) + 1, (long)size};
    send_or_abort(cospin_dist_send_longs(head, DIR_HEAD, dest, tag));
    send_or_abort(cospin_dist_send_bytes(rel, strlen(rel) + 1, dest, tag));
    for (size_t off = 0; off < size; off += DIR_CHUNK)
        send_or_abort(cospin_dist_send_bytes(data + off, size - off < DIR_CHUNK ? size - off
                                                                                : DIR_CHUNK,
                                             dest, tag));
    free(data);
    return COSPIN_OK;
}

/* Every regular file under root/rel ("" for root itself), depth first.
   Names starting with '.' are skipped: output.h's temporaries. */
static int send_tree(const char *root, const char *rel, int dest, int tag, struct cospin_error *err)
{
    char path[COSPIN_OUTPUT_PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT && !rel[0] ? COSPIN_OK
                                          : cospin_error_set(err, COSPIN_ERR_IO, path, 0,
                                                             "cannot list: %s", strerror(errno));
    int rc = COSPIN_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[COSPIN_OUTPUT_PATH_MAX], full[COSPIN_OUTPUT_PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
                sizeof sub ||
            (size_t)snprintf(full, sizeof full, "%s/%s", root, sub) >= sizeof full)
            rc = cospin_error_set(err, COSPIN_ERR_IO, root, 0, "path too long: %s", sub);
        else if (lstat(full, &st) != 0)
            rc = cospin_error_set(err, COSPIN_ERR_IO, full, 0, "cannot stat: %s", strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = send_tree(root, sub, dest, tag, err);
        else if (S_ISREG(st.st_mode))
            rc = send_file(root, sub, dest, tag, err);
    }
    closedir(d);
    return rc;
}

/* A path the receiver may write: relative, without "..", "." or empty parts. */
static int safe_relative(const char *rel)
{
    if (!rel[0] || rel[0] == '/')
        return 0;
    for (const char *p = rel; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += n + (p[n] == '/');
    }
    return 1;
}

/* dir/rel: a directory's files (recursively), a file, or nothing when absent. */
static int send_path(const char *dir, const char *rel, int dest, int tag, struct cospin_error *err)
{
    char path[COSPIN_OUTPUT_PATH_MAX];
    struct stat st;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path)
        return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "path too long: %s", rel);
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? COSPIN_OK
                               : cospin_error_set(err, COSPIN_ERR_IO, path, 0, "cannot stat: %s",
                                                  strerror(errno));
    if (S_ISDIR(st.st_mode))
        return send_tree(dir, rel, dest, tag, err);
    return S_ISREG(st.st_mode) ? send_file(dir, rel, dest, tag, err) : COSPIN_OK;
}

/* The END message with the sender's status (and its error when nonzero). */
static int send_end(int rc, const struct cospin_error *e, int dest, int tag,
                    struct cospin_error *err)
{
    long head[DIR_HEAD] = {DIR_END, rc, 0, 0};
    send_or_abort(cospin_dist_send_longs(head, DIR_HEAD, dest, tag));
    if (rc) {
        send_or_abort(cospin_dist_send_bytes(e, sizeof *e, dest, tag));
        if (err && !err->code)
            *err = *e;
    }
    return rc;
}

int cospin_dist_send_paths(const char *dir, const char *const *names, size_t n, int dest, int tag,
                           struct cospin_error *err)
{
    struct cospin_error e = {0};
    int rc = COSPIN_OK;
    for (size_t i = 0; i < n && !rc; i++)
        if (!safe_relative(names[i]))
            rc = cospin_error_set(&e, COSPIN_ERR_INTERNAL, dir, 0, "bad name to send: %s",
                                  names[i]);
        else
            rc = send_path(dir, names[i], dest, tag, &e);
    return send_end(rc, &e, dest, tag, err);
}

int cospin_dist_send_dir(const char *dir, int dest, int tag, struct cospin_error *err)
{
    struct cospin_error e = {0};
    int rc = send_tree(dir, "", dest, tag, &e);
    return send_end(rc, &e, dest, tag, err);
}

/* Open dir/rel for writing through a temporary, creating its directory. */
static int open_target(struct cospin_output *o, const char *dir, const char *rel,
                       struct cospin_error *err)
{
    char path[COSPIN_OUTPUT_PATH_MAX], parent[COSPIN_OUTPUT_PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, rel) >= sizeof path)
        return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "path too long: %s", rel);
    snprintf(parent, sizeof parent, "%s", path);
    *strrchr(parent, '/') = 0;   /* "d/a/b" -> "d/a" */
    int rc = cospin_output_mkdir(parent, NULL, err);
    return rc ? rc : cospin_output_open_path(o, path, COSPIN_OUTPUT_FSYNC, err);
}

/* One file of the transfer (its head received) into dir, atomically; with
   dir NULL received and dropped. */
static int recv_file(const char *dir, const long *head, int source, int tag,
                     struct cospin_error *err)
{
    char rel[COSPIN_OUTPUT_PATH_MAX];
    size_t n = 0, size = (size_t)head[3];
    if (head[2] <= 0 || (size_t)head[2] > sizeof rel ||
        cospin_dist_recv_bytes(rel, sizeof rel, source, tag, &n) || n != (size_t)head[2] ||
        rel[n - 1] != 0 || !safe_relative(rel))
        cospin_dist_abort("rank %d sent a bad file name", source);
    struct cospin_output o = {0};
    int rc = dir ? open_target(&o, dir, rel, err) : COSPIN_OK;
    char *buf = malloc(size < DIR_CHUNK ? size + 1 : DIR_CHUNK);
    if (!buf)
        cospin_dist_abort("out of memory receiving %s from rank %d", rel, source);
    /* Every chunk is received even after a failure: the next message is the next head. */
    for (size_t off = 0; off < size; off += n) {
        size_t want = size - off < DIR_CHUNK ? size - off : DIR_CHUNK;
        if (cospin_dist_recv_bytes(buf, want, source, tag, &n) || n != want)
            cospin_dist_abort("rank %d sent a file shorter than announced", source);
        if (dir && !rc && fwrite(buf, 1, n, o.fp) != n)
            rc = cospin_error_set(err, COSPIN_ERR_IO, o.final_path, 0, "cannot write: %s",
                                  strerror(errno));
    }
    free(buf);
    if (dir && !rc)
        rc = cospin_output_commit(&o, err);
    cospin_output_abort(&o);
    return rc;
}

int cospin_dist_recv_dir(const char *dir, int source, int tag, struct cospin_error *err)
{
    int rc = COSPIN_OK;
    for (;;) {
        long head[DIR_HEAD];
        size_t n = 0;
        if (cospin_dist_recv_longs(head, DIR_HEAD, source, tag, &n) || n != DIR_HEAD)
            cospin_dist_abort("rank %d sent a bad directory transfer", source);
        if (head[0] == DIR_FILE) {
            int frc = recv_file(dir, head, source, tag, err);
            rc = rc ? rc : frc;
            continue;
        }
        if (head[1] != 0) {
            struct cospin_error e;
            if (cospin_dist_recv_bytes(&e, sizeof e, source, tag, &n) || n != sizeof e)
                cospin_dist_abort("rank %d sent a bad error record", source);
            if (!rc) {
                rc = (int)head[1];
                if (err && !err->code)
                    *err = e;
            }
        }
        return rc;
    }
}

int cospin_dist_scratch(char *buf, size_t n, struct cospin_error *err)
{
    const char *tmp = getenv("TMPDIR");
    if ((size_t)snprintf(buf, n, "%s/cospin-rank%d-XXXXXX", tmp && tmp[0] ? tmp : "/tmp",
                         cospin_dist_rank()) >= n)
        return cospin_error_set(err, COSPIN_ERR_IO, NULL, 0, "scratch directory name too long");
    if (!mkdtemp(buf))
        return cospin_error_set(err, COSPIN_ERR_IO, buf, 0, "cannot create a scratch directory: %s",
                                strerror(errno));
    return COSPIN_OK;
}

void cospin_dist_scratch_remove(const char *dir)
{
    DIR *d = dir && dir[0] ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[COSPIN_OUTPUT_PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            cospin_dist_scratch_remove(path);
        else
            unlink(path);
    }
    if (d) {
        closedir(d);
        rmdir(dir);
    }
}
