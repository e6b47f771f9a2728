/*
 * model_npz.c -- networks as NumPy .npz archives (model_hw.h): per layer
 * l = 1, 2, ... the weights W{l} (outputs x inputs, PyTorch's
 * nn.Linear.weight layout), optional k{l}, c{l} and b{l} (outputs) for
 * a = 1/(1+exp(-k (W x + c + b))), and what a model.xml records besides:
 * pulse{l} (the device level's per-neuron pulse records) and cospin_meta
 * (the provenance, device and crossbar attributes as text).
 *
 * The arrays go through npz.h; this file checks what the layout needs (all
 * layers present, shapes that chain, finite values inside float32's range)
 * before a network is made, so a bad archive yields no network and one
 * error naming the array and its shape.
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model_hw.h"
#include "nn.h"
#include "npz.h"

#define LOG_PREFIX "model"
#include "log.h"

/* The member holding the text attributes (model_hw.h). */
#define META_MEMBER "cospin_meta"

/* The per-layer array kinds, by name prefix. */
enum kind { KIND_W = 0, KIND_K, KIND_C, KIND_B, KIND_PULSE, KINDS };
static const char *const KIND_NAME[KINDS] = {"W", "k", "c", "b", "pulse"};

int cospin_model_is_npz(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n >= 4 && strcmp(path + n - 4, ".npz") == 0)
        return 1;
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return 0;
    unsigned char head[4] = {0};
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    /* A local file header (PK 3 4) or the end record of an empty archive (PK 5 6). */
    return got == 4 && head[0] == 'P' && head[1] == 'K' &&
           ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
}

/* ---- writing ------------------------------------------------------------------------- */

/* hw's text attributes as "element.attribute=value" lines (newlines and '\' escaped). */
static char *meta_text(const struct cospin_model_hw *hw, size_t *len)
{
    size_t cap = 1;
    for (int i = 0; i < COSPIN_MODEL_META; i++)
        if (hw->meta[i])
            cap += strlen(cospin_model_meta_element(i)) + strlen(cospin_model_meta_attr(i)) +
                   2 * strlen(hw->meta[i]) + 3;
    char *t = malloc(cap), *p = t;
    if (!t)
        return NULL;
    for (int i = 0; i < COSPIN_MODEL_META; i++) {
        if (!hw->meta[i])
            continue;
        p += sprintf(p, "%s.%s=", cospin_model_meta_element(i), cospin_model_meta_attr(i));
        for (const char *s = hw->meta[i]; *s; s++) {
            if (*s == '\\' || *s == '\n')
                *p++ = '\\';
            *p++ = *s == '\n' ? 'n' : *s;
        }
        *p++ = '\n';
    }
    *p = '\0';
    *len = (size_t)(p - t);
    return t;
}

int cospin_model_write_npz(const char *path, const struct cospin_nn *nn,
                           const struct cospin_model_hw *hw, struct cospin_error *err)
{
    const int L = nn->n_layers;
    struct cospin_npz_entry e[4 * COSPIN_NN_MAX_LAYERS + 1];
    char names[4 * COSPIN_NN_MAX_LAYERS][16];
    size_t n = 0, mlen = 0;
    for (int l = 0; l < L; l++) {
        size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
        const float *v[3] = {nn->w[l], nn->k[l], nn->c[l]};
        for (int q = 0; q < 3; q++) {
            snprintf(names[n], sizeof names[n], "%s%d", KIND_NAME[q], l + 1);
            e[n] = (struct cospin_npz_entry){.name = names[n], .ndim = q ? 1 : 2,
                                             .shape = {rows, cols}, .f32 = v[q]};
            n++;
        }
        if (hw && l < hw->n_layers && hw->pulse[l]) {
            snprintf(names[n], sizeof names[n], "pulse%d", l + 1);
            e[n] = (struct cospin_npz_entry){.name = names[n], .ndim = 2,
                                             .shape = {rows, COSPIN_PULSE_FIELDS},
                                             .f64 = hw->pulse[l]};
            n++;
        }
    }
    char *meta = hw ? meta_text(hw, &mlen) : NULL;
    if (hw && !meta)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    if (mlen > 0)
        e[n++] = (struct cospin_npz_entry){.name = META_MEMBER, .ndim = 1, .shape = {mlen, 1},
                                           .u8 = (const unsigned char *)meta};
    int rc = cospin_npz_write(path, e, n, 1, err);
    free(meta);
    return rc;
}

/* ---- reading: the archive's members ------------------------------------------------- */

/* Which members the archive has: index[kind][l] = 1 for member "<kind>{l+1}". */
struct members {
    unsigned char has[KINDS][COSPIN_NN_MAX_LAYERS];
    int n_layers;            /* the largest W index */
    int meta;                /* cospin_meta present */
};

