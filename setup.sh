#!/usr/bin/env bash
# Installs every Debian package symtorch-cpp needs. A no-op when they are all present.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19-dev                 # jit/: LLVM ORC, NVPTX backend
  libtorch-dev python3-torch  # torchbridge/ and the Python check
  libopenblas0-openmp         # BLAS for libtorch (Debian's default, netlib, is ~8x slower on small MLPs)
  libeigen3-dev               # engine/: constant optimisation (LM), PCA
  libtbb-dev                  # engine/: parallel islands
  libboost-graph-dev          # jit/: expression DAG, topological order
  doctest-dev                 # tests/
  nlohmann-json3-dev          # JSON I/O (fronts, checkpoints, saved models)
  libcli11-dev                # apps/: command line parsing
  libfmt-dev                  # formatting of tables and numbers
  libsleef-dev                # jit/: vector math for the native kernels
  libopenmpi-dev openmpi-bin  # mpi/: the distributed search (optional at build time; mpirun for its tests)
  clang-19 libclang-rt-19-dev # fuzz/: libFuzzer with ASan/UBSan (the fuzz preset; .ci/run)
  python3.11-doc              # examples/lm: English text (reStructuredText sources) the language model is trained on
  gnuplot-nox                 # examples/arithmetic: the heat maps of the model's errors (PNG; skipped, saying so, without it)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup.sh: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
