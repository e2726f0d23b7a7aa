"""The course a patient is on: its state, what follows a review decision, restarts (DOMAIN.md §4).

- `course_follow` is called by the review's decision (`reviews.reviewing.review_record`) in the
  same transaction: continue and one more cycle make the course active, pause pauses it until a
  resume date, stop stops it.
- `course_restart` is the explicit restart after a stop or pause: a new course, with a new
  baseline, from `started_on`; the sessions before belong to the old course.
- `course_of` is what every screen shows (the chart, the booking page, the portal, the
  progress report): the state as of a day, with the next due date from the one rule.
- `bookings_against_course` lists the future injection bookings a stop or pause leaves
  standing, for the desk to cancel (`scheduling.booking`) or keep (`booking_keep`).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from scheduling.models import Appointment, CourseState, CourseStatus, CourseSummary

NOT_STARTED = "not-started"  # an active course with no session yet (new, or just restarted)


@dataclass(frozen=True)
class Course:
    """A patient's course as of a day, as the screens and the progress report show it."""

    status: str  # active, paused, stopped or not-started
    since: date | None
    resume_on: date | None
    started_on: date | None
    next_injection_due: date | None
    session_count: int
    reason: str = ""

    @property
    def label(self) -> str:
        return "Not started" if self.status == NOT_STARTED else CourseStatus(self.status).label

    @property
    def badge(self) -> str:
        return {
            CourseStatus.STOPPED: "text-bg-danger",
            CourseStatus.PAUSED: "text-bg-warning",
        }.get(self.status, "text-bg-success")

    @property
    def due_sentence(self) -> str:
        """The next injection, or why none is due."""
        if self.status == CourseStatus.STOPPED:
            return f"No injection due: stopped on {self.since:%-d %b %Y}."
        if self.status == CourseStatus.PAUSED:
            return f"No injection due: paused until {self.resume_on:%-d %b %Y}."
        if self.next_injection_due:
            return f"Next injection due {self.next_injection_due:%-d %b %Y}."
        return "No injection yet."


def effective_status(status: str, resume_on: date | None, session_count: int, today: date) -> str:
    """A pause ends on its resume date; an active course with no session is not started."""
    if status == CourseStatus.STOPPED:
        return status
    if status == CourseStatus.PAUSED and resume_on and resume_on > today:
        return status
    return NOT_STARTED if session_count == 0 else CourseStatus.ACTIVE


def paused_or_stopped(today: date, prefix: str = "course__") -> Q:
    """Patients (or rows reaching them through `prefix`) whose course is stopped or paused
    as of `today`: off the injection lists."""
    return Q(**{f"{prefix}status": CourseStatus.STOPPED}) | Q(
        **{f"{prefix}status": CourseStatus.PAUSED, f"{prefix}resume_on__gt": today}
    )


def courses_of(patient_ids, today: date) -> dict[int, Course]:
    """Each patient's course as of `today` (one query, whatever their number)."""
    rows = CourseSummary.objects.filter(patient_id__in=list(patient_ids)).values(
        "patient_id",
        "status",
        "resume_on",
        "course_started_on",
        "injection_due_on",
        "session_count",
        since=F("patient__course_state__since"),
        reason=F("patient__course_state__reason"),
    )
    courses = {}
    for row in rows:
        status = effective_status(row["status"], row["resume_on"], row["session_count"], today)
        courses[row["patient_id"]] = Course(
            status=status,
            since=row["since"],
            resume_on=row["resume_on"] if status == CourseStatus.PAUSED else None,
            started_on=row["course_started_on"],
            next_injection_due=row["injection_due_on"],
            session_count=row["session_count"],
            reason=row["reason"] or "",
        )
    return courses


def course_of(patient, today: date) -> Course:
    """The patient's course as of `today` (one query)."""
    found = courses_of([patient.pk], today)
    return found.get(patient.pk) or Course(NOT_STARTED, None, None, None, None, 0)


def _save(state: CourseState, by) -> CourseState:
    state.changed_by = by
    state._history_user = by
    state.full_clean()
    state.save()
    return state


def _state(patient) -> CourseState:
    return CourseState.objects.select_for_update().filter(patient=patient).first() or CourseState(
        patient=patient
    )