/* Split a member name "<kind><n>" (n >= 0, no sign or leading zeros but "0"); -1: not one. */
static int parse_member(const char *name, int *kind, long *idx)
{
    for (int q = 0; q < KINDS; q++) {
        size_t k = strlen(KIND_NAME[q]);
        const char *d = name + k;
        if (strncmp(name, KIND_NAME[q], k) != 0 || *d < '0' || *d > '9' ||
            (d[0] == '0' && d[1]) || strlen(d) > 9 || strspn(d, "0123456789") != strlen(d))
            continue;
        *kind = q;
        *idx = strtol(d, NULL, 10);
        return 0;
    }
    return -1;
}

/* Classify every member; unknown ones are logged and ignored. */
static int scan_members(const struct cospin_npz *z, const char *path, struct members *m,
                        struct cospin_error *err)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < cospin_npz_count(z); i++) {
        const char *name = cospin_npz_member(z, i);
        int kind;
        long idx;
        if (strcmp(name, META_MEMBER) == 0) {
            m->meta = 1;
            continue;
        }
        if (parse_member(name, &kind, &idx) != 0) {
            cospin_warn("%s: array '%s' ignored (a network has W1, W2, ... and optional k, c, "
                        "b of the same numbers)", path, name);
            continue;
        }
        if (idx == 0)
            return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                    "array '%s': layers are numbered from 1 (W1 is the first "
                                    "layer's weights)", name);
        if (idx > COSPIN_NN_MAX_LAYERS)
            return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                    "array '%s': at most %d layers", name, COSPIN_NN_MAX_LAYERS);
        m->has[kind][idx - 1] = 1;
        if (kind == KIND_W && idx > m->n_layers)
            m->n_layers = (int)idx;
    }
    return 0;
}

/* Every layer 1 .. n_layers has its W, and nothing belongs to a layer without one. */
static int check_members(const struct members *m, const char *path, struct cospin_error *err)
{
    if (m->n_layers == 0)
        return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                "no layer: the archive has no array W1 (layer l's weights are "
                                "W{l}, of shape (outputs, inputs))");
    for (int l = 0; l < m->n_layers; l++)
        if (!m->has[KIND_W][l])
            return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                    "layer %d is missing: no array W%d, but W%d exists (layers "
                                    "are W1, W2, ... without gaps)",
                                    l + 1, l + 1, m->n_layers);
    for (int q = 1; q < KINDS; q++)
        for (int l = m->n_layers; l < COSPIN_NN_MAX_LAYERS; l++)
            if (m->has[q][l])
                return cospin_error_set(err, COSPIN_ERR_INVALID, path, 0,
                                        "array '%s%d' has no layer: there is no W%d",
                                        KIND_NAME[q], l + 1, l + 1);
    return 0;
}

/* ---- reading: arrays ---------------------------------------------------------------- */

/* "(10, 100)" or "(10,)". */
static const char *shape_text(const struct cospin_npz_array *a, char *buf, size_t n)
{
    if (a->ndim == 2)
        snprintf(buf, n, "(%zu, %zu)", a->shape[0], a->shape[1]);
    else
        snprintf(buf, n, "(%zu,)", a->shape[0]);
    return buf;
}

