"""The skill router's example vectors are kept on disk per embedding model
(engine/vector_memo.py): a second server builds its router without embedding them again, the
vectors are the ones e5 makes, and what users type is never written there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from haneul.assistant.session import AssistantService
from haneul.engine import vector_memo
from haneul.skills.router import SkillRouter
from tests.conftest import AppClient


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    return tmp_path / "user" / ".cache" / "haneul-models" / "vectors"


def test_the_memo_embeds_each_text_once_and_keeps_its_vector(cache: Path) -> None:
    asked: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        asked.append(list(texts))
        return np.array([[len(t), t.count("요"), 1.0] for t in texts], dtype=np.float32)

    first = vector_memo.remembered("e5 테스트", embed)
    a = first(["안녕하세요", "날씨 알려줘", "안녕하세요"])
    again = vector_memo.remembered("e5 테스트", embed)  # a new server: read from the file
    b = again(["날씨 알려줘", "안녕하세요"])
    assert asked == [["안녕하세요", "날씨 알려줘"]]
    assert np.array_equal(b, a[[1, 0]])
    other = vector_memo.remembered("다른 모델", embed)(["안녕하세요"])  # another model: its own
    assert asked[-1] == ["안녕하세요"] and other.shape == (1, 3)
    assert len(list(cache.iterdir())) == 2


def test_a_broken_memo_file_is_only_time_lost(cache: Path) -> None:
    path = vector_memo.memo_file("e5 테스트")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a numpy file")
    vectors = vector_memo.remembered("e5 테스트", lambda t: np.ones((len(t), 2), np.float32))
    assert vectors(["하늘"]).tolist() == [[1.0, 1.0]]


def test_a_second_router_reads_the_examples_from_the_memo(
    cache: Path, app_factory: Callable[..., AppClient]
) -> None:
    def router_of(app: AppClient) -> SkillRouter:
        service: AssistantService = app.app.state.assistant
        return app.portal.call(service.router)

    first = router_of(app_factory())
    [memo] = list(cache.iterdir())
    kept = np.load(memo)
    examples = [t for texts in first.examples.values() for t in texts]
    assert set(kept["texts"].tolist()) == set(examples)
    stamp = memo.stat().st_mtime_ns
    second = router_of(app_factory())
    assert memo.stat().st_mtime_ns == stamp  # nothing new to embed
    assert np.allclose(second._matrix, first._matrix)
    route = second.route("12 곱하기 12는 얼마야?")
    assert route.skill == "math"
    assert "12 곱하기 12는 얼마야?" not in np.load(memo)["texts"].tolist()
