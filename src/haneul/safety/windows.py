"""Long texts checked in overlapping windows, so no single pattern scan holds the CPU (and
Python's GIL) for long: a check that runs in a worker thread then lets the event loop in
between windows, and its cost stays linear in the text whatever its patterns do.

A window is `WINDOW` characters; it starts `MARGIN` characters before the part it owns (the
context a check looks back at: 20 characters for "계좌" before an account number) and ends
`MARGIN` after it, so a match (every pattern here is shorter than `MARGIN`) that starts in the
owned part lies wholly inside the window. Only matches that start in the owned part are kept,
so each is reported once; personal data found across a window's edge never overlaps (masking
needs disjoint spans).

One window is read at a time in the whole process (`_CPU`): the checks hold Python's GIL while
they read, so running three of them at once gains nothing and makes the event loop wait
behind three threads instead of one. Between windows the lock is free, so the checks of
several requests take turns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from haneul.safety.protocol import Finding

WINDOW = 8192
MARGIN = 256
_CPU = threading.Lock()


def windowed(find: Callable[[str], list[Finding]], text: str) -> list[Finding]:
    """`find(text)`, one window at a time when `text` is long."""
    if len(text) <= WINDOW:
        with _CPU:
            return find(text)
    step = WINDOW - 2 * MARGIN
    found: list[Finding] = []
    for own in range(0, len(text), step):
        lo = max(0, own - MARGIN)
        with _CPU:
            window = find(text[lo : own + step + MARGIN])
        for f in window:
            if own <= f.start + lo < own + step:
                found.append(replace(f, start=f.start + lo, end=f.end + lo))
    kept: list[Finding] = []
    end = 0
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        if f.category.startswith("pii"):
            if f.start < end:
                continue
            end = f.end
        kept.append(f)
    return kept
