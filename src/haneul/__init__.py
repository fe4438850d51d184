"""Haneul (하늘): a self-hosted, Korean-first LLM platform.

The public API, for plugins and applications (pinned by tests/test_public_api.py):

- `hookimpl`: marks a plugin's hook implementations (the hooks: docs/plugins.md).
- `skill`, `SkillResult`: make a skill for the assistant from an async function.
- `Backend`: the model runtime's one seam (`haneul.engine.protocol`).
- `Check`: an AI Filter check (`haneul.safety.protocol`).
- `Settings`: every setting, as data (`HANEUL_` environment variables).
- `HaneulError`: the root of the exception tree (`haneul.errors`).

The names are loaded on first use, so `import haneul` stays cheap and imports nothing else.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from haneul.config import Settings
    from haneul.engine.protocol import Backend
    from haneul.errors import HaneulError
    from haneul.hookspecs import hookimpl
    from haneul.safety.protocol import Check
    from haneul.skills import SkillResult, skill

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "Check",
    "HaneulError",
    "Settings",
    "SkillResult",
    "__version__",
    "hookimpl",
    "skill",
]

_HOMES = {
    "Backend": "haneul.engine.protocol",
    "Check": "haneul.safety.protocol",
    "HaneulError": "haneul.errors",
    "Settings": "haneul.config",
    "SkillResult": "haneul.skills",
    "hookimpl": "haneul.hookspecs",
    "skill": "haneul.skills",
}


def __getattr__(name: str) -> Any:
    if (home := _HOMES.get(name)) is None:
        raise AttributeError(f"module 'haneul' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(__all__)
