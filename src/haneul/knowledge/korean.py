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


@cache
def _kiwi() -> Any:
    from kiwipiepy import Kiwi

    return Kiwi()


def terms(text: str, *, bigrams: bool = False) -> list[str]:
    """The search terms of a text, in order (repeats kept: they are term frequencies)."""
    with _lock:
        tokens = _kiwi().tokenize(text)
    out: list[str] = []
    for t in tokens:
        if not t.tag.startswith(_CONTENT):
            continue
        form = t.form.lower()
        out.append(form)
        if bigrams and t.tag.startswith("NN") and len(form) >= 3:
            out += [form[i : i + 2] for i in range(len(form) - 1)]
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in characters; works without punctuation."""
    with _lock:
        found = _kiwi().split_into_sents(text)
    return [(s.start, s.end) for s in found]
