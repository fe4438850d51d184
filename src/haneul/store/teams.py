"""Teams: named groups of users, each with an optional AI Filter policy and rate limits that
apply to its members (a key's own settings win; among several teams the strictest wins)."""

from __future__ import annotations

import builtins
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

from haneul.errors import ConflictError, InvalidRequestError, NotFoundError
from haneul.safety.policy import POLICIES

# Strictest first: a member of several teams gets the strictest of their policies.
STRICTNESS = ("block", "refuse", "mask", "annotate")


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    created_at: float
    safety_policy: str | None
    rpm: int | None
    max_concurrent: int | None
    members: tuple[str, ...]  # user ids


class TeamStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def create(self, name: str) -> Team:
        name = name.strip()
        if not name or len(name) > 64:
            raise InvalidRequestError("a team needs a name of 1 to 64 characters", param="name")
        team_id = "team_" + secrets.token_hex(6)
        with self._lock:
            try:
                self.conn.execute(
                    "INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
                    (team_id, name, time.time()),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(f"a team named '{name}' already exists") from None
        return self.get(team_id)

    def get(self, team_id: str) -> Team:
        row = self.conn.execute("SELECT * FROM teams WHERE id = ?", (team_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"team '{team_id}' does not exist")
        return self._team(row)

    def resolve(self, id_or_name: str) -> Team:
        row = self.conn.execute(
            "SELECT * FROM teams WHERE id = ? OR name = ?", (id_or_name, id_or_name)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no team with id or name '{id_or_name}'")
        return self._team(row)

    def list(self) -> list[Team]:
        return [self._team(r) for r in self.conn.execute("SELECT * FROM teams ORDER BY name")]

    def of_user(self, user_id: str) -> builtins.list[Team]:
        rows = self.conn.execute(
            "SELECT t.* FROM teams t JOIN team_members m ON m.team_id = t.id"
            " WHERE m.user_id = ? ORDER BY t.name",
            (user_id,),
        )
        return [self._team(r) for r in rows.fetchall()]

    def add_member(self, team_id: str, user_id: str) -> Team:
        self.get(team_id)
        if self.conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone() is None:
            raise NotFoundError(f"user '{user_id}' does not exist")
        with self._lock:
            self.conn.execute(
                "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)",
                (team_id, user_id),
            )
        return self.get(team_id)

    def remove_member(self, team_id: str, user_id: str) -> Team:
        with self._lock:
            gone = self.conn.execute(
                "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", (team_id, user_id)
            ).rowcount
        if not gone:
            raise NotFoundError(f"user '{user_id}' is not a member of team '{team_id}'")
        return self.get(team_id)

    def set_limits(
        self,
        team_id: str,
        *,
        safety_policy: str | None,
        rpm: int | None,
        max_concurrent: int | None,
    ) -> Team:
        """Set (None: clear) the team's policy and limits."""
        if safety_policy is not None and safety_policy not in POLICIES:
            raise InvalidRequestError(
                f"safety policy must be one of {', '.join(POLICIES)}", param="safety_policy"
            )
        for field, value in (("rpm", rpm), ("max_concurrent", max_concurrent)):
            if value is not None and value < 1:
                raise InvalidRequestError(f"{field} must be at least 1", param=field)
        self.get(team_id)
        with self._lock:
            self.conn.execute(
                "UPDATE teams SET safety_policy = ?, rpm = ?, max_concurrent = ? WHERE id = ?",
                (safety_policy, rpm, max_concurrent, team_id),
            )
        return self.get(team_id)

    def delete(self, team_id: str) -> Team:
        team = self.get(team_id)
        with self._lock:
            self.conn.execute("DELETE FROM teams WHERE id = ?", (team_id,))
        return team

    def _team(self, row: sqlite3.Row) -> Team:
        members = self.conn.execute(
            "SELECT user_id FROM team_members WHERE team_id = ? ORDER BY user_id", (row["id"],)
        )
        return Team(
            id=row["id"],
            name=row["name"],
            created_at=row["created_at"],
            safety_policy=row["safety_policy"],
            rpm=row["rpm"],
            max_concurrent=row["max_concurrent"],
            members=tuple(r[0] for r in members.fetchall()),
        )


def strictest(teams: list[Team]) -> tuple[str | None, int | None, int | None]:
    """The (safety policy, rpm, max_concurrent) a member of `teams` gets from them."""
    policies = [t.safety_policy for t in teams if t.safety_policy]
    policy = min(policies, key=STRICTNESS.index) if policies else None
    rpms = [t.rpm for t in teams if t.rpm]
    concurrent = [t.max_concurrent for t in teams if t.max_concurrent]
    return policy, min(rpms, default=None), min(concurrent, default=None)
