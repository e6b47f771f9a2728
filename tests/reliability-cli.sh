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

# ---- a full disk while run.txt is written: the rerun resumes ------------------------
# $COSPIN_FAULT_LIB makes fsync fail with ENOSPC for run.txt's temporary only.
char_small() {
    "$COSPIN" -q characterize --width 10n --current 9u:29u:10u --trials 20 --relax 2n \
        --threads 1 --out "$@"
}
if [ -n "${COSPIN_FAULT_LIB:-}" ] && [ -r "$COSPIN_FAULT_LIB" ]; then
    expect "run.txt on a full disk" 4 \
        "^cospin characterize: error: .*/full/run\.txt: write failed: No space left on device\$" \
        env LD_PRELOAD="$COSPIN_FAULT_LIB" COSPIN_FAULT_ENOSPC=/.run.txt. \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        "$COSPIN" -q characterize --width 10n --current 9u:29u:10u --trials 20 --relax 2n \
        --threads 1 --out "$tmp/full"
    if [ -e "$tmp/full/run.txt" ] || [ -n "$(ls -A "$tmp/full" | grep -v '^psw\.csv$')" ]; then
        bad "full disk: left $(ls -A "$tmp/full" | tr '\n' ' ')"
    fi
    if char_small "$tmp/full" >"$tmp/stdout" 2>"$tmp/stderr" && [ -s "$tmp/full/run.txt" ] \
        && [ "$(wc -l <"$tmp/full/psw.csv")" -eq 4 ]; then
        say "ok: the rerun after a full disk runs without --fresh"
    else
        bad "rerun after a full disk: $(cat "$tmp/stderr")"
    fi
else
    bad "COSPIN_FAULT_LIB (tests/.libs/libfault_fsync.so) is not set or not readable"
fi
# the state an older cospin left: psw.csv (its header only) without run.txt
mkdir -p "$tmp/hdr" && echo "width_s,current_a,trials,switched,p_sw,ku_j_per_m3" >"$tmp/hdr/psw.csv"
if char_small "$tmp/hdr" >"$tmp/stdout" 2>"$tmp/stderr" && [ -s "$tmp/hdr/run.txt" ]; then
    say "ok: an empty psw.csv without run.txt is started over"
else
    bad "empty psw.csv without run.txt: $(cat "$tmp/stderr")"
fi
# but points without run.txt are not ours to overwrite
mkdir -p "$tmp/nort" && cp "$tmp/full/psw.csv" "$tmp/nort/psw.csv"
expect "points without run.txt" 3 \
    "^cospin characterize: error: .*/nort: a psw.csv with points but no run.txt" \
    char_small "$tmp/nort"

# ---- runaway settings are refused before they run -------------------------------------
# widths="30" (30 s at a 5 ps step) and .tran 1f 1 ran until killed
expect "characterize --width 30" 3 \
    "^cospin characterize: error: this run would take about .* days on this machine .*--force" \
    "$COSPIN" characterize --width 30 --current 10u --out "$tmp/w30"
[ -e "$tmp/w30" ] && bad "the refused characterisation left $tmp/w30"
cat >"$tmp/w30.xml" <<'EOF'
<?xml version="1.0"?>
<experiment type="characterize" name="w30">
  <sweep widths="30" currents="10u"/>
</experiment>
EOF
expect "run: <sweep widths=\"30\">" 3 "^cospin run: error: .*/w30\.xml:3: this run would take about" \
    "$COSPIN" run "$tmp/w30.xml" --out "$tmp/w30"
expect "run --check: <sweep widths=\"30\">" 3 "^cospin run: error: .*/w30\.xml:3: this run would take" \
    "$COSPIN" run --check "$tmp/w30.xml"
tran_xml() {
    cat >"$1" <<EOF
<?xml version="1.0"?>
<experiment type="netlist" name="tran">
  <circuit>
    <resistor name="1" p="a" n="0" r="1k"/>
    <vsource name="1" p="a" n="0" dc="1"/>
  </circuit>
  <tran step="$2" stop="$3" vectors="v(a)"/>
</experiment>
EOF
}
tran_xml "$tmp/tran1f.xml" 1f 1
expect "run: .tran 1f 1" 3 \
    "^cospin run: error: .*/tran1f\.xml:7: <tran>: about 1e\+15 time points .*--force" \
    "$COSPIN" run "$tmp/tran1f.xml" --out "$tmp/tran-out"
[ -e "$tmp/tran-out" ] && bad "the refused transient left $tmp/tran-out"
if "$COSPIN" run --check --force "$tmp/tran1f.xml" >/dev/null 2>&1; then
    say "ok: --force lets .tran 1f 1 through the check"
else
    bad "run --check --force refused .tran 1f 1"
fi
# 1e8 points are allowed, but not past the per-job limit
tran_xml "$tmp/tran1p.xml" 1p 100u
start=$(date +%s)
expect "run --job-timeout 1" 1 \
    "^cospin run: error: .*/tran1p\.xml:7: <tran>: job 0 did not finish within the job time limit of 1 s" \
    "$COSPIN" run --job-timeout 1 "$tmp/tran1p.xml" --out "$tmp/tran-out"
[ $(($(date +%s) - start)) -le 10 ] || bad "--job-timeout 1 took more than 10 s"

