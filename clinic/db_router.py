"""The report pages read from the streaming replica; everything else uses the primary.

With READ_REPLICA on (`DATABASE_REPLICA_URL` set), `ReplicaReadsMiddleware` marks a request
replica-readable only when all of these hold:
- it is a GET or HEAD of one of `REPLICA_PAGES` (queue, worklists, chart, progress,
  calendars, the printed day list and the exports), by a logged-in user;
- the replica answers, is less than REPLICA_MAX_LAG_SECONDS behind, and has replayed the
  user's own last write: after every other request (a POST, a login) the primary's WAL
  position is kept in a cookie, and the replica serves the user only once it is past it.

Then `ReplicaRouter` sends that request's reads there, except the models that must be read
where they are written (`PRIMARY_APPS`: sessions, users, two-factor devices, login
lockouts, the audit trail, jobs) and any read inside a transaction (select_for_update, a
domain function reading what it just wrote). Writes always go to the primary: a GET that
writes (the audit row of a chart view, the session's idle clock) writes there, and a marked
request that writes anything but those reads from the primary from then on. The job
runner and management commands are never marked.

The page says how old its figures are (`replica_lag`, in the base template), from the one
query the middleware runs on the replica.
"""

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError, connections
from django.dispatch import receiver
from django.utils import timezone

from clinic.databases import JOBS, REPLICA

REPLICA_PAGES = frozenset(
    {
        "neurologist_home",  # the review queue
        "front_desk_home",  # the worklists
        "patients:chart",
        "progress:page",
        "diary:calendar",
        "diary:report",
        "schedule:day",
        "schedule:week",
        "schedule:day_list",
        "diary:export",  # the diary CSV
        "patients:data_export",  # the records zip
    }
)
PRIMARY_APPS = frozenset(
    {"clinic", "sessions", "auth", "contenttypes", "admin", "axes", "otp_totp", "procrastinate"}
)
WROTE_COOKIE = "clinic_wrote"  # the primary's WAL position after the user's last write
WROTE_COOKIE_SECONDS = 15 * 60
LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")

# True while a marked request runs (and streams its response): reset when it finishes.
replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@receiver(request_finished)
def end_replica_reads(**kwargs) -> None:
    replica_reads.set(False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not replica_reads.get() or model._meta.app_label in PRIMARY_APPS:
            return None
        if connections["default"].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        if model._meta.app_label not in PRIMARY_APPS:
            replica_reads.set(False)  # what a request writes it reads back from the primary
        return None  # the primary

    def allow_migrate(self, db, app_label, **hints):
        return False if db in (REPLICA, JOBS) else None


@dataclass(frozen=True)
class ReplicaLag:
    """How far behind the replica a page's figures are."""

    as_of: datetime
    seconds: float

    @property
    def behind(self) -> int:
        return round(self.seconds)


STATE = """
SELECT now(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN now()
            ELSE pg_last_xact_replay_timestamp() END,
       %s::pg_lsn IS NULL OR CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                                  ELSE pg_current_wal_lsn() END >= %s::pg_lsn
"""


def replica_lag(wrote: str | None) -> ReplicaLag | None:
    """The replica's lag when it may serve a user who last wrote at WAL position `wrote`;
    None when it may not (unreachable, too far behind, not yet past that write). One query.
    A primary standing in as the replica (tests) is never behind, and is past every
    write but one the cookie invents."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(STATE, [wrote, wrote])
            now, as_of, caught_up = cursor.fetchone()
    except DatabaseError:
        connections[REPLICA].close()  # the next request tries again
        return None
    as_of = as_of or now
    lag = ReplicaLag(as_of=timezone.localtime(as_of), seconds=(now - as_of).total_seconds())
    if not caught_up or lag.seconds > settings.REPLICA_MAX_LAG_SECONDS:
        return None
    return lag


def primary_position() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


class ReplicaReadsMiddleware:
    """Marks report pages replica-readable (see above); after it in the list only the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.replica_lag = None
        replica_reads.set(False)
        response = self.get_response(request)
        if settings.READ_REPLICA and request.method not in ("GET", "HEAD"):
            response.set_cookie(
                WROTE_COOKIE,
                primary_position(),
                max_age=WROTE_COOKIE_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not (
            settings.READ_REPLICA
            and request.method in ("GET", "HEAD")
            and request.resolver_match.view_name in REPLICA_PAGES
            and request.user.is_authenticated
        ):
            return None
        wrote = request.COOKIES.get(WROTE_COOKIE)
        if wrote is not None and not LSN.fullmatch(wrote):
            return None  # not ours: the primary serves
        request.replica_lag = replica_lag(wrote)
        replica_reads.set(request.replica_lag is not None)
        return None
