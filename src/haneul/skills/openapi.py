"""OpenAPI skills: a manifest (a name for people, a description for the model, an OpenAPI
document, auth) turns each operation of a partner's API into a skill, as CLOVA X's skills
reach Naver Travel or SOCAR.

The OpenAPI document is validated with `openapi-pydantic` and its `$ref`s resolved with
`jsonref`; arguments are checked against the operation's JSON schema (`jsonschema`) before
any request leaves. Operations other than GET have side effects (they book, write, cancel)
unless the manifest says otherwise, so they run only after the user confirms. A manifest can
carry Korean example utterances per operation for the router and regular expressions whose
named groups read the arguments from an utterance (the bundled models are too small to fill
them). See docs/openapi-skills.md for the format.
"""

from __future__ import annotations

import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx
import jsonref
import jsonschema
import yaml
from openapi_pydantic import parse_obj
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from haneul.errors import InvalidRequestError, UpstreamError
from haneul.skills import SkillArgumentError, SkillContext, SkillResult, SkillSpec

METHODS = ("get", "post", "put", "patch", "delete")
MAX_ROWS = 10


class AuthSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["none", "bearer", "api_key"] = "none"
    env: str | None = Field(None, description="Environment variable holding the secret")
    header: str = "X-API-Key"  # for api_key


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: str = "v1"
    name_for_human: str
    name_for_model: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    description_for_human: str = ""
    description_for_model: str
    auth: AuthSpec = AuthSpec()
    openapi: str | dict[str, Any]  # a path next to the manifest, or the document inline
    base_url: str | None = None  # overrides the document's servers; ${VAR} allowed
    examples: dict[str, list[str]] = {}
    parsers: dict[str, list[str]] = {}  # operationId -> regexes with named groups
    defaults: dict[str, dict[str, Any]] = {}  # operationId -> default arguments
    side_effects: dict[str, bool] = {}
    # operationId -> the answer sentence: a template with {field.path} placeholders filled
    # from the response (then the arguments), e.g. "{city}의 기온은 {current.temp}도입니다.",
    # or a bare path ("summary") whose value is the sentence. Without one, a short text
    # answer of the tool is the sentence.
    answers: dict[str, str] = {}
    timeout_s: float = 15.0


def shipped() -> dict[str, Path]:
    """The manifests that come with Haneul, by name."""
    folder = Path(str(resources.files("haneul.skills").joinpath("manifests")))
    return {p.stem: p for p in sorted(folder.glob("*.json"))}


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)


def load_manifest(where: str | Path) -> list[OpenApiSkill]:
    """The skills of one manifest: a shipped one by name (`travel`) or a file."""
    path = shipped().get(str(where)) or Path(where)
    try:
        data = _read(path)
    except (OSError, ValueError) as e:
        raise InvalidRequestError(f"skill manifest {path}: {e}") from None
    return manifest_skills(data, path.parent, str(path))


def manifest_skills(data: Any, folder: Path | None, where: str) -> list[OpenApiSkill]:
    """The skills of a manifest given as data; a relative `openapi` path is read from
    `folder` (None: the document must be inline)."""
    try:
        manifest = Manifest.model_validate(data)
        if isinstance(manifest.openapi, str) and folder is None:
            raise ValueError("openapi must be the OpenAPI document itself, not a path")
        document = (
            _read(folder / manifest.openapi)
            if isinstance(manifest.openapi, str) and folder is not None
            else manifest.openapi
        )
        parse_obj(document)  # a clear error for a malformed OpenAPI document
        resolved = jsonref.replace_refs(document, proxies=False, lazy_load=False)
    except (OSError, ValueError, ValidationError, jsonref.JsonRefError) as e:
        raise InvalidRequestError(f"skill manifest {where}: {e}") from None
    base = manifest.base_url or (resolved.get("servers") or [{}])[0].get("url")
    if not base:
        raise InvalidRequestError(f"skill manifest {where}: no base_url and no servers")
    base = os.path.expandvars(base)
    if "${" in base or base.startswith("$"):
        raise InvalidRequestError(f"skill manifest {where}: set the variable in {base}")
    skills = []
    for route, item in resolved.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                shared = item.get("parameters", [])
                skills.append(OpenApiSkill(manifest, base, method, route, item[method], shared))
    return skills


