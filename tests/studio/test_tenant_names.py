"""Tuning names belong to their tenant (issue 20, defect 10): two keys may both name a task
«상담봇» (a 409 used to tell one key that the other's existed); a key sees and reaches only its
own tasks; a tuned model is served under its owner's own name and is invisible to other keys:
not listed, not described, not usable, not named in a 404's list of models."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import httpx

from haneul.config import Settings
from haneul.studio.jobs import served_name
from haneul.studio.serve import register_tuned
from tests.conftest import RunningServer

ROWS = [
    {"messages": [{"role": "user", "content": "배송은 언제 와요?"},
                  {"role": "assistant", "content": "주문 후 이틀 안에 도착합니다."}]},
]  # fmt: skip
UPLOAD = {
    "name": "상담.jsonl",
    "content": "\n".join(json.dumps(r, ensure_ascii=False) for r in ROWS),
}


def _create(http: httpx.Client, name: str) -> httpx.Response:
    body = {"name": name, "trainingDataset": UPLOAD, "maxSteps": 1}
    return http.post("/tuning/v2/tasks", json=body, timeout=60)


def _owner(srv: RunningServer, task_id: str) -> str:
    with sqlite3.connect(srv.home / "haneul.db") as conn:
        row = conn.execute("SELECT owner FROM tuning_jobs WHERE id = ?", (task_id,)).fetchone()
    owner: str = row[0]
    return owner


def test_two_tenants_keep_their_own_tuning_names(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory(require_keys="true", tuning_worker="false")
    key_a, key_b = srv.create_key("팀-가"), srv.create_key("팀-나")
    a = httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {key_a}"}, timeout=60)
    b = httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {key_b}"}, timeout=60)
    with a, b:
        made_a = _create(a, "상담봇")
        assert made_a.status_code == 200, made_a.text
        made_b = _create(b, "상담봇")  # the same name, another tenant: no 409, no oracle
        assert made_b.status_code == 200, made_b.text
        again = _create(b, "상담봇")  # its own name twice: the 409 tells it only of its own
        assert again.status_code == 409
        task_a = made_a.json()["result"]["id"]
        task_b = made_b.json()["result"]["id"]
        listed = a.get("/tuning/v2/tasks").json()["result"]["tasks"]
        assert [t["id"] for t in listed] == [task_a]
        assert b.get(f"/tuning/v2/tasks/{task_a}").status_code == 404
        assert b.delete(f"/tuning/v2/tasks/{task_a}").status_code == 404

        # A's task finished: its model, registered as the worker registers it
        owner_a = _owner(srv, task_a)
        served = served_name(owner_a, "상담봇")
        assert served != "상담봇" and served != served_name(_owner(srv, task_b), "상담봇")
        adapter = srv.home / "adapter.gguf"
        register_tuned(Settings(home=srv.home), served, "gemma3-270m", adapter, owner=owner_a)

        assert served in {m["id"] for m in a.get("/v1/models").json()["data"]}
        assert a.get(f"/v1/models/{served}").status_code == 200
        assert served not in {m["id"] for m in b.get("/v1/models").json()["data"]}
        assert b.get(f"/v1/models/{served}").status_code == 404
        chat = {"model": served, "messages": [{"role": "user", "content": "배송은 언제 와요?"}]}
        refused = b.post("/v1/chat/completions", json=chat)
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "model_not_found"
        missing = b.post("/v1/chat/completions", json={**chat, "model": "없는-모델"})
        assert served not in missing.json()["error"]["message"]  # the list of models omits it
        assert "echo" in missing.json()["error"]["message"]
