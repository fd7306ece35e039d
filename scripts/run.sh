#!/usr/bin/env bash
# Ferry's main job, from a fresh Debian 12 machine (as root): install what is missing, build, and
# run a standalone worker on the embedded broker with the sample configs, as Kafka's quickstart
# runs connect-standalone: lines appended to test.txt flow through topic connect-test into
# test.sink.txt. Stop it with Ctrl-C (SIGINT) or SIGTERM; it stops cleanly and resumes where it
# was on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/build.sh release ferry ferry_file_connectors

# Something to see at once; append more lines while it runs: echo hello >> test.txt
if [[ ! -e test.txt ]]; then
  printf 'Hello from Ferry\nEvery line of test.txt becomes a record of topic connect-test\n' \
    >test.txt
fi

echo "Running the sample worker: lines of test.txt go to test.sink.txt (Ctrl-C stops it)." >&2
exec build/release/bin/connect-standalone.sh config/connect-standalone.properties \
  config/connect-file-source.properties config/connect-file-sink.properties
