#!/usr/bin/env python3
"""Checks that every `{seed: FILE, quote: "..."}` evidence item quotes its seed verbatim.

Usage: scripts/check_quotes.py [SCENARIO.yaml ...]
       (default: every scenarios/*.yaml and scenarios/**/*.yaml)

Seeds are looked up in scenarios/sources/. A quote must be a byte-for-byte substring of
the seed file: the seeds contain curly quotes, apostrophes (’) and non-breaking spaces,
and a quote that only matches after normalising them is reported with a hint saying so.
Exit status: 0 when every quote is found, 1 otherwise, 2 on usage errors.

The same check runs in C++ as the ctest test "every quote appears verbatim in its seed
file" (tests/scenarios/test_provenance.cpp), so it holds without Python too.
"""
import glob
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("check_quotes.py needs PyYAML (pip install pyyaml or apt install python3-yaml)\n")
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = os.path.join(ROOT, "scenarios", "sources")


def normalise(text):
    """Folds the typographic variants a reader cannot see apart, for the hint only."""
    table = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ",
             "\u2013": "-", "\u2014": "-"}
    for k, v in table.items():
        text = text.replace(k, v)
    return re.sub(r"\s+", " ", text)


def evidence_items(node, path):
    """Yields (path, item) for every evidence item anywhere in the tree."""
    if isinstance(node, dict):
        ev = node.get("evidence")
        if isinstance(ev, list):
            for i, item in enumerate(ev):
                if isinstance(item, dict):
                    yield f"{path}.evidence[{i}]", item
        for k, v in node.items():
            if k != "evidence":
                yield from evidence_items(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            name = v.get("id") if isinstance(v, dict) and "id" in v else str(i)
            yield from evidence_items(v, f"{path}.{name}")


def check_file(path, seeds):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    problems, count = [], 0
    for where, item in evidence_items(doc, ""):
        if "seed" not in item:
            continue
        count += 1
        seed, quote = item.get("seed"), item.get("quote")
        if seed not in seeds:
            problems.append(f"{path}: {where}: unknown seed '{seed}'; known: {', '.join(sorted(seeds))}")
            continue
        if not isinstance(quote, str) or not quote:
            problems.append(f"{path}: {where}: evidence from {seed} has no quote")
            continue
        if quote in seeds[seed]:
            continue
        hint = ("it matches only after folding curly quotes, dashes or non-breaking spaces; copy the exact characters"
                if normalise(quote) in normalise(seeds[seed]) else "the text does not occur in the seed")
        problems.append(f"{path}: {where}: quote not found verbatim in {seed}: \"{quote[:80]}\"; {hint}")
    return count, problems


def main(argv):
    files = argv[1:] or sorted(set(glob.glob(os.path.join(ROOT, "scenarios", "*.yaml")) +
                                   glob.glob(os.path.join(ROOT, "scenarios", "**", "*.yaml"), recursive=True)))
    if not files:
        sys.stderr.write("check_quotes.py: no scenario files\n")
        return 2
    seeds = {}
    for p in glob.glob(os.path.join(SOURCES, "*.txt")):
        with open(p, encoding="utf-8") as f:
            seeds[os.path.basename(p)] = f.read()
    total, bad = 0, []
    for path in files:
        n, problems = check_file(path, seeds)
        total += n
        bad += problems
    for p in bad:
        print(p)
    print(f"{total} quotes in {len(files)} files checked against {len(seeds)} seeds: "
          f"{total - len(bad)} found, {len(bad)} not found")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
