"""Haneul's own backends, registered through the same hook as plugins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from haneul.engine.protocol import Backend
from haneul.hookspecs import hookimpl


def _gguf(entry: ModelEntry, settings: Settings, catalog: Catalog) -> Backend:
    from haneul.engine.llamacpp import LlamaCppBackend, LlamaCppOptions

    opts = entry.options
    template_file = opts.get("chat_template_file")
    options = LlamaCppOptions(
        threads=int(opts.get("threads", settings.threads)),
        parallel=int(opts.get("parallel", settings.parallel)),
        ctx_size=int(opts.get("ctx_size", settings.ctx_size)),
        chat_template=Path(template_file).read_text(encoding="utf-8") if template_file else None,
        native_tools=bool(opts.get("native_tools", False)),
        chat=entry.task == "chat",
        lora=tuple(opts.get("lora", ())),
        swa_full=bool(opts.get("swa_full", False)),
    )
    return LlamaCppBackend(entry.name, catalog.model_path(entry), options)


def _e5(entry: ModelEntry, settings: Settings, catalog: Catalog) -> Backend:
    from haneul.engine.e5 import E5Backend

    return E5Backend(entry.name, settings.e5_engine, settings.home / "e5", settings.threads)


def _upstream(entry: ModelEntry, settings: Settings, catalog: Catalog) -> Backend:
    from haneul.engine.upstream import UpstreamBackend

    o = entry.options
    return UpstreamBackend(
        entry.name,
        o["base_url"],
        remote_model=o.get("remote_model"),
        api_key=o.get("api_key"),
        ctx_size=int(o.get("ctx_size", 8192)),
    )


def _echo(entry: ModelEntry, settings: Settings, catalog: Catalog) -> Backend:
    from haneul.engine.echo import EchoBackend

    o = entry.options
    return EchoBackend(
        entry.name, delay_s=float(o.get("delay_s", 0.0)), ctx_size=int(o.get("ctx_size", 4096))
    )


@hookimpl
def register_backends(register: Callable[[str, Any], None]) -> None:
    register("gguf", _gguf)
    register("e5", _e5)
    register("upstream", _upstream)
    register("echo", _echo)
