#!/usr/bin/env bash
# Runs `symtorch fit` on the public symbolic-regression problems (../shared/bench, see its
# README.md) and prints the suite summary of its run_suite.sh: symbolic and exact solution
# rates (score.py's rules), median test R², times.
#
#   bench/shared_suite/run_public.sh [--noise L] [--time S] [--threads N] [--seed N] [--select RULE]
#                                    [--build DIR] [--bench DIR] [--filter REGEX] [--results DIR]
#                                    [-- extra symtorch fit options]
#
# --time S is the search's wall-clock limit per problem (default 60; iterations are unlimited);
# the suite's hard timeout is S + 30 s, enough for loading, polishing and printing. The operator set is the same for
# every problem (no per-problem tuning): + - * / sin cos exp log sqrt square. The equation is chosen by
# --select RULE, default bic: on noisy data `best` (PySR's rule and the CLI default) picks a short
# approximation over the true form a node longer; on noise-free data the two agree (BENCHMARKS.md).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
NOISE=0; TIME=60; SELECT=bic; THREADS=2; SEED=1; BUILD="$REPO/build"; BENCH="$REPO/../shared/bench"; FILTER=""; RESULTS=""
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --noise) NOISE="$2"; shift 2;;
    --time) TIME="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    --seed) SEED="$2"; shift 2;;
    --select) SELECT="$2"; shift 2;;
    --build) BUILD="$2"; shift 2;;
    --bench) BENCH="$2"; shift 2;;
    --filter) FILTER="$2"; shift 2;;
    --results) RESULTS="$2"; shift 2;;
    --) shift; EXTRA=("$@"); break;;
    -h|--help) sed -n '2,15p' "$0"; exit 0;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
done
SYMTORCH="$BUILD/apps/symtorch"
[ -x "$SYMTORCH" ] || { echo "no symtorch binary at $SYMTORCH (build it, or pass --build DIR)" >&2; exit 1; }
[ -x "$BENCH/run_suite.sh" ] || { echo "no run_suite.sh in $BENCH (pass --bench DIR)" >&2; exit 1; }
OPS="+,-,*,/,sin,cos,exp,log,sqrt,square"
CMD="$SYMTORCH fit {train} --ops $OPS --time-limit $TIME --niterations 1000000 --threads $THREADS --seed $SEED --no-progress --select $SELECT --json {json} ${EXTRA[*]:-}"
ARGS=(--noise "$NOISE" --timeout "$((TIME + 30))")
[ -n "$FILTER" ] && ARGS+=(--filter "$FILTER")
[ -n "$RESULTS" ] && ARGS+=(--results "$RESULTS")
exec "$BENCH/run_suite.sh" "${ARGS[@]}" "$CMD"
