"""The held-out rule shared by haneul-mini-ko's data recipe and the evaluation tasks.

An item (a KorQuAD article, a KLUE pair) is held out when a stable hash of its key falls in
the first fifth: the recipe never trains on it and the `*_heldout` tasks evaluate only it.
"""

from __future__ import annotations

import hashlib

HELDOUT_FRACTION = 0.2


def heldout(key: str, fraction: float = HELDOUT_FRACTION) -> bool:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction
