"""Chunks for search: whole Korean sentences (Kiwi's splitter, which works without
punctuation) packed up to `max_chars`, with `overlap` sentences repeated into the next
chunk; never across a section (heading, page, slide). Each chunk is an exact span of the
document's text, so a citation can point at it."""

from __future__ import annotations

from dataclasses import dataclass

from haneul.knowledge.korean import sentences
from haneul.knowledge.loaders import SEPARATOR, LoadedDocument


@dataclass(frozen=True)
class Chunk:
    text: str
    start: int  # span in LoadedDocument.text: text == doc.text[start:end]
    end: int
    page: int | None
    heading: str | None


def _pieces(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans of a section, over-long ones cut at a space near `max_chars`."""
    out = []
    for start, end in sentences(text) or [(0, len(text))]:
        while end - start > max_chars:
            cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
            cut = cut if cut > start else start + max_chars
            out.append((start, cut))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if end > start:
            out.append((start, end))
    return out


def chunk_document(doc: LoadedDocument, max_chars: int = 600, overlap: int = 1) -> list[Chunk]:
    chunks: list[Chunk] = []
    offset = 0
    for section in doc.sections:
        pieces = _pieces(section.text, max_chars)
        i = 0
        while i < len(pieces):
            j = i + 1
            while j < len(pieces) and pieces[j][1] - pieces[i][0] <= max_chars:
                j += 1
            start, end = pieces[i][0], pieces[j - 1][1]
            text = section.text[start:end]
            if text.strip():
                chunks.append(
                    Chunk(text, offset + start, offset + end, section.page, section.heading)
                )
            # the next chunk starts `overlap` sentences back, but always moves forward
            i = max(i + 1, j - overlap) if j < len(pieces) else j
        offset += len(section.text) + len(SEPARATOR)
    return chunks
