"""PDF: the text of each page (pypdf), one section per page."""

from __future__ import annotations

import io

from haneul.knowledge.loaders import LoadedDocument, Section, UnreadableDocumentError, sections


def load_pdf(name: str, data: bytes) -> LoadedDocument:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise UnreadableDocumentError(f"{name}: the PDF is encrypted (password protected)")
    parts = [
        Section(page.extract_text() or "", page=number)
        for number, page in enumerate(reader.pages, start=1)
    ]
    found = sections(parts)
    if reader.pages and not found:
        raise UnreadableDocumentError(f"{name}: the PDF has no text layer (a scan? OCR it first)")
    meta = reader.metadata
    created = meta.creation_date.date().isoformat() if meta and meta.creation_date else None
    return LoadedDocument(
        name, "pdf", found, title=(meta.title if meta and meta.title else None), created=created
    )
