/*
 * paths.h -- where cospin finds its files: the code-model library, the
 * datasets and the XML schema, in the build tree or installed.
 *
 * Nothing here is baked in at build time except the configured installation
 * directories (installdirs.h, regenerated when configure changes them), and
 * those are the last resort.  At run time cospin looks, in order:
 *   1. at the environment ($COSPIN_CM for the code models);
 *   2. in the build tree, when the running program or libcospin itself lies
 *      one or two directories below a build tree's top (src/cospin,
 *      tests/check_*, src/.libs/libcospin.so), recognised by the file
 *      COSPIN_BUILD_TREE_MARK there, which also names the source tree;
 *   3. relative to the running program (bindir) or to libcospin (libdir),
 *      where the installed layout puts the file: an installation that was
 *      moved, or made with `make install prefix=...` or DESTDIR, still finds
 *      its own files;
 *   4. in the configured directories.
 * The first candidate that exists wins; when none does, the configured path
 * is returned so that messages name the expected place.
 */
#ifndef COSPIN_PATHS_H
#define COSPIN_PATHS_H

#include <stddef.h>

#include "cospin.h"

/* The build tree's mark file, at its top; its line "srcdir=DIR" names the source tree. */
#define COSPIN_BUILD_TREE_MARK "cospin-build-tree"

/* cospin_path_cm(), the code-model library, is public: cospin.h. */

/* Dataset root: $COSPIN_DATA, else the directory configure was given (bootstrap's data/). */
const char *cospin_path_data_dir(void);

/* Debian's Fashion-MNIST directory (dataset-fashion-mnist). */
const char *cospin_path_fashion_dir(void);

/*
 * A data file shipped in $(pkgdatadir) (e.g. "schema/cospin.rng"): the
 * source-tree copy (src/config/NAME) when running from the build tree, else
 * the installed one.  Writes into buf (size n), returns buf.
 */
char *cospin_path_data_file(const char *name, char *buf, unsigned long n);

/*
 * The relative path from directory `from` to `to` (both absolute, e.g.
 * "/usr/local/bin" and "/usr/local/lib/cospin" give "../lib/cospin"; equal
 * directories give ".").  Writes into buf (size n).  Returns 0, or -1 when a
 * path is not absolute, contains "..", or the result does not fit.
 */
int cospin_path_relative(const char *from, const char *to, char *buf, size_t n);

#endif
