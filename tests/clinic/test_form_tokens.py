"""A create form posted twice, or 20 times at once, saves once (clinic/form_tokens.py)."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from clinic.models import FormToken
from diaries.models import DiaryDay, PatientMedicine
from patients.models import ClinicalFlag, Patient, PriorPreventive
from reviews.models import Review
from scheduling.models import Appointment
from tests.clinic.test_url_permissions import URLS
from tests.factories import InjectionSessionFactory, PatientFactory, UserFactory
from tests.races import race
from treatments.models import AdverseEvent, SideEffectCheckIn

TODAY = date(2026, 6, 17)
pytestmark = pytest.mark.today(TODAY)
URL_NAMES = {url.name for url in URLS}
TOKEN = re.compile(r'name="form_token" value="([0-9a-f-]{36})"')


def side_effect(session) -> tuple[str, dict]:
    url = reverse("treatments:adverse_event_add", args=[session.patient_id, session.pk])
    data = {"kind": "neck_pain", "onset_on": TODAY.isoformat(), "severity": "mild"}
    return url, {**data, "outcome": "ongoing", "description": "", "notes": ""}


def review(patient) -> tuple[str, dict]:
    url = reverse("progress:review_add", args=[patient.pk])
    data = {"reviewed_on": TODAY.isoformat(), "midas": "12", "hit6": "58"}
    return url, {**data, "decision": "continue", "reason": "Helping, by her account."}


def form_token(client, url: str) -> str:
    """The token of the empty form as the page shows it."""
    match = TOKEN.search(client.get(url).content.decode())
    assert match, f"{url} has no one-time form token"
    return match.group(1)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setting():
    neurologist = UserFactory(username="neuro.tokens", role="neurologist")
    patient = PatientFactory()
    session = InjectionSessionFactory(patient=patient, injector=neurologist)
    return neurologist, patient, session


def post_20_at_once(user, url: str, data: dict) -> list[int]:
    token = form_token(logged_in(user), url)
    clients = [logged_in(user) for _ in range(20)]
    results = race(
        *[lambda c=c: c.post(url, {**data, "form_token": token}).status_code for c in clients],
        expected=(),
    )
    connection.close()
    return results


@pytest.mark.django_db(transaction=True)
def test_a_side_effect_posted_20_times_at_once_is_recorded_once(setting):
    neurologist, _, session = setting
    statuses = post_20_at_once(neurologist, *side_effect(session))
    assert statuses == [302] * 20  # each answer is the saved result, none an error
    assert AdverseEvent.objects.filter(session=session).count() == 1
    assert FormToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_review_posted_20_times_at_once_is_recorded_once(setting):
    neurologist, patient, _ = setting
    statuses = post_20_at_once(neurologist, *review(patient))
    assert statuses == [302] * 20
    assert Review.objects.filter(patient=patient).count() == 1


def new_patient(_) -> tuple[str, dict]:
    data = {"given_name": "Ada", "family_name": "Twice", "date_of_birth": "1980-05-17"}
    data |= {"sex": "female", "preferred_contact": "email", "language": "en-gb"}
    data |= {"primary_diagnosis": "chronic_migraine"}
    return reverse("patients:create"), {**data, "status": "active", "mrn": ""}


def prior_preventive(patient) -> tuple[str, dict]:
    url = reverse("patients:preventive_add", args=[patient.pk])
    data = {"name": "Topiramate", "stop_reason": "not_tolerated", "started_on": "", "notes": ""}
    return url, {**data, "stopped_on": ""}


FORMS = {
    "side effect": (lambda patient, session: side_effect(session), AdverseEvent),
    "review": (lambda patient, session: review(patient), Review),
    "new patient": (lambda patient, session: new_patient(patient), Patient),
    "prior preventive": (lambda patient, session: prior_preventive(patient), PriorPreventive),
}


@pytest.mark.django_db
@pytest.mark.parametrize("form", FORMS)
def test_a_form_posted_again_says_it_was_already_saved(setting, form):
    neurologist, patient, session = setting
    make, model = FORMS[form]
    url, data = make(patient, session)
    client = logged_in(neurologist)
    data["form_token"] = form_token(client, url)
    before = model.objects.count()
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:3000]
    again = client.post(url, data, follow=True)
    assert "it was not saved twice" in again.content.decode()
    assert model.objects.count() == before + 1
    assert form_token(client, url) != data["form_token"]  # a new form, a new token


@pytest.mark.django_db
def test_an_edit_form_has_no_token(setting):
    """Saving the same edit twice is harmless, and the page may be posted again on purpose."""
    neurologist, patient, _ = setting
    page = logged_in(neurologist).get(reverse("patients:edit", args=[patient.pk]))
    assert 'name="form_token"' not in page.content.decode()


# Every form that creates something, and what keeps a second post from creating it again.
# A token form is checked to carry its token; a constraint is checked to exist.
CREATE_FORMS = {
    "treatments:session_new": ("token", None),  # InjectionSession.form_token
    "treatments:adverse_event_add": ("token", None),
    "progress:review_add": ("token", None),
    "patients:create": ("token", None),
    "patients:preventive_add": ("token", None),
    # one active flag of each kind: the second post is told it is already active
    "patients:flag_add": ("constraint", (ClinicalFlag, "one_active_flag_per_kind")),
    "diary:day_new": ("constraint", (DiaryDay, "one_diary_entry_per_day")),
    "portal:day_new": ("constraint", (DiaryDay, "one_diary_entry_per_day")),
    "diary:medicines": ("constraint", (PatientMedicine, "one_medicine_name_per_patient")),
    "portal:medicines": ("constraint", (PatientMedicine, "one_medicine_name_per_patient")),
    "schedule:book": ("constraint", (Appointment, "appointment_no_patient_overlap")),
    "schedule:book_next": ("constraint", (Appointment, "appointment_no_patient_overlap")),
    "check_in:answer": ("constraint", (SideEffectCheckIn, None)),  # one per session
    # a new link revokes the earlier ones: at most one usable invitation
    "diary:invite": ("replaces", None),
    # the import skips rows identical to the diary: importing a file twice adds nothing
    "diary:transfer": ("replaces", None),
    "portal:transfer": ("replaces", None),
}
CREATING = re.compile(r"(_new|_add|create|book|book_next|invite|answer|medicines|transfer)$")


def test_every_create_form_is_listed_with_what_stops_a_double_post():
    listed = {name for name in URL_NAMES if CREATING.search(name)}
    assert listed == set(CREATE_FORMS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", [name for name, way in CREATE_FORMS.items() if way[0] == "token"]
)
def test_every_create_form_carries_a_one_time_token(setting, url_name):
    neurologist, patient, session = setting
    args = {"treatments:adverse_event_add": [patient.pk, session.pk], "patients:create": []}
    form_token(logged_in(neurologist), reverse(url_name, args=args.get(url_name, [patient.pk])))


@pytest.mark.parametrize(
    "url_name", [name for name, way in CREATE_FORMS.items() if way[0] == "constraint"]
)
def test_the_other_create_forms_rest_on_a_database_constraint(url_name):
    model, name = CREATE_FORMS[url_name][1]
    constraints = {c.name for c in model._meta.constraints}
    unique_fields = [f.name for f in model._meta.fields if f.unique and not f.primary_key]
    assert (name in constraints) if name else (constraints or unique_fields)
