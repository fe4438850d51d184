"""Fixtures: real `haneul serve` processes on 127.0.0.1, driven by the official openai client,
and the fast tier: the same app built in this process (`create_app`), driven through
`httpx.ASGITransport` (no port, no subprocess; the echo models).

Use the in-process app (`app_client`, `app_factory`, `asgi_client`) for routing, validation,
limits, policies and wire shapes; keep the real server (`server`, `server_factory`) for the
real engine, concurrency over sockets, the `openai` client and the browser.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
HANEUL = str(Path(sys.executable).with_name("haneul"))


# The tiers: a test that starts `haneul serve` or a browser in a subprocess (through one of
# these fixtures, through a fixture of its own that calls `start_server`, or marked `slow` in
# its file) runs only in the full suite (`make test`);
# `make test-fast` (`pytest -m "not slow"`) is the in-process tier and the unit tests.
# `studio_home` dequantizes gemma3-270m with torch (a minute on 2 cores, once per machine).
SUBPROCESS_FIXTURES = frozenset(
    {"server", "server_factory", "echo_server", "browser", "studio_home"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SUBPROCESS_FIXTURES & set(getattr(item, "fixturenames", ())) or _server_fixture(item):
            item.add_marker(pytest.mark.slow)


def _server_fixture(item: pytest.Item) -> bool:
    """Whether the test, or one of its fixtures (a module's own `srv`, say), calls
    `start_server`: read from their source, so no marker can be forgotten."""
    info = getattr(item, "_fixtureinfo", None)
    defs = getattr(info, "name2fixturedefs", {})
    funcs = [getattr(item, "function", None), *(d.func for seq in defs.values() for d in seq)]
    return any(_calls_start_server(f) for f in funcs if f is not None)


@functools.cache
def _calls_start_server(func: Callable[..., object]) -> bool:
    try:
        return "start_server(" in inspect.getsource(func)
    except (OSError, TypeError):
        return False


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
    # The repository root first, so a server can load a test plugin (`tests.assistant....`).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
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


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One echo server with `server_factory`'s defaults, shared by the tests of a module (one
    `haneul serve` start instead of one per test). For tests that do not depend on a fresh
    server: refusals, wire shapes, answers, things they create and name themselves. A test
    that counts rows or metrics, changes settings or stops the server takes its own from
    `server_factory`, and so does an unkeyed test in a module whose other tests create keys
    (once a key exists, keys are required)."""
    home = tmp_path_factory.mktemp("echo-home")
    add_echo_models(home)
    running = start_server(home, default_model="echo")
    yield running
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


# -- the fast tier: the app in this process ------------------------------------------------

ASGI_BASE = "http://localhost"  # a Host the security middleware allows by default


def in_process_settings(home: Path, **settings: Any) -> Settings:
    """Settings for an in-process app on echo models: as `server_factory` gives, except that
    no tuning worker thread runs (set `tuning_worker=True` to have one)."""
    if not (home / "models.json").exists():
        add_echo_models(home)
    settings.setdefault("default_model", "echo")
    settings.setdefault("tuning_worker", False)
    settings.setdefault("log_level", "warning")
    return Settings(home=home, **settings)


@asynccontextmanager
async def asgi_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """`create_app(settings)` with its lifespan run, behind an `httpx.AsyncClient` (for async
    tests). The client's address is loopback, as a local caller's is. Modules named in
    `settings.plugins` are registered for the app's life. httpx's ASGI transport hands a
    streamed response over whole: a test of a client leaving mid-stream needs a real server."""
    from haneul.server.app import create_app

    added = _add_plugins(settings.plugins)
    try:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
            async with httpx.AsyncClient(transport=transport, base_url=ASGI_BASE) as client:
                client.app = app  # type: ignore[attr-defined]  # for tests that read app.state
                yield client
    finally:
        _forget_plugins(added)


class AppClient:
    """The sync wrapper: an in-process app driven from sync tests, its event loop in a thread
    (an anyio blocking portal, as Starlette's TestClient does). `.get`/`.post`/... take httpx's
    arguments; paths are absolute ("/v1/chat/completions") or relative to `/v1`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.home
        self._stack = ExitStack()
        try:
            self.portal: BlockingPortal = self._stack.enter_context(start_blocking_portal())
            self.client: httpx.AsyncClient = self._stack.enter_context(
                self.portal.wrap_async_context_manager(asgi_client(settings))
            )
        except BaseException:
            self._stack.close()
            raise
        self.app = self.client.app  # type: ignore[attr-defined]

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        url = path if path.startswith("/") else f"/v1/{path}"
        response: httpx.Response = self.portal.call(partial(self.client.request, method, url, **kw))
        return response

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)

    def serving(self) -> bool:
        """The app still answers /health after a bad request."""
        return bool(self.get("/health").json()["status"] == "ok")

    def close(self) -> None:
        self._stack.close()


def _plugin_caches_clear() -> None:
    from haneul.knowledge import loaders
    from haneul.skills import builtin_and_plugin_skills

    builtin_and_plugin_skills.cache_clear()
    loaders._registry.cache_clear()


def _add_plugins(value: str) -> list[str]:
    """Register the modules of a `plugins` setting on the process's plugin manager, as a
    server started with it reads them (the manager reads the environment's only once); the
    names that were new, for `_forget_plugins`."""
    from haneul.plugins import load_plugins, plugin_manager, plugin_names

    new = [n for n in plugin_names(value) if plugin_manager().get_plugin(n) is None]
    load_plugins(new)
    if new:
        _plugin_caches_clear()
    return new


def _forget_plugins(names: list[str]) -> None:
    from haneul.plugins import plugin_manager

    for name in names:
        plugin_manager().unregister(name=name)
    if names:
        _plugin_caches_clear()


@contextmanager
def in_process_app(home: Path, **settings: Any) -> Iterator[AppClient]:
    """An in-process app on `home` while the block lasts (a module's shared app, say); the
    test process's own HANEUL_ variables are cleared meanwhile, as `app_factory` clears them."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith("HANEUL_")]:
            patch.delenv(name)
        app = AppClient(in_process_settings(home, **settings))
        try:
            yield app
        finally:
            app.close()


@pytest.fixture
def app_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., AppClient]]:
    """Build in-process apps (echo default model) for one test: `app_factory(require_keys=True)`,
    `app_factory(plugins="tests.assistant.booking_plugin")` (registered for this app's life).
    The test process's own HANEUL_ variables are cleared, as `server_factory` clears them."""
    for name in [k for k in os.environ if k.startswith("HANEUL_")]:
        monkeypatch.delenv(name)
    made: list[AppClient] = []

    def make(home: Path | None = None, **settings: Any) -> AppClient:
        home = home or tmp_path / f"app{len(made)}"
        home.mkdir(parents=True, exist_ok=True)
        made.append(AppClient(in_process_settings(home, **settings)))
        return made[-1]

    yield make
    for app in made:
        app.close()


@pytest.fixture
def app_client(app_factory: Callable[..., AppClient]) -> AppClient:
    """An in-process app on the echo models with the default settings."""
    return app_factory()
