"""Browser-facing defences on a real server: security headers on every response (streams
included), the Host allow-list against DNS rebinding, the Origin check against cross-site
writes, and the API docs behind keys when keys are required."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from haneul.config import Settings
from haneul.server.security import CSP, HostPolicy
from tests.conftest import RunningServer

EXPECTED = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
REBIND = "rebind.attacker.example"
EVIL = "http://evil.example"
NOTE = "회의록: 서울시청 앞 광장에서 다음 주 화요일 오전 10시에 모입니다.".encode()


def _secured(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name)


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == code
    _secured(response)
    return error


def _upload(srv: RunningServer, collection: str, **headers: str) -> httpx.Response:
    with srv.http() as http:
        return http.post(
            f"/collections/{collection}/documents",
            files=[("files", ("회의록.txt", NOTE))],
            headers=headers,
        )


@pytest.fixture
def srv(echo_server: RunningServer) -> RunningServer:
    """The module's shared echo server (no keys: a test that needs them uses `keyed`)."""
    return echo_server


def test_every_response_carries_the_security_headers(srv: RunningServer) -> None:
    for path in ("/", "/health", "/static/app.js", "/v1/models", "/v1/없는-경로", "/openapi.json"):
        _secured(httpx.get(srv.url + path, timeout=30))
    _secured(httpx.post(srv.api + "/chat/completions", content=b"{", timeout=30))
    body = {
        "model": "echo",
        "messages": [{"role": "user", "content": "안녕하세요"}],
        "stream": True,
    }
    with httpx.stream("POST", srv.api + "/chat/completions", json=body, timeout=60) as stream:
        _secured(stream)
        assert stream.headers["content-type"].startswith("text/event-stream")
        text = "".join(stream.iter_text())
    assert "[DONE]" in text and "요" in text  # the stream itself passes untouched


def test_a_rebinding_host_is_refused(srv: RunningServer) -> None:
    with srv.http() as http:
        assert http.post("/conversations", json={"title": "비밀 대화"}).status_code == 201
        assert http.post("/memories", json={"content": "내 이름은 김하늘이야"}).status_code == 201
        for path in ("/conversations", "/memories"):
            error = _error(http.get(path, headers={"Host": REBIND}), 400, "invalid_host")
            assert REBIND in error["message"] and "HANEUL_ALLOWED_HOSTS" in error["message"]
            assert "김하늘" not in error["message"]
            port = srv.url.rsplit(":", 1)[1]
            assert http.get(path, headers={"Host": f"{REBIND}:{port}"}).status_code == 400
            assert http.get(path, headers={"Host": f"localhost:{port}"}).status_code == 200
        # a write through a rebound name is refused before it touches anything
        _error(
            http.post("/memories", json={"content": "x"}, headers={"Host": REBIND}),
            400,
            "invalid_host",
        )
        memories = http.get("/memories").json()["data"]
        assert [m["content"] for m in memories] == ["내 이름은 김하늘이야"]


def test_a_cross_site_upload_is_refused_and_the_own_origin_works(srv: RunningServer) -> None:
    with srv.http() as http:
        assert http.post("/collections", json={"name": "회의"}).status_code == 201
    error = _error(_upload(srv, "회의", Origin=EVIL), 403, "cross_origin_request")
    assert EVIL in error["message"]
    _error(_upload(srv, "회의", Referer=EVIL + "/page.html"), 403, "cross_origin_request")
    _error(_upload(srv, "회의", Origin="null"), 403, "cross_origin_request")
    port = srv.url.rsplit(":", 1)[1]
    # another port on the same machine is another origin
    _error(
        _upload(srv, "회의", Origin=f"http://127.0.0.1:{int(port) + 1}"),
        403,
        "cross_origin_request",
    )
    with srv.http() as http:
        assert http.get("/collections/회의/documents").json()["data"] == []
    own = _upload(srv, "회의", Origin=srv.url)
    assert own.status_code in (200, 202), own.text
    assert _upload(
        srv, "회의", Origin=f"http://localhost:{port}", Host=f"localhost:{port}"
    ).is_success
    # no Origin at all (curl, the SDKs): passes, and so does the openai client's chat
    assert _upload(srv, "회의").is_success
    answer = srv.client().chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "반갑습니다"}]
    )
    assert answer.choices[0].message.content == "반갑습니다"
    # reads with a foreign Origin pass (no CORS headers: the browser hides the answer)
    with srv.http() as http:
        assert http.get("/collections", headers={"Origin": EVIL}).status_code == 200


def test_configured_hosts_and_origins(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory(
        allowed_hosts="haneul.internal,.corp.example", allowed_origins="http://app.internal:3000"
    )
    with srv.http() as http:
        for host in ("haneul.internal", "api.corp.example", "corp.example", "10.1.2.3:8000"):
            assert http.get("/conversations", headers={"Host": host}).status_code == 200, host
        for host in ("haneul.internal.evil.example", "xcorp.example", REBIND):
            _error(http.get("/conversations", headers={"Host": host}), 400, "invalid_host")
        ok = http.post("/conversations", json={}, headers={"Origin": "http://app.internal:3000"})
        assert ok.status_code == 201
        refused = http.post("/conversations", json={}, headers={"Origin": "http://app.internal"})
        _error(refused, 403, "cross_origin_request")


def test_the_host_policy() -> None:
    policy = HostPolicy(Settings(host="127.0.0.1", allowed_hosts=["하늘.example"]))
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "::1", "하늘.example:80", ""):
        assert policy.host_allowed(host), host
    for host in (REBIND, "localhost.attacker.example", "localhost:abc", "127.0.0.1.nip.io"):
        assert not policy.host_allowed(host), host
    assert policy.origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert policy.origin_allowed("https://하늘.example", "하늘.example:443")
    assert not policy.origin_allowed("http://127.0.0.1:8001", "127.0.0.1:8000")
    assert policy.origin_allowed("https://하늘.example", "하늘.example")  # behind a TLS proxy
    assert not policy.origin_allowed("http://하늘.example", "하늘.example:443")
    assert not policy.origin_allowed("null", "127.0.0.1:8000")
    assert HostPolicy(Settings(allowed_hosts=["*"])).host_allowed(REBIND)
    wildcard = HostPolicy(Settings(host="0.0.0.0"))
    assert wildcard.host_allowed("192.168.0.7:8000") and not wildcard.host_allowed("0.0.0.0.evil")


def test_api_docs_are_public_without_keys(srv: RunningServer) -> None:
    spec = httpx.get(srv.url + "/openapi.json", timeout=30)
    assert spec.status_code == 200 and "/v1/chat/completions" in spec.json()["paths"]
    for path in ("/docs", "/redoc"):
        page = httpx.get(srv.url + path, timeout=30)
        assert page.status_code == 200 and "/openapi.json" in page.text
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp
    assert "'sha256-" in httpx.get(srv.url + "/docs", timeout=30).headers["content-security-policy"]


def test_api_docs_need_a_key_when_keys_are_required(
    keyed: tuple[RunningServer, str, str],
) -> None:
    srv, key, _ = keyed
    for path in ("/openapi.json", "/docs", "/redoc"):
        _error(httpx.get(srv.url + path, timeout=30), 401, "invalid_api_key")
        bad = {"Authorization": "Bearer hn-wrong-key"}
        assert httpx.get(srv.url + path, headers=bad, timeout=30).status_code == 401
        good = httpx.get(srv.url + path, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        assert good.status_code == 200, path
    assert httpx.get(srv.url + "/health", timeout=30).status_code == 200
