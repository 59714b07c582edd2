"""The app's files, and saved views through the API."""

from __future__ import annotations

from pathlib import Path

from ..conftest import Console


async def test_without_a_build_every_page_says_to_run_make_install(console: Console) -> None:
    r = await console.client.get("/deals/board")
    assert r.status_code == 503
    assert "make install" in r.text


async def test_the_built_app_index_for_routes_long_cache_for_hashed_assets(console: Console) -> None:
    dist = Path(console.container.settings.web_dist)
    (dist / "assets").mkdir()
    (dist / "index.html").write_text("<html>app</html>")
    (dist / "assets" / "main-abc123.js").write_text("js")
    page = await console.client.get("/customers/c1")
    assert page.status_code == 200
    assert page.text == "<html>app</html>"
    assert page.headers["cache-control"] == "no-cache"
    asset = await console.client.get("/assets/main-abc123.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert (await console.client.get("/assets/missing.js")).status_code == 404
    assert (await console.client.get("/api/nothing")).status_code in (401, 404)
    assert (await console.client.get("/auth/nothing")).status_code == 404
    assert (await console.client.get("/healthz")).json() == {"status": "ok"}


async def test_saved_views_are_per_user_and_screen(console: Console) -> None:
    csrf = await console.sign_in("ana")
    write = {"X-CSRF-Token": csrf}
    body = {
        "name": "Big ones",
        "screen": "deals",
        "filters": {"min_amount": 1000},
        "columns": ["name"],
        "sort": "-amount",
    }
    created = (await console.client.post("/api/views", json=body, headers=write)).json()
    await console.client.post("/api/views", json={**body, "screen": "tickets"}, headers=write)
    listed = (await console.client.get("/api/views", params={"screen": "deals"})).json()
    assert listed == [created]
    assert created["filters"] == {"min_amount": 1000}
    await console.sign_in("ben")
    assert (await console.client.get("/api/views", params={"screen": "deals"})).json() == []
    csrf = await console.sign_in("ana")
    assert (
        await console.client.delete(f"/api/views/{created['id']}", headers={"X-CSRF-Token": csrf})
    ).status_code == 204
    assert (
        await console.client.delete(f"/api/views/{created['id']}", headers={"X-CSRF-Token": csrf})
    ).status_code == 404
