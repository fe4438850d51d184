"""Every argument of a built-in skill has a Korean name in the skill card (web/skills.js's
ARGUMENT_NAMES): the card showed «label», «count» and «said» as they are in the code."""

from __future__ import annotations

import re
from pathlib import Path

import haneul
from haneul.skills import builtin_and_plugin_skills

SKILLS_JS = Path(haneul.__file__).parent / "web" / "skills.js"


def test_every_builtin_skill_argument_has_a_korean_name() -> None:
    table = SKILLS_JS.read_text(encoding="utf-8").split("const ARGUMENT_NAMES = {", 1)[1]
    names = dict(re.findall(r'^\s+(\w+): "([^"]+)"', table.split("};", 1)[0], re.M))
    unnamed = [
        f"{skill}.{argument}"
        for skill, item in builtin_and_plugin_skills().items()
        for argument in item.spec.parameters.get("properties", {})
        if not re.search("[가-힣]", names.get(argument, ""))
    ]
    assert unnamed == []
