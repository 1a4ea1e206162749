#!/usr/bin/env bash
# Distributed search (symtorch fit under mpirun): evaluations per second with 1 and 2 ranks x 1
# thread on the same total work, time to an exact solution, and messages and bytes per
# migration (one rank's report to the others after an iteration), from the counters that rank 0
# prints ("# mpi: ..."). Prints `uptime` first: on a shared machine the figures are only as
# good as the load beside them.
#   bench/mpi/mpi_scaling.sh BUILD_DIR [REPEATS]
set -euo pipefail
build=$(realpath "$1")
repeats=${2:-3}
cli=$build/apps/symtorch
mpi=(mpirun --oversubscribe --allow-run-as-root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "load before: $(uptime)"
echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

# Throughput problem: 1000 rows, y = x0^2 x1 + 0.5 x1 - 1.3 x0 + sin(x2) (found or not, the
# search does the same kind of work).
awk 'BEGIN { print "x0,x1,x2,y"; for (i = 0; i < 1000; i++) { a = 2 * sin(1.7 * i); b = 2 * cos(0.37 * i); c = 3 * sin(0.11 * i + 1);
             printf "%.17g,%.17g,%.17g,%.17g\n", a, b, c, a * a * b + 0.5 * b - 1.3 * a + sin(c) } }' > thr.csv
# Exact-solution problem: y = sin(x0) x1^2 + 0.3 x0 on 200 rows (one process: 6-15 iterations).
awk 'BEGIN { print "x0,x1,y"; for (i = 0; i < 200; i++) { a = 2 * sin(1.3 * i); b = 2 * cos(0.71 * i);
             printf "%.17g,%.17g,%.17g\n", a, b, sin(a) * b * b + 0.3 * a } }' > exact.csv

# stat FILE: the summary line of a run's stderr.
stat() { grep '^# [0-9]* iterations' "$1"; }
run() {  # run RANKS MODE OUT DATA ARGS...
  local n=$1 mode=$2 out=$3 data=$4
  shift 4
  "${mpi[@]}" -np "$n" "$cli" fit "$data" --threads 1 --no-progress --mpi-mode "$mode" "$@" > "$out.txt" 2> "$out.err"
}

thr=(--populations 16 --population-size 27 --ncycles 200 --niterations 12 --no-exact-stop --ops +,-,*,/,sin,exp --seed 1)
echo
echo "== evaluations/s, same total work (16 islands x 12 iterations), 1 thread per rank =="
# evals_per_cpu_s: evaluations / (rank 0's CPU seconds x ranks), the rate per core if every
# rank had a core of its own (on a loaded machine the wall-clock rate cannot show it).
printf "%-6s %-6s %-4s %12s %9s %9s %14s %16s\n" ranks mode rep evaluations wall_s cpu_s evals_per_s evals_per_cpu_s
for mode in async sync; do
  for n in 1 2; do
    for r in $(seq 1 "$repeats"); do
      run "$n" "$mode" "t$n$mode$r" thr.csv "${thr[@]}"
      line=$(stat "t$n$mode$r.err")
      evals=$(sed -E 's/^# [0-9]+ iterations, ([0-9]+) evaluations.*/\1/' <<< "$line")
      wall=$(sed -E 's/.* evaluations, ([0-9.]+) s .*/\1/' <<< "$line")
      cpu=$(sed -E 's/.*\(([0-9.]+) s CPU\).*/\1/' <<< "$line")
      printf "%-6s %-6s %-4s %12s %9s %9s %14.0f %16.0f\n" "$n" "$mode" "$r" "$evals" "$wall" "$cpu" \
        "$(awk -v e="$evals" -v w="$wall" 'BEGIN { print e / w }')" "$(awk -v e="$evals" -v c="$cpu" -v n="$n" 'BEGIN { print e / (c * n) }')"
      if [[ $n == 2 ]]; then
        traffic=$(grep '^# mpi:' "t$n$mode$r.err")
        iters=$(sed -E 's/^# ([0-9]+) iterations.*/\1/' <<< "$line")
        echo "       $traffic; $iters iterations"
      fi
    done
  done
done

echo
echo "== messages and bytes per migration (async, 2 and 4 ranks, the run above's settings) =="
for n in 2 4; do
  run "$n" async "m$n" thr.csv "${thr[@]}"
  traffic=$(grep '^# mpi:' "m$n.err")
  msgs=$(sed -E 's/.*: ([0-9]+) messages posted \(([0-9]+) bytes\).*/\1/' <<< "$traffic")
  bytes=$(sed -E 's/.*: ([0-9]+) messages posted \(([0-9]+) bytes\).*/\2/' <<< "$traffic")
  iters=$(stat "m$n.err" | sed -E 's/^# ([0-9]+) iterations.*/\1/')
  awk -v n="$n" -v m="$msgs" -v b="$bytes" -v it="$iters" 'BEGIN {
    printf "%d ranks: %d messages, %d bytes; per message %.0f bytes; per rank-iteration %.1f messages (%d islands per rank)\n",
           n, m, b, b / m, m / (n * it), 16 / n }'
done

echo
echo "== time to an exact solution (y = sin(x0) x1^2 + 0.3 x0), 8 islands, seeds 1..$((repeats + 2)) =="
printf "%-6s %-6s %-5s %9s %9s %11s %12s %s\n" ranks mode seed wall_s cpu_s iterations evaluations stopped_by
for n in 1 2; do
  for seed in $(seq 1 $((repeats + 2))); do
    run "$n" async "x$n$seed" exact.csv --populations 8 --time-limit 60 --ops +,-,*,/,sin --seed "$seed"
    line=$(stat "x$n$seed.err")
    printf "%-6s %-6s %-5s %9s %9s %11s %12s %s\n" "$n" async "$seed" "$(sed -E 's/.* evaluations, ([0-9.]+) s .*/\1/' <<< "$line")" \
      "$(sed -E 's/.*\(([0-9.]+) s CPU\).*/\1/' <<< "$line")" \
      "$(sed -E 's/^# ([0-9]+) iterations.*/\1/' <<< "$line")" "$(sed -E 's/^# [0-9]+ iterations, ([0-9]+) evaluations.*/\1/' <<< "$line")" \
      "$(sed -E 's/.*stopped by ([a-z ]+),.*/\1/' <<< "$line")"
  done
done
echo
echo "load after: $(uptime)"
