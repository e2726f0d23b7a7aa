"""Standing users for every test: a neurologist, front desk, a patient, and another patient."""

import os
import shutil
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db.backends.postgresql.operations import DatabaseOperations

from clinic import audit
from clinic.roles import Role
from tests.browser import AXE
from tests.clock import NOON
from tests.factories import PortalPatientFactory, UserFactory

SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture
def neurologist(db):
    return UserFactory(
        username="neuro", first_name="Nora", last_name="Neuro", role=Role.NEUROLOGIST
    )


@pytest.fixture
def front_desk(db):
    return UserFactory(username="desk", first_name="Dee", last_name="Desk", role=Role.FRONT_DESK)


@pytest.fixture
def patient(db):
    """A patient with a portal login (`patient.user`)."""
    return PortalPatientFactory(given_name="Paula", family_name="Owner")


@pytest.fixture
def other_patient(db):
    return PortalPatientFactory(given_name="Oscar", family_name="Other")


@pytest.fixture
def neurologist_client(client, neurologist):
    client.force_login(neurologist)
    return client


@pytest.fixture
def front_desk_client(client, front_desk):
    client.force_login(front_desk)
    return client


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


# Browser tests: Playwright driving Debian's chromium against the live server.


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("Debian's chromium is missing: run `make test` (it installs it).")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test` (it installs it under var/axe).")
    return AXE.read_text()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (iPhone 13-ish), for the patient portal."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under var/screenshots/NAME.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def pinned_after_s3():
    """Pages compute progress as of today: the clock stands 10 days after the third session."""
    from tests.reviews.progress_helpers import AFTER_S3

    with time_machine.travel(noon(AFTER_S3), tick=False):
        yield AFTER_S3


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="YYYY-MM-DDTHH:MM",
        help="run every test with the clock at this local time (it keeps ticking); tests that "
        "pin their own clock still do. E.g. a Tuesday 23:30: --clock 2026-12-08T23:30",
    )


def noon(day):
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def wall_clock(request):
    """The suite must pass whatever the hour and weekday: `--clock` sets them.

    A module whose tests read a fixed day (some at collection, in parameters) marks itself
    `pytest.mark.today(day)`: the clock then stands still at noon on that day. A test that
    another process takes part in is marked `real_clock`, and `--clock` leaves it alone.
    """
    today = request.node.get_closest_marker("today")
    when = request.config.getoption("--clock")
    if request.node.get_closest_marker("real_clock"):
        when = None  # another process takes part: it keeps the real time
    if today is not None:
        clock = time_machine.travel(noon(today.args[0]), tick=False)
    elif when:
        local = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
        clock = time_machine.travel(local, tick=True)
    else:
        yield
        return
    with clock:
        yield


@pytest.fixture
def clock():
    """The clock stands at `tests.clock.NOON`; `clock.shift(60)` moves it on a minute, so that
    a change made after the test's setup has its own history time (the audit diffs a change
    against the row before)."""
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def break_audit(monkeypatch):
    """Call to make the audit write after a save fail, as a later step of the same
    transaction would: the domain function must then leave nothing behind."""

    def fail(**kwargs):
        raise RuntimeError("audit trail unavailable")

    return lambda: monkeypatch.setattr(audit, "record", fail)


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_audit_trail_guard():
    """Transactional tests empty every table with TRUNCATE afterwards, which the audit trail's
    trigger refuses (docs/audit.md): the superuser the tests run as flushes with triggers off,
    as only a superuser can."""
    _sql_flush = DatabaseOperations.sql_flush

    def sql_flush(self, *args, **kwargs):
        statements = _sql_flush(self, *args, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else []

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield
