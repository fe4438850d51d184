"""The unseen-phrasing KorQuAD tasks: registered, built from the item, and in no recipe's words."""

from __future__ import annotations

from pathlib import Path

from haneul.evals.tasks import PHRASINGS, TASKS

ITEM = {
    "id": "q1",
    "title": "하늘",
    "context": "하늘은 2026년에 서울에서 처음 공개되었다.",
    "question": "하늘이 처음 공개된 곳은?",
    "answers": ["서울"],
}
RECIPES = Path(__file__).parents[2] / "src" / "haneul" / "studio" / "mini_ko"


def test_each_phrasing_is_a_task_with_the_passage_and_the_question() -> None:
    seen = set()
    for key in PHRASINGS:
        task = TASKS[f"korquad_heldout_{key}"]
        messages = task.prompt(ITEM)
        text = "\n".join(m["content"] for m in messages)
        assert ITEM["context"] in text and ITEM["question"] in text
        assert task.score(ITEM, "서울")["em"] == 1.0
        assert task.load is TASKS["korquad_heldout"].load  # the same held-out items
        seen.add(text)
    assert len(seen) == len(PHRASINGS) == 3  # three different prompts


def test_no_training_recipe_uses_the_phrasings_words() -> None:
    recipe_text = "\n".join(
        p.read_text(encoding="utf-8") for p in RECIPES.rglob("*") if p.suffix in (".py", ".jsonl")
    )
    for key, prompt in PHRASINGS.items():
        for message in prompt(ITEM):
            # the instruction words around the item, e.g. «물음:», «<본문>», «Passage:»
            for line in message["content"].splitlines():
                if line and ITEM["context"] not in line and ITEM["question"] not in line:
                    assert line not in recipe_text, (key, line)
