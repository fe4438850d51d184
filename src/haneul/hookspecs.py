"""The hook specifications: Haneul's extension points, and the markers to write them with.

Each hook takes a `register` callback (as in simonw/llm and datasette); Haneul's own built-ins
use the same hooks. This module imports nothing of Haneul, so a plugin (built-in or not) can
import `hookimpl` from here (or from `haneul`) without pulling in the plugin manager.
Every hook is documented in docs/plugins.md; a test fails if one is not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("haneul")
hookimpl = pluggy.HookimplMarker("haneul")


@hookspec
def register_backends(register: Callable[[str, Any], None]) -> None:
    """Register backend factories by catalog kind: `register("gguf", factory)`, where
    `factory(entry, settings, catalog) -> Backend`."""


@hookspec
def register_loaders(register: Callable[[str, list[str], Any], None]) -> None:
    """Register document loaders: `register("pdf", [".pdf"], load)`, where
    `load(name, data: bytes) -> LoadedDocument` raises `UnreadableDocumentError` for a bad
    file."""


@hookspec
def register_skills(register: Callable[[Any], None]) -> None:
    """Register skills for the assistant: `register(my_skill)`, where the skill follows the
    `Skill` protocol of `haneul.skills` (most easily made with `@skill`)."""


@hookspec
def register_checks(register: Callable[[Any], None]) -> None:
    """Register AI Filter checks: `register(check)`, where `check` follows the `Check`
    protocol of `haneul.safety` (a `name` and `async check(text, context) -> Verdict`)."""
