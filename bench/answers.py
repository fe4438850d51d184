"""Answer-quality benchmark: what a person reads, checked turn by turn, on held-out Korean
turns written for it (bench/data/answers_ko.jsonl; never used for training).

It starts a real server, uploads a collection (bench/data/answers_docs/ and the KorQuAD
paragraphs its questions come from, read from ../shared/data/korquad; only articles that
`haneul.evals.splits.heldout` keeps out of haneul-mini-ko's training), and runs every item
twice in the same run:

- pipeline: `/v1/conversations` (router, skills, documents, memory, answer composition);
- peer: the same model through `/v1/chat/completions` with today's assistant prompt
  (`TODAY_PROMPT`, frozen here) and the conversation so far, nothing else.

Per scored turn: states the key value (skill result, document answer, remembered fact);
no number the question, the expected value, the skill result or the cited passages do not
contain; cites only real hits (`[n]` in `citations`; any «출처» without hits is invented);
no loop (repeated n-grams or `finish_reason` "loop"); no leaked prompt text; not JSON
unless asked; unanswerable document questions refused; irrelevant memories not used.

Usage: python -m bench.answers [--model NAME] [--limit N] [--write docs/benchmarks.md]
       [--out results.jsonl [--resume]] [--adapter LORA.gguf] [--kinds K1,K2]
           (--resume: keep the items --out holds and run the rest; --adapter: --model is
           haneul-mini-ko with this LoRA instead, e.g. v2 from studio/mini_ko `rebuild`;
           --kinds: only items of these kinds, e.g. memory_recall,memory_irrelevant; the
           whole collection is still uploaded, so routing meets the same documents)
       python -m bench.answers --report results.jsonl [--write docs/benchmarks.md]
           (the table of a run stopped early, from the turns its --out kept)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.report import write_section
from haneul.assistant.compose import SMALL_MODEL

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "answers_ko.jsonl"
DOCS = ROOT / "bench" / "data" / "answers_docs"
KORQUAD = ROOT.parent / "shared" / "data" / "korquad" / "korquad_v1.0_dev_even.json"
COLLECTION = "answers-bench"
# The assistant's chat preset as of this benchmark's writing: the peer's system prompt.
TODAY_PROMPT = (
    "당신은 하늘(Haneul)입니다. 한국어로 정확하고 친절하게, 간결하게 답합니다. "
    "모르는 것은 모른다고 말합니다."
)
# Prompt sentences that must never reach the user (today's and earlier notes).
LEAKS = (
    "당신은 하늘(Haneul)입니다",
    "정확하고 친절하게, 간결하게",
    "출처가 있으면 밝히세요",
    "근거로만 쓰세요",
    "따르지 말고",
    "사용자에 대해 기억하는",
    "아래는 검색된",
    "아래 자료는",
)
REFUSAL = re.compile(
    r"문서에\s*(?:는\s*)?(?:없|나와\s*있지\s*않|나오지\s*않|관련\s*내용이\s*없)|찾을\s*수\s*없|찾지\s*못|"
    r"확인(?:할\s*수\s*없|되지\s*않)|알\s*수\s*없|모르겠|모릅니다|정보가\s*없|포함되어\s*있지\s*않|답할\s*수\s*없"
)
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


# ---------------------------------------------------------------- the data


def load_items(limit: int | None, kinds: set[str] | None = None) -> list[dict[str, Any]]:
    """The items (of `kinds` only, if given), interleaved by kind so that `--limit N` still
    covers every kind."""
    items = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    items = [i for i in items if kinds is None or i["kind"] in kinds]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        by_kind[item["kind"]].append(item)
    mixed: list[dict[str, Any]] = []
    queues = list(by_kind.values())
    while any(queues):
        for queue in queues:
            if queue:
                mixed.append(queue.pop(0))
    return mixed[:limit] if limit else mixed


def korquad() -> dict[str, dict[str, Any]]:
    """KorQuAD questions by id, with their paragraph (title, index); empty when absent."""
    if not KORQUAD.exists():
        print(f"(KorQuAD not found at {KORQUAD}: its items are skipped)", file=sys.stderr)
        return {}
    found: dict[str, dict[str, Any]] = {}
    for article in json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]:
        for i, paragraph in enumerate(article["paragraphs"]):
            for qa in paragraph["qas"]:
                found[qa["id"]] = {
                    "question": qa["question"].strip(),
                    "answers": [a["text"] for a in qa["answers"]],
                    "title": article["title"],
                    "paragraph": i,
                    "context": paragraph["context"],
                }
    return found


def resolve(items: list[dict[str, Any]], kq: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """KorQuAD turns get their question text and gold answers; items without data drop."""
    kept = []
    for item in items:
        ok = True
        for turn in item["turns"]:
            if "korquad" in turn:
                qa = kq.get(turn["korquad"])
                if qa is None:
                    ok = False
                    break
                turn["text"] = qa["question"]
                turn["expect"] = {
                    **turn["expect"],
                    "values": qa["answers"],
                    "gold": qa["answers"][0],
                }
            elif item["kind"] == "doc" and turn["expect"].get("values"):
                turn["expect"].setdefault("gold", turn["expect"]["values"][0])
        if ok:
            kept.append(item)
    return kept


def documents(
    items: list[dict[str, Any]], kq: dict[str, dict[str, Any]]
) -> list[tuple[str, bytes]]:
    files = [(p.name, p.read_bytes()) for p in sorted(DOCS.glob("*.txt"))]
    # every article the whole data set asks about, so a short run searches the same collection
    used = {kq[t["korquad"]]["title"] for i in items for t in i["turns"] if t.get("korquad") in kq}
    seen = set()
    for qa in kq.values():
        key = (qa["title"], qa["paragraph"])
        if qa["title"] in used and key not in seen:
            seen.add(key)
            name = f"{qa['title'].replace('_', ' ')} {qa['paragraph'] + 1}.txt"
            files.append((name, f"{qa['title'].replace('_', ' ')}\n\n{qa['context']}".encode()))
    return files


# ---------------------------------------------------------------- the checks


def _numbers(text: str) -> list[str]:
    return [n.replace(",", "") for n in NUMBER.findall(text)]


def unsupported_numbers(answer: str, sources: list[str]) -> list[str]:
    """Numbers of the answer that no source has, allowing for the answer's rounding
    (28.27 is 28.274333…; 9 is 09)."""
    known = [float(n) for s in sources for n in _numbers(s)]
    extra = []
    for n in _numbers(answer):
        decimals = len(n.split(".")[1]) if "." in n else 0
        tolerance = 0.5 * 10**-decimals + 1e-9 if decimals else 1e-9
        if not any(abs(float(n) - k) <= tolerance for k in known):
            extra.append(n)
    return extra


# «조선책략과 이언»: a gold that names two things, each of which the answer may write apart
# («《조선책략》과 정관응의 《이언》»)
_AND = re.compile(r"(?<=[가-힣A-Za-z0-9])(?:과|와|및)\s+")


def states(answer: str, values: list[str]) -> bool:
    """Any expected value is in the answer: as text (spaces and commas ignored), as each of
    the things it joins with 과/와/및, or as a number within the rounding it is written
    with."""
    flat = re.sub(r"[\s,]", "", answer)
    found = _numbers(answer)
    for value in values:
        if re.sub(r"[\s,]", "", value) in flat:
            return True
        parts = [re.sub(r"[\s,]", "", p) for p in _AND.split(value)]
        if len(parts) > 1 and all(len(p) >= 2 and p in flat for p in parts):
            return True
        if not re.fullmatch(r"-?\d+(?:,\d{3})*(?:\.\d+)?", value.strip()):
            continue
        x = float(value.replace(",", ""))
        if "." not in value:
            if any(float(n) == x for n in found):
                return True
            continue
        for n in (n for n in found if "." in n):  # 28.27 or 28.3, each within its rounding
            places = min(len(n.split(".")[1]), len(value.split(".")[1]))
            if abs(float(n) - x) <= 0.5 * 10**-places + 1e-9:
                return True
    return False


def char_f1(prediction: str, gold: str) -> float:
    """KorQuAD's character F1 of the gold answer against the answer's first sentence."""
    first = re.split(r"(?<=[.!?다요])\s|\n", re.sub(r"\[\d+\]", "", prediction).strip())[0]

    def chars(s: str) -> list[str]:
        return [c for c in re.sub(r"[\s\W_]", "", s.lower())]

    p, g = chars(first), chars(gold)
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def looped(answer: str, finish_reason: str | None) -> bool:
    if finish_reason == "loop":
        return True
    answer = re.sub(r"^\s*\|?[\s|:-]+\|?\s*$|\|", " ", answer, flags=re.M)  # a table's rules
    words = answer.split()
    grams = Counter(tuple(words[i : i + 4]) for i in range(len(words) - 3))
    chars = re.sub(r"\s", "", answer)
    runs = Counter(chars[i : i + 15] for i in range(0, max(0, len(chars) - 14)))
    return bool(grams and max(grams.values()) >= 3) or bool(runs and max(runs.values()) >= 3)


def invented_citation(answer: str, citations: list[dict[str, Any]]) -> bool:
    real = {int(c.get("n", 0)) for c in citations}
    markers = {int(n) for n in re.findall(r"\[(\d{1,2})\]", answer)}
    if markers - real:
        return True
    return bool(re.search(r"출처\s*[:：]|\(출처|근거\s*[:：]", answer)) and not citations


def is_json(answer: str) -> bool:
    text = answer.strip().removeprefix("```json").removeprefix("```").strip()
    if not text.startswith(("[", "{")):
        return False
    try:
        json.loads(text.rstrip("`").strip())
        return True
    except ValueError:
        return '":' in text


def check(turn: dict[str, Any], reply: Reply, kind: str) -> dict[str, Any]:
    expect, answer = turn["expect"], reply.text
    result: dict[str, Any] = {
        "loop": looped(answer, reply.finish_reason),
        "leak": any(fragment in answer for fragment in LEAKS),
        "invented_citation": invented_citation(answer, reply.citations),
        "json": is_json(answer) and not expect.get("json"),
        # an open question the system declined: the model is too small (Catalog.answers_open)
        "declined": reply.reason == SMALL_MODEL,
    }
    if expect.get("values") and not expect.get("refuse"):
        result["stated"] = states(answer, expect["values"])
    if expect.get("gold"):
        result["f1"] = char_f1(answer, expect["gold"])
    if expect.get("refuse"):
        result["refused"] = bool(REFUSAL.search(answer))
    if expect.get("absent"):
        result["memory_kept_out"] = not any(w in answer for w in expect["absent"])
    if kind in ("skill", "doc", "conversation") and expect.get("values"):
        body = re.sub(r"\[\d+\]|^\s*\d+[.)]\s", " ", answer, flags=re.M)
        sources = [turn["text"], *expect.get("values", []), *reply.sources]
        result["contradiction"] = unsupported_numbers(body, sources)[:5]
    bad = (
        result["loop"]
        or result["leak"]
        or result["invented_citation"]
        or result["json"]
        or result.get("stated") is False
        or result.get("refused") is False
        or result.get("memory_kept_out") is False
        or bool(result.get("contradiction"))
    )
    result["faithful"] = not bad
    return result


# ---------------------------------------------------------------- the two systems


@dataclass
class Reply:
    text: str
    ttft: float | None  # the first text shown (the pipeline: the first `delta`)
    finish_reason: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # texts a number may come from
    skill: str | None = None
    # the model's own first token (the pipeline's `done` usage.first_token_ms; None when the
    # model did not run, e.g. a skill whose sentence is the whole answer) and its prompt
    model_ttft: float | None = None
    prompt_tokens: int | None = None
    cached_tokens: int | None = None
    reason: str | None = None  # the pipeline's `composed.reason` (why the system wrote it)


def _sse(response: httpx.Response) -> Iterator[dict[str, Any]]:
    for line in response.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            yield json.loads(line[6:])


def pipeline_turn(http: httpx.Client, cid: str, text: str, model: str, max_tokens: int) -> Reply:
    start, first = time.perf_counter(), None
    done: dict[str, Any] = {}
    body = {"content": text, "stream": True, "model": model, "max_tokens": max_tokens}
    with http.stream("POST", f"/v1/conversations/{cid}/messages", json=body) as response:
        if response.status_code != 200:
            return Reply(f"(HTTP {response.status_code}: {response.read().decode()[:200]})", None)
        for event in _sse(response):
            if event.get("type") == "delta" and first is None and event.get("content"):
                first = time.perf_counter() - start
            if event.get("type") == "done":
                done = event
            if event.get("type") == "error":
                return Reply(f"(error: {event})", first)
    message = done.get("message", {})
    calls = message.get("skill_calls") or []
    citations = done.get("citations") or message.get("citations") or []
    sources = [json.dumps(c, ensure_ascii=False) for c in calls]
    sources += [
        f"{c.get('text', '')} {c.get('snippet', '')} {c.get('document', '')}" for c in citations
    ]
    composed = done.get("composed") or {}
    sources += [composed.get("skill_answer") or ""]
    sources += [str(m) for m in done.get("memories_used") or []]
    usage = done.get("usage") or {}
    model_ms = usage.get("first_token_ms")
    return Reply(
        message.get("content", ""),
        first,
        done.get("finish_reason"),
        citations,
        sources,
        calls[0].get("name") if calls else None,
        model_ms / 1000 if model_ms is not None else None,
        usage.get("prompt_tokens"),
        usage.get("cached_tokens"),
        composed.get("reason"),
    )


def peer_turn(
    http: httpx.Client, messages: list[dict[str, str]], model: str, max_tokens: int
) -> Reply:
    start, first, parts, finish = time.perf_counter(), None, [], None
    usage: dict[str, Any] = {}
    body = {
        "model": model,
        "messages": messages,
        "stream": True,
        "max_tokens": max_tokens,
        "stream_options": {"include_usage": True},
    }
    with http.stream("POST", "/v1/chat/completions", json=body) as response:
        if response.status_code != 200:
            return Reply(f"(HTTP {response.status_code}: {response.read().decode()[:200]})", None)
        for chunk in _sse(response):
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices", []):
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece and first is None:
                    first = time.perf_counter() - start
                parts.append(piece)
                finish = choice.get("finish_reason") or finish
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    # every piece streams as it comes: the first shown is the model's first token
    return Reply(
        "".join(parts), first, finish, [], [], None, first, usage.get("prompt_tokens"), cached
    )


def run_item(
    http: httpx.Client, item: dict[str, Any], model: str, max_tokens: int, peer: bool = True
) -> list[dict[str, Any]]:
    cid = http.post("/v1/conversations", json={"title": item["id"]}).json()["id"]
    messages = [{"role": "system", "content": TODAY_PROMPT}]
    rows = []
    for number, turn in enumerate(item["turns"], 1):
        ours = pipeline_turn(http, cid, turn["text"], model, max_tokens)
        messages.append({"role": "user", "content": turn["text"]})
        systems = [("pipeline", ours)]
        if peer:
            theirs = peer_turn(http, messages, model, max_tokens)
            messages.append({"role": "assistant", "content": theirs.text})
            systems.append(("peer", theirs))
        if turn.get("expect") is None:
            continue
        # the kind of turn (for TTFT by position): the pipeline's, for both systems
        turn_kind = "skill" if ours.skill else "chat"
        for system, reply in systems:
            rows.append(
                {
                    "id": item["id"],
                    "kind": item["kind"],
                    "turn": number,
                    "system": system,
                    "question": turn["text"],
                    "answer": reply.text,
                    "ttft": reply.ttft,
                    "model_ttft": reply.model_ttft,
                    "prompt_tokens": reply.prompt_tokens,
                    "cached_tokens": reply.cached_tokens,
                    "turn_kind": turn_kind,
                    "skill": reply.skill,
                    "expected_skill": turn["expect"].get("skill"),
                    **check(turn, reply, item["kind"]),
                }
            )
    http.delete(f"/v1/conversations/{cid}")
    return rows


def forget_all(http: httpx.Client) -> None:
    """Each item starts with nothing remembered, so items do not leak into each other."""
    for memory in http.get("/v1/memories").json().get("data", []):
        http.delete(f"/v1/memories/{memory['id']}")


# ---------------------------------------------------------------- server and report


def start_server(
    home: Path, model: str, adapter: Path | None = None, small_model_chat: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """A server on `model`; with `adapter`, `model` is a new catalog entry: the bundled
    haneul-mini-ko with that LoRA GGUF in place of its own (v2 against v1). With
    `small_model_chat` a small model answers open questions itself (the setting)."""
    from bench.serve import free_port, wait_ready
    from haneul.config import Settings
    from haneul.engine.catalog import Catalog, ModelEntry

    catalog = Catalog(Settings(home=home))
    if model == "echo":
        catalog.add(ModelEntry(name="echo", kind="echo", task="chat", source="test"))
    if adapter is not None:
        base = catalog.resolve("haneul-mini-ko")
        options = {**base.options, "lora": [str(adapter.resolve())]}
        catalog.add(ModelEntry(**{**base.__dict__, "name": model, "options": options}))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANEUL_")}
    env.update(
        HANEUL_HOME=str(home),
        HANEUL_PORT=str(port),
        HANEUL_DEFAULT_MODEL=model,
        HANEUL_LOG_LEVEL="warning",
        HANEUL_RATE_LIMIT_RPM="100000",
        HANEUL_TUNING_WORKER="false",
        HANEUL_SMALL_MODEL_CHAT=str(small_model_chat).lower(),
    )
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("haneul")), "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process)
    return process, url


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ttfts(
    rows: list[dict[str, Any]], turn: int, kind: str | None = None, key: str = "ttft"
) -> list[float]:
    """The `key` times of the conversations' turn `turn` (of one kind of turn, if given)."""
    return [
        r[key]
        for r in rows
        if r["kind"] == "conversation"
        and r["turn"] == turn
        and r.get(key) is not None
        and (kind is None or r.get("turn_kind") == kind)
    ]


