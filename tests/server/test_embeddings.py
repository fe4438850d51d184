"""Embeddings from the bundled multilingual-e5-small, through the openai client."""

from __future__ import annotations

import math

import httpx
import openai

from tests.conftest import RunningServer

E5 = "multilingual-e5-small"


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def test_korean_embeddings_rank_by_meaning(client: openai.OpenAI) -> None:
    texts = [
        "서울시청은 어디에 있나요?",
        "서울특별시청의 위치를 알려주세요",
        "고양이 사료 추천해 주세요",
    ]
    result = client.embeddings.create(model=E5, input=texts)  # the SDK asks for base64
    vectors = [d.embedding for d in result.data]
    assert [d.index for d in result.data] == [0, 1, 2]
    assert all(len(v) == 384 for v in vectors)
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2]) + 0.05
    assert result.usage.prompt_tokens > 10


def test_float_and_base64_agree(server: RunningServer, client: openai.OpenAI) -> None:
    floats = httpx.post(
        server.api + "/embeddings", json={"model": E5, "input": "하늘", "encoding_format": "float"}
    ).json()["data"][0]["embedding"]
    decoded = client.embeddings.create(model=E5, input="하늘").data[0].embedding
    assert max(abs(a - b) for a, b in zip(floats, decoded, strict=True)) < 1e-6


def test_default_embedding_model_and_input_type(server: RunningServer) -> None:
    q = httpx.post(server.api + "/embeddings", json={"input": "서울"}).json()
    p = httpx.post(
        server.api + "/embeddings", json={"input": "서울", "input_type": "passage"}
    ).json()
    assert q["model"] == E5
    assert q["data"][0]["embedding"] != p["data"][0]["embedding"]
