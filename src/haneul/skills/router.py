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
)


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
            self.examples[name] = list(item.spec.examples)
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
