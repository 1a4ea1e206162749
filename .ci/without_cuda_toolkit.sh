#!/usr/bin/env bash
# Runs every test of a build with the CUDA toolkit hidden: CUDA_HOME names an empty folder (a
# set CUDA_HOME is the only place libdevice and ptxas are looked for) and CUDA_PATH is unset.
# Passes when every test passes or is skipped, and the tests that need the toolkit
# (label needs_toolkit) are all reported as skipped; prints their reasons.
#   .ci/without_cuda_toolkit.sh [BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
hidden="$(mktemp -d)"
trap 'rm -rf "$hidden"' EXIT
log="$BUILD/Testing/without_cuda_toolkit.log"
mkdir -p "$(dirname "$log")"
echo "== tests with the CUDA toolkit hidden (CUDA_HOME=$hidden, CUDA_PATH unset)"
env -u CUDA_PATH CUDA_HOME="$hidden" ctest --test-dir "$BUILD" --output-on-failure --no-tests=error | tee "$log"
needs=$(ctest --test-dir "$BUILD" -L needs_toolkit -N | sed -n 's/^ *Test *#[0-9]*: *//p')
[ -n "$needs" ] || { echo "no test carries the label needs_toolkit" >&2; exit 1; }
status=0
for t in $needs; do
  if ! grep -Eq "Test +#[0-9]+: $t \.+\*+Skipped" "$log"; then
    echo "$t was not reported as skipped with the CUDA toolkit hidden" >&2
    status=1
  fi
done
echo "== why they were skipped"
env -u CUDA_PATH CUDA_HOME="$hidden" ctest --test-dir "$BUILD" -L needs_toolkit -V 2>&1 | sed -n 's/^[0-9]*: skipped: /  /p'
exit $status
