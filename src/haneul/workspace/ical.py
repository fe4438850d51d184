"""오늘 할 일 as iCalendar (RFC 5545), written with the `icalendar` library.

Each dated to-do is an all-day VEVENT on its due day (phones' calendar apps show events from a
subscribed feed; few show VTODO) and also a VTODO with DUE, for task apps.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event
from icalendar import Todo as VTodo

from haneul.workspace.todos import Todo

_PRIORITY = {"high": 1, "normal": 5, "low": 9}
_STATUS = {"open": "NEEDS-ACTION", "done": "COMPLETED", "cancelled": "CANCELLED"}


def _flatten(todos: list[Todo], parent: str = "") -> list[tuple[Todo, str]]:
    out = []
    for t in todos:
        out.append((t, parent))
        out += _flatten(t.subtasks, t.title)
    return out


def calendar(todos: list[Todo], name: str = "하늘 할 일") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Haneul//todos//KO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Seoul")
    stamp = dt.datetime.now(dt.UTC)
    for todo, parent in _flatten(todos):
        notes = "\n".join(filter(None, [f"상위 할 일: {parent}" if parent else "", todo.notes]))
        vtodo = VTodo()
        vtodo.add("uid", f"{todo.id}@haneul")
        vtodo.add("dtstamp", stamp)
        vtodo.add("summary", todo.title)
        vtodo.add("priority", _PRIORITY.get(todo.priority, 5))
        vtodo.add("status", _STATUS.get(todo.status, "NEEDS-ACTION"))
        if notes:
            vtodo.add("description", notes)
        if todo.due is None:
            cal.add_component(vtodo)
            continue
        due = dt.date.fromisoformat(todo.due)
        vtodo.add("due", due)
        cal.add_component(vtodo)
        if todo.status == "cancelled":
            continue
        event = Event()
        event.add("uid", f"{todo.id}-due@haneul")
        event.add("dtstamp", stamp)
        event.add("summary", ("✓ " if todo.status == "done" else "할 일: ") + todo.title)
        event.add("dtstart", due)
        event.add("dtend", due + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        if notes:
            event.add("description", notes)
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
