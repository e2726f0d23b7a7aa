"""Failed logins: locked per (username, address), only slowed per username or per address.

django-axes locks the pair (AXES_LOCKOUT_PARAMETERS), so a stranger's guesses lock only the
stranger's own address out of that account, and made-up names from one address (a clinic
behind one NAT) lock nobody else. Failures counted over a username from every address, or
over an address for every name, make the next attempt wait instead: 1 s at the threshold,
doubling with each further failure, up to LOGIN_SLOWDOWN_MAX_SECONDS. A waiting attempt is
refused before the password is checked, so it is not counted and says nothing about the
password. A locked clinician gets back in when an administrator unlocks the account (the
users list) or after a password reset (`unlock`).
"""

import math
from datetime import timedelta

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum


def wait_seconds(username: str, address: str | None, now) -> int:
    """Seconds the next login for `username` from `address` must wait (0: go ahead)."""
    since = now - timedelta(hours=settings.AXES_COOLOFF_TIME)
    limits = [
        ("username", username, settings.LOGIN_SLOWDOWN_USERNAME_FAILURES),
        ("ip_address", address, settings.LOGIN_SLOWDOWN_ADDRESS_FAILURES),
    ]
    wait = 0.0
    for field, value, threshold in limits:
        if not value:
            continue
        recent = AccessAttempt.objects.filter(**{field: value, "attempt_time__gte": since})
        totals = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        failures = totals["failures"] or 0
        if failures < threshold:
            continue
        delay = min(2 ** (failures - threshold), settings.LOGIN_SLOWDOWN_MAX_SECONDS)
        wait = max(wait, delay - (now - totals["last"]).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def unlock(username: str) -> int:
    """Forget the account's failed logins from every address; return how many were kept."""
    return reset(username=username)
