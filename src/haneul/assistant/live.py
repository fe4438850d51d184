"""Questions about live information (the weather, exchange rates and market prices, today's
news) that no built-in skill and no uploaded document answers: the reply is fixed and says
where to look. Haneul runs on the organisation's own machines, often offline; a model of any
size asked «오늘 몇 도야?» can only make a number up (the calendar skill had answered it with
today's date, the small model declined it as general knowledge).

An installed skill that does know (an OpenAPI weather tool) is routed before this is read
(`Assistant.run`), and a message that names documents is left to the document search."""

from __future__ import annotations

import re

_WHEN = r"(?:오늘|내일|모레|지금|현재|요즘|이번\s*주|주말|오후|오전|아침|저녁|밤)"
_WEATHER = r"날씨|기온|미세\s*먼지|초미세\s*먼지|황사"
_KINDS = {
    "weather": re.compile(
        rf"(?:{_WEATHER})\s*(?:가|는|이|은)?\s*(?:어때|어떻|알려|좋아|좋니|괜찮|맑|흐|몇|나빠|심해)|"
        r"일기\s*예보|강수\s*확률|"
        + _WHEN
        + rf"\s*(?:[가-힣]+\s*)?(?:{_WEATHER}|몇\s*도|비\s*(?:와|올|오|내리)|"
        r"눈\s*(?:와|올|오|내리)|추워|더워|춥|덥|쌀쌀)"
    ),
    "market": re.compile(
        r"주가|코스피|코스닥|나스닥|다우\s*지수|(?:금|비트코인|코인|주식)\s*시세|"
        + _WHEN
        + r"\s*(?:[가-힣]+\s*)?(?:환율|시세)|환율\s*(?:얼마|어때|알려)|"
        r"\d*\s*(?:달러|엔화?|유로|위안)(?:는|은|가|이|면|에)?\s*(?:한국\s*돈으로\s*)?(?:몇|얼마)\s*원"
    ),
    "news": re.compile(
        _WHEN + r"\s*(?:[가-힣]+\s*)?(?:뉴스|속보)(?!레터)|실시간\s*(?:뉴스|검색어|소식)"
    ),
}
_REPLIES = {
    "weather": (
        "날씨와 기온은 알려 드릴 수 없어요. 하늘은 이 조직의 서버에서 인터넷 없이도 돌아가도록 "
        "만들어져 실시간 날씨를 가져오지 않아요. 기상청 날씨누리(weather.go.kr)나 날씨 앱에서 "
        "확인해 주세요."
    ),
    "market": (
        "환율과 주가 같은 시세는 알려 드릴 수 없어요. 하늘은 이 조직의 서버에서 인터넷 없이도 "
        "돌아가도록 만들어져 실시간 시세를 가져오지 않아요. 은행이나 증권사 앱에서 확인해 주세요. "
        "환율을 알려 주시면 금액 계산은 도와드릴 수 있어요."
    ),
    "news": (
        "오늘의 뉴스는 알려 드릴 수 없어요. 하늘은 이 조직의 서버에서 인터넷 없이도 돌아가도록 "
        "만들어져 실시간 소식을 가져오지 않아요. 뉴스 사이트나 앱에서 확인해 주세요."
    ),
}
REASON = "live information the system does not have"


# a question or a request: «오늘 날씨가 참 맑네요» tells, it does not ask
_ASKS = re.compile(
    r"[?？]|어때|어떻|알려|몇|얼마|언제|나요|[니냐]\s*$|올까|오나|인가|줘|주세요|궁금|"
    r"[와워]\s*$|(?:해|돼|야)\s*$"
)


def kind(text: str) -> str | None:
    """Which live information `text` asks for (weather, market, news), or None."""
    if re.search(r"섭씨|화씨|℃|℉|\d\s*도", text):  # «섭씨 30도는 화씨로 몇 도야?»: a conversion
        return None
    if not _ASKS.search(text.strip()):
        return None
    return next((k for k, pattern in _KINDS.items() if pattern.search(text)), None)


def reply(text: str) -> str | None:
    """The fixed reply to a question about live information, or None."""
    found = kind(text)
    return None if found is None else _REPLIES[found]
