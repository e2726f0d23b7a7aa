"""The diary pages as a patient and a clinician use them."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diaries.models import Attack, DiaryDay, DiaryDose, PatientMedicine, Source
from patients.models import Diagnosis, Patient
from tests.factories import (
    DiaryDayFactory,
    InjectionSessionFactory,
    PatientMedicineFactory,
)

# Every test here reads TODAY (some at collection, in parameters), so the clock stands still at
# noon on that day: a run that crosses midnight, or starts at any hour, sees the same day.
TODAY = date(2026, 6, 17)
MINUTE = timedelta(minutes=1)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


def day_data(**overrides) -> dict:
    return {"day": TODAY.isoformat(), "headache": "False", "note": "", **overrides}


def headache_data(**overrides) -> dict:
    return day_data(**{"headache": "True", "severity": "moderate", "hours": "3.5", **overrides})


class TestPortalHome:
    def test_one_tap_logs_today_as_headache_free(self, patient_client, patient):
        home = patient_client.get(reverse("portal:home")).content.decode()
        assert "No headache today" in home
        response = patient_client.post(
            reverse("portal:calendar"),
            {"range-start": TODAY, "range-end": TODAY, "next": "home"},
            follow=True,
        )
        entry = patient.diary_days.get()
        assert (entry.day, entry.headache, entry.source) == (TODAY, False, Source.PATIENT)
        assert "Logged: <strong>no headache</strong>" in response.content.decode()

    def test_lists_the_missing_days_of_the_last_two_weeks(self, patient_client, patient):
        for n in range(2, 15):
            DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
        page = patient_client.get(reverse("portal:home")).content.decode()
        yesterday = TODAY - timedelta(days=1)
        assert f"No headache on {yesterday:%A} {yesterday.day} {yesterday:%B}" in page
        assert page.count("No headache on ") == 1

    def test_shows_the_last_28_days_and_an_overuse_warning(self, patient_client, patient):
        """Current overuse: the 28 days ending yesterday (today is not over, so not counted)."""
        triptan = PatientMedicineFactory(patient=patient, medicine_class="triptan")

        def triptan_on(n):
            entry = DiaryDayFactory(
                patient=patient, day=TODAY - timedelta(days=n), headache=True, severity="severe"
            )
            DiaryDose.objects.create(day=entry, medicine=triptan, medicine_class="triptan")

        for n in range(10):  # today and the 9 days before
            triptan_on(n)
        page = patient_client.get(reverse("portal:home")).content.decode()
        assert "Possible medication overuse" not in page
        triptan_on(29)  # outside the 28 days ending yesterday
        assert (
            "Possible medication overuse"
            not in patient_client.get(reverse("portal:home")).content.decode()
        )
        triptan_on(28)  # the first of the 28
        page = patient_client.get(reverse("portal:home")).content.decode()
        assert "Possible medication overuse" in page
        assert "Triptan on 10 days in 28" in page

    def test_after_care_appears_once_there_is_a_session(self, patient_client, patient):
        assert "Stay upright" not in patient_client.get(reverse("portal:home")).content.decode()
        InjectionSessionFactory(patient=patient)
        assert "Stay upright" in patient_client.get(reverse("portal:home")).content.decode()

    @pytest.mark.parametrize("size", [1, 14])
    def test_queries_are_bounded(
        self, patient_client, patient, django_assert_max_num_queries, size
    ):
        Patient.objects.filter(pk=patient.pk).update(primary_diagnosis=Diagnosis.CLUSTER)
        for n in range(size):
            DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
            start = timezone.make_aware(datetime.combine(TODAY, time(0, 30 + 2 * n)))
            Attack.objects.create(patient=patient, started_at=start, ended_at=start + MINUTE)
        # session, user, role, patient, entries, audit event, counts, overuse, the running
        # attack, today's attacks; the sections: check-in due, upcoming appointments, the
        # course state, any session (progress link), last session
        with django_assert_max_num_queries(15):
            page = patient_client.get(reverse("portal:home")).content.decode()
        assert f"Today's attacks: {size}" in page


class TestDayForm:
    def test_a_headache_day_is_saved_with_doses(self, patient_client, patient):
        medicine = PatientMedicineFactory(
            patient=patient, name="Sumatriptan", medicine_class="triptan"
        )
        response = patient_client.post(
            reverse("portal:day_new"),
            headache_data(one_sided=True, nausea_vomiting="on", **{f"dose_{medicine.pk}": 2}),
        )
        assert response.status_code == 302
        entry = patient.diary_days.get()
        assert (entry.severity, entry.hours, entry.nausea_vomiting) == ("moderate", 3.5, True)
        dose = entry.doses.get()
        assert (dose.medicine, dose.doses, dose.medicine_class) == (medicine, 2, "triptan")

    def test_no_headache_keeps_only_the_note(self, patient_client, patient):
        medicine = PatientMedicineFactory(patient=patient)
        patient_client.post(
            reverse("portal:day_new"),
            day_data(
                severity="severe", hours="4", aura="on", note="fine", **{f"dose_{medicine.pk}": 1}
            ),
        )
        entry = patient.diary_days.get()
        assert (entry.severity, entry.hours, entry.aura, entry.note) == (
            "none",
            None,
            False,
            "fine",
        )
        assert not entry.doses.exists()

    def test_optional_details_are_saved_and_shown_to_the_clinician(
        self, client, patient, neurologist
    ):
        Patient.objects.filter(pk=patient.pk).update(primary_diagnosis=Diagnosis.CLUSTER)
        client.force_login(patient.user)
        details = {"pain_score": "8", "attacks": "3", "trigger_note": "alcohol"}
        client.post(reverse("portal:day_new"), headache_data(menstruation="True", **details))
        entry = patient.diary_days.get()
        assert (entry.pain_score, entry.attacks, entry.trigger_note) == (8, 3, "alcohol")
        assert entry.menstruation is True
        client.force_login(neurologist)
        page = client.get(reverse("diary:calendar", args=[patient.pk])).content.decode()
        assert "Wed 17 Jun: Moderate headache, 3 attacks, period" in page
        form = client.get(reverse("diary:day_edit", args=[patient.pk, entry.pk])).content.decode()
        assert 'name="attacks" value="3"' in form and 'value="alcohol"' in form

    def test_attacks_are_asked_of_cluster_patients_and_the_period_not_of_men(
        self, patient_client, patient
    ):
        page = patient_client.get(reverse("portal:day_new")).content.decode()
        assert 'name="attacks"' not in page and 'name="menstruation"' in page
        Patient.objects.filter(pk=patient.pk).update(
            primary_diagnosis=Diagnosis.CLUSTER, sex=Patient.Sex.MALE
        )
        page = patient_client.get(reverse("portal:day_new")).content.decode()
        assert 'name="attacks"' in page and 'name="menstruation"' not in page

    def test_a_headache_free_day_keeps_the_period_but_no_headache_details(
        self, patient_client, patient
    ):
        Patient.objects.filter(pk=patient.pk).update(primary_diagnosis=Diagnosis.CLUSTER)
        data = day_data(menstruation="True", attacks="2", trigger_note="wine", pain_score="3")
        patient_client.post(reverse("portal:day_new"), data)
        entry = patient.diary_days.get()
        assert (entry.menstruation, entry.attacks, entry.trigger_note) == (True, None, "")
        assert entry.pain_score is None

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (headache_data(pain_score="11"), "less than or equal to 10"),
            (headache_data(trigger_note="x" * 201), "at most 200 characters"),
            (headache_data(day=(TODAY + timedelta(days=1)).isoformat()), "in the future"),
            (headache_data(hours="25"), "less than or equal to 24"),
            (headache_data(hours="-1"), "greater than or equal to 0"),
            (headache_data(severity=""), "Choose how bad the worst pain was"),
            (headache_data(day="not a date"), "Enter a valid date"),
            (headache_data(day=(TODAY - timedelta(days=400)).isoformat()), "The diary starts"),
        ],
    )
    def test_bad_input_gives_a_message_and_saves_nothing(self, patient_client, data, message):
        response = patient_client.post(reverse("portal:day_new"), data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not DiaryDay.objects.exists()

    def test_a_second_entry_for_the_same_day_is_refused(self, patient_client, patient):
        DiaryDayFactory(patient=patient, day=TODAY)
        response = patient_client.post(reverse("portal:day_new"), headache_data())
        assert "already in the diary" in response.content.decode()
        assert patient.diary_days.get().headache is False

    def test_opening_a_logged_date_goes_to_its_entry(self, patient_client, patient):
        entry = DiaryDayFactory(patient=patient, day=TODAY)
        response = patient_client.get(reverse("portal:day_new") + f"?date={TODAY}")
        assert response.url == reverse("portal:day_edit", args=[entry.pk])

    def test_editing_keeps_the_history_visible_to_the_clinician(self, client, patient, neurologist):
        entry = DiaryDayFactory(patient=patient, day=TODAY)
        client.force_login(patient.user)
        client.post(reverse("portal:day_edit", args=[entry.pk]), headache_data())
        client.force_login(neurologist)
        page = client.get(reverse("diary:day_edit", args=[patient.pk, entry.pk])).content.decode()
        assert "I had a headache: no → yes" in page
        assert "Worst pain: None → Moderate" in page
        assert "Paula Owner" in page

    def test_another_patients_medicine_as_a_form_field_is_ignored(
        self, patient_client, patient, other_patient
    ):
        foreign = PatientMedicineFactory(patient=other_patient, name="Secret pill")
        patient_client.post(reverse("portal:day_new"), headache_data(**{f"dose_{foreign.pk}": 3}))
        assert not DiaryDose.objects.exists()
        page = patient_client.get(reverse("portal:day_new")).content.decode()
        assert "Secret pill" not in page

    def test_staff_transcription_is_marked(self, neurologist_client, patient):
        neurologist_client.post(reverse("diary:day_new", args=[patient.pk]), headache_data())
        assert patient.diary_days.get().source == Source.TRANSCRIBED

    def test_a_late_entry_is_marked_and_shown(self, patient_client, patient):
        day = TODAY - timedelta(days=10)
        patient_client.post(reverse("portal:day_new"), day_data(day=day.isoformat()))
        entry = patient.diary_days.get()
        assert entry.late
        page = patient_client.get(reverse("portal:day_edit", args=[entry.pk])).content.decode()
        assert "Entered late" in page


class TestIsolation:
    def test_another_patients_day_by_url_is_not_found(self, patient_client, other_patient):
        entry = DiaryDayFactory(patient=other_patient, day=TODAY, note="private note")
        for method in ("get", "post"):
            response = getattr(patient_client, method)(reverse("portal:day_edit", args=[entry.pk]))
            assert response.status_code == 404
            assert b"private note" not in response.content
        assert DiaryDay.objects.get().note == "private note"

    def test_another_patients_medicine_by_url_is_not_found(self, patient_client, other_patient):
        medicine = PatientMedicineFactory(patient=other_patient)
        response = patient_client.post(
            reverse("portal:medicine_edit", args=[medicine.pk]),
            {"name": "Hacked", "medicine_class": "other"},
        )
        assert response.status_code == 404
        assert PatientMedicine.objects.get().name != "Hacked"

    def test_a_patient_cannot_use_the_staff_urls_even_for_themself(self, patient_client, patient):
        assert patient_client.get(reverse("diary:calendar", args=[patient.pk])).status_code == 403


class TestCalendar:
    def test_days_are_coloured_with_a_legend_and_a_text_alternative(self, patient_client, patient):
        DiaryDayFactory(patient=patient, day=TODAY, headache=True, severity="severe")
        page = patient_client.get(reverse("portal:calendar")).content.decode()
        assert "day-severe" in page
        assert "Colour key" in page
        assert f"{TODAY:%a} {TODAY.day} {TODAY:%b}: Severe headache" in page

    def test_not_logged_headache_free_and_medicine_days_are_marked_beyond_colour(
        self, patient_client, patient
    ):
        entry = DiaryDayFactory(patient=patient, day=TODAY, headache=True, severity="mild")
        medicine = PatientMedicineFactory(patient=patient)
        DiaryDose.objects.create(day=entry, medicine=medicine, medicine_class="simple")
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=1))
        page = patient_client.get(reverse("portal:calendar")).content.decode()
        assert "Wed 17 Jun: Mild headache, acute medicine" in page
        assert '<span class="day-marks" aria-hidden="true">•</span>' in page
        assert '<span class="day-marks" aria-hidden="true">✓</span>' in page  # the 16th
        assert '<span class="day-marks" aria-hidden="true">?</span>' in page  # the 15th

    def test_marking_a_range_skips_entered_days(self, patient_client, patient):
        DiaryDayFactory(
            patient=patient, day=TODAY - timedelta(days=2), headache=True, severity="mild"
        )
        response = patient_client.post(
            reverse("portal:calendar"),
            {"range-start": TODAY - timedelta(days=6), "range-end": TODAY},
            follow=True,
        )
        assert "Marked 6 days as headache-free; 1 already entered" in response.content.decode()
        assert patient.diary_days.filter(headache=True).count() == 1
        assert patient.diary_days.count() == 7

    @pytest.mark.parametrize(
        ("start", "end", "message"),
        [(0, -1, "in the future"), (1, 3, "before the first"), (70, 0, "at most 62")],
    )
    def test_a_bad_range_gives_a_message(self, patient_client, start, end, message):
        response = patient_client.post(
            reverse("portal:calendar"),
            {
                "range-start": TODAY - timedelta(days=start),
                "range-end": TODAY - timedelta(days=end),
            },
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not DiaryDay.objects.exists()

    def test_a_bad_month_shows_this_month(self, patient_client):
        response = patient_client.get(reverse("portal:calendar") + "?month=nonsense")
        assert f"{TODAY:%B %Y}" in response.content.decode()

    @pytest.mark.parametrize("size", [1, 28])
    def test_queries_are_bounded(
        self, patient_client, patient, django_assert_max_num_queries, size
    ):
        for n in range(size):
            DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=n))
        # session, user, role, patient, the month's entries, audit event
        with django_assert_max_num_queries(6):
            patient_client.get(reverse("portal:calendar"))


class TestMedicines:
    def test_patient_adds_and_changes_a_medicine(self, patient_client, patient):
        patient_client.post(
            reverse("portal:medicines"),
            {"name": "Ibuprofen", "medicine_class": "simple", "usual_dose": "400 mg"},
        )
        medicine = patient.medicines.get()
        patient_client.post(
            reverse("portal:medicine_edit", args=[medicine.pk]),
            {"name": "Ibuprofen", "medicine_class": "simple", "usual_dose": "200 mg", "active": ""},
        )
        medicine.refresh_from_db()
        assert (medicine.usual_dose, medicine.active) == ("200 mg", False)

    def test_the_same_name_twice_is_refused(self, patient_client, patient):
        PatientMedicineFactory(patient=patient, name="Ibuprofen")
        response = patient_client.post(
            reverse("portal:medicines"), {"name": "ibuprofen", "medicine_class": "simple"}
        )
        assert "already on the list" in response.content.decode()
        assert patient.medicines.count() == 1

    def test_a_name_with_a_separator_is_refused(self, patient_client, patient):
        response = patient_client.post(
            reverse("portal:medicines"), {"name": "A;B", "medicine_class": "simple"}
        )
        assert "cannot contain" in response.content.decode()

    def test_staff_maintain_the_list_too(self, neurologist_client, patient):
        neurologist_client.post(
            reverse("diary:medicines", args=[patient.pk]),
            {"name": "Rizatriptan", "medicine_class": "triptan"},
        )
        assert patient.medicines.get().name == "Rizatriptan"


class TestChart:
    def test_neurologist_sees_the_last_28_days(self, neurologist_client, patient):
        DiaryDayFactory(patient=patient, day=TODAY, headache=True, severity="severe", aura=True)
        DiaryDayFactory(patient=patient, day=TODAY - timedelta(days=1))
        page = neurologist_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
        assert "Migraine days" in page
        assert "1 of 28 days logged" in page  # today is not over: not counted
        assert "Not enough days logged" in page

    def test_front_desk_sees_no_diary_detail_but_can_invite(self, front_desk_client, patient):
        DiaryDayFactory(patient=patient, day=TODAY, headache=True, severity="severe")
        page = front_desk_client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
        assert "Migraine days" not in page
        assert "Has a portal account" in page
        assert reverse("diary:invite", args=[patient.pk]) in page
