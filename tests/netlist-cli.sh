#!/bin/sh
# netlist-cli.sh -- the netlist regressions through the ngspice command line.
#
# Runs every tests/netlists/*.ref netlist with plain `ngspice -b`, cospin.cm
# loaded through SPICE_SCRIPTS (make check points it at an spinit that sources
# the system spinit and then `codemodel <build-tree cospin.cm>`), and compares
# with the same references as tests/netlist_regress (which it uses to read the
# references and to compare: `netlist_regress --cli-*`).
#
# Environment: SPICE_SCRIPTS (required), NGSPICE (default: ngspice),
# NETLIST_REGRESS (default: ./tests/netlist_regress), srcdir (default: the
# directory above this script).
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$(dirname "$here")}
NGSPICE=${NGSPICE:-ngspice}
NETLIST_REGRESS=${NETLIST_REGRESS:-./tests/netlist_regress}
if [ -z "${SPICE_SCRIPTS:-}" ]; then
    echo "netlist-cli.sh: SPICE_SCRIPTS is not set (run through make check)" >&2
    exit 2
fi
command -v "$NGSPICE" >/dev/null 2>&1 || { echo "netlist-cli.sh: $NGSPICE not found (apt-get install ngspice)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-netlist-cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
n=0
for ref in "$srcdir"/tests/netlists/*.ref; do
    n=$((n + 1))
    name=$(basename "$ref" .ref)
    netlist=$("$NETLIST_REGRESS" --cli-netlist "$ref") || { fails=$((fails + 1)); continue; }
    vecs=$("$NETLIST_REGRESS" --cli-vectors "$ref") || { fails=$((fails + 1)); continue; }
    data="$tmp/$name.data"
    log="$tmp/$name.log"
    cir="$tmp/$name.cir"
    if [ "$vecs" = error ]; then
        cp "$netlist" "$cir"
    else
        # Same netlist; the .control block additionally writes the compared vectors
        # (the scale vector comes first in wrdata's output).
        # A netlist that ends its .control block with `quit $sim_status`
        # gets the lines before that, else before .endc.
        scale=${vecs%% *}
        rest=${vecs#* }
        anchor='^\.endc'
        grep -q '^quit' "$netlist" && anchor='^quit'
        sed -e "/$anchor/i set wr_singlescale\\
set wr_vecnames\\
wrdata $data $rest" "$netlist" > "$cir"
        : "$scale"
    fi
    (cd "$tmp" && "$NGSPICE" -b "$cir") > "$log" 2>&1
    status=$?
    # Such a netlist promises exit status 0 when its analysis ran.
    if [ "$vecs" != error ] && grep -q '^quit \$sim_status' "$netlist" && [ "$status" -ne 0 ]; then
        echo "netlist-cli.sh: $name: ngspice -b exited $status"
        fails=$((fails + 1))
    elif ! "$NETLIST_REGRESS" --cli-check "$ref" "$data" "$log"; then
        fails=$((fails + 1))
        echo "---- ngspice log of $name:"
        tail -n 20 "$log"
    fi
done
echo "netlist-cli.sh: $n netlists, $fails failed"
[ "$fails" -eq 0 ]
