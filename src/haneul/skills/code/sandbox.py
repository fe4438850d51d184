"""A sandbox for Python written by the model or the user (docs/code.md).

The code runs in a separate process under bubblewrap: new network, PID, IPC and UTS
namespaces (no network at all, no view of the server's processes), a filesystem made of
read-only system directories, the Python interpreter and its packages, the attached files
read-only under /data, and a private temporary directory as /tmp, the only writable place.
It runs as the unprivileged user 65534 (`nobody`) either way the server runs:

- as root, `setpriv` inside the sandbox drops to the real `nobody` with no capabilities
  and no-new-privs;
- as any other user, bubblewrap makes a user namespace too (`--unshare-user --uid 65534`):
  inside it the code is 65534 with no capabilities, outside it is the server's user
  (kernel user namespaces must be allowed for unprivileged users).

A seccomp filter (skills/code/syscalls.py) refuses the system calls such code never needs;
rlimits cap CPU time, address space, processes, file size and open files, and the server
kills the whole sandbox at the wall-clock timeout. Fail closed: without bubblewrap, without
libseccomp, or when it cannot make a sandbox here, `sandbox_problem()` says why and the
`python` skill is off. What runs inside the sandbox around the user's code is data
(`inside/prelude.py.txt`), not library code.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from haneul.errors import HaneulError
from haneul.skills.code.syscalls import seccomp_filter

NOBODY = 65534
STDOUT_FILE_LIMIT = 1 << 20  # what the sandbox may write to stdout/stderr before SIGXFSZ
MAX_CHARTS = 8
MAX_CHART_BYTES = 4 << 20
# matplotlib's settings in the sandbox: no display, a Hangul font, a real minus sign.
MATPLOTLIBRC = """backend: Agg
font.family: NanumGothic, NanumBarunGothic, DejaVu Sans
axes.unicode_minus: False
figure.dpi: 100
"""
# The trusted first run: builds matplotlib's font list, kept for later runs.
PROBE = "import matplotlib.pyplot\nprint(6 * 7)"


@cache
def program(name: str) -> str:
    """A program that runs inside the sandbox (`inside/<name>.py.txt`)."""
    return resources.files(__package__).joinpath("inside", f"{name}.py.txt").read_text("utf-8")


def prelude() -> str:
    """Runs the user's main.py, then saves every open matplotlib figure as a PNG chart
    with a description of it (figures.json)."""
    return program("prelude").replace("__MAX_CHARTS__", str(MAX_CHARTS))


_SIGNALS = {int(s) for s in signal.Signals}


class SandboxUnavailableError(HaneulError):
    status = 503
    code = "sandbox_unavailable"


@dataclass(frozen=True)
class Limits:
    wall_s: float = 30.0
    cpu_s: int = 20
    memory_mb: int = 1024
    processes: int = 32
    file_mb: int = 16
    open_files: int = 64
    output_chars: int = 20_000


@dataclass
class RunResult:
    stdout: str
    stderr: str
    exit_code: int
    charts: list[bytes] = field(default_factory=list)
    timed_out: bool = False
    truncated: bool = False
    # what each chart shows, as matplotlib had it: {"title", "axes": [{"title", "xlabel",
    # "ylabel", "lines", "points", "bars", "wedges"}]} (read from the run, never trusted
    # for more than describing it)
    figures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def reason(self) -> str | None:
        """Why the run stopped, in Korean, when it did not end normally."""
        if self.timed_out:
            return "시간 제한을 넘어 중단되었습니다."
        number = -self.exit_code if self.exit_code < 0 else self.exit_code - 128
        if 0 < number < 65:  # killed by a signal (bubblewrap reports 128 + signal)
            name = signal.Signals(number).name if number in _SIGNALS else str(number)
            return {
                "SIGXCPU": "CPU 시간 제한을 넘어 중단되었습니다.",
                "SIGXFSZ": "출력 또는 파일 크기 제한을 넘어 중단되었습니다.",
                "SIGKILL": "자원 제한을 넘어 강제 종료되었습니다.",
            }.get(name, f"신호 {name}로 종료되었습니다.")
        if self.exit_code != 0:
            return f"오류로 종료되었습니다 (종료 코드 {self.exit_code})."
        return None


def isolation() -> str:
    """How the code becomes `nobody`: "setpriv" (the server is root) or "userns"."""
    return "setpriv" if os.geteuid() == 0 else "userns"


def _userns_problem() -> str | None:
    for knob, off in (
        ("/proc/sys/user/max_user_namespaces", "0"),
        ("/proc/sys/kernel/unprivileged_userns_clone", "0"),
        ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1"),
    ):
        path = Path(knob)
        if path.is_file() and path.read_text().strip() == off:
            return (
                f"서버가 root가 아니고 사용자 네임스페이스가 꺼져 있어({knob} = {off}) "
                "코드 실행이 꺼져 있습니다."
            )
    return None


@cache
def sandbox_problem() -> str | None:
    """None when a sandbox can be made here, else why not (the skill is then off)."""
    if sys.platform != "linux":
        return "코드 실행 샌드박스는 Linux에서만 동작합니다."
    if shutil.which("bwrap") is None:
        return "bubblewrap(bwrap)이 설치되어 있지 않아 코드 실행이 꺼져 있습니다."
    if shutil.which("setpriv") is None or shutil.which("prlimit") is None:
        return "setpriv/prlimit(util-linux)이 없어 코드 실행이 꺼져 있습니다."
    if isolation() == "userns" and (problem := _userns_problem()) is not None:
        return problem
    if isinstance(found := seccomp_filter(), str):
        return found
    try:
        probe = run_python(PROBE, limits=Limits(wall_s=60, cpu_s=60), check=False, keep=True)
    except OSError as e:
        return f"샌드박스를 만들 수 없습니다: {e}"
    if probe.stdout.strip() != "42":
        detail = (probe.stderr or probe.stdout).strip().splitlines()[-1:] or ["?"]
        return f"샌드박스를 만들 수 없습니다: {detail[0]}"
    return None


def _ancestors(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if p != Path("/")]


def _mounts(work: Path, files: dict[str, Path]) -> list[str]:
    """What the sandbox sees, and nothing else."""
    prefixes = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix)})
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        if Path(f"/{name}").is_symlink():
            args += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
        elif Path(f"/{name}").is_dir():
            args += ["--ro-bind", f"/{name}", f"/{name}"]
    made: set[Path] = set()
    for prefix in prefixes:
        for parent in _ancestors(prefix):
            if parent not in made and not str(parent).startswith("/usr"):
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(prefix), str(prefix)]
    if Path("/etc/fonts").is_dir():
        args += ["--ro-bind", "/etc/fonts", "/etc/fonts"]
    args += ["--dev", "/dev", "--proc", "/proc", "--bind", str(work), "/tmp"]
    args += ["--perms", "0755", "--dir", "/data"]
    for name, source in files.items():
        args += ["--ro-bind", str(source), f"/data/{name}"]
    # The root (bubblewrap's tmpfs, with /data and the folders made above) read-only: in a
    # user namespace the sandbox's user owns it, and writing there would use memory.
    return [*args, "--remount-ro", "/"]


def environment(home: str) -> dict[str, str]:
    """The code's whole environment, `home` its working directory."""
    return {
        "HOME": home,
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "MPLCONFIGDIR": f"{home}/.mpl",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _bwrap_args(work: Path, files: dict[str, Path], seccomp_fd: int, limits: Limits) -> list[str]:
    """bubblewrap's command line: namespaces, mounts, environment, the filter, the user."""
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--clearenv"]
    unprivileged = isolation() == "userns"
    if unprivileged:
        args += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    args += _mounts(work, files)
    env = environment("/tmp")
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += ["--seccomp", str(seccomp_fd), "--chdir", "/tmp"]
    python = [sys.executable, "-I", "-c", prelude()]
    if unprivileged:
        # The process limit is set inside the new user namespace, so that it counts the
        # sandbox's processes only, not all of the server user's.
        nproc = f"--nproc={limits.processes}"
        return [*args, "prlimit", nproc, "--", *python]
    args += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}"]
    args += ["--clear-groups", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]
    return [*args, *python]


