"""Diaries for the large demo clinic (`seed_demo --years`): one row per logged day from the
baseline (28 days before the first session) to today, consistent with each patient's sessions,
written with COPY. Profiles as in the small demo (responders, partial and non-responders, overuse,
poor loggers), plus holidays without the diary and patients who stopped (discharged patients log
for a few weeks after their last visit, some patients give up logging)."""

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from demo.bulk_copy import allocate_ids, copy_rows
from demo.diaries import MEDICINES
from demo.diaries import PROFILES as DEMO_PROFILES
from diaries.models import DAYS_BEFORE_REGISTRATION

# How often each diary profile occurs among synthetic patients.
PROFILE_WEIGHTS = [
    ("responder", 46),
    ("partial", 28),
    ("non-responder", 10),
    ("overuse", 6),
    ("sparse", 10),
]
# A clinic's diary keepers log most days (the small demo's 93% is its "typical" patient).
PROFILES = {
    name: replace(profile, logging=0.6 if name == "sparse" else 0.97)
    for name, profile in DEMO_PROFILES.items()
}
DAY_COLUMNS = [
    "id", "patient_id", "day", "headache", "severity", "pain_score", "hours", "one_sided",
    "pulsating", "worse_with_activity", "nausea_vomiting", "light_sensitivity",
    "sound_sensitivity", "aura", "relief", "missed_work", "cancelled_plans", "bed_rest", "note",
    "source", "late", "entered_by_id", "created_at", "updated_at",
]  # fmt: skip
HOURS = [2, 3, 4, 6, 8, 12, 24]
RELIEF = ["none", "partial", "partial", "full"]


def pick_profile(number: int) -> str:
    rng = random.Random(f"large-clinic-profile-{number}")
    names, weights = zip(*PROFILE_WEIGHTS, strict=True)
    return rng.choices(names, weights)[0]


class _Stamps:
    """The evening of each day as an aware datetime (entries are made that evening)."""

    def __init__(self):
        self.cache: dict[date, datetime] = {}

    def __getitem__(self, day: date) -> datetime:
        stamp = self.cache.get(day)
        if stamp is None:
            stamp = self.cache[day] = timezone.make_aware(datetime.combine(day, time(21)))
        return stamp


_stamps = _Stamps()


def _span(plan, rng: random.Random, today: date) -> tuple[date, date] | None:
    """First and last day the patient keeps the diary, or None for no diary."""
    if plan.sessions:
        start = plan.sessions[0] - timedelta(days=28 + rng.randint(0, 4))
    elif plan.first_session is not None:
        start = plan.first_session - timedelta(days=30)
    elif rng.random() < 0.5:
        start = today - timedelta(days=rng.randint(20, 45))
    else:
        return None  # referred, not asked to start a diary yet
    start = max(start, plan.registered_on - timedelta(days=DAYS_BEFORE_REGISTRATION))
    end = today
    if plan.stopped_on and plan.status != "paused":  # a treatment break is watched by diary
        end = min(today, plan.stopped_on + timedelta(days=rng.randint(0, 42)))
    if rng.random() < 0.02:  # gave up the diary part way
        end = min(end, start + timedelta(days=rng.randint(60, 400)))
    return (start, end) if start <= end else None


def plan_diary(plan, today: date):
    """The patient's medicines and logged days: (medicines, [(day, fields, doses)])."""
    rng = random.Random(f"large-clinic-diary-{plan.number}")
    profile = PROFILES[plan.profile]
    chosen = [MEDICINES[0]] if profile.name == "overuse" else []
    chosen += rng.sample(MEDICINES[1:], rng.randint(1, 2))
    span = _span(plan, rng, today)
    if span is None:
        return chosen, []
    start, end = span
    holidays = set()
    for _ in range(rng.choice([0, 1, 1, 2])):
        first = start + timedelta(days=rng.randint(30, 700))
        holidays.update(first + timedelta(days=n) for n in range(rng.choice([4, 7, 10, 14])))
    sessions = plan.sessions
    mid = (profile.baseline + profile.treated) / 2
    overuse = profile.name == "overuse"
    random_ = rng.random
    days = []
    day, done = start, 0
    while day <= end:
        while done < len(sessions) and sessions[done] <= day:
            done += 1
        logging = profile.logging if (today - day).days > 3 else 0.6
        if day in holidays or random_() >= logging:
            day += timedelta(days=1)
            continue
        chance = profile.baseline if done == 0 else mid if done == 1 else profile.treated
        if random_() >= chance:
            days.append((day, None, None))
        else:
            migrainous = random_() < 0.6
            severity = rng.choices(["mild", "moderate", "severe"], [4, 4, 2])[0]
            severe = severity == "severe"
            taken = None
            relief = ""
            if random_() < profile.takes_medicine:
                taken = (0 if overuse else rng.randrange(len(chosen)), rng.choice([1, 1, 2]))
                relief = rng.choice(RELIEF)
            fields = (
                severity, rng.choice(HOURS),
                migrainous and random_() < 0.7, migrainous and random_() < 0.8,
                migrainous and random_() < 0.6, migrainous and random_() < 0.6,
                migrainous and random_() < 0.8, migrainous and random_() < 0.6,
                migrainous and random_() < 0.1, relief,
                severe and random_() < 0.5, severe and random_() < 0.3,
            )  # fmt: skip
            days.append((day, fields, taken))
        day += timedelta(days=1)
    return chosen, days


def write_diaries(cursor, plans, today: date) -> dict[str, int]:
    """Medicines, diary days and doses for `plans` (one COPY per table)."""
    planned = [plan_diary(plan, today) for plan in plans]
    medicine_ids = iter(
        allocate_ids(cursor, "diaries_patientmedicine", sum(len(m) for m, _ in planned))
    )
    day_ids = iter(allocate_ids(cursor, "diaries_diaryday", sum(len(d) for _, d in planned)))
    medicine_rows, day_rows, dose_rows = [], [], []
    for plan, (chosen, days) in zip(plans, planned, strict=True):
        mine = []
        for name, medicine_class, dose in chosen:
            pk = next(medicine_ids)
            mine.append((pk, medicine_class))
            medicine_rows.append((pk, plan.id, name, medicine_class, dose, True))
        patient_id = plan.id
        for day, fields, taken in days:
            pk = next(day_ids)
            stamp = _stamps[day]
            if fields is None:
                day_rows.append(
                    (pk, patient_id, day, False, "none", None, None, False, False, False, False,
                     False, False, False, "", False, False, False, "", "patient", False, None,
                     stamp, stamp)
                )  # fmt: skip
                continue
            (severity, hours, one_sided, pulsating, worse, nausea, light, sound, aura, relief,
             missed_work, bed_rest) = fields  # fmt: skip
            day_rows.append(
                (pk, patient_id, day, True, severity, None, hours, one_sided, pulsating, worse,
                 nausea, light, sound, aura, relief, missed_work, False, bed_rest, "", "patient",
                 False, None, stamp, stamp)
            )  # fmt: skip
            if taken:
                medicine_id, medicine_class = mine[taken[0]]
                dose_rows.append((pk, medicine_id, medicine_class, taken[1]))
    return {
        "patient medicines": copy_rows(
            cursor,
            "diaries_patientmedicine",
            ["id", "patient_id", "name", "medicine_class", "usual_dose", "active"],
            medicine_rows,
        ),
        "diary days": copy_rows(cursor, "diaries_diaryday", DAY_COLUMNS, day_rows),
        "diary doses": copy_rows(
            cursor,
            "diaries_diarydose",
            ["day_id", "medicine_id", "medicine_class", "doses"],
            dose_rows,
        ),
    }
