/* check_output.c -- atomic output files: contents, permissions, no temporaries left. */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_util.h"
#include "error.h"
#include "output.h"

/* A fresh empty directory (one per test; tests run forked). */
static const char *tmpdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/cospin-check-output-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

/* Remove a test directory and everything in it. */
/* Number of entries in dir besides . and ..; the first one's name in first. */
static int entries(const char *dir, char *first, size_t n)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (k++ == 0 && first)
            snprintf(first, n, "%.*s", (int)(n > 0 ? n - 1 : 0), e->d_name);
    }
    closedir(d);
    return k;
}

static void read_text(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t len = fread(buf, 1, n - 1, f);
    buf[len] = '\0';
    fclose(f);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 07777;
}

START_TEST(test_commit)
{
    const char *dir = tmpdir();
    char path[256], buf[64], name[300];
    struct cospin_output o;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_output_open(&o, dir, "a.csv", &err), 0);
    /* While open, only the hidden temporary exists. */
    ck_assert_int_eq(entries(dir, name, sizeof name), 1);
    ck_assert_int_eq(strncmp(name, ".a.csv.", 7), 0);
    fputs("x,y\n1,2\n", o.fp);
    ck_assert_int_eq(cospin_output_commit(&o, &err), 0);
    cospin_output_abort(&o); /* after a commit: nothing to do */
    snprintf(path, sizeof path, "%s/a.csv", dir);
    read_text(path, buf, sizeof buf);
    ck_assert_str_eq(buf, "x,y\n1,2\n");
    ck_assert_int_eq(entries(dir, name, sizeof name), 1);
    ck_assert_str_eq(name, "a.csv");
    /* A second commit replaces the contents; with FSYNC through a whole path. */
    ck_assert_int_eq(cospin_output_open_path(&o, path, COSPIN_OUTPUT_FSYNC, &err), 0);
    fputs("new\n", o.fp);
    ck_assert_int_eq(cospin_output_commit(&o, &err), 0);
    read_text(path, buf, sizeof buf);
    ck_assert_str_eq(buf, "new\n");
    ck_assert_int_eq(entries(dir, NULL, 0), 1);
    ck_assert_int_eq(err.code, 0);
    ck_rm_rf(dir);
}
END_TEST

/* The one permission rule: 0666 & ~umask, whatever the umask. */
START_TEST(test_permissions)
{
    static const mode_t masks[] = {022, 077, 002, 027};
    const char *dir = tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/m.txt", dir);
    for (size_t i = 0; i < sizeof masks / sizeof *masks; i++) {
        mode_t old = umask(masks[i]);
        struct cospin_output o;
        ck_assert_int_eq(cospin_output_open_path(&o, path, 0, NULL), 0);
        ck_assert_int_eq(cospin_output_commit(&o, NULL), 0);
        ck_assert_int_eq(umask(old), masks[i]); /* the umask is left as it was */
        ck_assert_uint_eq(mode_of(path), 0666 & ~masks[i]);
        unlink(path);
    }
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_abort)
{
    const char *dir = tmpdir();
    char path[256], buf[64];
    snprintf(path, sizeof path, "%s/keep.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    struct cospin_output o;
    ck_assert_int_eq(cospin_output_open(&o, dir, "keep.txt", NULL), 0);
    fputs("half", o.fp);
    cospin_output_abort(&o);
    cospin_output_abort(&o); /* twice is fine */
    cospin_output_abort(NULL);
    read_text(path, buf, sizeof buf);
    ck_assert_str_eq(buf, "old\n");
    ck_assert_int_eq(entries(dir, NULL, 0), 1);
    ck_rm_rf(dir);
}
END_TEST

START_TEST(test_mkdir)
{
    const char *dir = tmpdir();
    char path[256];
    int created = -1;
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    ck_assert_int_eq(cospin_output_mkdir(path, &created, NULL), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(cospin_output_mkdir(path, &created, NULL), 0);
    ck_assert_int_eq(created, 0);
    struct cospin_output o;
    ck_assert_int_eq(cospin_output_open(&o, path, "f", NULL), 0);
    ck_assert_int_eq(cospin_output_commit(&o, NULL), 0);
    snprintf(path, sizeof path, "%s/a/b/c/f", dir);
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_output_mkdir(path, &created, &err), COSPIN_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "not a directory"));
    ck_rm_rf(dir);
}
END_TEST

