#!/usr/bin/env bash
# run.sh: the chat-over-WebSocket benchmark (`make bench-chat`, part of `make bench`).
#
# Starts chat-load's mock LLM (--serve-mock), a host (`switchboard run`) configured with the
# SQLite store, the OpenAI provider pointed at the mock and the WebSocket transport, then runs
# the phases below with chat-load and prints a table. Each streaming phase runs the same load
# against the mock directly and through the host, back to back, so "added" is the host's own
# latency on this machine at that moment (it is shared and noisy).
#
#   idle        IDLE idle WebSocket connections held HOLD s (first, on a fresh host: its RSS)
#   1 stream    1 client x 200 turns                (latency without contention)
#   100 streams 100 clients x 20 turns              (throughput: target >= 50,000 chunks/s)
#   1000 streams 1000 clients x 3 turns             (target: no error)
#   CPU busy    the mock directly at 100 streams with one busy loop per core: the scheduler's
#               floor for "added" latency once the machine is saturated
#
# Usage: run.sh [BIN]   (BIN: the release bin path; default `swift build -c release --show-bin-path`)
# Environment: CHUNKS (100), IDLE (10000), HOLD (5), KEEP=1 keeps the temp dir (config, logs, db).
# Raw results (one JSON line per phase) are in $WORK/results.jsonl, printed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$(cd "$ROOT" && ${SWIFT:-swift} build -c release --show-bin-path)}
LOAD=$BIN/chat-load
CHUNKS=${CHUNKS:-100}
IDLE=${IDLE:-10000}
HOLD=${HOLD:-5}