def _sessions_in_course(patient, started_on: date | None):
    sessions = patient.sessions.all()
    return sessions.filter(performed_on__gte=started_on) if started_on else sessions


def course_follow(
    *, patient, status: str, on: date, reason: str, by, today: date, resume_on: date | None = None
) -> CourseState:
    """Set the course to follow a decision made on `on`: active, paused until `resume_on`,
    or stopped. Refuses a pause without a future resume date and a stop with no session."""
    with transaction.atomic():
        state = _state(patient)
        if status == CourseStatus.PAUSED:
            if resume_on is None:
                raise ValidationError({"resume_on": "Give the date treatment resumes."})
            if resume_on <= max(today, on):
                raise ValidationError(
                    {"resume_on": "The resume date must be in the future, after the pause."}
                )
        if (
            status == CourseStatus.STOPPED
            and not _sessions_in_course(patient, state.started_on).exists()
        ):
            raise ValidationError(
                "There is no session in this course to stop: treatment has not started."
            )
        state.status = status
        state.since = on
        state.resume_on = resume_on if status == CourseStatus.PAUSED else None
        state.reason = reason.strip()
        return _save(state, by)


def course_restart(
    *, patient, started_on: date | None, reason: str, by, today: date
) -> CourseState:
    """Restart treatment after a stop or a pause: a new course from `started_on`, whose
    baseline and cycles count only the sessions from that day on."""
    errors = {}
    if started_on is None:
        errors["started_on"] = "Give the new baseline date: the day the new course starts."
    elif started_on > today:
        errors["started_on"] = "The new course cannot start in the future."
    if not reason.strip():
        errors["reason"] = "Record why treatment restarts."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        state = _state(patient)
        if state.status == CourseStatus.ACTIVE:
            raise ValidationError("The course is active: there is nothing to restart.")
        last = patient.sessions.order_by("-performed_on").values_list("performed_on", flat=True)
        last = last.first()
        if last and started_on <= last:
            message = f"The new course must start after the last session ({last:%-d %b %Y})."
            raise ValidationError({"started_on": message})
        state.status = CourseStatus.ACTIVE
        state.since = started_on
        state.resume_on = None
        state.started_on = started_on
        state.reason = reason.strip()
        return _save(state, by)


def bookings_against_course(today: date, now: datetime):
    """Future injection bookings of patients whose course is stopped, or paused past the
    booking's day, that the desk has not chosen to keep since the course last changed."""
    state = "patient__course_state__"
    against = Q(**{f"{state}status": CourseStatus.STOPPED}) | Q(
        **{f"{state}status": CourseStatus.PAUSED, "starts_at__date__lt": F(f"{state}resume_on")}
    )
    not_kept = Q(kept_at__isnull=True) | Q(kept_at__lt=F(f"{state}changed_at"))
    return (
        Appointment.objects.for_display()
        .filter(kind=Appointment.Kind.INJECTION, status=Appointment.Status.BOOKED)
        .filter(starts_at__gte=now)
        .filter(against & not_kept)
        .select_related("patient__course_state")
        .order_by("starts_at", "pk")
    )


def booking_keep(appointment: Appointment, *, by, now: datetime) -> Appointment:
    """Keep a booking although the course is stopped or paused: recorded, who and when."""
    appointment.kept_by = by
    appointment.kept_at = now
    appointment._history_user = by
    appointment.save(update_fields=["kept_by", "kept_at"])
    return appointment


def session_warnings(patient, on: date) -> list[str]:
    """`treatments.session_warnings` provider: a standing stop or pause (DOMAIN.md §4)."""
    state = CourseState.objects.filter(patient=patient).first()
    if state is None:
        return []
    why = f" ({state.reason})" if state.reason else ""
    if state.status == CourseStatus.STOPPED:
        return [
            f"Treatment was stopped on {state.since:%-d %b %Y}{why}. Record why you inject "
            "again, or restart the course from the progress page."
        ]
    if state.status == CourseStatus.PAUSED and state.resume_on > on:
        return [
            f"Treatment is paused until {state.resume_on:%-d %b %Y} (since "
            f"{state.since:%-d %b %Y}){why}. Record why you inject during the pause."
        ]
    return []
