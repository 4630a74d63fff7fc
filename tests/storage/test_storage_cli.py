"""``flask storage setup`` against moto's server: what it writes, read back from the buckets.

moto stores CORS rules, bucket policies and lifecycle rules but enforces none of them (it answers
every origin and every anonymous read), so these tests read the configuration back and check it;
``test_storage_cli_s3rver.py`` checks what browsers get from a server that enforces CORS.
"""

from __future__ import annotations

import fnmatch
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import Result
from flask import Flask

from server import bucket_setup
from server.bucket_setup import OriginError
from tests.support.s3 import MotoS3

SITE = "https://walk.example.org"


def anonymous_get(url: str) -> int:
    """The status of a GET without credentials."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback test server
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def run_setup(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["storage", "setup", *args])


def cors_rules(s3: MotoS3, bucket: str) -> list[dict[str, Any]]:
    return s3.client.get_bucket_cors(Bucket=bucket)["CORSRules"]


def policy(s3: MotoS3, bucket: str) -> dict[str, Any]:
    return json.loads(s3.client.get_bucket_policy(Bucket=bucket)["Policy"])


def lifecycle_rules(s3: MotoS3, bucket: str) -> list[dict[str, Any]]:
    return s3.client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]


def readable_by_anyone(statements: list[dict[str, Any]], bucket: str, key: str) -> bool:
    """Whether a public Allow statement's resource pattern matches the object ``key``."""
    arn = f"arn:aws:s3:::{bucket}/{key}"
    return any(statement["Effect"] == "Allow" and statement["Principal"] in ("*", {"AWS": "*"})
               and any(fnmatch.fnmatchcase(arn, resource)
                       for resource in bucket_setup._as_list(statement["Resource"]))
               for statement in statements)


@pytest.fixture
def two_buckets(moto_s3: MotoS3, make_app: Callable[..., Flask]) -> tuple[Flask, str, str]:
    """An app whose originals and public storages are two buckets (the public one with a
    prefix), and the site's origin configured."""
    originals, public = moto_s3.create_bucket(), moto_s3.create_bucket()
    app = make_app(ORIGINALS_STORAGE_URL=moto_s3.storage_url(originals),
                   PUBLIC_STORAGE_URL=moto_s3.storage_url(public, "tiles"),
                   STORAGE_CORS_ORIGINS=f"{SITE}, https://www.example.org")
    return app, originals, public


def test_dry_run_prints_what_it_would_set_and_changes_nothing(two_buckets, moto_s3: MotoS3):
    app, originals, public = two_buckets
    result = run_setup(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "CORS: GET and HEAD from https://walk.example.org, https://www.example.org: " \
           "would be set" in result.output
    assert f"public read of arn:aws:s3:::{public}/tiles/*: would be set" in result.output
    assert '"AllowedOrigins": [' in result.output
    assert '"Action": "s3:GetObject"' in result.output
    assert '"DaysAfterInitiation": 7' in result.output
    assert "Dry run: nothing was changed." in result.output
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        cors_rules(moto_s3, public)
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        policy(moto_s3, public)
    with pytest.raises(ClientError, match="NoSuchLifecycleConfiguration"):
        lifecycle_rules(moto_s3, originals)


def test_setup_sets_cors_public_read_of_the_prefix_and_the_upload_clean_up(
        two_buckets, moto_s3: MotoS3):
    app, originals, public = two_buckets
    result = run_setup(app, "--abort-uploads-days", "3")
    assert result.exit_code == 0, result.output
    # the check read a probe object anonymously from both origins, and was refused the originals
    assert f"a page on {SITE} can read public objects: ok" in result.output
    assert "a page on https://www.example.org can read public objects: ok" in result.output
    assert "anonymous reads of the originals are refused: ok (answered 403)" in result.output
    assert "Storage setup done." in result.output
    # its probe objects are gone again
    assert "Contents" not in moto_s3.client.list_objects_v2(Bucket=public)
    assert "Contents" not in moto_s3.client.list_objects_v2(Bucket=originals)

    [rule] = cors_rules(moto_s3, public)
    assert rule["ID"] == "flaneur-public-read"
    assert rule["AllowedOrigins"] == [SITE, "https://www.example.org"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]
    assert rule["MaxAgeSeconds"] == 3600
    assert not rule.get("AllowedHeaders")

    statements = policy(moto_s3, public)["Statement"]
    assert len(statements) == 1
    assert statements[0]["Action"] in ("s3:GetObject", ["s3:GetObject"])
    assert readable_by_anyone(statements, public, "tiles/panoramas/ab/1/0/f/0/0.jpg")
    assert not readable_by_anyone(statements, public, "other/file.jpg")
    assert not readable_by_anyone(statements, public, "tiles")

    [tiles_rule] = lifecycle_rules(moto_s3, public)
    assert tiles_rule["ID"] == "flaneur-abort-incomplete-uploads:tiles"
    assert tiles_rule["Filter"]["Prefix"] == "tiles/"
    assert tiles_rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}
    [originals_rule] = lifecycle_rules(moto_s3, originals)
    assert originals_rule["Filter"]["Prefix"] == ""
    # the originals' bucket gets neither CORS nor a policy
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        policy(moto_s3, originals)
    with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
        cors_rules(moto_s3, originals)


