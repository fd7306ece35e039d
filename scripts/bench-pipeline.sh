#!/usr/bin/env bash
# The pipeline benchmark: FileStreamSource -> embedded broker -> FileStreamSink in one
# `ferry standalone` worker, measured against `cp` of the same file in the same run (the machines
# are shared and noisy, so only the ratio means anything; docs/performance.md has the figures).
#
#   scripts/bench-pipeline.sh [LINES]
#
#   LINES            lines of 100 bytes to move (first argument, else $LINES, else 10,000,000).
#                    Disk: about 3.7 x LINES x 100 bytes at the peak (source, sink, topic data).
#   FERRY_BUILD_DIR  the build holding bin/ferry and plugins/ (default: build/release of this
#                    repository; a relative path is taken from the current directory).
#   FERRY_BENCH_PERF_DIR  if set, each pipeline run is also recorded with `perf record -g` into
#                    <dir>/<run>.perf.data (attached once both tasks are RUNNING, so only long
#                    runs are caught; perf adds overhead, so their figures are not to be quoted).
#
# Baselines, in the same run and on the same file: cp, cat > file and wc -l. Two pipeline runs,
# one with the sample converters (JsonConverter, schemas.enable=true) and one with
# StringConverter, each on a fresh data directory. Per run it prints the time from launching the
# worker to the sink file holding every line (start-up included), start-up (launch to both tasks
# RUNNING, by the log's millisecond timestamps), the same for a restart on the data the run left,
# and the worker's peak RSS (VmHWM just before SIGTERM). It checks that the worker exits 0 on
# SIGTERM and that the sink file equals the source byte for byte, after the run and after the
# restart; it exits non-zero only when such a check fails, never on a speed figure. The temporary
# directory is kept only when something failed.
set -euo pipefail
# EPOCHREALTIME and awk's number formatting must use '.' as the decimal point.
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)

