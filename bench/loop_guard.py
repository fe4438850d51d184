"""The candidate sampling defaults (`catalog.LOOP_SAMPLING`) against no defaults (the
peer), on haneul-mini-ko, greedy.

For open Korean chat prompts it counts the answers the loop detector flags (without the
guard stopping them, so the raw model is measured); for KorQuAD held-out questions it
scores character F1 / EM, to check the penalties do not stop the model copying answers
out of a passage. Small on purpose (a 2-core machine): `python bench/loop_guard.py`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from haneul.config import Settings
from haneul.engine.catalog import LOOP_SAMPLING, MINI_KO
from haneul.engine.guarded import GuardedBackend
from haneul.engine.loops import find_loop
from haneul.engine.manager import ModelManager
from haneul.evals import metrics
from haneul.evals.tasks import TASKS

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OPEN_PROMPTS = [
    "서울의 명소 세 곳",
    "서울의 명소 세 곳을 알려 주세요.",
    "안녕하세요! 자기소개 해 주세요.",
    "30평은 몇 제곱미터야?",
    "올해 추석은 언제야?",
    "제주도 여행 일정 좀 짜 줘.",
    "김치찌개 끓이는 법 알려 줘.",
    "회의록을 요약하는 요령을 알려 줘.",
    "한국의 사계절을 설명해 줘.",
    "파이썬을 배우려면 무엇부터 해야 해?",
]
N_KORQUAD = 12


async def _run(backend: GuardedBackend, messages: list[dict[str, str]], max_tokens: int) -> str:
    body: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens, "temperature": 0}
    reply = await backend.chat(body)
    return str(reply["choices"][0]["message"]["content"] or "")


async def measure(backend: GuardedBackend) -> dict[str, float]:
    start = time.perf_counter()
    opens = [[{"role": "user", "content": p}] for p in OPEN_PROMPTS]
    answers = await asyncio.gather(*(_run(backend, m, 160) for m in opens))
    loops = sum(find_loop(a) is not None for a in answers)
    task = TASKS["korquad"]
    items = task.load(DATA)[:N_KORQUAD]
    qa = await asyncio.gather(*(_run(backend, task.prompt(i), 48) for i in items))
    scores = [
        metrics.best_over_golds((a.strip().splitlines() or [""])[0], i["answers"])
        for a, i in zip(qa, items, strict=True)
    ]
    return {
        "loops": loops,
        "open": len(answers),
        "em": 100 * sum(s[0] for s in scores) / len(scores),
        "f1": 100 * sum(s[1] for s in scores) / len(scores),
        "seconds": time.perf_counter() - start,
        "samples": answers[:2],  # type: ignore[dict-item]
    }


async def main() -> None:
    settings = Settings(parallel=8, ctx_size=1024)
    manager = ModelManager(settings)
    _, guarded = await manager.get(MINI_KO)
    assert isinstance(guarded, GuardedBackend)
    defaults = LOOP_SAMPLING
    rows = {
        "no defaults (peer)": GuardedBackend(guarded.inner, sampling={}, guard=False),
        "candidate defaults": GuardedBackend(guarded.inner, sampling=defaults, guard=False),
    }
    results = {name: await measure(b) for name, b in rows.items()}
    await manager.close()
    json.dump({"defaults": defaults, "results": results}, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    asyncio.run(main())
