#!/usr/bin/env bash
# Keeps README.md's quick start true: runs the `symtorch fit` command of its first sh block and
# compares what it prints with the block after "Expected output of the first command". Both are
# read from README.md here, so neither can change without the other. On a difference it prints
# a unified diff (README's block first, then the program's output) and fails.
#   check_quickstart_output.sh SOURCE_DIR SYMTORCH_CLI
set -euo pipefail
set -f  # the command's --ops list holds '*'
src=$1 cli=$2
readme="$src/README.md"
command_line=$(awk '/^## Quick start/ { q = 1 } q && /^```sh/ { b = 1; next } b && /^```/ { exit } b && /symtorch fit/ { print; exit }' "$readme")
[[ -n $command_line ]] || { echo "no 'symtorch fit' command in the quick start's first sh block of $readme" >&2; exit 1; }
args=${command_line#*./build/apps/symtorch }
[[ $args != "$command_line" ]] || { echo "the quick start's command does not run ./build/apps/symtorch: $command_line" >&2; exit 1; }
expected=$(awk '/^Expected output of the first command/ { e = 1; next } e && /^```/ { if (inside) exit; inside = 1; next } inside { print }' "$readme")
[[ -n $expected ]] || { echo "no block after 'Expected output of the first command' in $readme" >&2; exit 1; }
echo "README command: symtorch $args (in $src)"
cd "$src"
# shellcheck disable=SC2086  # the arguments are split as the shell splits the README's command
actual=$("$cli" $args)
if [[ $actual == "$expected" ]]; then
  echo "the output matches README.md's expected output:"
  printf '%s\n' "$actual"
  exit 0
fi
echo "README.md's expected output (---) differs from what the command prints (+++):"
diff -u --label "README.md (expected output)" --label "symtorch $args" <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") || true
exit 1
