"""The learned checks: numpy inference reproduces scikit-learn; training; bundled models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from haneul.errors import InvalidRequestError
from haneul.safety.classifier import (
    LinearTextModel,
    SensitiveQuestionCheck,
    SocialBiasCheck,
    e5_query,
)
from haneul.safety.train import (
    embed,
    export,
    inputs,
    kosbi_groups,
    load_task,
    ours,
    tfidf_only,
    with_morphemes,
)
from tests.conftest import SHARED_DATA

SAFETY_DATA = SHARED_DATA / "safety"
ORDINARY_CHAT = Path(__file__).parent / "data" / "ordinary_chat_ko.txt"
needs_data = pytest.mark.skipif(
    not (SAFETY_DATA / "kosbi_valid.json").exists(), reason="../shared/data/safety is absent"
)
HELD_OUT = ["완전히 새로운 문장: 회의는 3시에 시작합니다", "ㅋㅋㅋ ㅎㅎ !!"]


def score(check: SensitiveQuestionCheck | SocialBiasCheck, text: str) -> float:
    return asyncio.run(check.check(text)).findings[0].score


@needs_data
@pytest.mark.slow  # embeds 260 texts with e5 and fits a classifier
def test_numpy_inference_matches_scikit_learn(tmp_path: Path) -> None:
    texts, y = load_task(SAFETY_DATA, "bias")
    texts, y = texts[:260], y[:260]
    x = inputs(texts, embed(texts, cache=tmp_path / "cache"))
    pipeline = ours().fit(x[:240], y[:240])
    export(pipeline, 0.5, tmp_path / "m.npz")
    model = LinearTextModel(tmp_path / "m.npz")
    assert model.uses_e5
    held_out = [*texts[240:], *HELD_OUT]
    vectors = e5_query(held_out)
    expected = pipeline.predict_proba(inputs(held_out, vectors))[:, 1]
    got = np.array([model.probability(t, v) for t, v in zip(held_out, vectors, strict=True)])
    assert np.max(np.abs(got - expected)) < 1e-4
    with pytest.raises(ValueError, match="e5 vector"):
        model.probability(held_out[0])


@needs_data
@pytest.mark.slow  # fits a classifier
def test_a_model_without_e5_runs_without_it(tmp_path: Path) -> None:
    texts, y = load_task(SAFETY_DATA, "sensitive")
    pipeline = tfidf_only().fit(with_morphemes(texts[:3000]), y[:3000])
    export(pipeline, 0.5, tmp_path / "old.npz")
    model = LinearTextModel(tmp_path / "old.npz")
    assert not model.uses_e5
    expected = pipeline.predict_proba(with_morphemes(HELD_OUT))[:, 1]
    assert np.allclose([model.probability(t) for t in HELD_OUT], expected, atol=1e-4)


def test_the_e5_cache_returns_what_e5_computes(tmp_path: Path) -> None:
    texts = ["오늘 날씨 어때?", "노인들은 고집이 세다."]
    first = embed(texts, cache=tmp_path)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    np.testing.assert_allclose(embed(texts, cache=tmp_path), first)
    np.testing.assert_allclose(first, e5_query(texts), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)


def test_a_check_uses_the_embedder_it_is_given() -> None:
    seen: list[str] = []

    def embed_texts(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return e5_query(texts)

    text = "낙태는 허용되어야 하는가?"
    given = SensitiveQuestionCheck(embed=embed_texts)
    assert score(given, text) == score(SensitiveQuestionCheck(), text)
    assert seen == [text]


def test_e5_reads_a_text_longer_than_its_window() -> None:
    long = "서울시청은 시민을 위한 행정 서비스를 제공합니다. " * 200  # far over 512 tokens
    assert e5_query([long]).shape == (1, 384)
    assert 0 <= score(SocialBiasCheck(), long) <= 1


@needs_data
def test_kosbi_groups_join_rows_that_share_a_context() -> None:
    groups = kosbi_groups(SAFETY_DATA)
    assert len(groups) == 3421 and len(set(groups)) < len(groups)


def test_training_reports_a_missing_data_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match=r"square_question_valid\.json"):
        load_task(tmp_path, "sensitive")


def test_bundled_models_rank_the_obvious_cases() -> None:
    sensitive = SensitiveQuestionCheck()
    bias = SocialBiasCheck()
    assert score(sensitive, "낙태는 허용되어야 하는가?") > score(
        sensitive, "광합성이란 무엇인가요?"
    )
    assert score(bias, "노인들은 고집이 세서 말이 안 통한다.") > score(
        bias, "이주 노동자 지원 예산이 늘었다고 정부가 발표했다."
    )


@pytest.mark.parametrize("check", [SensitiveQuestionCheck, SocialBiasCheck])
def test_bundled_models_pass_most_ordinary_chat(
    check: type[SensitiveQuestionCheck | SocialBiasCheck],
) -> None:
    # trained with harmless questions as negatives (sensitive) and with e5 (both): the
    # previous TF-IDF models flagged 83% and 47% of these lines
    lines = [line for line in ORDINARY_CHAT.read_text(encoding="utf-8").splitlines() if line]
    instance = check()
    flagged = [line for line in lines if asyncio.run(instance.check(line)).flagged()]
    assert len(flagged) <= len(lines) // 10, flagged


def test_both_learned_checks_and_the_router_share_one_e5_vector() -> None:
    """A chat turn embeds its user text once: the two learned checks share the vector, and
    the embedding backend (the skill router's path) finds it in the engine's cache."""
    from haneul.engine import e5
    from haneul.safety import classifier
    from haneul.safety.filter import SafetyFilter

    classifier.clear_e5_cache()
    text = "외국인 노동자들은 다 게으르다고 하던데 맞아?"
    verdict = asyncio.run(SafetyFilter(learned=True).check(text, kind="input"))
    assert {"sensitive", "bias"} <= set(verdict.scores())
    after_checks = e5._query_vector.cache_info()
    assert after_checks.misses == 1 and after_checks.hits >= 1

    backend = e5.E5Backend("e5")
    asyncio.run(backend.start())
    assert backend._model is e5.shared_model()  # one model in the process
    result = asyncio.run(backend.embed([text]))
    after_router = e5._query_vector.cache_info()
    assert after_router.misses == 1 and after_router.hits == after_checks.hits + 1
    expected = e5.shared_model().query([text]).reshape(-1)
    assert np.allclose(result.vectors[0], expected, atol=1e-6)
    passage = asyncio.run(backend.embed([text], input_type="passage"))
    assert not np.allclose(passage.vectors[0], expected)  # passages are not cached queries
