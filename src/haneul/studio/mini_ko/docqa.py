"""Document QA for the v2 recipe, in the assistant's own document layout (assistant/turn.py:
the document note, then the passages as `[n] (document)` blocks, then `질문: ...`), over
KorQuAD 1.0 dev even articles minus the held-out fifth (`haneul.evals.splits`).

- answerable: the gold paragraph (a window around the answer) among one or two passages of
  other articles, at a random position n; the reply states the gold span with its `[n]`
  marker (or, when the instruction asks for the answer only, the span alone);
- unanswerable: the question paired with passages of other articles only; the reply is
  «문서에 없습니다.», never a guess;
- (v1's written grounded documents are left out: the answer-quality benchmark's documents
  hold the same rules, 연차 and 출장비, and would be trained on in effect).

A share use other instruction words, the question before the passages, or no system prompt.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from haneul.assistant.presets import PRESETS
from haneul.assistant.turn import DOCUMENT_NOTE
from haneul.evals import tasks
from haneul.evals.splits import heldout
from haneul.studio.mini_ko.recipe import _window
from haneul.studio.mini_ko.skill_turns import SYSTEMS

Messages = list[dict[str, str]]
NOT_IN_DOCUMENTS = "문서에 없습니다."
GOLD_WIDTH, OTHER_WIDTH = 450, 250
SHORT_NOTES = [  # instructions that ask for the answer only: the reply is the bare span
    "다음 문서를 읽고 질문에 대한 답만 짧게 쓰세요. 문서에 없으면 '문서에 없습니다'라고 쓰세요.",
    "아래 자료에서 답을 찾아 단어나 구로만 답하세요. 없으면 '문서에 없습니다'라고 하세요.",
]
CITED_NOTES = [  # other words for the assistant's note: the reply keeps its [n] marker
    "아래 검색 결과만 근거로 답하세요. 근거 번호를 [1]처럼 붙이세요.",
    "참고 문서를 보고 한 문장으로 답해 주세요. "
    "근거가 된 문서 번호를 표시하고, 문서에 없으면 없다고 하세요.",
]


def _passages(hits: list[tuple[str, str]]) -> str:
    return "\n\n".join(f"[{n}] ({name})\n{text}" for n, (name, text) in enumerate(hits, 1))


def _user(question: str, hits: list[tuple[str, str]], note: str, first: bool) -> str:
    body = note + "\n\n" + _passages(hits)
    return f"질문: {question}\n\n{body}" if first else f"{body}\n\n질문: {question}"


def _head(rng: random.Random) -> Messages:
    roll = rng.random()
    if roll < 0.65:
        return [{"role": "system", "content": PRESETS["chat"]}]
    if roll < 0.8:
        return [{"role": "system", "content": rng.choice(SYSTEMS[:2])}]
    return []


def _cited(span: str, n: int, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{span}입니다 [{n}]."
    return f"문서 [{n}]에 따르면 {span}입니다."


def conversation(
    question: str, hits: list[tuple[str, str]], gold: int | None, span: str, rng: random.Random
) -> Messages:
    """One document turn: `gold` is the 1-based passage holding `span`, None if none does."""
    roll = rng.random()
    if roll < 0.6:
        note, short, first = DOCUMENT_NOTE, False, False
    elif roll < 0.8:
        note, short, first = rng.choice(CITED_NOTES), False, rng.random() < 0.5
    else:
        note, short, first = rng.choice(SHORT_NOTES), True, rng.random() < 0.5
    if gold is None:
        answer = NOT_IN_DOCUMENTS
    elif short:
        answer = span
    else:
        answer = _cited(span, gold, rng)
    user = _user(question, hits, note, first)
    return [
        *_head(rng),
        {"role": "user", "content": user},
        {"role": "assistant", "content": answer},
    ]


def _paragraphs(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "korquad" / "korquad_v1.0_dev_even.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for article in data["data"]:
        if heldout(article["title"]):
            continue
        for para in article["paragraphs"]:
            out.append({"title": article["title"], **para})
    return out


def _other(paras: list[dict[str, Any]], title: str, rng: random.Random) -> tuple[str, str]:
    while True:
        para = rng.choice(paras)
        if para["title"] != title:
            return para["title"], _window(para["context"], 0, "", OTHER_WIDTH)


def korquad(
    data_dir: Path, seed: int, answerable: int, unanswerable: int, task_prompt: int
) -> dict[str, list[Messages]]:
    """Answerable and unanswerable document turns, and `task_prompt` turns in the `korquad`
    eval's own prompt (one phrasing among the others, the span alone)."""
    rng = random.Random(f"docqa:{seed}")
    paras = _paragraphs(data_dir)
    total = answerable + unanswerable + task_prompt
    pairs = [(p, qa) for p in paras for qa in p["qas"]]
    order = rng.sample(range(len(pairs)), min(len(pairs), total))
    yes: list[Messages] = []
    no: list[Messages] = []
    eval_prompt: list[Messages] = []
    for k, i in enumerate(order):
        para, qa = pairs[i]
        gold = qa["answers"][0]
        if k >= answerable + unanswerable:
            context = _window(para["context"], gold["answer_start"], gold["text"])
            item = {"context": context, "question": qa["question"]}
            messages = tasks.get_task("korquad").prompt(item)
            eval_prompt.append([*messages, {"role": "assistant", "content": gold["text"]}])
            continue
        others = [_other(paras, para["title"], rng) for _ in range(rng.choice([1, 1, 2]))]
        if k < answerable:
            text = _window(para["context"], gold["answer_start"], gold["text"], GOLD_WIDTH)
            if gold["text"] not in text:
                continue
            at = rng.randint(0, len(others))
            hits = [*others[:at], (para["title"], text), *others[at:]]
            yes.append(conversation(qa["question"], hits, at + 1, gold["text"], rng))
        else:
            no.append(conversation(qa["question"], others, None, "", rng))
    return {"docqa_answerable": yes, "docqa_unanswerable": no, "korquad_task_prompt": eval_prompt}


def near_misses(data_dir: Path, seed: int, count: int) -> list[Messages]:
    """Unanswerable turns as a search really returns them (v4): the question beside other
    paragraphs of its own article, on the same subject and without the answer, so the
    reply «문서에 없습니다.» is learnt where a near-miss passage tempts a guess (v3 took a
    span from such a passage; the benchmark's unanswerable questions are of this kind)."""
    rng = random.Random(f"near:{seed}")
    paras = _paragraphs(data_dir)
    by_title: dict[str, list[dict[str, Any]]] = {}
    for para in paras:
        by_title.setdefault(para["title"], []).append(para)
    pairs = [(p, qa) for p in paras for qa in p["qas"] if len(by_title[p["title"]]) > 1]
    out: list[Messages] = []
    for i in rng.sample(range(len(pairs)), len(pairs)):
        if len(out) >= count:
            break
        para, qa = pairs[i]
        gold = qa["answers"][0]["text"]
        siblings = [p for p in by_title[para["title"]] if p is not para]
        picked = rng.sample(siblings, min(len(siblings), rng.choice([1, 2, 2])))
        hits = []
        for other in picked:
            start = rng.randrange(max(1, len(other["context"]) - GOLD_WIDTH))
            text = _window(other["context"], start, "", GOLD_WIDTH)
            if gold not in text:
                hits.append((para["title"], text))
        if not hits:
            continue
        if rng.random() < 0.3:
            hits.insert(rng.randint(0, len(hits)), _other(paras, para["title"], rng))
        out.append(conversation(qa["question"], hits, None, "", rng))
    return out