/* ---- errors: each leaves no file behind ------------------------------------------------ */

/* Two processes, one directory: the second is refused at once with the
   holder's pid; the lock goes with the process that held it, even when it is
   killed (SIGKILL); a released lock leaves no file behind.  (Before: two
   runs wrote into one directory and mixed their results.) */
START_TEST(test_dir_lock)
{
    const char *top = tmpdir();
    char dir[256], lock[300];
    snprintf(dir, sizeof dir, "%s/a/b", top);
    snprintf(lock, sizeof lock, "%s/%s", dir, COSPIN_OUTPUT_LOCK_NAME);
    int ready[2];
    ck_assert_int_eq(pipe(ready), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        struct cospin_output_dir d;
        char c = cospin_output_dir_lock(&d, dir, NULL) == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        pause();   /* killed by the parent, lock still held */
        _exit(0);
    }
    char c = 0;
    ck_assert_int_eq(read(ready[0], &c, 1), 1);
    ck_assert_int_eq(c, 'y');
    struct cospin_output_dir d;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_output_dir_lock(&d, dir, &err), COSPIN_ERR_IO);
    ck_assert_int_eq(d.fd, -1);
    ck_assert_str_eq(err.file, dir);
    char want[64];
    snprintf(want, sizeof want, "in use by another cospin run (pid %ld)", (long)child);
    ck_assert_msg(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
    char text[64];
    read_text(lock, text, sizeof text);   /* the holder's pid, for people */
    ck_assert_int_eq(atol(text), (long)child);
    /* kill -9: the kernel drops the lock; the stale file is taken over. */
    kill(child, SIGKILL);
    int st;
    ck_assert_int_eq(waitpid(child, &st, 0), child);
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(cospin_output_dir_lock(&d, dir, &err), 0);
    ck_assert_int_eq(d.created, 0);
    read_text(lock, text, sizeof text);
    ck_assert_int_eq(atol(text), (long)getpid());
    cospin_output_dir_unlock(&d, 0);
    ck_assert_int_eq(access(lock, F_OK), -1);
    ck_assert_int_eq(entries(dir, NULL, 0), 0);
    cospin_output_dir_unlock(&d, 0);   /* twice: harmless */
    close(ready[0]);
    close(ready[1]);
    ck_rm_rf(top);
}
END_TEST

