"""The Haneul exception tree. Errors are raised, never returned, and mapped once to the wire.

    HaneulError                      500 internal_error
    ├── InvalidRequestError          400 invalid_request_error
    │   ├── ContextLengthError       400 context_length_exceeded
    │   ├── UnsupportedError         400 unsupported
    │   ├── ContentFilterError       400 content_filter
    │   └── RequestTooLargeError     413 request_too_large
    ├── AuthenticationError          401 invalid_api_key
    ├── AccountLockedError           423 account_locked (carries retry_after)
    ├── PermissionDeniedError        403 permission_denied
    ├── NotFoundError                404 not_found
    │   └── ModelNotFoundError       404 model_not_found
    ├── ConflictError                409 conflict
    ├── RateLimitError               429 rate_limit_exceeded (carries retry_after)
    │   └── EngineBusyError          429 engine_overloaded (the engine's slots stayed full)
    ├── EngineError                  500 engine_error
    ├── UpstreamError                502 upstream_error
    └── ModelLoadError               503 model_unavailable

Each error knows its HTTP status, its OpenAI `type` and `code`, and optionally the
request parameter (`param`) at fault.
"""

from __future__ import annotations


class HaneulError(Exception):
    status: int = 500
    type: str = "server_error"
    code: str = "internal_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code


class InvalidRequestError(HaneulError):
    status = 400
    type = "invalid_request_error"
    code = "invalid_request_error"


class ContextLengthError(InvalidRequestError):
    code = "context_length_exceeded"


class UnsupportedError(InvalidRequestError):
    code = "unsupported"


class ContentFilterError(InvalidRequestError):
    code = "content_filter"


class RequestTooLargeError(InvalidRequestError):
    status = 413
    code = "request_too_large"


class AuthenticationError(HaneulError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class PermissionDeniedError(HaneulError):
    status = 403
    type = "permission_error"
    code = "permission_denied"


class NotFoundError(HaneulError):
    status = 404
    type = "invalid_request_error"
    code = "not_found"


class ModelNotFoundError(NotFoundError):
    code = "model_not_found"


class ConflictError(HaneulError):
    status = 409
    type = "invalid_request_error"
    code = "conflict"


class RateLimitError(HaneulError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: float = 1.0, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class EngineBusyError(RateLimitError):
    """Every engine slot of the model stayed busy past the queue deadline. A 429, as OpenAI
    answers «The engine is currently overloaded»: the request was refused for load, is safe to
    retry after `Retry-After`, and no server fault happened (a 5xx would say one did)."""

    code = "engine_overloaded"


class EngineError(HaneulError):
    code = "engine_error"


class UpstreamError(HaneulError):
    status = 502
    type = "server_error"
    code = "upstream_error"


class ModelLoadError(HaneulError):
    status = 503
    type = "server_error"
    code = "model_unavailable"


class AccountLockedError(HaneulError):
    """Too many wrong passwords: the account refuses sign-in until `retry_after` passes."""

    status = 423
    type = "authentication_error"
    code = "account_locked"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
