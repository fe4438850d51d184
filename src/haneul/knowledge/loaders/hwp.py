"""The Korean office formats: HWPX (OWPML: a zip of XML sections) and HWP 5.0 (an OLE
compound file whose `BodyText/Section{n}` streams hold binary records, raw-deflate
compressed when the file header says so).

The HWP record parser is written by hand: the readers on PyPI (pyhwp) are AGPL. It takes
the text of every paragraph (`HWPTAG_PARA_TEXT`), tables and text boxes included, and
skips inline and extended controls; it does not read the document's headings.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from xml.etree import ElementTree

from haneul.knowledge.loaders import LoadedDocument, Section, UnreadableDocumentError, sections

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
PARA_TEXT = 67  # HWPTAG_BEGIN (16) + 51
CHAR_CONTROLS = {0, 10, 13, 24, 25, 26, 27, 28, 29, 30, 31}  # one wchar each; others take 8


def _section_number(name: str) -> int:
    found = re.search(r"(\d+)", name.rsplit("/", 1)[-1])
    return int(found.group(1)) if found else 0


def load_hwpx(name: str, data: bytes) -> LoadedDocument:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(
            (n for n in archive.namelist() if re.match(r"Contents/section\d+\.xml$", n)),
            key=_section_number,
        )
        if not names:
            raise UnreadableDocumentError(f"{name}: not an HWPX file (no Contents/section*.xml)")
        paragraphs = []
        for section in names:
            root = ElementTree.fromstring(archive.read(section))
            for p in root.iter(f"{HP}p"):
                if p.find(f".//{HP}p") is not None:
                    continue  # a table or box: its inner paragraphs come on their own
                paragraphs.append("".join(t.text or "" for t in p.iter(f"{HP}t")))
    return LoadedDocument(name, "hwpx", sections([Section("\n".join(paragraphs))]))


def _records(stream: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos + 4 <= len(stream):
        (header,) = struct.unpack_from("<I", stream, pos)
        tag, size = header & 0x3FF, (header >> 20) & 0xFFF
        pos += 4
        if size == 0xFFF:
            (size,) = struct.unpack_from("<I", stream, pos)
            pos += 4
        out.append((tag, stream[pos : pos + size]))
        pos += size
    return out


def para_text(payload: bytes) -> str:
    """The characters of a PARA_TEXT record, controls left out."""
    chars = struct.unpack(f"<{len(payload) // 2}H", payload[: len(payload) // 2 * 2])
    out, i = [], 0
    while i < len(chars):
        c = chars[i]
        if c >= 32:
            out.append(chr(c))
            i += 1
        elif c in CHAR_CONTROLS:
            out.append("\n" if c in (10, 13) else " " if c in (30, 31) else "")
            i += 1
        else:
            i += 8  # inline or extended control: code, 12 bytes of data, code again
    return "".join(out)


def load_hwp(name: str, data: bytes) -> LoadedDocument:
    import olefile

    if not olefile.isOleFile(io.BytesIO(data)):
        raise UnreadableDocumentError(f"{name}: not an HWP 5.0 file (no OLE container)")
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        if not ole.exists("FileHeader"):
            raise UnreadableDocumentError(f"{name}: not an HWP file (no FileHeader)")
        header = ole.openstream("FileHeader").read()
        if not header.startswith(b"HWP Document File"):
            raise UnreadableDocumentError(f"{name}: not an HWP file (bad signature)")
        (flags,) = struct.unpack_from("<I", header, 36)
        if flags & 0x2:
            raise UnreadableDocumentError(f"{name}: the HWP file is password protected")
        if flags & 0x4:
            raise UnreadableDocumentError(f"{name}: HWP distribution documents are not supported")
        streams = sorted(
            (e for e in ole.listdir() if len(e) == 2 and e[0] == "BodyText"),
            key=lambda e: _section_number(e[1]),
        )
        paragraphs = []
        for entry in streams:
            raw = ole.openstream(entry).read()
            body = zlib.decompressobj(-15).decompress(raw) if flags & 0x1 else raw
            paragraphs += [para_text(p) for tag, p in _records(body) if tag == PARA_TEXT]
    return LoadedDocument(name, "hwp", sections([Section("\n".join(paragraphs))]))
