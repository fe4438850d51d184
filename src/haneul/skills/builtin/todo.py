"""오늘 할 일 for the assistant: `todo_list` reads the user's to-dos («오늘 할 일 뭐야?»),
`todo_add` adds one («내일까지 보고서 제출 할 일 추가해줘»). Adding writes, so it has
`side_effects` and runs only after the user confirms, as every writing skill does.

Both reach the to-dos through `SkillContext.todos` (skills/todo_source.py) and write the
answer the user reads from what the store returned, by code: the titles, dates and counts
in it are the store's, never the model's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from haneul.errors import UnsupportedError
from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill
from haneul.skills.builtin.due_dates import resolve, today_kst
from haneul.skills.todo_source import TodoItem, TodoSource

WEEKDAYS = "월화수목금토일"
# A Korean due-date phrase (where it is in a text, not what day it means: the workspace's
# `due_dates.resolve` reads that). Shared with the to-do extractor (workspace/extract.py).
DUE_PHRASE = re.compile(
    r"\s*(?:(?:\d{4}\s*년\s*)?\d{1,2}\s*월\s*\d{1,2}\s*일|(?:이번|다음|다다음|차주|금주)\s*주\s*"
    r"(?:[월화수목금토일]요일|말|주말)?|(?:이번|다음)\s*달\s*(?:초|중순|말|\d{1,2}\s*일)?|[1-4]\s*분기\s*(?:내|말)?|"
    r"(?:상|하)반기|연말|내일|모레|오늘|(?<![가-힣])[월화수목금]요일|"
    r"\d+\s*(?:일|주|주일|개월|달)\s*(?:후|뒤|이내)|"
    r"\d{1,2}\s*일(?=\s*까지))\s*(?:까지|중으로|중|안에|내로|내)?"
)
DEADLINE = re.compile(r"(?:까지|중으로|안에|내로|내)$")


def due_phrase(text: str) -> re.Match[str] | None:
    """The due-date phrase of a text: the first one marked as a deadline (…까지, …내), else
    the first one (in «3분기 실적 리뷰 이번 달 말까지», 이번 달 말까지)."""
    found = [m for m in DUE_PHRASE.finditer(text) if m.group(0).strip()]
    marked = [m for m in found if DEADLINE.search(m.group(0).strip())]
    chosen = marked or found
    return chosen[0] if chosen else None


_TODO_WORD = r"(?:할\s*일|할일|투두|to-?do|태스크)"
_ADD_VERB = r"(?:추가|등록|넣어|적어|기록|만들어|잡아|올려)"
_ADD = re.compile(_TODO_WORD + r".*" + _ADD_VERB + "|" + _ADD_VERB + r".*" + _TODO_WORD, re.I)
_LIST_CUE = re.compile(
    r"뭐|무엇|뭔|뭘|알려|보여|있어|있나|있니|남았|남은|목록|리스트|확인|브리핑|몇\s*개"
)
_NOT_OURS = re.compile(r"json|JSON|뽑아|추출|정리해서|:", re.I)
_COMMAND = re.compile(
    r"\s*(?:(?:을|를)\s*)?(?:"
    + _TODO_WORD
    + r"\s*(?:목록|리스트)?\s*(?:에|로|으로)?\s*)?"
    + _ADD_VERB
    + r"\S*(?:\s*(?:줘|주세요|줄래|주라|주실래요|둬|두세요))?[\s.!?~]*$",
    re.I,
)
_LEADING = re.compile(r"^\s*" + _TODO_WORD + r"\s*(?:목록|리스트)?\s*(?:에|로|으로)?\s*", re.I)
_QUOTED = re.compile(r"[\"'“‘«「『]([^\"'”’»」』]{2,80})[\"'”’»」』]")


# «오늘 할 일: 보고서 제출, 팀 회의 준비 정리해줘»: to-dos listed after a colon, each an item
_LISTED = re.compile(_TODO_WORD + r"[^:：]{0,12}[:：]\s*(.+)$", re.I | re.S)
_ITEMS = re.compile(r"\s*(?:,|、|，|;|/|\n|\s그리고\s|\s및\s)\s*")
_LIST_COMMAND = re.compile(
    r"\s*(?:(?:을|를)\s*)?(?:으로|로)?\s*(?:정리|" + _ADD_VERB[3:-1] + r")\S*"
    r"(?:\s*(?:줘|주세요|줄래|둬|두세요))?[\s.!?~]*$"
)


def _listed(utterance: str) -> dict[str, Any] | None:
    """Several to-dos listed after a colon, each its own, the due date before the colon
    theirs: «오늘 할 일: 보고서 제출, 팀 회의 준비 정리해줘» -> 보고서 제출 and 팀 회의 준비,
    due 오늘. None unless two items or more are listed."""
    found = _LISTED.search(utterance.strip())
    if not found:
        return None
    items = [i.strip(" .") for i in _ITEMS.split(_LIST_COMMAND.sub("", found.group(1)))]
    items = [i for i in items if len(i) >= 2]
    if len(items) < 2 or any(len(i) > 40 for i in items):
        return None
    head = utterance[: found.start(1)]
    due_match = due_phrase(head)
    due = due_match.group(0).strip() if due_match else None
    urgent = re.search(r"긴급|급한|급히|ASAP|최우선|중요", head, re.I)
    priority = "high" if urgent else "normal"
    return {"title": items[0], "due": due, "priority": priority, "more": items[1:]}


# «내일 오후 3시에 팀 회의 잡아줘», «다음 주 화요일 고객 미팅 일정 넣어줘», «금요일까지 보고서
# 제출 기억해줘», «모레 치과 예약 잊지 않게 알려줘»: something on a day, asked to be kept, in
# words other than 할 일 (the words a person uses for a calendar; Haneul keeps it as a to-do)
_EVENT = r"(?:회의|미팅|약속|면담|면접|통화|콜|예약|방문|점검|발표|교육|행사|모임|회식|일정|스케줄)"
_KEEP = (
    r"(?:(?:일정|스케줄|캘린더|달력)\S*\s*(?:에|으로|로)?\s*(?:추가|등록|넣어|잡아|적어|올려)|"
    rf"{_EVENT}\S{{0,2}}\s*(?:을|를)?\s*잡아|기억해\s*(?:줘|주세요|둬|두세요|줄래)|"
    r"(?:잊지\s*(?:않게|말고|않도록)|안\s*잊게)\s*(?:알려|말해|챙겨)|리마인드|알림\s*(?:설정|맞춰|해))"
)
# «내일 오전에 병원 가야 해», «금요일까지 회식 장소 정해야 함»: a day's obligation told, which
# the assistant offers to keep (it asks first, as for every to-do)
_MUST = r"야\s*(?:해|함|돼|됨|합니다|해요|하는데|하거든)\s*[.!~]*$"
_SCHEDULE = re.compile(_KEEP + "|" + _MUST)
# the verb of an obligation as a to-do's title: «가야 해» -> 가기, «정해야 함» -> 정하기, and a
# noun before a spaced «해야» stays a noun: «세금 신고 해야 하는데» -> 세금 신고
_CONTRACTED = dict(zip("가내사서와봐써줘둬꿔해돼켜펴", "가내사서오보쓰주두꾸하되키피", strict=True))


def _as_todo(title: str) -> str:
    said = re.sub(r"\s+해야\s*(?:하는데|해|함|돼|됨|합니다|해요|하거든)?\s*[.!~]*$", "", title)
    if said != title:
        return said
    found = re.search(
        r"([가-힣])(아|어)?야\s*(?:하는데|해|함|돼|됨|합니다|해요|하거든)?\s*[.!~]*$", title
    )
    if not found:
        return title
    last, ending = found.group(1), found.group(2)
    stem = last if ending else _CONTRACTED.get(last)
    return title[: found.start()] + stem + "기" if stem else title


_SCHEDULE_COMMAND = re.compile(
    r"\s*(?:(?:을|를|은|는)\s*)?(?:(?:일정|스케줄|캘린더|달력)\S*\s*(?:에|으로|로)?\s*)?"
    r"(?:추가|등록|넣어|잡아|적어|올려|기억해|(?:잊지\s*(?:않게|말고|않도록)|안\s*잊게)\s*\S+|"
    r"리마인드\S*|알림\s*\S+)\S*(?:\s*(?:줘|주세요|줄래|둬|두세요))?[\s.!?~]*$"
)
_CLOCK = re.compile(r"(?:오전|오후|아침|저녁|밤|낮)?\s*\d{1,2}\s*시(?:\s*\d{1,2}\s*분|\s*반)?")


def not_past(due: str, clock: re.Match[str] | None, now: dt.datetime | None = None) -> str:
    """«월요일 오전 9시 주간회의» said on a Monday afternoon is next Monday's: a bare weekday
    that is today, at an hour already past (KST), is the one a week on."""
    weekday = re.fullmatch(r"([월화수목금토일])요일", due)
    hour = re.search(r"(\d{1,2})\s*시", clock.group(0)) if clock else None
    if not weekday or not hour or not clock:
        return due
    now = now or dt.datetime.now(dt.timezone(dt.timedelta(hours=9)))
    if WEEKDAYS.index(weekday.group(1)) != now.weekday():
        return due
    at = int(hour.group(1)) % 12 + (12 if re.search(r"오후|저녁|밤", clock.group(0)) else 0)
    return f"다음 주 {due}" if at < now.hour else due


def asks_schedule(utterance: str) -> dict[str, Any] | None:
    """The to-do of an utterance that asks for something on a day (or at a time today) to be
    kept, without the words 할 일: «내일 오후 3시에 팀 회의 잡아줘» -> title «오후 3시 팀 회의»,
    due 내일. None for a question («내일 회의 잡혀 있어?») or without a day or time
    («회의 일정 잡아줘», «제 이름 기억해줘»)."""
    text = utterance.strip()
    if not _SCHEDULE.search(text) or re.search(r"[?？]\s*$|json", text, re.I):
        return None
    if re.search(_MUST, text) and re.search(r"기분|피곤|힘들|행복|좋아야|싫어|아파", text):
        return None  # «오늘 기분이 좋아야 해»: a feeling, not a thing to do
    due_match = due_phrase(text)
    if due_match is None and not _CLOCK.search(text):
        return None
    due = due_match.group(0).strip() if due_match else "오늘"
    due = not_past(due, _CLOCK.search(text))
    cut = (due_match.start(), due_match.end()) if due_match else (0, 0)
    title = _SCHEDULE_COMMAND.sub("", (text[: cut[0]] + " " + text[cut[1] :]).strip())
    title = re.sub(r"(\d\s*시(?:\s*\d{1,2}\s*분|\s*반)?)\s*에(?=\s)", r"\1", title)
    title = re.sub(r"\s+", " ", title).strip(" ,.")
    title = re.sub(r"\s*(?:을|를)$", "", title) if len(title) > 3 else title
    title = re.sub(r"\s*(?:인|이라는|라는)\s*(?:거|것)$", "", title)  # «엄마 생신인 거»
    title = _as_todo(title)
    if len(title) < 2 or _CLOCK.fullmatch(title):
        return None
    urgent = re.search(r"긴급|급한|급히|ASAP|최우선|중요", utterance, re.I)
    return {"title": title, "due": due, "priority": "high" if urgent else "normal"}


def parse_add(utterance: str) -> dict[str, Any] | None:
    """«내일까지 보고서 제출 할 일 추가해줘» -> title 보고서 제출, due 내일까지; several listed
    after a colon (`_listed`): the first as `title`, the others in `more`."""
    if re.search(r"json", utterance, re.I):
        return None
    listed = _listed(utterance)
    if listed is not None:
        return listed
    if not _ADD.search(utterance):
        return asks_schedule(utterance)
    text = utterance.strip()
    if ":" in text:  # «할 일 추가: 금요일까지 예산안 검토»
        text = text.split(":", 1)[1]
    due_match = due_phrase(text)
    due = due_match.group(0).strip() if due_match else None
    quoted = _QUOTED.search(text)
    if quoted:
        title = quoted.group(1)
    else:
        cut = (due_match.start(), due_match.end()) if due_match else (len(text), len(text))
        title = text[: cut[0]] + " " + text[cut[1] :]
        title = _LEADING.sub("", _COMMAND.sub("", title.strip()))
    title = _as_todo(re.sub(r"\s+", " ", title).strip(" ,."))  # «세금 신고 해야 하는데»
    title = re.sub(r"\s*(?:을|를)$", "", title) if len(title) > 3 else title
    if len(title) < 2:
        return None
    urgent = re.search(r"긴급|급한|급히|ASAP|최우선|중요", utterance, re.I)
    return {"title": title, "due": due, "priority": "high" if urgent else "normal"}


def parse_list(utterance: str) -> dict[str, Any] | None:
    """«오늘 할 일 뭐야?», «이번 주 할 일 알려줘», «밀린 할 일 있어?»."""
    if not re.search(_TODO_WORD, utterance, re.I) or _ADD.search(utterance):
        return None
    if _NOT_OURS.search(utterance) or not _LIST_CUE.search(utterance):
        return None
    if re.search(r"밀린|지난|늦은|놓친|기한\s*(?:이\s*)?(?:지난|넘은)", utterance):
        return {"when": "밀린"}
    if re.search(r"전체|모든|전부|남은|다\s*보여", utterance):
        return {"when": "전체"}
    found = due_phrase(utterance)
    if found is None and re.search(r"목록|리스트|list", utterance, re.I):
        return {"when": "전체"}  # «내 할 일 목록 보여줘»: the list, not today's briefing
    return {"when": found.group(0).strip() if found else "오늘"}


def source_of(context: SkillContext, name: str) -> TodoSource:
    if context.todos is None:
        raise UnsupportedError(f"{name}: to-dos are not available here", param="skill")
    return context.todos


def _day(day: dt.date, today: dt.date) -> str:
    """«오늘», «내일» or «12월 9일(수)»."""
    near = {0: "오늘", 1: "내일", 2: "모레", -1: "어제"}.get((day - today).days)
    return near or f"{day.month}월 {day.day}일({WEEKDAYS[day.weekday()]})"


def _line(n: int, item: TodoItem, today: dt.date) -> str:
    if item.due is None:
        when = "기한 없음"
    elif item.due < today:
        when = f"{_day(item.due, today)}까지, 기한 지남"
    else:
        when = f"{_day(item.due, today)}까지"
    mark = " · 중요" if item.priority == "high" else ""
    subs = "".join(f"\n   - {s}" for s in item.subtasks)
    return f"{n}. {item.title} ({when}{mark}){subs}"


def _select(items: list[TodoItem], when: str, source: TodoSource) -> tuple[str, list[TodoItem]]:
    """The label of the question («오늘», «12월 9일(수)») and the to-dos it asks for."""
    today = source.today()
    bare = re.sub(r"\s*(?:까지|중으로|중|안에|내로|내)$", "", when)
    if bare in ("", "오늘", "today"):  # the briefing: due today or overdue, then undated
        return "오늘", [t for t in items if t.due is None or t.due <= today]
    if when == "밀린":
        return "기한이 지난", [t for t in items if t.due is not None and t.due < today]
    if when == "전체":
        return "남은", items
    day = _parse_day(when, source, today)
    period = re.search(r"주|달|월\s*말|분기|반기", when) and not re.search(r"요일|\d\s*일", when)
    if period or re.search(r"(?:까지|안에|내로|이내)$", when):  # from today to that day
        label = f"{_day(day, today)}까지"
        return label, [t for t in items if t.due is not None and today <= t.due <= day]
    return _day(day, today), [t for t in items if t.due == day]


def _parse_day(text: str, source: TodoSource, today: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        day = source.resolve(text, today)
    if day is None:
        raise SkillArgumentError(f"'{text}'은(는) 날짜로 읽을 수 없습니다", param="arguments")
    return day


@skill(
    "todo_list",
    examples=(
        "오늘 할 일 뭐야?",
        "오늘 할 일 알려줘",
        "내 할 일 목록 보여줘",
        "내일 할 일 있어?",
        "이번 주 할 일 알려줘",
        "밀린 할 일 있어?",
        "기한 지난 할 일 보여줘",
        "남은 할 일 전부 보여줘",
        "오늘 해야 할 일이 몇 개야?",
        "금요일까지 할 일 뭐 있어?",
        "what's on my to-do list today?",
    ),
    parser=parse_list,
)
async def todo_list(context: SkillContext, when: str = "오늘") -> SkillResult:
    """The user's open to-dos (오늘 할 일): today's briefing (due today, overdue, undated),
    the overdue ones, all of them, or those due on a day or within a period.

    Args:
        when: 오늘 (today's briefing), 밀린 (overdue only), 전체 (every open to-do), a day
            (내일, 금요일, 2026-12-24) or a period (이번 주, 이번 달 말).
    """
    source = source_of(context, "todo_list")
    items = await source.open_todos(context.owner)
    label, chosen = _select(items, when.strip(), source)
    today = source.today()
    overdue = sum(1 for t in chosen if t.due is not None and t.due < today)
    if not chosen:
        answer = f"{label} 할 일이 없습니다."
        later = [t for t in items if t not in chosen]
        if later:  # «오늘 할 일이 없습니다.», and what there is on other days
            first = min(later, key=lambda t: t.due or dt.date.max)
            when_first = f", {_day(first.due, today)}까지" if first.due else ""
            answer += (
                f" 다른 날 할 일은 {len(later)}개 있습니다"
                f" (가장 가까운 것: {first.title}{when_first})."
            )
    else:
        late = (
            f" 그중 {overdue}개는 기한이 지났습니다." if overdue and label != "기한이 지난" else ""
        )
        listed = "\n".join(_line(n, t, today) for n, t in enumerate(chosen, 1))
        answer = f"{label} 할 일은 {len(chosen)}개입니다.{late}\n\n{listed}"
    data = {"when": label, "today": today.isoformat(), "todos": [t.card() for t in chosen]}
    return SkillResult(answer, data, answer=answer)


def confirm_add(arguments: dict[str, Any]) -> str:
    """The question before the to-dos are added: each one, its due date and priority."""
    titles = [str(arguments.get("title") or "")] + [str(t) for t in arguments.get("more") or []]
    due = arguments.get("due")
    day = resolve(str(due)) if due else None
    if day is not None:  # «금요일까지» -> «12월 11일(금)까지»: the day the user approves
        due = _day(day, today_kst()) + ("까지" if str(due).endswith("까지") else "")
    # «오후 3시 팀 회의» on a day is not due by it: its day, not a deadline
    timed = _CLOCK.search(titles[0]) and not str(due or "").endswith("까지")
    tail = (f" ({'날짜' if timed else '기한'}: {due})" if due else "") + (
        " · 중요" if arguments.get("priority") == "high" else ""
    )
    lines = "\n".join(f"- {t}{tail}" for t in titles)
    count = f"할 일 {len(titles)}개를" if len(titles) > 1 else "이 할 일을"
    return f"{count} 추가할까요? 승인하시면 할 일 목록에 저장합니다.\n\n{lines}"


@skill(
    "todo_add",
    examples=(
        "내일까지 보고서 제출 할 일 추가해줘",
        "할 일에 '주간 회의록 정리' 추가해 줘",
        "다음 주 수요일까지 경쟁사 분석 할 일로 등록해줘",
        "금요일까지 예산안 검토 할 일 추가",
        "투두에 개인 정보 보호 교육 수강 넣어줘",
        "할 일 추가: 이번 달 말까지 3분기 실적 리뷰",
        "급한 할 일 하나 추가해줘: 오늘 고객사 회신",
        "add a to-do: 발표 자료 준비",
    ),
    side_effects=True,
    parser=parse_add,
    confirm=confirm_add,
)
async def todo_add(
    context: SkillContext,
    title: str,
    due: str | None = None,
    priority: Literal["high", "normal", "low"] = "normal",
    more: list[str] | None = None,
) -> SkillResult:
    """Add a to-do to the user's list (it writes: the user confirms first).

    Args:
        title: What to do, short (보고서 제출).
        due: When it is due: a YYYY-MM-DD date or a Korean phrase (내일까지, 다음 주 수요일).
        priority: high, normal or low.
        more: Other to-dos to add with the same due date and priority (팀 회의 준비).
    """
    source = source_of(context, "todo_add")
    titles = [t.strip() for t in [title, *(more or [])]]
    if not all(titles):
        raise SkillArgumentError("todo_add: a to-do needs a title", param="arguments")
    today = source.today()
    day = _parse_day(due.strip(), source, today) if due and due.strip() else None
    items = [await source.add(context.owner, t, day, priority) for t in titles]
    item = items[0]
    when = f", {_day(item.due, today)}까지" if item.due else ""
    mark = ", 중요" if item.priority == "high" else ""
    if len(items) == 1:
        answer = f"할 일에 추가했습니다: {item.title}{when}{mark}."
    else:
        names = ", ".join(i.title for i in items)
        answer = f"할 일 {len(items)}개를 추가했습니다: {names}{when}{mark}."
    if item.due:
        answer = answer[:-1] + f" ({item.due.isoformat()})."
    data = item.card() if len(items) == 1 else {"todos": [i.card() for i in items]}
    return SkillResult(answer, data, answer=answer)
