/*
 * cosim.c -- circuits in the loop: crossbars and networks streamed through
 * ngspice (cosim.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "cosim"
#include "cosim.h"
#include "engine.h"
#include "error.h"
#include "log.h"
#include "netlist.h"

struct cospin_cosim {
    struct cospin_cosim_opts opts;
    struct cospin_engine *eng;   /* in-process (workers == 0) */
    struct cospin_pool *pool;    /* workers >= 1 */
    struct cospin_cosim_stats stats;
};

void cospin_cosim_opts_default(struct cospin_cosim_opts *o)
{
    memset(o, 0, sizeof *o);
    cospin_xbar_opts_default(&o->xbar);
    o->xbar.cell = COSPIN_XBAR_CELL_VCCS;
    o->auto_scale = 1;
    o->workers = 0;
    o->copies = 1;
}

int cospin_cosim_new(const struct cospin_cosim_opts *opts, struct cospin_cosim **out,
                     struct cospin_error *err)
{
    *out = NULL;
    int rc = cospin_xbar_opts_validate(&opts->xbar, err);
    if (rc)
        return rc;
    if (opts->workers < 0 || opts->copies < 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "cosim: workers must be >= 0 and copies >= 1 (got %d, %d)",
                                opts->workers, opts->copies);
    struct cospin_cosim *cs = calloc(1, sizeof *cs);
    if (!cs)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "cosim: out of memory");
    cs->opts = *opts;
    struct cospin_engine_opts eo = {0};
    eo.codemodel_path = opts->codemodel_path;
    eo.job_timeout_s = opts->job_timeout_s;
    if (opts->workers > 0)
        rc = cospin_pool_new(&eo, opts->workers, &cs->pool, err);
    else
        rc = cospin_engine_new(&eo, &cs->eng, err);
    if (rc) {
        free(cs);
        return rc;
    }
    cospin_pool_set_stop(cs->pool, opts->stop);   /* no pool (NULL): nothing to do */
    *out = cs;
    return 0;
}

void cospin_cosim_free(struct cospin_cosim *cs)
{
    if (!cs)
        return;
    cospin_pool_free(cs->pool);
    cospin_engine_free(cs->eng);
    free(cs);
}

const struct cospin_cosim_opts *cospin_cosim_opts(const struct cospin_cosim *cs)
{
    return &cs->opts;
}

void cospin_cosim_stats(const struct cospin_cosim *cs, struct cospin_cosim_stats *st)
{
    *st = cs->stats;
}

int cospin_cosim_worker_pids(const struct cospin_cosim *cs, int *pids, int max)
{
    if (!cs || !cs->pool)
        return 0;
    int n = cospin_pool_size(cs->pool);
    n = n < max ? n : max;
    for (int i = 0; i < n; i++)
        pids[i] = cospin_pool_worker_pid(cs->pool, i);
    return n;
}

/* Stream a job in-process or through the pool. */
static int run_stream(struct cospin_cosim *cs, const struct cospin_stream_job *job, double *res,
                      struct cospin_error *err)
{
    double t0 = cospin_now_s();
    int rc;
    if (cs->pool) {
        rc = cospin_pool_stream(cs->pool, job, res, err);
    } else {
        rc = cospin_engine_stream_job(cs->eng, job, res, err);
        struct cospin_stream_stats st;
        cospin_engine_stream_stats(cs->eng, &st);
        cs->stats.time_points += st.time_points;
        cs->stats.load_s += st.load_s;
        cs->stats.run_s += st.run_s;
        cospin_engine_clear(cs->eng);
    }
    cs->stats.sim_s += cospin_now_s() - t0;
    cs->stats.runs++;
    return rc;
}

/* An array of n names "<prefix><i>", one allocation; free the array only. */
static char **name_list(size_t n, const char *prefix)
{
    char **v = malloc(n * (sizeof(char *) + 32));
    if (!v)
        return NULL;
    char *store = (char *)(v + n);
    for (size_t i = 0; i < n; i++) {
        v[i] = store + i * 32;
        snprintf(v[i], 32, "%s%zu", prefix, i);
    }
    return v;
}

