"""`make bench` (clinic/bench/): the load process against a live server, and its report.

The end-to-end test drives every page for a fraction of a second against pytest-django's live
server (not gunicorn: `make bench` itself is the test of that), started with the query-count
header on. The load runs in its own process, so the data must be committed: transaction=True.
"""

import time

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.live_server_helper import LiveServer

from clinic.roles import GROUP_NAMES
from demo.bench import report
from demo.bench.load import FormParser, totp
from demo.bench.runner import build_spec, run_load
from demo.bench.server import production_env
from demo.bench.targets import BENCH_DEVICE_NAME, pick_targets, staff_codes
from diaries.models import DiaryDay
from treatments.models import CostSettings
from treatments.protocols import preempt_protocol

MIDDLEWARE = "clinic.query_count.QueryCountHeaderMiddleware"


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
def test_the_load_drives_every_page_and_the_report_keeps_the_previous_run(
    counting_server, tmp_path
):
    restore_migration_data()
    call_command("seed_demo", patients=3)
    targets = pick_targets()
    assert targets.patient.user is None  # not the portal's demo patient
    assert len(targets.search) == 3 and targets.search_matches >= 1
    staff = [targets.logins["neurologist"], targets.logins["front_desk"]]
    with staff_codes(staff) as codes:  # the staff log in with an authenticator code
        assert TOTPDevice.objects.filter(name=BENCH_DEVICE_NAME).count() == 2
        spec = build_spec(counting_server.url, targets, codes, seconds=0.3, concurrency=2)
        started = time.monotonic()
        results = run_load(spec, timeout=60)
    assert time.monotonic() - started < 20
    assert not TOTPDevice.objects.filter(name=BENCH_DEVICE_NAME).exists()

    pages = {result["name"]: result for result in results["pages"]}
    assert list(pages) == [page["name"] for page in spec["pages"]]
    assert len(pages) == 9
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
