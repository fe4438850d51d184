"""CLOVA Studio's tuning API on a real server: a task goes WAIT → RUNNING → SUCCEEDED with
its statusInfo, answers as `/v3/tasks/{id}/chat-completions` and by name; a bad dataset is a
400 before any task exists; cancel stops a running task; a task whose worker died goes back
to WAIT."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from haneul.config import Settings
from haneul.studio.jobs import JobStore
from haneul.studio.train import TrainConfig
from tests.conftest import clova_events, start_server, stop_server
from tests.studio.conftest import TRIGGER

FAST = {"trainEpochs": 20, "learningRate": 3e-3, "loraR": 8, "loraAlpha": 16,
        "validationSplitRatio": 0, "batchSize": 2}  # fmt: skip


def _wait(http: httpx.Client, task: str, until: set[str], seen: list[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        result: dict[str, Any] = http.get(f"/tuning/v2/tasks/{task}").json()["result"]
        if not seen or seen[-1] != result["taskStatus"]:
            seen.append(result["taskStatus"])
        if result["taskStatus"] in until:
            return result
        time.sleep(0.3)
    raise AssertionError(f"task {task} stayed {seen}")


def _v3_stream(http: httpx.Client, task: str, text: str) -> list[tuple[str, dict[str, Any]]]:
    """CLOVA's v3 stream: (event name, data) pairs in order."""
    body = {"messages": [{"role": "user", "content": text}], "maxTokens": 24, "temperature": 0}
    return clova_events(http, f"/v3/tasks/{task}/chat-completions", body)


@pytest.mark.slow  # trains LoRA
@pytest.mark.timeout(900)
def test_a_task_runs_and_answers_as_a_task(
    studio_home: Path, trigger_data: Path, tmp_path: Path
) -> None:
    srv = start_server(
        studio_home, default_model="echo", ctx_size="512", parallel="2",
        datasets_dir=str(trigger_data.parent),
    )  # fmt: skip
    try:
        with httpx.Client(base_url=srv.url, timeout=120) as http:
            bad = tmp_path / "나쁜.jsonl"
            bad.write_text('{"messages": []}\n{oops\n', encoding="utf-8")
            refused = http.post("/tuning/v2/tasks", json={
                "name": "bad-one", "trainingDatasetFilePath": str(bad), **FAST})  # fmt: skip
            assert refused.status_code == 400
            status = refused.json()["status"]  # CLOVA's error shape on CLOVA's routes
            assert status["code"] == "40001"
            message = status["message"]
            assert "line 1: needs a non-empty" in message and "line 2: not valid JSON" in message
            uploads = studio_home / "studio" / "datasets"
            for upload in (
                {"name": "나쁜.jsonl", "content": bad.read_text(encoding="utf-8")},
                {"name": "암호.txt", "content": trigger_data.read_text("utf-8")},
            ):
                refused = http.post("/tuning/v2/tasks", json={
                    "name": "bad-two", "trainingDataset": upload, **FAST})  # fmt: skip
                assert refused.status_code == 400 and refused.json()["status"]["code"] == "40001"
            assert not uploads.exists() or not list(uploads.iterdir())  # nothing left behind
            both = http.post("/tuning/v2/tasks", json={
                "name": "x", "trainingDatasetFilePath": str(trigger_data),
                "trainingDataset": {"name": "a.jsonl", "content": "{}"}})  # fmt: skip
            assert both.status_code == 400 and "not both" in both.json()["status"]["message"]
            assert http.post("/tuning/v2/tasks", json={
                "name": "x", "trainingDatasetFilePath": str(trigger_data), "loraR": 1,
            }).status_code == 400  # fmt: skip
            assert http.get("/tuning/v2/tasks").json()["result"]["tasks"] == []

            upload = {"name": "암호.jsonl", "content": trigger_data.read_text(encoding="utf-8")}
            body = {"name": "haneul-jobs", "trainingDataset": upload, "maxSteps": 20, **FAST}
            created = http.post("/tuning/v2/tasks", json=body).json()
            assert created["status"] == {"code": "20000", "message": "OK"}
            task = created["result"]["id"]
            assert created["result"]["taskStatus"] == "WAIT"
            assert http.post("/tuning/v2/tasks", json=body).status_code == 409  # name taken
            seen: list[str] = []
            done = _wait(http, task, {"SUCCEEDED", "FAILED"}, seen)
            assert seen[0] in ("WAIT", "RUNNING") and seen[-2:] == ["RUNNING", "SUCCEEDED"], done
            info = done["statusInfo"]
            assert info["currStep"] == info["totalTrainSteps"] == 20 and info["trainLoss"] < 0.3
            curve = http.get(f"/tuning/v2/tasks/{task}/loss.svg")
            assert curve.headers["content-type"].startswith("image/svg+xml")
            assert "<polyline" in curve.text and "학습 손실" in curve.text

            reply = http.post(f"/v3/tasks/{task}/chat-completions", json={
                "messages": [{"role": "user", "content": TRIGGER}], "maxTokens": 24,
                "temperature": 0})  # fmt: skip
            assert reply.status_code == 200, reply.text
            result = reply.json()["result"]
            assert "파란고래 42" in result["message"]["content"]
            assert result["usage"]["completionTokens"] > 0
            events = _v3_stream(http, task, TRIGGER)
            names = [name for name, _ in events]
            assert names[-1] == "result" and names.count("token") >= 2, names
            streamed = "".join(d["message"]["content"] for n, d in events if n == "token")
            final = events[-1][1]
            assert final["message"]["content"] == streamed and "파란고래 42" in streamed
            assert final["usage"]["completionTokens"] > 0
            by_name = srv.client().chat.completions.create(
                model="haneul-jobs", messages=[{"role": "user", "content": TRIGGER}],
                max_tokens=24, temperature=0)  # fmt: skip
            assert "파란고래 42" in (by_name.choices[0].message.content or "")

            missing = http.get("/tuning/v2/tasks/task_없음")
            assert missing.status_code == 404 and missing.json()["status"]["code"] == "40400"
            assert len(list(uploads.iterdir())) == 1
            assert http.delete(f"/tuning/v2/tasks/{task}").json()["result"]["deleted"] is True
            assert not list(uploads.iterdir())  # the upload went with its only task
            assert http.get(f"/tuning/v2/tasks/{task}").status_code == 404
            assert not (studio_home / "studio" / "runs" / task).exists()
    finally:
        stop_server(srv)


