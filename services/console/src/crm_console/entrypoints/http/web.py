"""The single-page app: built files from ``web/dist`` (``make install``), index.html for
every other path so the app's own routes load on reload."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

from crm_console.entrypoints.http.deps import ContainerDep

router = APIRouter(include_in_schema=False)
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CRM console</title></head>
<body><main><h1>The web app is not built</h1>
<p>Run <code>make install</code> (it needs Node 20 and npm), then reload this page.</p></main></body></html>"""


@router.get("/{path:path}")
async def spa(path: str, c: ContainerDep) -> Response:
    if path.split("/", 1)[0] in ("api", "auth"):
        raise HTTPException(404, "not found")
    dist = c.settings.web_dist.resolve()
    index = dist / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-store"})
    if path:
        candidate = (dist / path).resolve()
        if candidate.is_relative_to(dist) and candidate.is_file():
            hashed = candidate.is_relative_to(dist / "assets")
            return FileResponse(candidate, headers={"Cache-Control": IMMUTABLE if hashed else "no-cache"})
        if Path(path).suffix:  # a missing file, not an app route
            raise HTTPException(404, "not found")
    return FileResponse(index, headers={"Cache-Control": "no-cache"})
