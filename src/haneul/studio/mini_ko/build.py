"""Rebuild haneul-mini-ko: data recipe -> LoRA training (resumable) -> GGUF adapter, and with
`ship` into the package, where the catalog lists it as the bundled model `haneul-mini-ko`.
The command is `haneul tune mini-ko --data ../shared/data [--recipe v8|v7|v6|...|v1] [--ship]`.

One epoch on an idle 2-core CPU: v1 about 40 minutes (1,677 conversations, 361k tokens), v2
62 minutes (807 steps, 0.92M tokens), v3 about 70 (917 steps, 1.04M tokens) and v4 985 steps
(v3 trained, not shipped; v4 shipped, then v5 (v4 with most span turns question first, not
shipped), v6 (nine span turns in ten question first, shipped 2026-12-06), v7 (all of them,
not shipped) and v8 (v6 with the question bare in three span turns in ten), 985 steps each,
v8 shipped since 2026-12-07: docs/tuning.md); killed, the same command resumes from the last
checkpoint (every 20 steps).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from haneul.config import Settings
from haneul.engine.catalog import MINI_KO, adapter_file
from haneul.studio.export import export_gguf_lora
from haneul.studio.mini_ko import (
    recipe,
    recipe_v2,
    recipe_v3,
    recipe_v4,
    recipe_v5,
    recipe_v6,
    recipe_v7,
    recipe_v8,
)
from haneul.studio.train import Progress, TrainConfig, train

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


# v2 (recipe_v2.py): the same LoRA; longer examples (document QA with several passages, the
# longest 920 tokens) fit whole, so nothing is cut.
CONFIG_V2 = replace(CONFIG, max_tokens=1024)
# v3 (recipe_v3.py) trains with v2's settings: its longest conversations are v2's document QA.

Builder = Callable[[Path, Path], dict[str, Any]]
RECIPES: dict[str, tuple[Builder, TrainConfig]] = {
    "v1": (recipe.build, CONFIG),
    "v2": (recipe_v2.build, CONFIG_V2),
    "v3": (recipe_v3.build, CONFIG_V2),
    "v4": (recipe_v4.build, CONFIG_V2),
    "v5": (recipe_v5.build, CONFIG_V2),
    "v6": (recipe_v6.build, CONFIG_V2),
    "v7": (recipe_v7.build, CONFIG_V2),
    "v8": (recipe_v8.build, CONFIG_V2),
}


def build_data(data: Path, work: Path, version: str = "v1") -> dict[str, Any]:
    """Only the recipe's data (train.jsonl, heldout.jsonl, manifest.json) under `work`."""
    return RECIPES[version][0](data, work)


def rebuild(
    data: Path,
    work: Path,
    ship: bool,
    progress: Progress = lambda _: None,
    version: str = "v1",
) -> dict[str, Any]:
    """Data, training (or its resumption) and the f16 GGUF adapter under `work`; returns the
    training metrics with `adapter` (the written file) and `shipped` (the package's copy)."""
    builder, config = RECIPES[version]
    builder(data, work)
    run = work / "run"
    metrics = train(Settings(), config, work / "train.jsonl", run, progress=progress)
    target = export_gguf_lora(run / "adapter", work / f"{MINI_KO}.gguf", half=True)
    metrics["adapter"] = str(target)
    if ship:
        shipped = adapter_file(MINI_KO)
        shipped.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, shipped)
        metrics["shipped"] = str(shipped)
    return metrics
