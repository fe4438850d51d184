"""Loaders: a file's bytes into text sections with their page, slide or sheet number and
their heading. One loader per format family, registered through the `register_loaders`
hook (the built-ins through the same hook); the file suffix picks the loader, and the
file's first bytes where the suffix is unknown.

A file that cannot be read raises `UnreadableDocumentError` saying why, never a library's
own exception.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from haneul.errors import InvalidRequestError


@dataclass(frozen=True)
class Section:
    text: str
    page: int | None = None  # 1-based page (PDF), slide (PPTX) or sheet (XLSX)
    heading: str | None = None  # the nearest heading


@dataclass(frozen=True)
class LoadedDocument:
    name: str
    kind: str  # pdf, docx, pptx, xlsx, hwp, hwpx, html, markdown, text
    sections: list[Section]
    title: str | None = None
    created: str | None = None  # ISO date from the file's metadata

    @property
    def text(self) -> str:
        """The document's text; chunk spans are offsets into it."""
        return SEPARATOR.join(s.text for s in self.sections)


SEPARATOR = "\n\n"
Load = Callable[[str, bytes], LoadedDocument]


class UnreadableDocumentError(InvalidRequestError):
    code = "unreadable_document"


def clean(text: str) -> str:
    """NFC, no NUL or control characters, no trailing spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text.replace("\r\n", "\n"))
    text = re.sub(r"[ \t\u00a0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sections(parts: list[Section]) -> list[Section]:
    """Cleaned sections, empty ones dropped."""
    out = []
    for part in parts:
        text = clean(part.text)
        if text:
            out.append(Section(text, part.page, part.heading))
    return out


@cache
def _registry() -> dict[str, tuple[str, Load]]:
    from haneul.plugins import plugin_manager

    by_suffix: dict[str, tuple[str, Load]] = {}

    def register(kind: str, suffixes: list[str], load: Load) -> None:
        for suffix in suffixes:
            by_suffix[suffix.lower()] = (kind, load)

    plugin_manager().hook.register_loaders(register=register)
    return by_suffix


def supported_suffixes() -> list[str]:
    return sorted(_registry())


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF"):
        return ".pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return ".hwp"
    if data.startswith(b"PK\x03\x04"):
        head = data[:2000]
        for marker, suffix in (
            (b"hwp+zip", ".hwpx"),
            (b"word/", ".docx"),
            (b"ppt/", ".pptx"),
            (b"xl/", ".xlsx"),
        ):
            if marker in head:
                return suffix
    return None


def load_document(name: str, data: bytes) -> LoadedDocument:
    """Read a file's bytes; the loader is chosen by suffix, else by the first bytes."""
    suffix = PurePath(name).suffix.lower()
    registry = _registry()
    if suffix not in registry:
        sniffed = _sniff(data)
        if sniffed is None:
            raise UnreadableDocumentError(
                f"{name}: unsupported file type '{suffix or '(none)'}'; supported: "
                + ", ".join(supported_suffixes())
            )
        suffix = sniffed
    kind, load = registry[suffix]
    if not data:
        raise UnreadableDocumentError(f"{name}: the file is empty")
    try:
        return load(name, data)
    except UnreadableDocumentError:
        raise
    except Exception as e:  # every library fails in its own way on a corrupt file
        raise UnreadableDocumentError(
            f"{name}: not a readable {kind.upper()} file ({type(e).__name__}: {e})"[:500]
        ) from e
