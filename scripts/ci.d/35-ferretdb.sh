#!/usr/bin/env bash
# A real MongoDB-wire server for the DATA_DB store tests: FerretDB v1.24 (from the Go module
# proxy) on its SQLite backend, listening on 127.0.0.1:27017. Tests read IM_TEST_MONGODB_URL
# (default mongodb://127.0.0.1:27017/im_test). Idempotent.
set -euo pipefail

VERSION=v1.24.0
BIN=/usr/local/bin/ferretdb
STATE=/var/lib/ferretdb
LOG=/var/log/ferretdb.log
ADDR=127.0.0.1:27017

listening() { (exec 3<>/dev/tcp/127.0.0.1/27017) 2>/dev/null; }

if ! { [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "${VERSION}"; }; then
  [ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || { echo "Go is needed to build FerretDB" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
  # The module's source lacks the generated build/version/version.txt, which the binary
  # needs at start-up: build from a writable copy with that file written in.
  dir=$(cd "$work" && go mod download -json "github.com/FerretDB/FerretDB@${VERSION}" |
    sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  cp -r "$dir" "$work/src"
  chmod -R u+w "$work/src"
  echo "$VERSION" >"$work/src/build/version/version.txt"
  (cd "$work/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 nice go build -trimpath -o "$BIN" ./cmd/ferretdb)
fi

if ! listening; then
  mkdir -p "$STATE"
  nohup "$BIN" --listen-addr="$ADDR" --handler=sqlite --sqlite-url="file:${STATE}/" \
    --state-dir="$STATE" --telemetry=disable --log-level=warn >"$LOG" 2>&1 &
  for _ in $(seq 1 30); do
    listening && break
    sleep 1
  done
  listening || { echo "FerretDB did not start" >&2; tail -n 30 "$LOG" >&2; exit 1; }
fi
echo "FerretDB ready: mongodb://${ADDR}/im_test"
