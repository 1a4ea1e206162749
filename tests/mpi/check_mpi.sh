#!/usr/bin/env bash
# The distributed search under mpirun (symtorch fit across ranks; symtorch/engine/search_cluster.hpp).
#   check_mpi.sh CASE SYMTORCH_CLI
# Cases:
#   sync     synchronous mode: the same front for a fixed seed on repeated runs, and with 1, 2 and
#            4 ranks the front of one process without MPI (same islands, so same work)
#   async    asynchronous mode: with 2 and 4 ranks, the best loss is at least as good as one
#            rank's on the same budget (islands and iterations), up to round-off at an exact fit
#   resume   a synchronous checkpoint from 2 ranks resumed on 4 continues exactly as the
#            uninterrupted search; an asynchronous one resumes on its rank count and is refused,
#            with the reason, on another
#   stop     a time limit, a target loss and a stop signal (SIGUSR1 to mpirun) end every rank with
#            the front
#   bad      a rank fed a damaged file ends the job with that rank's message (no hang)
#   distill  (SYMTORCH_CLI is tests/mpi/distill_ranks.cpp) several outputs distilled over 2 ranks
#            give the fronts of one process
# Exits 77 (CTest: skipped) where mpirun is absent.
set -euo pipefail
case_name=$1 cli=$(realpath "$2")
if ! command -v mpirun > /dev/null; then
  echo "SKIP: mpirun not found (Debian: openmpi-bin)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# Open MPI refuses root without these, and more ranks than cores without --oversubscribe.
mpi=(mpirun --oversubscribe --allow-run-as-root)
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# y = x0^2 x1 + 0.5 x1 - 1.3 x0 on 100 deterministic rows.
awk 'BEGIN { print "x0,x1,y"; for (i = 0; i < 100; i++) { a = 2 * sin(1.7 * i); b = 2 * cos(0.37 * i);
             printf "%.17g,%.17g,%.17g\n", a, b, a * a * b + 0.5 * b - 1.3 * a } }' > data.csv
opts=(--populations 8 --population-size 20 --ncycles 60 --threads 1 --seed 5 --maxsize 20 --no-progress)

# best_loss FILE: the lowest loss of a printed front (the loss column of the table's rows: after
# the header, before the chosen equation's line).
best_loss() {
  head -n -1 "$1" | awk 'NR > 1 { v = ($1 == "*") ? $3 : $2; if (min == "" || v + 0 < min + 0) min = v } END { print min }'
}

case $case_name in
sync)
  o=("${opts[@]}" --niterations 10 --no-exact-stop --ops +,-,*,/,sin --operator-subsets 0.5 --subset-redraw 3)
  "$cli" fit data.csv "${o[@]}" > alone.txt 2> alone.err
  for n in 2 2 4; do
    "${mpi[@]}" -np $n "$cli" fit data.csv "${o[@]}" --mpi-mode sync > "sync$n.txt" 2> "sync$n.err" || fail "sync on $n ranks: $(tail -n 3 sync$n.err)"
    grep -q "^# mpi: $n ranks, sync mode" "sync$n.err" || fail "sync on $n ranks did not run on $n ranks: $(cat sync$n.err)"
    cmp -s alone.txt "sync$n.txt" || { fail "sync on $n ranks: another front than one process"; diff alone.txt "sync$n.txt" >&2 || true; }
  done
  ;;
async)
  # The asynchronous result depends on timing, so the budget (40 iterations of the same 8
  # islands) is far more than one rank needs for this law (about 6 iterations); the search stops
  # at the exact fit.
  o=("${opts[@]}" --niterations 40)
  "${mpi[@]}" -np 1 "$cli" fit data.csv "${o[@]}" > one.txt 2> one.err || fail "async on 1 rank: $(tail -n 3 one.err)"
  one=$(best_loss one.txt)
  echo "1 rank: best loss $one; $(grep '^# [0-9]* iterations' one.err)"
  for n in 2 4; do
    "${mpi[@]}" -np $n "$cli" fit data.csv "${o[@]}" > "async$n.txt" 2> "async$n.err" || { fail "async on $n ranks: $(tail -n 3 async$n.err)"; continue; }
    grep -q "^# mpi: $n ranks, async mode: [1-9][0-9]* messages posted" "async$n.err" || fail "async on $n ranks posted no messages: $(cat async$n.err)"
    loss=$(best_loss "async$n.txt")
    echo "$n ranks: best loss $loss; $(grep '^# [0-9]* iterations' async$n.err)"
    # 1e-20: round-off among exact fits (the data's mean square is about 10).
    awk -v a="$loss" -v b="$one" 'BEGIN { exit !(a + 0 <= b * 1.0000001 + 1e-20) }' || fail "async on $n ranks: best loss $loss, worse than one rank's $one"
  done
  ;;
