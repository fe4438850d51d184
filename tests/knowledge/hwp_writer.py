"""Test helper: write a real HWP 5.0 file, an OLE compound file (CFB v3) holding a
FileHeader and one compressed BodyText/Section0 of records. olefile only reads, so this
writes the container by hand: every stream is padded to 4096 bytes so that none goes to
the mini stream (the reader ignores the padding: a FileHeader is read by offsets, and
raw deflate stops at its own end)."""

from __future__ import annotations

import struct
import zlib

SECTOR = 512
END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def para_text_record(text: str, with_control: bool = False) -> bytes:
    payload = b""
    if with_control:  # an extended control (a table anchor): 8 wchars
        payload += struct.pack("<8H", 11, 0x7462, 0x6C, 0, 0, 0, 0, 11)
    payload += text.encode("utf-16-le") + struct.pack("<H", 13)
    header = 67 | (0 << 10) | (len(payload) << 20)
    return struct.pack("<I", header) + payload


def _entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\0" * 16
        + struct.pack("<I", 0)
        + b"\0" * 16
        + struct.pack("<IQ", start, size)
    )


def hwp_file(paragraphs: list[str], *, flags: int = 0x1) -> bytes:
    """HWP 5.0 bytes; `flags` bit 0: compressed body, bit 1: password."""
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000300, flags)
    body = b"".join(para_text_record(p, with_control=i == 0) for i, p in enumerate(paragraphs))
    if flags & 0x1:
        squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = squeeze.compress(body) + squeeze.flush()
    streams = [header.ljust(4096, b"\0"), body.ljust(4096, b"\0")]
    # sectors: 0 FAT, 1 directory, then the two streams (8 sectors each)
    starts = [2, 2 + 8]
    fat = [FATSECT, END]
    for start in starts:
        fat += [start + i + 1 for i in range(7)] + [END]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    directory = (
        _entry("Root Entry", 5, child=1, right=NOSTREAM, start=END, size=0)
        + _entry("FileHeader", 2, child=NOSTREAM, right=2, start=starts[0], size=4096)
        + _entry("BodyText", 1, child=3, right=NOSTREAM, start=0, size=0)
        + _entry("Section0", 2, child=NOSTREAM, right=NOSTREAM, start=starts[1], size=4096)
    )
    head = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIII", 0, 1, 1, 0)  # dir sectors, FAT sectors, first dir, txn
        + struct.pack("<IIIII", 4096, END, 0, END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<108I", *([FREE] * 108))
    )
    return head + struct.pack(f"<{len(fat)}I", *fat) + directory + b"".join(streams)
