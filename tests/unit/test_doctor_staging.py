"""`imghost doctor` looks for the lifecycle rule that expires staging uploads (the backstop
for staging objects confirm and the sweep did not delete)."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from imghost.services.doctor import OK, WARN, check_staging_expiry
from imghost.services.storage.s3 import S3Storage
from imghost.settings import Settings
from tests.support.seaweed import ACCESS_KEY, SECRET_KEY


@pytest.fixture
def bucket_storage(seaweed) -> S3Storage:
    """An S3Storage on a bucket of its own, so rules set here touch no other test."""
    bucket = f"lifecycle-{uuid.uuid4().hex[:12]}"
    seaweed.client().create_bucket(Bucket=bucket)
    return S3Storage(Settings(storage="s3", s3_endpoint_url=seaweed.endpoint, s3_bucket=bucket,
                              s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
                              jwt_secret="x" * 40))


def set_rules(storage: S3Storage, *rules: dict) -> None:
    storage.client.put_bucket_lifecycle_configuration(
        Bucket=storage.bucket, LifecycleConfiguration={"Rules": list(rules)})


def expire(prefix: str, days: int = 1, status: str = "Enabled") -> dict:
    return {"ID": f"expire-{prefix or 'all'}", "Status": status,
            "Filter": {"Prefix": prefix}, "Expiration": {"Days": days}}


def test_missing_rule_is_a_warning(bucket_storage):
    check = check_staging_expiry(bucket_storage)
    assert check.status == WARN and "staging/" in check.detail and "1 day" in check.detail


def test_a_rule_expiring_staging_keys_passes(bucket_storage):
    set_rules(bucket_storage, expire("staging/"))
    check = check_staging_expiry(bucket_storage)
    assert check.status == OK and "staging/" in check.detail


@pytest.mark.parametrize("rule", [expire("uploads/"), expire("staging/", status="Disabled"),
                                  expire("")], ids=["other-prefix", "disabled", "whole-bucket"])
def test_rules_that_do_not_cover_staging_alone_warn(bucket_storage, rule):
    set_rules(bucket_storage, rule)
    assert check_staging_expiry(bucket_storage).status == WARN


def test_a_store_without_a_lifecycle_api_warns_instead_of_failing(bucket_storage, monkeypatch):
    # A fault SeaweedFS does not have (it implements lifecycle rules): a store answering
    # NotImplemented, as some S3-compatible stores do.
    def not_implemented(**_kwargs):
        raise ClientError({"Error": {"Code": "NotImplemented", "Message": "no"},
                           "ResponseMetadata": {"HTTPStatusCode": 501}},
                          "GetBucketLifecycleConfiguration")

    monkeypatch.setattr(bucket_storage.client, "get_bucket_lifecycle_configuration", not_implemented)
    check = check_staging_expiry(bucket_storage)
    assert check.status == WARN and "NotImplemented" in check.detail


def test_local_storage_needs_no_rule(tmp_path):
    from imghost.services.storage.local import LocalStorage

    storage = LocalStorage(Settings(data_dir=tmp_path, jwt_secret="x" * 40))
    assert check_staging_expiry(storage).status == OK
