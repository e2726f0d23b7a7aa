"""A FHIR Bundle imports as the CSV files do: validated by `fhir.resources`, every reference
resolved within the file, entry-numbered errors, nothing half-imported, a re-import changes
nothing."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from clinic.roles import Role
from fhir_api.resources import TYPES
from patients.models import Patient
from records_in.fhir_in import import_fhir
from scheduling.models import Appointment
from tests.factories import UserFactory
from tests.fhir.conftest import fill_records
from tests.records_in.helpers import bundle, empty_the_clinic
from tests.reviews.progress_helpers import AFTER_S3
from treatments.models import AdverseEvent, InjectedSite, InjectionSession
from treatments.protocols import preempt_protocol

pytestmark = [pytest.mark.django_db, pytest.mark.today(AFTER_S3)]

TYPES_IMPORTED = ["Patient", "Condition", "Procedure", "MedicationAdministration"]
TYPES_IMPORTED += ["AdverseEvent", "Appointment", "Observation"]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def exported(today=AFTER_S3) -> list[dict]:
    return [resource for name in TYPES_IMPORTED for resource in TYPES[name].every(None, today)]


@pytest.fixture
def clinic(db):
    patient = Patient.objects.create(
        mrn="RT0001",
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=date(1980, 5, 17),
        registered_on=date(2025, 6, 1),
        status=Patient.Status.ACTIVE,
    )
    fill_records(patient)
    preempt = preempt_protocol()
    for site in InjectedSite.objects.filter(session__patient=patient):  # PREEMPT's own sites
        site.protocol_site = preempt.sites.get(
            muscle_group=site.muscle_group, side=site.side, code__in=["FRO-L1", "PRO"]
        )
        site.save()
    # the factory keeps 155 U as the total: make it the sites' sum, as the form would
    patient.sessions.filter(sites__isnull=False).update(units_given=15, units_discarded=185)
    return patient


def test_a_bundle_of_our_resources_imports_into_an_empty_clinic(admin, clinic):
    resources = exported()
    empty_the_clinic()
    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert outcome.errors == []
    assert outcome.added == {"patients": 1, "sessions": 3, "side effects": 1, "appointments": 1}
    patient = Patient.objects.get(mrn="RT0001")
    assert (patient.registered_on, patient.status) == (date(2025, 6, 1), "active")
    sessions = list(InjectionSession.objects.order_by("performed_on"))
    assert [s.units_given for s in sessions] == [155, 155, 15]  # the last with its two sites
    assert AdverseEvent.objects.get().kind == "ptosis"
    assert Appointment.objects.get().patient == patient
    again = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert again.errors == [] and again.added == {}
    assert again.unchanged["sessions"] == 3


def test_a_reference_that_resolves_nowhere_imports_nothing(admin, clinic):
    resources = exported()
    empty_the_clinic()
    procedure = next(r for r in resources if r["resourceType"] == "Procedure")
    procedure["subject"] = {"reference": "Patient/999"}
    number = resources.index(procedure) + 1
    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert f"Entry {number}: subject Patient/999 resolves to no Patient in the file." in (
        outcome.errors
    )
    assert Patient.objects.count() == 0


def test_unknown_types_invalid_resources_and_bad_lines_are_numbered(admin):
    lines = [
        json.dumps({"resourceType": "Basic", "id": "1", "code": {"text": "x"}}),
        json.dumps({"resourceType": "Patient", "id": "2", "birthDate": "17 May 1980"}),
        "{not json",
    ]
    outcome = import_fhir([("Patient.ndjson", "\n".join(lines).encode())], by=admin)
    assert outcome.errors[0].startswith("Patient.ndjson line 1: Basic is not a type this clinic")
    assert outcome.errors[1].startswith("Patient.ndjson line 2: not a valid FHIR R4 Patient")
    assert "birthDate" in outcome.errors[1]
    assert outcome.errors[2].startswith("Patient.ndjson line 3: not JSON")


def test_a_session_over_the_dose_limit_in_a_bundle_is_refused_with_its_entry(admin, clinic):
    UserFactory(username="dr_extra", role=Role.NEUROLOGIST)
    resources = exported()
    empty_the_clinic()
    last = [r for r in resources if r["resourceType"] == "Procedure"][-1]
    for site in last["bodySite"]:
        site["extension"][0]["valueQuantity"]["value"] = 200  # 400 U
    last["extension"][0]["extension"][1]["valueDecimal"] = 400
    number = resources.index(last) + 1
    outcome = import_fhir([("bundle.json", bundle(resources))], by=admin)
    assert (
        f"Entry {number}: 400 U is more than the 195 U allowed in one chronic migraine session."
        in outcome.errors
    )
    assert InjectionSession.objects.count() == 0 and Patient.objects.count() == 0


def test_the_command_imports_our_export_files_together(admin, clinic, tmp_path, capsys):
    paths = []
    for name in TYPES_IMPORTED:
        path = tmp_path / f"{name}-1.ndjson"
        path.write_text("".join(json.dumps(r) + "\n" for r in TYPES[name].every(None, AFTER_S3)))
        paths.append(str(path))
    empty_the_clinic()
    call_command("import_fhir_bundle", *paths, "--by", "admin", "--dry-run")
    assert "Checked (dry run, nothing saved): 1 patients added" in capsys.readouterr().out
    assert Patient.objects.count() == 0
    call_command("import_fhir_bundle", *paths, "--by", "admin")
    assert InjectionSession.objects.count() == 3
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_fhir_bundle", paths[2], "--by", "admin")  # Procedures alone
    assert "resolves to no Patient in the file" in capsys.readouterr().err
