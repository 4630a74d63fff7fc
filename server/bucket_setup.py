"""What ``flask storage setup`` sets on S3 buckets, and the check that it works.

Three parts, each read, merged with what the bucket already has and written only when it
differs (so a second run changes nothing, and rules other tools set stay):

- **CORS** on the public storage's bucket: browsers on the site's origins may ``GET``/``HEAD``
  its objects. Photo Sphere Viewer loads tiles as CORS images (WebGL textures must be), so
  without this rule a bucket on another origin shows no panorama at all. S3's CORS
  configuration belongs to the whole bucket; it grants no access by itself, it only lets a
  browser hand a page what the page could read anyway.
- **public read**: a bucket policy statement giving anyone ``s3:GetObject`` on the public
  storage's prefix, and nothing else. It is refused when that prefix would also cover the
  originals (same bucket, no separate prefix): they stay private.
- **abort incomplete multipart uploads** after N days, a lifecycle rule per storage prefix:
  big uploads (originals) go up in parts, and the parts of one that never completed are
  billed until something removes them.

Each part ends as one :class:`Outcome`. A server that does not implement a part (s3rver has
no bucket policies or lifecycle rules) answers ``NotImplemented``: the part is reported as not
supported, and :func:`check_access` — anonymous reads through the URLs browsers use — shows
whether that matters.
"""

from __future__ import annotations

import contextlib
import enum
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from server.config import parse_origin
from server.storage import Storage, StorageError
from server.storage.s3 import S3Storage

CORS_RULE_ID = "flaneur-public-read"
POLICY_SID = "FlaneurPublicRead"
LIFECYCLE_RULE_ID = "flaneur-abort-incomplete-uploads"
#: how long a preflight answer may be cached by browsers (seconds)
CORS_MAX_AGE = 3600
#: response headers the viewer may read besides the safelisted ones
CORS_EXPOSE_HEADERS = ("ETag",)
ANY_ORIGIN = "*"
#: the probe objects the check writes (and deletes again) below each storage's prefix
CHECK_FOLDER = "flaneur-setup-check"

#: the answers of a server that does not implement a bucket sub-resource (s3rver: 501 for
#: policy/lifecycle writes, 405 for reading a policy)
_UNSUPPORTED_CODES = frozenset({"NotImplemented", "MethodNotAllowed", "XNotImplemented"})
_UNSUPPORTED_STATUSES = frozenset({405, 501})
_MISSING_CODES = {
    "cors": frozenset({"NoSuchCORSConfiguration"}),
    "policy": frozenset({"NoSuchBucketPolicy"}),
    "lifecycle": frozenset({"NoSuchLifecycleConfiguration"}),
}


class Outcome(enum.Enum):
    """How one part ended; ``value`` is what the command prints."""

    SET = "set"
    UNCHANGED = "already set"
    WOULD_SET = "would be set"
    UNSUPPORTED = "not supported by this server"
    SKIPPED = "skipped"
    FAILED = "FAILED"


@dataclass(frozen=True)
class PartResult:
    """One part on one bucket: what it is, how it ended, and what it sets (for ``--dry-run``)."""

    title: str
    outcome: Outcome
    #: why it failed, was skipped or is not needed (operator-facing English)
    detail: str = ""
    #: the rule or statement this part puts on the bucket
    document: Any = None
    #: the site cannot work without it: unsupported counts as failed unless the check passes
    required: bool = False


class OriginError(ValueError):
    """The CORS origins cannot be used; the message says why."""


