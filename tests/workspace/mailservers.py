"""Real mail servers on loopback for the mail tests: Debian's dovecot (IMAP over TLS) in a
temporary directory with its own config and users, and aiosmtpd (SMTP over implicit TLS, AUTH
with the same app passwords) delivering each accepted message into the recipients' dovecot
INBOX over IMAP. One self-signed certificate for 127.0.0.1 is the CA the client trusts
(HANEUL_MAIL_CA_FILE). The tests skip, saying why, when dovecot is not installed."""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
DOMAIN = "haneul.test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _mail_ids() -> tuple[int, int]:
    """Dovecot refuses uid 0 for mail: as root, run mail as the dovecot user."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    entry = pwd.getpwnam("dovecot")
    return entry.pw_uid, entry.pw_gid


CONFIG = """
base_dir = {dir}/run
state_dir = {dir}/run/state
instance_name = haneul-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
auth_mechanisms = plain login
disable_plaintext_auth = yes
log_path = {dir}/dovecot.log
mail_location = maildir:{dir}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {dir}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
"""


class _Deliver:
    """aiosmtpd handler: each accepted message goes into the recipients' INBOX (IMAP APPEND as
    that user: the same store the client reads), and is kept for the tests to read."""

    def __init__(self, servers: MailServers) -> None:
        self.servers = servers

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self.servers.received.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        for rcpt in envelope.rcpt_tos:
            user = rcpt.split("@")[0]
            if user in self.servers.users:
                self.servers.append(user, "INBOX", raw)
        return "250 OK delivered"


@dataclass
class MailServers:
    dir: Path
    users: dict[str, str]  # user name -> app password
    imap_port: int = 0
    smtp_port: int = 0
    starttls_port: int = 0  # the same SMTP server on a plain port that requires STARTTLS
    ca_file: Path = Path()
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    _smtp: Controller | None = None
    _starttls: Controller | None = None

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def imap(self, user: str) -> imaplib.IMAP4_SSL:
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.imap_port, ssl_context=self.context())
        conn.login(user, self.users[user])
        return conn

    def append(self, user: str, folder: str, raw: bytes) -> None:
        conn = self.imap(user)
        try:
            status, answer = conn.append(folder, None, None, raw)
            assert status == "OK", answer
        finally:
            conn.logout()

    def folder(self, user: str, folder: str) -> list[bytes]:
        """Every message in a user's folder, raw."""
        conn = self.imap(user)
        try:
            conn.select(f'"{folder}"', readonly=True)
            _, found = conn.uid("SEARCH", "ALL")
            out = []
            for uid in (found[0] or b"").split():
                _, data = conn.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                out.extend(d[1] for d in data if isinstance(d, tuple))
            return out
        finally:
            conn.logout()

    def account(self, user: str, **over: Any) -> dict[str, Any]:
        """The body of PUT /v1/mail/account for a user."""
        body = {
            "address": f"{user}@{DOMAIN}",
            "username": user,
            "password": self.users[user],
            "imap_host": "127.0.0.1",
            "imap_port": self.imap_port,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp_port,
            "smtp_security": "ssl",
        }
        return {**body, **over}

    @classmethod
    def create(cls, users: dict[str, str]) -> MailServers:
        """Servers in a new directory the dovecot user can enter (pytest's are 0700 to root)."""
        folder = Path(tempfile.mkdtemp(prefix="haneul-mail-"))
        folder.chmod(0o711)
        servers = cls(folder, users)
        servers.start()
        return servers

    def start(self) -> None:
        cert, key = make_certificate(self.dir)
        self.ca_file = cert
        uid, gid = _mail_ids()
        (self.dir / "run").mkdir()
        (self.dir / "mail").mkdir()
        os.chown(self.dir / "mail", uid, gid)
        lines = [f"{u}:{{PLAIN}}{p}:::::::" for u, p in self.users.items()]
        (self.dir / "users").write_text("\n".join(lines) + "\n")
        self.imap_port = free_port()
        conf = self.dir / "dovecot.conf"
        conf.write_text(CONFIG.format(dir=self.dir, port=self.imap_port, uid=uid, gid=gid))
        assert DOVECOT is not None
        subprocess.run([DOVECOT, "-c", str(conf)], check=True, timeout=30)
        self._wait(self.imap_port)
        self._start_smtp(cert, key)

    def _start_smtp(self, cert: Path, key: Path) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        users = self.users

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            if isinstance(data, LoginPassword):
                name, password = data.login.decode(), data.password.decode()
                if users.get(name) == password:
                    return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        self.smtp_port = free_port()
        self._smtp = Controller(
            _Deliver(self),
            hostname="127.0.0.1",
            port=self.smtp_port,
            ssl_context=context,
            authenticator=authenticate,
            auth_required=True,
            auth_require_tls=False,  # the whole session is TLS already (implicit TLS)
        )
        self._smtp.start()
        self.starttls_port = free_port()
        self._starttls = Controller(
            _Deliver(self),
            hostname="127.0.0.1",
            port=self.starttls_port,
            tls_context=context,
            require_starttls=True,
            authenticator=authenticate,
            auth_required=True,
        )
        self._starttls.start()

    def _wait(self, port: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError((self.dir / "dovecot.log").read_text(errors="replace"))

    def stop(self) -> None:
        for controller in (self._smtp, self._starttls):
            if controller is not None:
                controller.stop()
        pid_file = self.dir / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)


class DroppingProxy:
    """A TCP proxy on loopback in front of a mail server. While `dropping` is set it accepts
    each connection and closes it at once: the mail server's connection dropping."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.dropping = False
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.dropping:
                conn.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()
