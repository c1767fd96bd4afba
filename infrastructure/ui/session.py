"""The browser's sign-in: a session cookie made from an API token, and the CSRF token of its forms.

Nothing is kept on the server. The cookie holds a digest of the token it was made with, a random
nonce and an expiry, signed with HMAC under that token itself; so a session is valid only while its
token is in NAREIS_API_TOKENS (remove the token and its sessions end with it), every worker process
of `serve --workers N` accepts it, and a restart signs nobody out. The CSRF token of a form is an
HMAC of the session's nonce under the same token: a page can only show it to its own session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from infrastructure.settings import Principal

COOKIE_NAME = "nareis_session"
SESSION_SECONDS = 8 * 3600  # one working day; then the caseworker signs in again


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf_token: str
    expires_at: int


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _sign(token: str, what: bytes) -> str:
    return _b64(hmac.new(token.encode(), what, hashlib.sha256).digest())


def _csrf(token: str, nonce: str) -> str:
    return _sign(token, b"csrf:" + nonce.encode())


def new_session_cookie(token: str, now: int) -> str:
    """The cookie value of a new session for `token` (already checked against the known tokens)."""
    payload = json.dumps(
        {"d": _digest(token), "n": secrets.token_urlsafe(16), "e": now + SESSION_SECONDS},
        separators=(",", ":"),
    ).encode()
    return f"{_b64(payload)}.{_sign(token, payload)}"


def open_session(tokens: Mapping[str, Principal], cookie: str | None, now: int) -> Session | None:
    """The session of a cookie, or None when it is absent, forged, expired, or its token is no
    longer known."""
    if not cookie or cookie.count(".") != 1:
        return None
    encoded, signature = cookie.split(".")
    try:
        payload = _unb64(encoded)
        fields = json.loads(payload)
        digest, nonce, expires_at = str(fields["d"]), str(fields["n"]), int(fields["e"])
    except (ValueError, KeyError, TypeError):
        return None
    token = _token_of(tokens, digest)
    if token is None or not hmac.compare_digest(_sign(token, payload), signature):
        return None
    if expires_at <= now:
        return None
    return Session(tokens[token], _csrf(token, nonce), expires_at)


def _token_of(tokens: Mapping[str, Principal], digest: str) -> str | None:
    found = None
    for token in tokens:
        if hmac.compare_digest(_digest(token), digest):  # every token, in constant time each
            found = token
    return found


def csrf_matches(session: Session, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(session.csrf_token, presented)
