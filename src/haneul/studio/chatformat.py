"""The chat format a tuned Gemma model is trained on and served with. Training renders a
conversation as segments (text, learned?) so that only the assistant's turns carry loss;
serving gives llama.cpp the Jinja template `haneul/engine/templates/gemma.jinja`, which renders the
same text (a test holds the two together)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haneul.engine.catalog import template_file

BOS = "<bos>"


def template_path() -> Path:
    return template_file("gemma")


def segments(messages: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """(text, learned) pieces whose concatenation is the template's rendering; assistant
    contents and their end-of-turn marker are learned unless the message has weight 0."""
    system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
    out: list[tuple[str, bool]] = [(BOS, False)]
    first = True
    for m in messages:
        if m["role"] == "system":
            continue
        if m["role"] == "user":
            prefix = system + "\n\n" if first and system else ""
            out.append(("<start_of_turn>user\n" + prefix + m["content"] + "<end_of_turn>\n", False))
            first = False
        else:
            out.append(("<start_of_turn>model\n", False))
            out.append((m["content"] + "<end_of_turn>", bool(m.get("weight", 1))))
            out.append(("\n", False))
    return out


def render(messages: list[dict[str, Any]], add_generation_prompt: bool = False) -> str:
    text = "".join(t for t, _ in segments(messages))
    return text + ("<start_of_turn>model\n" if add_generation_prompt else "")
