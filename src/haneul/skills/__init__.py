"""Skills: what the assistant can do besides writing text (CLOVA X's Skills).

A skill is a described, typed function. `@skill` builds its description and JSON schema
from the function's type hints and docstring, so the schema the model sees is the same
one its arguments are checked against. Skills are registered through the
`register_skills` plugin hook, the built-ins included (`haneul.skills.builtin`).

A skill's output is data for the model to read, never instructions: the assistant wraps
it as such and runs the safety filter's injection check over it. A skill with
`side_effects=True` (it writes, books, sends) runs only after the user confirms.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, get_args, get_type_hints, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from haneul.errors import InvalidRequestError, NotFoundError
from haneul.skills.documents_source import DocumentSource
from haneul.skills.todo_source import TodoSource

if TYPE_CHECKING:
    from haneul.skills.builtin.mail import MailSource


@dataclass(frozen=True)
class SkillSpec:
    name: str
    description: str  # for the model and for people
    parameters: dict[str, Any]  # JSON schema of the arguments
    examples: tuple[str, ...] = ()  # utterances that call for this skill (Korean first)
    side_effects: bool = False


@dataclass
class SkillResult:
    content: str  # what the model reads (Markdown)
    data: Any = None  # structured result for clients
    steps: list[str] = field(default_factory=list)  # how it was worked out, shown to the user
    # One Korean sentence that answers the question by itself, written by the skill from its
    # own result («30평은 약 99.17㎡입니다.»): the assistant starts its answer with it, so
    # what the user reads agrees with the result whatever the model writes.
    answer: str | None = None


# The conversation's model, for a skill that has it write something (the python skill's
# code): chat messages and a token budget in, the reply's text out.
AskModel = Callable[[list[dict[str, str]], int], Awaitable[str]]


@dataclass
class SkillContext:
    """What a skill may use of the caller: who asks, the user's documents (a typed
    `DocumentSource`, skills/documents_source.py; None where the caller has none), the
    files attached to the conversation, by name (read-only; the python skill reads them), the
    user's to-dos (a `TodoSource`, skills/todo_source.py), the user's mailbox (skills/builtin/
    mail.py) and the conversation's model (`ask`); each None where the caller has none."""

    owner: str = "anonymous"
    documents: DocumentSource | None = None
    files: dict[str, Path] = field(default_factory=dict)
    todos: TodoSource | None = None
    mail: MailSource | None = None  # the user's mailbox (skills/builtin/mail.py), if any
    ask: AskModel | None = None


@runtime_checkable
class Skill(Protocol):
    spec: SkillSpec

    def parse(self, utterance: str) -> dict[str, Any] | None:
        """Arguments read from an utterance by the skill's own parser, or None."""
        ...

    async def run(self, arguments: dict[str, Any], context: SkillContext) -> SkillResult: ...


class SkillArgumentError(InvalidRequestError):
    code = "invalid_skill_arguments"


def _docstring_parts(doc: str) -> tuple[str, dict[str, str]]:
    """The summary of a docstring and its `name: help` argument lines (Google style)."""
    summary, params, in_args = [], {}, False
    for line in inspect.cleandoc(doc).splitlines():
        if line.strip() in ("Args:", "Arguments:", "Parameters:"):
            in_args = True
            continue
        found = re.match(r"\s+(\w+)(?: \([^)]*\))?:\s*(.+)", line) if in_args else None
        if found:
            params[found.group(1)] = found.group(2).strip()
        elif not in_args:
            summary.append(line)
    return " ".join(s for s in summary if s).strip(), params