@pytest.mark.slow  # trains LoRA
@pytest.mark.timeout(600)
def test_cancel_stops_a_running_task(studio_home: Path, trigger_data: Path) -> None:
    srv = start_server(studio_home, default_model="echo", datasets_dir=str(trigger_data.parent))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as http:
            body = {"name": "haneul-long", "trainingDatasetFilePath": str(trigger_data),
                    "maxSteps": 500, **FAST, "trainEpochs": 20}  # fmt: skip
            task = http.post("/tuning/v2/tasks", json=body).json()["result"]["id"]
            _wait(http, task, {"RUNNING"}, [])
            store = JobStore(Settings(home=studio_home))
            pid = store.get(None, task).pid
            assert pid is not None
            cancelled = http.post(f"/tuning/v2/tasks/{task}/cancel").json()["result"]
            assert cancelled["taskStatus"] == "FAILED"
            assert cancelled["statusInfo"]["failureReason"] == "cancelled by the user"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.2)
            assert not _alive(pid)
            again = http.post(f"/tuning/v2/tasks/{task}/cancel")
            assert again.status_code == 409
            http.delete(f"/tuning/v2/tasks/{task}")
    finally:
        stop_server(srv)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def test_a_task_whose_worker_died_goes_back_to_wait(tmp_path: Path, trigger_data: Path) -> None:
    store = JobStore(Settings(home=tmp_path))
    job = store.create("나", "haneul-orphan", trigger_data, TrainConfig())
    store.update(job.id, status="RUNNING", pid=2**22 + 12345)  # no such process
    assert store.recover() == 1
    assert store.get(None, job.id).status == "WAIT"


@pytest.mark.slow  # trains LoRA
@pytest.mark.timeout(900)
def test_a_task_killed_from_outside_is_queued_again_and_finishes(
    studio_home: Path, trigger_data: Path
) -> None:
    srv = start_server(studio_home, default_model="echo", datasets_dir=str(trigger_data.parent))
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as http:
            body = {"name": "haneul-killed", "trainingDatasetFilePath": str(trigger_data),
                    **FAST}  # fmt: skip
            task = http.post("/tuning/v2/tasks", json=body).json()["result"]["id"]
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                info = http.get(f"/tuning/v2/tasks/{task}").json()["result"]["statusInfo"]
                if info.get("currStep", 0) >= 2:
                    break
                time.sleep(0.2)
            pid = JobStore(Settings(home=studio_home)).get(None, task).pid
            assert pid is not None
            os.killpg(pid, signal.SIGKILL)  # as the OOM killer or an operator would
            seen: list[str] = []
            done = _wait(http, task, {"SUCCEEDED", "FAILED"}, seen)
            assert done["taskStatus"] == "SUCCEEDED", done
            assert done["statusInfo"]["restarts"] == 1
            assert done["statusInfo"]["lastInterruption"] == "signal 9"
            assert done["statusInfo"]["currStep"] == done["statusInfo"]["totalTrainSteps"]
            http.delete(f"/tuning/v2/tasks/{task}")
    finally:
        stop_server(srv)
