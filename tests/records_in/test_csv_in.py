"""Importing patients, treatment history and reported baselines from CSV: the forms' rules,
every problem with its line, nothing saved unless every line passes, a re-import changes
nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from clinic.roles import Role
from patients.models import Eligibility, Patient
from records_in.csv_in import BASELINES, PATIENTS, SESSIONS
from records_in.importing import import_csv
from tests.factories import UserFactory
from tests.records_in.helpers import csv_file, patient_row, session_row
from treatments.models import InjectedSite, InjectionSession
from treatments.protocols import preempt_protocol

pytestmark = [pytest.mark.django_db, pytest.mark.today(date(2026, 11, 23))]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def injector(db):
    preempt_protocol()
    return UserFactory(username="dr_who", role=Role.NEUROLOGIST)


def test_patients_are_added_once_and_a_reimport_changes_nothing(admin):
    data = csv_file([patient_row("EXT0001"), patient_row("ext0002", given_name="Grace")])
    first = import_csv(PATIENTS, data, by=admin)
    assert first.errors == [] and first.added == {"patients": 2}
    grace = Patient.objects.get(mrn="EXT0002")
    assert (grace.given_name, grace.date_of_birth) == ("Grace", date(1980, 5, 17))
    again = import_csv(PATIENTS, data, by=admin)
    assert again.errors == [] and again.unchanged == {"patients": 2} and again.added == {}
    assert Patient.objects.count() == 2
    assert grace.history.count() == 1  # nothing was written the second time


def test_a_patient_recorded_differently_is_refused_not_overwritten(admin):
    import_csv(PATIENTS, csv_file([patient_row()]), by=admin)
    outcome = import_csv(PATIENTS, csv_file([patient_row(family_name="Byron")]), by=admin)
    assert outcome.errors == [
        "Line 2: Patient EXT0001 is already recorded differently (family_name is “Lovelace” "
        "here, “Byron” in the file): correct it in the clinic or in the file."
    ]
    assert Patient.objects.get().family_name == "Lovelace"


def test_every_bad_line_is_listed_and_nothing_is_saved(admin):
    rows = [
        patient_row("EXT0001"),
        patient_row("EXT0002", date_of_birth="17/05/1980"),
        patient_row("EXT0003", date_of_birth="2030-01-01"),
        patient_row("EXT0004", nhs_number="943 476 5918"),
        patient_row("EXT0005", sex="f"),
    ]
    outcome = import_csv(PATIENTS, csv_file(rows), by=admin)
    assert outcome.errors == [
        "Line 3: date_of_birth: “17/05/1980” is not a date as YYYY-MM-DD.",
        "Line 4: date_of_birth: The date of birth cannot be in the future.",
        "Line 5: national_id: This is not a valid NHS number: its check digit is wrong.",
        "Line 6: sex: “f” is not one of female, male, other, unknown.",
    ]
    assert Patient.objects.count() == 0  # not even the good first line


def test_a_file_without_the_columns_is_refused_at_its_header(admin):
    outcome = import_csv(PATIENTS, b"mrn,name\nEXT1,Ada\n", by=admin)
    assert outcome.errors == [
        "Line 1: the patients file needs the column(s) given_name, family_name, date_of_birth.",
        "Line 1: unknown column(s) name; a patients file has mrn, given_name, family_name, "
        "date_of_birth, sex, primary_diagnosis, diagnosis_date, status, phone, email, address, "
        "nhs_number, referring_clinician, registered_on, consent_date.",
    ]


def test_sessions_go_through_the_session_rules_with_their_sites(admin, injector):
    import_csv(PATIENTS, csv_file([patient_row()]), by=admin)
    rows = [
        session_row(performed_on="2026-01-05", additions="occipitalis left 5; trapezius right 5"),
        session_row(performed_on="2026-03-30"),
    ]
    outcome = import_csv(SESSIONS, csv_file(rows), by=admin)
    assert outcome.errors == [] and outcome.added == {"sessions": 2}
    first, second = InjectionSession.objects.order_by("performed_on")
    assert (first.number, first.units_given, first.units_discarded) == (1, 165, 35)
    assert (second.number, second.units_given) == (2, Decimal(155))
    assert first.injector == injector and first.indication == "chronic_migraine"
    assert InjectedSite.objects.filter(session=first, protocol_site=None).count() == 2
    assert import_csv(SESSIONS, csv_file(rows), by=admin).unchanged == {"sessions": 2}
    assert InjectionSession.objects.count() == 2


def test_a_session_over_the_dose_limit_or_before_birth_is_refused_with_its_line(admin, injector):
    import_csv(PATIENTS, csv_file([patient_row(), patient_row("EXT0002")]), by=admin)
    rows = [
        session_row(performed_on="2026-01-05"),
        session_row(
            performed_on="2026-03-30",
            sites=session_row()["sites"].replace(" 5", " 10"),  # 310 U
        ),
        session_row("EXT0002", performed_on="1979-01-05", lot_expiry="1979-06-01"),
        session_row(performed_on="2026-07-01", protocol="Nope", injector="nobody"),
    ]
    outcome = import_csv(SESSIONS, csv_file(rows), by=admin)
    assert outcome.errors == [
        "Line 3: vials_used: 310 U were given but 1 × 200 U vials hold only 200 U.",
        "Line 3: 310 U is more than the 195 U allowed in one chronic migraine session.",
        "Line 3: 310 U is more than the 195.0 U the PREEMPT (chronic migraine) protocol allows.",
        "Line 4: performed_on: The patient was born on 17 May 1980, after this date.",
        "Line 5: protocol: no protocol “Nope”.",
    ]
    assert InjectionSession.objects.count() == 0


def test_a_session_recorded_differently_that_day_is_refused(admin, injector):
    import_csv(PATIENTS, csv_file([patient_row()]), by=admin)
    import_csv(SESSIONS, csv_file([session_row()]), by=admin)
    outcome = import_csv(SESSIONS, csv_file([session_row(lot_number="X9")]), by=admin)
    assert outcome.errors == [
        "Line 2: The session of 5 Jan 2026 is already recorded differently (lot_number is "
        "“C1234C3” here, “X9” in the file): correct it in the clinic or in the file."
    ]


def test_reported_baselines_are_saved_as_the_eligibility_assessment(admin, injector):
    import_csv(PATIENTS, csv_file([patient_row()]), by=admin)
    row = {
        "mrn": "EXT0001",
        "assessed_on": "2025-12-01",
        "headache_days_per_month": "20",
        "migraine_days_per_month": "12",
        "chronic_migraine_criteria_met": "yes",
        "assessed_by": "dr_who",
    }
    assert import_csv(BASELINES, csv_file([row]), by=admin).added == {"baselines": 1}
    eligibility = Eligibility.objects.get()
    assert (eligibility.headache_days_per_month, eligibility.assessed_by) == (20, injector)
    assert import_csv(BASELINES, csv_file([row]), by=admin).unchanged == {"baselines": 1}
    wrong = {**row, "migraine_days_per_month": "25"}
    outcome = import_csv(BASELINES, csv_file([{**wrong, "mrn": "EXT0009"}, wrong]), by=admin)
    assert outcome.errors == [
        "Line 2: mrn: no patient “EXT0009”.",
        "Line 3: The baseline of EXT0001 is already recorded differently "
        "(migraine_days_per_month is “12” here, “25” in the file): correct it in the clinic "
        "or in the file.",
    ]


def test_the_commands_import_check_and_refuse(admin, injector, tmp_path, capsys):
    path = tmp_path / "patients.csv"
    path.write_bytes(csv_file([patient_row()]))
    call_command("import_patients", str(path), "--by", "admin", "--dry-run")
    assert "Checked (dry run, nothing saved): 1 patients added" in capsys.readouterr().out
    assert Patient.objects.count() == 0
    call_command("import_patients", str(path), "--by", "admin")
    assert Patient.objects.count() == 1
    sessions = tmp_path / "sessions.csv"
    sessions.write_bytes(csv_file([session_row(performed_on="2030-01-01")]))
    with pytest.raises(CommandError, match="Nothing was imported: 2 problem"):
        call_command("import_sessions", str(sessions), "--by", "admin")
    assert "Line 2: performed_on: A session cannot be recorded for a future date." in (
        capsys.readouterr().err
    )
