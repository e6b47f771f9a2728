/*
 * xbar_solve.c -- the sparse crossbar solver (xbar_solve.h): nodal
 * equations of each tile assembled from its element list (xbar_circuit.h),
 * Cholesky factorisation with CHOLMOD, effective matrices by adjoint solves,
 * gradients with respect to the device conductances.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_SUITESPARSE_CHOLMOD_H
#include <suitesparse/cholmod.h>
#else
#include <cholmod.h>
#endif

#include "blas.h"
#include "error.h"
#include "log.h"
#include "xbar_solve.h"

/* Right-hand sides solved at once: bounds each dense block to unknowns x RHS_BLOCK doubles. */
#define RHS_BLOCK 32
/* Tile shapes of a layer: full and partial tiles in each direction. */
#define MAX_SHAPES 4

/* A coupling of unknown u to tile input or column k, value v (S). */
struct coup {
    size_t u;
    int k;
    double v;
};

/*
 * The solution and workspace blocks of cholmod_solve2, kept from solve to
 * solve (fresh blocks of a few MB each time cost more in page faults than
 * the solve itself); cholmod_free_dense releases them.
 */
struct solve_ws {
    cholmod_dense *x, *y, *e;
};

/* Where an element's terminal sits in the nodal equations. */
enum ep_type { EP_UNKNOWN, EP_INPUT, EP_ZERO };

struct ep {
    enum ep_type type;
    size_t u;              /* EP_UNKNOWN: the unknown */
    int k;                 /* EP_INPUT: the tile's input */
    double s;              /* EP_INPUT: +1 positive line, -1 inverted line */
    int col;               /* EP_ZERO: the tile column whose virtual ground it is, or -1 */
};

/* The nodal system of one tile (K v = B V, I = C^T v + D V). */
struct tsys {
    int t;
    struct cospin_xbar_span sp;
    int nkeys;
    int *key_u;                      /* node key -> unknown (>= 0), virtual ground (-1), absent (-2) */
    size_t nu;                       /* unknowns */
    struct cospin_xbar_node *u_node; /* the node of each unknown (messages) */
    double *gfix;                    /* conductance from each unknown to fixed nodes, S */
    cholmod_sparse *K;               /* lower triangle; NULL when nu = 0 */
    struct coup *b, *cc;             /* B and C entries */
    size_t nb, ncc;
    double *d;                       /* D: n_out x n_in of the span, row-major */
    cholmod_factor *L;               /* numeric factor of K */
    double *w;                       /* W = K^-1 C (nu x n_out, column-major), when kept */
};

struct shape {
    int n_in, n_out;
    cholmod_factor *sym;             /* symbolic analysis */
    cholmod_sparse *pat;             /* the pattern it was made for */
    double lnz;                      /* nonzeros of its factor */
};

struct cospin_xbar_solver {
    struct cospin_xbar_opts opts;
    struct cospin_xbar_geometry geom;
    int flags;
    cholmod_common cm;
    struct shape shapes[MAX_SHAPES];
    int nshapes;
    struct cospin_xbar_circuit *xc;  /* the circuit of the last factorisation */
    double *m;                       /* n_out x n_in */
    int have_m;
    struct tsys *kept;               /* ntiles systems, with COSPIN_XBAR_SOLVE_KEEP */
    double *scratch;                 /* dense blocks of the solves, reused from call to call
                                        (fresh large blocks cost page faults) */
    size_t scratch_n;                /* its size in doubles */
    struct solve_ws ws;              /* the solves' blocks, reused likewise */
    struct cospin_xbar_solver_stats st;
};

/* The solver's scratch, grown to at least n doubles; NULL when out of memory. */
static double *scratch(struct cospin_xbar_solver *s, size_t n)
{
    if (n > s->scratch_n) {
        double *p = realloc(s->scratch, n * sizeof *p);
        if (!p)
            return NULL;
        s->scratch = p;
        s->scratch_n = n;
    }
    return s->scratch;
}

/* ---- nodes and messages ------------------------------------------------------ */

/* Dense key of a tile-internal node, or -1 for a node outside the tile's equations. */
static int node_key(const struct cospin_xbar_span *sp, const struct cospin_xbar_node *n)
{
    int nrow = sp->nrow, ncol = sp->n_out;
    switch (n->kind) {
    case COSPIN_XBAR_NODE_DRIVE:
        return n->i;
    case COSPIN_XBAR_NODE_ROW:
        return nrow + n->i * ncol + n->c;
    case COSPIN_XBAR_NODE_COL:
        return nrow + nrow * ncol + n->i * ncol + n->c;
    case COSPIN_XBAR_NODE_END:
    case COSPIN_XBAR_NODE_SENSE:
        return nrow + 2 * nrow * ncol + n->c;
    default:
        return -1;
    }
}

/* "crossbar tile t (inputs a..b, outputs c..d)" */
static void tile_label(char *buf, size_t n, int t, const struct cospin_xbar_span *sp)
{
    snprintf(buf, n, "crossbar tile %d (inputs %d..%d, outputs %d..%d)", t, sp->i0,
             sp->i0 + sp->n_in - 1, sp->j0, sp->j0 + sp->n_out - 1);
}

