"""`make bench` (clinic/bench/): the load process against a live server, and its report.

The end-to-end test drives every page for a fraction of a second against pytest-django's live
server (not gunicorn: `make bench` itself is the test of that), started with the query-count
header on. The load runs in its own process, so the data must be committed: transaction=True.
"""

import json
import time

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.live_server_helper import LiveServer

from clinic.roles import GROUP_NAMES
from demo.bench import growth, report, runner, statements
from demo.bench.load import FormParser, totp
from demo.bench.runner import build_spec, run_load
from demo.bench.server import production_env
from demo.bench.targets import BENCH_DEVICE_NAME, pick_targets, staff_codes
from diaries.models import DiaryDay
from patients.models import Patient
from treatments.models import CostSettings
from treatments.protocols import preempt_protocol

MIDDLEWARE = "clinic.query_count.QueryCountHeaderMiddleware"
# Every page issue 19 lists (the session and letter pages when the patient has them).
EVERY_PAGE = {
    "trivial", "review_queue", "progress", "chart", "clinic_audit", "search", "search_mrn",
    "search_digits", "search_phone", "search_born", "worklist", "book_next", "day", "week",
    "portal_home", "portal_month", "portal_progress", "diary_save",
}  # fmt: skip


@pytest.fixture
def counting_server(settings):
    """pytest-django's live server, a fresh one: the shared `live_server` keeps the middleware
    it started with, and this one must count queries."""
    settings.QUERY_COUNT_HEADER = True
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


