"""Configuration read from the environment, once, by the application factory.

Every setting has a safe development default so that ``make run`` needs no configuration. In
production (``FLANEUR_ENV=production``) the factory refuses to start with the development secret.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEV_SECRET_KEY = "flaneur-development-secret-do-not-use-in-production"  # noqa: S105 - the known value production refuses
LANGUAGES = ("de", "en", "es", "fr")
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says which variable and why."""


# An origin as a Content-Security-Policy source may name it: http(s), a DNS name (optionally with
# a leading "*." for any subdomain) or IPv4 address, an optional port; no path, user or query.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(
    rf"(?P<scheme>https?)://(?P<host>(?:\*\.)?{_LABEL}(?:\.{_LABEL})*)"
    r"(?::(?P<port>[0-9]{1,5}))?/?",
    re.IGNORECASE,
)


def parse_origin(text: str) -> str | None:
    """``text`` as a normalised origin (``https://tiles.example.org:8443``), or None if it is not
    one. Only what this accepts may reach a security header, so nothing can be smuggled in."""
    match = _ORIGIN.fullmatch(text)
    if match is None:
        return None
    port = match["port"]
    if port is not None and not 0 < int(port) <= 65535:
        return None
    origin = f"{match['scheme']}://{match['host']}".lower()
    return f"{origin}:{int(port)}" if port else origin


def origin_list(name: str, value: str | Iterable[str]) -> tuple[str, ...]:
    """The origins in ``value`` (space-separated text, or already split), normalised.

    Raises ConfigError naming ``name`` for anything that is not an absolute http(s) origin.
    """
    items = value.split() if isinstance(value, str) else list(value)
    origins = []
    for item in items:
        origin = parse_origin(item) if isinstance(item, str) else None
        if origin is None:
            raise ConfigError(
                f"{name} lists {item!r}, which is not an origin: give absolute http(s) origins "
                "separated by spaces, such as https://tile.openstreetmap.org or "
                "https://*.tiles.example.org (no path)"
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


#: the placeholders the viewer fills in a map tile URL (zoom, column, row of the XYZ scheme)
TILE_PLACEHOLDERS = ("{z}", "{x}", "{y}")


def tile_url_template(name: str, value: str) -> str:
    """``value`` checked as an XYZ map tile URL template, such as
    ``https://tile.openstreetmap.org/{z}/{x}/{y}.png``; empty means no map.

    An absolute http(s) URL on a host a Content-Security-Policy can name, or a path on this site
    (``/tiles/{z}/{x}/{y}.png``); it holds ``{z}``, ``{x}`` and ``{y}`` and no other braces
    (the viewer fills only those). Raises ConfigError naming ``name`` otherwise.
    """
    template = value.strip()
    if not template:
        return ""
    parts = urlsplit(template)
    absolute = parts.scheme in ("http", "https") and "*" not in parts.netloc and parse_origin(
        f"{parts.scheme}://{parts.netloc}") is not None
    on_this_site = not parts.scheme and not parts.netloc and template.startswith("/")
    others = template
    for placeholder in TILE_PLACEHOLDERS:
        others = others.replace(placeholder, "")
    placeholders = all(p in template for p in TILE_PLACEHOLDERS) and not (
        "{" in others or "}" in others)
    plain = not any(c.isspace() or c in "\"'<>\\" for c in template)
    if not ((absolute or on_this_site) and placeholders and plain):
        raise ConfigError(
            f"{name} must be a map tile URL with {{z}}, {{x}} and {{y}} (and no other "
            "placeholder) on one http(s) host or on this site, such as "
            f"https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png; got {value!r}"
        )
    return template


def tile_origin(template: str) -> str | None:
    """The origin browsers fetch the map tiles of ``template`` (checked by
    :func:`tile_url_template`) from; None for no map or tiles on this site."""
    parts = urlsplit(template)
    return parse_origin(f"{parts.scheme}://{parts.netloc}") if parts.scheme else None


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, got {value}")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...], default: str
            ) -> str:
    value = (environ.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _smtp(environ: Mapping[str, str]) -> dict[str, Any]:
    """The outgoing mail server; without ``SMTP_HOST`` no mail is sent (links are shown only)."""
    host = environ.get("SMTP_HOST", "").strip()
    sender = environ.get("SMTP_FROM", "").strip()
    if host and not sender:
        raise ConfigError("SMTP_FROM must be set (the sender address of mails) when SMTP_HOST is")
    port = _int(environ, "SMTP_PORT", 587, minimum=1)
    if port > 65535:
        raise ConfigError(f"SMTP_PORT must be a port number, got {port}")
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": port,
        "SMTP_USERNAME": environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": environ.get("SMTP_PASSWORD", ""),
        "SMTP_FROM": sender,
        #: upgrade the connection with STARTTLS before sending (port 587); off only for a relay
        #: on the same machine
        "SMTP_STARTTLS": _bool(environ, "SMTP_STARTTLS", True),
    }


