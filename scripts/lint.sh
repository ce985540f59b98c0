#!/usr/bin/env bash
# `make lint`: clang-tidy (.clang-tidy: bugprone-*, performance-*) and clang-format
# (.clang-format) on the C++ files changed since LINT_BASE (default: main), committed or not.
# Needs a configured build (compile_commands.json). Exit 1 when any check reports.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
base=${LINT_BASE:-main}
if [[ ! -f $build/compile_commands.json ]]; then
  echo "lint: no $build/compile_commands.json; run 'make build' first" >&2
  exit 2
fi
mapfile -t files < <({ git diff --name-only --diff-filter=ACMR "$base"...HEAD 2>/dev/null; git diff --name-only --diff-filter=ACMR HEAD;
                       git ls-files --others --exclude-standard; } |
                     grep -E '^(engine|analysis|tests|bench)/.*\.(cpp|h)$' | sort -u)
if ((${#files[@]} == 0)); then
  echo "lint: no C++ file changed since $base"
  exit 0
fi
status=0
echo "lint: ${#files[@]} changed file(s) since $base"
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  if ! clang-format --dry-run --Werror "$f" 2> /dev/null; then
    echo "$f: not formatted as .clang-format says (make format FILES=$f)"
    status=1
  fi
done
sources=()
for f in "${files[@]}"; do [[ $f == *.cpp && -f $f ]] && sources+=("$f"); done
if ((${#sources[@]})); then
  # clang 14 reads libstdc++ 12 in C++20 mode poorly; checks run as C++17 where C++20 fails.
  out=$(clang-tidy -p "$build" --quiet "${sources[@]}" 2>&1 | grep -E '(warning|error):' | grep -v 'clang-diagnostic-error')
  if [[ -n $out ]]; then
    echo "$out"
    status=1
  fi
fi
((status == 0)) && echo "lint: clean"
exit $status
