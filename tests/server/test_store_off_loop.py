"""Store writes never freeze the server (issue 20, defect 9, for the stores beyond the key
stamps): while another process holds SQLite's write lock, a memory, collection or tuning
write waits in a worker thread (and ends as a 503 `store_busy`), /health and other reads
answer meanwhile, and the AI Filter's audit entries are queued and written once the lock is
released, so a masked chat is answered rather than refused."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import httpx

from tests.conftest import RunningServer


@contextmanager
def write_lock(srv: RunningServer) -> Iterator[None]:
    holder = sqlite3.connect(srv.home / "haneul.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held until ROLLBACK
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def _audit_rows(srv: RunningServer) -> int:
    with sqlite3.connect(srv.home / "haneul.db") as conn:
        count: int = conn.execute("SELECT COUNT(*) FROM safety_audit").fetchone()[0]
    return count


def _answers_meanwhile(srv: RunningServer, pending: Future[httpx.Response]) -> None:
    """While `pending` waits on the lock, the event loop serves others at once."""
    time.sleep(0.7)  # the write has reached the server and waits on the lock
    assert not pending.done()
    health = httpx.get(srv.url + "/health", timeout=5)  # a frozen loop: 10 s, a timeout here
    assert health.status_code == 200 and health.json()["status"] == "ok"
    models = httpx.get(srv.api + "/models", timeout=5)
    assert models.status_code == 200
    assert not pending.done()  # it really was waiting all along


def test_writes_wait_in_threads_and_end_in_a_clean_503(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory(tuning_worker="false")
    writes = [
        ("/memories", {"content": "나는 부산에 산다"}),
        ("/collections", {"name": "잠긴-회의록"}),
    ]
    with write_lock(srv), ThreadPoolExecutor(2) as pool:
        for path, body in writes:
            pending = pool.submit(httpx.post, srv.api + path, json=body, timeout=60)
            _answers_meanwhile(srv, pending)
            answer = pending.result()
            assert answer.status_code == 503, (path, answer.text)
            assert answer.json()["error"]["code"] == "store_busy"
            assert int(answer.headers["retry-after"]) >= 1
        tasks = httpx.get(srv.url + "/tuning/v2/tasks", timeout=5)  # a read passes the writer
        assert tasks.status_code == 200
    made = httpx.post(srv.api + "/memories", json={"content": "나는 부산에 산다"}, timeout=30)
    assert made.status_code == 201, made.text
    assert httpx.get(srv.api + "/memories", timeout=30).json()["data"][0]["content"] == (
        "나는 부산에 산다"
    )


def test_the_audit_log_waits_for_the_lock_instead_of_the_request(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory(safety_policy="mask")
    before = _audit_rows(srv)
    body = {
        "model": "echo",
        "messages": [
            {"role": "user", "content": "제 전화번호는 010-1234-5678입니다. 기억해 주세요."}
        ],
    }
    with write_lock(srv), ThreadPoolExecutor(1) as pool:
        pending = pool.submit(httpx.post, srv.api + "/chat/completions", json=body, timeout=60)
        answer = pending.result()
        # before: the audit row was written on the event loop, the request waited out the
        # busy timeout and failed with a 503
        assert answer.status_code == 200, answer.text
        assert "010-1234-5678" not in answer.json()["choices"][0]["message"]["content"]
        assert _audit_rows(srv) == before  # queued, not written: the lock is still held
    deadline = time.monotonic() + 30
    while _audit_rows(srv) == before and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _audit_rows(srv) > before  # written once the lock was released
