"""A mail thread's summary is right by construction: the model's summary is shown only when it
passes the answer checks against the thread, else each message's own first sentences; what
haneul-mini-ko wrote for bench/data/mail_threads_ko.jsonl is refused for the reason it is
wrong."""

from __future__ import annotations

from email.mime.text import MIMEText

from haneul.workspace.mail import assist, summary
from haneul.workspace.mail.parse import Parsed, parse


def _mail(sender: str, subject: str, body: str, number: int = 1) -> Parsed:
    message = MIMEText(body, "plain", "utf-8")
    message["From"], message["Subject"] = sender, subject
    message["Message-ID"] = f"<m{number}@hanul-corp.kr>"
    return parse(message.as_bytes())


WORKSHOP = _mail(
    "한도윤 부장 <doyoon.han@hanul-corp.kr>",
    "연말 워크숍 장소 확정",
    "김하늘 님,\n연말 워크숍 장소를 양평 리조트로 확정했습니다. 12월 19일 출발이고 버스는 "
    "오전 8시에 본사 앞에서 출발합니다. 참석 인원을 수요일까지 정리해 주세요.\n\n한도윤 드림",
)
THREAD = assist.thread_text([WORKSHOP])


def test_what_the_small_model_wrote_wrong_is_refused_for_its_reason() -> None:
    refused = {
        '[{"task": "워크숍 참석 인원", "due": "수요일"}]': "JSON",
        "양평 리조트로 양평 리조트로 양평 리조트로 양평 리조트로 양평 리조트로": "repeated",
        "12월 19일 오후 3시에 출발합니다.": "number 3시",
        "메일 스레드를 한국어로 3문장 이내로 요약하세요.": "leaked",
        "3문장 이상 이내에 스레드에 없습니다.": "number 3문",
        "Workshop on December 19 at the resort.": "not Korean prose",
        "": "wrote nothing",
        THREAD: "not shorter",
    }
    for text, why in refused.items():
        problem = summary.problem(text, THREAD, small=False)
        assert problem is not None and why in problem, (text, problem)
    # on a small model a noun the thread does not hold is refused as well
    invented = "워크숍 예산 승인을 부탁했습니다."
    assert summary.problem(invented, THREAD, small=False) is None
    assert "not in the sources" in str(summary.problem(invented, THREAD, small=True))
    right = (
        "한도윤 부장이 12월 19일 양평 리조트 워크숍의 참석 인원을 수요일까지 정리해 달라고 "
        "했습니다."
    )
    assert summary.problem(right, THREAD, small=True) is None


def test_the_extractive_summary_is_each_message_past_its_greeting() -> None:
    reply = _mail(
        "김하늘 <me@hanul-corp.kr>",
        "Re: 연말 워크숍 장소 확정",
        "안녕하세요, 김하늘입니다.\n참석 인원은 12명입니다. 버스 좌석도 12석이면 됩니다.\n"
        "> 참석 인원을 수요일까지 정리해 주세요.\n\n감사합니다.",
        2,
    )
    lines = summary.extractive([WORKSHOP, reply]).splitlines()
    assert lines == [
        "한도윤 부장님: 연말 워크숍 장소를 양평 리조트로 확정했습니다. 12월 19일 출발이고 "
        "버스는 오전 8시에 본사 앞에서 출발합니다. 참석 인원을 수요일까지 정리해 주세요.",
        "김하늘 님: 참석 인원은 12명입니다. 버스 좌석도 12석이면 됩니다.",
    ]
    shown = summary.checked(assist.Written("[공지] 워크숍 장소 확정 " * 3, "m", {}), [WORKSHOP])
    assert shown.drafted == "extractive" and shown.text.startswith("한도윤 부장님: 연말 워크숍")
    kept = summary.checked(
        assist.Written("워크숍은 12월 19일 양평 리조트입니다.", "m", {}), [WORKSHOP]
    )
    assert (kept.drafted, kept.reason) == ("model", None)
    # a summary cut by its token budget keeps its whole sentences only
    cut = assist.Written("워크숍은 12월 19일입니다. 버스는 오전", "m", {}, finish="length")
    assert summary.checked(cut, [WORKSHOP]).text == "워크숍은 12월 19일입니다."
