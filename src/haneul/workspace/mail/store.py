"""The mail store (SQLite): one mailbox per owner (its password sealed by the `Vault`), the
messages read from it or imported (raw bytes kept, parsed fields beside them), grouped into
threads, and reply drafts with their approval.

A message joins the thread of a message its In-Reply-To/References name, else of the newest
message with the same subject (Re:/회신: removed), else starts one. Every row belongs to an
owner; another owner's id reads as not found."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from typing import Any

from haneul.errors import ConflictError, NotFoundError
from haneul.store.db import Store
from haneul.workspace.mail.parse import Attachment, Parsed, parse, thread_subject


@dataclass
class Account:
    owner: str
    address: str
    display_name: str
    signature: str
    username: str
    secret: bytes
    imap_host: str
    imap_port: int
    smtp_host: str
    smtp_port: int
    smtp_security: str
    synced_at: float | None
    created_at: float
    updated_at: float

    def card(self) -> dict[str, Any]:
        out = {k: v for k, v in dataclasses.asdict(self).items() if k != "secret"}
        out["object"] = "mail.account"
        out["password"] = "set"  # never the password, nor its token
        return out


@dataclass
class Message:
    id: str
    thread_id: str
    origin: str  # "imap" or "import"
    folder: str
    parsed: Parsed
    raw: bytes

    def card(self) -> dict[str, Any]:
        p = self.parsed
        return {
            "id": self.id,
            "object": "mail.message",
            "thread_id": self.thread_id,
            "origin": self.origin,
            "folder": self.folder,
            "message_id": p.message_id,
            "subject": p.subject,
            "from": p.sender,
            "to": p.to,
            "cc": p.cc,
            "date": p.date,
            "text": p.text,
            "attachments": [dataclasses.asdict(a) for a in p.attachments],
        }


@dataclass
class Draft:
    id: str
    owner: str
    thread_id: str
    recipients: list[str]
    cc: list[str]
    subject: str
    body: str
    in_reply_to: str
    refs: str
    model: str | None
    status: str  # draft, approved, sent
    approved_digest: str | None
    sent_message_id: str | None
    sent_folder: str | None
    created_at: float
    updated_at: float
    sent_at: float | None

    @property
    def digest(self) -> str:
        """What the user approves: the exact recipients, subject and body."""
        shown = json.dumps([self.recipients, self.cc, self.subject, self.body], ensure_ascii=False)
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()

    def card(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["object"] = "mail.draft"
        out["to"] = out.pop("recipients")
        out["references"] = out.pop("refs").split()
        out["digest"] = self.digest
        out["approved"] = self.status == "approved" and self.approved_digest == self.digest
        return out


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class MailStore(Store):
    # -- the mailbox ------------------------------------------------------------------------

    def save_account(self, owner: str, fields: dict[str, Any]) -> Account:
        now = time.time()
        names = [f.name for f in dataclasses.fields(Account)]
        row = {**fields, "owner": owner, "created_at": now, "updated_at": now, "synced_at": None}
        with self._write() as conn:
            conn.execute("DELETE FROM mail_accounts WHERE owner = ?", (owner,))
            marks = ", ".join("?" for _ in names)
            conn.execute(
                f"INSERT INTO mail_accounts ({', '.join(names)}) VALUES ({marks})",
                [row[n] for n in names],
            )
        return self.account(owner)

    def account(self, owner: str) -> Account:
        rows = self._rows("SELECT * FROM mail_accounts WHERE owner = ?", (owner,))
        if not rows:
            raise NotFoundError(
                "no mailbox connected: POST /v1/mail/account first", param="account"
            )
        return Account(**dict(rows[0]))

    def delete_account(self, owner: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM mail_accounts WHERE owner = ?", (owner,))

    def synced(self, owner: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE mail_accounts SET synced_at = ? WHERE owner = ?", (time.time(), owner)
            )

    # -- messages ---------------------------------------------------------------------------

    def add_message(
        self, owner: str, raw: bytes, origin: str, folder: str = "", uid: str | None = None
    ) -> tuple[Message, bool]:
        """Store a message (once per Message-ID); returns it and whether it was new."""
        parsed = parse(raw)
        with self._write() as conn:
            found = conn.execute(
                "SELECT id FROM mail_messages WHERE owner = ? AND message_id = ?",
                (owner, parsed.message_id),
            ).fetchone()
            if found:
                return self.message(owner, found["id"]), False
            thread = self._thread_of(conn, owner, parsed)
            mid = _new_id("msg")
            data = json.dumps(dataclasses.asdict(parsed), ensure_ascii=False)
            conn.execute(
                "INSERT INTO mail_messages (id, owner, origin, folder, uid, message_id, "
                "thread_id, subject, sender, date, data, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    mid,
                    owner,
                    origin,
                    folder,
                    uid,
                    parsed.message_id,
                    thread,
                    parsed.subject,
                    parsed.sender,
                    parsed.date,
                    data,
                    raw,
                ),
            )
        return Message(mid, thread, origin, folder, parsed, raw), True

    def _thread_of(self, conn: sqlite3.Connection, owner: str, parsed: Parsed) -> str:
        named = [i for i in [parsed.in_reply_to, *parsed.references] if i]
        if named:
            marks = ", ".join("?" for _ in named)
            row = conn.execute(
                f"SELECT thread_id FROM mail_messages WHERE owner = ? AND message_id IN ({marks}) "
                "LIMIT 1",
                (owner, *named),
            ).fetchone()
            if row:
                return str(row["thread_id"])
        topic = thread_subject(parsed.subject)
        if topic:
            for row in conn.execute(
                "SELECT thread_id, subject FROM mail_messages WHERE owner = ? ORDER BY date DESC "
                "LIMIT 500",  # the recent ones: an old namesake is another conversation
                (owner,),
            ):
                if thread_subject(row["subject"]) == topic:
                    return str(row["thread_id"])
        digest = hashlib.sha256(f"{owner}\n{parsed.root}".encode()).hexdigest()[:20]
        return f"thr_{digest}"

    def message(self, owner: str, message_id: str) -> Message:
        rows = self._rows(
            "SELECT * FROM mail_messages WHERE owner = ? AND id = ?", (owner, message_id)
        )
        if not rows:
            raise NotFoundError(f"no message '{message_id}'", param="message_id")
        return _message(rows[0])

    def thread(self, owner: str, thread_id: str) -> list[Message]:
        rows = self._rows(
            "SELECT * FROM mail_messages WHERE owner = ? AND thread_id = ? ORDER BY date, rowid",
            (owner, thread_id),
        )
        if not rows:
            raise NotFoundError(f"no thread '{thread_id}'", param="thread_id")
        return [_message(r) for r in rows]

    def threads(self, owner: str, limit: int = 50, q: str | None = None) -> list[dict[str, Any]]:
        """The newest threads first: subject, people, count, the last message's date."""
        rows = self._rows(
            "SELECT thread_id, subject, sender, date, data FROM mail_messages WHERE owner = ? "
            "ORDER BY date",
            (owner,),
        )
        threads: dict[str, dict[str, Any]] = {}
        for r in rows:
            t = threads.setdefault(
                r["thread_id"],
                {
                    "id": r["thread_id"],
                    "object": "mail.thread",
                    "subject": thread_subject(r["subject"]) or r["subject"],
                    "senders": [],
                    "count": 0,
                    "snippet": "",
                },
            )
            t["count"] += 1
            t["date"] = r["date"]
            if r["sender"] and r["sender"] not in t["senders"]:
                t["senders"].append(r["sender"])
            t["snippet"] = json.loads(r["data"])["text"][:120]
        found = sorted(threads.values(), key=lambda t: -t["date"])
        if q:
            found = [t for t in found if q in t["subject"] or q in t["snippet"]]
        return found[:limit]

    # -- drafts -----------------------------------------------------------------------------

    def add_draft(self, owner: str, fields: dict[str, Any]) -> Draft:
        now = time.time()
        did = _new_id("draft")
        with self._write() as conn:
            conn.execute(
                "INSERT INTO mail_drafts (id, owner, thread_id, recipients, cc, subject, body, "
                "in_reply_to, refs, model, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    did,
                    owner,
                    fields["thread_id"],
                    json.dumps(fields["recipients"]),
                    json.dumps(fields.get("cc", [])),
                    fields["subject"],
                    fields["body"],
                    fields.get("in_reply_to", ""),
                    fields.get("refs", ""),
                    fields.get("model"),
                    now,
                    now,
                ),
            )
        return self.draft(owner, did)

    def draft(self, owner: str, draft_id: str) -> Draft:
        rows = self._rows("SELECT * FROM mail_drafts WHERE owner = ? AND id = ?", (owner, draft_id))
        if not rows:
            raise NotFoundError(f"no draft '{draft_id}'", param="draft_id")
        row = dict(rows[0])
        row["recipients"], row["cc"] = json.loads(row["recipients"]), json.loads(row["cc"])
        return Draft(**row)

    def drafts(self, owner: str, thread_id: str | None = None) -> list[Draft]:
        sql, args = "SELECT id FROM mail_drafts WHERE owner = ?", [owner]
        if thread_id:
            sql, args = sql + " AND thread_id = ?", [owner, thread_id]
        return [self.draft(owner, r["id"]) for r in self._rows(sql + " ORDER BY created_at", args)]

    def update_draft(self, owner: str, draft_id: str, changes: dict[str, Any]) -> Draft:
        """Change a draft's fields; any edit takes its approval back. A sent one is final."""
        if self.draft(owner, draft_id).status == "sent":
            raise ConflictError("this draft was already sent", param="draft_id")
        columns = {"to": "recipients", "cc": "cc", "subject": "subject", "body": "body"}
        sets = ["status = 'draft'", "approved_digest = NULL", "updated_at = ?"]
        args: list[Any] = [time.time()]
        for key, column in columns.items():
            if key in changes:
                value = changes[key]
                sets.append(f"{column} = ?")
                args.append(json.dumps(value) if isinstance(value, list) else value)
        with self._write() as conn:
            conn.execute(
                f"UPDATE mail_drafts SET {', '.join(sets)} WHERE owner = ? AND id = ? "
                "AND status != 'sent'",
                (*args, owner, draft_id),
            )
        return self.draft(owner, draft_id)

    def set_status(self, owner: str, draft_id: str, **values: Any) -> Draft:
        sets = ", ".join(f"{k} = ?" for k in values)
        with self._write() as conn:
            conn.execute(
                f"UPDATE mail_drafts SET {sets}, updated_at = ? WHERE owner = ? AND id = ?",
                (*values.values(), time.time(), owner, draft_id),
            )
        return self.draft(owner, draft_id)


def _message(row: sqlite3.Row) -> Message:
    data = json.loads(row["data"])
    data["attachments"] = [Attachment(**a) for a in data["attachments"]]
    return Message(
        row["id"], row["thread_id"], row["origin"], row["folder"], Parsed(**data), bytes(row["raw"])
    )
