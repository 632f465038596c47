#!/usr/bin/env python3
"""A mock OpenAI-compatible chat-completions server for Switchboard's tests and benchmarks.

It speaks the real wire format (HTTP/1.1 keep-alive, JSON or server-sent events) on 127.0.0.1.
The request's "model" picks the behaviour, with options as a query string:

  mock/text?chunks=20&rate=0&split=0&flush=0   stream `chunks` content deltas ("w0 ", "w1 ", ...) at
                                       `rate` chunks/s (0 = full speed); split>0 writes the bytes in
                                       pieces of that size, so chunks cross arbitrary byte boundaries;
                                       flush>0 (at full speed) coalesces events through a buffer of
                                       that many bytes, written when full and at the end, as a
                                       server's buffered writer does (Go's bufio.Writer: 4096); 0
                                       writes each event at once, so each is its own TCP segment
  mock/tools                           two tool calls, interleaved, arguments in many fragments
  mock/reasoning?field=reasoning       reasoning deltas in `field` (reasoning, reasoning_content,
                                       thinking, reasoning_details), then content
  mock/openrouter                      ": OPENROUTER PROCESSING" comments, usage with cost
  mock/status?code=429&retry_after=1&fail_first=2   answer `code` to the first `fail_first`
                                       requests with this model (every one if absent), then text
  mock/hang                            accept the request and never answer
  mock/drop?after=3                    stream `after` chunks, then drop the connection
  mock/midstream_error?after=2         stream, then a data line {"error": {...}}
  mock/malformed?after=1               stream, then a data line that is not JSON
  mock/agent?tool=NAME&args=JSON&hops=1   like a model using tools: while fewer than `hops` tool
                                       results follow the last user message, call `tool` with `args`
                                       (ids call_<round>_0; `parallel=2` asks for two calls at once);
                                       then answer "result: <the last tool result>" in words
  mock/echo                            answer "echo: <last user message> messages=<count>
                                       system=<first system message>" in words (context checks)

Every stream ends with a usage chunk and [DONE]. "stream": false gets one chat.completion JSON.
GET /_requests returns the requests received (method, path, headers, body, and the client's port,
which tells connections apart); DELETE clears them.
Run: mock_openai.py [--port N]; it prints "PORT <n>" once listening.
"""
import argparse
import asyncio
import json
import signal
import sys
import urllib.parse

requests = []          # what clients sent, for assertions
failures = {}          # model -> how many failures already answered


def parse_model(model):
    name, _, query = (model or "mock/text").partition("?")
    options = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    return name.split("/", 1)[-1], options


