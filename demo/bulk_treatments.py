"""Treatment courses for the large demo clinic (`seed_demo --years`): synthetic neurologists
and their clinics, sessions every ~12 weeks with PREEMPT sites, adverse events, reviews, and
appointments that never clash (the no-overlap constraints hold), written with COPY.

Courses keep the rules of DOMAIN.md §1: sessions are at least 74 days apart (so no 84-day window
holds more than two, at most 390 U), each at most 195 U; one under 84 days records why.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.roles import GROUP_NAMES, Role
from demo.bulk_copy import allocate_ids, copy_rows
from demo.patients import FAMILY_NAMES, GIVEN_NAMES
from demo.sessions import COMMON_SIDE_EFFECTS, INTERVAL_DRIFT
from patients.models import Patient
from reviews.models import Decision, Verdict
from scheduling.models import (
    Appointment,
    ClinicianClinic,
    Closure,
    CourseStatus,
    OpeningHours,
)
from treatments.models import AdverseEvent
from treatments.protocols import PREEMPT_ADDITIONS, preempt_protocol

INTERVAL = 84
SLOT_MINUTES = 20
CLINIC_START, CLINIC_END = time(9), time(17)
SLOTS_PER_DAY = 24  # 09:00 to 17:00 in 20-minute slots
PATIENTS_PER_NEUROLOGIST = 500
Kind, Status = Appointment.Kind, Appointment.Status
SERIOUS = sorted(AdverseEvent.SERIOUS_KINDS)
CANCEL_REASONS = ["Patient unwell", "Clash with work", "Transport problems", "Clinic rescheduled"]
EARLY = "Travelling abroad on the due date; brought forward."
PAUSE_REASON = "Episodic for 3 months: a treatment break."
PAUSE_DAYS = 2 * INTERVAL  # a pause's resume date, from the review's day
COURSE_STATES = {Decision.STOP: CourseStatus.STOPPED, Decision.PAUSE: CourseStatus.PAUSED}


def neurologist_count(patients: int) -> int:
    return math.ceil(patients / PATIENTS_PER_NEUROLOGIST) + 2


def synthetic_neurologists(count: int) -> dict[int, tuple[int, ...]]:
    """Neurologists `neuro.large01`… (no password: they are not demo logins), each holding a
    full-day clinic on three weekdays. Returns their ids with those weekdays."""
    group = Group.objects.get(name=GROUP_NAMES[Role.NEUROLOGIST])
    for weekday in range(5):
        OpeningHours.objects.get_or_create(
            weekday=weekday, defaults={"opens_at": time(8, 30), "closes_at": time(17, 30)}
        )
    clinicians = {}
    for number in range(1, count + 1):
        rng = random.Random(f"large-clinic-neurologist-{number}")
        user, created = get_user_model().objects.get_or_create(
            username=f"neuro.large{number:02d}",
            defaults={
                "first_name": rng.choice(GIVEN_NAMES),
                "last_name": rng.choice(FAMILY_NAMES),
                "email": f"neuro.large{number:02d}@example.org",
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
        weekdays = tuple(sorted({(number + offset) % 5 for offset in range(3)}))
        for weekday in weekdays:
            ClinicianClinic.objects.get_or_create(
                clinician=user,
                weekday=weekday,
                starts_at=CLINIC_START,
                defaults={"ends_at": CLINIC_END, "slot_minutes": SLOT_MINUTES},
            )
        clinicians[user.pk] = weekdays
    return clinicians


@dataclass(frozen=True)
class Visit:
    day: date
    clinician_id: int
    starts_at: datetime
    ends_at: datetime


class SlotBook:
    """Which 20-minute slots of the synthetic neurologists' clinics are taken (held in memory,
    loaded from the database at the start), so booked appointments never overlap."""

    def __init__(self, clinicians: dict[int, tuple[int, ...]], cursor):
        self.by_weekday = {
            weekday: [pk for pk, days in clinicians.items() if weekday in days]
            for weekday in range(5)
        }
        self.works = clinicians
        today = timezone.localdate()
        self.closed = {
            closure.starts_on + timedelta(days=n)
            for closure in Closure.objects.filter(ends_on__gte=today - timedelta(days=3700))
            for n in range((closure.ends_on - closure.starts_on).days + 1)
        }
        self.taken: set[tuple[int, date, int]] = set()
        cursor.execute(
            "SELECT clinician_id, starts_at, ends_at FROM scheduling_appointment "
            "WHERE clinician_id = ANY(%s) AND status <> 'cancelled'",
            [list(clinicians)],
        )
        for clinician_id, starts_at, ends_at in cursor.fetchall():
            start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
            first = _minutes(start.time()) // SLOT_MINUTES
            last = math.ceil(_minutes(end.time()) / SLOT_MINUTES)
            for index in range(max(first, 0), last):
                self.taken.add((clinician_id, start.date(), index))

    def release(self, visit: Visit) -> None:
        """Free a slot booked but not used."""
        start = timezone.localtime(visit.starts_at).time()
        first = _minutes(start) // SLOT_MINUTES
        need = math.ceil((visit.ends_at - visit.starts_at).total_seconds() / 60 / SLOT_MINUTES)
        for index in range(first, first + need):
            self.taken.discard((visit.clinician_id, visit.day, index))

    def open_on(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.closed

    def open_day(self, day: date) -> date:
        while not self.open_on(day):
            day += timedelta(days=1)
        return day

    def clinic_day(self, day: date, clinician_id: int) -> date:
        """The first open day from `day` on which this clinician holds clinic."""
        day = self.open_day(day)
        while day.weekday() not in self.works[clinician_id]:
            day = self.open_day(day + timedelta(days=1))
        return day

    def book(self, day: date, preferred: int, rng: random.Random, minutes=SLOT_MINUTES) -> Visit:
        """A free slot on `day` (or the next open day), with `preferred` if they have room."""
        need = math.ceil(minutes / SLOT_MINUTES)
        while True:
            day = self.open_day(day)
            others = self.by_weekday[day.weekday()]
            turn = rng.randrange(len(others)) if others else 0
            candidates = [preferred] + others[turn:] + others[:turn]
            offset = rng.randrange(SLOTS_PER_DAY)
            for clinician_id in candidates:
                if day.weekday() not in self.works[clinician_id]:
                    continue
                for step in range(SLOTS_PER_DAY - need + 1):
                    index = (offset + step) % (SLOTS_PER_DAY - need + 1)
                    wanted = [(clinician_id, day, index + n) for n in range(need)]
                    if any(key in self.taken for key in wanted):
                        continue
                    self.taken.update(wanted)
                    starts_at = timezone.make_aware(
                        datetime.combine(day, CLINIC_START)
                        + timedelta(minutes=SLOT_MINUTES * index)
                    )
                    ends_at = starts_at + timedelta(minutes=minutes)
                    return Visit(day, clinician_id, starts_at, ends_at)
            day += timedelta(days=1)


def _minutes(at: time) -> int:
    return (at.hour - CLINIC_START.hour) * 60 + at.minute - CLINIC_START.minute


@dataclass
class Course:
    """What happened to one patient: sessions, reviews and appointments, planned in memory."""

    sessions: list[dict] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)
    appointments: list[dict] = field(default_factory=list)


# profile → (verdict, decision, reason) at a review
REVIEW_OUTCOMES = {
    "responder": (Verdict.RESPONDER_50, Decision.CONTINUE, ""),
    "partial": (Verdict.RESPONDING, Decision.CONTINUE, ""),
    "non-responder": (
        Verdict.INADEQUATE_RESPONSE,
        Decision.STOP,
        "Under 30% fewer headache days after two cycles: treatment stopped (NICE TA260).",
    ),
    "overuse": (
        Verdict.INADEQUATE_RESPONSE,
        Decision.EXTEND,
        "Medication overuse is being withdrawn first; review again after one more cycle.",
    ),
    "sparse": (
        Verdict.INSUFFICIENT_DATA,
        Decision.CONTINUE,
        "Diary too sparse for a verdict; asked to log every day before the next review.",
    ),
}
SCORES = {  # profile → (MIDAS range, HIT-6 range) at review
    "responder": ((1, 12), (44, 56)),
    "partial": ((8, 22), (52, 62)),
    "non-responder": ((20, 70), (60, 72)),
    "overuse": ((20, 60), (60, 72)),
    "sparse": ((5, 30), (50, 66)),
}


def plan_course(plan, slots: SlotBook, today: date) -> Course:
    """Sessions every ~12 weeks from the first one until yesterday, with a review at the third
    (and seventh) visit. Non-responders stop at review (some after a third cycle), a few drop
    out, some responders pause; the rest have their next visit booked. Sets `plan.status`."""
    rng = random.Random(f"large-clinic-course-{plan.number}")
    course = Course()
    if plan.first_session is None:
        plan.status = Patient.Status.REFERRED
        if plan.flag != "hypersensitivity" and rng.random() < 0.6:
            visit = slots.book(today + timedelta(days=rng.randint(3, 42)), plan.neurologist_id,
                               rng, minutes=30)  # fmt: skip
            course.appointments.append(_appointment(visit, Kind.NEW, Status.BOOKED))
        return course
    profile = plan.profile
    drop_out_after = rng.randint(1, 6) if rng.random() < 0.06 else None
    extends = profile == "non-responder" and rng.random() < 0.3
    pauses = profile == "responder" and rng.random() < 0.2
    due = plan.first_session
    last = None
    while True:
        number = len(course.sessions) + 1
        day = slots.clinic_day(due, plan.neurologist_id)
        review_now = number in (3, 7) or (extends and number == 4)
        if day >= today:
            break
        visit = slots.book(day, plan.neurologist_id, rng, minutes=30 if review_now else 20)
        if visit.day >= today:
            slots.release(visit)
            break
        if rng.random() < 0.04:  # did not attend a week before, then came
            missed = slots.book(visit.day - timedelta(days=7), plan.neurologist_id, rng)
            if missed.day < visit.day:
                course.appointments.append(_appointment(missed, Kind.INJECTION, Status.NO_SHOW))
            else:
                slots.release(missed)
        if rng.random() < 0.03:
            cancelled = slots.book(visit.day - timedelta(days=14), plan.neurologist_id, rng)
            course.appointments.append(
                _appointment(cancelled, Kind.INJECTION, Status.CANCELLED,
                             cancellation_reason=rng.choice(CANCEL_REASONS))
            )  # fmt: skip
        if review_now:
            verdict, decision, reason = REVIEW_OUTCOMES[profile]
            if profile == "non-responder" and extends and number == 3:
                decision = Decision.EXTEND
                reason = "Minor improvement; one more cycle before stopping (EHF guideline)."
            if pauses and number == 7:
                verdict, decision, reason = Verdict.EPISODIC, Decision.PAUSE, PAUSE_REASON
            if profile == "overuse" and number == 7:
                decision = Decision.CONTINUE
            course.reviews.append(_review(rng, plan, visit, verdict, decision, reason))
            if decision in (Decision.STOP, Decision.PAUSE):
                course.appointments.append(_appointment(visit, Kind.REVIEW, Status.COMPLETED))
                stopped = decision == Decision.STOP
                plan.status = Patient.Status.DISCHARGED if stopped else Patient.Status.PAUSED
                plan.stopped_on = visit.day
                break
        gap = (visit.day - last).days if last else INTERVAL
        course.sessions.append(
            {
                "number": number,
                "visit": visit,
                "early_reason": EARLY if gap < INTERVAL else "",
            }
        )
        course.appointments.append(
            _appointment(visit, Kind.REVIEW if review_now else Kind.INJECTION, Status.COMPLETED)
        )
        last = visit.day
        if drop_out_after == number:
            plan.status = Patient.Status.DISCHARGED
            plan.stopped_on = min(visit.day + timedelta(days=INTERVAL), today)
            break
        due = visit.day + timedelta(days=INTERVAL + rng.choice(INTERVAL_DRIFT))
    if plan.status == Patient.Status.ACTIVE and course.sessions and rng.random() < 0.95:
        day = max(due, today + timedelta(days=1))
        visit = slots.book(slots.clinic_day(day, plan.neurologist_id), plan.neurologist_id, rng)
        early = (visit.day - last).days < INTERVAL
        course.appointments.append(
            _appointment(visit, Kind.INJECTION, Status.BOOKED, early_reason=EARLY if early else "")
        )
    plan.sessions = [session["visit"].day for session in course.sessions]
    return course


def _appointment(visit: Visit, kind: str, status: str, **extra) -> dict:
    return {"visit": visit, "kind": kind, "status": status, **extra}


def _review(rng, plan, visit: Visit, verdict, decision, reason) -> dict:
    midas, hit6 = SCORES[plan.profile]
    return {
        "visit": visit,
        "verdict": verdict,
        "decision": decision,
        "reason": reason,
        "midas": rng.randint(*midas),
        "hit6": rng.randint(*hit6),
    }


SESSION_COLUMNS = [
    "id", "patient_id", "number", "performed_on", "injector_id", "protocol_id", "indication",
    "product", "vial_size", "vials_used", "lot_number", "lot_expiry", "dilution",
    "reconstituted_at", "units_given", "units_discarded", "early_reason",
    "precautions_acknowledged", "contraindication_override", "notes", "form_token",
    "recorded_by_id", "recorded_at", "signed_by_id", "signed_at",
]  # fmt: skip
APPOINTMENT_COLUMNS = [
    "patient_id", "clinician_id", "kind", "starts_at", "ends_at", "status",
    "cancellation_reason", "early_reason", "notes", "booked_by_id", "status_changed_at",
    "status_changed_by_id", "created_at",
]  # fmt: skip


def write_courses(cursor, plans, courses: list[Course], today: date) -> dict[str, int]:
    """Sessions with their sites and adverse events, reviews and appointments, by COPY."""
    protocol = preempt_protocol()
    sites = list(protocol.sites.values_list("id", "muscle_group", "side", "default_units"))
    spots = [group for group, count in PREEMPT_ADDITIONS for _ in range(count)]
    now = timezone.now()
    ids = iter(allocate_ids(cursor, "treatments_injectionsession", sum(
        len(course.sessions) for course in courses)))  # fmt: skip
    session_rows, site_rows, event_rows = [], [], []
    for plan, course in zip(plans, courses, strict=True):
        rng = random.Random(f"large-clinic-sessions-{plan.number}")
        for session in course.sessions:
            visit, pk = session["visit"], next(ids)
            additions = []
            if rng.random() < 0.35:
                additions = rng.sample(spots, rng.randint(2, len(spots)))
            units = sum(default for _, _, _, default in sites) + 5 * len(additions)
            signed = visit.day < today - timedelta(days=1)
            session_rows.append(
                (
                    pk, plan.id, session["number"], visit.day, visit.clinician_id, protocol.pk,
                    plan.diagnosis, "botox", 200, 1,
                    f"C{rng.randint(1000, 9999)}C{rng.randint(2, 4)}",
                    visit.day + timedelta(days=rng.randint(60, 600)), 5,
                    timezone.make_aware(datetime.combine(visit.day, time(8, 30))), units,
                    200 - units, session["early_reason"], plan.flag is not None, "", "", None,
                    visit.clinician_id, visit.ends_at,
                    visit.clinician_id if signed else None,
                    visit.ends_at + timedelta(hours=2) if signed else None,
                )
            )  # fmt: skip
            site_rows += [(pk, site_id, group, side, units_, False)
                          for site_id, group, side, units_ in sites]  # fmt: skip
            site_rows += [(pk, None, group, rng.choice(["left", "right"]), 5, False)
                          for group in additions]  # fmt: skip
            if rng.random() < 0.12:
                event_rows.append(_adverse_event(rng, pk, visit, today, now))
    return {
        "injection sessions": copy_rows(
            cursor, "treatments_injectionsession", SESSION_COLUMNS, session_rows
        ),
        "injected sites": copy_rows(
            cursor,
            "treatments_injectedsite",
            ["session_id", "protocol_site_id", "muscle_group", "side", "units", "skipped"],
            site_rows,
        ),
        "adverse events": copy_rows(
            cursor,
            "treatments_adverseevent",
            [
                "session_id",
                "kind",
                "description",
                "onset_on",
                "severity",
                "outcome",
                "serious",
                "notes",
                "recorded_by_id",
                "recorded_at",
                "acknowledged_by_id",
                "acknowledged_at",
            ],
            event_rows,
        ),  # fmt: skip
        "reviews": copy_rows(
            cursor,
            "reviews_review",
            [
                "patient_id",
                "reviewed_on",
                "midas",
                "hit6",
                "suggested_verdict",
                "decision",
                "reason",
                "reviewed_by_id",
                "recorded_at",
            ],
            (
                (
                    plan.id,
                    review["visit"].day,
                    review["midas"],
                    review["hit6"],
                    review["verdict"],
                    review["decision"],
                    review["reason"],
                    review["visit"].clinician_id,
                    review["visit"].ends_at,
                )
                for plan, course in zip(plans, courses, strict=True)
                for review in course.reviews
            ),
        ),  # fmt: skip
        "course states": copy_rows(
            cursor,
            "scheduling_coursestate",
            ["patient_id", "status", "since", "resume_on", "reason", "changed_by_id", "changed_at"],
            (
                _course_state(plan, course.reviews[-1])
                for plan, course in zip(plans, courses, strict=True)
                if course.reviews and course.reviews[-1]["decision"] in COURSE_STATES
            ),
        ),
        "appointments": copy_rows(
            cursor,
            "scheduling_appointment",
            APPOINTMENT_COLUMNS,
            (
                _appointment_row(plan, appointment, now)
                for plan, course in zip(plans, courses, strict=True)
                for appointment in course.appointments
            ),
        ),
    }


def _course_state(plan, review: dict) -> tuple:
    """The course a stop or a pause left, as `reviews.reviewing.review_record` sets it."""
    visit, decision = review["visit"], review["decision"]
    resume_on = visit.day + timedelta(days=PAUSE_DAYS) if decision == Decision.PAUSE else None
    status = COURSE_STATES[decision]
    return (plan.id, status, visit.day, resume_on, review["reason"], visit.clinician_id,
            visit.ends_at)  # fmt: skip


def _adverse_event(rng, session_id: int, visit: Visit, today: date, now: datetime) -> tuple:
    onset = min(visit.day + timedelta(days=rng.randint(1, 5)), today)
    recorded_at = min(timezone.make_aware(datetime.combine(onset, time(12))), now)
    if rng.random() < 0.01:  # distant spread of toxin effect: acknowledged unless recent
        acknowledged = onset < today - timedelta(days=14)
        return (
            session_id, rng.choice(SERIOUS), "", onset, AdverseEvent.Severity.SEVERE,
            AdverseEvent.Outcome.RESOLVED if acknowledged else AdverseEvent.Outcome.ONGOING,
            True, "Phoned the clinic; advised to attend A&E.", visit.clinician_id, recorded_at,
            visit.clinician_id if acknowledged else None,
            recorded_at + timedelta(hours=3) if acknowledged else None,
        )  # fmt: skip
    resolved = onset < today - timedelta(days=14)
    return (
        session_id, rng.choice(COMMON_SIDE_EFFECTS), "", onset,
        rng.choice([AdverseEvent.Severity.MILD, AdverseEvent.Severity.MILD,
                    AdverseEvent.Severity.MODERATE]),
        AdverseEvent.Outcome.RESOLVED if resolved else AdverseEvent.Outcome.ONGOING,
        False, "", visit.clinician_id, recorded_at, None, None,
    )  # fmt: skip


def _appointment_row(plan, appointment: dict, now: datetime) -> tuple:
    visit = appointment["visit"]
    booked_at = min(visit.starts_at - timedelta(days=14), now)
    changed_at = booked_at if appointment["status"] == Status.BOOKED else min(visit.ends_at, now)
    return (
        plan.id, visit.clinician_id, appointment["kind"], visit.starts_at, visit.ends_at,
        appointment["status"], appointment.get("cancellation_reason", ""),
        appointment.get("early_reason", ""), "", visit.clinician_id, changed_at,
        visit.clinician_id, booked_at,
    )  # fmt: skip