def restore_migration_data():
    """What the data migrations add, which an earlier transactional test may have flushed."""
    for name in GROUP_NAMES.values():
        Group.objects.get_or_create(name=name)
    preempt_protocol()
    CostSettings.objects.get_or_create(pk=1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.real_clock  # the load process logs in with authenticator codes of the real time
def test_the_load_drives_every_page_and_the_report_keeps_the_previous_run(
    counting_server, tmp_path
):
    restore_migration_data()
    call_command("seed_demo", patients=3)
    Patient.objects.filter(phone="").update(phone="07700 900123")  # the search by phone
    targets = pick_targets()
    assert targets.patient.user is None  # not the portal's demo patient
    assert len(targets.search) == 3 and targets.search_matches >= 1
    staff = [targets.logins["neurologist"], targets.logins["front_desk"]]
    with staff_codes(staff) as codes:  # the staff log in with an authenticator code
        assert TOTPDevice.objects.filter(name=BENCH_DEVICE_NAME).count() == 2
        spec = build_spec(counting_server.url, targets, codes, seconds=0.4, concurrency=2, rounds=2)
        started = time.monotonic()
        results = run_load(spec, timeout=120)
    assert time.monotonic() - started < 60
    assert not TOTPDevice.objects.filter(name=BENCH_DEVICE_NAME).exists()

    pages = {result["name"]: result for result in results["pages"]}
    assert list(pages) == [page["name"] for page in spec["pages"]]
    assert results["rounds"] == 2  # every page driven in each round, interleaved
    assert set(pages) >= EVERY_PAGE, EVERY_PAGE - set(pages)
    for name, result in pages.items():
        assert result["errors"] == 0, (name, result["error_samples"])
        assert result["requests"] > 0, name
        assert len(result["queries"]) == result["requests"], name
        assert min(result["queries"]) > 0, name

    saved_days = results["diary_days_saved"]
    assert len(saved_days) == 30
    portal = targets.logins["patient"]
    days = DiaryDay.objects.filter(patient__user__username=portal, day__in=saved_days)
    assert days.count() == 30
    resaved = DiaryDay.history.filter(id__in=days.values("id"), history_type="~").count()
    assert resaved >= pages["diary_save"]["requests"]

    rows = report.summarise(results["pages"], spec["pages"])
    assert rows[0].ratio == 1.0 and all(row.ratio > 0 for row in rows)
    report.write(tmp_path, {"date": "first run"}, rows)
    latest = report.write(tmp_path, {"date": "second run"}, rows)
    assert (tmp_path / "previous.md").read_text().startswith("# make bench, first run")
    text = latest.read_text()
    assert text.startswith("# make bench, second run")
    assert "previous → now" in text and "save a diary day" in text
    assert "ERRORS" not in text


def test_a_page_with_errors_shows_them(tmp_path):
    pages = [
        {"name": "trivial", "label": "trivial page", "role": "neurologist"},
        {"name": "chart", "label": "patient chart", "role": "neurologist"},
    ]
    results = [
        {"name": "trivial", "seconds": 1, "requests": 3, "latencies_ms": [5, 6, 7],
         "queries": [4, 4, 4], "errors": 0, "error_samples": []},
        {"name": "chart", "seconds": 1, "requests": 2, "latencies_ms": [30, 400],
         "queries": [], "errors": 2, "error_samples": ["302 /accounts/login/"]},
    ]  # fmt: skip
    rows = report.summarise(results, pages)
    assert rows[0].verdict == "pass"
    assert rows[1].verdict == "ERRORS (2/2)"
    text = report.write(tmp_path, {"date": "now"}, rows).read_text()
    assert "**ERRORS (2/2)**" in text and "patient chart: 302 /accounts/login/" in text


def test_the_targets_are_five_times_trivial_and_250_ms_at_p95():
    pages = [{"name": n, "label": n, "role": "r"} for n in ("trivial", "slow", "spiky")]
    results = [
        {"name": "trivial", "seconds": 1, "requests": 2, "latencies_ms": [10, 10]},
        {"name": "slow", "seconds": 1, "requests": 2, "latencies_ms": [60, 60]},
        {"name": "spiky", "seconds": 1, "requests": 20, "latencies_ms": [20] * 18 + [300] * 2},
    ]
    for result in results:
        result |= {"queries": [1], "errors": 0, "error_samples": []}
    verdicts = [row.verdict for row in report.summarise(results, pages)]
    assert verdicts == ["pass", "FAIL: > 5× trivial", "FAIL: p95 ≥ 250 ms"]
    assert report.percentile(list(range(1, 21)), 0.95) == 19


def test_the_codes_are_django_otps():
    device = TOTPDevice(key="3132333435363738393031323334353637383930")
    expected = TOTP(device.bin_key, device.step, device.t0, device.digits)
    expected.time = 1_700_000_000
    assert totp(device.key, at=1_700_000_000) == f"{expected.token():06d}"


def test_forms_are_resubmitted_as_a_browser_would():
    parser = FormParser()
    parser.feed(
        '<form method="post"><input name="csrfmiddlewaretoken" type="hidden" value="t">'
        '<input type="radio" name="headache" value="False">'
        '<input type="radio" name="headache" value="True" checked>'
        '<input type="checkbox" name="nausea" checked><input type="checkbox" name="aura">'
        '<select name="relief"><option value="">-</option><option value="2" selected>2</option>'
        '</select><textarea name="note">\nbad &amp; long</textarea>'
        '<button type="submit" name="go">Save</button></form>'
    )
    assert parser.forms[0].fields == [
        ("csrfmiddlewaretoken", "t"),
        ("headache", "True"),
        ("nausea", "on"),
        ("relief", "2"),
        ("note", "bad & long"),
    ]


def test_the_server_runs_with_production_settings_over_plain_http(monkeypatch):
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_FOR_STAFF", "0")
    env = production_env("postgresql://bench@127.0.0.1/clinic")
    assert env["DEBUG"] == "0" and len(env["SECRET_KEY"]) > 50
    assert "TWO_FACTOR_REQUIRED_FOR_STAFF" not in env  # production's default: required
    assert "PYTEST_VERSION" not in env
    assert (env["QUERY_COUNT_HEADER"], env["SESSION_COOKIE_SECURE"]) == ("1", "0")
    assert env["DATABASE_URL"] == "postgresql://bench@127.0.0.1/clinic"


@pytest.mark.django_db
def test_bench_refuses_a_database_without_the_demo_logins():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("bench", seconds=1)


def test_the_report_ends_with_the_top_statements_by_total_time(tmp_path):
    pages = [{"name": "trivial", "label": "trivial page", "role": "neurologist"}]
    results = [{"name": "trivial", "seconds": 1, "requests": 2, "latencies_ms": [5, 7],
                "queries": [4, 4], "errors": 0, "error_samples": []}]  # fmt: skip
    orm_query = "SELECT " + ", ".join(f'"patients_patient"."col_{n}"' for n in range(20))
    orm_query += ', COUNT("f"."id") AS "flags"\n  FROM "patients_patient"'
    orm_query += ' WHERE "patients_patient"."id" = $1'
    long_query = "WITH ranges AS (SELECT " + " + ".join(f"a{n}" for n in range(80)) + " FROM t)"
    found = statements.Statements(
        top=[
            statements.Statement(orm_query, 40, 60.0, 40),
            statements.Statement(long_query, 4, 30.0, 4),
            statements.Statement("SELECT a | b FROM t", 10, 5.0, 30),
        ],
        all_ms=100.0,
        all_calls=84,
    )
    rows = report.summarise(results, pages)
    text = report.write(tmp_path, {"date": "now"}, rows, found).read_text()
    section = text.split("## Top statements by total time\n\n")[1].splitlines()
    assert section[0].startswith("pg_stat_statements, this database only")
    assert "84 calls, 100.0 ms of statement time in all" in section[0]
    assert section[2] == "| # | total ms | share | calls | mean ms | rows | statement |"
    assert section[4] == (
        '| 1 | 60.0 | 60.0% | 40 | 1.50 | 40 | `SELECT "patients_patient".<20 columns>, '
        'COUNT("f"."id") AS "flags" FROM "patients_patient" WHERE "patients_patient"."id" = $1` |'
    )
    cut = section[5].split("`")[1]
    assert section[5].startswith("| 2 | 30.0 | 30.0% | 4 | 7.50 | 4 | `WITH ranges AS (SELECT a0")
    assert len(cut) == 160 and cut.endswith("…")
    assert section[6] == "| 3 | 5.0 | 5.0% | 10 | 0.50 | 30 | `SELECT a \\| b FROM t` |"
    assert len(section) == 7
    saved = json.loads((tmp_path / "latest.json").read_text())["statements"]
    assert saved["all_ms"] == 100.0 and saved["top"][0]["share"] == 0.6
    assert saved["top"][0]["query"] == orm_query  # the full text for a closer look


@pytest.mark.django_db
def test_a_database_without_the_extension_gives_a_one_line_note(monkeypatch, tmp_path):
    monkeypatch.setattr(statements, "EXTENSION", "no_such_extension")
    note = statements.start()
    assert note.startswith("No top statements: no_such_extension is not usable on this database (")
    assert "\n" not in note
    assert Patient.objects.count() >= 0  # the connection is still usable
    text = report.write(tmp_path, {"date": "now"}, [], note=note).read_text()
    assert text.endswith(f"## Top statements by total time\n\n{note}\n")


@pytest.mark.django_db
def test_the_statements_of_this_database_are_read_back_after_a_reset():
    assert statements.start() is None  # the embedded server preloads pg_stat_statements
    Patient.objects.filter(mrn="bench-probe").count()
    found = statements.top()
    assert any("patients_patient" in s.query and s.calls >= 1 for s in found.top)
    assert not any("pg_stat_statements" in s.query for s in found.top)
    assert found.all_ms >= sum(s.total_ms for s in found.top)


def test_a_run_on_a_busy_machine_is_not_valid_rather_than_failed(tmp_path):
    pages = [{"name": n, "label": n, "role": "r"} for n in ("trivial", "slow", "broken")]
    results = [
        {"name": "trivial", "seconds": 1, "requests": 2, "latencies_ms": [10, 10]},
        {"name": "slow", "seconds": 1, "requests": 2, "latencies_ms": [600, 600]},
        {"name": "broken", "seconds": 1, "requests": 2, "latencies_ms": [5, 5], "errors": 2},
    ]
    for result in results:
        result.setdefault("errors", 0)
        result |= {"queries": [1], "error_samples": []}
    rows = report.summarise(results, pages, busy=True)
    assert [row.verdict for row in rows] == [report.BUSY, report.BUSY, "ERRORS (2/2)"]
    meta = {"date": "now", "load average at start": "3.10", "busiest load allowed": "1.00"}
    text = report.write(tmp_path, meta, rows).read_text()
    assert "**Not valid: machine busy** (load average 3.10 at the start, above 1.00)" in text
    assert "FAIL" not in text


def test_the_machine_is_busy_above_the_load_allowed(monkeypatch):
    monkeypatch.setenv("BENCH_MAX_LOAD", "1000")
    assert not runner.machine_busy()
    monkeypatch.setenv("BENCH_MAX_LOAD", "-1")
    assert runner.machine_busy()


def saved_run(patients: str, medians: dict, queries: dict) -> dict:
    meta = {"patients": patients, "diary days": "—", "date": "d", "commit": "c"}
    rows = [
        {"name": name, "label": name, "median_ms": ms, "queries": queries[name], "verdict": "pass"}
        for name, ms in medians.items()
    ]
    return {"meta": meta, "rows": rows}


def test_growth_compares_each_page_on_two_clinic_sizes():
    small = saved_run(
        "1,000", {"chart": 20.0, "queue": 20.0, "week": 20.0}, {"chart": 9, "queue": 5, "week": 7}
    )
    large = saved_run(
        "10,000", {"chart": 24.0, "queue": 30.0, "week": 21.0}, {"chart": 9, "queue": 5, "week": 8}
    )
    table = report.growth_markdown(small, large).splitlines()
    assert "- **smaller**: 1,000 patients" in table[2] and "10,000 patients" in table[3]
    assert "| chart | 20.0 | 24.0 | 1.20× | 9 → 9 | pass |" in table
    assert "| queue | 20.0 | 30.0 | 1.50× | 5 → 5 | FAIL: > 1.25× |" in table
    assert "| week | 20.0 | 21.0 | 1.05× | 7 → 8 | FAIL: queries differ |" in table


def test_growth_reads_two_saved_runs(tmp_path, capsys):
    small = saved_run("1,000", {"chart": 20.0}, {"chart": 9})
    large = saved_run("10,000", {"chart": 22.0}, {"chart": 9})
    (tmp_path / "small.json").write_text(json.dumps(small))
    (tmp_path / "large.json").write_text(json.dumps(large))
    assert growth.main([str(tmp_path / "small.json"), str(tmp_path / "large.json")]) == 0
    assert "| chart | 20.0 | 22.0 | 1.10× | 9 → 9 | pass |" in capsys.readouterr().out
