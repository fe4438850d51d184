"""LoRA training (peft) on a cached base model, loss on the assistant turns only, on CPU or
a GPU when present. Parameters as in CLOVA Studio: epochs, learning rate, LoRA r and alpha,
validation split.

A run writes into its own folder: `checkpoint/` (adapter, optimizer, step, losses; replaced
atomically every `checkpoint_every` steps), `loss.svg` (the curve so far), `adapter/` (the
final PEFT adapter) and `metrics.json`. Started again on the same folder it resumes from the
last checkpoint, with the same data order, so a run killed mid-way loses at most
`checkpoint_every` steps; the checkpoint records the dataset's sha256, and a resumption on
another file is refused (its data order would not be the one trained so far).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from haneul.config import Settings
from haneul.errors import InvalidRequestError
from haneul.studio.base import cached_base
from haneul.studio.chatformat import segments
from haneul.studio.datasets import Example, read_dataset, split
from haneul.studio.losscurve import write_loss_svg

Progress = Callable[[dict[str, Any]], None]
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class TrainConfig:
    base: str = "gemma3-270m"
    epochs: int = 8
    learning_rate: float = 1e-4
    lora_r: int = 8
    lora_alpha: int = 64
    validation_split: float = 0.1
    batch_size: int = 4
    max_tokens: int = 512  # longer examples are cut
    checkpoint_every: int = 20
    max_steps: int | None = None  # stop early (tests, quick tries)
    seed: int = 0
    full_logits: bool = False  # transformers' own loss over every position (the bench's peer)
    target_modules: list[str] = field(default_factory=lambda: list(TARGETS))

    def check(self) -> None:
        rules = [
            (1 <= self.epochs <= 20, "trainEpochs is 1 to 20"),
            (0 < self.learning_rate <= 1e-1, "learningRate is above 0 and at most 0.1"),
            (2 <= self.lora_r <= 64, "loraR is 2 to 64"),
            (2 <= self.lora_alpha <= 512, "loraAlpha is 2 to 512"),
            (0 <= self.validation_split < 1, "validationSplitRatio is 0 to below 1"),
            (1 <= self.batch_size <= 64, "batch size is 1 to 64"),
            (16 <= self.max_tokens <= 8192, "max tokens is 16 to 8192"),
        ]
        for ok, message in rules:
            if not ok:
                raise InvalidRequestError(message)


class Stopped(Exception):
    """The run was asked to stop (cancel); its last checkpoint stays."""


def encode(tokenizer: Any, example: Example, max_tokens: int) -> tuple[list[int], list[int]]:
    """Token ids and labels (-100 where nothing is learned) of one conversation."""
    ids: list[int] = []
    labels: list[int] = []
    for text, learned in segments(example.messages):
        piece = tokenizer(text, add_special_tokens=False).input_ids
        ids += piece
        labels += piece if learned else [-100] * len(piece)
    return ids[:max_tokens], labels[:max_tokens]


def _learns(row: tuple[list[int], list[int]]) -> bool:
    return any(label != -100 for label in row[1])


def _batches(lengths: list[int], size: int, epoch: int, seed: int) -> list[list[int]]:
    """The epoch's batches: shuffled, then grouped by length within windows of 16 batches so
    little of a batch is padding; the same (seed, epoch) always gives the same batches."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = size * 16
    batches: list[list[int]] = []
    for start in range(0, len(order), window):
        part = sorted(order[start : start + window], key=lambda i: lengths[i])
        batches += [part[i : i + size] for i in range(0, len(part), size)]
    rng.shuffle(batches)
    return batches


