"""The package's layering, read from the source (ast: nothing is imported, no side effects).

    cli, server                      the edges: they build Settings and call everything below
    assistant, workspace, studio, knowledge, evals
    skills, safety, store
    engine
    plugins, hookspecs, config, errors

Data flows one way (docs/architecture.md): nothing calls upward. An import inside a function
counts (it runs); one under `if TYPE_CHECKING:` does not (it never runs). What
`haneul.plugins` loads by module name (`importlib.import_module`) is not an import here.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "haneul"
EDGES = {"server", "cli"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "haneul.skills.builtin.documents"
    target: str  # the imported module, e.g. "haneul.knowledge.retrieve"
    line: int

    @property
    def source(self) -> str:
        return _part(self.module)

    @property
    def dest(self) -> str:
        return _part(self.target)

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def _part(module: str) -> str:
    """The package (or top-level module) a module belongs to: "haneul.engine.echo" -> "engine"."""
    return module.split(".")[1] if module.count(".") else ""


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_of(path: Path) -> list[Import]:
    module, is_package = _module_name(path)
    found: list[Import] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for orelse in child.orelse:
                    visit(orelse)
                continue
            if isinstance(child, ast.Import):
                found.extend(Import(module, a.name, child.lineno) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".")
                    base = base[: len(base) - child.level + (1 if is_package else 0)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                names = [f"{target}.{a.name}" for a in child.names]
                # `from haneul.knowledge import retrieve` imports a module: count the deepest
                found.extend(
                    Import(module, n if _exists(n) else target, child.lineno) for n in names
                )
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return [i for i in found if i.target == "haneul" or i.target.startswith("haneul.")]


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (SRC / rel).with_suffix(".py").exists() or (SRC / rel / "__init__.py").exists()


IMPORTS = [i for path in sorted(SRC.rglob("*.py")) for i in _imports_of(path)]


def _violations(allowed: object) -> list[str]:
    return [str(i) for i in IMPORTS if i.source != i.dest and not allowed(i)]  # type: ignore[operator]


def test_the_reader_sees_the_imports() -> None:
    """Guards the guard: known imports are found, relative and function-local ones too."""
    seen = {(i.module, i.target) for i in IMPORTS}
    assert ("haneul.server.app", "haneul.engine.manager") in seen
    assert ("haneul.cli.main", "haneul.server.app") in seen  # inside `serve()`
    assert ("haneul.engine.manager", "haneul.plugins") in seen
    assert not any(i.module == "haneul.plugins" and i.dest == "engine" for i in IMPORTS), (
        "an import under TYPE_CHECKING was counted"
    )


def test_nothing_below_the_edges_imports_server_or_cli() -> None:
    assert _violations(lambda i: i.dest not in EDGES or i.source in EDGES) == []


def test_the_server_does_not_import_the_cli() -> None:
    assert _violations(lambda i: not (i.source == "server" and i.dest == "cli")) == []


def test_the_engine_imports_nothing_above_it() -> None:
    above = {"server", "cli", "assistant", "knowledge", "skills", "studio", "workspace", "safety"}
    assert _violations(lambda i: i.source != "engine" or i.dest not in above) == []


def test_skills_do_not_import_knowledge() -> None:
    """Skills reach documents through the search service put in their context, never through
    knowledge's internals (index, retrieve, library)."""
    assert _violations(lambda i: i.source != "skills" or i.dest != "knowledge") == []


def test_the_foundation_imports_nothing_of_haneul_but_itself() -> None:
    """config, errors and hookspecs sit at the bottom: anything may import them."""
    foundation = {"config", "errors", "hookspecs"}
    assert _violations(lambda i: i.source not in foundation or i.dest in foundation) == []


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for i in IMPORTS:
        if i.source and i.dest and i.source != i.dest:
            graph[i.source].add(i.dest)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles_between_packages() -> None:
    cycle = _cycle(_package_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


PACKAGES = sorted(
    p.name for p in SRC.iterdir() if (p / "__init__.py").exists() and p.name != "web"
)  # web/ holds the browser UI's files, not Python


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_states_what_it_is(package: str) -> None:
    """nanochat's rule: a package's docstring says what it is (and what it knows nothing of)."""
    tree = ast.parse((SRC / package / "__init__.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"haneul.{package} has no docstring"


def _third_party(path: Path) -> set[str]:
    """The top-level names of what `path` imports, Haneul's own left out."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names - {"haneul"}


def test_the_services_below_the_edges_know_nothing_of_http() -> None:
    """Domain services (document search, the conversation service) live in knowledge/ and
    assistant/, not in the web layer: server/ may import them, never the reverse, and
    nothing below the edges imports the web framework."""
    web = {"fastapi", "starlette", "uvicorn"}
    below = [p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] not in EDGES]
    found = {str(p.relative_to(SRC)): _third_party(p) & web for p in below}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_server_and_the_cli_share_one_knowledge_service() -> None:
    users = {i.source for i in IMPORTS if i.target == "haneul.knowledge.service"}
    assert {"server", "cli"} <= users
    # the CLI searches and ingests through it, not through knowledge's internals
    internals = {"retrieve", "Ingestor", "EmbedQueue", "EmbedWorker"}
    for path in (SRC / "cli").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("haneul.knowl"):
                assert not {a.name for a in node.names} & internals, (path.name, node.module)


def test_the_conversation_service_sits_below_the_server() -> None:
    """The assistant route is parse -> call -> wire: the conversation's bookkeeping (store,
    memory, confirmations) is `assistant/session.py`'s, which the server and `/mcp` call."""
    users = {i.module for i in IMPORTS if i.target == "haneul.assistant.session"}
    assert "haneul.server.assistant.routes" in users and "haneul.server.app" in users
    route = {i.target for i in IMPORTS if i.module == "haneul.server.assistant.routes"}
    assert not route & {"haneul.assistant.memory", "haneul.assistant.confirmations"}
