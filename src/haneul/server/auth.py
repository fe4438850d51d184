"""API-key authentication. Keys are required when the server listens beyond loopback, when
`require_keys` is set, or as soon as a key has been created (revoking every key then
locks the API rather than opening it); otherwise requests are
anonymous (whatever key they send) and share the anonymous limits.

`authenticate` is the one dependency every route takes: it finds the principal and charges
the request to that key's own rate limit (server/limits.py), once per request."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass

from fastapi import Request

from haneul.engine.owners import current_owner
from haneul.errors import AuthenticationError
from haneul.server.limits import Charge, Limiter
from haneul.store.keys import KeyStore

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Principal:
    key_id: str
    rpm: int | None = None
    max_concurrent: int | None = None
    safety_policy: str | None = None
    charge: Charge | None = dataclasses.field(default=None, compare=False)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def keys_required(host: str, require_keys: bool, keys: KeyStore) -> bool:
    return require_keys or not is_loopback(host) or keys.any_created()


async def authenticate(request: Request) -> Principal:
    """The principal of the request, its request counted against the key's own per-minute
    limit (a 429 with the real wait when over it). Called twice, it charges once."""
    done: Principal | None = getattr(request.state, "principal", None)
    if done is not None:
        return done
    principal = await identify(request)
    limiter: Limiter = request.app.state.limiter
    charge = limiter.charge(
        principal.key_id, rpm=principal.rpm, max_concurrent=principal.max_concurrent
    )
    charged = dataclasses.replace(principal, charge=charge)
    request.state.principal = charged
    current_owner.set(charged.key_id)  # models one tenant owns resolve for it alone
    return charged


async def identify(request: Request) -> Principal:
    """The principal of the request (a 401 when keys are required and none fits)."""
    state = request.app.state
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if not keys_required(state.settings.host, state.settings.require_keys, state.keys):
        # Open mode: clients that always send some key (the openai SDK does) still work.
        return Principal(ANONYMOUS)
    if scheme.lower() != "bearer" or not secret:
        raise AuthenticationError(
            "missing API key: send 'Authorization: Bearer <key>' "
            "(create one with `haneul keys create`)"
        )
    key = state.keys.verify(secret.strip())
    if key is None:
        raise AuthenticationError("invalid or revoked API key")
    return Principal(key.id, key.rpm, key.max_concurrent, key.safety_policy)
