"""코드 작성: a spreadsheet attached to a conversation becomes a chart through the `python`
skill and the /v1/code REST routes; another user's key cannot reach the files or run code
in the conversation (docs/code.md)."""

from __future__ import annotations

import base64
import shutil

import pytest

from tests.conftest import RunningServer

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed: make browser"
)

SALES = "월,매출,비용\n1월,120,80\n2월,150,90\n3월,170,95\n4월,160,100\n5월,210,110\n"


def test_a_spreadsheet_becomes_a_chart(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key, other = keyed
    with srv.http(key) as http:
        status = http.get("/code/status").json()
        assert status == {"enabled": True, "reason": None, "isolation": "setpriv"}
        cid = http.post("/conversations", json={}).json()["id"]
        upload = http.post(
            f"/code/conversations/{cid}/files", files={"file": ("매출.csv", SALES.encode())}
        )
        assert upload.json() == {
            "object": "code.file",
            "name": "매출.csv",
            "bytes": len(SALES.encode()),
        }
        run = http.post(
            f"/code/conversations/{cid}/run",
            json={
                "code": "import pandas as pd\nprint(pd.read_csv('/data/매출.csv')['매출'].sum())"
            },
        ).json()
        assert run["ok"] and run["stdout"].strip() == "810"

        chart = http.post(
            f"/code/conversations/{cid}/chart", json={"request": "매출 추이를 그래프로 그려줘"}
        ).json()
        assert chart["ok"], chart["stderr"]
        assert base64.b64decode(chart["charts"][0]).startswith(b"\x89PNG")
        assert "PATH = '/data/매출.csv'" in chart["code"]

        reply = http.post(
            f"/conversations/{cid}/messages", json={"content": "매출 추이를 그래프로 그려줘"}
        ).json()
        [call] = reply["skill_calls"]
        assert call["name"] == "python", call
        assert call["error"] is None
        assert len(call["data"]["charts"]) == 1
        assert reply["message"]["content"].startswith("그래프를 그렸습니다"), reply["message"]

        broken = http.post(f"/code/conversations/{cid}/run", json={"code": "print(1/0)"}).json()
        assert not broken["ok"] and "ZeroDivisionError" in broken["stderr"]
    with srv.http(other) as http:
        assert http.get(f"/code/conversations/{cid}/files").status_code == 404
        denied = http.post(f"/code/conversations/{cid}/run", json={"code": "print(1)"})
        assert denied.status_code == 404
        mine = http.post("/conversations", json={}).json()["id"]
        listing = http.post(
            f"/code/conversations/{mine}/run",
            json={"code": "import os\nprint(os.listdir('/data'))"},
        ).json()
        assert listing["stdout"].strip() == "[]"


def test_only_data_files_can_be_attached(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key, _ = keyed
    with srv.http(key) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        bad = http.post(
            f"/code/conversations/{cid}/files", files={"file": ("../../실행.sh", b"rm -rf /")}
        )
        assert bad.status_code == 400
