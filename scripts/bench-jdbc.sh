#!/usr/bin/env bash
# The JDBC benchmark: Confluent's JDBC source and sink connectors in a real `ferry standalone`,
# against the databases' own bulk commands on the same rows in the same run (the machines are
# shared and noisy, so only the ratios mean anything; docs/performance.md has the figures).
#
#   scripts/bench-jdbc.sh [ROWS]
#
#   ROWS             rows in the benchmark table (first argument, else 1,000,000).
#   FERRY_BUILD_DIR  the build holding bin/ferry and plugins/jdbc (default: build/release of this
#                    repository; scripts/build.sh release ferry ferry_jdbc_connectors).
#   FERRY_BENCH_JDBC_BATCH_ROWS  the source's batch.max.rows, one run each (default "100 1000":
#                    Confluent's default, and a larger batch), with the JSON converter with
#                    schemas; then one more run with the last of them and schemas.enable=false
#                    (FERRY_BENCH_JDBC_SCHEMALESS=0 skips it): each record then carries its row
#                    alone, not the ~600-byte schema, so it shows the connector's own cost.
#   FERRY_BENCH_JDBC_SINKS       the sink runs (default "postgres mariadb"; "" runs only the
#                    source).
#   FERRY_BENCH_JDBC_MARIADB_SOURCE  1 (the default) also runs the source from MariaDB; 0 skips
#                    it.
#   FERRY_BENCH_JDBC_SINK_TUNED  connector properties, separated by spaces, for a second sink run
#                    into each database after the default one (default "consumer.override.
#                    max.poll.records=5000 consumer.override.max.partition.fetch.bytes=10485760
#                    batch.size=5000": puts of 5,000 records instead of the consumer's default
#                    500, each one transaction; Kafka Connect's tuning for the JDBC sink); ""
#                    skips it.
#   FERRY_BENCH_JDBC_DATABASES   a directory where scripts/test-databases.sh already started the
#                    databases (its databases.env): they are used, not started and stopped, and
#                    the tables get this process's id as a suffix (ctest's smoke run uses the
#                    ferry_databases fixture this way).
#   FERRY_BENCH_PERF_DIR  if set, the worker of each run is recorded with `perf record` into
#                    <dir>/<run>.perf.data (perf adds overhead: do not quote those figures), with
#                    FERRY_BENCH_PERF_ARGS (default -g; e.g. "--call-graph dwarf -F 499").
#
# It starts a throwaway PostgreSQL and MariaDB (scripts/test-databases.sh), fills a PostgreSQL
# table with ROWS rows (id bigserial primary key, an int, a varchar(64) that is NULL in one row of
# ten, a numeric(12,2), a timestamp, a boolean), and then measures:
#
#   source  the JDBC source in mode=incrementing (incrementing.column.name=id, as users run it)
#           from the table into a topic, through the JSON converter with schemas: launch of the
#           worker to the last record's write into the log (once the topic's end offset, kcat
#           -Q, is ROWS: the modification time of its segment file, so the polling adds no
#           latency; the details give how much later the polling saw it). (The REST API's
#           source_record_poll_total says when to start asking kcat; its write total would be
#           late: the worker counts acknowledgements after the task's next poll() returns, and
#           the JDBC task's poll() waits up to a second when no table is due.)
#           Baseline: psql's COPY (SELECT <the connector's query>) TO STDOUT > /dev/null.
#           Then the same from MariaDB (the same rows, loaded with LOAD DATA; schemas.enable=
#           false, batch.max.rows the last of the list): the result streams (mysql_use_result),
#           so the peak RSS shows that a table is not held in memory.
#           Baseline: the mariadb client streaming the connector's query (--quick) > /dev/null.
#   sink    the JDBC sink, insert.mode=upsert, pk.mode=record_value (pk.fields=id), from that
#           topic into an empty PostgreSQL table of the same columns: launch to the sink's
#           sink_record_send_total reaching ROWS and then the table's count(*) (a put() is one
#           transaction, which the sink sends and reads the outcome of at the next put: the
#           last one may still be committing), checked by comparing the whole table with the
#           source.
#           Baseline: COPY table FROM STDIN of the same rows (exported with COPY TO before).
#           Then the same sink again into that table, refilled with every row's quantity
#           changed: every record an update of a key the table holds (the true upsert path; the
#           empty table lets the sink COPY straight into it), beside the same COPY FROM; its end
#           is the topic's last record's row holding the source's quantity again.
#           The same into MariaDB beside LOAD DATA LOCAL INFILE of the same rows.
#
# Baselines run three times each (median shown). The script exits non-zero only when a check
# fails (a record missing or different), never on a speed figure.
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-1000000}
if ! [[ $rows =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [ROWS]   (a positive number of rows, got '$rows')" >&2
  exit 2
fi
build_dir=${FERRY_BUILD_DIR:-$repo/build/release}
if [[ ! -x $build_dir/bin/ferry || ! -d $build_dir/plugins/jdbc ]]; then
  echo "$0: no $build_dir/bin/ferry or $build_dir/plugins/jdbc;" \
    "build them with: scripts/build.sh release ferry ferry_jdbc_connectors" >&2
  exit 2
fi
build_dir=$(cd "$build_dir" && pwd)  # the worker file needs an absolute plugin.path
ferry=$build_dir/bin/ferry
batch_rows_list=${FERRY_BENCH_JDBC_BATCH_ROWS:-100 1000}
sinks=${FERRY_BENCH_JDBC_SINKS-postgres mariadb}
mariadb_source=${FERRY_BENCH_JDBC_MARIADB_SOURCE:-1}
sink_tuned=${FERRY_BENCH_JDBC_SINK_TUNED-consumer.override.max.poll.records=5000 consumer.override.max.partition.fetch.bytes=10485760 batch.size=5000}
# A missing client exits 77, which ctest's smoke run reports as skipped.
for need in psql mariadb kcat curl; do
  command -v "$need" >/dev/null || {
    echo "$0: $need is missing (scripts/install-deps.sh; apt-get install kcat curl)" >&2
    exit 77
  }
done
perf_dir=${FERRY_BENCH_PERF_DIR:-}
if [[ -n $perf_dir ]]; then
  mkdir -p "$perf_dir"
  perf_dir=$(cd "$perf_dir" && pwd)
fi

databases_dir=${FERRY_BENCH_JDBC_DATABASES:-}
suffix=
[[ -n $databases_dir ]] && suffix=_$$
source_table=bench_source$suffix
sink_table=bench_sink$suffix
copy_table=bench_copy$suffix

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-jdbc.XXXXXX")
failed=0
worker_pid=
perf_pid=
databases_started=0

cleanup() {
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
  if [[ $databases_started == 1 ]]; then
    "$repo/scripts/test-databases.sh" stop "$tmp/databases" >/dev/null 2>&1 || true
  elif [[ -n $databases_dir && -n ${psql_cmd+set} ]]; then
    "${psql_cmd[@]}" -c "DROP TABLE IF EXISTS $source_table, $sink_table, $copy_table" \
      >/dev/null 2>&1 || true
    "${mariadb_cmd[@]}" -e "DROP TABLE IF EXISTS $source_table, $sink_table, $copy_table" \
      >/dev/null 2>&1 || true
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

# A microsecond clock without a fork, and a sleep without one.
now_us() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }
exec {never_fd}<> <(:)
nap() { read -r -t "$1" -u "$never_fd" _ || true; }

echo "ferry JDBC benchmark: $rows rows, ferry from $build_dir, work directory $tmp," \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -z $databases_dir ]]; then
  "$repo/scripts/test-databases.sh" start "$tmp/databases" >/dev/null
  databases_started=1
  databases_dir=$tmp/databases
