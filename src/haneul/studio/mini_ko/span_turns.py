"""Bare span answers for the v3 recipe: a KorQuAD paragraph and a question about it, and the
reply is the gold answer span alone, exactly as the paragraph writes it (nothing before or
after it, no sentence, no marker).

The prompt is drawn from templates x slots so that no wording dominates: the instruction
(Korean or English, terse or verbose, formal or casual) in the system prompt, before the
context or after the question, or left out with only a generic system prompt; the context
and the question under labels of either language, in plain, tagged, markdown, numbered,
bracketed or quoted layouts, context first or question first, with or without a cue for the
reply. The paragraph is whole where it is short enough (as the evaluation gives it), else a
window around the answer.

Paragraphs: KorQuAD 1.0 dev even articles minus the held-out fifth (as in `docqa.py`). The
evaluation's phrasings (`haneul.evals.tasks.PHRASINGS`) are not among these words (a test
holds it), and the `korquad` eval's own prompt is left to the recipe's small share of it.
"""

from __future__ import annotations

import random
from pathlib import Path

from haneul.assistant.presets import PRESETS
from haneul.studio.mini_ko.docqa import _paragraphs
from haneul.studio.mini_ko.recipe import _window
from haneul.studio.mini_ko.skill_turns import SYSTEMS

Messages = list[dict[str, str]]
WHOLE = 1100  # characters: a longer paragraph is cut to a window around its answer
WINDOW = 700
QUESTION_FIRST = 0.35  # v3's and v4's share of layouts with the question before the context

INSTRUCTIONS = {
    "ko": [
        "답만 쓰세요.",
        "핵심 단어로만 답해 줘.",
        "한 단어나 짧은 구로만 답하세요.",
        "지문에서 정답에 해당하는 말만 그대로 쓰세요.",
        "글을 보고 답만 짧게 말해 줘. 글에 있는 말 그대로.",
        "질문의 답을 자료에서 찾아, 자료에 쓰인 그대로 가장 짧게 답하십시오.",
        "정답이 되는 어구만 문서에서 뽑아 쓰세요. 설명이나 마침표는 붙이지 마세요.",
        "아래 내용을 읽고, 질문에 해당하는 말을 찾아 그대로 적어 주세요. "
        "문장으로 풀어 쓰지 말고 단어나 짧은 구만 쓰세요.",
        "다음은 백과사전 문서의 일부와 그에 대한 질문입니다. 질문의 답은 문서 안에 그대로 "
        "나오므로, 그 부분만 찾아 쓰인 그대로 답하세요. 이유나 출처는 덧붙이지 마세요.",
        "문서를 근거로 질문에 답하되, 답은 문서에서 그대로 가져온 최소한의 말이어야 합니다.",
        "읽기 자료의 한 부분이 곧 답입니다. 그 부분만 복사해서 답해 주세요.",
        "질문을 읽고 텍스트에서 답을 찾아 주세요. 출력은 답 한 줄뿐입니다.",
    ],
    "en": [
        "Output the span only.",
        "Give just the answer, exactly as the text writes it.",
        "Extract the shortest phrase from the context that answers the question. "
        "Output only that phrase.",
        "Find the answer in the document and return it verbatim. No explanation.",
        "Answer in as few words as possible, using the words of the text.",
        "Read the Korean text and answer the question with a short span taken from it.",
        "Give only the exact words from the context that answer the question: "
        "no full sentence, no punctuation, no quotes.",
        "You will see a Korean document and a question about it. Locate the minimal piece "
        "of the document that answers the question and write it out unchanged. "
        "Do not add anything else.",
        "Extractive QA. Output the answer string exactly as it appears in the context.",
        "Respond in Korean with the answer only, as written in the source text.",
    ],
}
CONTEXT_LABELS = {
    "ko": ["글", "지문", "문서", "자료", "참고 자료", "텍스트", "내용", "읽기 자료", "발췌문"],
    "en": ["Context", "Text", "Document", "Article", "Reading", "Source text", "Background"],
}
QUESTION_LABELS = {
    "ko": ["질문", "문제", "Q", "묻는 말", "질의"],
    "en": ["Question", "Q", "Query"],
}
CUES = {"ko": ["답:", "정답:", "답변:"], "en": ["A:", "Reply:", "Output:", "Span:"]}
TAGS = ["context", "document", "text", "문서", "글", "지문", "자료"]
QUESTION_TAGS = ["question", "질문", "q", "query"]


