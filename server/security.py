"""Authentication and request protection: sessions, API tokens, CSRF, sign-in throttling.

Who is asking
    A browser is identified by Flask's signed session cookie (``HttpOnly``, ``SameSite=Lax``,
    ``Secure`` outside development). The session stores the account id *and* its
    ``session_generation``; bumping the generation (sign-out, password change) makes every
    cookie issued before stop authenticating, which a client-side cookie could not do alone.
    A script sends ``Authorization: Bearer flt_…`` (a personal API token). A request that
    carries a bearer token is judged by the token alone: the session cookie is ignored, an
    invalid token is answered with 401, and no CSRF token is needed, since nothing the browser
    attaches on its own (cookies) is used.

CSRF
    Every POST/PUT/PATCH/DELETE without a bearer token needs the session's CSRF token, in the
    form field ``csrf_token`` or the ``X-CSRFToken`` header (pages expose it in
    ``<meta name="csrf-token">``).

Sign-in throttling
    ``LOGIN_RATE_LIMIT_ACCOUNT`` limits attempts per account (keyed by the normalised email,
    whoever sends them) and ``LOGIN_RATE_LIMIT_CLIENT`` per client address (whatever accounts it
    tries). Every attempt with a filled-in form is counted *before* the password is checked,
    which makes the limit exact under concurrency; a successful sign-in clears the account's
    count, so in effect the account limit counts failures since the last success. Failed bearer
    tokens count against ``LOGIN_RATE_LIMIT_CLIENT`` too. The counters use the ``limits`` library
    (Flask-Limiter's engine) with a storage of their own per application built from
    ``RATELIMIT_STORAGE_URI`` — memory by default, Redis shared by all processes when set. They do
    not go through Flask-Limiter's decorators because one ``Limiter`` object keeps a single storage
    for every application it was bound to, and the check needs the parsed form and the outcome of
    the password check.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized

from server.api_setup import API_PREFIX
from server.config import ConfigError
from server.extensions import csrf, db, limiter, login_manager
from server.passwords import Argon2PasswordHasher
from tours import accounts
from tours.models import ApiToken, Role, User

HASHER_KEY = "flaneur.password_hasher"
THROTTLE_KEY = "flaneur.login_throttle"
#: how long a request waits for the rate-limit store before sign-in is refused as unavailable
THROTTLE_STORAGE_TIMEOUT_SECONDS = 2.0

P = ParamSpec("P")
R = TypeVar("R")


class LoginThrottle:
    """Counts sign-in attempts per account and per client in a ``limits`` storage."""

    def __init__(self, storage_uri: str, account_limits: str, client_limits: str) -> None:
        options: dict[str, float | str | bool] = {"wrap_exceptions": True}
        if urlsplit(storage_uri).scheme.startswith(("redis", "rediss", "valkey")):
            options |= {"socket_connect_timeout": THROTTLE_STORAGE_TIMEOUT_SECONDS,
                        "socket_timeout": THROTTLE_STORAGE_TIMEOUT_SECONDS}
        self._strategy = MovingWindowRateLimiter(storage_from_string(storage_uri, **options))
        self.account_limits: list[RateLimitItem] = parse_many(account_limits)
        self.client_limits: list[RateLimitItem] = parse_many(client_limits)

    @staticmethod
    def account_key(email: str) -> str:
        """The account's counter name: a hash, so the store holds no email addresses."""
        try:
            canonical = accounts.normalise_email(email)
        except accounts.InvalidEmail:
            canonical = email.strip().lower()
        return hashlib.sha256(canonical.encode()).hexdigest()[:32]

    def _counters(self, account: str | None, client: str | None
                  ) -> list[tuple[RateLimitItem, str, str]]:
        counters = []
        if account is not None:
            counters += [(item, "login-account", account) for item in self.account_limits]
        if client is not None:
            counters += [(item, "login-client", client) for item in self.client_limits]
        return counters

    def attempt(self, account: str | None, client: str | None) -> int | None:
        """Count one attempt; None when it may go ahead, else the seconds to wait."""
        waits = []
        for item, scope, key in self._counters(account, client):
            if not self._strategy.hit(item, scope, key):
                waits.append(self._seconds_until_free(item, scope, key))
        return max(waits) if waits else None

    def wait_seconds(self, account: str | None, client: str | None) -> int | None:
        """Like :meth:`attempt` without counting: for checks before a failure is recorded."""
        waits = [self._seconds_until_free(item, scope, key)
                 for item, scope, key in self._counters(account, client)
                 if not self._strategy.test(item, scope, key)]
        return max(waits) if waits else None

    def record(self, account: str | None, client: str | None) -> None:
        """Count a failure that was not counted in advance (a wrong bearer token)."""
        for item, scope, key in self._counters(account, client):
            self._strategy.hit(item, scope, key)

    def forget_account(self, account: str) -> None:
        """Clear the account's count after a successful sign-in."""
        for item, scope, key in self._counters(account, None):
            self._strategy.clear(item, scope, key)

    def _seconds_until_free(self, item: RateLimitItem, scope: str, key: str) -> int:
        reset_at = self._strategy.get_window_stats(item, scope, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))


def password_hasher() -> Argon2PasswordHasher:
    """The application's password hasher."""
    hasher: Argon2PasswordHasher = current_app.extensions[HASHER_KEY]
    return hasher


def login_throttle() -> LoginThrottle:
    """The application's sign-in throttle."""
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    return throttle


def client_address() -> str:
    """The client's address as the WSGI server (or a trusted proxy fix) reports it."""
    return request.remote_addr or "unknown"


def throttle_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        description=_("Signing in is temporarily unavailable. Please try again later.")
    )


