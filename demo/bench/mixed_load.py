"""`make load-test`: good and bad traffic mixed, against gunicorn served as in production.

    python -m demo.bench.mixed_load [--seconds 60] [--port 8191] [--database-url URL]

On its own database (default `clinic_load` on the local PostgreSQL: created if missing,
migrated and seeded with `seed_demo`), it serves the app with gunicorn as README "Serving in
production" does (3 sync workers, DEBUG off, a made-up SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,
whitenoise's manifest), except plain HTTP on loopback (no TLS proxy: demo.bench.server). The
good users log in once through the real forms (staff with an authenticator code) and keep
their sessions. For the first third of `--seconds` only good traffic runs (the baseline);
for the rest, bad traffic runs beside it from the same address, 127.0.0.1.

It fails (exit 1) on any 5xx or unanswered request, on a good request answered wrongly, on a
diary-day save that was acknowledged (a redirect) but is not in the database afterwards, and
when the good traffic's p95 is not held while the bad traffic runs: held means at most 1.5x
the baseline's p95, or under 250 ms (the page target of `make bench`).
"""

import argparse
import http.client
import io
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from itertools import count
from pathlib import Path
from urllib.parse import quote

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/clinic_load"
WORKERS = 3  # as README "Serving in production"
THINK_SECONDS = 0.05  # between one client's requests: people and scripts, not a flood
P95_FACTOR, P95_TARGET_MS = 1.5, 250
PROBE_EVERY = 5  # seconds between fresh logins of a good user, to see any slowdown


def setup_django(database_url: str) -> None:
    """This process is the harness (DEBUG on, like manage.py in the Makefile); the server it
    starts gets production settings."""
    os.environ.update(DATABASE_URL=database_url, DEBUG="1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()


def prepare_database(database_url: str, log) -> None:
    """Create the database if missing, migrate it and seed the demo clinic into it."""
    import psycopg
    from django.core.management import call_command

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"Creating database {name}")
            db.execute(f'CREATE DATABASE "{name}"')
    log(f"Migrating and seeding {name}")
    call_command("migrate", "--no-input", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())  # it lists the demo logins


# --- what was seen -----------------------------------------------------------------------


class Record:
    """Every answer: statuses by traffic, good latencies by phase and page, the diary saves."""

    def __init__(self):
        self.lock = threading.Lock()
        self.phase = "baseline"
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.bad: dict[str, Counter] = defaultdict(Counter)  # by kind of bad request
        self.latencies: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.good_errors: list[str] = []
        self.server_errors: list[str] = []
        self.saves: list[tuple[date, str]] = []  # acknowledged diary-day writes, in order
        self.probes: Counter = Counter()

    def answer(self, traffic: str, page: str, status: int | str, ms: float, ok: bool = True):
        with self.lock:
            self.statuses[traffic][status] += 1
            if traffic == "bad":
                self.bad[page][status] += 1
            if not isinstance(status, int) or status >= 500:
                self.server_errors.append(f"{traffic} {page}: {status}")
            if traffic == "good":
                self.latencies[self.phase, page].append(ms)
                if not ok:
                    self.good_errors.append(f"{self.phase} {page}: {status}")


def timed(record, traffic, page, client, path, fields=None, *, upload=None, expect=None):
    """Send one request (a POST of `fields`, or of the multipart `upload`: body and type);
    record its status and latency (`expect`: is the answer right? default: a 200)."""
    started = time.perf_counter()
    try:
        if upload:
            response = client.request("POST", path, *upload)
        else:
            response = client.get(path) if fields is None else client.post(path, fields)
    except (OSError, http.client.HTTPException) as error:  # no answer: a worker killed...
        record.answer(traffic, page, type(error).__name__, 0, ok=False)
        return None
    ms = (time.perf_counter() - started) * 1000
    ok = response.status == 200 if expect is None else expect(response)
    record.answer(traffic, page, response.status, ms, ok)
    return response


# --- good traffic ------------------------------------------------------------------------


