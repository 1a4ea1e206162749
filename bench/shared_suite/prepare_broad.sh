#!/usr/bin/env bash
# Writes the broad suite (../shared/bench/make_broad.py) into OUT, in the public suite's format,
# and renames the target column where make_broad.py gives it a variable's name (the Strogatz
# systems have a variable y and the target y: a CSV with two columns of one name is ambiguous,
# and symtorch refuses it; score.py takes the last column whatever its name).
#
#   bench/shared_suite/prepare_broad.sh OUT [make_broad.py options...]
#   bench/shared_suite/prepare_broad.sh data-broad --noise 0 0.01 --random 16 --random-seed 1
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="${BENCH:-$HERE/../../../shared/bench}"
[ $# -ge 1 ] || { sed -n '2,8p' "$0"; exit 2; }
OUT="$1"; shift
/usr/bin/python3 "$BENCH/make_broad.py" --out "$OUT" "$@"
/usr/bin/python3 - "$OUT" <<'PY'
import glob, sys
for path in sorted(glob.glob(sys.argv[1] + "/noise_*/*.csv")):
    with open(path) as f:
        head, rest = f.read().split("\n", 1)
    names = head.split(",")
    if names[-1] in names[:-1]:
        names[-1] = "target"
        with open(path, "w") as f:
            f.write(",".join(names) + "\n" + rest)
PY
