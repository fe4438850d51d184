"""Korean text into search terms with Kiwi: content morphemes, particles and endings dropped,
so that 서울시청은, 서울시청이 and 서울시청 are one term. On request, long nouns also give
their character bigrams (서울시청 then meets 서울 시청 written apart); measured on KorQuAD
this costs more ranking quality than it gains, so it is off by default."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

# Kiwi tag prefixes that carry meaning: nouns, verb and adjective stems, adverbs, roots,
# foreign words, numbers, hanja
_CONTENT = ("NN", "NP", "NR", "VV", "VA", "MAG", "XR", "SL", "SN", "SH")
_lock = threading.Lock()
SENTENCE_SLICE = 4000  # characters Kiwi splits under one hold of its lock


@cache
def _kiwi() -> Any:
    from kiwipiepy import Kiwi

    return Kiwi()


def load() -> None:
    """Load Kiwi now. Its load holds the GIL for a second or more (1.5 s measured on a busy
    2-core machine): a server that preloads its embedding model loads Kiwi at startup too,
    before it answers anyone, instead of in its first search or upload."""
    _kiwi()


def _content_tokens(text: str, compounds: bool) -> list[tuple[str, str, int, int]]:
    with _lock:
        tokens = _kiwi().tokenize(text)
    out: list[tuple[str, str, int, int]] = []
    run: list[tuple[str, str, int, int]] = []  # nouns written together, as in 서울+시청에서
    for t in tokens:
        if not t.tag.startswith(_CONTENT):
            run = []
            continue
        token = (t.form.lower(), t.tag, t.start, t.start + t.len)
        out.append(token)
        if not compounds:
            continue
        if t.tag.startswith("NN") and run and run[-1][3] == token[2]:
            run.append(token)
            out.append(("".join(r[0] for r in run), "NNC", run[0][2], token[3]))
        else:
            run = [token] if t.tag.startswith("NN") else []
    return out


def terms(text: str, *, bigrams: bool = False, compounds: bool = True) -> list[str]:
    """The search terms of a text, in order (repeats kept: they are term frequencies).
    With `compounds`, nouns written together also give their joined form, so a text
    Kiwi splits as 서울+시청 still holds the term 서울시청."""
    out: list[str] = []
    for form, tag, _, _ in _content_tokens(text, compounds):
        out.append(form)
        if bigrams and tag.startswith("NN") and tag != "NNC" and len(form) >= 3:
            out += [form[i : i + 2] for i in range(len(form) - 1)]
    return out


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
        with _lock:
            found = _kiwi().split_into_sents(text[start:end])
        spans = [(start + s.start, start + s.end) for s in found]
        if end < len(text) and len(spans) > 1:
            end = spans.pop()[0]  # it may run on past the slice: split it again
        out += spans
        start = end
    return out


def proper_nouns(text: str) -> set[str]:
    """The proper nouns Kiwi finds in `text` (부산, 제주도, 네이버, 김하늘)."""
    with _lock:
        tokens = _kiwi().tokenize(text)
    return {t.form for t in tokens if t.tag == "NNP"}
