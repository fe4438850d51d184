"""haneul-mini-ko's v4 data recipe: near-miss refusals (the question beside paragraphs of its
own article that do not hold the answer, in the assistant's document layout, refused), twice
v3's unrelated-memory turns, nothing evaluated read, and the same bytes on every build."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from haneul.assistant.turn import DOCUMENT_NOTE
from haneul.evals.tasks import TASKS
from haneul.studio.mini_ko import docqa, recipe_v3, recipe_v4
from tests.conftest import HANEUL, SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "korquad").exists(), reason="shared data absent")


@needs_data
def test_near_misses_are_same_subject_passages_without_the_answer_refused() -> None:
    made = docqa.near_misses(SHARED_DATA, seed=3, count=120)
    assert len(made) == 120
    golds = {
        qa["question"]: [a["text"] for a in qa["answers"]]
        for para in docqa._paragraphs(SHARED_DATA)
        for qa in para["qas"]
    }
    in_layout = 0
    for messages in made:
        assert messages[-1] == {"role": "assistant", "content": docqa.NOT_IN_DOCUMENTS}
        user = messages[-2]["content"]
        question = user.split("질문: ", 1)[1].split("\n\n", 1)[0]
        passages = re.sub(r"^\[\d\] \(.*\)$", "", user, flags=re.M)  # not the titles
        assert not any(gold in passages for gold in golds[question]), question
        in_layout += user.startswith(DOCUMENT_NOTE)
    assert in_layout > 0.5 * len(made)
    # the same subject: some passage of each turn is from the question's own article
    own = {qa["question"]: p["title"] for p in docqa._paragraphs(SHARED_DATA) for qa in p["qas"]}
    for messages in made[:30]:
        user = messages[-2]["content"]
        question = user.split("질문: ", 1)[1].split("\n\n", 1)[0]
        assert f"({own[question]})\n" in user, question


@needs_data
@pytest.mark.slow  # builds the whole recipe twice (about 20 s of CPU each)
def test_v4_rebuilds_the_same_bytes_with_its_counts(tmp_path: Path) -> None:
    work = tmp_path / "cli"
    argv = ["tune", "mini-ko", "--recipe", "v4", "--data", str(SHARED_DATA), "--work", str(work)]
    cli = subprocess.run([HANEUL, *argv, "--data-only"], capture_output=True, text=True, check=True)
    manifest = json.loads(cli.stdout)
    assert recipe_v4.build(SHARED_DATA, tmp_path / "again")["files"] == manifest["files"]
    assert manifest["recipe"] == "v4" and manifest["counts"] == recipe_v4.COUNTS
    total = {name: c["train"] + c["heldout"] for name, c in manifest["sources"].items()}
    assert total["docqa_near_miss"] == 300 and total["memory_irrelevant"] >= 400
    assert total["memory_irrelevant"] >= 2 * 0.9 * recipe_v3.COUNTS["memory_irrelevant"]
    assert 4300 <= sum(total.values()) <= 4800
    train = (work / "train.jsonl").read_text("utf-8")
    for item in TASKS["korquad_heldout"].load(SHARED_DATA)[::10]:
        assert item["question"] not in train
