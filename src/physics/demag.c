/*
 * demag.c -- prism demagnetising factors (Aharoni 1998) and the thin-film limit.
 */
#include "demag.h"

#include <math.h>

/* pi, written out (M_PI is not ISO C). */
#define DEMAG_PI 3.14159265358979323846

/*
 * Aharoni, J. Appl. Phys. 83, 3432 (1998), Eq. (1): demagnetising factor
 * along the c axis of the prism -a<=x<=a, -b<=y<=b, -c<=z<=c (half edges).
 */
static double aharoni_dz(double a, double b, double c)
{
    double a2 = a * a, b2 = b * b, c2 = c * c;
    double abc = a * b * c;
    double r = sqrt(a2 + b2 + c2);
    double rab = sqrt(a2 + b2), rbc = sqrt(b2 + c2), rac = sqrt(a2 + c2);
    double s = 0.0;
    s += (b2 - c2) / (2.0 * b * c) * log((r - a) / (r + a));
    s += (a2 - c2) / (2.0 * a * c) * log((r - b) / (r + b));
    s += b / (2.0 * c) * log((rab + a) / (rab - a));
    s += a / (2.0 * c) * log((rab + b) / (rab - b));
    s += c / (2.0 * a) * log((rbc - b) / (rbc + b));
    s += c / (2.0 * b) * log((rac - a) / (rac + a));
    s += 2.0 * atan(a * b / (c * r));
    s += (a2 * a + b2 * b - 2.0 * c2 * c) / (3.0 * abc);
    s += (a2 + b2 - 2.0 * c2) / (3.0 * abc) * r;
    s += c / (a * b) * (rac + rbc);
    s -= (pow(a2 + b2, 1.5) + pow(b2 + c2, 1.5) + pow(c2 + a2, 1.5)) / (3.0 * abc);
    return s / DEMAG_PI;
}

int cospin_demag_prism(double lx_m, double ly_m, double lz_m, double n[3])
{
    if (!(lx_m > 0.0) || !(ly_m > 0.0) || !(lz_m > 0.0) || !isfinite(lx_m) ||
        !isfinite(ly_m) || !isfinite(lz_m))
        return -1;
    double mx = fmax(lx_m, fmax(ly_m, lz_m)), mn = fmin(lx_m, fmin(ly_m, lz_m));
    if (mx / mn > 1e6)
        return -1;
    /* Scale to O(1) so that the cubes in the formula cannot overflow. */
    double a = 0.5 * lx_m / mx, b = 0.5 * ly_m / mx, c = 0.5 * lz_m / mx;
    n[0] = aharoni_dz(b, c, a);
    n[1] = aharoni_dz(a, c, b);
    n[2] = aharoni_dz(a, b, c);
    return 0;
}

void cospin_demag_thin_film(double n[3])
{
    n[0] = 0.0;
    n[1] = 0.0;
    n[2] = 1.0;
}
