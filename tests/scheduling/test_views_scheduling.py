from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from clinic.roles import Role
from scheduling.forms import DayForm
from scheduling.models import Appointment
from tests.factories import (
    AppointmentFactory,
    InjectionSessionFactory,
    PatientFactory,
    UserFactory,
)
from tests.scheduling.calendar_setup import at, tuesday_after, tuesday_clinic

pytestmark = pytest.mark.django_db
Status = Appointment.Status
MONDAY_MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def tuesday(neurologist):
    tuesday_clinic(neurologist)
    return tuesday_after()


def slot_post(neurologist, day, hour, minute=0, **extra):
    return {
        "clinician": neurologist.pk,
        "kind": "injection",
        "day": day.isoformat(),
        "time": f"{hour:02d}:{minute:02d}",
        "minutes": 20,
        **extra,
    }


@pytest.fixture
def monday_morning():
    """A Monday at 08:00: the Tuesday clinic due tomorrow has all its slots still to come."""
    with time_machine.travel(MONDAY_MORNING, tick=False):
        yield


class TestBookNext:
    @pytest.mark.usefixtures("monday_morning")
    def test_shows_the_due_date_and_suggests_the_same_clinician_and_weekday(
        self, front_desk_client, patient, neurologist
    ):
        tuesday_clinic(neurologist)
        last = tuesday_after(weeks=-12)
        InjectionSessionFactory(patient=patient, performed_on=last, injector=neurologist)
        response = front_desk_client.get(reverse("schedule:book_next", args=[patient.pk]))
        due = last + timedelta(days=84)
        assert f"Next injection due <strong>{due:%A %-d %B %Y}</strong>" in response.text
        first = response.context["plan"].suggested[0]
        assert (first.slot.starts_at, first.habitual) == (at(due, 9), True)

    def test_one_click_books_the_slot_and_returns_to_the_chart(
        self, front_desk_client, patient, neurologist, tuesday
    ):
        url = reverse("schedule:book", args=[patient.pk])
        response = front_desk_client.post(url, slot_post(neurologist, tuesday, 9), follow=True)
        assert response.redirect_chain[-1][0].endswith("#appointments")
        assert "Booked: Injection on" in response.text
        assert patient.appointments.get().starts_at == at(tuesday, 9)

    def test_a_double_submission_books_once_and_says_so(
        self, front_desk_client, patient, neurologist, tuesday
    ):
        url = reverse("schedule:book", args=[patient.pk])
        front_desk_client.post(url, slot_post(neurologist, tuesday, 9))
        response = front_desk_client.post(url, slot_post(neurologist, tuesday, 9), follow=True)
        assert "Already booked" in response.text
        assert patient.appointments.count() == 1

    def test_a_taken_slot_gives_a_clear_message_and_nothing_saved(
        self, front_desk_client, patient, neurologist, tuesday
    ):
        AppointmentFactory(clinician=neurologist, starts_at=at(tuesday, 9))
        url = reverse("schedule:book", args=[patient.pk])
        response = front_desk_client.post(url, slot_post(neurologist, tuesday, 9))
        assert response.status_code == 200
        assert "That slot was just taken" in response.text
        assert not patient.appointments.exists()

    def test_an_early_injection_asks_for_a_reason(
        self, front_desk_client, patient, neurologist, tuesday
    ):
        InjectionSessionFactory(patient=patient, performed_on=tuesday - timedelta(days=60))
        url = reverse("schedule:book", args=[patient.pk])
        response = front_desk_client.post(url, slot_post(neurologist, tuesday, 9))
        assert "Give a reason to book it early" in response.text
        assert not patient.appointments.exists()
        response = front_desk_client.post(
            url, slot_post(neurologist, tuesday, 9, early_reason="Going abroad")
        )
        assert patient.appointments.get().early_reason == "Going abroad"

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"time": "07:00"}, "outside opening hours"),
            ({"day": "2020-01-07"}, "Choose a time in the future"),
            ({"day": "not a date"}, "Enter a valid date"),
            ({"minutes": "0"}, "greater than or equal to 5"),
            ({"clinician": "987654"}, "Select a valid choice"),
        ],
    )
    def test_bad_input_gives_a_message_and_saves_nothing(
        self, front_desk_client, patient, neurologist, tuesday, change, message
    ):
        url = reverse("schedule:book", args=[patient.pk])
        response = front_desk_client.post(url, {**slot_post(neurologist, tuesday, 9), **change})
        assert response.status_code == 200
        assert message in response.text
        assert not Appointment.objects.exists()