/* A node in words, for error messages. */
static void describe(char *buf, size_t n, const struct cospin_xbar_span *sp,
                     const struct cospin_xbar_node *nd)
{
    int r = nd->i;
    const char *line = r % 2 ? "inverted" : "positive";
    switch (nd->kind) {
    case COSPIN_XBAR_NODE_DRIVE:
        snprintf(buf, n, "the driver output of row line %d (input %d, %s line)", r,
                 sp->i0 + r / 2, line);
        break;
    case COSPIN_XBAR_NODE_ROW:
        snprintf(buf, n, "row line %d (input %d, %s line) at the cell of output %d", r,
                 sp->i0 + r / 2, line, sp->j0 + nd->c);
        break;
    case COSPIN_XBAR_NODE_COL:
        snprintf(buf, n, "column %d (output %d) at the cell of row line %d (input %d, %s line)",
                 nd->c, sp->j0 + nd->c, r, sp->i0 + r / 2, line);
        break;
    default:
        snprintf(buf, n, "the column end of output %d", sp->j0 + nd->c);
        break;
    }
}

/* ---- assembly ------------------------------------------------------------------- */

static void tsys_free(struct tsys *ts, cholmod_common *cm)
{
    free(ts->key_u);
    free(ts->u_node);
    free(ts->gfix);
    free(ts->b);
    free(ts->cc);
    free(ts->d);
    free(ts->w);
    cholmod_free_sparse(&ts->K, cm);
    cholmod_free_factor(&ts->L, cm);
    memset(ts, 0, sizeof *ts);
}

/* Number the tile's unknowns: every internal node that no ammeter holds at 0 V. */
static void number_nodes(struct tsys *ts, const struct cospin_xbar_tile *tile)
{
    for (int k = 0; k < ts->nkeys; k++)
        ts->key_u[k] = -2;
    for (size_t e = 0; e < tile->n_elems; e++)
        if (tile->elems[e].kind == COSPIN_XBAR_ELEM_AMMETER) {
            int k = node_key(&ts->sp, &tile->elems[e].a);
            if (k >= 0)
                ts->key_u[k] = -1;
        }
    ts->nu = 0;
    for (size_t e = 0; e < tile->n_elems; e++) {
        const struct cospin_xbar_node *ends[2] = {&tile->elems[e].a, &tile->elems[e].b};
        for (int s = 0; s < 2; s++) {
            int k = node_key(&ts->sp, ends[s]);
            if (k >= 0 && ts->key_u[k] == -2) {
                ts->u_node[ts->nu] = *ends[s];
                ts->key_u[k] = (int)ts->nu++;
            }
        }
    }
}

static struct ep classify(const struct tsys *ts, const struct cospin_xbar_node *n)
{
    struct ep p = {EP_ZERO, 0, 0, 0.0, -1};
    if (n->kind == COSPIN_XBAR_NODE_INPUT || n->kind == COSPIN_XBAR_NODE_INVERTED) {
        p.type = EP_INPUT;
        p.k = n->i - ts->sp.i0;
        p.s = n->kind == COSPIN_XBAR_NODE_INPUT ? 1.0 : -1.0;
        return p;
    }
    int k = node_key(&ts->sp, n);
    if (k < 0)
        return p; /* ground */
    if (ts->key_u[k] >= 0) {
        p.type = EP_UNKNOWN;
        p.u = (size_t)ts->key_u[k];
    } else {
        p.col = n->c; /* a column end held at 0 V */
    }
    return p;
}

/* Add one triplet entry (lower triangle). */
static void trip(cholmod_triplet *T, size_t r, size_t c, double v)
{
    int *ti = T->i, *tj = T->j;
    double *tx = T->x;
    ti[T->nnz] = (int)(r > c ? r : c);
    tj[T->nnz] = (int)(r > c ? c : r);
    tx[T->nnz++] = v;
}

/* One terminal p of a conductance g whose other terminal q is fixed. */
static void stamp_fixed(struct tsys *ts, cholmod_triplet *T, struct ep p, struct ep q, double g)
{
    trip(T, p.u, p.u, g);
    ts->gfix[p.u] += g;
    if (q.type == EP_INPUT)
        ts->b[ts->nb++] = (struct coup){p.u, q.k, g * q.s};
    else if (q.col >= 0)
        ts->cc[ts->ncc++] = (struct coup){p.u, q.col, g};
}

/* A conductance g between terminals p and q. */
static void stamp(struct tsys *ts, cholmod_triplet *T, struct ep p, struct ep q, double g)
{
    if (p.type == EP_UNKNOWN && q.type == EP_UNKNOWN) {
        trip(T, p.u, p.u, g);
        trip(T, q.u, q.u, g);
        trip(T, p.u, q.u, -g);
    } else if (p.type == EP_UNKNOWN) {
        stamp_fixed(ts, T, p, q, g);
    } else if (q.type == EP_UNKNOWN) {
        stamp_fixed(ts, T, q, p, g);
    } else if (p.type == EP_INPUT && q.col >= 0) {
        ts->d[(size_t)q.col * (size_t)ts->sp.n_in + (size_t)p.k] += g * p.s;
    } else if (q.type == EP_INPUT && p.col >= 0) {
        ts->d[(size_t)p.col * (size_t)ts->sp.n_in + (size_t)q.k] += g * q.s;
    }
}

