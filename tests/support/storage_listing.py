"""What is really in the store, read around imghost's own Storage code: the bucket
listing through boto3, or the directory tree on disk."""

from __future__ import annotations

import os

from imghost.runtime import Runtime


def stored_keys(runtime: Runtime, prefix: str = "") -> set[str]:
    storage = runtime.storage
    if storage.kind == "s3":
        pages = storage.client.get_paginator("list_objects_v2").paginate(
            Bucket=storage.bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", ())}
    root = runtime.settings.objects_dir
    found = set()
    for directory, _, files in os.walk(root):
        for name in files:
            key = os.path.relpath(os.path.join(directory, name), root)
            if key.startswith(prefix):
                found.add(key)
    return found


def user_prefix(user_id: int) -> str:
    return f"{user_id}/"
