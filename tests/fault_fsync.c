/*
 * fault_fsync.c -- a full disk for one file, for the CLI tests only.
 *
 * Preloaded into a cospin process (LD_PRELOAD=tests/.libs/libfault_fsync.so),
 * fsync(2) fails with ENOSPC for every descriptor whose path contains the
 * text of $COSPIN_FAULT_ENOSPC, and works as usual for the others.  Output
 * files that a rerun resumes from (run.txt, psw.csv, checkpoints) are
 * fsync'ed before they are renamed into place, so this is where a full disk
 * shows up for them; tests/reliability-cli.sh uses it to fail run.txt alone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fsync(int fd);

int fsync(int fd)
{
    const char *pattern = getenv("COSPIN_FAULT_ENOSPC");
    if (pattern && *pattern) {
        char link[64], path[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n > 0) {
            path[n] = '\0';
            if (strstr(path, pattern)) {
                errno = ENOSPC;
                return -1;
            }
        }
    }
    int (*real_fsync)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (!real_fsync) {
        errno = ENOSYS;
        return -1;
    }
    return real_fsync(fd);
}
