"""Healthy when the store answers a MongoDB `ping` (OP_MSG) on 127.0.0.1:27017 (stdlib only)."""

from __future__ import annotations

import socket
import struct
import sys


def bson_ping() -> bytes:
    # {"ping": 1, "$db": "admin"}
    elements = b"\x10ping\x00" + struct.pack("<i", 1) + b"\x02$db\x00" + struct.pack("<i", 6) + b"admin\x00"
    return struct.pack("<i", 4 + len(elements) + 1) + elements + b"\x00"


def main() -> int:
    body = struct.pack("<I", 0) + b"\x00" + bson_ping()  # flags, section kind 0, document
    header = struct.pack("<iiii", 16 + len(body), 1, 0, 2013)  # OP_MSG
    try:
        with socket.create_connection(("127.0.0.1", 27017), timeout=3) as sock:
            sock.sendall(header + body)
            reply = sock.recv(4096)
    except OSError as exc:
        sys.stderr.write(f"unhealthy: {exc}\n")
        return 1
    # a reply to our request id 1 whose document holds ok: 1.0
    ok = len(reply) > 16 and struct.unpack("<i", reply[8:12])[0] == 1 and b"\x01ok\x00" in reply
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
