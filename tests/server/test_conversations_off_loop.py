"""Conversation writes never freeze the server (issue 20, defect 9, for the conversation
service): while another process holds SQLite's write lock, a chat turn that has its answer
waits to be stored in a worker thread; `/health` and other routes answer meanwhile, and the
turn ends as a clean 503 `store_busy` (streamed: an `error` event, then `[DONE]`), never a
500, never a half-stored turn. Once the lock
is released the same conversation takes turns normally.

Before the fix the turn was stored on the event loop: `/health` waited out SQLite's 10 s
busy timeout behind it."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import RunningServer


@pytest.mark.slow  # two turns wait out SQLite's 10 s busy timeout
def test_a_locked_store_delays_the_turn_and_never_the_server(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory(tuning_worker="false")
    http = srv.http()
    cid = http.post("/conversations", json={"title": "잠금 시험"}).json()["id"]
    first = http.post(f"/conversations/{cid}/messages", json={"content": "회의 준비를 도와줘"})
    assert first.status_code == 200, first.text  # warm: router and models loaded
    holder = sqlite3.connect(srv.home / "haneul.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held until ROLLBACK
    try:
        with ThreadPoolExecutor(1) as pool:
            turn = {"content": "오늘 회의는 세 시에 시작합니다."}
            pending = pool.submit(
                httpx.post, f"{srv.api}/conversations/{cid}/messages", json=turn, timeout=60
            )
            time.sleep(1.0)  # answered by echo; now waiting on the lock to be stored
            assert not pending.done()
            for _ in range(3):  # a loop blocked by the write: a 10 s wait, a timeout here
                health = httpx.get(srv.url + "/health", timeout=3)
                assert health.status_code == 200 and health.json()["status"] == "ok"
                assert httpx.get(srv.api + "/models", timeout=3).status_code == 200
                time.sleep(0.5)
            assert not pending.done()  # it really was waiting all along
            answer = pending.result()
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"]["code"] == "store_busy"
        assert int(answer.headers["retry-after"]) >= 1
        # streamed: the answer streams, then the turn it could not store ends as an error event
        body = {"content": "스트리밍으로 다시 물어봅니다.", "stream": True}
        with http.stream("POST", f"/conversations/{cid}/messages", json=body) as streamed:
            assert streamed.status_code == 200
            lines = [line for line in streamed.iter_lines() if line.startswith("data: ")]
        assert lines[-1] == "data: [DONE]"
        last = json.loads(lines[-2].removeprefix("data: "))
        assert last["type"] == "error" and last["error"]["code"] == "store_busy", last
        assert any('"delta"' in line for line in lines)  # the answer itself was streamed
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    stored = http.get(f"/conversations/{cid}").json()["messages"]
    assert [m["content"] for m in stored if m["role"] == "user"] == ["회의 준비를 도와줘"]
    again = http.post(f"/conversations/{cid}/messages", json={"content": "다시 물어봅니다."})
    assert again.status_code == 200, again.text
    stored = http.get(f"/conversations/{cid}").json()["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"] * 2
    assert stored[2]["content"] == "다시 물어봅니다."
