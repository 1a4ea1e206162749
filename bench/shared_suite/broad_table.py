#!/usr/bin/env python3
"""Per-family table of solved problems from run_suite.sh result folders (results.jsonl).

    bench/shared_suite/broad_table.py LABEL=DIR [LABEL=DIR ...] [--diff]

A problem counts as solved when score.py found a symbolic match (SRBench's "symbolic solution":
the prediction equals the truth up to a constant or scale after rounding). Families are the
problem name without its trailing number (livermore_12 -> livermore, random_92619_3 -> random,
strogatz_bacres_x -> strogatz). With --diff, the problems whose outcome differs between the first
label and each of the others are listed under the table, so that a family's difference can be
read problem by problem (and checked with another seed). With --common, only the problems that
every folder holds are compared (a campaign in progress, broad_campaign.sh); the table says how
many each folder had.
"""
import json
import re
import sys
from collections import OrderedDict


def family(name):
    if name.startswith("strogatz"):
        return "strogatz"
    if name.startswith("random"):
        return "random"
    return re.sub(r"_\d+$", "", name)


def load(folder):
    rows = OrderedDict()
    with open(folder + "/results.jsonl") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                rows[r["name"]] = bool(r.get("symbolic_match"))
    return rows


def main(argv):
    diff = "--diff" in argv
    common = "--common" in argv
    specs = [a for a in argv if a not in ("--diff", "--common")]
    if not specs or any("=" not in s for s in specs):
        sys.exit(__doc__)
    runs = [(s.split("=", 1)[0], load(s.split("=", 1)[1])) for s in specs]
    names = list(runs[0][1].keys())
    if common:
        held = {label: len(rows) for label, rows in runs}
        names = [n for n in names if all(n in rows for _, rows in runs)]
        print("compared: %d problems held by every folder (%s)" % (
            len(names), ", ".join("%s %d" % (label, k) for label, k in held.items())))
        print()
    for label, rows in runs[1:]:
        if not common and set(rows) != set(names):
            missing = sorted(set(names) ^ set(rows))
            sys.exit("%s covers other problems than %s: %s" % (label, runs[0][0], ", ".join(missing[:8])))
    families = OrderedDict()
    for n in names:
        families.setdefault(family(n), []).append(n)
    print("| family | problems | " + " | ".join(label for label, _ in runs) + " |")
    print("|---|---:|" + "---:|" * len(runs))
    for fam, members in families.items():
        counts = [sum(rows[n] for n in members) for _, rows in runs]
        print("| %s | %d | %s |" % (fam, len(members), " | ".join(str(c) for c in counts)))
    totals = [sum(rows[n] for n in names) for _, rows in runs]
    print("| **all** | %d | %s |" % (len(names), " | ".join("**%d**" % t for t in totals)))
    if diff:
        base_label, base = runs[0]
        for label, rows in runs[1:]:
            gained = [n for n in names if rows[n] and not base[n]]
            lost = [n for n in names if base[n] and not rows[n]]
            print()
            print("%s vs %s: solved only by %s: %s; only by %s: %s" % (
                label, base_label, label, ", ".join(gained) or "none", base_label, ", ".join(lost) or "none"))


if __name__ == "__main__":
    main(sys.argv[1:])
