"""Who is asking for a model, for the models one tenant owns (a tuned model): the caller's
owner id for the current request, set once by the server's authentication and read by
`ModelManager.resolve`, which answers another tenant's model exactly like a missing one.

Outside a request (the CLI, the server's own preloads) nobody is set and every model resolves.
"""

from __future__ import annotations

from contextvars import ContextVar

# the owner id of the request being served; None outside requests
current_owner: ContextVar[str | None] = ContextVar("haneul_current_owner", default=None)


def visible(options: dict[str, object], owner: str | None) -> bool:
    """Whether a catalog entry with these options may be used by `owner` (None: no request)."""
    holder = options.get("owner")
    return holder is None or owner is None or holder == owner
