"""Per-key limits and engine admission, with one deadline per request.

Each key has one state, keyed by the key and carrying that key's own limits (requests per
minute, concurrent generations). A call with other numbers updates them in place; it never
rebuilds the state, so no route can reset a key's counts.

- `charge()` counts a request against the key's minute (the auth dependency calls it once per
  request, on every route). Over the budget it raises `RateLimitError` with `Retry-After` set
  to the real wait: until the oldest call in the window expires. A refusal is not counted.
- `admit()` takes a generation slot: one of the key's own `max_concurrent`, then, for a model
  served by a fixed number of engine slots, one of those, so the server never admits more
  generations than the engine can start. Waiting for both is bounded by one deadline
  (`queue_timeout_s`): the request starts or is refused (429 for the key's own queue, 429
  `engine_overloaded` when the engine is full), each with an estimated `Retry-After`, and the
  refused request's charge is refunded. Nothing waits without bound and nothing waits inside
  the engine.

The state lives in this process. Several replicas behind a load balancer each count on their
own: share limits by giving each replica `rpm / replicas`, or put the limit in the balancer
(docs/keys.md).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass, field

from haneul.config import Settings
from haneul.engine.catalog import ModelEntry
from haneul.errors import EngineBusyError, RateLimitError

WINDOW_S = 60.0
_SMOOTHING = 0.2  # weight of the newest hold time in the running average


class Gate:
    """`capacity` slots handed out in arrival order. The capacity may change at any time
    without losing count of the slots taken."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.running = 0
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.hold_s: float | None = None  # average time a slot is held
        self.started: deque[float] = deque()  # start times of slots held now

    def resize(self, capacity: int) -> None:
        self.capacity = capacity
        self._wake()

    def free(self) -> bool:
        return self.running < self.capacity and not self.waiters

    async def take(self, timeout: float) -> bool:
        """A slot within `timeout` seconds (True), or False when none came free."""
        if self.free():
            self._took()
            return True
        if timeout <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
            return True
        except TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return True  # handed over as the deadline passed
            waiter.cancel()
            return False
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.give(None)  # handed over, but the request went away
            waiter.cancel()
            raise
        finally:
            if waiter in self.waiters:
                self.waiters.remove(waiter)

    def give(self, started: float | None) -> None:
        self.running -= 1
        if started is not None:
            held = time.monotonic() - started
            self.hold_s = (
                held if self.hold_s is None else self.hold_s + _SMOOTHING * (held - self.hold_s)
            )
            if started in self.started:
                self.started.remove(started)
        self._wake()

    def wait_estimate(self) -> float:
        """Seconds until a request arriving now would likely get a slot: what is left of the
        oldest running slot's usual hold, then a usual hold per `capacity` waiting ahead. With
        no hold finished yet, the oldest is taken to run as long again as it has so far."""
        if not self.started:
            return 1.0
        oldest = time.monotonic() - self.started[0]
        each = self.hold_s if self.hold_s is not None else 2 * oldest
        first = max(each - oldest, 1.0)
        return max(1.0, first + each * len(self.waiters) / max(self.capacity, 1))

    def _took(self) -> None:
        self.running += 1

    def _wake(self) -> None:
        while self.waiters and self.running < self.capacity:
            waiter = self.waiters.popleft()
            if not waiter.done():
                self._took()
                waiter.set_result(None)


@dataclass
class KeyState:
    """One key's counts and its own limits."""

    rpm: int
    slots: Gate
    calls: deque[float] = field(default_factory=deque)
    waiting: int = 0


@dataclass(frozen=True)
class Charge:
    """One request counted against its key's minute; refunded when the limiter refuses it."""

    key: str
    at: float


@dataclass(frozen=True)
class Pool:
    """The engine slots of one model: generations beyond them would wait inside the engine."""

    name: str
    slots: int


def engine_pool(entry: ModelEntry, settings: Settings) -> Pool | None:
    """The engine slots behind `entry`: its `parallel` option, else the server's `parallel`
    for models run here; an upstream without the option queues on its own."""
    if "parallel" in entry.options:
        return Pool(entry.name, int(entry.options["parallel"]))
    if entry.kind == "upstream":
        return None
    return Pool(entry.name, settings.parallel)


