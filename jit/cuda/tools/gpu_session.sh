#!/usr/bin/env bash
# Runs a GPU bundle (bench_cuda --bundle DIR) on a GPU machine that has only a C++ compiler:
# builds the standalone loader, probes the GPU, runs every check and benchmark of the bundle,
# then the torch eager baseline. Results go to OUT_DIR (default $OUT, else the current directory).
#
#   jit/cuda/tools/gpu_session.sh BUNDLE_DIR [OUT_DIR]
#
# Exit status: that of the checks (0 all passed, 1 a failure), 2 when there is no usable GPU.
set -uo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 BUNDLE_DIR [OUT_DIR]" >&2
  exit 1
fi
bundle=$1
out=${2:-${OUT:-.}}
here=$(cd "$(dirname "$0")" && pwd)
loader_src=$(dirname "$here")
repo=$(cd "$loader_src/../.." && pwd)
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
mkdir -p "$out"

if command -v cmake >/dev/null 2>&1; then
  cmake -S "$loader_src" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$build/configure.log" 2>&1 &&
    cmake --build "$build" -j >"$build/build.log" 2>&1 || { cat "$build"/*.log >&2; exit 1; }
else
  "${CXX:-c++}" -std=c++20 -O2 -I"$loader_src/include" -I"$loader_src/src" "$loader_src"/src/*.cpp \
    "$loader_src/tools/run_ptx.cpp" -ldl -o "$build/symtorch_run_ptx" || exit 1
fi
run_ptx=$build/symtorch_run_ptx

"$run_ptx" probe | tee "$out/gpu_probe.txt"
probe=${PIPESTATUS[0]}
[ "$probe" -eq 0 ] || exit "$probe"

"$run_ptx" cases "$bundle/cases.txt" | tee "$out/gpu_cases.txt"
status=${PIPESTATUS[0]}

python=${PYTHON:-python3}  # the interpreter that has torch with CUDA
if command -v "$python" >/dev/null 2>&1; then
  "$python" "$repo/bench/cuda/torch_eager.py" "$bundle/torch_eager.txt" 2>&1 | tee "$out/torch_eager.txt"
else
  echo "torch eager baseline not run: no $python" | tee "$out/torch_eager.txt"
fi
exit "$status"
