#!/usr/bin/env bash
# Search throughput of two symtorch builds, measured in one run: the same fixed-iteration fits
# (no early stop, 1 thread), alternating A B A B ... so that a shared machine's load falls on
# both alike. Prints evaluations per CPU-second of each run and the median ratio B / A.
#
#   bench/search/throughput_ab.sh SYMTORCH_A SYMTORCH_B [ROUNDS=3] [ITERATIONS=30] [CSV...]
# Default data: the public problems nguyen_7, keijzer_14 and feynman_I_29_16 (../shared/bench).
set -euo pipefail
A="$1"; B="$2"; ROUNDS="${3:-3}"; ITER="${4:-30}"; shift $(( $# < 4 ? $# : 4 ))
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$HERE/../../../shared/bench/data/noise_0"
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=("$DATA/nguyen_7_train.csv" "$DATA/keijzer_14_train.csv" "$DATA/feynman_I_29_16_train.csv")
rate() {  # binary file -> evaluations per CPU second
  "$1" fit "$2" --ops +,-,*,/,sin,cos,exp,log,sqrt,square --niterations "$ITER" --no-exact-stop --threads 1 \
    --seed 1 --no-progress 2>&1 >/dev/null | sed -n 's/^# [0-9]* iterations, \([0-9]*\) evaluations, .*(\([0-9.]*\) s CPU).*/\1 \2/p' |
    awk '{printf "%.0f", $1 / $2}'
}
ratios=()
for f in "${FILES[@]}"; do
  for ((r = 0; r < ROUNDS; ++r)); do
    a=$(rate "$A" "$f"); b=$(rate "$B" "$f")
    ratio=$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", b / a}')
    ratios+=("$ratio")
    printf '%-28s round %d  A %9d eval/CPU-s  B %9d eval/CPU-s  B/A %s\n' "$(basename "$f")" "$r" "$a" "$b" "$ratio"
  done
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END{printf "median B/A over %d runs: %.3f (min %.3f, max %.3f)\n", NR, (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[1], v[NR]}'
