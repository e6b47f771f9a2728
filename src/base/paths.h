/*
 * paths.h -- where cospin finds its files: the code-model library, the
 * datasets and the XML schema, in the build tree or installed.
 * Returned strings are static (or the environment's); do not free them.
 */
#ifndef COSPIN_PATHS_H
#define COSPIN_PATHS_H

/* cospin.cm: $COSPIN_CM, else the build-tree copy if present, else the installed one. */
const char *cospin_path_cm(void);

/* Dataset root: $COSPIN_DATA, else the directory configure was given (bootstrap's data/). */
const char *cospin_path_data_dir(void);

/* Debian's Fashion-MNIST directory (dataset-fashion-mnist). */
const char *cospin_path_fashion_dir(void);

/* A file shipped in the source/pkgdata dir (e.g. "cospin.rng"): the source-tree copy when
   running from the build tree, else the installed one.  Writes into buf (size n), returns buf. */
char *cospin_path_data_file(const char *name, char *buf, unsigned long n);

#endif
