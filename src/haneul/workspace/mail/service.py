"""The mail service (server, skill and CLI call this): connect a mailbox, read it (IMAP sync,
or an imported .eml/.mbox), summarise a thread, draft a reply, and send it only after the
user approved that exact draft (the digest of its recipients, subject and body).

Sending is one side effect in two steps: SMTP delivery, then IMAP APPEND of the same bytes to
the Sent folder. The reply is threaded: In-Reply-To names the message answered, References
the thread's chain ending with it."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import mailbox
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

from haneul.engine.manager import ModelManager
from haneul.errors import ConflictError, HaneulError, InvalidRequestError, NotFoundError
from haneul.workspace.mail import assist
from haneul.workspace.mail import summary as mail_summary
from haneul.workspace.mail.parse import thread_subject
from haneul.workspace.mail.store import Account, Draft, MailStore, Message
from haneul.workspace.mail.transport import Imap, MailConnectionError, Servers, send
from haneul.workspace.mail.vault import Vault

log = logging.getLogger(__name__)
MAX_IMPORT_MESSAGES = 5000


class MailService:
    def __init__(
        self, store: MailStore, vault: Vault, manager: ModelManager, ca_file: Path | None = None
    ) -> None:
        self.store = store
        self.vault = vault
        self.manager = manager
        self.ca_file = ca_file
        self._sending: dict[str, asyncio.Lock] = {}

    def servers(self, account: Account) -> Servers:
        return Servers(
            address=account.address,
            username=account.username,
            password=self.vault.unseal(account.secret),
            imap_host=account.imap_host,
            imap_port=account.imap_port,
            smtp_host=account.smtp_host,
            smtp_port=account.smtp_port,
            smtp_security=account.smtp_security,
        )

    async def connect(self, owner: str, fields: dict[str, Any], password: str) -> Account:
        """Check the credentials against the IMAP server, then keep them (sealed)."""
        fields = dict(fields)
        fields.setdefault("username", fields["address"])
        fields["username"] = fields["username"] or fields["address"]
        servers = Servers(
            password=password,
            **{
                k: fields[k]
                for k in (
                    "address",
                    "username",
                    "imap_host",
                    "imap_port",
                    "smtp_host",
                    "smtp_port",
                    "smtp_security",
                )
            },
        )
        try:
            await Imap(servers, self.ca_file).check()
        except MailConnectionError as e:  # connecting: the settings given are at fault
            raise InvalidRequestError(
                f"{e.message}: check imap_host and imap_port",
                param="imap_host",
                code="mail_unreachable",
            ) from None
        fields["secret"] = self.vault.seal(password)
        return self.store.save_account(owner, fields)

    async def sync(self, owner: str, limit: int = 200) -> int:
        """Read the newest INBOX messages from the IMAP server; returns how many were new."""
        account = self.store.account(owner)
        found = await Imap(self.servers(account), self.ca_file).fetch("INBOX", limit)
        added = sum(
            self.store.add_message(owner, raw, "imap", "INBOX", uid)[1] for uid, raw in found
        )
        self.store.synced(owner)
        return added

    def import_file(self, owner: str, filename: str, data: bytes) -> int:
        """Messages from an .eml file (one) or an .mbox file (many); returns how many were new."""
        name = filename.lower()
        if name.endswith(".eml"):
            return int(self.store.add_message(owner, data, "import")[1])
        if not name.endswith((".mbox", ".mbx")) and not data.startswith(b"From "):
            raise InvalidRequestError("import an .eml or .mbox file", param="file")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "import.mbox"
            path.write_bytes(data)
            box = mailbox.mbox(str(path), create=False)
            added = 0
            for number, item in enumerate(box):
                if number >= MAX_IMPORT_MESSAGES:
                    break
                added += self.store.add_message(owner, item.as_bytes(), "import")[1]
            box.close()
        return added

    async def summarize(self, owner: str, thread_id: str, model: str | None) -> dict[str, Any]:
        messages = self.store.thread(owner, thread_id)
        parsed = [m.parsed for m in messages]
        entry = self.manager.resolve(model)
        catalog, settings = self.manager.catalog, self.manager.settings
        usage: dict[str, Any] = {}
        if settings.small_model_chat or catalog.answers_open(entry):
            entry, backend = await self.manager.get(model)
            shown, usage = await mail_summary.summarize(backend, entry.name, parsed)
        else:  # a small model is not asked (workspace/mail/summary.py)
            shown = mail_summary.not_asked(parsed)
        return {
            "object": "mail.summary",
            "thread_id": thread_id,
            "model": entry.name,
            "summary": shown.text,
            "drafted": shown.drafted,
            "reason": shown.reason,
            "model_asked": shown.asked,
            "usage": usage,
        }

    async def draft(
        self,
        owner: str,
        thread_id: str,
        model: str | None,
        instructions: str = "",
        sources: list[tuple[str, str]] | None = None,
    ) -> Draft:
        """A reply draft to the thread's newest message not sent by the user. Nothing is sent.
        Without a connected mailbox (mail imported only) the draft has no name or signature."""
        try:
            account: Account | None = self.store.account(owner)
        except NotFoundError:
            account = None
        messages = self.store.thread(owner, thread_id)
        mine = account.address.lower() if account else ""
        theirs = [m for m in messages if m.parsed.sender_address.lower() != mine]
        last = (theirs or messages)[-1]
        entry, backend = await self.manager.get(model)
        upto = messages[: messages.index(last) + 1]
        written = await assist.draft_reply(
            backend,
            entry.name,
            [m.parsed for m in upto],
            account.display_name if account else "",
            account.signature if account else "",
            instructions,
            sources,
        )
        return self.store.add_draft(
            owner,
            {
                "thread_id": thread_id,
                "recipients": [last.parsed.sender] if last.parsed.sender else [],
                "subject": _reply_subject(last.parsed.subject),
                "body": written.text,
                "in_reply_to": last.parsed.message_id,
                "refs": " ".join([*last.parsed.references, last.parsed.message_id]),
                "model": entry.name,
            },
        )

    def approve(self, owner: str, draft_id: str, digest: str) -> Draft:
        """The user approves the draft exactly as shown to them (its digest)."""
        draft = self.store.draft(owner, draft_id)
        if draft.status == "sent":
            raise ConflictError("this draft was already sent", param="draft_id")
        if digest != draft.digest:
            raise ConflictError(
                "the draft changed since it was shown: read it again and approve that version",
                param="digest",
            )
        if not draft.recipients:
            raise InvalidRequestError("the draft has no recipient", param="to")
        return self.store.set_status(owner, draft_id, status="approved", approved_digest=digest)

    async def send(self, owner: str, draft_id: str) -> Draft:
        """Send an approved draft, then save it to Sent. Refused unless approved as it is."""
        lock = self._sending.setdefault(owner, asyncio.Lock())
        async with lock:
            draft = self.store.draft(owner, draft_id)
            if draft.status == "sent":
                raise ConflictError("this draft was already sent", param="draft_id")
            if draft.status != "approved" or draft.approved_digest != draft.digest:
                raise ConflictError(
                    "the draft is not approved: approve the exact text first "
                    "(POST /v1/mail/drafts/{id}/approve)",
                    param="draft_id",
                )
            account = self.store.account(owner)
            servers = self.servers(account)
            raw, message_id = _compose(account, draft)
            recipients = [a for _, a in email.utils.getaddresses(draft.recipients + draft.cc) if a]
            await send(servers, account.address, recipients, raw, self.ca_file)
            sent = self.store.set_status(
                owner, draft_id, status="sent", sent_at=time.time(), sent_message_id=message_id
            )
            self.store.add_message(owner, raw, "sent", "Sent")
            try:
                folder = await Imap(servers, self.ca_file).save_sent(raw)
            except HaneulError as e:  # sent all the same: say so, never send it twice
                log.warning("draft %s sent, but not saved to Sent: %s", draft_id, e.message)
                return sent
            return self.store.set_status(owner, sent.id, sent_folder=folder)

    def thread(self, owner: str, thread_id: str) -> list[Message]:
        return self.store.thread(owner, thread_id)


def _reply_subject(subject: str) -> str:
    topic = thread_subject(subject) or subject
    return f"Re: {topic}"


def _compose(account: Account, draft: Draft) -> tuple[bytes, str]:
    message = EmailMessage(policy=SMTP)
    domain = account.address.rpartition("@")[2] or "haneul.local"
    message_id = email.utils.make_msgid(domain=domain)
    message["From"] = email.utils.formataddr((account.display_name, account.address))
    message["To"] = ", ".join(draft.recipients)
    if draft.cc:
        message["Cc"] = ", ".join(draft.cc)
    message["Subject"] = draft.subject
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = message_id
    if draft.in_reply_to:
        message["In-Reply-To"] = draft.in_reply_to
    if draft.refs:
        message["References"] = draft.refs
    message.set_content(draft.body, charset="utf-8")
    return message.as_bytes(), message_id


class MailSkillSource:
    """The mail service as the `mail` skill reads it (skills/builtin/mail.py `MailSource`):
    threads, a summary, a draft saved for review. It has no way to send."""

    def __init__(self, service: MailService) -> None:
        self._service = service

    async def threads(self, owner: str, query: str | None, limit: int) -> list[dict[str, Any]]:
        return self._service.store.threads(owner, limit, query)

    async def summary(self, owner: str, thread_id: str) -> str:
        return str((await self._service.summarize(owner, thread_id, None))["summary"])

    async def draft(self, owner: str, thread_id: str, instructions: str) -> dict[str, Any]:
        return (await self._service.draft(owner, thread_id, None, instructions)).card()
