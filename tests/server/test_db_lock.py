"""Another process holds SQLite's write lock on the server's database: /health still answers
at once, authenticated reads still work (the key's last-used stamp waits in memory), a write
that cannot get the lock answers 503 with Retry-After in the error shape, never a 500; after
the lock is released everything is normal and the stamps reach the database."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.conftest import RunningServer


def _last_used(srv: RunningServer) -> float | None:
    with sqlite3.connect(srv.home / "haneul.db") as conn:
        row = conn.execute("SELECT last_used_at FROM api_keys WHERE name = '팀-가'").fetchone()
    value: float | None = row[0]
    return value


def test_a_locked_database_never_freezes_the_server(
    keyed: tuple[RunningServer, str, str],
) -> None:
    srv, key, _ = keyed
    auth = {"Authorization": f"Bearer {key}"}
    before = _last_used(srv)
    holder = sqlite3.connect(srv.home / "haneul.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held until ROLLBACK
    holder.execute("UPDATE api_keys SET name = name")
    try:
        with ThreadPoolExecutor(4) as pool:
            models = [pool.submit(httpx.get, srv.api + "/models", headers=auth, timeout=60)]
            models += [pool.submit(httpx.get, srv.api + "/models", headers=auth, timeout=60)]
            time.sleep(0.5)
            # with the stamp written on the event loop, /health waited out the 10 s busy timeout
            health = httpx.get(srv.url + "/health", timeout=5)
            assert health.status_code == 200 and health.json()["status"] == "ok"
            for future in models:
                response = future.result()
                assert response.status_code in (200, 503), response.text
                if response.status_code == 200:
                    assert any(m["id"] == "echo" for m in response.json()["data"])
        # a write that cannot get the lock: a clean 503 in the error shape, not a 500
        created = httpx.post(
            srv.api + "/conversations", json={"title": "잠긴 저장소"}, headers=auth, timeout=60
        )
        assert created.status_code == 503, created.text
        assert int(created.headers["retry-after"]) >= 1
        error = created.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert error["code"] == "store_busy" and "Traceback" not in error["message"]
        assert _last_used(srv) == before  # the stamp waits for the lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert httpx.get(srv.api + "/models", headers=auth, timeout=30).status_code == 200
    again = httpx.post(srv.api + "/conversations", json={"title": "다시 정상"}, headers=auth)
    assert again.status_code == 201, again.text
    deadline = time.monotonic() + 30
    while (_last_used(srv) or 0) <= (before or 0) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert (_last_used(srv) or 0) > (before or 0)
