"""Demo courses for `seed_demo` that show every suggested verdict, and reviews with scores.

Nine extra demo patients (MRN DEMOR0001…), each with sessions and a diary laid out so that one
verdict applies today; the last has had two reviews, so MIDAS and HIT-6 show a trend. They are
separate from the other demo patients so that no other seeding step changes their verdict.
Idempotent: a patient that exists is left as it is.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from diaries.models import DiaryDay, Severity
from patients.models import Diagnosis, Patient
from reviews.models import Decision, Review, Verdict
from reviews.reviewing import review_record
from treatments.models import InjectionSession
from treatments.protocols import preempt_protocol


@dataclass(frozen=True)
class Course:
    """Sessions `days_ago`; headache days per 28 at baseline and in each later cycle."""

    given: str
    family: str
    verdict: Verdict
    days_ago: list[int]
    baseline: int
    cycles: list[int]
    logged_every: int = 1  # 2: only every other day is logged (50% coverage)
    sparse_baseline: bool = False
    sparse_after_last_session: bool = False
    # (days ago, MIDAS, HIT-6, decision, reason)
    reviews: list[tuple[int, int, int, Decision, str]] = field(default_factory=list)
    diagnosis: Diagnosis = Diagnosis.CHRONIC_MIGRAINE


COURSES = [
    Course("Ada", "Baseline", Verdict.AWAITING_BASELINE, [], 22, []),
    Course("Ben", "Cycleone", Verdict.AWAITING_CYCLE_2, [120, 36], 22, [18, 14]),
    Course("Cara", "Gaps", Verdict.INSUFFICIENT_DATA, [200, 116, 32], 22, [16, 12, 12],
           sparse_baseline=True),
    Course("Dev", "Stillbad", Verdict.INADEQUATE_RESPONSE, [200, 116, 32], 22, [20, 19, 19]),
    Course("Erin", "Episodic", Verdict.EPISODIC, [250, 166, 82], 22, [14, 10, 10]),
    Course("Femi", "Halved", Verdict.RESPONDER_50, [200, 116, 32], 22, [14, 8, 8],
           sparse_after_last_session=True),
    Course("Gus", "Better", Verdict.RESPONDING, [200, 116, 32], 26, [20, 16, 16]),
    Course("Hana", "Longterm", Verdict.RESPONDER_50, [452, 368, 284, 200, 116, 32], 24,
           [18, 16, 9, 9, 8, 8], sparse_after_last_session=True,
           reviews=[(284, 24, 64, Decision.CONTINUE, ""),
                    (116, 9, 55, Decision.CONTINUE, "Still 9 headache days a month: a break "
                     "after one more cycle, as she prefers.")]),
    Course("Ivo", "Cluster", Verdict.NOT_ASSESSED, [200, 116, 32], 12, [8, 5, 5],
           diagnosis=Diagnosis.CLUSTER),
]  # fmt: skip


def spread(days: int, per_28: int) -> list[bool]:
    """`days` days with `per_28` headache days in every 28, spread evenly."""
    return [(i + 1) * per_28 // 28 > i * per_28 // 28 for i in range(days)]


def _diary(patient: Patient, course: Course, sessions: list[date], today: date) -> list:
    first = sessions[0] if sessions else today
    segments = [(first - timedelta(days=28), first, course.baseline)]
    for index, start in enumerate(sessions):
        end = sessions[index + 1] if index + 1 < len(sessions) else today
        segments.append((start, end, course.cycles[index]))
    days = []
    for index, (start, end, per_28) in enumerate(segments):
        sparse = (course.sparse_baseline and index == 0) or (
            course.sparse_after_last_session and index == len(segments) - 1 and index > 0
        )
        for offset, headache in enumerate(spread((end - start).days, per_28)):
            if (sparse and offset % 2) or offset % course.logged_every:
                continue
            days.append(
                DiaryDay(
                    patient=patient,
                    day=start + timedelta(days=offset),
                    headache=headache,
                    severity=Severity.MODERATE if headache else Severity.NONE,
                    one_sided=headache,
                    nausea_vomiting=headache and offset % 3 == 0,
                    hours=Decimal(6) if headache else None,
                )
            )
    return days


def demo_session(patient, number: int, day: date, neurologist, lot: str) -> InjectionSession:
    """A signed PREEMPT session of 155 U on `day` (45 U of the 200 U vial discarded)."""
    return InjectionSession.objects.create(
        patient=patient,
        number=number,
        performed_on=day,
        injector=neurologist,
        recorded_by=neurologist,
        signed_by=neurologist,
        signed_at=datetime.combine(day, time(11)).astimezone(),
        protocol=preempt_protocol(),
        indication=patient.primary_diagnosis,
        lot_number=lot,
        lot_expiry=day + timedelta(days=300),
        reconstituted_at=datetime.combine(day, time(9)).astimezone(),
        units_given=Decimal(155),
        units_discarded=Decimal(45),
    )


def _sessions(patient, course, neurologist, today) -> list[date]:
    dates = [today - timedelta(days=ago) for ago in course.days_ago]
    for number, day in enumerate(dates, start=1):
        demo_session(patient, number, day, neurologist, f"C{4100 + number}C3")
    return dates


@transaction.atomic
def seed_reviews(*, neurologists: list, today: date) -> list[Patient]:
    """The demo courses above, their diaries and reviews. Returns the course patients."""
    neurologist = neurologists[0]
    patients = []
    for number, course in enumerate(COURSES, start=1):
        mrn = f"DEMOR{number:04d}"
        patient = Patient.objects.filter(mrn=mrn).first()
        if patient is None:
            patient = Patient.objects.create(
                mrn=mrn,
                given_name=course.given,
                family_name=course.family,
                date_of_birth=date(1975 + number, number, 10 + number),
                status=Patient.Status.ACTIVE,
                primary_diagnosis=course.diagnosis,
                registered_on=today - timedelta(days=(course.days_ago or [0])[0] + 60),
                referring_clinician="Dr R. Mason, Parkside Surgery",
                consent_date=today - timedelta(days=(course.days_ago or [0])[0] + 30),
                consent_taken_by=neurologist,
            )
            sessions = _sessions(patient, course, neurologist, today)
            bulk_create_with_history(_diary(patient, course, sessions, today), DiaryDay)
            for ago, midas, hit6, decision, reason in course.reviews:
                review = Review(
                    patient=patient,
                    reviewed_on=today - timedelta(days=ago),
                    midas=midas,
                    hit6=hit6,
                    decision=decision,
                    reason=reason,
                )
                review_record(review=review, reviewed_by=neurologist)
        patients.append(patient)
    return patients
