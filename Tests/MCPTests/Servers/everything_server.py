"""An MCP server for Switchboard's tests, on the official Python SDK.

Runs under mcp 2.x (MCPServer: speaks the modern 2026-07-28 revision and the handshake ones)
and under mcp<2 (FastMCP: handshake revisions only), over stdio (default) or Streamable HTTP.

    everything_server.py [--http] [--page-size N] [--event-store] [--expire-sessions]

--http            serve Streamable HTTP on 127.0.0.1, on a free port printed as "PORT <n>"
--page-size N     (mcp 2.x) paginate tools/prompts/resources lists, N per page, plus 20
                  generated tools, 12 prompts and 15 resources to page through
--event-store     (HTTP) keep events so a dropped SSE stream can resume with Last-Event-ID
--expire-sessions (HTTP) the tool expire_session makes the next request with the session id get 404
"""

import argparse
import asyncio
import base64
import os
import socket
import sys

try:
    from mcp.server.mcpserver import MCPServer as Server, Context
    from mcp.server.mcpserver.exceptions import ToolError
    SDK = 2
except ImportError:
    from mcp.server.fastmcp import FastMCP as Server, Context
    from mcp.server.fastmcp.exceptions import ToolError
    SDK = 1
import mcp.types as types
from pydantic import BaseModel

parser = argparse.ArgumentParser()
parser.add_argument("--http", action="store_true")
parser.add_argument("--page-size", type=int, default=0)
parser.add_argument("--event-store", action="store_true")
parser.add_argument("--expire-sessions", action="store_true")
parser.add_argument("--name", default="everything")
args = parser.parse_args()

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


class InMemoryEventStore:
    """Keeps every SSE event so a client can resume after a dropped stream."""

    def __init__(self):
        self.events = []  # (event_id, stream_id, message)

    async def store_event(self, stream_id, message):
        event_id = str(len(self.events) + 1)
        self.events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(self, last_event_id, send_callback):
        stream = next((s for (e, s, _) in self.events if e == last_event_id), None)
        if stream is None:
            return None
        after = False
        for event_id, stream_id, message in list(self.events):
            if after and stream_id == stream and message is not None:
                from mcp.server.streamable_http import EventMessage
                await send_callback(EventMessage(message, event_id))
            if event_id == last_event_id:
                after = True
        return stream


server_options = {}
if args.http and args.event_store:
    server_options = {"event_store": InMemoryEventStore(), "retry_interval": 100} if SDK == 1 else {}
mcp = Server(args.name, **server_options)
expire_next = {"armed": False}


async def list_changed(ctx, kind):
    """Tells clients of both eras: the modern subscription bus and the legacy notification."""
    if SDK == 2:
        await getattr(ctx, f"notify_{kind}_changed")()
    try:
        await getattr(ctx.session, f"send_{kind[:-1] if kind != 'resources' else 'resource'}_list_changed")()
    except Exception:
        pass  # a modern stateless request has no session channel for it


@mcp.tool()
def echo(text: str) -> str:
    """Returns the text."""
    return text


@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two whole numbers."""
    return a + b


@mcp.tool()
async def slow(seconds: float, steps: int, ctx: Context) -> str:
    """Reports progress in `steps` steps over `seconds`, then returns."""
    for step in range(steps):
        await ctx.report_progress(step + 1, steps, f"step {step + 1} of {steps}")
        await asyncio.sleep(seconds / max(steps, 1))
    return f"done after {steps} steps"


@mcp.tool()
async def sleep_forever(marker: str) -> str:
    """Never answers; writes 'cancelled' to `marker` when the client cancels it."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        with open(marker, "w") as f:
            f.write("cancelled")
        raise
    return "woke up"


@mcp.tool()
def fail(message: str) -> str:
    """Always fails: the result has isError true."""
    raise ToolError(message)


@mcp.tool()
def crash(code: int = 3) -> str:
    """Exits the server process in the middle of the call."""
    sys.stderr.write("crashing on purpose\n")
    sys.stderr.flush()
    os._exit(code)


@mcp.tool()
def contents() -> list:
    """One item of each content type."""
    return [
        types.TextContent(type="text", text="plain text"),
        types.ImageContent(type="image", data=PNG, mimeType="image/png"),
        types.AudioContent(type="audio", data=base64.b64encode(b"RIFF....WAVE").decode(), mimeType="audio/wav"),
        types.ResourceLink(type="resource_link", uri="memo://hello", name="hello memo", mimeType="text/plain",
                           description="a linked memo"),
        types.EmbeddedResource(type="resource", resource=types.TextResourceContents(
            uri="memo://embedded", mimeType="text/plain", text="embedded text")),
    ]


class Weather(BaseModel):
    city: str
    temperature: float
    sky: str


