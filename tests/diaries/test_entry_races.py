"""A double tap, or the patient and a clinician at once: one diary entry a day, never a 500."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diaries.entries import diary_day_save, mark_headache_free
from diaries.models import DiaryDay, Source
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_day_saved_twice_at_once_makes_one_entry(patient):
    today = timezone.localdate()

    def save():
        entry = DiaryDay(patient=patient, day=today, headache=False)
        return diary_day_save(entry=entry, doses=[], by=patient.user, source=Source.PATIENT)

    results = race(save, save, expected=(ValidationError,))
    assert sum(isinstance(result, ValidationError) for result in results) == 1
    assert patient.diary_days.count() == 1


def test_a_range_and_a_single_day_at_once_leave_each_day_once(patient, neurologist):
    today = timezone.localdate()
    start = today - timedelta(days=6)

    def mark_week():
        return mark_headache_free(patient=patient, start=start, end=today, by=patient.user)

    def log_headache():
        entry = DiaryDay(
            patient=patient, day=today - timedelta(days=3), headache=True, severity="severe"
        )
        return diary_day_save(entry=entry, doses=[], by=neurologist, source=Source.TRANSCRIBED)

    results = race(mark_week, log_headache, expected=(ValidationError,))
    days = list(patient.diary_days.values_list("day", flat=True))
    assert sorted(days) == [start + timedelta(days=n) for n in range(7)]
    headache_saved = any(isinstance(result, DiaryDay) for result in results)
    assert patient.diary_days.filter(headache=True).exists() == headache_saved


def test_a_double_tap_on_the_portal_saves_once_and_shows_no_error_page(patient):
    today = timezone.localdate()
    data = {"day": today.isoformat(), "headache": "False", "note": ""}
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(patient.user)

    def tap(client):
        return lambda: client.post(reverse("portal:day_new"), data).status_code

    statuses = race(*(tap(client) for client in clients), expected=())
    assert sorted(statuses) == [200, 302]  # one saved and redirected; one told it exists
    assert patient.diary_days.count() == 1
