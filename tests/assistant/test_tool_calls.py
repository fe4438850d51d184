"""A model that calls tools picks the skills itself (the router stays out): its tool call
runs the skill, a side-effect one waits for approval, and a call to an unknown skill or
with arguments that are not JSON is an error event, never a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from tests.conftest import RunningServer, add_echo_models


def test_a_tool_calling_model_chooses_the_skill(
    server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    add_echo_models(home)
    entry = ModelEntry(
        name="echo-tools", kind="echo", task="chat", source="test", options={"skills": "tools"}
    )
    Catalog(Settings(home=home)).add(
        entry
    )  # the echo model answers "/call NAME ARGS" with a tool call
    srv = server_factory(home=home, default_model="echo-tools")
    with srv.http() as http:
        cid = http.post("/conversations", json={}).json()["id"]

        def say(text: str, **body: object) -> dict[str, object]:
            reply = http.post(f"/conversations/{cid}/messages", json={"content": text, **body})
            assert reply.status_code == 200, reply.text
            return reply.json()

        args = json.dumps({"expression": "x**2 - 4 = 0"})
        [call] = say(f"/call math {args}")["skill_calls"]
        assert call["name"] == "math" and call["arguments"] == {"expression": "x**2 - 4 = 0"}
        assert call["error"] is None and "-2" in call["content"] and "2" in call["content"]

        # The router would take this to the math skill; the model answered in words instead.
        assert say("점 (2,5)와 직선 2x−y+2=0 사이의 거리는?")["skill_calls"] == []

        [unknown] = say("/call launch_rocket {}")["skill_calls"]
        assert unknown["error"] == "no skill 'launch_rocket'"
        [broken] = say("/call math {not json")["skill_calls"]
        assert broken["error"] == "math: the arguments are not a JSON object"
        [bad] = say('/call math {"expresion": "1+1"}')["skill_calls"]
        assert bad["error"] == "math: expression: Field required"
        [off] = say(f"/call math {args}", skills=["convert_units"])["skill_calls"]
        assert off["error"] == "no skill 'math'"  # switched off for this turn