def good_pages(targets) -> dict[str, list[tuple[str, str]]]:
    chart = f"/patients/{targets.patient.pk}/"
    return {
        "front_desk": [
            ("worklist", "/desk/"),
            ("day view", "/schedule/day/"),
            ("patient search", f"/patients/?q={quote(targets.search)}"),
            ("chart", chart),
        ],
        "neurologist": [("review queue", "/clinician/"), ("progress", f"{chart}progress/")],
        "patient": [("portal home", "/portal/")],
    }


def browse(client, record: Record, pages: list[tuple[str, str]], stop: float):
    while time.monotonic() < stop:
        for name, path in pages:
            timed(record, "good", name, client, path)
            time.sleep(THINK_SECONDS)


def write_diary(client, record: Record, writer: int, writers: int, run: str, stop: float):
    """Open a past day's form (new or existing) and save it with a note naming this write.
    Each writer has its own days, so the last acknowledged note of a day must be the one
    stored; every acknowledged note must be in the day's history."""
    from demo.bench.load import find_form

    for n in count():
        if time.monotonic() >= stop:
            return
        timed(record, "good", "portal home", client, "/portal/")
        day = date.today() - timedelta(days=2 + writer + writers * (n % 20))
        path = f"/portal/days/new/?date={day}"
        form_page = timed(
            record,
            "good",
            "diary day form",
            client,
            path,
            expect=lambda r: r.status in (200, 302),
        )
        if form_page is not None and form_page.status == 302:
            path = form_page.location
            form_page = timed(record, "good", "diary day form", client, path)
        if form_page is None or form_page.status != 200:
            continue
        form = find_form(form_page.text, "headache")
        note = f"load {run} w{writer} #{n}"
        # an existing day keeps what it says; a new one is headache-free
        changes = {"note": note, "headache": dict(form.fields).get("headache", "False")}
        path = form.action or path
        saved = timed(
            record,
            "good",
            "diary day save",
            client,
            path,
            form.with_values(**changes),
            expect=lambda r: r.status == 302 and r.location.startswith("/portal/calendar/"),
        )
        if saved is not None and saved.status == 302:
            with record.lock:
                record.saves.append((day, note))
        time.sleep(THINK_SECONDS)


def probe_logins(base_url: str, record: Record, username: str, password: str, stop: float):
    """Every few seconds a fresh login as a good user from the same address: let in, slowed
    down (the address-wide slowdown after many failures), or locked out."""
    from demo.bench.load import Client, find_form

    while time.monotonic() < stop:
        client = Client(base_url)
        page = timed(record, "good", "login form", client, "/accounts/login/")
        if page is None:
            continue
        fields = find_form(page.text, "username").with_values(username=username, password=password)
        answer = client.post("/accounts/login/", fields)
        client.close()
        slowed = answer.status == 200 and "Too many failed logins" in answer.text
        seen = "let in" if answer.status == 302 else "slowed down" if slowed else answer.status
        with record.lock:
            record.probes[record.phase, seen] += 1
        time.sleep(PROBE_EVERY)


# --- bad traffic -------------------------------------------------------------------------


