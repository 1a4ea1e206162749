#!/usr/bin/python3
"""Re-selects the chosen equation from the fronts a suite run saved, and scores each choice.

    bench/shared_suite/reselect.py RESULTS_DIR NOISE [RULES] [--bench DIR]

RESULTS_DIR holds the <problem>.model.json files that `run_public.sh --results DIR` writes
(`symtorch fit --json`); NOISE is the suite's noise level (0, 0.01: picks data/noise_<NOISE>).
RULES, comma-separated: `chosen` (what the run chose), `bic` (n·log(max(loss, floor)) +
complexity·log(n), as `--select bic`), `best<T>` (PySR's rule with tolerance T, e.g. best1.5).
Prints one line per problem (rule:complexity:symbolic exact) and the totals. Compares rules on
the same searches, without re-running them.
"""
import argparse
import csv
import glob
import json
import math
import os
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument("results")
ap.add_argument("noise")
ap.add_argument("rules", nargs="?", default="chosen,bic,best1.5")
ap.add_argument("--bench", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench"))
args = ap.parse_args()
data = os.path.join(args.bench, "data", f"noise_{args.noise}")
truth = {p["name"]: p["truth"] for p in json.load(open(os.path.join(data, "manifest.json")))["problems"]}


def mean_square_and_rows(name):
    with open(os.path.join(data, f"{name}_train.csv")) as f:
        ys = [float(row[-1]) for row in list(csv.reader(f))[1:]]
    return sum(y * y for y in ys) / len(ys), len(ys)


def pick(rule, model, name):
    front = model["front"]
    if rule == "chosen":
        return model["chosen"]
    ms, n = mean_square_and_rows(name)
    floor = 1e-20 * ms  # the search's exact-fit floor (relative MSE 1e-20)
    losses = [max(m["loss"], floor) for m in front]
    if rule == "bic":
        return min(range(len(front)), key=lambda i: n * math.log(losses[i]) + front[i]["complexity"] * math.log(n))
    if rule.startswith("best"):
        tol = float(rule[4:])
        ok = [i for i in range(len(front)) if losses[i] <= tol * losses[-1]]
        score = lambda i: 0.0 if i == 0 else -(math.log(losses[i]) - math.log(losses[i - 1])) / (
            front[i]["complexity"] - front[i - 1]["complexity"])
        return max(ok, key=score)
    raise SystemExit(f"unknown rule '{rule}'")


def score(name, equation):
    out = subprocess.run(["/usr/bin/python3", os.path.join(args.bench, "score.py"), "--test",
                          os.path.join(data, f"{name}_test.csv"), "--truth", truth[name], "--pred", equation],
                         capture_output=True, text=True).stdout
    j = json.loads(out)
    return bool(j.get("symbolic_match")), bool(j.get("exact_match"))


rules = args.rules.split(",")
totals = {r: [0, 0] for r in rules}
for path in sorted(glob.glob(os.path.join(args.results, "*.model.json"))):
    name = os.path.basename(path)[: -len(".model.json")]
    model = json.load(open(path))
    line, memo = [name], {}
    for r in rules:
        i = pick(r, model, name)
        if i not in memo:
            memo[i] = score(name, model["front"][i]["equation"])
        sym, exact = memo[i]
        totals[r][0] += sym
        totals[r][1] += exact
        line.append(f"{r}:{model['front'][i]['complexity']}:{int(sym)}{int(exact)}")
    print(" ".join(line), flush=True)
for r in rules:
    print(f"{r}: symbolic {totals[r][0]}, exact {totals[r][1]}")
