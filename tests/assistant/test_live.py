"""Questions about live information (the weather, exchange rates, today's news), which nothing
in an offline install knows: a fixed reply that says where to look, on a real server, for a
small and a large model alike; conversions and document questions that share their words are
read as before. And «넌 누가 만들었어?», answered by the system as it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from haneul.assistant import compose, live
from haneul.skills.builtin.calendar import parse as calendar_parse
from tests.assistant.scripted_plugin import PLUGIN, scripted_home
from tests.assistant.test_compose_server import _http, _stream, _text
from tests.conftest import RunningServer


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("오늘 몇 도야?", "weather"),
        ("내일 비 와?", "weather"),
        ("서울 날씨 알려줘", "weather"),
        ("1달러는 몇 원이야?", "market"),
        ("삼성전자 주가 알려줘", "market"),
        ("오늘 뉴스 알려줘", "news"),
        # the same words, another question
        ("화씨 100도는 섭씨로 몇 도야?", None),
        ("해외 출장 환율 기준이 뭐야?", None),
        ("봄에 날씨 좋은 여행지 추천해줘", None),
        ("오늘 회의 뉴스레터 요약해줘", None),
        ("각도가 몇 도야?", None),
        # told, not asked: the streamed chat test's «오늘 서울 날씨가 참 맑네요.»
        ("안녕하세요. 오늘 서울 날씨가 참 맑네요. 오후에는 자전거를 탈 생각이에요.", None),
    ],
)
def test_live_information_is_recognised(text: str, kind: str | None) -> None:
    assert live.kind(text) == kind


def test_the_calendar_does_not_read_the_weather_as_a_date() -> None:
    """«오늘 몇 도야?» was answered with today's date."""
    assert calendar_parse("오늘 몇 도야?") is None
    assert calendar_parse("내일 날씨 어때?") is None
    assert calendar_parse("오늘 며칠이야?") is not None


def test_who_made_the_assistant() -> None:
    for asked in ("하늘아 넌 누가 만들었어?", "누가 너를 만들었어?", "너를 만든 회사는 어디야?"):
        assert compose.is_about_maker(asked), asked
    for other in ("이 보고서 누가 만들었어?", "우리 회사 앱은 누가 개발했어?"):
        assert not compose.is_about_maker(other), other


@pytest.fixture
def scripted(server_factory: Callable[..., RunningServer], tmp_path: Path) -> RunningServer:
    home = tmp_path / "scripted"
    scripted_home(home, {})
    return server_factory(home, plugins=PLUGIN, default_model="scripted")


@pytest.mark.parametrize("model", ["scripted-small", "scripted"])
def test_live_questions_get_the_fixed_reply_on_a_real_server(
    scripted: RunningServer, model: str
) -> None:
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        weather = _stream(http, cid, "오늘 몇 도야?", model=model)
        assert _text(weather) == live.reply("오늘 몇 도야?")
        assert "weather.go.kr" in _text(weather)
        assert not any(e["type"] == "skill_call" for e in weather)  # not the calendar
        assert weather[-1]["composed"]["reason"] == live.REASON
        assert _text(_stream(http, cid, "1달러는 몇 원이야?", model=model)).startswith(
            "환율과 주가 같은 시세는 알려 드릴 수 없어요."
        )
        # a conversion with 몇 도 is still the skill's
        converted = _stream(http, cid, "화씨 100도는 섭씨로 몇 도야?", model=model)
        assert any(e["type"] == "skill_call" for e in converted)
        maker = _text(_stream(http, cid, "하늘아 넌 누가 만들었어?", model=model))
        assert maker == compose.MAKER_KO