def ttft_by_position(rows: list[dict[str, Any]]) -> list[str]:
    """TTFT by turn position, each kind of turn apart (a skill turn shows its sentence
    before the model runs; a chat turn shows a checked sentence): the first text shown and
    the model's own first token, medians, with the prompt tokens taken from the cache."""
    lines = [
        "TTFT by turn position of the 5-turn conversations, same kind of turn only "
        "(median seconds: first text shown / the model's first token; cached/prompt tokens "
        "summed; n turns):",
        "",
        "| system | kind | " + " | ".join(f"turn {n}" for n in range(1, 6)) + " |",
        "|---|---|" + "---|" * 5,
    ]
    for system in ("pipeline", "peer"):
        for kind in ("chat", "skill"):
            mine = [r for r in rows if r["system"] == system]
            cells = []
            for n in range(1, 6):
                chosen = [r for r in mine if r["kind"] == "conversation" and r["turn"] == n]
                chosen = [r for r in chosen if r.get("turn_kind") == kind]
                if not chosen:
                    cells.append("–")
                    continue
                shown = _median(_ttfts(chosen, n))
                model = _median(_ttfts(chosen, n, key="model_ttft"))
                cached = sum(r.get("cached_tokens") or 0 for r in chosen)
                prompt = sum(r.get("prompt_tokens") or 0 for r in chosen)
                cells.append(
                    f"{_cell(shown)} / {_cell(model)} ({cached}/{prompt} cached; n {len(chosen)})"
                )
            lines.append(f"| {system} | {kind} | " + " | ".join(cells) + " |")
    return lines


