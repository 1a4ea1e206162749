#!/usr/bin/env bash
# A resumable before/after campaign on the broad suite: every (noise, seed, problem) is run by
# each labelled program in turn, one problem at a time, so that a campaign stopped at any point
# (a session's end, a machine change) holds paired results and continues where it stopped.
# Results go to OUT/<label>/seed<S>/noise_<L>/results.jsonl (run_suite.sh's format, one line
# per problem, appended); a problem already in that file is skipped.
#
#   bench/shared_suite/broad_campaign.sh --data DIR --out OUT [--seeds "1 2"] [--noise "0 0.01"]
#       [--cpu-time S] [--threads N] [--filter REGEX] LABEL=BINARY [LABEL=BINARY ...]
#
# The budget is process CPU time (--cpu-time, default 60: 30 s on 2 threads), so a shared
# machine gives every run the same search; the wall-clock timeout is therefore large (a run
# starved by other jobs must not be scored as a miss). Runs at nice 19, so it takes only the
# cycles other work leaves.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA=""; OUT=""; SEEDS="1 2"; NOISES="0 0.01"; CPU=60; THREADS=2; FILTER=""; PROGRAMS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA="$2"; shift 2;;
    --out) OUT="$2"; shift 2;;
    --seeds) SEEDS="$2"; shift 2;;
    --noise) NOISES="$2"; shift 2;;
    --cpu-time) CPU="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    --filter) FILTER="$2"; shift 2;;
    -h|--help) sed -n '2,15p' "$0"; exit 0;;
    *=*) PROGRAMS+=("$1"); shift;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
done
[ -n "$DATA" ] && [ -n "$OUT" ] && [ ${#PROGRAMS[@]} -gt 0 ] || { sed -n '2,15p' "$0"; exit 2; }
for p in "${PROGRAMS[@]}"; do
  [ -x "${p#*=}" ] || { echo "no program at ${p#*=} (for ${p%%=*})" >&2; exit 1; }
done

done_already() {  # results.jsonl name
  [ -f "$1" ] && /usr/bin/python3 -c 'import json,sys
sys.exit(0 if any(json.loads(l).get("name") == sys.argv[2] for l in open(sys.argv[1]) if l.strip()) else 1)' "$1" "$2"
}

for noise in $NOISES; do
  manifest="$DATA/noise_$noise/manifest.json"
  [ -f "$manifest" ] || { echo "no manifest at $manifest (run prepare_broad.sh with --noise $noise)" >&2; exit 1; }
  names=$(/usr/bin/python3 -c 'import json,re,sys
for p in json.load(open(sys.argv[1]))["problems"]:
    if not sys.argv[2] or re.search(sys.argv[2], p["name"]): print(p["name"])' "$manifest" "$FILTER")
  for seed in $SEEDS; do
    for name in $names; do
      for p in "${PROGRAMS[@]}"; do
        label="${p%%=*}"; bin="${p#*=}"
        results="$OUT/$label/seed$seed/noise_$noise"
        if done_already "$results/results.jsonl" "$name"; then continue; fi
        mkdir -p "$results"
        echo "== $(date -u +%H:%M:%S) $label seed $seed noise $noise $name"
        nice -n 19 "$HERE/run_broad.sh" --data "$DATA" --noise "$noise" --cpu-time "$CPU" --threads "$THREADS" \
          --seed "$seed" --bin "$bin" --filter "^$name\$" --results "$results" --timeout 7200 2>&1 | grep -E '^\[[0-9]+/[0-9]+\]' || true
      done
    done
  done
done
