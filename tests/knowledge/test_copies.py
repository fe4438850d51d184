"""A shared drive holds the same text many times (a report as PDF and as DOCX, its "_최종"
copy, a Mac's decomposed file names): search shows a passage once, with the other documents
that hold it, and fills the list from further down; a file that fails says why in one line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest

from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.store.db import connect
from tests.conftest import HANEUL, haneul_env

RULE = (
    "출장비 규정: 국내 출장의 숙박비는 1박에 10만 원까지 실비로 지급한다. "
    "식비는 하루 3만 원을 정액으로 지급한다."
)
# the same rule as a PDF's text layer gives it: its own line breaks, other neighbours
RULE_WRAPPED = (
    "2024년 개정판\n출장비 규정: 국내 출장의 숙박비는 1박에\n10만 원까지 실비로 지급한다. "
    "식비는 하루 3만 원을\n정액으로 지급한다.\n부칙: 이 규정은 공포한 날부터 시행한다."
)
OTHER = (
    "해외 출장의 숙박비는 지역별 상한액 안에서 실비로 지급하며 출장비 정산은 귀국 후 2주 안에 한다."
)
THIRD = (
    "교통비는 출장 지역까지의 대중교통 요금을 실비로 지급하고 출장비 규정의 예외는 부서장이 정한다."
)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(connect(tmp_path / "store.db"))


def _add(library: Library, files: dict[str, str]) -> str:
    return _add_to(library, "공유드라이브", files)


def _add_to(library: Library, name: str, files: dict[str, str]) -> str:
    col = library.create_collection("key1", name)
    ingestor = Ingestor(library, None)
    for name, text in files.items():
        assert asyncio.run(ingestor.ingest(col.id, name, text.encode())).status == "added"
    return col.id


def test_a_copy_is_shown_once_with_where_else_it_is(library: Library) -> None:
    col = _add(
        library,
        {
            "출장비규정.txt": RULE,
            "출장비규정_최종.txt": RULE,
            "출장비규정.pdf.txt": RULE_WRAPPED,
            "해외출장.txt": OTHER,
            "교통비.txt": THIRD,
        },
    )
    query = "국내 출장 숙박비는 얼마까지 지급해?"
    plain = retrieve(library, col, query, None, mode="lexical", top_k=5, collapse=False)
    assert len(plain) == 5  # every copy listed on its own: what a user saw before
    hits = retrieve(library, col, query, None, mode="lexical", top_k=3)
    names = [h.document.name for h in hits]
    assert names[0] == plain[0].document.name  # the first hit never moves
    copies = {"출장비규정.txt", "출장비규정_최종.txt", "출장비규정.pdf.txt"}
    assert names[0] in copies and not copies & set(names[1:])
    also = {c.document_name for c in hits[0].also_in}
    assert also == copies - {names[0]}  # the wrapped copy too: whitespace does not count
    assert set(names[1:]) == {"해외출장.txt", "교통비.txt"}  # filled from further down
    assert all(not h.also_in for h in hits[1:])


def test_distinct_passages_are_all_kept(library: Library) -> None:
    col = _add(library, {"a.txt": RULE, "b.txt": OTHER, "c.txt": THIRD})
    hits = retrieve(library, col, "출장비 숙박비 실비", None, mode="lexical", top_k=5)
    assert len(hits) == 3 and all(not h.also_in for h in hits)
    # the same heading over other rules: the heading alone does not make a copy
    col = _add_to(library, "규정집", {
        "인사.txt": "휴가 규정\n연차 휴가는 입사 1년 후 15일이 주어지며 나머지는 수당으로 받는다.",
        "총무.txt": "휴가 규정\n병가는 한 해 30일까지 쓸 수 있고 진단서를 내야 한다.",
    })  # fmt: skip
    hits = retrieve(library, col, "휴가 규정", None, mode="lexical", top_k=5)
    assert sorted(h.document.name for h in hits) == ["인사.txt", "총무.txt"]


@pytest.mark.slow  # runs `haneul docs` (the e5 model for the query)
def test_the_cli_shows_copies_names_in_nfc_and_one_line_failures(tmp_path: Path) -> None:
    env = haneul_env(tmp_path / "home")
    drive = tmp_path / "드라이브"
    drive.mkdir()
    (drive / "출장비규정.txt").write_text(RULE, encoding="utf-8")
    mac = unicodedata.normalize("NFD", "출장비규정_맥.txt")  # as a Mac names it
    (drive / mac).write_text(RULE_WRAPPED, encoding="utf-8")
    (drive / "해외출장.txt").write_text(OTHER, encoding="utf-8")
    (drive / "깨진.pdf").write_bytes(b"%PDF-1.4 broken")
    (drive / "옛날문서.doc").write_bytes(b"\xd0\xcf\x11\xe0 a Word 97 file")
    (drive / "그림.gif").write_bytes(b"GIF89a")
    (drive / "깨진.zip").write_bytes(b"PK\x03\x04")
    with zipfile.ZipFile(drive / "묶음.zip", "w") as packed:  # its documents are read too
        packed.writestr("식당/안내.txt", "사내 식당은 별관 지하 1층에 있다.")

    def docs(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [HANEUL, "docs", *args], env=env, capture_output=True, text=True, timeout=300
        )

    added = docs("add", str(drive), "-c", "공유", "--lexical-only")
    assert added.returncode == 1 and "4 added" in added.stderr and "2 failed" in added.stderr
    assert "failed 드라이브/깨진.pdf: not a valid PDF file" in added.stderr
    assert "failed 드라이브/깨진.zip: not a valid ZIP file" in added.stderr
    assert "EOF marker" not in added.stderr  # pypdf's own warnings stay out
    assert "skipped 2 files of types not read: .gif 1, .doc 1 (read: .csv" in added.stderr
    names = {
        json.loads(line)["name"] for line in docs("list", "공유", "--json").stdout.splitlines()
    }
    assert "드라이브/출장비규정_맥.txt" in names  # NFC: the name as anyone types it
    assert "드라이브/묶음.zip/식당/안내.txt" in names
    shown = docs("search", "국내 출장 숙박비", "-c", "공유", "-k", "2")
    assert shown.returncode == 0, shown.stderr
    assert "같은 내용: 드라이브/" in shown.stdout
    lines = [
        json.loads(x)
        for x in docs("search", "국내 출장 숙박비", "-c", "공유", "--json").stdout.splitlines()
    ]
    assert len(lines) == 2 and len(lines[0]["also_in"]) == 1 and lines[1]["also_in"] == []


def test_names_stored_decomposed_are_composed_on_upgrade(library: Library) -> None:
    from haneul.store.db import MIGRATIONS, migrate

    col = _add(library, {"회의록.txt": RULE, "규정.txt": OTHER, "규정 사본.txt": THIRD})
    conn = library.conn
    nfd = unicodedata.normalize("NFD", "회의록.txt")
    conn.execute("UPDATE documents SET name = ? WHERE name = '회의록.txt'", (nfd,))
    taken = unicodedata.normalize("NFD", "규정.txt")  # its composed name is another's
    conn.execute("UPDATE documents SET name = ? WHERE name = '규정 사본.txt'", (taken,))
    composed = next(i for i, sql in enumerate(MIGRATIONS) if "SET name = nfc(name)" in sql)
    conn.execute(f"PRAGMA user_version = {composed}")  # as the release before it left it
    migrate(conn)
    names = {r[0] for r in conn.execute("SELECT name FROM documents")}
    assert names == {"회의록.txt", "규정.txt", taken}
    again = asyncio.run(Ingestor(library, None).ingest(col, nfd, RULE.encode()))
    assert again.status == "unchanged" and again.name == "회의록.txt"
