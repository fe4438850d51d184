"""The public API: what plugins and applications may import from `haneul` itself.

Changing this list is a decision (a plugin in the wild imports these names): update the test,
docs/plugins.md and the changelog together.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from types import ModuleType

import pytest

import haneul
from haneul import Check, SkillResult, hookimpl, skill
from haneul.plugins import plugin_manager
from haneul.safety.filter import SafetyFilter
from haneul.safety.protocol import Finding, Verdict
from haneul.skills import SkillContext

PUBLIC = {
    "Backend": "haneul.engine.protocol",
    "Check": "haneul.safety.protocol",
    "HaneulError": "haneul.errors",
    "Settings": "haneul.config",
    "SkillResult": "haneul.skills",
    "hookimpl": "haneul.hookspecs",
    "skill": "haneul.skills",
}


def test_the_public_names_are_exactly_these() -> None:
    assert set(haneul.__all__) == {*PUBLIC, "__version__"}
    assert set(dir(haneul)) >= set(haneul.__all__)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_each_name_is_the_object_from_its_home(name: str) -> None:
    home = __import__(PUBLIC[name], fromlist=[name])
    assert getattr(haneul, name) is getattr(home, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="없는이름"):
        haneul.없는이름  # type: ignore[attr-defined]  # noqa: B018


def test_hookimpl_is_the_one_plugins_always_used() -> None:
    import haneul.plugins

    assert haneul.hookimpl is haneul.plugins.hookimpl


@skill("greet_ko", examples=("인사해 줘",))
async def greet(name: str) -> SkillResult:
    """Greets someone in Korean.

    Args:
        name: Who to greet.
    """
    return SkillResult(f"{name}님, 안녕하세요!")


class Shout:
    name = "shout"

    async def check(self, text: str, context: str | None = None) -> Verdict:
        return Verdict([Finding("shout", 1.0)] if text.endswith("!!") else [])


def test_a_plugin_written_with_the_public_api_runs() -> None:
    """A skill and a check made only from `haneul`'s names, registered through the hooks."""
    plugin = ModuleType("public_api_example")
    plugin.register_skills = hookimpl(lambda register: register(greet))  # type: ignore[attr-defined]
    plugin.register_checks = hookimpl(lambda register: register(Shout()))  # type: ignore[attr-defined]
    assert isinstance(Shout(), Check)
    pm = plugin_manager()
    pm.register(plugin, "public_api_example")
    try:
        skills: list[object] = []
        pm.hook.register_skills(register=skills.append)
        assert greet in skills
        safety = SafetyFilter()
        assert [c.name for c in safety.checks][-1] == "shout"
        assert asyncio.run(safety.check("조용히 해!!")).scores()["shout"] == 1.0
        result = asyncio.run(greet.run({"name": "민지"}, SkillContext()))
        assert result.content == "민지님, 안녕하세요!"
    finally:
        pm.unregister(name="public_api_example")
    assert "shout" not in [c.name for c in SafetyFilter().checks]


def test_import_haneul_imports_nothing_else() -> None:
    code = "import sys, haneul; print(sorted(m for m in sys.modules if m.startswith('haneul')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['haneul']"
