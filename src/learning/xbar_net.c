/*
 * xbar_net.c -- networks of crossbar layers on the sparse solver, with
 * non-idealities, gradients through the solve and the training hooks
 * (xbar_net.h).
 */
#include <config.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "error.h"
#include "log.h"
#include "logistic.h"
#include "xbar_net.h"
#include "xbar_solve.h"

/* Most parallel parts of a layer (and solver threads). */
#define MAX_PARTS 64

/* Outputs j0 .. j0 + n_out - 1 of a layer: whole tile columns with their own solver. */
struct part {
    int j0, n_out;
    struct cospin_xbar_solver *s;
};

/* One layer; every array n_out x n_in row-major unless said otherwise, all owned. */
struct xlayer {
    int n_in, n_out;
    struct cospin_xbar_geometry geom;
    int nparts;
    struct part *parts;
    struct cospin_nonideal_chip *chip;  /* NULL: ideal devices */
    double *w;                 /* the programmed weights */
    double *gp, *gn;           /* their device conductances, S */
    double *m;                 /* M~ (network units) */
    double *q;                 /* read-noise weights (G+^2 + G-^2)(v_read / I_unit)^2, or NULL */
    int programmed;
    /* The training adapter (cospin_xbar_net_train_hooks). */
    float *mf;                 /* M~ in float: the nn's effective weights */
    float *wf;                 /* the float weights last programmed */
    const float *w_src;        /* the nn's weights, seen by the weights hook */
    uint64_t reads, act_reads; /* reads so far (read-noise and neuron streams) */
    double *xd, *zd;           /* a batch in double: cap x n_in, cap x n_out */
    size_t cap;
};

struct cospin_xbar_net {
    struct cospin_xbar_opts xo;
    struct cospin_nonideal ni;
    int nlayers, threads, flags;
    double i_unit_a;           /* A per unit of z */
    double to_net;             /* v_read_v / I_unit: M~ = M to_net */
    struct xlayer L[COSPIN_XBAR_NET_MAX_LAYERS];
    struct cospin_xbar_net_stats st;
};

/* Copy the error e (a local record) into err. */
static int pass_error(struct cospin_error *err, const struct cospin_error *e)
{
    return cospin_error_set(err, e->code ? e->code : COSPIN_ERR_INTERNAL,
                            e->file[0] ? e->file : NULL, e->line, "%s", e->msg);
}

/* ---- parts and threads ------------------------------------------------------------ */

/* Cut layer L into at most `threads` parts of whole tile columns, each with a solver. */
static int make_parts(struct cospin_xbar_net *net, struct xlayer *L, struct cospin_error *err)
{
    int rc = cospin_xbar_geometry_init(&net->xo, L->n_out, L->n_in, &L->geom, err);
    if (rc)
        return rc;
    int tcols = L->geom.ntile_cols;
    int np = net->threads < tcols ? net->threads : tcols;
    int per = (tcols + np - 1) / np;
    np = (tcols + per - 1) / per;
    L->parts = calloc((size_t)np, sizeof *L->parts);
    if (!L->parts)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar network: out of memory");
    L->nparts = np;
    int keep = net->flags & COSPIN_XBAR_NET_GRAD ? COSPIN_XBAR_SOLVE_KEEP : 0;
    for (int p = 0; p < np && rc == 0; p++) {
        int j0 = p * per * L->geom.tile_cols, j1 = (p + 1) * per * L->geom.tile_cols;
        L->parts[p].j0 = j0;
        L->parts[p].n_out = (j1 < L->n_out ? j1 : L->n_out) - j0;
        rc = cospin_xbar_solver_new(&net->xo, L->parts[p].n_out, L->n_in, keep, &L->parts[p].s,
                                    err);
    }
    return rc;
}

enum task { TASK_FACTOR, TASK_GRAD };

/* One part's share of a task; run in its own thread. */
struct job {
    const struct xlayer *L;
    const struct part *p;
    enum task task;
    const double *dl_dm;       /* TASK_GRAD: dL/dM (A/V units), the whole layer */
    double *dgp, *dgn;         /* TASK_GRAD: dL/dG+, dL/dG-, the whole layer */
    int rc;
    struct cospin_error err;
};

