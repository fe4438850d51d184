"""Report jobs on a real SQLite database and the echo engine: a report a stopped server left
running is interrupted on the next start and resumes at the first section not written;
passages longer than the model's context are cut and summarised piece by piece."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from haneul.engine.echo import EchoBackend
from haneul.server.reports.routes import card, open_reports
from haneul.store.db import connect
from haneul.workspace.reports.store import ReportStore
from haneul.workspace.reports.writer import budget_chars, pieces, summarise

PASSAGE = "회의록: 다음 주 수요일까지 신제품 출시 일정을 확정한다. 담당은 김민수 팀장이다."


async def search(query: str, top_k: int) -> list[dict[str, Any]]:
    hit = {"document_id": "doc_1", "document_name": "회의록.txt", "text": PASSAGE}
    return [hit | {"citation": {"document_name": "회의록.txt", "document_id": "doc_1"}}]


def test_interrupted_report_resumes(tmp_path: Path) -> None:
    db = tmp_path / "haneul.db"
    store = ReportStore(connect(db))
    report = store.create("user_1", "출시 일정", "회의자료", "user_1", ["회의 개요", "결정 사항"])
    written = {"heading": "회의 개요", "text": "이미 쓴 개요입니다 [1].", "citations": []}
    report.sections, report.status = [written], "running"
    store.save(report)

    jobs = open_reports(db)  # the next start of the server
    again = jobs.store.get("user_1", report.id)
    assert again.status == "interrupted"

    async def run() -> list[dict[str, Any]]:
        job = jobs.start(again, EchoBackend(), "echo", search, 3, card)
        return [e async for e in job.follow()]

    events = asyncio.run(run())
    assert events[0] == {"type": "started", "total": 2, "resumed_at": 1}
    assert [e["index"] for e in events if e["type"] == "section"] == [1]
    done = jobs.store.get("user_1", report.id)
    assert done.status == "done"
    assert done.sections[0] == written
    assert "김민수" in done.sections[1]["text"] and "[1]" in done.sections[1]["text"]
    assert done.sections[1]["citations"][0]["text"] == PASSAGE


def test_long_passages_fit_the_context() -> None:
    long = "\n".join(f"{n}번째 문단: 3분기 매출은 전년보다 늘었다." for n in range(200))
    cut = pieces(long, 300)
    assert all(len(p) <= 300 for p in cut) and "".join(cut).count("문단") == 200
    size = budget_chars(1024)
    assert size < len(long)
    short = asyncio.run(summarise(EchoBackend(ctx_size=1024), "echo", long, size))
    assert len(short) <= size and short.startswith("0번째 문단")
