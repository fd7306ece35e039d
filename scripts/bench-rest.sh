#!/usr/bin/env bash
# The REST load test (issue 6): a fixed rate of `GET /connectors?expand=status` against a
# `ferry standalone` worker whose FileStreamSource -> embedded broker -> FileStreamSink pipeline
# keeps moving data the whole time, with wrk (Debian's package, scripts/install-deps.sh) as the
# load generator. Figures are in docs/performance.md.
#
#   scripts/bench-rest.sh [SECONDS]
#
#   SECONDS          how long the load runs (first argument, else 30).
#   RATE             requests per second over all connections (default 1000).
#   CONNECTIONS      keep-alive connections wrk holds open (default 10).
#   FERRY_BUILD_DIR  the build holding bin/ferry and plugins/ (default: build/release of this
#                    repository; a relative path is taken from the current directory).
#
# wrk sends as fast as it can unless told otherwise; the Lua script below holds the rate: every
# request takes the next slot of one schedule (a slot each 1/RATE s) and waits for it, so the
# connections together send RATE requests a second whatever the latency (as long as it stays under
# CONNECTIONS/RATE seconds). Latency is wrk's: from writing a request to reading its whole answer.
#
# While the load runs, a writer appends 2,000 lines of 100 bytes to the source file every 100 ms
# (about 20,000 lines/s), so the source and sink tasks work during the whole test. Printed: the
# achieved rate, p50/p99/max latency, errors (socket errors and non-2xx answers), the worker's RSS
# before and after the load and its peak, and the lines the sink received during the load. The
# script exits 1 when there was any error, an answer was not 200, or the pipeline did not move
# data; never on a latency figure. The temporary directory is kept only when something failed.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)

seconds=${1:-30}
rate=${RATE:-1000}
connections=${CONNECTIONS:-10}
for value in "$seconds" "$rate" "$connections"; do
  if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [SECONDS]   (RATE, CONNECTIONS: positive numbers; got '$value')" >&2
    exit 2
  fi
done
if ! command -v wrk >/dev/null; then
  echo "$0: wrk is not installed (scripts/install-deps.sh installs it)" >&2
  exit 77  # ctest's skip code for the smoke test
fi

build_dir=${FERRY_BUILD_DIR:-$repo/build/release}
if [[ ! -x $build_dir/bin/ferry || ! -d $build_dir/plugins ]]; then
  echo "$0: no $build_dir/bin/ferry or $build_dir/plugins;" \
    "build them with: scripts/build.sh release ferry ferry_file_connectors" >&2
  exit 2
fi
build_dir=$(cd "$build_dir" && pwd)
ferry=$build_dir/bin/ferry

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-rest.XXXXXX")
failed=0
worker_pid=
writer_pid=

cleanup() {
  local status=$?
  # Only the processes this script started, by their ids.
  if [[ -n $writer_pid ]] && kill -0 "$writer_pid" 2>/dev/null; then
    kill "$writer_pid" 2>/dev/null || true
    wait "$writer_pid" 2>/dev/null || true
  fi
  if [[ -n $worker_pid ]] && kill -0 "$worker_pid" 2>/dev/null; then
    kill -TERM "$worker_pid" 2>/dev/null || true
    wait "$worker_pid" 2>/dev/null || true
  fi
  if [[ $failed == 0 && $status == 0 ]]; then
    rm -rf "$tmp"
  else
    echo "kept $tmp for inspection" >&2
  fi
}
trap cleanup EXIT
trap 'failed=$((failed + 1)); exit 130' INT TERM

fail() {
  echo "FAIL: $*" >&2
  failed=$((failed + 1))
}

# A sleep without a fork: read with a timeout from a pipe nobody writes to.
exec {never_fd}<> <(:)
nap() { read -r -t "$1" -u "$never_fd" _ || true; }

# The worker's VmRSS, VmHWM (kB) from /proc.
memory_kb() {
  local key value _ rss=- hwm=-
  while read -r key value _; do
    [[ $key == VmRSS: ]] && rss=$value
    [[ $key == VmHWM: ]] && hwm=$value
  done <"/proc/$worker_pid/status"
  echo "$rss $hwm"
}

source_file=$tmp/source.txt
sink_file=$tmp/sink.txt
log=$tmp/worker.log
seq -f "%099.0f" 1 100000 >"$source_file"  # 10 MB to start with
seq -f "%099.0f" 1 2000 >"$tmp/chunk.txt"
{
  echo "bootstrap.servers=localhost:9092"
  echo "key.converter=org.apache.kafka.connect.json.JsonConverter"
  echo "value.converter=org.apache.kafka.connect.json.JsonConverter"
  echo "offset.storage.file.filename=$tmp/connect.offsets"
  echo "offset.flush.interval.ms=10000"
  echo "plugin.path=$build_dir/plugins"
  echo "log.dirs=$tmp/broker"
  echo "listeners=http://127.0.0.1:0"
} >"$tmp/worker.properties"
printf '%s\n' "name=bench-source" "connector.class=FileStreamSource" "tasks.max=1" \
  "file=$source_file" "topic=bench-lines" >"$tmp/source.properties"
