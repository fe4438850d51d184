"""Per-key limits: requests per minute and concurrent generations with a bounded queue.

A request over the minute's budget, or arriving when the queue is full, or waiting longer
than the queue timeout, gets a `RateLimitError` (429 with `Retry-After`); nothing hangs.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass, field

from haneul.errors import RateLimitError

WINDOW_S = 60.0


@dataclass
class _KeyState:
    semaphore: asyncio.Semaphore
    capacity: int
    calls: deque[float] = field(default_factory=deque)
    waiting: int = 0
    running: int = 0


class Lease:
    """One admitted request; `release()` is idempotent."""

    def __init__(self, state: _KeyState) -> None:
        self._state: _KeyState | None = state

    def release(self) -> None:
        state, self._state = self._state, None
        if state is not None:
            state.running -= 1
            state.semaphore.release()


class Limiter:
    def __init__(self, *, rpm: int, max_concurrent: int, max_queue: int, queue_timeout_s: float):
        self.rpm = rpm
        self.max_concurrent = max_concurrent
        self.max_queue = max_queue
        self.queue_timeout_s = queue_timeout_s
        self._keys: dict[str, _KeyState] = {}

    def _state(self, key: str, max_concurrent: int) -> _KeyState:
        state = self._keys.get(key)
        if state is None or state.capacity != max_concurrent:
            state = _KeyState(asyncio.Semaphore(max_concurrent), max_concurrent)
            self._keys[key] = state
        return state

    def _count_call(self, state: _KeyState, rpm: int) -> None:
        now = time.monotonic()
        while state.calls and now - state.calls[0] >= WINDOW_S:
            state.calls.popleft()
        if len(state.calls) >= rpm:
            wait = WINDOW_S - (now - state.calls[0])
            raise RateLimitError(
                f"rate limit of {rpm} requests per minute reached; retry in {math.ceil(wait)} s",
                retry_after=wait,
            )
        state.calls.append(now)

    def check_rate(self, key: str, *, rpm: int | None = None) -> None:
        """Count a request that holds no generation slot (model lists, embeddings...)."""
        self._count_call(self._state(key, self.max_concurrent), rpm or self.rpm)

    async def admit(
        self, key: str, *, rpm: int | None = None, max_concurrent: int | None = None
    ) -> Lease:
        state = self._state(key, max_concurrent or self.max_concurrent)
        self._count_call(state, rpm or self.rpm)
        if state.semaphore.locked():
            if state.waiting >= self.max_queue:
                raise RateLimitError(
                    f"{state.capacity} requests are running and {state.waiting} waiting for "
                    "this key; retry shortly",
                    retry_after=1.0,
                    code="too_many_concurrent_requests",
                )
            state.waiting += 1
            try:
                await asyncio.wait_for(state.semaphore.acquire(), self.queue_timeout_s)
            except TimeoutError:
                raise RateLimitError(
                    f"waited {self.queue_timeout_s:g} s for a free slot; retry shortly",
                    retry_after=1.0,
                    code="too_many_concurrent_requests",
                ) from None
            finally:
                state.waiting -= 1
        else:
            await state.semaphore.acquire()
        state.running += 1
        return Lease(state)

    def snapshot(self) -> dict[str, tuple[int, int]]:
        """(running, waiting) per key, for metrics."""
        return {k: (s.running, s.waiting) for k, s in self._keys.items()}
