"""Escape tests for the `python` skill's sandbox: each attempt must fail safely, and the
server's process, files and network stay out of reach (docs/code.md)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
from pathlib import Path

import pytest

from haneul.skills.code.sandbox import Limits, RunResult, run_python, sandbox_problem

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed: make browser"
)


def run(code: str, **kw: object) -> RunResult:
    return run_python(code, **kw)  # type: ignore[arg-type]


def test_sandbox_is_available_and_runs_korean_code() -> None:
    assert sandbox_problem() is None
    result = run("print('안녕하세요', sum(range(10)))")
    assert result.ok, result.stderr
    assert result.stdout.strip() == "안녕하세요 45"


def test_no_network_even_to_the_hosts_loopback() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        code = f"""
import socket
for host in ('127.0.0.1', '1.1.1.1', 'example.com'):
    try:
        socket.create_connection((host, {port}), timeout=3)
        print('연결됨', host)
    except OSError as e:
        print('차단', host, type(e).__name__)
"""
        result = run(code)
    assert "연결됨" not in result.stdout
    assert result.stdout.count("차단") == 3, result.stderr


def test_etc_shadow_and_the_servers_database_are_not_readable(tmp_path: Path) -> None:
    database = tmp_path / "haneul.db"
    with sqlite3.connect(database) as db:
        db.execute("create table secrets (value text)")
        db.execute("insert into secrets values ('비밀-토큰')")
    code = f"""
for path in ('/etc/shadow', '/etc/passwd', {str(database)!r}, '/root/.bash_history'):
    try:
        print('읽음', path, open(path, 'rb').read()[:50])
    except OSError as e:
        print('막힘', path, type(e).__name__)
"""
    result = run(code)
    assert "읽음" not in result.stdout, result.stdout
    assert result.stdout.count("막힘") == 4
    assert "비밀-토큰" not in result.stdout + result.stderr


def test_only_this_conversations_files_are_visible(tmp_path: Path) -> None:
    mine = tmp_path / "a" / "매출.csv"
    theirs = tmp_path / "b" / "급여.csv"
    mine.parent.mkdir()
    theirs.parent.mkdir()
    mine.write_text("월,매출\n1월,100\n", encoding="utf-8")
    theirs.write_text("이름,급여\n김철수,5000\n", encoding="utf-8")
    code = f"""
import os
print(sorted(os.listdir('/data')))
print(open('/data/매출.csv', encoding='utf-8').read())
try:
    open({str(theirs)!r}).read()
    print('남의 파일 읽음')
except OSError as e:
    print('막힘', type(e).__name__)
try:
    open('/data/매출.csv', 'a').write('2월,999')
    print('첨부 파일 수정됨')
except OSError as e:
    print('쓰기 막힘', type(e).__name__)
"""
    result = run(code, files={"매출.csv": mine})
    assert "['매출.csv']" in result.stdout
    assert "1월,100" in result.stdout
    assert "남의 파일 읽음" not in result.stdout and "김철수" not in result.stdout
    assert "쓰기 막힘" in result.stdout
    assert mine.read_text(encoding="utf-8") == "월,매출\n1월,100\n"


def test_writing_outside_tmp_fails(tmp_path: Path) -> None:
    target = tmp_path / "outside.txt"
    code = f"""
for path in ('/usr/evil', '/etc/evil', '/evil', '/data/evil', {str(target)!r}):
    try:
        open(path, 'w').write('x')
        print('씀', path)
    except OSError as e:
        print('막힘', path, type(e).__name__)
open('/tmp/ok.txt', 'w').write('임시 폴더는 됩니다')
print(open('/tmp/ok.txt').read())
"""
    result = run(code)
    assert "씀" not in result.stdout, result.stdout
    assert result.stdout.count("막힘") == 5
    assert "임시 폴더는 됩니다" in result.stdout
    assert not target.exists()


def test_fork_bomb_is_contained() -> None:
    code = """
import os
n = 0
while True:
    try:
        if os.fork() == 0:
            while True:
                pass
        n += 1
    except OSError:
        print('프로세스 제한', n)
        break
