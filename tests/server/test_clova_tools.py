"""CLOVA Studio's API tools: chat-tokenize (v1, v3) and the sliding window, in process on the
echo model (one token per character, a 4096-token context), and token counts on the real
tokenizer of the bundled Korean model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import AppClient, RunningServer, in_process_app

CONVERSATION = [
    {"role": "system", "content": "친절한 상담원"},
    {"role": "user", "content": "가" * 1000},
    {"role": "assistant", "content": "나" * 1000},
    {"role": "user", "content": "다" * 1000},
    {"role": "assistant", "content": "라" * 1000},
]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppClient]:
    with in_process_app(tmp_path, allowed_hosts=["haneul.test"]) as running:
        yield running


@pytest.mark.parametrize("version", ["v1", "v3"])
def test_chat_tokenize_counts_each_message(app: AppClient, version: str) -> None:
    messages = [
        {"role": "system", "content": "하늘"},
        {"role": "user", "content": [{"type": "text", "text": "서울시청은"}]},
    ]
    res = app.post(f"/{version}/api-tools/chat-tokenize/HCX-005", json={"messages": messages})
    assert res.status_code == 200, res.text
    assert res.json()["status"]["code"] == "20000"
    counted = res.json()["result"]["messages"]
    assert [m["count"] for m in counted] == [2, 5]
    assert counted[1] == {"role": "user", "content": "서울시청은", "count": 5}


def test_sliding_window_drops_the_oldest_turns_and_keeps_the_system(app: AppClient) -> None:
    path = "/v1/api-tools/sliding/chat-messages/HCX-005"
    body = {"maxTokens": 1500, "messages": CONVERSATION}  # 4096 - 1500 leaves 2596
    kept = app.post(path, json=body).json()["result"]["messages"]
    assert kept == [CONVERSATION[0], CONVERSATION[3], CONVERSATION[4]]
    roomy = app.post(path, json={**body, "maxTokens": 10}).json()["result"]["messages"]
    assert roomy == CONVERSATION
    # 4096 - 2090 = 2006: one turn short of the last pair; the last message stays alone
    tight = app.post(path, json={**body, "maxTokens": 2090}).json()["result"]["messages"]
    assert tight == [CONVERSATION[0], CONVERSATION[4]]


def test_sliding_window_errors_in_clova_shape(app: AppClient) -> None:
    path = "/v1/api-tools/sliding/chat-messages/HCX-005"
    full = app.post(path, json={"maxTokens": 3500, "messages": CONVERSATION})
    assert full.status_code == 400
    assert full.json()["status"]["code"] == "40003"
    assert "maxTokens" in full.json()["status"]["message"]
    bad = app.post(path, json={"messages": CONVERSATION})
    assert bad.status_code == 400 and bad.json()["status"]["code"] == "40001"
    unmapped = app.post("/v3/api-tools/chat-tokenize/HCX-999", json={"messages": CONVERSATION})
    assert unmapped.json()["status"]["code"] == "40080"


def test_chat_tokenize_on_the_korean_model(server: RunningServer) -> None:
    text = "서울시청은 어디에 있나요?"
    with httpx.Client(base_url=server.url, timeout=120) as http:
        res = http.post(
            "/v3/api-tools/chat-tokenize/HCX-005",
            json={"messages": [{"role": "user", "content": text}]},
        )
        direct = http.post("/v1/tokenize", json={"model": "haneul-mini-ko", "input": text})
    assert res.status_code == 200, res.text
    count = res.json()["result"]["messages"][0]["count"]
    assert count == direct.json()["count"]
    assert 1 < count < len(text)  # the Korean vocabulary: fewer tokens than characters