# LINES is also the terminal height in interactive shells, but they do not export it, so a value
# seen here was set on purpose.
lines=${1:-${LINES:-10000000}}
if ! [[ $lines =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [LINES]   (a positive number of lines, got '$lines')" >&2
  exit 2
fi
line_bytes=100
total_bytes=$((lines * line_bytes))

build_dir=${FERRY_BUILD_DIR:-$repo/build/release}
if [[ ! -x $build_dir/bin/ferry || ! -d $build_dir/plugins ]]; then
  echo "$0: no $build_dir/bin/ferry or $build_dir/plugins;" \
    "build them with: scripts/build.sh release ferry ferry_file_connectors" >&2
  exit 2
fi
build_dir=$(cd "$build_dir" && pwd)  # the worker file needs an absolute plugin.path
ferry=$build_dir/bin/ferry

perf_dir=${FERRY_BENCH_PERF_DIR:-}
if [[ -n $perf_dir ]]; then
  mkdir -p "$perf_dir"
  perf_dir=$(cd "$perf_dir" && pwd)
fi

# Source, copies, sink and topic data all live here, on one filesystem, so cp and the pipeline
# write to the same disk.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-pipeline.XXXXXX")
failed=0
worker_pid=
perf_pid=

cleanup() {
  # An exit status other than 0 (a failed check, or a command that failed under set -e) keeps
  # the directory as well.
  local status=$?
  # Only the processes this script started, by their ids.
  if [[ -n $perf_pid ]] && kill -0 "$perf_pid" 2>/dev/null; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
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
# An interrupted run is not a successful one: keep what it left.
trap 'failed=$((failed + 1)); exit 130' INT TERM

# Counts failures, so a run can tell whether it added one.
fail() {
  echo "FAIL: $*" >&2
  failed=$((failed + 1))
}

# At the peak the directory holds the source, one run's sink and its topic data (each line with
# its record overhead: about 1.7x the line with JSON envelopes): 3.7x the source, 4x to be safe.
needed=$((total_bytes * 4))
available=$(df --output=avail -B1 "$tmp" | tail -n 1 | tr -d ' ')
if ((available < needed)); then
  echo "$0: $tmp has $((available / 1000000)) MB free, the run needs about" \
    "$((needed / 1000000)) MB; pass a smaller LINES" >&2
  exit 2
fi

# A microsecond clock without a fork: bash 5's EPOCHREALTIME with the dot removed.
now_us() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }

# A sleep without a fork, so the polling loops below cost the measured worker nothing: read with
# a timeout from a pipe nobody writes to.
exec {never_fd}<> <(:)
nap() { read -r -t "$1" -u "$never_fd" _ || true; }

echo "ferry pipeline benchmark: $lines lines of $line_bytes bytes ($((total_bytes / 1000000)) MB)," \
  "ferry from $build_dir, work directory $tmp"

# Distinct lines: the line number zero-padded to 99 characters. seq writes 10M of them in about
# 2.5 s, and the file is then in the page cache for everything that reads it.
source_file=$tmp/source.txt
seq -f "%0$((line_bytes - 1)).0f" 1 "$lines" >"$source_file"
if [[ $(stat -c %s "$source_file") != "$total_bytes" ]]; then
  fail "generated $source_file has the wrong size"
  exit 1
fi

# Results, one line per row: name, microseconds, start-up ms, restart ms, peak RSS kB, details.
results=()

# Runs a baseline command three times and keeps the median: each run starts from a removed
# output file and with no dirty pages left to write back (sync, untimed). Debian's cp copies with
# copy_file_range, inside the kernel; cat is the same copy through a process; wc -l only reads.
copy_with_cp() { cp "$source_file" "$tmp/copy.txt"; }
copy_with_cat() { cat "$source_file" >"$tmp/copy.txt"; }
count_lines() { wc -l <"$source_file" >/dev/null; }
baseline() {
  local name=$1 command=$2 times=() start end
  for _ in 1 2 3; do
    rm -f "$tmp/copy.txt"
    sync
    now_us start
    "$command"
    now_us end
    times+=($((end - start)))
  done
  rm -f "$tmp/copy.txt"
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  results+=("$name|$median|-|-|-|runs ${times[*]} us")
}

baseline "cp" copy_with_cp
baseline "cat > file" copy_with_cat
baseline "wc -l" count_lines
if [[ $(wc -l <"$source_file") != "$lines" ]]; then
  fail "wc -l does not count $lines lines in $source_file"
fi

# The first worker log line containing a text: its own timestamp ("[2026-11-25 19:07:37,117]",
# local time like date's) in microseconds since the epoch, or nothing if no line matches.
log_time_us() {
  local log=$1 pattern=$2 stamp
  stamp=$({ grep -m 1 -F -- "$pattern" "$log" || true; } |
    sed -n 's/^\[\([^]]*\),\([0-9]*\)\].*/\1.\2/p')
  if [[ -n $stamp ]]; then date -d "$stamp" +%s%6N; fi
}

# CPU seconds the worker used so far, in total and by its busiest threads (utime + stime of
# /proc/<pid>/task/<tid>/stat, fields 14 and 15), each with its name (a task's id such as
# bench-source-0, producer-sender, ...): CPU time well below the wall time means the pipeline
# waits rather than computes.
clock_ticks=$(getconf CLK_TCK)
thread_cpu() {
  local pid=$1 stat_file stat fields total=0 ticks name per_thread=()
  for stat_file in /proc/"$pid"/task/*/stat; do
    read -r stat <"$stat_file" 2>/dev/null || continue
    # The command name in parentheses may hold spaces: split after its closing parenthesis.
    read -r -a fields <<<"${stat##*) }"
    name=${stat#*(}
    name=${name%)*}
    ticks=$((fields[11] + fields[12]))
    total=$((total + ticks))
    ((ticks > 0)) && per_thread+=("$ticks ${name// /_}")
  done
  printf '%s\n' "${per_thread[@]}" | sort -rn | head -n 4 |
    awk -v total="$total" -v hz="$clock_ticks" '
      { list = list (NR > 1 ? " + " : "") sprintf("%s %.1f", $2, $1 / hz) }
      END { printf "cpu %.1f s (busiest threads %s s)", total / hz, list }'
}

# Starts the worker of a run directory with its stderr in a log; sets worker_pid and the launch
# time in the variable named by $3.
launch_worker() {
  local dir=$1 log=$2
  : >"$log"  # exists before the worker writes, for anyone polling it
  now_us "$3"
  "$ferry" standalone "$dir/worker.properties" "$dir/source.properties" \
    "$dir/sink.properties" 2>"$log" &
  worker_pid=$!
}

# Stops the worker with SIGTERM and waits for it; fails the run unless it exits 0.
stop_worker() {
  local name=$1 log=$2 rc=0
  kill -TERM "$worker_pid" 2>/dev/null || true
  wait "$worker_pid" || rc=$?
  worker_pid=
  if ((rc != 0)); then
    fail "$name: the worker's exit status was $rc, not 0 (log: $log)"
  fi
}

# Waits (polling the log every 5 ms) until both tasks said RUNNING, the worker exited, or 30 s.
await_running() {
  local log=$1 give_up=$((${EPOCHREALTIME/./} + 30000000))
  while (($(grep -c -E 'Task bench-(source|sink)-0 is RUNNING' "$log") < 2)); do
    kill -0 "$worker_pid" 2>/dev/null || return 1
    ((${EPOCHREALTIME/./} < give_up)) || return 1
    nap 0.005
  done
}

# When the later of the two tasks said RUNNING, by the log's clock, or nothing.
running_us() {
  local source_us sink_us
  source_us=$(log_time_us "$1" "Task bench-source-0 is RUNNING")
  sink_us=$(log_time_us "$1" "Task bench-sink-0 is RUNNING")
  if [[ -n $source_us && -n $sink_us ]]; then
    echo $((source_us > sink_us ? source_us : sink_us))
  fi
}

# One pipeline run in its own directory: fresh broker data, offsets and sink, so the topic starts
# empty and the source starts at position 0. Then a restart on the same data: it measures start-up
# with an existing data directory, and checks that a clean stop lost and repeated nothing (the
# source resumes after its committed position, the sink after its group's committed offset).
pipeline() {
  local name=$1 converter=$2 schemas=$3
  local dir=$tmp/$name
  mkdir -p "$dir"
  local sink_file=$dir/sink.txt log=$dir/worker.log samples=$dir/samples.txt
  local failed_before=$failed
  {
    echo "bootstrap.servers=localhost:9092"
    echo "key.converter=$converter"
    echo "value.converter=$converter"
    if [[ -n $schemas ]]; then
      echo "key.converter.schemas.enable=$schemas"
      echo "value.converter.schemas.enable=$schemas"
    fi
    echo "offset.storage.file.filename=$dir/connect.offsets"
    echo "offset.flush.interval.ms=10000"
    echo "plugin.path=$build_dir/plugins"
    echo "log.dirs=$dir/broker"
    # Any free port for the REST API, so a worker already on 8083 (run.sh) does not stop this one.
    echo "listeners=http://127.0.0.1:0"
  } >"$dir/worker.properties"
  printf '%s\n' "name=bench-source" "connector.class=FileStreamSource" "tasks.max=1" \
    "file=$source_file" "topic=bench-lines" >"$dir/source.properties"
  printf '%s\n' "name=bench-sink" "connector.class=FileStreamSink" "tasks.max=1" \
    "file=$sink_file" "topics=bench-lines" >"$dir/sink.properties"

  sync  # no writeback of earlier runs' files during this one
  local start done_at='' stop_start stop_end
  launch_worker "$dir" "$log" start

  if [[ -n $perf_dir ]]; then
    # perf record -p samples the threads that exist when it attaches, not those started later,
    # so attach once both tasks (and so their threads) are running.
    await_running "$log" || true
    perf record -g -o "$perf_dir/$name.perf.data" -p "$worker_pid" 2>"$dir/perf.log" &
    perf_pid=$!
  fi

  # Poll the sink's size every 20 ms (one stat fork each, the only cost this loop adds) until it
  # holds every byte. The sink writes out what each put() received before put() returns, so the
  # size reaches the total without waiting for an offset commit. The worker's RSS at each poll
  # goes to samples.txt (read without a fork), to show growth over the run. A run that does not finish within
  # 60 s + 1 s per 100,000 lines has stalled.
  local deadline=$((start + (60 + lines / 100000) * 1000000)) size=0 now key value
  while :; do
    now_us now
    if ! kill -0 "$worker_pid" 2>/dev/null; then
      fail "$name: the worker exited before the sink was complete (log: $log)"
      break
    fi
    size=$(stat -c %s "$sink_file" 2>/dev/null || echo 0)
    if ((size >= total_bytes)); then
      done_at=$now
      break
    fi
    if ((now > deadline)); then
      fail "$name: the sink holds $size of $total_bytes bytes after $(((now - start) / 1000000)) s"
      break
    fi
    # The worker may exit between kill -0 and this read: the next poll notices.
    while read -r key value _; do
      [[ $key == VmRSS: ]] && echo "$size $value" >>"$samples"
    done 2>/dev/null <"/proc/$worker_pid/status" || true
    nap 0.02
  done

  # VmHWM is the peak resident set over the process's life; read it before stopping, since
  # shutdown may allocate or free.
  local peak_kb="-" cpu_note=""
  if kill -0 "$worker_pid" 2>/dev/null; then
    while read -r key value _; do
      [[ $key == VmHWM: ]] && peak_kb=$value
    done <"/proc/$worker_pid/status"
    cpu_note=$(thread_cpu "$worker_pid")
  fi

  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=
  fi

  now_us stop_start
  [[ -n $worker_pid ]] && stop_worker "$name" "$log"
  now_us stop_end

  if ! cmp -s "$source_file" "$sink_file"; then
    fail "$name: $sink_file differs from $source_file ($(stat -c %s "$sink_file" 2>/dev/null || echo 0) of $total_bytes bytes)"
  fi

  # Start-up from the log's own timestamps: when main() logged its first line, when the broker
  # was open, and when the later of the two tasks said RUNNING.
  local first_us broker_us running_at running_ms="-" note=""
  first_us=$(log_time_us "$log" "starting a standalone worker")
  broker_us=$(log_time_us "$log" "Embedded broker open")
  running_at=$(running_us "$log")
  if [[ -n $first_us && -n $broker_us && -n $running_at ]]; then
    running_ms=$(((running_at - start) / 1000))
    note="first log line at $(((first_us - start) / 1000)) ms, broker open at $(((broker_us - start) / 1000)) ms"
    if [[ -n $done_at ]]; then
      note+=", $(awk -v b="$total_bytes" -v us="$((done_at - running_at))" \
        'BEGIN { printf "%.0f MB/s", b / us }') from RUNNING to the last line"
    fi
  else
    fail "$name: no 'is RUNNING' line for both tasks in $log"
  fi
  note+=", stop $(((stop_end - stop_start) / 1000)) ms"
  [[ -n $cpu_note ]] && note+=", $cpu_note"
  local topic_bytes
  topic_bytes=$(du -sb "$dir/broker" 2>/dev/null | cut -f 1) || topic_bytes=0
  note+=", topic data $topic_bytes B"
  # RSS when the sink held a quarter, half, three quarters of the lines, and at the end.
  if [[ -s $samples ]]; then
    note+=", RSS at 25/50/75/100% of the lines $(awk -v total="$total_bytes" '
      { for (q = 1; q <= 3; q++) if (!(q in at) && $1 >= total * q / 4) at[q] = $2; last = $2 }
      function mb(kb) { return kb == "" ? "-" : sprintf("%.0f", kb / 1024) }
      END { printf "%s/%s/%s/%s MB", mb(at[1]), mb(at[2]), mb(at[3]), mb(last) }
    ' "$samples")"
  fi

  # The restart: start, both tasks RUNNING, a second for anything re-sent to reach the sink,
  # stop; the sink must still equal the source.
  local restart_ms="-"
  if [[ $failed == "$failed_before" ]]; then
    local restart_log=$dir/worker-restart.log restart_start
    launch_worker "$dir" "$restart_log" restart_start
    if await_running "$restart_log"; then
      restart_ms=$((($(running_us "$restart_log") - restart_start) / 1000))
      nap 1
    else
      fail "$name: the restarted worker never had both tasks RUNNING (log: $restart_log)"
    fi
    [[ -n $worker_pid ]] && stop_worker "$name restart" "$restart_log"
    if ! cmp -s "$source_file" "$sink_file"; then
      fail "$name: after a restart $sink_file differs from $source_file ($(stat -c %s "$sink_file") of $total_bytes bytes)"
    fi
  fi

  note=${note#, }
  if [[ -n $done_at ]]; then
    results+=("$name|$((done_at - start))|$running_ms|$restart_ms|$peak_kb|$note")
  else
    results+=("$name|-|$running_ms|$restart_ms|$peak_kb|$note")
  fi

  # Free the disk and page cache for the next run unless this one must be inspected.
  if [[ $failed == 0 ]]; then
    rm -rf "$dir/broker" "$sink_file"
  fi
}

pipeline "ferry json+schemas" org.apache.kafka.connect.json.JsonConverter true
pipeline "ferry string" org.apache.kafka.connect.storage.StringConverter ""

# The table, then each run's details: MB are 10^6 bytes; "x cp" is the run's time over cp's
# median time (10 means ten times slower); start-up is launch to both tasks RUNNING on a fresh
# data directory, restart the same on the data the run left.
printf '%s\n' "${results[@]}" | awk -F '|' -v bytes="$total_bytes" -v lines="$lines" '
  BEGIN {
    printf "\n| run | time s | MB/s | lines/s | x cp | start-up ms | restart ms | peak RSS MB |\n"
    printf "|---|---|---|---|---|---|---|---|\n"
  }
  $1 == "cp" { cp_us = $2 }
  {
    if ($2 == "-") { time = "-"; mbs = "-"; lps = "-"; ratio = "-" }
    else {
      time = sprintf("%.3f", $2 / 1e6)
      mbs = sprintf("%.0f", bytes / $2)
      lps = sprintf("%.2f M", lines / $2)
      ratio = cp_us ? sprintf("%.1f", $2 / cp_us) : "-"
    }
    rss = $5 == "-" ? "-" : sprintf("%.1f", $5 / 1024)
    printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, time, mbs, lps, ratio, $3, $4, rss
    details[NR] = $1 ": " $6
  }
  END { printf "\n"; for (i = 1; i <= NR; i++) print details[i] }'

if [[ $failed != 0 ]]; then
  echo "FAILED: see the messages above" >&2
  exit 1
fi
echo "sink files equal the source in every run"
