"""Korean text into search terms with Kiwi: content morphemes, particles and endings dropped,
so that 서울시청은, 서울시청이 and 서울시청 are one term. On request, long nouns also give
their character bigrams (서울시청 then meets 서울 시청 written apart); measured on KorQuAD
this costs more ranking quality than it gains, so it is off by default."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from haneul.engine.kiwi import LOCK, kiwi

# Kiwi tag prefixes that carry meaning: nouns, verb and adjective stems, adverbs, roots,
# foreign words, numbers, hanja
_CONTENT = ("NN", "NP", "NR", "VV", "VA", "MAG", "XR", "SL", "SN", "SH")
SENTENCE_SLICE = 4000  # characters Kiwi splits under one hold of its lock


def load() -> None:
    """Load Kiwi now. Its load holds the GIL for a second or more (1.5 s measured on a busy
    2-core machine): a server that preloads its embedding model loads Kiwi at startup too,
    before it answers anyone, instead of in its first search or upload."""
    kiwi()


Token = tuple[str, str, int, int]  # form, tag, start, end (characters)


@dataclass(frozen=True)
class Analysis:
    """One Kiwi pass over a text: its sentence spans (as `sentences` gives them) and every
    token of those sentences, offsets in the text. Chunks and their search terms both come
    from it (`terms_in`), so ingestion runs Kiwi once per paragraph instead of twice."""

    spans: list[tuple[int, int]]
    tokens: list[Token]


def _content(tokens: Iterable[Token], compounds: bool) -> list[Token]:
    """The content tokens in order; with `compounds`, runs of nouns written together add
    their joined form (tag NNC)."""
    out: list[Token] = []
    run: list[Token] = []  # nouns written together, as in 서울+시청에서
    for form, tag, start, end in tokens:
        if not tag.startswith(_CONTENT):
            run = []
            continue
        token = (form.lower(), tag, start, end)
        out.append(token)
        if not compounds:
            continue
        if tag.startswith("NN") and run and run[-1][3] == start:
            run.append(token)
            out.append(("".join(r[0] for r in run), "NNC", run[0][2], end))
        else:
            run = [token] if tag.startswith("NN") else []
    return out


def _content_tokens(text: str, compounds: bool) -> list[Token]:
    with LOCK:
        tokens = kiwi().tokenize(text)
    return _content(((t.form, t.tag, t.start, t.start + t.len) for t in tokens), compounds)


def _terms(content: list[Token], bigrams: bool) -> list[str]:
    out: list[str] = []
    for form, tag, _, _ in content:
        out.append(form)
        if bigrams and tag.startswith("NN") and tag != "NNC" and len(form) >= 3:
            out += [form[i : i + 2] for i in range(len(form) - 1)]
    return out


def terms(text: str, *, bigrams: bool = False, compounds: bool = True) -> list[str]:
    """The search terms of a text, in order (repeats kept: they are term frequencies).
    With `compounds`, nouns written together also give their joined form, so a text
    Kiwi splits as 서울+시청 still holds the term 서울시청."""
    return _terms(_content_tokens(text, compounds), bigrams)


def terms_in(
    analysis: Analysis, start: int, end: int, *, bigrams: bool = False, compounds: bool = True
) -> list[str]:
    """The search terms of text[start:end] from the text's one analysis, without running
    Kiwi again: the tokens lying inside the span. For a span of whole sentences these are
    the terms `terms` gives for text[start:end] (tests/knowledge/test_one_kiwi_pass.py
    checks that on KorQuAD); a span that cuts a sentence should be analysed on its own."""
    inside = (t for t in analysis.tokens if t[2] >= start and t[3] <= end)
    return _terms(_content(inside, compounds), bigrams)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in characters; works without punctuation.

    A long text is split `SENTENCE_SLICE` characters at a time, Kiwi's lock taken for one
    slice only, so that one large document never holds every other caller (another
    tenant's search analysing its query) for the whole of its text. A slice's last
    sentence may be cut by the slice's end: it is left out, and the next slice starts at
    it (a single sentence longer than a slice is kept as Kiwi found it)."""
    out: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + SENTENCE_SLICE)
        with LOCK:
            found = kiwi().split_into_sents(text[start:end])
        spans = [(start + s.start, start + s.end) for s in found]
        if end < len(text) and len(spans) > 1:
            end = spans.pop()[0]  # it may run on past the slice: split it again
        out += spans
        start = end
    return out


def analyse(text: str) -> Analysis:
    """Sentence spans and tokens in one Kiwi pass, `SENTENCE_SLICE` characters under one
    hold of the lock as in `sentences` (the spans are the same: a slice's cut-off last
    sentence and its tokens are left to the next slice)."""
    spans: list[tuple[int, int]] = []
    tokens: list[Token] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + SENTENCE_SLICE)
        with LOCK:
            found = kiwi().split_into_sents(text[start:end], return_tokens=True)
        if end < len(text) and len(found) > 1:
            end = start + found.pop().start  # it may run on past the slice: split it again
        for sent in found:
            spans.append((start + sent.start, start + sent.end))
            tokens += [(t.form, t.tag, start + t.start, start + t.end) for t in sent.tokens]
        start = end
    return Analysis(spans, tokens)


def nouns(text: str) -> list[str]:
    """The common and proper nouns Kiwi finds in `text`, two letters or more, in order
    (출장, 일비, 현금; not 수, 것, 때)."""
    with LOCK:
        tokens = kiwi().tokenize(text)
    return [t.form for t in tokens if t.tag in ("NNG", "NNP") and len(t.form) >= 2]


def proper_nouns(text: str) -> set[str]:
    """The proper nouns Kiwi finds in `text` (부산, 제주도, 네이버, 김하늘)."""
    with LOCK:
        tokens = kiwi().tokenize(text)
    return {t.form for t in tokens if t.tag == "NNP"}