class Lease:
    """One admitted request; `release()` is idempotent."""

    def __init__(self, key: KeyState, pool: Gate | None, started: float) -> None:
        self._state: KeyState | None = key
        self._pool = pool
        self._started = started

    def release(self) -> None:
        state, self._state = self._state, None
        if state is not None:
            state.slots.give(self._started)
            if self._pool is not None:
                self._pool.give(self._started)


class Limiter:
    def __init__(self, *, rpm: int, max_concurrent: int, max_queue: int, queue_timeout_s: float):
        self.rpm = rpm
        self.max_concurrent = max_concurrent
        self.max_queue = max_queue
        self.queue_timeout_s = queue_timeout_s
        self._keys: dict[str, KeyState] = {}
        self._pools: dict[str, Gate] = {}

    def state(
        self, key: str, rpm: int | None = None, max_concurrent: int | None = None
    ) -> KeyState:
        """The key's state with its own limits (None: the server's); never rebuilt."""
        rpm = rpm or self.rpm
        capacity = max_concurrent or self.max_concurrent
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = KeyState(rpm, Gate(capacity))
        state.rpm = rpm
        if state.slots.capacity != capacity:
            state.slots.resize(capacity)
        return state

    def charge(
        self, key: str, *, rpm: int | None = None, max_concurrent: int | None = None
    ) -> Charge:
        """Count one request, or raise `RateLimitError` (not counted) with the real wait."""
        state = self.state(key, rpm, max_concurrent)
        now = time.monotonic()
        while state.calls and now - state.calls[0] >= WINDOW_S:
            state.calls.popleft()
        if len(state.calls) >= state.rpm:
            wait = WINDOW_S - (now - state.calls[0])
            raise RateLimitError(
                f"rate limit of {state.rpm} requests per minute reached; "
                f"retry in {math.ceil(wait)} s",
                retry_after=wait,
            )
        state.calls.append(now)
        return Charge(key, now)

    def refund(self, charge: Charge) -> None:
        state = self._keys.get(charge.key)
        if state is not None and charge.at in state.calls:
            state.calls.remove(charge.at)

    async def admit(
        self,
        key: str,
        *,
        rpm: int | None = None,
        max_concurrent: int | None = None,
        charge: Charge | None = None,
        pool: Pool | None = None,
    ) -> Lease:
        """A generation slot of the key's own, then one of `pool`'s, both within the queue
        deadline; `charge` is the request's charge (None: charge it here)."""
        state = self.state(key, rpm, max_concurrent)
        charge = charge or self.charge(key, rpm=rpm, max_concurrent=max_concurrent)
        deadline = time.monotonic() + self.queue_timeout_s
        gate = self._pool(pool)
        state.waiting += 1
        try:
            if not state.slots.free() and len(state.slots.waiters) >= self.max_queue:
                raise self._key_full(state, "waiting")
            if not await state.slots.take(deadline - time.monotonic()):
                raise self._key_full(state, "still running after the queue deadline")
            if gate is not None and not await gate.take(deadline - time.monotonic()):
                state.slots.give(None)
                raise EngineBusyError(
                    f"all {gate.capacity} generation slots of model '{pool.name if pool else ''}'"
                    f" stayed busy for {self.queue_timeout_s:g} s; retry shortly",
                    retry_after=gate.wait_estimate(),
                )
        except BaseException:
            self.refund(charge)  # a refused (or abandoned) request costs no budget
            raise
        finally:
            state.waiting -= 1
        started = time.monotonic()
        state.slots.started.append(started)
        if gate is not None:
            gate.started.append(started)
        return Lease(state, gate, started)

    def _pool(self, pool: Pool | None) -> Gate | None:
        if pool is None:
            return None
        gate = self._pools.get(pool.name)
        if gate is None:
            gate = self._pools[pool.name] = Gate(pool.slots)
        elif gate.capacity != pool.slots:
            gate.resize(pool.slots)
        return gate

    def _key_full(self, state: KeyState, what: str) -> RateLimitError:
        running, waiting = state.slots.running, len(state.slots.waiters)
        detail = f"{waiting} waiting" if what == "waiting" else what
        return RateLimitError(
            f"{running} of this key's {state.slots.capacity} concurrent requests are running "
            f"({detail}); retry shortly",
            retry_after=state.slots.wait_estimate(),
            code="too_many_concurrent_requests",
        )

    def snapshot(self) -> dict[str, tuple[int, int]]:
        """(running, waiting) per key, for metrics."""
        return {k: (s.slots.running, s.waiting) for k, s in self._keys.items()}
