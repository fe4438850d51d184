"""Tuning jobs, as CLOVA Studio's `/tuning/v2/tasks`: queued in SQLite, run one at a time per
machine by a worker, each in its own process (`haneul tune train ... --json`), whose progress
lines become the job's `statusInfo`. Statuses: WAIT, RUNNING, FAILED, SUCCEEDED.

A job survives a restart: a RUNNING job whose worker is gone goes back to WAIT and its next
run resumes from the last checkpoint (the same run folder). Cancelling kills the process;
the job ends FAILED with `failureReason` "cancelled".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from haneul.config import Settings
from haneul.errors import ConflictError, NotFoundError
from haneul.store.db import connect
from haneul.studio.train import TrainConfig

log = logging.getLogger(__name__)
CANCELLED = "cancelled by the user"
# the one owner of an open (no-key) server and of the CLI (`server.auth.ANONYMOUS`): its tuned
# models are served by their plain names; every other owner's get a suffix of their own
SHARED_OWNER = "anonymous"
MAX_TENANT_NAME = 55  # a tenant's name plus ":" and its 8-character tag fits a model name's 64


def served_name(owner: str, name: str) -> str:
    """The catalog name of the model a tuning task makes: the task's own name for the shared
    owner, `name:<tag>` (a hash of the owner) for a tenant, so that two tenants may both call
    a task «상담봇» without either learning of the other, and neither can replace the other's."""
    if owner == SHARED_OWNER:
        return name
    return f"{name}:{hashlib.sha256(owner.encode()).hexdigest()[:8]}"


@dataclass
class Job:
    id: str
    owner: str
    name: str  # the tuned model's name
    base: str
    dataset: str
    config: dict[str, Any]
    status: str = "WAIT"
    info: dict[str, Any] = field(default_factory=dict)  # statusInfo
    created_at: float = 0.0
    updated_at: float = 0.0
    pid: int | None = None

    @property
    def served(self) -> str:
        """The catalog name of the model this task makes (`served_name`)."""
        return served_name(self.owner, self.name)


class JobStore:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: sqlite3.Connection = connect(settings.db_path)
        self.lock = threading.RLock()

    def run_dir(self, job_id: str) -> Path:
        return self.settings.home / "studio" / "runs" / job_id

    def _row(self, row: Any) -> Job:
        return Job(
            id=row[0], owner=row[1], name=row[2], base=row[3], dataset=row[4],
            config=json.loads(row[5]), status=row[6], info=json.loads(row[7]),
            created_at=row[8], updated_at=row[9], pid=row[10],
        )  # fmt: skip

    def create(self, owner: str, name: str, dataset: Path, config: TrainConfig) -> Job:
        job = Job(
            "task_" + secrets.token_hex(6), owner, name, config.base, str(dataset),
            asdict(config), created_at=time.time(), updated_at=time.time(),
        )  # fmt: skip
        with self.lock:
            self.conn.execute(
                "INSERT INTO tuning_jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (job.id, owner, name, job.base, job.dataset, json.dumps(job.config), job.status,
                 "{}", job.created_at, job.updated_at, None),
            )  # fmt: skip
        return job

    def of(self, owner: str | None) -> list[Job]:
        sql = "SELECT * FROM tuning_jobs" + (" WHERE owner = ?" if owner else "")
        with self.lock:
            rows = self.conn.execute(sql + " ORDER BY created_at", (owner,) if owner else ())
            return [self._row(r) for r in rows.fetchall()]

    def get(self, owner: str | None, job_id: str) -> Job:
        for job in self.of(owner):
            if job.id == job_id:
                return job
        raise NotFoundError(f"no tuning task '{job_id}'", param="taskId")

    def update(self, job_id: str, **values: Any) -> None:
        if "info" in values:
            values["info"] = json.dumps(values["info"], ensure_ascii=False)
        values["updated_at"] = time.time()
        sets = ", ".join(f"{k} = ?" for k in values)
        with self.lock:
            self.conn.execute(
                f"UPDATE tuning_jobs SET {sets} WHERE id = ?", (*values.values(), job_id)
            )

    def cancel(self, owner: str | None, job_id: str) -> Job:
        job = self.get(owner, job_id)
        if job.status in ("FAILED", "SUCCEEDED"):
            raise ConflictError(f"tuning task '{job_id}' already ended ({job.status})")
        if job.pid:
            _kill(job.pid)
        self.update(job_id, status="FAILED", pid=None,
                    info={**job.info, "failureReason": CANCELLED})  # fmt: skip
        return self.get(owner, job_id)

    def delete(self, owner: str | None, job_id: str) -> Job:
        job = self.get(owner, job_id)
        if job.pid:
            _kill(job.pid)
        with self.lock:
            self.conn.execute("DELETE FROM tuning_jobs WHERE id = ?", (job_id,))
        shutil.rmtree(self.run_dir(job_id), ignore_errors=True)
        from haneul.engine.catalog import Catalog

        catalog = Catalog(self.settings)
        if job.status == "SUCCEEDED" and any(e.name == job.served for e in catalog.entries()):
            catalog.remove(job.served)
        return job

    def recover(self) -> int:
        """RUNNING jobs whose worker died go back to WAIT (they resume from a checkpoint)."""
        count = 0
        for job in self.of(None):
            if job.status == "RUNNING" and not (job.pid and _alive(job.pid)):
                self.update(job.id, status="WAIT", pid=None)
                count += 1
        return count


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


