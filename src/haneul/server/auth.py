"""Authentication: an API key (`Authorization: Bearer`, or CLOVA Studio's
`X-NCP-CLOVASTUDIO-API-KEY` header) or a sign-in session cookie.

Credentials are required when the server listens beyond loopback, when `require_keys` is set,
or as soon as a key or a user has been created (revoking every key then locks the API rather
than opening it); otherwise requests are anonymous (whatever key they send) and share the
anonymous limits ("open mode").

A key acts as its user when it has one. A state-changing request made with the session
cookie must carry the session's CSRF token in `X-CSRF-Token` (a Bearer key needs none: a
browser never sends one on its own).

`authenticate` is the one dependency every route takes: it finds the principal and charges
the request to its own rate limit (server/limits.py), once per request. Data belongs to
`principal.owner`: the user when there is one, else the key."""

from __future__ import annotations

import dataclasses
import ipaddress
import secrets
from dataclasses import dataclass

from fastapi import Request

from haneul.engine.owners import current_owner
from haneul.errors import AuthenticationError, HaneulError, PermissionDeniedError
from haneul.server.limits import Charge, Limiter
from haneul.store.keys import ApiKey, KeyStore
from haneul.store.teams import strictest
from haneul.store.users import User, UserStore

ANONYMOUS = "anonymous"
SESSION_COOKIE = "haneul_session"
CSRF_COOKIE = "haneul_csrf"
CSRF_HEADER = "x-csrf-token"
CLOVA_KEY_HEADER = "x-ncp-clovastudio-api-key"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CsrfError(PermissionDeniedError):
    code = "csrf_token_invalid"


@dataclass(frozen=True)
class Principal:
    key_id: str  # the key, or for a session the user: what rate limits are counted against
    rpm: int | None = None
    max_concurrent: int | None = None
    safety_policy: str | None = None
    charge: Charge | None = dataclasses.field(default=None, compare=False)
    user_id: str | None = None
    role: str | None = None  # admin or member; None without a user
    teams: tuple[str, ...] = ()  # team ids

    @property
    def owner(self) -> str:
        """Whose data this request reads and writes: the user, else the key."""
        return self.user_id or self.key_id

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def keys_required(
    host: str, require_keys: bool, keys: KeyStore, users: UserStore | None = None
) -> bool:
    return (
        require_keys
        or not is_loopback(host)
        or keys.any_created()
        or (users is not None and users.any())
    )


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
    usage = getattr(request.app.state, "usage", None)
    if usage is not None:
        usage.add(charged.owner, requests=1)
    current_owner.set(charged.owner)  # models one tenant owns resolve for it alone
    return charged


async def identify(request: Request) -> Principal:
    """The principal of the request (a 401 when credentials are required and none fits)."""
    state = request.app.state
    scheme, secret = _credentials(request)
    users: UserStore = state.users
    if not keys_required(state.settings.host, state.settings.require_keys, state.keys, users):
        # Open mode: clients that always send some key (the openai SDK does) still work.
        return Principal(ANONYMOUS)
    if scheme.lower() == "bearer" and secret.strip():
        key = state.keys.verify(secret.strip())
        if key is None:
            raise AuthenticationError("invalid or revoked API key")
        return _key_principal(request, key)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return _session_principal(request, cookie)
    if users.any():
        raise AuthenticationError(
            "sign in, or send 'Authorization: Bearer <key>'", code="signin_required"
        )
    raise AuthenticationError(
        "missing API key: send 'Authorization: Bearer <key>' (create one with `haneul keys create`)"
    )


def _credentials(request: Request) -> tuple[str, str]:
    """The scheme and secret sent: `Authorization`, else CLOVA Studio's older key header
    `X-NCP-CLOVASTUDIO-API-KEY` (a bare key, read as a Bearer key; its companion
    `X-NCP-APIGW-API-KEY`, a gateway key Haneul has no use for, is ignored)."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    clova = request.headers.get(CLOVA_KEY_HEADER, "").strip()
    if not secret.strip() and clova:
        return "bearer", clova.removeprefix("Bearer ").strip()
    return scheme, secret


def _key_principal(request: Request, key: ApiKey) -> Principal:
    if key.user_id is None:
        return Principal(key.id, key.rpm, key.max_concurrent, key.safety_policy)
    user = _active_user(request, key.user_id)
    if user is None:
        raise AuthenticationError("this key's user is disabled")
    return user_principal(request, user, key)


def _session_principal(request: Request, token: str) -> Principal:
    session = request.app.state.sessions.lookup(token)
    user = _active_user(request, session.user_id) if session is not None else None
    if session is None or user is None:
        raise AuthenticationError("your sign-in has expired: sign in again", code="signin_required")
    if request.method in STATE_CHANGING:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not secrets.compare_digest(sent, session.csrf):
            raise CsrfError(
                f"missing or wrong CSRF token: send the {CSRF_COOKIE} cookie's value "
                "in the X-CSRF-Token header"
            )
    return user_principal(request, user)


def _active_user(request: Request, user_id: str) -> User | None:
    try:
        user: User = request.app.state.users.get(user_id)
    except HaneulError:
        return None
    return user if user.active else None


def user_principal(request: Request, user: User, key: ApiKey | None = None) -> Principal:
    """A user's principal: the key's own policy and limits first, then their teams'."""
    teams = request.app.state.teams.of_user(user.id)
    policy, rpm, concurrent = strictest(teams)
    return Principal(
        key.id if key else user.id,
        (key.rpm if key else None) or rpm,
        (key.max_concurrent if key else None) or concurrent,
        (key.safety_policy if key else None) or policy,
        user_id=user.id,
        role=user.role,
        teams=tuple(t.id for t in teams),
    )


async def require_admin(request: Request) -> Principal:
    """`authenticate`, then a 403 unless the principal is an admin."""
    principal = await authenticate(request)
    if not principal.is_admin:
        raise PermissionDeniedError("only an admin may do this")
    return principal
