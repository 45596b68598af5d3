#!/usr/bin/env bash
# Runs libFuzzer targets for a time budget each (make fuzz; tests/fuzz/README.md).
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [TARGET...]   (default: every target)
# Each target starts from the committed seeds (tests/fuzz/corpus/NAME, read-only) and its
# crash regressions, and grows its working corpus in BUILD_DIR/fuzz-corpus/NAME. A finding
# is written to BUILD_DIR/fuzz-findings/NAME/ and makes the script exit 1 after all targets.
# One line per target: CPU seconds, execs, coverage (cov = edges, ft = features), corpus size.
# The budget is CPU time (user + system of the fuzzer), not wall time, so a loaded machine
# does not shorten a run: libFuzzer only knows wall time, so the target runs again for the
# CPU time still missing until the budget is spent (the working corpus carries over).
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?build dir}
seconds=${2:?seconds per target}
shift 2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do
    n=$(basename "$f" .cpp)
    [ "$n" = fuzz_support ] || targets+=("${n#fuzz_}")
  done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: $bin is missing (configure with -DPT2TF_FUZZ=ON)"; exit 2; }
  work="$build/fuzz-corpus/$t"
  findings="$build/fuzz-findings/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  seeds=("tests/fuzz/corpus/$t")
  [ -d "tests/fuzz/regressions/$t" ] && seeds+=("tests/fuzz/regressions/$t")
  : >"$log"
  cpu=0 execs=0 rc=0
  while [ $rc -eq 0 ] && [ "$cpu" -lt "$seconds" ]; do
    left=$((seconds - cpu))
    # -rss_limit_mb: the resource bound under ASan's own overhead; -timeout: a hang is a bug.
    /usr/bin/time -f '%U %S' -o "$log.time" "$bin" "$work" "${seeds[@]}" "${dict[@]}" \
      -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$findings/" >>"$log" 2>&1
    rc=$?
    used=$(awk 'END { printf "%d", $1 + $2 + 0.999 }' "$log.time")
    cpu=$((cpu + (used > 0 ? used : 1)))
    n=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    execs=$((execs + ${n:-0}))
  done
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1)
  echo "fuzz_$t: ${cpu} CPU-s, ${execs} execs, ${cov:-no stats}, rc=$rc (log: $log)"
  if [ $rc -ne 0 ] || [ -n "$(ls -A "$findings")" ]; then
    echo "fuzz_$t: FINDING in $findings"; status=1
  fi
done
exit $status
