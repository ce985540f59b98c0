#!/usr/bin/env bash
# Runs one case of the bad-input corpus and compares stderr and the exit code exactly.
#
# Usage: run_case.sh GEOSIM CASE.expected   (from the repository root)
#
# CASE.expected starts with directive lines, then holds the exact expected stderr:
#   # args: run --runs 10 {}     arguments of geosim; {} is the case's .yaml file
#                                (default: validate {})
#   # exit: 3                    expected exit code (required)
#   # setup: SHELL COMMAND       run first, with $TMP set to a fresh folder (optional)
#   # ulimit: -v KIB             limits for geosim (bash ulimit arguments; optional): a case
#                                may bound memory as well as time (60 s for every case)
# In the actual stderr the path of $TMP is written as $TMP before comparing.
set -u
geosim=$1
expected_file=$2
case_dir=$(dirname "$expected_file")
name=$(basename "$expected_file" .expected)
input="$case_dir/$name.yaml"

args="validate {}"
exit_code=""
setup=""
limits=""
header=0
while IFS= read -r line; do
  case "$line" in
    "# args: "*) args=${line#"# args: "} ;;
    "# exit: "*) exit_code=${line#"# exit: "} ;;
    "# setup: "*) setup=${line#"# setup: "} ;;
    "# ulimit: "*) limits=${line#"# ulimit: "} ;;
    *) break ;;
  esac
  header=$((header + 1))
done < "$expected_file"
if [ -z "$exit_code" ]; then
  echo "$expected_file: missing '# exit: N' line" >&2
  exit 2
fi

TMP=$(mktemp -d)
export TMP
# $OLDPWD in a case is the repository root: in its setup (run after `cd $TMP`) and in its
# arguments alike, whatever folder the shell that started the suite had left last.
OLDPWD=$PWD
trap 'rm -rf "$TMP"' EXIT
if [ -n "$setup" ]; then
  (cd "$TMP" && eval "$setup") || { echo "setup failed: $setup" >&2; exit 2; }
fi

args=${args//\{\}/$input}
args=${args//\$TMP/$TMP}
eval "set -- $args"
# Under AddressSanitizer the binary is several times slower and reserves terabytes of
# address space, so a case's CPU and memory limits (meant for the plain build) are scaled:
# CPU seconds x 5, no address-space limit; the 60 s timeout still holds.
if [ -n "$limits" ] && ldd "$geosim" 2> /dev/null | grep -q libasan; then
  # (parsed from an array: the positional parameters hold geosim's arguments)
  read -r -a words <<< "$limits"
  scaled=""
  i=0
  while [ "$i" -lt "${#words[@]}" ]; do
    case "${words[$i]}" in
      -t) scaled="$scaled -t $((${words[$((i + 1))]} * 5))"; i=$((i + 2)) ;;
      -v) i=$((i + 2)) ;;
      *) scaled="$scaled ${words[$i]}"; i=$((i + 1)) ;;
    esac
  done
  limits=$scaled
fi
if [ -n "$limits" ]; then
  (ulimit $limits && exec timeout 60 "$geosim" "$@") > "$TMP/.stdout" 2> "$TMP/.stderr"
else
  timeout 60 "$geosim" "$@" > "$TMP/.stdout" 2> "$TMP/.stderr"
fi
actual_exit=$?

tail -n +"$((header + 1))" "$expected_file" > "$TMP/.expected"
sed "s|$TMP|\$TMP|g" "$TMP/.stderr" > "$TMP/.actual"

status=0
if [ "$actual_exit" != "$exit_code" ]; then
  echo "exit code: expected $exit_code, got $actual_exit" >&2
  status=1
fi
if ! diff -u "$TMP/.expected" "$TMP/.actual" >&2; then
  echo "stderr differs (expected: -, actual: +) for: geosim $args" >&2
  status=1
fi
exit $status
