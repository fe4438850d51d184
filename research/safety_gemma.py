"""KoSBi with the bundled Gemma 3 270M as the encoder (docs/safety.md, the Gemma rows).

Two probes, scored like bench/safety.py (KoSBi folds grouped by shared context or sentence,
seed 0, macro-F1):

- `features`: Gemma's hidden states (mean-pooled over the sentence's tokens, layers 4-18) as
  the input of a standardised logistic regression (C=0.01, the cut chosen inside the
  training folds on a 0.02-0.98 grid), alone and beside e5; `--context` reads each sentence
  after its context (one text) and pools over the sentence's tokens only.
- `finetune`: LoRA (r 16 on every projection) on the first 12 layers plus a linear head on
  the pooled states, 2 epochs, on the training part of one fold; macro-F1 on its test part
  at a cut of 0.5 (and, marked as an oracle, at the best cut).

The base model is the catalog's GGUF dequantized by haneul.studio.base into `--home`.
Needs the `tune` extra (torch, transformers, peft). Slow on 2 cores: features take about
8 minutes to extract, the fine-tune about 15 minutes for one fold.

Usage: python -m research.safety_gemma features [--context] [--limit N]
       python -m research.safety_gemma finetune [--fold 0] [--epochs 2] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bench.safety import folds
from haneul.config import Settings
from haneul.safety.train import KOSBI, embed, load_task
from haneul.studio.base import cached_base

ROOT = Path(__file__).resolve().parents[1]
LAYERS = (4, 8, 10, 12, 16, 18)


def _load(home: Path) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    base = cached_base(Settings(home=home), "gemma3-270m")
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    return AutoTokenizer.from_pretrained(base), model


def hidden_states(home: Path, sentences: list[str], contexts: list[str] | None) -> np.ndarray:
    """(layers, n, 640): each sentence's states, mean-pooled over its own tokens."""
    import torch

    tok, model = _load(home)
    out = np.zeros((len(LAYERS), len(sentences), 640), dtype=np.float32)
    with torch.no_grad():
        for i, sentence in enumerate(sentences):
            before = tok(contexts[i])["input_ids"] if contexts else [tok.bos_token_id]
            own = tok((" " if contexts else "") + sentence, add_special_tokens=False)
            ids = torch.tensor([before + own["input_ids"]])
            states = model.model(input_ids=ids, output_hidden_states=True).hidden_states
            for k, layer in enumerate(LAYERS):
                out[k, i] = states[layer][0, len(before) :].mean(0).numpy()
    return out


def cross_validate(x: np.ndarray, y: np.ndarray, split: list[Any]) -> float:
    pred = np.zeros_like(y)
    for train, test in split:

        def build() -> Any:
            return make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))

        inner = StratifiedKFold(3, shuffle=True, random_state=0)
        p = cross_val_predict(build(), x[train], y[train], cv=inner, method="predict_proba")[:, 1]
        cut = max(
            np.linspace(0.02, 0.98, 49), key=lambda c: f1_score(y[train], p >= c, average="macro")
        )
        pred[test] = build().fit(x[train], y[train]).predict_proba(x[test])[:, 1] >= cut
    return float(f1_score(y, pred, average="macro"))


def features(data: Path, home: Path, context: bool, limit: int | None) -> dict[str, float]:
    texts, y = load_task(data, "bias")
    rows = json.loads((data / KOSBI).read_text(encoding="utf-8"))
    split = folds("bias", data, y)
    if limit:  # a smoke run: the first rows, ungrouped folds
        texts, y, rows = texts[:limit], y[:limit], rows[:limit]
        split = list(StratifiedKFold(5, shuffle=True, random_state=0).split(y, y))
    states = hidden_states(home, texts, [r["context"] for r in rows] if context else None)
    e5 = embed(texts)
    scores = {
        f"layer {layer}": cross_validate(states[k], y, split) for k, layer in enumerate(LAYERS)
    }
    best = max(range(len(LAYERS)), key=lambda k: scores[f"layer {LAYERS[k]}"])
    scores[f"layer {LAYERS[best]} + e5"] = cross_validate(np.hstack([states[best], e5]), y, split)
    return scores


def finetune(data: Path, home: Path, fold: int, epochs: int, limit: int | None) -> list[float]:
    import torch
    from peft import LoraConfig, get_peft_model

    texts, y = load_task(data, "bias")
    train, test = folds("bias", data, y)[fold]
    if limit:
        train, test = train[:limit], test[: limit // 4]
    tok, model = _load(home)
    body = model.model
    body.layers = body.layers[:12]
    body.config.num_hidden_layers = 12
    if getattr(body.config, "layer_types", None):
        body.config.layer_types = body.config.layer_types[:12]
    projections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    body = get_peft_model(
        body, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules=projections)
    )
    head = torch.nn.Linear(640, 2)
    trainable = [p for p in body.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": trainable, "lr": 3e-4}, {"params": head.parameters(), "lr": 1e-3}],
        weight_decay=0.01,
    )
    batch, steps = 16, epochs * math.ceil(len(train) / 16)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 20) * max(0.0, 1 - s / steps)
    )

    def logits(group: list[str]) -> Any:
        enc = tok(group, return_tensors="pt", padding=True, truncation=True, max_length=64)
        states = body(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        mask[:, 0] = 0  # not the BOS
        return head((states * mask).sum(1) / mask.sum(1))

    rng, start, scores = np.random.default_rng(0), time.perf_counter(), []
    for epoch in range(epochs):
        body.train()
        order = rng.permutation(train)
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            target = torch.tensor(y[idx])
            loss = torch.nn.functional.cross_entropy(logits([texts[i] for i in idx]), target)
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
        body.eval()
        with torch.no_grad():
            p = np.concatenate(
                [
                    torch.softmax(logits([texts[i] for i in test[s : s + 32]]), -1)[:, 1].numpy()
                    for s in range(0, len(test), 32)
                ]
            )
        at_half = float(f1_score(y[test], p >= 0.5, average="macro"))
        oracle = max(f1_score(y[test], p >= c, average="macro") for c in np.linspace(0.1, 0.9, 33))
        print(f"epoch {epoch + 1}: macro-F1 {at_half:.4f} at 0.5, {oracle:.4f} at the best cut "
              f"(oracle), {time.perf_counter() - start:.0f} s")  # fmt: skip
        scores.append(at_half)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=["features", "finetune"])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "safety")
    parser.add_argument("--home", type=Path, default=ROOT / "build" / "gemma-home")
    parser.add_argument(
        "--context", action="store_true", help="read each sentence after its context"
    )
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, help="a smoke run on the first rows")
    args = parser.parse_args()
    if args.probe == "features":
        for name, score in features(args.data, args.home, args.context, args.limit).items():
            print(f"{name}: macro-F1 {score:.4f}")
    else:
        finetune(args.data, args.home, args.fold, args.epochs, args.limit)


if __name__ == "__main__":
    main()
