"""Who may see and change a document collection. A collection belongs to a user (or, in the
open mode and for keys without a user, to a key) or to a team. Its owner and the members of
its team search it and read it; only its creator and admins change it (upload, delete).
A collection the principal may not see is a 404, exactly like a missing one; admins see
every team's collections (never another user's own)."""

from __future__ import annotations

from haneul.errors import NotFoundError, PermissionDeniedError
from haneul.knowledge.library import CollectionInfo, Library
from haneul.server.auth import Principal
from haneul.store.teams import TeamStore


def visible_owners(principal: Principal, teams: TeamStore) -> list[str]:
    """The owners whose collections `principal` sees, their own first."""
    if principal.is_admin:
        return [principal.owner, *(t.id for t in teams.list())]
    return [principal.owner, *principal.teams]


def find_collection(
    library: Library, principal: Principal, teams: TeamStore, name: str
) -> CollectionInfo:
    """The collection `name` among the principal's own, then their teams'."""
    for owner in visible_owners(principal, teams):
        try:
            return library.collection(owner, name)
        except NotFoundError:
            continue
    raise NotFoundError(f"no collection named '{name}'", param="collection")


def visible_collections(
    library: Library, principal: Principal, teams: TeamStore
) -> list[CollectionInfo]:
    return [c for owner in visible_owners(principal, teams) for c in library.collections(owner)]


def check_writable(library: Library, principal: Principal, info: CollectionInfo) -> None:
    """A 403 unless the principal owns or created the collection, or is an admin."""
    if principal.is_admin or info.owner == principal.owner:
        return
    if created_by(library, info.id) == principal.owner:
        return
    raise PermissionDeniedError(
        f"collection '{info.name}' belongs to a team: only its creator or an admin changes it"
    )


def create_collection(
    library: Library,
    principal: Principal,
    teams: TeamStore,
    name: str,
    description: str,
    team: str | None,
) -> CollectionInfo:
    """A collection of the principal's own, or of `team` (a team they belong to; any team
    for an admin), recording who created it."""
    owner = principal.owner
    if team is not None:
        found = teams.resolve(team)
        if found.id not in principal.teams and not principal.is_admin:
            raise NotFoundError(f"no team with id or name '{team}'", param="team")
        owner = found.id
    info = library.create_collection(owner, name, description)
    with library.lock:  # the library's own connection, in autocommit
        library.conn.execute(
            "UPDATE collections SET created_by = ? WHERE id = ?", (principal.owner, info.id)
        )
    return info


def created_by(library: Library, collection_id: str) -> str | None:
    row = library.conn.execute(
        "SELECT created_by FROM collections WHERE id = ?", (collection_id,)
    ).fetchone()
    return None if row is None else row[0]


def team_of(info: CollectionInfo, teams: TeamStore) -> str | None:
    """The team's name when a team owns the collection."""
    if not info.owner.startswith("team_"):
        return None
    try:
        return teams.get(info.owner).name
    except NotFoundError:
        return None