fi
# KEY=VALUE lines whose values hold '&': read, not sourced.
while IFS='=' read -r key value; do
  printf -v "$key" '%s' "$value"
done <"$databases_dir/databases.env"
export PGPASSWORD=ferry
psql_cmd=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$FERRY_TEST_POSTGRES_PORT" -U ferry
  -d ferry)
mariadb_cmd=(mariadb -h 127.0.0.1 -P "$FERRY_TEST_MARIADB_PORT" -u ferry -pferry ferry)

columns="id, quantity, name, price, created_at, active"
# Create statement body (PostgreSQL; MariaDB below).
pg_columns="quantity integer NOT NULL, name varchar(64), price numeric(12,2) NOT NULL,
  created_at timestamp NOT NULL, active boolean NOT NULL"

echo "== creating the $rows-row table ${source_table} in PostgreSQL"
"${psql_cmd[@]}" <<EOF
CREATE TABLE ${source_table} (id bigserial PRIMARY KEY, $pg_columns);
INSERT INTO ${source_table} (quantity, name, price, created_at, active)
  SELECT (i * 7919) % 100000,
         CASE WHEN i % 10 = 0 THEN NULL ELSE 'customer ' || md5(i::text) END,
         ((i * 104729) % 100000000) / 100.0,
         timestamp '2024-01-01' + i * interval '1 second' + (i % 1000) * interval '1 millisecond',
         i % 3 = 0
  FROM generate_series(1::bigint, $rows) AS i;
