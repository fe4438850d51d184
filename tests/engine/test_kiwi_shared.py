"""One Kiwi per process (about 390 MB and 3.6 s each): document search and the AI Filter's
classifier read Korean with the same instance."""

from __future__ import annotations

import re
from pathlib import Path

from haneul.engine import kiwi
from haneul.knowledge import korean
from haneul.safety import classifier

SRC = Path(__file__).resolve().parents[2] / "src" / "haneul"


def test_search_and_the_filter_share_one_kiwi() -> None:
    assert korean.terms("서울시청은 어디에 있나요?")
    assert classifier.morphemes("하늘은 파랗다")
    assert kiwi.kiwi.cache_info().currsize == 1
    made = [
        p.relative_to(SRC).as_posix()
        for p in SRC.rglob("*.py")
        if re.search(r"\bKiwi\(", p.read_text(encoding="utf-8"))
    ]
    assert made == ["engine/kiwi.py"]
