"""메일 답장 in the chat: the user's inbox, a thread's summary, and a reply draft, read through
the `MailSource` the caller puts in `SkillContext.mail` (the server gives the mail service's,
workspace/mail; skills sit below it and never reach a mailbox themselves).

The skill sends nothing: a draft is saved for review, and sending happens only on the mail
page or `/v1/mail/drafts/{id}/approve` then `/send`, where the user approves the exact text."""

from __future__ import annotations

import re
from typing import Any, Literal, Protocol, runtime_checkable

from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill

NO_MAILBOX_KO = (
    "연결된 메일함이 없습니다. 메일 화면(/mail)에서 메일함을 연결하거나 .eml/.mbox 파일을 "
    "가져와 주세요."
)
SEND_RULE_KO = "보내기는 메일 화면(/mail)에서 초안을 확인하고 승인한 뒤에만 합니다."


@runtime_checkable
class MailSource(Protocol):
    """What the skill may do with the user's mail (answers only for `owner`)."""

    async def threads(self, owner: str, query: str | None, limit: int) -> list[dict[str, Any]]:
        """The newest threads first (cards with id, subject, senders, count, snippet)."""
        ...

    async def summary(self, owner: str, thread_id: str) -> str: ...

    async def draft(self, owner: str, thread_id: str, instructions: str) -> dict[str, Any]:
        """A reply draft saved for review (a card with id, to, subject, body)."""
        ...


# The user's own mailbox named: a mail pasted into the chat («다음 메일에 답장을 써 줘: ...») is
# answered by the model from the text itself, not from the mailbox.
_MAILBOX = re.compile(
    r"받은\s*(?:메일|편지)|메일함|편지함|새\s*메일|내\s*메일|온\s*메일|메일\s*(?:목록|확인)|"
    r"님(?:이|께서)?\s*(?:보낸\s*|보내신\s*)?메일|['\"‘“「].+?['\"’”」]\s*(?:관련\s*)?메일"
)


def parse(utterance: str) -> dict[str, Any] | None:
    if "\n" in utterance or len(utterance) > 100 or not _MAILBOX.search(utterance):
        return None
    if re.search(r"답장|회신|답변", utterance):
        action = "draft"
    elif re.search(r"요약|정리", utterance):
        action = "summary"
    else:
        action = "inbox"
    quoted = re.search(r"['\"‘“「](.+?)['\"’”」]", utterance)
    return {"action": action, "thread": quoted.group(1) if quoted else ""}


@skill(
    examples=("받은 메일 보여줘", "'예산안' 메일 요약해줘", "팀장님 메일에 답장 초안 써줘"),
    parser=parse,
)
async def mail(
    action: Literal["inbox", "summary", "draft"] = "inbox",
    thread: str = "",
    instructions: str = "",
    context: SkillContext | None = None,
) -> SkillResult:
    """Read the user's mailbox: list recent threads, summarise one, or write a reply draft
    (존댓말, the user's signature) saved for the user to approve; it never sends.

    Args:
        action: inbox (recent threads), summary (of one thread), or draft (a reply draft)
        thread: words of the thread's subject; empty means the newest thread
        instructions: what the reply should say (for a draft)
    """
    source = context.mail if context else None
    if source is None:
        return SkillResult(NO_MAILBOX_KO, answer=NO_MAILBOX_KO)
    owner = context.owner if context else "anonymous"
    found = await source.threads(owner, thread or None, 10)
    if not found:
        text = f"'{thread}' 제목의 메일을 찾지 못했습니다." if thread else "받은 메일이 없습니다."
        return SkillResult(text, answer=text)
    if action == "inbox":
        lines = [f"- {t['subject']} ({', '.join(t['senders'])}, {t['count']}통)" for t in found]
        return SkillResult(
            "최근 메일 스레드:\n" + "\n".join(lines),
            data={"threads": found},
            answer=f"최근 메일 스레드 {len(found)}개입니다.",
        )
    target = found[0]
    if action == "summary":
        text = await source.summary(owner, target["id"])
        return SkillResult(
            f"'{target['subject']}' 요약:\n{text}",
            data={"thread": target, "summary": text},
            answer=f"'{target['subject']}' 메일 스레드 요약입니다.",
        )
    if action != "draft":
        raise SkillArgumentError(f"mail: unknown action {action!r}", param="action")
    draft = await source.draft(owner, target["id"], instructions)
    body = (
        f"받는 사람: {', '.join(draft['to'])}\n제목: {draft['subject']}\n\n{draft['body']}\n\n"
        f"{SEND_RULE_KO}"
    )
    return SkillResult(
        body,
        data={"draft": draft},
        answer=f"'{target['subject']}'에 대한 답장 초안을 저장했습니다. {SEND_RULE_KO}",
    )
