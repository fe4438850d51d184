"""Reports in SQLite, each owned by one principal's owner. A report is a draft (its outline
proposed, editable), running (sections being written, each stored as it is done), done, or
interrupted (the server stopped while it ran: generating again resumes at the first section
not yet written). Another owner's report is a 404, exactly like a missing one."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from haneul.errors import NotFoundError

Status = Literal["draft", "running", "done", "interrupted", "failed"]


@dataclass
class Report:
    id: str
    owner: str
    title: str
    topic: str
    template: str | None
    collection: str
    collection_owner: str
    outline: list[str]
    sections: list[dict[str, Any]] = field(default_factory=list)
    status: Status = "draft"
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0


def _report(row: sqlite3.Row) -> Report:
    return Report(
        id=row["id"],
        owner=row["owner"],
        title=row["title"],
        topic=row["topic"],
        template=row["template"],
        collection=row["collection"],
        collection_owner=row["collection_owner"],
        outline=json.loads(row["outline"]),
        sections=json.loads(row["sections"]),
        status=row["status"],
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class ReportStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def create(
        self,
        owner: str,
        topic: str,
        collection: str,
        collection_owner: str,
        outline: list[str],
        template: str | None = None,
        title: str | None = None,
    ) -> Report:
        now = time.time()
        report = Report(
            id="rpt_" + uuid.uuid4().hex[:16],
            owner=owner,
            title=title or topic,
            topic=topic,
            template=template,
            collection=collection,
            collection_owner=collection_owner,
            outline=outline,
            created_at=now,
            updated_at=now,
        )
        with self._lock:
            self.conn.execute(
                "INSERT INTO reports (id, owner, title, topic, template, collection,"
                " collection_owner, outline, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.id,
                    owner,
                    report.title,
                    topic,
                    template,
                    collection,
                    collection_owner,
                    json.dumps(outline, ensure_ascii=False),
                    now,
                    now,
                ),
            )
        return report

    def get(self, owner: str, report_id: str) -> Report:
        row = self.conn.execute(
            "SELECT * FROM reports WHERE id = ? AND owner = ?", (report_id, owner)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no report '{report_id}'", param="report_id")
        return _report(row)

    def of(self, owner: str) -> list[Report]:
        rows = self.conn.execute(
            "SELECT * FROM reports WHERE owner = ? ORDER BY updated_at DESC", (owner,)
        ).fetchall()
        return [_report(r) for r in rows]

    def save(self, report: Report) -> Report:
        report.updated_at = time.time()
        with self._lock:
            self.conn.execute(
                "UPDATE reports SET title = ?, outline = ?, sections = ?, status = ?, error = ?,"
                " updated_at = ? WHERE id = ? AND owner = ?",
                (
                    report.title,
                    json.dumps(report.outline, ensure_ascii=False),
                    json.dumps(report.sections, ensure_ascii=False),
                    report.status,
                    report.error,
                    report.updated_at,
                    report.id,
                    report.owner,
                ),
            )
        return report

    def delete(self, owner: str, report_id: str) -> None:
        with self._lock:
            done = self.conn.execute(
                "DELETE FROM reports WHERE id = ? AND owner = ?", (report_id, owner)
            )
        if done.rowcount == 0:
            raise NotFoundError(f"no report '{report_id}'", param="report_id")

    def interrupt_running(self) -> int:
        """On start: reports left running by a stopped server become interrupted."""
        with self._lock:
            done = self.conn.execute(
                "UPDATE reports SET status = 'interrupted' WHERE status = 'running'"
            )
        return done.rowcount
