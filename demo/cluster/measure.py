"""`make cluster-measure`: app servers, PgBouncer, a primary and its replica, measured.

    python -m demo.cluster.measure [--seconds 12] [--concurrency 2] [--workers 2]

On the cluster `make cluster-up` starts (its database seeded with `seed_demo`), it serves the
app with gunicorn (production settings as `make bench`) in two runs:
1. "pooled": four servers through PgBouncer, two of them (8101, 8102) reading the report
   pages from the replica ("replica"), two (8103, 8104) from the primary ("primary");
2. "direct": four servers (8101 to 8104) straight to the primary, no PgBouncer, no replica:
   the connections PostgreSQL sees without a pooler.
In each run the report pages and the trivial page are driven in turn, in rounds, each page
on every server of the run in turn (`demo.bench.load.drive`), so that a burst of load on
this shared machine falls on the replica's servers and the primary's alike; meanwhile a
patient saves diary days without pause on every server (the write load), and the replica's
lag and the connections at each server are sampled every second. It prints, per set-up and
page, requests, median and p95, the multiple of the trivial page, and whether the page said
it came from the replica; then the lag, the connection counts and the load average.
3. "bulk": one big transaction on the primary (a 3-million-row scratch table, then dropped),
   and how far the replica falls behind.
"""

import argparse
import os
import secrets
import statistics
import threading
import time
from contextlib import ExitStack

PRIMARY, REPLICA, POOLER = 5441, 5442, 6441
DATABASE = os.environ.get("CLUSTER_DATABASE", "clinic_cluster")
RUNS = {
    "pooled": {"replica": (8101, 8102), "primary": (8103, 8104)},
    "direct": {"direct": (8101, 8102, 8103, 8104)},
}
READ_PAGES = ("trivial", "review_queue", "worklist", "chart", "progress", "day", "week")


def url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"


CLUSTER_SETTINGS = ("DATABASE_POOLER", "DATABASE_REPLICA_URL", "JOBS_DATABASE_URL")
SETUPS = {
    "replica": {
        "DATABASE_URL": url(POOLER),
        "DATABASE_POOLER": "pgbouncer",
        "DATABASE_REPLICA_URL": url(REPLICA),
        "JOBS_DATABASE_URL": url(PRIMARY),
    },
    "primary": {
        "DATABASE_URL": url(POOLER),
        "DATABASE_POOLER": "pgbouncer",
        "JOBS_DATABASE_URL": url(PRIMARY),
    },
    "direct": {"DATABASE_URL": url(PRIMARY)},
}


LAG = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)
BEHIND_BYTES = (
    "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0), "
    "max(extract(epoch FROM replay_lag)) FROM pg_stat_replication"
)
CLIENTS = (
    f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DATABASE}' "
    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
)


class Sampler(threading.Thread):
    """Every second: the replica's lag, and the connections at each server, on connections
    of its own (not counted)."""

    def __init__(self, every: float = 1):
        super().__init__(daemon=True)
        self.every = every
        self.stop = threading.Event()
        self.replay_lag: list[float] = []
        self.lag: list[float] = []
        self.behind: list[int] = []
        self.primary: list[int] = []
        self.replica: list[int] = []
        self.pooler_clients: list[int] = []
        self.pooler_servers: list[int] = []

    def run(self):
        import psycopg
        from psycopg.rows import dict_row

        def connect(port: int, database: str = DATABASE):
            return psycopg.connect(
                url(port).replace(DATABASE, database), autocommit=True, prepare_threshold=None
            )

        with (
            connect(PRIMARY) as primary,
            connect(REPLICA) as replica,
            connect(POOLER, "pgbouncer") as pooler,
        ):
            # PgBouncer's console understands only simple queries: a client-side cursor's.
            console = psycopg.ClientCursor(pooler, row_factory=dict_row)
            while not self.stop.wait(self.every):
                self.lag.append(float(replica.execute(LAG).fetchone()[0] or 0))
                behind, replay_lag = primary.execute(BEHIND_BYTES).fetchone()
                self.behind.append(int(behind))
                self.replay_lag.append(float(replay_lag or 0))
                self.primary.append(primary.execute(CLIENTS).fetchone()[0])
                self.replica.append(replica.execute(CLIENTS).fetchone()[0])
                console.execute("SHOW POOLS")
                mine = [pool for pool in console.fetchall() if pool["database"] == DATABASE]
                self.pooler_clients.append(sum(p["cl_active"] + p["cl_waiting"] for p in mine))
                self.pooler_servers.append(
                    sum(p["sv_active"] + p["sv_idle"] + p["sv_used"] for p in mine)
                )