int cospin_cosim_crossbar(struct cospin_cosim *cs, const double *w, int n_out, int n_in,
                          const double *x, size_t nvec, double *i_out, double *i_unit_a,
                          struct cospin_error *err)
{
    if (!cs || !w || !x || !i_out || n_out < 1 || n_in < 1 || nvec == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "cosim crossbar: bad arguments (%d x %d, %zu vectors)", n_out, n_in,
                                nvec);
    struct cospin_xbar_opts xo = cs->opts.xbar;
    if (cs->opts.auto_scale) {
        double m = 0;
        for (size_t k = 0; k < (size_t)n_out * (size_t)n_in; k++)
            m = fabs(w[k]) > m ? fabs(w[k]) : m;
        if (!isfinite(m))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "cosim crossbar: a weight is not finite");
        xo.w_max = m > 0 ? m : 1.0;
    }
    int K = cs->opts.copies;
    size_t nsv = (nvec + (size_t)K - 1) / (size_t)K; /* stream vectors */
    size_t nsrc = (size_t)K * (size_t)n_in, nout = (size_t)K * (size_t)n_out;

    double t0 = cospin_now_s();
    int rc = 0;
    struct cospin_netlist *nl = cospin_netlist_new();
    char **src = malloc(nsrc * (sizeof(char *) + 32));
    char **outs = malloc(nout * (sizeof(char *) + 32));
    double *vals = malloc(nsv * nsrc * sizeof *vals);
    double *res = malloc(nsv * nout * sizeof *res);
    char **in = NULL;
    if (!nl || !src || !outs || !vals || !res) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "cosim crossbar: out of memory");
        goto out;
    }
    char *ss = (char *)(src + nsrc), *os = (char *)(outs + nout);
    cospin_netlist_printf(nl, "* cosim crossbar %d x %d, %d copies\n", n_out, n_in, K);
    for (int c = 0; c < K && rc == 0; c++) {
        free(in);
        char pre[32];
        snprintf(pre, sizeof pre, "q%d_", c);
        in = name_list((size_t)n_in, pre);
        if (!in) {
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "cosim crossbar: out of memory");
            break;
        }
        for (int i = 0; i < n_in; i++) {
            size_t s = (size_t)c * (size_t)n_in + (size_t)i;
            src[s] = ss + s * 32;
            snprintf(src[s], 32, "vq%d_%d", c, i);
            cospin_netlist_printf(nl, "vq%d_%d q%d_%d 0 external\n", c, i, c, i);
        }
        char prefix[16];
        snprintf(prefix, sizeof prefix, "k%d", c);
        rc = cospin_netlist_crossbar(nl, prefix, &xo, w, n_out, n_in, (const char *const *)in, NULL,
                                     err);
        for (int j = 0; j < n_out; j++) {
            size_t o = (size_t)c * (size_t)n_out + (size_t)j;
            outs[o] = os + o * 32;
            snprintf(outs[o], 32, "i(vk%ds%d)", c, j);
        }
    }
    if (rc)
        goto out;
    if (cospin_netlist_printf(nl, ".end\n")) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "cosim crossbar: out of memory");
        goto out;
    }
    /* Vector v goes to copy v % K of stream vector v / K; missing ones are zero. */
    for (size_t v = 0; v < nsv * (size_t)K; v++) {
        double *dst = vals + (v / (size_t)K) * nsrc + (v % (size_t)K) * (size_t)n_in;
        for (int i = 0; i < n_in; i++)
            dst[i] = v < nvec ? xo.v_read_v * x[v * (size_t)n_in + (size_t)i] : 0.0;
    }
    cs->stats.build_s += cospin_now_s() - t0;
    cs->stats.netlist_bytes = cospin_netlist_length(nl);

    struct cospin_stream_job job = {
        .netlist = cospin_netlist_text(nl), .source_names = (const char *const *)src,
        .nsrc = nsrc, .values = vals, .nvec = nsv, .outputs = (const char *const *)outs,
        .nout = nout, .step_s = 0.0,
    };
    rc = run_stream(cs, &job, res, err);
    if (rc)
        goto out;
    for (size_t v = 0; v < nvec; v++)
        memcpy(i_out + v * (size_t)n_out,
               res + (v / (size_t)K) * nout + (v % (size_t)K) * (size_t)n_out,
               (size_t)n_out * sizeof *i_out);
    cs->stats.vectors += nvec;
    if (i_unit_a)
        *i_unit_a = cospin_xbar_current_unit_a(&xo);
out:
    free(in);
    free(src);
    free(outs);
    free(vals);
    free(res);
    cospin_netlist_free(nl);
    return rc;
}

