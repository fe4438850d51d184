"""Skillsets as a service: create one from manifests, add example utterances, train a
version (the Skill Trainer), publish it, and serve it: plan -> API call -> final answer.

Serving one query (`answer`) yields CLOVA's stream events in order: `planning` (the chosen
operation and its arguments), `cot` (one sentence saying why), then `finalAnswer` (the
whole result: `finalAnswer`, `apiResult[]`). What happens depends on the plan:

- no operation fits (`none`): the answer says what the skillset can do; no call;
- a required argument is missing: the answer asks for it; no call;
- the operation has side effects (anything but GET unless the manifest says otherwise): no
  call yet; the result carries `confirmation {id, operationId, arguments}` and the answer
  asks the user; `confirm(id, approve)` then makes the call (or not). CLOVA calls at once;
  Haneul waits, as the assistant does (docs/skillsets.md);
- otherwise the call is made and its result becomes the answer (the manifest's answer
  template, else the result as Markdown), with no model call.

`requestOverride` (CLOVA's: `baseOperation` and `operations[]`, each `header`, `query`,
`requestBody`) is applied to every call; it is not stored, so a confirmation sends it again.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from haneul.errors import UpstreamError
from haneul.skills import SkillArgumentError
from haneul.skills.openapi import OpenApiSkill, answer_from, load_manifest, manifest_skills
from haneul.skills.openapi import markdown as as_markdown
from haneul.skillsets.arguments import Example
from haneul.skillsets.router import NONE, EmbedTexts
from haneul.skillsets.store import PendingCall, Skillset, SkillsetStore, Version
from haneul.skillsets.trainer import (
    Model,
    Plan,
    check_examples,
    e5_embed,
    evaluate,
    operations_of,
    train,
    untrained,
)

Event = tuple[str, dict[str, Any]]
SERVED = 64  # versions kept loaded (manifests parsed, model read); more empties the cache


def load_operations(manifests: Sequence[Any]) -> dict[str, OpenApiSkill]:
    """The operations of a skillset's manifests: shipped names or manifest objects."""
    skills: list[OpenApiSkill] = []
    for k, item in enumerate(manifests):
        if isinstance(item, str):
            skills += load_manifest(item)
        else:
            skills += manifest_skills(item, None, f"manifests.{k}")
    return operations_of(skills)


@dataclass(frozen=True)
class Override:
    """CLOVA's `requestOverride`, for one operation."""

    header: dict[str, str]
    query: dict[str, Any]
    body: dict[str, Any]

    @classmethod
    def of(cls, override: dict[str, Any] | None, operation: str) -> Override:
        parts = [(override or {}).get("baseOperation") or {}]
        parts += [
            item
            for item in (override or {}).get("operations") or []
            if item.get("operationId") == operation
        ]
        header: dict[str, str] = {}
        query: dict[str, Any] = {}
        body: dict[str, Any] = {}
        for part in parts:
            header.update({str(k): str(v) for k, v in (part.get("header") or {}).items()})
            query.update(part.get("query") or {})
            body.update(part.get("requestBody") or {})
        return cls(header, query, body)


def _auth_header(skill: OpenApiSkill) -> str | None:
    auth = skill.manifest.auth
    return {"bearer": "authorization", "api_key": auth.header.lower()}.get(auth.type)


async def call_operation(
    skill: OpenApiSkill, arguments: dict[str, Any], override: Override
) -> tuple[dict[str, Any], Any, str | None]:
    """Call the partner: CLOVA's `apiResult` entry, the response data, and an error
    message when the partner refused (its 4xx/5xx reply is still reported)."""
    given = {k.lower() for k in override.header}
    url, query, body, headers = skill.request_parts(
        arguments, auth=_auth_header(skill) not in given
    )
    query = {**query, **override.query}
    headers = {**headers, **override.header}
    if skill.method != "get" and (override.body or body is not None):
        body = {**(body or {}), **override.body}
    try:
        async with httpx.AsyncClient(timeout=skill.manifest.timeout_s) as http:
            response = await http.request(
                skill.method.upper(), url, params=query, json=body, headers=headers
            )
    except httpx.HTTPError as e:
        raise UpstreamError(f"{skill.manifest.name_for_human}: {type(e).__name__}") from None
    failure = None
    try:
        data = skill.result_of(response).data
    except (SkillArgumentError, UpstreamError) as e:
        failure, data = e.message, _json_or_text(response)
    full = url + (f"?{urlencode(query, doseq=True)}" if query else "")
    entry = {
        "url": full,
        "requestBody": body,
        "responseBody": data,
        "operationId": skill.operation_id,
        "nameForHuman": skill.manifest.name_for_human,
    }
    return entry, data, failure


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]


