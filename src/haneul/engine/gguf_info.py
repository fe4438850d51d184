"""What a GGUF file says about itself: architecture, quantization, context, chat template."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haneul.errors import InvalidRequestError

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class GGUFInfo:
    architecture: str
    quantization: str
    context_length: int
    chat_template: str | None
    parameters: int = 0  # the weights' element count (a LoRA adapter's own, when it is one)

    @property
    def template_family(self) -> str:
        t = self.chat_template or ""
        for marker, family in (
            ("<|im_start|>", "chatml"),
            ("<start_of_turn>", "gemma"),
            ("<|start_header_id|>", "llama3"),
            ("[INST]", "mistral"),
        ):
            if marker in t:
                return family
        return "custom" if t else "none"


def check_magic(path: Path) -> None:
    with path.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise InvalidRequestError(f"{path} is not a GGUF file", param="path")


def read_info(path: Path) -> GGUFInfo:
    from gguf import GGUFReader, LlamaFileType

    check_magic(path)
    reader = GGUFReader(str(path))

    def field(key: str) -> Any:
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    arch = str(field("general.architecture") or "unknown")
    file_type = field("general.file_type")
    try:
        quant = (
            LlamaFileType(int(file_type)).name.removeprefix("MOSTLY_")
            if file_type is not None
            else "unknown"
        )
    except ValueError:
        quant = f"type{file_type}"
    ctx = field(f"{arch}.context_length")
    template = field("tokenizer.chat_template")
    parameters = sum(int(t.n_elements) for t in reader.tensors)
    return GGUFInfo(arch, quant, int(ctx or 0), str(template) if template else None, parameters)