/* Stamp every element; the VCCS kinds must run from a driver into a virtual ground. */
static int stamp_all(struct tsys *ts, const struct cospin_xbar_tile *tile, cholmod_triplet *T,
                     struct cospin_error *err)
{
    for (size_t e = 0; e < tile->n_elems; e++) {
        const struct cospin_xbar_elem *el = &tile->elems[e];
        struct ep p = classify(ts, &el->a), q = classify(ts, &el->b);
        switch (el->kind) {
        case COSPIN_XBAR_ELEM_CELL:
        case COSPIN_XBAR_ELEM_WIRE_ROW:
        case COSPIN_XBAR_ELEM_WIRE_COL:
        case COSPIN_XBAR_ELEM_DRIVER:
            stamp(ts, T, p, q, el->g_s);
            break;
        case COSPIN_XBAR_ELEM_TIA_INPUT:
            if (p.type != EP_UNKNOWN)
                return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                        "crossbar tile %d: a TIA input on a fixed node", ts->t);
            trip(T, p.u, p.u, el->g_s);
            ts->gfix[p.u] += el->g_s;
            ts->cc[ts->ncc++] = (struct coup){p.u, el->a.c, el->g_s};
            break;
        case COSPIN_XBAR_ELEM_CELL_VCCS:
        case COSPIN_XBAR_ELEM_PAIR_VCCS:
            if (p.type != EP_INPUT || q.type != EP_ZERO || q.col < 0)
                return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                        "crossbar tile %d: a G-source cell must run from a driver "
                                        "into a column held at 0 V (use resistor cells)",
                                        ts->t);
            ts->d[(size_t)q.col * (size_t)ts->sp.n_in + (size_t)p.k] += el->g_s * p.s;
            break;
        case COSPIN_XBAR_ELEM_AMMETER:
            break;
        }
    }
    return 0;
}

/*
 * Assemble tile's nodal system into ts (overwritten; tsys_free releases it).
 * Open elements keep their (zero) entries, so all tiles of a shape share
 * one pattern.
 */
static int assemble(struct tsys *ts, const struct cospin_xbar_tile *tile, cholmod_common *cm,
                    struct cospin_error *err)
{
    memset(ts, 0, sizeof *ts);
    ts->t = tile->index;
    ts->sp = tile->span;
    ts->nkeys = ts->sp.nrow + 2 * ts->sp.nrow * ts->sp.n_out + ts->sp.n_out;
    size_t ne = tile->n_elems;
    ts->key_u = malloc((size_t)ts->nkeys * sizeof *ts->key_u);
    ts->u_node = malloc((size_t)ts->nkeys * sizeof *ts->u_node);
    ts->b = malloc((ne + 1) * sizeof *ts->b);
    ts->cc = malloc((ne + 1) * sizeof *ts->cc);
    ts->d = calloc((size_t)ts->sp.n_out * (size_t)ts->sp.n_in, sizeof *ts->d);
    if (!ts->key_u || !ts->u_node || !ts->b || !ts->cc || !ts->d)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar tile %d: out of memory",
                                ts->t);
    number_nodes(ts, tile);
    ts->gfix = calloc(ts->nu + 1, sizeof *ts->gfix);
    cholmod_triplet *T =
        ts->nu ? cholmod_allocate_triplet(ts->nu, ts->nu, 3 * ne, -1, CHOLMOD_REAL, cm) : NULL;
    if (!ts->gfix || (ts->nu && !T)) {
        cholmod_free_triplet(&T, cm);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar tile %d: out of memory",
                                ts->t);
    }
    int rc = stamp_all(ts, tile, T, err);
    if (rc == 0 && T) {
        ts->K = cholmod_triplet_to_sparse(T, 0, cm);
        if (!ts->K)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                  "crossbar tile %d: out of memory", ts->t);
    }
    cholmod_free_triplet(&T, cm);
    return rc;
}

/* Union-find root with path halving. */
static size_t uf_root(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/*
 * Every unknown needs a conducting path to a fixed node (a driver, a
 * virtual ground, a TIA's conductance to ground); else K is singular.
 * Names the first node that has none.
 */
static int check_floating(const struct tsys *ts, struct cospin_error *err)
{
    if (ts->nu == 0)
        return 0;
    size_t *parent = malloc(ts->nu * sizeof *parent);
    unsigned char *grounded = calloc(ts->nu, 1);
    if (!parent || !grounded) {
        free(parent);
        free(grounded);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar tile %d: out of memory",
                                ts->t);
    }
    for (size_t u = 0; u < ts->nu; u++)
        parent[u] = u;
    const int *ap = ts->K->p, *ai = ts->K->i;
    const double *ax = ts->K->x;
    for (size_t c = 0; c < ts->nu; c++)
        for (int p = ap[c]; p < ap[c + 1]; p++)
            if ((size_t)ai[p] != c && ax[p] != 0)
                parent[uf_root(parent, (size_t)ai[p])] = uf_root(parent, c);
    for (size_t u = 0; u < ts->nu; u++)
        if (ts->gfix[u] > 0)
            grounded[uf_root(parent, u)] = 1;
    int rc = 0;
    for (size_t u = 0; u < ts->nu && rc == 0; u++)
        if (!grounded[uf_root(parent, u)]) {
            char where[160], what[200];
            tile_label(where, sizeof where, ts->t, &ts->sp);
            describe(what, sizeof what, &ts->sp, &ts->u_node[u]);
            rc = cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                  "%s: %s floats: no conducting path to a driver or a sense node "
                                  "(open devices or wires), so the network is singular",
                                  where, what);
        }
    free(parent);
    free(grounded);
    return rc;
}