def parse_cors_origins(text: str | Iterable[str], *, allow_any: bool) -> tuple[str, ...]:
    """The origins in ``text`` (separated by commas or spaces), normalised.

    An origin is ``https://walk.example.org`` (a port if not the default; ``*.`` for any
    subdomain). ``*`` alone lets every website read the public objects and needs ``allow_any``.
    """
    items = (text.replace(",", " ").split() if isinstance(text, str)
             else [part for item in text for part in item.replace(",", " ").split()])
    origins: list[str] = []
    for item in items:
        if item == ANY_ORIGIN:
            if not allow_any:
                raise OriginError(
                    "'*' would let every website load this city's panoramas into its own "
                    "viewer; name the site's origins instead, or pass --allow-any-origin if "
                    "that is really wanted"
                )
            origins.append(ANY_ORIGIN)
            continue
        origin = parse_origin(item)
        if origin is None:
            raise OriginError(
                f"{item!r} is not an origin: give absolute http(s) origins such as "
                "https://walk.example.org or https://*.example.org (no path)"
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


# ----------------------------------------------------------------------------------------------
# what each part puts on a bucket


def cors_rule(origins: Iterable[str]) -> dict[str, Any]:
    """The CORS rule: GET and HEAD from ``origins``, ETag readable, preflights cached an hour."""
    return {
        "ID": CORS_RULE_ID,
        "AllowedOrigins": list(origins),
        "AllowedMethods": ["GET", "HEAD"],
        "ExposeHeaders": list(CORS_EXPOSE_HEADERS),
        "MaxAgeSeconds": CORS_MAX_AGE,
    }


def object_arn(bucket: str, prefix: str) -> str:
    """The ARN of every object under ``prefix`` ("" = the whole bucket)."""
    return f"arn:aws:s3:::{bucket}/{prefix}/*" if prefix else f"arn:aws:s3:::{bucket}/*"


def public_read_statement(bucket: str, prefix: str) -> dict[str, Any]:
    """The policy statement: anyone may read (only read) the objects under ``prefix``."""
    return {
        "Sid": POLICY_SID,
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": object_arn(bucket, prefix),
    }


def lifecycle_rule(prefix: str, days: int) -> dict[str, Any]:
    """The lifecycle rule: parts of uploads under ``prefix`` not completed in ``days`` go."""
    return {
        "ID": lifecycle_rule_id(prefix),
        "Filter": {"Prefix": f"{prefix}/" if prefix else ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": days},
    }


def lifecycle_rule_id(prefix: str) -> str:
    # one rule per prefix, so two installations sharing a bucket keep each other's
    return f"{LIFECYCLE_RULE_ID}:{prefix}" if prefix else LIFECYCLE_RULE_ID


def covers(outer: S3Storage, inner: S3Storage) -> bool:
    """Whether every key of ``inner`` lies under ``outer``'s prefix in the same bucket."""
    if outer.bucket != inner.bucket:
        return False
    return not outer.prefix or inner.prefix == outer.prefix or inner.prefix.startswith(
        outer.prefix + "/")


# ----------------------------------------------------------------------------------------------
# merging a part into what the bucket has


def _same_cors(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return (set(current.get("AllowedOrigins", ())) == set(wanted["AllowedOrigins"])
            and set(current.get("AllowedMethods", ())) == set(wanted["AllowedMethods"])
            and set(current.get("ExposeHeaders", ())) == set(wanted["ExposeHeaders"])
            and not current.get("AllowedHeaders")
            and current.get("MaxAgeSeconds") == wanted["MaxAgeSeconds"])


def merge_cors(current: list[dict[str, Any]] | None, wanted: dict[str, Any]
               ) -> list[dict[str, Any]] | None:
    """The bucket's new CORS rules (ours first, the others kept), or None if ours is there."""
    rules = current or []
    ours = [rule for rule in rules if rule.get("ID") == wanted["ID"]]
    if len(ours) == 1 and _same_cors(ours[0], wanted):
        return None
    return [wanted, *(rule for rule in rules if rule.get("ID") != wanted["ID"])]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _same_statement(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    principal = current.get("Principal")
    anyone = principal == "*" or (isinstance(principal, dict)
                                  and _as_list(principal.get("AWS")) == ["*"])
    return (anyone and current.get("Effect") == wanted["Effect"]
            and _as_list(current.get("Action")) == [wanted["Action"]]
            and _as_list(current.get("Resource")) == [wanted["Resource"]]
            and not current.get("Condition"))


def merge_policy(current: dict[str, Any] | None, wanted: dict[str, Any]
                 ) -> dict[str, Any] | None:
    """The bucket's new policy (our statement replaced, the others kept), or None if ours is
    there already."""
    policy = current or {"Version": "2012-10-17", "Statement": []}
    statements = _as_list(policy.get("Statement", []))
    ours = [s for s in statements if isinstance(s, dict) and s.get("Sid") == wanted["Sid"]]
    if len(ours) == 1 and _same_statement(ours[0], wanted):
        return None
    others = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == wanted["Sid"])]
    return {**policy, "Version": policy.get("Version", "2012-10-17"),
            "Statement": [*others, wanted]}


def _same_lifecycle(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    prefix = (current.get("Filter") or {}).get("Prefix", current.get("Prefix"))
    days = (current.get("AbortIncompleteMultipartUpload") or {}).get("DaysAfterInitiation")
    return (current.get("Status") == "Enabled" and prefix == wanted["Filter"]["Prefix"]
            and days == wanted["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])


def merge_lifecycle(current: list[dict[str, Any]] | None, wanted: dict[str, Any]
                    ) -> list[dict[str, Any]] | None:
    """The bucket's new lifecycle rules (ours replaced, the others kept), or None if ours is
    there already."""
    rules = current or []
    ours = [rule for rule in rules if rule.get("ID") == wanted["ID"]]
    if len(ours) == 1 and _same_lifecycle(ours[0], wanted):
        return None
    return [*(rule for rule in rules if rule.get("ID") != wanted["ID"]), wanted]


# ----------------------------------------------------------------------------------------------
# running a part against a bucket


class _Unsupported(Exception):
    pass


def _describe(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', '')} {error.get('Message', '')}".strip()
    return str(exc)


def _is_unsupported(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in _UNSUPPORTED_CODES or status in _UNSUPPORTED_STATUSES


def _read(kind: str, call: Callable[[], Any]) -> Any:
    """``call()``, None when the bucket has no such configuration yet."""
    try:
        return call()
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING_CODES[kind]:
            return None
        if _is_unsupported(exc):
            raise _Unsupported from exc
        raise


def _run_part(title: str, *, kind: str, document: Any, required: bool, dry_run: bool,
              read: Callable[[], Any], merge: Callable[[Any], Any],
              write: Callable[[Any], None], hint: Callable[[str], str] = lambda _: ""
              ) -> PartResult:
    outcome, detail = Outcome.FAILED, ""
    try:
        merged = merge(_read(kind, read))
        if merged is None:
            outcome = Outcome.UNCHANGED
        elif dry_run:
            outcome = Outcome.WOULD_SET
        else:
            write(merged)
            outcome = Outcome.SET
    except _Unsupported:
        outcome = Outcome.UNSUPPORTED
    except ClientError as exc:
        if _is_unsupported(exc):
            outcome = Outcome.UNSUPPORTED
        else:
            message = _describe(exc)
            detail = f"the server refused: {message}{hint(message)}"
    except (BotoCoreError, ValueError) as exc:
        detail = _describe(exc)
    return PartResult(title, outcome, detail, document, required)


def set_cors(storage: S3Storage, origins: tuple[str, ...], *, dry_run: bool) -> PartResult:
    """Let browsers on ``origins`` read the bucket's objects."""
    client, bucket = storage.client, storage.bucket
    wanted = cors_rule(origins)

    def read() -> list[dict[str, Any]]:
        return client.get_bucket_cors(Bucket=bucket).get("CORSRules", [])

    def write(rules: list[dict[str, Any]]) -> None:
        client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})

    return _run_part(f"CORS: GET and HEAD from {', '.join(origins)}", kind="cors",
                     document={"CORSRules": [wanted]}, required=True, dry_run=dry_run,
                     read=read, merge=lambda current: merge_cors(current, wanted), write=write)


def _block_public_access_hint(message: str) -> str:
    if "AccessDenied" not in message:
        return ""
    return (" (on AWS, the bucket's Block Public Access settings must allow public bucket "
            "policies: BlockPublicPolicy and RestrictPublicBuckets off for this bucket)")


def set_public_read(public: S3Storage, originals: Storage, *, dry_run: bool) -> PartResult:
    """Let anyone read the public storage's objects, and only those."""
    statement = public_read_statement(public.bucket, public.prefix)
    title = f"public read of {statement['Resource']}"
    if isinstance(originals, S3Storage) and covers(public, originals):
        where = f"prefix {public.prefix!r}" if public.prefix else "the whole bucket"
        return PartResult(
            title, Outcome.FAILED,
            f"the public storage's {where} also holds the originals ({originals!r}): a "
            "public-read policy would publish them. Give the public storage a prefix of its "
            "own (s3://bucket/public) or a bucket of its own",
            {"Statement": [statement]}, required=True)
    client, bucket = public.client, public.bucket

    def read() -> dict[str, Any] | None:
        return json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])

    def write(policy: dict[str, Any]) -> None:
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    return _run_part(title, kind="policy", document={"Statement": [statement]}, required=True,
                     dry_run=dry_run, read=read,
                     merge=lambda current: merge_policy(current, statement), write=write,
                     hint=_block_public_access_hint)


def set_abort_uploads(storage: S3Storage, days: int, *, dry_run: bool) -> PartResult:
    """Remove the parts of uploads under the storage's prefix not completed in ``days``."""
    client, bucket = storage.client, storage.bucket
    wanted = lifecycle_rule(storage.prefix, days)
    where = f"{storage.prefix}/" if storage.prefix else "the whole bucket"

    def read() -> list[dict[str, Any]]:
        return client.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])

    def write(rules: list[dict[str, Any]]) -> None:
        client.put_bucket_lifecycle_configuration(Bucket=bucket,
                                                  LifecycleConfiguration={"Rules": rules})

    return _run_part(f"abort incomplete multipart uploads after {days} days ({where})",
                     kind="lifecycle", document={"Rules": [wanted]}, dry_run=dry_run,
                     required=False, read=read,
                     merge=lambda current: merge_lifecycle(current, wanted), write=write)


def bucket_exists(storage: S3Storage) -> PartResult | None:
    """None when the bucket is there; else a failed part saying what is wrong."""
    try:
        storage.check()
    except StorageError as exc:
        return PartResult("bucket", Outcome.FAILED,
                          f"{exc} (create the bucket first; this command configures it)",
                          required=True)
    return None


# ----------------------------------------------------------------------------------------------
# the check: what browsers and strangers get


@dataclass(frozen=True)
class CheckResult:
    title: str
    ok: bool
    detail: str = ""


@dataclass
class _Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


def _anonymous_get(url: str, origin: str | None, timeout: float) -> _Answer:
    """GET ``url`` as a browser without credentials would (``Origin`` set when given)."""
    if not url.startswith(("http://", "https://")):
        return _Answer(0, error=f"not an http(s) URL: {url}")
    headers = {"Origin": origin} if origin else {}
    request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            return _Answer(response.status, {k.lower(): v for k, v in response.headers.items()})
    except urllib.error.HTTPError as exc:
        with contextlib.closing(exc):
            return _Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()})
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return _Answer(0, error=str(getattr(exc, "reason", exc)))


