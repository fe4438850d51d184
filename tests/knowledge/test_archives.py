"""Zip archives on a shared drive: their documents are added by their paths in the archive,
with names as Korean Windows writes them (CP949, unmarked); hidden files, macOS's folder
and other types are left out; a broken archive, a zip bomb or one with no documents says
why; adding the archive again finds its documents unchanged."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from haneul.knowledge import archive, loaders
from haneul.knowledge.ingest import Ingestor, files_in
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.store.db import connect

LEAVE = "연차 휴가는 입사 1년 후 15일이 주어진다. 병가는 별도로 신청한다."
CAFETERIA = "사내 식당은 별관 지하 1층에 있고 점심은 11시 30분부터 나온다."


def _zip(files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch | None = None) -> bytes:
    """A zip; with `monkeypatch`, its names written as Korean Windows writes them: CP949
    bytes, the UTF-8 flag unset."""
    if monkeypatch is not None:
        monkeypatch.setattr(
            zipfile.ZipInfo,
            "_encodeFilenameFlags",
            lambda self: (self.filename.encode("cp949"), self.flag_bits & ~archive.UTF8_FLAG),
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    if monkeypatch is not None:
        monkeypatch.undo()
    return out.getvalue()


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(connect(tmp_path / "store.db"))


def test_a_zips_documents_are_added_by_their_paths(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _zip(
        {
            "인사/휴가.txt": LEAVE.encode(),
            "총무/식당.txt": CAFETERIA.encode("cp949"),
            "__MACOSX/인사/._휴가.txt": b"\x00\x05\x16\x07",
            "인사/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "그림.gif": b"GIF89a",
            "옛자료.zip": _zip({"안.txt": b"inside"}),
        },
        monkeypatch,
    )
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # as zipfile alone reads it: not Korean
        assert "인사/휴가.txt" not in z.namelist()
    col = library.create_collection("key1", "공유")
    ingestor = Ingestor(library, None)
    items = [("자료.zip", lambda: data), ("안내.txt", lambda: b"\xec\x95\x88\xeb\x82\xb4")]
    seen: list[str | None] = []
    done = asyncio.run(ingestor.ingest_many(col.id, items, lambda p: seen.append(p.current)))
    names = [r.name for r in done.results]
    assert names == ["자료.zip/인사/휴가.txt", "자료.zip/총무/식당.txt", "안내.txt"]
    assert done.added == 3 and done.total == 3 and done.done == 3
    assert "자료.zip/총무/식당.txt" in seen  # progress names the member being read
    hits = retrieve(library, col.id, "사내 식당 위치", None, mode="lexical", top_k=1)
    assert hits[0].document.name == "자료.zip/총무/식당.txt"
    again = asyncio.run(ingestor.ingest_many(col.id, items[:1]))
    assert again.unchanged == 2 and again.added == 0


def test_archives_that_hold_nothing_readable_say_why(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "MAX_UNZIPPED_BYTES", 2_000_000)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("큰.txt", b"0" * 3_000_000)
    col = library.create_collection("key1", "공유")
    items = [
        ("깨진.zip", lambda: b"PK\x03\x04 not really"),
        ("폭탄.zip", bomb.getvalue),
        ("그림만.zip", lambda: _zip({"a.gif": b"GIF89a", "b.gif": b"GIF89a"})),
    ]
    done = asyncio.run(Ingestor(library, None).ingest_many(col.id, items))
    reasons = {r.name: r.reason for r in done.results}
    assert done.failed == 3 and done.total == 3
    assert reasons["깨진.zip"] is not None and reasons["깨진.zip"].startswith("not a valid ZIP")
    assert "expands to more than" in str(reasons["폭탄.zip"])
    assert reasons["그림만.zip"] == "the archive holds no documents (it holds .gif 2)"


def test_a_member_that_cannot_be_unpacked_fails_alone(library: Library) -> None:
    """An encrypted member (a zip made with a password) or a damaged one is its own failure
    with its reason; the archive's other documents are added (it used to stop the whole
    ingest with zipfile's RuntimeError)."""
    data = bytearray(_zip({"급여.txt": LEAVE.encode(), "식당.txt": CAFETERIA.encode()}))
    data[6] |= archive.ENCRYPTED_FLAG  # the first member's local header...
    data[data.find(b"PK\x01\x02") + 8] |= archive.ENCRYPTED_FLAG  # ...and its directory entry
    damaged = bytearray(_zip({"깨진.txt": LEAVE.encode() * 20, "멀쩡.txt": CAFETERIA.encode()}))
    damaged[40:60] = bytes(20)  # inside the first member's deflated bytes
    col = library.create_collection("key1", "공유")
    items = [("암호.zip", lambda: bytes(data)), ("손상.zip", lambda: bytes(damaged))]
    done = asyncio.run(Ingestor(library, None).ingest_many(col.id, items))
    by_name = {r.name: r for r in done.results}
    assert by_name["암호.zip/급여.txt"].status == "failed"
    assert "password protected in the zip" in str(by_name["암호.zip/급여.txt"].reason)
    assert by_name["손상.zip/깨진.txt"].status == "failed"
    assert "damaged in the zip" in str(by_name["손상.zip/깨진.txt"].reason)
    assert by_name["암호.zip/식당.txt"].status == by_name["손상.zip/멀쩡.txt"].status == "added"
    assert done.added == 2 and done.failed == 2


def test_system_and_lock_files_are_left_out_without_a_word(tmp_path: Path) -> None:
    """A shared drive holds Office's lock files («~$보고서.docx», written while someone has
    the document open), Windows' Thumbs.db and desktop.ini beside its documents: none is
    read, none fails, none is counted as a type not read, in a folder or in a zip."""
    drive = tmp_path / "공유"
    (drive / "보고").mkdir(parents=True)
    (drive / "보고" / "보고서.txt").write_text(LEAVE, encoding="utf-8")
    (drive / "보고" / "~$보고서.docx").write_bytes(b"\x0bkim.minsu" + bytes(150))
    (drive / "보고" / "Thumbs.db").write_bytes(bytes(64))
    (drive / "desktop.ini").write_text("[.ShellClassInfo]", encoding="utf-8")
    (drive / "그림.gif").write_bytes(b"GIF89a")
    skipped: Counter[str] = Counter()
    assert [name for name, _ in files_in(drive, skipped)] == ["보고/보고서.txt"]
    assert skipped == Counter({".gif": 1})
    packed = _zip({"보고서.txt": LEAVE.encode(), "~$보고서.docx": bytes(162), "Thumbs.db": b"x"})
    assert [name for name, _ in archive.members("묶음.zip", packed)] == ["묶음.zip/보고서.txt"]
