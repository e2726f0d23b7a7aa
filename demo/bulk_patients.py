"""Synthetic patients for the large demo clinic (`seed_demo --years`): planned in Python from a
fixed seed per patient number, written with COPY.

Each synthetic patient carries `MARKER` and its number in its administrative notes, which is how
a later run finds what exists and adds only the rest.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from demo.bulk_copy import allocate_ids, copy_rows
from demo.patients import FAMILY_NAMES, GIVEN_NAMES, GPS, PREVENTIVES, STREETS
from patients.models import ClinicalFlag, Diagnosis, Patient, PriorPreventive
from patients.records import MRN_PREFIX

MARKER = "Large demo clinic: synthetic patient no. "
DIAGNOSES = [
    (Diagnosis.CHRONIC_MIGRAINE, 88),
    (Diagnosis.EPISODIC_MIGRAINE, 4),
    (Diagnosis.TENSION_TYPE, 4),
    (Diagnosis.CLUSTER, 3),
    (Diagnosis.OTHER, 1),
]
# Precautions only: a contraindicated patient is not treated (see `plan_patient`).
PRECAUTIONS = [
    ClinicalFlag.Kind.PREGNANCY,
    ClinicalFlag.Kind.BREASTFEEDING,
    ClinicalFlag.Kind.NEUROMUSCULAR,
    ClinicalFlag.Kind.SWALLOWING_BREATHING,
]


@dataclass
class PatientPlan:
    """One synthetic patient: who they are, and when their treatment starts (if it does).

    The treatment and diary plans add their fields (`sessions`, `status`, …) later.
    """

    number: int
    given: str
    family: str
    born: date
    sex: str
    diagnosis: str
    registered_on: date
    first_session: date | None  # None: referred, not treated yet
    neurologist_id: int
    flag: str | None
    id: int = 0
    mrn: str = ""
    profile: str = "responder"  # the diary profile (diaries.bulk_demo.pick_profile)
    status: str = Patient.Status.ACTIVE
    sessions: list = field(default_factory=list)
    stopped_on: date | None = None


def existing_numbers(cursor) -> set[int]:
    """Numbers of the synthetic patients already in the database."""
    cursor.execute(
        "SELECT substr(notes, %s) FROM patients_patient WHERE notes LIKE %s",
        [len(MARKER) + 1, MARKER + "%"],
    )
    return {int(value) for (value,) in cursor.fetchall() if value.isdigit()}


def plan_patient(number: int, *, today: date, first_day: date, neurologist_ids) -> PatientPlan:
    """Patient `number`: the same every run. A few are newly referred (no session yet); half
    were already in treatment when the span starts (their course and diary are included from
    its start, up to 18 months earlier); most others start in the span's first months."""
    rng = random.Random(f"large-clinic-{number}")
    span = (today - first_day).days
    journey = rng.choices(["referred", "long-standing", "first-year", "joined"], [5, 60, 27, 8])[0]
    if journey == "referred":
        first_session = None
        registered = today - timedelta(days=rng.randint(3, 120))
    else:
        if journey == "long-standing":  # already in treatment when the span starts
            first_session = first_day - timedelta(days=rng.randint(0, 540))
        elif journey == "first-year":
            first_session = first_day + timedelta(days=rng.randint(30, 90))
        else:
            first_session = first_day + timedelta(days=rng.randint(76, max(77, span - 21)))
        registered = first_session - timedelta(days=rng.randint(35, 120))
    diagnoses, weights = zip(*DIAGNOSES, strict=True)
    sex = rng.choices([Patient.Sex.FEMALE, Patient.Sex.MALE], [3, 1])[0]
    flag = None
    if rng.random() < 0.08:
        flag = rng.choice(PRECAUTIONS if sex == Patient.Sex.FEMALE else PRECAUTIONS[2:])
        if first_session is None and rng.random() < 0.3:
            flag = ClinicalFlag.Kind.HYPERSENSITIVITY  # contraindicated: not treated
    return PatientPlan(
        number=number,
        given=rng.choice(GIVEN_NAMES),
        family=rng.choice(FAMILY_NAMES),
        born=today - timedelta(days=rng.randint(19 * 365, 75 * 365)),
        sex=sex,
        diagnosis=rng.choices(diagnoses, weights)[0],
        registered_on=registered,
        first_session=first_session,
        neurologist_id=rng.choice(neurologist_ids),
        flag=flag,
    )


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _free_mrns(cursor, count: int) -> list[str]:
    """`count` MRNs drawn from `patients_mrn_seq`, skipping any typed in by hand already."""
    mrns: list[str] = []
    while len(mrns) < count:
        wanted = count - len(mrns)
        cursor.execute("SELECT nextval('patients_mrn_seq') FROM generate_series(1, %s)", [wanted])
        drawn = [f"{MRN_PREFIX}{value:06d}" for (value,) in cursor.fetchall()]
        cursor.execute("SELECT mrn FROM patients_patient WHERE mrn = ANY(%s)", [drawn])
        taken = {mrn for (mrn,) in cursor.fetchall()}
        mrns += [mrn for mrn in drawn if mrn not in taken]
    return mrns