/* Factor K with a copy of the symbolic analysis sym. */
static int factor(struct tsys *ts, const cholmod_factor *sym, cholmod_common *cm,
                  struct cospin_error *err)
{
    ts->L = cholmod_copy_factor((cholmod_factor *)sym, cm);
    if (!ts->L)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar tile %d: out of memory",
                                ts->t);
    cholmod_factorize(ts->K, ts->L, cm);
    if (cm->status == CHOLMOD_NOT_POSDEF || ts->L->minor < ts->L->n) {
        const int *perm = ts->L->Perm;
        size_t k = ts->L->minor < ts->L->n ? ts->L->minor : 0;
        size_t u = perm ? (size_t)perm[k] : k;
        char where[160], what[200];
        tile_label(where, sizeof where, ts->t, &ts->sp);
        describe(what, sizeof what, &ts->sp, &ts->u_node[u]);
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "%s: the nodal matrix is numerically singular at %s (its "
                                "conductances span more than double precision resolves)",
                                where, what);
    }
    if (cm->status < CHOLMOD_OK)
        return cospin_error_set(err, cm->status == CHOLMOD_OUT_OF_MEMORY ? COSPIN_ERR_NOMEM
                                                                        : COSPIN_ERR_INVALID,
                                NULL, 0, "crossbar tile %d: CHOLMOD factorisation failed (%d)",
                                ts->t, cm->status);
    return 0;
}

/* ---- solves ---------------------------------------------------------------------- */

static void solve_ws_free(struct solve_ws *ws, cholmod_common *cm)
{
    cholmod_free_dense(&ws->x, cm);
    cholmod_free_dense(&ws->y, cm);
    cholmod_free_dense(&ws->e, cm);
}

/*
 * X = K^-1 R for a dense block R (nu x nr, column-major, overwritten with
 * X).  Returns 0 or COSPIN_ERR_NOMEM.
 */
static int solve_block(struct tsys *ts, double *r, size_t nr, struct solve_ws *ws,
                       cholmod_common *cm, struct cospin_error *err)
{
    cholmod_dense rd = {0};
    rd.nrow = ts->nu;
    rd.ncol = nr;
    rd.nzmax = ts->nu * nr;
    rd.d = ts->nu;
    rd.x = r;
    rd.xtype = CHOLMOD_REAL;
    rd.dtype = CHOLMOD_DOUBLE;
    if (!cholmod_solve2(CHOLMOD_A, ts->L, &rd, NULL, &ws->x, NULL, &ws->y, &ws->e, cm))
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                "crossbar tile %d: CHOLMOD solve failed (%d)", ts->t, cm->status);
    memcpy(r, ws->x->x, ts->nu * nr * sizeof *r);
    return 0;
}

/*
 * The adjoint block W[:, c0 .. c0 + nc) = K^-1 C into w (nu x nc,
 * column-major): copied from the kept W, or solved.
 */
static int adjoint_block(struct tsys *ts, int c0, int nc, double *w, struct solve_ws *ws,
                         cholmod_common *cm, struct cospin_error *err)
{
    if (ts->w) {
        memcpy(w, ts->w + (size_t)c0 * ts->nu, (size_t)nc * ts->nu * sizeof *w);
        return 0;
    }
    memset(w, 0, (size_t)nc * ts->nu * sizeof *w);
    for (size_t e = 0; e < ts->ncc; e++)
        if (ts->cc[e].k >= c0 && ts->cc[e].k < c0 + nc)
            w[(size_t)(ts->cc[e].k - c0) * ts->nu + ts->cc[e].u] += ts->cc[e].v;
    return solve_block(ts, w, (size_t)nc, ws, cm, err);
}

/*
 * The tile's effective matrix M = W^T B + D into m (leading dimension ld)
 * at row row0, column col0.  keep_w: also store W in ts (ts->w must be
 * NULL).  w: scratch of ts->nu x RHS_BLOCK doubles.
 */
static int condense(struct tsys *ts, double *m, size_t ld, int row0, int col0, int keep_w,
                    double *w, struct solve_ws *ws, cholmod_common *cm, struct cospin_error *err)
{
    const struct cospin_xbar_span *sp = &ts->sp;
    for (int c = 0; c < sp->n_out; c++)
        for (int k = 0; k < sp->n_in; k++)
            m[(size_t)(row0 + c) * ld + (size_t)(col0 + k)] =
                ts->d[(size_t)c * (size_t)sp->n_in + (size_t)k];
    if (ts->nu == 0)
        return 0;
    double *wk = keep_w ? malloc(ts->nu * (size_t)sp->n_out * sizeof *wk) : NULL;
    if (keep_w && !wk)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar tile %d: out of memory",
                                ts->t);
    int rc = 0;
    for (int c0 = 0; c0 < sp->n_out && rc == 0; c0 += RHS_BLOCK) {
        int nc = sp->n_out - c0 < RHS_BLOCK ? sp->n_out - c0 : RHS_BLOCK;
        rc = adjoint_block(ts, c0, nc, w, ws, cm, err);
        for (size_t e = 0; rc == 0 && e < ts->nb; e++)
            for (int c = 0; c < nc; c++)
                m[(size_t)(row0 + c0 + c) * ld + (size_t)(col0 + ts->b[e].k)] +=
                    w[(size_t)c * ts->nu + ts->b[e].u] * ts->b[e].v;
        if (rc == 0 && wk)
            memcpy(wk + (size_t)c0 * ts->nu, w, (size_t)nc * ts->nu * sizeof *w);
    }
    if (rc == 0)
        ts->w = wk;
    else
        free(wk);
    return rc;
}