def multipart(csrf: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f'{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="diary.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def csv_files() -> dict[str, bytes]:
    from diaries.exchange import HEADER

    header = ",".join(HEADER) + "\n"
    empty = "," * (len(HEADER) - 2)
    start = date(1900, 1, 1)
    many = "".join(f"{start + timedelta(days=i)},no{empty}\n" for i in range(100_000))
    return {
        "CSV of 100k rows": (header + many).encode(),
        "CSV over 10 MB": header.encode() + b"x" * (11 * 1024 * 1024),
        "CSV of binary bytes": bytes(random.Random(1).randrange(256) for _ in range(5000)),
        "CSV with a NUL in a note": (header + f"2001-01-01,no{empty}a\x00b\n").encode(),
        "CSV with a wrong header": b"when,what\n2001-01-01,ouch\n",
    }


def bad_requests(targets) -> list[tuple[str, str, str]]:
    """(name, role whose session sends it or "anonymous", path) of the bad GETs."""
    chart = f"/patients/{targets.patient.pk}/"
    huge = "99999999999999999999"
    return [
        ("NUL in search", "front_desk", "/patients/?q=ab%00c"),
        ("NUL in a date", "front_desk", "/schedule/day/?date=2024-01-01%00"),
        ("NUL in a path", "patient", "/portal/days/1%00/"),
        ("day view year 1", "front_desk", "/schedule/day/?date=0001-01-01"),
        ("day view year 9999", "front_desk", "/schedule/day/?date=9999-12-31"),
        ("week year 9999", "front_desk", "/schedule/week/?date=9999-12-31"),
        ("print year 1", "front_desk", "/schedule/day/print/?date=0001-01-01"),
        ("portal month 0001-01", "patient", "/portal/calendar/?month=0001-01"),
        ("portal month 9999-12", "patient", "/portal/calendar/?month=9999-12"),
        ("new day 9999-12-31", "patient", "/portal/days/new/?date=9999-12-31"),
        ("staff diary month 9999-12", "neurologist", f"{chart}diary/calendar/?month=9999-12"),
        ("huge patient id", "neurologist", f"/patients/{huge}/"),
        ("huge id, progress", "neurologist", f"/patients/{huge}/progress/"),
        ("huge day id", "patient", f"/portal/days/{huge}/"),
        ("huge clinician id", "front_desk", f"/schedule/day/?clinician={huge}"),
        ("huge page number", "front_desk", f"/patients/?q=a&page={huge}"),
        ("random path", "anonymous", f"/{uuid.uuid4().hex}/"),
        ("bad percent-encoding", "anonymous", "/patients/%ff%fe/"),
        ("long path", "anonymous", "/" + "a" * 5000),
        ("page while logged out", "anonymous", chart),
        ("wrong role: patient on desk", "patient", "/desk/"),
        ("wrong role: patient on chart", "patient", chart),
        ("wrong role: desk on progress", "front_desk", f"{chart}progress/"),
        ("wrong role: desk on audit", "front_desk", "/clinic/audit/"),
        ("wrong role: doctor on portal", "neurologist", "/portal/"),
    ]


def attack(base_url, record, cookies, targets, files, password, stop: float, seed: int):
    """One bad client: wrong logins, bad GETs, bad uploads and forged CSRF, in random order."""
    from demo.bench.load import BenchError, Client, find_form

    sessions = {role: Client(base_url, jar) for role, jar in cookies.items()}
    sessions["anonymous"] = Client(base_url)
    rng = random.Random(seed)

    def login(name, username, wrong):
        client = Client(base_url)
        page = timed(record, "bad", "login form", client, "/accounts/login/")
        fields = find_form(page.text, "username").with_values(username=username, password=wrong)
        timed(record, "bad", name, client, "/accounts/login/", fields)
        client.close()

    def upload(name, content):
        patient = sessions["patient"]
        page = timed(record, "bad", "import page", patient, "/portal/import-export/")
        csrf = dict(find_form(page.text, "csrfmiddlewaretoken").fields)["csrfmiddlewaretoken"]
        path = "/portal/import-export/"
        timed(record, "bad", name, patient, path, upload=multipart(csrf, content))

    def forged(name, role, path, fields):
        timed(record, "bad", name, sessions[role], path, fields)

    actions = [
        lambda: login("wrong password, real user", rng.choice(["dr.okafor", "desk.lewis"]), "x"),
        lambda: login("made-up user", f"nobody{rng.randrange(10**6)}", password),
        lambda: login("NUL in username", "dr.demo\x00", password),
        lambda: forged(
            "forged CSRF: diary day",
            "patient",
            "/portal/days/new/",
            {"csrfmiddlewaretoken": "forged", "day": "2001-01-01", "headache": "False"},
        ),
        lambda: forged("no CSRF: new patient", "front_desk", "/patients/new/", {"given_name": "X"}),
        lambda: forged("no CSRF: login", "anonymous", "/accounts/login/", {"username": "a"}),
        *(lambda n=n, c=c: upload(n, c) for n, c in files.items()),
        *(
            lambda n=n, r=r, p=p: timed(record, "bad", n, sessions[r], p)
            for n, r, p in bad_requests(targets)
        ),
    ]
    while time.monotonic() < stop:
        try:
            rng.choice(actions)()
        except (AttributeError, BenchError) as error:  # a form page that did not come
            record.answer("bad", "harness", f"no form to fill ({error})", 0)
        time.sleep(THINK_SECONDS)
    for client in sessions.values():
        client.close()


# --- the run -----------------------------------------------------------------------------


def run_threads(functions) -> None:
    threads = [threading.Thread(target=f, daemon=True) for f in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def lost_writes(record: Record, patient_id: int, run: str) -> list[str]:
    """Acknowledged saves missing from the database: the day's note is not the last one
    acknowledged for that day, or an acknowledged note is not in the day's history."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT day, note FROM diaries_diaryday WHERE patient_id = %s", [patient_id])
        stored = dict(cursor.fetchall())
        cursor.execute(
            "SELECT day, note FROM diaries_historicaldiaryday WHERE patient_id = %s "
            "AND note LIKE %s",
            [patient_id, f"load {run} %"],
        )
        history = set(cursor.fetchall())
    last = dict(record.saves)
    lost = [
        f"{day}: {stored.get(day)!r} stored, {note!r} acknowledged"
        for day, note in last.items()
        if stored.get(day) != note
    ]
    lost += [
        f"{day}: {note!r} not in the history"
        for day, note in record.saves
        if (day, note) not in history
    ]
    return lost


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def report(record: Record, seconds: dict, lost: list[str], meta: dict) -> tuple[str, bool]:
    """The results as Markdown (for docs/deploy.md), and whether everything passed."""
    lines = [f"- {key}: {value}" for key, value in meta.items()]
    lines += [
        "",
        "| good page | baseline n | median | p95 | with bad traffic n | median | p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    pages = sorted({page for _, page in record.latencies}, key=str)
    everything = {"baseline": [], "mixed": []}
    for page in [*pages, "all good traffic"]:
        cells = []
        for phase in ("baseline", "mixed"):
            if page == "all good traffic":
                values = everything[phase]
            else:
                values = record.latencies.get((phase, page), [])
                everything[phase] += values
            cells += [
                str(len(values)),
                f"{statistics.median(values) if values else 0:.0f}",
                f"{percentile(values, 0.95):.0f}",
            ]
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    base, mixed = (percentile(everything[p], 0.95) for p in ("baseline", "mixed"))
    held = mixed <= P95_FACTOR * base or mixed < P95_TARGET_MS
    statuses = {t: dict(sorted(c.items(), key=str)) for t, c in record.statuses.items()}
    spent = {"good": seconds["baseline"] + seconds["mixed"], "bad": seconds["mixed"]}
    rates = {t: f"{sum(c.values()) / spent[t]:.1f}/s" for t, c in record.statuses.items()}
    checks = [
        (
            "no 5xx and no unanswered request",
            not record.server_errors,
            "; ".join(record.server_errors[:5]),
        ),
        (
            "every good request answered as expected",
            not record.good_errors,
            "; ".join(record.good_errors[:5]),
        ),
        (
            f"no lost write ({len(record.saves)} acknowledged diary-day saves checked in SQL)",
            not lost,
            "; ".join(lost[:5]),
        ),
        (
            f"good p95 held: {mixed:.0f} ms with bad traffic vs {base:.0f} ms baseline "
            f"(held: at most {P95_FACTOR}x, or under {P95_TARGET_MS} ms)",
            held,
            "",
        ),
    ]
    lines += [
        "",
        f"Statuses: {statuses}; requests per second: {rates}.",
        f"Fresh logins of a good user every {PROBE_EVERY} s (phase, outcome): "
        f"{dict(record.probes)}.",
        "",
    ]
    lines += ["| bad request | answers (status: count) |", "|---|---|"]
    lines += [
        f"| {name} | {', '.join(f'{k}: {v}' for k, v in sorted(c.items(), key=str))} |"
        for name, c in sorted(record.bad.items())
    ]
    lines.append("")
    lines += [
        f"- **{'pass' if ok else 'FAIL'}**: {what}" + (f" ({why})" if why else "")
        for what, ok, why in checks
    ]
    return "\n".join(lines), all(ok for _, ok, _ in checks)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="whole run (a third baseline)")
    parser.add_argument("--port", type=int, default=8191)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--bad-clients", type=int, default=3)
    parser.add_argument("--writers", type=int, default=2, help="patient clients saving days")
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    setup_django(args.database_url)
    from axes.utils import reset
    from django.conf import settings

    from demo.bench import server
    from demo.bench.load import log_in
    from demo.bench.targets import pick_targets, staff_codes

    prepare_database(args.database_url, log)
    reset()  # this database's failed logins: earlier runs' lockouts would stop the logins
    targets = pick_targets()
    portal_patient = targets.logins["patient"]
    env = server.production_env(args.database_url)
    env.pop("QUERY_COUNT_HEADER")
    server.collect_static(env, log)
    files = csv_files()
    record, run = Record(), uuid.uuid4().hex[:6]
    seconds = {"baseline": args.seconds / 3, "mixed": args.seconds * 2 / 3}
    staff = [targets.logins["neurologist"], targets.logins["front_desk"]]
    load_before = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    log_path = Path(settings.VAR_DIR) / "bench" / "mixed_load_gunicorn.log"
    with (
        staff_codes(staff) as codes,
        server.gunicorn(
            port=args.port, workers=WORKERS, env=env, log_path=log_path, log=log
        ) as base_url,
    ):
        from demo.bench.load import Client

        cookies = {
            role: log_in(
                base_url,
                role,
                {"username": name, "password": targets.password, "totp": codes.get(name)},
            )
            for role, name in targets.logins.items()
        }
        pages = good_pages(targets)
        for role, paths in pages.items():  # unrecorded: each worker's first requests are slow
            warm = Client(base_url, cookies[role])
            for _, path in paths * WORKERS:
                warm.get(path)
            warm.close()
        end = time.monotonic() + args.seconds
        mixed_at = time.monotonic() + seconds["baseline"]

        def good(stop):
            return [
                *(
                    lambda role=role: browse(
                        Client(base_url, cookies[role]), record, pages[role], stop
                    )
                    for role in ("front_desk", "neurologist")
                ),
                *(
                    lambda w=w: write_diary(
                        Client(base_url, cookies["patient"]), record, w, args.writers, run, stop
                    )
                    for w in range(args.writers)
                ),
                lambda: probe_logins(base_url, record, portal_patient, targets.password, stop),
            ]

        log(f"Good traffic only for {seconds['baseline']:.0f} s")
        run_threads(good(mixed_at))
        record.phase = "mixed"
        log(f"Good and bad traffic ({args.bad_clients} bad clients) for {seconds['mixed']:.0f} s")
        run_threads(
            [
                *good(end),
                *(
                    lambda i=i: attack(
                        base_url, record, cookies, targets, files, targets.password, end, seed=i
                    )
                    for i in range(args.bad_clients)
                ),
            ]
        )
    reset()
    patient_id = type(targets.patient).objects.get(user__username=portal_patient).pk
    lost = lost_writes(record, patient_id, run)
    meta = {
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "date": date.today().isoformat(),
        "server": f"gunicorn, {WORKERS} sync workers, DEBUG off, 127.0.0.1:{args.port}",
        "clients": f"2 staff browsing, {args.writers} patient writers, 1 login probe; "
        f"{args.bad_clients} bad clients; {THINK_SECONDS * 1000:.0f} ms between a "
        "client's requests",
        "time": f"{seconds['baseline']:.0f} s good only, then {seconds['mixed']:.0f} s mixed",
        "load average (1, 5, 15 min) before / after": f"{load_before} / "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg()),
        "CPUs": os.cpu_count(),
    }
    text, passed = report(record, seconds, lost, meta)
    print(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