PATIENT_COLUMNS = [
    "id", "mrn", "given_name", "family_name", "date_of_birth", "sex", "phone", "email",
    "preferred_contact", "address", "referring_clinician", "primary_diagnosis",
    "diagnosis_date", "status", "consent_date", "consent_taken_by_id", "notes", "user_id",
    "registered_on", "created_at", "updated_at",
]  # fmt: skip


def assign_ids(cursor, plans: list[PatientPlan]) -> None:
    """Give the planned patients their ids and MRNs (before the rows that point at them)."""
    ids = allocate_ids(cursor, "patients_patient", len(plans))
    for plan, pk, mrn in zip(plans, ids, _free_mrns(cursor, len(plans)), strict=True):
        plan.id, plan.mrn = pk, mrn


def write_patients(cursor, plans: list[PatientPlan], today: date, now: datetime) -> dict[str, int]:
    """The patients with their eligibility, prior preventives and flags. Returns row counts."""
    contacts = list(Patient.Contact)
    rows = []
    for plan in plans:
        rng = random.Random(f"large-clinic-patient-{plan.number}")
        consented = plan.first_session is not None or rng.random() < 0.5
        consent_date = plan.registered_on + timedelta(days=rng.randint(0, 14))
        if plan.first_session:
            consent_date = min(consent_date, plan.first_session)
        consent_date = max(min(consent_date, today), plan.born)
        email = f"{plan.given}.{plan.family}.{plan.number}@example.org".lower().replace("'", "")
        created = _aware(plan.registered_on, time(10))
        rows.append(
            (
                plan.id, plan.mrn, plan.given, plan.family, plan.born, plan.sex,
                f"07700 {plan.number % 1000000:06d}", email, rng.choice(contacts),
                f"{rng.randint(1, 180)} {rng.choice(STREETS)}\n"
                f"Exampletown EX{plan.number % 9 + 1} {plan.number % 9 + 1}AB",
                rng.choice(GPS), plan.diagnosis,
                plan.registered_on - timedelta(days=rng.randint(200, 4000)), plan.status,
                consent_date if consented else None,
                plan.neurologist_id if consented else None,
                f"{MARKER}{plan.number:06d}", None, plan.registered_on, created, now,
            )
        )  # fmt: skip
    counts = {"patients": copy_rows(cursor, "patients_patient", PATIENT_COLUMNS, rows)}
    counts.update(_write_clinical_history(cursor, plans))
    return counts


def _write_clinical_history(cursor, plans: list[PatientPlan]) -> dict[str, int]:
    eligibility, preventives, flags = [], [], []
    for plan in plans:
        rng = random.Random(f"large-clinic-history-{plan.number}")
        headache_days = rng.randint(15, 28)
        eligibility.append(
            (
                plan.id, plan.diagnosis == Diagnosis.CHRONIC_MIGRAINE, headache_days,
                rng.randint(8, min(14, headache_days)), rng.random() < 0.9,
                plan.registered_on, plan.neurologist_id, "",
            )
        )  # fmt: skip
        start = plan.registered_on - timedelta(days=rng.randint(400, 2500))
        for name in rng.sample(PREVENTIVES, rng.choices([2, 3, 4, 5], [1, 5, 4, 2])[0]):
            stopped = min(start + timedelta(days=rng.randint(60, 300)), plan.registered_on)
            reason = rng.choice(
                [PriorPreventive.StopReason.NO_EFFECT, PriorPreventive.StopReason.NOT_TOLERATED]
            )
            preventives.append((plan.id, name, start, stopped, reason, ""))
            start = stopped
        if plan.flag:
            flags.append((plan.id, plan.flag, plan.registered_on, None, "", plan.neurologist_id))
    return {
        "eligibility": copy_rows(
            cursor,
            "patients_eligibility",
            [
                "patient_id",
                "chronic_migraine_criteria_met",
                "headache_days_per_month",
                "migraine_days_per_month",
                "medication_overuse_managed",
                "assessed_on",
                "assessed_by_id",
                "notes",
            ],
            eligibility,
        ),  # fmt: skip
        "prior preventives": copy_rows(
            cursor,
            "patients_priorpreventive",
            ["patient_id", "name", "started_on", "stopped_on", "stop_reason", "notes"],
            preventives,
        ),
        "clinical flags": copy_rows(
            cursor,
            "patients_clinicalflag",
            ["patient_id", "kind", "noted_on", "resolved_on", "note", "recorded_by_id"],
            flags,
        ),
    }
