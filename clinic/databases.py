"""The database aliases, from database URLs (settings.py; docs/deploy.md "Past one machine").

- `default`: the primary, directly or through PgBouncer in transaction mode
  (`DATABASE_POOLER=pgbouncer`). Every write, and every read but the replica's.
- `replica`: a streaming replica (`DATABASE_REPLICA_URL`), read only by the report pages
  `clinic.db_router` marks. In tests it is a mirror of `default`, so routing can be tested.
- `jobs`: where the job worker's own connection goes (`JOBS_DATABASE_URL`, else the
  primary's URL): it waits for jobs with LISTEN, which needs a session of its own, so it
  should reach PostgreSQL directly, not through a transaction pooler. The jobs' code uses
  `default` like any request. No query is ever routed to `jobs`: the worker only reads its
  connection parameters (`clinic.jobs.ClinicConnector`).
"""

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

POOLERS = {"", "pgbouncer"}
REPLICA, JOBS = "replica", "jobs"
REPLICA_CONNECT_TIMEOUT = 3  # seconds


def database(url: str, *, conn_max_age: int, pooled: bool) -> dict:
    """One alias. Connections are kept between requests (`conn_max_age` seconds) and checked
    before a request reuses one (tests/clinic/test_db_restart.py)."""
    settings = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    if not settings["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured(f"{url.split('://')[0]}://…: the clinic needs PostgreSQL.")
    options = settings.setdefault("OPTIONS", {})
    if pooled:
        # In transaction mode each transaction may run on another server connection: no
        # prepared statements (psycopg prepares a query it has run 5 times) and no named
        # cursors (they outlive a statement). PgBouncer refuses the `options` startup
        # parameter, so JIT is turned off on the server (`jit = off`, docs/deploy.md).
        options["prepare_threshold"] = None
        settings["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # PostgreSQL's JIT costs tens of milliseconds a query and pays off only on long
        # analytical queries: a page's queries are short.
        options["options"] = "-c jit=off"
    return settings


def databases(
    *,
    url: str,
    replica_url: str = "",
    jobs_url: str = "",
    pooler: str = "",
    conn_max_age: int = 60,
    test_name: str = "",
) -> dict:
    """settings.DATABASES from the URLs; `pooler` says what `url` goes through."""
    if pooler not in POOLERS:
        raise ImproperlyConfigured(f"DATABASE_POOLER={pooler!r}: leave it empty, or pgbouncer.")
    aliases = {"default": database(url, conn_max_age=conn_max_age, pooled=bool(pooler))}
    if test_name:  # lets parallel test runs use separate databases
        aliases["default"]["TEST"] = {"NAME": test_name}
    mirror = {"TEST": {"MIRROR": "default"}}  # never created by the tests: `default` serves
    aliases[REPLICA] = {
        **database(
            replica_url or url, conn_max_age=conn_max_age, pooled=not replica_url and bool(pooler)
        ),
        **mirror,
    }
    # An unreachable replica costs a report page at most this, then the primary serves it.
    aliases[REPLICA]["OPTIONS"]["connect_timeout"] = REPLICA_CONNECT_TIMEOUT
    aliases[JOBS] = {
        **database(jobs_url or url, conn_max_age=0, pooled=not jobs_url and bool(pooler)),
        **mirror,
    }
    return aliases