CREATE TABLE ${sink_table} (id bigint PRIMARY KEY, $pg_columns);
CREATE TABLE ${copy_table} (id bigint PRIMARY KEY, $pg_columns);
VACUUM ANALYZE ${source_table};
EOF
echo "table size: $("${psql_cmd[@]}" -Atc "SELECT pg_size_pretty(pg_total_relation_size('${source_table}'))")"

# The rows as COPY's text format, for the COPY FROM baseline, and with booleans as 0/1 for
# MariaDB's LOAD DATA (both read \N as NULL and tab-separated fields by default).
"${psql_cmd[@]}" -c "COPY (SELECT $columns FROM ${source_table} ORDER BY id) TO STDOUT" \
  >"$tmp/rows.tsv"
"${psql_cmd[@]}" -c "COPY (SELECT id, quantity, name, price, created_at, active::int
  FROM ${source_table} ORDER BY id) TO STDOUT" >"$tmp/rows-mariadb.tsv"

# MariaDB's columns (the sinks' tables and the MariaDB source's).
my_columns="quantity int NOT NULL, name varchar(64), price decimal(12,2) NOT NULL,
  created_at datetime(3) NOT NULL, active boolean NOT NULL"

# Results, one line each: name|microseconds|baseline name|details.
results=()

# Runs a baseline three times (setup untimed before each run), keeps the median.
baseline() {
  local name=$1 setup=$2 command=$3 times=() start end median
  for _ in 1 2 3; do
    "$setup"
    now_us start
    "$command"
    now_us end
    times+=($((end - start)))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  results+=("$name|$median|-|runs ${times[*]} us")
}

no_setup() { :; }
# The connector's own query (mode=incrementing from the start), as COPY's text output.
copy_to() {
  "${psql_cmd[@]}" -c "COPY (SELECT $columns FROM ${source_table} WHERE id > -1 ORDER BY id ASC)
    TO STDOUT" >/dev/null
}
# CHECKPOINT needs the admin (the socket, trusted): no earlier writes left to flush in a run.
checkpoint() {
  psql -X -q -h "$FERRY_TEST_POSTGRES_SOCKET_DIR" -p "$FERRY_TEST_POSTGRES_PORT" -U postgres \
    -d ferry -c CHECKPOINT
}
truncate_copy() {
  "${psql_cmd[@]}" -c "TRUNCATE ${copy_table}"
  checkpoint
}
copy_from() { "${psql_cmd[@]}" -c "COPY ${copy_table} FROM STDIN" <"$tmp/rows.tsv"; }

# The MariaDB source's query, streamed by the client as the connector streams it.
mariadb_select() {
  "${mariadb_cmd[@]}" --quick -B -e "SELECT $columns FROM ${source_table} WHERE id > -1
    ORDER BY id ASC" >/dev/null
}

