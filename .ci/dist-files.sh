#!/bin/sh
# dist-files.sh -- the release tarball holds every file git tracks, except
# the few listed in `excluded` that mean nothing outside a git checkout.
#
#   .ci/dist-files.sh SRCDIR DISTDIR     (what `make dist` runs, as its dist-hook,
#                                         on the directory it is about to pack)
#   .ci/dist-files.sh SRCDIR TARBALL     (a finished cospin-VERSION.tar.gz)
#
# A tracked file missing from the tarball is an error that names it: add it
# to EXTRA_DIST (or a _DATA/_SOURCES list) in Makefile.am, or, if it really
# does not belong in a release, to `excluded` below with the reason.  Outside
# a git checkout (a build from the tarball itself) there is nothing to
# compare with, and the check says so and passes.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: dist-files.sh SRCDIR DISTDIR|TARBALL" >&2
    exit 2
fi
srcdir=$(cd "$1" && pwd)
dist=$2

# Tracked, deliberately not shipped:
#   .gitignore           git's own configuration
#   build-aux/.keep      keep two directories in git that autoreconf fills
#   m4/.keep             (the tarball has the files themselves)
excluded='.gitignore build-aux/.keep m4/.keep'

top=$(git -C "$srcdir" rev-parse --show-toplevel 2>/dev/null || true)
if [ -z "$top" ] || [ "$(cd "$top" && pwd)" != "$srcdir" ]; then
    echo "dist-files.sh: $srcdir is not the top of a git checkout; nothing to compare"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-dist-files.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
git -C "$srcdir" ls-files | sort -u >"$tmp/tracked"
if [ -d "$dist" ]; then
    (cd "$dist" && find . \( -type f -o -type l \) -print | sed 's|^\./||')
else
    tar tzf "$dist" | sed -e 's|^[^/]*/||' -e '/\/$/d' -e '/^$/d'
fi | sort -u >"$tmp/shipped"
printf '%s\n' $excluded | sort -u >"$tmp/excluded"
comm -23 "$tmp/tracked" "$tmp/shipped" | comm -23 - "$tmp/excluded" >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
    echo "dist-files.sh: tracked files missing from the release tarball:"
    sed 's/^/  /' "$tmp/missing"
    echo "dist-files.sh: add them to Makefile.am (EXTRA_DIST, a _DATA or _SOURCES list)," \
        "or to 'excluded' in .ci/dist-files.sh with the reason"
    exit 1
fi
shipped=$(comm -23 "$tmp/tracked" "$tmp/excluded" | wc -l)
echo "dist-files.sh: all $shipped tracked files are in the tarball" \
    "($(wc -l <"$tmp/excluded") more are left out on purpose)"
