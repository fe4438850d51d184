"""Rebuild haneul-mini-ko: data recipe -> LoRA training (resumable) -> GGUF adapter in the
package, where the catalog lists it as the bundled model `haneul-mini-ko`.

    python -m haneul.studio.mini_ko.build --data ../shared/data --work build/mini-ko

About 40 minutes on a 2-core CPU (one epoch of 1,677 conversations, 361k tokens); killed, the
same command resumes from the last checkpoint (every 20 steps). `--ship` copies the adapter
into `haneul/engine/adapters/` (what the commit that ships it does).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from haneul.config import Settings
from haneul.engine.catalog import MINI_KO, adapter_file
from haneul.studio.export import export_gguf_lora
from haneul.studio.mini_ko.recipe import build
from haneul.studio.train import TrainConfig, train

# The settings the shipped adapter was trained with.
CONFIG = TrainConfig(
    base="gemma3-270m",
    epochs=1,
    learning_rate=3e-4,
    lora_r=16,
    lora_alpha=32,
    validation_split=0.05,
    batch_size=4,
    max_tokens=640,
    checkpoint_every=20,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--work", type=Path, default=Path("build/mini-ko"))
    parser.add_argument("--ship", action="store_true", help="copy the adapter into the package")
    args = parser.parse_args()
    manifest = build(args.data, args.work)
    print(json.dumps(manifest["files"], indent=1), file=sys.stderr)
    run = args.work / "run"

    def show(p: dict[str, object]) -> None:
        print(json.dumps(p), file=sys.stderr, flush=True)

    metrics = train(Settings(), CONFIG, args.work / "train.jsonl", run, progress=show)
    target = export_gguf_lora(run / "adapter", args.work / f"{MINI_KO}.gguf", half=True)
    print(json.dumps({k: v for k, v in metrics.items() if k != "losses"}), file=sys.stderr)
    if args.ship:
        shipped = adapter_file(MINI_KO)
        shipped.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, shipped)
        print(f"shipped {shipped}", file=sys.stderr)


if __name__ == "__main__":
    main()
