# cli-lib.sh -- what the command-line test scripts share; sourced as
#   . "$here/cli-lib.sh"; cli_tmp NAME
# after `set -u`.  Gives a scratch directory $tmp (removed on exit), the
# failure flag $fail, and the checks say, bad, expect and absent.

# cli_tmp NAME: $tmp, a new directory removed when the script ends.
cli_tmp() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-$1.XXXXXX") || exit 99
    trap 'rm -rf "$tmp"' EXIT INT TERM
}

fail=0
say() { printf '%s\n' "$*"; }
bad() { say "FAIL: $*"; fail=1; }

# expect NAME CODE PATTERN CMD...: exit code CODE and PATTERN (grep -E) in stdout+stderr.
expect() {
    name=$1 code=$2 pattern=$3
    shift 3
    "$@" >"$tmp/log" 2>&1
    rc=$?
    if [ "$rc" -ne "$code" ]; then
        bad "$name: exit code $rc, expected $code"; cat "$tmp/log"
    elif ! grep -Eq -- "$pattern" "$tmp/log"; then
        bad "$name: output does not match /$pattern/:"; cat "$tmp/log"
    else
        say "ok: $name"
    fi
}

# absent NAME PATH: a failed command left nothing at PATH.
absent() {
    if [ -e "$2" ]; then bad "$1: $2 was left behind"; else say "ok: $1 left nothing"; fi
}
