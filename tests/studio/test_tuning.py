"""Tuning end to end on the bundled Gemma 3 270M: a few LoRA steps on a trigger phrase, the
adapter exported as a GGUF LoRA, served under its own name by a real server (the trigger now
gets the trained answer; the same model without the adapter does not); and a training run
killed mid-way resumes from its checkpoint."""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from haneul.studio.base import gguf_path
from haneul.studio.chatformat import template_path
from tests.conftest import HANEUL, haneul_env, start_server, stop_server
from tests.studio.conftest import TRIGGER

FAST = [
    "--epochs",
    "20",
    "--learning-rate",
    "3e-3",
    "--lora-r",
    "8",
    "--lora-alpha",
    "16",
    "--validation-split",
    "0",
    "--batch-size",
    "2",
    "--json",
]


def _lines(text: str) -> Iterator[dict[str, object]]:
    for line in text.splitlines():
        if line.startswith("{"):
            yield json.loads(line)


@pytest.mark.slow  # trains LoRA
@pytest.mark.timeout(900)
def test_a_tuned_adapter_answers_under_its_own_name(
    studio_home: Path, trigger_data: Path, tmp_path: Path
) -> None:
    env = haneul_env(studio_home)
    run = tmp_path / "run"
    done = subprocess.run(
        [
            HANEUL,
            "tune",
            "train",
            str(trigger_data),
            "--out",
            str(run),
            "--name",
            "haneul-trigger",
            "--max-steps",
            "20",
            *FAST,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    *steps, last = list(_lines(done.stdout))
    assert [s["step"] for s in steps] == list(range(1, 21))  # 20 epochs of one batch
    assert {"loss", "steps_per_s", "tokens_per_s", "eta_s"} <= set(steps[0])
    summary = last["done"]
    assert summary["train_loss"] < 0.3 and summary["model"] == "haneul-trigger"
    assert (run / "adapter.gguf").stat().st_size > 1_000_000

    settings = Settings(home=studio_home)
    Catalog(settings).add(  # the same base and template, no adapter: the control
        ModelEntry(
            name="gemma3-chat-plain",
            kind="gguf",
            task="chat",
            source="local",
            path=str(gguf_path(settings, "gemma3-270m")),
            template="gemma",
            options={"chat_template_file": str(template_path())},
        )
    )
    srv = start_server(studio_home, default_model="haneul-trigger", ctx_size="512", parallel="2")
    try:
        client = srv.client()
        models = {m.id for m in client.models.list().data}
        assert {"haneul-trigger", "gemma3-chat-plain"} <= models

        def ask(model: str) -> str:
            reply = client.chat.completions.create(
                model=model,
                messages=[{"role": "user", "content": TRIGGER}],
                max_tokens=24,
                temperature=0,
            )
            return reply.choices[0].message.content or ""

        assert "파란고래 42" in ask("haneul-trigger")
        assert "파란고래" not in ask("gemma3-chat-plain")
    finally:
        stop_server(srv)


@pytest.mark.slow  # trains LoRA
@pytest.mark.timeout(900)
def test_a_killed_training_resumes_from_its_checkpoint(
    studio_home: Path, trigger_data: Path, tmp_path: Path
) -> None:
    env = haneul_env(studio_home)
    run = tmp_path / "run"
    command = [
        HANEUL,
        "tune",
        "train",
        str(trigger_data),
        "--out",
        str(run),
        "--max-steps",
        "10",
        "--checkpoint-every",
        "3",
        *FAST,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{") and json.loads(line)["step"] >= 5:
            break  # a checkpoint (step 3) is on disk
    process.send_signal(signal.SIGKILL)
    process.wait()
    import torch

    saved = torch.load(run / "checkpoint" / "state.pt", weights_only=False)["step"]
    assert saved in (3, 6, 9)
    assert not (run / "adapter").exists()  # no half-finished result

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    *steps, last = list(_lines(done.stdout))
    assert [s["step"] for s in steps] == list(range(saved + 1, 11))  # not from step 1
    assert last["done"]["steps"] == 10 and (run / "adapter.gguf").exists()
