"""A skill with side effects asks first: the turn stops with `confirmation_required`, the
skill runs only when the user approves (once), and a declined one never runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.assistant.test_conversations import _stream
from tests.conftest import RunningServer, assert_serving

ROOT = Path(__file__).parents[2]


@pytest.fixture
def booking(
    server_factory: Callable[..., RunningServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[RunningServer, str, str, Path]:
    bookings = tmp_path / "bookings.tsv"
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("BOOKINGS_FILE", str(bookings))
    srv = server_factory(require_keys="true", plugins="tests.assistant.booking_plugin")
    return srv, srv.create_key("총무팀"), srv.create_key("개발팀"), bookings


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_a_side_effect_skill_runs_only_after_approval(
    booking: tuple[RunningServer, str, str, Path],
) -> None:
    srv, key, other, bookings = booking
    with srv.http(key) as http:
        skills = {s["name"]: s for s in http.get("/skills").json()["data"]}
        assert skills["book_meeting_room"]["side_effects"] is True
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, "내일 오후 3시에 대회의실 예약해줘")
        asked = events[0]
        assert asked["type"] == "confirmation_required"
        assert asked["name"] == "book_meeting_room"
        assert asked["arguments"] == {"room": "대회의실", "when": "내일 오후 3시"}
        assert events[-1]["finish_reason"] == "confirmation_required"
        assert "대회의실" in events[-1]["message"]["content"]
        assert _lines(bookings) == []  # nothing booked yet

        path = f"/conversations/{cid}/confirmations/{asked['id']}"
        with srv.http(other) as stranger:  # another key cannot approve it
            assert stranger.post(path, json={"approve": True}).status_code == 404
        assert http.post(path, json={"approve": "글쎄요"}).status_code == 400
        assert _lines(bookings) == []

        done = http.post(path, json={"approve": True})
        assert done.status_code == 200, done.text
        [call] = done.json()["skill_calls"]
        assert call["name"] == "book_meeting_room" and "예약했습니다" in call["content"]
        assert _lines(bookings) == ["대회의실\t내일 오후 3시"]
        again = http.post(path, json={"approve": True})
        assert again.status_code == 409 and "already" in again.json()["error"]["message"]
        assert _lines(bookings) == ["대회의실\t내일 오후 3시"]  # booked once

        roles = [m["role"] for m in http.get(f"/conversations/{cid}").json()["messages"]]
        assert roles == ["user", "assistant", "assistant"]


def test_a_declined_skill_never_runs(booking: tuple[RunningServer, str, str, Path]) -> None:
    srv, key, _, bookings = booking
    with srv.http(key) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        asked = _stream(http, cid, "금요일 10시 소회의실 잡아줘")[0]
        assert asked["type"] == "confirmation_required"
        path = f"/conversations/{cid}/confirmations/{asked['id']}"
        declined = _stream_post(http, path)
        assert declined[-1]["type"] == "done"
        assert "실행하지 않았습니다" in declined[-1]["message"]["content"]
        assert _lines(bookings) == []
        assert http.post(path, json={"approve": True}).status_code == 409
        assert (
            http.post(
                f"/conversations/{cid}/confirmations/confirm_없음", json={"approve": True}
            ).status_code
            == 404
        )
        assert _lines(bookings) == []
    assert_serving(srv)


def _stream_post(http: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Decline, streamed: the events of the turn's end."""
    events = []
    with http.stream("POST", path, json={"approve": False, "stream": True}) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append(json.loads(line[6:]))
    return events