def test_a_second_run_changes_nothing_and_rules_of_others_stay(two_buckets, moto_s3: MotoS3):
    app, originals, public = two_buckets
    client = moto_s3.client
    theirs_cors = {"ID": "cdn-fonts", "AllowedOrigins": ["https://fonts.example"],
                   "AllowedMethods": ["GET"]}
    client.put_bucket_cors(Bucket=public, CORSConfiguration={"CORSRules": [theirs_cors]})
    theirs_statement = {"Sid": "Backups", "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                        "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{public}"}
    client.put_bucket_policy(Bucket=public, Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [theirs_statement]}))
    client.put_bucket_lifecycle_configuration(Bucket=public, LifecycleConfiguration={"Rules": [
        {"ID": "logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
         "Expiration": {"Days": 30}}]})

    first = run_setup(app, "--no-check")
    assert first.exit_code == 0, first.output
    assert ": set" in first.output
    state = (cors_rules(moto_s3, public), policy(moto_s3, public),
             lifecycle_rules(moto_s3, public), lifecycle_rules(moto_s3, originals))
    second = run_setup(app, "--no-check")
    assert second.exit_code == 0, second.output
    assert ": set" not in second.output
    assert second.output.count(": already set") == 4
    assert (cors_rules(moto_s3, public), policy(moto_s3, public),
            lifecycle_rules(moto_s3, public), lifecycle_rules(moto_s3, originals)) == state

    assert {rule["ID"] for rule in state[0]} == {"flaneur-public-read", "cdn-fonts"}
    assert {statement["Sid"] for statement in state[1]["Statement"]} == {
        "Backups", "FlaneurPublicRead"}
    assert {rule["ID"] for rule in state[2]} == {"logs", "flaneur-abort-incomplete-uploads:tiles"}

    # a changed setting replaces our rule, and only ours
    third = run_setup(app, "--no-check", "--origin", "https://new.example.org")
    assert third.exit_code == 0, third.output
    rules = {rule["ID"]: rule for rule in cors_rules(moto_s3, public)}
    assert rules["flaneur-public-read"]["AllowedOrigins"] == ["https://new.example.org"]
    assert rules["cdn-fonts"]["AllowedOrigins"] == ["https://fonts.example"]


