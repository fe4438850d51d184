"""Test helper: write real HWP 5.0 files. An HWP file is an OLE compound file (CFB v3);
olefile only reads them, so `cfb` writes the container by hand. Every stream is padded to
at least 4096 bytes so that none goes to the mini stream (the reader ignores the padding:
a FileHeader is read by offsets, raw deflate stops at its own end, zero bytes after the
records read as empty records, a property set by its offsets).

`hwp_file` builds the streams the way Hangul does: FileHeader with its flags, DocInfo with
styles (바탕글, 개요 1) and paragraph shapes (plain, outline heading), BodyText/Section{n}
with paragraph headers, text (tab as an inline control, a table anchor as an extended
control), one table cell nested in the first paragraph, and the summary information.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass

SECTOR = 512
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
PARA_SHAPE, STYLE, PARA_HEADER, PARA_TEXT, CTRL_HEADER, LIST_HEADER = 25, 26, 66, 67, 71, 72
SUMMARY_FMTID = bytes.fromhex("60B6A29F6110D411B4C6006097C09D8C")


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\0" * 36
        + struct.pack("<IQ", start, size)
    )


def cfb(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file holding `streams` ("Name" or "Storage/Name" -> bytes)."""
    tree: dict[str, list[str]] = {"": []}  # storage -> its children's paths
    for path in streams:
        storage, _, _ = path.rpartition("/")
        if storage and storage not in tree:
            tree[storage] = []
            tree[""].append(storage)
        tree[storage].append(path)
    order = ["", *(p for children in tree.values() for p in children)]
    ids = {path: i for i, path in enumerate(order)}
    datas = {
        p: d.ljust(max(4096, -(-len(d) // SECTOR) * SECTOR), b"\0") for p, d in streams.items()
    }
    n_dir = -(-len(order) // 4)
    n_data = sum(len(d) // SECTOR for d in datas.values())
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_data:
        n_fat += 1
    assert n_fat <= 109, "too large for a header-only DIFAT"
    fat = [FATSECT] * n_fat + [*range(n_fat + 1, n_fat + n_dir), END]
    starts, next_sector = {}, n_fat + n_dir
    for path in order[1:]:
        if path in datas:
            count = len(datas[path]) // SECTOR
            starts[path] = next_sector
            fat += [*range(next_sector + 1, next_sector + count), END]
            next_sector += count
    fat += [FREE] * (n_fat * (SECTOR // 4) - len(fat))
    directory = b""
    for path in order:
        children = tree.get(path, [])
        siblings = tree[path.rpartition("/")[0]] if path else []
        right = siblings[siblings.index(path) + 1] if path and path != siblings[-1] else None
        directory += _entry(
            path.rpartition("/")[2] if path else "Root Entry",
            5 if not path else 1 if path in tree else 2,
            child=ids[children[0]] if children else NOSTREAM,
            right=ids[right] if right else NOSTREAM,
            start=starts.get(path, END if not path else 0),
            size=len(datas.get(path, b"")),
        )
    directory += b"".join(
        _entry("", 0, NOSTREAM, NOSTREAM, 0, 0) for _ in range(n_dir * 4 - len(order))
    )
    difat = [*range(n_fat), *([FREE] * (109 - n_fat))]
    head = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIII", 0, n_fat, n_fat, 0)  # dir sectors (v3: 0), FAT, first dir, txn
        + struct.pack("<IIIII", 4096, END, 0, END, 0)  # mini cutoff, no mini FAT, no DIFAT
        + struct.pack("<109I", *difat)
    )
    body = struct.pack(f"<{len(fat)}I", *fat) + directory
    return head + body + b"".join(datas[p] for p in order[1:] if p in datas)


def record(tag: int, level: int, payload: bytes) -> bytes:
    if len(payload) < 0xFFF:
        return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload
    return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload


def _para_text(text: str, anchor: bool) -> bytes:
    units = b""
    if anchor:  # an extended control (a table anchor): code, 12 bytes, code again
        units += struct.pack("<8H", 11, 0x7462, 0x6C, 0, 0, 0, 0, 11)
    for part in text.split("\t"):
        units += part.encode("utf-16-le") + struct.pack("<8H", 9, 0, 0, 0, 0, 0, 0, 9)
    return units[:-16] + struct.pack("<H", 13)  # no tab after the last part; paragraph end


def _paragraph(text: str, level: int, style: int, shape: int, anchor: bool = False) -> bytes:
    header = struct.pack("<IIHBB", len(text) + 1, 0, shape, style, 0) + b"\0" * 11
    return record(PARA_HEADER, level, header) + record(
        PARA_TEXT, level + 1, _para_text(text, anchor)
    )


STYLES = (
    ("바탕글", "Normal"),
    ("개요 1", "Outline 1"),
    ("본문", "Body"),
    ("인용정보", "Outline 7"),
)


@dataclass(frozen=True)
class Para:
    text: str
    style: int = 0  # an index into STYLES; 인용정보 is a renamed Outline 7: not a heading
    shape: int = 0  # 1: a paragraph shape with an outline heading


def _docinfo() -> bytes:
    def wstr(value: str) -> bytes:
        return struct.pack("<H", len(value)) + value.encode("utf-16-le")

    shapes = [record(PARA_SHAPE, 0, struct.pack("<I", p).ljust(54, b"\0")) for p in (0, 1 << 23)]
    styles = [
        record(STYLE, 0, wstr(local) + wstr(english) + struct.pack("<BBhHH", 0, 0, 0x412, 0, 0))
        for local, english in STYLES
    ]
    return b"".join(shapes + styles)


def _summary(title: str, created: dt.datetime) -> bytes:
    name = (title + "\0").encode("utf-16-le")
    title_value = struct.pack("<HHI", 0x1F, 0, len(title) + 1) + name.ljust(-(-len(name) // 4) * 4)
    ticks = int((created - dt.datetime(1601, 1, 1)).total_seconds() * 10_000_000)
    time_value = struct.pack("<HHQ", 0x40, 0, ticks)
    first = 8 + 2 * 8
    section = struct.pack("<IIIIII", 0, 2, 2, first, 12, first + len(title_value))
    section += title_value + time_value
    section = struct.pack("<I", len(section)) + section[4:]
    head = struct.pack("<HHI", 0xFFFE, 0, 0x20006) + b"\0" * 16 + struct.pack("<I", 1)
    return head + SUMMARY_FMTID + struct.pack("<I", 48) + section


def hwp_file(
    sections: list[list[Para | str]],
    *,
    flags: int = 0x1,
    cell: str | None = None,
    title: str | None = None,
    created: dt.datetime | None = None,
) -> bytes:
    """HWP 5.0 bytes; `flags` bit 0: compressed streams, bit 1: password, bit 2:
    distribution document. `cell` is the text of a table cell anchored in the first
    paragraph (its paragraph nested at level 2, styled as a heading, which it is not)."""
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000300, flags)

    def squeeze(data: bytes) -> bytes:
        if not flags & 0x1:
            return data
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        return deflate.compress(data) + deflate.flush()

    streams = {"FileHeader": header.ljust(256, b"\0"), "DocInfo": squeeze(_docinfo())}
    for number, paragraphs in enumerate(sections):
        body = b""
        for i, para in enumerate(Para(p) if isinstance(p, str) else p for p in paragraphs):
            anchor = cell is not None and number == 0 and i == 0
            body += _paragraph(para.text, 0, para.style, para.shape, anchor=anchor)
            if anchor and cell is not None:
                body += record(CTRL_HEADER, 1, b"tbl ") + record(LIST_HEADER, 2, b"\0" * 8)
                body += _paragraph(cell, 2, style=1, shape=1)
        streams[f"BodyText/Section{number}"] = squeeze(body)
    if title is not None and created is not None:
        streams["\x05HwpSummaryInformation"] = _summary(title, created)
    return cfb(streams)