/* A failed run removes the directory its lock created, if it is empty. */
START_TEST(test_dir_lock_cleanup)
{
    const char *top = tmpdir();
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/new", top);
    struct cospin_output_dir d;
    ck_assert_int_eq(cospin_output_dir_lock(&d, dir, NULL), 0);
    ck_assert_int_eq(d.created, 1);
    cospin_output_dir_unlock(&d, 1);
    ck_assert_int_eq(access(dir, F_OK), -1);
    /* Not when it holds results, nor when it existed before. */
    ck_assert_int_eq(cospin_output_dir_lock(&d, dir, NULL), 0);
    snprintf(path, sizeof path, "%s/kept.csv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    cospin_output_dir_unlock(&d, 1);
    ck_assert_int_eq(access(path, F_OK), 0);
    unlink(path);
    ck_assert_int_eq(cospin_output_dir_lock(&d, dir, NULL), 0);
    ck_assert_int_eq(d.created, 0);
    cospin_output_dir_unlock(&d, 1);
    ck_assert_int_eq(access(dir, F_OK), 0);
    /* A file where the directory should be. */
    struct cospin_error err = {0};
    f = fopen(path, "w");
    fclose(f);
    char sub[400];
    snprintf(sub, sizeof sub, "%s/x", path);
    ck_assert_int_eq(cospin_output_dir_lock(&d, sub, &err), COSPIN_ERR_IO);
    ck_assert_int_eq(d.fd, -1);
    ck_rm_rf(top);
}
END_TEST

START_TEST(test_open_errors)
{
    const char *dir = tmpdir();
    struct cospin_output o;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_output_open(&o, dir, "a/b", &err), COSPIN_ERR_INVALID);
    cospin_output_abort(&o);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_output_open(&o, dir, "", &err), COSPIN_ERR_INVALID);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_output_open_path(&o, "", 0, &err), COSPIN_ERR_INVALID);
    cospin_error_clear(&err);
    char longname[COSPIN_OUTPUT_PATH_MAX + 10];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_int_eq(cospin_output_open(&o, dir, longname, &err), COSPIN_ERR_INVALID);
    cospin_output_abort(&o);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_output_open(&o, "/nonexistent/dir", "f.csv", &err), COSPIN_ERR_IO);
    ck_assert_str_eq(err.file, "/nonexistent/dir/f.csv");
    cospin_output_abort(&o);
    cospin_error_clear(&err);
    ck_assert_int_eq(cospin_output_commit(&o, &err), COSPIN_ERR_INTERNAL);
    ck_assert_int_eq(entries(dir, NULL, 0), 0);
    ck_rm_rf(dir);
}
END_TEST

/* A write error on the stream: commit fails, the old file stays, the temporary goes. */
START_TEST(test_write_error)
{
    const char *dir = tmpdir();
    char path[256], buf[64];
    snprintf(path, sizeof path, "%s/w.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);
    struct cospin_output o;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_output_open(&o, dir, "w.txt", &err), 0);
    /* Swap the stream's descriptor for a read-only one: the flush fails. */
    int ro = open("/dev/null", O_RDONLY);
    ck_assert_int_ge(ro, 0);
    ck_assert_int_ge(dup2(ro, fileno(o.fp)), 0);
    close(ro);
    setvbuf(o.fp, NULL, _IONBF, 0);
    fputs("new contents\n", o.fp);
    ck_assert_int_eq(cospin_output_commit(&o, &err), COSPIN_ERR_IO);
    ck_assert_str_eq(err.file, path);
    read_text(path, buf, sizeof buf);
    ck_assert_str_eq(buf, "old\n");
    ck_assert_int_eq(entries(dir, NULL, 0), 1);
    ck_rm_rf(dir);
}
END_TEST

/* A rename that fails (the name is a directory): error, the temporary is removed. */
START_TEST(test_rename_error)
{
    const char *dir = tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/d", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/d/inner", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    struct cospin_output o;
    struct cospin_error err = {0};
    ck_assert_int_eq(cospin_output_open(&o, dir, "d", &err), 0);
    fputs("x\n", o.fp);
    ck_assert_int_eq(cospin_output_commit(&o, &err), COSPIN_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.msg, "rename"));
    ck_assert_int_eq(entries(dir, NULL, 0), 1); /* only d */
    ck_rm_rf(dir);
}
END_TEST

static Suite *suite_output(void)
{
    Suite *s = suite_create("output");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_commit);
    tcase_add_test(core, test_permissions);
    tcase_add_test(core, test_abort);
    tcase_add_test(core, test_mkdir);
    tcase_add_test(core, test_dir_lock);
    tcase_add_test(core, test_dir_lock_cleanup);
    suite_add_tcase(s, core);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_open_errors);
    tcase_add_test(errors, test_write_error);
    tcase_add_test(errors, test_rename_error);
    suite_add_tcase(s, errors);
    return s;
}

COSPIN_CHECK_MAIN(suite_output)
