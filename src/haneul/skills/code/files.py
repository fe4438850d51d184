"""Files attached to a conversation for code to read: kept as they were uploaded (the
sandbox reads the CSV/XLSX itself; the server never parses them), one folder per owner and
conversation, so a sandbox is given exactly this conversation's files."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from haneul.errors import InvalidRequestError, RequestTooLargeError

MAX_FILE_BYTES = 20 << 20
MAX_FILES = 20
SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".xlsx", ".xls")
_UNSAFE = re.compile(r"[^\w가-힣.\- ()]")


def safe_name(name: str) -> str:
    """A file name that is a plain name inside the sandbox's /data (no path, no dot files)."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    if not base or not base.lower().endswith(SUFFIXES):
        raise InvalidRequestError(
            f"'{name}': code can read {', '.join(SUFFIXES)} files", param="file"
        )
    return base[:120]


class ConversationFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, owner: str, cid: str) -> Path:
        digest = hashlib.sha256(f"{owner}\0{cid}".encode()).hexdigest()
        return self.root / digest[:2] / digest

    def save(self, owner: str, cid: str, name: str, data: bytes) -> str:
        if len(data) > MAX_FILE_BYTES:
            raise RequestTooLargeError(f"a file for code is at most {MAX_FILE_BYTES >> 20} MiB")
        name = safe_name(name)
        folder = self._folder(owner, cid)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if len(list(folder.iterdir())) >= MAX_FILES and not (folder / name).exists():
            raise InvalidRequestError(f"at most {MAX_FILES} files per conversation", param="file")
        (folder / name).write_bytes(data)
        return name

    def paths(self, owner: str, cid: str) -> dict[str, Path]:
        """name -> path of this conversation's files, newest last."""
        folder = self._folder(owner, cid)
        if not folder.is_dir():
            return {}
        found = sorted(folder.iterdir(), key=lambda p: (p.stat().st_mtime_ns, p.name))
        return {p.name: p for p in found if p.is_file() and not p.is_symlink()}
