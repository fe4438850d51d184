"""haneul-mini-ko's v3 data recipe: memory turns laid out exactly as the assistant lays them
out (the real Assistant builds the same prompt), recalled facts stated and unrelated memories
never used, bare span answers that are the gold span of their paragraph in many wordings and
none of the evaluation's, nothing evaluated read, and the same bytes on every build."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from haneul.assistant.conversations import Message
from haneul.assistant.presets import PRESETS
from haneul.assistant.turn import MEMORY_NOTE, Assistant, Turn
from haneul.engine.echo import EchoBackend
from haneul.evals.splits import heldout
from haneul.evals.tasks import PHRASINGS, TASKS
from haneul.safety.filter import SafetyFilter
from haneul.skills.router import NO_SKILL, Route
from haneul.studio.mini_ko import memory_turns, recipe_v2, recipe_v3
from haneul.studio.mini_ko.span_turns import INSTRUCTIONS, span_turns
from tests.conftest import HANEUL, SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "korquad").exists(), reason="shared data absent")
Messages = list[dict[str, str]]
KINDS = {"memory_recall": 150, "memory_irrelevant": 150, "memory_history": 60}
KINDS["memory_statements"] = 40
GROUP = {v: row["group"] for row in memory_turns.slots() for v in row["values"]}
VALUES = sorted(GROUP, key=len, reverse=True)


@pytest.fixture(scope="module")
def memory() -> dict[str, list[Messages]]:
    return memory_turns.conversations(KINDS, seed=7, avoid=recipe_v2.evaluation_questions())


def _assistant() -> Assistant:
    def route(text: str, enabled: Any) -> Route:
        return Route(NO_SKILL, None, 0.0, {})

    return Assistant(EchoBackend(), SafetyFilter.__new__(SafetyFilter), {}, route)


def _split(last: str) -> tuple[list[str], str]:
    """(the memories, the question) of a final user message in the memory layout."""
    if not last.startswith(MEMORY_NOTE):
        return [], last
    head, question = last.split("\n\n질문: ", 1)
    return [line.removeprefix("- ") for line in head.splitlines()[1:]], question


def _value(line: str) -> str:
    return next(v for v in VALUES if v in line)  # the longest value the line holds


def test_memory_turns_are_the_prompt_the_assistant_builds(
    memory: dict[str, list[Messages]],
) -> None:
    assistant, compared = _assistant(), 0
    for messages in (m for kind in memory.values() for m in kind):
        if messages[0] != {"role": "system", "content": PRESETS["chat"]}:
            continue
        memories, question = _split(messages[-2]["content"])
        history = [Message(f"m{i}", m["role"], m["content"], 0.0) for i, m in enumerate(messages)]
        turn = Turn("나", "chat", history[1:-2], question, memories=memories)
        assert asyncio.run(assistant._messages(turn, None, [])) == messages[:-1]
        compared += 1
    assert compared >= 200
    with_memories = [m for kind in memory.values() for m in kind if MEMORY_NOTE in str(m)]
    assert len(with_memories) >= 300


def test_skill_turns_given_memories_keep_the_assistants_layout() -> None:
    assistant = _assistant()
    result = {"name": "convert_units", "model_input": "30 평 = 99.1736 제곱미터"}
    result["answer"] = "30평은 약 99.17㎡입니다."
    plain = Turn("나", "chat", [], "30평은 몇 제곱미터야?")
    messages = [*asyncio.run(assistant._messages(plain, result, [])), {"role": "assistant"}]
    messages[-1]["content"] = result["answer"]
    given = memory_turns.with_memories([messages], 1.0, random.Random(3))
    memories, _ = _split(messages[-2]["content"].split("\n\n", 1)[0] + "\n\n질문: -")
    assert given == 1 and memories
    real = Turn("나", "chat", [], "30평은 몇 제곱미터야?", memories=memories)
    assert asyncio.run(assistant._messages(real, result, [])) == messages[:-1]
    assert messages[-1]["content"] == result["answer"]


def test_recall_states_the_fact_and_no_other_memory(memory: dict[str, list[Messages]]) -> None:
    for messages in memory["memory_recall"]:
        memories, _ = _split(messages[-2]["content"])
        told = [m["content"] for m in messages[:-2] if m["role"] == "user"]
        answer = messages[-1]["content"]
        stated = list({_value(m) for m in memories + told if _value(m) in answer})
        assert len(stated) == 1, messages  # the one asked about, and only it
        others = [GROUP[_value(m)] for m in memories if _value(m) not in answer]
        assert GROUP[stated[0]] not in others, memories  # none it could be mixed up with
        assert "[" not in answer and "]" not in answer  # every particle was chosen


def test_an_unrelated_question_never_uses_a_memory(memory: dict[str, list[Messages]]) -> None:
    for messages in memory["memory_irrelevant"] + memory["memory_history"]:
        memories, _ = _split(messages[-2]["content"])
        told = [m["content"] for m in messages[:-2] if m["role"] == "user"]
        assert memories or told
        answer = messages[-1]["content"]
        for line in memories + told:
            value = _value(line)
            words = [value, *(w for w in value.split() if len(w) >= 2)]
            assert not any(w in answer for w in words), (line, answer)


def test_memory_questions_and_statements_read_nothing_of_the_benchmark(
    memory: dict[str, list[Messages]],
) -> None:
    bench = recipe_v2.evaluation_questions()
    assert len(bench) >= 250
    rows = [c for kind in memory.values() for c in kind]
    users = [m["content"] for c in rows for m in c if m["role"] == "user"]
    asked = set(users) | {_split(u)[1] for u in users}
    assert not asked & bench
    statements = {m[-2]["content"] for m in memory["memory_statements"]}
    assert any("이에요" in s or "예요" in s for s in statements)  # the user's own voice


@needs_data
def test_span_answers_are_the_gold_span_in_many_wordings() -> None:
    made = span_turns(SHARED_DATA, seed=0, count=900)
    golds: dict[str, set[str]] = {}  # question -> its first gold answer (a few repeat)
    for item in TASKS["korquad"].load(SHARED_DATA):
        if not heldout(item["title"]):
            golds.setdefault(item["question"], set()).add(item["answers"][0])
    by_length = sorted(golds, key=len, reverse=True)
    eval_prompt = TASKS["korquad"].prompt({"context": "", "question": ""})[0]["content"]
    unseen = [
        line
        for p in PHRASINGS.values()
        for m in p({"context": "\x00", "question": "\x01"})
        for line in m["content"].splitlines()
        if line and "\x00" not in line and "\x01" not in line
    ]
    assert len(made) >= 880
    wordings = sorted((i for v in INSTRUCTIONS.values() for i in v), key=len, reverse=True)
    used: Counter[str] = Counter()
    english = no_system = question_first = 0
    for messages in made:
        user, answer = messages[-2]["content"], messages[-1]["content"]
        question = next(q for q in by_length if q in user)
        assert answer in golds[question] and answer in user.replace(question, "")
        text = "\n".join(m["content"] for m in messages)
        assert eval_prompt not in text and not any(line in text for line in unseen)
        used[next(i for i in wordings if i in text)] += 1
        english += any(i in text for i in INSTRUCTIONS["en"])
        no_system += messages[0]["role"] != "system"
        question_first += user.find(question) < user.find(answer)
    assert len(used) == len(wordings) and max(used.values()) < 0.08 * len(made)
    assert english > 0.3 * len(made) and no_system > 0.2 * len(made)
    assert question_first > 0.2 * len(made)


@needs_data
@pytest.mark.slow  # builds the whole recipe twice (about 20 s of CPU each)
def test_v3_rebuilds_the_same_bytes_with_its_counts(tmp_path: Path) -> None:
    work = tmp_path / "cli"
    argv = ["tune", "mini-ko", "--recipe", "v3", "--data", str(SHARED_DATA), "--work", str(work)]
    cli = subprocess.run([HANEUL, *argv, "--data-only"], capture_output=True, text=True, check=True)
    manifest = json.loads(cli.stdout)
    assert recipe_v3.build(SHARED_DATA, tmp_path / "again")["files"] == manifest["files"]
    assert manifest["recipe"] == "v3" and manifest["counts"] == recipe_v3.COUNTS
    total = {name: c["train"] + c["heldout"] for name, c in manifest["sources"].items()}
    for name in ("memory_recall", "memory_irrelevant", "memory_history", "memory_statements"):
        assert total[name] >= 0.9 * recipe_v3.COUNTS[name], name
    assert total["span"] >= 880 and manifest["skill_and_document_turns_with_memories"] >= 100
    assert 4000 <= sum(total.values()) <= 4500
    train = (work / "train.jsonl").read_text("utf-8")
    for item in TASKS["korquad_heldout"].load(SHARED_DATA)[::10]:
        assert item["question"] not in train