def test_in_a_shared_bucket_the_policy_covers_the_public_prefix_only(
        moto_s3: MotoS3, make_app: Callable[..., Flask]):
    bucket = moto_s3.create_bucket()
    app = make_app(ORIGINALS_STORAGE_URL=moto_s3.storage_url(bucket, "originals"),
                   PUBLIC_STORAGE_URL=moto_s3.storage_url(bucket, "public"),
                   STORAGE_CORS_ORIGINS=SITE)
    result = run_setup(app)
    assert result.exit_code == 0, result.output
    statements = policy(moto_s3, bucket)["Statement"]
    assert readable_by_anyone(statements, bucket, "public/panoramas/x/1/manifest.json")
    # moto applies the policy to anonymous reads: the public object is served, the original not
    for key in ("public/panoramas/x/1/manifest.json", "originals/panoramas/ab/abcdef.jpg"):
        moto_s3.client.put_object(Bucket=bucket, Key=key, Body=b"{}")
    assert anonymous_get(f"{moto_s3.endpoint_url}/{bucket}/public/panoramas/x/1/manifest.json"
                         ) == 200
    assert anonymous_get(f"{moto_s3.endpoint_url}/{bucket}/originals/panoramas/ab/abcdef.jpg"
                         ) == 403
    assert not readable_by_anyone(statements, bucket, "originals/panoramas/ab/abcdef.jpg")
    assert not readable_by_anyone(statements, bucket, "publicity/x.jpg")
    # one clean-up rule per prefix
    assert sorted(rule["Filter"]["Prefix"] for rule in lifecycle_rules(moto_s3, bucket)) == [
        "originals/", "public/"]


@pytest.mark.parametrize(("originals_prefix", "public_prefix"), [
    ("originals", ""), ("", ""), ("flaneur", "flaneur"), ("flaneur/originals", "flaneur")])
def test_a_public_prefix_that_holds_the_originals_gets_no_policy(
        moto_s3: MotoS3, make_app: Callable[..., Flask], originals_prefix: str,
        public_prefix: str):
    bucket = moto_s3.create_bucket()
    app = make_app(ORIGINALS_STORAGE_URL=moto_s3.storage_url(bucket, originals_prefix),
                   PUBLIC_STORAGE_URL=moto_s3.storage_url(bucket, public_prefix),
                   STORAGE_CORS_ORIGINS=SITE)
    result = run_setup(app, "--no-check")
    assert result.exit_code == 1, result.output
    assert "public read of" in result.output
    assert "also holds the originals" in result.output
    assert "Storage setup is incomplete" in result.output
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        policy(moto_s3, bucket)
    # CORS grants no access by itself: it is set all the same
    assert cors_rules(moto_s3, bucket)[0]["AllowedOrigins"] == [SITE]
    # the outer prefix's clean-up rule covers the inner one's uploads
    assert len(lifecycle_rules(moto_s3, bucket)) == 1


def test_no_public_read_leaves_the_policy_to_the_cdn(two_buckets, moto_s3: MotoS3):
    app, _originals, public = two_buckets
    result = run_setup(app, "--no-check", "--no-public-read")
    assert result.exit_code == 0, result.output
    assert "public read: skipped: --no-public-read" in result.output
    # with the check, the missing public access shows (no CDN in front here)
    checked = run_setup(app, "--no-public-read")
    assert checked.exit_code == 1
    assert f"a page on {SITE} can read public objects: FAILED" in checked.output
    assert "answered 403" in checked.output
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        policy(moto_s3, public)
    assert cors_rules(moto_s3, public)


def test_a_missing_bucket_is_a_clear_failure(moto_s3: MotoS3, make_app: Callable[..., Flask]):
    app = make_app(PUBLIC_STORAGE_URL=moto_s3.storage_url("no-such-bucket-here"),
                   STORAGE_CORS_ORIGINS=SITE)
    result = run_setup(app, "--no-check")
    assert result.exit_code == 1
    assert "bucket: FAILED" in result.output
    assert "create the bucket first" in result.output


