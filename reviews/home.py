"""Reviews' sections of the home pages: the neurologist's queue, the desk's reviews to book."""

from clinic.sections import Section
from patients.models import Patient
from reviews.due import BOOK_AHEAD_DAYS, due_of, patients_due_review
from reviews.queue import queue_context
from scheduling.worklists import ROWS, booked_ahead


def review_queue(*, request, today) -> list[Section]:
    return [
        Section(
            "Review queue", "reviews/partials/review_queue.html", queue_context(request.GET, today)
        )
    ]


def reviews_to_book(today):
    """Active patients whose review is due, or falls due within `BOOK_AHEAD_DAYS`, and who
    have no review appointment booked."""
    return (
        patients_due_review(today, within_days=BOOK_AHEAD_DAYS)
        .filter(status=Patient.Status.ACTIVE)
        .exclude(booked_ahead("course__booked_review_at", today))
        .select_related("course")
        .order_by("review_summary__due_since", "family_name", "pk")
    )


def reviews_due(*, request, today) -> list[Section]:
    patients = list(reviews_to_book(today)[:ROWS])
    for patient in patients:
        patient.due = due_of(patient)
    return [
        Section(
            "Reviews due",
            "reviews/partials/reviews_due.html",
            {"reviews_due": patients, "rows_per_list": ROWS, "today": today},
        )
    ]


def portal_progress(*, patient, today) -> list[Section]:
    return [
        Section(
            "Your progress",
            "reviews/partials/portal_progress_link.html",
            {"has_sessions": patient.sessions.exists()},
        )
    ]
