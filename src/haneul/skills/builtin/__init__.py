"""Haneul's built-in skills, registered through the same `register_skills` hook as a
plugin's: math, Korean calendar and holidays, unit conversion, document search, document
to table, document summary, and the user's to-dos (오늘 할 일)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haneul.hookspecs import hookimpl


@hookimpl(tryfirst=True)
def register_skills(register: Callable[[Any], None]) -> None:
    from haneul.skills.builtin import (
        calendar,
        documents,
        mail,
        math,
        summary,
        table,
        todo,
        todo_done,
        units,
    )

    skills = (math.math, calendar.korean_calendar, units.convert_units, documents.search)
    for item in (
        *skills,
        table.document_table,
        summary.document_summary,
        todo.todo_list,
        todo.todo_add,
        todo_done.todo_done,
        mail.mail,
    ):
        register(item)
    from haneul.skills.code.skill import python

    register(python)