def test_origins_any_origin_only_when_asked(two_buckets, moto_s3: MotoS3):
    app, _originals, public = two_buckets
    refused = run_setup(app, "--no-check", "--origin", "*")
    assert refused.exit_code == 2
    assert "--allow-any-origin" in refused.output
    accepted = run_setup(app, "--no-check", "--origin", "*", "--allow-any-origin")
    assert accepted.exit_code == 0, accepted.output
    assert cors_rules(moto_s3, public)[0]["AllowedOrigins"] == ["*"]


def test_without_origins_or_with_a_bad_one_the_command_says_what_to_set(
        moto_s3: MotoS3, make_app: Callable[..., Flask]):
    app = make_app(PUBLIC_STORAGE_URL=moto_s3.storage_url(moto_s3.create_bucket()))
    result = run_setup(app)
    assert result.exit_code == 2
    assert "STORAGE_CORS_ORIGINS" in result.output
    bad = run_setup(app, "--origin", "https://walk.example.org/tours")
    assert bad.exit_code == 2
    assert "is not an origin" in bad.output


def test_local_storages_need_no_setup(make_app: Callable[..., Flask], tmp_path):
    app = make_app(ORIGINALS_STORAGE_URL=(tmp_path / "o").as_uri(),
                   PUBLIC_STORAGE_URL=(tmp_path / "p").as_uri())
    result = run_setup(app)
    assert result.exit_code == 0, result.output
    assert "nothing to set up" in result.output


def test_s3_originals_with_a_local_public_storage_get_the_clean_up_only(
        moto_s3: MotoS3, make_app: Callable[..., Flask]):
    bucket = moto_s3.create_bucket()
    app = make_app(ORIGINALS_STORAGE_URL=moto_s3.storage_url(bucket))
    result = run_setup(app, "--no-check")
    assert result.exit_code == 0, result.output
    assert "served by Flaneur under /media" in result.output
    assert len(lifecycle_rules(moto_s3, bucket)) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("https://walk.example.org", ("https://walk.example.org",)),
    ("https://A.example.org:443/, http://127.0.0.1:8000",
     ("https://a.example.org:443", "http://127.0.0.1:8000")),
    ("https://*.example.org https://walk.example.org https://walk.example.org",
     ("https://*.example.org", "https://walk.example.org")),
    ("", ()),
])
def test_origins_are_parsed_and_normalised(text: str, expected: tuple[str, ...]):
    assert bucket_setup.parse_cors_origins(text, allow_any=False) == expected


@pytest.mark.parametrize("text", ["*", "walk.example.org", "ftp://x.example", "https://x/y",
                                  "https://a.example.org'"])
def test_bad_origins_are_refused(text: str):
    with pytest.raises(OriginError):
        bucket_setup.parse_cors_origins(text, allow_any=False)


def test_merging_keeps_the_others_and_notices_when_ours_is_there():
    ours = bucket_setup.cors_rule([SITE])
    assert bucket_setup.merge_cors([ours], ours) is None
    assert bucket_setup.merge_cors(None, ours) == [ours]
    other = {"ID": "x", "AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}
    stale = {**ours, "AllowedOrigins": ["https://old.example"]}
    assert bucket_setup.merge_cors([other, stale], ours) == [ours, other]

    statement = bucket_setup.public_read_statement("b", "public")
    assert statement["Resource"] == "arn:aws:s3:::b/public/*"
    as_read_back = {**statement, "Principal": {"AWS": "*"}, "Action": ["s3:GetObject"]}
    assert bucket_setup.merge_policy({"Statement": [as_read_back]}, statement) is None
    widened = {**statement, "Action": "s3:*"}
    merged = bucket_setup.merge_policy({"Version": "2012-10-17", "Statement": [widened]},
                                       statement)
    assert merged == {"Version": "2012-10-17", "Statement": [statement]}

    rule = bucket_setup.lifecycle_rule("", 7)
    assert bucket_setup.merge_lifecycle([rule], rule) is None
    assert bucket_setup.merge_lifecycle([{**rule, "AbortIncompleteMultipartUpload": {
        "DaysAfterInitiation": 9}}], rule) == [rule]
