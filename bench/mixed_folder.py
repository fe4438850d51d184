"""A mixed folder of Korean office files for bench/ingest.py (both its peer, today's pipeline,
and the lexical-first one ingest the same folder), written from the shared KorQuAD
paragraphs: PDF (reportlab, a CID font, one paragraph per page, wrapped), DOCX
(python-docx, a heading per paragraph), HWPX (the report exporter's writer) and plain text,
in turn, until the folder holds `megabytes` of files.

Each file takes a seeded random draw of paragraphs, so no two files are the same bytes (the
ingestor would skip a repeated hash only under the same name, but a fair folder has no
copies). Returned: the files' paths and how many source paragraphs each holds.
"""

from __future__ import annotations

import io
import random
import textwrap
from pathlib import Path

from haneul.workspace.reports.export import Document
from haneul.workspace.reports.hwpx import hwpx

KINDS = ("pdf", "docx", "hwpx", "txt")
PER_FILE = 12  # paragraphs per file


def _pdf(title: str, texts: list[str]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "HYSMyeongJo-Medium"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setTitle(title)
    for text in texts:
        lines = page.beginText(56, 780)
        lines.setFont(font, 10)
        for line in textwrap.wrap(text, 42):
            lines.textLine(line)
        page.drawText(lines)
        page.showPage()
    page.save()
    return out.getvalue()


def _docx(title: str, texts: list[str]) -> bytes:
    import docx

    doc = docx.Document()
    doc.core_properties.title = title
    doc.add_heading(title, level=1)
    for i, text in enumerate(texts, 1):
        doc.add_heading(f"{i}절", level=2)
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _hwpx(title: str, texts: list[str]) -> bytes:
    sections = [(f"{i}절", text) for i, text in enumerate(texts, 1)]
    return hwpx(Document(title, sections, [["구분", "문단 수"], ["본문", str(len(texts))]], []))


def _txt(title: str, texts: list[str]) -> bytes:
    return (title + "\n\n" + "\n\n".join(texts)).encode()


WRITERS = {"pdf": _pdf, "docx": _docx, "hwpx": _hwpx, "txt": _txt}


def write_folder(
    folder: Path, paragraphs: list[str], megabytes: float, seed: int = 24
) -> list[tuple[Path, int]]:
    """Write files into `folder` (made if missing) until their sizes add up to `megabytes`."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written: list[tuple[Path, int]] = []
    total = 0
    n = 0
    while total < megabytes * 1_000_000:
        kind = KINDS[n % len(KINDS)]
        texts = rng.sample(paragraphs, PER_FILE)
        title = f"사내 자료 {n:05d}"
        path = folder / kind / f"자료{n:05d}.{kind}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(WRITERS[kind](title, texts))
        total += path.stat().st_size
        written.append((path, len(texts)))
        n += 1
    return written
