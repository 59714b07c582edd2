"""Catch mail over SMTP (aiosmtpd) and list it over HTTP like mailpit's API does.

python mailcatcher.py          # SMTP :1025, HTTP :8025 (GET /api/v1/messages, GET /readyz)
python mailcatcher.py readyz   # health check (exit 0 when the HTTP side answers)
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import urllib.request
import uuid
from email import message_from_bytes, policy
from email.utils import getaddresses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MESSAGES: list[dict[str, Any]] = []
LOCK = threading.Lock()


class Handler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        item = {
            "ID": str(uuid.uuid4()),
            "From": {"Address": envelope.mail_from},
            "To": [{"Name": n, "Address": a} for n, a in getaddresses(msg.get_all("To", []))]
            or [{"Name": "", "Address": r} for r in envelope.rcpt_tos],
            "Subject": str(msg.get("Subject", "")),
            "Created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "Snippet": (body.get_content() if body is not None else "")[:200],
            "Size": len(envelope.content),
        }
        with LOCK:
            MESSAGES.insert(0, item)
        return "250 Message accepted for delivery"


class Api(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/api/v1/messages"):
            with LOCK:
                payload: Any = {"total": len(MESSAGES), "count": len(MESSAGES), "messages": list(MESSAGES)}
        elif self.path == "/readyz":
            payload = {"status": "ok"}
        else:
            self.send_error(404)
            return
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_DELETE(self) -> None:
        with LOCK:
            MESSAGES.clear()
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> int:
    if sys.argv[1:] == ["readyz"]:
        try:
            with urllib.request.urlopen("http://127.0.0.1:8025/readyz", timeout=2) as resp:
                return 0 if resp.status == 200 else 1
        except OSError:
            return 1
    from aiosmtpd.controller import Controller

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1 has no default SIGTERM action
    smtp = Controller(Handler(), hostname="0.0.0.0", port=1025)
    smtp.start()
    sys.stdout.write("mailcatcher: SMTP on :1025, HTTP on :8025\n")
    sys.stdout.flush()
    ThreadingHTTPServer(("0.0.0.0", 8025), Api).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
