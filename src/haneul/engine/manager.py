"""Loads backends from the catalog on first use and keeps them; one per model name.

Every backend is handed out inside a `GuardedBackend` (engine/guarded.py): the catalog's
sampling defaults and the loop guard apply to every caller from this one place.
"""

from __future__ import annotations

import asyncio
import logging

from haneul.config import Settings
from haneul.engine.aliases import resolve_alias
from haneul.engine.catalog import Catalog, ModelEntry
from haneul.engine.guarded import GuardedBackend
from haneul.engine.owners import current_owner, visible
from haneul.engine.protocol import Backend
from haneul.errors import ModelLoadError
from haneul.plugins import backend_factories

log = logging.getLogger(__name__)


class ModelManager:
    def __init__(self, settings: Settings, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.catalog = catalog or Catalog(settings)
        self._backends: dict[str, Backend] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._factories = backend_factories()

    @property
    def loaded(self) -> list[str]:
        return sorted(self._backends)

    @property
    def backends(self) -> dict[str, Backend]:
        return dict(self._backends)

    def resolve(self, name: str | None) -> ModelEntry:
        """The catalog entry of `name` (an alias followed); a model another tenant owns (a
        tuned model) is answered as missing to everyone else (`owners.current_owner`)."""
        wanted = resolve_alias(name or self.settings.default_model, self.settings)
        entry = self.catalog.resolve(wanted)
        if not visible(entry.options, current_owner.get()):
            raise self.catalog.not_found(wanted)
        return entry

    async def get(self, name: str | None) -> tuple[ModelEntry, Backend]:
        entry = self.resolve(name)
        if (backend := self._backends.get(entry.name)) is not None:
            return entry, backend
        lock = self._locks.setdefault(entry.name, asyncio.Lock())
        async with lock:
            if (backend := self._backends.get(entry.name)) is None:
                factory = self._factories.get(entry.kind)
                if factory is None:
                    raise ModelLoadError(f"no backend for models of kind '{entry.kind}'")
                backend = GuardedBackend(
                    factory(entry, self.settings, self.catalog),
                    sampling=entry.options.get("sampling"),
                    guard=bool(entry.options.get("loop_guard", True)),
                )
                await backend.start()
                self._backends[entry.name] = backend
                log.info("model %s ready", entry.name)
        return entry, backend

    async def close(self) -> None:
        backends, self._backends = self._backends, {}
        for backend in backends.values():
            await backend.close()
