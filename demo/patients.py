"""Demo patients for `seed_demo`: believable, varied, and the same every run."""

import random
from datetime import date, timedelta

from django.db import transaction

from clinic.roles import Role
from demo.accounts import DEMO_PATIENT_USERNAME, DEMO_SPANISH_PATIENT_USERNAME, demo_user
from patients.models import ClinicalFlag, Diagnosis, Eligibility, Patient, PriorPreventive

GIVEN_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Grace",
    "Sophia",
    "Lily",
    "Freya",
    "Emily",
    "Ella",
    "Evie",
    "Poppy",
    "Ruby",
    "Chloe",
    "Zara",
    "Aisha",
    "Fatima",
    "Hannah",
    "Megan",
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Harry",
    "Jack",
    "Mohammed",
    "Thomas",
    "James",
]
FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Ahmed",
    "Murphy",
    "O'Brien",
    "Kowalski",
    "Nguyen",
]
PREVENTIVES = [
    "Propranolol",
    "Topiramate",
    "Amitriptyline",
    "Candesartan",
    "Pizotifen",
    "Sodium valproate",
    "Flunarizine",
    "Nortriptyline",
    "Erenumab",
]
GPS = [
    "Dr R. Mason, Parkside Surgery",
    "Dr L. Chen, Riverside Medical Centre",
    "Dr S. Ali, Hillview Practice",
    "Dr J. Byrne, Old Town Health Centre",
]
STREETS = ["Church Road", "Station Road", "Victoria Street", "Mill Lane", "Park Avenue"]

# Diagnoses weighted as in a Botox clinic: mostly chronic migraine.
DIAGNOSIS_WEIGHTS = [
    (Diagnosis.CHRONIC_MIGRAINE, 30),
    (Diagnosis.EPISODIC_MIGRAINE, 3),
    (Diagnosis.TENSION_TYPE, 3),
    (Diagnosis.CLUSTER, 3),
    (Diagnosis.OTHER, 1),
]
FLAG_KINDS = [
    ClinicalFlag.Kind.PREGNANCY,
    ClinicalFlag.Kind.BREASTFEEDING,
    ClinicalFlag.Kind.NEUROMUSCULAR,
    ClinicalFlag.Kind.SWALLOWING_BREATHING,
    ClinicalFlag.Kind.HYPERSENSITIVITY,
]


# DEMO00002 reads the portal in Spanish (`paciente.demo`); the random draws still happen for
# it, so every other demo patient stays the same.
SPANISH_PATIENT_NUMBER = 2
SPANISH_PATIENT = {
    "given_name": "Lucía",
    "family_name": "García Romero",
    "email": "lucia.garcia2@example.org",
    "sex": Patient.Sex.FEMALE,
    "status": Patient.Status.ACTIVE,
    "language": "es",
}


def demo_mrn(number: int) -> str:
    return f"DEMO{number:05d}"


@transaction.atomic
def seed_patients(*, count: int, neurologists: list, today: date) -> list[Patient]:
    """Create `count` demo patients (or complete a partial set); the first one is `patient.demo`."""
    rng = random.Random(2026)
    patients = []
    for number in range(1, count + 1):
        mrn = demo_mrn(number)
        existing = Patient.objects.filter(mrn=mrn).first()
        # Draw the random values even for existing rows, so later patients stay the same.
        values = _patient_values(rng, number, neurologists, today)
        if number == SPANISH_PATIENT_NUMBER:
            values["patient"] |= SPANISH_PATIENT
        if existing:
            patients.append(existing)
            continue
        patient = Patient.objects.create(mrn=mrn, **values["patient"])
        _add_clinical_history(rng, patient, values, neurologists, today)
        patients.append(patient)
    _link_demo_portal_account(patients[0], DEMO_PATIENT_USERNAME)
    if len(patients) >= SPANISH_PATIENT_NUMBER:
        spanish = patients[SPANISH_PATIENT_NUMBER - 1]
        _link_demo_portal_account(spanish, DEMO_SPANISH_PATIENT_USERNAME)
        if spanish.language != "es":  # a demo clinic seeded before there was one
            spanish.language = "es"
            spanish.save(update_fields=["language"])
    return patients


def _patient_values(rng: random.Random, number: int, neurologists: list, today: date) -> dict:
    given = rng.choice(GIVEN_NAMES)
    family = rng.choice(FAMILY_NAMES)
    diagnoses, weights = zip(*DIAGNOSIS_WEIGHTS, strict=True)
    diagnosis = rng.choices(diagnoses, weights)[0]
    born = today - timedelta(days=rng.randint(19 * 365, 72 * 365))
    registered = today - timedelta(days=rng.randint(20, 900))
    status = rng.choices(
        [
            Patient.Status.ACTIVE,
            Patient.Status.REFERRED,
            Patient.Status.PAUSED,
            Patient.Status.DISCHARGED,
        ],
        [28, 6, 3, 3],
    )[0]
    consented = status != Patient.Status.REFERRED
    return {
        "patient": {
            "given_name": given,
            "family_name": family,
            "date_of_birth": born,
            "sex": rng.choices([Patient.Sex.FEMALE, Patient.Sex.MALE], [3, 1])[0],
            "phone": f"07700 9{number:05d}",
            "email": f"{given}.{family}{number}@example.org".lower().replace("'", ""),
            "preferred_contact": rng.choice(list(Patient.Contact)),
            "address": (
                f"{rng.randint(1, 180)} {rng.choice(STREETS)}\nExampletown EX{number % 9 + 1} 4AB"
            ),
            "referring_clinician": rng.choice(GPS),
            "primary_diagnosis": diagnosis,
            "diagnosis_date": registered - timedelta(days=rng.randint(200, 4000)),
            "status": status,
            "consent_date": registered + timedelta(days=7) if consented else None,
            "consent_taken_by": rng.choice(neurologists) if consented else None,
            "registered_on": registered,
        },
        "preventive_count": rng.choices([1, 2, 3, 4, 5], [1, 2, 5, 4, 2])[0],
        "flag": rng.choice(FLAG_KINDS) if rng.random() < 0.15 else None,
        "overuse_managed": rng.random() < 0.9,
    }


def _add_clinical_history(rng, patient: Patient, values: dict, neurologists: list, today: date):
    assessor = rng.choice(neurologists)
    Eligibility.objects.create(
        patient=patient,
        chronic_migraine_criteria_met=patient.primary_diagnosis == Diagnosis.CHRONIC_MIGRAINE,
        headache_days_per_month=rng.randint(15, 28),
        migraine_days_per_month=rng.randint(8, 14),
        medication_overuse_managed=values["overuse_managed"],
        assessed_on=patient.registered_on,
        assessed_by=assessor,
    )
    start = patient.diagnosis_date
    for name in rng.sample(PREVENTIVES, values["preventive_count"]):
        stopped = min(start + timedelta(days=rng.randint(60, 300)), patient.registered_on)
        PriorPreventive.objects.create(
            patient=patient,
            name=name,
            started_on=start,
            stopped_on=stopped,
            stop_reason=rng.choice(
                [PriorPreventive.StopReason.NO_EFFECT, PriorPreventive.StopReason.NOT_TOLERATED]
            ),
        )
        start = stopped
    if values["flag"]:
        ClinicalFlag.objects.create(
            patient=patient,
            kind=values["flag"],
            noted_on=patient.registered_on,
            recorded_by=assessor,
        )


def _link_demo_portal_account(patient: Patient, username: str) -> None:
    if patient.user_id:
        return
    patient.user = demo_user(username, patient.given_name, patient.family_name, Role.PATIENT)
    patient.save(update_fields=["user"])
