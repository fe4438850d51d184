"""Fixtures: real `haneul serve` processes on 127.0.0.1, driven by the official openai client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
HANEUL = str(Path(sys.executable).with_name("haneul"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class RunningServer:
    url: str
    home: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def api(self) -> str:
        return self.url + "/v1"

    def client(self, api_key: str = "none", **kw: object) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.api, api_key=api_key, max_retries=0, **kw)  # type: ignore[arg-type]

    def http(self, api_key: str | None = None) -> httpx.Client:
        """A plain HTTP client on /v1, sending the key when one is given."""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=120)

    def create_key(self, name: str, *options: str) -> str:
        """`haneul keys create NAME [OPTIONS]`; the new key's secret."""
        done = self.cli("keys", "create", name, *options)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [HANEUL, *args], env=self.env, input=input, capture_output=True, text=True, timeout=120
        )


def haneul_env(home: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANEUL_")}
    env["HANEUL_HOME"] = str(home)
    env["HANEUL_LOG_LEVEL"] = "warning"
    env.update({f"HANEUL_{k.upper()}": v for k, v in settings.items()})
    return env


def add_echo_models(home: Path) -> None:
    catalog = Catalog(Settings(home=home))
    catalog.add(ModelEntry(name="echo", kind="echo", task="chat", source="test"))
    catalog.add(
        ModelEntry(
            name="echo-slow", kind="echo", task="chat", source="test", options={"delay_s": 0.05}
        )
    )


def start_server(home: Path, **settings: str) -> RunningServer:
    port = free_port()
    env = haneul_env(home, port=str(port), **settings)
    log = home / "server.log"
    home.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen([HANEUL, "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haneul serve exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return RunningServer(url, home, env, process, log)
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"haneul serve did not start:\n{log.read_text(errors='replace')}")


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The bundled models behind a real server: smollm2 (chat), gemma3 (completion), e5."""
    home = tmp_path_factory.mktemp("haneul-home")
    add_echo_models(home)
    running = start_server(
        home, preload="gemma3-270m,multilingual-e5-small", parallel="8", ctx_size="1024"
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def client(server: RunningServer) -> openai.OpenAI:
    return server.client()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start extra servers (echo default model, fast to start) for one test."""
    started: list[RunningServer] = []

    def make(home: Path | None = None, **settings: str) -> RunningServer:
        home = home or tmp_path / f"home{len(started)}"
        if not (home / "models.json").exists():
            add_echo_models(home)
        settings.setdefault("default_model", "echo")
        running = start_server(home, **settings)
        started.append(running)
        return running

    yield make
    for running in started:
        stop_server(running)


@pytest.fixture
def keyed(server_factory: Callable[..., RunningServer]) -> tuple[RunningServer, str, str]:
    """An echo server that requires keys, and two keys of different owners."""
    srv = server_factory(require_keys="true")
    return srv, srv.create_key("팀-가"), srv.create_key("팀-나")


def clova_events(
    http: httpx.Client, path: str, body: dict[str, Any], key: str = ""
) -> list[tuple[str, Any]]:
    """A CLOVA Studio stream (`Accept: text/event-stream`): its (event name, data) pairs."""
    headers = {"Accept": "text/event-stream"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    events: list[tuple[str, Any]] = []
    with http.stream("POST", path, json=body, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        name = ""
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def assert_serving(server: RunningServer) -> None:
    """The server still answers after a bad request."""
    assert httpx.get(server.url + "/health", timeout=10).json()["status"] == "ok"
