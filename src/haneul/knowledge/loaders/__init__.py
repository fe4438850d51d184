"""Loaders: a file's bytes into text sections with their page, slide or sheet number and
their heading. One loader per format family, registered through the `register_loaders`
hook (the built-ins through the same hook); the file suffix picks the loader, and the
file's first bytes where the suffix is unknown.

A loader knows nothing of chunks, terms or the index: it only turns bytes into text.
A file that cannot be read raises `UnreadableDocumentError` saying why, never a library's
own exception.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from haneul.errors import InvalidRequestError

log = logging.getLogger(__name__)

SEPARATOR = "\n\n"  # between sections in LoadedDocument.text
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024  # a zip (DOCX, PPTX, XLSX, HWPX) may expand to this
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_RATIO = 200  # uncompressed / compressed, over the archive, once it passes MIN_RATIO_BYTES
MIN_RATIO_BYTES = 16 * 1024 * 1024  # smaller archives may compress as well as they like
MAX_HEADING_CHARS = 200  # a "heading" longer than this is a styled paragraph: kept as text


@dataclass(frozen=True)
class Section:
    text: str  # plain text, normalised by `clean`
    page: int | None = None  # 1-based page (PDF), slide (PPTX) or sheet (XLSX)
    heading: str | None = None  # the nearest heading above this text


@dataclass(frozen=True)
class LoadedDocument:
    name: str  # the file name as given
    kind: str  # pdf, docx, pptx, xlsx, hwp, hwpx, html, markdown, text, or a plugin's kind
    sections: list[Section]
    title: str | None = None  # from the file's metadata
    created: str | None = None  # ISO date from the file's metadata

    @property
    def text(self) -> str:
        """The document's text; chunk spans are offsets into it."""
        return SEPARATOR.join(s.text for s in self.sections)


Load = Callable[[str, bytes], LoadedDocument]


class UnreadableDocumentError(InvalidRequestError):
    code = "unreadable_document"


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]")


def clean(text: str) -> str:
    """NFC, no NUL or control characters, no trailing spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = _CONTROLS.sub("", text.replace("\u2029", "\n\n"))
    text = re.sub(r"[ \t\u00a0\u3000]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sections(parts: list[Section]) -> list[Section]:
    """Cleaned sections, empty ones dropped (headings cleaned too)."""
    out = []
    for part in parts:
        text = clean(part.text)
        heading = clean(part.heading) if part.heading else None
        if text:
            out.append(Section(text, part.page, " ".join(heading.split()) if heading else None))
    return out


@cache
def _registry() -> dict[str, tuple[str, Load]]:
    from haneul.plugins import plugin_manager

    by_suffix: dict[str, tuple[str, Load]] = {}

    def register(kind: str, suffixes: list[str], load: Load) -> None:
        for suffix in suffixes:
            suffix = suffix.lower()
            by_suffix[suffix if suffix.startswith(".") else f".{suffix}"] = (kind, load)

    plugin_manager().hook.register_loaders(register=register)
    return by_suffix


def supported_suffixes() -> list[str]:
    """Every suffix a loader is registered for, lower case with its dot (".hwp")."""
    return sorted(_registry())


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:64] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None
    if b"hwp+zip" in mimetype or "Contents/section0.xml" in names:
        return ".hwpx"
    for part, suffix in (
        ("word/document.xml", ".docx"),
        ("ppt/presentation.xml", ".pptx"),
        ("xl/workbook.xml", ".xlsx"),
    ):
        if part in names:
            return suffix
    return None


def _sniff(data: bytes) -> str | None:
    """The suffix a file's content says it has: PDF, an HWP 5.0 or Excel 97 OLE file, an
    office zip."""
    if b"%PDF-" in data[:1024]:
        return ".pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0") and b"HWP Document File" in data:
        return ".hwp"
    if data.startswith(b"\xd0\xcf\x11\xe0") and "Workbook".encode("utf-16-le") in data:
        return ".xls"  # an Excel 97-2003 workbook's stream, named in the OLE directory
    if _is_zip(data):
        return _zip_kind(data)
    return None


# Formats that are zip containers: what one that is not a zip most likely is, said
_ZIP_KINDS = (".docx", ".xlsx", ".pptx", ".hwpx")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _not_a_zip(name: str, kind: str, data: bytes) -> str:
    """Why an office file that is no zip cannot be read: Office saves one with a password
    as an OLE file holding an `EncryptedPackage` stream; other OLE files are the 97-2003
    formats renamed; anything else is damaged or locked by a document-security (DRM)
    program, as many Korean companies' files are."""
    if data.startswith(_OLE) and "EncryptedPackage".encode("utf-16-le") in data:
        return (
            f"{name}: the {kind.upper()} file is password protected (save it without a"
            " password and add it again)"
        )
    if data.startswith(_OLE):
        return (
            f"{name}: an Office 97-2003 file, not {kind.upper()} (save it as"
            f" {PurePath(name).suffix.lower()} and add it again)"
        )
    return (
        f"{name}: not a valid {kind.upper()} file (no zip container inside: damaged, or"
        " locked by a document-security (DRM) program)"
    )


