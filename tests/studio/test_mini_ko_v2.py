"""haneul-mini-ko's v2 data recipe: the same bytes on every build, nothing of the evaluation
sets (KorQuAD's held-out fifth, bench/data/answers_ko.jsonl, the json_todo texts), every
skill turn answered by the real skill and its reply kept whole by the assistant's own
composition check, document answers citing the passage that holds them, «문서에 없습니다.»
where none does, JSON only when asked, and the counts per source."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from haneul.assistant import compose
from haneul.evals.splits import heldout
from haneul.evals.tasks import TASKS
from haneul.studio.datasets import read_dataset
from haneul.studio.mini_ko import docqa, generated, skill_turns
from haneul.studio.mini_ko.recipe_v2 import build
from tests.conftest import HANEUL, SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "korquad").exists(), reason="shared data absent")
BENCH = Path(__file__).parents[2] / "bench" / "data" / "answers_ko.jsonl"
Rows = list[list[dict[str, str]]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("mini-ko-v2")
    return out, build(SHARED_DATA, out, seed=0)


def _rows(path: Path) -> Rows:
    return [json.loads(line)["messages"] for line in path.read_text("utf-8").splitlines()]


@needs_data
@pytest.mark.slow  # builds the v2 recipe twice
def test_v2_rebuilds_the_same_bytes(built: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    _, manifest = built
    assert build(SHARED_DATA, tmp_path, seed=0)["files"] == manifest["files"]
    assert build(SHARED_DATA, tmp_path / "other", seed=1)["files"] != manifest["files"]


@needs_data
@pytest.mark.slow  # uses the whole v2 recipe, built once per module (7 CPU-seconds)
def test_v2_counts_per_source(built: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = built
    sources = manifest["sources"]
    total = {name: c["train"] + c["heldout"] for name, c in sources.items()}
    assert total["skill_math"] >= 1000 and total["skill_units"] >= 400
    assert total["skill_calendar"] >= 400
    assert total["docqa_answerable"] >= 700 and total["docqa_unanswerable"] >= 200
    for name in ("introductions", "greetings", "unknown", "refusals", "todo_json", "mail_replies"):
        assert total[name] >= 40, name
    assert sum(c["train"] for c in sources.values()) == manifest["files"]["train.jsonl"]["rows"]
    data, held = read_dataset(out / "train.jsonl"), read_dataset(out / "heldout.jsonl")
    assert not data.problems and not held.problems and len(held.examples) >= 300
    trained = {json.dumps(e.messages, ensure_ascii=False) for e in data.examples}
    assert not trained & {json.dumps(e.messages, ensure_ascii=False) for e in held.examples}


@needs_data
@pytest.mark.slow  # uses the whole v2 recipe, built once per module (7 CPU-seconds)
def test_v2_trains_on_nothing_evaluated(built: tuple[Path, dict[str, Any]]) -> None:
    out, _ = built
    rows = _rows(out / "train.jsonl") + _rows(out / "heldout.jsonl")
    users = [m["content"] for r in rows for m in r if m["role"] == "user"]
    text = "\n".join(users)
    korquad = TASKS["korquad_heldout"].load(SHARED_DATA)
    assert all(heldout(i["title"]) for i in korquad)
    for item in korquad[::10]:
        assert item["question"] not in text
    for item in TASKS["json_todo"].load(SHARED_DATA):
        assert item["text"] not in text
    asked = set(users) | {m.group(1) for u in users for m in re.finditer(r"질문: (.+)", u)}
    turns = [t for line in BENCH.read_text("utf-8").splitlines() for t in json.loads(line)["turns"]]
    assert len(turns) >= 300
    assert not {t["text"] for t in turns if "text" in t} & asked


def test_every_skill_turn_states_the_skills_answer_and_nothing_the_check_drops() -> None:
    made = skill_turns.all_turns(seed=5, math=120, units=60, calendar=60)
    assert {k: len(v) for k, v in made.items()} == {
        "skill_math": 120,
        "skill_units": 60,
        "skill_calendar": 60,
    }
    for turn in (t for v in made.values() for t in v):
        reply = turn.messages[-1]["content"]
        answer = turn.result.answer
        assert answer and reply.startswith(answer), turn.question
        again = skill_turns.run_skill(turn.skill, turn.question)  # the real skill, again
        assert again is not None and again.answer == answer
        extra = reply.removeprefix(answer).strip()
        assert extra.count(".") <= 1  # at most one helpful sentence
        if extra:  # the assistant would show it under the skill's sentence
            composed = compose.explain(
                answer, extra, question=turn.question, grounds=[turn.result.content], prompts=[]
            )
            assert composed.explanation == "kept", (reply, composed)
        assert "출처" not in reply


def test_a_known_skill_turn_carries_the_computed_value() -> None:
    result = skill_turns.run_skill("convert_units", "30평은 몇 제곱미터야?")
    assert result is not None and "99.17" in (result.answer or "")
    result = skill_turns.run_skill("math", "1부터 100까지의 합은?")
    assert result is not None and "5050" in (result.answer or "")
    assert skill_turns.run_skill("math", "오늘 기분이 어때?") is None  # unread: dropped


@needs_data
@pytest.mark.slow  # uses the whole v2 recipe, built once per module (7 CPU-seconds)
def test_document_answers_cite_the_passage_that_holds_them(
    built: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = built
    rows = _rows(out / "train.jsonl")
    cited = refused = 0
    for messages in rows:
        user, reply = messages[-2]["content"], messages[-1]["content"]
        if "\n[1] (" not in user:
            continue
        if reply == docqa.NOT_IN_DOCUMENTS:
            refused += 1
            continue
        found = re.search(r"\[(\d)\]", reply)
        if found is None:  # answer-only phrasing: the bare span, somewhere in a passage
            assert reply in user
            continue
        cited += 1
        n = int(found.group(1))
        passage = user.split(f"[{n}] (", 1)[1].split("\n\n[", 1)[0]
        span = re.sub(r"^문서 \[\d\]에 따르면 |입니다 \[\d\]\.$|입니다\.$", "", reply)
        assert span in passage, reply
    assert cited >= 400 and refused >= 150


@needs_data
@pytest.mark.slow  # uses the whole v2 recipe, built once per module (7 CPU-seconds)
def test_no_invented_source_and_json_only_when_asked(built: tuple[Path, dict[str, Any]]) -> None:
    out, _ = built
    for messages in _rows(out / "train.jsonl"):
        reply = messages[-1]["content"]
        assert "(출처:" not in reply and "근거:" not in reply
        if compose.looks_like_json(reply):
            asked = messages[0]["content"] == generated.TODO_SYSTEM or compose.wants_json(
                messages[-2]["content"]
            )
            assert asked, messages


def test_the_cli_names_the_recipes(tmp_path: Path) -> None:
    wrong = subprocess.run(
        [HANEUL, "tune", "mini-ko", "--recipe", "v9", "--data", str(tmp_path), "--work",
         str(tmp_path), "--data-only"], capture_output=True, text=True)  # fmt: skip
    assert wrong.returncode == 2 and "v1, v2" in wrong.stderr


def test_a_checkpoint_of_other_data_is_not_resumed(tmp_path: Path) -> None:
    import torch

    from haneul.config import Settings
    from haneul.errors import InvalidRequestError
    from haneul.studio.train import TrainConfig, train

    dataset = tmp_path / "train.jsonl"
    row = {
        "messages": [
            {"role": "user", "content": "안녕"},
            {"role": "assistant", "content": "안녕하세요!"},
        ]
    }
    dataset.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    (run / "checkpoint").mkdir(parents=True)
    torch.save({"step": 20, "data_sha256": "0" * 64}, run / "checkpoint" / "state.pt")
    with pytest.raises(InvalidRequestError, match="another dataset"):
        train(Settings(home=tmp_path), TrainConfig(validation_split=0), dataset, run)
