"""HWPX (OWPML, KS X 6101): a zip whose `Contents/section{n}.xml` hold paragraphs (`hp:p`)
of runs of text (`hp:t`); tables, text boxes, headers and footnotes nest paragraphs inside
paragraphs. A paragraph is a heading when its style is an outline style (개요 1, Outline 1,
제목...) or its paragraph shape has an outline heading (`hh:heading type="OUTLINE"`), both
declared in `Contents/header.xml`. Title and creation date come from `Contents/content.hpf`.
Elements are matched by local name, so every OWPML namespace version reads the same.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from haneul.knowledge.loaders import (
    MAX_HEADING_CHARS,
    LoadedDocument,
    Section,
    UnreadableDocumentError,
    sections,
)

# style names of headings: 개요 1, Outline 1, 제목, 대제목, 본문 중제목, 장 제목; not the
# captions and contents titles (표제목, 그림 제목, 차례 제목)
HEADING_STYLE = re.compile(
    r"^(?!차례|표|그림|캡션)(?:(개요|outline|heading|title)\s*\d*|.*(^|[\s대중소장절])제목\s*\d*)$",
    re.IGNORECASE,
)


def is_heading_style(local: str, english: str) -> bool:
    """By the style's own name; the English name only where it has none (Hangul keeps
    a template's English name, Outline 7, when the style is renamed to 인용정보)."""
    return bool(HEADING_STYLE.match(local.strip() or english.strip()))


_INLINE = {"lineBreak": "\n", "tab": "\t", "nbSpace": " ", "fwSpace": " ", "hyphen": "-"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def section_number(name: str) -> int:
    found = re.search(r"(\d+)", name.rsplit("/", 1)[-1])
    return int(found.group(1)) if found else 0


def _run_text(t: ElementTree.Element) -> str:
    """An `hp:t`: its text, its inline marks (line break, tab) and the text after each."""
    out = [t.text or ""]
    for child in t:
        out.append(_INLINE.get(_local(child.tag), ""))
        out.append(child.tail or "")
    return "".join(out)


def _walk(
    element: ElementTree.Element,
    own: list[str] | None,
    out: list[tuple[str, ElementTree.Element, int]],
    depth: int,
) -> None:
    """Paragraphs in reading order as (text, element, nesting depth); a paragraph's own
    text comes before the paragraphs nested in it (table cells, text boxes)."""
    for child in element:
        name = _local(child.tag)
        if name == "p":
            slot, mine = len(out), list[str]()
            out.append(("", child, depth))
            _walk(child, mine, out, depth + 1)
            out[slot] = ("".join(mine), child, depth)
        elif name == "t" and own is not None:
            own.append(_run_text(child))
        else:
            _walk(child, own, out, depth)


def _heading_refs(archive: zipfile.ZipFile) -> tuple[set[str], set[str]]:
    """Ids of heading styles and of paragraph shapes with an outline heading."""
    if "Contents/header.xml" not in archive.namelist():
        return set(), set()
    root = ElementTree.fromstring(archive.read("Contents/header.xml"))
    styles, shapes = set(), set()
    for element in root.iter():
        name = _local(element.tag)
        if name == "style" and is_heading_style(
            element.get("name") or "", element.get("engName") or ""
        ):
            styles.add(element.get("id", ""))
        elif name == "paraPr" and any(
            _local(h.tag) == "heading" and (h.get("type") or "").upper() == "OUTLINE"
            for h in element.iter()
        ):
            shapes.add(element.get("id", ""))
    return styles, shapes


def _metadata(archive: zipfile.ZipFile) -> tuple[str | None, str | None]:
    if "Contents/content.hpf" not in archive.namelist():
        return None, None
    title = created = None
    for element in ElementTree.fromstring(archive.read("Contents/content.hpf")).iter():
        name, text = _local(element.tag), (element.text or "").strip()
        if name == "title" and text:
            title = title or text
        elif name == "meta" and element.get("name") == "CreatedDate":
            found = re.match(r"\d{4}-\d{2}-\d{2}", text)
            created = found.group(0) if found else created
    return title, created


def load_hwpx(name: str, data: bytes) -> LoadedDocument:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(
            (n for n in archive.namelist() if re.match(r"Contents/section\d+\.xml$", n)),
            key=section_number,
        )
        if not names:
            raise UnreadableDocumentError(f"{name}: not an HWPX file (no Contents/section*.xml)")
        styles, shapes = _heading_refs(archive)
        parts: list[Section] = []
        heading: str | None = None
        lines: list[str] = []
        for section in names:
            found: list[tuple[str, ElementTree.Element, int]] = []
            _walk(ElementTree.fromstring(archive.read(section)), None, found, 0)
            for text, p, depth in found:
                is_heading = p.get("styleIDRef") in styles or p.get("paraPrIDRef") in shapes
                if depth == 0 and is_heading and 0 < len(text.strip()) <= MAX_HEADING_CHARS:
                    parts.append(Section("\n".join(lines), heading=heading))
                    heading, lines = text.strip(), []
                else:
                    lines.append(text)
        parts.append(Section("\n".join(lines), heading=heading))
        title, created = _metadata(archive)
    return LoadedDocument(name, "hwpx", sections(parts), title=title, created=created)
