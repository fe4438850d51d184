"""/openapi.json describes the API the server really serves (issue 20, defect 11): the error
statuses it sends with their error body and never FastAPI's 422, streamed and plain-text
media types, `Allow` on a 405, and the schema refusing what the server refuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from haneul.server.errors import is_clova
from tests.conftest import AppClient

USER = [{"role": "user", "content": "하늘이 파랗다"}]


@pytest.fixture
def app(app_factory: Callable[..., AppClient]) -> AppClient:
    return app_factory()


@pytest.fixture
def spec(app: AppClient) -> dict[str, Any]:
    res = app.get("/openapi.json")
    assert res.status_code == 200
    schema: dict[str, Any] = res.json()
    return schema


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, item in spec["paths"].items() for m, op in item.items()]


def test_no_422_anywhere(spec: dict[str, Any]) -> None:
    assert '"422"' not in json.dumps(spec)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_every_authenticated_route_lists_its_error_statuses(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    assert len(operations) > 30
    for path, method, op in operations:
        codes = set(op["responses"])
        if path in ("/", "/health"):
            continue
        assert {"401", "429"} <= codes, (method, path)
        if op.get("requestBody"):
            assert "400" in codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        error = op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
        assert error.endswith("/ClovaError" if is_clova(path) else "/Error")
        assert "Retry-After" in op["responses"]["429"]["headers"]


def test_media_types(spec: dict[str, Any]) -> None:
    chat = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    assert {"application/json", "text/event-stream"} <= set(chat)
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert set(metrics) == {"text/plain"}


def test_a_405_says_what_is_allowed(app: AppClient) -> None:
    res = app.delete("chat/completions")
    assert res.status_code == 405
    assert res.headers["allow"] == "POST"
    assert res.json()["error"]["code"] == "method_not_allowed"


def test_the_schema_refuses_what_the_server_refuses(app: AppClient, spec: dict[str, Any]) -> None:
    sampling = spec["components"]["schemas"]["ChatCompletionRequest"]["properties"]
    penalty = sampling["repetition_penalty"]["anyOf"][0]
    assert penalty["minimum"] > 1e-300 and penalty["maximum"] == 2
    for bad in (5e-324, 0.0, 2.5):
        res = app.post(
            "chat/completions", json={"model": "echo", "messages": USER, "repetition_penalty": bad}
        )
        assert res.status_code == 400, (bad, res.text)
        assert res.json()["error"]["param"] == "repetition_penalty"
    tool = app.post(
        "chat/completions",
        json={"model": "echo", "messages": [*USER, {"role": "tool", "content": "맑음"}]},
    )
    assert tool.status_code == 400
    assert "tool_call_id" in tool.json()["error"]["message"]


def test_the_engines_own_sampler_error_becomes_haneuls() -> None:
    from haneul.engine.llamacpp import _raise_for
    from haneul.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError) as raised:
        _raise_for({"error": {"code": 500, "message": "Failed to initialize samplers"}})
    assert "Failed to initialize" not in raised.value.message
    assert "sampling parameters" in raised.value.message
