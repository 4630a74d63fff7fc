"""Configuration read from the environment, once, by the application factory.

Every setting has a safe development default so that ``make run`` needs no configuration. In
production (``FLANEUR_ENV=production``) the factory refuses to start with the development secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "flaneur-development-secret-do-not-use-in-production"  # noqa: S105 - the known value production refuses
LANGUAGES = ("de", "en", "es", "fr")
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says which variable and why."""


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
        "DEFAULT_LANGUAGE": default_language,
        "BABEL_DEFAULT_LOCALE": default_language,
        "BABEL_DEFAULT_TIMEZONE": environ.get("CITY_TIME_ZONE", "Europe/Berlin"),
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
