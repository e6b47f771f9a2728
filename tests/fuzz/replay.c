/*
 * replay.c -- run a fuzz target without libFuzzer: over the files and
 * directories named on the command line, or, with none, over the target's
 * seed corpus and its regression inputs (FUZZ_REPLAY_DIRS, a ':'-separated
 * list compiled in by Makefile.am).  `make check` runs one replay program
 * per target, so every past finding stays fixed and the targets keep
 * building.  Exit status 0 after at least one input, 1 if there was none
 * (a corpus that went missing must not pass silently); a finding aborts.
 */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Feed one file to the target; 1 if it was a regular file, 0 if not. */
static int replay_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory for %s\n", path);
        exit(2);
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 1;
}

/* A file, or every file in a directory (sorted, not recursive). */
static size_t replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return (size_t)replay_file(path);
    struct dirent **list = NULL;
    int n = scandir(path, &list, NULL, alphasort);
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        char file[4096];
        if (list[i]->d_name[0] != '.' &&
            (size_t)snprintf(file, sizeof file, "%s/%s", path, list[i]->d_name) < sizeof file)
            count += (size_t)replay_file(file);
        free(list[i]);
    }
    free(list);
    return count;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            count += replay_path(argv[i]);
    } else {
        char dirs[] = FUZZ_REPLAY_DIRS;
        for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save))
            count += replay_path(d);
    }
    printf("%s: %zu inputs replayed\n", argv[0], count);
    return count > 0 ? 0 : 1;
}
