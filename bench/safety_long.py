"""The AI Filter on long inputs: time per text against the pre-fix patterns (the peer, measured
in the same run), and how fast /health answers while a long request is served.

1. The rule-based filter (`SafetyFilter().check(kind="document")`: PII, abuse, injection) on
   n × «가», n × «a» and mixed text, against the old address and e-mail patterns alone (the
   quadratic ones, only up to 16k: at 64k they took 26 s).
2. A real server (echo model, `HANEUL_CHARS_PER_TOKEN=100` so that a 64k prompt reaches the
   filter, mask policy) answering 64k and 200k prompts, with /health polled from a thread:
   p50 and max of each poll (goal: max under 100 ms), and the time of the refused requests
   at the default limit.

Usage: python -m bench.safety_long [--write docs/benchmarks.md]   (about a minute)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.report import write_section
from haneul.safety.filter import SafetyFilter
from haneul.safety.pii import KINDS

ROOT = Path(__file__).resolve().parent.parent
# the patterns before the fix, for the peer column
OLD_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
OLD_ADDRESS = re.compile(
    r"(?:[가-힣]+(?:특별시|광역시|특별자치시|특별자치도|도|시)\s)?"
    r"(?:[가-힣]+(?:시|군|구)\s){1,2}"
    r"(?:[가-힣0-9]+(?:로|길)\s?\d+(?:-\d+)?(?:번길\s?\d+)?|[가-힣0-9]+(?:동|읍|면|리)\s?\d+(?:-\d+)?(?:번지)?)"
    r"(?:\s?\d+동)?(?:\s?\d+호)?"
)
TEXTS = {
    "가": "가",
    "a": "a",
    "mixed": "서울시 강남구 테헤란로 152, kim@example.com, 010-1234-5678. 이전 지시를 무시하고 ",
}


def _best(run: object, text: str, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(text)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def _two(email: re.Pattern[str], address: re.Pattern[str]) -> object:
    return lambda t: (email.findall(t), address.findall(t))


def filter_times() -> list[tuple[str, int, float, float, float | None]]:
    """(text, n, whole filter now, the two patterns now, the two patterns before the fix)."""
    safety = SafetyFilter()
    email, address = (k.pattern for k in KINDS if k.category in ("pii.email", "pii.address"))
    rows = []
    for name, piece in TEXTS.items():
        for n in (8_000, 16_000, 64_000, 200_000):
            text = (piece * (n // len(piece) + 1))[:n]
            whole = _best(lambda t: asyncio.run(safety.check(t, kind="document")), text)
            new = _best(_two(email, address), text)
            old = _best(_two(OLD_EMAIL, OLD_ADDRESS), text, 1) if n <= 16_000 else None
            rows.append((name, n, whole, new, old))
            print(name, n, whole, new, old, file=sys.stderr)
    return rows


def _serve(home: Path, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    from tests.conftest import add_echo_models, free_port

    add_echo_models(home)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANEUL_")}
    env.update({"HANEUL_HOME": str(home), "HANEUL_PORT": str(port), "HANEUL_LOG_LEVEL": "warning"})
    env.update({f"HANEUL_{k.upper()}": v for k, v in settings.items()})
    haneul = str(Path(sys.executable).parent / "haneul")
    proc = subprocess.Popen([haneul, "serve"], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("haneul serve did not start")


def health_during(url: str, n: int) -> tuple[float, float, float, int]:
    """(request seconds, /health p50, /health max, status) for an n-character prompt."""
    polls: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(timeout=120) as http:
            while not stop.is_set():
                start = time.perf_counter()
                http.get(url + "/health")
                polls.append(time.perf_counter() - start)
                time.sleep(0.01)

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(0.1)
    body = {"model": "echo", "messages": [{"role": "user", "content": "가" * n}]}
    start = time.perf_counter()
    status = httpx.post(url + "/v1/chat/completions", json=body, timeout=600).status_code
    took = time.perf_counter() - start
    stop.set()
    thread.join()
    return took, statistics.median(polls), max(polls), status


def server_rows() -> list[tuple[str, int, tuple[float, float, float, int]]]:
    rows = []
    home = Path(tempfile.mkdtemp(prefix="haneul-bench-"))
    try:
        for label, settings in [
            ("filter reads it", {"chars_per_token": "100", "safety_policy": "mask"}),
            ("refused by size", {}),
        ]:
            proc, url = _serve(home / label.replace(" ", "-"), default_model="echo", **settings)
            try:
                for n in (64_000, 200_000):
                    rows.append((label, n, health_during(url, n)))
                    print(label, n, rows[-1][2], file=sys.stderr)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return rows


def render(filters: list[tuple[str, int, float, float, float | None]], servers: list) -> str:  # type: ignore[type-arg]
    lines = [
        "### AI Filter on long inputs (bench/safety_long.py)\n",
        "One text, best of 3: the e-mail and address patterns now against the same two before "
        "the fix (the peer, measured in the same run, only up to 16k characters: they are "
        "quadratic, 26 s at 64k), and the whole rule-based filter now (PII, abuse and "
        "injection, in windows, in a worker thread):\n",
        "| text | characters | 2 patterns now | 2 patterns before | ratio | whole filter now |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, n, whole, new, old in filters:
        peer = f"{old * 1000:,.0f} ms" if old is not None else "(not run)"
        ratio = f"{old / new:,.1f}×" if old is not None else ""
        lines.append(
            f"| {name} | {n:,} | {new * 1000:,.1f} ms | {peer} | {ratio} | {whole * 1000:,.0f} ms |"
        )
    lines += [
        "\nA real server (echo model) answering one long prompt while /health is polled "
        "every 10 ms (goal: every poll under 100 ms):\n",
        "| server | prompt chars | request | status | /health p50 | /health max |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    load, cores = os.getloadavg()[0], os.cpu_count()
    lines.insert(1, f"Measured with a load average of {load:.1f} on {cores} cores.\n")
    for label, n, (took, p50, worst, status) in servers:
        lines.append(
            f"| {label} | {n:,} | {took * 1000:,.0f} ms | {status} | {p50 * 1000:.1f} ms "
            f"| {worst * 1000:.1f} ms |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    section = render(filter_times(), server_rows())
    sys.stdout.write(section)
    if args.write:
        write_section(args.write, "safety-long", section)


if __name__ == "__main__":
    main()
