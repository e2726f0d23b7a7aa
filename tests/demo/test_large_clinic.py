"""`seed_demo --years`: the large synthetic clinic, at a tiny size."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from demo.bulk_patients import MARKER
from diaries.models import DiaryDay, DiaryDose
from patients.models import Eligibility, Patient
from reviews.models import Review
from scheduling.models import Appointment, CourseState
from scheduling.worklists import patients_with_due_dates
from treatments.models import InjectedSite, InjectionSession

pytestmark = pytest.mark.django_db

PATIENTS = 30


def test_large_clinic(capsys):
    """One seed (it takes seconds), then every check on it."""
    call_command("seed_demo", patients=PATIENTS, years=1)
    output = capsys.readouterr().out
    check_believable(output)
    check_rules()
    check_courses_follow_reviews()
    check_patient_demo_follow_up()
    check_run_again(capsys)


def synthetic():
    return Patient.objects.filter(notes__startswith=MARKER)


def sql(query: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall()


def check_believable(large_clinic):
    patients = synthetic()
    assert patients.count() == PATIENTS
    assert all(mrn.startswith("HC") for mrn in patients.values_list("mrn", flat=True))
    assert Eligibility.objects.filter(patient__in=patients).count() == PATIENTS
    treated = patients.filter(sessions__isnull=False).distinct().count()
    sessions = InjectionSession.objects.filter(patient__in=patients)
    assert treated >= PATIENTS * 0.7
    # every ~12 weeks over a year (some started earlier): about 4 to 10 sessions each
    assert 3 * treated <= sessions.count() <= 11 * treated
    assert InjectedSite.objects.filter(session__in=sessions).count() >= 31 * sessions.count()
    days = DiaryDay.objects.filter(patient__in=patients)
    assert 250 * PATIENTS <= days.count() <= 700 * PATIENTS
    assert not days.filter(day__gt=timezone.localdate()).exists()
    assert DiaryDose.objects.filter(day__patient__in=patients).exists()
    assert Appointment.objects.filter(patient__in=patients, status="completed").count() >= (
        sessions.count()
    )
    assert Appointment.objects.filter(patient__in=patients, status="booked").exists()
    assert Review.objects.filter(patient__in=patients).exists()
    assert "Database size:" in large_clinic and "diaries_diaryday" in large_clinic
    assert "patient.demo" in large_clinic and "dr.demo" in large_clinic  # demo logins exist


def check_rules():
    # at most 400 U in any 84-day window, sessions at least 10 weeks apart, early ones explained
    assert not sql(
        """SELECT a.id FROM treatments_injectionsession a
           JOIN treatments_injectionsession b ON b.patient_id = a.patient_id
            AND b.performed_on BETWEEN a.performed_on AND a.performed_on + 83
           GROUP BY a.id HAVING sum(b.units_given) > 400"""
    )
    gaps = sql(
        """SELECT performed_on - lag(performed_on) OVER (PARTITION BY patient_id
           ORDER BY performed_on), early_reason FROM treatments_injectionsession"""
    )
    assert all(gap >= 70 for gap, _ in gaps if gap is not None)
    assert all(reason for gap, reason in gaps if gap is not None and gap < 84)
    assert not InjectionSession.objects.filter(units_given__gt=195).exists()
    # every session day has the patient's completed appointment with the injector
    assert not sql(
        f"""SELECT s.id FROM treatments_injectionsession s
           JOIN patients_patient p ON p.id = s.patient_id AND p.notes LIKE '{MARKER}%%'
           WHERE NOT EXISTS (
           SELECT 1 FROM scheduling_appointment a WHERE a.patient_id = s.patient_id
           AND a.clinician_id = s.injector_id AND a.status = 'completed'
           AND (a.starts_at AT TIME ZONE 'Europe/London')::date = s.performed_on)"""
    )
    # no headache, no severity; the diary starts at most 90 days before registration
    assert not DiaryDay.objects.filter(headache=False).exclude(severity="none").exists()
    assert not DiaryDay.objects.filter(headache=True, severity="none").exists()
    assert not sql(
        f"""SELECT 1 FROM diaries_diaryday d JOIN patients_patient p ON p.id = d.patient_id
           WHERE d.day < p.registered_on - 90 AND p.notes LIKE '{MARKER}%%'"""
    )
    upcoming = Appointment.objects.filter(
        patient__in=synthetic(), status="booked", starts_at__gt=timezone.now()
    )
    last_sessions = dict(
        InjectionSession.objects.order_by("performed_on").values_list("patient_id", "performed_on")
    )
    for appointment in upcoming.filter(kind="injection"):
        last = last_sessions.get(appointment.patient_id)
        assert last is None or appointment.local_day >= last + timedelta(days=70)


def check_courses_follow_reviews():
    """A stop or a pause at the latest review leaves the course stopped or paused, as
    recording it in the browser does; the stopped never reach the desk's lists."""
    latest = {}
    for review in Review.objects.filter(patient__in=synthetic()).order_by("reviewed_on"):
        latest[review.patient_id] = review
    ended = {pk: r for pk, r in latest.items() if r.decision in ("stop", "pause")}
    assert ended, "the tiny clinic has a stop or a pause"
    states = {state.patient_id: state for state in CourseState.objects.filter(pk__in=ended)}
    assert set(states) == set(ended)
    for pk, review in ended.items():
        state = states[pk]
        expected = {"stop": "stopped", "pause": "paused"}[review.decision]
        assert (state.status, state.since) == (expected, review.reviewed_on)
        assert state.reason and (state.resume_on is not None) == (review.decision == "pause")
    stopped = [pk for pk, state in states.items() if state.status == "stopped"]
    due = patients_with_due_dates(timezone.localdate()).filter(pk__in=stopped)
    assert not due.exists()


def check_run_again(capsys):
    def counts():
        mine = synthetic()
        return (
            mine.count(),
            InjectionSession.objects.filter(patient__in=mine).count(),
            DiaryDay.objects.filter(patient__in=mine).count(),
            Appointment.objects.filter(patient__in=mine).count(),
        )

    before = counts()
    call_command("seed_demo", patients=PATIENTS, years=1)
    assert "nothing to add" in capsys.readouterr().out
    assert counts() == before
    patient_demo = Patient.objects.get(user__username="patient.demo")
    assert patient_demo.appointments.filter(status="booked").count() == 1
    call_command("seed_demo", patients=PATIENTS + 5, years=1)
    assert synthetic().count() == PATIENTS + 5
    numbers = [notes.removeprefix(MARKER) for notes in synthetic().values_list("notes", flat=True)]
    assert len(set(numbers)) == PATIENTS + 5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"patients": 10, "years": 0}, "--years must be from 1 to 10"),
        ({"patients": 10, "years": 11}, "--years must be from 1 to 10"),
        ({"patients": 0, "years": 1}, "--patients must be from 1 to 200,000"),
        ({"patients": 10**7, "years": 1}, "--patients must be from 1 to 200,000"),
    ],
)
def test_bad_arguments_are_refused_clearly(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", **options)
    assert not Patient.objects.exists()


def check_patient_demo_follow_up():
    """The portal demo account has its next injection booked, ~12 weeks after the last."""
    patient = Patient.objects.get(user__username="patient.demo")
    booked = patient.appointments.filter(status="booked", starts_at__gt=timezone.now())
    assert booked.count() == 1
    last = patient.sessions.order_by("-performed_on").first()
    if last:
        assert booked.get().local_day >= last.performed_on + timedelta(days=84)
