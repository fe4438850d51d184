"""Schemathesis against a real server's own /openapi.json (issue 20, defect 11): every
operation, generated valid and invalid requests, then stateful sequences through the links it
infers (create a collection, then read, search and delete it). Every answer must be no 5xx,
carry a documented status code, content type and headers (Allow on a 405), and its body must
match the documented schema (`server/responses.py` for the success bodies).

The one check left out is `positive_data_acceptance` (a schema-valid request must be
accepted): several rules span fields or the server's state (a CLOVA `maxTokens` or
`maxCompletionTokens` but not both, a `tool_choice` naming one of `tools`, a preset or skill
that exists, a tuning task's dataset given one way), which JSON Schema can't say; the rules
it can say are in the schema and pinned by `test_openapi_contract.py` and the tests below.

A run is bounded (a fixed seed, a few examples per operation) and takes about a minute here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import RunningServer, add_echo_models, start_server, stop_server

pytest.importorskip("schemathesis")

pytestmark = pytest.mark.slow

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """An echo server with e5 loaded (a first search would otherwise wait for it) and a rate
    limit the generated traffic does not reach (429s would leave the logic untested)."""
    home = tmp_path_factory.mktemp("schemathesis-home")
    add_echo_models(home)
    running = start_server(
        home,
        default_model="echo",
        preload="multilingual-e5-small",
        rate_limit_rpm="1000000",
        tuning_worker="false",
    )
    yield running
    stop_server(running)


def run_schemathesis(server: RunningServer, report: Path, *options: str) -> str:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        "8",
        "--seed",
        "20",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        *options,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=report.parent)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-20000:]
    return output


def test_every_operation_answers_as_documented(target: RunningServer, tmp_path: Path) -> None:
    output = run_schemathesis(target, tmp_path / "junit.xml")
    spec = httpx.get(f"{target.url}/openapi.json", timeout=30).json()
    operations = sum(len(item) for item in spec["paths"].values())
    tested = re.search(r"Tested: (\d+)", output)
    assert tested is not None, output[-3000:]
    assert int(tested.group(1)) == operations  # every operation of the schema was reached
    assert "Selected: " in output
    with httpx.Client(base_url=target.url, timeout=30) as http:
        assert http.get("/health").json()["status"] == "ok"
        # what the run made is still served in its documented shape, Korean included
        made = http.post("/v1/collections", json={"name": "회의록-검사"})
        assert made.status_code == 201, made.text
        assert made.json()["name"] == "회의록-검사"


def test_a_drift_between_route_and_schema_is_caught(target: RunningServer, tmp_path: Path) -> None:
    """The same run against a copy of the schema whose model list demands a field the server
    never sends must fail: the schema check reads bodies, not only status codes."""
    spec = httpx.get(f"{target.url}/openapi.json", timeout=30).json()
    spec["components"]["schemas"]["ModelList"]["required"].append("하늘")
    path = tmp_path / "drifted.json"
    path.write_text(__import__("json").dumps(spec), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        str(path),
        "--url",
        target.url,
        "--checks",
        "response_schema_conformance",
        "--include-path",
        "/v1/models",
        "--include-method",
        "GET",
        "--max-examples",
        "3",
        "--phases",
        "fuzzing",
        "--generation-database",
        "none",
        "--no-color",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode != 0, done.stdout[-4000:]
    assert "Response violates schema" in done.stdout or "schema" in done.stdout.lower()