"""
    result = run(code, limits=Limits(wall_s=8, cpu_s=4, processes=16))
    assert "프로세스 제한" in result.stdout
    assert int(result.stdout.split()[-1]) < 16
    # Nothing it started outlives the sandbox: the next run works.
    assert run("print('다음 실행')").stdout.strip() == "다음 실행"


def test_memory_bomb_fails_with_memory_error() -> None:
    code = """
try:
    block = bytearray(4 << 30)
    print('4GiB 할당됨')
except MemoryError:
    print('메모리 제한')
chunks = []
while True:
    chunks.append(bytearray(64 << 20))
"""
    result = run(code, limits=Limits(memory_mb=512))
    assert "메모리 제한" in result.stdout
    assert "4GiB 할당됨" not in result.stdout
    assert not result.ok and "MemoryError" in result.stderr


def test_infinite_loop_is_stopped_by_cpu_limit() -> None:
    result = run("while True:\n    pass", limits=Limits(wall_s=20, cpu_s=2))
    assert not result.ok
    assert result.reason is not None and "CPU" in result.reason


def test_sleeping_forever_is_stopped_by_the_wall_clock() -> None:
    result = run("import time\nprint('시작', flush=True)\ntime.sleep(600)", limits=Limits(wall_s=3))
    assert result.timed_out
    assert result.stdout.strip() == "시작"
    assert result.reason == "시간 제한을 넘어 중단되었습니다."


def test_huge_output_is_cut() -> None:
    result = run("while True:\n    print('가' * 1000)", limits=Limits(output_chars=5000))
    assert not result.ok
    assert result.truncated
    assert len(result.stdout) <= 5000


def test_signals_cannot_reach_the_server() -> None:
    code = f"""
import os, signal
for pid in ({os.getpid()}, {os.getppid()}, 1):
    try:
        os.kill(pid, signal.SIGTERM)
        print('신호 보냄', pid)
    except OSError as e:
        print('막힘', pid, type(e).__name__)
try:
    os.kill(-1, signal.SIGKILL)
except OSError as e:
    print('막힘 -1', type(e).__name__)
"""
    result = run(code)
    # Our pid and our parent's do not exist in its PID namespace; its pid 1 is
    # bubblewrap's, owned by root. Whatever it did, we are still here to check.
    assert f"신호 보냄 {os.getpid()}" not in result.stdout
    assert f"신호 보냄 {os.getppid()}" not in result.stdout
    assert "신호 보냄 1\n" not in result.stdout
    os.kill(os.getpid(), 0)


def test_without_bubblewrap_the_sandbox_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    problem = sandbox_problem.__wrapped__()
    assert problem is not None and "bubblewrap" in problem


def test_the_python_skill_says_why_it_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from haneul.skills import SkillContext
    from haneul.skills.code.skill import python

    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox_problem.cache_clear()
    try:
        result = asyncio.run(python.run({"code": "print(1)"}, SkillContext()))
    finally:
        monkeypatch.undo()
        sandbox_problem.cache_clear()
    assert result.answer is not None and "bubblewrap" in result.answer
    assert result.data is None  # nothing ran


def test_an_excel_sheet_becomes_a_bar_chart(tmp_path: Path) -> None:
    import pandas as pd

    from haneul.skills.code.charts import chart_code

    sheet = tmp_path / "제품.xlsx"
    pd.DataFrame({"제품": ["노트북", "모니터"], "상반기": [10, 20], "하반기": [15, 12]}).to_excel(
        sheet, index=False
    )
    code = chart_code("제품별 매출을 막대그래프로 비교해줘", "제품.xlsx")
    assert "KIND = 'bar'" in code
    result = run(code, files={"제품.xlsx": sheet})
    assert result.ok, result.stderr
    assert len(result.charts) == 1 and result.charts[0].startswith(b"\x89PNG")
    assert "노트북" in result.stdout


def test_amounts_with_separators_and_won_are_charted(tmp_path: Path) -> None:
    from haneul.skills.code.charts import chart_code

    sheet = tmp_path / "매출.csv"
    sheet.write_text('월,매출\n1월,"1,200원"\n2월,"1,500원"\n3월,"1,350원"\n', encoding="utf-8")
    result = run(chart_code("매출 추이를 그래프로 그려줘", "매출.csv"), files={"매출.csv": sheet})
    assert result.ok, result.stderr
    assert len(result.charts) == 1
    assert "1500" in result.stdout
