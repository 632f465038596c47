#!/usr/bin/env bash
# run.sh: the HTTP API under 100 concurrent clients (issue 7; part of `make bench`).
#
# Starts chat-load's mock LLM and a host (SQLite store, OpenAI provider against the mock,
# WebSocket transport serving the HTTP API), then measures with real clients nobody here wrote:
#   GET /health                          ApacheBench (`ab`, apache2-utils), keep-alive, 100 at once
#   POST /sessions/{id}/messages (JSON)  100 Python http.client threads, each with its own session
# and prints requests/s and p50/p99 latency for each. Usage: run.sh [BIN] (the release bin path).
# Environment: CLIENTS (100), HEALTH_REQUESTS (20000), MESSAGES (20 per client), CHUNKS (20).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$(cd "$ROOT" && ${SWIFT:-swift} build -c release --show-bin-path)}
CLIENTS=${CLIENTS:-100} HEALTH_REQUESTS=${HEALTH_REQUESTS:-20000} MESSAGES=${MESSAGES:-20} CHUNKS=${CHUNKS:-20}
command -v ab >/dev/null || { echo "run.sh: ab is missing (apt-get install apache2-utils; make deps does)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/http-bench.XXXXXX")
MOCK_PID="" HOST_PID=""
cleanup() {
    for pid in $HOST_PID $MOCK_PID; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $HOST_PID $MOCK_PID; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
[ -n "${DEBUG:-}" ] && set -x

wait_for() {  # wait_for PATTERN SECONDS FILE
    for _ in $(seq 1 $(( $2 * 20 ))); do grep -q "$1" "$3" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

"$BIN/chat-load" --serve-mock >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!
wait_for '^PORT ' 10 "$WORK/mock.out" || { echo "run.sh: the mock did not start" >&2; exit 1; }
MOCK_PORT=$(awk '/^PORT /{print $2; exit}' "$WORK/mock.out")
mkdir -p "$WORK/plugins"
for lib in SQLiteStore OpenAI WebSocket; do cp -f "$BIN/lib$lib.so" "$WORK/plugins/"; done
cat >"$WORK/plugins.yaml" <<YAML
plugin_dir: plugins
log: {level: info}
plugins:
  SQLiteStore: {required: true, config: {db_path: $WORK/bench.db, synchronous: full}}
  OpenAI: {required: true, config: {base_url: "http://127.0.0.1:$MOCK_PORT/v1", api_key: bench, model: "bench?chunks=$CHUNKS"}}
  WebSocket: {required: true, config: {port: 0, rate_limits: {per_ip: {rps: 0}}}}
active: {store: sqlite, provider: openai, transports: [websocket], tool_sources: []}
YAML
(cd "$WORK" && exec "$BIN/switchboard" run --config plugins.yaml >"$WORK/host.out" 2>"$WORK/host.log") &
HOST_PID=$!
wait_for 'listening on ws://127.0.0.1:' 20 "$WORK/host.log" || { echo "run.sh: the host did not start:" >&2; cat "$WORK/host.log" >&2; exit 1; }
PORT=$(grep -o 'listening on ws://127.0.0.1:[0-9]*' "$WORK/host.log" | grep -o '[0-9]*$')

echo "== HTTP API: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $CLIENTS concurrent clients"
ab -q -k -c "$CLIENTS" -n "$HEALTH_REQUESTS" "http://127.0.0.1:$PORT/health" >"$WORK/ab.txt" 2>&1 || { cat "$WORK/ab.txt" >&2; exit 1; }
rps=$(awk '/Requests per second/{print $4}' "$WORK/ab.txt")
failed=$(awk '/Failed requests/{print $3}' "$WORK/ab.txt")
p50=$(awk '$1=="50%"{print $2}' "$WORK/ab.txt")
p99=$(awk '$1=="99%"{print $2}' "$WORK/ab.txt")
printf 'GET /health                   %6d requests  %5s failed  %8.0f req/s  p50 %s ms  p99 %s ms\n' "$HEALTH_REQUESTS" "$failed" "$rps" "$p50" "$p99"
result=$(python3 "$ROOT/Benchmarks/HTTPLoad/messages.py" "$PORT" "$CLIENTS" "$MESSAGES")
python3 - "$result" "$CHUNKS" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"POST /sessions/{{id}}/messages {r['requests']:6d} requests  {r['errors']:5d} failed  {r['requests_per_s']:8d} req/s  "
      f"p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  (a {sys.argv[2]}-chunk reply each)")
PY
