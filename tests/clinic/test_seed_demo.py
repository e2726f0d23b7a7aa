import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from clinic.roles import Role
from patients.models import Diagnosis, Patient, PriorPreventive

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo", patients=12)
    counts = (Patient.objects.count(), PriorPreventive.objects.count())
    call_command("seed_demo", patients=12)
    output = capsys.readouterr().out
    assert (Patient.objects.count(), PriorPreventive.objects.count()) == counts == (12, counts[1])
    for username in ("dr.demo", "desk.demo", "patient.demo"):
        assert username in output


@pytest.mark.parametrize(
    ("username", "role"),
    [("dr.demo", Role.NEUROLOGIST), ("desk.demo", Role.FRONT_DESK), ("patient.demo", Role.PATIENT)],
)
def test_demo_logins_work_with_the_demo_password(rf, username, role):
    call_command("seed_demo", patients=3)
    # django-axes needs the request (it locks out by address too)
    user = authenticate(rf.post("/accounts/login/"), username=username, password="clinic-demo")
    assert user is not None and user.role == role


def test_demo_clinic_is_varied():
    call_command("seed_demo")
    assert Patient.objects.count() == 40
    assert Patient.objects.values("primary_diagnosis").distinct().count() >= 3
    assert Patient.objects.filter(flags__isnull=False).exists()
    assert Patient.objects.filter(primary_diagnosis=Diagnosis.CHRONIC_MIGRAINE).count() > 20
    assert Patient.objects.get(user__username="patient.demo").mrn == "DEMO00001"
