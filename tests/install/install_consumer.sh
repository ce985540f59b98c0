#!/usr/bin/env bash
# Installs the built tree into a temporary prefix, builds tests/install/consumer against it
# with find_package(geosim), and checks that the consumer's outcome counts equal the
# installed geosim command's for the same seed.
# Usage: install_consumer.sh BUILD_DIR   (from the repository root)
set -euo pipefail
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
test -x "$tmp/prefix/bin/geosim"
test -f "$tmp/prefix/include/geosim/engine/runner/monte_carlo.h"
test -f "$tmp/prefix/lib/cmake/geosim/geosimConfig.cmake"
gen=()
command -v ninja > /dev/null && gen=(-G Ninja)
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S tests/install/consumer -B "$tmp/consumer" "${gen[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" > "$tmp/configure.log" || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/consumer" > "$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }
"$tmp/consumer/consumer" scenarios/teaching.yaml > "$tmp/consumer.txt"
"$tmp/prefix/bin/geosim" run scenarios/teaching.yaml --runs 2000 --seed 7 --format json |
  python3 -c 'import json,sys; [print(o["id"], o["count"]) for o in json.load(sys.stdin)["outcomes"]]' > "$tmp/cli.txt"
if ! diff -u "$tmp/cli.txt" "$tmp/consumer.txt"; then
  echo "the installed library and the installed command disagree" >&2
  exit 1
fi
echo "consumer built against the installed tree; $(wc -l < "$tmp/consumer.txt") outcome counts match the CLI"
