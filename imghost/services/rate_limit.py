"""Rate limits (the `limits` library): per-process memory, or Redis shared by all workers.

Rules are named, their rates come from settings. A limiter outage (Redis down)
fails open with a warning: losing brute-force protection for a moment is better
than refusing every login.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from imghost.errors import TooManyRequests
from imghost.settings import Settings

log = logging.getLogger("imghost.rate_limit")

RULES = {
    "login_ip": "rate_limit_login_ip",
    "login_account": "rate_limit_login_account",
    "register_ip": "rate_limit_register_ip",
    "upload_user": "rate_limit_upload_user",
    "confirm_user": "rate_limit_confirm_user",
}
MESSAGES = {
    "login_ip": "Too many login attempts from your address.",
    "login_account": "Too many login attempts for this account from new places.",
    "register_ip": "Too many sign-ups from your address.",
    "upload_user": "Too many uploads started.",
    "confirm_user": "Too many upload confirmations.",
}


class RateLimiter:
    def __init__(self, settings: Settings):
        self.enabled = settings.rate_limit_enabled
        uri = settings.redis_url or "memory://"
        options = ({"key_prefix": settings.redis_prefix, "socket_timeout": 2,
                    "socket_connect_timeout": 2} if settings.redis_url else {})
        self.storage = storage_from_string(uri, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.items: dict[str, RateLimitItem] = {
            rule: parse(getattr(settings, field)) for rule, field in RULES.items()}

    def _refuse(self, rule: str, identifier: str) -> TooManyRequests:
        item = self.items[rule]
        try:
            reset_at = self.strategy.get_window_stats(item, rule, identifier).reset_time
        except Exception:  # only the wait hint is lost
            reset_at = time.time() + item.get_expiry()
        wait = max(1, math.ceil(reset_at - time.time()))
        return TooManyRequests(f"{MESSAGES[rule]} Try again in {wait} seconds.", retry_after=wait)

    def _call(self, method, rule: str, identifier: str) -> bool:
        try:
            return method(self.items[rule], rule, identifier)
        except Exception as error:  # Redis unreachable, timeouts: fail open
            log.warning("rate limiter unavailable (%s): allowing %s", error.__class__.__name__, rule)
            return True

    def check(self, rule: str, identifier: str | int) -> None:
        """TooManyRequests when the rule is already exhausted, without counting. Only for
        callers already signed in (a password change), where counting every attempt
        would hold the owner; anonymous doors count atomically with hit()."""
        if self.enabled and not self._call(self.strategy.test, rule, str(identifier)):
            raise self._refuse(rule, str(identifier))

    def hit(self, rule: str, identifier: str | int) -> None:
        """Count one attempt; TooManyRequests when the rule's rate is exceeded.

        Count-and-test is one atomic step (a lock in memory, a Lua script in Redis):
        never test first and count later, or parallel attempts all pass the test."""
        if self.enabled and not self._call(self.strategy.hit, rule, str(identifier)):
            raise self._refuse(rule, str(identifier))

    def reset(self) -> None:
        self.storage.reset()
