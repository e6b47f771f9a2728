/*
 * ngspice/config.h for building code models against Debian's libngspice0.
 *
 * The ABI-relevant macros must match Debian's build: XSPICE and CIDER on
 * (without CIDER the SPICEdev struct is shorter and ngspice crashes when the
 * model is used), OSDI off, and SHARED_MODULE off (it would route printf to
 * sh_printf, which only libngspice has, so the .cm would not load in the CLI).
 */
#ifndef COSPIN_NGSPICE_CONFIG_H
#define COSPIN_NGSPICE_CONFIG_H
#define XSPICE 1
#define CIDER 1
#define SIMULATOR 1
#define HAVE_LIMITS_H 1
#define HAVE_FLOAT_H 1
#define STDC_HEADERS 1
#define HAVE_STRINGS_H 1
#define HAVE_CTYPE_H 1
#define HAVE_UNISTD_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_ISNAN 1
#define HAVE_ISINF 1
#define HAVE_DECL_ISNAN 1
#define HAVE_DECL_ISINF 1
#define HAVE_STRCHR 1
#endif