static void *job_run(void *arg)
{
    struct job *jb = arg;
    size_t off = (size_t)jb->p->j0 * (size_t)jb->L->n_in;
    if (jb->task == TASK_FACTOR)
        jb->rc = cospin_xbar_solver_factor(jb->p->s, jb->L->gp + off, jb->L->gn + off, &jb->err);
    else
        jb->rc = cospin_xbar_solver_grad(jb->p->s, jb->dl_dm + off, jb->dgp + off, jb->dgn + off,
                                         &jb->err);
    return NULL;
}

/*
 * Run a task on every part of L, the parts in parallel threads (the first
 * in the caller's).  Returns 0 or the first failing part's error (*failed:
 * its index).
 */
static int run_parts(struct xlayer *L, enum task task, const double *dl_dm, double *dgp,
                     double *dgn, int *failed, struct cospin_error *err)
{
    struct job jobs[MAX_PARTS];
    pthread_t th[MAX_PARTS];
    int started[MAX_PARTS] = {0};
    for (int p = 0; p < L->nparts; p++)
        jobs[p] = (struct job){L, &L->parts[p], task, dl_dm, dgp, dgn, 0, {0}};
    for (int p = 1; p < L->nparts; p++)
        started[p] = pthread_create(&th[p], NULL, job_run, &jobs[p]) == 0;
    job_run(&jobs[0]);
    for (int p = 1; p < L->nparts; p++) {
        if (started[p])
            pthread_join(th[p], NULL);
        else
            job_run(&jobs[p]); /* no thread to be had: do it here */
    }
    for (int p = 0; p < L->nparts; p++)
        if (jobs[p].rc) {
            *failed = p;
            pass_error(err, &jobs[p].err);
            return jobs[p].rc;
        }
    return 0;
}

/*
 * A part failed to factor: factor the whole layer in one solver, whose
 * message names the layer's own tiles and outputs.  Returns its error, or
 * 0 when it succeeds (then the caller keeps the part's message).
 */
static int whole_layer_error(const struct cospin_xbar_net *net, const struct xlayer *L,
                             struct cospin_error *err)
{
    struct cospin_xbar_solver *s = NULL;
    struct cospin_error e = {0};
    int rc = cospin_xbar_solver_new(&net->xo, L->n_out, L->n_in, 0, &s, &e);
    if (rc == 0)
        rc = cospin_xbar_solver_factor(s, L->gp, L->gn, &e);
    cospin_xbar_solver_free(s);
    if (rc)
        pass_error(err, &e);
    return rc;
}

/* ---- the network ---------------------------------------------------------------------- */

static void layer_free(struct xlayer *L)
{
    for (int p = 0; p < L->nparts; p++)
        cospin_xbar_solver_free(L->parts[p].s);
    free(L->parts);
    cospin_nonideal_chip_free(L->chip);
    free(L->w), free(L->gp), free(L->gn), free(L->m), free(L->q);
    free(L->mf), free(L->wf), free(L->xd), free(L->zd);
    memset(L, 0, sizeof *L);
}

void cospin_xbar_net_free(struct cospin_xbar_net *net)
{
    if (!net)
        return;
    for (int l = 0; l < net->nlayers; l++)
        layer_free(&net->L[l]);
    free(net);
}

static int check_new(const struct cospin_xbar_opts *xo, const struct cospin_nonideal *ni,
                     const size_t *n_units, int nlayers, int threads, int flags,
                     struct cospin_error *err)
{
    int rc = cospin_xbar_opts_validate(xo, err);
    if (rc || (rc = cospin_nonideal_validate(ni, err)))
        return rc;
    if (nlayers < 1 || nlayers > COSPIN_XBAR_NET_MAX_LAYERS || !n_units)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: 1 .. %d layers (got %d)",
                                COSPIN_XBAR_NET_MAX_LAYERS, nlayers);
    for (int l = 0; l <= nlayers; l++)
        if (n_units[l] < 1 || n_units[l] > 1000000)
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar network: layer sizes must be 1 .. 1e6 (got %zu)",
                                    n_units[l]);
    if (threads < 1 || threads > MAX_PARTS)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: threads %d outside 1 .. %d", threads,
                                MAX_PARTS);
    if (flags & ~COSPIN_XBAR_NET_GRAD)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: unknown flags %#x", (unsigned)flags);
    return 0;
}