MAX_RESTARTS = 3  # a task killed by a signal is queued again at most this often


class Worker:
    """Runs WAIT jobs one at a time, oldest first, in a thread of the server (or of
    `haneul tune worker`). A training process killed by a signal (not cancelled) is queued
    again and resumes from its checkpoint, up to MAX_RESTARTS times."""

    def __init__(self, store: JobStore, poll_s: float = 1.0) -> None:
        self.store, self.poll_s = store, poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.store.recover()
        self._thread = threading.Thread(target=self._loop, name="tuning-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            waiting = [j for j in self.store.of(None) if j.status == "WAIT"]
            if waiting:
                try:
                    self.run(waiting[0])
                except Exception as e:  # never let one job stop the worker
                    log.exception("tuning task %s failed", waiting[0].id)
                    self.store.update(waiting[0].id, status="FAILED", pid=None,
                                      info={"failureReason": f"internal error: {e}"})  # fmt: skip
            else:
                self._stop.wait(self.poll_s)

    def run(self, job: Job) -> None:
        c = job.config
        command = [
            sys.executable, "-m", "haneul.cli.main", "tune", "train", job.dataset,
            "--out", str(self.store.run_dir(job.id)), "--name", job.served, "--base", job.base,
            "--epochs", str(c["epochs"]), "--learning-rate", str(c["learning_rate"]),
            "--lora-r", str(c["lora_r"]), "--lora-alpha", str(c["lora_alpha"]),
            "--validation-split", str(c["validation_split"]),
            "--batch-size", str(c["batch_size"]), "--max-tokens", str(c["max_tokens"]),
            "--checkpoint-every", str(c["checkpoint_every"]), "--json",
        ]  # fmt: skip
        if c.get("max_steps"):
            command += ["--max-steps", str(c["max_steps"])]
        if job.owner != SHARED_OWNER:  # only its owner may use the model
            command += ["--owner", job.owner]
        env = {**os.environ, "HANEUL_HOME": str(self.store.settings.home)}
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            start_new_session=True,  # its own process group, so cancel kills it whole
        )  # fmt: skip
        self.store.update(job.id, status="RUNNING", pid=process.pid, info=job.info)
        info = dict(job.info)
        assert process.stdout is not None and process.stderr is not None
        result: dict[str, Any] | None = None
        for line in process.stdout:
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            if "done" in event:
                result = event["done"]
                continue
            info.update(
                currStep=event["step"], totalTrainSteps=event["total"],
                currEpoch=event["epoch"], trainLoss=event["loss"],
                stepsPerSecond=event["steps_per_s"], etaSeconds=event["eta_s"],
            )  # fmt: skip
            self.store.update(job.id, info=info)
        errors = process.stderr.read()
        code = process.wait()
        current = self.store.get(None, job.id)
        if current.status != "RUNNING":  # cancelled (or deleted) meanwhile
            return
        if code == 0 and result is not None:
            info.update(validationLoss=result.get("validation_loss"), model=job.served)
            self.store.update(job.id, status="SUCCEEDED", pid=None, info=info)
        elif code < 0 and info.get("restarts", 0) < MAX_RESTARTS:
            # Killed from outside (the OOM killer, an operator): queue it again; the rerun
            # resumes from the last checkpoint.
            info.update(restarts=info.get("restarts", 0) + 1, lastInterruption=f"signal {-code}")
            log.warning("tuning task %s was killed (signal %d); queued again", job.id, -code)
            self.store.update(job.id, status="WAIT", pid=None, info=info)
        else:
            reason = (errors.strip().splitlines() or [f"exit code {code}"])[-1]
            self.store.update(job.id, status="FAILED", pid=None,
                              info={**info, "failureReason": reason[:500]})  # fmt: skip
