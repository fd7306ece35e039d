#!/usr/bin/env bash
# Installs, builds and passes every test, from a fresh Debian 12 machine (as root). .ci/run calls
# exactly this. Steps:
#   1. Debian packages (scripts/install-deps.sh, idempotent)
#   2. GCC build: the binary, every unit and end-to-end test, the benchmarks; run ctest
#   3. Clang ASan+UBSan build of the same tests plus the libFuzzer targets; run ctest
#   4. Clang ThreadSanitizer build of the tests with concurrent parts (the broker storage); run them
#   5. each fuzzer for FERRY_FUZZ_SECONDS (default 30) on its seed corpus; any crash, leak or
#      sanitizer report fails the run, and prints the failing input in base64 (a CI machine's
#      files are gone afterwards): `base64 -d > unit` and run the fuzzer on `unit` to repeat it
# Ends with one line "ferry: N passed, M failed" counting ctest cases and fuzz runs.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
fuzz_seconds=${FERRY_FUZZ_SECONDS:-30}
passed=0
failed=0

# Adds the counts of a ctest log ("NN% tests passed, F tests failed out of T") to the totals.
count_ctest() {
  local line total failures
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -n 1 || true)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  failures=$(sed -E 's/.*tests passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - failures))
  failed=$((failed + failures))
}

./scripts/install-deps.sh

echo "== release build (gcc)"
./scripts/build.sh release
echo "== release tests"
status=0
ctest --test-dir build/release --output-on-failure -j 2 --timeout 300 2>&1 | tee build/release/ctest.log || status=1
count_ctest build/release/ctest.log

echo "== sanitizer build (clang, ASan+UBSan, libFuzzer)"
./scripts/build.sh sanitize
echo "== sanitizer tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build/sanitize --output-on-failure -j 2 --timeout 600 2>&1 | tee build/sanitize/ctest.log || status=1
count_ctest build/sanitize/ctest.log

echo "== thread sanitizer build (clang, TSan) and the concurrent tests"
./scripts/build.sh tsan tests/broker_storage_test tests/broker_topics_test tests/broker_groups_test \
  tests/broker_embedded_test tests/runtime_worker_test tests/rest_server_test \
  tests/broker_protocol_server_test tests/broker_membership_test
for binary in broker_storage_test broker_topics_test broker_groups_test broker_embedded_test \
  runtime_worker_test rest_server_test broker_protocol_server_test broker_membership_test; do
  log=build/tsan/$binary.log
  if TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "build/tsan/tests/$binary" >"$log" 2>&1; then
    count=$(grep -oE '\[  PASSED  \] [0-9]+ tests?' "$log" | grep -oE '[0-9]+' || echo 0)
    echo "tsan $binary: $count passed"
    passed=$((passed + count))
  else
    echo "tsan $binary: FAILED, last lines of $log:"
    tail -n 60 "$log"
    failed=$((failed + 1))
    status=1
  fi
done

echo "== fuzzers, ${fuzz_seconds}s each"
for fuzzer in build/sanitize/fuzzers/*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  corpus=build/sanitize/fuzz-corpus/$name
  mkdir -p "$corpus"
  seeds=$(find . -path ./build -prune -o -type d -name "${name}_seeds" -print | head -n 1)
  log=build/sanitize/$name.log
  artifacts=build/sanitize/fuzz-artifacts/$name
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  if "$fuzzer" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" ${seeds:+"$seeds"} \
      >"$log" 2>&1; then
    echo "fuzz $name: ok ($(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$') runs)"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED, last lines of $log:"
    tail -n 40 "$log"
    for unit in "$artifacts"/*; do
      [ -f "$unit" ] || continue
      echo "fuzz $name: the input that failed, $(basename "$unit") ($(stat -c %s "$unit") bytes), in base64:"
      base64 -w 0 "$unit"
      echo
    done
    failed=$((failed + 1))
    status=1
  fi
done

echo "== took $(( $(date +%s) - started ))s"
echo "ferry: $passed passed, $failed failed"
exit $status