def load_config(
    environ: Mapping[str, str], instance_path: str | os.PathLike[str]
) -> dict[str, Any]:
    """Build the Flask config dict from environment variables.

    ``instance_path`` is where the development defaults keep the SQLite database and the local
    storage folders.
    """
    instance = Path(instance_path)
    env = environ.get("FLANEUR_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"FLANEUR_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    default_language = environ.get("DEFAULT_LANGUAGE", "en")
    if default_language not in LANGUAGES:
        raise ConfigError(f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
    public_url = environ.get("PUBLIC_STORAGE_URL") or environ.get("TILES_STORAGE_URL")
    return {
        "FLANEUR_ENV": env,
        "SECRET_KEY": environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'flaneur.sqlite3'}"
        ),
        "ORIGINALS_STORAGE_URL": environ.get(
            "ORIGINALS_STORAGE_URL", (instance / "originals").as_uri()
        ),
        "PUBLIC_STORAGE_URL": public_url or (instance / "public").as_uri(),
        # Explicit client limits: botocore's defaults (60 s connect/read) are far too long for a
        # web request; these bound how long a request can hang on a broken store.
        "STORAGE_CONNECT_TIMEOUT": _float(environ, "STORAGE_CONNECT_TIMEOUT", 3.0),
        "STORAGE_READ_TIMEOUT": _float(environ, "STORAGE_READ_TIMEOUT", 15.0),
        "STORAGE_MAX_ATTEMPTS": _int(environ, "STORAGE_MAX_ATTEMPTS", 3, minimum=1),
        #: the site's origins, which `flask storage setup` lets read the public bucket (CORS);
        #: checked by that command (server/bucket_setup.py), not at startup
        "STORAGE_CORS_ORIGINS": environ.get("STORAGE_CORS_ORIGINS", ""),
        "JOB_WORKERS": _int(environ, "JOB_WORKERS", 1),
        "JOB_LEASE_SECONDS": _float(environ, "JOB_LEASE_SECONDS", 60.0),
        "JOB_POLL_SECONDS": _float(environ, "JOB_POLL_SECONDS", 1.0),
        "JOB_MAX_ATTEMPTS": _int(environ, "JOB_MAX_ATTEMPTS", 5, minimum=1),
        "JOB_RETRY_SECONDS": _float(environ, "JOB_RETRY_SECONDS", 10.0),
        # import paths of modules with register_job_handlers(registry), comma-separated
        "JOB_HANDLER_MODULES": tuple(
            name.strip() for name in environ.get("JOB_HANDLER_MODULES", "").split(",")
            if name.strip()
        ),
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_RATE_LIMIT_ACCOUNT": environ.get("LOGIN_RATE_LIMIT_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_RATE_LIMIT_CLIENT": environ.get("LOGIN_RATE_LIMIT_CLIENT", "30 per 15 minutes"),
        # visitors' image reports per client address (server/image_reports_api.py)
        "IMAGE_REPORT_RATE_LIMIT": environ.get("IMAGE_REPORT_RATE_LIMIT",
                                               "5 per 10 minutes;20 per day"),
        # visitor statistics (server/visitor_stats.py): beacons per client address, and when
        # each process writes the counts it gathered (every N seconds, or N events waiting)
        "STATS_RATE_LIMIT": environ.get("STATS_RATE_LIMIT", "120 per minute"),
        "STATS_FLUSH_SECONDS": _float(environ, "STATS_FLUSH_SECONDS", 5.0),
        "STATS_FLUSH_EVENTS": _int(environ, "STATS_FLUSH_EVENTS", 1000, minimum=1),
        "STATS_FLUSH_MAX_FAILURES": _int(environ, "STATS_FLUSH_MAX_FAILURES", 5, minimum=1),
        "DEFAULT_LANGUAGE": default_language,
        "BABEL_DEFAULT_LOCALE": default_language,
        "BABEL_DEFAULT_TIMEZONE": _time_zone(environ),
        #: the zone of new shops' opening hours
        "CITY_TIME_ZONE": _time_zone(environ),
        "CITY_NAME": environ.get("CITY_NAME", "Flaneur"),
        #: threads one tiling job uses (projection and JPEG encoding release the GIL)
        "TILING_THREADS": _int(environ, "TILING_THREADS", 2, minimum=1),
        "PANORAMA_MAX_WIDTH": _int(environ, "PANORAMA_MAX_WIDTH", 16384, minimum=1024),
        "PANORAMA_MAX_HEIGHT": _int(environ, "PANORAMA_MAX_HEIGHT", 8192, minimum=512),
        #: how long retired tile revisions and unused panoramas stay before the sweep removes them
        "PANORAMA_SWEEP_GRACE_HOURS": _float(environ, "PANORAMA_SWEEP_GRACE_HOURS", 48.0),
        "MAX_CONTENT_LENGTH": _int(environ, "MAX_UPLOAD_MB", 60, minimum=1) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # how many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host; 0 trusts
        # none (then every visitor behind a proxy shares the proxy's address for rate limits)
        "TRUSTED_PROXY_COUNT": _int(environ, "TRUSTED_PROXY_COUNT", 0),
        "PREFERRED_URL_SCHEME": "https" if env == "production" else "http",
        #: origins a city adds to the Content-Security-Policy (e.g. a map's tile server), beyond
        #: this site and the public storage (see server/security_headers.py)
        "CSP_EXTRA_IMG_SRC": origin_list("CSP_EXTRA_IMG_SRC",
                                         environ.get("CSP_EXTRA_IMG_SRC", "")),
        "CSP_EXTRA_CONNECT_SRC": origin_list("CSP_EXTRA_CONNECT_SRC",
                                             environ.get("CSP_EXTRA_CONNECT_SRC", "")),
        #: the plan of a tour may draw a map under it: an XYZ tile URL template (empty: no map,
        #: and the walk page asks no other site for anything), its attribution and top zoom
        "PLAN_TILE_URL": tile_url_template("PLAN_TILE_URL", environ.get("PLAN_TILE_URL", "")),
        "PLAN_TILE_ATTRIBUTION": environ.get("PLAN_TILE_ATTRIBUTION", "").strip(),
        "PLAN_TILE_MAX_ZOOM": _int(environ, "PLAN_TILE_MAX_ZOOM", 19),
        #: how long an invitation link works (7 days) and a password-reset link (1 day)
        "INVITATION_TTL_HOURS": _float(environ, "INVITATION_TTL_HOURS", 7 * 24.0),
        "PASSWORD_RESET_TTL_HOURS": _float(environ, "PASSWORD_RESET_TTL_HOURS", 24.0),
        #: the editors' freshness dashboard: shops unconfirmed for this many months, scenes
        #: whose panorama is this many years old
        "FRESHNESS_SHOP_MONTHS": _int(environ, "FRESHNESS_SHOP_MONTHS", 6, minimum=1),
        "FRESHNESS_SCENE_YEARS": _int(environ, "FRESHNESS_SCENE_YEARS", 3, minimum=1),
        #: the shop link checker (tours/link_checker.py): how old a check may get, the limit of
        #: each request and of a whole check, how many addresses one job run checks, and
        #: whether the job keeps itself queued (first request of each web process)
        "LINK_CHECK_INTERVAL_HOURS": _float(environ, "LINK_CHECK_INTERVAL_HOURS", 24.0),
        "LINK_CHECK_TIMEOUT_SECONDS": _float(environ, "LINK_CHECK_TIMEOUT_SECONDS", 10.0),
        "LINK_CHECK_DEADLINE_SECONDS": _float(environ, "LINK_CHECK_DEADLINE_SECONDS", 45.0),
        "LINK_CHECK_BATCH": _int(environ, "LINK_CHECK_BATCH", 20, minimum=1),
        "LINK_CHECK_SCHEDULE": _bool(environ, "LINK_CHECK_SCHEDULE", True),
        #: TESTS ONLY: let the checker reach private, loopback and link-local addresses (the
        #: test server listens on 127.0.0.1); refused in production, see check_config
        "LINK_CHECK_ALLOW_PRIVATE": _bool(environ, "LINK_CHECK_ALLOW_PRIVATE", False),
        # operations (server/observability.py): JSON log lines, and /metrics for Prometheus
        "LOG_FORMAT": _choice(environ, "LOG_FORMAT", ("json", "text"),
                              "json" if env == "production" else "text"),
        "METRICS_ENABLED": _bool(environ, "METRICS_ENABLED", True),
        "METRICS_TOKEN": environ.get("METRICS_TOKEN", ""),
        **_smtp(environ),
    }


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse configurations that must never run (production with the development secret)."""
    if config["FLANEUR_ENV"] == "production":
        secret = config.get("SECRET_KEY") or ""
        if secret == DEV_SECRET_KEY or len(secret) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if 0 < len(config.get("METRICS_TOKEN") or "") < 32:
            raise ConfigError("METRICS_TOKEN must be a random value of at least 32 characters "
                              "in production (or unset: then only this machine reads /metrics)")
        if config.get("LINK_CHECK_ALLOW_PRIVATE"):
            raise ConfigError(
                "LINK_CHECK_ALLOW_PRIVATE is for tests only: it lets the link checker reach "
                "private, loopback and link-local addresses (the city's own network); unset it"
            )


def _time_zone(environ: Mapping[str, str]) -> str:
    """``CITY_TIME_ZONE``, an IANA name this system knows (default Europe/Berlin)."""
    name = environ.get("CITY_TIME_ZONE", "Europe/Berlin")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CITY_TIME_ZONE must be an IANA time zone such as Europe/Berlin, "
                          f"got {name!r}") from None
    return name