class FunctionSkill:
    """A skill made by `@skill` from an async function with typed keyword arguments."""

    def __init__(
        self,
        fn: Callable[..., Awaitable[SkillResult]],
        *,
        name: str,
        examples: tuple[str, ...],
        side_effects: bool,
        parser: Callable[[str], dict[str, Any] | None] | None,
        confirm: Callable[[dict[str, Any]], str] | None = None,
    ) -> None:
        self.fn = fn
        self.parser = parser
        # the question a writing skill asks before it runs, in the user's words (`confirmation`)
        self.confirm = confirm
        description, helps = _docstring_parts(fn.__doc__ or name)
        hints = get_type_hints(fn)
        fields: dict[str, Any] = {}
        self.wants_context = False
        for pname, param in inspect.signature(fn).parameters.items():
            hint = hints.get(pname)
            if hint is SkillContext or SkillContext in get_args(hint):
                self.wants_context = True
                continue
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[pname] = (hints.get(pname, Any), _field(default, helps.get(pname)))
        config = ConfigDict(extra="forbid")
        self.model: type[BaseModel] = create_model(f"{name}_arguments", __config__=config, **fields)
        schema = self.model.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        self.spec = SkillSpec(name, description, schema, examples, side_effects)

    def parse(self, utterance: str) -> dict[str, Any] | None:
        return self.parser(utterance) if self.parser else None

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.model.model_validate(arguments).model_dump()
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "arguments"
            raise SkillArgumentError(
                f"{self.spec.name}: {where}: {first['msg']}", param="arguments"
            ) from None

    async def run(self, arguments: dict[str, Any], context: SkillContext) -> SkillResult:
        values = self.validate(arguments)
        if self.wants_context:
            values["context"] = context
        return await self.fn(**values)


def _field(default: Any, description: str | None) -> Any:
    from pydantic import Field

    return Field(default, description=description)


def skill(
    name: str | None = None,
    *,
    examples: tuple[str, ...] | list[str] = (),
    side_effects: bool = False,
    parser: Callable[[str], dict[str, Any] | None] | None = None,
    confirm: Callable[[dict[str, Any]], str] | None = None,
) -> Callable[[Callable[..., Awaitable[SkillResult]]], FunctionSkill]:
    """Make a skill of an async function: its name, docstring and type hints become the
    skill's name, description and argument schema. A parameter typed `SkillContext`
    receives the caller's context and is not part of the schema. `confirm`: a skill with
    side effects asks this (from the arguments) before it runs, instead of a generic
    question listing them (`confirmation`)."""

    def wrap(fn: Callable[..., Awaitable[SkillResult]]) -> FunctionSkill:
        return FunctionSkill(
            fn,
            name=name or fn.__name__,
            examples=tuple(examples),
            side_effects=side_effects,
            parser=parser,
            confirm=confirm,
        )

    return wrap


CONFIRM_KO = (
    "'{name}' 스킬은 실행하면 되돌리기 어려운 작업이라 먼저 확인을 받습니다. "
    "아래 내용으로 실행할까요?"
)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(_value, value)) or "—"
    return "—" if value is None else str(value)


def confirmation(item: Skill, arguments: dict[str, Any]) -> str:
    """What the user reads before a skill with side effects runs: the skill's own question
    (`confirm`), else a generic one with the arguments as lines, never as JSON."""
    ask = getattr(item, "confirm", None)
    if ask is not None:
        return str(ask(arguments))
    lines = "\n".join(f"- {k}: {_value(v)}" for k, v in arguments.items())
    return CONFIRM_KO.format(name=item.spec.name) + ("\n\n" + lines if lines else "")


@cache
def builtin_and_plugin_skills() -> dict[str, Skill]:
    from haneul.plugins import plugin_manager

    found: dict[str, Skill] = {}

    def register(item: Skill) -> None:
        if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", item.spec.name):
            raise ValueError(f"skill name {item.spec.name!r}: letters, digits, _ or -")
        found[item.spec.name] = item

    plugin_manager().hook.register_skills(register=register)
    return found


def get_skill(name: str) -> Skill:
    skills = builtin_and_plugin_skills()
    if name not in skills:
        raise NotFoundError(f"no skill named '{name}'", param="skill")
    return skills[name]