class OpenApiSkill:
    def __init__(
        self,
        manifest: Manifest,
        base_url: str,
        method: str,
        route: str,
        operation: dict[str, Any],
        shared: list[dict[str, Any]],
    ) -> None:
        self.manifest, self.base_url, self.method, self.route = manifest, base_url, method, route
        op_id = operation.get("operationId") or re.sub(r"\W+", "_", f"{method}{route}").strip("_")
        self.operation_id = op_id
        self.params: dict[str, str] = {}  # name -> in (path, query, header)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for p in [*shared, *operation.get("parameters", [])]:
            self.params[p["name"]] = p["in"]
            properties[p["name"]] = {**p.get("schema", {}), "description": p.get("description", "")}
            if p.get("required") or p["in"] == "path":
                required.append(p["name"])
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        body_schema = body.get("schema", {})
        self.body_keys = list(body_schema.get("properties", {}))
        properties.update(body_schema.get("properties", {}))
        required += body_schema.get("required", [])
        schema = {"type": "object", "properties": properties, "required": sorted(set(required))}
        summary = operation.get("summary") or operation.get("description") or op_id
        effects = manifest.side_effects.get(op_id, method != "get")
        self.spec = SkillSpec(
            name=f"{manifest.name_for_model}__{op_id}",
            description=f"{manifest.name_for_human}: {summary}. {manifest.description_for_model}",
            parameters=schema,
            examples=tuple(manifest.examples.get(op_id, ())),
            side_effects=effects,
        )
        self.patterns = [re.compile(p) for p in manifest.parsers.get(op_id, [])]

    def parse(self, utterance: str) -> dict[str, Any] | None:
        """Arguments from the manifest's patterns (each may fill some), over its defaults;
        None unless every required argument was found."""
        values = dict(self.manifest.defaults.get(self.operation_id, {}))
        for pattern in self.patterns:
            found = pattern.search(utterance)
            if found:
                values.update({k: v for k, v in found.groupdict().items() if v is not None})
        if not self.patterns or any(k not in values for k in self.spec.parameters["required"]):
            return None
        return self._typed(values)

    def _typed(self, values: dict[str, Any]) -> dict[str, Any]:
        """Numbers read from an utterance are text; give them the schema's type."""
        props = self.spec.parameters["properties"]
        for key, value in values.items():
            kind = props.get(key, {}).get("type")
            if isinstance(value, str) and kind in ("integer", "number"):
                digits = re.sub(r"[^\d.]", "", value)
                if digits:
                    values[key] = int(float(digits)) if kind == "integer" else float(digits)
        return values

    def _headers(self) -> dict[str, str]:
        auth = self.manifest.auth
        if auth.type == "none":
            return {}
        secret = os.environ.get(auth.env or "")
        if not secret:
            raise UpstreamError(
                f"{self.manifest.name_for_human}: set {auth.env} to the partner's credentials"
            )
        if not secret.isascii():
            raise UpstreamError(f"{self.manifest.name_for_human}: {auth.env} is not ASCII")
        if auth.type == "bearer":
            return {"Authorization": f"Bearer {secret}"}
        return {auth.header: secret}

    def request_parts(
        self, arguments: dict[str, Any], *, auth: bool = True
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None, dict[str, str]]:
        """The checked arguments as a call: URL, query, JSON body (None without one) and
        headers (the manifest's credentials unless `auth` is False)."""
        try:
            jsonschema.validate(arguments, self.spec.parameters)
        except jsonschema.ValidationError as e:
            where = ".".join(str(p) for p in e.absolute_path) or "arguments"
            raise SkillArgumentError(f"{self.spec.name}: {where}: {e.message}") from None
        path = self.route
        query: dict[str, Any] = {}
        headers = self._headers() if auth else {}
        for name, value in arguments.items():
            place = self.params.get(name)
            if place == "path":
                path = path.replace("{" + name + "}", quote(str(value), safe=""))
            elif place == "query":
                query[name] = value
            elif place == "header":
                headers[name] = str(value)
        body = {k: arguments[k] for k in self.body_keys if k in arguments}
        url = self.base_url.rstrip("/") + path
        return url, query, (body if self.body_keys else None), headers

    async def run(self, arguments: dict[str, Any], context: SkillContext) -> SkillResult:
        url, query, body, headers = self.request_parts(arguments)
        try:
            async with httpx.AsyncClient(timeout=self.manifest.timeout_s) as http:
                response = await http.request(
                    self.method.upper(), url, params=query, json=body, headers=headers
                )
        except httpx.HTTPError as e:
            raise UpstreamError(f"{self.manifest.name_for_human}: {type(e).__name__}") from None
        result = self.result_of(response)
        template = self.manifest.answers.get(self.operation_id)
        result.answer = answer_from(template, result.data, arguments, result.content)
        return result

    def result_of(self, response: httpx.Response) -> SkillResult:
        """The partner's reply as a result; its refusals as errors."""
        who = self.manifest.name_for_human
        try:
            data: Any = response.json()
        except ValueError:
            data = response.text[:2000]
        if response.status_code in (401, 403):
            raise UpstreamError(
                f"{who}: the partner refused our credentials ({response.status_code})"
            )
        if response.status_code >= 400:
            detail = data.get("detail", data) if isinstance(data, dict) else data
            error = SkillArgumentError if response.status_code < 500 else UpstreamError
            raise error(f"{who}: {response.status_code} {detail}")
        return SkillResult(markdown(data), data=data)


