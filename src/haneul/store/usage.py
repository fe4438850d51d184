"""Usage per owner and day: requests and generated tokens. Counted in memory on the request
path and written in batches by one daemon thread on its own connection (as key last-used
stamps are), so counting never writes on the event loop."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

from haneul.store.db import connect

log = logging.getLogger(__name__)


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


class UsageMeter:
    def __init__(self, path: Path, interval_s: float = 10.0) -> None:
        self.path = path
        self.interval_s = interval_s
        self._requests: Counter[tuple[str, str]] = Counter()
        self._tokens: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None

    def add(self, owner: str, *, requests: int = 0, tokens: int = 0) -> None:
        key = (owner, today())
        with self._lock:
            self._requests[key] += requests
            self._tokens[key] += tokens
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="usage", daemon=True)
                self._thread.start()

    def flush(self) -> bool:
        with self._lock:
            requests, tokens = self._requests, self._tokens
            self._requests, self._tokens = Counter(), Counter()
        keys = set(requests) | set(tokens)
        if not keys:
            return True
        try:
            if self._conn is None:
                self._conn = connect(self.path)
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(
                    "INSERT INTO usage (owner, day, requests, tokens) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (owner, day) DO UPDATE SET"
                    " requests = requests + excluded.requests, tokens = tokens + excluded.tokens",
                    [(o, d, requests[(o, d)], tokens[(o, d)]) for o, d in keys],
                )
        except sqlite3.OperationalError as exc:
            log.warning("usage not written yet: %s", exc)
            with self._lock:
                self._requests.update(requests)
                self._tokens.update(tokens)
            return False
        return True

    def totals(self, conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
        """(requests, tokens) per owner over all days, what is pending included."""
        out: dict[str, tuple[int, int]] = {}
        for r in conn.execute("SELECT owner, sum(requests), sum(tokens) FROM usage GROUP BY owner"):
            out[r[0]] = (r[1], r[2])
        with self._lock:
            for (owner, _), n in self._requests.items():
                req, tok = out.get(owner, (0, 0))
                out[owner] = (req + n, tok)
            for (owner, _), n in self._tokens.items():
                req, tok = out.get(owner, (0, 0))
                out[owner] = (req, tok + n)
        return out

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        if self._conn is not None:
            self._conn.close()