# ---- netlists are code: refused in experiment files unless allowed -----------------
# code_xml FILE LINES...: a netlist experiment whose inline netlist is LINES
# (each on its own line, the first on line 5 of FILE).
code_xml() {
    f=$1
    shift
    {
        printf '<?xml version="1.0"?>\n<experiment type="netlist" name="code">\n'
        printf '  <circuit>\n    <netlist>\n'
        for l in "$@"; do printf '%s\n' "$l"; done
        printf '    </netlist>\n  </circuit>\n  <op vectors="v(a)"/>\n</experiment>\n'
    } >"$f"
}
code_xml "$tmp/control.xml" "r1 a 0 1k" "v1 a 0 dc 1" ".control" "shell touch $tmp/ran" ".endc"
expect "run: a .control block" 3 \
    "^cospin run: error: .*/control\.xml:7: <netlist>: a \.control block \(ngspice commands\): netlists are code.*--allow-netlist-code" \
    "$COSPIN" run "$tmp/control.xml" --out "$tmp/code-out"
expect "run --check: a .control block" 3 "^cospin run: error: .*/control\.xml:7: " \
    "$COSPIN" run --check "$tmp/control.xml"
expect "netlist: a .control block" 3 "^cospin netlist: error: .*/control\.xml:7: " \
    "$COSPIN" netlist "$tmp/control.xml"
[ -e "$tmp/ran" ] && bad "the refused .control block ran its shell command"
[ -e "$tmp/code-out" ] && bad "a refused run left $tmp/code-out"
for card in "shell touch $tmp/ran" ".exec" ".include /etc/passwd" ".INC x.lib" ".lib x.lib tt"; do
    code_xml "$tmp/card.xml" "r1 a 0 1k" "$card" "v1 a 0 dc 1"
    expect "run: '$card'" 3 "^cospin run: error: .*/card\.xml:6: <netlist>: .*--allow-netlist-code" \
        "$COSPIN" run "$tmp/card.xml" --out "$tmp/code-out"
done
# with the option the file runs as written (here: its shell command)
if "$COSPIN" -q run --allow-netlist-code "$tmp/control.xml" --out "$tmp/code-out" \
    && [ -e "$tmp/ran" ] && [ -s "$tmp/code-out/op.csv" ]; then
    say "ok: --allow-netlist-code runs the .control block"
else
    bad "--allow-netlist-code did not run the .control block"
fi
# an error quoting a line of an included file does not copy it into the message
printf 'secret:x:1:2:do not show\n' >"$tmp/secret.inc"
for inc in "$tmp/secret.inc" /etc/passwd; do
    [ -r "$inc" ] || continue
    code_xml "$tmp/inc.xml" ".include $inc" "r1 a 0 1k" "v1 a 0 dc 1"
    expect "include $inc, allowed" 1 \
        "^cospin run: error: .*/inc\.xml:[0-9]+: <op>: .*\(a line of an included file, not shown\)" \
        "$COSPIN" run --allow-netlist-code "$tmp/inc.xml" --out "$tmp/code-out"
    if grep -q ':x:' "$tmp/stderr"; then
        bad "the error quotes $inc: $(cat "$tmp/stderr")"
    fi
done

# ---- one run per output directory ------------------------------------------------
# wait_for FILE: up to 30 s for FILE to have at least $2 lines
wait_lines() {
    i=0
    while [ "$i" -lt 300 ]; do
        [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
# A slow characterisation (8 points of 200 trials of 200 ns on one thread); run
# in the background with `exec` so that $! is cospin's own pid.
slow_char() {
    exec "$COSPIN" -q characterize --width 200n --current 6u:34u:4u --trials 200 --relax 2n \
        --threads 1 --out "$1"
}
(slow_char "$tmp/busy" >/dev/null 2>"$tmp/busy.err") &
holder=$!
if wait_lines "$tmp/busy/psw.csv" 1; then
    start=$(date +%s)
    expect "second characterize into a busy directory" 4 \
        "^cospin characterize: error: .*/busy: in use by another cospin run \(pid $holder\): " \
        "$COSPIN" characterize --width 30n --current 10u:20u:5u --seed 4 --out "$tmp/busy"
    expect "run into a busy directory" 4 \
        "^cospin run: error: .*/busy: in use by another cospin run \(pid $holder\)" \
        "$COSPIN" run "$data/good.xml" --out "$tmp/busy"
    expect "energy into a busy directory" 4 \
        "^cospin energy: error: .*/busy: in use by another cospin run \(pid $holder\)" \
        "$COSPIN" energy --waveform --out "$tmp/busy"
    expect "demo into a busy directory" 4 \
        "^cospin demo: error: .*/busy: in use by another cospin run \(pid $holder\)" \
        "$COSPIN" demo --small --out "$tmp/busy"
    [ $(($(date +%s) - start)) -le 5 ] || bad "refusing a busy directory took more than 5 s"
    if ! grep -q '^seed=1$' "$tmp/busy/run.txt" || [ -e "$tmp/busy/op.csv" ]; then
        bad "a refused run touched the busy directory: $(ls -A "$tmp/busy" | tr '\n' ' ')"
    fi
    # kill -9 releases the lock with the process; the rerun resumes
    kill -9 "$holder"
    wait "$holder" 2>/dev/null
    if (slow_char "$tmp/busy" >/dev/null 2>"$tmp/stderr") \
        && [ "$(wc -l <"$tmp/busy/psw.csv")" -eq 9 ] && [ ! -e "$tmp/busy/.cospin.lock" ]; then
        say "ok: after kill -9 the directory is free again and the rerun resumes"
    else
        bad "rerun after kill -9: $(cat "$tmp/stderr") $(ls -A "$tmp/busy" | tr '\n' ' ')"
    fi
else
    bad "the slow characterisation wrote no point in 30 s: $(cat "$tmp/busy.err")"
    kill -9 "$holder" 2>/dev/null
fi

exit $fail
