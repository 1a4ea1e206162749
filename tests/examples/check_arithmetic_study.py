#!/usr/bin/python3
"""Checks that a symtorch_arithmetic run wrote well-formed results: study.json's fields, a
non-empty front per distillation whose equations parse back over x0 and x1, error classes that
partition the analysed pairs, the heat maps as PNG files where gnuplot is installed (and the
reason written where not), and the saved model's files. Nothing about how accurate the model is:
the reduced run's model is too small and too briefly trained for that to be stable across seeds.

Usage: check_arithmetic_study.py DIR   (exit 0: well formed; 1: the first problem is printed)
"""
import json
import math
import os
import shutil
import sys


def fail(message):
    print("check_arithmetic_study: " + message)
    sys.exit(1)


def require(condition, message):
    if not condition:
        fail(message)


def main(directory):
    path = os.path.join(directory, "study.json")
    require(os.path.exists(path), path + " missing")
    with open(path) as f:
        study = json.load(f)
    for key in ("program", "options", "training", "analysis", "heat_maps", "fronts", "paper", "seconds"):
        require(key in study, "study.json has no '%s'" % key)

    for op in ("addition", "multiplication"):
        require(op in study["training"], "training has no '%s'" % op)
        training = study["training"][op]
        for key in ("steps", "validation_accuracy", "log", "config"):
            require(key in training, "training of %s has no '%s'" % (op, key))
        require(0 <= training["validation_accuracy"] <= 1,
                "%s validation accuracy %r is not in [0, 1]" % (op, training["validation_accuracy"]))
        require(len(training["log"]) >= 1, "%s training log is empty" % op)
        for name in ("config.json", "model.safetensors", "training.json"):
            require(os.path.exists(os.path.join(directory, "model", op, name)), "model/%s/%s missing" % (op, name))

    analysed = study["options"]["analysis_pairs"]
    for op in ("addition", "multiplication"):
        require(op in study["analysis"], "analysis has no '%s'" % op)
        a = study["analysis"][op]
        require(a["pairs"] == analysed, "%s: %d pairs analysed, options say %d" % (op, a["pairs"], analysed))
        total = sum(a["classes"].values())
        require(total == a["pairs"], "%s: classes sum to %d, not %d pairs" % (op, total, a["pairs"]))
        require(a["classes"].get("correct", 0) == a["correct"], "%s: 'correct' class differs from the count" % op)
        require(a["classes"].get("malformed", 0) == a["malformed"], "%s: 'malformed' class differs from the count" % op)
        require(abs(a["accuracy"] - a["correct"] / a["pairs"]) < 1e-12, "%s: accuracy is not correct / pairs" % op)
        require(len(a["groups"]) > 0, "%s: no groups" % op)
        for g in a["groups"]:
            require(0 <= g["wrong"] <= g["pairs"] <= a["pairs"], "%s: group %r counts inconsistent" % (op, g["name"]))
        quadrants = [g for g in a["groups"] if g["name"].startswith("a ") and "b " in g["name"]]
        require(len(quadrants) == 4 and sum(g["pairs"] for g in quadrants) == a["pairs"],
                "%s: the four quadrants do not partition the pairs" % op)
        if op == "addition":
            carries = [g for g in a["groups"] if g["name"].startswith("carries into:")]
            require(len(carries) == 8 and sum(g["pairs"] for g in carries) == a["pairs"],
                    "addition: the 8 carry patterns do not partition the pairs")

    have_gnuplot = shutil.which("gnuplot") is not None
    require(len(study["heat_maps"]) == 2, "expected 2 heat maps")
    for h in study["heat_maps"]:
        require(os.path.exists(h["data"]), "heat map data %s missing" % h["data"])
        if have_gnuplot:
            require(h["png"] is not None, "gnuplot is installed but no PNG for %s: %s" % (h["operation"], h["why_not"]))
            with open(h["png"], "rb") as f:
                require(f.read(8) == b"\x89PNG\r\n\x1a\n", "%s is not a PNG file" % h["png"])
        else:
            require(h["png"] is None and h["why_not"], "no gnuplot, yet no reason given for %s" % h["operation"])

    pairs = study["options"]["pairs"]
    require(len(study["fronts"]) == 2 * (len(pairs) + 1), "expected %d fronts" % (2 * (len(pairs) + 1)))
    distilled = 0
    for f in study["fronts"]:
        what = "%s %s on %d pairs" % (f["operation"], f["target"], f["pairs"])
        require(f["rows"] + f["malformed_left_out"] == f["pairs"], what + ": rows + left out != pairs")
        if "skipped" in f:
            # A model that answers every pair alike (a tiny one may) leaves nothing to fit.
            require(isinstance(f["skipped"], str) and f["skipped"], what + ": skipped without a reason")
            continue
        distilled += 1
        require(len(f["members"]) > 0, what + ": empty front")
        require(0 <= f["chosen"] < len(f["members"]), what + ": chosen member out of range")
        previous = 0
        for m in f["members"]:
            require(m["complexity"] > previous, what + ": complexities not increasing")
            previous = m["complexity"]
            require(math.isfinite(m["loss"]) and m["loss"] >= 0, what + ": bad loss %r" % m["loss"])
            require(isinstance(m["equation"], str) and m["equation"], what + ": empty equation")
            dep = m["departure"]
            for key in ("rms", "max_abs", "fraction_over_half", "worst_block"):
                require(key in dep, what + ": departure has no '%s'" % key)
        if f["exact_law_member"] is not None:
            require(0 <= f["exact_law_member"] < len(f["members"]), what + ": exact_law_member out of range")
    # The error answer - exact varies with the pair unless the model is exact on all of them, which
    # a model trained for seconds is not; so at least the error fronts exist.
    require(distilled > 0, "no front was distilled")
    print("check_arithmetic_study: %s is well formed (%d fronts, heat maps %s)" %
          (directory, len(study["fronts"]), "drawn" if have_gnuplot else "skipped: no gnuplot"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        fail("usage: check_arithmetic_study.py DIR")
    main(sys.argv[1])