# Has MariaDB write out what the load left in its buffer pool (InnoDB would do it over the next
# minutes, beside the runs): innodb_max_dirty_pages_pct 0 until no dirty page is left (30 s at
# most), then the setting as it was.
await_mariadb_flushed() {
  local pct give_up dirty
  pct=$("${mariadb_cmd[@]}" -N -B -e "SELECT @@GLOBAL.innodb_max_dirty_pages_pct")
  "${mariadb_cmd[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  give_up=$((${EPOCHREALTIME/./} + 30000000))
  while ((${EPOCHREALTIME/./} < give_up)); do
    dirty=$("${mariadb_cmd[@]}" -N -B -e "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" |
      awk '{ print $2 }')
    [[ $dirty == 0 ]] && break
    nap 0.2
  done
  "${mariadb_cmd[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = $pct"
}

echo "== baselines: COPY TO, COPY FROM"
baseline "COPY TO (psql > /dev/null)" no_setup copy_to
baseline "COPY FROM (psql < file)" truncate_copy copy_from

# CPU seconds (user + system) of a process so far.
clock_ticks=$(getconf CLK_TCK)
cpu_seconds() {
  local stat fields
  read -r stat <"/proc/$1/stat" || return 0
  read -r -a fields <<<"${stat##*) }"
  awk -v t="$((fields[11] + fields[12]))" -v hz="$clock_ticks" 'BEGIN { printf "%.2f", t / hz }'
}

