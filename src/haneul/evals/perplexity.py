"""Perplexity on Korean text, per character so that models with different tokenizers compare.

llama.cpp's server gives no log-probabilities of the prompt, so this runs the model itself
with transformers (the `tune` extra): a catalog GGUF is dequantized on load, and a PEFT
adapter folder (a Studio run's `adapter/`) can be put on top. The numbers are those of the
dequantized weights, not of the 4-bit file the server decodes with.

Texts: the paragraphs of KorQuAD's held-out articles (`korquad_heldout`), which
haneul-mini-ko's recipe never trains on.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haneul.evals.tasks import get_task


@dataclass
class Perplexity:
    model: str
    texts: int
    characters: int
    tokens: int
    nll: float  # total negative log-likelihood, nats

    @property
    def char_perplexity(self) -> float:
        return math.exp(self.nll / self.characters)

    @property
    def bits_per_char(self) -> float:
        return self.nll / self.characters / math.log(2)

    @property
    def token_perplexity(self) -> float:
        return math.exp(self.nll / self.tokens)

    def row(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "texts": self.texts,
            "char_perplexity": round(self.char_perplexity, 3),
            "bits_per_char": round(self.bits_per_char, 3),
            "token_perplexity": round(self.token_perplexity, 2),
        }


def korean_texts(data_dir: Path, limit: int, seed: int = 0) -> list[str]:
    contexts = sorted({item["context"] for item in get_task("korquad_heldout").load(data_dir)})
    return random.Random(seed).sample(contexts, min(limit, len(contexts)))


def load(model_path: Path, adapter: Path | None = None) -> tuple[Any, Any]:
    """Tokenizer and model from a GGUF file (dequantized) or a Hugging Face folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if model_path.is_dir():
        where: dict[str, Any] = {}
        folder = model_path
    else:
        where, folder = {"gguf_file": model_path.name}, model_path.parent
    tokenizer = AutoTokenizer.from_pretrained(folder, **where)
    model: Any = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, **where)
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    return tokenizer, model


def perplexity(
    name: str, tokenizer: Any, model: Any, texts: list[str], max_tokens: int = 512
) -> Perplexity:
    """Every token after the first is scored; a text longer than max_tokens is cut, and only
    the characters it kept count."""
    import torch

    nll, chars, tokens = 0.0, 0, 0
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    for text in texts:
        ids = (bos + tokenizer(text, add_special_tokens=False).input_ids)[:max_tokens]
        kept = tokenizer.decode(ids[len(bos) :], skip_special_tokens=True)
        batch = torch.tensor([ids])
        with torch.no_grad():
            loss = float(model(input_ids=batch, labels=batch).loss)
        scored = len(ids) - 1
        nll += loss * scored
        tokens += scored
        chars += len(kept)
    return Perplexity(name, len(texts), chars, tokens, nll)
