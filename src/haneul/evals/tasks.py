"""Evaluation tasks: each loads items from the shared data, builds messages, scores an answer.

A task is data plus three functions; the runner does the I/O. Items are sampled with a seeded
`random.Random`, so `--limit N --seed S` picks the same items on every machine.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haneul.errors import InvalidRequestError, NotFoundError
from haneul.evals import metrics
from haneul.evals.splits import heldout

Item = dict[str, Any]
Messages = list[dict[str, str]]


@dataclass(frozen=True)
class Task:
    name: str
    description: str
    load: Callable[[Path], list[Item]]
    prompt: Callable[[Item], Messages]
    score: Callable[[Item, str], dict[str, Any]]
    aggregate: Callable[[list[dict[str, Any]]], dict[str, float]]
    max_tokens: int = 64


def _read_json(path: Path) -> Any:
    if not path.exists():
        raise NotFoundError(f"평가 데이터가 없습니다: {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    return sum(float(r[key]) for r in rows) / len(rows) if rows else 0.0


# KorQuAD 1.0, even articles: extractive QA given the paragraph.


def _korquad_load(data_dir: Path) -> list[Item]:
    data = _read_json(data_dir / "korquad" / "korquad_v1.0_dev_even.json")
    items: list[Item] = []
    for article in data["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                golds = [a["text"] for a in qa["answers"]]
                items.append(
                    {
                        "id": qa["id"],
                        "title": article["title"],
                        "context": para["context"],
                        "question": qa["question"],
                        "answers": golds,
                    }
                )
    return items


def _korquad_prompt(item: Item) -> Messages:
    return [
        {
            "role": "system",
            "content": "주어진 글에서 질문의 답을 찾아 그 구절만 짧게 쓰세요. 설명은 쓰지 마세요.",
        },
        {"role": "user", "content": f"글: {item['context']}\n\n질문: {item['question']}\n답:"},
    ]


def _korquad_score(item: Item, answer: str) -> dict[str, Any]:
    first_line = answer.strip().splitlines()[0] if answer.strip() else ""
    em, f1 = metrics.best_over_golds(first_line, item["answers"])
    return {"em": em, "f1": f1}


def _korquad_aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {"em": 100 * _mean(rows, "em"), "f1": 100 * _mean(rows, "f1")}


# KLUE-NLI: three labels, accuracy.


def _nli_load(data_dir: Path) -> list[Item]:
    return [
        {
            "id": r["guid"],
            "premise": r["premise"],
            "hypothesis": r["hypothesis"],
            "label": r["gold_label"],
        }
        for r in _read_json(data_dir / "klue" / "klue-nli-v1.1_dev.json")
    ]


def _nli_prompt(item: Item) -> Messages:
    return [
        {
            "role": "system",
            "content": "전제와 가설의 관계를 entailment(함의), neutral(중립), "
            "contradiction(모순) 중 하나로만 답하세요.",
        },
        {"role": "user", "content": f"전제: {item['premise']}\n가설: {item['hypothesis']}\n관계:"},
    ]


def _nli_score(item: Item, answer: str) -> dict[str, Any]:
    label = metrics.parse_nli_label(answer)
    return {
        "predicted": label,
        "correct": float(label == item["label"]),
        "parsed": float(label is not None),
    }


def _nli_aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {"accuracy": 100 * _mean(rows, "correct"), "parsed": 100 * _mean(rows, "parsed")}


# KLUE-STS: a 0-5 similarity score, Pearson against the gold label.


def _sts_load(data_dir: Path) -> list[Item]:
    return [
        {
            "id": r["guid"],
            "s1": r["sentence1"],
            "s2": r["sentence2"],
            "label": float(r["labels"]["label"]),
        }
        for r in _read_json(data_dir / "klue" / "klue-sts-v1.1_dev.json")
    ]


def _sts_prompt(item: Item) -> Messages:
    return [
        {
            "role": "system",
            "content": "두 문장의 의미가 얼마나 비슷한지 0(전혀 다름)부터 5(같은 뜻)까지 "
            "숫자 하나로만 답하세요.",
        },
        {"role": "user", "content": f"문장 1: {item['s1']}\n문장 2: {item['s2']}\n점수:"},
    ]


def _sts_score(item: Item, answer: str) -> dict[str, Any]:
    score = metrics.parse_score(answer)
    return {"predicted": score, "gold": item["label"], "parsed": float(score is not None)}


def _sts_aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    # An unparsed answer counts as the middle of the scale, so it cannot help the correlation.
    preds = [r["predicted"] if r["predicted"] is not None else 2.5 for r in rows]
    golds = [r["gold"] for r in rows]
    value = metrics.pearson(preds, golds) if len(rows) >= 2 else 0.0
    return {"pearson": value, "parsed": 100 * _mean(rows, "parsed")}


# JSON to-do extraction: validity rate of the JSON list the model writes.

_TODO_TEXTS = [
    "내일 오전 10시까지 분기 보고서 초안을 김 팀장님께 보내고, 금요일에 회의실을 예약해 주세요.",
    "다음 주 월요일에 신입 사원 교육 자료를 인쇄하고, "
    "화요일 점심 전에 출장비 정산서를 제출해야 합니다.",
    "고객사 미팅 전에 계약서 수정본을 법무팀에 검토 요청하고, 견적서를 다시 계산해 주세요.",
    "오늘 퇴근 전까지 서버 점검 공지를 올리고, 백업이 끝났는지 확인해 주세요.",
    "이번 달 말까지 연차 계획을 인사팀에 알리고, 노트북 교체 신청서를 작성하세요.",
    "회의록을 정리해서 참석자에게 메일로 보내고, 다음 회의 날짜를 정해 주세요.",
    "주말 전에 창고 재고를 확인하고, 부족한 포장 상자 200개를 주문해 주세요.",
    "박 선임님께 발표 슬라이드 피드백을 요청하고, 목요일 리허설 일정을 잡아 주세요.",
    "병원 예약을 수요일 오후 3시로 옮기고, 보험 청구 서류를 챙겨 주세요.",
    "새 프로젝트 예산안을 검토하고, 디자인 업체 세 곳에 견적을 요청해 주세요.",
    "아이 학교 상담 신청서를 내일까지 제출하고, 체험학습 동의서에 서명하세요.",
    "웹사이트 개인정보 처리방침을 갱신하고, 변경 사항을 고객에게 공지해 주세요.",
]


def _todo_load(data_dir: Path) -> list[Item]:
    del data_dir  # written here: the texts are short Korean work requests
    return [{"id": f"todo-{i:02d}", "text": t} for i, t in enumerate(_TODO_TEXTS)]


def _todo_prompt(item: Item) -> Messages:
    return [
        {
            "role": "system",
            "content": "글에서 할 일을 뽑아 JSON 배열로만 답하세요. "
            '형식: [{"task": "할 일", "due": "기한 또는 null"}]',
        },
        {"role": "user", "content": item["text"]},
    ]


def _todo_score(item: Item, answer: str) -> dict[str, Any]:
    todos = metrics.parse_todo_json(answer)
    return {"valid": float(todos is not None), "count": len(todos) if todos else 0}


def _todo_aggregate(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {"valid": 100 * _mean(rows, "valid")}


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "korquad",
            "KorQuAD 1.0 dev (짝수 문서) EM/F1, 문자 단위",
            _korquad_load,
            _korquad_prompt,
            _korquad_score,
            _korquad_aggregate,
            max_tokens=48,
        ),
        Task(
            "klue_nli",
            "KLUE-NLI dev 정확도",
            _nli_load,
            _nli_prompt,
            _nli_score,
            _nli_aggregate,
            max_tokens=16,
        ),
        Task(
            "klue_sts",
            "KLUE-STS dev Pearson",
            _sts_load,
            _sts_prompt,
            _sts_score,
            _sts_aggregate,
            max_tokens=8,
        ),
        Task(
            "json_todo",
            "할 일 JSON 추출 유효율",
            _todo_load,
            _todo_prompt,
            _todo_score,
            _todo_aggregate,
            max_tokens=160,
        ),
    )
}


def _heldout_only(task: Task, key: str) -> Task:
    """The task on its held-out fifth only: what haneul-mini-ko's recipe never trains on."""

    def load(data_dir: Path) -> list[Item]:
        return [item for item in task.load(data_dir) if heldout(item[key])]

    return Task(
        task.name + "_heldout",
        task.description + " (학습에서 뺀 1/5)",
        load,
        task.prompt,
        task.score,
        task.aggregate,
        task.max_tokens,
    )


