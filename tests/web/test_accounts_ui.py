"""The sign-in and admin pages in headless Chromium against a real server, in Korean, with
screenshots: a signed-out browser is sent to sign in, a wrong password is told in Korean, the
admin adds a team and a member, and a member is refused the admin API."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, expect

from tests.accounts.helpers import PASSWORD, add_team, add_user
from tests.conftest import RunningServer
from tests.web.conftest import screenshot


def test_sign_in_and_admin_pages(
    server_factory: Callable[..., RunningServer], browser: Browser
) -> None:
    srv = server_factory()
    add_user(srv, "관리자", "--admin", "--display-name", "하늘 관리자")
    add_user(srv, "김민수", "--display-name", "김민수 과장")
    add_team(srv, "영업팀", "김민수")
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})

    page.goto(srv.url + "/admin")
    expect(page).to_have_url(srv.url + "/signin?next=/admin")
    page.fill("#name", "관리자")
    page.fill("#password", "틀린-비밀번호-1234")
    page.click("button[type=submit]")
    expect(page.locator("#message")).to_have_text("아이디 또는 비밀번호가 올바르지 않습니다.")
    screenshot(page, "accounts-signin-wrong-password")

    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    expect(page).to_have_url(srv.url + "/admin")
    expect(page.locator("#who")).to_have_text("하늘 관리자 (관리자)")
    expect(page.locator("#users")).to_contain_text("김민수 과장")
    expect(page.locator("#teams")).to_contain_text("영업팀")

    page.fill("#team-form input[name=name]", "개발팀")
    page.click("#team-form button")
    expect(page.locator("#message")).to_have_text("팀을 추가했습니다")
    row = page.locator("#teams tr", has_text="개발팀")
    row.locator("input[name=user]").fill("김민수")
    row.locator("form", has=page.locator("input[name=user]")).locator("button").click()
    expect(page.locator("#message")).to_have_text("구성원을 추가했습니다")
    expect(page.locator("#users tr", has_text="김민수")).to_contain_text("개발팀")
    row = page.locator("#teams tr", has_text="개발팀")
    row.locator("select[name=policy]").select_option("mask")
    row.locator("input[name=rpm]").fill("30")
    row.locator("button", has_text="저장").click()
    expect(page.locator("#message")).to_have_text("팀 설정을 저장했습니다")
    expect(page.locator("#audit")).to_contain_text("팀 설정")

    page.fill("#key-form input[name=name]", "관리용 키")
    page.click("#key-form button")
    expect(page.locator("#secret")).to_contain_text("hn-")
    expect(page.locator("#keys")).to_contain_text("관리용 키")
    screenshot(page, "accounts-admin")

    # The chat opens for the signed-in user, who signs out from its header.
    page.goto(srv.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    expect(page).to_have_url(srv.url + "/")
    expect(page.locator("#account")).to_contain_text("하늘 관리자")
    expect(page.locator("#account a")).to_have_attribute("href", "/admin")
    screenshot(page, "accounts-chat-signed-in")
    page.locator("#account button").click()
    expect(page).to_have_url(srv.url + "/signin")
    page.goto(srv.url + "/")
    expect(page).to_have_url(srv.url + "/signin?next=/")

    # A member signs in and is sent where they asked; the admin page refuses them.
    page.fill("#name", "김민수")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready=true]")
    expect(page).to_have_url(srv.url + "/")
    page.goto(srv.url + "/admin")
    page.wait_for_selector("body[data-ready=error]")
    expect(page.locator("#message")).to_contain_text("admin")
    screenshot(page, "accounts-admin-member-refused")
    page.close()