int cospin_xbar_net_new(const struct cospin_xbar_opts *xo, const struct cospin_nonideal *ni,
                        const size_t *n_units, int nlayers, int threads, int flags,
                        struct cospin_xbar_net **out, struct cospin_error *err)
{
    *out = NULL;
    int rc = check_new(xo, ni, n_units, nlayers, threads, flags, err);
    if (rc)
        return rc;
    struct cospin_xbar_net *net = calloc(1, sizeof *net);
    if (!net)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar network: out of memory");
    net->xo = *xo;
    net->ni = *ni;
    net->nlayers = nlayers;
    net->threads = threads;
    net->flags = flags;
    net->i_unit_a = cospin_xbar_current_unit_a(xo);
    net->to_net = xo->v_read_v / net->i_unit_a;
    for (int l = 0; l < nlayers && rc == 0; l++) {
        struct xlayer *L = &net->L[l];
        L->n_in = (int)n_units[l];
        L->n_out = (int)n_units[l + 1];
        size_t n = (size_t)L->n_in * (size_t)L->n_out;
        L->w = malloc(n * sizeof *L->w);
        L->gp = malloc(n * sizeof *L->gp);
        L->gn = malloc(n * sizeof *L->gn);
        L->m = malloc(n * sizeof *L->m);
        L->q = ni->read_noise > 0 ? malloc(n * sizeof *L->q) : NULL;
        if (!L->w || !L->gp || !L->gn || !L->m || (ni->read_noise > 0 && !L->q))
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                  "crossbar network: out of memory");
        if (rc == 0 && cospin_nonideal_has_chip(ni))
            rc = cospin_nonideal_chip_new(ni, l, n, &L->chip, err);
        if (rc == 0)
            rc = make_parts(net, L, err);
        net->st.tiles[l] = L->geom.ntiles;
        net->st.parts[l] = L->nparts;
    }
    if (rc) {
        cospin_xbar_net_free(net);
        return rc;
    }
    *out = net;
    return 0;
}

const struct cospin_xbar_opts *cospin_xbar_net_opts(const struct cospin_xbar_net *net)
{
    return &net->xo;
}

const struct cospin_nonideal *cospin_xbar_net_nonideal(const struct cospin_xbar_net *net)
{
    return &net->ni;
}

double cospin_xbar_net_i_unit_a(const struct cospin_xbar_net *net)
{
    return net->i_unit_a;
}

static int check_layer(const struct cospin_xbar_net *net, int layer, int programmed,
                       struct cospin_error *err)
{
    if (!net || layer < 0 || layer >= net->nlayers)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: no layer %d", layer);
    if (programmed && !net->L[layer].programmed)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: layer %d is not programmed", layer + 1);
    return 0;
}

int cospin_xbar_net_devices(const struct cospin_xbar_net *net, int layer, const double *w,
                            double *g_pos_s, double *g_neg_s, struct cospin_error *err)
{
    int rc = check_layer(net, layer, 0, err);
    if (rc)
        return rc;
    const struct xlayer *L = &net->L[layer];
    char what[32];
    snprintf(what, sizeof what, "layer %d", layer + 1);
    rc = cospin_xbar_weights_to_g(&net->xo, w, L->n_out, L->n_in, g_pos_s, g_neg_s, what, err);
    if (rc == 0)
        cospin_nonideal_chip_apply(L->chip, net->xo.g_min_s, net->xo.g_max_s, g_pos_s, g_neg_s);
    return rc;
}

/* M~ of the factored parts, the read-noise weights and the float copy. */
static void collect(struct cospin_xbar_net *net, struct xlayer *L)
{
    size_t n_in = (size_t)L->n_in;
    for (int p = 0; p < L->nparts; p++) {
        const double *mp = cospin_xbar_solver_matrix(L->parts[p].s);
        double *dst = L->m + (size_t)L->parts[p].j0 * n_in;
        for (size_t k = 0; k < (size_t)L->parts[p].n_out * n_in; k++)
            dst[k] = mp[k] * net->to_net;
    }
    size_t n = n_in * (size_t)L->n_out;
    double t2 = net->to_net * net->to_net;
    for (size_t k = 0; L->q && k < n; k++)
        L->q[k] = (L->gp[k] * L->gp[k] + L->gn[k] * L->gn[k]) * t2;
    for (size_t k = 0; L->mf && k < n; k++)
        L->mf[k] = (float)L->m[k];
}