def summarise(rows: list[dict[str, Any]], system: str) -> dict[str, Any]:
    mine = [r for r in rows if r["system"] == system]

    def share(selected: list[dict[str, Any]], key: str, want: bool = True) -> float | None:
        known = [r for r in selected if key in r]
        return sum(bool(r[key]) == want for r in known) / len(known) if known else None

    skills = [r for r in mine if r["kind"] == "skill"]
    answerable = [r for r in mine if r["kind"] == "doc"]
    f1 = [r["f1"] for r in answerable if "f1" in r]
    routed = [r for r in skills if r.get("expected_skill")]
    return {
        "turns": len(mine),
        "faithful": share(mine, "faithful"),
        "skill_faithful": share(skills, "faithful"),
        "routed": sum(r["skill"] == r["expected_skill"] for r in routed) / len(routed)
        if routed and system == "pipeline"
        else None,
        "doc_stated": share(answerable, "stated"),
        "doc_f1": statistics.mean(f1) if f1 else None,
        "refusal": share([r for r in mine if r["kind"] == "doc_unanswerable"], "refused"),
        "invented_citation": share(mine, "invented_citation"),
        "loop": share(mine, "loop"),
        # what the reader sees: a loop the guard stopped (finish_reason "loop") is not shown
        "loop_shown": sum(looped(r["answer"], None) for r in mine) / len(mine) if mine else None,
        "leak": share(mine, "leak"),
        "json": share(mine, "json"),
        "declined": share(mine, "declined"),
        "chat_declined": share([r for r in mine if r["kind"] == "chat"], "declined"),
        "memory_recall": share([r for r in mine if r["kind"] == "memory_recall"], "stated"),
        "memory_kept_out": share(mine, "memory_kept_out"),
        "ttft1": _median(_ttfts(mine, 1)),
        "ttft5": _median(_ttfts(mine, 5)),
        "model_chat1": _median(_ttfts(mine, 1, "chat", "model_ttft")),
        "model_chat5": _median(_ttfts(mine, 5, "chat", "model_ttft")),
        "by_kind": {
            kind: share([r for r in mine if r["kind"] == kind], "faithful")
            for kind in sorted({r["kind"] for r in mine})
        },
    }


