"""Reading mail as Korean offices send it: bodies in EUC-KR/CP949 or UTF-8 (any charset a
message declares), RFC 2047 encoded headers, HTML bodies turned into text, attachments
listed (their bytes stay in the raw message until someone asks to index one).

EUC-KR is read as CP949, its superset: Windows mail clients label CP949 text (똠, 햏 and the
other 8,822 extra syllables) as `euc-kr`, and Python's strict EUC-KR codec would fail on it.
"""

from __future__ import annotations

import email
import email.message
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header
from typing import Any

from bs4 import BeautifulSoup

# Labels Korean mail uses for CP949 text; read all of them as CP949.
_CP949_LABELS = frozenset(
    {
        "euc-kr",
        "euc_kr",
        "euckr",
        "ks_c_5601-1987",
        "ks_c_5601",
        "ksc5601",
        "cp949",
        "uhc",
        "x-windows-949",
        "windows-949",
    }
)
_PREFIX = re.compile(r"^\s*((re|fw|fwd|회신|답장|전달|답변)\s*(\[\d+\])?\s*:\s*)+", re.I)


def codec(charset: str | None) -> str:
    """The Python codec for a declared charset (EUC-KR and its aliases as CP949)."""
    name = (charset or "utf-8").strip().strip('"').lower()
    if name in _CP949_LABELS:
        return "cp949"
    try:
        "".encode(name)
    except LookupError:
        return "utf-8"
    return name


def decode_text(data: bytes, charset: str | None) -> str:
    return data.decode(codec(charset), errors="replace")


def header_text(value: Any) -> str:
    """An RFC 2047 header as text, whatever charsets its encoded words use."""
    if value is None:
        return ""
    parts = []
    for chunk, charset in decode_header(str(value)):
        parts.append(decode_text(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def html_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table"]):
        block.append("\n")
    text = soup.get_text("")
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def thread_subject(subject: str) -> str:
    """The subject without its Re:/회신:/Fwd: prefixes."""
    return _PREFIX.sub("", subject).strip()


@dataclass
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass
class Parsed:
    message_id: str
    subject: str
    sender: str  # display form: 이름 <address>
    sender_address: str
    to: list[str]
    cc: list[str]
    date: float  # unix seconds (0 when the message has no readable date)
    in_reply_to: str
    references: list[str]
    text: str
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def root(self) -> str:
        """The thread's first message id, as far as this message knows it."""
        return self.references[0] if self.references else (self.in_reply_to or self.message_id)


def _addresses(values: list[str]) -> list[str]:
    out = []
    for name, address in email.utils.getaddresses([header_text(v) for v in values]):
        if address:
            out.append(f"{name} <{address}>" if name else address)
    return out


def _ids(value: Any) -> list[str]:
    return re.findall(r"<[^<>\s]+>", str(value or ""))


def _body(message: email.message.Message) -> tuple[str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    parts = message.walk() if message.is_multipart() else iter([message])
    for number, part in enumerate(parts):
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").lower()
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        kind = part.get_content_type()
        if filename or disposition.startswith("attachment"):
            name = header_text(filename) if filename else f"attachment-{number}"
            attachments.append(Attachment(number, name, kind, len(data)))
        elif kind == "text/plain":
            plain.append(decode_text(data, part.get_content_charset()))
        elif kind == "text/html":
            html.append(html_text(decode_text(data, part.get_content_charset())))
    text = "\n\n".join(plain) if plain else "\n\n".join(html)
    return text.replace("\r\n", "\n").strip(), attachments


def parse(raw: bytes) -> Parsed:
    """A message from its raw bytes."""
    message = email.message_from_bytes(raw)
    text, attachments = _body(message)
    try:
        when = email.utils.parsedate_to_datetime(str(message.get("Date")))
        date = when.timestamp()
    except (TypeError, ValueError, IndexError):
        date = 0.0
    sender = _addresses(message.get_all("From") or [])
    _, sender_address = email.utils.parseaddr(header_text(message.get("From")))
    message_id = (_ids(message.get("Message-ID")) or [""])[0]
    if not message_id:  # a message without an id gets a stable one from its content
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:32]}@haneul.local>"
    return Parsed(
        message_id=message_id,
        subject=header_text(message.get("Subject")),
        sender=sender[0] if sender else "",
        sender_address=sender_address,
        to=_addresses(message.get_all("To") or []),
        cc=_addresses(message.get_all("Cc") or []),
        date=date,
        in_reply_to=(_ids(message.get("In-Reply-To")) or [""])[0],
        references=_ids(message.get("References")),
        text=text,
        attachments=attachments,
    )


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes]:
    """One attachment's file name and bytes (index as listed by `parse`)."""
    message = email.message_from_bytes(raw)
    parts = message.walk() if message.is_multipart() else iter([message])
    for number, part in enumerate(parts):
        if number == index and not part.is_multipart():
            payload = part.get_payload(decode=True)
            name = header_text(part.get_filename()) or f"attachment-{number}"
            return name, payload if isinstance(payload, bytes) else b""
    raise KeyError(index)
