"""`haneul docs` on a real store: folders in recursively, JSONL queries for evaluation,
removal, and an ingest killed half-way that leaves only whole documents and completes
when run again."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import HANEUL, haneul_env


def _docs(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HANEUL, "docs", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return haneul_env(tmp_path / "home")


def _folder(root: Path) -> Path:
    (root / "인사" / "규정").mkdir(parents=True)
    (root / "인사" / "규정" / "휴가.md").write_text(
        "# 휴가 규정\n\n연차 휴가는 입사 1년 후 15일이 주어진다. 병가는 별도로 신청한다.\n",
        encoding="utf-8",
    )
    (root / "인사" / "복지.txt").write_text(
        "사내 식당은 서울시청 옆 별관 지하에 있다.", encoding="cp949"
    )
    (root / ".숨김.txt").write_text("보이면 안 되는 파일", encoding="utf-8")
    (root / "그림.gif").write_bytes(b"GIF89a not a document")  # PNG and JPEG are OCR'd
    return root


@pytest.mark.slow  # runs `haneul docs` with the e5 model
def test_add_a_folder_search_it_and_remove(env: dict[str, str], tmp_path: Path) -> None:
    folder = _folder(tmp_path / "자료")
    added = _docs(env, "add", str(folder), "-c", "인사팀")
    assert added.returncode == 0, added.stderr
    assert "2 added" in added.stderr
    listed = _docs(env, "list", "-c", "인사팀", "--json")
    names = sorted(json.loads(line)["name"] for line in listed.stdout.splitlines())
    assert names == ["자료/인사/규정/휴가.md", "자료/인사/복지.txt"]

    hits = _docs(env, "search", "서울시청은 어디", "-c", "인사팀", "--json")
    assert hits.returncode == 0, hits.stderr
    top = json.loads(hits.stdout.splitlines()[0])
    assert (
        top["document_name"] == "자료/인사/복지.txt" and "<mark>서울시청</mark>" in top["snippet"]
    )
    shown = _docs(env, "search", "연차 휴가", "-c", "인사팀")
    assert "휴가.md" in shown.stdout and "15일" in shown.stdout

    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        '{"id": "q1", "query": "연차는 며칠?"}\n\n{"query": "식당 위치", "top_k": 1}\n'
        "이건 JSON이 아님\n",
        encoding="utf-8",
    )
    batch = _docs(env, "search", "-c", "인사팀", "--queries", str(queries))
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert lines[0]["id"] == "q1" and lines[0]["hits"][0]["document_name"].endswith("휴가.md")
    assert len(lines[1]["hits"]) == 1 and lines[1]["hits"][0]["document_name"].endswith("복지.txt")
    assert lines[2]["line"] == 4 and "bad query line" in lines[2]["error"]

    again = _docs(env, "add", str(folder), "-c", "인사팀")
    assert "0 added" in again.stderr and "2 unchanged" in again.stderr
    removed = _docs(env, "rm", "자료/인사/복지.txt", "-c", "인사팀")
    assert removed.returncode == 0, removed.stderr
    gone = _docs(env, "search", "서울시청", "-c", "인사팀", "--json", "--mode", "lexical")
    assert gone.stdout.strip() == ""
    missing = _docs(env, "search", "휴가", "-c", "없는팀")
    assert missing.returncode == 2 and "no collection named '없는팀'" in missing.stderr
    dropped = _docs(env, "rm", "-c", "인사팀", "--all")
    assert dropped.returncode == 0 and _docs(env, "list", "--json").stdout.strip() == ""


@pytest.mark.slow  # runs `haneul docs` with the e5 model
def test_a_killed_ingest_leaves_whole_documents_and_resumes(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "많은문서"
    folder.mkdir()
    sentence = "이 문서는 {i}번째 보고서이며 분기별 매출과 비용을 설명한다. "
    # Documents are searchable once parsed (their vectors follow), so the lexical phase is
    # quick: enough files that the kill lands half-way through it.
    files = 200
    for i in range(files):
        (folder / f"보고서{i:03d}.txt").write_text(sentence.format(i=i) * 15, encoding="utf-8")
    db = Path(env["HANEUL_HOME"]) / "haneul.db"
    process = subprocess.Popen(
        [HANEUL, "docs", "add", str(folder), "-c", "보고", "--lexical-only"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    done = 0
    while time.monotonic() < deadline and done < 2:
        time.sleep(0.02)
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    done = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            except sqlite3.OperationalError:
                pass  # tables not created yet
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert 2 <= done < files, "the ingest should have been killed half-way"

    with sqlite3.connect(db) as conn:
        docs = conn.execute("SELECT id, chunks FROM documents").fetchall()
        assert 2 <= len(docs) < files
        for doc_id, chunks in docs:
            stored = conn.execute("SELECT COUNT(*) FROM chunks WHERE doc_id = ?", (doc_id,))
            assert stored.fetchone()[0] == chunks > 0
        orphans = conn.execute(
            "SELECT COUNT(*) FROM chunks WHERE doc_id NOT IN (SELECT id FROM documents)"
        ).fetchone()[0]
        terms = conn.execute("SELECT COUNT(*) FROM chunk_terms").fetchone()[0]
        total = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        assert orphans == 0 and terms == total
    finished = len(docs)

    # (the dense phase's own kill and resume: tests/knowledge/test_lexical_first.py)
    resumed = _docs(env, "add", str(folder), "-c", "보고", "--lexical-only")
    assert resumed.returncode == 0, resumed.stderr
    assert f"{files - finished} added" in resumed.stderr
    assert f"{finished} unchanged" in resumed.stderr


def test_a_folder_added_again_names_what_it_no_longer_holds_and_sync_removes_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A shared drive changes: a file deleted there stays searchable until `--sync`, and the
    user is told which; a folder found empty (a drive not mounted) removes nothing."""
    folder = _folder(tmp_path / "공유")
    with zipfile.ZipFile(folder / "옛자료.zip", "w") as z:
        z.writestr("출장.txt", "국내 출장 일비는 하루 2만 원이다.")
    first = _docs(env, "add", str(folder), "-c", "드라이브", "--lexical-only")
    assert first.returncode == 0 and "3 added" in first.stderr, first.stderr

    (folder / "인사" / "복지.txt").unlink()
    again = _docs(env, "add", str(folder), "-c", "드라이브", "--lexical-only")
    assert again.returncode == 0, again.stderr
    said = " ".join(again.stderr.split())  # rich wraps lines at 80 columns
    assert "1 document added from 공유/ no longer there: 공유/인사/복지.txt" in said
    assert "(kept; --sync removes them)" in said
    listed = _docs(env, "list", "드라이브", "--json").stdout.splitlines()
    assert len(listed) == 3  # kept without --sync

    synced = _docs(env, "add", str(folder), "-c", "드라이브", "--lexical-only", "--sync")
    assert synced.returncode == 0, synced.stderr
    said = " ".join(synced.stderr.split())
    assert "removed 1 document no longer in 공유/: 공유/인사/복지.txt" in said
    names = sorted(
        json.loads(x)["name"] for x in _docs(env, "list", "드라이브", "--json").stdout.splitlines()
    )
    assert names == ["공유/옛자료.zip/출장.txt", "공유/인사/규정/휴가.md"]  # the zip's stays
    gone = _docs(env, "search", "서울시청", "-c", "드라이브", "--json", "--mode", "lexical")
    assert gone.stdout.strip() == ""

    empty = tmp_path / "unmounted" / "공유"
    empty.mkdir(parents=True)
    unmounted = _docs(env, "add", str(empty), "-c", "드라이브", "--lexical-only", "--sync")
    assert unmounted.returncode == 0, unmounted.stderr
    assert "holds no documents now: nothing removed" in " ".join(unmounted.stderr.split())
    assert len(_docs(env, "list", "드라이브", "--json").stdout.splitlines()) == 2

    # the folder named as «.» from inside it is the same folder (it used to add «/…» names)
    here = subprocess.run(
        [HANEUL, "docs", "add", ".", "-c", "드라이브", "--lexical-only"],
        env=env, cwd=folder, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert here.returncode == 0 and "2 unchanged" in here.stderr, here.stderr
