#!/bin/sh
# Regenerates the outcome-probability tables of docs/scenarios/venezuela.md from
# `geosim run SCENARIO --format json` (10,000 runs, seed 1: the defaults of `geosim run`).
#
# Usage: scripts/gen_venezuela_doc.sh [--check] [GEOSIM]
#   GEOSIM   the geosim binary (default: build/geosim)
#   --check  write nothing; exit 1 if the doc's tables differ from what the binary gives now
# Run from the repository root. Needs python3 (standard library only) to read the JSON.
# The tables sit between the `<!-- BEGIN generated NAME -->` and `<!-- END generated NAME -->`
# lines of the doc; everything else in the doc is left as it is.
set -eu
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
geosim=${1:-build/geosim}
doc=docs/scenarios/venezuela.md
[ -x "$geosim" ] || { echo "gen_venezuela_doc.sh: no geosim binary at $geosim (build first, or pass its path)" >&2; exit 2; }
[ -f "$doc" ] || { echo "gen_venezuela_doc.sh: run from the repository root ($doc not found)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/geosim-doc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# One JSON result per scenario: the base first, then its variants.
for year in 2019 2025; do
  i=0
  for f in scenarios/venezuela-$year.yaml scenarios/variants/$year-*.yaml; do
    "$geosim" run "$f" --quiet --format json --output "$tmp/$year-$i.json"
    echo "$f" > "$tmp/$year-$i.name"
    i=$((i + 1))
  done
done

python3 - "$tmp" "$doc" "$check" <<'PY'
import glob, json, os, sys

tmp, doc, check = sys.argv[1], sys.argv[2], sys.argv[3] == "1"

def pct(p):
    return f"{100 * p:.1f}%"

def tables(year):
    files = sorted(glob.glob(f"{tmp}/{year}-*.json"), key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
    runs = [json.load(open(p)) for p in files]
    names = [open(p[:-5] + ".name").read().strip() for p in files]
    base = runs[0]
    out = [f"`geosim run {names[0]}`: {base['runs']:,} runs, seed {base['seed']}, "
           f"{base['start']} to {base['last_day']} ({base['horizon']} {base['step']}s).", "",
           "| outcome | probability | 95% interval | median time to it |", "|---|---:|---:|---:|"]
    for o in base["outcomes"]:
        t = o.get("time_to_outcome") or {}
        med = f"week {t['median']}" if t.get("median") is not None and not o.get("default") else "-"
        out.append(f"| {o['id']} | {pct(o['probability'])} | {pct(o['ci95'][0])} - {pct(o['ci95'][1])} | {med} |")
    out += ["", "What-if variants (same seed and runs; `geosim compare` gives paired intervals):", ""]
    cols = ["base"] + [os.path.basename(n)[len(year) + 1:-5] for n in names[1:]]
    out.append("| outcome | " + " | ".join(cols) + " |")
    out.append("|---|" + "---:|" * len(cols))
    for k, o in enumerate(base["outcomes"]):
        out.append(f"| {o['id']} | " + " | ".join(pct(r["outcomes"][k]["probability"]) for r in runs) + " |")
    return "\n".join(out)

text = open(doc, encoding="utf-8").read()
new = text
for year in ("2019", "2025"):
    begin, end = f"<!-- BEGIN generated {year} -->", f"<!-- END generated {year} -->"
    a, b = new.find(begin), new.find(end)
    if a < 0 or b < a:
        sys.exit(f"gen_venezuela_doc.sh: {doc} lacks the lines '{begin}' ... '{end}'")
    new = new[:a + len(begin)] + "\n" + tables(year) + "\n" + new[b:]
if check:
    if new != text:
        sys.exit(f"{doc}: the probability tables are out of date; run scripts/gen_venezuela_doc.sh")
    print(f"{doc}: tables are current")
else:
    open(doc, "w", encoding="utf-8").write(new)
    print(f"{doc}: tables regenerated")
PY
