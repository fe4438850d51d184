"""What a skill may read of the user's documents: the `DocumentSource` seam, the typed hits and
documents it returns, and `StaticDocuments`, an in-memory source beside it for tests.

The caller puts a source in the skill's `SkillContext.documents`; the server and the CLI give
the knowledge service's (document search over the owner's collections). Skills never reach
the index or the library themselves, and a source only ever answers for `owner`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from haneul.errors import NotFoundError


@dataclass(frozen=True)
class DocumentHit:
    """One passage found for a query, with where it came from."""

    collection: str
    document_id: str
    document_name: str
    chunk_id: int
    text: str
    score: float
    snippet: str = ""  # HTML-escaped, matched terms in <mark>
    highlights: list[tuple[int, int]] = field(default_factory=list)  # spans in `text`
    page: int | None = None
    heading: str | None = None
    start: int = 0  # character span of the passage in the document's text
    end: int = 0
    cosine: float | None = None  # e5 cosine of the query and the passage (or its closest sentence)
    also_in: list[dict[str, Any]] = field(default_factory=list)  # copies' citations (search API)

    def card(self) -> dict[str, Any]:
        """The hit as skills report it (`SkillResult.data`), in the search API's shape."""
        return {
            "document_id": self.document_id,
            "document_name": self.document_name,
            "chunk_id": self.chunk_id,
            "text": self.text,
            "score": self.score,
            "snippet": self.snippet,
            "highlights": [list(span) for span in self.highlights],
            "citation": {
                "document_id": self.document_id,
                "document_name": self.document_name,
                "page": self.page,
                "heading": self.heading,
                "start": self.start,
                "end": self.end,
            },
            "collection": self.collection,
            "cosine": self.cosine,
            "also_in": self.also_in,
        }


@dataclass(frozen=True)
class Sentence:
    text: str
    page: int | None = None
    heading: str | None = None


@dataclass(frozen=True)
class DocumentText:
    """One document as its sentences, in order."""

    name: str
    sentences: list[Sentence]

    def card(self) -> dict[str, Any]:
        return {"name": self.name, "sentences": [asdict(s) for s in self.sentences]}


@runtime_checkable
class DocumentSource(Protocol):
    """The user's documents, as a skill may read them."""

    async def search(
        self, owner: str, collection: str | None, query: str, top_k: int
    ) -> list[DocumentHit]:
        """The best `top_k` passages for `query` in one of `owner`'s collections (by name),
        or in all of them; best first."""
        ...

    async def document(
        self, owner: str, name: str | None, about: str | None = None
    ) -> DocumentText:
        """One of `owner`'s documents: the one named (whole name, or part of it), else the one
        whose name the words `about` mention (`mentioned`), else the one added last;
        `NotFoundError` when there is none."""
        ...


def _stem_bigrams(text: str) -> set[str]:
    flat = "".join(re.sub(r"\.[A-Za-z0-9]+$", "", text).lower().split())
    return {flat[i : i + 2] for i in range(len(flat) - 1)}


def mentioned(about: str, names: list[str]) -> int | None:
    """The index of the name that `about` mentions best, spaces aside («휴가 규정 문서를 표로
    정리해줘» mentions 휴가규정.txt): most of the name's letter pairs (without its extension)
    in `about`; None when no name has half of them there."""
    words = "".join(about.lower().split())
    best, at = 0.5, None
    for i, name in enumerate(names):
        grams = _stem_bigrams(name)
        share = sum(g in words for g in grams) / len(grams) if grams else 0.0
        if share >= best:
            best, at = share, i
    return at


@dataclass
class StaticDocuments:
    """A `DocumentSource` over documents held in memory, for tests: `documents` maps an
    owner to (collection, document name, text) triples; a passage is a paragraph, and a
    passage's score is the share of the query's words it contains."""

    documents: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)

    async def search(
        self, owner: str, collection: str | None, query: str, top_k: int
    ) -> list[DocumentHit]:
        words = set(query.split())
        hits = []
        for n, (coll, name, text) in enumerate(self.documents.get(owner, [])):
            if collection not in (None, coll):
                continue
            start = 0
            for m, passage in enumerate(text.split("\n\n")):
                if found := sum(1 for w in words if w in passage):
                    score, end = found / len(words), start + len(passage)
                    hit = DocumentHit(coll, f"doc_{n}", name, n * 1000 + m, passage, score)
                    hits.append(replace(hit, start=start, end=end))
                start += len(passage) + 2
        return sorted(hits, key=lambda h: -h.score)[:top_k]

    async def document(
        self, owner: str, name: str | None, about: str | None = None
    ) -> DocumentText:
        found = [(n, t) for _, n, t in self.documents.get(owner, []) if not name or name in n]
        at = mentioned(about, [n for n, _ in found]) if about and not name else None
        found = found if at is None else [found[at]]
        if not found:
            what = f"'{name}'" if name else "any"
            raise NotFoundError(f"no document {what} in your collections", param="document")
        doc_name, text = found[-1]
        sentences = [Sentence(line.strip()) for line in text.splitlines() if line.strip()]
        return DocumentText(doc_name, sentences)
