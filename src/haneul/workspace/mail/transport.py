"""The mail servers: IMAP over TLS for reading and for saving to Sent (APPEND), SMTP over TLS
(implicit, or STARTTLS) for sending. Both log in with an app password. The standard library's
blocking clients run in a worker thread; every failure becomes one of two clear errors:

    MailAuthError        400 mail_auth_failed   the server refused the user name or password
    MailConnectionError  502 mail_unreachable   no connection, TLS failed, or it dropped

Passwords never appear in a message or a log line.
"""

from __future__ import annotations

import asyncio
import imaplib
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from haneul.errors import InvalidRequestError, UpstreamError

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT_S = 20.0


class MailAuthError(InvalidRequestError):
    code = "mail_auth_failed"


class MailConnectionError(UpstreamError):
    code = "mail_unreachable"


@dataclass(frozen=True)
class Servers:
    """Where a mailbox lives and how to log in (the password is decrypted only for a call)."""

    address: str
    username: str
    password: str
    imap_host: str
    imap_port: int = 993
    smtp_host: str = ""
    smtp_port: int = 465
    smtp_security: str = "ssl"  # "ssl" (implicit TLS, 465) or "starttls" (587)

    def __repr__(self) -> str:  # never the password
        return f"Servers({self.address!r}, imap={self.imap_host}:{self.imap_port})"


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus an in-house CA when the server names one."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def _clean(text: object, servers: Servers) -> str:
    message = str(text).replace(servers.password, "***") if servers.password else str(text)
    return message.strip("b'\" ")


async def _run(fn: Callable[[], T], servers: Servers, what: str) -> T:
    try:
        return await asyncio.to_thread(fn)
    except (
        imaplib.IMAP4.abort,
        smtplib.SMTPServerDisconnected,
        ConnectionError,
        ssl.SSLEOFError,
    ) as e:
        raise MailConnectionError(
            f"{what}: the connection to the mail server dropped ({_clean(e, servers)})"
        ) from None
    except smtplib.SMTPAuthenticationError:
        raise MailAuthError(
            f"{what}: the SMTP server refused the user name or app password for {servers.username}",
            param="password",
        ) from None
    except (imaplib.IMAP4.error, smtplib.SMTPException) as e:
        text = _clean(e, servers)
        if re.search(r"AUTHENTICATIONFAILED|authentication failed|invalid credentials", text, re.I):
            raise MailAuthError(
                f"{what}: the IMAP server refused the user name or app password for "
                f"{servers.username}",
                param="password",
            ) from None
        raise MailConnectionError(f"{what}: the mail server answered: {text}") from None
    except ssl.SSLError as e:
        raise MailConnectionError(
            f"{what}: TLS with the mail server failed ({e.reason or e})"
        ) from None
    except (OSError, UnicodeError) as e:  # UnicodeError: a host name IDNA cannot encode
        raise MailConnectionError(f"{what}: cannot reach the mail server ({e})") from None


class Imap:
    """One IMAP session per call: log in, do the work, log out."""

    def __init__(self, servers: Servers, ca_file: Path | None = None) -> None:
        self.servers = servers
        self.ca_file = ca_file

    def _open(self) -> imaplib.IMAP4_SSL:
        s = self.servers
        conn = imaplib.IMAP4_SSL(
            s.imap_host, s.imap_port, ssl_context=tls_context(self.ca_file), timeout=TIMEOUT_S
        )
        try:
            conn.login(s.username, s.password)
        except BaseException:
            conn.shutdown()
            raise
        return conn

    async def check(self) -> list[str]:
        """Log in and list the folders: the credentials work."""

        def work() -> list[str]:
            conn = self._open()
            try:
                _, folders = conn.list()
                return [_folder_name(f) for f in folders if isinstance(f, bytes)]
            finally:
                conn.logout()

        return await _run(work, self.servers, "IMAP")

    async def fetch(self, folder: str = "INBOX", limit: int = 200) -> list[tuple[str, bytes]]:
        """The newest `limit` messages of a folder as (uid, raw bytes)."""

        def work() -> list[tuple[str, bytes]]:
            conn = self._open()
            try:
                status, _ = conn.select(_quote(folder), readonly=True)
                if status != "OK":
                    raise imaplib.IMAP4.error(f"no folder {folder}")
                _, found = conn.uid("SEARCH", "ALL")
                uids = (found[0] or b"").split()[-limit:]
                out = []
                for uid in uids:
                    _, data = conn.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                    raw = next((d[1] for d in data if isinstance(d, tuple)), None)
                    if isinstance(raw, bytes):
                        out.append((uid.decode(), raw))
                return out
            finally:
                conn.logout()

        return await _run(work, self.servers, "IMAP")

    async def save_sent(self, raw: bytes) -> str:
        """APPEND a sent message to the Sent folder (the \\Sent special-use folder, else one
        named Sent, created when missing); returns the folder's name."""

        def work() -> str:
            conn = self._open()
            try:
                _, folders = conn.list()
                names = [f for f in folders if isinstance(f, bytes)]
                sent = next((_folder_name(f) for f in names if b"\\Sent" in f), None)
                if sent is None:
                    sent = "Sent"
                    if sent not in [_folder_name(f) for f in names]:
                        conn.create(sent)
                now = imaplib.Time2Internaldate(time.time())
                status, answer = conn.append(_quote(sent), "(\\Seen)", now, raw)
                if status != "OK":
                    raise imaplib.IMAP4.error(f"APPEND to {sent}: {answer}")
                return sent
            finally:
                conn.logout()

        return await _run(work, self.servers, "IMAP")


def _folder_name(line: bytes) -> str:
    """The name in a LIST answer line: (\\HasNoChildren \\Sent) "." Sent"""
    text = line.decode("utf-8", "replace")
    match = re.match(r'\(.*?\) (?:"[^"]*"|NIL) (.+)$', text)
    name = match.group(1) if match else text
    return name.strip().strip('"')


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def send(
    servers: Servers, sender: str, recipients: list[str], raw: bytes, ca_file: Path | None
) -> None:
    """Hand a message to the SMTP server (TLS, logged in with the app password)."""

    def work() -> None:
        s, context = servers, tls_context(ca_file)
        client: smtplib.SMTP
        if s.smtp_security == "starttls":
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_S)
            client.starttls(context=context)
        else:
            client = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT_S, context=context)
        try:
            client.login(s.username, s.password)
            refused = client.sendmail(sender, recipients, raw)
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        finally:
            try:
                client.quit()
            except smtplib.SMTPException:
                client.close()

    await _run(work, servers, "SMTP")
    log.info("mail sent from %s to %d recipient(s)", sender, len(recipients))