def causal_loss(model: Any, batch: dict[str, Any]) -> Any:
    """The model's next-token loss, computing logits only where a label is learned.

    Equal to `model(**batch).loss`, but the output layer (Gemma 3: 262k x 640, more than the
    whole transformer) runs on the assistant's tokens only, which halves a CPU step on
    prompt-heavy data such as grounded QA."""
    import torch.nn.functional as F

    causal = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = causal.model(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state
    labels = batch["labels"][:, 1:]
    learned = labels != -100
    logits = causal.lm_head(hidden[:, :-1][learned])
    cap = getattr(causal.config, "final_logit_softcapping", None)
    if cap:
        logits = (logits / cap).tanh() * cap
    return F.cross_entropy(logits.float(), labels[learned])


def _collate(rows: list[tuple[list[int], list[int]]], pad: int) -> dict[str, Any]:
    import torch

    width = max(len(ids) for ids, _ in rows)
    ids = [r[0] + [pad] * (width - len(r[0])) for r in rows]
    labels = [r[1] + [-100] * (width - len(r[1])) for r in rows]
    mask = [[1] * len(r[0]) + [0] * (width - len(r[0])) for r in rows]
    return {
        "input_ids": torch.tensor(ids),
        "labels": torch.tensor(labels),
        "attention_mask": torch.tensor(mask),
    }


def train(
    settings: Settings,
    config: TrainConfig,
    dataset: Path,
    run_dir: Path,
    progress: Progress = lambda _: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    """Train (or resume) a LoRA; returns the final metrics. Raises InvalidRequestError for a
    bad dataset or configuration (before any training), Stopped when asked to stop."""
    config.check()
    data = read_dataset(dataset)
    data.raise_for_problems()
    train_set, validation = split(data.examples, config.validation_split, config.seed)
    data_sha = hashlib.sha256(dataset.read_bytes()).hexdigest()
    _check_resumable(run_dir, data_sha)

    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    base = cached_base(settings, config.base)
    tokenizer = AutoTokenizer.from_pretrained(base)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype).to(device)  # type: ignore[arg-type]
    lora = LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        target_modules=config.target_modules,
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    # A conversation cut before any assistant token teaches nothing: left out.
    encoded = [r for e in train_set if _learns(r := encode(tokenizer, e, config.max_tokens))]
    held = [r for e in validation if _learns(r := encode(tokenizer, e, config.max_tokens))]
    if not encoded:
        raise InvalidRequestError(
            f"no training example has an assistant turn within max tokens {config.max_tokens}"
        )
    lengths = [len(ids) for ids, _ in encoded]
    per_epoch = math.ceil(len(encoded) / config.batch_size)
    total = per_epoch * config.epochs
    if config.max_steps:
        total = min(total, config.max_steps)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=config.learning_rate
    )

    checkpoint = run_dir / "checkpoint"
    step, losses = 0, []
    if (checkpoint / "state.pt").exists():
        state = torch.load(checkpoint / "state.pt", map_location=device, weights_only=False)
        set_peft_model_state_dict(model, state["adapter"])
        optimizer.load_state_dict(state["optimizer"])
        step, losses = state["step"], state["losses"]
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(asdict(config), indent=1), encoding="utf-8")

    def save_checkpoint() -> None:
        from peft import get_peft_model_state_dict

        partial = run_dir / "checkpoint.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        state = {
            "adapter": get_peft_model_state_dict(model),
            "optimizer": optimizer.state_dict(),
            "step": step,
            "losses": losses,
            "data_sha256": data_sha,  # a resumption on other data is refused
        }
        torch.save(state, partial / "state.pt")
        shutil.rmtree(checkpoint, ignore_errors=True)
        partial.replace(checkpoint)
        write_loss_svg(run_dir / "loss.svg", losses, title=config.base)

    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    model.train()
    started, done_here, tokens_here = time.monotonic(), 0, 0
    while step < total:
        epoch, index = divmod(step, per_epoch)
        rows = [encoded[i] for i in _batches(lengths, config.batch_size, epoch, config.seed)[index]]
        batch = {k: v.to(device) for k, v in _collate(rows, pad).items()}
        loss = model(**batch).loss if config.full_logits else causal_loss(model, batch)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        step += 1
        done_here += 1
        tokens_here += int(batch["attention_mask"].sum())
        losses.append(round(float(loss), 4))
        elapsed = time.monotonic() - started
        rate = done_here / elapsed if elapsed else 0.0
        progress(
            {
                "step": step,
                "total": total,
                "epoch": epoch + 1,
                "loss": losses[-1],
                "steps_per_s": round(rate, 3),
                "tokens_per_s": round(tokens_here / elapsed, 1) if elapsed else 0.0,
                "eta_s": round((total - step) / rate) if rate else None,
            }
        )
        if step % config.checkpoint_every == 0 or step == total:
            save_checkpoint()
        if should_stop() and step < total:
            raise Stopped(f"stopped at step {step} of {total}")

    model.eval()
    validation_loss = _mean_loss(model, held, pad, device) if held else None
    adapter = run_dir / "adapter"
    shutil.rmtree(adapter, ignore_errors=True)
    model.save_pretrained(str(adapter))
    write_loss_svg(run_dir / "loss.svg", losses, validation_loss, title=config.base)
    metrics = {
        "steps": step,
        "train_loss": losses[-1] if losses else None,
        "validation_loss": validation_loss,
        "losses": losses,
        "examples": {"train": len(encoded), "validation": len(held)},
        "device": device,
    }
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    return metrics


def _check_resumable(run_dir: Path, data_sha: str) -> None:
    """Refuse to resume a checkpoint made on another dataset (before the model loads)."""
    saved = run_dir / "checkpoint" / "state.pt"
    if not saved.exists():
        return
    import torch

    state = torch.load(saved, map_location="cpu", weights_only=False)
    if state.get("data_sha256", data_sha) != data_sha:
        raise InvalidRequestError(
            f"the checkpoint in {run_dir} was trained on another dataset; "
            "resume with the same file or use a new folder"
        )


def _mean_loss(model: Any, rows: list[tuple[list[int], list[int]]], pad: int, device: str) -> float:
    import torch

    total, count = 0.0, 0
    with torch.no_grad():
        for row in rows:
            batch = {k: v.to(device) for k, v in _collate([row], pad).items()}
            total += float(causal_loss(model, batch))
            count += 1
    return round(total / count, 4)
