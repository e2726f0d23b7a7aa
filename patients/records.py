"""Creating and changing patient records."""

from django.db import connection, transaction

from patients.models import Patient

MRN_PREFIX = "HC"


def next_mrn() -> str:
    """Draw the next free generated MRN (HC000001, HC000002, …) from a PostgreSQL sequence."""
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT nextval('patients_mrn_seq')")
            mrn = f"{MRN_PREFIX}{cursor.fetchone()[0]:06d}"
            if not Patient.objects.filter(mrn=mrn).exists():
                return mrn


@transaction.atomic
def patient_save(patient: Patient) -> Patient:
    """Validate and save a new or changed patient, generating an MRN when none was given."""
    if not patient.mrn:
        patient.mrn = next_mrn()
    patient.full_clean()
    patient.save()
    return patient
