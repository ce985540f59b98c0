#!/usr/bin/env bash
# Builds the Debian package with CPack (`make package`), unpacks it and runs the packaged
# geosim; checks the package's name, its declared dependencies and the files it installs.
# Usage: package_deb.sh BUILD_DIR   (from the repository root)
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -B "$tmp/out" > "$tmp/cpack.log") ||
  { cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/out/geosim_*.deb)
dpkg-deb -f "$deb" Package | grep -qx geosim
dpkg-deb -f "$deb" Depends | grep -q libyaml-cpp || { echo "Depends lacks yaml-cpp: $(dpkg-deb -f "$deb" Depends)" >&2; exit 1; }
dpkg-deb -x "$deb" "$tmp/root"
test -f "$tmp/root/usr/lib/cmake/geosim/geosimConfig.cmake" || test -n "$(ls "$tmp"/root/usr/lib/*/cmake/geosim/geosimConfig.cmake 2>/dev/null)"
"$tmp/root/usr/bin/geosim" run "$root/scenarios/teaching.yaml" --runs 500 --seed 3 > "$tmp/run.txt"
grep -q "status_quo\|runs" "$tmp/run.txt"
echo "$(basename "$deb") installs geosim, its libraries and headers; the packaged geosim runs"
