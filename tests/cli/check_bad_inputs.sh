#!/usr/bin/env bash
# Every bad input the CLI reads, as README.md's bad-input table lists it: the command exits with
# status 1, its last stderr line is "symtorch: error: MESSAGE" with exactly the MESSAGE the table
# shows (so the table cannot drift from the program), and it writes nothing (no --json file, a
# checkpoint it was asked to resume from unchanged).
#   check_bad_inputs.sh SOURCE_DIR SYMTORCH_CLI
set -euo pipefail
src=$1 cli=$2
readme="$src/README.md"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0

# expect MESSAGE COMMAND...: runs the CLI with COMMAND in the work folder.
expect() {
  local message=$1
  shift
  local status=0
  "$cli" "$@" > stdout.txt 2> stderr.txt || status=$?
  local last
  last=$(tail -n 1 stderr.txt)
  if ((status != 1)) || [[ $last != "symtorch: error: $message" ]]; then
    echo "FAIL: symtorch $*" >&2
    echo "  expected exit 1 and: symtorch: error: $message" >&2
    echo "  got exit $status and: $last" >&2
    failures=$((failures + 1))
  elif [[ -e out.json ]]; then
    echo "FAIL: symtorch $*: refused, but wrote out.json" >&2
    failures=$((failures + 1))
  elif ! grep -qF -- "\`$message\`" "$readme"; then
    echo "FAIL: README.md's bad-input table does not show the message \`$message\`" >&2
    failures=$((failures + 1))
  else
    echo "ok: symtorch $* -> $message"
  fi
  rm -f out.json
}

good() {  # a valid data file: 30 rows of y = a^2
  printf 'a,b,y\n' > "$1"
  for i in $(seq 1 30); do echo "$i,$((i % 7)),$((i * i))" >> "$1"; done
}

npy() {  # npy FILE DESCR SHAPE DATA_BYTES: a version 1.0 .npy file with zero data
  local header="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
  header=$(printf '%-117s' "$header")
  { printf '\x93NUMPY\x01\x00\x76\x00'; printf '%s\n' "$header"; head -c "$4" /dev/zero; } > "$1"
}

fit=(--niterations 2 --json out.json)

# Data files (CSV, .npy): file, row and column.
expect "missing.csv: cannot open: No such file or directory" fit missing.csv "${fit[@]}"
printf 'a,b,y\n1,2,3\n4,x,6\n' > bad_cell.csv
expect "bad_cell.csv:3:2: expected a number, got 'x' (column 'b')" fit bad_cell.csv "${fit[@]}"
printf 'a;b;y\n1,5;2;3\n' > decimal_comma.csv
expect "decimal_comma.csv:2:1: expected a number, got '1,5' (column 'a'); decimal commas are not supported" \
  fit decimal_comma.csv "${fit[@]}"
printf 'a,b,y\n1,2,3\n4,5\n' > short_row.csv
expect "short_row.csv:3: row has 2 cells, expected 3 as in the header" fit short_row.csv "${fit[@]}"
printf 'a,a,y\n1,2,3\n' > duplicate.csv
expect "duplicate.csv:1:2: duplicate column name 'a' (also column 1)" fit duplicate.csv "${fit[@]}"
printf '1,2,3\n4,5,6\n' > no_header.csv
expect "no_header.csv:1: the first line holds numbers, not column names; a header line is required" \
  fit no_header.csv "${fit[@]}"
printf 'a,b,y\n1,2,3\n\n4,5,6\n' > gap.csv
expect "gap.csv:3: empty line before more data (only trailing empty lines are allowed)" fit gap.csv "${fit[@]}"
printf 'a,b,y\n1,2,"3\n' > open_quote.csv
expect "open_quote.csv:2:3: quoted cell has no closing quote" fit open_quote.csv "${fit[@]}"
good data.csv
expect "data.csv: no target column named 'z'; the columns are 'a', 'b', 'y'" fit data.csv --target z "${fit[@]}"
npy big_endian.npy '>f8' '(2, 2)' 32
expect "big_endian.npy: big-endian dtype '>f8' is not supported; save little-endian data, e.g. numpy.save(path, a.astype('<f8'))" \
  fit big_endian.npy "${fit[@]}"
npy complex.npy '<c16' '(3, 2)' 96
expect "complex.npy: unsupported dtype '<c16' (supported: float32, float64, int8-int64, uint8-uint64, little endian)" \
  fit complex.npy "${fit[@]}"
npy truncated.npy '<f8' '(3, 2)' 40
expect "truncated.npy: truncated data: shape (3, 2) of '<f8' needs 48 bytes, the file has 40" fit truncated.npy "${fit[@]}"
npy cube.npy '<f8' '(2, 2, 2)' 64
expect "cube.npy: the array has shape (2, 2, 2); only 1-D (one column) or 2-D (rows x columns) arrays are supported" \
  fit cube.npy "${fit[@]}"

# Data the search cannot use.
printf 'a,b,y\n1,2,3\n4,5,6\n7,8,inf\n' > non_finite.csv
expect "non_finite.csv: target column 'y' has a non-finite value (inf) in data row 3; remove or impute such rows before fitting" \
  fit non_finite.csv "${fit[@]}"
printf 'a,b,y\n1,2,3\n4,5,3\n7,8,3\n' > constant.csv
expect "constant.csv: target column 'y' is constant (3.000000): there is nothing to fit" fit constant.csv "${fit[@]}"
printf 'a,y\n1,2\n' > one_row.csv
expect "one_row.csv: the data has 1 rows; a fit needs at least 3" fit one_row.csv "${fit[@]}"

# Expressions and operators.
expect "unknown operator 'foo'" fit data.csv --ops +,foo "${fit[@]}"
expect "form 'p*sin(q*a': expected ')' at column 10, got end of input" fit data.csv --form "p*sin(q*a" "${fit[@]}"
expect "equation 1 'x * (y +': expected an operand at column 9, got end of input" compile "x * (y +" --vars x,y -o kernel.so
[[ ! -e kernel.so ]] || { echo "FAIL: a refused compile wrote kernel.so" >&2; failures=$((failures + 1)); }

# Checkpoints and warm-start fronts.
"$cli" fit data.csv --niterations 2 --checkpoint checkpoint.json > /dev/null 2>&1
sed 's/"\$0"/"$x"/' checkpoint.json > damaged.json
cp damaged.json damaged.before
expect "cannot resume from checkpoint 'damaged.json': bad variable token '\$x' in a saved expression (expected '\$' and a feature index)" \
  fit data.csv --resume damaged.json --checkpoint damaged.json --niterations 3 --json out.json
cmp -s damaged.json damaged.before || { echo "FAIL: a refused resume changed its checkpoint" >&2; failures=$((failures + 1)); }
expect "cannot resume from checkpoint 'checkpoint.json': it was written for maxsize = 30, this run has 12" \
  fit data.csv --resume checkpoint.json --maxsize 12 --niterations 3 --json out.json
echo '{"front": 3}' > not_a_front.json
expect "'not_a_front.json' is not a symtorch front (JSON with front[].equation): [json.exception.type_error.304] cannot use at() with number" \
  fit data.csv --warm-start not_a_front.json "${fit[@]}"

if ((failures > 0)); then
  echo "$failures bad-input case(s) failed" >&2
  exit 1
fi
echo "all bad-input cases refused as README.md shows"
