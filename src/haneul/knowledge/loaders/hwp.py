"""HWP 5.0: an OLE compound file. `FileHeader` holds the flags (compressed, password,
distribution, DRM); `DocInfo` the styles and paragraph shapes; `BodyText/Section{n}` the
paragraphs as binary records, raw-deflate compressed when the header says so;
`\\x05HwpSummaryInformation` the title and creation date (an OLE property set).

The record parser is written by hand (the readers on PyPI, pyhwp, are AGPL). It takes the
text of every paragraph (`HWPTAG_PARA_TEXT`), tables, text boxes, headers and footnotes
included, keeps line breaks and tabs, and skips the other inline and extended controls
(fields, drawings, equations). A top-level paragraph is a heading when its style is an
outline style (개요 1, 제목...) or its paragraph shape has an outline heading.
HWP 3.x files, distribution (배포용) documents, DRM and encrypted files are refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import struct
import zlib
from collections.abc import Iterator
from typing import Any

from haneul.knowledge.loaders import (
    MAX_HEADING_CHARS,
    LoadedDocument,
    Section,
    UnreadableDocumentError,
    sections,
)
from haneul.knowledge.loaders.hwpx import is_heading_style, section_number

PARA_SHAPE, STYLE = 25, 26  # DocInfo records: HWPTAG_BEGIN (16) + 9, + 10
PARA_HEADER, PARA_TEXT = 66, 67  # BodyText records: HWPTAG_BEGIN + 50, + 51
CHAR_CONTROLS = {0, 10, 13, 24, 25, 26, 27, 28, 29, 30, 31}  # one wchar each; others take 8
_KEPT = {9: "\t", 10: "\n", 24: "-", 30: " ", 31: " "}  # tab, line break, hyphen, spaces
MAX_STREAM_BYTES = 256 * 1024 * 1024
_REFUSED = (
    (0x02, "the HWP file is password protected"),
    (0x04, "HWP distribution (배포용) documents are not supported"),
    (0x10, "the HWP file is DRM protected"),
    (0x100, "the HWP file is encrypted with a certificate"),
)


def records(stream: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(tag, level, payload) of each record; a truncated last record is cut short."""
    pos = 0
    while pos + 4 <= len(stream):
        (header,) = struct.unpack_from("<I", stream, pos)
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        pos += 4
        if size == 0xFFF:
            if pos + 4 > len(stream):
                return
            (size,) = struct.unpack_from("<I", stream, pos)
            pos += 4
        yield tag, level, stream[pos : pos + size]
        pos += size


def para_text(payload: bytes) -> str:
    """The characters of a PARA_TEXT record, controls left out (tab and line break kept)."""
    units = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    kept, i = bytearray(), 0
    while i < len(units):
        unit = units[i]
        if unit >= 32:
            kept += struct.pack("<H", unit)
        elif unit in _KEPT:
            kept += _KEPT[unit].encode("utf-16-le")
        i += 1 if unit >= 32 or unit in CHAR_CONTROLS else 8  # inline/extended: 8 wchars
    return kept.decode("utf-16-le", errors="replace")


def _inflate(name: str, raw: bytes, compressed: bool) -> bytes:
    if not compressed:
        return raw
    inflater = zlib.decompressobj(-15)
    out = inflater.decompress(raw, MAX_STREAM_BYTES)
    if inflater.unconsumed_tail:
        raise UnreadableDocumentError(f"{name}: a section expands beyond 256 MiB")
    return out


