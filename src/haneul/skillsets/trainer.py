"""The Skill Trainer: a skillset's router and argument filler, fitted from example
utterances, and the plan it makes for one utterance.

`untrained(operations)` is what a skillset does before any training: the nearest of its
manifests' own examples (and each operation's summary), the manifests' patterns for the
arguments. `train(operations, examples)` needs at least `MIN_EXAMPLES` utterances; it fits
the softmax router (router.py) over every example and learns argument patterns (arguments.py).
Both are `Model`s, planned with the same call, so the benchmark and the API compare them
on equal terms. e5 does the embedding (CPU; call off the event loop).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from haneul.errors import InvalidRequestError
from haneul.skills.openapi import OpenApiSkill
from haneul.skillsets.arguments import Example, Learned, fill, learn
from haneul.skillsets.router import (
    GENERAL,
    NONE,
    Classifier,
    EmbedTexts,
    NearestExamples,
    Planned,
    fit_classifier,
)

MIN_EXAMPLES = 30


def e5_embed(texts: list[str]) -> np.ndarray:
    """e5 query vectors (unit rows), through the engine's shared model and cache."""
    from haneul.engine.e5 import query_vector

    return np.vstack([query_vector(t) for t in texts]) if texts else np.zeros((0, 384))


def operations_of(skills: Iterable[OpenApiSkill]) -> dict[str, OpenApiSkill]:
    """The skillset's operations by operationId (unique across its manifests)."""
    found: dict[str, OpenApiSkill] = {}
    for skill in skills:
        if skill.operation_id in found or skill.operation_id == NONE:
            raise InvalidRequestError(
                f"operationId '{skill.operation_id}' appears twice in the skillset's "
                "manifests (or is 'none'); operationIds must be unique",
                param="manifests",
            )
        found[skill.operation_id] = skill
    return found


def _seed_examples(operations: dict[str, OpenApiSkill]) -> list[Example]:
    """What every router knows: the manifests' examples, each summary, `none`'s requests."""
    seeds = [Example(text, NONE) for text in GENERAL]
    for op, skill in operations.items():
        summary = skill.spec.description.split(". ")[0]
        seeds += [Example(text, op) for text in (summary, *skill.spec.examples)]
    return seeds


@dataclass(frozen=True)
class Plan:
    operation: str  # operationId or NONE
    arguments: dict[str, Any]
    missing: list[str]  # required arguments not found
    score: float
    scores: dict[str, float]


@dataclass
class Model:
    router: Classifier | NearestExamples
    learned: dict[str, Learned] = field(default_factory=dict)

    def plan(
        self,
        operations: dict[str, OpenApiSkill],
        text: str,
        embed: EmbedTexts = e5_embed,
        vector: np.ndarray | None = None,
        context: str | None = None,
    ) -> Plan:
        """The plan for `text`; with `context` (the previous user turn) the operation is
        chosen for both together, and arguments `text` lacks are read from both."""
        both = f"{context} {text}" if context else text
        planned: Planned = self.router.route(embed([both])[0] if vector is None else vector)
        if planned.operation == NONE or planned.operation not in operations:
            return Plan(NONE, {}, [], planned.score, planned.scores)
        skill, learned = operations[planned.operation], self.learned.get(planned.operation)
        arguments, missing = fill(skill, text, learned)
        if missing and context:
            earlier, _ = fill(skill, both, learned)
            arguments.update({k: earlier[k] for k in missing if k in earlier})
            missing = [k for k in missing if k not in arguments]
        return Plan(planned.operation, arguments, missing, planned.score, planned.scores)

    def to_json(self) -> dict[str, Any]:
        if not isinstance(self.router, Classifier):
            raise ValueError("only a trained model is stored")
        return {
            "router": self.router.to_json(),
            "arguments": {op: item.to_json() for op, item in self.learned.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        learned = {op: Learned.from_json(item) for op, item in data["arguments"].items()}
        return cls(Classifier.from_json(data["router"]), learned)


def untrained(operations: dict[str, OpenApiSkill], embed: EmbedTexts = e5_embed) -> Model:
    seeds = _seed_examples(operations)
    return Model(NearestExamples([s.operation for s in seeds], embed([s.text for s in seeds])))


def check_examples(operations: dict[str, OpenApiSkill], examples: Sequence[Example]) -> None:
    """Every example names an operation of the skillset (or none), with its arguments."""
    for k, example in enumerate(examples):
        if example.operation != NONE and example.operation not in operations:
            raise InvalidRequestError(
                f"examples.{k}: no operation '{example.operation}' in this skillset "
                f"(one of: {', '.join([*operations, NONE])})",
                param=f"examples.{k}.operationId",
            )
        if example.operation != NONE:
            known = operations[example.operation].spec.parameters.get("properties", {})
            unknown = [name for name in example.arguments if name not in known]
            if unknown:
                raise InvalidRequestError(
                    f"examples.{k}: '{example.operation}' has no argument '{unknown[0]}'",
                    param=f"examples.{k}.arguments",
                )


def train(
    operations: dict[str, OpenApiSkill], examples: Sequence[Example], embed: EmbedTexts = e5_embed
) -> Model:
    """Fit the router and the argument filler on the trainer's examples (and the seeds)."""
    if len(examples) < MIN_EXAMPLES:
        raise InvalidRequestError(
            f"training needs at least {MIN_EXAMPLES} example utterances; "
            f"this skillset has {len(examples)}",
            param="examples",
        )
    check_examples(operations, examples)
    rows = [*_seed_examples(operations), *examples]
    router = fit_classifier(embed([r.text for r in rows]), [r.operation for r in rows])
    return Model(router, learn(examples, operations))


def arguments_right(plan: Plan, example: Example) -> bool:
    """Every argument the example names was read, with its value."""
    return all(str(plan.arguments.get(k)) == str(v) for k, v in example.arguments.items())


def evaluate(
    model: Model,
    operations: dict[str, OpenApiSkill],
    examples: Sequence[Example],
    embed: EmbedTexts = e5_embed,
) -> dict[str, Any]:
    """Routing accuracy, and argument accuracy over the rightly routed operations."""
    vectors = embed([e.text for e in examples])
    routed = argued = with_args = whole = 0
    for example, vector in zip(examples, vectors, strict=True):
        plan = model.plan(operations, example.text, embed, vector)
        if plan.operation != example.operation:
            continue
        routed += 1
        if example.operation == NONE:
            whole += 1
        else:
            with_args += 1
            right = arguments_right(plan, example)
            argued += right
            whole += right
    total = max(1, len(examples))
    return {
        "examples": len(examples),
        "routing": round(routed / total, 3),
        "arguments": round(argued / max(1, with_args), 3),  # of the rightly routed
        "end_to_end": round(whole / total, 3),  # right operation and arguments (or none)
    }
