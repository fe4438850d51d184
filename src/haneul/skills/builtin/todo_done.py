"""«보고서 제출 완료했어», «오늘 할 일 다 했어»: marking the user's own to-dos done from the
chat. `todo_done` writes, so it has `side_effects`: the user confirms first, and the answer is
the store's (the titles it marked, by code). The to-do is the open one whose title the message
names (all its words, or the most of them); «오늘 할 일 다 했어» marks every open to-do due
today or before. Before this skill the first went to the document search and the second was
declined as an open question."""

from __future__ import annotations

import re
from typing import Any

from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill
from haneul.skills.builtin.documents import question_terms
from haneul.skills.builtin.todo import source_of
from haneul.skills.todo_source import TodoItem

# «…완료했어», «…끝냈어», «…다 했어», «…마쳤어», «…제출했어», «…처리 완료», «…체크해줘»
_DONE = re.compile(
    r"\s*(?:완료\s*(?:했|됐|함|하였)|끝냈|끝났|끝마쳤|마쳤|마무리했|다\s*했|처리했|해치웠|"
    r"제출했|보냈)"
    r"(?:어|어요|습니다|음|다|네|지)?\s*[.!~]*$|(?:완료|done)\s*(?:처리|표시|체크)\s*해|"
    r"(?:완료|done)\s*[.!~]*$",
    re.I,
)
_TODAY_ALL = re.compile(r"오늘\s*(?:할\s*일|할일|일)\s*(?:은|을|를)?\s*(?:다|모두|전부)")
_NOT_TERMS = re.compile(
    r"(?:할일|할|일|완료\S*|끝\S*|마쳤\S*|마무리\S*|처리\S*|다|했\S*|체크\S*|표시\S*|"
    r"오늘|방금|드디어|이제|벌써|done)"
)


def parse(utterance: str) -> dict[str, Any] | None:
    """«보고서 제출 완료했어» -> title 보고서 제출; «오늘 할 일 다 했어» -> when 오늘; None for
    anything that does not say a thing is done («완료 기한이 언제야?»)."""
    text = utterance.strip()
    if not _DONE.search(text) or re.search(r"[?？]\s*$", text):
        return None
    if _TODAY_ALL.search(text):
        return {"when": "오늘"}
    said = _DONE.sub("", text)  # «보고서 제출 완료했어» -> 보고서 제출; «메일 보냈어» -> 메일
    words = [w for w in question_terms(said) if not _NOT_TERMS.fullmatch(w)]
    if not words:
        return None
    return {"title": " ".join(words)}


def confirm(arguments: dict[str, Any]) -> str:
    if arguments.get("when"):
        return "오늘까지 할 일을 모두 완료로 표시할까요? 승인하시면 목록에서 완료로 바꿉니다."
    return (
        f"«{arguments.get('title', '')}» 할 일을 완료로 표시할까요? "
        "승인하시면 목록에서 완료로 바꿉니다."
    )


def _stem(word: str) -> str:
    """A word without the particle or ending on it («보고서를» -> 보고서, «제출» stays)."""
    return re.sub(r"(?:을|를|은|는|이|가|도|만|에|의|하기|하고|했어|했고)$", "", word) or word


def _matches(said: str, items: list[TodoItem]) -> list[TodoItem]:
    """The open to-dos the words name: all of them in the title first, else the most."""
    words = [_stem(w) for w in said.split() if len(_stem(w)) >= 1]
    scored = [(sum(w in item.title for w in words), item) for item in items]
    best = max((n for n, _ in scored), default=0)
    if best == 0 or best < min(2, len(words)):
        return []
    return [item for n, item in scored if n == best]


@skill(
    "todo_done",
    examples=(
        "보고서 제출 완료했어",
        "주간 회의록 정리 끝냈어",
        "오늘 할 일 다 했어",
        "예산안 검토 마쳤어",
        "고객사 회신 완료 처리해줘",
    ),
    side_effects=True,
    parser=parse,
    confirm=confirm,
)
async def todo_done(
    context: SkillContext, title: str | None = None, when: str | None = None
) -> SkillResult:
    """Mark the user's open to-dos done (it writes: the user confirms first).

    Args:
        title: Words of the to-do's title (보고서 제출).
        when: 오늘: every open to-do due today or before.
    """
    source = source_of(context, "todo_done")
    items = await source.open_todos(context.owner)
    if when is not None:
        if when.strip() != "오늘":
            raise SkillArgumentError("todo_done: when is 오늘", param="when")
        today = source.today()
        chosen = [t for t in items if t.due is not None and t.due <= today]
    elif title and title.strip():
        chosen = _matches(title.strip(), items)
    else:
        raise SkillArgumentError("todo_done: say which to-do (title) or when", param="title")
    if not chosen:
        open_ = ", ".join(t.title for t in items[:5]) or "없음"
        answer = f"완료로 표시할 할 일을 찾지 못했습니다. 남은 할 일: {open_}."
        return SkillResult(answer, {"done": []}, answer=answer)
    if when is None and len(chosen) > 1:
        names = ", ".join(f"«{t.title}»" for t in chosen)
        answer = f"어느 할 일인지 정하지 못했습니다: {names}. 제목을 더 말씀해 주세요."
        return SkillResult(
            answer, {"done": [], "candidates": [t.card() for t in chosen]}, answer=answer
        )
    done = [await source.complete(context.owner, t.id) for t in chosen]
    names = ", ".join(t.title for t in done)
    left = len(items) - len(done)
    answer = f"완료로 표시했습니다: {names}. 남은 할 일은 {left}개입니다."
    return SkillResult(answer, {"done": [t.card() for t in done]}, answer=answer)
