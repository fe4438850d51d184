"""/openapi.json as the server really answers: FastAPI's 422 (never sent: a bad request is
a 400) replaced by the statuses Haneul does send, each with its error body (OpenAI's shape,
or CLOVA's on the CLOVA routes); streamed replies as `text/event-stream`; /metrics as
Prometheus text; each main route's success body from `server/responses.py`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from haneul.server.errors import is_clova
from haneul.server.responses import RESPONSES

PUBLIC = {"/", "/health"}
STREAMS = {
    "/v1/chat/completions",
    "/v1/openai/chat/completions",
    "/v1/completions",
    "/v3/chat-completions/{model}",
    "/v1/conversations/{cid}/messages",
    "/v1/conversations/{cid}/confirmations/{confirmation}",
}
_WHY = {
    "400": "Invalid request (a bad or unknown parameter, a body that is not valid JSON, a "
    "prompt over the context)",
    "401": "Missing or invalid API key",
    "403": "Not allowed: an admin route for a member, a cross-site request, or a session "
    "request without its X-CSRF-Token",
    "404": "No such resource (or it belongs to another key)",
    "423": "The account is locked after repeated wrong passwords",
    "409": "The resource's state or name conflicts with the request",
    "429": "Rate limit or concurrency limit reached, or no engine slot came free by the queue "
    "deadline (engine_overloaded); see Retry-After",
    "503": "The store is busy (a locked database); see Retry-After",
}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}
CLOVA_ERROR = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
# one server-sent event (`data: {...}` lines; the last is `data: [DONE]` on the OpenAI routes)
SSE_EVENT = {
    "type": "object",
    "description": "Server-sent events, one JSON chunk per `data:` line",
    "required": ["data"],
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}
_RETRY = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


CONFLICTS: tuple[str, ...] = ("/tuning/", "/v1/tasks", "/v3/tasks", "/v1/collections")
CONFLICTS += ("/v1/conversations",)
CONFLICTS += ("/v1/skillsets",)  # a name taken, a confirmation answered twice


def statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses one operation can answer with."""
    if path in PUBLIC:
        return []
    codes = ["401", "429", "503"]
    if operation.get("requestBody") or operation.get("parameters"):
        codes.append("400")
    if "{" in path or operation.get("requestBody"):  # a body may name an unknown model
        codes.append("404")
    if path.startswith(("/v1/admin", "/v1/me/")) or method in ("post", "put", "patch", "delete"):
        codes.append("403")  # a member on the admin API; a cookie request without its CSRF token
    if path == "/v1/auth/signin":
        codes.append("423")
    if method in ("post", "put", "patch", "delete") and path.startswith(CONFLICTS):
        codes.append("409")
    if path.startswith("/v1/mail"):  # no mailbox connected yet; a draft not approved, or sent
        codes.extend(c for c in ("404", "409") if c not in codes)
    return sorted(codes)


# Routes whose success is a file, not JSON: their media types.
FILES: dict[str, tuple[str, ...]] = {
    "/v1/feedback/export": ("application/jsonl", "text/csv"),
    "/v1/todos/export.ics": ("text/calendar",),
    "/v1/todos/feed/{token}.ics": ("text/calendar",),
    "/v1/reports/{report_id}/export": (
        "text/markdown",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/hwp+zip",
    ),
}
# Routes that stream server-sent events besides the chat routes.
EVENT_STREAMS = {"/v1/reports/{report_id}/generate", "/v1/reports/{report_id}/events"}
EVENT_STREAMS.add("/v1/skillsets/{skillsetId}/versions/{version}/final-answer")


def describe(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's generated schema, corrected to what the server sends."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Error"], components["ClovaError"] = ERROR, CLOVA_ERROR
    bodies = _response_schemas(components)
    for component in components.values():
        _untyped_files(component)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            ref = "ClovaError" if is_clova(path) else "Error"
            for code in statuses(path, method, operation):
                answer: dict[str, Any] = {
                    "description": _WHY[code],
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}
                    },
                }
                if code in ("429", "503"):
                    answer["headers"] = _RETRY
                responses[code] = answer
            success = [c for c in responses if c.startswith("2")] or ["200"]
            ok = responses.setdefault(success[0], {"description": "Successful Response"})
            if path == "/v1/collections/{name}/documents" and method == "post":
                responses["202"] = {
                    "description": "Accepted: large uploads are parsed in the background; "
                    "poll the job",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            if (method, path) in bodies:
                ok.setdefault("content", {})["application/json"] = {"schema": bodies[method, path]}
            if path in STREAMS or path in EVENT_STREAMS:
                ok.setdefault("content", {})["text/event-stream"] = {"schema": SSE_EVENT}
            if path in FILES:
                ok["content"] = {m: {"schema": {"type": "string"}} for m in FILES[path]}
            if path == "/metrics":
                ok["content"] = {"text/plain": {"schema": {"type": "string"}}}
    return schema


def _response_schemas(components: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The success-body schemas of `RESPONSES`, their models added to `components`."""
    keys = list(RESPONSES)
    models = list(dict.fromkeys(RESPONSES.values()))
    refs, defs = models_json_schema(
        [(m, "serialization") for m in models], ref_template="#/components/schemas/{model}"
    )
    for name, schema in defs.get("$defs", {}).items():
        if name in components and components[name] != schema:
            raise RuntimeError(f"response model {name} clashes with a request model's name")
        components[name] = schema
    return {key: refs[RESPONSES[key], "serialization"] for key in keys}


def install(app: FastAPI) -> None:
    """`app.openapi()` gives the corrected schema (built once)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def _untyped_files(schema: Any) -> None:
    """A multipart file part is bytes whatever they look like: its schema drops `type` (a
    file holding "12.5" is still a file, not a number the server should refuse)."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and (
            schema.get("format") == "binary" or "contentMediaType" in schema
        ):
            schema.pop("type")
            schema["format"] = "binary"
        for value in schema.values():
            _untyped_files(value)
    elif isinstance(schema, list):
        for value in schema:
            _untyped_files(value)
