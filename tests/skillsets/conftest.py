"""Skillset fixtures: the travel and car-rental stand-in partners (tests/skills/partner_stubs.py)
on loopback, real HTTP, and the bench's example utterances."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from haneul.skillsets.arguments import Example
from tests.conftest import free_port

ROOT = Path(__file__).parents[2]
DATA = ROOT / "bench" / "data" / "skillsets"
TOKEN = "rent-token-스킬셋".encode().hex()[:24]


def examples(name: str) -> list[Example]:
    """bench/data/skillsets/NAME.jsonl as examples."""
    rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text("utf-8").splitlines()]
    return [Example(r["text"], r["operation"], r.get("arguments", {})) for r in rows]


def _start(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.skills.partner_stubs", args[0], str(port), *args[1:]],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/docs", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("stand-in partner did not start")


@pytest.fixture(scope="module")
def partners() -> Iterator[dict[str, str]]:
    """The partners' base URLs, and the shipped manifests pointed at them (environment)."""
    travel, travel_url = _start("travel")
    cars, cars_url = _start("car_rental", TOKEN)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HANEUL_TRAVEL_URL", travel_url)
        patch.setenv("HANEUL_CAR_RENTAL_URL", cars_url)
        yield {"travel": travel_url, "car_rental": cars_url}
    for process in (travel, cars):
        process.terminate()
        process.wait(timeout=10)
