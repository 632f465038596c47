#!/usr/bin/env python3
"""Non-streaming POST /sessions/{id}/messages from N concurrent clients (issue 7's benchmark).

Each client is a thread with its own keep-alive connection and its own session (a session runs
one turn at a time, so clients sharing one would only queue), and sends M messages one after
another. Prints one JSON line: clients, requests, errors, requests_per_s, p50_ms, p99_ms.
Usage: messages.py PORT CLIENTS MESSAGES
"""
import http.client
import json
import sys
import threading
import time

port, clients, messages = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
latencies, errors, lock = [], [0], threading.Lock()
start_barrier = threading.Barrier(clients + 1)


def client():
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/sessions", body="{}", headers={"Content-Type": "application/json"})
    session = json.loads(connection.getresponse().read())["session_id"]
    body = json.dumps({"content": "hello", "role": "user"})
    start_barrier.wait()
    mine, failed = [], 0
    for _ in range(messages):
        began = time.perf_counter()
        connection.request("POST", f"/sessions/{session}/messages", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        mine.append(time.perf_counter() - began)
        failed += response.status != 200
    with lock:
        latencies.extend(mine)
        errors[0] += failed


threads = [threading.Thread(target=client) for _ in range(clients)]
for thread in threads:
    thread.start()
start_barrier.wait()
began = time.perf_counter()
for thread in threads:
    thread.join()
elapsed = time.perf_counter() - began
latencies.sort()
percentile = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
print(json.dumps({"clients": clients, "requests": len(latencies), "errors": errors[0],
                  "requests_per_s": round(len(latencies) / elapsed), "p50_ms": round(percentile(0.50), 2),
                  "p99_ms": round(percentile(0.99), 2)}))
