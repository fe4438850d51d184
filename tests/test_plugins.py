"""The plugin manager: one per process, built-ins loaded by name, the examples of
docs/plugins.md run as written."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from haneul.plugins import BUILTIN_PLUGINS, plugin_manager
from haneul.safety.filter import SafetyFilter

ROOT = Path(__file__).resolve().parents[1]


def _example(hook: str) -> ModuleType:
    """The plugin module of docs/plugins.md that implements `hook`, executed."""
    page = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(# my_package/haneul_plugin\.py.*?)```", page, re.S)
    source = next((b for b in blocks if f"def {hook}(" in b), None)
    assert source, f"docs/plugins.md has no example plugin for {hook}"
    module = ModuleType(f"docs_example_{hook}")
    exec(compile(source, "docs/plugins.md", "exec"), module.__dict__)
    return module


def test_the_manager_is_built_once() -> None:
    assert plugin_manager() is plugin_manager()


def test_the_builtins_are_registered_by_module_name() -> None:
    names = {name for name, _ in plugin_manager().list_name_plugin()}
    assert set(BUILTIN_PLUGINS) <= names
    factories: dict[str, object] = {}
    plugin_manager().hook.register_backends(register=factories.__setitem__)
    assert {"gguf", "echo", "upstream", "e5"} <= set(factories)


def test_the_builtin_checks_come_through_the_hook() -> None:
    assert [c.name for c in SafetyFilter().checks][:3] == ["pii", "abuse", "injection"]


def test_the_register_checks_example_flags_a_code_name() -> None:
    example = _example("register_checks")
    pm = plugin_manager()
    pm.register(example, "docs_example_checks")
    try:
        safety = SafetyFilter()
        verdict = asyncio.run(safety.check("푸른하늘 출시일 알려줘"))
        assert verdict.scores().get("codename") == 1.0
        assert "codename" not in asyncio.run(safety.check("오늘 점심 뭐 먹지?")).scores()
    finally:
        pm.unregister(name="docs_example_checks")


def test_the_plugins_setting_registers_a_module() -> None:
    """`HANEUL_PLUGINS` is read through `Settings.plugins`, in a fresh process."""
    code = (
        "from haneul.skills import builtin_and_plugin_skills as s; "
        "print('book_meeting_room' in s())"
    )
    env = {"HANEUL_PLUGINS": " tests.assistant.booking_plugin ", "PYTHONPATH": _pythonpath()}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert done.stdout.strip() == "True", done.stderr


def _pythonpath() -> str:
    return f"{ROOT / 'src'}:{ROOT}"
