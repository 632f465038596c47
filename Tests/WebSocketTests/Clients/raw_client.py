"""A deliberately bad WebSocket client on a bare socket (standard library only), for what
well-behaved client libraries will not do.

Usage: raw_client.py HOST PORT PATH MODE [ARG]

  silent FRAME_JSON  upgrade, send FRAME_JSON, then read without ever answering a ping;
                     report the pings seen and how long until the server dropped the connection
  slow FRAME_JSON SECONDS
                     upgrade, send FRAME_JSON, read nothing for SECONDS (the socket receive buffer
                     is kept small), then read everything: report the text frames, their bytes and
                     the close code
  flood FRAME_TEXT COUNT SECONDS
                     like slow, but send FRAME_TEXT COUNT times first (e.g. COUNT bad frames)

Prints one JSON line: {"pings", "texts", "text_bytes", "close_code", "close_reason", "seconds", "eof"}.
"""
import base64
import json
import os
import socket
import struct
import sys
import time


def handshake(sock, host, port, path):
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
    sock.sendall(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(1)
        if not chunk:
            raise SystemExit(json.dumps({"error": "closed during handshake", "response": response.decode(errors="replace")}))
        response += chunk
    if b" 101 " not in response.split(b"\r\n")[0]:
        raise SystemExit(json.dumps({"error": "upgrade refused", "response": response.decode(errors="replace")}))


def send_text(sock, text):
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    elif len(payload) < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(header + mask + masked)


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_frames(sock, report, deadline):
    """Reads server frames until EOF (or a reset), a close frame, or the deadline."""
    try:
        read_frames_until(sock, report, deadline)
    except (ConnectionResetError, BrokenPipeError, TypeError):  # TypeError: the stream ended inside a frame header
        report["eof"] = True
    except socket.timeout:
        pass


def read_frames_until(sock, report, deadline):
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        head = read_exactly(sock, 2)
        if head is None:
            report["eof"] = True
            return
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", read_exactly(sock, 2))[0]
        elif length == 127:
            length = struct.unpack("!Q", read_exactly(sock, 8))[0]
        payload = read_exactly(sock, length) if length else b""
        if payload is None:
            report["eof"] = True
            return
        if opcode == 0x9:
            report["pings"] += 1  # never answered
        elif opcode == 0x1:
            report["texts"] += 1
            report["text_bytes"] += length
        elif opcode == 0x8:
            report["close_code"] = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            report["close_reason"] = payload[2:].decode(errors="replace")
            return


def main():
    host, port, path, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if mode in ("slow", "flood"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, port))
    handshake(sock, host, port, path)
    report = {"pings": 0, "texts": 0, "text_bytes": 0, "close_code": None, "close_reason": "", "eof": False}
    started = time.monotonic()
    try:
        for _ in range(int(sys.argv[6]) if mode == "flood" else 1):
            send_text(sock, sys.argv[5])
    except (BrokenPipeError, ConnectionResetError):
        report["send_failed"] = True  # the server closed while we were still sending
    if mode == "silent":
        read_frames(sock, report, started + 30)
    elif mode in ("slow", "flood"):
        time.sleep(float(sys.argv[6 if mode == "slow" else 7]))
        read_frames(sock, report, time.monotonic() + 20)
    report["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
