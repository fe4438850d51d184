"""The one mapping from exceptions to the API's error shape: OpenAI's
`{"error": {"message", "type", "param", "code"}}`, and on CLOVA Studio's native routes
(`/tuning/...`, `/v3/tasks/...`, `/v3/chat-completions/...`) CLOVA's
`{"status": {"code": "40001", "message"}}`."""

from __future__ import annotations

import logging
import math
import re
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from haneul.errors import ContextLengthError, HaneulError, RateLimitError, UnsupportedError

log = logging.getLogger(__name__)


class StoreBusyError(HaneulError):
    """The SQLite store stayed locked by another writer past its busy timeout."""

    status = 503
    type = "server_error"
    code = "store_busy"
    retry_after = 5.0


def is_locked(exc: sqlite3.OperationalError) -> bool:
    """SQLite's 'database is locked' / 'database table is locked' / 'busy' errors."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def error_body(exc: HaneulError) -> dict[str, Any]:
    return {
        "error": {"message": exc.message, "type": exc.type, "param": exc.param, "code": exc.code}
    }


CLOVA_ROUTES: tuple[str, ...] = ("/tuning/", "/v3/tasks/", "/v1/tasks/", "/v3/chat-completions/")
CLOVA_ROUTES += ("/v1/api-tools/", "/v3/api-tools/")  # server/clova/tools.py
CLOVA_ROUTES += ("/v1/routers/",)  # server/clova/router.py
CLOVA_ROUTES += ("/v1/chat-completions/", "/testapp/", "/serviceapp/")  # clova/chat_v1.py
# clova/skillsets.py: the final answer and its confirmations (the trainer's routes are Haneul's)
CLOVA_PATHS = re.compile(r"/v1/skillsets/[^/]+/versions/[^/]+/(final-answer|confirmations/)")


def is_clova(path: str) -> bool:
    """The path (or OpenAPI path template) answers errors in CLOVA's shape."""
    return path.startswith(CLOVA_ROUTES) or CLOVA_PATHS.match(path) is not None


_CLOVA_CODES = {400: "40001", 401: "40100", 413: "41300", 429: "42900", 500: "50000"}


def clova_code(exc: HaneulError) -> str:
    """CLOVA Studio's status.code: 40001 invalid parameter, 40003 context too long, 40009
    unsupported, 40100 auth, 42900 rate limit, 50000 server; other statuses as NNN00."""
    if code := getattr(exc, "clova_code", None):  # e.g. 40080 for an unmapped CLOVA model name
        return str(code)
    if isinstance(exc, ContextLengthError):
        return "40003"
    if isinstance(exc, UnsupportedError):
        return "40009"
    return _CLOVA_CODES.get(exc.status, f"{exc.status}00")


def error_response(exc: HaneulError, path: str = "") -> JSONResponse:
    headers = {}
    if isinstance(exc, RateLimitError | StoreBusyError):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    body: dict[str, Any] = error_body(exc)
    if path.startswith("/v1/openai/"):  # CLOVA's OpenAI-compatible path: CLOVA's codes
        body["error"]["code"] = clova_code(exc)
    if is_clova(path):
        body = {"status": {"code": clova_code(exc), "message": exc.message}}
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    first = exc.errors()[0]
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    if first.get("type") == "json_invalid":
        return "request body is not valid JSON", None
    if first.get("type") == "missing" and not loc:
        return "request body is missing", None
    param = ".".join(loc) or None
    msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden":
        msg = "unknown parameter"
    return (f"{param}: {msg}" if param else msg), param


def allowed_methods(request: Request) -> str | None:
    """Every method the API documents for this path (Starlette's own `Allow` names only the
    first route's, and one path often has a GET route and a POST route). A literal path
    (`/v1/memories/log`) counts only itself, not a template it also fits (`/v1/memories/{mid}`).
    None for a path the schema does not list."""
    path = request.scope["path"]
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    if path not in paths:
        fits = [t for t in paths if re.fullmatch(_template(t), path)]
        if len(fits) != 1:
            return None
        path = fits[0]
    return ", ".join(m.upper() for m in _METHODS if m in paths[path])


_METHODS = ("get", "post", "put", "patch", "delete")


def _template(path: str) -> str:
    """A regex for an OpenAPI path template: `/v1/collections/{name}` -> `/v1/collections/[^/]+`."""
    return re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HaneulError)
    async def _haneul(request: Request, exc: HaneulError) -> JSONResponse:
        if exc.status >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc.message)
        if isinstance(exc, RateLimitError):
            request.app.state.metrics.rate_limited.labels(exc.code).inc()
        return error_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = _validation_message(exc)
        err = HaneulError(message, param=param)
        err.status, err.type, err.code = 400, "invalid_request_error", "invalid_request_error"
        return error_response(err, request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        err = HaneulError(str(exc.detail))
        err.status, err.type = exc.status_code, "invalid_request_error"
        err.code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        response = error_response(err, request.url.path)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405 and (allow := allowed_methods(request)):
            response.headers["Allow"] = allow
        return response

    @app.exception_handler(sqlite3.OperationalError)
    async def _store(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        if not is_locked(exc):
            log.error("store error on %s %s", request.method, request.url.path, exc_info=exc)
            internal = HaneulError("internal error; see the server log")
            return error_response(internal, request.url.path)
        log.warning("store locked on %s %s: %s", request.method, request.url.path, exc)
        busy = StoreBusyError("the store is busy (another writer holds the lock); retry shortly")
        return error_response(busy, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(HaneulError("internal error; see the server log"), request.url.path)
