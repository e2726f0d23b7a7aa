"""Every resource type the API serves, read back and validated by the FHIR R4 library."""

import pytest
from fhir.resources import __fhir_version__ as LIBRARY_FHIR_VERSION
from fhir.resources import construct_fhir_element

from fhir_api import codes
from fhir_api.resources import TYPES
from tests.fhir.conftest import TODAY, bearer

pytestmark = pytest.mark.today(TODAY)


def search(client, token, path, **params):
    response = client.get(f"/fhir/{path}", params, **bearer(token))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == codes.MIME_TYPE
    return response.json()


def valid(resource: dict) -> dict:
    """The library parses it as R4 and writes the same JSON back."""
    model = construct_fhir_element(resource["resourceType"], resource)
    assert model.dict()["resourceType"] == resource["resourceType"]
    return resource


def test_the_library_is_fhir_r4():
    assert LIBRARY_FHIR_VERSION == codes.FHIR_VERSION == "4.0.1"


@pytest.mark.parametrize("resource_type", list(TYPES))
def test_every_resource_of_every_type_validates(client, records, read_token, resource_type):
    of_patient = {"_id" if resource_type == "Patient" else "patient": records.pk}
    bundle = valid(search(client, read_token, resource_type, **of_patient, _count=100))
    assert bundle["type"] == "searchset"
    assert bundle["total"] >= 1
    for entry in bundle["entry"]:
        resource = valid(entry["resource"])
        assert resource["resourceType"] == resource_type
        read = client.get(f"/fhir/{resource_type}/{resource['id']}", **bearer(read_token))
        assert read.status_code == 200
        assert read.json() == resource


def test_the_capability_statement(client, db):
    statement = valid(client.get("/fhir/metadata").json())
    assert statement["fhirVersion"] == "4.0.1"
    served = {resource["type"] for resource in statement["rest"][0]["resource"]}
    assert served == set(TYPES)
    assert statement["rest"][0]["operation"][0]["name"] == "export"


def test_a_patient_carries_mrn_and_nhs_number(client, records, read_token):
    patient = search(client, read_token, f"Patient/{records.pk}")
    assert {"system": codes.MRN_SYSTEM, "value": records.mrn, "use": "usual"} in patient[
        "identifier"
    ]
    assert {"system": codes.NHS_NUMBER_SYSTEM, "value": "9434765919", "use": "official"} in (
        patient["identifier"]
    )
    assert patient["birthDate"] == records.date_of_birth.isoformat()


def test_the_condition_is_coded_in_icd10_and_snomed(client, records, read_token):
    condition = search(client, read_token, f"Condition/{records.pk}")
    systems = {coding["system"]: coding["code"] for coding in condition["code"]["coding"]}
    assert systems == {
        codes.DIAGNOSIS_SYSTEM: "chronic_migraine",
        codes.ICD10_SYSTEM: "G43.3",
        codes.SNOMED_SYSTEM: "37796009",
    }
    assert condition["code"]["text"] == "Chronic migraine"
    assert condition["recordedDate"] == "2024-03-01"


def test_a_session_gives_sites_units_product_lot_and_expiry(client, records, read_token):
    session = records.sessions.get(number=3)
    procedure = search(client, read_token, f"Procedure/{session.pk}")
    assert [site["text"] for site in procedure["bodySite"]] == [
        "Frontalis, left",
        "Procerus, midline",
    ]
    product = procedure["contained"][0]
    assert product["batch"] == {
        "lotNumber": session.lot_number,
        "expirationDate": session.lot_expiry.isoformat(),
    }
    assert procedure["usedReference"] == [{"reference": "#product"}]
    given = search(client, read_token, f"MedicationAdministration/{session.pk}")
    assert given["dosage"]["dose"] == {
        "value": 155.0,
        "unit": "U",
        "system": codes.UCUM_SYSTEM,
        "code": "[U]",
    }
    assert given["partOf"] == [{"reference": f"Procedure/{session.pk}"}]


def test_a_side_effect_and_an_appointment(client, records, read_token):
    event = search(client, read_token, "AdverseEvent", patient=records.pk)["entry"][0]["resource"]
    assert event["event"]["text"] == "Eyelid ptosis"
    assert event["severity"]["coding"][0]["code"] == "moderate"
    appointment = search(client, read_token, "Appointment", patient=records.pk)["entry"][0]
    assert appointment["resource"]["start"] == "2026-09-01T09:00:00+01:00"
    assert appointment["resource"]["status"] == "booked"


def test_diary_windows_give_the_progress_numbers(client, records, read_token):
    """The same rates as the progress table: baseline 20 of 28 days; cycle 1 30 headache days in
    84 logged days is 10 per 28; coverage 100%."""
    bundle = search(client, read_token, "Observation", patient=records.pk, code="diary-window")
    windows = {entry["resource"]["code"]["text"]: entry["resource"] for entry in bundle["entry"]}
    assert list(windows) == ["Baseline", "Cycle 1", "Cycle 2", "Cycle 3"]

    def value(window, measure):
        for component in windows[window]["component"]:
            if component["code"]["coding"][0]["code"] == measure:
                return component.get("valueQuantity", {}).get("value")

    assert value("Baseline", "headache_days_per_28") == 20.0
    assert value("Cycle 1", "headache_days_per_28") == 10.0
    assert value("Cycle 2", "headache_days_per_28") == 4.0
    assert value("Cycle 1", "coverage") == 100.0
    assert windows["Cycle 1"]["status"] == "final"
    assert windows["Cycle 3"]["status"] == "preliminary"
    assert value("Cycle 3", "headache_days_per_28") is None  # nothing logged: unknown


def test_midas_and_hit6_totals(client, records, read_token):
    bundle = search(client, read_token, "Observation", patient=records.pk, date="2026-06-22")
    scores = {
        entry["resource"]["code"]["coding"][0]["code"]: entry["resource"]
        for entry in bundle["entry"]
        if "valueQuantity" in entry["resource"]
    }
    assert scores["midas"]["valueQuantity"]["value"] == 24
    assert scores["midas"]["interpretation"][0]["text"].startswith("Grade IV")
    assert scores["hit6"]["valueQuantity"]["value"] == 62


@pytest.mark.parametrize("resource_type", list(TYPES))
def test_unvalidated_answers_are_what_the_library_writes(
    client, records, read_token, settings, resource_type
):
    """Production serves the resources as built (FHIR_VALIDATE off): the same JSON."""
    of_patient = {"_id" if resource_type == "Patient" else "patient": records.pk}
    checked = search(client, read_token, resource_type, **of_patient, _count=100)
    settings.FHIR_VALIDATE = False
    as_built = search(client, read_token, resource_type, **of_patient, _count=100)
    assert as_built["entry"] == checked["entry"]
