"""HTML (BeautifulSoup): the visible text in reading order, one line per block, table
cells tab-separated, h1-h6 as section headings; scripts, styles and navigation dropped.

Inline markup never adds a space: in 연차는 <b>15일</b>이다 the particle stays attached.
A page that declares no charset is read as UTF-8, else CP949; one that declares EUC-KR is
read as CP949, which EUC-KR pages written on Windows really are.
"""

from __future__ import annotations

import re
from typing import Any

from haneul.knowledge.loaders import LoadedDocument, Section, sections
from haneul.knowledge.loaders.text import decode

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
CELLS = frozenset({"td", "th"})
BLOCKS = HEADINGS | CELLS | {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr",
    "html", "legend", "li", "main", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
}  # fmt: skip
DROPPED = ["script", "style", "noscript", "template", "nav", "iframe", "svg", "object", "canvas"]
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_KOREAN_CHARSETS = {"euc-kr", "euckr", "ks_c_5601-1987", "ksc5601", "cp949", "x-windows-949"}


def _markup(name: str, data: bytes) -> str | bytes:
    """The page as text where we know its encoding better than a guess, else its bytes."""
    declared = _CHARSET.search(data[:8192])
    if declared is None:
        return decode(name, data)
    if declared.group(1).decode("ascii", "replace").lower() in _KOREAN_CHARSETS:
        return data.decode("cp949", errors="replace")
    return data  # BeautifulSoup follows the declared charset


class _Reader:
    """Collects text block by block; a heading closes the section before it."""

    def __init__(self) -> None:
        self.parts: list[Section] = []
        self.heading: str | None = None
        self.lines: list[str] = []
        self.block: Any = None
        self.fragments: list[str] = []
        self.last_row: Any = None

    def add(self, text: str, block: Any) -> None:
        if block is not self.block:
            self.flush()
            self.block = block
        self.fragments.append(text)

    def flush(self) -> None:
        raw, self.fragments = "".join(self.fragments), []
        name = self.block.name if self.block is not None else ""
        if name == "pre":
            text = raw.strip("\n")
        else:  # whitespace is collapsed already; "\n" comes from <br>
            text = "\n".join(line.strip() for line in raw.split("\n")).strip()
        if not text:
            return
        block = self.block
        if name in HEADINGS:
            self.parts.append(Section("\n".join(self.lines), heading=self.heading))
            self.heading, self.lines, self.last_row = " ".join(text.split()), [], None
        elif name in CELLS and self.lines and block.parent is self.last_row:
            self.lines[-1] += "\t" + text
        else:
            self.lines.append(text)
            self.last_row = block.parent if name in CELLS else None

    def done(self) -> list[Section]:
        self.flush()
        self.parts.append(Section("\n".join(self.lines), heading=self.heading))
        return sections(self.parts)


def _block_of(node: Any) -> Any:
    for parent in node.parents:
        if parent.name in BLOCKS:
            return parent
    return None


def load_html(name: str, data: bytes) -> LoadedDocument:
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, PreformattedString, Tag

    soup = BeautifulSoup(_markup(name, data), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(["head", "title", *DROPPED]):
        tag.decompose()
    for tag in soup(["header", "footer"]):  # page chrome; an article's own header stays
        if tag.find_parent(["article", "main"]) is None:
            tag.decompose()
    reader = _Reader()
    for node in soup.descendants:
        if isinstance(node, Tag) and node.name == "br":
            reader.add("\n", _block_of(node))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            text = str(node) if node.find_parent("pre") else _SPACES.sub(" ", str(node))
            reader.add(text, _block_of(node))
    return LoadedDocument(name, "html", reader.done(), title=title or None)
