"""Skillsets in SQLite: the skillset (its manifests), its example utterances, its trained
versions (a snapshot of the manifests and the fitted model, so a published version does not
change when the skillset is edited) and the calls waiting for the user's confirmation.

Everything belongs to an owner (`principal.owner`); another owner's skillset is "not found".
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from haneul.errors import ConflictError, NotFoundError
from haneul.skillsets.arguments import Example
from haneul.store.db import Store

CALL_EXPIRES_S = 30 * 60


@dataclass(frozen=True)
class Skillset:
    id: str
    owner: str
    name: str
    description: str
    manifests: list[Any]  # shipped names or manifest objects (with the OpenAPI inline)
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Version:
    skillset_id: str
    version: int
    manifests: list[Any]
    model: dict[str, Any]
    report: dict[str, Any]
    published_at: float | None
    created_at: float


@dataclass(frozen=True)
class PendingCall:
    id: str
    skillset_id: str
    version: int
    query: str
    operation: str
    arguments: dict[str, Any]


class SkillsetStore(Store):
    # -- skillsets ---------------------------------------------------------------------------

    def create(self, owner: str, name: str, description: str, manifests: list[Any]) -> Skillset:
        now, sid = time.time(), f"ss-{uuid.uuid4().hex[:16]}"
        with self._write() as conn:
            taken = conn.execute(
                "SELECT 1 FROM skillsets WHERE owner = ? AND name = ?", (owner, name)
            ).fetchone()
            if taken:
                raise ConflictError(f"a skillset named '{name}' exists", param="name")
            conn.execute(
                "INSERT INTO skillsets (id, owner, name, description, manifests, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (sid, owner, name, description, _dump(manifests), now, now),
            )
        return self.get(owner, sid)

    def get(self, owner: str, sid: str) -> Skillset:
        rows = self._rows("SELECT * FROM skillsets WHERE id = ? AND owner = ?", (sid, owner))
        if not rows:
            raise NotFoundError(f"no skillset '{sid}'", param="skillset_id")
        row = rows[0]
        return Skillset(
            row["id"],
            row["owner"],
            row["name"],
            row["description"],
            json.loads(row["manifests"]),
            row["created_at"],
            row["updated_at"],
        )

    def listed(self, owner: str) -> list[Skillset]:
        rows = self._rows("SELECT id FROM skillsets WHERE owner = ? ORDER BY created_at", (owner,))
        return [self.get(owner, row["id"]) for row in rows]

    def delete(self, owner: str, sid: str) -> None:
        self.get(owner, sid)
        with self._write() as conn:
            conn.execute("DELETE FROM skillsets WHERE id = ? AND owner = ?", (sid, owner))

    # -- examples ----------------------------------------------------------------------------

    def add_examples(self, owner: str, sid: str, examples: Sequence[Example]) -> int:
        """Append examples; the skillset's example count after."""
        self.get(owner, sid)
        now = time.time()
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO skillset_examples (skillset_id, text, operation, arguments,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                [(sid, e.text, e.operation, _dump(e.arguments), now) for e in examples],
            )
            conn.execute("UPDATE skillsets SET updated_at = ? WHERE id = ?", (now, sid))
        return len(self.examples(owner, sid))

    def examples(self, owner: str, sid: str) -> list[Example]:
        self.get(owner, sid)
        rows = self._rows(
            "SELECT text, operation, arguments FROM skillset_examples WHERE skillset_id = ?"
            " ORDER BY id",
            (sid,),
        )
        return [Example(r["text"], r["operation"], json.loads(r["arguments"])) for r in rows]

    def clear_examples(self, owner: str, sid: str) -> None:
        self.get(owner, sid)
        with self._write() as conn:
            conn.execute("DELETE FROM skillset_examples WHERE skillset_id = ?", (sid,))

    # -- versions ----------------------------------------------------------------------------

    def add_version(
        self, owner: str, sid: str, manifests: list[Any], model: dict[str, Any], report: Any
    ) -> Version:
        self.get(owner, sid)
        with self._write() as conn:
            last = conn.execute(
                "SELECT MAX(version) FROM skillset_versions WHERE skillset_id = ?", (sid,)
            ).fetchone()[0]
            number = (last or 0) + 1
            conn.execute(
                "INSERT INTO skillset_versions (skillset_id, version, manifests, model, report,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (sid, number, _dump(manifests), _dump(model), _dump(report), time.time()),
            )
        return self.version(owner, sid, number)

    def version(self, owner: str, sid: str, number: int | None) -> Version:
        """A version by number; None: the latest published one."""
        self.get(owner, sid)
        if number is None:
            rows = self._rows(
                "SELECT * FROM skillset_versions WHERE skillset_id = ? AND published_at IS NOT"
                " NULL ORDER BY published_at DESC, version DESC LIMIT 1",
                (sid,),
            )
            missing = f"skillset '{sid}' has no published version"
        else:
            rows = self._rows(
                "SELECT * FROM skillset_versions WHERE skillset_id = ? AND version = ?",
                (sid, number),
            )
            missing = f"skillset '{sid}' has no version {number}"
        if not rows:
            raise NotFoundError(missing, param="version")
        return _version(rows[0])

    def versions(self, owner: str, sid: str) -> list[Version]:
        self.get(owner, sid)
        rows = self._rows(
            "SELECT * FROM skillset_versions WHERE skillset_id = ? ORDER BY version", (sid,)
        )
        return [_version(row) for row in rows]

    def publish(self, owner: str, sid: str, number: int) -> Version:
        self.version(owner, sid, number)
        with self._write() as conn:
            conn.execute(
                "UPDATE skillset_versions SET published_at = ? WHERE skillset_id = ? AND"
                " version = ?",
                (time.time(), sid, number),
            )
        return self.version(owner, sid, number)

    # -- calls waiting for confirmation ------------------------------------------------------

    def add_call(self, owner: str, call: PendingCall) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO skillset_calls (id, owner, skillset_id, version, query, operation,"
                " arguments, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call.id,
                    owner,
                    call.skillset_id,
                    call.version,
                    call.query,
                    call.operation,
                    _dump(call.arguments),
                    time.time(),
                ),
            )

    def decide(self, owner: str, sid: str, number: int, cid: str, approve: bool) -> PendingCall:
        """Record the user's answer once; a second answer or an expired call is a 409."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT * FROM skillset_calls WHERE id = ? AND owner = ? AND skillset_id = ?"
                " AND version = ?",
                (cid, owner, sid, number),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no pending call '{cid}'", param="call_id")
            if row["decided_at"] is not None:
                raise ConflictError(f"call '{cid}' was already answered")
            if time.time() - row["created_at"] > CALL_EXPIRES_S:
                raise ConflictError(f"call '{cid}' expired; ask again")
            conn.execute(
                "UPDATE skillset_calls SET decided_at = ?, approved = ? WHERE id = ?",
                (time.time(), int(approve), cid),
            )
        return PendingCall(
            cid,
            sid,
            row["version"],
            row["query"],
            row["operation"],
            json.loads(row["arguments"]),
        )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _version(row: sqlite3.Row) -> Version:
    return Version(
        row["skillset_id"],
        row["version"],
        json.loads(row["manifests"]),
        json.loads(row["model"]),
        json.loads(row["report"]),
        row["published_at"],
        row["created_at"],
    )
