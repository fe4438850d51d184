"""Choosing a skill without tool calling: the bundled models are too small to call tools,
so a router picks the skill (or none) by nearest examples in e5's embedding space, and the
skill's own parser fills the arguments.

Each skill ships example utterances; `NO_SKILL` has its own (greetings, writing, advice,
general knowledge). An utterance goes to the class whose examples are closest (the mean
of the top three cosines), and to a skill only if that skill's parser can read arguments
from it. More examples (`train`) make it better: this is the seed of the Skill Trainer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from haneul.skills import Skill

NO_SKILL = "none"
EmbedTexts = Callable[[list[str]], np.ndarray]  # texts -> (n, dim) normalised rows

NO_SKILL_EXAMPLES = (
    "안녕하세요",
    "반가워요 오늘 기분이 좋네요",
    "너는 누구야?",
    "자기소개 해줘",
    "시 한 편 써줘",
    "팀장님께 보낼 사과 메일 써줘",
    "이 문장을 영어로 번역해줘",
    "파이썬으로 리스트 정렬하는 법 알려줘",
    "스트레스 해소하는 방법 추천해줘",
    "세종대왕은 어떤 업적을 남겼어?",
    "고마워, 도움이 됐어",
    "재미있는 농담 하나 해줘",
    "면접 준비는 어떻게 해?",
    "다이어트 식단 추천해줘",
    "write a short poem about autumn",
    "tell me a joke",
    "수학을 잘하려면 어떻게 공부해야 해?",
    "적분이 실생활에서 어디에 쓰여?",
    "여름휴가 때 어디 갈지 추천해줘",
    "내일 할 일 정리해서 JSON으로 줘: 병원, 세탁",
    "장보기 목록을 json 배열로 만들어줘",
)

# Examples the router adds to a skill's own: the questions people ask that the skill's
# examples do not cover. Math word problems (figures, calculus, series, counting, money,
# motion) and document questions asked about a rule without naming a document, which
# otherwise sit closest to the calendar's "며칠/언제".
ROUTER_EXAMPLES: dict[str, tuple[str, ...]] = {
    "math": (
        "지름이 8인 원의 둘레 구해줘",
        "가로 4cm 세로 6cm인 직사각형 넓이는?",
        "윗변 2, 아랫변 6, 높이 3인 사다리꼴의 넓이는?",
        "반지름 4인 구의 부피는 얼마야?",
        "반지름 1, 높이 3인 원기둥의 겉넓이",
        "x^2의 도함수는?",
        "f(x)=x^2-x의 x=1에서 미분계수",
        "sin(x)를 0부터 pi까지 적분해줘",
        "x가 0으로 갈 때 (1-cos(x))/x^2의 극한은?",
        "1부터 1000까지 자연수의 합",
        "첫째항 3, 공비 2인 등비수열의 6항까지의 합은?",
        "x^2-1을 인수분해하면?",
        "4x-3<9를 풀어줘",
        "x+2y=5, 3x-y=1 연립방정식",
        "9명 중 4명을 선택하는 방법은 몇 가지야?",
        "6C2 값은?",
        "주사위를 두 번 던져 눈의 합이 10 이상일 확률",
        "동전을 5번 던질 때 앞면이 3번 나올 확률은?",
        "120000원에서 15% 할인된 가격은?",
        "1000만원을 연 2% 복리로 10년 두면 얼마가 돼?",
        "250의 8%는 얼마야?",
        "시속 100km로 1시간 45분 가면 몇 km?",
        "90km를 시속 45km로 가면 몇 시간 걸려?",
        "24와 36의 최대공약수",
        "5 팩토리얼은?",
    ),
    "search_documents": (
        "연차는 몇 개월 일하면 생겨?",
        "출장비는 하루에 얼마까지 받을 수 있어?",
        "육아휴직 기간이 어떻게 돼?",
        "경조사 휴가는 며칠 쓸 수 있어?",
        "여름 휴가 신청은 언제 해야 돼?",
        "퇴직금은 언제 지급돼?",
        "복지 포인트는 어디에 쓸 수 있어?",
        "야간 근무 수당은 얼마야?",
        "계약서상 납품 기한이 언제야?",
        "휴가 규정에 따르면 반차도 쓸 수 있어?",
    ),
}


@dataclass(frozen=True)
class Route:
    skill: str  # a skill name or NO_SKILL
    arguments: dict[str, Any] | None
    score: float  # similarity to the chosen class's examples
    scores: dict[str, float]  # per class, for explanations and the benchmark


class SkillRouter:
    def __init__(self, skills: Iterable[Skill], embed: EmbedTexts, top: int = 3) -> None:
        self.skills = {s.spec.name: s for s in skills}
        self.embed = embed
        self.top = top
        self.examples: dict[str, list[str]] = {NO_SKILL: list(NO_SKILL_EXAMPLES)}
        for name, item in self.skills.items():
            self.examples[name] = [*item.spec.examples, *ROUTER_EXAMPLES.get(name, ())]
        self._fit()

    def _fit(self) -> None:
        labels, texts = [], []
        for label, examples in self.examples.items():
            labels += [label] * len(examples)
            texts += examples
        self._labels = np.array(labels)
        self._matrix = self.embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)

    def train(self, examples: Iterable[tuple[str, str]]) -> None:
        """Add (utterance, skill name or 'none') examples and refit."""
        for text, label in examples:
            if label != NO_SKILL and label not in self.skills:
                raise ValueError(f"unknown skill '{label}' in the training examples")
            self.examples.setdefault(label, []).append(text)
        self._fit()

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.examples, ensure_ascii=False, indent=1), encoding="utf-8")

    def load(self, path: Path) -> None:
        saved: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
        self.examples = {k: v for k, v in saved.items() if k == NO_SKILL or k in self.skills}
        self._fit()

    def route(self, utterance: str, enabled: Iterable[str] | None = None) -> Route:
        allowed = set(self.skills if enabled is None else enabled) | {NO_SKILL}
        vector = self.embed([utterance])[0]
        sims = self._matrix @ vector
        scores: dict[str, float] = {}
        for label in set(self._labels.tolist()) & allowed:
            mine = np.sort(sims[self._labels == label])[::-1][: self.top]
            scores[label] = float(mine.mean())
        for label, score in sorted(scores.items(), key=lambda x: -x[1]):
            if label == NO_SKILL:
                return Route(NO_SKILL, None, score, scores)
            arguments = self.skills[label].parse(utterance)
            if arguments is not None:
                return Route(label, arguments, score, scores)
        return Route(NO_SKILL, None, scores.get(NO_SKILL, 0.0), scores)
