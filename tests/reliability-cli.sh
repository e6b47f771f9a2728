#!/bin/sh
# reliability-cli.sh -- what cospin does when things go wrong around a run:
# results that do not make sense, a second run into a busy output
# directory, damaged files on resume, interrupts (SIGINT and SIGTERM),
# runaway settings, code inside experiment files, a full disk.
# Run by `make check` (COSPIN = the built CLI); by hand:
#   COSPIN=./src/cospin sh tests/reliability-cli.sh
set -u
LC_ALL=C
export LC_ALL

: "${COSPIN:?set COSPIN to the cospin binary}"
here=$(cd "$(dirname "$0")" && pwd)
data="$here/data"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-reliability.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0

say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# expect NAME EXIT_CODE PATTERN CMD...: the command exits with EXIT_CODE and
# prints exactly one line on stderr, matching PATTERN (grep -E).
expect() {
    name=$1 code=$2 pattern=$3
    shift 3
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    lines=$(wc -l <"$tmp/stderr")
    if [ "$rc" -ne "$code" ]; then
        bad "$name: exit code $rc, expected $code: $(cat "$tmp/stderr")"
    elif [ "$lines" -ne 1 ]; then
        bad "$name: $lines lines on stderr, expected 1:"
        cat "$tmp/stderr"
    elif ! grep -Eq -- "$pattern" "$tmp/stderr"; then
        bad "$name: stderr does not match /$pattern/: $(cat "$tmp/stderr")"
    else
        say "ok: $name: $(cat "$tmp/stderr")"
    fi
}

# ---- the designer's inverse never prints NaN -----------------------------------------
# A neuron table of an older cospin: a one-current curve fitted "ok" with NaN
# (it printed a NaN setting and exited 0).
cat >"$tmp/fit_nan.csv" <<'EOF'
width_s,ku_j_per_m3,k_per_ua,k_err,c_ua,c_err,status
3e-08,1100000,1,0.1,10,0.1,ok
1e-07,1100000,1.5,0.1,10,0.1,ok
3e-08,1200000,1,nan,nan,nan,ok
1e-07,1200000,1.5,0.1,10,0.1,ok
EOF
expect "--target-k with --c over a NaN row" 3 \
    "^cospin characterize: error: the table is not a complete grid" \
    "$COSPIN" characterize --table "$tmp/fit_nan.csv" --target-k 1.2 --target-c 10
if grep -qi nan "$tmp/stdout"; then
    bad "--target-k printed NaN: $(cat "$tmp/stdout")"
fi
expect "--target-k at a Ku with a NaN row" 3 \
    "^cospin characterize: error: the table has 1 width with a good fit at Ku = 1.2e\+06" \
    "$COSPIN" characterize --table "$tmp/fit_nan.csv" --target-k 1.2 --ku 1.2meg

exit $fail