printf '%s\n' "name=bench-sink" "connector.class=FileStreamSink" "tasks.max=1" \
  "file=$sink_file" "topics=bench-lines" >"$tmp/sink.properties"

"$ferry" standalone "$tmp/worker.properties" "$tmp/source.properties" "$tmp/sink.properties" \
  2>"$log" &
worker_pid=$!

# The port as bound, from the log; then both tasks RUNNING.
port=
for _ in $(seq 1 600); do
  kill -0 "$worker_pid" 2>/dev/null || break
  port=$(sed -n 's|.*REST server listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
  [[ -n $port ]] && (($(grep -c -E 'Task bench-(source|sink)-0 is RUNNING' "$log") == 2)) && break
  port=
  nap 0.05
done
if [[ -z $port ]]; then
  fail "the worker did not start with both tasks RUNNING within 30 s (log: $log)"
  exit 1
fi
url="http://127.0.0.1:$port/connectors?expand=status"

# Warm-up: the sink has caught up with the first 10 MB, and the endpoint answered once.
for _ in $(seq 1 600); do
  (($(stat -c %s "$sink_file" 2>/dev/null || echo 0) >= 10000000)) && break
  nap 0.05
done
wrk -t1 -c1 -d1s "$url" >/dev/null

# The writer keeps the pipeline busy during the load.
(
  while :; do
    cat "$tmp/chunk.txt" >>"$source_file"
    nap 0.1
  done
) &
writer_pid=$!

cat >"$tmp/fixed_rate.lua" <<EOF
-- Holds $rate requests/s over every connection of this wrk thread: each request takes the next
-- slot of one schedule and delay() waits for it (wrk calls delay() before each request).
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } ferry_timespec;
  int clock_gettime(int clock, ferry_timespec* now);
]]
local now_ts = ffi.new("ferry_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, now_ts)  -- CLOCK_MONOTONIC
  return tonumber(now_ts.tv_sec) * 1000 + tonumber(now_ts.tv_nsec) / 1e6
end
local interval_ms = 1000 / $rate
local next_slot = nil

function delay()
  local now = now_ms()
  if next_slot == nil or next_slot < now - 1000 then next_slot = now end
  local wait = next_slot - now
  next_slot = next_slot + interval_ms
  if wait < 0 then return 0 end
  return math.floor(wait)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    summary.bytes))
end
EOF

read -r rss_before _ < <(memory_kb)
sink_before=$(stat -c %s "$sink_file")
echo "ferry REST load: $rate requests/s of GET /connectors?expand=status for ${seconds} s over" \
  "$connections connections (wrk), worker from $build_dir, pid $worker_pid, port $port"
wrk -t1 -c"$connections" -d"${seconds}s" --timeout 5s --latency -s "$tmp/fixed_rate.lua" "$url" \
  >"$tmp/wrk.txt" 2>&1 || fail "wrk failed: $(cat "$tmp/wrk.txt")"
sink_after=$(stat -c %s "$sink_file")
read -r rss_after hwm_after < <(memory_kb)

kill "$writer_pid" 2>/dev/null || true
wait "$writer_pid" 2>/dev/null || true
writer_pid=

result=$(grep '^RESULT ' "$tmp/wrk.txt" || true)
if [[ -z $result ]]; then
  fail "no result from wrk: $(cat "$tmp/wrk.txt")"
  exit 1
fi
declare -A r
for field in ${result#RESULT }; do r[${field%%=*}]=${field#*=}; done

errors=$((r[errors_connect] + r[errors_read] + r[errors_write] + r[errors_status] + r[errors_timeout]))
moved_lines=$(((sink_after - sink_before) / 100))
awk -v n="${r[requests]}" -v us="${r[duration_us]}" -v p50="${r[p50_us]}" -v p90="${r[p90_us]}" \
  -v p99="${r[p99_us]}" -v max="${r[max_us]}" -v errors="$errors" -v rss0="$rss_before" \
  -v rss1="$rss_after" -v hwm="$hwm_after" -v lines="$moved_lines" -v seconds="$seconds" '
  BEGIN {
    printf "requests %d in %.1f s: %.0f/s achieved\n", n, us / 1e6, n / (us / 1e6)
    printf "latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      p50 / 1000, p90 / 1000, p99 / 1000, max / 1000
    printf "errors %d (socket errors and non-2xx answers)\n", errors
    printf "worker RSS %.1f MB before, %.1f MB after (peak %.1f MB)\n", rss0 / 1024, rss1 / 1024,
      hwm / 1024
    printf "pipeline: the sink received %d lines during the load (%.0f lines/s)\n", lines,
      lines / seconds
  }'
if ((errors != 0)); then
  fail "$errors requests failed"
  cat "$tmp/wrk.txt" >&2
fi
((moved_lines > 0)) || fail "the pipeline moved no data during the load"
if ! kill -TERM "$worker_pid" 2>/dev/null || ! wait "$worker_pid"; then
  fail "the worker did not exit 0 on SIGTERM (log: $log)"
fi
worker_pid=
if [[ $failed != 0 ]]; then
  exit 1
fi
