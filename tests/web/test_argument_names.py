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


def test_every_english_choice_of_a_builtin_argument_has_korean_words() -> None:
    """The to-do card showed «중요도 normal»: a choice written in English in the code is
    shown in Korean (web/skills.js's VALUE_NAMES)."""
    table = SKILLS_JS.read_text(encoding="utf-8").split("const VALUE_NAMES = {", 1)[1]
    table = table.split("\n};", 1)[0]
    named = {
        key: dict(re.findall(r'(\w+): "([^"]+)"', body))
        for key, body in re.findall(r"^\s+(\w+): \{([^}]*)\}", table, re.M)
    }
    unnamed = []
    for skill, item in builtin_and_plugin_skills().items():
        for argument, schema in item.spec.parameters.get("properties", {}).items():
            choices = schema.get("enum") or next(
                (a["enum"] for a in schema.get("anyOf", []) if "enum" in a), []
            )
            for choice in choices:
                korean = named.get(argument, {}).get(choice, "")
                if re.fullmatch(r"[A-Za-z_]+", str(choice)) and not re.search("[가-힣]", korean):
                    unnamed.append(f"{skill}.{argument}={choice}")
    assert unnamed == []
