"""`haneul teams add` and `haneul teams remove` (one body, server-less): membership changes,
their wording, the account event log, and a clear error for an unknown user or team."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from haneul.cli.main import app
from haneul.config import Settings
from haneul.store.audit import EventLog
from haneul.store.db import connect


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("HANEUL_HOME", "HANEUL_DB_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HANEUL_HOME", str(tmp_path))
    return tmp_path


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    done = CliRunner().invoke(app, list(args), input=stdin)
    return done.exit_code, done.output


def test_add_and_remove_a_member(home: Path) -> None:
    assert _run("users", "create", "김하늘", "--password-stdin", stdin="비밀번호-1234!\n")[0] == 0
    assert _run("teams", "create", "기획팀")[0] == 0
    code, said = _run("teams", "add", "기획팀", "김하늘")
    assert code == 0 and "김하늘 is in 기획팀" in said
    code, said = _run("teams", "list", "--json")
    assert code == 0 and '"김하늘"' in said
    code, said = _run("teams", "remove", "기획팀", "김하늘")
    assert code == 0 and "김하늘 left 기획팀" in said
    assert '"members": []' in _run("teams", "list", "--json")[1]
    log = EventLog(connect(Settings().db_path))
    kinds = [e.action for e in log.recent()]
    assert "team_member_add" in kinds and "team_member_remove" in kinds

    code, said = _run("teams", "add", "기획팀", "없는사람")
    assert code == 1 and "없는사람" in said
