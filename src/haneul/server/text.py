"""What every request's text must be, whatever its dialect: Unicode (no lone surrogate:
`"\\ud800"` is valid JSON but cannot be tokenized, stored or sent back as UTF-8) and of a
bounded size, checked on the raw JSON before any field is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator

MAX_TEXT_CHARS = 1_000_000  # characters in all the texts of one request together
_SURROGATE = re.compile("[\ud800-\udfff]")


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a parsed JSON value, with its path (`messages.0.content`)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}.{i}" if path else str(i))


def refuse_bad_text(data: Any) -> Any:
    """A request's raw JSON, refused when a string holds a lone surrogate or the strings
    together exceed `MAX_TEXT_CHARS` (a `mode="before"` validator for whole requests)."""
    total = 0
    for path, text in _strings(data, ""):
        total += len(text)
        if (m := _SURROGATE.search(text)) is not None:
            raise ValueError(
                f"{path or 'the text'} holds a lone surrogate (U+{ord(m.group()):04X}) at "
                f"character {m.start()}, which is not valid Unicode; send UTF-8 text"
            )
    if total > MAX_TEXT_CHARS:
        raise ValueError(
            f"the request holds {total:,} characters of text; at most {MAX_TEXT_CHARS:,} are read"
        )
    return data


def _no_surrogate(text: str) -> str:
    refuse_bad_text(text)
    return text


# a str field that refuses lone surrogates (for request models outside this module)
UnicodeText = Annotated[str, AfterValidator(_no_surrogate)]
