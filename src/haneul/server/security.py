"""Browser-facing defences, as one pure ASGI middleware (streams pass through untouched).

- Security headers on every response: a Content-Security-Policy that lets a page load only
  from the server's own origin (images also from `data:` and `blob:`), `nosniff`, no
  referrer, no framing, a same-origin opener.
- A Host allow-list against DNS rebinding: loopback names, the bound address, IP literals
  and `HANEUL_ALLOWED_HOSTS`; any other Host gets a 400 before the app sees the request.
- An Origin check against cross-site request forgery: a state-changing request (POST, PUT,
  PATCH, DELETE) whose `Origin` (or, without one, `Referer`) is neither the server's own
  origin nor in `HANEUL_ALLOWED_ORIGINS` gets a 403. Requests without either header (curl,
  the SDKs) pass: only browsers send them, and browsers always do on cross-site writes.

A response that sets its own Content-Security-Policy (the API docs pages) keeps it.
See docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from haneul.config import Settings
from haneul.errors import HaneulError, InvalidRequestError, PermissionDeniedError
from haneul.server.errors import error_response

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class InvalidHostError(InvalidRequestError):
    code = "invalid_host"


class CrossOriginError(PermissionDeniedError):
    code = "cross_origin_request"


def split_host(value: str) -> tuple[str, int | None]:
    """`Host`-style `name[:port]` or `[v6]:port` as (lower-case name, port or None)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":")
    elif value.count(":") == 1:
        name, _, port = value.partition(":")
    else:  # a bare name, or a bare IPv6 address
        name, port = value, ""
    if port and not port.isdigit():
        return name.rstrip("."), -1
    return name.rstrip("."), int(port) if port else None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostPolicy:
    """Which Host names and which foreign origins the server accepts."""

    def __init__(self, settings: Settings) -> None:
        names = [n.strip().lower() for n in settings.allowed_hosts if n.strip()]
        self.any_host = "*" in names
        bound = settings.host.strip("[]").lower()
        self.hosts = {*LOOPBACK_NAMES, *names} | ({bound} if bound not in WILDCARDS else set())
        origins = [o.strip().lower().rstrip("/") for o in settings.allowed_origins if o.strip()]
        self.any_origin = "*" in origins
        self.origins = set(origins)

    def host_allowed(self, host: str) -> bool:
        if not host:
            return True  # HTTP/1.0 without Host: not a browser, so not a rebinding
        name, port = split_host(host)
        if port == -1 or not name:
            return False
        if self.any_host or name in self.hosts or _is_ip(name):
            # An IP literal cannot be rebound: DNS rebinding needs the attacker's own name.
            return True
        return any(h.startswith(".") and (name.endswith(h) or name == h[1:]) for h in self.hosts)

    def origin_allowed(self, origin: str, host: str) -> bool:
        """Whether a browser page at `origin` may change state on this server (`host`)."""
        if self.any_origin or origin.lower().rstrip("/") in self.origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False  # "null" (sandboxed frames, file:), other schemes
        try:
            origin_port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            return False
        # Host and port, not the scheme: behind a TLS proxy the page is https while this
        # server sees http; a Host without a port means the default of the page's scheme.
        name, port = split_host(host)
        own_port = port or DEFAULT_PORTS[parts.scheme]
        return parts.hostname.rstrip(".") == name and origin_port == own_port


class SecurityMiddleware:
    """Refuses foreign Hosts and cross-site writes, and adds the security headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.policy = HostPolicy(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        refusal = self.refusal(scope)
        if refusal is not None:
            await error_response(refusal, scope.get("path", ""))(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope) -> HaneulError | None:
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if not self.policy.host_allowed(host):
            return InvalidHostError(
                f"Host '{host[:100]}' is not served here; add it to HANEUL_ALLOWED_HOSTS "
                "if this server should answer to that name"
            )
        if scope["method"] not in STATE_CHANGING:
            return None
        origin = headers.get("origin")
        if origin is None and (referer := headers.get("referer")):
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}"
        if origin is None or self.policy.origin_allowed(origin, host):
            return None
        return CrossOriginError(
            f"cross-origin request from '{origin[:100]}' refused; add the origin to "
            "HANEUL_ALLOWED_ORIGINS if that page should use this server"
        )


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def docs_page(page: HTMLResponse) -> HTMLResponse:
    """FastAPI's Swagger UI or ReDoc page with its own CSP: their scripts and styles from
    jsDelivr, the page's one inline script by its hash, inline styles (neither page shows
    user content: only the API's own schema)."""
    body = bytes(page.body).decode("utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(body)
    )
    cdn = "https://cdn.jsdelivr.net"
    page.headers["content-security-policy"] = (
        f"default-src 'self'; script-src 'self' {cdn} {hashes}; "
        f"style-src 'self' 'unsafe-inline' {cdn} https://fonts.googleapis.com; "
        "img-src 'self' data: https:; font-src 'self' https://fonts.gstatic.com; "
        "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    return page
