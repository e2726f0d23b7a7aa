"""Pages composed of the sections each app contributes (`clinic.sections`), as users see them."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from clinic import sections
from clinic.sections import Section
from reviews.home import portal_progress
from scheduling.models import Appointment
from tests.factories import (
    AdverseEventFactory,
    AppointmentFactory,
    InjectionSessionFactory,
    PatientFactory,
)

# The home pages and the portal read today (due dates, the queue, the check-in window): the clock
# stands still at 10:00 on a Wednesday, so every test sees the same day at any hour.
TODAY = date(2026, 6, 17)
LONDON = ZoneInfo(settings.TIME_ZONE)


@pytest.fixture
def pinned_today():
    with time_machine.travel(datetime.combine(TODAY, time(10), tzinfo=LONDON), tick=False):
        yield


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_today")]


def treated(*days_ago: int, **patient):
    """A patient with an injection session on each of `days_ago` days before today."""
    person = PatientFactory(**patient)
    for days in sorted(days_ago, reverse=True):
        InjectionSessionFactory(patient=person, performed_on=TODAY - timedelta(days=days))
    return person


def positions(html: str, *markers: str) -> list[int]:
    """Where each marker first appears in the page; each must appear exactly once."""
    for marker in markers:
        assert html.count(marker) == 1, marker
    return [html.index(marker) for marker in markers]


def in_order(html: str, *markers: str) -> bool:
    found = positions(html, *markers)
    return found == sorted(found)


def section(html: str, marker: str) -> str:
    """The <section> holding `marker`."""
    start = html.rindex("<section", 0, html.index(marker))
    return html[start : html.index("</section>", start)]


class TestChart:
    NEUROLOGIST_SECTIONS = [
        ("Injection sessions", "sessions"),
        ("Appointments", "appointments"),
        ("Progress toward review", "progress"),
        ("Patient portal", "portal"),
        ("Headache diary", "diary"),
        ("Access log", "access-log"),
    ]

    def chart(self, client, patient):
        response = client.get(reverse("patients:chart", args=[patient.pk]))
        assert response.status_code == 200
        shown = [(found.title, found.anchor) for found in response.context["sections"]]
        return shown, response.content.decode()

    def test_a_neurologist_sees_every_section_in_order(self, neurologist_client):
        patient = treated(30)
        shown, html = self.chart(neurologist_client, patient)
        assert shown == self.NEUROLOGIST_SECTIONS
        assert in_order(html, *(f'<section id="{anchor}"' for _, anchor in shown))
        assert all(f'<h2 class="h5 mb-0">{title}</h2>' in html for title, _ in shown)

    def test_the_next_injection_due_is_in_the_appointments_section(self, neurologist_client):
        patient = treated(30)
        _, html = self.chart(neurologist_client, patient)
        due = TODAY + timedelta(days=84 - 30)
        assert in_order(
            html, '<section id="appointments"', 'data-testid="next-due"', '<section id="progress"'
        )
        assert f'data-testid="next-due">{due:%-d %b %Y}</strong>' in html
        assert "Next injection due" not in section(html, '<section id="sessions"')

    def test_front_desk_sees_no_progress_diary_detail_or_access_log(self, front_desk_client):
        patient = treated(30)
        shown, html = self.chart(front_desk_client, patient)
        assert shown == [
            ("Injection sessions", "sessions"),
            ("Appointments", "appointments"),
            ("Patient portal", "portal"),
        ]
        assert in_order(
            html, '<section id="sessions"', '<section id="appointments"', '<section id="portal"'
        )
        for hidden in ("progress", "diary", "access-log"):
            assert f'href="#{hidden}"' not in html
            assert f'<section id="{hidden}"' not in html
        for title in ("Progress toward review", "Headache diary", "Access log"):
            assert title not in html


class TestStaffHomes:
    def test_the_neurologist_home_shows_serious_events_the_queue_and_recent_patients(
        self, neurologist_client
    ):
        queued = treated(84 + 90, 90, given_name="Queenie", family_name="Queue")  # cycle 2 done
        AdverseEventFactory(session=queued.sessions.get(number=2), kind="dysphagia", serious=True)
        html = neurologist_client.get(reverse("neurologist_home")).content.decode()
        assert in_order(
            html,
            'data-testid="serious-events"',
            'data-testid="review-queue"',
            "Recently updated patients",
        )
        assert "Queenie Queue" in section(html, 'data-testid="serious-events"')
        assert "Queenie Queue" in section(html, 'data-testid="queue-row"')
        assert "Queenie Queue" in section(html, "Recently updated patients")
        assert 'data-testid="overdue"' not in html  # the desk's worklists are not here

    def test_the_front_desk_home_shows_the_worklists_reviews_due_and_referrals(
        self, front_desk_client
    ):
        overdue = treated(100, family_name="Overdue")
        due_soon = treated(80, family_name="Soon")
        review = treated(84 + 80, 80, family_name="Review")  # due before the third session
        missed = AppointmentFactory(
            patient=PatientFactory(family_name="Missed"),
            starts_at=datetime.combine(TODAY - timedelta(days=3), time(9), tzinfo=LONDON),
            status=Appointment.Status.NO_SHOW,
        )
        referred = PatientFactory(family_name="Referred", status="referred")
        html = front_desk_client.get(reverse("front_desk_home")).content.decode()
        assert in_order(
            html,
            'data-testid="overdue"',
            'data-testid="due-soon"',
            'data-testid="not-rebooked"',
            'data-testid="reviews-due"',
            "New referrals to book",
        )
        assert overdue.full_name in section(html, 'data-testid="overdue"')
        assert due_soon.full_name in section(html, 'data-testid="due-soon"')
        assert missed.patient.full_name in section(html, 'data-testid="not-rebooked"')
        assert review.full_name in section(html, 'data-testid="reviews-due"')
        assert referred.full_name in section(html, "New referrals to book")
        assert 'data-testid="review-queue"' not in html  # the neurologist's queue is not here


class TestPortalHome:
    def test_shows_the_check_in_appointments_progress_link_and_after_care(
        self, patient_client, patient
    ):
        InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=20))
        booked = AppointmentFactory(
            patient=patient,
            starts_at=datetime.combine(TODAY + timedelta(days=64), time(9), tzinfo=LONDON),
        )
        html = patient_client.get(reverse("portal:home")).content.decode()
        assert in_order(
            html,
            "How have you been since your injections?",  # the check-in, 2 to 4 weeks after
            'id="appointments-heading"',
            'id="summary-heading"',  # the diary's last 28 days, between the two lists
            'id="progress-heading"',
            'id="aftercare-heading"',
        )
        appointments = section(html, 'id="appointments-heading"')
        assert f"{booked.starts_at:%A %-d %B %Y} at 09:00" in appointments
        assert reverse("progress:portal") in section(html, 'id="progress-heading"')

    def test_before_any_session_there_is_no_progress_link(self, patient_client):
        html = patient_client.get(reverse("portal:home")).content.decode()
        assert "No appointments booked" in section(html, 'id="appointments-heading"')
        progress = section(html, 'id="progress-heading"')
        assert "starts after your first injection session" in progress
        assert reverse("progress:portal") not in progress


@pytest.fixture
def registry(monkeypatch):
    """The registry as the apps left it, restored after the test."""
    copy = defaultdict(list, {page: list(found) for page, found in sections._providers.items()})
    monkeypatch.setattr(sections, "_providers", copy)
    return copy


def call_back(*, request, today) -> list[Section]:
    context = {
        "title": "Patients to call back",
        "rows": [],
        "count": 0,
        "rows_per_list": 25,
        "testid": "call-back",
        "today": today,
        "empty": "Nobody to call back.",
    }
    return [Section("Patients to call back", "scheduling/worklist_patients.html", context)]


class TestContribute:
    def test_an_unknown_page_is_refused(self, registry):
        before = {page: list(found) for page, found in registry.items()}
        with pytest.raises(ValueError, match="No page 'front_desk'"):
            sections.contribute("front_desk", call_back, order=50)
        assert {page: found for page, found in registry.items() if found} == before

    def test_the_same_provider_twice_shows_once_in_its_place(self, registry, front_desk_client):
        sections.contribute(sections.FRONT_DESK_HOME, call_back, order=50)
        sections.contribute(sections.FRONT_DESK_HOME, call_back, order=50)
        html = front_desk_client.get(reverse("front_desk_home")).content.decode()
        # once, after reviews due (order 30) and before the referrals (order 90)
        assert in_order(
            html, 'data-testid="reviews-due"', 'data-testid="call-back"', "New referrals to book"
        )

    def test_an_app_contributing_again_changes_nothing(self, registry, patient_client):
        """As if an app's ready() ran twice: the portal still shows its progress link once."""
        sections.contribute(sections.PORTAL_HOME_MORE, portal_progress, order=10)
        html = patient_client.get(reverse("portal:home")).content.decode()
        assert html.count('id="progress-heading"') == 1
