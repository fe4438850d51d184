"""A PEFT LoRA adapter as a GGUF LoRA that llama.cpp applies at load (written with the `gguf`
package). Hand-written rather than llama.cpp's `convert_lora_to_gguf.py`, which is not on
PyPI and needs llama.cpp's source tree: the format is small (general.type=adapter,
adapter.type=lora, adapter.lora.alpha, and for each adapted weight W the tensors
`<W's GGUF name>.lora_a` [r x in] and `.lora_b` [out x r]).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from haneul.errors import InvalidRequestError

ARCHS = {"gemma3": "GEMMA3", "gemma3_text": "GEMMA3"}
_PEFT = re.compile(r"^base_model\.model\.(?P<weight>.+)\.lora_(?P<ab>[AB])\.weight$")


def export_gguf_lora(
    adapter_dir: Path, target: Path, architecture: str = "gemma3", half: bool = False
) -> Path:
    """Write `target` (a .gguf) from the PEFT adapter in `adapter_dir`; returns `target`.
    `half` stores float16 tensors (half the size, as the adapter shipped in the package)."""
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    config = json.loads((adapter_dir / "adapter_config.json").read_text(encoding="utf-8"))
    try:
        arch = gguf.MODEL_ARCH[ARCHS[architecture]]
    except KeyError:
        raise InvalidRequestError(f"no GGUF LoRA export for {architecture}") from None
    import torch  # the adapter may be bfloat16, which numpy cannot read
    from safetensors.torch import load_file as load_torch

    try:
        tensors = load_file(adapter_dir / "adapter_model.safetensors")
    except (TypeError, ValueError):
        tensors = {
            k: v.to(torch.float32).numpy()
            for k, v in load_torch(adapter_dir / "adapter_model.safetensors").items()
        }
    layers = 1 + max(int(m.group(1)) for k in tensors if (m := re.search(r"layers\.(\d+)\.", k)))
    names = gguf.get_tensor_name_map(arch, layers)
    writer = gguf.GGUFWriter(str(target), gguf.MODEL_ARCH_NAMES[arch])
    writer.add_string(gguf.Keys.General.TYPE, gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    written = 0
    for key in sorted(tensors):
        found = _PEFT.match(key)
        if not found:
            raise InvalidRequestError(f"unexpected tensor in the adapter: {key}")
        name = names.get_name(found.group("weight"), try_suffixes=(".weight",))
        if name is None:
            raise InvalidRequestError(f"no GGUF name for {found.group('weight')}")
        suffix = ".lora_a" if found.group("ab") == "A" else ".lora_b"
        data = np.ascontiguousarray(tensors[key], dtype=np.float16 if half else np.float32)
        writer.add_tensor(name.removesuffix(".weight") + ".weight" + suffix, data)
        written += 1
    if not written:
        raise InvalidRequestError("the adapter has no LoRA tensors")
    target.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target