COLUMNS = (
    ("faithful", "faithful (all turns)"),
    ("skill_faithful", "faithful skill answers"),
    ("routed", "routed to the right skill"),
    ("doc_stated", "doc answer states the gold"),
    ("doc_f1", "doc-QA char F1"),
    ("refusal", "unanswerable refused"),
    ("invented_citation", "invented citations"),
    ("loop", "loops (repeats, or stopped by the loop guard)"),
    ("loop_shown", "loops in the text shown"),
    ("leak", "prompt leaks"),
    ("json", "unasked JSON"),
    ("declined", "open questions declined (small model), all turns"),
    ("chat_declined", "open questions declined, chat items"),
    ("memory_recall", "memory recalled"),
    ("memory_kept_out", "irrelevant memory kept out"),
    ("ttft1", "TTFT turn 1 (s), any kind of turn"),
    ("ttft5", "TTFT turn 5 (s), any kind of turn"),
    ("model_chat1", "model's first token, chat turn 1 (s)"),
    ("model_chat5", "model's first token, chat turn 5 (s)"),
)


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def render(
    model: str,
    results: dict[str, dict[str, Any]],
    rows: list[dict[str, Any]],
    n_items: int,
    seconds: float,
) -> str:
    kinds = Counter(r["kind"] for r in rows if r["system"] == "pipeline")
    lines = [
        f"## Answer quality (`bench/answers.py`), {model}",
        "",
        f"{n_items} items, {kinds.total()} scored turns of bench/data/answers_ko.jsonl ("
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + "), held out from training: written for this benchmark; the document questions "
        "ask about bench/data/answers_docs/ and KorQuAD-even paragraphs of articles that "
        "`evals.splits.heldout` keeps out of haneul-mini-ko's recipe. **pipeline**: "
        "`/v1/conversations` (router, skills, documents, memory, composition). **peer**: "
        "the same model through `/v1/chat/completions` with today's assistant prompt and the "
        "conversation so far. A turn is faithful when it states the key value, adds no "
        "number that the question, the skill result or the cited passages lack, cites only "
        "real hits, does not loop, leak prompt text or answer in unasked JSON, refuses an "
        "unanswerable document question and keeps an irrelevant memory out. Char F1: the "
        "gold answer against the answer's first sentence. TTFT: median over the "
        "5-turn conversations, to the first text shown; the model's first token: from the "
        "turn's start to the model's first token (pipeline: `done` usage.first_token_ms), "
        f"chat turns only, so turn 1 and turn 5 compare. Run {time.strftime('%Y-%m-%d')}, "
        + (
            f"{seconds / 60:.1f} min."
            if seconds == seconds
            else "every item (table from the run's --out rows)."
            if n_items == len(load_items(None))
            else "stopped before the end."
        ),
        "",
        "| measure | " + " | ".join(results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for key, label in COLUMNS:
        lines.append(f"| {label} | " + " | ".join(_cell(r[key]) for r in results.values()) + " |")
    kinds_seen = sorted({k for r in results.values() for k in r["by_kind"]})
    for kind in kinds_seen:
        cells = " | ".join(_cell(r["by_kind"].get(kind)) for r in results.values())
        lines.append(f"| faithful: {kind} | {cells} |")
    lines += ["", *ttft_by_position(rows)]
    failures = [r for r in rows if r["system"] == "pipeline" and not r["faithful"]][:5]
    if failures:
        lines += ["", "Examples of unfaithful pipeline answers:", ""]
        for r in failures:
            why = [k for k in ("loop", "leak", "invented_citation", "json") if r.get(k)]
            why += [k for k in ("stated", "refused", "memory_kept_out") if r.get(k) is False]
            why += [f"numbers {r['contradiction']}"] if r.get("contradiction") else []
            answer = r["answer"].replace("\n", " ").replace("|", "/")[:90]
            lines.append(f"- {r['question']} → «{answer}» ({', '.join(why)})")
    return "\n".join(lines) + "\n"


def run_all(
    url: str, items: list[dict[str, Any]], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Upload the collection, then every item through both systems; with `--out`, each
    item's turns are appended as it finishes, so a long run that stops keeps them."""
    rows: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=600) as http:
        http.post("/v1/collections", json={"name": COLLECTION})
        files = [("files", f) for f in documents(load_items(None), korquad())]
        http.post(f"/v1/collections/{COLLECTION}/documents", files=files).raise_for_status()
        for number, item in enumerate(items, 1):
            try:
                forget_all(http)
                new = run_item(http, item, args.model, args.max_tokens, not args.no_peer)
            except httpx.HTTPError as e:  # one stuck turn does not end the run
                print(f"{item['id']}: {e!r}", file=sys.stderr)
                continue
            rows += new
            if args.out:
                with args.out.open("a", encoding="utf-8") as out:
                    out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in new)
            print(f"{number}/{len(items)} {item['id']}", file=sys.stderr)
    return rows


def report(args: argparse.Namespace) -> None:
    """The table of the turns an earlier run's --out kept (a run stopped before the end)."""
    lines = args.report.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line]
    n_items = len({r["id"] for r in rows})
    results = {system: summarise(rows, system) for system in ("pipeline", "peer")}
    section = render(args.model, results, rows, n_items, float("nan"))
    print(section)
    if args.write:
        write_section(args.write, f"bench/answers.py {args.model}", section)


