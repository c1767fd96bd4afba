"""Signing in to the browser view: the session cookie, what it allows, and what it refuses."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from infrastructure.settings import Principal, Role
from infrastructure.ui.session import (
    COOKIE_NAME,
    SESSION_SECONDS,
    csrf_matches,
    new_session_cookie,
    open_session,
)
from tests.ui.conftest import AUDITOR_TOKEN, CASEWORKER_TOKEN, TOKENS

NOW = 1_800_000_000


def test_a_session_opens_with_the_principal_of_the_token_it_was_made_with() -> None:
    session = open_session(TOKENS, new_session_cookie(AUDITOR_TOKEN, NOW), NOW + 60)
    assert session is not None
    assert session.principal == Principal("bob", Role.AUDITOR)
    assert session.expires_at == NOW + SESSION_SECONDS


def test_a_session_ends_when_it_expires() -> None:
    cookie = new_session_cookie(CASEWORKER_TOKEN, NOW)
    assert open_session(TOKENS, cookie, NOW + SESSION_SECONDS - 1) is not None
    assert open_session(TOKENS, cookie, NOW + SESSION_SECONDS) is None


def test_a_session_ends_when_its_token_is_removed_from_the_settings() -> None:
    cookie = new_session_cookie(CASEWORKER_TOKEN, NOW)
    remaining = {AUDITOR_TOKEN: TOKENS[AUDITOR_TOKEN]}
    assert open_session(remaining, cookie, NOW) is None


def test_a_cookie_changed_by_the_browser_opens_no_session() -> None:
    payload, signature = new_session_cookie(AUDITOR_TOKEN, NOW).split(".")
    other_payload, _ = new_session_cookie(CASEWORKER_TOKEN, NOW).split(".")
    # the auditor's signature on the caseworker's payload: the role cannot be raised
    assert open_session(TOKENS, f"{other_payload}.{signature}", NOW) is None
    for damaged in ("", ".", "x.y", payload, f"{payload}.{signature}x", f"{payload}x.{signature}"):
        assert open_session(TOKENS, damaged, NOW) is None, damaged


def test_each_session_has_its_own_csrf_token_and_only_it_matches() -> None:
    first = open_session(TOKENS, new_session_cookie(CASEWORKER_TOKEN, NOW), NOW)
    second = open_session(TOKENS, new_session_cookie(CASEWORKER_TOKEN, NOW), NOW)
    assert first is not None and second is not None
    assert first.csrf_token != second.csrf_token
    assert csrf_matches(first, first.csrf_token)
    assert not csrf_matches(first, second.csrf_token)
    assert not csrf_matches(first, None)


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(
    client_for: Callable[[str | None], TestClient],
) -> None:
    answer = client_for(None).get("/ui?queue=all")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?next=/ui%3Fqueue%3Dall"


def test_signing_in_sets_an_httponly_samesite_strict_cookie_for_the_view_only(
    client_for: Callable[[str | None], TestClient],
) -> None:
    browser = client_for(None)
    answer = browser.post("/ui/login", data={"token": CASEWORKER_TOKEN, "next": "/ui?queue=all"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui?queue=all"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    for attribute in ("HttpOnly", "Path=/ui", "SameSite=strict", f"Max-Age={SESSION_SECONDS}"):
        assert attribute in cookie
    assert "Signed in as <strong>alice</strong>" in browser.get("/ui").text


def test_an_unknown_token_is_refused_in_words_and_sets_no_cookie(
    client_for: Callable[[str | None], TestClient],
) -> None:
    answer = client_for(None).post("/ui/login", data={"token": "not-a-token-of-ours"})
    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers
    assert "This token is not known." in answer.text


def test_after_signing_in_the_browser_goes_only_to_a_page_of_the_view(
    client_for: Callable[[str | None], TestClient],
) -> None:
    for elsewhere in ("https://evil.example/", "//evil.example/ui", "/cases", "/ui\\..\\x"):
        answer = client_for(None).post(
            "/ui/login", data={"token": AUDITOR_TOKEN, "next": elsewhere}
        )
        assert answer.headers["location"] == "/ui", elsewhere


def test_a_sign_in_sent_from_another_site_is_refused(
    client_for: Callable[[str | None], TestClient],
) -> None:
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        answer = client_for(None).post(
            "/ui/login", data={"token": CASEWORKER_TOKEN}, headers=headers
        )
        assert answer.status_code == 403
        assert "sent from another site" in answer.text
        assert "set-cookie" not in answer.headers


def test_signing_out_clears_the_cookie(caseworker: TestClient) -> None:
    answer = caseworker.post("/ui/logout")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login"
    assert f'{COOKIE_NAME}=""' in answer.headers["set-cookie"]
    assert caseworker.get("/ui").status_code == 303


def test_every_page_forbids_inline_script_and_is_not_cached(caseworker: TestClient) -> None:
    for path in ("/ui", "/ui/login"):
        headers = caseworker.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"


def test_a_form_sent_after_the_session_ended_goes_to_sign_in_and_back_to_its_page(
    client_for: Callable[[str | None], TestClient],
) -> None:
    browser = client_for(None)
    answer = browser.post(
        "/ui/cases/abc/documents",
        data={"csrf_token": "x"},
        headers={"Referer": "http://testserver/ui/cases/abc?as_of=2026-11-01"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/login?next=/ui/cases/abc%3Fas_of%3D2026-11-01"
    elsewhere = browser.post(
        "/ui/cases/abc/documents", headers={"Referer": "https://evil.example/ui/cases/abc"}
    )
    assert elsewhere.headers["location"] == "/ui/login?next=/ui"


def test_a_path_of_the_view_that_does_not_exist_is_a_page_in_words(
    caseworker: TestClient,
) -> None:
    answer = caseworker.get("/ui/nothing-here")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "There is no page /ui/nothing-here." in answer.text
    assert caseworker.get("/ui/static/nareis.css").status_code == 200
