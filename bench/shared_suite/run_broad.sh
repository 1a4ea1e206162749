#!/usr/bin/env bash
# Runs `symtorch fit` on a broad suite written by prepare_broad.sh and prints run_suite.sh's
# summary; per-problem results (and, with --checkpoints, the search's last checkpoint, which
# polish ablations resume from) go to --results.
#
#   bench/shared_suite/run_broad.sh --data DIR [--noise L] [--cpu-time S] [--threads N] [--seed N]
#                                   [--build DIR] [--bench DIR] [--filter REGEX] [--results DIR]
#                                   [--checkpoints] [--timeout S] [-- extra symtorch fit options]
#
# --cpu-time S is the search's limit on process CPU time per problem (default 60: 30 s on 2
# threads), so that a shared machine gives every run the same budget; the suite's wall-clock
# timeout is generous (10 x S + 60 s; --timeout sets it). Operators as in run_public.sh, selection bic.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NOISE=0; CPU=60; THREADS=2; SEED=1; BUILD="$REPO/build"; BENCH="$REPO/../shared/bench"; FILTER=""; RESULTS=""; DATA=""
CHECKPOINTS=0; EXTRA=(); TIMEOUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA="$2"; shift 2;;
    --noise) NOISE="$2"; shift 2;;
    --cpu-time) CPU="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    --seed) SEED="$2"; shift 2;;
    --build) BUILD="$2"; shift 2;;
    --bin) BIN="$2"; shift 2;;
    --bench) BENCH="$2"; shift 2;;
    --filter) FILTER="$2"; shift 2;;
    --results) RESULTS="$2"; shift 2;;
    --checkpoints) CHECKPOINTS=1; shift;;
    --timeout) TIMEOUT="$2"; shift 2;;
    --) shift; EXTRA=("$@"); break;;
    -h|--help) sed -n "2,13p" "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
[ -n "$DATA" ] || { echo "--data DIR (from prepare_broad.sh) is required" >&2; exit 2; }
SYMTORCH="${BIN:-$BUILD/apps/symtorch}"
[ -x "$SYMTORCH" ] || { echo "no symtorch binary at $SYMTORCH (build it, or pass --build DIR / --bin FILE)" >&2; exit 1; }
OPS="+,-,*,/,sin,cos,exp,log,sqrt,square"
CMD="$SYMTORCH fit {train} --ops $OPS --cpu-time-limit $CPU --niterations 1000000 --threads $THREADS --seed $SEED --no-progress --select bic --json {json}"
[ "$CHECKPOINTS" = 1 ] && CMD="$CMD --checkpoint {json}.checkpoint"
CMD="$CMD ${EXTRA[*]:-}"
ARGS=(--manifest "$DATA/noise_$NOISE/manifest.json" --timeout "${TIMEOUT:-$((10 * ${CPU%.*} + 60))}")
[ -n "$FILTER" ] && ARGS+=(--filter "$FILTER")
[ -n "$RESULTS" ] && ARGS+=(--results "$RESULTS")
exec "$BENCH/run_suite.sh" "${ARGS[@]}" "$CMD"