int cospin_xbar_net_program(struct cospin_xbar_net *net, int layer, const double *w,
                            struct cospin_error *err)
{
    int rc = check_layer(net, layer, 0, err);
    if (rc)
        return rc;
    struct xlayer *L = &net->L[layer];
    L->programmed = 0;
    double t0 = cospin_now_s();
    if ((rc = cospin_xbar_net_devices(net, layer, w, L->gp, L->gn, err)))
        return rc;
    memcpy(L->w, w, (size_t)L->n_in * (size_t)L->n_out * sizeof *w);
    int failed = 0;
    struct cospin_error e = {0};
    rc = run_parts(L, TASK_FACTOR, NULL, NULL, NULL, &failed, &e);
    if (rc && (L->nparts == 1 || whole_layer_error(net, L, err) == 0))
        pass_error(err, &e);
    if (rc) {
        char what[32];
        snprintf(what, sizeof what, "layer %d", layer + 1);
        cospin_error_prefix(err, what);
        return rc;
    }
    collect(net, L);
    L->programmed = 1;
    net->st.programs++;
    net->st.program_s += cospin_now_s() - t0;
    return 0;
}

const double *cospin_xbar_net_matrix(const struct cospin_xbar_net *net, int layer)
{
    return check_layer(net, layer, 1, NULL) ? NULL : net->L[layer].m;
}

const double *cospin_xbar_net_g_pos(const struct cospin_xbar_net *net, int layer)
{
    return check_layer(net, layer, 1, NULL) ? NULL : net->L[layer].gp;
}

const double *cospin_xbar_net_g_neg(const struct cospin_xbar_net *net, int layer)
{
    return check_layer(net, layer, 1, NULL) ? NULL : net->L[layer].gn;
}

/* Add read noise to z (nvec x n_out) of inputs x: std read_noise sqrt(sum_i q_ji x_i^2). */
static int add_noise(const struct cospin_xbar_net *net, const struct xlayer *L, int layer,
                     const double *x, size_t nvec, uint64_t first_read, double *z,
                     struct cospin_error *err)
{
    size_t n_in = (size_t)L->n_in, n_out = (size_t)L->n_out;
    double *x2 = malloc(nvec * n_in * sizeof *x2), *var = malloc(nvec * n_out * sizeof *var);
    if (!x2 || !var) {
        free(x2);
        free(var);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar network: out of memory");
    }
    for (size_t k = 0; k < nvec * n_in; k++)
        x2[k] = x[k] * x[k];
    cospin_dgemm(0, 1, nvec, n_out, n_in, 1.0, x2, n_in, L->q, n_in, 0.0, var, n_out);
    for (size_t v = 0; v < nvec; v++) {
        struct cospin_rng rng;
        cospin_nonideal_read_rng(&net->ni, COSPIN_NONIDEAL_DRAW_NOISE, layer, first_read + v,
                                 &rng);
        for (size_t j = 0; j < n_out; j++)
            z[v * n_out + j] +=
                net->ni.read_noise * sqrt(fmax(var[v * n_out + j], 0.0)) * cospin_rng_normal(&rng);
    }
    free(x2);
    free(var);
    return 0;
}

int cospin_xbar_net_read(struct cospin_xbar_net *net, int layer, const double *x, size_t nvec,
                         uint64_t first_read, double *z, struct cospin_error *err)
{
    int rc = check_layer(net, layer, 1, err);
    if (rc)
        return rc;
    if (nvec == 0)
        return 0;
    if (!x || !z)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: reads need inputs and outputs");
    const struct xlayer *L = &net->L[layer];
    double t0 = cospin_now_s();
    size_t n_in = (size_t)L->n_in, n_out = (size_t)L->n_out;
    cospin_dgemm(0, 1, nvec, n_out, n_in, 1.0, x, n_in, L->m, n_in, 0.0, z, n_out);
    if (L->q)
        rc = add_noise(net, L, layer, x, nvec, first_read, z, err);
    net->st.read_s += cospin_now_s() - t0;
    return rc;
}

