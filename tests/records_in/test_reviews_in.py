"""Reviews (ClinicalImpression) and course states (EpisodeOfCare) of our export come back
through the review's domain function: the decision, the verdict, the course it set, a
restart and the sessions after it; refused with their entry when they cannot be."""

from datetime import date, timedelta

import pytest

from clinic.roles import Role
from diaries.exchange import export_csv
from diaries.exchange import import_csv as import_diary
from fhir_api.resources import TYPES
from patients.models import Patient
from records_in.fhir_in import import_fhir
from reviews.models import Decision, Review, Verdict
from reviews.reviewing import review_record
from scheduling.courses import course_of, course_restart
from scheduling.models import CourseState
from tests.factories import InjectionSessionFactory, UserFactory
from tests.records_in.helpers import bundle, empty_the_clinic
from tests.reviews.progress_helpers import S1, S2, S3, log

STOPPED_ON = S3 + timedelta(days=5)
RESTARTED_ON = S3 + timedelta(days=30)
AFTER_RESTART = S3 + timedelta(days=90)  # 84 days after the last session: no early reason
TODAY = S3 + timedelta(days=100)
pytestmark = [pytest.mark.django_db, pytest.mark.today(TODAY)]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def neuro(db):
    return UserFactory(username="dr_review", role=Role.NEUROLOGIST)


def patient_with_sessions(mrn: str, neuro, *days: date) -> Patient:
    patient = Patient.objects.create(
        mrn=mrn,
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=date(1980, 5, 17),
        registered_on=date(2025, 6, 1),
        status=Patient.Status.ACTIVE,
    )
    for day in days:
        InjectionSessionFactory(patient=patient, performed_on=day, injector=neuro)
    return patient


def decide(patient, neuro, on: date, decision: str, reason: str, **fields) -> Review:
    review = Review(patient=patient, reviewed_on=on, decision=decision, reason=reason, **fields)
    return review_record(review=review, reviewed_by=neuro, today=on)


def exported() -> list[dict]:
    return [resource for kind in TYPES.values() for resource in kind.every(None, TODAY)]


def states(mrn: str) -> list[tuple]:
    history = CourseState.history.filter(patient__mrn=mrn).order_by("history_date", "history_id")
    return list(history.values_list("status", "since", "resume_on", "started_on", "reason"))


def test_a_pause_that_has_ended_comes_back_with_its_scores_and_course(admin, neuro):
    patient = patient_with_sessions("RV0001", neuro, S1, S2, S3)
    resume_on = S3 + timedelta(days=60)  # before TODAY: the pause is over
    decide(patient, neuro, S3, Decision.PAUSE, "A break.", resume_on=resume_on, midas=8, hit6=55)
    course = course_of(patient, TODAY)
    before = states("RV0001")
    resources = exported()
    empty_the_clinic()

    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert outcome.errors == []
    assert outcome.added == {"patients": 1, "sessions": 3, "reviews": 1}
    review = Review.objects.get()
    assert (review.decision, review.reason, review.resume_on) == ("pause", "A break.", resume_on)
    assert (review.midas, review.hit6, review.reviewed_by) == (8, 55, neuro)
    assert states("RV0001") == before
    assert course_of(Patient.objects.get(mrn="RV0001"), TODAY) == course

    again = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert again.errors == [] and again.added == {}
    assert again.unchanged["reviews"] == 1
    assert states("RV0001") == before


def test_a_stop_a_restart_and_a_session_of_the_new_course_come_back_in_order(admin, neuro):
    patient = patient_with_sessions("RV0002", neuro, S1, S2, S3)
    decide(patient, neuro, STOPPED_ON, Decision.STOP, "No benefit.")
    course_restart(patient=patient, started_on=RESTARTED_ON, reason="Back.", by=neuro, today=TODAY)
    InjectionSessionFactory(patient=patient, performed_on=AFTER_RESTART, injector=neuro)
    course = course_of(patient, TODAY)
    before = states("RV0002")
    resources = exported()
    empty_the_clinic()

    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert outcome.errors == []
    assert outcome.added == {"patients": 1, "sessions": 4, "reviews": 1, "course restarts": 1}
    assert states("RV0002") == before
    assert course_of(Patient.objects.get(mrn="RV0002"), TODAY) == course
    assert course.started_on == RESTARTED_ON and course.session_count == 1


def test_a_review_whose_verdict_needs_the_diary_is_refused_until_the_diary_is_in(admin, neuro):
    patient = patient_with_sessions("RV0003", neuro, S1, S2, S3)
    log(patient, S1 - timedelta(days=28), 28, 20)  # chronic, then far fewer headache days
    log(patient, S1, 84, 12)
    log(patient, S2, 84, 9)
    decide(patient, neuro, STOPPED_ON, Decision.CONTINUE, "Carry on.")
    assert Review.objects.get().suggested_verdict == Verdict.EPISODIC
    diary = export_csv(patient, date(2000, 1, 1), TODAY).encode()
    resources = exported()
    empty_the_clinic()

    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    number = next(
        n for n, r in enumerate(resources, 1) if r["resourceType"] == "ClinicalImpression"
    )
    assert outcome.errors == [
        f"Entry {number}: the verdict suggested as of {STOPPED_ON:%-d %b %Y} is "
        "“Insufficient data” here, “Converted to episodic” in the file: import the patient's "
        "diary and reported baseline before their reviews."
    ]
    assert Patient.objects.count() == 0  # nothing half-imported

    patients = [r for r in resources if r["resourceType"] in ("Patient", "Condition")]
    assert import_fhir([("patients.json", bundle(patients))], by=admin).errors == []
    assert import_diary(Patient.objects.get(mrn="RV0003"), diary, by=admin).errors == []
    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert outcome.errors == [] and outcome.added["reviews"] == 1
    assert Review.objects.get().suggested_verdict == Verdict.EPISODIC


def test_course_states_that_cannot_be_placed_are_refused_with_their_entry(admin, neuro):
    patient = patient_with_sessions("RV0004", neuro, S1, S2, S3)
    decide(patient, neuro, STOPPED_ON, Decision.STOP, "No benefit.")
    resources = exported()
    empty_the_clinic()
    episode = next(r for r in resources if r["resourceType"] == "EpisodeOfCare")
    number = resources.index(episode) + 1
    impression = next(r for r in resources if r["resourceType"] == "ClinicalImpression")
    unexplained = [r for r in resources if r is not impression]
    outcome = import_fhir([("bundle.json", bundle(unexplained))], by=admin)
    assert outcome.errors == [
        f"Entry {number - 1}: a course stopped since {STOPPED_ON} that no review in the file "
        "decided, and not a restart."
    ]
    episode["patient"] = {"reference": "Patient/999"}
    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert outcome.errors == [
        f"Entry {number}: patient Patient/999 resolves to no Patient in the file."
    ]
    assert Patient.objects.count() == 0
