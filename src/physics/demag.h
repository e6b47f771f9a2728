/*
 * demag.h -- demagnetising factors of a uniformly magnetised rectangular
 * prism (A. Aharoni, J. Appl. Phys. 83, 3432 (1998), Eq. 1) and the
 * thin-film limit.  Pure C, shared by the library and the code models.
 */
#ifndef COSPIN_DEMAG_H
#define COSPIN_DEMAG_H

/*
 * Demagnetising factors of a prism with edges lx_m, ly_m, lz_m (m, all > 0,
 * ratios within 1e-6 .. 1e6).  n[0..2] receive Nx, Ny, Nz (their sum is 1).
 * Returns 0, or -1 for invalid dimensions (n untouched).
 */
int cospin_demag_prism(double lx_m, double ly_m, double lz_m, double n[3]);

/* Infinite thin film normal to z: Nx = Ny = 0, Nz = 1. */
void cospin_demag_thin_film(double n[3]);

#endif
