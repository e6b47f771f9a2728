/*
 * output.c -- output files written through a temporary and renamed into place.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "output.h"

int cospin_output_open(struct cospin_output *o, const char *dir, const char *name,
                       struct cospin_error *err)
{
    memset(o, 0, sizeof *o);
    if (!dir || !*dir)
        dir = ".";
    if (!name || !*name || strchr(name, '/'))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "bad output file name '%s' (no directories allowed)",
                                name ? name : "");
    int w1 = snprintf(o->final_path, sizeof o->final_path, "%s/%s", dir, name);
    int w2 = snprintf(o->tmp_path, sizeof o->tmp_path, "%s/.%s.XXXXXX", dir, name);
    if (w1 < 0 || w2 < 0 || (size_t)w1 >= sizeof o->final_path
        || (size_t)w2 >= sizeof o->tmp_path)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "output path too long: %s/%s",
                                dir, name);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        o->tmp_path[0] = '\0';
        return cospin_error_set(err, COSPIN_ERR_IO, o->final_path, 0, "cannot write: %s",
                                strerror(errno));
    }
    /* mkstemp creates 0600; output files get the usual umask-governed mode. */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
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

int cospin_output_commit(struct cospin_output *o, struct cospin_error *err)
{
    if (!o->fp)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, o->final_path, 0,
                                "output file was not open");
    int bad = ferror(o->fp);
    int e = errno;
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