class TestStatusPages:
    def test_completing_an_injection_goes_on_to_book_the_next(
        self, front_desk_client, patient, neurologist
    ):
        appointment = AppointmentFactory(
            patient=patient, clinician=neurologist, starts_at=timezone.now() - timedelta(hours=1)
        )
        url = reverse("schedule:status", args=[patient.pk, appointment.pk])
        response = front_desk_client.post(url, {"status": "completed"})
        assert response.url == reverse("schedule:book_next", args=[patient.pk])

    def test_cancelling_without_a_reason_is_refused(self, front_desk_client, patient):
        appointment = AppointmentFactory(patient=patient)
        url = reverse("schedule:status", args=[patient.pk, appointment.pk])
        response = front_desk_client.post(url, {"status": "cancelled"}, follow=True)
        assert "Give a reason for cancelling" in response.text
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    @pytest.mark.parametrize(
        "reason, message",
        [("\x00", "Null characters are not allowed"), ("x" * 201, "at most 200 characters")],
    )
    def test_a_bad_cancellation_reason_is_refused(
        self, front_desk_client, patient, reason, message
    ):
        appointment = AppointmentFactory(patient=patient)
        url = reverse("schedule:status", args=[patient.pk, appointment.pk])
        data = {"status": "cancelled", "reason": reason}
        response = front_desk_client.post(url, data, follow=True)
        assert message in response.text
        appointment.refresh_from_db()
        assert appointment.status == Status.BOOKED

    def test_undo_puts_a_wrong_no_show_back(self, front_desk_client, patient, front_desk):
        appointment = AppointmentFactory(
            patient=patient, starts_at=timezone.now() - timedelta(hours=2)
        )
        status_url = reverse("schedule:status", args=[patient.pk, appointment.pk])
        front_desk_client.post(status_url, {"status": "no_show"})
        response = front_desk_client.post(
            reverse("schedule:undo", args=[patient.pk, appointment.pk]), follow=True
        )
        assert "Undone: the appointment is booked again" in response.text
        assert "Did not attend" in response.text  # the history still shows it

    def test_arrived_by_htmx_returns_the_welcome_row(self, front_desk_client, patient):
        appointment = AppointmentFactory(patient=patient, starts_at=timezone.now())
        response = front_desk_client.post(
            reverse("schedule:status", args=[patient.pk, appointment.pk]),
            {"status": "arrived"},
            HTTP_HX_REQUEST="true",
        )
        assert f"Welcome, {patient.given_name}" in response.text
        assert "<html" not in response.text


def fill_clinic(neurologist, day, size: int) -> list:
    patients = [PatientFactory() for _ in range(size)]
    for n, patient in enumerate(patients):
        AppointmentFactory(
            patient=patient, clinician=neurologist, starts_at=at(day, 9) + timedelta(minutes=20 * n)
        )
    return patients


@pytest.mark.parametrize("size", [1, 8])
@pytest.mark.parametrize("name", ["schedule:day", "schedule:week", "schedule:day_list"])
def test_calendar_pages_do_a_bounded_number_of_queries(
    front_desk_client, neurologist, django_assert_max_num_queries, tuesday, size, name
):
    patients = fill_clinic(neurologist, tuesday, size)
    # session, user, groups; clinicians for the form; a page of clinicians and their count;
    # hours, closures, clinics, leave; appointments shown, and busy times for the free slots
    with django_assert_max_num_queries(12):
        response = front_desk_client.get(reverse(name), {"date": tuesday.isoformat()})
    assert all(patient.full_name in response.text for patient in patients)