def chunk(delta=None, finish=None, usage=None, choices=True):
    body = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0, "model": "mock"}
    body["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish}] if choices else []
    if usage is not None:
        body["usage"] = usage
    return "data: " + json.dumps(body, separators=(",", ":")) + "\n\n"


USAGE = {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18,
         "prompt_tokens_details": {"cached_tokens": 3}}


def words(text):
    """A text as content deltas of one word each (the space kept with the word before it)."""
    pieces = text.split(" ")
    return [chunk({"content": piece + (" " if i + 1 < len(pieces) else "")}) for i, piece in enumerate(pieces)]


def conversation_reply(kind, options, messages):
    """For agent and echo: ("tools", [calls]) or ("text", reply), from the request's messages."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    if kind == "echo":
        system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
        user = messages[last_user].get("content") if last_user >= 0 else ""
        return "text", f"echo: {user} messages={len(messages)} system={system}"
    results = [m for m in messages[last_user + 1:] if m.get("role") == "tool"]
    rounds = len([m for m in messages[last_user + 1:] if m.get("role") == "assistant"])
    if rounds < int(options.get("hops", 1)):
        calls = [{"id": f"call_{rounds}_{n}", "type": "function",
                  "function": {"name": options.get("tool", "calculator"), "arguments": options.get("args", "{}")}}
                 for n in range(int(options.get("parallel", 1)))]
        return "tools", calls
    return "text", "result: " + (results[-1].get("content") or "" if results else "none")


def script(kind, options, messages=()):
    """The SSE lines of a streamed reply, plus what to do after them ("done", "drop", "error"...)."""
    chunks = int(options.get("chunks", 20))
    if kind in ("agent", "echo"):
        what, reply = conversation_reply(kind, options, list(messages))
        if what == "text":
            return words(reply) + [chunk(finish="stop")], "done"
        out = [chunk({"role": "assistant"})]
        for index, call in enumerate(reply):
            arguments = call["function"]["arguments"]
            out.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                              "function": {"name": call["function"]["name"], "arguments": ""}}]}))
            half = len(arguments) // 2  # arguments arrive in fragments, as real providers send them
            for piece in (arguments[:half], arguments[half:]):
                out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        out.append(chunk(finish="tool_calls"))
        return out, "done"
    if kind == "tools":
        fragments = ['{"ci', 'ty": "Pa', 'ris"}']
        out = [chunk({"role": "assistant"})]
        out.append(chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}))
        out.append(chunk({"tool_calls": [{"index": 1, "id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": ""}}]}))
        for piece in fragments:
            out.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
            out.append(chunk({"tool_calls": [{"index": 1, "function": {"arguments": piece.replace("ci", "zo").replace("Pa", "UT").replace("ris", "C")}}]}))
        out.append(chunk(finish="tool_calls"))
        return out, "done"
    if kind == "reasoning":
        field = options.get("field", "reasoning")
        out = []
        for piece in ["Let me ", "think."]:
            if field == "reasoning_details":
                out.append(chunk({"reasoning_details": [{"type": "reasoning.text", "text": piece}]}))
            else:
                out.append(chunk({field: piece}))
        out += [chunk({"content": "Answer."}), chunk(finish="stop")]
        return out, "done"
    if kind == "openrouter":
        out = [": OPENROUTER PROCESSING\n\n", chunk({"role": "assistant", "content": "Hi"}), ": OPENROUTER PROCESSING\n\n",
               chunk({"content": " there"}), chunk(finish="stop")]
        return out, "openrouter-usage"
    after = int(options.get("after", chunks))
    out = [chunk({"content": f"w{i} "}) for i in range(chunks if kind == "text" or kind == "status" else after)]
    if kind in ("text", "status"):
        out.append(chunk(finish="stop"))
        return out, "done"
    return out, {"drop": "drop", "midstream_error": "error", "malformed": "malformed"}.get(kind, "done")


async def write_chunked(writer, text, split, buffer=None):
    """Writes one HTTP chunk per event (per piece with split); with `buffer` (a bytearray), appends
    to it instead, for the caller to write when it holds enough."""
    data = text.encode()
    pieces = [data[i:i + split] for i in range(0, len(data), split)] if split > 0 else [data]
    for piece in pieces:
        framed = b"%x\r\n%s\r\n" % (len(piece), piece)
        if buffer is not None:
            buffer += framed
            continue
        writer.write(framed)
        if split > 0:
            await writer.drain()


async def stream(writer, kind, options, include_usage, messages=()):
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
                 b"transfer-encoding: chunked\r\n\r\n")
    lines, ending = script(kind, options, messages)
    rate = float(options.get("rate", 0))
    split = int(options.get("split", 0))
    flush = int(options.get("flush", 0)) if rate == 0 else 0
    buffer = bytearray() if flush > 0 else None
    for line in lines:
        await write_chunked(writer, line, split, buffer)
        if buffer is not None and len(buffer) >= flush:
            writer.write(bytes(buffer))
            buffer.clear()
        if rate > 0:
            await writer.drain()
            await asyncio.sleep(1 / rate)
        elif writer.transport.get_write_buffer_size() > 65536:
            await writer.drain()
    if buffer:
        writer.write(bytes(buffer))
    if ending == "drop":
        await writer.drain()
        writer.transport.abort()
        return False
    if ending == "error":
        await write_chunked(writer, 'data: {"error":{"code":502,"message":"upstream model failed"},"choices":[{"index":0,"delta":{},"finish_reason":"error"}]}\n\n', split)
    if ending == "malformed":
        await write_chunked(writer, "data: {this is not json\n\n", split)
    if ending == "openrouter-usage":
        await write_chunked(writer, chunk(usage=dict(USAGE, cost=0.00042), choices=False), split)
    elif include_usage and ending == "done":
        await write_chunked(writer, chunk(usage=USAGE, choices=False), split)
    await write_chunked(writer, "data: [DONE]\n\n", split)
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    return True


def completion(kind, options, messages=()):
    message = {"role": "assistant", "content": "w0 w1 w2"}
    if kind in ("agent", "echo"):
        what, reply = conversation_reply(kind, options, list(messages))
        message = {"role": "assistant", "content": reply} if what == "text" else {"role": "assistant", "content": None, "tool_calls": reply}
        return {"id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": "mock",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop" if what == "text" else "tool_calls"}], "usage": USAGE}
    if kind == "tools":
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}
    if kind == "reasoning":
        message = {"role": "assistant", "content": "Answer.", "reasoning": "Let me think."}
    return {"id": "chatcmpl-mock", "object": "chat.completion", "created": 0, "model": "mock",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if kind == "tools" else "stop"}],
            "usage": USAGE}


async def respond_json(writer, status, body, extra=b""):
    data = json.dumps(body).encode()
    reason = {200: b"OK", 401: b"Unauthorized", 404: b"Not Found", 429: b"Too Many Requests", 500: b"Internal Server Error"}.get(status, b"Error")
    writer.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (status, reason, len(data), extra, data))
    await writer.drain()


async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", 0)))
            if path == "/_requests":
                if method == "DELETE":
                    requests.clear()
                    failures.clear()
                await respond_json(writer, 200, requests if method == "GET" else {})
                continue
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                await respond_json(writer, 400, {"error": {"message": "body is not JSON"}})
                continue
            requests.append({"method": method, "path": path, "headers": headers, "body": payload,
                             "client_port": writer.get_extra_info("peername")[1]})
            if not path.endswith("/chat/completions"):
                await respond_json(writer, 404, {"error": {"message": f"no route {path}"}})
                continue
            kind, options = parse_model(payload.get("model"))
            if kind == "status":
                model = payload.get("model")
                limit = int(options.get("fail_first", 10 ** 9))
                if failures.get(model, 0) < limit:
                    failures[model] = failures.get(model, 0) + 1
                    code = int(options.get("code", 500))
                    extra = b"retry-after: %s\r\n" % options["retry_after"].encode() if "retry_after" in options else b""
                    message = f"mock status {code}"
                    if code == 401:  # like a careless server: echo the credentials back (tests check redaction)
                        message = f"invalid key {headers.get('authorization', '')}"
                    await respond_json(writer, code, {"error": {"message": message, "code": code}}, extra)
                    continue
            if kind == "hang":
                await asyncio.sleep(3600)
                return
            if payload.get("stream"):
                include_usage = True
                if not await stream(writer, kind, options, include_usage, payload.get("messages") or []):
                    return
            else:
                await respond_json(writer, 200, completion(kind, options, payload.get("messages") or []))
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    # A parent that spawned us from a thread with signals blocked passes that mask on: undo it,
    # or SIGTERM would never reach us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = await asyncio.start_server(handle, "127.0.0.1", args.port, backlog=4096)
    sys.stdout.write(f"PORT {server.sockets[0].getsockname()[1]}\n")  # one write: readers wait for the newline
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
