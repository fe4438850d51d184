"""The data recipe of haneul-mini-ko: rebuilds its training set from the shared data and the
conversations written for it, the same bytes on every machine.

    haneul tune mini-ko --data ../shared/data --work build/mini-ko --data-only

Sources (counts in `manifest.json`):
- KorQuAD 1.0 dev, even articles, minus the held-out fifth (`haneul.evals.splits`): grounded
  QA in the `korquad` eval's own prompt (answer the span only), and grounded answers that quote
  their source sentence;
- KLUE-NLI and KLUE-STS dev minus their held-out fifth, as instructions;
- the written conversations (`data/*.jsonl`, read by `written.py`) and those composed from
  written pieces (`generated.py`): greetings, explanations, summaries, to-do JSON, mail
  replies, refusals, answers grounded on a given document with its source.

One conversation in ten of the written and composed ones goes to `heldout.jsonl` (never
trained on) for the before/after evaluation.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

from haneul.errors import NotFoundError
from haneul.evals import tasks
from haneul.evals.splits import heldout
from haneul.studio.mini_ko import generated, written

Messages = list[dict[str, str]]
SYSTEM = "당신은 한국어 AI 어시스턴트 하늘입니다. 정확하고 친절하게, 간결한 존댓말로 답합니다."
NLI_WORDS = {"entailment": "entailment", "neutral": "neutral", "contradiction": "contradiction"}
SOURCES = [
    "korquad/korquad_v1.0_dev_even.json",
    "klue/klue-nli-v1.1_dev.json",
    "klue/klue-sts-v1.1_dev.json",
]
WINDOW = 700  # characters of a KorQuAD paragraph kept around the answer
_SENTENCE = re.compile(r"[^.!?]*[.!?]")


def _pair(user: str, assistant: str, system: bool) -> Messages:
    head = [{"role": "system", "content": SYSTEM}] if system else []
    return [*head, {"role": "user", "content": user}, {"role": "assistant", "content": assistant}]


def written_conversations(seed: int) -> dict[str, list[Messages]]:
    rng = random.Random(seed)
    out: dict[str, list[Messages]] = {}
    greetings, explanations = written.greetings(), written.explanations()
    out["greetings"] = [_pair(u, a, rng.random() < 0.5) for u, a in greetings]
    out["explanations"] = [_pair(u, a, rng.random() < 0.5) for u, a in explanations]
    out["summaries"] = [
        _pair(ask.format(text=text), summary, rng.random() < 0.3)
        for text, summary in written.summaries()
        for ask in written.SUMMARY_ASKS
    ]
    out["refusals"] = [_pair(u, a, rng.random() < 0.5) for u, a in written.refusals()]
    out["grounded"] = [
        _pair(ask.format(name=name, text=text, question=q), a, rng.random() < 0.3)
        for name, text, q, a in written.grounded()
        for ask in written.GROUNDED_ASKS
    ]
    # Two-turn conversations: a greeting, then a question.
    two_turn = []
    for (g_user, g_answer), (q, a) in zip(
        rng.sample(greetings, 30), rng.sample(explanations, 30), strict=True
    ):
        two_turn.append(
            [
                {"role": "user", "content": g_user},
                {"role": "assistant", "content": g_answer},
                {"role": "user", "content": q},
                {"role": "assistant", "content": a},
            ]
        )
    out["two_turn"] = two_turn
    out["todo_json"] = generated.todo_conversations(220, seed)
    out["mail_replies"] = generated.mail_conversations(70, seed)
    return out


def _window(context: str, start: int, answer: str, width: int = WINDOW) -> str:
    """At most `width` characters of the paragraph, cut at sentence ends, holding the answer."""
    if len(context) <= width:
        return context
    spans = [(m.start(), m.end()) for m in _SENTENCE.finditer(context)]
    if not spans or spans[-1][1] < len(context):
        spans.append((spans[-1][1] if spans else 0, len(context)))
    first = next(i for i, (s, e) in enumerate(spans) if s <= start < e or start < s)
    lo, hi = first, first
    while True:
        grown = False
        if lo > 0 and spans[hi][1] - spans[lo - 1][0] <= width:
            lo, grown = lo - 1, True
        if hi + 1 < len(spans) and spans[hi + 1][1] - spans[lo][0] <= width:
            hi, grown = hi + 1, True
        if not grown:
            break
    text = context[spans[lo][0] : spans[hi][1]].strip()
    return text if answer in text else context


def _sentence_of(context: str, start: int) -> str:
    for m in _SENTENCE.finditer(context):
        if m.start() <= start < m.end():
            return m.group().strip()
    return context[max(0, start - 60) : start + 60].strip()


def korquad_conversations(data_dir: Path, seed: int) -> dict[str, list[Messages]]:
    data = json.loads(
        (data_dir / "korquad" / "korquad_v1.0_dev_even.json").read_text(encoding="utf-8")
    )
    rng = random.Random(seed)
    span, cited = [], []
    for article in data["data"]:
        if heldout(article["title"]):
            continue
        for para in article["paragraphs"]:
            qas = rng.sample(para["qas"], min(2, len(para["qas"])))
            for k, qa in enumerate(qas):
                gold = qa["answers"][0]
                context = _window(para["context"], gold["answer_start"], gold["text"])
                item = {"context": context, "question": qa["question"]}
                if k == 0:
                    messages = tasks.get_task("korquad").prompt(item)
                    span.append([*messages, {"role": "assistant", "content": gold["text"]}])
                elif rng.random() < 0.5:
                    sentence = _sentence_of(para["context"], gold["answer_start"])
                    user = (
                        f"다음 문서를 보고 답해 주세요.\n\n[{article['title']}]\n{context}\n\n"
                        f"질문: {qa['question']}"
                    )
                    answer = f'{gold["text"]}입니다.\n근거: "{sentence}" (출처: {article["title"]})'
                    cited.append(_pair(user, answer, False))
    return {"korquad_span": span, "korquad_cited": cited}


def klue_conversations(data_dir: Path, seed: int) -> dict[str, list[Messages]]:
    rng = random.Random(seed)
    nli_task, sts_task = tasks.get_task("klue_nli"), tasks.get_task("klue_sts")
    nli = [i for i in nli_task.load(data_dir) if not heldout(i["premise"])]
    sts = [i for i in sts_task.load(data_dir) if not heldout(i["id"])]
    return {
        "klue_nli": [
            [*nli_task.prompt(i), {"role": "assistant", "content": NLI_WORDS[i["label"]]}]
            for i in rng.sample(nli, min(300, len(nli)))
        ],
        "klue_sts": [
            [*sts_task.prompt(i), {"role": "assistant", "content": f"{i['label']:.1f}"}]
            for i in rng.sample(sts, min(200, len(sts)))
        ],
    }


def build(data_dir: Path, out: Path, seed: int = 0) -> dict[str, Any]:
    """Write train.jsonl, heldout.jsonl and manifest.json into `out`; returns the manifest."""
    missing = [n for n in SOURCES if not (data_dir / n).is_file()]
    if missing:
        raise NotFoundError(f"데이터가 없습니다: {', '.join(str(data_dir / m) for m in missing)}")
    rng = random.Random(seed)
    authored = written_conversations(seed)
    shared = {**korquad_conversations(data_dir, seed), **klue_conversations(data_dir, seed)}
    train: list[Messages] = []
    held: list[Messages] = []
    counts: dict[str, dict[str, int]] = {}
    for name, conversations in authored.items():
        kept = 0
        for messages in conversations:
            if rng.random() < 0.1:
                held.append(messages)
            else:
                train.append(messages)
                kept += 1
        counts[name] = {"train": kept, "heldout": len(conversations) - kept}
    for name, conversations in shared.items():
        train += conversations
        counts[name] = {"train": len(conversations), "heldout": 0}
    rng.shuffle(train)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for filename, rows in (("train.jsonl", train), ("heldout.jsonl", held)):
        text = "".join(json.dumps({"messages": m}, ensure_ascii=False) + "\n" for m in rows)
        (out / filename).write_text(text, encoding="utf-8")
        files[filename] = {
            "rows": len(rows),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
    manifest = {
        "seed": seed,
        "sources": counts,
        "written_conversations": sum(len(c) for c in authored.values()),
        "files": files,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest
