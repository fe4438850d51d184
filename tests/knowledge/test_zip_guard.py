"""The zip-bomb guard checks what `zipfile` will actually open, whatever the first bytes:
one junk byte before `PK` once let a bomb through to the office readers."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from haneul.knowledge.loaders import MAX_UNZIPPED_BYTES, UnreadableDocumentError, load_document
from tests.conftest import RunningServer, assert_serving

PARTS = {
    "보고서.docx": "word/document.xml",
    "발표.pptx": "ppt/presentation.xml",
    "표.xlsx": "xl/workbook.xml",
    "공문.hwpx": "Contents/section0.xml",
}


def _bomb(part: str, size: int, prefix: bytes = b"X") -> bytes:
    """A zip whose one part inflates to `size` bytes of zeros, after `prefix`."""
    out = io.BytesIO()
    out.write(prefix)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if part.startswith("Contents/"):
            archive.writestr("mimetype", "application/hwp+zip")
        with archive.open(part, "w", force_zip64=True) as member:
            block = b"\0" * 2**24
            for _ in range(size // len(block) + 1):
                member.write(block)
    return out.getvalue()


def _docx() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("서울시청은 중구에 있다.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def big_docx() -> bytes:
    """A DOCX python-docx opens, whose body is padded with blanks past the size limit."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_docx())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, source.read(info))
        head, tail = source.read("word/document.xml").split(b"<w:body>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head + b"<w:body>")
            for _ in range(MAX_UNZIPPED_BYTES // 2**24 + 1):
                member.write(b" " * 2**24)
            member.write(tail)
    return out.getvalue()


@pytest.mark.parametrize("prefix", [b"X", b"\0" * 512, "머리말".encode()])
def test_a_prefixed_bomb_is_refused(prefix: bytes) -> None:
    data = _bomb("word/document.xml", 40 * 2**20, prefix)
    assert not data.startswith(b"PK")
    assert zipfile.is_zipfile(io.BytesIO(data))  # what the readers would open
    with pytest.raises(UnreadableDocumentError, match="times its packed size") as caught:
        load_document("폭탄.docx", data)
    assert caught.value.status == 400


@pytest.mark.parametrize("name", list(PARTS))
def test_every_office_kind_is_checked(name: str, big_docx: bytes) -> None:
    data = _bomb(PARTS[name], MAX_UNZIPPED_BYTES)
    with pytest.raises(UnreadableDocumentError, match="expands to more than 512 MiB"):
        load_document(name, data)


def test_a_bomb_found_by_content_is_checked(big_docx: bytes) -> None:
    with pytest.raises(UnreadableDocumentError, match="expands to more than"):
        load_document("이름없음.bin", b"X" + big_docx)


def test_many_parts_are_refused() -> None:
    out = io.BytesIO(b"JUNK")
    with zipfile.ZipFile(out, "a") as archive:
        for i in range(20_001):
            archive.writestr(f"word/p{i}.xml", "")
    with pytest.raises(UnreadableDocumentError, match="20000 parts"):
        load_document("조각.docx", out.getvalue())


def test_an_ordinary_docx_with_junk_in_front_still_reads() -> None:
    assert "서울시청" in load_document("앞에쓰레기.docx", b"X" + _docx()).text


def _peak_rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def test_the_server_refuses_a_prefixed_bomb_in_bounded_memory(
    server_factory: Callable[..., RunningServer], big_docx: bytes
) -> None:
    srv = server_factory()
    data = b"X" + big_docx
    before = _peak_rss(srv.process.pid)
    with srv.http() as http:
        assert http.post("/collections", json={"name": "폭탄"}).status_code == 201
        res = http.post("/collections/폭탄/documents", files=[("files", ("폭탄.docx", data))])
    grown = _peak_rss(srv.process.pid) - before
    assert grown < 400 * 2**20, f"peak RSS grew {grown / 2**20:.0f} MiB"  # generous bound
    assert res.status_code == 200, res.text
    result = res.json()
    assert result["failed"] == 1
    assert "expands to more than 512 MiB" in result["results"][0]["reason"]
    assert_serving(srv)
