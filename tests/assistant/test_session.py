"""The conversation service (assistant/session.py) behind `/v1/conversations`, in process on
the echo model: the user's text is screened once per message, a refused message is stored
with its refusal, and the bookkeeping (store, confirmations) is the service's, not the
route's."""

from __future__ import annotations

import json
from collections.abc import Callable

from haneul.assistant.session import AssistantService
from haneul.safety.policy import REFUSAL_KO
from tests.assistant import counting_check
from tests.conftest import AppClient

ABUSE = "시 발 놈아 꺼져"  # the built-in abuse check flags it


def test_a_message_is_screened_once(app_factory: Callable[..., AppClient]) -> None:
    app = app_factory(safety_policy="refuse", plugins="tests.assistant.counting_check")
    cid = app.post("conversations", json={}).json()["id"]
    counting_check.SEEN.clear()
    reply = app.post(f"conversations/{cid}/messages", json={"content": ABUSE, "stream": True})
    lines = [x.removeprefix("data: ") for x in reply.text.splitlines() if x.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    done = json.loads(lines[-2])
    assert done["type"] == "done" and done["message"]["content"] == REFUSAL_KO
    assert counting_check.SEEN[ABUSE] == 1  # once, before anything streamed
    stored = app.get(f"conversations/{cid}").json()["messages"]
    assert [(m["role"], m["content"]) for m in stored] == [
        ("user", ABUSE),
        ("assistant", REFUSAL_KO),
    ]


def test_the_service_stores_the_turn_without_the_web_layer(app_client: AppClient) -> None:
    service: AssistantService = app_client.app.state.assistant
    owner = "anonymous"
    cid = service.conversations.create(owner, "서비스 직접", "chat").id

    async def turn() -> list[dict[str, object]]:
        run = await service.send(owner, cid, "오늘 하늘이 맑네요", model="echo")
        assert run.model == "echo"
        return [event async for event in run.events]

    events = app_client.portal.call(turn)
    assert events[-1]["type"] == "done"
    messages = service.conversations.messages(owner, cid)
    assert [(m.role, m.content) for m in messages] == [
        ("user", "오늘 하늘이 맑네요"),
        ("assistant", "오늘 하늘이 맑네요"),
    ]