def _is_zip(data: bytes) -> bool:
    """Whether `zipfile` would open `data`, whatever its first bytes (it finds the
    archive from its end, so junk before `PK` does not stop it)."""
    return zipfile.is_zipfile(io.BytesIO(data))


def check_zip(name: str, data: bytes) -> None:
    """Refuse a zip that would expand beyond reason (a zip bomb) before a library opens it:
    total size, ratio and entry count, from the directory the library itself will read.
    `zipfile` never inflates an entry beyond its declared size, so the declared sizes bound
    what any zipfile-based reader (python-docx, -pptx, openpyxl, the HWPX loader) can get."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return  # not a readable zip: the loader says so in its own words
    unzipped = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if len(infos) > MAX_ZIP_ENTRIES or unzipped > MAX_UNZIPPED_BYTES:
        raise UnreadableDocumentError(
            f"{name}: the file expands to more than {MAX_UNZIPPED_BYTES // 2**20} MiB "
            f"or {MAX_ZIP_ENTRIES} parts (a zip bomb?)"
        )
    if unzipped > MIN_RATIO_BYTES and unzipped > MAX_ZIP_RATIO * max(packed, 1):
        raise UnreadableDocumentError(
            f"{name}: the file expands {unzipped // max(packed, 1)} times its packed size "
            f"(more than {MAX_ZIP_RATIO}: a zip bomb?)"
        )


def _run(name: str, kind: str, load: Load, data: bytes) -> LoadedDocument:
    try:
        return load(name, data)
    except UnreadableDocumentError:
        raise
    except RecursionError as e:
        raise UnreadableDocumentError(f"{name}: the {kind.upper()} file nests too deep") from e
    except MemoryError as e:
        raise UnreadableDocumentError(f"{name}: the {kind.upper()} file is too large") from e
    except Exception as e:  # every library fails in its own way on a corrupt file
        detail = str(e).strip() or type(e).__name__
        raise UnreadableDocumentError(
            f"{name}: not a valid {kind.upper()} file ({detail})"[:500]
        ) from e


def load_document(name: str, data: bytes) -> LoadedDocument:
    """Read a file's bytes. The loader is chosen by suffix; by content where the suffix is
    unknown, or where the suffix's loader fails on what is plainly another format (an
    HWPX file saved as .hwp)."""
    suffix = PurePath(name).suffix.lower()
    registry = _registry()
    sniffed = _sniff(data)
    if suffix not in registry:
        if sniffed is None or sniffed not in registry:
            raise UnreadableDocumentError(
                f"{name}: unsupported file type '{suffix or '(no suffix)'}'; supported: "
                + ", ".join(supported_suffixes())
            )
        suffix = sniffed
    kind, load = registry[suffix]
    if not data:
        raise UnreadableDocumentError(f"{name}: the file is empty")
    if suffix in _ZIP_KINDS and sniffed is None and not _is_zip(data):
        raise UnreadableDocumentError(_not_a_zip(name, kind, data))
    check_zip(name, data)  # whatever the first bytes: zipfile opens what it finds
    try:
        return _run(name, kind, load, data)
    except UnreadableDocumentError as failed:
        if sniffed is None or sniffed not in registry or registry[sniffed][0] == kind:
            raise
        other_kind, other_load = registry[sniffed]
        log.info("%s: not a %s file; reading it as %s", name, kind, other_kind)
        try:
            return _run(name, other_kind, other_load, data)
        except UnreadableDocumentError:
            raise failed from None
