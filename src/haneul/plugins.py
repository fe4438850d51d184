"""Extension points, as pluggy hooks. Each hook takes a `register` callback; Haneul's own
backends are registered through the same hooks as third-party ones (entry point group
`haneul`).

Hooks (every hook is documented in docs/plugins.md; a test fails if one is not):

- `register_backends(register)`: `register(kind, factory)` where
  `factory(entry, settings, catalog) -> Backend` builds a backend for catalog entries of
  that kind.
"""

from __future__ import annotations

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


def plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("haneul")
    pm.add_hookspecs(HaneulSpecs)
    from haneul.engine import builtin

    pm.register(builtin)
    pm.load_setuptools_entrypoints("haneul")
    return pm


def backend_factories() -> dict[str, BackendFactory]:
    factories: dict[str, BackendFactory] = {}
    plugin_manager().hook.register_backends(register=factories.__setitem__)
    return factories