void cospin_xbar_net_current_scale(const struct cospin_xbar_net *net, int layer, const double *x,
                                   double *scale)
{
    const struct xlayer *L = &net->L[layer];
    for (int j = 0; j < L->n_out; j++) {
        const double *gp = L->gp + (size_t)j * (size_t)L->n_in;
        const double *gn = L->gn + (size_t)j * (size_t)L->n_in;
        double s = 0;
        for (int i = 0; i < L->n_in; i++)
            s += (gp[i] + gn[i]) * fabs(x[i]);
        scale[j] = net->xo.v_read_v * s;
    }
}

/* ADC, neuron stages and samples of layer l on its reads z (nvec x n_out) into a (same shape). */
static void neurons(const struct cospin_xbar_net *net, int l, const struct cospin_neuron_compact *st,
                    double range, const double *z, size_t nvec, uint64_t first_read, double *a)
{
    size_t n_out = (size_t)net->L[l].n_out;
    for (size_t v = 0; v < nvec; v++) {
        struct cospin_rng rng;
        cospin_nonideal_read_rng(&net->ni, COSPIN_NONIDEAL_DRAW_NEURON, l, first_read + v, &rng);
        for (size_t j = 0; j < n_out; j++) {
            double zq = cospin_nonideal_adc(z[v * n_out + j], range, net->ni.adc_bits);
            double p = cospin_compact_neuron_p(&st[j], net->i_unit_a * zq, NULL);
            a[v * n_out + j] = cospin_nonideal_neuron(p, net->ni.neuron_samples, &rng);
        }
    }
}

int cospin_xbar_net_forward(struct cospin_xbar_net *net,
                            const struct cospin_neuron_compact *const *stages,
                            const double *adc_range, const double *x, size_t nvec,
                            uint64_t first_read, double *a_out, double *i_out,
                            struct cospin_error *err)
{
    if (!net || !stages || !x || !a_out || (net->ni.adc_bits > 0 && !adc_range))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: forward pass without its arguments");
    for (int l = 0; net->ni.adc_bits > 0 && l < net->nlayers; l++)
        if (!(adc_range[l] > 0 && isfinite(adc_range[l])))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "crossbar network: layer %d ADC range %g must be > 0", l + 1,
                                    adc_range[l]);
    size_t maxn = 0, ncur = 0;
    for (int l = 0; l < net->nlayers; l++) {
        maxn = (size_t)net->L[l].n_out > maxn ? (size_t)net->L[l].n_out : maxn;
        ncur += (size_t)net->L[l].n_out;
    }
    double *z = malloc(nvec * maxn * sizeof *z), *a[2] = {malloc(nvec * maxn * sizeof(double)),
                                                          malloc(nvec * maxn * sizeof(double))};
    int rc = z && a[0] && a[1] ? 0
                               : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                                  "crossbar network: out of memory");
    const double *in = x;
    size_t off = 0;
    for (int l = 0; l < net->nlayers && rc == 0; l++) {
        size_t n_out = (size_t)net->L[l].n_out;
        double *out = l + 1 == net->nlayers ? a_out : a[l % 2];
        rc = cospin_xbar_net_read(net, l, in, nvec, first_read, z, err);
        if (rc)
            break;
        for (size_t v = 0; i_out && v < nvec; v++)
            for (size_t j = 0; j < n_out; j++)
                i_out[v * ncur + off + j] = net->i_unit_a * z[v * n_out + j];
        neurons(net, l, stages[l], adc_range ? adc_range[l] : 0.0, z, nvec, first_read, out);
        in = out;
        off += n_out;
    }
    free(z);
    free(a[0]);
    free(a[1]);
    return rc;
}

/*
 * dL/dw from dL/dG+ and dL/dG- (in place into dgp): the device factors and
 * the derivative of the weight map (xbar_net.h).
 */
static void chain_map(const struct cospin_xbar_net *net, const struct xlayer *L, double *dgp,
                      const double *dgn)
{
    const double span = (net->xo.g_max_s - net->xo.g_min_s) / net->xo.w_max;
    const struct cospin_nonideal_chip *chip = L->chip;
    for (size_t k = 0; k < (size_t)L->n_in * (size_t)L->n_out; k++) {
        double w = L->w[k];
        double fp = chip ? chip->f_pos[k] : 1.0, fn = chip ? chip->f_neg[k] : 1.0;
        double wp = w > 0 ? 1.0 : (w == 0 ? 0.5 : 0.0);   /* share of the G+ side */
        double d = fabs(w) > net->xo.w_max ? 0.0
                                           : span * (wp * fp * dgp[k] - (1.0 - wp) * fn * dgn[k]);
        dgp[k] = d;
    }
}

