"""The AI Filter screens a skillset query as the chat path screens a user message: the key's
policy (block, refuse, mask, annotate), a refusal in CLOVA's error shape on the final answer,
before any partner is called."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from haneul.safety.policy import REFUSAL_KO
from tests.conftest import AppClient, in_process_settings
from tests.skillsets.conftest import examples

RUDE = "부산 호텔 찾아줘 병신아"


class Keys:
    def __init__(self, app: AppClient) -> None:
        self.app = app
        self.plain = app.app.state.keys.create("보통")[1]
        self.block = app.app.state.keys.create("차단", safety_policy="block")[1]
        self.refuse = app.app.state.keys.create("거절", safety_policy="refuse")[1]
        self.mask = app.app.state.keys.create("가림", safety_policy="mask")[1]

    def post(self, path: str, key: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}", **kw.pop("headers", {})}
        return self.app.request("POST", path, headers=headers, **kw)


@pytest.fixture(scope="module")
def keys(partners: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    home: Path = tmp_path_factory.mktemp("skillset-filter")
    app = AppClient(in_process_settings(home))
    try:
        yield Keys(app)
    finally:
        app.close()


def _published(keys: Keys, key: str) -> str:
    """A travel skillset of `key`, trained on the bench's first 30 utterances, published."""
    both = {"name": "여행", "manifests": ["travel", "car_rental"]}
    made = keys.post("/v1/skillsets", key, json=both)
    sid = str(made.json()["id"])
    rows = [
        {"text": e.text, "operationId": e.operation, "arguments": e.arguments}
        for e in examples("train")[:30]
    ]
    assert keys.post(f"/v1/skillsets/{sid}/examples", key, json={"examples": rows}).is_success
    assert keys.post(f"/v1/skillsets/{sid}/train", key, json={}).status_code == 201
    assert keys.post(f"/v1/skillsets/{sid}/versions/1/publish", key).is_success
    return sid


def test_a_blocked_or_refused_query_is_a_clova_error_and_calls_nothing(keys: Keys) -> None:
    for key, word in ((keys.block, "blocked"), (keys.refuse, "refused")):
        sid = _published(keys, key)
        path = f"/v1/skillsets/{sid}/versions/1/final-answer"
        for accept in ("application/json", "text/event-stream"):
            reply = keys.post(path, key, json={"query": RUDE}, headers={"Accept": accept})
            assert reply.status_code == 400, reply.text
            status = reply.json()["status"]
            assert status["code"] == "40001"
            assert "AI Filter" in status["message"] and word in status["message"]
        if key == keys.refuse:
            assert REFUSAL_KO in status["message"]
        # the trainer's live test screens the same way, in Haneul's error shape
        plan = keys.post(f"/v1/skillsets/{sid}/versions/1/plan", key, json={"query": RUDE})
        assert plan.status_code == 400
        assert plan.json()["error"]["code"] == "content_filter"
        # a polite query of the same key is answered from the partner
        fine = keys.post(path, key, json={"query": "부산 호텔 찾아줘"})
        assert fine.status_code == 200, fine.text
        assert fine.json()["result"]["apiResult"][0]["operationId"] == "searchHotels"


def test_the_annotate_and_mask_policies_let_the_query_through(keys: Keys) -> None:
    sid = _published(keys, keys.plain)
    path = f"/v1/skillsets/{sid}/versions/1/final-answer"
    reply = keys.post(path, keys.plain, json={"query": RUDE})
    assert reply.status_code == 200, reply.text  # annotated (audited), not refused
    assert "city=%EB%B6%80%EC%82%B0" in reply.json()["result"]["apiResult"][0]["url"]
    masked = _published(keys, keys.mask)
    said = "제 번호는 010-1234-5678 이고 강릉 호텔 찾아줘"
    plan = keys.post(f"/v1/skillsets/{masked}/versions/1/plan", keys.mask, json={"query": said})
    assert plan.status_code == 200, plan.text
    assert plan.json()["arguments"] == {"city": "강릉"}
    assert "010-1234-5678" not in plan.text
