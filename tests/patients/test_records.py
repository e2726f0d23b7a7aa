from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from clinic.models import AuditEvent
from patients.models import ClinicalFlag, Eligibility, Patient, PriorPreventive
from patients.records import (
    eligibility_save,
    flag_add,
    flag_resolve,
    next_mrn,
    patient_save,
    preventive_delete,
    preventive_save,
)
from tests.clock import TODAY
from tests.factories import (
    ClinicalFlagFactory,
    PatientFactory,
    PriorPreventiveFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def test_generated_mrn_skips_one_already_taken_by_hand():
    upcoming = next_mrn()
    number = int(upcoming[2:])
    PatientFactory(mrn=f"HC{number + 1:06d}")
    assert next_mrn() == f"HC{number + 2:06d}"


def test_patient_save_validates_before_saving():
    patient = Patient(given_name="A", family_name="B", date_of_birth="2999-01-01")
    with pytest.raises(ValidationError, match="cannot be in the future"):
        patient_save(patient)
    assert not Patient.objects.exists()


# The domain functions below are called outside any request: the history (and so the audit
# trail) can only name the user because the function passes `by` on.


def audit_events(model) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=model._meta.label_lower))


class TestEligibilitySave:
    def test_saves_the_assessment_as_assessed_by_who_saved_it(self, neurologist):
        patient = PatientFactory()
        eligibility = eligibility_save(
            eligibility=Eligibility(
                patient=patient,
                chronic_migraine_criteria_met=True,
                headache_days_per_month=20,
                migraine_days_per_month=12,
                assessed_by=UserFactory(),  # whoever opened the form first
            ),
            by=neurologist,
        )
        eligibility.refresh_from_db()
        assert (eligibility.assessed_by, eligibility.assessed_on) == (neurologist, TODAY)
        assert eligibility.history.get().history_user == neurologist
        assert audit_events(Eligibility)[0].user == neurologist

    def test_criteria_not_assessed_yet_may_be_left_empty(self, neurologist):
        patient = PatientFactory()
        eligibility_save(eligibility=Eligibility(patient=patient), by=neurologist)
        saved = Eligibility.objects.get(patient=patient)
        assert saved.chronic_migraine_criteria_met is None
        assert saved.medication_overuse_managed is None

    def test_refuses_more_migraine_days_than_headache_days_and_saves_nothing(self, neurologist):
        eligibility = Eligibility(
            patient=PatientFactory(), headache_days_per_month=10, migraine_days_per_month=12
        )
        with pytest.raises(ValidationError, match="Migraine days cannot exceed headache days"):
            eligibility_save(eligibility=eligibility, by=neurologist)
        assert not Eligibility.objects.exists()
        assert not Eligibility.history.exists()
        assert not audit_events(Eligibility)

    def test_a_second_first_assessment_is_refused_not_a_database_error(self, neurologist):
        patient = PatientFactory()
        eligibility_save(eligibility=Eligibility(patient=patient), by=neurologist)
        with pytest.raises(ValidationError, match="already exists"):
            eligibility_save(eligibility=Eligibility(patient=patient), by=neurologist)
        assert Eligibility.objects.count() == 1

    def test_a_failure_after_the_save_leaves_nothing(self, neurologist, break_audit):
        patient = PatientFactory()
        break_audit()
        with pytest.raises(RuntimeError):
            eligibility_save(eligibility=Eligibility(patient=patient), by=neurologist)
        assert not Eligibility.objects.exists()
        assert not Eligibility.history.exists()


class TestPreventiveSave:
    def test_saves_and_records_who(self, neurologist):
        patient = PatientFactory()
        preventive = preventive_save(
            preventive=PriorPreventive(patient=patient, name="Topiramate", stop_reason="no_effect"),
            by=neurologist,
        )
        assert preventive.history.get().history_user == neurologist
        [event] = audit_events(PriorPreventive)
        assert (event.action, event.user, event.patient_id) == ("create", neurologist, patient.pk)

    def test_a_change_keeps_the_old_value_and_who_changed_it(self, neurologist, clock):
        preventive = PriorPreventiveFactory(name="Propranolol")
        clock.shift(60)
        preventive.notes = "Stopped after 3 months"
        preventive_save(preventive=preventive, by=neurologist)
        change = AuditEvent.objects.get(action="change")
        assert change.changes["notes"] == ["", "Stopped after 3 months"]
        assert change.user == neurologist
        assert preventive.history.latest().history_user == neurologist

    def test_refuses_an_invalid_one_and_saves_nothing(self, neurologist):
        patient = PatientFactory()
        preventive = PriorPreventive(
            patient=patient,
            name="Topiramate",
            started_on=date(2024, 5, 1),
            stopped_on=date(2024, 1, 1),
            stop_reason="no_effect",
        )
        with pytest.raises(ValidationError, match="cannot stop before it started"):
            preventive_save(preventive=preventive, by=neurologist)
        assert not PriorPreventive.objects.exists()
        assert not PriorPreventive.history.exists()
        assert not audit_events(PriorPreventive)

    def test_a_failure_after_the_save_leaves_nothing(self, neurologist, break_audit):
        preventive = PriorPreventive(
            patient=PatientFactory(), name="Pizotifen", stop_reason="no_effect"
        )
        break_audit()
        with pytest.raises(RuntimeError):
            preventive_save(preventive=preventive, by=neurologist)
        assert not PriorPreventive.objects.exists()
        assert not PriorPreventive.history.exists()