/* An error about array a: "array 'W2' of shape (10, 100): <message>". */
static int array_error(const struct cospin_npz_array *a, int code, struct cospin_error *err,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int array_error(const struct cospin_npz_array *a, int code, struct cospin_error *err,
                       const char *fmt, ...)
{
    char msg[700], shp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cospin_error_set(err, code, a->file, 0, "array '%s' of shape %s (dtype '%s'): %s",
                            a->name, shape_text(a, shp, sizeof shp), a->descr, msg);
}

/*
 * Read member name into a and check it: a float dtype, ndim dimensions,
 * rows rows and (2-D) cols columns (0: any), and (finite) every value
 * finite and inside float32's range.
 */
static int read_array(struct cospin_npz *z, const char *name, int ndim, size_t rows, size_t cols,
                      int finite, struct cospin_npz_array *a, struct cospin_error *err)
{
    int rc = cospin_npz_read(z, name, a, err);
    if (rc != 0)
        return rc;
    if (a->descr[1] != 'f')
        return array_error(a, COSPIN_ERR_DATA, err, "weights must be float32 or float64");
    if (ndim == 1 && (a->ndim != 1 || a->shape[0] != rows))
        return array_error(a, COSPIN_ERR_INVALID, err,
                           "expected shape (%zu,), one value per output of the layer", rows);
    if (ndim == 2 && (a->ndim != 2 || (rows && a->shape[0] != rows) ||
                      (cols && a->shape[1] != cols)))
        return array_error(a, COSPIN_ERR_INVALID, err, "expected shape (%zu, %zu)", rows,
                           cols);
    for (size_t i = 0; finite && i < a->n; i++) {
        double v = a->data[i];
        if (isfinite(v) && fabs(v) <= FLT_MAX)
            continue;
        char at[64];
        if (a->ndim == 2)
            snprintf(at, sizeof at, "(%zu, %zu)", i / a->shape[1], i % a->shape[1]);
        else
            snprintf(at, sizeof at, "%zu", i);
        return array_error(a, COSPIN_ERR_DATA, err, "element %s is %s (values must be finite%s)",
                           at, isnan(v) ? "NaN" : isinf(v) ? (v > 0 ? "+inf" : "-inf") : "huge",
                           isfinite(v) ? " and inside float32's range" : "");
    }
    return 0;
}

/* The network's sizes from the W arrays, which must chain: W{l+1} has W{l}'s outputs as inputs. */
static int read_shape(struct cospin_npz *z, int L, size_t *units, struct cospin_error *err)
{
    char prev[64] = "";
    for (int l = 0; l < L; l++) {
        char name[16];
        snprintf(name, sizeof name, "W%d", l + 1);
        struct cospin_npz_array a;
        int rc = cospin_npz_read(z, name, &a, err);
        if (rc == 0 && a.ndim != 2)
            rc = array_error(&a, COSPIN_ERR_INVALID, err,
                             "weights have 2 dimensions, (outputs, inputs)");
        if (rc == 0 && l > 0 && a.shape[1] != units[l])
            rc = array_error(&a, COSPIN_ERR_INVALID, err,
                             "its %zu inputs must be the %zu outputs of W%d (shape %s)",
                             a.shape[1], units[l], l, prev);
        if (rc == 0) {
            if (l == 0)
                units[0] = a.shape[1];
            units[l + 1] = a.shape[0];
            shape_text(&a, prev, sizeof prev);
        }
        cospin_npz_array_clear(&a);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Layer l's parameters into nn: W, then k (default 1), c (default 0) plus b. */
static int read_layer(struct cospin_npz *z, const struct members *m, struct cospin_nn *nn, int l,
                      struct cospin_error *err)
{
    size_t rows = nn->n_units[l + 1], cols = nn->n_units[l];
    char name[16];
    struct cospin_npz_array a;
    snprintf(name, sizeof name, "W%d", l + 1);
    int rc = read_array(z, name, 2, rows, cols, 1, &a, err);
    for (size_t i = 0; rc == 0 && i < rows * cols; i++)
        nn->w[l][i] = (float)a.data[i];
    cospin_npz_array_clear(&a);
    double *c = calloc(rows, sizeof *c);   /* c + b, in double, rounded once */
    if (rc == 0 && !c)
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t j = 0; j < rows; j++)
        nn->k[l][j] = 1.0f;
    for (int q = KIND_K; q <= KIND_B && rc == 0; q++) {
        if (!m->has[q][l])
            continue;
        snprintf(name, sizeof name, "%s%d", KIND_NAME[q], l + 1);
        rc = read_array(z, name, 1, rows, 1, 1, &a, err);
        for (size_t j = 0; rc == 0 && j < rows; j++) {
            if (q == KIND_K)
                nn->k[l][j] = (float)a.data[j];
            else
                c[j] += a.data[j];
        }
        cospin_npz_array_clear(&a);
    }
    for (size_t j = 0; rc == 0 && j < rows; j++) {
        if (!(fabs(c[j]) <= FLT_MAX))
            rc = cospin_error_set(err, COSPIN_ERR_DATA, NULL, 0,
                                  "layer %d, output %zu: c + b = %g is outside float32's range",
                                  l + 1, j, c[j]);
        nn->c[l][j] = (float)c[j];
    }
    free(c);
    return rc;
}

/* Layer l's pulse records (pulse{l}, outputs x COSPIN_PULSE_FIELDS; NaN = absent). */
static int read_pulse(struct cospin_npz *z, const struct cospin_nn *nn, int l,
                      struct cospin_model_hw *hw, struct cospin_error *err)
{
    char name[16];
    snprintf(name, sizeof name, "pulse%d", l + 1);
    struct cospin_npz_array a;
    size_t rows = nn->n_units[l + 1];
    int rc = read_array(z, name, 2, rows, COSPIN_PULSE_FIELDS, 0, &a, err);
    for (size_t j = 0; rc == 0 && j < rows; j++) {
        const double *rec = a.data + j * COSPIN_PULSE_FIELDS;
        double k = rec[COSPIN_PULSE_K_DEV], c = rec[COSPIN_PULSE_C_DEV];
        if (!isnan(k) && !(isfinite(k) && k > 0 && isfinite(c)))
            rc = array_error(&a, COSPIN_ERR_INVALID, err,
                             "row %zu: the device fit needs a slope > 0 and a finite midpoint "
                             "(columns k, c, k_dev_per_ua, c_dev_ua, width_s, ku_j_per_m3)", j);
        else if (cospin_model_hw_set_pulse(hw, nn, l, j, rec) != 0)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    }
    cospin_npz_array_clear(&a);
    return rc;
}

/* One "element.attribute=value" line of cospin_meta into hw (unknown keys are skipped). */
static int meta_line(struct cospin_model_hw *hw, const char *line, size_t len)
{
    const char *eq = memchr(line, '=', len);
    if (!eq)
        return 0;
    for (int i = 0; i < COSPIN_MODEL_META; i++) {
        char key[64];
        int kl = snprintf(key, sizeof key, "%s.%s", cospin_model_meta_element(i),
                          cospin_model_meta_attr(i));
        if ((size_t)kl != (size_t)(eq - line) || memcmp(key, line, (size_t)kl) != 0)
            continue;
        char *v = malloc(len), *p = v;
        if (!v)
            return COSPIN_ERR_NOMEM;
        for (const char *s = eq + 1; s < line + len; s++) {
            if (*s == '\\' && s + 1 < line + len) {
                s++;
                *p++ = *s == 'n' ? '\n' : *s;
            } else {
                *p++ = *s;
            }
        }
        *p = '\0';
        free(hw->meta[i]);
        hw->meta[i] = v;
        return 0;
    }
    return 0;
}

/* cospin_meta (uint8 text) into hw's meta; w_max from the crossbar's. */
static int read_meta(struct cospin_npz *z, struct cospin_model_hw *hw, struct cospin_error *err)
{
    struct cospin_npz_array a;
    int rc = cospin_npz_read(z, META_MEMBER, &a, err);
    if (rc == 0 && (strcmp(a.descr + 1, "u1") != 0 || a.ndim != 1))
        rc = array_error(&a, COSPIN_ERR_DATA, err, "expected text: a 1-D uint8 array");
    char *text = rc ? NULL : malloc(a.n + 1);
    if (rc == 0 && !text)
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; text && i < a.n; i++)
        text[i] = (char)a.data[i];
    for (size_t i = 0; text && i < a.n && rc == 0;) {
        size_t e = i;
        while (e < a.n && text[e] != '\n')
            e++;
        if (meta_line(hw, text + i, e - i) != 0)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "out of memory");
        i = e + 1;
    }
    free(text);
    cospin_npz_array_clear(&a);
    const char *w = hw->meta[COSPIN_META_XBAR_W_MAX];
    if (rc == 0 && w) {
        char *end;
        hw->xbar_w_max = strtod(w, &end);
        if (*end || !(isfinite(hw->xbar_w_max) && hw->xbar_w_max > 0))
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                  "array '" META_MEMBER "': crossbar w_max '%s' must be a "
                                  "number > 0", w);
    }
    return rc;
}

