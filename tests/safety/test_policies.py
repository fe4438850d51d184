"""Per-key AI Filter policies on chat, `include_ai_filters`, and the audit log.

The echo model answers with the user's message, so what reaches the model is visible."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

import httpx
import openai
import pytest

from haneul.safety.policy import REFUSAL_KO
from tests.conftest import RunningServer
from tests.safety.test_pii import RRN

PHONE = "010-1234-5678"


# The mask, refuse, block and bad-policy tests share the module's `echo_server`, each through
# a key of its own; the unkeyed annotate test (a created key makes keys required) and the
# audit test (it reads the whole audit table) take fresh servers.


def _key(srv: RunningServer, name: str, policy: str) -> openai.OpenAI:
    return srv.client(srv.create_key(name, "--safety-policy", policy))


def _say(client: openai.OpenAI, text: str, **kw: object) -> object:
    return client.chat.completions.create(
        model="echo",
        messages=[{"role": "user", "content": text}],
        **kw,  # type: ignore[call-overload]
    )


def test_annotate_returns_the_verdict_in_clova_shape(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory()
    reply = _say(srv.client(), "야 씨@발 진짜", extra_body={"include_ai_filters": True})
    assert reply.choices[0].message.content == "야 씨@발 진짜"  # annotate changes nothing
    filters = {(f["groupName"], f["name"]): f for f in reply.model_extra["ai_filter"]}
    assert filters[("curse", "insult")]["score"] == "0"  # likely
    assert filters[("unsafeContents", "sexualHarassment")]["score"] == "2"  # unlikely
    assert all(f["result"] == "OK" for f in filters.values())
    assert "ai_filter" not in _say(srv.client(), "안녕").model_extra  # only when asked
    chunks = list(_say(srv.client(), "씨@발", stream=True, extra_body={"include_ai_filters": True}))
    assert chunks[-1].choices == [] and chunks[-1].model_extra["ai_filter"]


def test_mask_hides_personal_data_from_the_model(
    echo_server: RunningServer,
) -> None:
    srv = echo_server
    client = _key(srv, "masked", "mask")
    reply = _say(client, f"제 번호는 {PHONE}, 주민번호는 {RRN} 입니다")
    assert (
        reply.choices[0].message.content == "제 번호는 [전화번호], 주민번호는 [주민등록번호] 입니다"
    )


def test_refuse_answers_acceptably_without_the_model(
    echo_server: RunningServer,
) -> None:
    srv = echo_server
    client = _key(srv, "refusing", "refuse")
    reply = _say(client, "시 발 놈아")
    assert reply.choices[0].message.content == REFUSAL_KO
    assert reply.choices[0].finish_reason == "content_filter"
    streamed = "".join(
        c.choices[0].delta.content or "" for c in _say(client, "ㅅㅂ", stream=True) if c.choices
    )
    assert streamed == REFUSAL_KO
    assert _say(client, "안녕하세요").choices[0].message.content == "안녕하세요"


def test_block_refuses_with_a_400(echo_server: RunningServer) -> None:
    srv = echo_server
    client = _key(srv, "strict", "block")
    with pytest.raises(openai.BadRequestError) as error:
        _say(client, "너 병신이냐")
    assert error.value.code == "content_filter"
    assert _say(client, "좋은 아침").choices[0].message.content == "좋은 아침"


def test_audit_log_keeps_decisions_not_data(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    masked = _key(srv, "masked", "mask")
    blocked = _key(srv, "strict", "block")
    _say(masked, f"주민번호 {RRN}")
    with pytest.raises(openai.BadRequestError):
        _say(blocked, "씨@발")
    deadline = time.monotonic() + 30  # the audit log is written in batches, off the loop
    while True:
        rows = (
            sqlite3.connect(srv.home / "haneul.db")
            .execute("SELECT direction, action, categories FROM safety_audit ORDER BY id")
            .fetchall()
        )
        if len(rows) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert ("input", "masked", '["pii.rrn"]') in rows
    assert ("input", "blocked", '["profanity"]') in rows
    raw = b"".join(p.read_bytes() for p in srv.home.glob("haneul.db*"))
    assert RRN.encode() not in raw


def test_bad_policy_is_refused(echo_server: RunningServer) -> None:
    srv = echo_server
    done = srv.cli("keys", "create", "x", "--safety-policy", "검열")
    assert done.returncode == 1 and "annotate, mask, refuse, block" in done.stderr
    assert httpx.get(srv.url + "/health").status_code == 200
