"""Each task on a handful of items against the real bundled model behind a real server."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from haneul.evals.runner import RunOptions, Target, run
from haneul.evals.tasks import TASKS
from tests.conftest import HANEUL, SHARED_DATA, RunningServer

needs_data = pytest.mark.skipif(not (SHARED_DATA / "korquad").exists(), reason="shared data absent")
CHAT = "smollm2-135m-instruct"


@needs_data
def test_every_task_runs_on_the_bundled_model(server: RunningServer, tmp_path: Path) -> None:
    opts = RunOptions(tasks=list(TASKS), data_dir=SHARED_DATA, limit=3, seed=1)
    result = asyncio.run(run(Target(CHAT, server.api, timeout_s=600), opts))
    assert set(result["tasks"]) == set(TASKS)
    for name, task in result["tasks"].items():
        assert task["n"] == 3, name
        assert all(isinstance(item["answer"], str) for item in task["items"])
        # Answers that did not fit the 1024-token context are counted, scored as empty.
        assert task["too_long"] == sum(1 for item in task["items"] if item["too_long"]), name
        if not name.startswith("korquad"):  # its long paragraphs may not fit
            assert task["too_long"] == 0, name
    assert 0 <= result["tasks"]["korquad"]["metrics"]["f1"] <= 100
    assert -1 <= result["tasks"]["klue_sts"]["metrics"]["pearson"] <= 1
    # The same seed picks the same items.
    again = asyncio.run(
        run(
            Target(CHAT, server.api, timeout_s=600),
            RunOptions(["korquad"], SHARED_DATA, limit=3, seed=1),
        )
    )
    assert [i["id"] for i in again["tasks"]["korquad"]["items"]] == [
        i["id"] for i in result["tasks"]["korquad"]["items"]
    ]


@needs_data
def test_cli_run_and_compare(server: RunningServer, tmp_path: Path) -> None:
    outs = []
    for model, api in ((CHAT, "chat"), ("gemma3-270m", "completions")):
        done = server.cli(
            "eval",
            "run",
            "--model",
            model,
            "--tasks",
            "korquad,json_todo",
            "--api",
            api,
            "--limit",
            "2",
            "--base-url",
            server.api,
            "--data-dir",
            str(SHARED_DATA),
            "--out",
            str(tmp_path),
        )
        assert done.returncode == 0, done.stderr
        assert "| korquad | 2 | em |" in done.stdout
        outs.append(tmp_path / f"{model}.json")
        assert json.loads(outs[-1].read_text(encoding="utf-8"))["model"] == model
        assert (tmp_path / f"{model}.md").exists()
    done = server.cli("eval", "compare", *map(str, outs))
    assert done.returncode == 0, done.stderr
    assert (
        f"`{CHAT}`" in done.stdout
        and "`gemma3-270m`" in done.stdout
        and "| json_todo | valid |" in done.stdout
    )


def test_cli_bad_input_is_clear(tmp_path: Path) -> None:
    """An unknown task or a file that is not a result: exit 2, a Korean message, nothing written."""
    done = subprocess.run(
        [HANEUL, "eval", "run", "--model", "echo", "--tasks", "korquad,없는과제", "--out", "결과"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "알 수 없는 평가 과제" in done.stderr
    assert not (tmp_path / "결과").exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    done = subprocess.run(
        [HANEUL, "eval", "compare", str(bad), str(bad)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "평가 결과 파일이 아닙니다" in done.stderr