for _name, _key in (("korquad", "title"), ("klue_nli", "premise"), ("klue_sts", "id")):
    _task = _heldout_only(TASKS[_name], _key)
    TASKS[_task.name] = _task


# Three other phrasings of the held-out KorQuAD task, in no training recipe's words (not
# haneul-mini-ko's, nor the `korquad` prompt above): does a model follow the task or one
# template? bench/korquad_phrasings.py reports the spread of F1 between them.
PHRASINGS: dict[str, Callable[[Item], Messages]] = {
    "p1": lambda item: [
        {
            "role": "user",
            "content": "다음 단락을 읽고 물음에 답하세요. 답은 단락에 나온 표현 그대로, "
            f"짧게 적습니다.\n\n단락:\n{item['context']}\n\n물음: {item['question']}",
        }
    ],
    "p2": lambda item: [
        {
            "role": "system",
            "content": "You answer reading-comprehension questions. Reply with the answer "
            "span copied from the passage, nothing else.",
        },
        {
            "role": "user",
            "content": f"Question: {item['question']}\nPassage: {item['context']}\nAnswer:",
        },
    ],
    "p3": lambda item: [
        {"role": "system", "content": "질의응답 도우미입니다. 본문에 근거해서만 답합니다."},
        {
            "role": "user",
            "content": f"{item['question']}\n\n<본문>\n{item['context']}\n</본문>\n\n"
            "위 질문의 답이 되는 본문의 구절만 옮겨 적어 주세요.",
        },
    ],
}
for _key, _prompt in PHRASINGS.items():
    _base = TASKS["korquad_heldout"]
    TASKS[f"korquad_heldout_{_key}"] = Task(
        f"korquad_heldout_{_key}",
        _base.description + f", 다른 지시문 {_key}",
        _base.load,
        _prompt,
        _base.score,
        _base.aggregate,
        _base.max_tokens,
    )


def get_task(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise InvalidRequestError(
            f"알 수 없는 평가 과제입니다: {name!r} (가능: {', '.join(TASKS)})", param="tasks"
        ) from None


def sample(items: list[Item], limit: int | None, seed: int) -> list[Item]:
    """A seeded sample of `limit` items (all, in file order, when limit is None)."""
    if limit is not None and limit < 1:
        raise InvalidRequestError("limit는 1 이상이어야 합니다.", param="limit")
    if limit is None or limit >= len(items):
        return list(items)
    return random.Random(seed).sample(items, limit)