int cospin_cosim_network(struct cospin_cosim *cs, const struct cospin_net_layer *layers,
                         int nlayers, const double *x, size_t nvec, double *a_out, double *i_out,
                         struct cospin_error *err)
{
    if (!cs || !layers || nlayers < 1 || !x || !a_out || nvec == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "cosim network: bad arguments");
    const struct cospin_net_layer *last = &layers[nlayers - 1];
    if (!last->neuron)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "cosim network: the last layer needs neuron stages");
    struct cospin_xbar_opts xo = cs->opts.xbar;
    size_t n_in = (size_t)layers[0].n_in, n_last = (size_t)last->n_out, ncur = 0;
    for (int l = 0; l < nlayers; l++)
        ncur += (size_t)layers[l].n_out;
    size_t nout = n_last + (i_out ? ncur : 0);

    double t0 = cospin_now_s();
    int rc = 0;
    struct cospin_netlist *nl = cospin_netlist_new();
    char **src = name_list(n_in, "vx");
    char **outs = malloc(nout * (sizeof(char *) + 32));
    double *vals = malloc(nvec * n_in * sizeof *vals);
    double *res = malloc(nvec * nout * sizeof *res);
    if (!nl || !src || !outs || !vals || !res) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "cosim network: out of memory");
        goto out;
    }
    rc = cospin_netlist_network(nl, "cosim network", &xo, layers, nlayers, COSPIN_INPUT_EXTERNAL,
                                NULL, err);
    if (rc)
        goto out;
    cospin_netlist_printf(nl, ".end\n");
    char *os = (char *)(outs + nout);
    for (size_t j = 0; j < nout; j++)
        outs[j] = os + j * 32;
    for (int j = 0; j < last->n_out; j++)
        snprintf(outs[j], 32, "v(l%da%d)", nlayers % 1000, j);
    size_t o = n_last;
    for (int l = 0; i_out && l < nlayers; l++)
        for (int j = 0; j < layers[l].n_out; j++)
            snprintf(outs[o++], 32, "i(vl%ds%d)", (l + 1) % 1000, j);
    for (size_t k = 0; k < nvec * n_in; k++)
        vals[k] = xo.v_read_v * x[k];
    cs->stats.build_s += cospin_now_s() - t0;
    cs->stats.netlist_bytes = cospin_netlist_length(nl);

    struct cospin_stream_job job = {
        .netlist = cospin_netlist_text(nl), .source_names = (const char *const *)src,
        .nsrc = n_in, .values = vals, .nvec = nvec, .outputs = (const char *const *)outs,
        .nout = nout, .step_s = 0.0,
    };
    rc = run_stream(cs, &job, res, err);
    if (rc)
        goto out;
    for (size_t v = 0; v < nvec; v++) {
        for (size_t j = 0; j < n_last; j++)
            a_out[v * n_last + j] = res[v * nout + j] / last->neuron[j].v_one_v;
        if (i_out)
            memcpy(i_out + v * ncur, res + v * nout + n_last, ncur * sizeof *i_out);
    }
    cs->stats.vectors += nvec;
out:
    free(src);
    free(outs);
    free(vals);
    free(res);
    cospin_netlist_free(nl);
    return rc;
}

int cospin_cosim_forward_layer(void *ctx, int layer, const float *w, size_t rows, size_t cols,
                               const float *x, size_t batch, float *z_out,
                               struct cospin_error *err)
{
    struct cospin_cosim *cs = ctx;
    if (rows > 1000000 || cols > 1000000)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "cosim forward: layer %d too large", layer);
    size_t nw = rows * cols;
    double *wd = malloc(nw * sizeof *wd);
    double *xd = malloc(batch * cols * sizeof *xd);
    double *id = malloc(batch * rows * sizeof *id);
    int rc = 0;
    if (!wd || !xd || !id) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "cosim forward: out of memory");
        goto out;
    }
    for (size_t k = 0; k < nw; k++)
        wd[k] = w[k];
    for (size_t k = 0; k < batch * cols; k++)
        xd[k] = x[k];
    double iu = 1.0;
    rc = cospin_cosim_crossbar(cs, wd, (int)rows, (int)cols, xd, batch, id, &iu, err);
    if (rc) {
        char what[48];
        snprintf(what, sizeof what, "layer %d", layer + 1);
        cospin_error_prefix(err, what);
        goto out;
    }
    for (size_t k = 0; k < batch * rows; k++)
        z_out[k] = (float)(id[k] / iu);
out:
    free(wd);
    free(xd);
    free(id);
    return rc;
}
