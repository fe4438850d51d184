"""Model names from other products (CLOVA Studio's HCX-005, clir-emb-dolphin, ...) resolved to
models of the local catalog, so a program written for CLOVA Studio runs with only its host and
key changed.

The map is the setting `HANEUL_MODEL_ALIASES` (`NAME=TARGET,NAME=TARGET`) over these defaults:
CLOVA's chat models (HCX-005, HCX-007, HCX-DASH-002, HCX-003) name the default chat model
(`HANEUL_DEFAULT_MODEL`), its embedding models (clir-emb-dolphin, bge-m3) the embedding model
(`HANEUL_EMBEDDING_MODEL`). `NAME=` (no target) removes a default. A CLOVA-style name that maps
to nothing (HCX-*, clir-*) is a `ModelNotFoundError` that names the setting, with CLOVA's own
error code (40080, "model not found") on CLOVA routes.

Aliases kept in the catalog (`haneul models alias`) still resolve there; these come first.
"""

from __future__ import annotations

import re

from haneul.config import Settings
from haneul.errors import InvalidRequestError, ModelNotFoundError

CLOVA_CHAT = ("HCX-005", "HCX-007", "HCX-DASH-002", "HCX-003")
CLOVA_EMBEDDING = ("clir-emb-dolphin", "clir-sts-dolphin", "bge-m3")
_CLOVA_STYLE = re.compile(r"^(hcx-|clir-)", re.IGNORECASE)


class UnmappedModelError(ModelNotFoundError):
    """A CLOVA Studio model name with no alias to a local model."""

    clova_code = "40080"  # CLOVA Studio's "model not found"


def parse_aliases(value: str) -> dict[str, str]:
    """`HCX-005=haneul-mini-ko, bge-m3=` as a dict ('' target: remove the name)."""
    aliases: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, sep, target = (s.strip() for s in item.partition("="))
        if not sep or not name:
            raise InvalidRequestError(
                f"HANEUL_MODEL_ALIASES: '{item}' is not NAME=TARGET", param="model_aliases"
            )
        aliases[name] = target
    return aliases


def model_aliases(settings: Settings) -> dict[str, str]:
    """Every configured alias and its target: the defaults, then the setting over them."""
    aliases = dict.fromkeys(CLOVA_CHAT, settings.default_model)
    aliases.update(dict.fromkeys(CLOVA_EMBEDDING, settings.embedding_model))
    aliases.update(parse_aliases(settings.model_aliases))
    return {name: target for name, target in aliases.items() if target}


def resolve_alias(name: str, settings: Settings) -> str:
    """The catalog name `name` stands for (`name` itself when it is no alias); a CLOVA-style
    name without an alias raises `UnmappedModelError`."""
    aliases = model_aliases(settings)
    if name in aliases:
        return aliases[name]
    if _CLOVA_STYLE.match(name):
        raise UnmappedModelError(
            f"model '{name}' is a CLOVA Studio model name with no local model behind it; "
            f"map it with the setting HANEUL_MODEL_ALIASES (e.g. {name}=haneul-mini-ko). "
            f"Mapped now: {', '.join(sorted(aliases)) or 'none'}",
            param="model",
        )
    return name