int cospin_xbar_net_grad(struct cospin_xbar_net *net, int layer, const double *dl_dm,
                         double *dl_dw, struct cospin_error *err)
{
    int rc = check_layer(net, layer, 1, err);
    if (rc)
        return rc;
    if (!(net->flags & COSPIN_XBAR_NET_GRAD))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar network: created without gradients");
    struct xlayer *L = &net->L[layer];
    double t0 = cospin_now_s();
    size_t n = (size_t)L->n_in * (size_t)L->n_out;
    double *dm = malloc(n * sizeof *dm), *dgn = malloc(n * sizeof *dgn);
    if (!dm || !dgn) {
        free(dm);
        free(dgn);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar network: out of memory");
    }
    for (size_t k = 0; k < n; k++)
        dm[k] = dl_dm[k] * net->to_net;   /* M~ = M to_net, so dL/dM = dL/dM~ to_net */
    int failed = 0;
    rc = run_parts(L, TASK_GRAD, dm, dl_dw, dgn, &failed, err);
    if (rc == 0)
        chain_map(net, L, dl_dw, dgn);
    else
        cospin_error_prefix(err, "crossbar network gradient");
    free(dm);
    free(dgn);
    net->st.grads++;
    net->st.grad_s += cospin_now_s() - t0;
    return rc;
}

int cospin_xbar_net_circuit(const struct cospin_xbar_net *net, int layer,
                            struct cospin_xbar_circuit **out, struct cospin_error *err)
{
    *out = NULL;
    int rc = check_layer(net, layer, 1, err);
    if (rc)
        return rc;
    const struct xlayer *L = &net->L[layer];
    return cospin_xbar_circuit_new(&net->xo, L->n_out, L->n_in, L->gp, L->gn, out, err);
}

void cospin_xbar_net_stats(const struct cospin_xbar_net *net, struct cospin_xbar_net_stats *st)
{
    *st = net->st;
}

/* ---- circuit-aware training ---------------------------------------------------------- */

/* The weights hook: remember the nn's weights, hand over M~ (filled by the forward hook). */
static const float *hook_weights(void *ctx, int layer, const float *w, size_t n)
{
    struct cospin_xbar_net *net = ctx;
    if (layer < 0 || layer >= net->nlayers)
        return NULL;
    struct xlayer *L = &net->L[layer];
    if (n != (size_t)L->n_in * (size_t)L->n_out)
        return NULL;
    if (!L->mf) {
        L->mf = malloc(n * sizeof *L->mf);
        L->wf = malloc(n * sizeof *L->wf);
        if (!L->mf || !L->wf)
            return NULL;
        for (size_t k = 0; L->programmed && k < n; k++)
            L->mf[k] = (float)L->m[k];
    }
    L->w_src = w;
    return L->mf;
}

/* Program layer from the nn's weights unless they are the ones programmed last. */
static int program_from(struct cospin_xbar_net *net, int layer, const float *w,
                        struct cospin_error *err)
{
    struct xlayer *L = &net->L[layer];
    size_t n = (size_t)L->n_in * (size_t)L->n_out;
    if (!L->mf || !L->wf)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar network: out of memory");
    if (L->programmed && memcmp(L->wf, w, n * sizeof *w) == 0)
        return 0;
    double *wd = malloc(n * sizeof *wd);
    if (!wd)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar network: out of memory");
    for (size_t k = 0; k < n; k++)
        wd[k] = w[k];
    int rc = cospin_xbar_net_program(net, layer, wd, err);
    free(wd);
    if (rc == 0)
        memcpy(L->wf, w, n * sizeof *w);
    return rc;
}

/* A batch buffer of at least `batch` rows. */
static int batch_buffers(struct xlayer *L, size_t batch, struct cospin_error *err)
{
    if (batch <= L->cap)
        return 0;
    free(L->xd);
    free(L->zd);
    L->xd = malloc(batch * (size_t)L->n_in * sizeof *L->xd);
    L->zd = malloc(batch * (size_t)L->n_out * sizeof *L->zd);
    L->cap = L->xd && L->zd ? batch : 0;
    return L->cap ? 0
                  : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                     "crossbar network: out of memory");
}

