"""Two users in two teams on a real server: team collections are searched by their members,
changed only by their creator and admins, and another team's collection is a 404 (an admin
sees it); keys act as their user; the admin API is 403 for members."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.accounts.helpers import SEA_REPORT, add_team, add_user, sign_in, upload, wait_documents
from tests.conftest import RunningServer

DEV_NOTE = "개발 회의록: 다음 주 수요일까지 로그인 화면을 고친다. 담당은 이서연."


def test_team_collections(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    add_user(srv, "관리자", "--admin")
    for name in ("김민수", "박지훈", "이서연"):
        add_user(srv, name)
    add_team(srv, "영업팀", "김민수", "박지훈")
    add_team(srv, "개발팀", "이서연")
    kim, park, lee = sign_in(srv, "김민수"), sign_in(srv, "박지훈"), sign_in(srv, "이서연")
    admin = sign_in(srv, "관리자")

    made = kim.post("/v1/collections", params={"team": "영업팀"}, json={"name": "영업자료"})
    assert made.status_code == 201, made.text
    assert made.json()["team"] == "영업팀"
    assert upload(kim, "영업자료", "3분기.txt", SEA_REPORT).status_code == 200
    assert (
        lee.post("/v1/collections", params={"team": "영업팀"}, json={"name": "x"}).status_code
        == 404
    )
    assert lee.post("/v1/collections", json={"name": "개발메모"}).status_code == 201
    assert upload(lee, "개발메모", "회의.txt", DEV_NOTE).status_code == 200

    # A team member reads and searches it; only its creator (or an admin) changes it.
    assert [c["name"] for c in park.get("/v1/collections").json()["data"]] == ["영업자료"]
    hits = park.post(
        "/v1/collections/영업자료/search", json={"query": "전기차 판매", "mode": "lexical"}
    )
    assert hits.status_code == 200 and "부산" in hits.json()["data"][0]["text"]
    denied = upload(park, "영업자료", "몰래.txt", "박지훈이 올린 문서")
    assert denied.status_code == 403, denied.text
    assert park.delete("/v1/collections/영업자료/documents/3분기.txt").status_code == 403
    assert park.delete("/v1/collections/영업자료").status_code == 403

    # Another team's collection does not exist for lee; lee's own does not exist for kim.
    for path in ("/v1/collections/영업자료", "/v1/collections/영업자료/documents"):
        assert lee.get(path).status_code == 404
    search = lee.post("/v1/collections/영업자료/search", json={"query": "전기차"})
    assert search.status_code == 404
    assert lee.delete("/v1/collections/영업자료").status_code == 404
    assert kim.get("/v1/collections/개발메모").status_code == 404
    assert [c["name"] for c in lee.get("/v1/collections").json()["data"]] == ["개발메모"]

    # An admin sees every team's collections (not a user's own) and may change them.
    names = [c["name"] for c in admin.get("/v1/collections").json()["data"]]
    assert names == ["영업자료"]
    assert admin.get("/v1/collections/영업자료/documents").json()["data"][0]["name"] == "3분기.txt"
    assert admin.get("/v1/collections/개발메모").status_code == 404
    assert (
        upload(admin, "영업자료", "본사.txt", "본사 지침: 보고서는 금요일까지 낸다.").status_code
        == 200
    )
    assert len(wait_documents(kim, "영업자료", 2)) == 2

    usage = admin.get("/v1/admin/usage").json()
    teams = {t["name"]: t for t in usage["teams"]}
    assert teams["영업팀"]["documents"] == 2 and teams["개발팀"]["documents"] == 0
    users = {u["name"]: u for u in usage["users"]}
    assert users["이서연"]["documents"] == 1 and users["박지훈"]["requests"] == 5


def test_keys_act_as_their_user(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    add_user(srv, "관리자", "--admin")
    add_user(srv, "김민수")
    add_user(srv, "이서연")
    kim, lee, admin = sign_in(srv, "김민수"), sign_in(srv, "이서연"), sign_in(srv, "관리자")
    made = kim.post("/v1/me/keys", json={"name": "노트북"})
    assert made.status_code == 201
    secret, key_id = made.json()["secret"], made.json()["id"]

    # The key needs no CSRF token and owns what the user owns.
    with httpx.Client(base_url=srv.api, headers={"Authorization": f"Bearer {secret}"}) as api:
        assert api.post("/conversations", json={"title": "키로 만든 대화"}).status_code == 201
        assert api.get("/auth/me").json()["user"]["name"] == "김민수"
        assert api.get("/admin/users").status_code == 403
    titles = [c["title"] for c in kim.get("/v1/conversations").json()["data"]]
    assert titles == ["키로 만든 대화"]
    assert lee.get("/v1/conversations").json()["data"] == []
    reply = srv.client(secret).chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "하늘"}]
    )
    assert reply.choices[0].message.content == "하늘"

    # A user sees and revokes only their own keys; an admin sees every key with its user.
    assert [k["id"] for k in kim.get("/v1/me/keys").json()["data"]] == [key_id]
    assert lee.get("/v1/me/keys").json()["data"] == []
    assert lee.delete(f"/v1/me/keys/{key_id}").status_code == 404
    listed = {k["id"]: k for k in admin.get("/v1/admin/keys").json()["data"]}
    assert listed[key_id]["user"] == "김민수"
    assert kim.delete(f"/v1/me/keys/{key_id}").json()["revoked"] is True
    assert (
        httpx.get(
            srv.api + "/conversations", headers={"Authorization": f"Bearer {secret}"}
        ).status_code
        == 401
    )

    # A disabled user's key and session stop at once.
    again = kim.post("/v1/me/keys", json={"name": "휴대폰"}).json()["secret"]
    users = {u["name"]: u for u in admin.get("/v1/admin/users").json()["data"]}
    off = admin.patch(f"/v1/admin/users/{users['김민수']['id']}", json={"disabled": True})
    assert off.status_code == 200 and off.json()["disabled"] is True
    assert kim.get("/v1/auth/me").status_code == 401
    assert (
        httpx.get(
            srv.api + "/conversations", headers={"Authorization": f"Bearer {again}"}
        ).status_code
        == 401
    )


def test_admin_api(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    add_user(srv, "관리자", "--admin")
    add_user(srv, "김민수")
    kim, admin = sign_in(srv, "김민수"), sign_in(srv, "관리자")
    for path in ("users", "teams", "keys", "usage", "audit"):
        assert kim.get(f"/v1/admin/{path}").status_code == 403
        assert admin.get(f"/v1/admin/{path}").status_code == 200
    assert kim.post("/v1/admin/teams", json={"name": "몰래팀"}).status_code == 403

    add_user(srv, "정하늘")
    team = admin.post("/v1/admin/teams", json={"name": "기획팀"}).json()
    added = admin.post(f"/v1/admin/teams/{team['id']}/members", json={"user": "정하늘"})
    assert [m["name"] for m in added.json()["members"]] == ["정하늘"]
    limits = {"safety_policy": "block", "rpm": 2, "max_concurrent": None}
    assert admin.patch(f"/v1/admin/teams/{team['id']}", json=limits).status_code == 200

    # The team's limits apply to its members: two requests a minute, the third a 429.
    jung = sign_in(srv, "정하늘")
    statuses = [jung.get("/v1/conversations").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert kim.get("/v1/conversations").status_code == 200  # not in the team
    created = admin.post(
        "/v1/admin/users", json={"name": "최유진", "password": "처음-비밀번호-77", "role": "member"}
    )
    assert created.status_code == 201
    assert (
        admin.post(
            "/v1/admin/users", json={"name": "최유진", "password": "처음-비밀번호-77"}
        ).status_code
        == 409
    )
    sign_in(srv, "최유진", "처음-비밀번호-77")
    actions = [e["action"] for e in admin.get("/v1/admin/audit").json()["accounts"]]
    for action in ("team_create", "team_member_add", "team_limits", "user_create", "signin"):
        assert action in actions


def test_team_safety_policy_applies_to_members(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory()
    add_user(srv, "김민수")
    add_user(srv, "이서연")
    add_team(srv, "민원팀", "김민수")
    assert srv.cli("teams", "set", "민원팀", "--safety-policy", "mask").returncode == 0
    said = "제 번호는 010-2345-6789 입니다"
    replies = {}
    for name in ("김민수", "이서연"):
        secret = sign_in(srv, name).post("/v1/me/keys", json={"name": "봇"}).json()["secret"]
        reply = srv.client(secret).chat.completions.create(
            model="echo", messages=[{"role": "user", "content": said}]
        )
        replies[name] = reply.choices[0].message.content
    assert replies == {"김민수": "제 번호는 [전화번호] 입니다", "이서연": said}
