#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a bounded time each, starting from the committed
# seeds (fuzz/corpus/<target>) plus what earlier runs in this build folder found
# (<build>/fuzz-corpus/<target>, never committed). Exits non-zero at the first target that finds
# a crash, a hang (10 s per input), a leak or undefined behaviour; the input is written to
# <build>/fuzz-artifacts/ and its path printed by libFuzzer.
#
#   fuzz/run.sh [--seconds S] [BUILD_DIR] [TARGET...]      (defaults: 20 s, build-fuzz, all)
set -euo pipefail
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
here="$(cd "$(dirname "$0")" && pwd)"
seconds=20
if [[ ${1:-} == --seconds ]]; then
  seconds=$2
  shift 2
fi
build="${1:-$here/../build-fuzz}"
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then targets=(parser csv npy checkpoint model_file safetensors jit); fi

for t in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$t"
  if [[ ! -x $exe ]]; then
    echo "fuzz/run.sh: $exe is missing; build it with: cmake --preset fuzz && cmake --build --preset fuzz" >&2
    exit 2
  fi
  work="$build/fuzz-corpus/$t"
  mkdir -p "$work" "$build/fuzz-artifacts"
  if [[ $t == checkpoint ]]; then
    # A checkpoint of the current format for exactly the target's data and options.
    "$build/fuzz/make_checkpoint_seed" "$work/fresh_seed.json"
  fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$build/fuzz-artifacts/$t-")
  if [[ -f $here/$t.dict ]]; then args+=(-dict="$here/$t.dict"); fi
  echo "== fuzz_$t: $seconds s"
  # Progress lines (NEW, REDUCE, pulse) are dropped; the statistics and any report are kept.
  set +e
  nice -n 10 "$exe" "${args[@]}" "$work" "$here/corpus/$t" 2>&1 | grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)'
  status=${PIPESTATUS[0]}
  set -e
  if ((status != 0)); then
    echo "fuzz/run.sh: fuzz_$t failed (exit $status); the input is in $build/fuzz-artifacts/" >&2
    exit 1
  fi
done
