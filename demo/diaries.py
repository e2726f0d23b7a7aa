"""Demo diaries for `seed_demo`, consistent with each patient's course of sessions.

Each treated patient keeps a diary from about 28 days before their first session (the
baseline) until today, with realistic gaps. Profiles: responders (headache days roughly
halve), partial responders, non-responders, one patient overusing triptans, one who rarely
logs. Patients without sessions yet have a few weeks of pre-treatment diary. Rows are written
in bulk with their history (demo data only; real entries go through `diaries.entries`).
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from diaries.models import DiaryDay, DiaryDose, MedicineClass, PatientMedicine, Source
from patients.models import Patient
from treatments.models import InjectionSession

MEDICINES = [
    ("Sumatriptan", MedicineClass.TRIPTAN, "50 mg tablet"),
    ("Rizatriptan", MedicineClass.TRIPTAN, "10 mg wafer"),
    ("Ibuprofen", MedicineClass.SIMPLE, "400 mg"),
    ("Paracetamol", MedicineClass.SIMPLE, "1 g"),
    ("Naproxen", MedicineClass.SIMPLE, "500 mg"),
    ("Co-codamol", MedicineClass.COMBINATION, "30/500, two tablets"),
]


@dataclass(frozen=True)
class Profile:
    """Chance of a headache on a day: at baseline, and from cycle 2 on (cycle 1 is between)."""

    name: str
    baseline: float
    treated: float
    logging: float = 0.93  # chance a day is logged
    takes_medicine: float = 0.35  # chance a headache day has an acute medicine


PROFILES = {
    "responder": Profile("responder", 0.75, 0.25),
    "partial": Profile("partial", 0.72, 0.45),
    "non-responder": Profile("non-responder", 0.72, 0.68),
    "overuse": Profile("overuse", 0.78, 0.72, takes_medicine=0.95),
    "sparse": Profile("sparse", 0.7, 0.45, logging=0.55),
}
# The profile of each demo patient by position: mostly responders, as in a real clinic.
PROFILE_CYCLE = ["responder", "non-responder", "partial", "partial", "responder", "sparse"]
PROFILE_CYCLE += ["responder", "partial", "non-responder", "responder"]


def profile_for(number: int) -> Profile:
    """Patient 1 (patient.demo) responds; patient 3 overuses; the rest follow the cycle."""
    if number == 3:
        return PROFILES["overuse"]
    return PROFILES[PROFILE_CYCLE[(number - 1) % len(PROFILE_CYCLE)]]


@transaction.atomic
def seed_diaries(*, patients: list[Patient], today: date) -> int:
    """Give each demo patient without a diary one; return how many days were added."""
    sessions: dict[int, list[date]] = {}
    for patient_id, performed_on in InjectionSession.objects.filter(
        patient__in=patients
    ).values_list("patient_id", "performed_on"):
        sessions.setdefault(patient_id, []).append(performed_on)
    started = set(
        DiaryDay.objects.filter(patient__in=patients).values_list("patient_id", flat=True)
    )
    added = 0
    for number, patient in enumerate(patients, start=1):
        rng = random.Random(f"diary-{patient.mrn}")
        if patient.pk in started:
            continue
        dates = sorted(sessions.get(patient.pk, []))
        profile = profile_for(number)
        if not dates and number > 1 and profile.name != "overuse" and rng.random() < 0.5:
            continue  # not everyone starts a diary before treatment
        medicines = _medicines(rng, patient, profile)
        added += _write_diary(rng, patient, profile, dates, medicines, today)
    return added


def _medicines(rng: random.Random, patient: Patient, profile: Profile) -> list[PatientMedicine]:
    chosen = [MEDICINES[0]] if profile.name == "overuse" else []
    chosen += rng.sample(MEDICINES[1:], rng.randint(1, 2))
    medicines = []
    for name, medicine_class, dose in chosen:
        medicine, _ = PatientMedicine.objects.get_or_create(
            patient=patient,
            name=name,
            defaults={"medicine_class": medicine_class, "usual_dose": dose},
        )
        medicines.append(medicine)
    return medicines


def _headache_chance(profile: Profile, day: date, sessions: list[date]) -> float:
    done = [session for session in sessions if session <= day]
    if not done:
        return profile.baseline
    if len(done) == 1:
        return (profile.baseline + profile.treated) / 2
    return profile.treated


def _write_diary(rng, patient, profile, sessions, medicines, today) -> int:
    first = sessions[0] - timedelta(days=28 + rng.randint(0, 4)) if sessions else None
    start = first or today - timedelta(days=rng.randint(20, 45))
    gap_start = start + timedelta(days=rng.randint(40, 400))  # one holiday without the diary
    gap = range(0, rng.choice([0, 4, 7, 10]))
    days, doses = [], []
    day = start
    while day <= today:
        in_gap = (day - gap_start).days in gap
        # Recent days are more often still to fill in, so the portal has something to ask.
        logging = profile.logging if (today - day).days > 3 else 0.6
        if not in_gap and rng.random() < logging:
            entry, taken = _day(rng, patient, profile, day, sessions, medicines)
            days.append(entry)
            doses.append(taken)
        day += timedelta(days=1)
    saved = bulk_create_with_history(days, DiaryDay, default_user=patient.user)
    rows = [
        DiaryDose(day=entry, medicine=medicine, medicine_class=medicine.medicine_class, doses=n)
        for entry, taken in zip(saved, doses, strict=True)
        for medicine, n in taken
    ]
    bulk_create_with_history(rows, DiaryDose, default_user=patient.user)
    return len(saved)


def _day(rng, patient, profile, day, sessions, medicines):
    entry = DiaryDay(patient=patient, day=day, source=Source.PATIENT, entered_by=patient.user)
    if rng.random() >= _headache_chance(profile, day, sessions):
        return entry, []
    migrainous = rng.random() < 0.6
    entry.headache = True
    entry.severity = rng.choices(["mild", "moderate", "severe"], [4, 4, 2])[0]
    entry.hours = Decimal(rng.choice([2, 3, 4, 6, 8, 12, 24]))
    entry.one_sided = migrainous and rng.random() < 0.7
    entry.pulsating = migrainous and rng.random() < 0.8
    entry.worse_with_activity = migrainous and rng.random() < 0.6
    entry.nausea_vomiting = migrainous and rng.random() < 0.6
    entry.light_sensitivity = migrainous and rng.random() < 0.8
    entry.sound_sensitivity = migrainous and rng.random() < 0.6
    entry.aura = migrainous and rng.random() < 0.1
    entry.missed_work = entry.severity == "severe" and rng.random() < 0.5
    entry.bed_rest = entry.severity == "severe" and rng.random() < 0.3
    taken = []
    if rng.random() < profile.takes_medicine:
        medicine = medicines[0] if profile.name == "overuse" else rng.choice(medicines)
        taken.append((medicine, rng.choice([1, 1, 2])))
        entry.relief = rng.choice(["none", "partial", "partial", "full"])
    return entry, taken
