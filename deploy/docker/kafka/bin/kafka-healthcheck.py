"""Healthy when the broker answers an ApiVersions request on its PLAINTEXT port (no JVM start)."""

from __future__ import annotations

import os
import socket
import struct
import sys


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def main() -> int:
    port = int(os.environ.get("KAFKA_HEALTHCHECK_PORT", "9092"))
    client = b"healthcheck"
    body = struct.pack(">hhih", 18, 0, 7, len(client)) + client  # ApiVersions v0, correlation id 7
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", recv_exact(sock, 4))[0]
            correlation, error = struct.unpack(">ih", recv_exact(sock, size)[:6])
    except OSError as exc:
        sys.stderr.write(f"unhealthy: {exc}\n")
        return 1
    return 0 if correlation == 7 and error == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
