"""Networks an account has logged in from: the owner's way past a stranger's guessing.

The per-account login limit stops anyone guessing one account's password from many
addresses, but on its own it would let that stranger lock the owner out. A network the
account logged in from successfully (within IMGHOST_LOGIN_KNOWN_NETWORK_DAYS) is not
held by that limit, only by the per-address one. A network is an IPv4 address or an
IPv6 /64 (one home or phone keeps its /64 while its address rotates). The table holds
an HMAC of it, not the address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from imghost.models import KnownLogin, User
from imghost.services.context import Context


def network_of(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address  # "unknown": still one bucket
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _hash(ctx: Context, address: str) -> str:
    key = ctx.settings.signing_secret.encode()
    return hmac.new(key, b"known-login\n" + network_of(address).encode(), hashlib.sha256).hexdigest()


def is_known(ctx: Context, user: User, address: str) -> bool:
    since = ctx.clock() - timedelta(days=ctx.settings.login_known_network_days)
    found = ctx.session.exec(select(KnownLogin.user_id).where(
        KnownLogin.user_id == user.id, KnownLogin.network_hash == _hash(ctx, address),
        KnownLogin.last_login_at >= since)).first()
    return found is not None


def remember(ctx: Context, user: User, address: str) -> None:
    """Record a successful login from address (and forget networks not seen for long)."""
    now = ctx.clock()
    insert = (postgresql_insert if ctx.session.get_bind().dialect.name == "postgresql"
              else sqlite_insert)
    statement = insert(KnownLogin).values(user_id=user.id, network_hash=_hash(ctx, address),
                                          last_login_at=now)
    ctx.session.exec(statement.on_conflict_do_update(
        index_elements=["user_id", "network_hash"], set_={"last_login_at": now}))
    expired = now - timedelta(days=ctx.settings.login_known_network_days)
    ctx.session.exec(delete(KnownLogin).where(KnownLogin.user_id == user.id,
                                              KnownLogin.last_login_at < expired))