class TestPreventiveDelete:
    def test_the_history_keeps_the_row_and_who_deleted_it(self, neurologist):
        preventive = PriorPreventiveFactory(name="Pizotifen")
        pk = preventive.pk
        preventive_delete(preventive=preventive, by=neurologist)
        assert not PriorPreventive.objects.exists()
        deleted = PriorPreventive.history.get(id=pk, history_type="-")
        assert (deleted.name, deleted.history_user) == ("Pizotifen", neurologist)
        assert AuditEvent.objects.get(action="delete").user == neurologist

    def test_a_failure_after_the_delete_keeps_the_row(self, neurologist, break_audit):
        preventive = PriorPreventiveFactory()
        pk = preventive.pk
        break_audit()
        with pytest.raises(RuntimeError):
            preventive_delete(preventive=preventive, by=neurologist)
        assert PriorPreventive.objects.filter(pk=pk).exists()
        assert not PriorPreventive.history.filter(history_type="-").exists()


class TestFlagAdd:
    def test_records_the_flag_with_who_recorded_it(self, neurologist):
        patient = PatientFactory()
        flag = flag_add(flag=ClinicalFlag(patient=patient, kind="pregnancy"), by=neurologist)
        flag.refresh_from_db()
        assert (flag.recorded_by, flag.noted_on) == (neurologist, TODAY)
        assert flag.history.get().history_user == neurologist
        assert audit_events(ClinicalFlag)[0].user == neurologist

    def test_refuses_a_second_active_flag_of_a_kind_and_saves_nothing(self, neurologist):
        existing = ClinicalFlagFactory(kind=ClinicalFlag.Kind.PREGNANCY)
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationError, match="already has this flag active"):
            flag_add(flag=ClinicalFlag(patient=existing.patient, kind="pregnancy"), by=neurologist)
        assert ClinicalFlag.objects.get() == existing
        assert ClinicalFlag.history.count() == 1
        assert AuditEvent.objects.count() == before

    def test_refuses_a_flag_noted_in_the_future(self, neurologist):
        flag = ClinicalFlag(patient=PatientFactory(), kind="pregnancy", noted_on=date(2026, 11, 24))
        with pytest.raises(ValidationError, match="cannot be noted in the future"):
            flag_add(flag=flag, by=neurologist)
        assert not ClinicalFlag.objects.exists()

    def test_a_failure_after_the_save_leaves_nothing(self, neurologist, break_audit):
        patient = PatientFactory()
        break_audit()
        with pytest.raises(RuntimeError):
            flag_add(flag=ClinicalFlag(patient=patient, kind="pregnancy"), by=neurologist)
        assert not ClinicalFlag.objects.exists()
        assert not ClinicalFlag.history.exists()


class TestFlagResolve:
    def test_resolves_on_the_day_given_and_records_who(self, neurologist, clock):
        flag = ClinicalFlagFactory(noted_on=TODAY - timedelta(days=30))
        clock.shift(60)
        flag_resolve(flag=flag, by=neurologist, today=TODAY - timedelta(days=2))
        flag.refresh_from_db()
        assert flag.resolved_on == TODAY - timedelta(days=2)
        assert flag.history.latest().history_user == neurologist
        change = AuditEvent.objects.get(action="change", object_type="patients.clinicalflag")
        assert change.user == neurologist
        assert change.changes["resolved_on"][1] == (TODAY - timedelta(days=2)).isoformat()

    def test_a_flag_is_never_resolved_before_it_was_noted(self, neurologist):
        flag = ClinicalFlagFactory(noted_on=TODAY)
        flag_resolve(flag=flag, by=neurologist, today=TODAY - timedelta(days=1))
        flag.refresh_from_db()
        assert flag.resolved_on == TODAY

    def test_refuses_a_flag_resolved_meanwhile_and_changes_nothing(self, neurologist):
        flag = ClinicalFlagFactory(noted_on=TODAY - timedelta(days=30))
        ClinicalFlag.objects.filter(pk=flag.pk).update(resolved_on=TODAY - timedelta(days=10))
        with pytest.raises(ValidationError, match="already resolved on 13 Nov 2026"):
            flag_resolve(flag=flag, by=neurologist, today=TODAY)
        flag.refresh_from_db()
        assert flag.resolved_on == TODAY - timedelta(days=10)
        assert flag.history.count() == 1

    def test_a_failure_after_the_save_leaves_the_flag_active(self, neurologist, break_audit, clock):
        flag = ClinicalFlagFactory(noted_on=TODAY - timedelta(days=30))
        clock.shift(60)
        break_audit()
        with pytest.raises(RuntimeError):
            flag_resolve(flag=flag, by=neurologist, today=TODAY)
        flag.refresh_from_db()
        assert flag.is_active
        assert flag.history.count() == 1