# The CPU seconds of the worker's busiest threads with their names, as ", threads name a + name b s".
thread_cpu() {
  local task stat fields name list=()
  for task in /proc/"$worker_pid"/task/*/stat; do
    read -r stat <"$task" 2>/dev/null || continue
    read -r -a fields <<<"${stat##*) }"
    name=${stat#*(}
    name=${name%)*}
    list+=("$((fields[11] + fields[12])) ${name// /_}")
  done
  printf '%s\n' "${list[@]}" | sort -rn | head -n 4 |
    awk -v hz="$clock_ticks" '{ s = s (NR > 1 ? " + " : "") sprintf("%s %.2f", $2, $1 / hz) }
      END { if (s != "") printf ", threads %s s", s }'
}

# The first match of an extended regex's group in a log, waiting up to 30 s for it to appear.
await_log() {
  local log=$1 pattern=$2 give_up=$((${EPOCHREALTIME/./} + 30000000)) found
  while :; do
    found=$(sed -n -E "s|.*$pattern.*|\\1|p" "$log" | head -n 1)
    if [[ -n $found ]]; then
      echo "$found"
      return 0
    fi
    kill -0 "$worker_pid" 2>/dev/null || return 1
    ((${EPOCHREALTIME/./} < give_up)) || return 1
    nap 0.01
  done
}

# A counter of the worker's /metrics for a connector's task 0, or 0.
metric() {
  curl -s --max-time 5 "$rest_url/metrics" |
    awk -v name="$1" -v connector="$2" '
      index($0, name "{") == 1 && index($0, "connector=\"" connector "\"") { value = $2 }
      END { printf "%d", value + 0 }'
}

# Writes the worker file of a run directory: the embedded broker on a free port, its data in
# $tmp/broker (shared by the runs, so the sinks read the topic the first source run wrote).
worker_properties() {
  local dir=$1 schemas=${2:-true}
  cat >"$dir/worker.properties" <<EOF
bootstrap.servers=127.0.0.1:0
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=$schemas
value.converter.schemas.enable=$schemas
offset.storage.file.filename=$dir/connect.offsets
offset.flush.interval.ms=10000
plugin.path=$build_dir/plugins
log.dirs=$tmp/broker
listeners=http://127.0.0.1:0
EOF
}

# Launches the worker of a run directory with one connector file and waits until the REST API
# and the Kafka listener are up; sets worker_pid, rest_url, kafka_address and the launch time in
# the variable named by $3.
launch_worker() {
  local dir=$1 connector_file=$2
  : >"$dir/worker.log"
  now_us "$3"
  "$ferry" standalone "$dir/worker.properties" "$connector_file" 2>"$dir/worker.log" &
  worker_pid=$!
  if ! rest_url=$(await_log "$dir/worker.log" 'REST server listening on (http://[0-9.:]+)') ||
    ! kafka_address=$(await_log "$dir/worker.log" 'Kafka protocol listening on ([0-9.:]+)'); then
    fail "$dir: the worker did not start its REST server and Kafka listener; its log ends:"
    tail -n 5 "$dir/worker.log" >&2
    return 1
  fi
  if [[ -n $perf_dir ]]; then
    # shellcheck disable=SC2086  # FERRY_BENCH_PERF_ARGS is a list of arguments
    perf record ${FERRY_BENCH_PERF_ARGS:--g} -o "$perf_dir/$(basename "$dir").perf.data" \
      -p "$worker_pid" 2>"$dir/perf.log" &
    perf_pid=$!
  fi
}

stop_worker() {
  local name=$1 rc=0
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=
  fi
  kill -TERM "$worker_pid" 2>/dev/null || true
  wait "$worker_pid" || rc=$?
  worker_pid=
  ((rc == 0)) || fail "$name: the worker's exit status was $rc, not 0"
}

# The worker's peak resident set (VmHWM) in MB, read before it stops.
peak_mb() {
  awk '$1 == "VmHWM:" { printf "%.0f", $2 / 1024 }' "/proc/$worker_pid/status" 2>/dev/null || true
}

# Polls a metric every 50 ms until it reaches $rows; sets done_at (empty on a stall or exit).
# A run that does not finish within 60 s + 1 s per 10,000 rows has stalled.
await_metric() {
  local name=$1 metric_name=$2 connector=$3 start=$4 now count=0
  local deadline=$((start + (60 + rows / 10000) * 1000000))
  done_at=
  while :; do
    now_us now
    if ! kill -0 "$worker_pid" 2>/dev/null; then
      fail "$name: the worker exited after $count records"
      return
    fi
    count=$(metric "$metric_name" "$connector")
    if ((count >= rows)); then
      now_us done_at
      return
    fi
    if ((now > deadline)); then
      fail "$name: $count of $rows records after $(((now - start) / 1000000)) s"
      return
    fi
    nap 0.05
  done
}

# Launch to the later task's "is RUNNING" by the log's millisecond timestamps.
running_ms() {
  local stamp
  stamp=$(grep -m 1 -E "Task $2-0 is RUNNING" "$1" | sed -n 's/^\[\([^]]*\),\([0-9]*\)\].*/\1.\2/p')
  [[ -n $stamp ]] && echo $((($(date -d "$stamp" +%s%6N) - $3) / 1000))
}

topic=bench-${source_table}
topic_written=0

