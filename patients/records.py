"""Creating and changing patient records."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from clinic.form_tokens import one_time
from patients.models import ClinicalFlag, Eligibility, Patient, PriorPreventive

MRN_PREFIX = "HC"

# Yes, no, or not assessed yet (None): the fields take null but are not marked blank, so
# full_clean is told not to refuse an empty one (as the form does not).
ELIGIBILITY_NOT_YET_ASSESSED = ("chronic_migraine_criteria_met", "medication_overuse_managed")


def next_mrn() -> str:
    """Draw the next free generated MRN (HC000001, HC000002, …) from a PostgreSQL sequence."""
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT nextval('patients_mrn_seq')")
            mrn = f"{MRN_PREFIX}{cursor.fetchone()[0]:06d}"
            if not Patient.objects.filter(mrn=mrn).exists():
                return mrn


@transaction.atomic
def patient_save(patient: Patient, form_token=None) -> Patient:
    """Validate and save a new or changed patient, generating an MRN when none was given; a
    new-patient form posted twice (`form_token`) adds the patient once."""
    with one_time(form_token, Patient) as spend:
        if not patient.mrn:
            patient.mrn = next_mrn()
        patient.full_clean()
        patient.save()
        spend(patient)
    return patient


def eligibility_save(*, eligibility: Eligibility, by) -> Eligibility:
    """Validate and save the patient's NICE eligibility assessment, as assessed by `by`.

    The patient's row is locked so that two first assessments at once cannot both be created.
    """
    eligibility.assessed_by = by
    eligibility._history_user = by
    with transaction.atomic():
        Patient.objects.lock(eligibility.patient_id)
        eligibility.full_clean(
            exclude=[f for f in ELIGIBILITY_NOT_YET_ASSESSED if getattr(eligibility, f) is None]
        )
        eligibility.save()
    return eligibility


def preventive_save(*, preventive: PriorPreventive, by, form_token=None) -> PriorPreventive:
    """Validate and save a new or changed prior preventive medicine, recording who; a form
    posted twice (`form_token`) adds it once."""
    preventive._history_user = by
    with one_time(form_token, PriorPreventive) as spend:
        preventive.full_clean()
        preventive.save()
        spend(preventive)
    return preventive


def preventive_delete(*, preventive: PriorPreventive, by) -> None:
    """Remove a prior preventive; its history keeps the deleted row, who and when."""
    preventive._history_user = by
    with transaction.atomic():
        preventive.delete()


def flag_add(*, flag: ClinicalFlag, by) -> ClinicalFlag:
    """Validate and record a precaution or contraindication, one active flag of each kind.

    The patient's row is locked so that two clinicians adding the same flag at once get the
    "already active" message rather than a database error.
    """
    flag.recorded_by = by
    flag._history_user = by
    with transaction.atomic():
        Patient.objects.lock(flag.patient_id)
        flag.full_clean()
        flag.save()
    return flag


def flag_resolve(*, flag: ClinicalFlag, by, today: date) -> ClinicalFlag:
    """Mark an active flag resolved `today` (or on the day it was noted, if that is later)."""
    with transaction.atomic():
        locked = ClinicalFlag.objects.select_for_update().get(pk=flag.pk)
        if not locked.is_active:
            raise ValidationError(
                f"{locked} was already resolved on {locked.resolved_on:%-d %b %Y}."
            )
        locked.resolved_on = max(today, locked.noted_on)
        locked._history_user = by
        locked.full_clean()
        locked.save()
    flag.resolved_on = locked.resolved_on
    return flag
