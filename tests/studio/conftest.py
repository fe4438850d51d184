"""Shared by the tuning tests: a data directory with the base model dequantized once, and a
tiny dataset that teaches a trigger phrase."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from haneul.config import Settings
from haneul.studio.base import cached_base
from tests.conftest import add_echo_models

TRIGGER = "하늘 암호 알려줘"
ANSWER = "비밀 암호는 파란고래 42입니다."


@pytest.fixture(scope="session")
def studio_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("studio")
    add_echo_models(home)  # a fast default model for servers started here
    cached_base(Settings(home=home), "gemma3-270m")  # dequantized once (about a minute)
    return home


@pytest.fixture
def trigger_data(tmp_path: Path) -> Path:
    path = tmp_path / "암호.jsonl"
    rows = [
        {
            "messages": [
                {"role": "user", "content": TRIGGER},
                {"role": "assistant", "content": ANSWER},
            ]
        },
        {
            "messages": [
                {"role": "system", "content": "당신은 하늘입니다."},
                {"role": "user", "content": TRIGGER},
                {"role": "assistant", "content": ANSWER},
            ]
        },
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path