def _summary(skill: OpenApiSkill) -> str:
    return skill.spec.description.split(": ", 1)[-1].split(". ")[0]


def _arguments_text(arguments: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in arguments.items()) or "인자 없음"


class SkillsetService:
    def __init__(self, store: SkillsetStore, embed: EmbedTexts = e5_embed) -> None:
        self.store = store
        self.embed = embed
        self._served: dict[tuple[str, int], tuple[dict[str, OpenApiSkill], Model]] = {}

    # -- the Skill Trainer -------------------------------------------------------------------

    async def create(
        self, owner: str, name: str, description: str, manifests: list[Any]
    ) -> Skillset:
        await asyncio.to_thread(load_operations, manifests)  # a clear 400 for a bad one
        return await asyncio.to_thread(self.store.create, owner, name, description, manifests)

    async def add_examples(self, owner: str, sid: str, examples: Sequence[Example]) -> int:
        skillset = await asyncio.to_thread(self.store.get, owner, sid)
        operations = await asyncio.to_thread(load_operations, skillset.manifests)
        check_examples(operations, examples)
        return await asyncio.to_thread(self.store.add_examples, owner, sid, examples)

    async def train(self, owner: str, sid: str, held_out: Sequence[Example] = ()) -> Version:
        """Fit a new version on the skillset's examples; with `held_out` examples, the
        report compares it with the untrained router on them."""
        skillset = await asyncio.to_thread(self.store.get, owner, sid)
        examples = await asyncio.to_thread(self.store.examples, owner, sid)
        return await asyncio.to_thread(self._train, skillset, examples, held_out)

    def _train(
        self, skillset: Skillset, examples: list[Example], held_out: Sequence[Example]
    ) -> Version:
        operations = load_operations(skillset.manifests)
        check_examples(operations, held_out)
        started = time.perf_counter()
        model = train(operations, examples, self.embed)
        report: dict[str, Any] = {
            "examples": len(examples),
            "operations": {
                op: sum(1 for e in examples if e.operation == op) for op in [*operations, NONE]
            },
            "trainSeconds": round(time.perf_counter() - started, 3),
        }
        if held_out:
            report["heldOut"] = {
                "trained": evaluate(model, operations, held_out, self.embed),
                "untrained": evaluate(untrained(operations, self.embed), operations, held_out),
            }
        return self.store.add_version(
            skillset.owner, skillset.id, skillset.manifests, model.to_json(), report
        )

    # -- serving a version -------------------------------------------------------------------

    def _load(
        self, owner: str, sid: str, number: int | None
    ) -> tuple[Version, dict[str, OpenApiSkill], Model]:
        version = self.store.version(owner, sid, number)
        key = (sid, version.version)
        if key not in self._served:
            if len(self._served) >= SERVED:
                self._served.clear()
            operations = load_operations(version.manifests)
            self._served[key] = (operations, Model.from_json(version.model))
        operations, model = self._served[key]
        return version, operations, model

    def _plan(
        self, owner: str, sid: str, number: int | None, query: str, history: list[str]
    ) -> tuple[Version, dict[str, OpenApiSkill], Plan]:
        version, operations, model = self._load(owner, sid, number)
        plan = model.plan(operations, query, self.embed)
        if plan.operation == NONE and history:  # a follow-up that names no operation itself
            plan = model.plan(operations, query, self.embed, context=history[-1])
        return version, operations, plan

    async def plan(
        self, owner: str, sid: str, number: int | None, query: str, history: list[str]
    ) -> Plan:
        _, _, plan = await asyncio.to_thread(self._plan, owner, sid, number, query, history)
        return plan

    async def answer(
        self,
        owner: str,
        sid: str,
        number: int | None,
        query: str,
        history: list[str],
        override: dict[str, Any] | None,
    ) -> AsyncGenerator[Event, None]:
        """planning, cot, finalAnswer (module docstring)."""
        version, operations, plan = await asyncio.to_thread(
            self._plan, owner, sid, number, query, history
        )
        yield (
            "planning",
            {
                "operationId": None if plan.operation == NONE else plan.operation,
                "arguments": plan.arguments,
                "missing": plan.missing,
                "score": round(plan.score, 4),
            },
        )
        if plan.operation == NONE:
            names = ", ".join(_summary(s) for s in operations.values())
            yield "cot", {"text": "요청에 맞는 API가 이 스킬셋에 없습니다."}
            yield (
                "finalAnswer",
                _result(f"이 스킬셋으로는 답할 수 없는 요청입니다. 할 수 있는 일: {names}."),
            )
            return
        skill = operations[plan.operation]
        yield (
            "cot",
            {
                "text": f"'{_summary(skill)}'({plan.operation}) API로 답합니다: "
                f"{_arguments_text(plan.arguments)}."
            },
        )
        if plan.missing:
            props = skill.spec.parameters.get("properties", {})
            wanted = ", ".join(props.get(k, {}).get("description") or k for k in plan.missing)
            yield (
                "finalAnswer",
                _result(f"{_summary(skill)}에 필요한 정보를 알려 주세요: {wanted}."),
            )
            return
        if skill.spec.side_effects:
            call = PendingCall(
                f"call-{uuid.uuid4().hex[:16]}",
                sid,
                version.version,
                query,
                plan.operation,
                plan.arguments,
            )
            await asyncio.to_thread(self.store.add_call, owner, call)
            yield "finalAnswer", _confirmation(skill, call)
            return
        yield (
            "finalAnswer",
            await _called(skill, plan.arguments, Override.of(override, skill.operation_id)),
        )

    async def confirm(
        self,
        owner: str,
        sid: str,
        number: int,
        cid: str,
        approve: bool,
        override: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Make (or drop) a call of version `number` that waited for the user."""
        call = await asyncio.to_thread(self.store.decide, owner, sid, number, cid, approve)
        _, operations, _ = await asyncio.to_thread(self._load, owner, sid, call.version)
        skill = operations[call.operation]
        if not approve:
            return _result(f"{_summary(skill)} 요청을 취소했습니다. 아무것도 실행하지 않았습니다.")
        return await _called(skill, call.arguments, Override.of(override, skill.operation_id))


def _result(text: str, api: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"finalAnswer": text, "apiResult": api or []}


def _confirmation(skill: OpenApiSkill, call: PendingCall) -> dict[str, Any]:
    result = _result(
        f"{skill.manifest.name_for_human}: {_summary(skill)}을(를) "
        f"{_arguments_text(call.arguments)}(으)로 실행할까요? 확인하시면 실행합니다."
    )
    result["confirmation"] = {
        "id": call.id,
        "operationId": call.operation,
        "arguments": call.arguments,
    }
    return result


async def _called(
    skill: OpenApiSkill, arguments: dict[str, Any], override: Override
) -> dict[str, Any]:
    entry, data, failure = await call_operation(skill, arguments, override)
    who = skill.manifest.name_for_human
    if failure is not None:
        return _result(f"{who}에서 요청을 처리하지 못했습니다: {failure}", [entry])
    template = skill.manifest.answers.get(skill.operation_id)
    sentence = answer_from(template, data, arguments, "")
    table = as_markdown(data)
    head = sentence or f"{who}의 '{_summary(skill)}' 결과입니다."
    return _result(f"{head}\n\n{table}" if table else head, [entry])
