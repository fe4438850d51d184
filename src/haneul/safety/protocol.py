"""What a safety check is and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Finding:
    """One thing a check found: a category, how sure it is, and where (when it knows)."""

    category: str  # e.g. "pii.rrn", "profanity", "injection"
    score: float  # 0..1, how likely the category applies
    start: int = -1  # character span in the text, -1 when the finding is about all of it
    end: int = -1
    label: str = ""  # a human-readable note (never the raw personal data)


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)

    def flagged(self, threshold: float = 0.5) -> list[Finding]:
        return [f for f in self.findings if f.score >= threshold]

    def scores(self) -> dict[str, float]:
        """The highest score per category."""
        out: dict[str, float] = {}
        for f in self.findings:
            out[f.category] = max(out.get(f.category, 0.0), f.score)
        return out

    def extend(self, other: Verdict) -> Verdict:
        self.findings.extend(other.findings)
        return self


@runtime_checkable
class Check(Protocol):
    """A safety check; `name` is the prefix of the categories it reports.

    A check must never hold the event loop: CPU work runs in a worker thread
    (`asyncio.to_thread`), patterns run in linear time, and a long text is read a window at a
    time (`haneul.safety.windows.windowed`), as the built-in checks do."""

    name: str

    async def check(self, text: str, context: str | None = None) -> Verdict: ...
