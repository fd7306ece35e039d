#!/usr/bin/env bash
# Ferry's main job, from a fresh Debian 12 machine (as root): install what is missing, build, and
# run the worker with the sample configs. Until the standalone worker lands (issue 5) this prints
# the version of the build.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh release ferry ferry_file_connectors

ferry=build/release/bin/ferry
"$ferry" version
"$ferry" plugins --plugin-path build/release/plugins
