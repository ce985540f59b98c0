#!/bin/bash
# The golden test of the engine's bits: build/bench/geosim_state_digest (every state
# variable after every step of every run) on the shipped scenarios, against
# state_digests.txt. It sees changes that the rounded outputs of golden.sh might hide.
#
#   tests/golden/state_digests.sh DIGEST            compare
#   tests/golden/state_digests.sh DIGEST --update   record anew (say why in the commit)
set -u
digest=$1
here=$(dirname "$0")
got=$(mktemp)
trap 'rm -f "$got"' EXIT
{
  for f in scenarios/teaching.yaml scenarios/venezuela-2019.yaml scenarios/venezuela-2025.yaml \
           scenarios/variants/2019-credible-amnesty.yaml; do
    "$digest" 300 "$f" || exit 1
  done
  "$digest" 200 scenarios/teaching.yaml issues.incumbent_rule.stance_model=bargaining || exit 1
  # The frozen format 1 scenario of the benchmarks: `geosim: 1` files keep their bits.
  "$digest" 300 bench/venezuela-2019-v1.yaml || exit 1
} >"$got"
if [ "${2:-}" = --update ]; then
  cp "$got" "$here/state_digests.txt"
  exit 0
fi
if ! diff "$here/state_digests.txt" "$got" >&2; then
  echo "state digests differ from $here/state_digests.txt ('<' recorded, '>' now)" >&2
  exit 1
fi
echo "state digests match"
