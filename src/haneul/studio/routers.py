"""CLOVA Studio's routers: a query sorted into one of a router's domains, and checked against
its blocked-content filters, by e5 similarity to examples (no model call).

Routers are data, read from the JSON file `HANEUL_CLOVA_ROUTERS` (docs/clova.md):

    {"ROUTER-ID": {"1": {
        "domains": [{"name": "날씨", "examples": ["내일 비 와?", "미세먼지 어때?"]}, ...],
        "blockedContent": [{"name": "경쟁사", "examples": ["다른 회사 제품 추천해 줘"]}],
        "safety": true,
        "threshold": 0.86}}}

A domain's score is the best cosine of the query's e5 vector with its examples (and its
name and description); the best domain at or above `threshold` is the result, else none
(""), and so is a query nearer to one of `OTHER`'s general requests than to every
domain example. A short follow-up often names no domain itself ("미세먼지는?"): when the query alone
reaches no domain, the last user turn of `chatHistory` is read with it. A blocked-content
filter is reported when one of its examples is at or above the threshold and nearer to the
query than every domain example. `safety` runs
Haneul's own safety filter on the query (its flagged categories are the result).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from haneul.errors import InvalidRequestError, NotFoundError

THRESHOLD = 0.86  # e5 cosines of related Korean requests sit above it (a floor, see OTHER)
# Requests that belong to no router's domain: e5's cosines are compressed (unrelated Korean
# requests still score 0.80-0.88), so a query nearer to one of these than to every example
# of a domain (or a filter) is out of domain rather than forced into the nearest one.
OTHER = (
    "안녕하세요",
    "고마워",
    "너는 누구야?",
    "양자역학을 쉽게 설명해 줘",
    "시 한 편 써 줘",
    "이메일 초안을 작성해 줘",
    "이 문장을 영어로 번역해 줘",
    "수학 문제 좀 풀어 줘",
    "파이썬 코드 짜 줘",
    "오늘 기분이 우울해",
    "재미있는 이야기 해 줘",
    "회의록을 요약해 줘",
)


@dataclass(frozen=True)
class Labelled:
    name: str
    examples: list[str]


@dataclass(frozen=True)
class RouterVersion:
    domains: list[Labelled]
    blocked: list[Labelled]
    safety: bool = True
    threshold: float = THRESHOLD


@dataclass(frozen=True)
class Route:
    domain: str
    scores: dict[str, float] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    tokens: int = 0


def _labelled(items: Any, where: str) -> list[Labelled]:
    out = []
    for k, item in enumerate(items or []):
        name, examples = item.get("name"), item.get("examples") or []
        if not isinstance(name, str) or not name:
            raise InvalidRequestError(f"{where}.{k} needs a name", param=where)
        texts = [name, *([item["description"]] if item.get("description") else []), *examples]
        out.append(Labelled(name, [str(t) for t in texts]))
    return out


def load_router(path: Path | None, router_id: str, version: int) -> RouterVersion:
    """The router `router_id` at `version` from the routers file."""
    routers: dict[str, Any] = {}
    if path is not None and path.exists():
        routers = json.loads(path.read_text(encoding="utf-8"))
    config = (routers.get(router_id) or {}).get(str(version))
    if config is None:
        raise NotFoundError(
            f"router '{router_id}' version {version} is not configured "
            "(HANEUL_CLOVA_ROUTERS names the routers file; docs/clova.md)"
        )
    return RouterVersion(
        domains=_labelled(config.get("domains"), "domains"),
        blocked=_labelled(config.get("blockedContent"), "blockedContent"),
        safety=bool(config.get("safety", True)),
        threshold=float(config.get("threshold", THRESHOLD)),
    )


def _vectors(texts: list[str]) -> tuple[np.ndarray, int]:
    from haneul.engine.e5 import MODEL_LOCK, query_vector, shared_model

    with MODEL_LOCK:
        tokens = sum(int(shared_model().token_count(t, True)) for t in texts)
        return np.vstack([query_vector(t) for t in texts]), tokens


def _best(query: np.ndarray, labelled: list[Labelled]) -> dict[str, float]:
    scores = {}
    for item in labelled:
        vectors, _ = _vectors(item.examples)
        scores[item.name] = float((vectors @ query).max())
    return scores


def _domain(router: RouterVersion, query: np.ndarray) -> tuple[str, dict[str, float]]:
    scores = _best(query, router.domains)
    other = _best(query, [Labelled("", list(OTHER))])[""]
    best = max(scores, key=lambda name: scores[name]) if scores else ""
    if best and scores[best] >= router.threshold and scores[best] > other:
        return best, scores
    return "", scores


def route(router: RouterVersion, query: str, history: list[str]) -> Route:
    """The domain and blocked filters of `query` (CPU: e5; call off the event loop)."""
    texts = [query] + ([f"{history[-1]} {query}"] if history else [])
    vectors, tokens = _vectors(texts)
    domain, scores = _domain(router, vectors[0])
    if history and not domain:
        domain, scores = _domain(router, vectors[1])
    floor = max([router.threshold, *scores.values()])  # nearer a filter than any domain
    blocked = [n for n, s in _best(vectors[0], router.blocked).items() if s >= floor]
    return Route(domain, scores, blocked, tokens)
