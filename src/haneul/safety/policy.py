"""What to do with a verdict, per API key: annotate, mask, refuse or block.

- `annotate`: change nothing; the verdict is logged and returned when asked for.
- `mask`: personal data in the user's messages is replaced by tags before the model sees it,
  and in the answer before the user does.
- `refuse`: a flagged question gets an acceptable answer instead of the model's, in the
  style of SQuARe's acceptable responses: acknowledge, stay neutral, point to balance.
- `block`: a flagged question is refused with a 400 (`content_filter`).

Flagged means a finding with a score of at least 0.5 in a blocking category: personal
data does not block (it is masked or annotated), abuse and prompt injection do.
"""

from __future__ import annotations

from typing import Literal

from haneul.safety.protocol import Verdict

Policy = Literal["annotate", "mask", "refuse", "block"]
POLICIES: tuple[Policy, ...] = ("annotate", "mask", "refuse", "block")
BLOCKING = ("profanity", "insult", "sexual", "injection", "sensitive", "bias")

REFUSAL_KO = (
    "말씀하신 내용은 답변드리기 어려운 표현이나 주제를 담고 있어요. "
    "여러 입장이 있을 수 있는 문제라면 한쪽 의견 대신 다양한 관점과 신뢰할 수 있는 자료를 함께 "
    "살펴보시길 권해 드려요. 다른 방식으로 질문해 주시면 도와드릴게요."
)


def blocking(verdict: Verdict) -> list[str]:
    """The blocking categories the verdict flags."""
    return sorted({f.category for f in verdict.flagged() if f.category.split(".")[0] in BLOCKING})


def categories(verdict: Verdict) -> list[str]:
    return sorted({f.category for f in verdict.flagged()})