/*
 * Currents of nvec input vectors by direct solves of the tile: adds the
 * tile's column currents into i_out (nvec x n_out of the layer).
 */
static int direct_tile(struct tsys *ts, const double *v_in, size_t nvec, size_t n_in,
                       double *i_out, size_t n_out, struct solve_ws *ws, cholmod_common *cm,
                       struct cospin_error *err)
{
    const struct cospin_xbar_span *sp = &ts->sp;
    double *x = ts->nu ? malloc(ts->nu * RHS_BLOCK * sizeof *x) : NULL;
    if (ts->nu && !x)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar tile %d: out of memory",
                                ts->t);
    int rc = 0;
    for (size_t v0 = 0; v0 < nvec && rc == 0; v0 += RHS_BLOCK) {
        size_t nv = nvec - v0 < RHS_BLOCK ? nvec - v0 : RHS_BLOCK;
        if (ts->nu) {
            memset(x, 0, ts->nu * nv * sizeof *x);
            for (size_t e = 0; e < ts->nb; e++)
                for (size_t v = 0; v < nv; v++)
                    x[v * ts->nu + ts->b[e].u] +=
                        ts->b[e].v * v_in[(v0 + v) * n_in + (size_t)(sp->i0 + ts->b[e].k)];
            rc = solve_block(ts, x, nv, ws, cm, err);
        }
        for (size_t v = 0; v < nv && rc == 0; v++) {
            const double *vi = v_in + (v0 + v) * n_in + sp->i0;
            double *io = i_out + (v0 + v) * n_out + sp->j0;
            for (size_t e = 0; e < ts->ncc; e++)
                io[ts->cc[e].k] += ts->cc[e].v * x[v * ts->nu + ts->cc[e].u];
            for (int c = 0; c < sp->n_out; c++)
                for (int k = 0; k < sp->n_in; k++)
                    io[c] += ts->d[(size_t)c * (size_t)sp->n_in + (size_t)k] * vi[k];
        }
    }
    free(x);
    return rc;
}

/* ---- gradients ------------------------------------------------------------------- */

/* The value of a block (nu x nc, column-major; column c) at terminal p, extended to fixed nodes. */
static double h_at(const struct tsys *ts, const double *h, struct ep p, const double *dl_dm_row,
                   size_t ld, int c)
{
    if (p.type == EP_UNKNOWN)
        return h[(size_t)c * ts->nu + p.u];
    if (p.type == EP_INPUT)
        return p.s * dl_dm_row[(size_t)c * ld + (size_t)(ts->sp.i0 + p.k)];
    return 0.0;
}

static double w_at(const struct tsys *ts, const double *w, struct ep p, int c0, int c)
{
    if (p.type == EP_UNKNOWN)
        return w[(size_t)c * ts->nu + p.u];
    return p.type == EP_ZERO && p.col == c0 + c ? 1.0 : 0.0;
}

/*
 * Accumulate dL/dg of every device of the tile over the output columns
 * c0 .. c0 + nc (H and W blocks h, w) into dgp / dgn.
 */
static void grad_devices(const struct tsys *ts, const struct cospin_xbar_tile *tile,
                         const double *h, const double *w, int c0, int nc, const double *dl_dm,
                         size_t ld, double *dgp, double *dgn)
{
    const double *row = dl_dm + (size_t)(ts->sp.j0 + c0) * ld;
    for (size_t e = 0; e < tile->n_elems; e++) {
        const struct cospin_xbar_elem *el = &tile->elems[e];
        if (el->cell < 0)
            continue;
        struct ep p = classify(ts, &el->a), q = classify(ts, &el->b);
        double g = 0;
        for (int c = 0; c < nc; c++)
            g -= (h_at(ts, h, p, row, ld, c) - h_at(ts, h, q, row, ld, c)) *
                 (w_at(ts, w, p, c0, c) - w_at(ts, w, q, c0, c));
        if (el->pol > 0) {
            dgp[el->cell] += g;
        } else if (el->pol < 0) {
            dgn[el->cell] += g;
        } else { /* a merged pair carries G+ - G- */
            dgp[el->cell] += g;
            dgn[el->cell] -= g;
        }
    }
}

/*
 * dL/dG of the devices of one tile (ts factored) for dL/dM dl_dm (n_out x
 * ld).  h, w: scratch of ts->nu x RHS_BLOCK doubles each (a kept W is read
 * in place).
 */
