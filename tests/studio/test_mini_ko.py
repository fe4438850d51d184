"""haneul-mini-ko's data recipe: reproducible, at least 500 written conversations, nothing
held out for evaluation in the training file; and the training step's loss and batches."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from haneul.config import Settings
from haneul.evals.splits import heldout
from haneul.evals.tasks import TASKS
from haneul.studio.datasets import read_dataset
from haneul.studio.mini_ko import generated
from haneul.studio.mini_ko.recipe import build
from haneul.studio.train import _batches
from tests.conftest import SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "korquad").exists(), reason="shared data absent")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("mini-ko")
    return out, build(SHARED_DATA, out, seed=0)


@needs_data
def test_the_recipe_rebuilds_the_same_bytes(
    built: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    _, manifest = built
    again = build(SHARED_DATA, tmp_path, seed=0)
    assert again["files"] == manifest["files"]
    other = build(SHARED_DATA, tmp_path / "other", seed=1)
    assert other["files"] != manifest["files"]


@needs_data
def test_the_training_file_is_valid_and_holds_500_written_conversations(
    built: tuple[Path, dict[str, object]],
) -> None:
    out, manifest = built
    assert manifest["written_conversations"] >= 500
    data = read_dataset(out / "train.jsonl")
    assert not data.problems
    assert len(data.examples) == manifest["files"]["train.jsonl"]["rows"]  # type: ignore[index]
    held = read_dataset(out / "heldout.jsonl")
    assert not held.problems and len(held.examples) >= 40
    trained = {json.dumps(e.messages, ensure_ascii=False) for e in data.examples}
    assert not trained & {json.dumps(e.messages, ensure_ascii=False) for e in held.examples}


@needs_data
def test_nothing_evaluated_is_trained_on(built: tuple[Path, dict[str, object]]) -> None:
    out, _ = built
    text = (out / "train.jsonl").read_text(encoding="utf-8")
    korquad = TASKS["korquad_heldout"].load(SHARED_DATA)
    assert len(korquad) > 500 and all(heldout(i["title"]) for i in korquad)
    for item in korquad[::25]:
        assert json.dumps(item["question"], ensure_ascii=False)[1:-1] not in text
    for name in ("klue_nli_heldout", "klue_sts_heldout"):
        for item in TASKS[name].load(SHARED_DATA)[::10]:
            premise = item.get("premise", item.get("s1"))
            assert json.dumps(premise, ensure_ascii=False)[1:-1] not in text
    for item in TASKS["json_todo"].load(SHARED_DATA):
        assert item["text"] not in text


def test_todo_answers_are_json_of_the_requested_tasks() -> None:
    for messages in generated.todo_conversations(50, seed=3):
        todos = json.loads(messages[-1]["content"])
        assert todos and all(set(t) == {"task", "due"} for t in todos)
        assert len(todos) == messages[-2]["content"].count(",") + 1


def test_batches_are_reproducible_cover_every_example_and_group_lengths() -> None:
    lengths = [(i * 37) % 300 + 10 for i in range(200)]
    first = _batches(lengths, 4, epoch=2, seed=0)
    assert first == _batches(lengths, 4, epoch=2, seed=0)
    assert first != _batches(lengths, 4, epoch=3, seed=0)
    assert sorted(i for b in first for i in b) == list(range(200))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in first)
    assert spread / len(first) < 40  # random batches of 4 would spread ~150 tokens


@pytest.mark.slow  # loads the model in torch
def test_the_fast_loss_equals_the_models_own(studio_home: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from haneul.studio.base import cached_base
    from haneul.studio.train import _collate, causal_loss

    base = cached_base(Settings(home=studio_home), "gemma3-270m")
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    rows = []
    for text in ("서울시청은 중구 태평로에 있습니다.", "하늘은 한국어 어시스턴트예요. 반가워요!"):
        ids = tokenizer(text, add_special_tokens=False).input_ids
        rows.append((ids, [-100] * 4 + ids[4:]))
    batch = _collate(rows, tokenizer.pad_token_id or 0)
    with torch.no_grad():
        expected = float(model(**batch).loss)
        assert float(causal_loss(model, batch)) == pytest.approx(expected, rel=1e-5)


def test_perplexity_prefers_korean_to_the_same_characters_shuffled(studio_home: Path) -> None:
    import random

    from haneul.evals.perplexity import load, perplexity
    from haneul.studio.base import cached_base

    text = "서울특별시는 대한민국의 수도이며, 한강이 도시 한가운데를 흐른다."
    chars = list(text)
    random.Random(0).shuffle(chars)
    tokenizer, model = load(cached_base(Settings(home=studio_home), "gemma3-270m"))
    real = perplexity("gemma", tokenizer, model, [text])
    shuffled = perplexity("gemma", tokenizer, model, ["".join(chars)])
    assert real.characters == len(text) and real.tokens > 5
    assert real.char_perplexity * 3 < shuffled.char_perplexity
    assert real.bits_per_char == pytest.approx(math.log2(real.char_perplexity))


@pytest.mark.slow  # builds the shipped recipe whole (about 8 CPU-seconds)
@needs_data
def test_the_shipped_adapter_was_trained_on_what_the_recipe_builds(
    tmp_path: Path,
) -> None:
    import hashlib

    from haneul.engine.catalog import MINI_KO, adapter_file
    from haneul.studio.mini_ko.build import build_data

    record = json.loads(
        (Path(__file__).parents[2] / "src/haneul/studio/mini_ko/trained.json").read_text("utf-8")
    )
    manifest = build_data(SHARED_DATA, tmp_path, record["recipe"])  # the recipe that ships
    assert record["data"]["files"] == manifest["files"]
    shipped = adapter_file(MINI_KO).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == record["adapter_sha256"]
    assert record["result"]["steps"] == len(record["losses"]) > 100


@pytest.mark.slow  # builds a recipe whole through the CLI (about 10 CPU-seconds)
@needs_data
def test_the_cli_builds_the_data_and_says_what_is_missing(tmp_path: Path) -> None:
    import subprocess

    from tests.conftest import HANEUL

    missing = subprocess.run(
        [HANEUL, "tune", "mini-ko", "--data", str(tmp_path / "없음"), "--work", str(tmp_path),
         "--data-only"], capture_output=True, text=True)  # fmt: skip
    assert missing.returncode == 2 and "데이터가 없습니다" in missing.stderr
    assert not (tmp_path / "train.jsonl").exists()
    made = subprocess.run(
        [HANEUL, "tune", "mini-ko", "--data", str(SHARED_DATA), "--work", str(tmp_path),
         "--data-only"], capture_output=True, text=True, check=True)  # fmt: skip
    manifest = json.loads(made.stdout)
    assert manifest["recipe"] == "v8"  # the recipe that ships is the default
    assert manifest["files"]["train.jsonl"]["rows"] >= 3000
    assert (tmp_path / "train.jsonl").is_file()