def write_load(base_urls, cookies, saves, stop: threading.Event, count: list[int]) -> None:
    """A patient saving diary days without pause, alternately on each server."""
    from demo.bench.load import Client

    clients = [Client(base, cookies) for base in base_urls]
    turn = 0
    while not stop.is_set():
        day = saves[turn % len(saves)]
        try:
            clients[turn % len(clients)].post(day["path"], day["fields"])
            count[0] += 1
        except OSError:
            time.sleep(0.1)
        turn += 1


def served_by_replica(base_url: str, cookies: dict, path: str) -> bool:
    from demo.bench.load import Client

    client = Client(base_url, cookies)
    try:
        return b"from the reports replica" in client.get(path).body
    finally:
        client.close()


def server_env(setup: str, secret_key: str) -> dict[str, str]:
    """Production settings for `setup`; every server of a run has the same SECRET_KEY, as
    servers behind one load balancer must (a session is signed with it)."""
    from demo.bench import server

    env = server.production_env(SETUPS[setup]["DATABASE_URL"])
    for name in CLUSTER_SETTINGS:  # the caller's own, if any: only the set-up's count
        env.pop(name, None)
    return {**env, **SETUPS[setup], "SECRET_KEY": secret_key}


def page_result(page: dict, run, served_by: bool) -> dict:
    ms = sorted(run.latencies_ms)
    return {
        "label": page["label"],
        "requests": len(ms),
        "errors": run.errors,
        "median": statistics.median(ms),
        "p95": ms[int(0.95 * (len(ms) - 1))],
        "replica": served_by,
    }


def measure(setups: dict[str, tuple[int, ...]], args, targets, codes, log) -> dict:
    """One run: the servers of `setups` (set-up: ports) driven in turn; the results."""
    from demo.bench import load, server
    from demo.bench.runner import OUT_DIR, build_spec

    secret_key = secrets.token_urlsafe(50)
    with ExitStack() as stack:
        servers = [
            (
                setup,
                stack.enter_context(
                    server.gunicorn(
                        port=port,
                        workers=args.workers,
                        env=server_env(setup, secret_key),
                        log_path=OUT_DIR / f"cluster-{setup}-{port}.log",
                        log=log,
                    )
                ),
            )
            for setup, ports in setups.items()
            for port in ports
        ]
        bases = [base for _, base in servers]
        spec = build_spec(
            bases[0], targets, codes, seconds=args.seconds, concurrency=args.concurrency
        )
        pages = {page["name"]: page for page in spec["pages"]}
        cookies = {
            role: load.log_in(bases[0], role, login) for role, login in spec["logins"].items()
        }
        saves = load.prepare_diary_days(bases[0], cookies["patient"], 30)
        sampler, stop, writes = Sampler(), threading.Event(), [0]
        writer = threading.Thread(
            target=write_load, args=(bases, cookies["patient"], saves, stop, writes), daemon=True
        )
        load_before = os.getloadavg()
        sampler.start()
        writer.start()
        started = time.monotonic()
        runs = {(setup, name): load.PageRun(name, 0) for setup in setups for name in READ_PAGES}
        share = args.seconds / spec["rounds"] / max(len(ports) for ports in setups.values())
        for number in range(spec["rounds"]):
            for name in READ_PAGES:
                for setup, base in servers:
                    load.drive(
                        base,
                        pages[name],
                        cookies[pages[name]["role"]],
                        spec,
                        saves,
                        seconds=share,
                        warmup=spec["warmup"] if number == 0 else 0,
                        run=runs[setup, name],
                    )
        elapsed = time.monotonic() - started
        stop.set()
        sampler.stop.set()
        writer.join(10)
        sampler.join(10)
        results = {
            setup: {
                name: page_result(
                    pages[name],
                    runs[setup, name],
                    served_by_replica(base, cookies[pages[name]["role"]], pages[name]["path"]),
                )
                for name in READ_PAGES
            }
            for setup, base in dict(servers).items()
        }
    return {
        "pages": results,
        "diary saves per second": round(writes[0] / elapsed, 1),
        "load average (start, end)": (load_before, os.getloadavg()),
        "lag seconds (median, max)": (statistics.median(sampler.lag), max(sampler.lag)),
        "bytes behind (median, max)": (statistics.median(sampler.behind), max(sampler.behind)),
        "primary connections (min, max)": (min(sampler.primary), max(sampler.primary)),
        "replica connections (min, max)": (min(sampler.replica), max(sampler.replica)),
        "PgBouncer clients, servers (max)": (
            max(sampler.pooler_clients),
            max(sampler.pooler_servers),
        ),
    }


