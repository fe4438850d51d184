"""The one plugin manager: Haneul's built-ins, installed plugins and the modules named in
`Settings.plugins`, registered through the hooks of `haneul.hookspecs`.

The built-ins are loaded by module name, never imported here, so that nothing imports back
into this module's callers (the built-ins import only `haneul.hookspecs`). The manager is
built once per process, on first use: registries (backends, loaders, skills, checks) ask it
for their hook's registrations.

The plugin list comes from `Settings.plugins` (`HANEUL_PLUGINS`, comma-separated module
names), read once through a `Settings` built from the environment, the way `haneul serve`
and the CLI build theirs; `load_plugins(names)` adds modules to the running manager (a test,
or an application embedding Haneul with a `Settings` of its own).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING

import pluggy

from haneul import hookspecs
from haneul.hookspecs import hookimpl

if TYPE_CHECKING:
    from haneul.config import Settings
    from haneul.engine.catalog import Catalog, ModelEntry
    from haneul.engine.protocol import Backend
    from haneul.safety.protocol import Check

    BackendFactory = Callable[[ModelEntry, Settings, Catalog], Backend]

__all__ = [
    "BUILTIN_PLUGINS",
    "backend_factories",
    "hookimpl",
    "load_plugins",
    "plugin_manager",
    "registered_checks",
]

# Haneul's own hook implementations, by module name
BUILTIN_PLUGINS = (
    "haneul.engine.builtin",
    "haneul.knowledge.loaders.builtin",
    "haneul.skills.builtin",
    "haneul.safety.builtin",
)


def plugin_names(value: str) -> list[str]:
    """The module names in a `Settings.plugins` value ("a, b" -> ["a", "b"])."""
    return [name.strip() for name in value.split(",") if name.strip()]


@cache
def plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager: built-ins, then `haneul` entry points, then the modules
    named in `Settings.plugins`."""
    from haneul.config import Settings

    pm = pluggy.PluginManager("haneul")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name)
    pm.load_setuptools_entrypoints("haneul")
    _register(pm, plugin_names(Settings().plugins))
    return pm


def load_plugins(names: Iterable[str]) -> None:
    """Register more modules by name (those already registered are skipped). Registries
    that cache what the hooks gave (skills, loaders) see them only when rebuilt."""
    _register(plugin_manager(), names)


def _register(pm: pluggy.PluginManager, names: Iterable[str]) -> None:
    for name in names:
        if pm.get_plugin(name) is None:
            pm.register(importlib.import_module(name), name)


def backend_factories() -> dict[str, BackendFactory]:
    factories: dict[str, BackendFactory] = {}
    plugin_manager().hook.register_backends(register=factories.__setitem__)
    return factories


def registered_checks() -> list[Check]:
    """New instances of every registered AI Filter check, the built-ins first."""
    checks: list[Check] = []
    plugin_manager().hook.register_checks(register=checks.append)
    return checks
