"""`make cluster-measure`: two app servers, PgBouncer, a primary and its replica, measured.

    python -m demo.cluster.measure [--seconds 10] [--concurrency 2] [--workers 3]

On the cluster `make cluster-up` starts (its database seeded with `seed_demo`), it serves the
app with two gunicorns (127.0.0.1:8101 and :8102, production settings as `make bench`) in
three set-ups, one after the other:
- "replica": through PgBouncer, the report pages read from the replica;
- "primary": through PgBouncer, no replica (the same pages from the primary);
- "direct": no PgBouncer, no replica (the connections PostgreSQL sees without a pooler).
In each, the report pages and the trivial page are driven in turn, each page alternately on
the two servers (`demo.bench.load.drive`), while a patient saves diary days without pause
on both servers (the write load). Meanwhile the replica's lag and the connections at each
server are sampled. It prints, per set-up and page, requests, median and p95, and whether
the page said it came from the replica; then the lag and the connection counts.
"""

import argparse
import os
import statistics
import subprocess
import threading
import time
from contextlib import ExitStack
from pathlib import Path

PRIMARY, REPLICA, POOLER = 5441, 5442, 6441
DATABASE = os.environ.get("CLUSTER_DATABASE", "clinic_cluster")
PORTS = (8101, 8102)
BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
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


def sql(port: int, query: str, database: str = DATABASE) -> str:
    """One value from psql (PgBouncer's console speaks only the simple query protocol)."""
    result = subprocess.run(
        [BIN / "psql", "-X", "-h", "127.0.0.1", "-U", "postgres", "-p", str(port), "-d", database]
        + ["-tA", "-F", " ", "-c", query],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return result.stdout.strip()


LAG = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)
BEHIND_BYTES = (
    "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) "
    "FROM pg_stat_replication"
)
CLIENTS = (
    f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DATABASE}' "
    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
)


class Sampler(threading.Thread):
    """Every half second: the replica's lag, and the connections at each server."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.lag: list[float] = []
        self.behind: list[int] = []
        self.primary: list[int] = []
        self.replica: list[int] = []
        self.pooler_clients: list[int] = []

    def run(self):
        while not self.stop.wait(0.5):
            self.lag.append(float(sql(REPLICA, LAG) or 0))
            self.behind.append(int(float(sql(PRIMARY, BEHIND_BYTES) or 0)))
            self.primary.append(int(sql(PRIMARY, CLIENTS) or 0))
            self.replica.append(int(sql(REPLICA, CLIENTS) or 0))
            pools = sql(POOLER, "SHOW POOLS", "pgbouncer").splitlines()
            mine = [line.split() for line in pools if line.split()[:1] == [DATABASE]]
            self.pooler_clients.append(
                sum(int(p[2]) + int(p[3]) for p in mine)
            )  # cl_active, cl_waiting


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


def measure(setup: str, args, targets, codes, log) -> dict:
    from demo.bench import load, server
    from demo.bench.runner import OUT_DIR, build_spec

    env = server.production_env(SETUPS[setup]["DATABASE_URL"])
    for name in CLUSTER_SETTINGS:  # the caller's own, if any: only the set-up's count
        env.pop(name, None)
    env.update(SETUPS[setup])
    results = {}
    with ExitStack() as stack:
        bases = [
            stack.enter_context(
                server.gunicorn(
                    port=port,
                    workers=args.workers,
                    env=env,
                    log_path=OUT_DIR / f"cluster-{setup}-{port}.log",
                    log=log,
                )
            )
            for port in PORTS
        ]
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
        runs = {name: load.PageRun(name, 0) for name in READ_PAGES}
        for number in range(spec["rounds"]):
            for name in READ_PAGES:
                for base in bases:
                    load.drive(
                        base,
                        pages[name],
                        cookies[pages[name]["role"]],
                        spec,
                        saves,
                        seconds=args.seconds / spec["rounds"] / len(bases),
                        warmup=spec["warmup"] if number == 0 else 0,
                        run=runs[name],
                    )
        elapsed = time.monotonic() - started
        stop.set()
        sampler.stop.set()
        writer.join(10)
        sampler.join(10)
        for name in READ_PAGES:
            page = pages[name]
            run = runs[name]
            ms = sorted(run.latencies_ms)
            results[name] = {
                "label": page["label"],
                "requests": len(ms),
                "errors": run.errors,
                "median": statistics.median(ms) if ms else None,
                "p95": ms[int(0.95 * (len(ms) - 1))] if ms else None,
                "replica": served_by_replica(bases[1], cookies[page["role"]], page["path"]),
            }
    return {
        "pages": results,
        "diary saves per second": writes[0] / elapsed,
        "load average": (load_before, os.getloadavg()),
        "lag seconds (median, max)": (statistics.median(sampler.lag), max(sampler.lag)),
        "bytes behind (median, max)": (statistics.median(sampler.behind), max(sampler.behind)),
        "primary connections (min, max)": (min(sampler.primary), max(sampler.primary)),
        "replica connections (min, max)": (min(sampler.replica), max(sampler.replica)),
        "PgBouncer clients (max)": max(sampler.pooler_clients),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="per page and set-up")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per server")
    parser.add_argument("--setups", default=",".join(SETUPS))
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
        for setup in args.setups.split(","):
            result = measure(setup, args, targets, codes, log)
            log(f"\n== {setup}")
            rows = result.pop("pages")
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
