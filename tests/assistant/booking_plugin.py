"""A plugin with a side-effect skill, registered in test servers through HANEUL_PLUGINS:
it books a meeting room by appending a line to the file named in BOOKINGS_FILE."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from haneul.plugins import hookimpl
from haneul.skills import SkillResult, skill


def parse(utterance: str) -> dict[str, Any] | None:
    found = re.search(r"(\S*회의실)", utterance)
    if not found:
        return None
    when = utterance[: found.start()].strip().removesuffix("에").strip() or "지금"
    return {"room": found.group(1), "when": when}


@skill(
    "book_meeting_room",
    examples=(
        "내일 오후 3시에 대회의실 예약해줘",
        "금요일 10시 소회의실 잡아줘",
        "회의실 예약해 주세요",
        "book the meeting room for tomorrow",
    ),
    side_effects=True,
    parser=parse,
)
async def book_meeting_room(room: str, when: str) -> SkillResult:
    """Book a meeting room.

    Args:
        room: The room, e.g. 대회의실.
        when: When, e.g. 내일 오후 3시.
    """
    with Path(os.environ["BOOKINGS_FILE"]).open("a", encoding="utf-8") as out:
        out.write(f"{room}\t{when}\n")
    return SkillResult(f"{when}에 {room}을 예약했습니다.", data={"room": room, "when": when})


@hookimpl
def register_skills(register: Any) -> None:
    register(book_meeting_room)