static int grad_tile(struct tsys *ts, const struct cospin_xbar_tile *tile, const double *dl_dm,
                     size_t ld, double *dgp, double *dgn, double *h, double *w,
                     struct solve_ws *ws, cholmod_common *cm, struct cospin_error *err)
{
    const struct cospin_xbar_span *sp = &ts->sp;
    int rc = 0;
    for (int c0 = 0; c0 < sp->n_out && rc == 0; c0 += RHS_BLOCK) {
        int nc = sp->n_out - c0 < RHS_BLOCK ? sp->n_out - c0 : RHS_BLOCK;
        if (ts->w)
            w = ts->w + (size_t)c0 * ts->nu;
        if (ts->nu) {
            rc = ts->w ? 0 : adjoint_block(ts, c0, nc, w, ws, cm, err);
            memset(h, 0, ts->nu * (size_t)nc * sizeof *h);
            for (size_t e = 0; e < ts->nb; e++)
                for (int c = 0; c < nc; c++)
                    h[(size_t)c * ts->nu + ts->b[e].u] +=
                        ts->b[e].v * dl_dm[(size_t)(sp->j0 + c0 + c) * ld + (size_t)(sp->i0 + ts->b[e].k)];
            if (rc == 0)
                rc = solve_block(ts, h, (size_t)nc, ws, cm, err);
        }
        if (rc == 0)
            grad_devices(ts, tile, h, w, c0, nc, dl_dm, ld, dgp, dgn);
    }
    return rc;
}

/* ---- the layer solver -------------------------------------------------------------- */

int cospin_xbar_solver_new(const struct cospin_xbar_opts *o, int n_out, int n_in, int flags,
                           struct cospin_xbar_solver **out, struct cospin_error *err)
{
    *out = NULL;
    int rc = cospin_xbar_opts_validate(o, err);
    struct cospin_xbar_geometry geom;
    if (rc || (rc = cospin_xbar_geometry_init(o, n_out, n_in, &geom, err)))
        return rc;
    if (flags & ~COSPIN_XBAR_SOLVE_KEEP)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar solver: unknown flags %#x", (unsigned)flags);
    struct cospin_xbar_solver *s = calloc(1, sizeof *s);
    double *m = malloc((size_t)n_out * (size_t)n_in * sizeof *m);
    struct tsys *kept = flags & COSPIN_XBAR_SOLVE_KEEP
                            ? calloc((size_t)geom.ntiles, sizeof *kept)
                            : NULL;
    if (!s || !m || ((flags & COSPIN_XBAR_SOLVE_KEEP) && !kept)) {
        free(s);
        free(m);
        free(kept);
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar solver: out of memory");
    }
    s->opts = *o;
    s->geom = geom;
    s->flags = flags;
    s->m = m;
    s->kept = kept;
    s->st.tiles = geom.ntiles;
    cholmod_start(&s->cm);
    s->cm.print = 0;      /* the library prints nothing; errors come back as values */
    s->cm.final_ll = 1;   /* LL': a non-positive pivot is reported as not positive definite */
    /* Simplicial factors: a tile's nodal graph is a thin grid whose supernodes are small, and
       on such graphs the simplicial factorisation and its multi-column solves need half the
       CPU time of the supernodal ones (64 x 25 to 784 x 100 tiles, measured). */
    s->cm.supernodal = CHOLMOD_SIMPLICIAL;
    *out = s;
    return 0;
}

static void release_kept(struct cospin_xbar_solver *s)
{
    for (int t = 0; s->kept && t < s->geom.ntiles; t++)
        tsys_free(&s->kept[t], &s->cm);
}

void cospin_xbar_solver_free(struct cospin_xbar_solver *s)
{
    if (!s)
        return;
    release_kept(s);
    for (int k = 0; k < s->nshapes; k++) {
        cholmod_free_factor(&s->shapes[k].sym, &s->cm);
        cholmod_free_sparse(&s->shapes[k].pat, &s->cm);
    }
    solve_ws_free(&s->ws, &s->cm);
    cholmod_finish(&s->cm);
    cospin_xbar_circuit_free(s->xc);
    free(s->kept);
    free(s->scratch);
    free(s->m);
    free(s);
}

static int same_pattern(const cholmod_sparse *a, const cholmod_sparse *b)
{
    const int *ap = a->p, *bp = b->p;
    return a->ncol == b->ncol && memcmp(ap, bp, (a->ncol + 1) * sizeof *ap) == 0 &&
           memcmp(a->i, b->i, (size_t)ap[a->ncol] * sizeof(int)) == 0;
}

/*
 * The symbolic analysis for ts->K: a cached one of the same shape and
 * pattern, else a new one (cached while there is room; else *tmp owns it).
 */