[ -x "$LOAD" ] || { echo "run.sh: $LOAD is missing: build with 'swift build -c release'" >&2; exit 1; }
# 10,000 idle connections need more descriptors than the usual 1024, in chat-load and the host.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE + 1000)) ]; then
    echo "run.sh: ulimit -n is $(ulimit -n): lowering IDLE from $IDLE to $(( $(ulimit -n) - 1000 ))" >&2
    IDLE=$(( $(ulimit -n) - 1000 ))
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/chat-bench.XXXXXX")
MOCK_PID="" HOST_PID="" HOGS=""
cleanup() {
    for pid in $HOGS; do kill "$pid" 2>/dev/null || true; done
    # Only the processes this script started, by their pids; the host gets SIGTERM (a clean
    # shutdown) and a bounded wait before SIGKILL.
    for pid in $HOST_PID $MOCK_PID; do
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "run.sh: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# A signal, or a closed stdout (`run.sh | head`), ends the script through the EXIT trap too.
trap 'exit 130' INT TERM
trap 'exit 141' PIPE

# Waits up to $2 seconds for a line matching $1 in file $3.
wait_for_line() {
    for _ in $(seq $(( $2 * 10 ))); do grep -q "$1" "$3" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

echo "== chat over WebSocket: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $CHUNKS chunks per reply"

# The mock LLM, in its own process so its CPU is counted apart from the clients' and the host's.
"$LOAD" --serve-mock >"$WORK/mock.out" 2>"$WORK/mock.err" &
MOCK_PID=$!
wait_for_line '^PORT ' 10 "$WORK/mock.out" || { echo "run.sh: the mock did not start" >&2; cat "$WORK/mock.err" >&2; exit 1; }
MOCK_PORT=$(awk '/^PORT /{print $2; exit}' "$WORK/mock.out")
MOCK_URL=http://127.0.0.1:$MOCK_PORT/v1

HAVE_HOST=1 missing=""
for lib in SQLiteStore OpenAI WebSocket; do [ -f "$BIN/lib$lib.so" ] || missing="$missing lib$lib.so"; done
if [ -n "$missing" ]; then
    echo "run.sh: not built in $BIN:$missing (the WebSocket transport merged?): the mock-direct phases only" >&2
    HAVE_HOST=0
fi

if [ $HAVE_HOST = 1 ]; then
    mkdir -p "$WORK/plugins"
    for lib in SQLiteStore OpenAI WebSocket; do cp -f "$BIN/lib$lib.so" "$WORK/plugins/"; done
    WS_PORT=$("$LOAD" --free-port)
    # The shape of the repository's plugins.yaml, reduced to what a chat turn over WebSocket needs.
    cat >"$WORK/plugins.yaml" <<EOF
plugin_dir: plugins
log:
  level: warn
plugins:
  SQLiteStore:
    required: true
    config:
      db_path: $WORK/bench.db
      busy_timeout_ms: 5000
      synchronous: full
      persistence: {persist_deltas: true, interval_ms: 200, min_chars: 1024}
  OpenAI:
    required: true
    config:
      base_url: $MOCK_URL
      api_key: bench
      model: bench?chunks=$CHUNKS
  WebSocket:
    required: true
    config:
      host: 127.0.0.1
      port: $WS_PORT
      endpoint: /ws/chat
      max_connections: $((IDLE + 1000))
active:
  store: sqlite
  provider: openai
  transports: [websocket]
  tool_sources: []
EOF
    (cd "$WORK" && exec "$BIN/switchboard" run --config "$WORK/plugins.yaml" >"$WORK/host.log" 2>&1) &
    HOST_PID=$!
    WS_URL=ws://127.0.0.1:$WS_PORT/ws/chat
    # Ready when the transport accepts connections (bash's /dev/tcp: no extra tool needed).
    ready=0
    for _ in $(seq 300); do
        kill -0 "$HOST_PID" 2>/dev/null || break
        if (exec 3<>"/dev/tcp/127.0.0.1/$WS_PORT") 2>/dev/null; then ready=1; break; fi
        sleep 0.1
    done
    if [ $ready = 0 ]; then
        echo "run.sh: the host did not start listening on 127.0.0.1:$WS_PORT; its log:" >&2
        tail -20 "$WORK/host.log" >&2
        exit 1
    fi
    # Warm-up, not reported: first connections to the mock, the database file, lazy allocations.
    "$LOAD" --ws "$WS_URL" --clients 20 --turns 5 --chunks "$CHUNKS" >/dev/null || echo "run.sh: the warm-up had errors" >&2
fi

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
status=0
# phase LABEL ARGS...: one chat-load run; its JSON lines go to the results.
phase() {
    local label=$1
    shift
    "$LOAD" --label "$label" --mock-pid "$MOCK_PID" ${HOST_PID:+--host-pid "$HOST_PID"} --chunks "$CHUNKS" "$@" >>"$RESULTS" || status=1
}

[ $HAVE_HOST = 1 ] && phase idle --ws "$WS_URL" --idle "$IDLE" --hold "$HOLD"
for load in "1 200" "100 20" "1000 3"; do
    set -- $load
    phase "$1" --mock-only --mock-url "$MOCK_URL" --clients "$1" --turns "$2"
    [ $HAVE_HOST = 1 ] && phase "$1" --ws "$WS_URL" --clients "$1" --turns "$2"
done

# The scheduler's floor: the mock directly at 100 streams while one busy loop per core competes
# for the CPU, as any process in the middle does once full-speed streams saturate the machine.
# What this adds to the mock's own time to first chunk is latency no relay can avoid here.
for _ in $(seq "$(nproc)"); do (while :; do :; done) & HOGS="$HOGS $!"; done
phase busy --mock-only --mock-url "$MOCK_URL" --clients 100 --turns 20
kill $HOGS 2>/dev/null; wait $HOGS 2>/dev/null || true
HOGS=""

# The table: flat JSON lines into awk arrays, keyed by phase and label.
awk -v idle_target=200 '
function num(k) { return (k in f) ? f[k] + 0 : -1 }
{
    delete f
    line = $0; gsub(/[{}"]/, "", line)
    n = split(line, kv, ",")
    for (i = 1; i <= n; i++) { split(kv[i], p, ":"); f[p[1]] = p[2] }
    key = f["phase"] "/" f["label"]
    for (k in f) r[key, k] = f[k]
    if (f["phase"] == "mock" || f["phase"] == "ws") labels[f["label"]] = 1
}
function v(key, k) { return ((key, k) in r) ? r[key, k] + 0 : -1 }
function has(key) { return ((key, "phase") in r) }
END {
    printf "\n%-28s %6s %6s %9s %15s %19s %6s %8s %9s %8s %8s\n", "phase", "turns", "errors", "chunks/s", "TTFC p50/p99",
        "completion p50/p99", "host", "host", "host RSS", "mock", "client"
    printf "%-28s %6s %6s %9s %15s %19s %6s %8s %9s %8s %8s\n", "", "", "", "", "ms", "ms", "cores", "us/chunk", "peak MB",
        "us/chunk", "us/chunk"
    order[1] = "1"; order[2] = "100"; order[3] = "1000"
    for (o = 1; o <= 3; o++) {
        l = order[o]
        for (w = 1; w <= 2; w++) {
            key = (w == 1 ? "mock/" : "ws/") l
            if (!has(key)) continue
            name = (w == 1 ? "mock directly, " : "host, ") l " stream" (l == "1" ? "" : "s")
            hostcpu = v(key, "host_cpu_s"); el = v(key, "elapsed_s"); ch = v(key, "relayed_chunks")
            printf "%-28s %6d %6d %9.0f %7.2f/%-7.2f %9.2f/%-9.2f %6s %8s %9s %8.2f %8.2f\n", name, v(key, "turns_done"), v(key, "errors"),
                v(key, "chunks_per_s"), v(key, "ttfc_p50_ms"), v(key, "ttfc_p99_ms"), v(key, "completion_p50_ms"), v(key, "completion_p99_ms"),
                (w == 2 && el > 0 ? sprintf("%.2f", hostcpu / el) : "-"),
                (w == 2 && ch > 0 ? sprintf("%.2f", hostcpu * 1e6 / ch) : "-"),
                (w == 2 ? sprintf("%.1f", v(key, "host_rss_peak_mb")) : "-"),
                (ch > 0 ? v(key, "mock_cpu_s") * 1e6 / ch : 0), (ch > 0 ? v(key, "client_cpu_s") * 1e6 / ch : 0)
        }
        if (l == "100" && has("mock/busy")) {
            k = "mock/busy"
            printf "%-28s %6d %6d %9.0f %7.2f/%-7.2f %9.2f/%-9.2f\n", "mock directly, 100, CPU busy", v(k, "turns_done"), v(k, "errors"),
                v(k, "chunks_per_s"), v(k, "ttfc_p50_ms"), v(k, "ttfc_p99_ms"), v(k, "completion_p50_ms"), v(k, "completion_p99_ms")
        }
        if (has("mock/" l) && has("ws/" l)) {
            m = "mock/" l; h = "ws/" l
            printf "%-28s %6s %6s %9s %7.2f/%-7.2f %9.2f/%-9.2f\n", "  added by the host", "", "", "",
                v(h, "ttfc_p50_ms") - v(m, "ttfc_p50_ms"), v(h, "ttfc_p99_ms") - v(m, "ttfc_p99_ms"),
                v(h, "completion_p50_ms") - v(m, "completion_p50_ms"), v(h, "completion_p99_ms") - v(m, "completion_p99_ms")
        }
    }
    if (has("idle/idle")) {
        k = "idle/idle"
        printf "\nidle: %d of %d connections open (%d errors), opened in %.1f s, held %.1f s; host RSS %.1f MB before, peak %.1f MB (%.1f KB per connection), VmHWM %.1f MB\n",
            v(k, "connected"), v(k, "clients"), v(k, "errors"), v(k, "connect_s"), v(k, "hold_s"), v(k, "host_rss_start_mb"),
            v(k, "host_rss_peak_mb"), v(k, "host_kb_per_connection"), v(k, "host_hwm_mb")
    }
    if (has("ws/100")) {
        printf "\ntargets (2 cores):\n"
        rate = v("ws/100", "chunks_per_s"); added = v("ws/100", "ttfc_p99_ms") - v("mock/100", "ttfc_p99_ms")
        printf "  %-58s %10.0f  %s\n", ">= 50,000 relayed chunks/s at 100 streams", rate, (rate >= 50000 ? "met" : "NOT MET")
        printf "  %-58s %10.2f  %s\n", "<= 2 ms added p99 time to first chunk at 100 streams", added, (added <= 2 ? "met" : "NOT MET")
        if (has("mock/busy")) printf "  %-58s %10.2f\n", "  (what one busy loop per core adds to the mock alone, p99)", v("mock/busy", "ttfc_p99_ms") - v("mock/100", "ttfc_p99_ms")
        if (has("ws/1000")) {
            e = v("ws/1000", "errors"); d = v("ws/1000", "turns_done")
            printf "  %-58s %10d  %s\n", "1,000 concurrent streaming conversations, errors", e, (e == 0 && d > 0) ? "met" : "NOT MET"
        }
        if (has("idle/idle")) {
            rss = v("idle/idle", "host_rss_peak_mb"); ok = (v("idle/idle", "errors") == 0 && v("idle/idle", "connected") >= 10000)
            printf "  %-58s %10.1f  %s\n", "10,000 idle connections in <= 200 MB RSS (MB)", rss, (ok && rss <= idle_target) ? "met" : "NOT MET"
        }
    }
}' "$RESULTS"
echo
echo "raw results (chat-load JSON lines):"
cat "$RESULTS"
exit $status
