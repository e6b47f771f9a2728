/*
 * char_run.c -- running a characterisation grid: validation, seeds, the
 * fast (threads) and ngspice (worker pool) engines, the dispatch to the
 * Fokker-Planck engine (char_fp.c), psw.csv appended point by point,
 * run.txt and resume (see characterize.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_PREFIX "characterize"
#include "char_fp.h"
#include "char_internal.h"
#include "char_sched.h"
#include "characterize.h"
#include "char_ngspice.h"
#include "dist.h"
#include "error.h"
#include "log.h"
#include "mtj_device.h"

void cospin_char_opts_default(struct cospin_char_opts *o)
{
    memset(o, 0, sizeof *o);
    cospin_mtj_params_default(&o->device);
    o->trials = COSPIN_CHAR_DEFAULT_TRIALS;
    o->relax_s = COSPIN_CHAR_DEFAULT_RELAX_S;
    o->seed = 1;
    o->threads = 0;
    o->block_trials = COSPIN_CHAR_DEFAULT_BLOCK;
    o->engine = COSPIN_CHAR_FAST;
    o->instances_per_netlist = COSPIN_CHAR_DEFAULT_INSTANCES;
    cospin_fp_opts_default(&o->fp);
    o->max_run_s = COSPIN_CHAR_DEFAULT_MAX_RUN_S;
}

const char *cospin_char_engine_name(enum cospin_char_engine engine)
{
    switch (engine) {
    case COSPIN_CHAR_FAST: return "fast";
    case COSPIN_CHAR_NGSPICE: return "ngspice";
    case COSPIN_CHAR_FOKKER_PLANCK: return "fokker-planck";
    default: return NULL;
    }
}

/* Trials per task: one task per point for the Fokker-Planck engine, which
   computes a point at once. */
static long task_trials(const struct cospin_char_opts *o)
{
    if (o->engine == COSPIN_CHAR_FOKKER_PLANCK)
        return o->trials;
    return o->engine == COSPIN_CHAR_NGSPICE ? o->instances_per_netlist : o->block_trials;
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The value rounded to 12 significant digits, so 3e-8 typed or read back
   from a file hashes identically. */
static uint64_t value_key(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.12g", v);
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64-bit offset basis */
    for (const char *s = buf; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL; /* FNV prime */
    return h;
}

uint64_t cospin_char_point_seed(uint64_t seed, double width_s, double ku_j_per_m3,
                                double current_a)
{
    uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL);
    h = mix64(h ^ value_key(width_s));
    h = mix64(h ^ value_key(ku_j_per_m3) * 3);
    h = mix64(h ^ value_key(current_a) * 5);
    return h;
}

long cospin_char_fast_trials(const struct cospin_mtj_derived *d, const struct cospin_char_point *pt,
                             double relax_s, uint64_t seed, long first, long n)
{
    if (!d || !pt || n < 0 || first < 0)
        return COSPIN_ERR_INVALID;
    uint64_t ps = cospin_char_point_seed(seed, pt->width_s, pt->ku_j_per_m3, pt->current_a);
    return cospin_mtj_trials(d, pt->current_a, pt->width_s, relax_s, ps, (uint64_t)first, n, NULL);
}

/* ---- validation ----------------------------------------------------------------------- */

static int check_values(const double *v, size_t n, const char *what, const char *unit, int allow_zero,
                        struct cospin_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]) || v[i] < 0 || (!allow_zero && v[i] == 0))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "%s %g %s is out of range (must be %s)", what, v[i], unit,
                                    allow_zero ? ">= 0" : "> 0");
    return 0;
}