def bearer_token() -> str | None:
    """The bearer token of the current request: None without one, "" when it is empty."""
    authorization = request.authorization
    if authorization is None or authorization.type != "bearer":
        return None
    return authorization.token or ""


def request_token() -> ApiToken | None:
    """The API token that authenticated the current request, if a token did."""
    token: ApiToken | None = g.get("flaneur_api_token")
    return token


def current_account() -> User:
    """The signed-in account; only for views behind :func:`login_required`."""
    user = current_user._get_current_object()  # the real User, not the proxy
    if not isinstance(user, User):
        raise RuntimeError("current_account() used on a view without login_required")
    return user


def start_session(user: User) -> None:
    """Sign ``user`` in with a brand-new session (nothing of the visitor's session survives)."""
    session.clear()
    login_user(user)


def end_session() -> None:
    """Sign the current browser out and drop everything the session held."""
    logout_user()
    session.clear()


def is_safe_next_url(target: str | None) -> bool:
    """True when ``target`` is a path on this site, safe to redirect to after signing in.

    Only paths like ``/tours/12?x=1`` pass: no scheme or host (``https://evil.tld``,
    ``//evil.tld``), no backslash (browsers read ``/\\evil.tld`` as ``//evil.tld``), no control
    characters or whitespace (browsers drop some of them before parsing).
    """
    if not target or len(target) > 2048 or not target.startswith("/"):
        return False
    if target.startswith("//") or "\\" in target:
        return False
    if any(ord(char) < 0x21 or ord(char) == 0x7F or char.isspace() for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _unauthenticated() -> ResponseReturnValue:
    if request.path.startswith(API_PREFIX):
        raise Unauthorized(
            description=_("Sign in or send a personal API token to use this endpoint."),
            www_authenticate=WWWAuthenticate("bearer", {"realm": "flaneur"}),
        )
    flash(_("Please sign in to see this page."), "info")
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.login", next=next_url))


def login_required(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
    """Let only signed-in accounts in: pages redirect to the sign-in page, the API answers 401."""

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
        if not current_user.is_authenticated:
            return _unauthenticated()
        return view(*args, **kwargs)

    return guarded


def roles_required(
    *roles: Role,
) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """Like :func:`login_required`, and the account must hold one of ``roles`` (else 403).

    Admins count as editors (see :meth:`tours.models.User.has_role`).
    """

    def decorate(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
            if not current_user.is_authenticated:
                return _unauthenticated()
            if not current_account().has_role(*roles):
                raise Forbidden(description=_("Your account may not do this."))
            return view(*args, **kwargs)

        return guarded

    return decorate


def _load_user_from_session(identity: str) -> User | None:
    if bearer_token() is not None:
        return None  # a request with a token is judged by the token alone
    user_id, _sep, generation = identity.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_generation != int(generation):
        return None
    return user


def _load_user_from_token(_request: object) -> User | None:
    secret = bearer_token()
    if not secret:
        return None
    token = accounts.authenticate_token(db.session, secret)
    if token is None:
        return None
    g.flaneur_api_token = token
    return token.user


def _authenticate_token_request() -> None:
    """Before the view: settle a bearer token (401 when it is wrong), record its use."""
    throttle = login_throttle()
    client = client_address()
    try:
        wait = throttle.wait_seconds(None, client)
        if wait is not None:
            raise TooManyRequests(
                description=_("Too many failed attempts. Please try again later."),
                retry_after=wait,
            )
        if not current_user.is_authenticated:
            throttle.record(None, client)
            raise Unauthorized(
                description=_("The API token is not valid: it may have been revoked."),
                www_authenticate=WWWAuthenticate(
                    "bearer", {"realm": "flaneur", "error": "invalid_token"}),
            )
    except StorageError:
        raise throttle_unavailable() from None
    # the token's last use is its own small unit of work, committed before the view's begins
    db.session.commit()


#: endpoints whose bearer secret is their own, not an account's API token
OWN_BEARER_ENDPOINTS = frozenset({"observability.metrics"})


def _protect_request() -> None:
    if request.endpoint in OWN_BEARER_ENDPOINTS:
        return
    if bearer_token() is not None:
        _authenticate_token_request()
        return
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    try:
        csrf.protect(apply_exemptions=True)
    except CSRFError as exc:
        current_app.logger.info("CSRF check failed on %s: %s", request.path, exc.description)
        raise CSRFError(
            _("The form has expired or did not come from this site. Reload the page and try "
              "again.")
        ) from None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    # flask_login.login_required, if some view uses it, then behaves like ours
    login_manager.unauthorized_handler(_unauthenticated)
    login_manager.user_loader(_load_user_from_session)
    login_manager.request_loader(_load_user_from_token)
    csrf.init_app(app)
    # Flask-WTF's own check cannot tell token requests apart; _protect_request runs it instead.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    limiter.init_app(app)
    app.extensions[HASHER_KEY] = Argon2PasswordHasher()
    for name in ("LOGIN_RATE_LIMIT_ACCOUNT", "LOGIN_RATE_LIMIT_CLIENT"):
        try:
            parse_many(app.config[name])
        except ValueError:
            raise ConfigError(
                f"{name} must be a rate limit such as '10 per 15 minutes', "
                f"got {app.config[name]!r}"
            ) from None
    app.extensions[THROTTLE_KEY] = LoginThrottle(
        app.config["RATELIMIT_STORAGE_URI"],
        app.config["LOGIN_RATE_LIMIT_ACCOUNT"],
        app.config["LOGIN_RATE_LIMIT_CLIENT"],
    )
    app.before_request(_protect_request)