static const cholmod_factor *shape_for(struct cospin_xbar_solver *s, const struct tsys *ts,
                                       cholmod_factor **tmp, struct cospin_error *err)
{
    for (int k = 0; k < s->nshapes; k++)
        if (s->shapes[k].n_in == ts->sp.n_in && s->shapes[k].n_out == ts->sp.n_out &&
            same_pattern(s->shapes[k].pat, ts->K)) {
            s->st.factor_nnz += s->shapes[k].lnz;
            return s->shapes[k].sym;
        }
    double t0 = cospin_now_s();
    cholmod_factor *sym = cholmod_analyze(ts->K, &s->cm);
    s->st.analyse_s += cospin_now_s() - t0;
    if (!sym) {
        cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                         "crossbar tile %d: CHOLMOD analysis failed (%d)", ts->t, s->cm.status);
        return NULL;
    }
    s->st.factor_nnz += s->cm.lnz;
    if (s->nshapes == MAX_SHAPES) {
        *tmp = sym;
        return sym;
    }
    struct shape *sh = &s->shapes[s->nshapes];
    sh->pat = cholmod_copy_sparse(ts->K, &s->cm);
    if (!sh->pat) {
        cholmod_free_factor(&sym, &s->cm);
        cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar solver: out of memory");
        return NULL;
    }
    sh->n_in = ts->sp.n_in;
    sh->n_out = ts->sp.n_out;
    sh->sym = sym;
    sh->lnz = s->cm.lnz;
    s->nshapes++;
    s->st.shapes = s->nshapes;
    return sym;
}

/* Build, assemble, check and factor tile t of the current circuit into ts. */
static int prepare_tile(struct cospin_xbar_solver *s, int t, struct tsys *ts,
                        struct cospin_error *err)
{
    memset(ts, 0, sizeof *ts); /* tsys_free-able whatever fails */
    struct cospin_xbar_tile tile;
    int rc = cospin_xbar_circuit_tile(s->xc, t, &tile, err);
    if (rc == 0)
        rc = assemble(ts, &tile, &s->cm, err);
    cospin_xbar_tile_clear(&tile);
    if (rc == 0)
        rc = check_floating(ts, err);
    if (rc || ts->nu == 0)
        return rc;
    if (ts->nu > s->st.max_unknowns)
        s->st.max_unknowns = ts->nu;
    cholmod_factor *tmp = NULL;
    const cholmod_factor *sym = shape_for(s, ts, &tmp, err);
    rc = sym ? factor(ts, sym, &s->cm, err) : COSPIN_ERR_NOMEM;
    cholmod_free_factor(&tmp, &s->cm);
    return rc;
}

int cospin_xbar_solver_factor(struct cospin_xbar_solver *s, const double *g_pos_s,
                              const double *g_neg_s, struct cospin_error *err)
{
    s->have_m = 0;
    release_kept(s);
    cospin_xbar_circuit_free(s->xc);
    s->xc = NULL;
    int rc = cospin_xbar_circuit_new(&s->opts, s->geom.n_out, s->geom.n_in, g_pos_s, g_neg_s,
                                     &s->xc, err);
    if (rc)
        return rc;
    s->st.factor_s = s->st.solve_s = s->st.factor_nnz = 0;
    int keep = s->flags & COSPIN_XBAR_SOLVE_KEEP;
    for (int t = 0; t < s->geom.ntiles && rc == 0; t++) {
        struct tsys local, *ts = keep ? &s->kept[t] : &local;
        double t0 = cospin_now_s();
        rc = prepare_tile(s, t, ts, err);
        double t1 = cospin_now_s();
        double *w = rc ? NULL : scratch(s, (ts->nu ? ts->nu : 1) * RHS_BLOCK);
        if (rc == 0 && !w)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar solver: out of memory");
        if (rc == 0)
            rc = condense(ts, s->m, (size_t)s->geom.n_in, ts->sp.j0, ts->sp.i0, keep, w, &s->ws,
                          &s->cm, err);
        s->st.factor_s += t1 - t0;
        s->st.solve_s += cospin_now_s() - t1;
        if (!keep || rc)
            tsys_free(ts, &s->cm);
    }
    if (rc)
        release_kept(s);
    else
        s->have_m = 1;
    return rc;
}

const double *cospin_xbar_solver_matrix(const struct cospin_xbar_solver *s)
{
    return s && s->have_m ? s->m : NULL;
}

static int need_matrix(const struct cospin_xbar_solver *s, const char *what,
                       struct cospin_error *err)
{
    if (!s || !s->have_m)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar solver: %s before a successful factorisation", what);
    return 0;
}

int cospin_xbar_solver_currents(const struct cospin_xbar_solver *s, const double *v_in,
                                size_t nvec, double *i_out, struct cospin_error *err)
{
    int rc = need_matrix(s, "currents", err);
    if (rc)
        return rc;
    if (!v_in || !i_out)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar solver: currents need inputs and outputs");
    size_t n_in = (size_t)s->geom.n_in, n_out = (size_t)s->geom.n_out;
    cospin_dgemm(0, 1, nvec, n_out, n_in, 1.0, v_in, n_in, s->m, n_in, 0.0, i_out, n_out);
    return 0;
}

/* The system of tile t: the kept one, or *local prepared now (the caller frees it). */
static int tile_system(struct cospin_xbar_solver *s, int t, struct tsys *local,
                       struct tsys **ts, struct cospin_error *err)
{
    if (s->kept) {
        *ts = &s->kept[t];
        return 0;
    }
    *ts = local;
    int rc = prepare_tile(s, t, local, err);
    if (rc)
        tsys_free(local, &s->cm);
    return rc;
}