static int validate(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                    struct cospin_error *err)
{
    if (!o || !g)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no options or grid");
    if (o->trials <= 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "trials %ld must be > 0",
                                o->trials);
    if (!(o->relax_s >= 0) || !isfinite(o->relax_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "relaxation %g s must be >= 0", o->relax_s);
    if (!(o->max_run_s >= 0) || !(o->job_timeout_s >= 0) || !isfinite(o->job_timeout_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "run and job time limits must be >= 0 s (0: none)");
    if (o->threads < 0 || o->block_trials <= 0 || o->instances_per_netlist <= 0 ||
        o->pool_workers < 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "threads, block size, instances and workers must be positive");
    if (!cospin_char_engine_name(o->engine))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "unknown engine %d",
                                (int)o->engine);
    if (o->device.torque != COSPIN_TORQUE_STT && o->engine == COSPIN_CHAR_NGSPICE)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "torque = sot: the ngspice engine drives the two-terminal mtj_stt "
                                "model; use engine fast for the SOT device");
    if (!g->widths_s || g->nwidths == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no pulse width given");
    if (!g->currents_a || g->ncurrents == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no current given");
    int rc = check_values(g->widths_s, g->nwidths, "pulse width", "s", 0, err);
    if (!rc)
        rc = check_values(g->currents_a, g->ncurrents, "current", "A", 1, err);
    if (!rc && g->kus_j_per_m3)
        rc = check_values(g->kus_j_per_m3, g->nkus, "Ku", "J/m^3", 0, err);
    return rc;
}

/* Derive the device at anisotropy ku (the grid value replaces any K_bulk + K_i/t split). */
static int derive_at(const struct cospin_mtj_params *dev, double ku, struct cospin_mtj_derived *d,
                     struct cospin_error *err)
{
    struct cospin_mtj_params p = *dev;
    p.ku_j_per_m3 = ku;
    p.k_i_j_per_m2 = 0;
    char msg[256];
    if (cospin_mtj_derive(&p, d, msg, sizeof msg) != 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "device at Ku = %g J/m^3: %s",
                                ku, msg);
    return 0;
}

/* Create dir if missing (one level; its parent must exist). */
static int make_dir(const char *dir, struct cospin_error *err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
    }
    return cospin_error_set(err, COSPIN_ERR_IO, dir, 0, "cannot create the output directory: %s",
                            strerror(errno));
}

/* ---- the estimate of a run's work ----------------------------------------------------------- */

/* A generous bound on the cost of one LLGS step (s): a grid whose steps
   times this stays within the limit needs no measurement. */
#define CHAR_STEP_S_BOUND 1e-5
/* The timing run: CHAR_TIMING_TRIALS trials (the LLGS integrates trials in
   SIMD lanes, up to 16 at once: time a full set) of this many steps,
   quadrupled until it takes CHAR_TIMING_MIN_S. */
#define CHAR_TIMING_TRIALS 16L
#define CHAR_TIMING_STEPS 256L
#define CHAR_TIMING_MIN_S 0.02

/* The wall time of one trial's LLGS step on this machine, s (one thread). */
static double measure_step_s(const struct cospin_mtj_derived *d, double dt_s)
{
    for (long steps = CHAR_TIMING_STEPS;; steps *= 4) {
        double t0 = cospin_now_s();
        cospin_mtj_trials(d, 0.0, (double)steps * dt_s, 0.0, 1, 0, CHAR_TIMING_TRIALS, NULL);
        double el = cospin_now_s() - t0;
        if (el >= CHAR_TIMING_MIN_S || steps >= (1L << 24))
            return el / (double)(steps * CHAR_TIMING_TRIALS);
    }
}

/* A duration for people: "40 s", "12 min", "5.3 h", "7.1e+05 days". */
static const char *format_duration(double s, char *buf, size_t n)
{
    if (s < 120)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 7200)
        snprintf(buf, n, "%.0f min", s / 60);
    else if (s < 48 * 3600.0)
        snprintf(buf, n, "%.2g h", s / 3600);
    else
        snprintf(buf, n, "%.2g days", s / 86400);
    return buf;
}

/* Threads (fast path) or worker processes (ngspice) that share the trials (over all
   ranks under MPI). */
static int run_parallelism(const struct cospin_char_opts *o)
{
    int n = o->engine == COSPIN_CHAR_FAST ? o->threads : o->pool_workers;
    /* Under MPI: every rank's share (the CPUs of a node are shared by its ranks). */
    int ranks = cospin_dist_size(), share = n > 0 ? ranks : ranks / cospin_dist_local_size();
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    return n * (share > 0 ? share : 1);
}

/* The estimate against o->max_run_s (see cospin_char_check); d: the device at
   the grid's first Ku. */
static int check_estimate(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                          size_t nkus, const struct cospin_mtj_derived *d,
                          struct cospin_error *err)
{
    if (o->max_run_s <= 0 || o->engine == COSPIN_CHAR_FOKKER_PLANCK)
        return COSPIN_OK;   /* no LLGS steps: the Fokker-Planck engine has checks of its own */
    double steps_per_trial = 0;   /* summed over the widths */
    for (size_t w = 0; w < g->nwidths; w++)
        steps_per_trial += ceil((g->widths_s[w] + o->relax_s) / o->device.dt_s);
    double steps = steps_per_trial * (double)o->trials * (double)g->ncurrents * (double)nkus;
    int par = run_parallelism(o);
    if (steps * CHAR_STEP_S_BOUND / par <= o->max_run_s)
        return COSPIN_OK;
    double step_s = measure_step_s(d, o->device.dt_s);
    double est_s = steps * step_s / par;
    if (est_s <= o->max_run_s)
        return COSPIN_OK;
    char t_est[32], t_max[32];
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                            "this run would take about %s on this machine (%.3g LLGS steps: "
                            "%zu point%s x %ld trials x (width + relaxation) / dt = %g s, at "
                            "%.3g ns per step on %d %s); runs estimated over %s are refused: "
                            "check the widths (in s: 30n, not 30), or give --force to run it "
                            "anyway",
                            format_duration(est_s, t_est, sizeof t_est), steps,
                            g->nwidths * g->ncurrents * nkus,
                            g->nwidths * g->ncurrents * nkus == 1 ? "" : "s", o->trials,
                            o->device.dt_s,
                            step_s * 1e9, par,
                            o->engine == COSPIN_CHAR_FAST ? "threads" : "workers",
                            format_duration(o->max_run_s, t_max, sizeof t_max));
}

/* ---- run.txt: the settings a directory's results belong to ---------------------------- */

