"""Input at the edges gives a clear message or a 400, never a 500 (issue 17, finding 7)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diaries.exchange import export_csv, import_csv
from tests.clock import NOON, TODAY
from tests.factories import DiaryDayFactory, InjectionSessionFactory
from tests.races import race
from treatments.checkins import Answer, check_in_answer
from treatments.models import AdverseEvent, SideEffectCheckIn

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_an_imported_note_is_a_clear_error(patient):
    DiaryDayFactory(patient=patient, day=TODAY, note="NOTE")
    exported = export_csv(patient, TODAY, TODAY)
    patient.diary_days.all().delete()
    result = import_csv(patient, exported.replace("NOTE", "bad\x00day").encode())
    assert result.added == 0
    assert any("NUL" in error for error in result.errors), result.errors
    assert not patient.diary_days.exists()


EDGE_DAYS = ["0001-01-01", "9999-12-31"]


@pytest.mark.parametrize("page", ["schedule:day", "schedule:week", "schedule:day_list"])
@pytest.mark.parametrize("day", EDGE_DAYS)
def test_the_first_and_last_days_python_knows_are_refused_with_a_message(
    front_desk_client, page, day
):
    response = front_desk_client.get(reverse(page), {"date": day})
    assert response.status_code == 200
    assert "outside the calendar" in response.content.decode()


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_the_first_and_last_months_on_the_diary_calendars_give_a_message(
    client, neurologist, patient, month
):
    client.force_login(neurologist)
    staff = client.get(reverse("diary:calendar", args=[patient.pk]), {"month": month})
    assert staff.status_code == 200 and "outside the calendar" in staff.content.decode()
    client.force_login(patient.user)
    portal = client.get(reverse("portal:calendar"), {"month": month})
    assert portal.status_code == 200 and "outside the calendar" in portal.content.decode()


@pytest.mark.parametrize("name", ["username", "mrn", "day", "q"])
def test_a_nul_in_an_admin_filter_or_search_is_a_clear_400(admin_client, name):
    response = admin_client.get(reverse("admin:clinic_auditevent_changelist"), {name: "a\x00b"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_in_any_address_is_a_clear_400(neurologist_client, patient):
    search = neurologist_client.get(reverse("patients:list"), {"q": "a\x00b"})
    assert search.status_code == 400 and "NUL character" in search.content.decode()
    assert neurologist_client.get("/patients/a%00b/").status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("clock")
def test_parallel_check_in_submits_save_one_and_tell_the_others(patient):
    session = InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(days=20))

    def submit():
        return check_in_answer(
            session=session,
            by=patient.user,
            answers=[Answer(AdverseEvent.Kind.PTOSIS)],
            severity="mild",
            onset_on=TODAY - timedelta(days=10),
            now=NOON,
        )

    results = race(*[submit] * 8, expected=(ValidationError,))
    refused = [result for result in results if isinstance(result, ValidationError)]
    assert len(results) == 8 and len(refused) == 7
    assert all("already answered" in " ".join(error.messages) for error in refused), [
        error.messages for error in refused
    ]
    assert SideEffectCheckIn.objects.count() == 1
    assert AdverseEvent.objects.count() == 1
