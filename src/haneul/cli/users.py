"""`haneul users` and `haneul teams`: accounts managed on the store directly (no server
needed). Passwords are prompted for (twice, hidden) or read from standard input with
`--password-stdin`; there is never a default password."""

from __future__ import annotations

import json
import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from haneul.config import Settings
from haneul.errors import HaneulError
from haneul.store.audit import EventLog
from haneul.store.db import connect
from haneul.store.sessions import SessionStore
from haneul.store.teams import TeamStore
from haneul.store.users import UserStore

app = typer.Typer(help="Create, list and manage users (admins and members).", no_args_is_help=True)
teams_app = typer.Typer(help="Create teams and manage their members.", no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _stores() -> tuple[UserStore, TeamStore, EventLog]:
    settings = Settings()
    conn = connect(settings.db_path)
    users = UserStore(
        conn,
        max_failures=settings.signin_max_failures,
        lockout_s=settings.signin_lockout_s,
        min_password=settings.password_min_length,
    )
    return users, TeamStore(conn), EventLog(conn)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        err.print("[red]a password is required[/red]")
        raise typer.Exit(1)
    return password


def _fail(exc: HaneulError) -> typer.Exit:
    err.print(f"[red]{exc.message}[/red]")
    return typer.Exit(1)


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Sign-in name (no spaces).")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an admin.")] = False,
    display_name: Annotated[str, typer.Option(help="Name shown in the UI.")] = "",
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user. The first admin adopts the data and keys made before accounts existed."""
    users, _, events = _stores()
    first_admin = admin and not any(u.is_admin for u in users.list())
    try:
        user = users.create(
            name,
            _password(password_stdin),
            role="admin" if admin else "member",
            display_name=display_name,
        )
    except HaneulError as exc:
        raise _fail(exc) from None
    events.record("cli", "user_create", user.id, f"{user.name} ({user.role})")
    if first_admin:
        err.print("the existing conversations, memories, collections and keys are now theirs")
    err.print(f"created {user.role} {user.name} ({user.id})")
    typer.echo(user.id)


@app.command("list")
def list_users(as_json: AsJson = False) -> None:
    """List users with their role, teams and state."""
    users, teams, _ = _stores()
    rows = [(u, [t.name for t in teams.of_user(u.id)]) for u in users.list()]
    if as_json:
        data = [
            {"id": u.id, "name": u.name, "role": u.role, "active": u.active, "teams": t}
            for u, t in rows
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table("id", "name", "role", "teams", "created", "state")
    for u, t in rows:
        created = time.strftime("%Y-%m-%d", time.localtime(u.created_at))
        state = "disabled" if not u.active else "active"
        table.add_row(u.id, u.name, u.role, ", ".join(t) or "-", created, state)
    out.print(table)


@app.command()
def passwd(
    name: Annotated[str, typer.Argument(help="User id or name.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password (and end their sessions)."""
    users, _, events = _stores()
    try:
        user = users.resolve(name)
        users.set_password(user.id, _password(password_stdin))
    except HaneulError as exc:
        raise _fail(exc) from None
    SessionStore(users.conn).revoke_user(user.id)
    events.record("cli", "user_password_reset", user.id)
    err.print(f"password of {user.name} changed")


@app.command()
def disable(
    name: Annotated[str, typer.Argument(help="User id or name.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again.")] = False,
) -> None:
    """Disable a user (their sessions end, their keys stop working), or enable them again."""
    users, _, events = _stores()
    try:
        user = users.set_disabled(users.resolve(name).id, not enable)
    except HaneulError as exc:
        raise _fail(exc) from None
    if not enable:
        SessionStore(users.conn).revoke_user(user.id)
    events.record("cli", "user_enable" if enable else "user_disable", user.id)
    err.print(f"{user.name} is {'enabled' if enable else 'disabled'}")


@teams_app.command("create")
def create_team(name: Annotated[str, typer.Argument(help="Team name.")]) -> None:
    """Create a team."""
    _, teams, events = _stores()
    try:
        team = teams.create(name)
    except HaneulError as exc:
        raise _fail(exc) from None
    events.record("cli", "team_create", team.id, team.name)
    typer.echo(team.id)


@teams_app.command("list")
def list_teams(as_json: AsJson = False) -> None:
    """List teams with their members and limits."""
    users, teams, _ = _stores()
    names = {u.id: u.name for u in users.list()}
    data = [
        {
            "id": t.id,
            "name": t.name,
            "members": [names.get(m, m) for m in t.members],
            "safety_policy": t.safety_policy,
            "rpm": t.rpm,
            "max_concurrent": t.max_concurrent,
        }
        for t in teams.list()
    ]
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table("id", "name", "members", "policy", "rpm", "concurrent")
    for d in data:
        table.add_row(
            str(d["id"]),
            str(d["name"]),
            ", ".join(d["members"]) or "-",  # type: ignore[arg-type]
            str(d["safety_policy"] or "default"),
            str(d["rpm"] or "default"),
            str(d["max_concurrent"] or "default"),
        )
    out.print(table)


@teams_app.command("add")
def add_member(
    team: Annotated[str, typer.Argument(help="Team id or name.")],
    user: Annotated[str, typer.Argument(help="User id or name.")],
) -> None:
    """Add a user to a team."""
    _membership(team, user, join=True)


@teams_app.command("remove")
def remove_member(
    team: Annotated[str, typer.Argument(help="Team id or name.")],
    user: Annotated[str, typer.Argument(help="User id or name.")],
) -> None:
    """Remove a user from a team."""
    _membership(team, user, join=False)


def _membership(team: str, user: str, *, join: bool) -> None:
    """Add `user` to `team` or remove them, recorded in the account event log."""
    users, teams, events = _stores()
    try:
        found = users.resolve(user)
        change = teams.add_member if join else teams.remove_member
        changed = change(teams.resolve(team).id, found.id)
    except HaneulError as exc:
        raise _fail(exc) from None
    events.record("cli", "team_member_add" if join else "team_member_remove", changed.id, found.id)
    err.print(f"{found.name} is in {changed.name}" if join else f"{found.name} left {changed.name}")


@teams_app.command("set")
def set_limits(
    team: Annotated[str, typer.Argument(help="Team id or name.")],
    safety_policy: Annotated[
        str | None, typer.Option(help="AI Filter policy: annotate, mask, refuse or block.")
    ] = None,
    rpm: Annotated[int | None, typer.Option(help="Requests per minute per member.")] = None,
    max_concurrent: Annotated[
        int | None, typer.Option(help="Concurrent generations per member.")
    ] = None,
) -> None:
    """Set a team's AI Filter policy and rate limits (an option left out is cleared)."""
    _, teams, events = _stores()
    try:
        changed = teams.set_limits(
            teams.resolve(team).id,
            safety_policy=safety_policy,
            rpm=rpm,
            max_concurrent=max_concurrent,
        )
    except HaneulError as exc:
        raise _fail(exc) from None
    events.record("cli", "team_limits", changed.id, f"policy={safety_policy} rpm={rpm}")
    err.print(f"{changed.name}: policy {safety_policy or 'default'}, rpm {rpm or 'default'}")
