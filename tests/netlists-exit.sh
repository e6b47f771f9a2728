#!/bin/sh
# netlists-exit.sh -- every shipped netlist (netlists/*.cir) runs to exit
# status 0 under `cospin ngspice -b`, under the uninstalled src/cospin-ngspice
# (which must find the build tree's cospin and cospin.cm by itself) and under
# plain `ngspice -b` with the build-tree spinit; and a netlist whose analysis
# fails exits 1 (tests/netlists/tmr_bad_param.cir with the same quit line).
#
# Environment (make check sets it): COSPIN (the built cospin), SPICE_SCRIPTS
# (the build-tree spinit), srcdir.
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "${srcdir:-$(dirname "$here")}" && pwd)
: "${COSPIN:?run through make check}" "${SPICE_SCRIPTS:?run through make check}"
wrapper=$(dirname "$COSPIN")/cospin-ngspice
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-netlists-exit.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
n=0
# expect STATUS LABEL COMMAND...: run it in $tmp, compare its exit status.
expect() {
    want=$1 label=$2
    shift 2
    n=$((n + 1))
    (cd "$tmp" && "$@") >"$tmp/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then
        echo "ok   $label: exit $got"
    else
        echo "FAIL $label: exit $got, expected $want"
        tail -n 15 "$tmp/out"
        fails=$((fails + 1))
    fi
}
for cir in "$srcdir"/netlists/*.cir; do
    name=netlists/$(basename "$cir")
    expect 0 "cospin ngspice -b $name" "$COSPIN" ngspice -b "$cir"
    expect 0 "src/cospin-ngspice -b $name" env -u COSPIN_CM -u SPICE_SCRIPTS "$wrapper" -b "$cir"
    expect 0 "ngspice -b $name" ngspice -b "$cir"
done
# The same quit line after an analysis that fails.
sed -e '/^\.endc/i quit $sim_status' "$srcdir/tests/netlists/tmr_bad_param.cir" >"$tmp/bad.cir"
expect 1 "a failing analysis" "$COSPIN" ngspice -b "$tmp/bad.cir"
echo "netlists-exit.sh: $n runs, $fails failed"
[ "$fails" -eq 0 ]
