"""Reviews as ClinicalImpressions and the states a course was set to as EpisodeOfCares: what
they say, searched by patient and date, a patient's own only, in a bounded number of queries."""

from datetime import timedelta

import pytest

from fhir_api import codes
from reviews.models import Decision, Review
from reviews.reviewing import review_record
from scheduling.courses import course_restart
from tests.factories import InjectionSessionFactory, PatientFactory, UserFactory
from tests.fhir.conftest import TODAY, bearer
from tests.reviews.progress_helpers import S1, S2, S3

pytestmark = pytest.mark.today(TODAY)


def search(client, token, path, **params) -> list[dict]:
    response = client.get(f"/fhir/{path}", params, **bearer(token))
    assert response.status_code == 200, response.content
    return [entry["resource"] for entry in response.json()["entry"]]


def part(resource: dict, url: str, name: str):
    extension = next(e for e in resource["extension"] if e["url"] == url)
    found = [p for p in extension["extension"] if p["url"] == name]
    return next((v for k, v in found[0].items() if k.startswith("value")), None) if found else None


def decide(patient, on, decision, reason="", **fields) -> Review:
    neuro = patient.sessions.first().injector
    review = Review(patient=patient, reviewed_on=on, decision=decision, reason=reason, **fields)
    return review_record(review=review, reviewed_by=neuro, today=on)


def treated(*days):
    patient = PatientFactory()
    for day in days:
        InjectionSessionFactory(patient=patient, performed_on=day)
    return patient


def test_a_review_gives_its_decision_verdict_reason_scores_and_reviewer(
    client, records, read_token
):
    (impression,) = search(client, read_token, "ClinicalImpression", patient=records.pk)
    review = records.reviews.get()
    assert impression["status"] == "completed"
    assert impression["subject"] == {"reference": f"Patient/{records.pk}"}
    assert impression["date"] == S3.isoformat()
    assert part(impression, codes.REVIEW_EXTENSION, "decision") == {
        "system": codes.REVIEW_DECISION_SYSTEM,
        "code": "continue",
        "display": "Continue treatment",
    }
    verdict = impression["finding"][0]["itemCodeableConcept"]["coding"][0]
    assert (verdict["system"], verdict["code"]) == (codes.VERDICT_SYSTEM, review.suggested_verdict)
    assert impression["summary"] == "Continue treatment: Far fewer headache days: carry on."
    assert impression["note"] == [{"text": review.reason}]
    assert impression["assessor"]["identifier"]["value"] == review.reviewed_by.username
    scores = [item["reference"] for item in impression["investigation"][0]["item"]]
    assert scores == [f"Observation/midas-{review.pk}", f"Observation/hit6-{review.pk}"]
    for score in scores:  # each one an Observation the API serves
        assert client.get(f"/fhir/{score}", **bearer(read_token)).status_code == 200


def test_each_course_state_is_an_episode_with_where_it_stands_today(client, db, read_token):
    """Active; a pause under way (on hold) and one over (finished on its resume day); a stop
    (finished); a restart without a session yet (planned); a state since superseded."""
    active, paused, resumed, stopped, restarted = (treated(S1, S2, S3) for _ in range(5))
    decide(active, S3, Decision.CONTINUE, "Carry on.")
    decide(paused, S3, Decision.PAUSE, "A break.", resume_on=TODAY + timedelta(days=30))
    decide(resumed, S2, Decision.PAUSE, "A break.", resume_on=S2 + timedelta(days=20))
    decide(stopped, S3, Decision.STOP, "No benefit.")
    decide(restarted, S3, Decision.STOP, "No benefit.")
    neuro = UserFactory(username="dr_restart")
    course_restart(patient=restarted, started_on=TODAY, reason="Back.", by=neuro, today=TODAY)

    def episodes(patient):
        return [
            (e["type"][0]["coding"][0]["code"], e["status"], e["period"])
            for e in search(client, read_token, "EpisodeOfCare", patient=patient.pk)
        ]

    since = {"start": S3.isoformat()}
    assert episodes(active) == [("active", "active", since)]
    assert episodes(paused) == [("paused", "onhold", since)]
    resume_on = (S2 + timedelta(days=20)).isoformat()
    assert episodes(resumed) == [("paused", "finished", {"start": str(S2), "end": resume_on})]
    assert episodes(stopped) == [("stopped", "finished", since)]
    assert episodes(restarted) == [
        ("stopped", "finished", {**since, "end": TODAY.isoformat()}),
        ("active", "planned", {"start": TODAY.isoformat()}),
    ]
    (now,) = search(client, read_token, "EpisodeOfCare", patient=restarted.pk, date=str(TODAY))
    assert part(now, codes.COURSE_STATE_EXTENSION, "courseStartedOn") == TODAY.isoformat()
    assert part(now, codes.COURSE_STATE_EXTENSION, "reason") == "Back."
    assert now["careManager"]["identifier"]["value"] == "dr_restart"
    (pause,) = search(client, read_token, "EpisodeOfCare", patient=paused.pk)
    resume = (TODAY + timedelta(days=30)).isoformat()
    assert part(pause, codes.COURSE_STATE_EXTENSION, "resumeOn") == resume


def test_reviews_by_patient_and_date(client, db, read_token):
    patient = treated(S1, S2, S3)
    first = decide(patient, S2, Decision.CONTINUE, "Carry on.")
    second = decide(patient, S3, Decision.EXTEND, "One more cycle.")
    decide(treated(S1, S2, S3), S3, Decision.CONTINUE, "Carry on.")  # someone else's

    def ids(**params):
        found = search(client, read_token, "ClinicalImpression", patient=patient.pk, **params)
        return [int(resource["id"]) for resource in found]

    assert ids() == [first.pk, second.pk]
    assert ids(date=f"ge{S3}") == [second.pk]
    assert ids(date=f"lt{S3}") == [first.pk]


def test_a_patient_reads_their_own_reviews_and_course_only(client, records, other_patient):
    client.force_login(records.user)
    for path in ("ClinicalImpression", "EpisodeOfCare"):
        own = client.get(f"/fhir/{path}").json()
        assert own["total"] == 1
        assert {e["resource"]["id"] for e in own["entry"]} == {
            e["resource"]["id"]
            for e in client.get(f"/fhir/{path}?patient={records.pk}").json()["entry"]
        }
        response = client.get(f"/fhir/{path}", {"patient": other_patient.pk})
        assert response.status_code == 403
        assert response.json()["issue"][0]["code"] == "forbidden"
    other_review = other_patient.reviews.get()
    assert client.get(f"/fhir/ClinicalImpression/{other_review.pk}").status_code == 404


@pytest.mark.parametrize("size", [3, 12])
@pytest.mark.parametrize("path", ["ClinicalImpression", "EpisodeOfCare"])
def test_a_page_takes_a_bounded_number_of_queries(
    client, db, read_token, django_assert_max_num_queries, size, path
):
    """The token, the count, the page, the audit trail's one INSERT."""
    for _ in range(size):
        patient = treated(S1, S2, S3)
        decide(patient, S2, Decision.CONTINUE, "Carry on.")
        decide(patient, S3, Decision.STOP, "No benefit.")
    with django_assert_max_num_queries(5):
        response = client.get(f"/fhir/{path}", {"_count": 100}, **bearer(read_token))
    assert response.json()["total"] == 2 * size
