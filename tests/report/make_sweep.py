#!/usr/bin/env python3
"""Writes a small real sweep for the report tests: DIR/results.csv in the format of
`geosim sweep` (point,status,<parameter paths>,runs,p_<o>,lo_<o>,hi_<o>,...), each point
computed by `geosim run --set PATH=VALUE --format json`. A value the model rejects is kept
as a failed point, as a sweep records it.

  make_sweep.py GEOSIM SCENARIO DIR --param PATH=V1,V2,... [--param ...] [--runs N]
"""
import argparse
import csv
import itertools
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("geosim")
    ap.add_argument("scenario")
    ap.add_argument("out")
    ap.add_argument("--param", action="append", required=True)
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args()
    paths, values = [], []
    for p in args.param:
        path, vals = p.split("=", 1)
        paths.append(path)
        values.append(vals.split(","))
    os.makedirs(args.out, exist_ok=True)
    rows, outcomes = [], None
    for i, combo in enumerate(itertools.product(*values)):
        cmd = [args.geosim, "run", args.scenario, "--runs", str(args.runs), "--format", "json", "-q"]
        for path, v in zip(paths, combo):
            cmd += ["--set", f"{path}={v}"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            rows.append((i, "failed", combo, None))
            continue
        j = json.loads(r.stdout)
        outcomes = outcomes or [o["id"] for o in j["outcomes"]]
        rows.append((i, "ok", combo, j))
    if outcomes is None:
        print("make_sweep: every point failed", file=sys.stderr)
        return 1
    with open(os.path.join(args.out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        head = ["point", "status"] + paths + ["runs"]
        for o in outcomes:
            head += ["p_" + o, "lo_" + o, "hi_" + o]
        w.writerow(head)
        for i, status, combo, j in rows:
            row = [i, status] + list(combo)
            if j is None:
                row += [""] * (1 + 3 * len(outcomes))
            else:
                row.append(j["runs"])
                by_id = {o["id"]: o for o in j["outcomes"]}
                for o in outcomes:
                    row += [repr(by_id[o]["probability"]), repr(by_id[o]["ci95"][0]), repr(by_id[o]["ci95"][1])]
            w.writerow(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