def _layout(
    context: str,
    question: str,
    lang: str,
    rng: random.Random,
    question_first: float,
    bare: float = 0.0,
) -> str:
    """The context and the question in one of the layouts, the question first in a
    `question_first` share of them and written with no label or tag in a `bare` share (a
    question typed above or below a pasted text). `bare` 0 draws nothing, so the recipes
    before v8 make the same turns."""
    cl, ql = rng.choice(CONTEXT_LABELS[lang]), rng.choice(QUESTION_LABELS[lang])
    kind = rng.choice(["plain", "plain", "lines", "tags", "markdown", "numbered", "brackets"])
    if kind == "plain":
        parts = [f"{cl}: {context}", f"{ql}: {question}"]
    elif kind == "lines":
        parts = [f"{cl}:\n{context}", f"{ql}:\n{question}"]
    elif kind == "tags":
        tag, qtag = rng.choice(TAGS), rng.choice(QUESTION_TAGS)
        parts = [f"<{tag}>\n{context}\n</{tag}>", f"<{qtag}>{question}</{qtag}>"]
    elif kind == "markdown":
        mark = rng.choice(["##", "###", "**"])
        cl, ql = (f"**{cl}**", f"**{ql}**") if mark == "**" else (f"{mark} {cl}", f"{mark} {ql}")
        parts = [f"{cl}\n{context}", f"{ql}\n{question}"]
    elif kind == "numbered":
        parts = [f"{cl}: {context}", f"{ql}: {question}"]
    else:
        parts = [f"[{cl}]\n{context}", f"[{ql}]\n{question}"]
    if bare and rng.random() < bare:
        parts[1] = question
    if rng.random() < question_first:
        parts.reverse()
    if kind == "numbered":
        parts = [f"{i}) {p}" for i, p in enumerate(parts, 1)]
    return "\n\n".join(parts)


def prompt(
    context: str,
    question: str,
    rng: random.Random,
    question_first: float = QUESTION_FIRST,
    bare: float = 0.0,
) -> Messages:
    """One of the many phrasings of «answer this question with a span of this context»."""
    lang = "ko" if rng.random() < 0.6 else "en"
    instruction = rng.choice(INSTRUCTIONS[lang if rng.random() < 0.8 else "ko"])
    lang_body = lang if rng.random() < 0.8 else "ko"
    body = _layout(context, question, lang_body, rng, question_first, bare)
    cue = "\n\n" + rng.choice(CUES[lang]) if rng.random() < 0.4 else ""
    where = rng.choice(["system", "system", "before", "after", "before_generic", "after_generic"])
    if where == "system":
        return [
            {"role": "system", "content": instruction},
            {"role": "user", "content": body + cue},
        ]
    first, second = (instruction, body) if where.startswith("before") else (body, instruction)
    user = f"{first}\n\n{second}{cue}"
    if where.endswith("generic") and rng.random() < 0.7:
        system = PRESETS["chat"] if rng.random() < 0.5 else rng.choice(SYSTEMS)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return [{"role": "user", "content": user}]


def span_turns(
    data_dir: Path,
    seed: int,
    count: int,
    question_first: float = QUESTION_FIRST,
    bare: float = 0.0,
) -> list[Messages]:
    """`count` questions over distinct (paragraph, question) pairs, each answered with its
    gold span alone; the question before the context in a `question_first` share, with no
    label in a `bare` share."""
    rng = random.Random(f"span:{seed}")
    paras = _paragraphs(data_dir)
    pairs = [(p, qa) for p in paras for qa in p["qas"]]
    out: list[Messages] = []
    for i in rng.sample(range(len(pairs)), min(len(pairs), count)):
        para, qa = pairs[i]
        gold = qa["answers"][0]
        context = para["context"]
        if len(context) > WHOLE:
            context = _window(context, gold["answer_start"], gold["text"], WINDOW)
        if gold["text"] not in context:
            continue
        messages = prompt(context, qa["question"], rng, question_first, bare)
        out.append([*messages, {"role": "assistant", "content": gold["text"]}])
    return out
