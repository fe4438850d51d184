"""A tuned model in the catalog: the base GGUF with the GGUF LoRA applied at load, and the
chat template the adapter was trained with; it answers under its own name."""

from __future__ import annotations

from pathlib import Path

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from haneul.studio.base import gguf_path
from haneul.studio.chatformat import template_path


def register_tuned(
    settings: Settings, name: str, base: str, adapter: Path, owner: str | None = None
) -> ModelEntry:
    """The tuned model in the catalog; with an `owner`, only that owner may use it."""
    catalog = Catalog(settings)
    entry = ModelEntry(
        name=name,
        kind="gguf",
        task="chat",
        source=f"tuned:{base}",
        path=str(gguf_path(settings, base)),
        template="gemma",
        description=f"{base} with the LoRA adapter {adapter.name}",
        options={
            "lora": [str(adapter)],
            "chat_template_file": str(template_path()),
            "base": base,
            **({"owner": owner} if owner else {}),
        },
    )
    return catalog.add(entry)
