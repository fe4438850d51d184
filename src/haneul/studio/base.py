"""The base model a LoRA is trained on: the catalog's GGUF, dequantized once by transformers'
GGUF loader and cached as a Hugging Face model under `HANEUL_HOME/studio/base/<name>`
(bfloat16 safetensors; the conversion takes about a minute on 2 cores, a reload seconds).
The bundled gemma3-270m, whose GGUF the machine's cache already shares between homes, is
dequantized once per machine too, beside it (`~/.cache/haneul-models/hf/`)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from haneul.config import Settings
from haneul.engine.catalog import Catalog
from haneul.engine.files import shared_derivative
from haneul.errors import InvalidRequestError

log = logging.getLogger(__name__)
TUNABLE = {
    "gemma3",
    "gemma3_text",
}  # architectures whose GGUF transformers can load and we can export


def base_dir(settings: Settings, name: str, source: Path | None = None) -> Path:
    own = settings.home / "studio" / "base" / name
    if source is not None and not own.exists():
        return shared_derivative(source, "hf") or own
    return own


def gguf_path(settings: Settings, name: str) -> Path:
    catalog = Catalog(settings)
    entry = catalog.resolve(name)
    if entry.kind != "gguf":
        raise InvalidRequestError(f"model '{name}' is not a GGUF model to tune", param="model")
    return catalog.model_path(entry)


def cached_base(settings: Settings, name: str) -> Path:
    """The Hugging Face copy of base model `name`, made on first use (atomically)."""
    source = gguf_path(settings, name)
    target = base_dir(settings, name, source)
    if (target / "config.json").exists():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("dequantizing %s into %s (once)", source.name, target)
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(
        source.parent, gguf_file=source.name, dtype=torch.bfloat16
    )
    if model.config.model_type not in TUNABLE:
        raise InvalidRequestError(
            f"model '{name}' is {model.config.model_type}; tuning supports {sorted(TUNABLE)}",
            param="model",
        )
    _forget_quantization(model)
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    try:
        partial.replace(target)
    except OSError:  # another process (a second home, a test worker) finished first
        if not (target / "config.json").exists():
            raise
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _forget_quantization(model: Any) -> None:
    """The weights are already dequantized; transformers still marks a GGUF-loaded model as
    quantized and refuses to save it."""
    model.hf_quantizer = None
    model.is_quantized = False
    model.quantization_method = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
