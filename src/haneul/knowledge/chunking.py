"""Chunks for search: whole Korean sentences (Kiwi's splitter, which works without
punctuation) packed up to `max_chars`, with `overlap` sentences repeated into the next
chunk; never across a section (heading, page, slide, sheet). Each chunk is an exact span
of the document's text, so a citation can point at it.

A sentence longer than `max_chars` (a table, a list without punctuation, a run-on line)
is cut at a line break near the limit, else at a space, and only where neither exists
between characters, never inside a combining sequence.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from haneul.errors import InvalidRequestError
from haneul.knowledge.korean import Analysis, analyse, sentences, terms, terms_in
from haneul.knowledge.loaders import SEPARATOR, LoadedDocument


@dataclass(frozen=True)
class Chunk:
    text: str
    start: int  # span in LoadedDocument.text: text == doc.text[start:end]
    end: int
    page: int | None  # of the section the chunk lies in
    heading: str | None


def _joins_previous(char: str) -> bool:
    """A character that must not begin a cut piece: a combining mark, or a conjoining
    Hangul vowel or final consonant (old Hangul written as jamo)."""
    return unicodedata.combining(char) > 0 or "\u1160" <= char <= "\u11ff"


def _cut(text: str, start: int, end: int, max_chars: int) -> int:
    """Where to end a piece of text[start:end] that is longer than max_chars."""
    limit = start + max_chars
    floor = start + max_chars // 2
    for stops in ("\n", " \t\u3000"):
        at = max(text.rfind(stop, floor, limit + 1) for stop in stops)
        if at > start:
            return at
    while limit > start + 1 and _joins_previous(text[limit]):
        limit -= 1
    return limit


def _pieces(text: str, spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans of a section in order, over-long ones cut near `max_chars`."""
    out: list[tuple[int, int]] = []
    for start, end in spans or [(0, len(text))]:
        start = max(start, out[-1][1] if out else 0)  # spans never overlap
        while end - start > max_chars:
            cut = _cut(text, start, end, max_chars)
            if text[start:cut].strip():
                out.append((start, cut))
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if end > start:
            out.append((start, end))
    return out


def _pack(pieces: list[tuple[int, int]], max_chars: int, overlap: int) -> list[tuple[int, int]]:
    """Runs of consecutive pieces up to max_chars; each run after the first starts with
    up to `overlap` pieces of the one before, and always holds a piece of its own."""
    runs = []
    i = 0
    while i < len(pieces):
        j = i + 1
        while j < len(pieces) and pieces[j][1] - pieces[i][0] <= max_chars:
            j += 1
        runs.append((i, j))
        if j == len(pieces):
            break
        i = max(i + 1, j - overlap)
        while i < j and pieces[j][1] - pieces[i][0] > max_chars:
            i += 1  # the overlap gives way to the next new piece
    return [(pieces[i][0], pieces[j - 1][1]) for i, j in runs]


def _check(max_chars: int, overlap: int) -> None:
    if max_chars < 1:
        raise InvalidRequestError("max_chars must be at least 1", param="max_chars")
    if overlap < 0:
        raise InvalidRequestError("overlap must not be negative", param="overlap")


def chunk_document(doc: LoadedDocument, max_chars: int = 600, overlap: int = 1) -> list[Chunk]:
    """The document's chunks in order; `doc.text[c.start:c.end] == c.text` for each."""
    _check(max_chars, overlap)
    chunks: list[Chunk] = []
    offset = 0
    for section in doc.sections:
        text = section.text
        for start, end in _pack(_pieces(text, sentences(text), max_chars), max_chars, overlap):
            if text[start:end].strip():
                span = (offset + start, offset + end)
                chunks.append(Chunk(text[start:end], *span, section.page, section.heading))
        offset += len(text) + len(SEPARATOR)
    return chunks


def analysed_chunks(
    doc: LoadedDocument, max_chars: int = 600, overlap: int = 1
) -> list[tuple[Chunk, list[str] | None]]:
    """`chunk_document`'s chunks, each with its search terms (`korean.terms` of the chunk's
    indexed text) taken from the one Kiwi pass that split the section into sentences; None
    where that pass cannot give them exactly (a chunk that begins or ends inside a
    sentence): analyse those on their own. A chunk under a heading takes the heading's
    terms, analysed once for its section, then its own from the pass: what `terms` gives
    for each read alone. Reading the two joined (as the index text is written) differs
    where Kiwi reads across the line break (노아는 after 제2조(정의) became 아): the text's
    own reading is the better one (tests/knowledge/test_heading_one_pass.py)."""
    _check(max_chars, overlap)
    out: list[tuple[Chunk, list[str] | None]] = []
    offset = 0
    for section in doc.sections:
        text = section.text
        analysis = analyse(text)
        head: list[str] | None = None  # the heading's terms, once a whole chunk needs them
        for start, end in _pack(_pieces(text, analysis.spans, max_chars), max_chars, overlap):
            if text[start:end].strip():
                span = (offset + start, offset + end)
                chunk = Chunk(text[start:end], *span, section.page, section.heading)
                found = _terms_of(analysis, start, end)
                if found is not None and section.heading:
                    head = terms(section.heading) if head is None else head
                    found = head + found
                out.append((chunk, found))
        offset += len(text) + len(SEPARATOR)
    return out


def _terms_of(analysis: Analysis, start: int, end: int) -> list[str] | None:
    starts = {s for s, _ in analysis.spans}
    ends = {e for _, e in analysis.spans}
    if start not in starts or end not in ends:
        return None
    return terms_in(analysis, start, end)