# One source run: a fresh broker data directory (the topic starts empty) unless the topic the
# sinks read already exists, in which case the records go to a topic of their own. $3: the
# database (postgres, the default, or mariadb).
source_run() {
  local batch_rows=$1 schemas=$2 database=${3:-postgres}
  local name="source batch.max.rows=$batch_rows" dir=$tmp/source-$batch_rows-$schemas-$database
  local prefix=bench- url=$FERRY_TEST_POSTGRES_URL baseline_name="COPY TO (psql > /dev/null)"
  [[ $schemas == false ]] && name+=" schemas.enable=false"
  mkdir -p "$dir"
  worker_properties "$dir" "$schemas"
  ((topic_written)) && prefix=bench$batch_rows$schemas-
  if [[ $database == mariadb ]]; then
    name="MariaDB $name"
    prefix=bench-mariadb-
    url=$FERRY_TEST_MARIADB_URL
    baseline_name="SELECT (mariadb --quick > /dev/null)"
  fi
  cat >"$dir/source.properties" <<EOF
name=bench-source
connector.class=io.confluent.connect.jdbc.JdbcSourceConnector
tasks.max=1
connection.url=$url
mode=incrementing
incrementing.column.name=id
table.whitelist=${source_table}
topic.prefix=$prefix
batch.max.rows=$batch_rows
EOF
  local start cpu end_offset=
  launch_worker "$dir" "$dir/source.properties" start || return 0
  await_metric "$name" kafka_connect_source_task_source_record_poll_total bench-source "$start"
  local seen_at= written_at=
  if [[ -n $done_at ]]; then
    # Every record was polled: now ask the broker (every 20 ms, up to 60 s) until all are in.
    done_at=
    local give_up=$((${EPOCHREALTIME/./} + 60000000))
    while ((${EPOCHREALTIME/./} < give_up)); do
      end_offset=$(kcat -b "$kafka_address" -Q -t "${prefix}${source_table}:0:-1" 2>/dev/null |
        awk '{ print $NF }')
      if [[ $end_offset == "$rows" ]]; then
        now_us seen_at
        break
      fi
      nap 0.02
    done
    [[ -n $seen_at ]] || fail "$name: the topic's end offset is '$end_offset', not $rows"
  fi
  if [[ -n $seen_at ]]; then
    # The run ends when the last record reached the log: the modification time of the
    # partition's newest segment file (the broker writes nothing else into it), so the polling
    # above adds no latency to the figure (the kernel stamps it to a clock tick, a few ms).
    # Kept within [start, seen_at] for safety.
    written_at=$(stat -c '%.6Y' "$tmp/broker/${prefix}${source_table}-0"/*.log 2>/dev/null |
      sort -n | tail -n 1 | tr -d .)
    done_at=$seen_at
    [[ $written_at =~ ^[0-9]+$ ]] && ((written_at > start && written_at <= seen_at)) &&
      done_at=$written_at
  fi
  cpu=$(cpu_seconds "$worker_pid")
  local peak running topic_bytes threads
  threads=$(thread_cpu)
  peak=$(peak_mb)
  running=$(running_ms "$dir/worker.log" bench-source "$start" || true)
  stop_worker "$name"
  topic_bytes=$(du -sb "$tmp/broker/${prefix}${source_table}-0" 2>/dev/null | cut -f 1) || topic_bytes=0
  if [[ -n $done_at ]]; then
    results+=("$name|$((done_at - start))|$baseline_name|launch to RUNNING ${running:-?} ms, worker CPU $cpu s$threads, peak RSS ${peak:-?} MB, topic data $((topic_bytes / 1000000)) MB, seen $(((seen_at - done_at) / 1000)) ms after the last write")
  fi
  topic_written=1
}

# One sink run from the topic into $2 (postgres or mariadb), into the sink table there; $3:
# more connector properties, separated by spaces; $4 and $5: await_sink_rows's query and count.
sink_run() {
  local name=$1 database=$2 extra=${3:-} url dir=$tmp/$1
  mkdir -p "$dir"
  worker_properties "$dir"
  url=$FERRY_TEST_POSTGRES_URL
  [[ $database == mariadb ]] && url=$FERRY_TEST_MARIADB_URL
  cat >"$dir/sink.properties" <<EOF
name=$name
connector.class=io.confluent.connect.jdbc.JdbcSinkConnector
tasks.max=1
topics=$topic
connection.url=$url
table.name.format=${sink_table}
insert.mode=upsert
pk.mode=record_value
pk.fields=id
EOF
  # shellcheck disable=SC2086  # a list of properties
  [[ -n $extra ]] && printf '%s\n' $extra >>"$dir/sink.properties"
  local start cpu
  launch_worker "$dir" "$dir/sink.properties" start || return 0
  await_metric "$name" kafka_connect_sink_task_sink_record_send_total "$name" "$start"
  await_sink_rows "$database" "${@:4}"
  cpu=$(cpu_seconds "$worker_pid")
  local running peak
  peak=$(peak_mb)
  running=$(running_ms "$dir/worker.log" "$name" "$start" || true)
  stop_worker "$name"
  local baseline_name="COPY FROM (psql < file)"
  [[ $database == mariadb ]] && baseline_name="LOAD DATA LOCAL INFILE"
  if [[ -n $done_at ]]; then
    results+=("$name|$((done_at - start))|$baseline_name|launch to RUNNING ${running:-?} ms, worker CPU $cpu s, peak RSS ${peak:-?} MB${extra:+, $extra}")
  fi
}

# After the sink's last put(): polls the sink table's count(*) (or the query $2) until it is $rows
# (or $3); done_at becomes the start of the first count that saw them all (empty if none did
# within 10 s).
await_sink_rows() {
  local database=$1 sql=${2:-SELECT count(*) FROM ${sink_table}} want=${3:-$rows} count asked _
  [[ -n $done_at ]] || return 0
  for _ in $(seq 200); do
    now_us asked
    if [[ $database == mariadb ]]; then
      count=$("${mariadb_cmd[@]}" -Nse "$sql")
    else
      count=$("${psql_cmd[@]}" -Atc "$sql")
    fi
    if ((count >= want)); then
      done_at=$asked
      return
    fi
    nap 0.05
  done
  fail "$database: ${sink_table} holds $count of $rows rows 10 s after the last put"
  done_at=
}

# A sink run's checks: the row count, and every row equal to the source's.
check_postgres_sink() {
  local name=$1 count different
  count=$("${psql_cmd[@]}" -Atc "SELECT count(*) FROM ${sink_table}")
  [[ $count == "$rows" ]] || fail "$name: ${sink_table} holds $count rows, not $rows"
  different=$("${psql_cmd[@]}" -Atc "SELECT count(*) FROM (SELECT $columns FROM ${source_table}
    EXCEPT SELECT $columns FROM ${sink_table}) AS d")
  [[ $different == 0 ]] || fail "$name: $different rows of ${source_table} differ in ${sink_table}"
}
check_mariadb_sink() {
  local name=$1 count different
  count=$("${mariadb_cmd[@]}" -Nse "SELECT count(*) FROM ${sink_table}")
  [[ $count == "$rows" ]] || fail "$name: ${sink_table} holds $count rows, not $rows"
  different=$("${mariadb_cmd[@]}" -Nse "SELECT count(*) FROM ${copy_table} c LEFT JOIN ${sink_table} s
    ON s.id = c.id AND s.quantity = c.quantity AND s.name <=> c.name AND s.price = c.price
    AND s.created_at = c.created_at AND s.active = c.active WHERE s.id IS NULL")
  [[ $different == 0 ]] || fail "$name: $different rows differ from LOAD DATA's"
}

# A first start of the worker creates the broker's data directory and internal topics (about
# half a second): not part of any run.
mkdir -p "$tmp/warm-up"
worker_properties "$tmp/warm-up"
printf '%s\n' "name=warm-up" "connector.class=io.confluent.connect.jdbc.JdbcSourceConnector" \
  "connection.url=$FERRY_TEST_POSTGRES_URL" "mode=bulk" "table.whitelist=${sink_table}" \
  "topic.prefix=warm-up-" >"$tmp/warm-up/source.properties"
launch_worker "$tmp/warm-up" "$tmp/warm-up/source.properties" warm_up_start
stop_worker "warm-up"

for batch_rows in $batch_rows_list; do
  echo "== source, batch.max.rows=$batch_rows"
  source_run "$batch_rows" true
done
if [[ ${FERRY_BENCH_JDBC_SCHEMALESS:-1} == 1 ]]; then
  echo "== source, batch.max.rows=$batch_rows, schemas.enable=false"
  source_run "$batch_rows" false
fi
if [[ $mariadb_source == 1 ]]; then
  # Loaded only now, so that MariaDB's writing it out does not run beside the PostgreSQL runs;
  # its baseline and run come once the server has written it.
  echo "== the same rows in MariaDB's ${source_table}"
  "${mariadb_cmd[@]}" --local-infile=1 -e "CREATE TABLE ${source_table}
      (id bigint PRIMARY KEY, $my_columns);
    LOAD DATA LOCAL INFILE '$tmp/rows-mariadb.tsv' INTO TABLE ${source_table};
    ANALYZE TABLE ${source_table};" >/dev/null
  await_mariadb_flushed
  echo "== baseline: SELECT streamed by the mariadb client"
  baseline "SELECT (mariadb --quick > /dev/null)" no_setup mariadb_select
  echo "== source from MariaDB, batch.max.rows=$batch_rows, schemas.enable=false"
  source_run "$batch_rows" false mariadb
fi

if [[ " $sinks " == *" postgres "* ]]; then
  echo "== sink into PostgreSQL"
  checkpoint
  sink_run bench-sink-postgres postgres
  check_postgres_sink "PostgreSQL sink"
  echo "== sink into PostgreSQL, every record an update (the table holds every key)"
  # Every row differs from its record in quantity, so the run's end shows: the last record's
  # row (the topic's last, the highest id) holding the source's quantity again.
  "${psql_cmd[@]}" -c "TRUNCATE ${sink_table}" \
    -c "INSERT INTO ${sink_table} SELECT id, quantity + 1, name, price, created_at, active
        FROM ${source_table}" -c "VACUUM ANALYZE ${sink_table}" >/dev/null
  checkpoint
  sink_run bench-sink-postgres-update postgres "" "SELECT count(*) FROM ${sink_table} s
    JOIN ${source_table} t USING (id, quantity) WHERE id = (SELECT max(id) FROM ${source_table})" 1
  check_postgres_sink "PostgreSQL sink, updates"
  if [[ -n $sink_tuned ]]; then
    echo "== sink into PostgreSQL: $sink_tuned"
    "${psql_cmd[@]}" -c "TRUNCATE ${sink_table}"
    checkpoint
    sink_run bench-sink-postgres-tuned postgres "$sink_tuned"
    check_postgres_sink "PostgreSQL sink, tuned"
  fi
fi

if [[ " $sinks " == *" mariadb "* ]]; then
  echo "== sink into MariaDB, baseline LOAD DATA LOCAL INFILE"
  "${mariadb_cmd[@]}" -e "CREATE TABLE ${sink_table} (id bigint PRIMARY KEY, $my_columns);
    CREATE TABLE ${copy_table} (id bigint PRIMARY KEY, $my_columns);"
  truncate_mariadb() { "${mariadb_cmd[@]}" -e "TRUNCATE ${copy_table}"; }
  load_data() {
    "${mariadb_cmd[@]}" --local-infile=1 \
      -e "LOAD DATA LOCAL INFILE '$tmp/rows-mariadb.tsv' INTO TABLE ${copy_table}"
  }
  baseline "LOAD DATA LOCAL INFILE" truncate_mariadb load_data
  sink_run bench-sink-mariadb mariadb
  check_mariadb_sink "MariaDB sink"
  if [[ -n $sink_tuned ]]; then
    echo "== sink into MariaDB: $sink_tuned"
    "${mariadb_cmd[@]}" -e "TRUNCATE ${sink_table}"
    sink_run bench-sink-mariadb-tuned mariadb "$sink_tuned"
    check_mariadb_sink "MariaDB sink, tuned"
  fi
fi

# The table: time, rows/s, and the ratio to the baseline named on the line (median of three).
printf '%s\n' "${results[@]}" | awk -F '|' -v rows="$rows" '
  BEGIN {
    printf "\n| run | time s | rows/s | baseline | x baseline |\n|---|---|---|---|---|\n"
  }
  $3 == "-" { base[$1] = $2 }
  {
    ratio = ($3 != "-" && base[$3]) ? sprintf("%.2f", $2 / base[$3]) : "-"
    printf "| %s | %.3f | %.0f k | %s | %s |\n", $1, $2 / 1e6, rows / $2 * 1e3, $3, ratio
    details[NR] = $1 ": " $4
  }
  END { printf "\n"; for (i = 1; i <= NR; i++) print details[i] }'

if [[ $failed != 0 ]]; then
  echo "FAILED: see the messages above" >&2
  exit 1
fi
echo "every record checked: topic end offsets, sink row counts and contents equal the source"