static void manifest_text(const struct cospin_char_opts *o, char *buf, size_t n)
{
    const struct cospin_mtj_params *p = &o->device;
    /* The Fokker-Planck engine has no trials and no seed (0, as in psw.csv),
       but its discretisation decides the last digits of its results. */
    int fp = o->engine == COSPIN_CHAR_FOKKER_PLANCK;
    size_t len = (size_t)snprintf(buf, n,
             "# cospin characterize: settings of the results in this directory\n"
             "engine=%s\nseed=%llu\ntrials=%ld\nrelax_s=%.12g\n"
             "alpha=%.12g\ngamma_rad_per_s_t=%.12g\nmu0_ms_t=%.12g\n"
             "length_m=%.12g\nwidth_m=%.12g\nthickness_m=%.12g\npolarization=%.12g\n"
             "temperature_k=%.12g\ndt_s=%.12g\nh_applied_t=%.12g,%.12g,%.12g\n"
             "demag=%s\nstt=%s\nthermal=%s\nthermal_scale=%.12g\ninit=%s\ninit_tilt_rad=%.12g\n",
             cospin_char_engine_name(o->engine), fp ? 0ULL : (unsigned long long)o->seed,
             fp ? 0L : o->trials, o->relax_s, p->alpha, p->gamma_rad_per_s_t, p->mu0_ms_t, p->length_m,
             p->width_m, p->thickness_m, p->polarization, p->temperature_k, p->dt_s,
             p->h_applied_t[0], p->h_applied_t[1], p->h_applied_t[2],
             cospin_mtj_demag_name(p->demag), cospin_mtj_stt_name(p->stt),
             cospin_mtj_thermal_name(p->thermal), p->thermal_scale, cospin_mtj_init_name(p->init),
             p->init_tilt_rad);
    if (fp && len < n)
        snprintf(buf + len, n - len, "fp_cells=%d\nfp_steps_s=%.12g,%.12g\nfp_step_growth=%.12g\n",
                 o->fp.cells, o->fp.first_step_s, o->fp.step_s, o->fp.step_growth);
    /* Results made with the lab-frame RK4 (the only integrator before) were
       recorded without this line, so such a directory resumes with
       --integrator rk4 and not with the default.  The Fokker-Planck engine
       does not integrate the LLGS. */
    if (!fp && p->integrator != COSPIN_INTEGRATOR_RK4 && len < n)
        snprintf(buf + len, n - len, "integrator=%s\n", cospin_mtj_integrator_name(p->integrator));
}

/* run.txt's figures: the derived figures of the device at every Ku of the
   grid, as '#' comment lines (not part of the settings a resume compares). */
static void figures_text(const struct cospin_char_opts *o, const double *kus, size_t nkus,
                         char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < nkus && len + 1 < n; k++) {
        struct cospin_mtj_device d;
        cospin_mtj_device_default(&d);
        d.p = o->device;
        d.p.ku_j_per_m3 = kus[k];
        d.p.k_i_j_per_m2 = 0.0;
        struct cospin_mtj_figures f;
        if (cospin_mtj_figures_compute(&d, &f, NULL) != 0)
            continue;
        f.r_p_ohm = 0.0; /* P_sw does not depend on the read path: leave it out */
        char block[2048];
        int w = snprintf(buf + len, n - len, "# derived figures at Ku = %.6g J/m^3:\n%s",
                         kus[k], cospin_mtj_figures_format(&d, &f, "#   ", block, sizeof block));
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

/* a and b hold the same settings: equal once '#' comment lines are dropped. */
static int manifest_same(const char *a, const char *b)
{
    for (;;) {
        while (*a == '#')
            a += strcspn(a, "\n") + (a[strcspn(a, "\n")] != '\0');
        while (*b == '#')
            b += strcspn(b, "\n") + (b[strcspn(b, "\n")] != '\0');
        if (!*a || !*b)
            return !*a && !*b;
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la) != 0)
            return 0;
        a += la + (a[la] != '\0');
        b += lb + (b[lb] != '\0');
    }
}

static int read_whole(const char *path, char **out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += r;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return -1;
    buf[len] = 0;
    *out = buf;
    return 0;
}

/* ---- the run ------------------------------------------------------------------------------- */

/* Append finished points p[0 .. n) to psw.csv, each in a single write, then
   fsync once (the Fokker-Planck engine finishes a curve's points together). */
static int append_points(struct char_sched *s, const struct cospin_char_point *p, size_t n)
{
    if (s->append_fd < 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char line[256];
        cospin_char_psw_line(line, sizeof line, &p[i]);
        size_t len = strlen(line);
        if (write(s->append_fd, line, len) != (ssize_t)len)
            return cospin_error_set(&s->err, COSPIN_ERR_IO, s->o->out_dir, 0,
                                    "cannot append to psw.csv: %s", strerror(errno));
    }
    if (fsync(s->append_fd) != 0)
        return cospin_error_set(&s->err, COSPIN_ERR_IO, s->o->out_dir, 0,
                                "cannot append to psw.csv: %s", strerror(errno));
    return 0;
}

