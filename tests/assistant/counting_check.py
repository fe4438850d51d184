"""A plugin AI Filter check that flags nothing and counts the texts it is asked to read,
registered in in-process apps through the `plugins` setting (tests/assistant/test_session.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from haneul.plugins import hookimpl
from haneul.safety.protocol import Verdict

SEEN: Counter[str] = Counter()


class CountingCheck:
    name = "counted"

    async def check(self, text: str, context: str | None = None) -> Verdict:
        SEEN[text] += 1
        return Verdict()


@hookimpl
def register_checks(register: Callable[[Any], None]) -> None:
    register(CountingCheck())
