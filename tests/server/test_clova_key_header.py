"""CLOVA Studio's older key headers (`X-NCP-CLOVASTUDIO-API-KEY`, with its companion
`X-NCP-APIGW-API-KEY`), as code written for CLOVA's test and service apps sends them, and
the `signal` event that ends a v1 stream. In process, on the echo model."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.conftest import AppClient

SKY = "하늘이 참 맑네요"
BODY = {"messages": [{"role": "user", "content": SKY}], "maxTokens": 50}


def _events(response: httpx.Response) -> list[tuple[str, str]]:
    """(event name, raw data) pairs of a CLOVA stream's body."""
    out, name = [], ""
    for line in response.text.splitlines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            out.append((name, line.removeprefix("data: ")))
    return out


def test_the_clova_key_header_is_taken_as_the_api_key(
    app_factory: Callable[..., AppClient],
) -> None:
    app = app_factory(require_keys=True)
    _, secret = app.app.state.keys.create("클로바-앱")
    old_style = {"X-NCP-CLOVASTUDIO-API-KEY": secret, "X-NCP-APIGW-API-KEY": "apigw-key-1234"}
    for path in ("/testapp/v1/chat-completions/echo", "/v3/chat-completions/echo"):
        reply = app.post(path, json=BODY, headers=old_style)
        assert reply.status_code == 200, (path, reply.text)
        assert reply.json()["result"]["message"]["content"] == SKY
    openai_shape = {"model": "HCX-005", "messages": BODY["messages"]}
    key_only = {"X-NCP-CLOVASTUDIO-API-KEY": secret}
    reply = app.post("/v1/openai/chat/completions", json=openai_shape, headers=key_only)
    assert reply.status_code == 200, reply.text

    wrong = app.post("/v3/chat-completions/echo", json=BODY,
                     headers={"X-NCP-CLOVASTUDIO-API-KEY": "nv-wrong-key"})  # fmt: skip
    assert wrong.status_code == 401 and wrong.json()["status"]["code"] == "40100"
    gateway_only = app.post("/v3/chat-completions/echo", json=BODY,
                            headers={"X-NCP-APIGW-API-KEY": secret})  # fmt: skip
    assert gateway_only.status_code == 401  # the gateway key is not the API key
    # Authorization wins when both are sent
    both = {"Authorization": "Bearer nv-wrong-key", "X-NCP-CLOVASTUDIO-API-KEY": secret}
    assert app.post("/v3/chat-completions/echo", json=BODY, headers=both).status_code == 401


def test_a_v1_stream_ends_with_the_signal_event(app_client: AppClient) -> None:
    stream = {"Accept": "text/event-stream"}
    reply = app_client.post("/v1/chat-completions/echo", json=BODY, headers=stream)
    assert reply.status_code == 200, reply.text
    events = _events(reply)
    assert [n for n, _ in events] == ["token"] * len(SKY) + ["result", "signal"]
    assert events[-1][1] == '{"data":"[DONE]"}'
    assert reply.text.count("id: ") == len(events)  # every event has its id, as CLOVA's do
    v3 = _events(app_client.post("/v3/chat-completions/echo", json=BODY, headers=stream))
    assert [n for n, _ in v3][-1] == "result"  # v3 ends with its result, as documented