_PLACEHOLDER = re.compile(r"\{([\w가-힣.\-]+)\}")
SHORT_ANSWER = 300  # characters: a tool's text at most this long is its answer sentence


def field_at(data: Any, path: str) -> Any:
    """The value at a dotted path (`current.temp`, `items.0.name`), or None."""
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def answer_from(
    template: str | None, data: Any, arguments: dict[str, Any], text: str
) -> str | None:
    """A tool's answer sentence: its manifest template filled from the response (then the
    arguments), a bare field path's value, or else its own text when that is short. None
    when a placeholder has no value (the model then explains the raw result)."""
    if template:
        if "{" not in template:
            value = field_at(data, template)
            return None if value is None or isinstance(value, dict | list) else str(value)
        missing = False

        def fill(m: re.Match[str]) -> str:
            nonlocal missing
            value = field_at(data, m.group(1))
            value = field_at(arguments, m.group(1)) if value is None else value
            if value is None or isinstance(value, dict | list):
                missing = True
                return ""
            return f"{value:g}" if isinstance(value, float) else str(value)

        filled = _PLACEHOLDER.sub(fill, template)
        return None if missing else filled
    text = text.strip()
    return text if text and len(text) <= SHORT_ANSWER and "\n\n" not in text else None


def markdown(data: Any) -> str:
    """A JSON answer as Markdown: lists of objects as a table, objects as lines."""
    if isinstance(data, dict):
        lines, tables = [], []
        for key, value in data.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                tables.append(f"**{key}**\n\n" + markdown(value))
            else:
                lines.append(f"- {key}: {value}")
        return "\n".join(lines) + ("\n\n" if lines and tables else "") + "\n\n".join(tables)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        columns = list(dict.fromkeys(k for row in data for k in row))
        rows = [
            "| " + " | ".join(str(row.get(c, "")).replace("|", "\\|") for c in columns) + " |"
            for row in data[:MAX_ROWS]
        ]
        more = f"\n\n(외 {len(data) - MAX_ROWS}건)" if len(data) > MAX_ROWS else ""
        head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns)
        return head + "\n" + "\n".join(rows) + more
    if isinstance(data, list):
        return "\n".join(f"- {v}" for v in data) or "(결과 없음)"
    return str(data)