resume)
  o=("${opts[@]}" --no-exact-stop --ops +,-,*,/,sin)
  "$cli" fit data.csv "${o[@]}" --niterations 8 > whole.txt 2> whole.err
  "${mpi[@]}" -np 2 "$cli" fit data.csv "${o[@]}" --niterations 4 --mpi-mode sync --checkpoint ck.json > /dev/null 2> a.err || fail "sync checkpoint: $(tail -n 3 a.err)"
  "${mpi[@]}" -np 4 "$cli" fit data.csv "${o[@]}" --niterations 8 --mpi-mode sync --resume ck.json > resumed.txt 2> b.err || fail "sync resume: $(tail -n 3 b.err)"
  cmp -s whole.txt resumed.txt || { fail "a sync search resumed on 4 ranks differs from the uninterrupted one"; diff whole.txt resumed.txt >&2 || true; }
  "${mpi[@]}" -np 2 "$cli" fit data.csv "${o[@]}" --niterations 4 --checkpoint cka.json > /dev/null 2> c.err || fail "async checkpoint: $(tail -n 3 c.err)"
  grep -q '"format":"symtorch-mpi-checkpoint"' cka.json || fail "the async checkpoint is not one state per rank"
  "${mpi[@]}" -np 2 "$cli" fit data.csv "${o[@]}" --niterations 6 --resume cka.json > r2.txt 2> d.err || fail "async resume on 2 ranks: $(tail -n 3 d.err)"
  grep -q "^# 6 iterations" d.err || fail "the async resume did not continue to iteration 6: $(cat d.err)"
  status=0
  "${mpi[@]}" -np 3 "$cli" fit data.csv "${o[@]}" --niterations 6 --resume cka.json > r3.txt 2> e.err || status=$?
  ((status != 0)) || fail "an async checkpoint of 2 ranks was resumed on 3"
  grep -q "symtorch: error: rank 0 of 3: cannot resume from checkpoint 'cka.json': it was written by an asynchronous search on 2 ranks, this run has 3" e.err ||
    fail "no clear refusal of the rank count: $(cat e.err)"
  ;;
stop)
  "${mpi[@]}" -np 2 "$cli" fit data.csv "${opts[@]}" --no-exact-stop --time-limit 1 > t.txt 2> t.err || fail "time limit: $(tail -n 3 t.err)"
  grep -q "stopped by time limit" t.err || fail "the time-limited run did not stop by its time limit: $(cat t.err)"
  [[ $(wc -l < t.txt) -ge 3 ]] || fail "the time-limited run printed no front"
  "${mpi[@]}" -np 2 "$cli" fit data.csv "${opts[@]}" --no-exact-stop --niterations 500 --target-loss 1e-3 > g.txt 2> g.err || fail "target loss: $(tail -n 3 g.err)"
  grep -q "stopped by target loss" g.err || fail "the run with a target loss did not stop by it: $(cat g.err)"
  for mode in async sync; do
    rm -f ck.json
    # No iteration limit: only the signal ends it (the time limit is a backstop for a broken one).
    "${mpi[@]}" -np 2 "$cli" fit data.csv "${opts[@]}" --no-exact-stop --time-limit 300 --mpi-mode $mode --checkpoint ck.json > s.txt 2> s.err &
    pid=$!
    while [[ ! -s ck.json ]] && kill -0 $pid 2> /dev/null; do sleep 0.1; done
    kill -USR1 $pid
    status=0
    wait $pid || status=$?
    ((status == 0)) || fail "$mode: after SIGUSR1 exit $status: $(tail -n 3 s.err)"
    grep -q "stopped by stop requested" s.err || fail "$mode: not stopped by the request: $(cat s.err)"
    [[ $(wc -l < s.txt) -ge 3 ]] || fail "$mode: no front after the stop"
  done
  ;;
bad)
  head -n 40 data.csv > damaged.csv
  echo "0.5,oops,1" >> damaged.csv
  for mode in async sync; do
    status=0
    "${mpi[@]}" -np 1 "$cli" fit data.csv "${opts[@]}" --mpi-mode $mode : -np 1 "$cli" fit damaged.csv "${opts[@]}" --mpi-mode $mode \
      > out.txt 2> err.txt || status=$?
    ((status != 0)) || fail "$mode: a damaged file on rank 1 did not fail the job"
    grep -q "^symtorch: error: rank 1 of 2: damaged.csv:41:2: expected a number, got 'oops' (column 'x1')" err.txt ||
      fail "$mode: not rank 1's message: $(cat err.txt)"
    [[ ! -s out.txt ]] || fail "$mode: printed a front: $(cat out.txt)"
  done
  # Another rank's data (valid, but not the same) is refused too.
  sed '2d' data.csv > other.csv
  status=0
  "${mpi[@]}" -np 1 "$cli" fit data.csv "${opts[@]}" : -np 1 "$cli" fit other.csv "${opts[@]}" > out.txt 2> err.txt || status=$?
  ((status != 0)) && grep -q "^symtorch: error: rank 1 has other data or options than rank 0" err.txt ||
    fail "other data on rank 1 was not refused: $(cat err.txt)"
  ;;
distill)
  # $cli is tests/mpi/distill_ranks.cpp here: three targets distilled in one process and over
  # 2 ranks (targets 0 and 2 on rank 0, 1 on rank 1) must give the same fronts.
  "$cli" > alone.txt 2> alone.err || fail "distill in one process: $(cat alone.err)"
  "${mpi[@]}" -np 2 "$cli" > two.txt 2> two.err || fail "distill on 2 ranks: $(tail -n 3 two.err)"
  grep -q "^ranks 2" two.txt || fail "the distillation did not run on 2 ranks: $(head -n 1 two.txt)"
  [[ $(grep -c '^target ' alone.txt) == 3 ]] || fail "not 3 targets: $(cat alone.txt)"
  cmp -s <(tail -n +2 alone.txt) <(tail -n +2 two.txt) || { fail "2 ranks distil other fronts than one process"; diff alone.txt two.txt >&2 || true; }
  ;;
*)
  echo "unknown case $case_name" >&2
  exit 2
  ;;
esac
if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "ok: $case_name"
