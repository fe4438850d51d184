"""`haneul chat` through the conversations API: skills, documents with numbered sources,
memory, resuming by id, and Ctrl-C in a real terminal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import HANEUL, RunningServer, free_port

RULES = "연차 휴가 규정. 입사 1년이 지난 직원에게는 연차 휴가 15일이 주어진다."


def conversation_id(stderr: str) -> str:
    found = re.search(r"--conversation (conv_\w+)", stderr)
    assert found, stderr
    return found.group(1)


@pytest.mark.timeout(600)  # the first turn builds the skill router
def test_chat_uses_skills_and_cites_documents(
    server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    srv = server_factory()
    doc = tmp_path / "휴가규정.txt"
    doc.write_text(RULES, encoding="utf-8")
    with srv.http() as http:
        assert http.post("/collections", json={"name": "회사규정"}).status_code == 201
        with doc.open("rb") as f:
            up = http.post("/collections/회사규정/documents", files={"files": (doc.name, f)})
        assert up.status_code < 300, up.text
    done = srv.cli("chat", "--url", srv.url, "회사 규정에서 연차 휴가 며칠인지 찾아줘")
    assert done.returncode == 0, done.stderr
    assert "⚙ 문서 검색" in done.stderr  # the skill card, one line, on stderr
    lines = done.stdout.splitlines()
    assert "출처:" in lines, done.stdout
    source = lines[lines.index("출처:") + 1]
    assert source.startswith("[1] 휴가규정.txt") and "15일" in source
    cid = conversation_id(done.stderr)
    units = srv.cli("chat", "--url", srv.url, "-c", cid, "30평은 몇 제곱미터야?")
    assert units.returncode == 0, units.stderr
    assert units.stdout.startswith("30평은 약 99.17㎡입니다.")
    assert "⚙ 단위 변환" in units.stderr and "출처:" not in units.stdout
    with srv.http() as http:
        stored = http.get(f"/conversations/{cid}").json()
    assert stored["title"] == "회사 규정에서 연차 휴가 며칠인지 찾아줘"  # named like the web UI
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"] * 2
    assert stored["messages"][1]["citations"][0]["document"] == "휴가규정.txt"


@pytest.mark.timeout(600)
def test_chat_remembers_resumes_and_can_leave_memory_out(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory()
    first = srv.cli("chat", "--url", srv.url, input="저는 부산에 살아요\n")
    assert first.returncode == 0, first.stderr
    cid = conversation_id(first.stderr)
    moved = srv.cli("chat", "--url", srv.url, "--conversation", cid, "저 서울로 이사했어요")
    assert moved.returncode == 0, moved.stderr
    assert "기억 사용: 사는 곳: 부산" in moved.stderr
    off = srv.cli("chat", "--url", srv.url, "-c", cid, "--no-memory", "저 대전으로 이사했어요")
    assert off.returncode == 0, off.stderr
    assert "기억 사용" not in off.stderr
    with srv.http() as http:
        memories = [m["content"] for m in http.get("/memories").json()["data"]]
        messages = http.get(f"/conversations/{cid}").json()["messages"]
    assert memories == ["사는 곳: 서울"]  # the --no-memory turn changed nothing
    assert len(messages) == 6
    missing = srv.cli("chat", "--url", srv.url, "-c", "conv_없음", "안녕")
    assert missing.returncode == 1 and "404" in missing.stderr


@pytest.mark.timeout(600)
def test_ctrl_c_stops_the_answer_and_returns_to_the_prompt(
    server_factory: Callable[..., RunningServer],
) -> None:
    """A real pseudo-terminal: Korean typed, Ctrl-C while the answer streams, the prompt
    again, Ctrl-C at the prompt, /exit."""
    import pty
    import select

    srv = server_factory(default_model="echo-slow")  # one syllable each 50 ms
    pid, fd = pty.fork()
    if pid == 0:  # the child becomes `haneul chat` on the terminal
        # started with SIGINT ignored, as a script's background job starts its programs (and as
        # this test process may have it after an earlier test): the chat must take Ctrl-C back
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.execve(HANEUL, [HANEUL, "chat", "--url", srv.url], srv.env)

    def read_until(marker: str, timeout: float = 300, times: int = 1) -> str:
        seen = b""
        while seen.count(marker.encode()) < times:
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"no {marker!r} in {seen.decode(errors='replace')!r}"
            seen += os.read(fd, 4096)
        return seen.decode("utf-8", errors="replace")

    read_until("> ")
    sentences = "첫 문장은 짧습니다. " + "두 번째 문장은 아주 길게 이어지는 문장입니다. " * 8
    os.write(fd, (sentences + "\n").encode())
    read_until("첫 문장은 짧습니다.", times=2)  # the echo of the typing, then the answer
    os.write(fd, b"\x03")
    out = read_until("> ")
    assert "답을 멈췄습니다" in out and "\ufffd" not in out
    # A person presses Ctrl-C after the prompt is there, not within microseconds of it: in
    # CPython's readline a SIGINT that lands between drawing the prompt and its select() is
    # only noticed at the next key.
    time.sleep(1.0)
    os.write(fd, b"\x03")  # at the prompt: a hint, not an exit
    assert "/exit" in read_until("> ")
    os.write(fd, b"/exit\n")
    assert "--conversation conv_" in read_until("conv_")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    os.close(fd)
    with srv.http() as http:
        (card,) = http.get("/conversations").json()["data"]
        messages = http.get(f"/conversations/{card['id']}").json()["messages"]
    assert messages == []  # an answer cut off is not stored


@pytest.mark.parametrize("raw", [False, True])
def test_chat_without_a_server_says_what_to_do(tmp_path: Path, raw: bool) -> None:
    """No server at the URL: one Korean line that says so and how to start one (it had
    printed «[Errno 111] Connection refused»), exit status 1."""
    url = f"http://127.0.0.1:{free_port()}"
    args = [HANEUL, "chat", "--url", url, *(["--raw"] if raw else []), "안녕하세요"]
    env = {**os.environ, "HANEUL_HOME": str(tmp_path)}
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert f"서버에 연결할 수 없습니다 ({url}/)" in done.stderr
    assert "haneul serve" in done.stderr and "Errno" not in done.stderr
