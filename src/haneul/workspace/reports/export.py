"""A finished report as Markdown, DOCX (python-docx) or HWPX (OWPML, KS X 6101). All three
carry the same parts in the same order: the title, each section as a heading with its text
and [n] markers, «요약표» (the summary table) and «출처» (every cited passage, numbered as
cited: 문서명, page, excerpt). A section's markers are renumbered into the report's sources
list, so [n] means the same passage everywhere in the document. A section made of the
passages' own sentences (the model's draft failed the guards) opens with `EXTRACTIVE_NOTE`."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from haneul.workspace.reports.writer import sources, summary_table

TABLE_HEADING = "요약표"
SOURCES_HEADING = "출처"
EXTRACTIVE_NOTE = "※ 자료 발췌: 모델 초안이 검사를 통과하지 못해 출처의 문장을 그대로 옮겼습니다."


@dataclass(frozen=True)
class Document:
    """What every format writes: headings with paragraphs, one table, the sources."""

    title: str
    sections: list[tuple[str, str]]
    table: list[list[str]]
    sources: list[str]


def _source_line(n: int, c: dict[str, Any]) -> str:
    page = f", {c['page']}쪽" if c.get("page") else ""
    excerpt = re.sub(r"\s+", " ", str(c.get("snippet") or ""))[:160]
    return f"[{n}] {c['document']}{page}: {excerpt}"


def _renumber(text: str, local: dict[int, int]) -> str:
    return re.sub(r"\[(\d+)\]", lambda m: f"[{local.get(int(m.group(1)), m.group(1))}]", text)


def document(title: str, sections: list[dict[str, Any]]) -> Document:
    cited = sources(sections)
    number = {(str(c["document_id"]), str(c["text"])): n for n, c in enumerate(cited, 1)}
    body = []
    for s in sections:
        local = {c["n"]: number[(str(c["document_id"]), str(c["text"]))] for c in s["citations"]}
        text = _renumber(s["text"], local)
        if s.get("drafted") == "extractive":
            text = f"{EXTRACTIVE_NOTE}\n\n{text}"
        body.append((str(s["heading"]), text))
    lines = [_source_line(n, c) for n, c in enumerate(cited, 1)]
    return Document(title, body, summary_table(sections), lines)


def markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for heading, text in doc.sections:
        out += [f"## {heading}", "", text, ""]
    out += [f"## {TABLE_HEADING}", ""]
    cell = [[c.replace("|", "\\|").replace("\n", " ") for c in row] for row in doc.table]
    out.append("| " + " | ".join(cell[0]) + " |")
    out.append("|" + "---|" * len(cell[0]))
    out += ["| " + " | ".join(row) + " |" for row in cell[1:]]
    out += ["", f"## {SOURCES_HEADING}", ""]
    out += [f"- {line}" for line in doc.sources]
    return "\n".join(out) + "\n"


def docx(doc: Document) -> bytes:
    import docx as python_docx

    out = python_docx.Document()
    out.core_properties.title = doc.title
    out.add_heading(doc.title, level=0)
    for heading, text in doc.sections:
        out.add_heading(heading, level=1)
        for para in filter(str.strip, text.split("\n")):
            out.add_paragraph(para)
    out.add_heading(TABLE_HEADING, level=1)
    table = out.add_table(rows=len(doc.table), cols=len(doc.table[0]))
    table.style = "Table Grid"
    for r, row in enumerate(doc.table):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    out.add_heading(SOURCES_HEADING, level=1)
    for line in doc.sources:
        out.add_paragraph(line)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
