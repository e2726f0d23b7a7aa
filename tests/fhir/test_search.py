"""Search parameters, paging, malformed input, and a bounded number of queries per page."""

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from fhir_api import codes
from patients.models import Patient
from tests.factories import InjectionSessionFactory, PatientFactory
from tests.fhir.conftest import TODAY, bearer

pytestmark = pytest.mark.today(TODAY)


def ids(client, token, path, **params):
    response = client.get(f"/fhir/{path}", params, **bearer(token))
    assert response.status_code == 200, response.content
    return [entry["resource"]["id"] for entry in response.json()["entry"]]


def bad(client, token, path, **params):
    response = client.get(f"/fhir/{path}", params, **bearer(token))
    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return outcome["issue"][0]["diagnostics"]


@pytest.fixture
def people(db):
    return [
        PatientFactory(
            mrn="MRN-1", given_name="José", family_name="O'Brien", date_of_birth=date(1970, 2, 3)
        ),
        PatientFactory(
            mrn="MRN-2",
            given_name="Ann",
            family_name="Smith",
            date_of_birth=date(1985, 7, 9),
            national_id_kind="nhs",
            national_id="9434765919",
        ),
        PatientFactory(
            mrn="MRN-3", given_name="Jo", family_name="Jones", date_of_birth=date(1985, 12, 31)
        ),
    ]


def test_patients_by_identifier(client, people, read_token):
    one, two, _ = (str(p.pk) for p in people)
    assert ids(client, read_token, "Patient", identifier="MRN-1") == [one]
    assert ids(client, read_token, "Patient", identifier=f"{codes.MRN_SYSTEM}|mrn-2") == [two]
    nhs = f"{codes.NHS_NUMBER_SYSTEM}|9434765919"
    assert ids(client, read_token, "Patient", identifier=nhs) == [two]
    assert ids(client, read_token, "Patient", identifier=f"{codes.NHS_NUMBER_SYSTEM}|MRN-1") == []
    assert ids(client, read_token, "Patient", identifier="other-system|MRN-1") == []


def test_patients_by_name_start_without_accents_or_case(client, people, read_token):
    one, _, three = (str(p.pk) for p in people)
    assert ids(client, read_token, "Patient", name="jose") == [one]
    assert ids(client, read_token, "Patient", name="OBRI") == [one]
    assert sorted(ids(client, read_token, "Patient", name="jo")) == sorted([one, three])


def test_patients_by_birthdate_with_prefixes(client, people, read_token):
    one, two, three = (str(p.pk) for p in people)
    assert ids(client, read_token, "Patient", birthdate="1985") == [two, three]
    assert ids(client, read_token, "Patient", birthdate="1985-07") == [two]
    assert ids(client, read_token, "Patient", birthdate="eq1970-02-03") == [one]
    assert ids(client, read_token, "Patient", birthdate="lt1985") == [one]
    assert ids(client, read_token, "Patient", birthdate="gt1985-07-09") == [three]
    assert ids(client, read_token, "Patient", birthdate="ge1985-07-09") == [two, three]
    both = client.get(
        "/fhir/Patient?birthdate=ge1980&birthdate=le1985-08", **bearer(read_token)
    ).json()
    assert [entry["resource"]["id"] for entry in both["entry"]] == [two]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"birthdate": "03/02/1970"}, "give a date as YYYY"),
        ({"birthdate": "2026-02-30"}, "no such date"),
        ({"birthdate": "ne1970"}, "prefix ne is not supported"),
        ({"gender": "female"}, "cannot be searched by gender"),
        ({"_count": "0"}, "from 1 to 100"),
        ({"_count": "101"}, "from 1 to 100"),
        ({"_count": "ten"}, "from 1 to 100"),
        ({"_offset": "-1"}, "from 0 to 1000000000"),
        ({"_offset": "99999999999999999999"}, "from 0 to 1000000000"),
        ({"birthdate": "9999-12"}, None),
        ({"birthdate": "0000"}, "no such date"),
    ],
)
def test_malformed_search_parameters_give_400(client, people, read_token, params, message):
    if message is None:  # the last month there is: nobody born in it
        assert ids(client, read_token, "Patient", **params) == []
    else:
        assert message in bad(client, read_token, "Patient", **params)


def test_references_and_observations_need_their_patient(client, people, read_token):
    assert "Patient/<id>" in bad(client, read_token, "Observation")
    assert "give a Patient id" in bad(client, read_token, "Procedure", patient="Practitioner/1")
    assert "give a date" in bad(client, read_token, "Procedure", date="yesterday")


def test_sessions_by_patient_and_date(client, db, read_token):
    patient = PatientFactory()
    days = [TODAY - timedelta(days=84 * n) for n in (3, 2, 1)]
    sessions = [str(InjectionSessionFactory(patient=patient, performed_on=day).pk) for day in days]
    InjectionSessionFactory()  # someone else's
    mine = {"patient": f"Patient/{patient.pk}"}
    assert ids(client, read_token, "Procedure", **mine) == sessions
    assert ids(client, read_token, "Procedure", **mine, date=f"ge{days[1]}") == sessions[1:]
    assert ids(client, read_token, "Procedure", **mine, date=f"lt{days[1]}") == sessions[:1]
    assert (
        ids(client, read_token, "MedicationAdministration", **mine, date=str(days[2]))
        == (sessions[2:])
    )


def test_pages_are_bounded_and_linked(client, db, read_token):
    PatientFactory.create_batch(7)
    first = client.get("/fhir/Patient", {"_count": 3}, **bearer(read_token)).json()
    assert first["total"] == 7
    seen = [entry["resource"]["id"] for entry in first["entry"]]
    page = first
    while next_link := [link for link in page["link"] if link["relation"] == "next"]:
        url = urlsplit(next_link[0]["url"])
        page = client.get(f"{url.path}?{url.query}", **bearer(read_token)).json()
        seen += [entry["resource"]["id"] for entry in page["entry"]]
    assert sorted(seen, key=int) == sorted(str(p.pk) for p in Patient.objects.all())
    assert len(seen) == 7
    assert {link["relation"] for link in page["link"]} == {"self", "previous"}


def clinic_of(size: int) -> None:
    for patient in PatientFactory.create_batch(size):
        for weeks_ago in (36, 24, 12):
            InjectionSessionFactory(
                patient=patient, performed_on=TODAY - timedelta(weeks=weeks_ago)
            )


@pytest.mark.parametrize("size", [3, 12])
@pytest.mark.parametrize(
    "path",
    [
        "Patient",
        "Condition",
        "Procedure",
        "MedicationAdministration",
        "Appointment",
        "AdverseEvent",
    ],
)
def test_a_page_takes_a_bounded_number_of_queries(
    client, db, read_token, django_assert_max_num_queries, size, path
):
    """The token, the count, the page (and its sites), the audit trail's one INSERT."""
    clinic_of(size)
    with django_assert_max_num_queries(6):
        response = client.get(f"/fhir/{path}", {"_count": 100}, **bearer(read_token))
    assert response.status_code == 200


@pytest.mark.parametrize("cycles", [1, 4])
def test_a_patients_observations_take_a_bounded_number_of_queries(
    client, db, read_token, django_assert_max_num_queries, cycles
):
    patient = PatientFactory()
    for n in range(cycles, 0, -1):
        InjectionSessionFactory(patient=patient, performed_on=TODAY - timedelta(weeks=12 * n))
    with django_assert_max_num_queries(10):
        response = client.get(f"/fhir/Observation?patient={patient.pk}", **bearer(read_token))
    assert response.json()["total"] == cycles + 1
