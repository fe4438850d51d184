"""One Kiwi (the Korean morphological analyzer, `kiwipiepy`) for the whole process.

Document search (`knowledge/korean.py`: terms, sentences, proper nouns) and the AI Filter's
classifier (`safety/classifier.py`: morphemes) both read Korean with it. Each instance costs
about 390 MB and 3.6 s to load on the 2-core machine, so they share this one. A Kiwi object
is not to be used from two threads at once: every call holds `LOCK` (for one text, or one
4,000-character slice of a long one).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

LOCK = threading.Lock()


@cache
def kiwi() -> Any:
    """The process's Kiwi, loaded on first use (hold `LOCK` while calling it)."""
    from kiwipiepy import Kiwi

    return Kiwi()
