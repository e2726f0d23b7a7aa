"""Demo courses for `seed_demo` that show each decision and each course state (DOMAIN.md §4).

Six extra demo patients (MRN DEMOC0001…), each with three sessions 84 days apart and one
decision recorded through the review's domain function, so the course follows it as it would
in the clinic: continue, one more cycle, a pause under way (with an injection booked during
it, for the desk to cancel or keep), a pause that has ended (its review is due), a stop (with
a booking left standing), and a stop followed by a restart (a new course, not started yet).
Idempotent: a patient that exists is left as it is.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from demo.reviews import demo_session
from demo.schedule import book_first_free
from patients.models import Patient
from reviews.models import Decision, Review
from reviews.reviewing import review_record
from scheduling.courses import course_restart


@dataclass(frozen=True)
class DemoCourse:
    given: str
    family: str
    last_session_ago: int  # days since session 3
    decision: Decision
    decided_ago: int
    reason: str
    resume_in: int | None = None  # days from the decision's day, for a pause
    restart_ago: int | None = None  # days ago the course restarted
    book_ahead: bool = False  # an injection booked in the coming weeks


COURSES = [
    DemoCourse("Cleo", "Continued", 20, Decision.CONTINUE, 20, "Responding: 42% fewer days."),
    DemoCourse("Eli", "Extended", 30, Decision.EXTEND, 30, "EHF: a third cycle before judging."),
    DemoCourse(
        "Pia", "Paused", 40, Decision.PAUSE, 40, "Episodic for 3 months: a treatment break.",
        resume_in=120, book_ahead=True,
    ),
    DemoCourse(
        "Paul", "Resumed", 130, Decision.PAUSE, 130, "A break over the summer.", resume_in=120
    ),
    DemoCourse(
        "Stan", "Stopped", 15, Decision.STOP, 15, "Under 30% fewer days after three cycles.",
        book_ahead=True,
    ),
    DemoCourse(
        "Rhea", "Restarted", 300, Decision.STOP, 290, "No benefit.", restart_ago=10
    ),
]  # fmt: skip


def _sessions(patient, course: DemoCourse, neurologist, today: date) -> None:
    last = today - timedelta(days=course.last_session_ago)
    for number, day in enumerate([last - timedelta(days=168), last - timedelta(days=84), last], 1):
        demo_session(patient, number, day, neurologist, f"D{5100 + number}C3")


@transaction.atomic
def seed_courses(*, neurologists: list, today: date) -> list[Patient]:
    """The demo courses above. Returns their patients."""
    neurologist = neurologists[0]
    patients = []
    for number, course in enumerate(COURSES, start=1):
        mrn = f"DEMOC{number:04d}"
        patient = Patient.objects.filter(mrn=mrn).first()
        if patient is None:
            first = today - timedelta(days=course.last_session_ago + 168)
            patient = Patient.objects.create(
                mrn=mrn,
                given_name=course.given,
                family_name=course.family,
                date_of_birth=date(1970 + number, number, 3 + number),
                status=Patient.Status.ACTIVE,
                registered_on=first - timedelta(days=60),
                referring_clinician="Dr R. Mason, Parkside Surgery",
                consent_date=first - timedelta(days=30),
                consent_taken_by=neurologist,
            )
            _sessions(patient, course, neurologist, today)
            if course.book_ahead:  # booked before the decision, as the desk would have
                book_first_free(patient, neurologists, today + timedelta(days=7))
            decided_on = today - timedelta(days=course.decided_ago)
            review = Review(
                patient=patient,
                reviewed_on=decided_on,
                decision=course.decision,
                reason=course.reason,
                resume_on=decided_on + timedelta(days=course.resume_in)
                if course.resume_in
                else None,
            )
            review_record(review=review, reviewed_by=neurologist, today=decided_on)
            if course.restart_ago is not None:
                course_restart(
                    patient=patient,
                    started_on=today - timedelta(days=course.restart_ago),
                    reason="Chronic migraine back after the break; a new baseline.",
                    by=neurologist,
                    today=today,
                )
        patients.append(patient)
    return patients
