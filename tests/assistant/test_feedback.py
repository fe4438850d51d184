"""Thumbs up/down with a comment on an answer, stored per message, and the liked answers
exported as a Studio tuning dataset that Studio's own reader accepts (JSONL and CLOVA CSV)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from haneul.studio.datasets import parse_csv, parse_jsonl
from tests.conftest import RunningServer


@pytest.mark.timeout(600)  # the first turn builds the skill router
def test_ratings_are_stored_and_liked_answers_export_as_a_dataset(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory()
    with srv.http() as http:
        cid = http.post("/conversations", json={}).json()["id"]
        for text in ["안녕하세요 반갑습니다", "오늘도 좋은 하루입니다"]:
            assert http.post(f"/conversations/{cid}/messages", json={"content": text}).is_success
        messages = http.get(f"/conversations/{cid}").json()["messages"]
        first, second = messages[1]["id"], messages[3]["id"]
        liked = http.put(
            f"/conversations/{cid}/messages/{second}/feedback",
            json={"rating": "up", "comment": "친절해요"},
        )
        assert liked.json()["rating"] == "up" and liked.json()["comment"] == "친절해요"
        http.put(f"/conversations/{cid}/messages/{first}/feedback", json={"rating": "down"})
        listed = http.get("/feedback").json()["data"]
        assert [(f["message_id"], f["rating"]) for f in listed] == [(second, "up"), (first, "down")]
        jsonl = http.get("/feedback/export", params={"format": "jsonl"})
        assert "attachment" in jsonl.headers["content-disposition"]
        dataset = parse_jsonl(jsonl.content)
        assert dataset.problems == [] and len(dataset.examples) == 1  # the liked answer only
        rows = dataset.examples[0].messages
        assert [m["role"] for m in rows] == ["system", "user", "assistant", "user", "assistant"]
        assert rows[2]["weight"] == 0 and "weight" not in rows[4]  # trained on the liked one
        assert rows[3]["content"] == "오늘도 좋은 하루입니다"
        csv = parse_csv(http.get("/feedback/export", params={"format": "csv"}).content)
        assert csv.problems == [] and csv.warnings == []
        assert [m["content"] for m in csv.examples[0].messages][1::2] == [
            "안녕하세요 반갑습니다",
            "오늘도 좋은 하루입니다",
        ]
        question = messages[0]["id"]
        wrong = http.put(
            f"/conversations/{cid}/messages/{question}/feedback", json={"rating": "up"}
        )
        assert wrong.status_code == 404  # only answers are rated
        http.put(f"/conversations/{cid}/messages/{first}/feedback", json={"rating": None})
        assert [f["message_id"] for f in http.get("/feedback").json()["data"]] == [second]
        http.delete(f"/conversations/{cid}/messages/{second}")  # cut: its feedback goes too
        assert http.get("/feedback").json()["data"] == []
        empty = http.get("/feedback/export").text
        assert empty == ""
