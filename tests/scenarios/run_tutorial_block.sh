#!/bin/sh
# Runs the commands of docs/tutorial.md as a student would, and checks block K.
# Usage: run_tutorial_block.sh GEOSIM SOURCE_DIR K
#
# Every ```sh block of the tutorial is a step. Blocks 1..K-1 run first (a later step may
# need a file an earlier one wrote), then block K, under `sh -e`: block K passes when all
# its commands exit with status 0. Everything happens in a scratch directory holding a
# copy of scenarios/, with `geosim` on the PATH, so the source tree is never written.
set -u
geosim=$1
src=$2
k=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/geosim-tutorial.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$geosim" "$work/bin/geosim"
cp -R "$src/scenarios" "$work/scenarios"
PATH="$work/bin:$PATH"
export PATH

# Splits the tutorial into block1.sh, block2.sh, ...
awk -v dir="$work" '
  /^```sh[ \t]*$/ { n++; inside = 1; next }
  /^```/ && inside { inside = 0; next }
  inside { print > (dir "/block" n ".sh") }
' "$src/docs/tutorial.md"

if [ ! -f "$work/block$k.sh" ]; then
  echo "docs/tutorial.md has no sh block $k"
  exit 1
fi
cd "$work" || exit 1
i=1
while [ "$i" -lt "$k" ]; do
  if ! sh -e "block$i.sh" > "log$i.txt" 2>&1; then
    echo "note: earlier block $i failed (its own test reports it); going on"
  fi
  i=$((i + 1))
done
echo "--- block $k of docs/tutorial.md:"
cat "block$k.sh"
echo "--- output:"
sh -e "block$k.sh"
status=$?
echo "--- block $k exit status: $status"
exit $status