/* The forward hook: z = M~ x plus read noise for the batch. */
static int hook_forward(void *ctx, int layer, const float *w, size_t rows, size_t cols,
                        const float *x, size_t batch, float *z_out, struct cospin_error *err)
{
    (void)w; /* M~, which the program step below fills */
    struct cospin_xbar_net *net = ctx;
    int rc = check_layer(net, layer, 0, err);
    if (rc)
        return rc;
    struct xlayer *L = &net->L[layer];
    if (!L->w_src || rows != (size_t)L->n_out || cols != (size_t)L->n_in)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "crossbar network: layer %d called without its weights hook",
                                layer + 1);
    if ((rc = program_from(net, layer, L->w_src, err)) || (rc = batch_buffers(L, batch, err)))
        return rc;
    for (size_t k = 0; k < batch * cols; k++)
        L->xd[k] = x[k];
    rc = cospin_xbar_net_read(net, layer, L->xd, batch, L->reads, L->zd, err);
    L->reads += batch;
    for (size_t k = 0; rc == 0 && k < batch * rows; k++)
        z_out[k] = (float)L->zd[k];
    return rc;
}

/* The activation hook with an ADC or neuron samples: a (sampled) and p (expected). */
static int hook_activate(void *ctx, int layer, const float *z, const float *k, const float *c,
                         size_t units, size_t batch, float *a_out, float *p_out,
                         struct cospin_error *err)
{
    struct cospin_xbar_net *net = ctx;
    int rc = check_layer(net, layer, 0, err);
    if (rc)
        return rc;
    struct xlayer *L = &net->L[layer];
    const struct cospin_nonideal *ni = &net->ni;
    double range = ni->adc_range > 0 ? ni->adc_range : cospin_nonideal_adc_auto_range(k, c, units);
    for (size_t s = 0; s < batch; s++) {
        struct cospin_rng rng;
        cospin_nonideal_read_rng(ni, COSPIN_NONIDEAL_DRAW_NEURON, layer, L->act_reads + s, &rng);
        for (size_t j = 0; j < units; j++) {
            double zq = cospin_nonideal_adc(z[s * units + j], range, ni->adc_bits);
            double u = (double)k[j] * (zq + (double)c[j]);
            double p = cospin_logistic(u);
            p_out[s * units + j] = (float)p;
            a_out[s * units + j] = (float)cospin_nonideal_neuron(p, ni->neuron_samples, &rng);
        }
    }
    L->act_reads += batch;
    return 0;
}

/* The gradient hook: dL/dM~ -> dL/dw. */
static int hook_grad(void *ctx, int layer, const float *w, float *grad_w, size_t n,
                     struct cospin_error *err)
{
    struct cospin_xbar_net *net = ctx;
    int rc = check_layer(net, layer, 0, err);
    if (rc)
        return rc;
    struct xlayer *L = &net->L[layer];
    if (n != (size_t)L->n_in * (size_t)L->n_out)
        return cospin_error_set(err, COSPIN_ERR_INTERNAL, NULL, 0,
                                "crossbar network: layer %d gradient of %zu weights", layer + 1, n);
    if ((rc = program_from(net, layer, w, err)))   /* a no-op after this batch's forward pass */
        return rc;
    double *g = malloc(2 * n * sizeof *g);
    if (!g)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar network: out of memory");
    for (size_t k = 0; k < n; k++)
        g[k] = grad_w[k];
    rc = cospin_xbar_net_grad(net, layer, g, g + n, err);
    for (size_t k = 0; rc == 0 && k < n; k++)
        grad_w[k] = (float)g[n + k];
    free(g);
    return rc;
}

void cospin_xbar_net_train_hooks(struct cospin_xbar_net *net, struct cospin_train_opts *opts)
{
    memset(&opts->hooks, 0, sizeof opts->hooks);
    opts->hooks.weights.effective_weights = hook_weights;
    opts->hooks.weights.ctx = net;
    opts->hooks.forward.forward_layer = hook_forward;
    opts->hooks.forward.ctx = net;
    if (net->ni.adc_bits > 0 || net->ni.neuron_samples > 0) {
        opts->hooks.activation.activate_st = hook_activate;
        opts->hooks.activation.ctx = net;
    }
    opts->weight_grad.transform = hook_grad;
    opts->weight_grad.ctx = net;
}
