#!/usr/bin/env bash
# Time a full build of the book from scratch and a rebuild with nothing changed.
#
#   bash benchmarks/book_build.sh
#
# Works on a copy of the tracked files in a temporary folder, so your _build/ is untouched.
# Goals on 2 cores: full build <= 180 s, no-change rebuild <= 20 s (the execution cache in
# _build/.jupyter_cache means a rebuild executes nothing).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | (cd "$work" && tar -xf -)
cd "$work"

build() {  # prints the build's wall time in milliseconds
  local start
  start=$(date +%s%N)
  jupyter-book build . -W -n --keep-going > build.log 2>&1 || { tail -40 build.log >&2; echo "build failed" >&2; exit 1; }
  echo $(( ($(date +%s%N) - start) / 1000000 ))
}

full=$(build)
again=$(build)
echo "full build:        $((full / 1000)).$(( (full % 1000) / 100 )) s (goal <= 180 s)"
echo "no-change rebuild: $((again / 1000)).$(( (again % 1000) / 100 )) s (goal <= 20 s)"
echo "full / rebuild:    $(( full / (again > 0 ? again : 1) ))x"