int cospin_xbar_solver_direct(struct cospin_xbar_solver *s, const double *v_in, size_t nvec,
                              double *i_out, struct cospin_error *err)
{
    int rc = need_matrix(s, "direct solves", err);
    if (rc)
        return rc;
    if (!v_in || !i_out)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar solver: direct solves need inputs and outputs");
    size_t n_in = (size_t)s->geom.n_in, n_out = (size_t)s->geom.n_out;
    memset(i_out, 0, nvec * n_out * sizeof *i_out);
    for (int t = 0; t < s->geom.ntiles && rc == 0; t++) {
        struct tsys local, *ts;
        if ((rc = tile_system(s, t, &local, &ts, err)))
            break;
        rc = direct_tile(ts, v_in, nvec, n_in, i_out, n_out, &s->ws, &s->cm, err);
        if (!s->kept)
            tsys_free(ts, &s->cm);
    }
    return rc;
}

int cospin_xbar_solver_grad(struct cospin_xbar_solver *s, const double *dl_dm, double *dl_dg_pos,
                            double *dl_dg_neg, struct cospin_error *err)
{
    int rc = need_matrix(s, "gradients", err);
    if (rc)
        return rc;
    if (!dl_dm || !dl_dg_pos || !dl_dg_neg)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar solver: gradients need dL/dM and outputs");
    size_t n = (size_t)s->geom.n_out * (size_t)s->geom.n_in;
    memset(dl_dg_pos, 0, n * sizeof *dl_dg_pos);
    memset(dl_dg_neg, 0, n * sizeof *dl_dg_neg);
    for (int t = 0; t < s->geom.ntiles && rc == 0; t++) {
        struct tsys local, *ts;
        if ((rc = tile_system(s, t, &local, &ts, err)))
            break;
        struct cospin_xbar_tile tile;
        rc = cospin_xbar_circuit_tile(s->xc, t, &tile, err);
        size_t nb = (ts->nu ? ts->nu : 1) * RHS_BLOCK;
        double *h = rc ? NULL : scratch(s, 2 * nb);
        if (rc == 0 && !h)
            rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar solver: out of memory");
        if (rc == 0)
            rc = grad_tile(ts, &tile, dl_dm, (size_t)s->geom.n_in, dl_dg_pos, dl_dg_neg, h,
                           h + nb, &s->ws, &s->cm, err);
        cospin_xbar_tile_clear(&tile);
        if (!s->kept)
            tsys_free(ts, &s->cm);
    }
    return rc;
}

int cospin_xbar_solver_grad_batch(struct cospin_xbar_solver *s, const double *v_in,
                                  const double *dl_di, size_t nvec, double *dl_dg_pos,
                                  double *dl_dg_neg, struct cospin_error *err)
{
    int rc = need_matrix(s, "gradients", err);
    if (rc)
        return rc;
    if (!v_in || !dl_di)
        return cospin_error_set(err, COSPIN_ERR_INVALID, NULL, 0,
                                "crossbar solver: batch gradients need inputs and dL/dI");
    size_t n_in = (size_t)s->geom.n_in, n_out = (size_t)s->geom.n_out;
    double *dl_dm = malloc(n_out * n_in * sizeof *dl_dm);
    if (!dl_dm)
        return cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar solver: out of memory");
    cospin_dgemm(1, 0, n_out, n_in, nvec, 1.0, dl_di, n_out, v_in, n_in, 0.0, dl_dm, n_in);
    rc = cospin_xbar_solver_grad(s, dl_dm, dl_dg_pos, dl_dg_neg, err);
    free(dl_dm);
    return rc;
}

void cospin_xbar_solver_stats(const struct cospin_xbar_solver *s,
                              struct cospin_xbar_solver_stats *st)
{
    *st = s->st;
}

int cospin_xbar_tile_matrix(const struct cospin_xbar_tile *tile, double *m,
                            struct cospin_error *err)
{
    cholmod_common cm;
    cholmod_start(&cm);
    cm.print = 0;
    cm.final_ll = 1;
    cm.supernodal = CHOLMOD_SIMPLICIAL;   /* as in cospin_xbar_solver_new */
    struct tsys ts;
    struct solve_ws ws = {0};
    int rc = assemble(&ts, tile, &cm, err);
    if (rc == 0)
        rc = check_floating(&ts, err);
    cholmod_factor *sym = NULL;
    if (rc == 0 && ts.nu) {
        sym = cholmod_analyze(ts.K, &cm);
        rc = sym ? factor(&ts, sym, &cm, err)
                 : cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0,
                                    "crossbar tile %d: CHOLMOD analysis failed", tile->index);
    }
    double *w = rc ? NULL : malloc((ts.nu ? ts.nu : 1) * RHS_BLOCK * sizeof *w);
    if (rc == 0 && !w)
        rc = cospin_error_set(err, COSPIN_ERR_NOMEM, NULL, 0, "crossbar tile %d: out of memory",
                              tile->index);
    if (rc == 0)
        rc = condense(&ts, m, (size_t)tile->span.n_in, 0, 0, 0, w, &ws, &cm, err);
    free(w);
    solve_ws_free(&ws, &cm);
    cholmod_free_factor(&sym, &cm);
    tsys_free(&ts, &cm);
    cholmod_finish(&cm);
    return rc;
}
