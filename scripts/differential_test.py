#!/usr/bin/env python3
"""Whether two results of one scenario agree within Monte Carlo noise.

The differential test of docs/performance.md: a change that gives up identical bytes (a
build that computes a run differently, another random stream) must still give every outcome
probability and every fan quantile of the reference, up to sampling error. It compares two
files written by `geosim run SCENARIO --fan-histograms FILE` (docs/output.md) as two
independent samples of n_a and n_b runs:

- each outcome's probability: a two-sample test of proportions (pooled standard error);
- each fan quantile (p5, p25, p50, p75, p95 of every fan at every step): the share of runs
  at or below the upper edge of the bin where the quantile lies, in one sample against the
  other, again a two-sample test of proportions; at the bins of both samples' quantiles.
  Two distributions whose shares agree at those edges have the same quantiles up to the
  histogram's resolution (a bin, 0.5% of the range), and the test holds where a
  distribution has atoms or gaps (a variable at its bound, an open-or-closed switch), where
  a comparison of the quantiles' values would not.

Every check is |z| <= z*, where z* makes the whole family of m checks fail together with
probability at most alpha when the two samples come from the same distribution (Bonferroni:
z* is the 1 - alpha / (2 m) quantile of the standard normal).

Usage: differential_test.py REFERENCE CANDIDATE [--alpha A] [--show N]
Exit status: 0 all agree, 1 some check disagrees (the worst are listed), 2 the files cannot
be compared (not such files, or not of the same scenario).
"""
import argparse
import json
import math
import os
import sys
from statistics import NormalDist

LEVELS = [("p5", 0.05), ("p25", 0.25), ("p50", 0.50), ("p75", 0.75), ("p95", 0.95)]


class Unusable(Exception):
    pass


HINT = "(hint: write it with geosim run SCENARIO --fan-histograms FILE)"
MAX_BYTES = 256 << 20  # a file of 10^6 runs of the Venezuela files is about 1 MB


def whole(v, least=0):
    return isinstance(v, int) and not isinstance(v, bool) and v >= least


def number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def load(path):
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise Unusable(f"{path}: {size} bytes, more than the {MAX_BYTES >> 20} MiB such a file can hold {HINT}")
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except OSError as e:
        raise Unusable(f"{path}: cannot read it: {e.strerror}")
    except json.JSONDecodeError as e:
        raise Unusable(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg} {HINT}")
    except (UnicodeDecodeError, RecursionError):
        raise Unusable(f"{path}: not JSON as geosim writes it (not UTF-8, or nested too deep) {HINT}")
    # Every key and value the comparison reads, with the place of the first that is wrong.
    if not isinstance(d, dict) or not all(k in d for k in ("runs", "outcomes", "bins", "fans")):
        raise Unusable(f"{path}: not a file of fan histograms {HINT}")
    n, bins = d["runs"], d["bins"]
    if not whole(n, 1):
        raise Unusable(f"{path}: 'runs' must be a whole number above 0")
    if not whole(bins, 1):
        raise Unusable(f"{path}: 'bins' must be a whole number above 0")
    outcomes = d["outcomes"]
    if not isinstance(outcomes, list) or not outcomes or not all(
            isinstance(o, dict) and isinstance(o.get("id"), str) and whole(o.get("count")) for o in outcomes):
        raise Unusable(f"{path}: 'outcomes' must list {{id, count}} with whole counts {HINT}")
    if sum(o["count"] for o in outcomes) != n:
        raise Unusable(f"{path}: its outcome counts do not add up to its {n} runs")
    if not isinstance(d["fans"], list):
        raise Unusable(f"{path}: 'fans' must be a list {HINT}")
    for k, f in enumerate(d["fans"]):
        where = f"{path}: fans[{k}]"
        if not isinstance(f, dict) or not isinstance(f.get("var"), str):
            raise Unusable(f"{where}: must be {{var, range, steps, counts}} {HINT}")
        r, steps, counts = f.get("range"), f.get("steps"), f.get("counts")
        if not (isinstance(r, list) and len(r) == 2 and all(number(x) for x in r) and r[0] < r[1]):
            raise Unusable(f"{where} ('{f['var']}'): 'range' must be two numbers, the first below the second")
        if not (isinstance(steps, list) and all(whole(t, 1) for t in steps)):
            raise Unusable(f"{where} ('{f['var']}'): 'steps' must list whole numbers above 0")
        if not (isinstance(counts, list) and len(counts) == len(steps) and all(
                isinstance(row, list) and len(row) == bins and all(whole(c) for c in row) and sum(row) == n
                for row in counts)):
            raise Unusable(f"{where} ('{f['var']}'): does not hold {bins} bins adding up to {n} runs at each step")
    return d


