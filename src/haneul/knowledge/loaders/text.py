"""Plain text (UTF-8 with or without a BOM, UTF-16 with a BOM, or CP949 as Korean Windows
writes it) and Markdown (rendered to plain text: headings become section headings, list
items keep a marker, table rows become tab-separated lines, code is kept as written)."""

from __future__ import annotations

import re
from typing import Any

from haneul.knowledge.loaders import LoadedDocument, Section, UnreadableDocumentError, sections


def decode(name: str, data: bytes) -> str:
    """UTF-16 with a BOM, UTF-8 (BOM or not), else CP949 (EUC-KR's superset)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:65536]:
        raise UnreadableDocumentError(f"{name}: binary data, not text")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDocumentError(f"{name}: text in an unknown encoding (not UTF-8 or CP949)")


def load_text(name: str, data: bytes) -> LoadedDocument:
    return LoadedDocument(name, "text", sections([Section(decode(name, data))]))


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)


def _front_matter(text: str) -> tuple[str, str | None]:
    """The text without a leading YAML front matter block, and its `title:` if any."""
    found = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if found is None:
        return text, None
    title = re.search(r"^title:\s*(.+?)\s*$", found.group(1), re.MULTILINE)
    value = title.group(1).strip("'\"") if title else None
    return text.replace("\r\n", "\n")[found.end() :], value or None


def _inline(token: Any) -> str:
    """An inline token's text without its markup (link text kept, image alt text kept)."""
    out = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" " if child.type == "softbreak" else "\n")
    return "".join(out) if token.children else token.content


def load_markdown(name: str, data: bytes) -> LoadedDocument:
    from markdown_it import MarkdownIt

    body, title = _front_matter(decode(name, data))
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    parts: list[Section] = []
    heading: str | None = None
    lines: list[str] = []
    row: list[str] | None = None
    marker, in_heading = "", False
    for token in tokens:
        kind = token.type
        if kind in ("heading_open", "heading_close"):
            in_heading = kind == "heading_open"
        elif kind == "inline" and in_heading:
            parts.append(Section("\n".join(lines), heading=heading))
            heading, lines = _inline(token), []
            title = title or heading
        elif kind == "inline" and row is not None:
            row.append(_inline(token))
        elif kind == "inline":
            lines.append(marker + _inline(token))
            marker = ""
        elif kind == "list_item_open":
            marker = f"{token.info}{token.markup} " if token.info else "- "
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append("\t".join(row))
            row = None
        elif kind in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
        elif kind == "html_block":
            lines.append(re.sub(r"<[^>]*>", "", token.content))
    parts.append(Section("\n".join(lines), heading=heading))
    return LoadedDocument(name, "markdown", sections(parts), title=title)
