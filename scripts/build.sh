#!/usr/bin/env bash
# Configures and builds one flavour of Ferry.
#   scripts/build.sh release   GCC, RelWithDebInfo: bin/ferry, plugins/, tests, benchmarks
#                              -> build/release
#   scripts/build.sh sanitize  Clang with ASan+UBSan: unit tests and libFuzzer targets
#                              -> build/sanitize
#   scripts/build.sh tsan      Clang with ThreadSanitizer: the tests (build the concurrent ones)
#                              -> build/tsan
# Extra arguments are passed to the build tool (e.g. a target name).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
shift || true
jobs=${FERRY_JOBS:-$(nproc)}

case "$flavour" in
  release)
    dir=build/release
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=g++ -DFERRY_BUILD_TESTS=ON -DFERRY_BUILD_BENCHMARKS=ON >/dev/null
    ;;
  sanitize)
    dir=build/sanitize
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DFERRY_SANITIZE=ON -DFERRY_BUILD_FUZZERS=ON \
      -DFERRY_BUILD_TESTS=ON -DFERRY_BUILD_BENCHMARKS=OFF >/dev/null
    ;;
  tsan)
    dir=build/tsan
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DFERRY_TSAN=ON -DFERRY_BUILD_TESTS=ON \
      -DFERRY_BUILD_BENCHMARKS=OFF >/dev/null
    ;;
  *)
    echo "usage: $0 release|sanitize|tsan [targets...]" >&2
    exit 2
    ;;
esac

ninja -C "$dir" -j "$jobs" "$@"
