"""The loop and length guard (engine/loops.py, engine/guarded.py): a repeating or stalled
answer is stopped long before max_tokens on every route, with the reason said, the engine
stream closed, and no broken syllable; ordinary Korean text with repeated words is never cut.

The echo model loops on request: `/loop UNIT` repeats UNIT until max_tokens, `/stall TEXT`
sends TEXT and then empty chunks (a model stuck on invisible tokens)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from haneul.config import Settings
from haneul.engine.catalog import LOOP_SAMPLING, Catalog, ModelEntry
from haneul.engine.guarded import GuardedBackend, wire_finish, with_defaults
from haneul.engine.loops import LoopDetector, find_loop
from haneul.engine.manager import ModelManager
from tests.conftest import SHARED_DATA, RunningServer, clova_events

MAX = 2000  # max_tokens in every looping request; the guard must stop far earlier
LOOPS = [
    "/loop 서울 타워, 남산, 경복궁, ",  # a list of generic words, as `haneul chat` showed
    '/loop 근거: "',  # the prompt fragment the issue saw
    "/loop 1. 명소\n",  # a numbered list of one item
    "/loop 네",  # one syllable
    '/loop "',  # stuck on quotes
]
LEGIT = [
    "네 네, 알겠습니다. 네, 네! 바로 확인해 볼게요.",
    "서울의 명소 세 곳을 소개합니다.\n1. 경복궁: 조선의 법궁입니다.\n2. 창덕궁: 조선의 궁궐입니다."
    "\n3. 덕수궁: 조선의 궁궐입니다.\n4. 남산서울타워: 서울의 전망대입니다.",
    "| 월 | 강수량 |\n|---|---|\n| 1월 | 20mm |\n| 2월 | 25mm |\n| 3월 | 47mm |\n"
    "| 4월 | 64mm |\n| 5월 | 105mm |\n| 6월 | 133mm |\n| 7월 | 394mm |\n| 8월 | 364mm |",
    "ㅋㅋㅋㅋ 진짜 웃기네요. 하하하. 좋아요, 좋아요! 다음에 또 봐요.",
    "준비물: 물, 물티슈, 모자, 선크림, 물병, 간식, 지도, 우비, 보조배터리, 상비약.",
]


def _korquad_paragraphs(n: int = 200) -> list[str]:
    data = json.loads((SHARED_DATA / "korquad" / "korquad_v1.0_dev_even.json").read_text())
    paragraphs = [p["context"] for a in data["data"] for p in a["paragraphs"]]
    return paragraphs[:: max(1, len(paragraphs) // n)]


# -- the detector ----------------------------------------------------------------------
def test_real_korean_text_with_repeated_words_is_never_flagged() -> None:
    texts = _korquad_paragraphs() + LEGIT
    for text in texts:
        detector = LoopDetector()
        for i in range(0, len(text), 2):  # two characters a chunk, as tokens arrive
            assert detector.feed(text[i : i + 2]) is None, text[max(0, i - 200) : i + 2]
    assert len(texts) > 150


@pytest.mark.parametrize("command", LOOPS)
def test_every_kind_of_loop_is_flagged_early(command: str) -> None:
    unit = command.removeprefix("/loop ")
    text = "서울에는 가 볼 만한 곳이 많습니다. " + unit * (MAX // len(unit))
    verdict = find_loop(text)
    assert verdict is not None
    assert verdict.keep < 200  # stopped within a few repeats, not at max_tokens


def test_drifting_loops_and_stalls_are_flagged() -> None:
    cities = ["서울", "부산", "대구", "인천", "광주", "대전", "울산"]
    drift = " ".join(f"{c}은 아름다운 도시입니다. {c}은 멋진 곳입니다." for c in cities * 20)
    assert find_loop(drift) is not None
    words = " ".join(["명소", "관광", "서울", "여행", "추천"][(i * 7) % 5] for i in range(200))
    assert find_loop(words) is not None
    stalled = LoopDetector()
    verdicts = [stalled.feed(piece) for piece in ['근거: "', *[""] * 100]]
    assert verdicts.index(next(v for v in verdicts if v is not None)) < 70


# -- the engine: defaults and closing ---------------------------------------------------
def test_catalog_defaults_fill_in_and_a_requests_own_values_win(tmp_path: Path) -> None:
    catalog = Catalog(Settings(home=tmp_path))
    entry = ModelEntry(
        name="tuned", kind="echo", task="chat", source="test", options={"sampling": LOOP_SAMPLING}
    )
    catalog.add(entry)
    sampling = catalog.resolve("tuned").options["sampling"]
    assert {"dry_multiplier", "repeat_penalty"} <= set(sampling)
    body = with_defaults({"messages": [], "repetition_penalty": 1.0, "dry_base": 2.0}, sampling)
    assert body["repetition_penalty"] == 1.0 and "repeat_penalty" not in body
    assert body["dry_base"] == 2.0 and body["dry_multiplier"] == sampling["dry_multiplier"]


def test_the_engine_stream_is_closed_when_a_loop_is_stopped(tmp_path: Path) -> None:
    async def run() -> tuple[str, str | None, dict[str, Any], int]:
        settings = Settings(home=tmp_path)
        catalog = Catalog(settings)
        catalog.add(ModelEntry(name="echo", kind="echo", task="chat", source="test"))
        manager = ModelManager(settings, catalog)
        _, backend = await manager.get("echo")
        assert isinstance(backend, GuardedBackend)
        request = {"messages": [{"role": "user", "content": LOOPS[0]}], "max_tokens": MAX}
        text, finish, usage = "", None, {}
        async for chunk in backend.stream_chat(request):
            for choice in chunk["choices"]:
                text += choice["delta"].get("content") or ""
                finish = choice["finish_reason"] or finish
            usage = chunk.get("usage") or usage
        active = (await backend.status())["active"]
        await manager.close()
        return text, finish, usage, active

    text, finish, usage, active = asyncio.run(run())
    assert finish == "loop" and len(text) < 200
    assert usage["completion_tokens"] < 200
    assert active == 0  # the echo generation ended: its slot is free
    assert wire_finish({"finish_reason": "loop"}) == {
        "finish_reason": "length",
        "stop_reason": "loop",
    }


# -- every route on a real server -------------------------------------------------------
def _openai_stream(srv: RunningServer, path: str, body: dict[str, Any]) -> tuple[str, list[Any]]:
    text, choices = "", []
    with (
        httpx.Client(base_url=srv.api, timeout=120) as http,
        http.stream("POST", path, json={**body, "stream": True}) as response,
    ):
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("data: {"):
                for choice in json.loads(line[6:])["choices"]:
                    text += choice.get("delta", {}).get("content") or choice.get("text") or ""
                    choices.append(choice)
    return text, choices


def _assert_stopped(text: str, last: dict[str, Any]) -> None:
    assert len(text) < 200, text
    assert "\ufffd" not in text
    assert last["finish_reason"] == "length" and last["stop_reason"] == "loop"


def test_openai_routes_stop_a_loop(echo_server: RunningServer) -> None:
    srv = echo_server
    client = srv.client()
    for command in LOOPS[:3]:
        messages = [{"role": "user", "content": command}]
        whole = client.chat.completions.create(model="echo", messages=messages, max_tokens=MAX)  # type: ignore[arg-type]
        choice = whole.choices[0]
        assert choice.finish_reason == "length"
        assert (choice.model_extra or {}).get("stop_reason") == "loop"
        assert whole.usage is not None and whole.usage.completion_tokens < 200
        text, choices = _openai_stream(
            srv, "/chat/completions", {"model": "echo", "messages": messages, "max_tokens": MAX}
        )
        _assert_stopped(text, choices[-1])
    body = {"model": "echo", "prompt": LOOPS[0], "max_tokens": MAX}
    whole = httpx.post(srv.api + "/completions", json=body, timeout=120).json()
    _assert_stopped(whole["choices"][0]["text"], whole["choices"][0])
    text, choices = _openai_stream(srv, "/completions", body)
    _assert_stopped(text, choices[-1])
    health = httpx.get(srv.url + "/health", timeout=10).json()
    assert health["models"]["echo"]["active"] == 0


def test_a_stalled_stream_ends(echo_server: RunningServer) -> None:
    srv = echo_server
    body = {"model": "echo-slow", "messages": [{"role": "user", "content": '/stall 근거: "'}]}
    text, choices = _openai_stream(srv, "/chat/completions", {**body, "max_tokens": MAX})
    assert text == '근거: "'
    assert choices[-1]["stop_reason"] == "loop"
    assert sum(1 for c in choices if c.get("delta", {}).get("content") == "") < 80


def test_korean_answers_are_not_cut(echo_server: RunningServer) -> None:
    srv = echo_server
    client = srv.client()
    for text in [*LEGIT, *_korquad_paragraphs(6)]:
        messages = [{"role": "user", "content": text}]
        whole = client.chat.completions.create(model="echo", messages=messages, max_tokens=MAX)  # type: ignore[arg-type]
        assert whole.choices[0].message.content == text
        assert whole.choices[0].finish_reason == "stop"


def test_clova_stops_a_loop(
    echo_server: RunningServer,
) -> None:
    srv = echo_server
    body = {"messages": [{"role": "user", "content": LOOPS[0]}], "maxTokens": MAX}
    reply = httpx.post(f"{srv.url}/v3/chat-completions/echo", json=body, timeout=120).json()
    assert reply["result"]["finishReason"] == "length"
    assert len(reply["result"]["message"]["content"]) < 200
    with httpx.Client(base_url=srv.url, timeout=120) as http:
        events = clova_events(http, "/v3/chat-completions/echo", body)
    assert events[-1][0] == "result" and events[-1][1]["finishReason"] == "length"


@pytest.mark.timeout(900)  # the skill router embeds its examples on the first turn
def test_the_assistant_says_loop(echo_server: RunningServer) -> None:
    srv = echo_server
    with httpx.Client(base_url=srv.api, timeout=900) as http:  # the router's first fit is slow
        cid = http.post("/conversations", json={}).json()["id"]
        sent = {"content": LOOPS[0], "max_tokens": MAX}
        done = http.post(f"/conversations/{cid}/messages", json=sent).json()["events"][-1]
    assert done["type"] == "done" and done["finish_reason"] == "loop"
    assert len(done["message"]["content"]) < 300


def test_the_cli_says_a_loop_was_stopped(echo_server: RunningServer) -> None:
    srv = echo_server
    done = srv.cli("chat", "--url", srv.url, "--model", "echo", "--max-tokens", "1000", LOOPS[0])
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) < 300
    assert "되풀이되어 답을 멈췄습니다" in done.stderr
