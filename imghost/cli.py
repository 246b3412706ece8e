"""`imghost …`: the operator's commands. Each is a thin shell over a service function.

Configuration comes from the same IMGHOST_* variables as the server, so running a
command next to the server (or in its container) acts on the same data.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from imghost.errors import ImghostError


def _doctor(_args) -> int:
    from imghost.services.doctor import FAIL, run_checks

    checks = run_checks()
    width = max(len(c.name) for c in checks)
    for check in checks:
        print(f"{check.status.upper():4}  {check.name:<{width}}  {check.detail}")
    failed = [c for c in checks if c.status == FAIL]
    print(f"\n{len(failed)} problem(s) found." if failed else "\nAll checks passed.")
    return 1 if failed else 0


def _read_password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise ImghostError("The passwords differ.", code="password_mismatch")
    return first


def _runtime():
    """The same runtime as the server's, after bringing the schema up to date."""
    from imghost.migrations import upgrade_to_head
    from imghost.runtime import get_runtime

    runtime = get_runtime()
    upgrade_to_head(runtime.settings.resolved_database_url)
    return runtime


def _create_user(args) -> int:
    from imghost.services import accounts

    password = _read_password(args)
    # Works whether or not registration is open: this is how the admin gets in.
    user = _runtime().call(accounts.create_user, args.username, args.email, password)
    print(f"Created user {user.username} (id {user.id}, {user.email}).")
    return 0


def _migrate(_args) -> int:
    from imghost.migrations import upgrade_to_head

    upgrade_to_head()
    print("Database schema is at the latest revision.")
    return 0


def _sweep(args) -> int:
    from imghost.services.sweep import sweep_expired_grants

    result = _runtime().call(sweep_expired_grants, args.grace_seconds)
    print(f"Removed {result.deleted} expired unconfirmed upload(s); "
          f"{len(result.failed_keys)} could not be deleted (retried next time).")
    if args.verbose:
        for key in result.deleted_keys:
            print(f"  deleted {key}")
    return 1 if result.failed_keys else 0


def _reconcile(args) -> int:
    from imghost.services.reconcile import reconcile_storage

    result = _runtime().call(reconcile_storage, args.grace_seconds)
    if result.skipped:
        print("Another process is reconciling storage now; nothing done.")
        return 0
    print(f"Listed {result.scanned} stored object(s); removed {result.deleted} that belong "
          "to no image and no upload.")
    if args.verbose:
        for key in result.deleted_keys:
            print(f"  deleted {key}")
    return 0


def _export(args) -> int:
    from imghost.services.export import export_user

    result = _runtime().call(export_user, args.user, Path(args.destination))
    print(f"Exported {result.images} image(s), {result.bytes} bytes, to {result.path}.")
    return 0


def _set_quota(args) -> int:
    from imghost.services.quota import describe, set_quota

    result = _runtime().call(set_quota, args.user, args.quota)
    applies = "unlimited" if result.quota_bytes is None else describe(result.quota_bytes)
    source = "the server default" if result.override is None else "its own quota"
    print(f"{result.username} now has {source}: {applies}.")
    return 0


def _healthcheck(args) -> int:
    """The container HEALTHCHECK: is the local server ready (database + storage)?"""
    import os

    import httpx

    url = args.url or f"http://127.0.0.1:{os.environ.get('IMGHOST_PORT', '8000')}/api/health"
    try:
        reply = httpx.get(url, timeout=4)
    except httpx.HTTPError as error:
        print(f"unhealthy: {error.__class__.__name__}", file=sys.stderr)
        return 1
    print(reply.text)
    return 0 if reply.status_code == 200 else 1


def _backfill_thumbnails(_args) -> int:
    result = _runtime().thumbnails.backfill()
    print(f"Made thumbnails for {result.done} image(s); {result.failed} failed (see the log).")
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imghost", description="imghost operator commands "
                                     "(configured by the same IMGHOST_* variables as the server).")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("doctor", help="check configuration, database, storage, CORS and secret"
                        ).set_defaults(run=_doctor)

    create = commands.add_parser("create-user", help="create an account (works with registration closed)")
    create.add_argument("username")
    create.add_argument("email")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of stdin instead of prompting")
    create.set_defaults(run=_create_user)

    commands.add_parser("migrate", help="upgrade the database schema to the latest revision"
                        ).set_defaults(run=_migrate)

    sweep = commands.add_parser("sweep", help="delete objects of upload grants that expired unconfirmed")
    sweep.add_argument("--grace-seconds", type=int, default=None,
                       help="only grants expired longer ago than this (default IMGHOST_SWEEP_GRACE_SECONDS)")
    sweep.add_argument("-v", "--verbose", action="store_true", help="list the deleted keys")
    sweep.set_defaults(run=_sweep)

    reconcile = commands.add_parser("reconcile", help="delete stored objects that belong to no "
                                    "image and no upload (lists the whole bucket)")
    reconcile.add_argument("--grace-seconds", type=int, default=None,
                           help="only objects older than this (default IMGHOST_SWEEP_GRACE_SECONDS)")
    reconcile.add_argument("-v", "--verbose", action="store_true", help="list the deleted keys")
    reconcile.set_defaults(run=_reconcile)

    export = commands.add_parser("export", help="write a user's images and metadata.json to a folder or .zip")
    export.add_argument("user", help="user id, username or email")
    export.add_argument("destination", help="a new folder, or a path ending in .zip")
    export.set_defaults(run=_export)

    quota = commands.add_parser("set-quota", help="set how many bytes a user may store")
    quota.add_argument("user", help="user id, username or email")
    quota.add_argument("quota", metavar="BYTES|unlimited|default",
                       help="bytes (e.g. 10GiB, 500MB, 1048576), 'unlimited', or 'default' "
                            "(follow IMGHOST_USER_QUOTA_BYTES)")
    quota.set_defaults(run=_set_quota)

    health = commands.add_parser("healthcheck", help="exit 0 when the local server answers /api/health")
    health.add_argument("--url", help="default http://127.0.0.1:$IMGHOST_PORT/api/health")
    health.set_defaults(run=_healthcheck)

    commands.add_parser("backfill-thumbnails", help="make thumbnails for images that lack them"
                        ).set_defaults(run=_backfill_thumbnails)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ImghostError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        for field in error.errors:
            print(f"  {field.get('field')}: {field.get('message')}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
