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

# ---- IDX headers are checked against the file before anything is allocated --------
# 2^28 images of 4096 x 4096 announced by a 16-byte file (was: out of memory, exit 70)
printf '\000\000\010\003\020\000\000\000\000\000\020\000\000\000\020\000' \
    >"$tmp/huge-idx3-ubyte"
expect "IDX header announcing 2^52 bytes" 5 \
    "^cospin dataset info: error: .*/huge-idx3-ubyte: truncated: the header announces 4503599627370496 data bytes, the file has 0 after its 16-byte header\$" \
    "$COSPIN" dataset info "$tmp/huge-idx3-ubyte"
# a directory where an IDX file belongs (was: corrupt gzip stream)
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
    t10k-labels-idx1-ubyte; do
    mkdir -p "$tmp/ds/$f"
done
expect "directory named like an IDX file" 4 \
    "^cospin dataset info: error: .*/ds/train-images-idx3-ubyte: is a directory, not an IDX file\$" \
    "$COSPIN" dataset info "$tmp/ds"

exit $fail
