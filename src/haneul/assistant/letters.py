"""«팀장님께 연차 신청 메일 써줘», «회의 불참 메일 초안 써줘»: the office letters people ask
for most, drafted by code from a template when the model is too small to write one (a bigger
model writes its own). The small model had declined them all. The draft takes what the
request says (to whom, the day) and what is remembered (the user's name); anything else is a
bracketed blank the user fills in, so nothing in it is made up. It is text in the chat, not a
sent mail: the mail page (and the mail skill's reply drafts) is where mail is sent."""

from __future__ import annotations

import re
from collections.abc import Iterable

from haneul.assistant.memory import remembered

REASON = "an office letter drafted from a template"  # composed.reason

_ASKED = re.compile(
    r"(?:메일|이메일|e-?mail|편지|메시지|문자|카톡|공지)\S{0,2}\s*(?:좀\s*)?"
    r"(?:써|작성|초안|만들어|보내|적어)|(?:써|작성해)\s*(?:줘|주세요|줄래)\s*[.!?]*$"
)
# (kind, what the request says, subject, body lines)
_KINDS: list[tuple[str, re.Pattern[str], str, list[str]]] = [
    (
        "leave",
        re.compile(r"연차|휴가|반차|월차|병가"),
        "{what} 사용 신청드립니다",
        [
            "{when_at} {what}를 사용하고자 말씀드립니다.",
            "사유: [사유]",
            "부재 중 급한 업무는 [대신 맡을 분]께 인계해 두겠습니다.",
            "검토 후 승인 부탁드립니다.",
        ],
    ),
    (
        "absence",
        re.compile(r"불참|참석\s*(?:못|어려|이\s*어려)|못\s*(?:가|간|참석)|빠져야|빠지"),
        "{when} 회의 불참 말씀드립니다",
        [
            "{when} 회의에 [사유]로 참석하지 못하게 되어 미리 말씀드립니다.",
            "회의 내용은 회의록으로 확인하고, 제 담당 부분은 [공유할 내용]으로 먼저 "
            "전달드리겠습니다.",
            "양해 부탁드립니다.",
        ],
    ),
    (
        "apology",
        re.compile(r"사과|죄송|미안"),
        "[일]에 대해 사과드립니다",
        [
            "[일]로 불편을 드려 죄송합니다.",
            "[원인]으로 생긴 일이며, 앞으로는 [재발 방지 방법]으로 같은 일이 없도록 하겠습니다.",
            "다시 한번 사과드립니다.",
        ],
    ),
    (
        "thanks",
        re.compile(r"감사|고마"),
        "감사 인사드립니다",
        [
            "[도와주신 일]에 도움을 주셔서 진심으로 감사드립니다.",
            "덕분에 [결과]할 수 있었습니다.",
            "앞으로도 잘 부탁드립니다.",
        ],
    ),
    (
        "meeting",
        re.compile(r"회의\s*(?:요청|잡|일정|소집|안내)|미팅\s*(?:요청|잡|일정)"),
        "{when} 회의 요청드립니다",
        [
            "[안건]에 대해 논의하고자 {when_at} 회의를 요청드립니다.",
            "시간: [시간] / 장소: [장소]",
            "참석이 어려우시면 편하신 시간을 알려 주세요.",
        ],
    ),
]
_TO = re.compile(r"([가-힣]{1,8}님|고객|거래처|팀원들?|동료들?|선배|후배)\s*(?:께|에게|한테|들께)")
_WHEN = re.compile(
    r"(?:\d{1,2}\s*월\s*\d{1,2}\s*일|(?:다음|이번)\s*주\s*[월화수목금]요일|(?<![가-힣])[월화수목금]요일|"
    r"내일|모레|오늘|다음\s*주)(?:\s*(?:부터|까지)\s*(?:\d{1,2}\s*월\s*)?\d{1,2}\s*일)?"
)
_ADDRESS = {"고객": "고객님", "거래처": "담당자님", "선배": "선배님", "후배": "후배님"}
_ADDRESS |= {
    "팀원": "팀원 여러분",
    "팀원들": "팀원 여러분",
    "동료": "동료 여러분",
    "동료들": "동료 여러분",
}
_LEAVE_WORD = re.compile(r"반차|월차|병가|연차|휴가")


def draft(text: str, memories: Iterable[str] = ()) -> str | None:
    """The letter `text` asks for, from its template, or None when it asks for no letter
    this knows (the model's turn, declined on a small one)."""
    if not _ASKED.search(text):
        return None
    kind = next(((k, s, b) for k, found, s, b in _KINDS if found.search(text)), None)
    if kind is None:
        return None
    _, subject, body = kind
    to = _TO.search(text)
    when = _WHEN.search(text)
    leave = _LEAVE_WORD.search(text)
    name = remembered(memories, "name")
    said = re.sub(r"\s+", " ", when.group(0)) if when else "[날짜]"
    at = "까지" if "부터" in said else "" if said in ("오늘", "내일", "모레") else "에"
    fill = {"when": said, "when_at": said + at, "what": leave.group(0) if leave else "연차"}
    whom = _ADDRESS.get(to.group(1), to.group(1)) if to else None
    head = f"{whom}, 안녕하세요." if whom else "안녕하세요."
    me = name or "[이름]"
    lines = [
        f"제목: {subject.format(**fill)}",
        "",
        head,
        f"{me}입니다.",
        "",
        *(line.format(**fill) for line in body),
        "",
        "감사합니다.",
        f"{me} 드림",
    ]
    letter = "\n".join(lines)
    return "초안을 써 드릴게요. [ ] 부분을 채워서 보내세요.\n\n```text\n" + letter + "\n```"
