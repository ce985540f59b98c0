#!/usr/bin/env bash
# Installs the Debian 12 packages geosim needs to build and test, when any is missing.
# Usage: scripts/install-deps.sh [--with-browser]
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git python3 python3-yaml time valgrind bc curl jq
  libeigen3-dev libyaml-cpp-dev libboost-program-options-dev libboost-math-dev libboost-random-dev
  catch2 librandom123-dev nlohmann-json3-dev libfmt-dev libmuparser-dev libsqlite3-dev sqlite3 libssl-dev
  libopenmpi-dev openmpi-bin libbenchmark-dev libutfcpp-dev
  python3-dev pybind11-dev python3-pybind11 python3-numpy python3-pandas python3-pytest
  python3-pip python3-setuptools python3-wheel python3-venv
  libcpp-httplib-dev
  chromium clang libclang-rt-14-dev clang-tidy clang-format dpkg-dev file
)
if [[ "${1:-}" == "--with-browser" ]]; then packages+=(chromium nodejs); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
