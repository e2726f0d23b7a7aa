from collections import Counter
from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from clinic.roles import Role
from demo.courses import COURSES as DECISION_COURSES
from demo.reviews import COURSES as PROGRESS_COURSES
from patients.models import Diagnosis, Patient, PriorPreventive
from treatments.models import AdverseEvent, InjectedSite, InjectionSession

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo", patients=12)
    counts = (Patient.objects.count(), PriorPreventive.objects.count())
    sessions = InjectionSession.objects.count()
    call_command("seed_demo", patients=12)
    output = capsys.readouterr().out
    assert InjectionSession.objects.count() == sessions > 0
    assert (Patient.objects.count(), PriorPreventive.objects.count()) == counts
    assert counts[0] == 12 + len(PROGRESS_COURSES) + len(DECISION_COURSES)
    for username in ("dr.demo", "desk.demo", "patient.demo", "paciente.demo"):
        assert username in output
    assert "Lucía García Romero (DEMO00002), portal in Spanish" in output


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("dr.demo", Role.NEUROLOGIST),
        ("desk.demo", Role.FRONT_DESK),
        ("patient.demo", Role.PATIENT),
        ("paciente.demo", Role.PATIENT),
    ],
)
def test_demo_logins_work_with_the_demo_password(rf, username, role):
    call_command("seed_demo", patients=3)
    # django-axes needs the request (it locks out by address too)
    user = authenticate(rf.post("/accounts/login/"), username=username, password="clinic-demo")
    assert user is not None and user.role == role


def test_demo_clinic_is_varied():
    call_command("seed_demo")
    assert Patient.objects.count() == 40 + len(PROGRESS_COURSES) + len(DECISION_COURSES)
    assert Patient.objects.values("primary_diagnosis").distinct().count() >= 3
    assert Patient.objects.filter(flags__isnull=False).exists()
    assert Patient.objects.filter(primary_diagnosis=Diagnosis.CHRONIC_MIGRAINE).count() > 20
    assert Patient.objects.get(user__username="patient.demo").mrn == "DEMO00001"
    spanish = Patient.objects.get(user__username="paciente.demo")
    assert (spanish.mrn, spanish.given_name, spanish.language) == ("DEMO00002", "Lucía", "es")
    assert spanish.diary_days.exists()


def test_demo_courses_are_varied_and_obey_the_rules():
    call_command("seed_demo")
    per_patient = Counter(InjectionSession.objects.values_list("patient", flat=True))
    assert max(per_patient.values()) <= 8 and len(per_patient) < Patient.objects.count()
    assert InjectedSite.objects.filter(protocol_site=None).exists()  # follow-the-pain
    assert AdverseEvent.objects.filter(serious=True).count() == 1
    assert AdverseEvent.objects.filter(serious=False).exists()
    assert InjectionSession.objects.exclude(early_reason="").exists()
    gaps = [
        (later - earlier).days
        for patient in per_patient
        for earlier, later in pairwise(
            InjectionSession.objects.filter(patient=patient)
            .order_by("performed_on")
            .values_list("performed_on", flat=True)
        )
    ]
    assert min(gaps) < 84 < max(gaps)  # some early, some late
    for session in InjectionSession.objects.all():
        session.full_clean()  # every demo session passes the rules
