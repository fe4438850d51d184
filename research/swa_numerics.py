"""Does `swa_full` change haneul-mini-ko's greedy answers beyond llama.cpp's numerics?

Loads the model in-process (8 slots as served) once with `swa_full` off and once on, and asks
the same prompts greedily with llama.cpp's prompt cache off (`cache_prompt: false`: every
request processes its whole prompt in one batch) and then on (the same request twice: the
second takes its prefix from the slot). Prints the answers and, where two answers part, the
token at which they part and the gap between the two likeliest tokens there (a gap near 0 is
a near-tie that any rounding may flip: numerics, not a bug).

Usage: PYTHONPATH=src python research/swa_numerics.py [--max-tokens 48] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from haneul.assistant.presets import PRESETS
from haneul.config import Settings
from haneul.engine.catalog import MINI_KO, Catalog
from haneul.engine.llamacpp import LlamaCppBackend, LlamaCppOptions

SYSTEM = PRESETS["chat"]
PROMPTS = [
    [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "안녕하세요! 자기소개 해 주세요."},
    ],
    [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "서울에서 가볼 만한 곳 하나만 알려줘"},
    ],
    [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "서울에서 가볼 만한 곳 하나만 알려줘"},
        {"role": "assistant", "content": "경복궁을 추천합니다. 조선의 법궁으로 산책하기 좋습니다."},
        {"role": "user", "content": "제주도 여행 팁 하나만 알려줘"},
    ],
]


TODO = [
    {"role": "system", "content": '글에서 할 일을 뽑아 JSON 배열로만 답하세요. 형식: '
     '[{"task": "할 일", "due": "기한 또는 null"}]'},
    {"role": "user", "content": "금요일까지 회의록을 정리하고, 견적서를 보내 주세요."},
]  # fmt: skip


async def ask(
    backend: LlamaCppBackend, messages: Any, cache: bool, n: int, slot: int = -1
) -> list[Any]:
    body = {
        "id_slot": slot,
        "messages": messages,
        "max_tokens": n,
        "temperature": 0.0,
        "cache_prompt": cache,
        "logprobs": True,
        "top_logprobs": 2,
    }
    reply = await backend.chat(body)
    return list(reply["choices"][0]["logprobs"]["content"])


def text(tokens: list[Any]) -> str:
    return "".join(t["token"] for t in tokens)


def parting(a: list[Any], b: list[Any]) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x["token"] != y["token"]:
            gaps = []
            for t in (x, y):
                top = [p["logprob"] for p in t["top_logprobs"]]
                gaps.append(math.exp(top[0]) - math.exp(top[1]) if len(top) > 1 else float("nan"))
            return (
                f"part at token {i}: {x['token']!r} vs {y['token']!r}, "
                f"top-2 probability gap {gaps[0]:.4f} / {gaps[1]:.4f}"
            )
    return "same" if len(a) == len(b) else "one is a prefix of the other"


async def load(swa_full: bool, args: argparse.Namespace, home: Path) -> LlamaCppBackend:
    catalog = Catalog(Settings(home=home))
    entry = catalog.resolve(MINI_KO)
    options = LlamaCppOptions(
        threads=args.threads,
        parallel=8,
        ctx_size=2048,
        chat_template=Path(entry.options["chat_template_file"]).read_text(encoding="utf-8"),
        lora=tuple(entry.options["lora"]),
        swa_full=swa_full,
    )
    backend = LlamaCppBackend(MINI_KO, catalog.model_path(entry), options)
    await backend.start()
    return backend


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Both models loaded side by side; every prompt asked of each in turn, printed as it
    comes (a slow machine still shows the first answers)."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        off = await load(False, args, Path(tmp))
        on = await load(True, args, Path(tmp))
        try:
            for i in args.prompts:
                messages = PROMPTS[i]
                runs: dict[str, dict[str, list[Any]]] = {"off": {}, "on": {}}
                for name, backend in (("off", off), ("on", on)):
                    for key, cache in (("nocache", False), ("cache1", True), ("cache2", True)):
                        runs[name][key] = await ask(backend, messages, cache, args.max_tokens)
                    print(f"p{i} swa_full {name}: {text(runs[name]['nocache'])!r}", flush=True)
                    for key in ("cache1", "cache2"):
                        print(
                            "    nocache vs", key, parting(runs[name]["nocache"], runs[name][key])
                        )
                for key in ("nocache", "cache1", "cache2"):
                    print(f"p{i} {key} off vs on: {parting(runs['off'][key], runs['on'][key])}")
                out[f"p{i}"] = runs
            out["after_todo"] = await after_todo(off, on, args)
        finally:
            await off.close()
            await on.close()
    return out


async def after_todo(
    off: LlamaCppBackend, on: LlamaCppBackend, args: argparse.Namespace
) -> dict[str, Any]:
    """The greeting in a slot that last held the to-do prompt (`id_slot` 7 for both): does
    anything of the old prompt leak into the new answer? Compared with the greeting asked
    in a fresh slot without the cache."""
    greeting = [{"role": "user", "content": "안녕하세요! 자기소개 해 주세요."}]
    out: dict[str, Any] = {}
    for name, backend in (("off", off), ("on", on)):
        fresh = await ask(backend, greeting, False, args.max_tokens, slot=6)
        await ask(backend, TODO, True, args.max_tokens, slot=7)
        after = await ask(backend, greeting, True, args.max_tokens, slot=7)
        print(f"greeting, swa_full {name}, fresh: {text(fresh)!r}")
        print(f"greeting, swa_full {name}, after the to-do prompt: {text(after)!r}")
        print(f"    fresh vs after: {parting(fresh, after)}", flush=True)
        out[name] = {"fresh": fresh, "after": after}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompts", type=int, nargs="*", default=list(range(len(PROMPTS))))
    parser.add_argument("--json", help="write the raw tokens here")
    args = parser.parse_args()
    out = asyncio.run(run(args))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