def _prlimit_args(limits: Limits) -> list[str]:
    """rlimits for bubblewrap and all it starts, set by util-linux's prlimit before it
    execs bubblewrap (no preexec_fn: that is not safe in a threaded server). As root, the
    process limit counts the real `nobody`'s processes; otherwise it is set inside."""
    memory = limits.memory_mb << 20
    size = max(limits.file_mb << 20, STDOUT_FILE_LIMIT)
    nproc = [f"--nproc={limits.processes}"] if isolation() == "setpriv" else []
    return [
        "prlimit",
        f"--cpu={limits.cpu_s}:{limits.cpu_s + 1}",
        f"--as={memory}",
        *nproc,
        f"--fsize={size}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def _font_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"haneul-sandbox-mpl-{os.geteuid()}"


def prepare(work: Path, code: str) -> None:
    """The working directory: the code as main.py, matplotlib's settings and font list."""
    (work / "main.py").write_text(code, encoding="utf-8")
    mpl = work / ".mpl"
    mpl.mkdir()
    (mpl / "matplotlibrc").write_text(MATPLOTLIBRC, encoding="utf-8")
    cache_dir = _font_cache_dir()
    for cached in cache_dir.glob("fontlist-*.json") if cache_dir.is_dir() else ():
        shutil.copy(cached, mpl / cached.name)
    if isolation() == "setpriv":
        for path in (work, mpl, *mpl.iterdir()):
            os.chown(path, NOBODY, NOBODY)


def _keep_font_cache(work: Path) -> None:
    """matplotlib's font list takes seconds to build: keep the first one made."""
    cache_dir = _font_cache_dir()
    if cache_dir.is_dir() and any(cache_dir.glob("fontlist-*.json")):
        return
    made = [p for p in (work / ".mpl").glob("fontlist-*.json") if not p.is_symlink()]
    if made:
        cache_dir.mkdir(mode=0o700, exist_ok=True)
        shutil.copy(made[0], cache_dir / made[0].name)


def _read(path: Path, limit: int) -> tuple[str, bool]:
    with path.open("rb") as handle:
        data = handle.read(limit * 4 + 4)
    text = data.decode("utf-8", errors="replace")
    return (text[:limit], True) if len(text) > limit else (text, False)


def _regular(path: Path, limit: int) -> bool:
    return path.is_file() and not path.is_symlink() and path.stat().st_size <= limit


def _charts(work: Path) -> tuple[list[bytes], list[dict[str, Any]]]:
    """The PNG charts and their descriptions (figures.json), read as untrusted files."""
    folder = work / ".charts"
    if folder.is_symlink() or not folder.is_dir():
        return [], []
    found = []
    for path in sorted(folder.glob("chart-*.png"))[:MAX_CHARTS]:
        if _regular(path, MAX_CHART_BYTES):
            data = path.read_bytes()
            if data.startswith(b"\x89PNG"):
                found.append(data)
    described: Any = []
    if _regular(folder / "figures.json", 64 << 10):
        try:
            described = json.loads((folder / "figures.json").read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            described = []
    figures = [d for d in described if isinstance(d, dict)] if isinstance(described, list) else []
    return found, figures[: len(found)]


def run_python(
    code: str,
    *,
    files: dict[str, Path] | None = None,
    limits: Limits | None = None,
    check: bool = True,
    keep: bool = False,
) -> RunResult:
    """Run `code` in a fresh sandbox; `files` (name -> host path) are readable under
    /data. Blocking: call it from a thread."""
    if check and (problem := sandbox_problem()) is not None:
        raise SandboxUnavailableError(problem)
    limits = limits or Limits()
    for name in files or {}:
        if "/" in name or name in ("", ".", "..") or "\0" in name:
            raise ValueError(f"bad attached file name {name!r}")
    bpf = seccomp_filter()
    if isinstance(bpf, str):
        raise SandboxUnavailableError(bpf)
    with tempfile.TemporaryDirectory(prefix="haneul-code-") as root:
        work, logs = Path(root) / "work", Path(root) / "logs"
        work.mkdir(mode=0o700)
        logs.mkdir(mode=0o700)
        prepare(work, code)
        (logs / "seccomp.bpf").write_bytes(bpf)
        out_path, err_path = logs / "stdout", logs / "stderr"
        with (
            out_path.open("wb") as out,
            err_path.open("wb") as err,
            (logs / "seccomp.bpf").open("rb") as rules,
        ):
            process = subprocess.Popen(
                [*_prlimit_args(limits), *_bwrap_args(work, files or {}, rules.fileno(), limits)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                pass_fds=(rules.fileno(),),
            )
            timed_out = False
            try:
                process.wait(timeout=limits.wall_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        stdout, cut_out = _read(out_path, limits.output_chars)
        stderr, cut_err = _read(err_path, limits.output_chars)
        if keep:
            _keep_font_cache(work)
        charts, figures = _charts(work)
        return RunResult(
            stdout=stdout,
            stderr=stderr,
            exit_code=process.returncode,
            charts=charts,
            timed_out=timed_out,
            truncated=cut_out or cut_err or out_path.stat().st_size >= STDOUT_FILE_LIMIT,
            figures=figures,
        )
