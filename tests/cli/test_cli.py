"""The `haneul` command, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

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


def run(
    home: Path, *args: str, input: str | None = None, **settings: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HANEUL, *args],
        env=haneul_env(home, **settings),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "haneul")
def test_every_command_has_help(tmp_path: Path, args: list[str]) -> None:
    done = run(tmp_path, *args, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


@pytest.mark.slow  # eight `haneul` CLI subprocesses
def test_models_add_list_alias_rm(tmp_path: Path) -> None:
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    assert run(tmp_path, "models", "add", str(gguf), "--name", "tiny").returncode == 0
    refused = run(tmp_path, "models", "alias", "작은 모델", "tiny")  # no spaces in a name
    assert refused.returncode == 1 and "must be Hangul, lowercase letters" in refused.stderr
    assert run(tmp_path, "models", "alias", "작은모델", "tiny").returncode == 0
    listed = json.loads(run(tmp_path, "models", "list", "--json").stdout)
    tiny = next(m for m in listed if m["name"] == "tiny")
    assert tiny["aliases"] == ["작은모델"] and tiny["quantization"] == "Q4_1"
    table = run(tmp_path, "models", "list").stdout
    assert "haneul-mini-ko (default)" in table
    assert run(tmp_path, "models", "rm", "tiny").returncode == 0
    failed = run(tmp_path, "models", "rm", "tiny")
    assert failed.returncode == 1 and "does not exist" in failed.stderr


def test_models_pull_shows_progress(tmp_path: Path, hub: Hub) -> None:  # noqa: F811
    done = run(
        tmp_path,
        "models",
        "pull",
        "haneul/tiny-ko",
        "tiny-ko.Q4_1.gguf",
        "--name",
        "ko",
        hub_url=hub.url,
    )
    assert done.returncode == 0, done.stderr
    assert "pulled ko" in done.stderr
    missing = run(tmp_path, "models", "pull", "haneul/nothing", "x.gguf", hub_url=hub.url)
    assert missing.returncode == 1 and "404" in missing.stderr


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
        "chat", "--url", srv.url, "--model", "echo", input="안녕하세요\n반갑습니다\n/exit\n무시됨\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["안녕하세요", "반갑습니다"]


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