/* The network (and records) of an open archive whose members m were checked. */
static int read_model(struct cospin_npz *z, const char *path, const struct members *m,
                      struct cospin_nn **out, struct cospin_model_hw *hw,
                      struct cospin_error *err)
{
    size_t units[COSPIN_NN_MAX_LAYERS + 1];
    int rc = read_shape(z, m->n_layers, units, err);
    if (rc != 0)
        return rc;
    struct cospin_nn *nn = cospin_nn_new_layers(units, m->n_layers);
    if (!nn)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, path, 0, "out of memory");
    for (int l = 0; l < nn->n_layers && rc == 0; l++)
        rc = read_layer(z, m, nn, l, err);
    if (rc == 0 && hw && (rc = cospin_model_hw_init(hw, nn, err)) == 0) {
        for (int l = 0; l < nn->n_layers && rc == 0; l++)
            if (m->has[KIND_PULSE][l])
                rc = read_pulse(z, nn, l, hw, err);
        if (rc == 0 && m->meta)
            rc = read_meta(z, hw, err);
        if (rc != 0)
            cospin_model_hw_clear(hw);
    }
    if (rc != 0) {
        cospin_nn_free(nn);
        return rc;
    }
    *out = nn;
    return 0;
}

int cospin_model_read_npz(const char *path, struct cospin_nn **out, struct cospin_model_hw *hw,
                          struct cospin_error *err)
{
    *out = NULL;
    if (hw)
        memset(hw, 0, sizeof *hw);
    struct cospin_npz *z = NULL;
    int rc = cospin_npz_open(path, &z, err);
    if (rc != 0)
        return rc;
    struct members m;
    if ((rc = scan_members(z, path, &m, err)) == 0 && (rc = check_members(&m, path, err)) == 0)
        rc = read_model(z, path, &m, out, hw, err);
    if (rc != 0 && err && !err->file[0])
        snprintf(err->file, sizeof err->file, "%s", path);
    cospin_npz_close(z);
    return rc;
}
