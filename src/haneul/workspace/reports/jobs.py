"""Report jobs: writing runs as a task of its own, so a client that goes away does not stop
it; its events are kept and every subscriber (the page, a reconnecting page, the CLI) gets
them all from the start, then the new ones live. A section is stored as soon as it is
written; a job started again on an interrupted report skips the sections already done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from haneul.engine.protocol import Backend
from haneul.errors import HaneulError
from haneul.workspace.reports.store import Report, ReportStore
from haneul.workspace.reports.writer import Progress, Search, write_section

log = logging.getLogger(__name__)

Card = Callable[[Report], dict[str, Any]]


@dataclass
class Job:
    report_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    def emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self.wake.set()
        self.wake = asyncio.Event()

    async def follow(self) -> AsyncIterator[dict[str, Any]]:
        seen = 0
        while True:
            wake = self.wake
            while seen < len(self.events):
                seen += 1
                yield self.events[seen - 1]
            if self.finished:
                return
            await wake.wait()


def resumable(report: Report) -> int:
    """How many sections at the start are already written for the current outline."""
    done = 0
    for heading, section in zip(report.outline, report.sections, strict=False):
        if section.get("heading") != heading:
            break
        done += 1
    return done


class ReportJobs:
    def __init__(self, store: ReportStore) -> None:
        self.store = store
        self.jobs: dict[str, Job] = {}

    def running(self, report_id: str) -> Job | None:
        job = self.jobs.get(report_id)
        return job if job is not None and not job.finished else None

    def start(
        self, report: Report, backend: Backend, model: str, search: Search, top_k: int, card: Card
    ) -> Job:
        if (job := self.running(report.id)) is not None:
            return job
        job = Job(report.id)
        self.jobs[report.id] = job
        job.task = asyncio.create_task(self._run(job, report, backend, model, search, top_k, card))
        return job

    async def _run(
        self,
        job: Job,
        report: Report,
        backend: Backend,
        model: str,
        search: Search,
        top_k: int,
        card: Card,
    ) -> None:
        try:
            start = resumable(report)
            report.sections = report.sections[:start]
            report.status, report.error = "running", None
            await asyncio.to_thread(self.store.save, report)
            total = len(report.outline)
            job.emit({"type": "started", "total": total, "resumed_at": start})
            for index in range(start, total):
                heading = report.outline[index]
                earlier = [str(s.get("text") or "") for s in report.sections]
                async for item in write_section(
                    backend, model, report.topic, heading, search, top_k, earlier
                ):
                    if isinstance(item, Progress):
                        job.emit(
                            {"type": "progress", "index": index, "total": total}
                            | {"heading": heading, "stage": item.stage}
                        )
                    else:
                        report.sections.append(item)
                        await asyncio.to_thread(self.store.save, report)
                        job.emit({"type": "section", "index": index, "section": item})
            report.status = "done"
            await asyncio.to_thread(self.store.save, report)
            job.emit({"type": "done", "report": card(report)})
        except HaneulError as e:
            await self._fail(job, report, e.message)
        except Exception as e:  # the job records any failure; the server lives on
            log.exception("report %s failed", report.id)
            await self._fail(job, report, f"{type(e).__name__}: {e}")
        finally:
            job.finished = True
            job.wake.set()

    async def _fail(self, job: Job, report: Report, message: str) -> None:
        report.status, report.error = "failed", message
        await asyncio.to_thread(self.store.save, report)
        job.emit({"type": "error", "message": message})

    async def close(self) -> None:
        """On shutdown: stop running jobs; their reports are left interrupted."""
        for job in list(self.jobs.values()):
            if job.task is not None and not job.task.done():
                job.task.cancel()
        await asyncio.sleep(0)
        await asyncio.to_thread(self.store.interrupt_running)
