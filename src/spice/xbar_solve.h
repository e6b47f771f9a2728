/*
 * xbar_solve.h -- the sparse solver of resistive crossbar layers: the column
 * currents of the circuit that xbar_circuit.h describes (and that
 * cospin_netlist_xbar_circuit writes for ngspice), computed from the same
 * element lists with SuiteSparse CHOLMOD, plus their gradients with respect
 * to every device conductance.
 *
 * The model is linear: resistive devices, wires and driver output
 * resistances, ideal input voltages, virtual-ground or linear TIA sensing.
 * Every tile is an independent network (ideal drivers fan out to the tiles
 * of a row; ideal adders sum a column's partial currents).  Fixing the
 * ideal sources (input and inverted lines at +-V_i) and the virtual grounds
 * (column ends held at 0 V by their ammeters) leaves the nodal equations of
 * a tile's other nodes (row- and column-line nodes, driver outputs, a
 * finite-gain TIA's sense node)
 *
 *     K v = B V,      I = C^T v + D V
 *
 * with V the tile's input voltages (of the positive lines), I its column
 * currents, K the conductance matrix of those nodes (symmetric, and
 * positive definite when every node has a conducting path to a fixed node),
 * B and C the couplings of the nodes to the drivers and to the column ends,
 * and D the direct driver -> column-end couplings.  So I = M V with the
 * tile's effective matrix
 *
 *     M = W^T B + D,    W = K^-1 C     (one adjoint solve per output column).
 *
 * The pattern of K is analysed once per tile shape, K is factored
 * (Cholesky, CHOLMOD) once per set of conductances, all adjoint columns are
 * solved at once, and the layer's M (n_out x n_in: the tiles' blocks; a
 * column's blocks add up as its partial-sum adders do) turns any number of
 * input vectors into currents with one matrix product.
 *
 * Gradients.  For a device of conductance g between nodes a and b,
 *
 *     dM_ji / dg = -(u_i,a - u_i,b)(w_j,a - w_j,b)
 *
 * with u_i the node voltages for a unit input i and w_j the adjoint solution
 * of column j (both extended to the fixed nodes: u_i is the driver voltage
 * there, w_j is 1 at column j's virtual ground and 0 elsewhere).  Given
 * dL/dM, dL/dg = -sum_j (H_a,j - H_b,j)(W_a,j - W_b,j) with
 * H = K^-1 (B dL/dM^T) (one more solve per output column).
 *
 * Where the linear model stops: bias-dependent device resistance (an MTJ's
 * TMR falls with voltage) and nonlinear sense circuits stay on the ngspice
 * path (cosim.h, netlist.h).
 */
#ifndef COSPIN_XBAR_SOLVE_H
#define COSPIN_XBAR_SOLVE_H

#include <stddef.h>

#include "cospin.h"
#include "xbar_circuit.h"

COSPIN_BEGIN_DECLS

/*
 * Flag for cospin_xbar_solver_new: keep each tile's factor and adjoint
 * solutions W after cospin_xbar_solver_factor, so that gradients and direct
 * solves need no refactorisation.  Costs the factors (a few times the
 * nonzeros of K per tile) and W (unknowns x outputs doubles per tile).
 */
#define COSPIN_XBAR_SOLVE_KEEP 1

struct cospin_xbar_solver;

/*
 * A solver for n_out x n_in layers under options o (copied; validated).
 * flags: 0 or COSPIN_XBAR_SOLVE_KEEP.  Returns 0, COSPIN_ERR_INVALID or
 * COSPIN_ERR_NOMEM.  Free *out with cospin_xbar_solver_free().
 */
COSPIN_API int cospin_xbar_solver_new(const struct cospin_xbar_opts *o, int n_out, int n_in, int flags,
                           struct cospin_xbar_solver **out, struct cospin_error *err);

/* NULL-safe. */
COSPIN_API void cospin_xbar_solver_free(struct cospin_xbar_solver *s);

