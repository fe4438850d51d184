"""Whole (non-streamed) replies end on a complete character.

llama.cpp decodes a reply cut by `max_tokens` byte-wise: when the last token holds only the
first bytes of a multi-token character (a rare Hangul syllable is often two or three byte
tokens), the reply's text ends in U+FFFD. A stream holds such bytes back until the character
is whole; a whole reply drops them, so no client ever sees a split syllable as U+FFFD.
"""

from __future__ import annotations

from typing import Any

REPLACEMENT = "\ufffd"


def complete_characters(response: dict[str, Any]) -> dict[str, Any]:
    """`response` with the incomplete character at the end of each cut choice dropped."""
    for choice in response.get("choices", []):
        if choice.get("finish_reason") != "length":
            continue
        holder = choice.get("message", choice)
        key = "content" if "message" in choice else "text"
        text = holder.get(key)
        if isinstance(text, str) and text.endswith(REPLACEMENT):
            holder[key] = text.rstrip(REPLACEMENT)
    return response
