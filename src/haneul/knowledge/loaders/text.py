"""Plain text (UTF-8, with or without BOM, or CP949 as Korean Windows writes it),
Markdown (headings become section headings) and HTML."""

from __future__ import annotations

from haneul.knowledge.loaders import LoadedDocument, Section, UnreadableDocumentError, sections


def decode(name: str, data: bytes) -> str:
    """UTF-16 with a BOM, UTF-8 (BOM or not), else CP949 (EUC-KR's superset)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        raise UnreadableDocumentError(f"{name}: binary data, not text")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDocumentError(f"{name}: text in an unknown encoding (not UTF-8 or CP949)")


def load_text(name: str, data: bytes) -> LoadedDocument:
    return LoadedDocument(name, "text", sections([Section(decode(name, data))]))


def load_markdown(name: str, data: bytes) -> LoadedDocument:
    from markdown_it import MarkdownIt

    text = decode(name, data)
    lines = text.splitlines()
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    # split the source at heading lines: sections keep the Markdown as written
    parts: list[Section] = []
    heading: str | None = None
    start = 0
    title = None
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or token.map is None:
            continue
        line = token.map[0]
        parts.append(Section("\n".join(lines[start:line]), heading=heading))
        heading = tokens[i + 1].content.strip()
        title = title or heading
        start = token.map[1]
    parts.append(Section("\n".join(lines[start:]), heading=heading))
    return LoadedDocument(name, "markdown", sections(parts), title=title)


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
BLOCKS = (*HEADINGS, "p", "li", "td", "th", "pre", "blockquote", "dd", "dt", "caption")


def load_html(name: str, data: bytes) -> LoadedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "nav", "noscript", "template", "header", "footer"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    parts: list[Section] = []
    heading: str | None = None
    buffer: list[str] = []
    for element in (soup.body or soup).find_all(BLOCKS):
        if element.find(BLOCKS):
            continue  # its inner blocks come on their own
        text = element.get_text(" ", strip=True)
        if element.name in HEADINGS:
            parts.append(Section("\n".join(buffer), heading=heading))
            heading, buffer = text, []
        elif text:
            buffer.append(text)
    parts.append(Section("\n".join(buffer), heading=heading))
    return LoadedDocument(name, "html", sections(parts), title=title or None)
