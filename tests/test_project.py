"""Project rules a reviewer would otherwise check by hand."""

from __future__ import annotations

import re
from pathlib import Path

from haneul import hookspecs
from haneul.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_hook_is_documented() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [n for n in vars(hookspecs) if n.startswith("register_")]
    assert hooks
    for hook in hooks:
        assert f"### `{hook}(" in doc, f"hook {hook} is not documented in docs/plugins.md"


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"`HANEUL_{name.upper()}`" in doc, f"HANEUL_{name.upper()} missing from the docs"


def test_engine_knows_nothing_of_http_servers() -> None:
    """Layering: engine/ never imports server/, fastapi or starlette."""
    for path in (ROOT / "src" / "haneul" / "engine").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (haneul\.server|fastapi|starlette)", text, re.M), (
            path
        )


def test_readme_opens_with_run_and_test() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make run" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_data_file_ships_in_the_package() -> None:
    """A file the package reads at run time (not .py) is listed in pyproject's package-data,
    or an installed Haneul would not find it."""
    import fnmatch
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["haneul"]
    src = ROOT / "src" / "haneul"
    missing = [
        str(path.relative_to(src))
        for path in src.rglob("*")
        if path.is_file()
        and path.suffix not in {".py", ".pyc"}
        and "__pycache__" not in path.parts
        and not any(fnmatch.fnmatch(str(path.relative_to(src)), p) for p in patterns)
    ]
    assert missing == []