def _wstr(payload: bytes, pos: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<H", payload, pos)
    end = pos + 2 + 2 * length
    return payload[pos + 2 : end].decode("utf-16-le", errors="replace"), end


def _heading_refs(docinfo: bytes) -> tuple[set[int], set[int]]:
    """Indexes of heading styles and of paragraph shapes with an outline heading."""
    styles, shapes = set(), set()
    n_styles = n_shapes = 0
    for tag, _, payload in records(docinfo):
        if tag == PARA_SHAPE and len(payload) >= 4:
            (props,) = struct.unpack_from("<I", payload)
            if (props >> 23) & 0x3 == 1:  # paragraph head kind: 1 = outline (개요)
                shapes.add(n_shapes)
            n_shapes += 1
        elif tag == STYLE:
            with contextlib.suppress(struct.error):
                local, pos = _wstr(payload, 0)
                english, _ = _wstr(payload, pos)
                if is_heading_style(local, english):
                    styles.add(n_styles)
            n_styles += 1
    return styles, shapes


def _summary(stream: bytes) -> tuple[str | None, str | None]:
    """Title (property 2) and creation time (12) from an OLE property set stream."""
    title = created = None
    (offset,) = struct.unpack_from("<I", stream, 44)
    section = stream[offset:]
    (count,) = struct.unpack_from("<I", section, 4)
    for i in range(min(count, 256)):
        pid, at = struct.unpack_from("<II", section, 8 + 8 * i)
        (kind,) = struct.unpack_from("<H", section, at)
        if pid == 2 and kind == 0x1F:  # VT_LPWSTR: length in characters, then UTF-16
            (length,) = struct.unpack_from("<I", section, at + 4)
            value = section[at + 8 : at + 8 + 2 * length].decode("utf-16-le", "replace")
            title = value.rstrip("\0").strip() or None
        elif pid == 12 and kind == 0x40:  # VT_FILETIME: 100 ns since 1601
            (ticks,) = struct.unpack_from("<Q", section, at + 4)
            if ticks:
                stamp = dt.datetime(1601, 1, 1) + dt.timedelta(microseconds=ticks // 10)
                created = stamp.date().isoformat()
    return title, created


def _sections(bodies: Iterator[bytes], styles: set[int], shapes: set[int]) -> list[Section]:
    """The paragraphs of the BodyText streams, split at top-level heading paragraphs."""
    parts: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    is_heading = False
    for body in bodies:
        for tag, level, payload in records(body):
            if tag == PARA_HEADER and level == 0 and len(payload) >= 11:
                shape, style = struct.unpack_from("<HB", payload, 8)
                is_heading = style in styles or shape in shapes
            elif tag == PARA_TEXT:
                text = para_text(payload).rstrip("\n")
                if level == 1 and is_heading and 0 < len(text.strip()) <= MAX_HEADING_CHARS:
                    parts.append(Section("\n".join(lines), heading=heading))
                    heading, lines = text.strip(), []
                else:
                    lines.append(text)
    parts.append(Section("\n".join(lines), heading=heading))
    return sections(parts)


def _check_header(name: str, header: bytes) -> int:
    if not header.startswith(b"HWP Document File") or len(header) < 40:
        raise UnreadableDocumentError(f"{name}: not an HWP file (bad signature)")
    (flags,) = struct.unpack_from("<I", header, 36)
    for bit, reason in _REFUSED:
        if flags & bit:
            raise UnreadableDocumentError(f"{name}: {reason}")
    return int(flags)


def load_hwp(name: str, data: bytes) -> LoadedDocument:
    import olefile

    if data.startswith(b"HWP Document File V3"):
        raise UnreadableDocumentError(f"{name}: HWP 3.x files are not supported (save as HWPX)")
    if not olefile.isOleFile(io.BytesIO(data)):
        raise UnreadableDocumentError(f"{name}: not an HWP 5.0 file (no OLE container)")
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if not ole.exists("FileHeader"):
            raise UnreadableDocumentError(f"{name}: not an HWP file (no FileHeader)")
        flags = _check_header(name, ole.openstream("FileHeader").read())
        compressed = bool(flags & 0x1)

        def read(entry: Any) -> bytes:
            return _inflate(name, ole.openstream(entry).read(), compressed)

        styles, shapes = _heading_refs(read("DocInfo")) if ole.exists("DocInfo") else (set(), set())
        bodies = sorted(
            (e for e in ole.listdir() if len(e) == 2 and e[0] == "BodyText"),
            key=lambda e: section_number(e[1]),
        )
        found = _sections((read(entry) for entry in bodies), styles, shapes)
        title = created = None
        if ole.exists("\x05HwpSummaryInformation"):
            with contextlib.suppress(Exception):  # metadata is a bonus, never fatal
                title, created = _summary(ole.openstream("\x05HwpSummaryInformation").read())
    return LoadedDocument(name, "hwp", found, title=title, created=created)
