"""CLOVA Studio's v1 chat (`/v1/chat-completions/{model}`, and under `/testapp` and
`/serviceapp`, as older CLOVA code calls it) on a real server: the request older clients send
unchanged (`repeatPenalty`, `stopBefore`, `includeTokens`), the wrapped reply with
`stopReason` and lengths, the stream's `token` then `result` events, the key's safety policy,
and CLOVA's error shape. The echo model answers with the user's message, a token a character."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from haneul.safety.policy import REFUSAL_KO
from tests.conftest import RunningServer, assert_serving, clova_events

SKY = "오늘 서울 하늘은 맑습니다"


def _body(text: str, **fields: Any) -> dict[str, Any]:
    """A request as CLOVA Studio's own v1 examples write it."""
    return {
        "messages": [{"role": "system", "content": "친절하게 답하세요."},
                     {"role": "user", "content": text}],
        "topP": 0.8, "topK": 0, "maxTokens": 256, "temperature": 0.5, "repeatPenalty": 5.0,
        "stopBefore": [], "includeTokens": True, "includeAiFilters": False, "seed": 0,
        **fields,
    }  # fmt: skip


def _post(srv: RunningServer, path: str, body: dict[str, Any], key: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{srv.url}{path}", json=body, headers=headers, timeout=120)


def test_the_testapp_path_answers_an_unchanged_v1_request(
    echo_server: RunningServer,
) -> None:
    srv = echo_server
    for path in ("/testapp/v1/chat-completions/HCX-003", "/v1/chat-completions/echo",
                 "/serviceapp/v1/chat-completions/HCX-DASH-002"):  # fmt: skip
        reply = _post(srv, path, _body(SKY, includeAiFilters=True))
        assert reply.status_code == 200, (path, reply.text)
        body = reply.json()
        assert body["status"] == {"code": "20000", "message": "OK"}
        result = body["result"]
        assert result["message"] == {"role": "assistant", "content": SKY}
        assert result["stopReason"] == "end_token"
        assert result["outputLength"] == len(SKY)  # the echo model: a token a character
        assert result["inputLength"] == len("친절하게 답하세요.") + len(SKY)
        assert {f["name"] for f in result["aiFilter"]} == {
            "discrimination", "insult", "sexualHarassment"
        }  # fmt: skip
    cut = _post(srv, "/v1/chat-completions/echo", _body(SKY, maxTokens=3)).json()["result"]
    assert cut["message"]["content"] == SKY[:3] and "aiFilter" not in cut  # only when asked
    # a model stuck in a loop is stopped by the loop guard: CLOVA hears "length"
    looped = _post(srv, "/v1/chat-completions/echo", _body("/loop 하늘 ", maxTokens=400))
    assert looped.json()["result"]["stopReason"] == "length"
    assert looped.json()["result"]["outputLength"] < 400


def test_a_v1_stream_sends_whole_syllables_then_the_result(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory()
    with httpx.Client(base_url=srv.url, timeout=120) as http:
        events = clova_events(http, "/testapp/v1/chat-completions/echo", _body(SKY))
    names = [name for name, _ in events]
    assert names == ["token"] * len(SKY) + ["result", "signal"]
    assert events[-1][1] == {"data": "[DONE]"}  # CLOVA's end of a v1 stream
    tokens = [data["message"]["content"] for name, data in events if name == "token"]
    assert tokens == list(SKY)  # one whole Hangul syllable each
    result = events[-2][1]
    assert result["message"]["content"] == SKY and result["stopReason"] == "end_token"
    assert result["outputLength"] == len(SKY)
    metrics = httpx.get(f"{srv.url}/metrics", timeout=30).text
    assert 'haneul_time_to_first_token_seconds_count{model="echo"} 1.0' in metrics


def test_the_keys_policy_and_clovas_errors(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    plain = srv.create_key("보통")
    refusing = srv.create_key("거절", "--safety-policy", "refuse")
    refused = _post(srv, "/v1/chat-completions/echo", _body("시 발 놈아"), refusing)
    assert refused.json()["result"]["message"]["content"] == REFUSAL_KO
    cases: list[tuple[str, dict[str, Any], int, str, str]] = [
        ("echo", {"messages": []}, 400, "40001", "messages"),
        ("echo", _body("안녕", temperature=0), 400, "40001", "temperature"),
        ("echo", _body("안녕", repeatPenalty=11), 400, "40001", "repeatPenalty"),
        ("echo", _body("안녕", maxTokens=4096), 400, "40001", "context"),
        ("없는-모델", _body("안녕"), 404, "40400", "없는-모델"),
        ("HCX-999", _body("안녕"), 404, "40080", "HANEUL_MODEL_ALIASES"),
        ("multilingual-e5-small", _body("안녕"), 400, "40001", "embedding"),
    ]
    for model, body, code, status_code, words in cases:
        reply = _post(srv, f"/testapp/v1/chat-completions/{model}", body, plain)
        assert reply.status_code == code, (model, reply.text)
        status = reply.json()["status"]
        assert status["code"] == status_code and words in status["message"], status
    missing = _post(srv, "/testapp/v1/tasks/없는-작업/chat-completions", _body("안녕"), plain)
    assert missing.status_code == 404 and "status" in missing.json()
    assert _post(srv, "/v1/chat-completions/echo", _body("안녕")).status_code == 401
    assert_serving(srv)


def test_a_real_model_answers_v1_in_korean(server: RunningServer) -> None:
    body = _body("안녕하세요! 자기소개를 해 주세요.", maxTokens=24, temperature=0.01)
    with httpx.Client(base_url=server.url, timeout=300) as http:
        events = clova_events(http, "/v1/chat-completions/haneul-mini-ko", body)
    streamed = "".join(d["message"]["content"] for n, d in events if n == "token")
    assert streamed and "\ufffd" not in streamed
    assert [n for n, _ in events[-2:]] == ["result", "signal"]
    assert events[-2][1]["message"]["content"] == streamed
    assert events[-2][1]["outputLength"] > 0


def test_a_client_that_leaves_a_v1_stream_ends_the_generation(
    echo_server: RunningServer,
) -> None:
    srv = echo_server

    def active() -> int:
        status = httpx.get(srv.url + "/health", timeout=10).json()["models"]["echo-slow"]
        return int(status.get("slots_busy", status.get("active", 0)))

    text = "".join(chr(0xAC00 + i * 97 % 11172) for i in range(400))  # 20 s of slow tokens
    with httpx.stream(
        "POST", f"{srv.url}/testapp/v1/chat-completions/echo-slow", json=_body(text, maxTokens=500),
        headers={"Accept": "text/event-stream"}, timeout=60,
    ) as response:  # fmt: skip
        for n, _ in enumerate(response.iter_lines()):
            if n > 8:
                assert active() == 1
                break  # leaving iter_lines closes the connection
    deadline = time.monotonic() + 5
    while active() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert active() == 0  # long before the 400 characters were sent
    metrics = httpx.get(f"{srv.url}/metrics", timeout=30).text
    assert 'haneul_client_disconnects_total{model="echo-slow"} 1.0' in metrics
    assert 'haneul_inflight_generations{model="echo-slow"} 0.0' in metrics
