#!/usr/bin/env bash
# The Kafka protocol benchmark: kcat (librdkafka) producing RECORDS records of 100 bytes to
# `ferry broker` on loopback and consuming them back, beside the broker's in-process
# PartitionLog append and read of the same number of 100-byte records (partition_log_benchmark,
# batch.size 16 KiB) in the same run. The machines are shared and noisy: compare the ratio.
#
#   scripts/bench-kafka.sh [RECORDS]
#
#   RECORDS          records to move (default 10,000,000). Disk: about 4.5 x RECORDS x 100 bytes
#                    in $TMPDIR (the input file, the topic, the consumed copy; then the
#                    benchmark's topic in the broker, its embedded broker's and its raw log).
#   FERRY_BUILD_DIR  the build holding bin/ferry, benchmarks/partition_log_benchmark and
#                    benchmarks/kafka_client_benchmark (default build/release; scripts/build.sh
#                    release ferry partition_log_benchmark kafka_client_benchmark).
#
# Producer: kcat -P with linger.ms=5, batch.size=1000000 and a queue of 1M messages (librdkafka's
# defaults send 16 KiB batches and block early). Consumer: kcat -C -e with queued.min.messages
# 1M: librdkafka 2.0.2 stops fetching for a fixed second whenever its local queue holds
# queued.min.messages (default 100k), which a fast broker reaches at once and which then governs
# the figure. The consumed lines are compared with the input byte for byte.
#
# Then kafka_client_benchmark (broker/network) against the same broker: librdkafka in C++
# producing the same number of 100-byte records (rd_kafka_producev, linger.ms 5, 1 MB batches,
# acks=all) to a new topic and consuming them back (rd_kafka_consume_batch_queue), and in the same
# process and run Ferry's embedded Producer/Consumer (one send() per record) and the raw
# PartitionLog append (16 KiB batches) and read + decode, with the ratios; every record read back
# is checked in each. kcat's own CPU bounds its figures; this one does not parse or print lines.
#
# The script exits non-zero only when a check (or a step) fails, never on a speed figure.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)
records=${1:-10000000}
if ! [[ $records =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [RECORDS]" >&2
  exit 2
fi
build_dir=${FERRY_BUILD_DIR:-$repo/build/release}
ferry=$build_dir/bin/ferry
in_process=$build_dir/benchmarks/partition_log_benchmark
client_benchmark=$build_dir/benchmarks/kafka_client_benchmark
kcat=$(command -v kcat || command -v kafkacat || true)
for need in "$ferry" "$in_process" "$client_benchmark" "$kcat"; do
  if [[ -z $need || ! -x $need ]]; then
    echo "$0: missing ${need:-kcat} (scripts/build.sh release ferry partition_log_benchmark" \
      "kafka_client_benchmark; apt-get install kcat)" >&2
    exit 2
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-kafka.XXXXXX")
broker_pid=
cleanup() {
  if [[ -n $broker_pid ]]; then kill "$broker_pid" 2>/dev/null || true; wait "$broker_pid" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

now() { echo "$EPOCHREALTIME"; }
# CPU seconds (user + system) the broker process has used so far.
broker_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$broker_pid/stat"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.2f s, %.0f records/s", s, n / s }'; }

echo "== $records records of 100 bytes ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
# 100 bytes a record (the newline is kcat's delimiter, not part of the value).
head -n "$records" < <(yes "$(printf 'r%099d' 0)") >"$tmp/input.txt"

echo "== in-process: PartitionLog append and read (partition_log_benchmark, 16 KiB batches)"
"$in_process" --records="$records" --benchmark_filter='^BM_(Append|Read)/.*batch_bytes:16384/' \
  2>"$tmp/in_process.txt" | grep -E '^BM_' | cut -c1-120 || true
grep -E '^  (append|read)/' "$tmp/in_process.txt" | sort -u

cat >"$tmp/server.properties" <<EOF
listeners=PLAINTEXT://127.0.0.1:0
log.dirs=$tmp/data
num.partitions=1
EOF
"$ferry" broker "$tmp/server.properties" 2>"$tmp/broker.log" &
broker_pid=$!
address=
for _ in $(seq 100); do
  address=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$tmp/broker.log" | head -n 1 | cut -d' ' -f3 || true)
  [[ -n $address ]] && break
  sleep 0.1
done
[[ -n $address ]] || { echo "$0: the broker did not start:"; cat "$tmp/broker.log"; exit 1; } >&2

echo "== kcat -P to ferry broker on $address"
cpu_before=$(broker_cpu)
start=$(now)
TIMEFORMAT='kcat CPU: %U s user, %S s system'
time "$kcat" -b "$address" -P -t bench -X linger.ms=5 -X batch.size=1000000 \
  -X queue.buffering.max.messages=1000000 <"$tmp/input.txt"
produce_s=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
echo "produce: $(rate "$records" "$produce_s"); broker CPU $(awk -v a="$cpu_before" \
  -v b="$(broker_cpu)" 'BEGIN { print b - a }') s"

echo "== kcat -C from ferry broker"
cpu_before=$(broker_cpu)
start=$(now)
time "$kcat" -b "$address" -C -t bench -o beginning -e -q -X queued.min.messages=1000000 \
  -X queued.max.messages.kbytes=1048576 >"$tmp/output.txt"
consume_s=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
echo "consume: $(rate "$records" "$consume_s"); broker CPU $(awk -v a="$cpu_before" \
  -v b="$(broker_cpu)" 'BEGIN { print b - a }') s"
if ! cmp -s "$tmp/input.txt" "$tmp/output.txt"; then
  echo "$0: the records consumed differ from those produced" \
    "($(wc -l <"$tmp/output.txt") lines read)" >&2
  exit 1
fi
echo "consumed records equal the input"
rm -f "$tmp/input.txt" "$tmp/output.txt"

echo "== librdkafka (C++) against ferry broker, beside the in-process clients (kafka_client_benchmark)"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
TMPDIR=$tmp "$client_benchmark" --bootstrap-servers="$address" --records="$records" \
  --topic=bench-librdkafka --broker-pid="$broker_pid"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
