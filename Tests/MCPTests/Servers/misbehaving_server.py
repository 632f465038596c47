"""A minimal stdio MCP server without the SDK (it starts in milliseconds), with switches that
make it misbehave the ways real servers do. Speaks both eras: answers server/discover
(2026-07-28) unless --legacy-only, and initialize.

    misbehaving_server.py [--legacy-only] [--garbage] [--hang-after N] [--cancel-log FILE]
                          [--banner TEXT] [--exit-at-start CODE] [--count-starts FILE] [--stubborn]

Tools: echo(text), env() -> the environment as JSON, never() -> no answer at all,
exit(code) -> the process exits mid-call, spam_stderr(lines).
--garbage        print non-JSON lines around every answer, and one 20 MB line first
--hang-after N   stop answering anything (ping included) after N requests
--cancel-log F   append each notifications/cancelled requestId to F
--exit-at-start  exit with CODE before reading anything (a server that cannot start)
--count-starts F append a line to F at every start (to count restarts)
--stubborn       ignore SIGTERM and the end of stdin (only SIGKILL stops it)
"""

import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--legacy-only", action="store_true")
parser.add_argument("--garbage", action="store_true")
parser.add_argument("--hang-after", type=int, default=-1)
parser.add_argument("--cancel-log")
parser.add_argument("--banner")
parser.add_argument("--exit-at-start", type=int)
parser.add_argument("--count-starts")
parser.add_argument("--stubborn", action="store_true")
args = parser.parse_args()

if args.stubborn:  # ignores SIGTERM and the end of stdin: only SIGKILL stops it
    import signal
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

if args.count_starts:
    with open(args.count_starts, "a") as f:
        f.write(f"{os.getpid()}\n")
if args.exit_at_start is not None:
    sys.stderr.write("refusing to start\n")
    sys.exit(args.exit_at_start)

TOOLS = [
    {"name": "echo", "description": "Returns the text", "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
    {"name": "env", "description": "The server's environment", "inputSchema": {"type": "object"}},
    {"name": "never", "description": "Never answers", "inputSchema": {"type": "object"}},
    {"name": "exit", "description": "Exits mid-call", "inputSchema": {"type": "object", "properties": {"code": {"type": "integer"}}}},
    {"name": "spam_stderr", "description": "Writes lines to stderr", "inputSchema": {"type": "object", "properties": {"lines": {"type": "integer"}}}},
]


def send(message):
    if args.garbage:
        sys.stdout.write("this is not JSON\n{\"half\": \n")
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def result(request_id, value):
    send({"jsonrpc": "2.0", "id": request_id, "result": value})


def error(request_id, code, message):
    send({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})


if args.banner:
    sys.stdout.write(args.banner + "\n")
    sys.stdout.flush()
if args.garbage:
    sys.stdout.write("x" * (20 * 1024 * 1024) + "\n")
    sys.stdout.flush()

requests = 0
for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    method, request_id, params = message.get("method"), message.get("id"), message.get("params") or {}
    if method == "notifications/cancelled":
        if args.cancel_log:
            with open(args.cancel_log, "a") as f:
                f.write(f"{params.get('requestId')} {params.get('reason', '')}\n")
        continue
    if request_id is None:
        continue  # other notifications
    requests += 1
    if 0 <= args.hang_after < requests:
        continue  # hung: reads, never answers
    if method == "server/discover":
        if args.legacy_only:
            error(request_id, -32601, "Method not found")
        else:
            result(request_id, {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}},
                                "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "misbehaving", "version": "1"}}})
    elif method == "initialize":
        result(request_id, {"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
                            "serverInfo": {"name": "misbehaving", "version": "1"}})
    elif method == "ping":
        result(request_id, {})
    elif method == "tools/list":
        result(request_id, {"tools": TOOLS})
    elif method == "tools/call":
        name, arguments = params.get("name"), params.get("arguments") or {}
        if name == "echo":
            result(request_id, {"content": [{"type": "text", "text": arguments.get("text", "")}]})
        elif name == "env":
            result(request_id, {"content": [{"type": "text", "text": json.dumps(dict(os.environ))}]})
        elif name == "exit":
            sys.stderr.write("exiting mid-call\n")
            sys.stderr.flush()
            os._exit(arguments.get("code", 5))
        elif name == "spam_stderr":
            for index in range(arguments.get("lines", 3)):
                sys.stderr.write(f"stderr line {index}\n")
            sys.stderr.flush()
            result(request_id, {"content": [{"type": "text", "text": "done"}]})
        elif name == "never":
            pass
        else:
            error(request_id, -32602, f"Unknown tool: {name}")
    else:
        error(request_id, -32601, "Method not found")

if args.stubborn:
    while True:
        time.sleep(1)
