"""A scripted WebSocket client on the `websockets` library (a peer nobody here wrote).

Usage: ws_client.py URL SCRIPT_JSON

SCRIPT_JSON is {"connect": {...}, "steps": [...]}. `connect` may hold "headers" (a dict),
"origin", "max_size". Steps, run in order:
  {"send": VALUE}                 send json.dumps(VALUE) as a text frame
  {"send_text": "..."}            send the string as it is
  {"send_text_bytes": "hex"}      send these bytes as a TEXT frame (e.g. invalid UTF-8)
  {"send_binary": "hex"}          send a binary frame
  {"send_many": VALUE, "count": N, "vary": "request_id"}   N frames, VALUE with request_id suffixed -0, -1, ...
  {"recv": N, "timeout": S}       receive N frames
  {"recv_until": {FIELD: VALUE}, "timeout": S, "count": K}  receive until K frames (default 1) match all pairs
  {"sleep": S}
  {"close": CODE}                 close the connection with CODE (default 1000)
  {"wait_closed": S}              wait up to S seconds for the server to close
  {"open_extra": N}               open N more connections to URL (kept open); report the outcome of each
Every event goes to stdout as one JSON line: {"frame": VALUE} (or {"text": "..."} when not JSON),
{"closed": {"code", "reason"}}, {"connect_failed": {"status" | "error"}}, {"extra": [...]},
{"timeout": STEP_INDEX}, and finally {"done": true}.
"""
import asyncio
import json
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def closed_event(error):
    frame = error.rcvd
    return {"closed": {"code": frame.code if frame else 1006, "reason": frame.reason if frame else ""}}


def matches(frame, pattern):
    return isinstance(frame, dict) and all(frame.get(key) == value for key, value in pattern.items())


async def receive(ws, timeout):
    text = await asyncio.wait_for(ws.recv(), timeout)
    try:
        frame = json.loads(text)
        emit({"frame": frame})
        return frame
    except (ValueError, TypeError):
        emit({"text": text if isinstance(text, str) else text.hex()})
        return None


async def open_connection(url, options):
    kwargs = {"ping_interval": None, "max_size": options.get("max_size", 2 ** 24), "open_timeout": 10}
    if options.get("headers"):
        kwargs["additional_headers"] = options["headers"]
    if options.get("origin"):
        kwargs["origin"] = options["origin"]
    return await connect(url, **kwargs)


async def run(url, script):
    options = script.get("connect", {})
    try:
        ws = await open_connection(url, options)
    except InvalidStatus as error:
        emit({"connect_failed": {"status": error.response.status_code}})
        emit({"done": True})
        return
    except Exception as error:  # refused, reset, timeout
        emit({"connect_failed": {"error": type(error).__name__}})
        emit({"done": True})
        return
    extra = []
    try:
        for index, step in enumerate(script.get("steps", [])):
            timeout = step.get("timeout", 10)
            try:
                if "send" in step:
                    await ws.send(json.dumps(step["send"]))
                elif "send_text" in step:
                    await ws.send(step["send_text"])
                elif "send_text_bytes" in step:
                    await ws.send(bytes.fromhex(step["send_text_bytes"]), text=True)
                elif "send_binary" in step:
                    await ws.send(bytes.fromhex(step["send_binary"]))
                elif "send_many" in step:
                    for n in range(step["count"]):
                        value = dict(step["send_many"])
                        value[step.get("vary", "request_id")] = "%s-%d" % (value.get(step.get("vary", "request_id"), "r"), n)
                        await ws.send(json.dumps(value))
                elif "recv" in step:
                    for _ in range(step["recv"]):
                        await receive(ws, timeout)
                elif "recv_until" in step:
                    wanted, seen = step.get("count", 1), 0
                    while seen < wanted:
                        if matches(await receive(ws, timeout), step["recv_until"]):
                            seen += 1
                elif "sleep" in step:
                    await asyncio.sleep(step["sleep"])
                elif "close" in step:
                    await ws.close(step["close"] or 1000)
                    emit({"closed": {"code": ws.close_code, "reason": ws.close_reason or "", "by": "client"}})
                elif "wait_closed" in step:
                    while True:
                        await receive(ws, step["wait_closed"])
                elif "open_extra" in step:
                    results = []
                    for _ in range(step["open_extra"]):
                        try:
                            extra.append(await open_connection(url, options))
                            results.append({"ok": True})
                        except InvalidStatus as error:
                            results.append({"status": error.response.status_code})
                        except Exception as error:
                            results.append({"error": type(error).__name__})
                    emit({"extra": results})
            except asyncio.TimeoutError:
                emit({"timeout": index})
                break
    except ConnectionClosed as error:
        emit(closed_event(error))
    finally:
        for connection in extra:
            await connection.close()
        await ws.close()
    emit({"done": True})


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], json.loads(sys.argv[2])))
