#!/bin/sh
# mpi-dist.sh -- the MPI wrapper (src/base/dist.c) with 3 ranks:
# tests/dist_ranks checks gathers, reductions, broadcasts, agreement on a
# failure and point-to-point messages on every rank.  SKIP without MPI.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/mpi-lib.sh"
: "${abs_top_builddir:?set abs_top_builddir to the build tree}"
# shellcheck disable=SC2086 # $MPI is the launcher and its options
$MPI -n 3 "$abs_top_builddir/tests/dist_ranks"