def example_origin(origin: str) -> str:
    """A concrete origin a pattern allows: ``https://*.example.org`` → a subdomain of it."""
    if origin == ANY_ORIGIN:
        return "https://flaneur-check.example"
    return origin.replace("*.", "flaneur-check.", 1)


@contextlib.contextmanager
def _probe(storage: Storage) -> Any:
    key = f"{CHECK_FOLDER}/{secrets.token_hex(8)}.txt"
    storage.put(key, b"flaneur storage check\n", content_type="text/plain",
                cache_control="no-store")
    try:
        yield key
    finally:
        with contextlib.suppress(StorageError):
            storage.delete(key)


def check_access(public: Storage, originals: Storage, origins: tuple[str, ...], *,
                 timeout: float) -> list[CheckResult]:
    """Read probe objects without credentials, through the URLs browsers use.

    The public storage (when on S3): every origin gets the object and
    ``Access-Control-Allow-Origin``. The originals (when on S3): a stranger gets nothing.
    """
    results: list[CheckResult] = []
    if isinstance(public, S3Storage):
        try:
            with _probe(public) as key:
                url = public.public_url(key)
                for origin in origins:
                    results.append(_check_origin(url, origin, timeout))
        except StorageError as exc:
            results.append(CheckResult("writing a probe object to the public storage", False,
                                       str(exc)))
    if isinstance(originals, S3Storage):
        title = "anonymous reads of the originals are refused"
        try:
            with _probe(originals) as key:
                answer = _anonymous_get(originals.public_url(key), None, timeout)
        except StorageError as exc:
            results.append(CheckResult(title, False, f"no probe object written: {exc}"))
        else:
            if answer.status == 200:
                results.append(CheckResult(title, False, (
                    "anyone can read the originals: remove the public access from that "
                    "bucket or prefix")))
            else:
                results.append(CheckResult(
                    title, True, f"answered {answer.status or answer.error}"))
    return results


def _check_origin(url: str, origin: str, timeout: float) -> CheckResult:
    sent = example_origin(origin)
    title = f"a page on {origin} can read public objects"
    answer = _anonymous_get(url, sent, timeout)
    if answer.status != 200:
        reason = f"answered {answer.status}" if answer.status else answer.error
        return CheckResult(title, False, f"GET {url} without credentials: {reason}")
    allowed = answer.headers.get("access-control-allow-origin")
    if allowed not in (sent, ANY_ORIGIN):
        return CheckResult(title, False, (
            f"GET {url} with Origin {sent}: no Access-Control-Allow-Origin for it "
            f"(got {allowed!r}); browsers will refuse the tiles"))
    return CheckResult(title, True)
