"""Undoing the disguises people put on text before a pattern check, keeping each char's place.

`fold(text)` returns a `Folded` text: full-width and other compatibility forms as plain ones
(NFKC, per character), lower case, zero-width and other format characters dropped
(U+200B, U+200C, U+200D, U+2060, U+FEFF, U+00AD, Hangul fillers), loose jamo composed into
syllables (ㅁㅜㅅㅣ -> 무시, also the conjoining jamo of NFD text) and runs of whitespace as one
space. `Folded.squeezed()` also drops every space and symbol, so that spaced-out syllables
(이 전 지 시 를) and symbols put between them (무.시) read as one word. `Folded.despaced()` joins
only runs of single Latin letters split by spaces or symbols («i g n o r e», «i.g.n.o.r.e»),
leaving ordinary English words apart, and says where those runs are.

Every folded character remembers the span of the original characters it came from, so a match
on the folded text is reported on the original (`Folded.span`). One pass, linear in the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_DROP = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u034f", "\u180e"}  # fillers, joiners
_COMPAT_L = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_COMPAT_T = "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"


def _initial(ch: str) -> int:
    """The index of a leading consonant (compatibility or conjoining jamo), or -1."""
    if "\u1100" <= ch <= "\u1112":
        return ord(ch) - 0x1100
    return _COMPAT_L.find(ch) if ch else -1


def _vowel(ch: str) -> int:
    if "\u1161" <= ch <= "\u1175":
        return ord(ch) - 0x1161
    if "\u314f" <= ch <= "\u3163":
        return ord(ch) - 0x314F
    return -1


def _final(ch: str) -> int:
    """The index (1..27) of a final consonant, or 0."""
    if "\u11a8" <= ch <= "\u11c2":
        return ord(ch) - 0x11A8 + 1
    return _COMPAT_T.find(ch) + 1 if ch else 0


@dataclass
class Folded:
    text: str
    starts: list[int]  # for each char of `text`, where its source begins in the original
    ends: list[int]  # ... and where it ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of `text[start:end]`."""
        return self.starts[start], self.ends[end - 1]

    def squeezed(self) -> Folded:
        """The same text with spaces and symbols dropped: letters, digits and syllables only."""
        keep = [i for i, ch in enumerate(self.text) if ch.isalnum()]
        return Folded(
            "".join(self.text[i] for i in keep),
            [self.starts[i] for i in keep],
            [self.ends[i] for i in keep],
        )

    def despaced(self) -> tuple[Folded, list[tuple[int, int]]]:
        """The text with each run of three or more single letters split by spaces or symbols
        joined into one word; and the runs' spans on the original text."""
        keep: list[int] = []
        runs: list[tuple[int, int]] = []
        pos = 0
        for m in _SPACED_LETTERS.finditer(self.text):
            keep.extend(range(pos, m.start()))
            keep.extend(i for i in range(m.start(), m.end()) if self.text[i].isalpha())
            runs.append(self.span(m.start(), m.end()))
            pos = m.end()
        keep.extend(range(pos, len(self.text)))
        view = Folded(
            "".join(self.text[i] for i in keep),
            [self.starts[i] for i in keep],
            [self.ends[i] for i in keep],
        )
        return view, runs


# single letters with one or two separators between them: «i g n o r e», «p.r.e.v»; no letter
# may touch another, so ordinary words are never joined (each step is one letter: linear)
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?:[ .,\-_*/|·:;~+]{1,2}[a-z](?![a-z0-9])){2,}")

# characters NFKC leaves alone and that need no other care: copied a run at a time
_PLAIN = re.compile(r"[ 가-힣a-z0-9!-@\[-`{-~]+")
_JAMO = re.compile("[\u1100-\u11ff\u3131-\u318e]")
_SPACES = re.compile("  +")


def _nfkc(text: str) -> tuple[list[str], list[int]]:
    """Per character: NFKC (compatibility jamo kept), lower case, format chars dropped."""
    chars: list[str] = []
    where: list[int] = []
    pos = 0
    for m in _PLAIN.finditer(text):
        _nfkc_slow(text, pos, m.start(), chars, where)
        chars.extend(m.group())
        where.extend(range(m.start(), m.end()))
        pos = m.end()
    _nfkc_slow(text, pos, len(text), chars, where)
    return chars, where


def _nfkc_slow(text: str, lo: int, hi: int, chars: list[str], where: list[int]) -> None:
    for i in range(lo, hi):
        ch = text[i]
        if ch in _DROP or unicodedata.category(ch) == "Cf":
            continue
        out = ch if "\u3131" <= ch <= "\u318e" else unicodedata.normalize("NFKC", ch).lower()
        for c in out:
            chars.append(" " if c.isspace() else c)
            where.append(i)


def fold(text: str) -> Folded:
    chars, where = _nfkc(text)
    joined = "".join(chars)
    if _JAMO.search(joined) is None:  # nothing to compose: the fast way
        return _collapse_spaces(joined, where)
    return _compose(chars, where)


def _collapse_spaces(text: str, where: list[int]) -> Folded:
    """The text with each run of spaces as one (its span covers the whole run)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _SPACES.finditer(text):
        out.append(text[pos : m.start() + 1])
        starts.extend(where[pos : m.start() + 1])
        ends.extend(i + 1 for i in where[pos : m.start()])
        ends.append(where[m.end() - 1] + 1)
        pos = m.end()
    out.append(text[pos:])
    starts.extend(where[pos:])
    ends.extend(i + 1 for i in where[pos:])
    return Folded("".join(out), starts, ends)


def _compose(chars: list[str], where: list[int]) -> Folded:
    """Loose jamo composed into syllables, and runs of spaces as one."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        ch = chars[i]
        lead = _initial(ch)
        vowel = _vowel(chars[i + 1]) if i + 1 < n else -1
        if lead >= 0 and vowel >= 0:
            j, tail = i + 2, 0
            if (
                j < n
                and (tail := _final(chars[j]))
                and not (j + 1 < n and _vowel(chars[j + 1]) >= 0)
            ):
                j += 1
            else:
                tail = 0
            out.append(chr(0xAC00 + (lead * 21 + vowel) * 28 + tail))
            starts.append(where[i])
            ends.append(where[j - 1] + 1)
            i = j
            continue
        if ch == " " and out and out[-1] == " ":
            ends[-1] = where[i] + 1
        else:
            out.append(ch)
            starts.append(where[i])
            ends.append(where[i] + 1)
        i += 1
    return Folded("".join(out), starts, ends)
