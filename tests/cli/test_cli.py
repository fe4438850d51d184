"""The `haneul` command: parsing, help and output through Typer's in-process runner (the
same `app` the entry point calls), one real run of the installed `haneul` entry point, and
`haneul chat` as a user runs it against a real server."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from haneul.cli.main import app
from tests.conftest import HANEUL, RunningServer, haneul_env
from tests.engine.test_catalog import Hub, hub, write_tiny_gguf  # noqa: F401

COMMANDS = [
    [],
    ["serve"],
    ["chat"],
    ["models"],
    ["models", "list"],
    ["models", "add"],
    ["models", "pull"],
    ["models", "alias"],
    ["models", "rm"],
    ["models", "add-upstream"],
    ["keys"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
]

Haneul = Callable[..., Result]


@pytest.fixture
def haneul(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Haneul:
    """`haneul ARGS` in this process on a home in tmp_path (`**settings` as HANEUL_ variables;
    the test process's own are cleared, as `haneul_env` clears them for a subprocess)."""
    for name in [k for k in os.environ if k.startswith("HANEUL_")]:
        monkeypatch.delenv(name)

    def invoke(*args: str, input: str | None = None, **settings: str) -> Result:
        env = {"HANEUL_HOME": str(tmp_path), "HANEUL_LOG_LEVEL": "warning"}
        env.update({f"HANEUL_{k.upper()}": v for k, v in settings.items()})
        return CliRunner().invoke(app, list(args), input=input, env=env)

    return invoke


def test_the_installed_entry_point_runs(tmp_path: Path) -> None:
    """The one real subprocess: the `haneul` script that pip installed starts and answers."""
    done = subprocess.run(
        [HANEUL, "--help"],
        env=haneul_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout and "하늘 Haneul" in done.stdout
    assert "models" in done.stdout and "serve" in done.stdout


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "haneul")
def test_every_command_has_help(haneul: Haneul, args: list[str]) -> None:
    done = haneul(*args, "--help")
    assert done.exit_code == 0, done.output
    assert "Usage" in done.stdout


def test_models_add_list_alias_rm(haneul: Haneul, tmp_path: Path) -> None:
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    assert haneul("models", "add", str(gguf), "--name", "tiny").exit_code == 0
    refused = haneul("models", "alias", "작은 모델", "tiny")  # no spaces in a name
    assert refused.exit_code == 1 and "must be Hangul, lowercase letters" in refused.stderr
    assert haneul("models", "alias", "작은모델", "tiny").exit_code == 0
    listed = json.loads(haneul("models", "list", "--json").stdout)
    tiny = next(m for m in listed if m["name"] == "tiny")
    assert tiny["aliases"] == ["작은모델"] and tiny["quantization"] == "Q4_1"
    table = haneul("models", "list").stdout
    assert "haneul-mini-ko (default)" in table
    assert haneul("models", "rm", "tiny").exit_code == 0
    failed = haneul("models", "rm", "tiny")
    assert failed.exit_code == 1 and "does not exist" in failed.stderr


def test_models_pull_shows_progress(haneul: Haneul, hub: Hub) -> None:  # noqa: F811
    done = haneul(
        "models", "pull", "haneul/tiny-ko", "tiny-ko.Q4_1.gguf", "--name", "ko", hub_url=hub.url
    )
    assert done.exit_code == 0, done.output
    assert "pulled ko" in done.stderr
    missing = haneul("models", "pull", "haneul/nothing", "x.gguf", hub_url=hub.url)
    assert missing.exit_code == 1 and "404" in missing.stderr


def test_chat_one_message_in_korean(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    done = srv.cli(
        "chat", "--url", srv.url, "--raw", "--model", "echo", "서울시청은 어디에 있나요?"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "서울시청은 어디에 있나요?"


def test_chat_reads_lines_from_a_pipe(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    done = srv.cli(
        "chat",
        "--url",
        srv.url,
        "--model",
        "echo",
        input="심심해 놀아줘\n농담 하나 해줘\n/exit\n무시됨\n",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "심심해",
        "놀아줘",
        "농담",
        "하나",
        "해줘",
    ]  # echoed, line by line


def test_chat_reports_errors_clearly(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    done = srv.cli("chat", "--url", srv.url, "--model", "없는-모델", "안녕")
    assert done.returncode == 1
    assert "404" in done.stderr and "does not exist" in done.stderr


def test_chat_interactive_in_a_terminal(server_factory: Callable[..., RunningServer]) -> None:
    """A real pseudo-terminal: the prompt, Korean typed input, the streamed answer, /exit."""
    import os
    import pty
    import select

    srv = server_factory()
    pid, fd = pty.fork()
    if pid == 0:  # the child becomes `haneul chat` on the terminal
        os.execve(HANEUL, [HANEUL, "chat", "--url", srv.url, "--model", "echo"], srv.env)

    def read_until(marker: str, timeout: float = 30) -> str:
        seen = b""
        while marker.encode() not in seen:
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"no {marker!r} in {seen.decode(errors='replace')!r}"
            seen += os.read(fd, 4096)
        return seen.decode("utf-8", errors="replace")

    read_until("> ")
    os.write(fd, "한글 입력 잘 되나요?\n".encode())
    out = read_until("> ")
    assert out.count("한글 입력 잘 되나요?") >= 2  # the echo of the typing, then the answer
    assert "\ufffd" not in out
    os.write(fd, b"/exit\n")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    os.close(fd)


def test_serve_stops_cleanly_on_ctrl_c(server_factory: Callable[..., RunningServer]) -> None:
    """Ctrl-C stops a server that has a llama.cpp model loaded, cleanly and at once."""
    import signal

    srv = server_factory(default_model="smollm2-135m-instruct", parallel="1")
    srv.process.send_signal(signal.SIGINT)
    assert srv.process.wait(timeout=30) == 0


def test_every_command_summary_is_one_paragraph() -> None:
    """A group's command list shows a command's first paragraph as written: a summary
    wrapped over two docstring lines showed its line break in `haneul docs --help`."""
    import inspect

    import typer

    def walk(command: object, path: str) -> list[str]:
        found = []
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, f"{path} {name}")
        first = inspect.cleandoc(getattr(command, "help", None) or "").split("\n\n")[0]
        return found + ([path] if "\n" in first else [])

    assert walk(typer.main.get_command(app), "haneul") == []