/*
 * Factor every tile for the device conductances g_pos_s, g_neg_s (n_out x
 * n_in each, S, >= 0; xbar_circuit.h) and condense the layer's effective
 * matrix.  The first call analyses each tile shape.  Returns 0,
 * COSPIN_ERR_INVALID (a bad conductance; a singular network: the message
 * names the tile and the floating line) or COSPIN_ERR_NOMEM.  After an
 * error the solver holds no matrix until the next successful call.
 */
COSPIN_API int cospin_xbar_solver_factor(struct cospin_xbar_solver *s, const double *g_pos_s,
                              const double *g_neg_s, struct cospin_error *err);

/*
 * The layer's effective matrix M (n_out x n_in, row-major, A/V: I = M V),
 * owned by s and valid until the next factor call; NULL before a
 * successful one.
 */
COSPIN_API const double *cospin_xbar_solver_matrix(const struct cospin_xbar_solver *s);

/*
 * Column currents of nvec input vectors: i_out (nvec x n_out, A) = v_in
 * (nvec x n_in, volts on the positive lines, V_i = v_read_v x_i) times M^T.
 * Returns 0 or COSPIN_ERR_INVALID (no factorisation yet, bad arguments).
 */
COSPIN_API int cospin_xbar_solver_currents(const struct cospin_xbar_solver *s, const double *v_in,
                                size_t nvec, double *i_out, struct cospin_error *err);

/*
 * The same currents by solving every tile's nodal equations for each input
 * vector (no effective matrix): a check of M, and of the solver against
 * itself.  Refactors the tiles unless the solver keeps them.
 */
COSPIN_API int cospin_xbar_solver_direct(struct cospin_xbar_solver *s, const double *v_in, size_t nvec,
                              double *i_out, struct cospin_error *err);

/*
 * Gradient of a loss L with respect to every device conductance, given
 * dl_dm = dL/dM (n_out x n_in, row-major).  dl_dg_pos and dl_dg_neg (n_out
 * x n_in each, caller-allocated) receive dL/dG+ and dL/dG- in 1/S times the
 * unit of L.  Refactors the tiles unless the solver keeps them.  Returns 0,
 * COSPIN_ERR_INVALID (no factorisation yet) or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_xbar_solver_grad(struct cospin_xbar_solver *s, const double *dl_dm, double *dl_dg_pos,
                            double *dl_dg_neg, struct cospin_error *err);

/*
 * The same for a batch: dl_di (nvec x n_out) = dL/dI for the input vectors
 * v_in (nvec x n_in, V), so that dL/dM = dl_di^T v_in.  (dL/dV, for the
 * layers before, is dl_di M.)
 */
COSPIN_API int cospin_xbar_solver_grad_batch(struct cospin_xbar_solver *s, const double *v_in,
                                  const double *dl_di, size_t nvec, double *dl_dg_pos,
                                  double *dl_dg_neg, struct cospin_error *err);

/* What the solver did (benchmarks, reports). */
struct cospin_xbar_solver_stats {
    int shapes;                /* tile shapes analysed */
    int tiles;                 /* tiles of the layer */
    size_t max_unknowns;       /* largest nodal system of a tile */
    double factor_nnz;         /* nonzeros of all tiles' factors at the last factorisation */
    double analyse_s;          /* wall time: pattern analyses (all calls) */
    double factor_s;           /* assembly and numeric factorisation (last factor call) */
    double solve_s;            /* adjoint solves and condensation (last factor call) */
};
COSPIN_API void cospin_xbar_solver_stats(const struct cospin_xbar_solver *s,
                              struct cospin_xbar_solver_stats *st);

/*
 * The effective matrix of one tile given as an element list (for example
 * one whose elements the caller changed to model an open wire): m (n_out x
 * n_in of the tile's span, row-major) receives M.  Analyses, factors and
 * solves from scratch.  Returns 0, COSPIN_ERR_INVALID (an element the
 * solver cannot model, a singular network: the message names the floating
 * line) or COSPIN_ERR_NOMEM.
 */
COSPIN_API int cospin_xbar_tile_matrix(const struct cospin_xbar_tile *tile, double *m,
                            struct cospin_error *err);

COSPIN_END_DECLS

#endif