SCRATCH_ROWS = 3_000_000


def bulk_write(log) -> None:
    """The replica under one big transaction on the primary: a scratch table of 3 million
    rows (about 200 MB) made and dropped, the lag sampled every quarter second."""
    import psycopg

    sampler = Sampler(every=0.25)
    sampler.start()
    time.sleep(1)
    with psycopg.connect(url(PRIMARY), autocommit=True) as primary:
        started = time.monotonic()
        primary.execute(
            "CREATE TABLE cluster_measure_scratch AS SELECT g, md5(g::text) AS h "
            f"FROM generate_series(1, {SCRATCH_ROWS}) g"
        )
        took = time.monotonic() - started
        size = primary.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('cluster_measure_scratch'))"
        ).fetchone()[0]
        time.sleep(5)  # the replica catches up
        primary.execute("DROP TABLE cluster_measure_scratch")
    sampler.stop.set()
    sampler.join(10)
    log(f"\n== bulk: CREATE TABLE AS of {SCRATCH_ROWS:,} rows ({size}) in {took:.1f} s")
    log(f"  replay_lag at the primary, max: {max(sampler.replay_lag):.2f} s")
    log(f"  bytes behind, max: {max(sampler.behind):,}")
    log(f"  the lag pages show (and judge by), max: {max(sampler.lag):.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12, help="per page and set-up")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--runs", default=",".join([*RUNS, "bulk"]))
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=url(PRIMARY), DEBUG="1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from demo.bench import server
    from demo.bench.runner import git_commit
    from demo.bench.targets import pick_targets, staff_codes

    def log(line: str) -> None:
        print(line, flush=True)

    log(f"commit {git_commit()}, {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    targets = pick_targets()
    server.collect_static(server.production_env(url(PRIMARY)), log)
    with staff_codes([targets.logins["neurologist"], targets.logins["front_desk"]]) as codes:
        for run_name in args.runs.split(","):
            if run_name == "bulk":
                bulk_write(log)
                continue
            result = measure(RUNS[run_name], args, targets, codes, log)
            for setup, rows in result.pop("pages").items():
                log(f"\n== {run_name}: {setup}")
                for row in rows.values():
                    log(
                        f"  {row['label']:38} {row['requests']:5} req  {row['errors']} err  "
                        f"median {row['median']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
                        f"{row['median'] / rows['trivial']['median']:4.1f}x trivial  "
                        f"{'replica' if row['replica'] else 'primary'}"
                    )
            for key, value in result.items():
                log(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
