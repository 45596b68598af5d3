#!/usr/bin/env bash
# The newcomer path of README.md, checked in a fresh clone of this commit: `make demo`, then
# `make build` (the build `make test` runs before its tests) must compile each file once: the
# second configure is identical, so ninja finds nothing to do. Ninja prints every compile it
# runs, so the count holds with or without ccache; by default ccache is off (CCACHE_DISABLE=1)
# so that every compile line is also a real compile (slow: one full build).
#   scripts/check_fresh_clone.sh [--warm-ccache] [--test]
#     --warm-ccache  keep ccache on (compiles become cache hits; the count is the same)
#     --test         then also run `make test` in the clone
# The clone reuses this checkout's .venv (symlinked) instead of installing a new one.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$src" rev-parse HEAD)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
git clone -q "$src" "$dir/pt2tf"
cd "$dir/pt2tf"
git checkout -q "$commit"
[ -e "$src/.venv" ] && ln -s "$(readlink -f "$src/.venv")" .venv
case " $* " in *" --warm-ccache "*) ;; *) export CCACHE_DISABLE=1 ;; esac

make demo > "$dir/demo.log" 2>&1 || { tail -20 "$dir/demo.log"; exit 1; }
first=$(grep -c 'Building CXX object' "$dir/demo.log" || true)
make build > "$dir/again.log" 2>&1 || { tail -20 "$dir/again.log"; exit 1; }
second=$(grep -c 'Building CXX object' "$dir/again.log" || true)
echo "fresh clone of $commit: make demo compiled $first objects, the build of make test $second"
if [ "$first" -eq 0 ] || [ "$second" -ne 0 ]; then
  echo "FAIL: expected every object compiled once by make demo and none again" >&2
  grep 'Building CXX object' "$dir/again.log" | head -5 >&2
  exit 1
fi
case " $* " in *" --test "*) make test ;; esac