def _rows(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def compare(args: argparse.Namespace) -> None:
    """Two models' pipelines side by side (and the first run's peer), on the same items."""
    a, b = (_rows(path) for path in args.compare)
    names = [*args.model.split(","), "B"][:2]
    both = {r["id"] for r in a} & {r["id"] for r in b}
    a = [r for r in a if r["id"] in both]
    b = [r for r in b if r["id"] in both]
    results = {
        f"pipeline, {names[0]}": summarise(a, "pipeline"),
        f"pipeline, {names[1]}": summarise(b, "pipeline"),
        f"peer, {names[0]}": summarise(a, "peer"),
    }
    section = render(" against ".join(names), results, a, len(both), float("nan"))
    print(section)
    if args.write:
        write_section(args.write, f"bench/answers.py {' against '.join(names)}", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="haneul-mini-ko")
    parser.add_argument("--limit", type=int, help="only the first N items (mixed kinds)")
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument(
        "--kinds", help="only items of these kinds, comma-separated (e.g. memory_recall)"
    )
    parser.add_argument("--write", type=Path, help="put the table into this Markdown file")
    parser.add_argument("--out", type=Path, help="write every scored turn as JSON lines")
    parser.add_argument("--report", type=Path, help="only the table, from an --out file")
    parser.add_argument(
        "--resume", action="store_true", help="keep --out's items and run only the others"
    )
    parser.add_argument(
        "--adapter",
        type=Path,
        help="a LoRA GGUF to use instead of haneul-mini-ko's own (name it with --model, "
        "e.g. --model haneul-mini-ko-v2 --adapter /work/minik2-run/haneul-mini-ko.gguf)",
    )
    parser.add_argument(
        "--no-peer", action="store_true", help="only the pipeline (a second model's run)"
    )
    parser.add_argument(
        "--small-model-chat",
        action="store_true",
        help="let a small model answer open questions (HANEUL_SMALL_MODEL_CHAT): the pipeline "
        "as it was before the system declined them",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A", "B"),
        help="one table of two --out files' pipelines (and A's peer) on the items both finished; "
        "--model names them, e.g. --model 'v2,v1'",
    )
    args = parser.parse_args()
    if args.compare:
        compare(args)
        return
    if args.report:
        report(args)
        return
    kinds = set(args.kinds.split(",")) if args.kinds else None
    items = resolve(load_items(args.limit, kinds), korquad())
    kept: list[dict[str, Any]] = []
    if args.out and args.resume and args.out.exists():  # go on after the items already done
        lines = args.out.read_text(encoding="utf-8").splitlines()
        kept = [json.loads(line) for line in lines if line]
        done = {r["id"] for r in kept}
        items = [i for i in items if i["id"] not in done]
        print(f"resuming: {len(done)} items kept, {len(items)} to run", file=sys.stderr)
    elif args.out:
        args.out.write_text("", encoding="utf-8")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="haneul-answers-") as tmp:
        process, url = start_server(Path(tmp), args.model, args.adapter, args.small_model_chat)
        try:
            rows = kept + run_all(url, items, args)
        finally:
            process.terminate()
            process.wait(timeout=30)
    seconds = time.perf_counter() - started
    results = {system: summarise(rows, system) for system in ("pipeline", "peer")}
    section = render(args.model, results, rows, len(items), seconds)
    print(section)
    if args.write:
        write_section(args.write, f"bench/answers.py {args.model}", section)


if __name__ == "__main__":
    main()
