"""PDF: the text of each page (pypdf), one section per page.

A PDF locked only by an owner password (printing or copying restricted, common for
public-sector documents) opens with the empty user password and is read; one that needs
a password to open is refused. A PDF with no text layer (a scan) has the images on its
pages read with OCR (loaders/image.py, Tesseract); with no Tesseract, or no text in them, it
is refused with that reason.
"""

from __future__ import annotations

import contextlib
import io
import logging
from typing import Any

from haneul.knowledge.loaders import LoadedDocument, Section, UnreadableDocumentError, sections

log = logging.getLogger(__name__)
# pypdf warns of what it repairs as it reads ("EOF marker not found", "Ignoring wrong
# pointing object"): on a shared drive of PDFs that is a screenful of noise beside the one
# line a file that fails gets (its reason); its errors still show
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _metadata(reader: Any) -> tuple[str | None, str | None]:
    """Title and ISO creation date; a malformed metadata field is skipped, not fatal."""
    title = created = None
    with contextlib.suppress(Exception):
        if reader.metadata and reader.metadata.title:
            title = str(reader.metadata.title).strip() or None
    with contextlib.suppress(Exception):
        if reader.metadata and reader.metadata.creation_date:
            created = reader.metadata.creation_date.date().isoformat()
    return title, created


def _scanned(name: str, reader: Any) -> list[Section]:
    """A scan: the text OCR reads in each page's images, one section per page."""
    from haneul.knowledge.loaders.image import INSTALL, ocr_text

    parts = []
    for number, page in enumerate(reader.pages, start=1):
        texts, images = [], []
        with contextlib.suppress(Exception):  # an image pypdf cannot decode is skipped
            images = [image.data for image in page.images]
        for data in images:
            try:
                texts.append(ocr_text(data))
            except UnreadableDocumentError as e:
                if INSTALL in e.message:
                    raise UnreadableDocumentError(
                        f"{name}: the PDF has no text layer (a scan), and {INSTALL}"
                    ) from e
        parts.append(Section("\n\n".join(texts), page=number))
    found = sections(parts)
    if not found:
        raise UnreadableDocumentError(f"{name}: the PDF has no text layer (a scan? OCR it first)")
    return found


def load_pdf(name: str, data: bytes) -> LoadedDocument:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError as e:
            raise UnreadableDocumentError(f"{name}: encrypted PDF ({e})") from e
        if not opened:
            raise UnreadableDocumentError(f"{name}: encrypted PDF (it needs a password to open)")
    parts, failures = [], []
    for number, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as e:  # one broken page must not lose the others
            log.warning("%s: page %d: %s", name, number, e)
            failures.append(e)
            text = ""
        parts.append(Section(text, page=number))
    found = sections(parts)
    if failures and not found:
        raise failures[0]
    if not parts:
        raise UnreadableDocumentError(f"{name}: the PDF has no pages")
    if not found:
        found = _scanned(name, reader)
    title, created = _metadata(reader)
    return LoadedDocument(name, "pdf", found, title=title, created=created)