@pytest.mark.parametrize("size", [1, 8])
def test_arrivals_lists_today_in_a_bounded_number_of_queries(
    front_desk_client, neurologist, django_assert_max_num_queries, size
):
    start = timezone.localtime().replace(hour=0, minute=1)
    for n in range(size):
        AppointmentFactory(clinician=neurologist, starts_at=start + n * timedelta(minutes=20))
    with django_assert_max_num_queries(5):
        response = front_desk_client.get(reverse("schedule:arrivals"))
    assert response.text.count(">Arrived</button>") == size


@pytest.mark.parametrize("size", [1, 8])
def test_the_chart_shows_upcoming_and_past_appointments(
    front_desk_client, patient, django_assert_max_num_queries, size
):
    for n in range(size):
        AppointmentFactory(patient=patient, starts_at=timezone.now() + timedelta(days=n + 1))
        AppointmentFactory(
            patient=patient,
            starts_at=timezone.now() - timedelta(days=n + 1),
            kind=Appointment.Kind.REVIEW,
            status=Status.COMPLETED,
        )
    # session, user, groups, patient, flags, preventives, audit event; sessions section;
    # appointments section: appointments, next injection due (course summary), the waitlist
    # entry; portal invitation
    with django_assert_max_num_queries(12):
        response = front_desk_client.get(reverse("patients:chart", args=[patient.pk]))
    section = response.context["sections"][1].context
    assert (len(section["upcoming"]), len(section["past"])) == (size, size)
    assert response.text.count("Review with") == size


def test_the_portal_home_lists_the_patients_upcoming_appointments(patient_client, patient):
    booked = AppointmentFactory(patient=patient, starts_at=at(tuesday_after(), 9))
    AppointmentFactory(
        patient=patient,
        starts_at=at(tuesday_after(weeks=2), 9),
        status=Status.CANCELLED,
        cancellation_reason="Moved away",
    )
    response = patient_client.get(reverse("portal:home"))
    listed = response.context["appointments"]
    assert listed == [booked]
    assert f"{booked.starts_at:%A %-d %B %Y} at 09:00" in response.text
    assert reverse("schedule:patient_ics", args=[patient.pk]) in response.text


def test_the_whole_clinic_week_shows_six_clinicians_a_page(front_desk_client, neurologist, tuesday):
    others = [UserFactory(last_name=f"Zed {n}", role=Role.NEUROLOGIST) for n in range(6)]
    for clinician in others[:5]:
        tuesday_clinic(clinician)
    booked = AppointmentFactory(clinician=others[5], starts_at=at(tuesday, 13))  # no clinic

    def week(**params) -> tuple[str, str]:
        html = front_desk_client.get(
            reverse("schedule:week"), {"date": tuesday.isoformat(), **params}
        ).text
        return html[html.index("<table") : html.index("</table>")], html

    rows, html = week()
    assert rows.count('<th scope="row">') == 6
    assert "Neuro" in rows and "Zed 4" in rows and "Zed 5" not in rows
    assert "Clinicians 1–6 of 7" in html and "Page 1 of 2" in html
    rows, html = week(page=2)
    assert rows.count('<th scope="row">') == 1
    assert "Zed 5" in rows and booked.patient.full_name in rows
    rows, html = week(clinician=others[0].pk)
    assert rows.count('<th scope="row">') == 1 and "Page 1 of" not in html  # one: no pages


def test_the_calendar_day_is_the_one_asked_for_else_the_today_it_is_given():
    today = MONDAY_MORNING.date()
    assert DayForm({}).day(today) == today
    assert DayForm({"date": "2026-06-09"}).day(today).isoformat() == "2026-06-09"
    assert DayForm({"date": "not a date"}).day(today) == today


@pytest.mark.usefixtures("monday_morning")
def test_the_calendar_pages_follow_the_clock_the_view_passes_down(front_desk_client, neurologist):
    """Today's column and the free slots follow the pinned clock, passed down from the view."""
    tuesday_clinic(neurologist)
    response = front_desk_client.get(reverse("schedule:day"))
    assert response.context["today"] == response.context["day"] == MONDAY_MORNING.date()
    response = front_desk_client.get(reverse("schedule:day"), {"date": "2026-06-02"})
    assert response.context["rows"][0].cells[0].free[0].starts_at == at(
        MONDAY_MORNING.date() + timedelta(days=1), 9
    )
