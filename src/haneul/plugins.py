"""Extension points, as pluggy hooks. Each hook takes a `register` callback; Haneul's own
backends are registered through the same hooks as third-party ones (entry point group
`haneul`), and modules named in `HANEUL_PLUGINS` (comma-separated) are registered too.

Hooks (every hook is documented in docs/plugins.md; a test fails if one is not):

- `register_backends(register)`: `register(kind, factory)` where
  `factory(entry, settings, catalog) -> Backend` builds a backend for catalog entries of
  that kind.
- `register_loaders(register)`: `register(kind, suffixes, load)` where
  `load(name, data: bytes) -> LoadedDocument` reads a file type for document search
  (`haneul.knowledge.loaders`); it raises `UnreadableDocumentError` for a bad file.
- `register_skills(register)`: `register(skill)` where `skill` follows the `Skill`
  protocol of `haneul.skills` (most easily made with the `@skill` decorator).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from haneul.config import Settings
    from haneul.engine.catalog import Catalog, ModelEntry
    from haneul.engine.protocol import Backend

    BackendFactory = Callable[[ModelEntry, Settings, Catalog], Backend]

hookspec = pluggy.HookspecMarker("haneul")
hookimpl = pluggy.HookimplMarker("haneul")


class HaneulSpecs:
    @hookspec
    def register_backends(self, register: Callable[[str, Any], None]) -> None:
        """Register backend factories by catalog kind: `register("gguf", factory)`."""

    @hookspec
    def register_loaders(self, register: Callable[[str, list[str], Any], None]) -> None:
        """Register document loaders: `register("pdf", [".pdf"], load)`."""

    @hookspec
    def register_skills(self, register: Callable[[Any], None]) -> None:
        """Register skills for the assistant: `register(my_skill)`."""


def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("haneul")
    pm.add_hookspecs(HaneulSpecs)
    from haneul.engine import builtin

    pm.register(builtin)
    from haneul.knowledge.loaders import builtin as builtin_loaders

    pm.register(builtin_loaders)
    from haneul.skills import builtin as builtin_skills

    pm.register(builtin_skills)
    pm.load_setuptools_entrypoints("haneul")
    for module in filter(None, os.environ.get("HANEUL_PLUGINS", "").split(",")):
        pm.register(importlib.import_module(module.strip()))  # plugins not installed as packages
    return pm


def backend_factories() -> dict[str, BackendFactory]:
    factories: dict[str, BackendFactory] = {}
    plugin_manager().hook.register_backends(register=factories.__setitem__)
    return factories
