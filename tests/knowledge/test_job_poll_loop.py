"""Polling an ingest job never stalls the server's event loop. The library's one SQLite
connection is guarded by a lock that a writing thread (a document written, vectors filled)
holds for its whole transaction; a route that read the library on the loop waited for it
there, every other request with it. On a loaded machine the wait passed uvicorn's 5 s
keep-alive timer, which then closed the poller's connection under its next request (the
flaky `test_background_upload_reports_progress`: a connection reset after a stall)."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.conftest import AppClient, in_process_settings


def test_the_loop_answers_while_a_writer_holds_the_library(tmp_path: Path) -> None:
    app = AppClient(in_process_settings(tmp_path))
    try:
        _, key = app.app.state.keys.create("문서 담당")
        auth = {"Authorization": f"Bearer {key}"}
        made = app.post("/v1/collections", json={"name": "회의록"}, headers=auth)
        assert made.status_code == 201, made.text
        library = app.app.state.knowledge.library
        polled: list[int] = []
        holding, done = threading.Event(), threading.Event()

        def writer() -> None:  # a writer's transaction, over by 20 s at most: never hang
            with library.lock:
                holding.set()
                done.wait(20)

        held_by = threading.Thread(target=writer)
        held_by.start()
        assert holding.wait(10)
        poller = threading.Thread(
            target=lambda: polled.append(
                app.get("/v1/collections/회의록/jobs/ingest_없음", headers=auth).status_code
            )
        )
        poller.start()
        poller.join(0.5)  # the poll is waiting for the lock
        health = app.get("/health")
        held = not done.is_set() and held_by.is_alive()  # the writer still holds it
        done.set()
        held_by.join(30)
        poller.join(30)
        assert health.status_code == 200
        assert held, "the health check waited for the library's lock: the loop was blocked"
        assert polled == [404]  # the poll then finished, off the loop
    finally:
        app.close()
