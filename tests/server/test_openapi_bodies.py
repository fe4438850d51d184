"""/openapi.json documents success bodies, not only status codes (issue 20, defect 11), and
says what schemathesis found the server refusing or accepting against it: live answers of the
main routes (Korean text) validate against their documented schema, a 405 names every method
of its path, and coerced values (`"stream": 0`) are refused as the schema says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from tests.conftest import AppClient


@pytest.fixture
def app(app_factory: Callable[..., AppClient]) -> AppClient:
    return app_factory()


@pytest.fixture
def spec(app: AppClient) -> dict[str, Any]:
    schema: dict[str, Any] = app.get("/openapi.json").json()
    return schema


def conforms(spec: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    """`body` validates against the schema documented for this answer."""
    answer = spec["paths"][path][method]["responses"][str(status)]
    schema = answer["content"]["application/json"]["schema"]
    assert "$ref" in schema, (method, path)  # a named model, not an empty object
    jsonschema.validate(body, {**spec, **schema})


def test_main_routes_answer_in_their_documented_shape(app: AppClient, spec: dict[str, Any]) -> None:
    chat = app.post(
        "chat/completions",
        json={"model": "echo", "messages": [{"role": "user", "content": "안녕하세요 하늘"}]},
    )
    conforms(spec, "/v1/chat/completions", "post", 200, chat.json())
    completion = app.post("completions", json={"model": "echo", "prompt": "하늘은"})
    conforms(spec, "/v1/completions", "post", 200, completion.json())
    conforms(spec, "/v1/models", "get", 200, app.get("models").json())
    conforms(spec, "/v1/models/{model_id}", "get", 200, app.get("models/echo").json())
    tokens = app.post("tokenize", json={"model": "echo", "input": "서울시청"})
    conforms(spec, "/v1/tokenize", "post", 200, tokens.json())
    moderation = app.post("moderations", json={"input": "전화번호는 010-1234-5678"})
    conforms(spec, "/v1/moderations", "post", 200, moderation.json())
    made = app.post("collections", json={"name": "회의록"})
    assert made.status_code == 201
    conforms(spec, "/v1/collections", "post", 201, made.json())
    conforms(spec, "/v1/collections", "get", 200, app.get("collections").json())
    hits = app.post("collections/회의록/search", json={"query": "예산", "mode": "lexical"})
    conforms(spec, "/v1/collections/{name}/search", "post", 200, hits.json())
    conforms(spec, "/v1/collections/{name}", "delete", 200, app.delete("collections/회의록").json())
    memory = app.post("memories", json={"content": "나는 부산에 산다"})
    conforms(spec, "/v1/memories", "post", 201, memory.json())
    conforms(spec, "/v1/memories", "get", 200, app.get("memories").json())
    talk = app.post("conversations", json={})
    conforms(spec, "/v1/conversations", "post", 201, talk.json())
    cid = talk.json()["id"]
    conforms(spec, "/v1/conversations/{cid}", "get", 200, app.get(f"conversations/{cid}").json())
    conforms(spec, "/health", "get", 200, app.get("/health").json())


def test_a_drifted_body_fails_its_schema(spec: dict[str, Any]) -> None:
    """The schemas are strict enough to catch a route that changes its shape."""
    with pytest.raises(jsonschema.ValidationError):
        conforms(spec, "/v1/models", "get", 200, {"object": "list", "data": [{"id": "하늘"}]})
    with pytest.raises(jsonschema.ValidationError):
        conforms(spec, "/v1/tokenize", "post", 200, {"model": "echo", "tokens": ["하", "늘"]})


def test_created_resources_document_201_not_200(spec: dict[str, Any]) -> None:
    for path in ("/v1/collections", "/v1/conversations", "/v1/memories"):
        assert "201" in spec["paths"][path]["post"]["responses"]
        assert "200" not in spec["paths"][path]["post"]["responses"], path


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/collections", "GET, POST"),
        ("/v1/conversations/conv_없음", "GET, PATCH, DELETE"),
        ("/v1/memories/mem_없음", "PATCH, DELETE"),
        ("/tuning/v2/tasks", "GET, POST"),
        ("/v1/memories/log", "GET"),  # not the PATCH and DELETE of /v1/memories/{mid}
    ],
)
def test_a_405_names_every_method_of_its_path(app: AppClient, path: str, allow: str) -> None:
    res = app.request("PUT", path, json={})
    assert res.status_code == 405
    assert res.headers["allow"] == allow


@pytest.mark.parametrize(
    "extra",
    [{"include_ai_filters": 0}, {"stream": "true"}, {"n": "2"}, {"stream": 1}],
)
def test_coerced_values_are_refused(app: AppClient, extra: dict[str, Any]) -> None:
    body = {"model": "echo", "messages": [{"role": "user", "content": "하늘"}], **extra}
    res = app.post("chat/completions", json=body)
    assert res.status_code == 400, res.text
    assert res.json()["error"]["param"] == next(iter(extra))


def test_the_schema_says_a_tool_message_needs_its_call_id(
    app: AppClient, spec: dict[str, Any]
) -> None:
    message = {"$ref": "#/components/schemas/ChatMessage"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"role": "tool", "content": "맑음"}, {**spec, **message})
    jsonschema.validate(
        {"role": "tool", "content": "맑음", "tool_call_id": "call_1"}, {**spec, **message}
    )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"role": "user"}, {**spec, **message})


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("embeddings", {"model": "echo", "input": []}),
        ("embeddings", {"model": "echo", "input": ["  "]}),
        ("completions", {"model": "echo", "prompt": ""}),
        ("completions", {"model": "echo", "prompt": ["하늘", "바다"]}),
        ("moderations", {"input": []}),
    ],
)
def test_what_the_schema_refuses_the_server_refuses(
    app: AppClient, spec: dict[str, Any], route: str, body: dict[str, Any]
) -> None:
    operation = spec["paths"][f"/v1/{route}"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, {**spec, **ref})
    assert app.post(route, json=body).status_code == 400


def test_a_collection_name_pattern_is_in_the_schema(app: AppClient, spec: dict[str, Any]) -> None:
    name = spec["components"]["schemas"]["CreateCollection"]["properties"]["name"]
    assert "pattern" in name
    assert app.post("collections", json={"name": "회의 록"}).status_code == 400
    assert app.post("collections", json={"name": "회의_록-2026.v1"}).status_code == 201
