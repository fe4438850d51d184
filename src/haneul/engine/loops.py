"""A streaming repetition detector: it reads an answer as it is generated and says when the
model is looping or stalled, so the engine can stop it long before `max_tokens`.

Everything counts characters, never bytes or tokens, so Korean (one syllable, three UTF-8
bytes, often two tokens) is judged like any other script. Five rules, each conservative
enough that ordinary Korean prose, numbered lists and «네 네» stay untouched (checked against
KorQuAD paragraphs in tests/engine/test_loops.py):

- `periodic`: the tail is one unit repeated at least three times and spans `min_span`
  characters («근거: "근거: "근거: "…», «서울, 부산, 서울, 부산, …», a run of quote marks);
- `line`: one line (list markers and numbers stripped) makes up 4 of the last 8 lines
  («1. 명소\\n2. 명소\\n3. 명소…»);
- `words`: the last 48 words use fewer than 12 distinct words (a small vocabulary cycling
  in a different order every time);
- `ngrams`: at least 75% of the last 240 character 10-grams already occurred in the answer
  (a sentence repeated with a word changed);
- `stall`: 64 chunks in a row added nothing visible, or one character is 60% of the last
  128 visible characters (an answer stuck on quotes or spaces).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass

MAX_PERIOD = 100  # longest repeated unit the periodic rule looks for, in characters
MIN_SPAN = 48  # a periodic tail must cover this many characters (3 copies at least)
MIN_SPAN_SYMBOLS = 96  # ... or this many when the unit has no letter (quotes, spaces, dashes)
LINE_WINDOW, LINE_REPEATS = 8, 4
WORD_WINDOW, WORD_MIN_DISTINCT = 48, 12
NGRAM, NGRAM_WINDOW, NGRAM_SEEN = 10, 240, 0.75
BLANK_CHUNKS = 64  # chunks in a row without a visible character
CHAR_WINDOW, CHAR_SHARE = 128, 0.6

_LIST_MARKER = re.compile(r"^[\s\-*•·>#\d.)\]]+")
_WORD_EDGE = re.compile(r"^\W+|\W+$")


@dataclass(frozen=True)
class Verdict:
    rule: str  # which rule fired: periodic, line, words, ngrams, stall
    keep: int  # characters worth keeping (the text before the repeats began)


class LoopDetector:
    """Feed it each streamed piece of text; `feed` returns a `Verdict` once the answer loops."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self._runs = [0] * (MAX_PERIOD + 1)  # trailing chars with text[i] == text[i - p]
        self._lines: deque[str] = deque(maxlen=LINE_WINDOW)
        self._line: list[str] = []
        self._words: deque[str] = deque(maxlen=WORD_WINDOW)
        self._word: list[str] = []
        self._seen: set[str] = set()
        self._novel: deque[bool] = deque()
        self._repeats = 0  # how many of `_novel` are False
        self._squeezed: list[str] = []  # the text with whitespace runs as one space
        self._visible: deque[str] = deque()
        self._counts: Counter[str] = Counter()
        self._blank_chunks = 0
        self.verdict: Verdict | None = None

    def feed(self, piece: str) -> Verdict | None:
        """Read one more chunk of the answer (possibly empty); a verdict when it loops."""
        if self.verdict is not None:
            return self.verdict
        if piece.strip():
            self._blank_chunks = 0
        else:
            self._blank_chunks += 1
            if self._blank_chunks >= BLANK_CHUNKS:
                return self._stop("stall", len(self.text))
        for ch in piece:
            if (verdict := self._char(ch)) is not None:
                return self._stop(verdict.rule, verdict.keep)
        return None

    def _stop(self, rule: str, keep: int) -> Verdict:
        self.verdict = Verdict(rule, keep)
        return self.verdict

    def _char(self, ch: str) -> Verdict | None:
        text = self.text
        text.append(ch)
        n = len(text)
        return (
            self._periodic(ch, n)
            or self._by_line(ch, n)
            or self._by_word(ch, n)
            or self._by_ngram(ch, n)
            or self._by_char(ch, n)
        )

    def _periodic(self, ch: str, n: int) -> Verdict | None:
        text, runs = self.text, self._runs
        for p in range(1, min(MAX_PERIOD, n - 1) + 1):
            runs[p] = runs[p] + 1 if text[n - 1 - p] == ch else 0
            span = runs[p] + p
            if runs[p] >= 2 * p and span >= MIN_SPAN:
                unit = text[n - p :]
                if span >= MIN_SPAN_SYMBOLS or any(c.isalnum() for c in unit):
                    return Verdict("periodic", n - runs[p])
        return None

    def _by_line(self, ch: str, n: int) -> Verdict | None:
        if ch != "\n":
            self._line.append(ch)
            return None
        line = " ".join(_LIST_MARKER.sub("", "".join(self._line)).split())
        self._line = []
        if not any(c.isalpha() for c in line):
            return None
        self._lines.append(line)
        if self._lines.count(line) >= LINE_REPEATS:
            return Verdict("line", n)
        return None

    def _by_word(self, ch: str, n: int) -> Verdict | None:
        if not ch.isspace():
            self._word.append(ch)
            return None
        word = _WORD_EDGE.sub("", "".join(self._word))
        self._word = []
        if not any(c.isalpha() for c in word):
            return None
        self._words.append(word)
        if len(self._words) == WORD_WINDOW and len(set(self._words)) < WORD_MIN_DISTINCT:
            return Verdict("words", n)
        return None

    def _by_ngram(self, ch: str, n: int) -> Verdict | None:
        squeezed = self._squeezed
        if ch.isspace():
            if squeezed and squeezed[-1] == " ":
                return None
            ch = " "
        squeezed.append(ch)
        if len(squeezed) < NGRAM:
            return None
        gram = "".join(squeezed[-NGRAM:])
        novel = gram not in self._seen
        self._seen.add(gram)
        self._novel.append(novel)
        self._repeats += not novel
        if len(self._novel) > NGRAM_WINDOW:
            self._repeats -= not self._novel.popleft()
        if len(self._novel) == NGRAM_WINDOW and self._repeats >= NGRAM_SEEN * NGRAM_WINDOW:
            return Verdict("ngrams", n)
        return None

    def _by_char(self, ch: str, n: int) -> Verdict | None:
        if ch.isspace():
            return None
        self._visible.append(ch)
        self._counts[ch] += 1
        if len(self._visible) > CHAR_WINDOW:
            self._counts[self._visible.popleft()] -= 1
        if len(self._visible) == CHAR_WINDOW and self._counts[ch] >= CHAR_SHARE * CHAR_WINDOW:
            return Verdict("stall", n)
        return None


def find_loop(text: str) -> Verdict | None:
    """The verdict on a whole answer (the non-streaming paths)."""
    return LoopDetector().feed(text)
