"""DOCX (paragraphs under their headings, tables as tab-separated rows), PPTX (one section
per slide, its title as heading, grouped shapes, tables and speaker notes included) and
XLSX (one section per sheet, rows as tab-separated lines, cached formula values)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

from haneul.knowledge.loaders import LoadedDocument, Section, sections

# style names of headings: Word's own (any language), Korean Word's and Hangul's names
_HEADING_STYLE = re.compile(r"^(heading|title|제목|개요|outline)\b", re.IGNORECASE)
_OUTLINE = "./w:pPr/w:outlineLvl/@w:val"


def _iso(value: Any) -> str | None:
    return value.date().isoformat() if isinstance(value, dt.datetime) else None


def _is_heading(paragraph: Any) -> bool:
    """A heading style, or an outline level on the paragraph or its style chain."""
    if paragraph._p.xpath(_OUTLINE):
        return True
    style, depth = paragraph.style, 0
    while style is not None and depth < 10:
        if _HEADING_STYLE.match(style.name or "") or style.element.xpath(_OUTLINE):
            return True
        style, depth = style.base_style, depth + 1
    return False


def _rows(table: Any) -> Iterator[str]:
    """A table's rows as tab-separated cells; a merged cell is written once."""
    for row in table.rows:
        cells, last = [], None
        for cell in row.cells:
            if cell._tc is not last:
                cells.append(" ".join(cell.text.split()))
            last = cell._tc
        if any(cells):
            yield "\t".join(cells).rstrip("\t")


def load_docx(name: str, data: bytes) -> LoadedDocument:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    parts: list[Section] = []
    heading: str | None = None
    buffer: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            buffer.extend(_rows(block))
        elif block.text.strip() and _is_heading(block):
            parts.append(Section("\n".join(buffer), heading=heading))
            heading, buffer = block.text.strip(), []
        elif block.text.strip():
            buffer.append(block.text)
    parts.append(Section("\n".join(buffer), heading=heading))
    props = document.core_properties
    return LoadedDocument(
        name, "docx", sections(parts), title=props.title or None, created=_iso(props.created)
    )


def _shape_texts(shapes: Any, skip: int | None) -> Iterator[str]:
    """The text of every shape but the one with id `skip` (the title), groups opened."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_id == skip:
            continue
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shape_texts(shape.shapes, None)
        elif shape.has_text_frame:
            yield shape.text_frame.text
        elif getattr(shape, "has_table", False):
            for row in shape.table.rows:
                yield "\t".join(" ".join(c.text.split()) for c in row.cells)


def load_pptx(name: str, data: bytes) -> LoadedDocument:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    parts = []
    for number, slide in enumerate(deck.slides, start=1):
        title_shape = slide.shapes.title
        title = title_shape.text_frame.text if title_shape is not None else None
        skip = title_shape.shape_id if title_shape is not None else None
        texts = list(_shape_texts(slide.shapes, skip))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            texts.append(slide.notes_slide.notes_text_frame.text)
        parts.append(Section("\n".join(texts), page=number, heading=title or None))
    props = deck.core_properties
    return LoadedDocument(
        name, "pptx", sections(parts), title=props.title or None, created=_iso(props.created)
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def load_xlsx(name: str, data: bytes) -> LoadedDocument:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        parts = []
        for number, sheet in enumerate(book.worksheets, start=1):
            rows = []
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell(v) for v in row]
                if any(cells):
                    rows.append("\t".join(cells).rstrip("\t"))
            parts.append(Section("\n".join(rows), page=number, heading=sheet.title))
        props = book.properties
        return LoadedDocument(
            name, "xlsx", sections(parts), title=props.title or None, created=_iso(props.created)
        )
    finally:
        book.close()


def load_xls(name: str, data: bytes) -> LoadedDocument:
    """Excel 97-2003 (.xls, still common on shared drives): each sheet a section, as .xlsx."""
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    try:
        parts = []
        for number in range(book.nsheets):
            sheet = book.sheet_by_index(number)
            rows = []
            for r in range(sheet.nrows):
                cells = []
                for cell in sheet.row(r):
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate_as_datetime(value, book.datemode)
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        value = None
                    cells.append(_cell(value))
                if any(cells):
                    rows.append("\t".join(cells).rstrip("\t"))
            parts.append(Section("\n".join(rows), page=number + 1, heading=sheet.name))
            book.unload_sheet(number)
        return LoadedDocument(name, "xls", sections(parts))
    finally:
        book.release_resources()
