from datetime import date, timedelta
from decimal import Decimal

import pytest

from scheduling.models import CourseSummary
from tests.factories import InjectionSessionFactory, PatientFactory
from treatments.courses import next_due_on
from treatments.models.sessions import heaviest_window_units, previous_session

pytestmark = pytest.mark.django_db


def test_the_next_session_is_due_84_days_later():
    assert next_due_on(date(2026, 1, 5)) == date(2026, 3, 30)


def test_every_course_is_summarised_from_its_latest_session_as_it_is_written():
    treated = PatientFactory()
    untreated = PatientFactory()
    today = date.today()
    InjectionSessionFactory(patient=treated, performed_on=today - timedelta(days=200))
    InjectionSessionFactory(patient=treated, performed_on=today - timedelta(days=100))
    rows = {row.patient_id: row for row in CourseSummary.objects.all()}
    assert rows[treated.pk].last_session_on == today - timedelta(days=100)
    assert rows[treated.pk].injection_due_on == today - timedelta(days=16)
    assert rows[treated.pk].session_count == 2
    assert rows[untreated.pk].last_session_on is None
    assert rows[untreated.pk].session_count == 0


def test_previous_session_ignores_later_ones_and_the_session_itself():
    patient = PatientFactory()
    today = date.today()
    first = InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=90))
    second = InjectionSessionFactory(patient=patient, performed_on=today - timedelta(days=5))
    assert previous_session(patient.pk, today - timedelta(days=10)) == first
    assert previous_session(patient.pk, second.performed_on, exclude_pk=second.pk) == first


class TestHeaviestWindow:
    def test_sessions_84_days_apart_are_in_different_windows(self):
        patient = PatientFactory()
        day = date(2026, 6, 1)
        InjectionSessionFactory(patient=patient, performed_on=day - timedelta(days=84))
        assert heaviest_window_units(patient.pk, day, Decimal("195")) == Decimal("195")

    def test_sessions_83_days_apart_share_a_window(self):
        patient = PatientFactory()
        day = date(2026, 6, 1)
        InjectionSessionFactory(patient=patient, performed_on=day - timedelta(days=83))
        assert heaviest_window_units(patient.pk, day, Decimal("195")) == Decimal("350")

    def test_a_later_session_counts_too(self):
        patient = PatientFactory()
        day = date(2026, 6, 1)
        InjectionSessionFactory(patient=patient, performed_on=day - timedelta(days=50))
        InjectionSessionFactory(patient=patient, performed_on=day + timedelta(days=50))
        # The other two are 100 days apart: a window holds this one and at most one of them.
        assert heaviest_window_units(patient.pk, day, Decimal("100")) == Decimal("255")