def same_scenario(a, b, pa, pb):
    if [o["id"] for o in a["outcomes"]] != [o["id"] for o in b["outcomes"]]:
        raise Unusable(f"{pb}: its outcomes differ from those of {pa}: not the same scenario")
    shape = lambda d: (d["bins"], [(f["var"], f["range"], f["steps"]) for f in d["fans"]])
    if shape(a) != shape(b):
        raise Unusable(f"{pb}: its fans (variables, ranges, steps or bins) differ from those of {pa}: not the same scenario")


def z_of(ka, na, kb, nb):
    """Two-sample z statistic of proportions ka/na and kb/nb (0 where both are 0 or both 1)."""
    pooled = (ka + kb) / (na + nb)
    se = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    diff = kb / nb - ka / na
    return 0.0 if se == 0 else diff / se


def quantile_bin(cum, n, level):
    """The bin where the sample's quantile at `level` lies: the first whose cumulative count reaches level x n."""
    need = level * n
    for b, c in enumerate(cum):
        if c >= need:
            return b
    return len(cum) - 1


def checks(a, b):
    na, nb = a["runs"], b["runs"]
    for oa, ob in zip(a["outcomes"], b["outcomes"]):
        yield (f"outcome {oa['id']}: probability", oa["count"] / na, ob["count"] / nb,
               z_of(oa["count"], na, ob["count"], nb))
    bins = a["bins"]
    for fa, fb in zip(a["fans"], b["fans"]):
        lo, hi = fa["range"]
        width = (hi - lo) / bins
        for i, step in enumerate(fa["steps"]):
            cum_a, cum_b, ca, cb = [], [], 0, 0
            for x, y in zip(fa["counts"][i], fb["counts"][i]):
                ca += x
                cb += y
                cum_a.append(ca)
                cum_b.append(cb)
            edges = set()
            for name, level in LEVELS:
                for cum, n in ((cum_a, na), (cum_b, nb)):
                    edges.add((quantile_bin(cum, n, level), name))
            # One check per distinct edge (two levels may share a bin).
            seen = {}
            for e, name in sorted(edges):
                seen.setdefault(e, []).append(name)
            for e, names in sorted(seen.items()):
                if e == bins - 1:
                    continue  # the share at or below the range's top is 1 in both
                label = f"fan {fa['var']} step {step} ({'/'.join(sorted(set(names), key=lambda s: int(s[1:])))}): " \
                        f"share <= {lo + (e + 1) * width:.6g}"
                yield label, cum_a[e] / na, cum_b[e] / nb, z_of(cum_a[e], na, cum_b[e], nb)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reference", help="geosim run ... --fan-histograms FILE of the reference")
    ap.add_argument("candidate", help="the same of the candidate")
    ap.add_argument("--alpha", type=float, default=0.001,
                    help="the family-wise false-alarm rate of all checks together (default 0.001)")
    ap.add_argument("--show", type=int, default=20, help="disagreeing checks listed, the worst first (default 20)")
    args = ap.parse_args(argv)
    if not 0 < args.alpha < 1:
        print("differential_test: --alpha must lie between 0 and 1", file=sys.stderr)
        return 2
    try:
        a, b = load(args.reference), load(args.candidate)
        same_scenario(a, b, args.reference, args.candidate)
    except Unusable as e:
        print(f"differential_test: {e}", file=sys.stderr)
        return 2
    all_checks = list(checks(a, b))
    # The family: every check there could be (each outcome, two edges for each of the five
    # levels of every fan at every step), so that its size does not depend on the data.
    m = len(a["outcomes"]) + 2 * len(LEVELS) * sum(len(f["steps"]) for f in a["fans"])
    z_star = NormalDist().inv_cdf(1 - args.alpha / (2 * m))
    bad = sorted(((abs(z), what, va, vb) for what, va, vb, z in all_checks if abs(z) > z_star), reverse=True)
    n_out = len(a["outcomes"])
    print(f"runs: {a['runs']} (reference), {b['runs']} (candidate)")
    print(f"checks: {len(all_checks)} ({n_out} outcome probabilities, {len(all_checks) - n_out} bin edges at fan "
          f"quantiles); family of {m}, alpha {args.alpha:g}: |z| <= {z_star:.3f}")
    worst = max((abs(z) for *_, z in all_checks), default=0.0)
    print(f"largest |z|: {worst:.3f}")
    for z, what, va, vb in bad[: args.show]:
        print(f"  disagrees: {what}: {va:.6g} -> {vb:.6g} (|z| {z:.2f})")
    if len(bad) > args.show:
        print(f"  ... and {len(bad) - args.show} more")
    print("result: agree" if not bad else f"result: {len(bad)} of {len(all_checks)} checks disagree")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
