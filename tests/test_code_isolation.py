"""The code sandbox's seccomp filter and its unprivileged mode (docs/code.md): the system
calls on the deny list fail inside the sandbox, and a server that is not root still gets a
sandbox (a user namespace, `nobody` inside, the same escape attempts failing)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from haneul.skills.code.sandbox import run_python

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed: make browser"
)

# Each denied call made through libc's syscall(2); x86_64 numbers.
SYSCALLS = """
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
def tried(result):
    return 'ok' if result >= 0 else errno.errorcode.get(ctypes.get_errno(), '?')
out = {name: tried(libc.syscall(number, 0, 0, 0, 0)) for name, number in
       (('ptrace', 101), ('keyctl', 250), ('bpf', 321), ('perf_event_open', 298),
        ('io_uring_setup', 425), ('mount', 165), ('init_module', 175))}
out['unshare_user'] = tried(libc.unshare(0x10000000))
out['status'] = {k: v.strip() for k, v in (line.split(':', 1) for line in open('/proc/self/status'))
                 if k in ('Uid', 'Seccomp', 'NoNewPrivs', 'CapEff')}
print(json.dumps(out))
"""


@pytest.mark.skipif(sys.platform != "linux" or os.uname().machine != "x86_64", reason="x86_64")
def test_denied_system_calls_fail_with_eperm() -> None:
    result = run_python(SYSCALLS)
    assert result.ok, result.stderr
    found = json.loads(result.stdout)
    status = found.pop("status")
    assert found == {name: "EPERM" for name in found}, found
    assert status["Seccomp"] == "2" and status["NoNewPrivs"] == "1"
    assert status["CapEff"] == "0000000000000000"
    assert status["Uid"].split()[0] == "65534"


UNPRIVILEGED = """
import json, os, sys
from pathlib import Path
from haneul.skills.code.sandbox import Limits, isolation, run_python, sandbox_problem
sheet = Path(sys.argv[1])
checks = {"euid": os.geteuid(), "isolation": isolation(), "problem": sandbox_problem()}
r = run_python("print('안녕', open('/data/매출.csv', encoding='utf-8').read().split()[0])",
               files={"매출.csv": sheet})
checks["korean"] = r.stdout.strip()
r = run_python('''
import os, socket
for path in ('/etc/shadow', %r):
    try:
        open(path).read(); print('읽음', path)
    except OSError:
        print('막힘')
for path in ('/data/매출.csv', '/data/new.txt', '/evil', %r):
    try:
        open(path, 'a').write('x'); print('씀', path)
    except OSError:
        print('막힘')
try:
    socket.create_connection(('127.0.0.1', 22), timeout=2); print('연결됨')
except OSError:
    print('막힘')
print(os.getuid())
''' % (str(sheet.parent / "secret.txt"), str(sheet.parent / "outside.txt")),
    files={"매출.csv": sheet})
checks["escapes"] = r.stdout.split()
r = run_python("while True:\\n    pass", limits=Limits(wall_s=20, cpu_s=1))
checks["loop"] = r.reason
print(json.dumps(checks, ensure_ascii=False))
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare")
def test_a_server_that_is_not_root_still_gets_a_sandbox(tmp_path: Path) -> None:
    """The server process runs as uid 4321 in a user namespace of its own (this machine's
    Python lives under /root, so a real second account could not start it): it is not root
    there, so the sandbox takes its unprivileged path (bubblewrap's user namespace). Its
    process limit is not checked here: outside both namespaces this process is still root,
    whom the kernel exempts from RLIMIT_NPROC."""
    sheet = tmp_path / "매출.csv"
    sheet.write_text("월,매출\n1월,100\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("비밀", encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}
    command = ["unshare", "--user", "--map-user=4321", "--map-group=4321"]
    done = subprocess.run(
        [*command, sys.executable, "-c", UNPRIVILEGED, str(sheet)],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    checks = json.loads(done.stdout.strip().splitlines()[-1])
    assert checks["euid"] == 4321 and checks["isolation"] == "userns"
    assert checks["problem"] is None
    assert checks["korean"] == "안녕 월,매출"
    assert checks["escapes"] == ["막힘"] * 7 + ["65534"]
    assert not (tmp_path / "outside.txt").exists()
    assert checks["loop"] is not None and "CPU" in checks["loop"]
    assert sheet.read_text(encoding="utf-8") == "월,매출\n1월,100\n"


def test_without_libseccomp_bindings_the_sandbox_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from haneul.skills.code import syscalls

    compiled = syscalls.seccomp_filter()  # this process's filter, cached before the test
    assert isinstance(compiled, bytes) and len(compiled) % 8 == 0  # whole BPF instructions
    monkeypatch.setitem(sys.modules, "seccomp", None)  # neither binding can be imported
    monkeypatch.setitem(sys.modules, "pyseccomp", None)
    problem = syscalls.seccomp_filter.__wrapped__()
    assert isinstance(problem, str) and "seccomp" in problem
