#!/usr/bin/env bash
# Checks a build's tests as on a machine without NVIDIA's CUDA toolkit, after .ci/run's test run:
# passes when every test passes or is skipped with the toolkit hidden, and the tests that need
# the toolkit (label needs_toolkit) are all reported as skipped; prints their reasons.
# The toolkit is hidden by CUDA_HOME naming an empty folder (a set CUDA_HOME is the only place
# libdevice and ptxas are looked for) with CUDA_PATH unset.
# Where the run before saw no toolkit (the prefix the programs look in, $CUDA_HOME else
# $CUDA_PATH else /usr/local/cuda, has neither nvvm/libdevice/libdevice.10.bc nor bin/ptxas:
# a fresh Debian 12), that run already was the toolkit-less one, so only the needs_toolkit tests
# are run again, to read why they skip; otherwise every test is rerun.
#   .ci/without_cuda_toolkit.sh [BUILD_DIR]     (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
hidden="$(mktemp -d)"
trap 'rm -rf "$hidden"' EXIT
log="$BUILD/Testing/without_cuda_toolkit.log"
mkdir -p "$(dirname "$log")"
prefix="${CUDA_HOME:-${CUDA_PATH:-/usr/local/cuda}}"
if [[ -f $prefix/nvvm/libdevice/libdevice.10.bc || -x $prefix/bin/ptxas ]]; then
  echo "== every test again with the CUDA toolkit at $prefix hidden (CUDA_HOME=$hidden, CUDA_PATH unset)"
  selection=()
else
  echo "== no CUDA toolkit at $prefix: the test run before was without one; the tests that need it again, with CUDA_HOME=$hidden"
  selection=(-L needs_toolkit)
fi
env -u CUDA_PATH CUDA_HOME="$hidden" ctest --test-dir "$BUILD" "${selection[@]}" --output-on-failure --no-tests=error | tee "$log"
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
