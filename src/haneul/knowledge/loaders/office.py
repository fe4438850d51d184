"""DOCX (paragraphs with their heading styles, tables as tab-separated rows), PPTX (one
section per slide, its title as heading) and XLSX (one section per sheet)."""

from __future__ import annotations

import io
from typing import Any

from haneul.knowledge.loaders import LoadedDocument, Section, sections


def _iso(value: Any) -> str | None:
    return value.date().isoformat() if value is not None and hasattr(value, "date") else None


def load_docx(name: str, data: bytes) -> LoadedDocument:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    parts: list[Section] = []
    heading, buffer = None, []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = ["\t".join(c.text.strip() for c in row.cells) for row in block.rows]
            buffer.append("\n".join(rows))
            continue
        assert isinstance(block, Paragraph)
        style = (block.style.name if block.style is not None else "") or ""
        if style.startswith("Heading") or style == "Title":
            parts.append(Section("\n".join(buffer), heading=heading))
            heading, buffer = block.text.strip() or heading, []
        elif block.text.strip():
            buffer.append(block.text)
    parts.append(Section("\n".join(buffer), heading=heading))
    props = document.core_properties
    return LoadedDocument(
        name, "docx", sections(parts), title=props.title or None, created=_iso(props.created)
    )


def load_pptx(name: str, data: bytes) -> LoadedDocument:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    parts = []
    for number, slide in enumerate(deck.slides, start=1):
        title_shape = slide.shapes.title
        title = title_shape.text_frame.text.strip() if title_shape is not None else None
        texts = []
        for shape in slide.shapes:
            if shape is title_shape:
                continue
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False):
                for row in shape.table.rows:
                    texts.append("\t".join(c.text.strip() for c in row.cells))
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
        parts.append(Section("\n".join(texts), page=number, heading=title or None))
    props = deck.core_properties
    return LoadedDocument(
        name, "pptx", sections(parts), title=props.title or None, created=_iso(props.created)
    )


def load_xlsx(name: str, data: bytes) -> LoadedDocument:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        parts = []
        for number, sheet in enumerate(book.worksheets, start=1):
            rows = []
            for row in sheet.iter_rows(values_only=True):
                cells = ["" if v is None else str(v) for v in row]
                if any(c.strip() for c in cells):
                    rows.append("\t".join(cells).rstrip("\t"))
            parts.append(Section("\n".join(rows), page=number, heading=sheet.title))
        props = book.properties
        return LoadedDocument(
            name, "xlsx", sections(parts), title=props.title or None, created=_iso(props.created)
        )
    finally:
        book.close()
