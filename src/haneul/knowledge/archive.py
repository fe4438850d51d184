"""Zip archives on a shared drive: the documents inside are added as if the folder had been
unpacked, each named by the archive and its path in it («자료.zip/인사/휴가.hwp»).

Korean Windows writes a zip's file names in CP949 without marking them (the UTF-8 flag is
unset), and `zipfile` then reads them as CP437: «¦+¦º.txt» for «연차.txt». A name without
the flag is read as UTF-8 where it decodes, else as CP949. The archive passes the same
zip-bomb checks as an office file before a member is read (loaders.check_zip); hidden and
system files (`left_out`: macOS's `__MACOSX`, Office's «~$» lock files, Thumbs.db) are left
out, members of types not read too (counted); an archive inside the archive is not opened.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import PurePosixPath

from haneul.knowledge.loaders import UnreadableDocumentError, check_zip, supported_suffixes

SUFFIX = ".zip"
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1


# Files a shared drive holds beside its documents that are none: Windows' thumbnail cache and
# folder settings, macOS's folder records, and the lock file Office writes beside a document
# while it is open («~$보고서.docx», 162 bytes naming who has it open)
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "__macosx", ".ds_store"})


def left_out(parts: tuple[str, ...]) -> bool:
    """Whether a path (its parts) is a hidden or system file or folder, never a document:
    left out of a folder and of an archive without a word (nor counted as skipped)."""
    return any(p.startswith((".", "~$")) or p.lower() in _SYSTEM_FILES for p in parts)


def is_archive(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() == SUFFIX


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it (see the module's note on CP949)."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def members(
    name: str, data: bytes, skipped: Counter[str] | None = None
) -> list[tuple[str, Callable[[], bytes]]]:
    """The archive's documents as (name, read bytes) pairs, in the archive's order."""
    check_zip(name, data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise UnreadableDocumentError(f"{name}: not a valid ZIP file ({e})") from e
    read_here = set(supported_suffixes())
    found: list[tuple[str, Callable[[], bytes]]] = []
    for info in archive.infolist():
        path = PurePosixPath(member_name(info))
        if info.is_dir() or left_out(path.parts):
            continue
        if path.suffix.lower() not in read_here:
            if skipped is not None:
                skipped[path.suffix.lower() or "no suffix"] += 1
            continue
        found.append((f"{name}/{path.as_posix()}", _reader(archive, info, f"{name}/{path}")))
    return found


def _reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Callable[[], bytes]:
    """A member's bytes; a member that cannot be read fails alone, with its reason (an
    encrypted one, a compression `zipfile` lacks, a damaged one), and the others go on."""

    def read() -> bytes:
        if info.flag_bits & ENCRYPTED_FLAG:
            raise UnreadableDocumentError(
                f"{name}: password protected in the zip (unzip it with the password and add"
                " the files)"
            )
        try:
            return archive.read(info)
        except NotImplementedError as e:  # Deflate64, LZMA in old builds, AES
            raise UnreadableDocumentError(f"{name}: packed in a way not read ({e})") from e
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as e:
            raise UnreadableDocumentError(f"{name}: damaged in the zip ({e})") from e

    return read
