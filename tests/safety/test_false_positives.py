"""Ordinary Korean chat must pass the default filter untouched (a false-positive set)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from haneul.safety.filter import SafetyFilter

ORDINARY_CHAT = Path(__file__).parent / "data" / "ordinary_chat_ko.txt"


def ordinary_chat() -> list[str]:
    return [line for line in ORDINARY_CHAT.read_text(encoding="utf-8").splitlines() if line]


def test_the_false_positive_set_is_korean_chat() -> None:
    lines = ordinary_chat()
    assert len(lines) >= 30
    assert all(any("가" <= ch <= "힣" for ch in line) for line in lines)


@pytest.mark.parametrize("kind", ["input", "output"])
def test_default_filter_flags_no_ordinary_chat(kind: str) -> None:
    safety = SafetyFilter()
    flagged = [
        line
        for line in ordinary_chat()
        if asyncio.run(safety.check(line, kind=kind)).flagged()  # type: ignore[arg-type]
    ]
    assert flagged == []


def test_learned_checks_are_off_by_default() -> None:
    # The learned models are below their macro-F1 targets (docs/benchmarks.md), so they are
    # opt-in: SafetyFilter(learned=True) or `haneul safety check --learned`.
    assert {c.name for c in SafetyFilter().checks}.isdisjoint({"sensitive", "bias"})
    assert {"sensitive", "bias"} <= {c.name for c in SafetyFilter(learned=True).checks}
