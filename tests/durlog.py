"""A pytest plugin: each test's wall and CPU seconds, one tab-separated line per test, appended
to the file named by $DURLOG (default `durlog.tsv`). CPU is this process's (all its threads)
plus the subprocesses it has waited for, from `getrusage`: on a shared machine it estimates an
idle run better than wall time. docs/testing.md shows how to use it:

    DURLOG=/tmp/fast.tsv .venv/bin/pytest -q -m "not slow" -p tests.durlog
    sort -t$'\\t' -k2 -nr /tmp/fast.tsv | head -30
"""

from __future__ import annotations

import os
import resource
import time

_started: dict[str, tuple[float, float]] = {}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    _started[nodeid] = (time.monotonic(), _cpu())


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    wall, cpu = _started.pop(nodeid, (time.monotonic(), _cpu()))
    with open(os.environ.get("DURLOG", "durlog.tsv"), "a", encoding="utf-8") as out:
        out.write(f"{time.monotonic() - wall:.3f}\t{_cpu() - cpu:.3f}\t{nodeid}\n")
