"""The attack timer: one tap when a headache starts, one when it ends; the day's entry follows
from the day's attacks, and bad taps are refused with a clear message."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from diaries.attacks import attack_end, attack_start
from diaries.models import Attack, DiaryDay, DiaryDose
from patients.models import Diagnosis, Patient
from tests.factories import DiaryDayFactory, PatientMedicineFactory

TODAY = date(2026, 6, 17)
ZONE = ZoneInfo(settings.TIME_ZONE)
NOW = datetime(2026, 6, 17, 12, 0, tzinfo=ZONE)  # the clock the `today` marker stands at
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


def at(hour: int, minute: int = 0, day: date = TODAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def timed(patient, start, end, peak="moderate"):
    attack_start(patient=patient, by=patient.user, now=NOW, at=start)
    return attack_end(patient=patient, by=patient.user, now=NOW, at=end, peak_severity=peak)


class TestRules:
    def test_the_days_entry_follows_from_its_attacks(self, patient):
        timed(patient, at(6), at(6, 45), "mild")
        timed(patient, at(9, 30), at(11), "severe")
        entry = patient.diary_days.get()
        assert (entry.headache, entry.severity, entry.attacks) == (True, "severe", 2)
        assert entry.hours == Decimal("2.3")  # 45 + 90 minutes
        assert entry.history.count() == 2  # entered by the first attack, changed by the second

    def test_other_answers_on_the_day_are_kept_and_pain_never_lowered(self, patient):
        entry = DiaryDayFactory(
            patient=patient, day=TODAY, headache=True, severity="severe", nausea_vomiting=True
        )
        medicine = PatientMedicineFactory(patient=patient)
        DiaryDose.objects.create(day=entry, medicine=medicine, medicine_class="simple", doses=2)
        timed(patient, at(8), at(9), "mild")
        entry.refresh_from_db()
        assert (entry.severity, entry.nausea_vomiting, entry.hours) == ("severe", True, 1)
        assert entry.doses.get().doses == 2

    def test_two_taps_of_started_are_one_attack(self, patient):
        first = attack_start(patient=patient, by=patient.user, now=at(8))
        again = attack_start(patient=patient, by=patient.user, now=at(8, 1))
        assert first == again and Attack.objects.count() == 1
        assert again.started_at == at(8)

    def test_ending_an_attack_never_started_is_refused(self, patient):
        with pytest.raises(ValidationError, match="tap “Headache started” first"):
            attack_end(patient=patient, by=patient.user, now=NOW)
        assert not DiaryDay.objects.exists()

    @pytest.mark.parametrize("tap", ["start", "end"])
    def test_a_time_in_the_future_from_a_wrong_clock_is_refused(self, patient, tap):
        if tap == "end":
            attack_start(patient=patient, by=patient.user, now=NOW, at=at(11))
        action = attack_start if tap == "start" else attack_end
        with pytest.raises(ValidationError, match="later than now .* by the clinic's clock"):
            action(patient=patient, by=patient.user, now=NOW, at=NOW + timedelta(hours=1))

    def test_an_end_before_the_start_or_after_three_days_is_refused(self, patient):
        with pytest.raises(ValidationError, match="more than 3 days ago"):
            attack_start(patient=patient, by=patient.user, now=NOW, at=NOW - timedelta(days=4))
        attack_start(patient=patient, by=patient.user, now=NOW, at=NOW - timedelta(hours=70))
        with pytest.raises(ValidationError, match="must be after the start"):
            attack_end(patient=patient, by=patient.user, now=NOW, at=NOW - timedelta(hours=71))
        with pytest.raises(ValidationError, match="lasts at most 3 days"):
            attack_end(patient=patient, by=patient.user, now=NOW + timedelta(hours=3))
        assert Attack.objects.get().ended_at is None

    def test_a_start_inside_an_earlier_attack_is_refused(self, patient):
        timed(patient, at(8), at(10))
        with pytest.raises(ValidationError, match="during the attack from"):
            attack_start(patient=patient, by=patient.user, now=NOW, at=at(9))

    def test_an_attack_across_midnight_is_split_and_counted_on_the_day_it_started(self, patient):
        yesterday = TODAY - timedelta(days=1)
        timed(patient, at(23, 0, yesterday), at(1, 30), "severe")
        before, after = patient.diary_days.order_by("day")
        assert (before.day, before.hours, before.attacks, before.severity) == (
            yesterday,
            Decimal("1.0"),
            1,
            "severe",
        )
        assert (after.day, after.hours, after.attacks, after.severity) == (
            TODAY,
            Decimal("1.5"),
            0,
            "severe",
        )


class TestPages:
    def test_one_tap_starts_and_one_tap_ends_from_the_home_page(self, patient_client, patient):
        home = patient_client.get(reverse("portal:home")).content.decode()
        assert "Headache started" in home
        page = patient_client.post(reverse("portal:attack_started"), follow=True).content.decode()
        assert "Timing your headache since 12:00" in page and "It ended" in page
        page = patient_client.post(
            reverse("portal:attack_ended"), {"peak_severity": "moderate"}, follow=True
        ).content.decode()
        assert "must be after the start" in page  # it ended in the minute it started
        Attack.objects.update(started_at=at(10, 30))  # the patient started it earlier
        page = patient_client.post(
            reverse("portal:attack_ended"), {"peak_severity": "moderate"}, follow=True
        ).content.decode()
        assert "Headache from 10:30 to 12:00 saved in your diary" in page
        entry = patient.diary_days.get()
        assert (entry.severity, entry.hours, entry.source) == (
            "moderate",
            Decimal("1.5"),
            "patient",
        )
        assert "Headache started" in page  # ready for the next one

    def test_a_cluster_patient_sees_todays_attacks(self, patient_client, patient):
        Patient.objects.filter(pk=patient.pk).update(primary_diagnosis=Diagnosis.CLUSTER)
        timed(patient, at(6), at(6, 40), "severe")
        timed(patient, at(9), at(9, 30), "moderate")
        home = patient_client.get(reverse("portal:home")).content.decode()
        assert "Today's attacks: 2" in home and "06:00–06:40, severe" in home

    def test_an_end_without_a_start_and_a_future_time_are_explained(self, patient_client):
        page = patient_client.post(reverse("portal:attack_ended"), follow=True).content.decode()
        assert "No headache is being timed" in page
        page = patient_client.post(
            reverse("portal:attack_started"), {"at": "2026-06-17T15:00"}, follow=True
        ).content.decode()
        assert "is later than now" in page
        page = patient_client.post(
            reverse("portal:attack_started"), {"at": "yesterday-ish"}, follow=True
        ).content.decode()
        assert "Give the time as a date and time" in page
        assert not Attack.objects.exists()
        patient_client.post(reverse("portal:attack_started"), {"at": "2026-06-17T11:00"})
        page = patient_client.post(
            reverse("portal:attack_ended"), {"peak_severity": "awful"}, follow=True
        ).content.decode()
        assert "Choose how bad the worst pain was" in page
        assert Attack.objects.get().ended_at is None

    @pytest.mark.parametrize("name", ["portal:attack_started", "portal:attack_ended"])
    def test_staff_cannot_time_attacks(self, client, neurologist, front_desk, name):
        for user in (neurologist, front_desk):
            client.force_login(user)
            assert client.post(reverse(name)).status_code == 403
        assert not Attack.objects.exists()
