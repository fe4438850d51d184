"""A test plugin (HANEUL_PLUGINS) whose echo models can be told what to say: a catalog entry
of kind `echo` with `options.script` = {trigger: reply} answers `reply` when the last user
message contains `trigger`, and echoes otherwise, like the bundled echo double. It lets the
composition tests make the model say something wrong («30평은 30레벨입니다.»)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from haneul.engine.base import last_user_text
from haneul.engine.echo import EchoBackend
from haneul.engine.protocol import Request
from haneul.plugins import hookimpl


class ScriptedEcho(EchoBackend):
    def __init__(self, name: str, script: dict[str, str], **kw: Any) -> None:
        super().__init__(name, **kw)
        self.script = script

    def _reply(self, request: Request) -> tuple[str, list[dict[str, Any]] | None, int]:
        text, calls, prompt_tokens = super()._reply(request)
        last = last_user_text(request["messages"])
        for trigger, reply in self.script.items():
            if trigger in last:
                return reply[: request.get("max_tokens") or len(reply)], None, prompt_tokens
        return text, calls, prompt_tokens


def _factory(entry: Any, settings: Any, catalog: Any) -> EchoBackend:
    o = entry.options
    kw = {"delay_s": float(o.get("delay_s", 0.0)), "ctx_size": int(o.get("ctx_size", 4096))}
    if "script" in o:
        return ScriptedEcho(entry.name, dict(o["script"]), **kw)
    return EchoBackend(entry.name, **kw)


@hookimpl(trylast=True)  # registered after the built-in echo factory, so this one is used
def register_backends(register: Callable[[str, Any], None]) -> None:
    register("echo", _factory)


PLUGIN = "tests.assistant.scripted_plugin"


def scripted_home(home: Path, script: dict[str, str]) -> Path:
    """`home` with the echo models, a `scripted` one answering `script`'s replies (start the
    server with `plugins=PLUGIN, default_model="scripted"`), and `scripted-small`, the same
    said to have 270M parameters (too small for open questions: `Catalog.answers_open`)."""
    from haneul.config import Settings
    from haneul.engine.catalog import Catalog, ModelEntry
    from tests.conftest import add_echo_models

    add_echo_models(home)
    catalog = Catalog(Settings(home=home))
    for name, size in (("scripted", {}), ("scripted-small", {"parameters": 270_000_000})):
        options = {"script": script, **size}
        catalog.add(ModelEntry(name=name, kind="echo", task="chat", source="test", options=options))
    return home