void char_task_done(struct char_sched *s, size_t task, long switched)
{
    const struct char_task *tk = &s->tasks[task];
    if (s->remote) {
        s->outbox[2 * s->noutbox] = (long)task;
        s->outbox[2 * s->noutbox + 1] = switched;
        s->noutbox++;
        return;
    }
    struct cospin_char_point *p = &s->points[tk->point];
    p->switched += switched;
    s->done_trials += tk->n;
    if (--s->remaining[tk->point] == 0) {
        s->done_points++;
        int rc = append_points(s, p, 1);
        if (rc && !s->rc)
            s->rc = rc;
    }
    if (s->done_points < s->npoints)
        cospin_progress_update(&s->progress, s->done_trials);
}

void char_task_failed(struct char_sched *s, long task, int rc, const struct cospin_error *e)
{
    if (s->rc)
        return;
    s->rc = rc;
    s->failed_task = task;
    if (e && e->code)
        s->err = *e;
    else
        cospin_error_set(&s->err, rc, NULL, 0, "%s", cospin_strerror(rc));
    pthread_cond_broadcast(&s->more);
}

void char_task_describe(const struct char_sched *s, long task, char *buf, size_t n)
{
    if (task < 0 || (size_t)task >= s->ntasks) {
        snprintf(buf, n, "no work item");
        return;
    }
    const struct char_task *tk = &s->tasks[task];
    const struct cospin_char_point *p = &s->points[tk->point];
    snprintf(buf, n, "work item %ld (width %g s, Ku %g J/m^3, current %g A, trials %ld-%ld)", task,
             p->width_s, p->ku_j_per_m3, p->current_a, tk->first, tk->first + tk->n - 1);
}

void char_plan_point(struct char_sched *s, size_t idx, long chunk)
{
    /* The run's trials, not the point's: a deterministic engine's points
       have none, and are one item each. */
    long trials = s->o->trials;
    for (long first = 0; first < trials; first += chunk) {
        struct char_task tk = {idx, first, first + chunk <= trials ? chunk : trials - first};
        s->tasks[s->ntasks++] = tk;
        s->remaining[idx]++;
    }
}

/* Under s->lock: the next item of the queue into *task, waiting while the
   queue is open and empty.  0 when none will come (closed and empty, the
   run stopped or failed). */
static int take_locked(struct char_sched *s, size_t *task)
{
    for (;;) {
        if (s->rc || s->halt || (s->o->stop && *s->o->stop))
            return 0;
        if (s->qhead < s->qtail) {
            *task = s->queue ? s->queue[s->qhead] : s->qhead;
            s->qhead++;
            return 1;
        }
        if (s->qclosed)
            return 0;
        pthread_cond_wait(&s->more, &s->lock);
    }
}

