#!/usr/bin/env bash
# Throwaway PostgreSQL and MariaDB servers for the JDBC connector tests, on 127.0.0.1, in a
# temporary directory, without systemd. ctest runs `start` as a fixture before the JDBC tests and
# `stop` after them (connectors/jdbc/CMakeLists.txt); a developer can run it by hand as well.
#
#   scripts/test-databases.sh start DIR   starts both servers, writes DIR/databases.env
#   scripts/test-databases.sh stop DIR    stops the servers started for DIR, removes their data
#   scripts/test-databases.sh kill DIR postgres|mariadb     crashes one server (PostgreSQL's
#                                         immediate shutdown, SIGKILL for mariadbd)
#   scripts/test-databases.sh restart DIR postgres|mariadb  starts it again on the same port
#
# DIR/databases.env holds KEY=VALUE lines the tests read:
#   FERRY_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:<port>/ferry?user=ferry&password=ferry
#   FERRY_TEST_MARIADB_URL=jdbc:mariadb://127.0.0.1:<port>/ferry?user=ferry&password=ferry
#   plus the ports, the admin sockets and the data directory.
#
# Ports are free ones picked at start (a random port that nothing listens on, retried if the
# server still fails to bind it), so several build directories can run their tests at the same
# time. The servers are tuned for speed, not durability (fsync off): their data is thrown away.
# A committed transaction still survives a crash of the server process (kill), which the fault
# tests rely on: PostgreSQL keeps synchronous_commit on, MariaDB writes its log at each commit
# (innodb-flush-log-at-trx-commit=2), both without fsync.
#
# The initialised (empty) clusters are kept as templates in DIR/templates, so every start after
# the first copies them instead of running initdb and mariadb-install-db again.
#
# As root, PostgreSQL runs as the 'postgres' user (it refuses root) and MariaDB drops to 'mysql';
# as another user both run as that user. Needs the Debian packages postgresql, mariadb-server
# and mariadb-client (scripts/install-deps.sh).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR, or $0 kill|restart DIR postgres|mariadb" >&2
  exit 2
}
[ $# -eq 2 ] || [ $# -eq 3 ] || usage
action=$1
server=${3:-}
mkdir -p "$2"
dir=$(cd "$2" && pwd)
env_file=$dir/databases.env
user_name=ferry
user_password=ferry

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
as_root=0
[ "$(id -u)" -eq 0 ] && as_root=1

as_postgres() {
  if [ $as_root = 1 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port on 127.0.0.1 that nothing listens on now.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return
    fi
  done
}

value_of() { sed -n "s/^$1=//p" "$env_file" 2>/dev/null | head -n 1; }

stop_servers() {
  [ -f "$env_file" ] || return 0
  local data pid
  data=$(value_of FERRY_TEST_DATA_DIR)
  if [ -n "$data" ] && [ -f "$data/postgres/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$data/postgres" stop -m immediate -w >/dev/null 2>&1 || true
  fi
  if [ -n "$data" ] && [ -f "$data/mariadb/mysqld.pid" ]; then
    pid=$(cat "$data/mariadb/mysqld.pid")
    kill -KILL "$pid" 2>/dev/null || true  # the data is thrown away: no clean shutdown needed
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  case "$data" in
    */ferry-test-databases.*) rm -rf "$data" ;;
  esac
  rm -f "$env_file"
}

# Creates an empty PostgreSQL cluster with the test role and database in $1.
init_postgres() {
  local cluster=$1 port
  mkdir -p "$cluster"
  [ $as_root = 1 ] && chown postgres: "$cluster"
  chmod 700 "$cluster"
  as_postgres "$pg_bin/initdb" -D "$cluster" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1
  port=$(free_port)
  as_postgres "$pg_bin/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w -t 60 start \
    -o "-p $port -c listen_addresses='' -k $cluster -c fsync=off" >/dev/null
  psql -q -h "$cluster" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE $user_name LOGIN PASSWORD '$user_password'" \
    -c "CREATE DATABASE $user_name OWNER $user_name" >/dev/null
  as_postgres "$pg_bin/pg_ctl" -D "$cluster" stop -m fast -w >/dev/null
}

# Creates an empty MariaDB data directory with the test user and database in $1.
init_mariadb() {
  local data=$1 socket=$1/init.sock pid
  mkdir -p "$data"
  local user_option=()
  [ $as_root = 1 ] && user_option=(--user=mysql)
  mariadb-install-db --no-defaults "${user_option[@]}" --datadir="$data" --skip-test-db \
    --auth-root-authentication-method=socket >"$dir/mariadb-install-db.log" 2>&1
  mariadbd --no-defaults "${user_option[@]}" --datadir="$data" --skip-networking \
    --socket="$socket" --pid-file="$data/init.pid" --log-error="$data/init-error.log" \
    --innodb-flush-log-at-trx-commit=0 </dev/null >/dev/null 2>&1 &
  pid=$!
  wait_for_mariadb "$socket" "$pid" "$data/init-error.log"
  mariadb --socket="$socket" -u root -e "
    CREATE DATABASE $user_name;
    CREATE USER '$user_name'@'%' IDENTIFIED BY '$user_password';
    CREATE USER '$user_name'@'localhost' IDENTIFIED BY '$user_password';
    GRANT ALL ON *.* TO '$user_name'@'%';
    GRANT ALL ON *.* TO '$user_name'@'localhost';"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

wait_for_mariadb() {
  local socket=$1 pid=$2 log=$3
  for _ in $(seq 600); do
    mariadb-admin --socket="$socket" -u root ping >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "test-databases: mariadbd exited; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "test-databases: mariadbd did not answer within 30 s; see $log" >&2
  return 1
}

# Starts PostgreSQL on port $2, or on a free port when $2 is empty; prints the port.
start_postgres() {
  local cluster=$1 fixed=${2:-} port attempt
  for attempt in 1 2 3 4 5; do
    port=${fixed:-$(free_port)}
    if as_postgres "$pg_bin/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w -t 60 start \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $cluster -c fsync=off \
          -c full_page_writes=off -c max_connections=200" \
      >/dev/null 2>&1; then
      echo "$port"
      return 0
    fi
  done
  echo "test-databases: PostgreSQL did not start; last lines of $cluster/server.log:" >&2
  tail -n 20 "$cluster/server.log" >&2
  return 1
}

# Starts MariaDB on port $2, or on a free port when $2 is empty; prints the port.
start_mariadb() {
  local data=$1 fixed=${2:-} port pid attempt user_option=()
  [ $as_root = 1 ] && user_option=(--user=mysql)
  for attempt in 1 2 3 4 5; do
    port=${fixed:-$(free_port)}
    setsid mariadbd --no-defaults "${user_option[@]}" --datadir="$data" --port="$port" \
      --bind-address=127.0.0.1 --socket="$data/mysqld.sock" --pid-file="$data/mysqld.pid" \
      --log-error="$data/error.log" --skip-name-resolve --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_general_ci --innodb-flush-log-at-trx-commit=2 \
      --innodb-doublewrite=0 --sync-binlog=0 --max-connections=200 \
      </dev/null >/dev/null 2>&1 &
    pid=$!
    if wait_for_mariadb "$data/mysqld.sock" "$pid" "$data/error.log" 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "test-databases: MariaDB did not start; last lines of $data/error.log:" >&2
  tail -n 20 "$data/error.log" >&2
  return 1
}

start_servers() {
  stop_servers  # a previous run that was interrupted
  local templates=$dir/templates data pg_port my_port
  if [ ! -f "$templates/complete" ]; then
    rm -rf "$templates"
    mkdir -p "$templates"
    # The templates live in DIR, which the 'postgres' user may not be able to enter as root runs
    # it; they are only copied from, as root, so that is fine.
    local scratch
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/ferry-test-databases.XXXXXX")
    chmod 755 "$scratch"
    init_postgres "$scratch/postgres" &
    local pg_init=$!
    init_mariadb "$scratch/mariadb"
    wait "$pg_init"
    cp -a "$scratch/postgres" "$scratch/mariadb" "$templates/"
    rm -rf "$scratch"
    touch "$templates/complete"
  fi
  # The servers' data lives under the temp directory, which both server users can traverse.
  data=$(mktemp -d "${TMPDIR:-/tmp}/ferry-test-databases.XXXXXX")
  chmod 755 "$data"
  cp -a "$templates/postgres" "$templates/mariadb" "$data/"
  rm -f "$data/postgres/postmaster.pid" "$data/mariadb/init.pid" "$data/mariadb/init.sock"
  cat >"$env_file" <<EOF
FERRY_TEST_DATA_DIR=$data
EOF
  pg_port=$(start_postgres "$data/postgres")
  my_port=$(start_mariadb "$data/mariadb")
  cat >"$env_file" <<EOF
FERRY_TEST_DATA_DIR=$data
FERRY_TEST_POSTGRES_PORT=$pg_port
FERRY_TEST_POSTGRES_SOCKET_DIR=$data/postgres
FERRY_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$pg_port/$user_name?user=$user_name&password=$user_password
FERRY_TEST_MARIADB_PORT=$my_port
FERRY_TEST_MARIADB_SOCKET=$data/mariadb/mysqld.sock
FERRY_TEST_MARIADB_URL=jdbc:mariadb://127.0.0.1:$my_port/$user_name?user=$user_name&password=$user_password
EOF
  echo "test-databases: PostgreSQL on 127.0.0.1:$pg_port, MariaDB on 127.0.0.1:$my_port ($data)"
}

kill_server() {
  local data pid
  data=$(value_of FERRY_TEST_DATA_DIR)
  [ -n "$data" ] || { echo "test-databases: nothing started in $dir" >&2; return 1; }
  case "$server" in
    postgres)
      as_postgres "$pg_bin/pg_ctl" -D "$data/postgres" stop -m immediate -w >/dev/null
      ;;
    mariadb)
      pid=$(cat "$data/mariadb/mysqld.pid")
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
      rm -f "$data/mariadb/mysqld.pid"
      ;;
    *) usage ;;
  esac
}

restart_server() {
  local data
  data=$(value_of FERRY_TEST_DATA_DIR)
  [ -n "$data" ] || { echo "test-databases: nothing started in $dir" >&2; return 1; }
  case "$server" in
    postgres) start_postgres "$data/postgres" "$(value_of FERRY_TEST_POSTGRES_PORT)" >/dev/null ;;
    mariadb) start_mariadb "$data/mariadb" "$(value_of FERRY_TEST_MARIADB_PORT)" >/dev/null ;;
    *) usage ;;
  esac
}

case "$action" in
  start) start_servers ;;
  stop) stop_servers ;;
  kill) kill_server ;;
  restart) restart_server ;;
  *) usage ;;
esac
