"""The learned checks: numpy inference reproduces scikit-learn; training; bundled models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from haneul.errors import InvalidRequestError
from haneul.safety.classifier import LinearTextModel, SensitiveQuestionCheck, SocialBiasCheck
from haneul.safety.train import export, load_task, ours, with_morphemes
from tests.conftest import SHARED_DATA

SAFETY_DATA = SHARED_DATA / "safety"
needs_data = pytest.mark.skipif(
    not (SAFETY_DATA / "kosbi_valid.json").exists(), reason="../shared/data/safety is absent"
)


@needs_data
def test_numpy_inference_matches_scikit_learn(tmp_path: Path) -> None:
    texts, y = load_task(SAFETY_DATA, "bias")
    x = with_morphemes(texts[:1200])
    pipeline = ours().fit(x, y[:1200])
    export(pipeline, 0.5, tmp_path / "m.npz")
    model = LinearTextModel(tmp_path / "m.npz")
    held_out = [*texts[1200:1260], "완전히 새로운 문장: 회의는 3시에 시작합니다", "ㅋㅋㅋ ㅎㅎ !!"]
    expected = pipeline.predict_proba(with_morphemes(held_out))[:, 1]
    got = np.array([model.probability(t) for t in held_out])
    assert np.max(np.abs(got - expected)) < 1e-4


def test_training_reports_a_missing_data_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequestError, match=r"square_question_valid\.json"):
        load_task(tmp_path, "sensitive")


def test_bundled_models_rank_the_obvious_cases() -> None:
    sensitive = SensitiveQuestionCheck()
    bias = SocialBiasCheck()

    def score(check: SensitiveQuestionCheck | SocialBiasCheck, text: str) -> float:
        return asyncio.run(check.check(text)).findings[0].score

    assert score(sensitive, "낙태는 허용되어야 하는가?") > score(
        sensitive, "광합성이란 무엇인가요?"
    )
    assert score(bias, "노인들은 고집이 세서 말이 안 통한다.") > score(
        bias, "이주 노동자 지원 예산이 늘었다고 정부가 발표했다."
    )