static void *fast_worker(void *arg)
{
    struct char_sched *s = arg;
    size_t id;
    pthread_mutex_lock(&s->lock);
    while (take_locked(s, &id)) {
        pthread_mutex_unlock(&s->lock);
        const struct char_task *tk = &s->tasks[id];
        const struct cospin_char_point *p = &s->points[tk->point];
        double t0 = cospin_now_s();
        long sw = cospin_char_fast_trials(s->pd[tk->point], p, s->o->relax_s, s->o->seed, tk->first,
                                          tk->n);
        double dt = cospin_now_s() - t0;
        pthread_mutex_lock(&s->lock);
        s->busy_s += dt / s->slots;
        s->items_run++;
        s->trials_run += tk->n;
        if (sw < 0) {
            struct cospin_error e = {0};
            cospin_error_set(&e, COSPIN_ERR_INTERNAL, NULL, 0, "trial run failed (%ld)", sw);
            char_task_failed(s, (long)id, COSPIN_ERR_INTERNAL, &e);
            break;
        }
        char_task_done(s, id, sw);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static int run_fast(struct char_sched *s)
{
    int nth = s->slots;
    if (!s->remote && (size_t)nth > s->ntasks)
        nth = s->ntasks > 0 ? (int)s->ntasks : 1;
    pthread_t *th = calloc((size_t)nth, sizeof *th);
    if (!th)
        return cospin_error_set(&s->err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int started = 0;
    for (; started < nth; started++)
        if (pthread_create(&th[started], NULL, fast_worker, s) != 0)
            break;
    if (started == 0)
        fast_worker(s); /* no thread could start: run in this one */
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    return s->rc;
}

/* Ngspice path: char_ngspice.c takes items through ngspice_next (all that
   are ready, waiting for the first) and reports each through ngspice_done. */
static size_t ngspice_next(void *ctx, struct cospin_char_ngspice_task *out, size_t *ids,
                           size_t max)
{
    struct char_sched *s = ctx;
    size_t n = 0, id;
    pthread_mutex_lock(&s->lock);
    while (n < max && (n == 0 || s->qhead < s->qtail) && take_locked(s, &id)) {
        const struct char_task *tk = &s->tasks[id];
        const struct cospin_char_point *p = &s->points[tk->point];
        out[n].width_s = p->width_s;
        out[n].ku_j_per_m3 = p->ku_j_per_m3;
        out[n].current_a = p->current_a;
        out[n].seed = cospin_char_point_seed(s->o->seed, p->width_s, p->ku_j_per_m3, p->current_a);
        out[n].first_trial = tk->first;
        out[n].ntrials = tk->n;
        ids[n++] = id;
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

static void ngspice_done(void *ctx, size_t id, long switched, double busy_s,
                         const struct cospin_error *e)
{
    struct char_sched *s = ctx;
    pthread_mutex_lock(&s->lock);
    s->busy_s += busy_s;
    if (switched < 0) {
        char_task_failed(s, (long)id, (int)switched, e);
    } else {
        s->items_run++;
        s->trials_run += s->tasks[id].n;
        char_task_done(s, id, switched);
    }
    pthread_mutex_unlock(&s->lock);
}

static int ngspice_stop(void *ctx)
{
    struct char_sched *s = ctx;
    pthread_mutex_lock(&s->lock);
    int stop = (s->o->stop && *s->o->stop) || s->halt || s->rc != 0;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

static int run_ngspice(struct char_sched *s)
{
    struct cospin_char_ngspice_opts no = {.device = s->o->device,
                                          .relax_s = s->o->relax_s,
                                          .pool_workers = s->slots,
                                          .codemodel_path = s->o->codemodel_path,
                                          .job_timeout_s = s->o->job_timeout_s,
                                          .stop = s->o->stop};
    struct cospin_error e = {0};
    int rc = cospin_char_ngspice_run(&no, s->o->instances_per_netlist, ngspice_next, ngspice_done,
                                     ngspice_stop, s, &e);
    pthread_mutex_lock(&s->lock);
    if (rc && rc != COSPIN_ERR_INTERRUPTED)
        char_task_failed(s, -1, rc, &e);  /* no-op when an item's failure came first */
    rc = s->rc;
    pthread_mutex_unlock(&s->lock);
    return rc;
}



/* Fokker-Planck engine: the engine fills a curve's points [first, first + n),
   appended together (progress counts points). */
static void fp_done(void *ctx, size_t first, size_t n)
{
    struct char_sched *s = ctx;
    pthread_mutex_lock(&s->lock);
    s->done_points += n;
    s->done_trials += (long)n;
    int rc = append_points(s, &s->points[first], n);
    if (rc && !s->rc)
        s->rc = rc;
    if (s->done_points < s->npoints)
        cospin_progress_update(&s->progress, s->done_trials);
    pthread_mutex_unlock(&s->lock);
}

static int run_fp(struct char_sched *s)
{
    /* ngspice_stop: the same stop test as the ngspice path. */
    int rc = cospin_char_fp_run(s->o, s->points, s->npoints, fp_done, ngspice_stop, s, &s->err);
    if (rc == COSPIN_ERR_INTERRUPTED)
        rc = 0; /* reported by execute(), as for the other engines */
    if (rc && !s->rc)
        s->rc = rc;
    return s->rc;
}

int char_run_engine(struct char_sched *s)
{
    switch (s->o->engine) {
    case COSPIN_CHAR_FAST: return run_fast(s);
    case COSPIN_CHAR_NGSPICE: return run_ngspice(s);
    default: return run_fp(s);
    }
}

/* Whether psw.csv holds anything besides its header (blank and '#' lines aside). */
static int psw_has_rows(const char *psw)
{
    FILE *f = fopen(psw, "r");
    if (!f)
        return 0;
    char line[256];
    int content = 0;
    while (content < 2 && fgets(line, sizeof line, f)) {
        const char *q = line + strspn(line, " \t\r\n");
        content += *q && *q != '#';
    }
    fclose(f);
    return content >= 2;
}

/* Resume from out_dir, whose run.txt (prev) and psw.csv exist: the settings
   must match, and psw.csv is rewritten with the rows that can be resumed. */
static int resume_dir(const struct cospin_char_opts *o, const char *prev, const char *manifest,
                      const char *path, const char *psw, struct cospin_char_table **old,
                      struct cospin_error *err)
{
    if (!manifest_same(prev, manifest))
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                "%s holds results of a run with other settings (seed, trials, "
                                "device or engine); use another output directory, or --fresh "
                                "to discard them",
                                o->out_dir);
    /* The trials run.txt records: 0 for the Fokker-Planck engine (exact points). */
    struct cospin_char_resume_rules rules = {
        o->engine == COSPIN_CHAR_FOKKER_PLANCK ? 0 : o->trials, cospin_mtj_ku_j_per_m3(&o->device)};
    size_t ndropped = 0;
    int rc = cospin_char_read_psw_resume(psw, &rules, old, &ndropped, err);
    if (rc)
        return rc;
    if (ndropped)
        cospin_warn("%s: %zu damaged or inconsistent row%s of psw.csv dropped; their "
                    "points run again", o->out_dir, ndropped, ndropped == 1 ? "" : "s");
    /* Rewrite it with the accepted rows only (so appends follow a clean line). */
    struct cospin_char_table tmp = **old;
    tmp.fits = NULL;
    tmp.nfits = 0;
    return cospin_char_write_psw_csv(&tmp, o->out_dir, err);
}

/*
 * Start out_dir afresh: run.txt first, then an empty psw.csv.  In this
 * order a failure (a full disk) never leaves points without the settings
 * they belong to: a psw.csv without run.txt holds at most its header, which
 * the next run starts over.  With --fresh the old psw.csv goes first, so
 * the new run.txt never describes the old rows.
 */
static int start_dir(const struct cospin_char_opts *o, const char *manifest, const char *psw,
                     struct cospin_error *err)
{
    if (o->fresh && unlink(psw) != 0 && errno != ENOENT)
        return cospin_error_set(err, COSPIN_ERR_IO, psw, 0, "cannot remove: %s",
                                strerror(errno));
    int rc = cospin_char_write_text(o->out_dir, "run.txt", manifest, err);
    if (!rc)
        rc = cospin_char_write_text(o->out_dir, "psw.csv", CHAR_PSW_HEADER, err);
    return rc;
}

/* Prepare out_dir: run.txt check, earlier points, psw.csv open for appending. */
static int prepare_dir(const struct cospin_char_opts *o, const char *figures,
                       struct cospin_char_table **old, int *fd, struct cospin_error *err)
{
    *old = NULL;
    *fd = -1;
    int rc = make_dir(o->out_dir, err);
    if (rc)
        return rc;
    char manifest[16384], path[4096], psw[4096];
    manifest_text(o, manifest, sizeof manifest);
    if (cospin_char_path_join(path, sizeof path, o->out_dir, "run.txt") ||
        cospin_char_path_join(psw, sizeof psw, o->out_dir, "psw.csv"))
        return cospin_error_set(err, COSPIN_ERR_IO, o->out_dir, 0, "directory name too long");
    char *prev = NULL;
    int have_prev = read_whole(path, &prev) == 0;
    int have_psw = access(psw, F_OK) == 0;
    if (!o->fresh && have_prev && have_psw)
        rc = resume_dir(o, prev, manifest, path, psw, old, err);
    else if (!o->fresh && have_psw && psw_has_rows(psw))
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, o->out_dir, 0,
                              "a psw.csv with points but no run.txt: not a cospin "
                              "characterisation directory (use --fresh to overwrite)");
    else
        rc = start_dir(o, strncat(manifest, figures, sizeof manifest - strlen(manifest) - 1),
                       psw, err);
    free(prev);
    if (!rc && (*fd = open(psw, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
        rc = cospin_error_set(err, COSPIN_ERR_IO, psw, 0, "cannot open for appending: %s",
                              strerror(errno));
    if (rc) {
        cospin_char_table_free(*old);
        *old = NULL;
    }
    return rc;
}

static int find_point(const struct cospin_char_table *t, const struct cospin_char_point *p)
{
    if (!t)
        return -1;
    for (size_t i = 0; i < t->npoints; i++) {
        const struct cospin_char_point *q = &t->points[i];
        if (cospin_char_same(q->width_s, p->width_s) && cospin_char_same(q->ku_j_per_m3, p->ku_j_per_m3) &&
            (q->current_a == p->current_a || cospin_char_same(q->current_a, p->current_a)))
            return (int)i;
    }
    return -1;
}

/* Derive the device at every Ku of the grid first: a bad device fails before
   any work.  *dtab (nkus entries) is the caller's to free. */
static int derive_all(const struct cospin_char_opts *o, const double *kus, size_t nkus,
                      struct cospin_mtj_derived **dtab, struct cospin_error *err)
{
    *dtab = calloc(nkus, sizeof **dtab);
    if (!*dtab)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t k = 0; k < nkus; k++) {
        int rc = derive_at(&o->device, kus[k], &(*dtab)[k], err);
        if (rc)
            return rc;
    }
    return COSPIN_OK;
}

/* The grid of one run: its Ku values (the device's own when the grid has none). */
struct grid_kus {
    const double *kus;
    size_t nkus;
    double ku_dev;
};

/* Items the local engine runs at once: the threads (fast) or worker
   processes (ngspice) asked for, else this node's CPUs shared among the
   MPI ranks on it (all of them in one process). */
static int engine_slots(const struct cospin_char_opts *o)
{
    int asked = o->engine == COSPIN_CHAR_FAST ? o->threads : o->pool_workers;
    if (asked > 0)
        return asked;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    int per_rank = (n > 0 ? (int)n : 1) / cospin_dist_local_size();
    return per_rank > 0 ? per_rank : 1;
}

/* Allocate the run's point and task lists for the whole grid. */
static int alloc_plan(struct char_sched *s, size_t ntotal, struct cospin_error *err)
{
    const struct cospin_char_opts *o = s->o;
    long chunk = task_trials(o);
    long blocks_per_point = (o->trials + chunk - 1) / chunk;
    s->points = calloc(ntotal, sizeof *s->points);
    s->pd = calloc(ntotal, sizeof *s->pd);
    s->remaining = calloc(ntotal, sizeof *s->remaining);
    s->tasks = calloc(ntotal * (size_t)blocks_per_point + 1, sizeof *s->tasks);
    if (!s->points || !s->pd || !s->remaining || !s->tasks)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    return COSPIN_OK;
}

/*
 * Plan the run: res starts with every earlier point of the directory (the
 * union is the result); the grid's points not among them, in grid order,
 * become s->points, each split into trial blocks (s->tasks).
 */
static int plan_points(struct char_sched *s, const struct cospin_char_grid *g,
                       const struct grid_kus *gk, const struct cospin_mtj_derived *dtab,
                       const struct cospin_char_table *old, struct cospin_char_table *res,
                       size_t *cap, struct cospin_error *err)
{
    const struct cospin_char_opts *o = s->o;
    if (old)
        for (size_t i = 0; i < old->npoints; i++)
            if (cospin_char_table_add_point(res, cap, &old->points[i]) != 0)
                return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    long chunk = task_trials(o);
    long trials = o->engine == COSPIN_CHAR_FOKKER_PLANCK ? 0 : o->trials; /* 0: exact */
    for (size_t k = 0; k < gk->nkus; k++)
        for (size_t w = 0; w < g->nwidths; w++)
            for (size_t c = 0; c < g->ncurrents; c++) {
                struct cospin_char_point p = {g->widths_s[w], gk->kus[k], g->currents_a[c],
                                              trials, 0, 0};
                if (find_point(old, &p) >= 0) {
                    res->nresumed++;
                    continue;   /* finished earlier */
                }
                if (find_point(res, &p) >= 0)
                    continue;   /* listed twice */
                size_t idx = s->npoints++;
                s->points[idx] = p;
                s->pd[idx] = &dtab[k];
                char_plan_point(s, idx, chunk);
            }
    if (res->nresumed)
        cospin_info("resuming: %zu point%s already done in %s", res->nresumed,
                    res->nresumed == 1 ? "" : "s", o->out_dir);
    return COSPIN_OK;
}

/* Whether v is one of the n values of a grid axis. */
static int on_axis(double v, const double *axis, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v == axis[i] || cospin_char_same(v, axis[i]))
            return 1;
    return 0;
}

/*
 * Move the earlier points that do not lie on this run's grid out of old
 * into a new table *aside.  They are neither resumed nor fitted, but
 * psw.csv keeps them (finish writes them back), so a rerun that gives their
 * values resumes them: the points of an earlier, different grid, and a row
 * whose last value was cut short (Ku = 11 instead of 1100000) but parses.
 */
static int set_aside(struct cospin_char_table *old, const struct cospin_char_grid *g,
                     const struct grid_kus *gk, const char *dir,
                     struct cospin_char_table **aside, struct cospin_error *err)
{
    *aside = calloc(1, sizeof **aside);
    if (!*aside)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    size_t cap = 0, kept = 0;
    for (size_t i = 0; old && i < old->npoints; i++) {
        const struct cospin_char_point p = old->points[i];
        if (on_axis(p.width_s, g->widths_s, g->nwidths) &&
            on_axis(p.ku_j_per_m3, gk->kus, gk->nkus) &&
            on_axis(p.current_a, g->currents_a, g->ncurrents))
            old->points[kept++] = p;
        else if (cospin_char_table_add_point(*aside, &cap, &p) != 0)
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    if (old)
        old->npoints = kept;
    const struct cospin_char_point *a = (*aside)->points;
    if ((*aside)->npoints)
        cospin_warn("%s: %zu point%s of psw.csv lie%s outside this run's grid (the first: width "
                    "%g s, Ku %g J/m^3, I %g A): kept in psw.csv but not fitted; give their "
                    "values to resume them",
                    dir, (*aside)->npoints, (*aside)->npoints == 1 ? "" : "s",
                    (*aside)->npoints == 1 ? "s" : "", a->width_s, a->ku_j_per_m3, a->current_a);
    return COSPIN_OK;
}

/* Run the planned tasks on the chosen engine (over all MPI ranks when there
   are several), with progress; an interrupt becomes COSPIN_ERR_INTERRUPTED
   saying what was kept. */
static int execute(struct char_sched *s, struct cospin_error *err)
{
    const struct cospin_char_opts *o = s->o;
    if (pthread_mutex_init(&s->lock, NULL) != 0)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "mutex init failed");
    if (pthread_cond_init(&s->more, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0, "condition init failed");
    }
    double t0 = cospin_now_s();
    int fp = o->engine == COSPIN_CHAR_FOKKER_PLANCK;
    s->slots = engine_slots(o);
    s->failed_task = -1;
    s->remote = cospin_dist_rank() != 0;
    if (!s->remote)
        cospin_progress_start(&s->progress, fp ? "P_sw points (Fokker-Planck)" : "P_sw trials",
                              (long)s->npoints * (fp ? 1 : o->trials));
    int rc = COSPIN_OK;
    if (cospin_dist_size() > 1 && !fp) {
        rc = char_dist_execute(s);
    } else if (!s->remote) {
        /* One process, or the Fokker-Planck engine (seconds for a whole
           grid: rank 0 computes it alone). */
        s->qtail = s->ntasks;   /* every item, in plan order */
        s->qclosed = 1;
        if (s->ntasks > 0)
            rc = char_run_engine(s);
    }
    if (!rc && s->done_points < s->npoints && o->stop && *o->stop)
        rc = COSPIN_ERR_INTERRUPTED;
    if (!rc && s->npoints > 0 && !s->remote)
        cospin_progress_end(&s->progress);
    char_dist_report(s);
    pthread_cond_destroy(&s->more);
    pthread_mutex_destroy(&s->lock);
    if (s->err.code && err && !err->code && rc != COSPIN_ERR_INTERRUPTED)
        *err = s->err;
    if (rc == COSPIN_ERR_INTERRUPTED)   /* the engine's own words would not say what was kept */
        return cospin_error_set(err, COSPIN_ERR_INTERRUPTED, o->out_dir, 0,
                                "%zu of %zu points finished%s", s->done_points, s->npoints,
                                o->out_dir ? " and kept in psw.csv: rerun the same command "
                                             "to resume"
                                           : "");
    if (!rc)
        cospin_dbg("%zu points, %ld trials in %.2f s", s->npoints,
                   (long)s->npoints * (fp ? 0 : o->trials), cospin_now_s() - t0);
    return rc;
}

/* Add the new points to res, fit every curve and write the files (psw.csv
   with the points set aside as well). */
static int finish(struct char_sched *s, struct cospin_char_table *res, size_t *cap,
                  const struct cospin_char_table *aside, struct cospin_error *err)
{
    for (size_t i = 0; i < s->npoints; i++)
        if (cospin_char_table_add_point(res, cap, &s->points[i]) != 0)
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    int rc = cospin_char_fit_all(res);
    if (rc)
        return cospin_error_set(err, rc, NULL, 0, "out of memory");
    if (s->append_fd >= 0) {
        close(s->append_fd);
        s->append_fd = -1;
    }
    return s->o->out_dir ? cospin_char_write_all(res, aside, s->o->out_dir, err) : COSPIN_OK;
}

int cospin_char_check(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                      struct cospin_error *err)
{
    int rc = validate(o, g, err);
    if (rc)
        return rc;
    double ku_dev = cospin_mtj_ku_j_per_m3(&o->device);
    size_t nkus = g->kus_j_per_m3 && g->nkus ? g->nkus : 1;
    struct cospin_mtj_derived *dtab = NULL;
    const double *kus = g->kus_j_per_m3 && g->nkus ? g->kus_j_per_m3 : &ku_dev;
    rc = derive_all(o, kus, nkus, &dtab, err);
    if (!rc && o->engine == COSPIN_CHAR_FOKKER_PLANCK)
        rc = cospin_char_fp_check(o, kus, nkus, err);
    if (!rc)
        rc = check_estimate(o, g, nkus, &dtab[0], err);
    free(dtab);
    return rc;
}

/*
 * Under MPI: rank 0 alone reads and writes out_dir and plans; every rank
 * runs items; each step ends with the ranks agreeing on rank 0's outcome, so
 * all return the same status, and on success the same table.  In one
 * process the agreements and shares do nothing.
 */
int cospin_char_run(const struct cospin_char_opts *o, const struct cospin_char_grid *g,
                    struct cospin_char_table **out, struct cospin_error *err)
{
    if (out)
        *out = NULL;
    int rc = validate(o, g, err);
    if (rc)
        return cospin_dist_agree(rc, err);
    int lead = cospin_dist_rank() == 0;
    struct grid_kus gk = {.ku_dev = cospin_mtj_ku_j_per_m3(&o->device)};
    gk.nkus = g->kus_j_per_m3 && g->nkus ? g->nkus : 1;
    gk.kus = g->kus_j_per_m3 && g->nkus ? g->kus_j_per_m3 : &gk.ku_dev;
    struct cospin_mtj_derived *dtab = NULL;
    struct cospin_char_table *old = NULL, *res = NULL, *aside = NULL;
    struct char_sched s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.append_fd = -1;
    size_t cap = 0;
    rc = derive_all(o, gk.kus, gk.nkus, &dtab, err);
    if (!rc && o->engine == COSPIN_CHAR_FOKKER_PLANCK)
        rc = cospin_char_fp_check(o, gk.kus, gk.nkus, err); /* refuse before touching out_dir */
    if (!rc && lead)   /* before the directory is touched: a refused run leaves nothing */
        rc = check_estimate(o, g, gk.nkus, &dtab[0], err);
    rc = cospin_dist_agree(rc, err);
    char figures[12288];
    if (!rc && o->out_dir && lead) {
        figures_text(o, gk.kus, gk.nkus, figures, sizeof figures);
        rc = prepare_dir(o, figures, &old, &s.append_fd, err);
    }
    if (!rc && lead)
        rc = set_aside(old, g, &gk, o->out_dir, &aside, err);
    if (!rc && !(res = calloc(1, sizeof *res)))
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    if (!rc)
        rc = alloc_plan(&s, gk.nkus * g->nwidths * g->ncurrents, err);
    if (!rc && lead)
        rc = plan_points(&s, g, &gk, dtab, old, res, &cap, err);
    rc = cospin_dist_agree(rc, err);
    if (!rc)
        rc = char_dist_share_plan(&s, dtab, gk.nkus, task_trials(o), err);
    if (!rc)
        rc = execute(&s, err);
    rc = cospin_dist_agree(lead ? rc : 0, err);
    if (!rc && lead)
        rc = finish(&s, res, &cap, aside, err);
    rc = cospin_dist_agree(lead ? rc : 0, err);
    if (!rc)
        rc = char_dist_share_table(res, err);
    if (s.append_fd >= 0)
        close(s.append_fd);
    free(s.points);
    free(s.pd);
    free(s.remaining);
    free(s.tasks);
    free(s.queue);
    free(s.outbox);
    free(dtab);
    cospin_char_table_free(old);
    cospin_char_table_free(aside);
    if (rc == 0 && out)
        *out = res;
    else
        cospin_char_table_free(res);
    return rc;
}
