#!/usr/bin/env bash
# Installs a build into a temporary prefix, builds tests/install/downstream against it with
# find_package(symtorch CONFIG REQUIRED) and runs its programs, one per expected part; then runs
# the installed CLI and checks that it prints what the build tree's CLI prints.
# With the part "python", the installed Python package (in $SYMTORCH_PYTHONDIR under the prefix)
# must import from there and load the installed op library.
#   check_install.sh BUILD_DIR SOURCE_DIR WORK_DIR PART...   (PART: engine, jit, torchbridge, python)
set -euo pipefail
build=$1 src=$2 work=$3
shift 3
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"
echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
echo "== downstream project against $prefix"
cmake -S "$src/tests/install/downstream" -B "$work/downstream" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}" > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/downstream"
for part in "$@"; do
  if [[ $part == python ]]; then
    site="$prefix/${SYMTORCH_PYTHONDIR:?}"
    echo "== installed Python package in $site"
    # Debian's torch is only importable from /usr/bin/python3.
    env -u SYMTORCH_OPS_LIBRARY PYTHONPATH="$site" /usr/bin/python3 - "$prefix" <<'PY'
import os, sys
import torch
import symtorch_cpp
prefix = os.path.realpath(sys.argv[1])
package, library = os.path.realpath(symtorch_cpp.__file__), os.path.realpath(symtorch_cpp.library_path)
assert package.startswith(prefix + os.sep), f"symtorch_cpp imported from {package}, not from {prefix}"
assert library.startswith(prefix + os.sep), f"op library loaded from {library}, not from {prefix}"
eq = torch.classes.symtorch.Equation(["a * b + 1"], ["a", "b"], "float64")
y = eq.forward(torch.tensor([[2.0, 3.0]], dtype=torch.float64))
assert y.item() == 7.0, y
print(f"python: symtorch_cpp from {package}, library {library}, a * b + 1 = {y.item()}")
PY
    continue
  fi
  exe="$work/downstream/${part}_user"
  [[ -x $exe ]] || { echo "the installed package has no symtorch::$part (no $exe)" >&2; exit 1; }
  "$exe"
done
echo "== installed CLI: $prefix/bin/symtorch"
fit=(fit "$src/examples/data/demo.csv" --ops +,-,*,/,cos --niterations 2 --seed 3)
"$prefix/bin/symtorch" "${fit[@]}" > "$work/installed_cli.txt"
"$build/apps/symtorch" "${fit[@]}" > "$work/build_cli.txt"
diff -u "$work/build_cli.txt" "$work/installed_cli.txt"
tail -n 1 "$work/installed_cli.txt"
