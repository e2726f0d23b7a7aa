"""Reviews and course restarts brought in (from a FHIR Bundle: `records_in.fhir_in`), each
through its domain function: `reviews.reviewing.review_record` (which sets the course as the
decision does) and `scheduling.courses.course_restart`. A row is the text of its values, as
the CSV kinds' are (`records_in.importing`).

They come in the order they happened, among the patient's sessions (`fhir_in` sorts them):
the verdict a review is recorded against, a stop (it needs a session in the course) and a
restart (it must follow the course's last session) depend on what came before.
"""

from django.utils import timezone

from records_in.csv_in import patient_by_mrn, refuse_difference
from records_in.importing import ADDED, UNCHANGED, Kind, RowError, choice, day, lookup, text, whole
from reviews.models import Decision, Review, Verdict
from reviews.progress import progress_for_patients
from reviews.reviewing import review_record
from scheduling.courses import course_restart
from scheduling.models import CourseState, CourseStatus
from treatments.forms import neurologists


def _neurologist(values: dict, column: str, default):
    username = text(values, column)
    if not username:
        return default
    return lookup(neurologists(), column, "neurologist", username=username)


def _check_verdict(patient, values: dict, reviewed_on) -> None:
    """A review carries the verdict the rules suggested when it was decided: refused when
    this clinic's records suggest another as of that day (the diary, the reported baseline
    or the sessions before are not all here yet), rather than recorded against another."""
    verdict = choice(values, "verdict", Verdict)
    if not verdict:
        return
    here = progress_for_patients([patient.pk], reviewed_on)[patient.pk].verdict
    if here != verdict:
        raise RowError(
            f"the verdict suggested as of {reviewed_on:%-d %b %Y} is “{Verdict(here).label}” "
            f"here, “{Verdict(verdict).label}” in the file: import the patient's diary and "
            "reported baseline before their reviews."
        )


def save_review(values: dict, by) -> str:
    """A review, matched by patient and day: recorded through `review_record`, as of its own
    day (a pause's resume date was in the future then), or left alone when recorded the same."""
    patient = patient_by_mrn(values)
    reviewed_on = day(values, "reviewed_on")
    if reviewed_on is None:
        raise RowError("reviewed_on is blank.")
    given = {
        "decision": choice(values, "decision", Decision),
        "reason": text(values, "reason"),
        "resume_on": day(values, "resume_on"),
        "midas": whole(values, "midas"),
        "hit6": whole(values, "hit6"),
    }
    if not given["decision"]:
        raise RowError("decision is blank.")
    stored = patient.reviews.filter(reviewed_on=reviewed_on).order_by("pk").first()
    if stored is not None:
        now = {name: getattr(stored, name) for name in given}
        return refuse_difference(f"The review of {reviewed_on:%-d %b %Y}", now, given)
    _check_verdict(patient, values, reviewed_on)
    review = Review(patient=patient, reviewed_on=reviewed_on, **given)
    reviewer = _neurologist(values, "reviewed_by", by)
    review_record(review=review, reviewed_by=reviewer, today=reviewed_on)
    return ADDED


def save_restart(values: dict, by) -> str:
    """A restart of the course (a new course from `started_on`) through `course_restart`, or
    left alone when the course state's history already has it."""
    patient = patient_by_mrn(values)
    started_on = day(values, "started_on")
    if started_on is None:
        raise RowError("started_on is blank.")
    restarts = CourseState.history.filter(
        patient_id=patient.pk, status=CourseStatus.ACTIVE, started_on=started_on
    )
    if restarts.exists():
        return UNCHANGED
    course_restart(
        patient=patient,
        started_on=started_on,
        reason=text(values, "reason"),
        by=_neurologist(values, "restarted_by", by),
        today=timezone.localdate(),
    )
    return ADDED


REVIEWS = Kind("reviews", (), (), save_review)
RESTARTS = Kind("course restarts", (), (), save_restart)