@mcp.tool()
def weather(city: str) -> Weather:
    """Structured output (structuredContent with an outputSchema)."""
    return Weather(city=city, temperature=21.5, sky="clear")


@mcp.tool()
async def add_tool(name: str, ctx: Context) -> str:
    """Registers a new tool `name` and announces that the tool list changed."""
    def generated() -> str:
        return f"I am {name}"
    mcp.add_tool(generated, name=name, description=f"added at run time: {name}")
    await list_changed(ctx, "tools")
    return f"added {name}"


@mcp.tool()
async def log_something(message: str, ctx: Context) -> str:
    """Sends a log notification and writes a line to stderr."""
    sys.stderr.write(f"stderr says {message}\n")
    sys.stderr.flush()
    await ctx.warning(f"log says {message}")
    return "logged"


@mcp.tool()
async def drop_stream(ctx: Context) -> str:
    """(HTTP with --event-store) Closes the response stream mid-call; the client must resume."""
    await ctx.report_progress(1, 2, "before the drop")
    await ctx.close_sse_stream()
    await asyncio.sleep(0.5)
    await ctx.report_progress(2, 2, "after the drop")
    return "survived the drop"


@mcp.tool()
def expire_session() -> str:
    """(HTTP with --expire-sessions) The next request carrying a session id gets 404."""
    expire_next["armed"] = True
    return "armed"


@mcp.prompt()
def greet(name: str) -> str:
    """A greeting for someone."""
    return f"Please greet {name} warmly."


@mcp.prompt()
def review(code: str, language: str = "python") -> list:
    """Asks for a code review (two messages)."""
    return [
        {"role": "user", "content": f"Review this {language} code:\n{code}"},
        {"role": "assistant", "content": "I will look for bugs first."},
    ]


@mcp.resource("memo://hello", name="hello", description="A short memo", mime_type="text/plain")
def hello_memo() -> str:
    return "Hello from a resource."


@mcp.resource("memo://logo", name="logo", description="A tiny PNG", mime_type="image/png")
def logo() -> bytes:
    return base64.b64decode(PNG)


if args.page_size:
    if SDK != 2:
        sys.exit("--page-size needs mcp 2.x")
    from mcp.server.mcpserver.prompts.base import Prompt

    def constant(text):
        def produce() -> str:
            return text
        return produce

    for index in range(20):
        mcp.add_tool(constant(f"generated {index}"), name=f"gen_tool_{index:02d}", description=f"generated tool {index}")
    for index in range(12):
        mcp.add_prompt(Prompt.from_function(constant(f"prompt {index}"), name=f"gen_prompt_{index:02d}", description=f"generated prompt {index}"))
    for index in range(15):
        mcp.resource(f"gen://{index:02d}", name=f"gen_{index:02d}", mime_type="text/plain")(constant(f"resource {index}"))

    def page(items, params):
        start = int(params.cursor) if params is not None and params.cursor else 0
        end = start + args.page_size
        return items[start:end], (str(end) if end < len(items) else None)

    async def paged_tools(ctx, params):
        items, cursor = page(await mcp.list_tools(), params)
        return types.ListToolsResult(tools=items, nextCursor=cursor)

    async def paged_prompts(ctx, params):
        items, cursor = page(await mcp.list_prompts(), params)
        return types.ListPromptsResult(prompts=items, nextCursor=cursor)

    async def paged_resources(ctx, params):
        items, cursor = page(await mcp.list_resources(), params)
        return types.ListResourcesResult(resources=items, nextCursor=cursor)

    lowlevel = mcp._lowlevel_server
    lowlevel.add_request_handler("tools/list", types.PaginatedRequestParams, paged_tools)
    lowlevel.add_request_handler("prompts/list", types.PaginatedRequestParams, paged_prompts)
    lowlevel.add_request_handler("resources/list", types.PaginatedRequestParams, paged_resources)


def serve_http():
    import uvicorn
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # before the port is announced: a client may connect at once
    if SDK == 2:
        app = mcp.streamable_http_app(event_store=InMemoryEventStore() if args.event_store else None,
                                      retry_interval=100 if args.event_store else None)
    else:
        app = mcp.streamable_http_app()
    if args.expire_sessions:
        app = expiring(app)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))


def expiring(app):
    """ASGI wrapper: after expire_session, the next request with a session id gets 404 once."""
    async def wrapper(scope, receive, send):
        headers = dict(scope.get("headers") or [])
        if scope.get("type") == "http" and expire_next["armed"] and b"mcp-session-id" in headers:
            expire_next["armed"] = False
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Session not found"}}'})
            return
        await app(scope, receive, send)
    return wrapper


if args.http:
    serve_http()
else:
    mcp.run()
