"""Container health check of a CRM service image (stdlib only; slim images have no curl).

    python /opt/crm/healthcheck.py          # the API: GET /healthz on CRM_HTTP_PORT
    python /opt/crm/healthcheck.py worker   # the worker: its faust web server on CRM_WORKER_WEB_PORT

Exit 0 when healthy, 1 otherwise (Docker HEALTHCHECK / compose healthcheck semantics).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main(argv: list[str]) -> int:
    role = argv[1] if len(argv) > 1 else "api"
    if role == "worker":
        url = f"http://127.0.0.1:{os.environ.get('CRM_WORKER_WEB_PORT', '6066')}/"
    else:
        url = f"http://127.0.0.1:{os.environ.get('CRM_HTTP_PORT', '8000')}/healthz"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(url, timeout=float(os.environ.get("CRM_HEALTHCHECK_TIMEOUT", "3"))) as resp:
            return 0 if resp.status < 400 else 1
    except urllib.error.HTTPError as exc:
        # a worker's web server that answers at all is alive; the API must say 200
        return 0 if role == "worker" and exc.code < 500 else 1
    except OSError as exc:
        sys.stderr.write(f"unhealthy: {url}: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
