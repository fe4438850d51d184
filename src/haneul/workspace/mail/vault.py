"""Mail passwords at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`)
under a key from the server's configuration: `HANEUL_MAIL_KEY`, else `<home>/mail.key`,
created on first use with mode 0600. The database holds only the token; without the key it
reads nothing. Neither the key nor a password is ever logged."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from haneul.errors import HaneulError

log = logging.getLogger(__name__)
KEY_FILE = "mail.key"


class MailKeyError(HaneulError):
    code = "mail_key_invalid"


def _key_file(home: Path) -> bytes:
    path = home / KEY_FILE
    home.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was readable by others (mode %o): set to 0600", path, mode)
            path.chmod(0o600)
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(Fernet.generate_key())
    log.info("created the mail key file %s (mode 0600)", path)
    return path.read_bytes().strip()


class Vault:
    """Seals and unseals app passwords. The key is read (or the key file made) on first use,
    so a server that never connects a mailbox writes no key file."""

    def __init__(self, configured: str | None, home: Path) -> None:
        self._configured = configured
        self._home = home
        self._fernet: Fernet | None = None

    def _key(self) -> Fernet:
        if self._fernet is None:
            key = self._configured.encode() if self._configured else _key_file(self._home)
            try:
                self._fernet = Fernet(key)
            except (ValueError, TypeError):
                raise MailKeyError(
                    "the mail key is not a Fernet key (32 url-safe base64 bytes; make one with "
                    "`python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'`)"
                ) from None
        return self._fernet

    def seal(self, secret: str) -> bytes:
        return self._key().encrypt(secret.encode("utf-8"))

    def unseal(self, token: bytes) -> str:
        try:
            return self._key().decrypt(token).decode("utf-8")
        except InvalidToken:
            raise MailKeyError(
                "the stored mail password cannot be decrypted with this server's mail key "
                "(HANEUL_MAIL_KEY or mail.key changed): connect the mailbox again"
            ) from None

    def __repr__(self) -> str:
        return "Vault(***)"
