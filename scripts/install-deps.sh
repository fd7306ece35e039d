#!/usr/bin/env bash
# Installs every Debian package Ferry needs to build, test and run. Idempotent: packages already
# present are not touched, and apt is only called when something is missing. Run as root on
# Debian 12.
set -euo pipefail

# Build toolchain and the libraries the code links against.
build_packages=(
  build-essential cmake ninja-build ccache mold pkg-config git
  clang libclang-rt-14-dev clang-format
  libboost1.81-all-dev libboost-json1.81-dev
  libyaml-cpp-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
  # The ferry binary's allocator: a record's strings and maps are allocated and freed per record.
  libmimalloc-dev
  # HTTPS listeners of the REST API (OpenSSL), the tests' throwaway certificates, the REST load
  # test (scripts/bench-rest.sh).
  libssl-dev openssl wrk
  # Kafka clients the broker's protocol compatibility tests run against `ferry broker`.
  kcat python3-kafka
  # The worker's Kafka-protocol client (broker/network, embedded.broker.enable=false).
  librdkafka-dev
  # JDBC connectors: SOCI with its PostgreSQL and MySQL back ends and their client libraries.
  libsoci-dev libsoci-postgresql4.0 libsoci-mysql4.0 libpq-dev libmariadb-dev
  # Their db.timezone: the date library's time zones over the system's time zone database.
  libhowardhinnant-date-dev tzdata
  # Servers the JDBC tests start on loopback (scripts/test-databases.sh); never run as services.
  postgresql mariadb-server mariadb-client
)

# Node.js for the KafkaJS compatibility test: Debian's, unless a Node.js with npm is there already
# (a machine may carry a newer one; Debian's npm would conflict with it).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  build_packages+=(nodejs npm)
fi

missing=()
for package in "${build_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#build_packages[@]} packages present"
elif [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
  exit 1
else
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages, installed globally (tests find them under `npm root -g`): the KafkaJS client the
# protocol compatibility test runs (tests/kafkajs).
npm_packages=(kafkajs@2.2.4)
npm_root=$(npm root -g)
for package in "${npm_packages[@]}"; do
  name=${package%@*}
  version=${package##*@}
  installed=$(node -p "require('$npm_root/$name/package.json').version" 2>/dev/null || true)
  if [ "$installed" != "$version" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "install-deps: missing npm package $package; run this script as root" >&2
      exit 1
    fi
    echo "install-deps: installing npm package $package"
    npm install -g --no-audit --no-fund "$package"
  fi
done
