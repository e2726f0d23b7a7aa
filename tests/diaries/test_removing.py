"""A day entered by mistake is removed: it stops counting everywhere, can be entered again,
and clinicians still see that it was entered and removed, by whom and when."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from diaries.attacks import attack_end, attack_start
from diaries.entries import diary_day_remove
from diaries.metrics import diary_counts, medication_overuse, rolling_28_day_counts
from diaries.models import Attack, DiaryDay, DiaryDose
from reviews.models import ProgressSummary
from reviews.summaries import refresh_summaries
from tests.factories import DiaryDayFactory, PatientFactory, PatientMedicineFactory
from tests.reviews.progress_helpers import AFTER_S3, S3, responding_course

TODAY = date(2026, 6, 17)
pytestmark = pytest.mark.django_db


def migraine_day(patient, day, doses=1):
    """A triptan day that meets every definition (headache, migraine, moderate, medicine)."""
    entry = DiaryDayFactory(patient=patient, day=day, headache=True, severity="severe")
    medicine = PatientMedicineFactory(patient=patient, medicine_class="triptan")
    DiaryDose.objects.create(day=entry, medicine=medicine, medicine_class="triptan", doses=doses)
    return entry


@pytest.mark.today(TODAY)
def test_a_removed_day_counts_nowhere_and_keeps_its_history(patient):
    start = TODAY - timedelta(days=27)
    for n in range(10):
        migraine_day(patient, start + timedelta(days=n))
    mistake = DiaryDay.objects.get(patient=patient, day=start)
    mistake_id = mistake.pk
    assert diary_counts(patient, start, TODAY).migraine_days == 10
    assert medication_overuse(patient, start, TODAY)  # triptans on 10 days

    diary_day_remove(entry=mistake, by=patient.user)

    counts = diary_counts(patient, start, TODAY)
    assert (counts.days_logged, counts.headache_days, counts.migraine_days) == (9, 9, 9)
    assert (counts.moderate_severe_days, counts.acute_medication_days) == (9, 9)
    assert counts.days_by_class["triptan"] == 9
    assert not medication_overuse(patient, start, TODAY)  # 9 days: under the threshold
    assert rolling_28_day_counts(patient.pk, TODAY, TODAY)[0].days_logged == 9
    removed = DiaryDay.history.get(patient_id=patient.pk, day=start, history_type="-")
    assert (removed.history_user, removed.severity) == (patient.user, "severe")
    assert DiaryDose.history.filter(day_id=mistake_id, history_type="-").count() == 1
    deleted = AuditEvent.objects.filter(action="delete", patient=patient)
    assert set(deleted.values_list("object_type", flat=True)) == {
        "diaries.diaryday",
        "diaries.diarydose",
    }


@pytest.mark.today(TODAY)
def test_removing_a_day_removes_the_attacks_timed_on_it(patient):
    noon = timezone.make_aware(datetime.combine(TODAY, time(12)))
    attack_start(patient=patient, by=patient.user, now=noon, at=noon - timedelta(hours=3))
    attack_end(
        patient=patient, by=patient.user, now=noon - timedelta(hours=2), peak_severity="mild"
    )
    attack_start(patient=patient, by=patient.user, now=noon)  # still running
    diary_day_remove(entry=patient.diary_days.get(), by=patient.user)
    assert list(Attack.objects.values_list("ended_at", flat=True)) == [None]
    assert Attack.history.filter(history_type="-").count() == 1


@pytest.mark.usefixtures("pinned_after_s3")
def test_removing_a_day_marks_the_review_summary_out_of_date():
    patient = PatientFactory()
    responding_course(patient)
    refresh_summaries(AFTER_S3)
    assert ProgressSummary.objects.filter(patient=patient).exists()
    entry = DiaryDay.objects.get(patient=patient, day=S3 - timedelta(days=1))
    diary_day_remove(entry=entry, by=None)
    assert not ProgressSummary.objects.filter(patient=patient).exists()


@pytest.mark.today(TODAY)
class TestRemovingPages:
    def test_the_patient_confirms_then_the_day_is_gone_and_can_be_entered_again(
        self, client, patient, neurologist
    ):
        entry = DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=2), note="oops")
        client.force_login(patient.user)
        edit = client.get(reverse("portal:day_edit", args=[entry.pk])).content.decode()
        remove_url = reverse("portal:day_remove", args=[entry.pk])
        assert remove_url in edit
        assert "Yes, remove this day" in client.get(remove_url).content.decode()
        assert DiaryDay.objects.filter(pk=entry.pk).exists()  # asking removes nothing

        page = client.post(remove_url, follow=True).content.decode()
        assert "Removed Monday 15 June from the diary" in page
        assert not DiaryDay.objects.filter(pk=entry.pk).exists()
        assert "removed by the patient" not in page  # the patient's calendar: just not logged

        day_new = reverse("portal:day_new")
        client.post(day_new, {"day": entry.day.isoformat(), "headache": "False", "note": "again"})
        again = patient.diary_days.get(day=entry.day)
        history = client.get(reverse("portal:day_edit", args=[again.pk])).content.decode()
        assert "Entered again" in history and "Removed the day" in history

    def test_clinicians_see_who_removed_a_day_and_when(self, client, patient, neurologist):
        removed = DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=3))
        by_staff = DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=4))
        diary_day_remove(entry=removed, by=patient.user)
        client.force_login(neurologist)
        client.post(reverse("diary:day_remove", args=[patient.pk, by_staff.pk]))
        page = client.get(reverse("diary:calendar", args=[patient.pk])).content.decode()
        assert "Sun 14 Jun: Not logged (removed by the patient on 17 Jun 2026)" in page
        assert "Sat 13 Jun: Not logged (removed by Nora Neuro on 17 Jun 2026)" in page
        day_page = client.get(
            reverse("diary:day_new", args=[patient.pk]) + f"?date={removed.day}"
        ).content.decode()
        assert "Removed the day" in day_page and "Paula Owner" in day_page

    def test_another_patients_day_cannot_be_removed(self, patient_client, other_patient):
        entry = DiaryDayFactory(patient=other_patient, day=TODAY)
        response = patient_client.post(reverse("portal:day_remove", args=[entry.pk]))
        assert response.status_code == 404
        assert DiaryDay.objects.filter(pk=entry.pk).exists()

    @pytest.mark.parametrize("role", ["front_desk", "other_patient"])
    def test_front_desk_and_other_patients_are_refused_on_the_staff_url(
        self, client, request, patient, role
    ):
        entry = DiaryDayFactory(patient=patient, day=TODAY)
        user = request.getfixturevalue(role)
        client.force_login(getattr(user, "user", user))
        response = client.post(reverse("diary:day_remove", args=[patient.pk, entry.pk]))
        assert response.status_code == 403
        assert DiaryDay.objects.filter(pk=entry.pk).exists()

    @pytest.mark.parametrize("removed", [1, 20])
    def test_the_staff_calendar_queries_are_bounded(
        self, neurologist_client, patient, django_assert_max_num_queries, removed
    ):
        for n in range(removed):
            diary_day_remove(
                entry=DiaryDayFactory(patient=patient, day=TODAY - timedelta(n)), by=None
            )
        # session, user, role, patient (+ header), entries, removed days, audit event
        with django_assert_max_num_queries(14):
            neurologist_client.get(reverse("diary:calendar", args=[patient.pk]))
